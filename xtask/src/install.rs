//! `cargo xtask install --prefix DIR`: `krt` with its built-in runtimes, laid out as an installed `krt` finds
//! them: `DIR/bin/krt` and `DIR/share/kruntimes/runtimes/{bash,python}` (see `cli/src/runtimes.rs`).

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::{guests, setup};

/// Builds `krt` (release) and the built-in runtimes, then copies both under `prefix`, replacing an earlier install.
pub(crate) fn install(root: &Path, prefix: &Path) -> Result<()> {
    setup::ensure_wasm_target(root)?;
    guests::build(root, guests::Scope::BuiltinsOnly)?;
    setup::run(
        root,
        "cargo",
        &["build", "--release", "--locked", "-p", "krt"],
    )?;

    let bin = prefix.join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    let krt = bin.join("krt");
    // A new file, then a rename: a running `krt` keeps its old binary.
    let staged = bin.join(".krt.new");
    std::fs::copy(root.join("target/release/krt"), &staged)
        .with_context(|| format!("copying krt to {}", staged.display()))?;
    std::fs::rename(&staged, &krt).with_context(|| format!("installing {}", krt.display()))?;

    let runtimes = prefix.join("share/kruntimes/runtimes");
    if runtimes.exists() {
        std::fs::remove_dir_all(&runtimes)
            .with_context(|| format!("removing the old {}", runtimes.display()))?;
    }
    let files = copy_tree(&root.join(crate::BUILTINS_DIR), &runtimes)?;
    eprintln!(
        "installed {} and the built-in runtimes ({files} files) in {}\ntry: {} local run --runtime bash -- echo hello",
        krt.display(),
        runtimes.display(),
        krt.display()
    );
    Ok(())
}

/// Copies the regular files and directories of `from` into `to` (created); returns the number of files.
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    let mut files = 0;
    let mut pending = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dest)) = pending.pop() {
        let meta = std::fs::metadata(&src).with_context(|| format!("reading {}", src.display()))?;
        if meta.is_dir() {
            std::fs::create_dir_all(&dest)
                .with_context(|| format!("creating {}", dest.display()))?;
            for entry in
                std::fs::read_dir(&src).with_context(|| format!("listing {}", src.display()))?
            {
                let entry = entry?;
                pending.push((entry.path(), dest.join(entry.file_name())));
            }
        } else if meta.is_file() {
            std::fs::copy(&src, &dest).with_context(|| format!("copying {}", src.display()))?;
            files += 1;
        } else {
            bail!("{}: not a file or directory", src.display());
        }
    }
    Ok(files)
}
