//! The built-in bash runtime: brush patched at build time, the shell component, its tool components.
//!
//! brush-core is not copied into the repository. [`prepare`] fetches brush-core from the registry (cargo checks
//! its digest), unpacks it into `runtimes/bash/target/patched/` and applies `runtimes/bash/patches/*.patch`;
//! `runtimes/bash/Cargo.toml` points `[patch.crates-io]` there. [`build`] then builds the shell and assembles
//! `runtimes/target/builtins/bash/` (see `kruntimes_engine::builtins` for the layout): the shell, every tool component of
//! `runtimes/tools/*` under `programs/`, `programs.txt`, one placeholder per program in `root/usr/bin/`, and an
//! empty `root/dev/null`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::BUILTINS_DIR;
use crate::setup::{guest_cargo, run};

/// The patched crate and its version (the version `runtimes/bash/Cargo.toml` pins).
const BRUSH_CORE: &str = "brush-core-0.5.0";
/// The program list of a built-in runtime (`kruntimes_engine::builtins::PROGRAMS_FILE`).
const PROGRAMS_FILE: &str = "programs.txt";
/// Programs that are other built-in runtimes.
const RUNTIME_PROGRAMS: [(&str, &str); 4] = [
    ("bash", "bash"),
    ("sh", "bash"),
    ("python", "python"),
    ("python3", "python"),
];

/// Unpacks and patches brush-core unless the patch is unchanged since the last time.
pub(crate) fn prepare(root: &Path) -> Result<()> {
    let bash = root.join("runtimes/bash");
    let patch = bash.join("patches").join(format!("{BRUSH_CORE}.patch"));
    let patch_text =
        std::fs::read(&patch).with_context(|| format!("reading {}", patch.display()))?;
    let mut hasher = DefaultHasher::new();
    patch_text.hash(&mut hasher);
    let stamp_value = format!("{:016x}\n", hasher.finish());
    let patched = bash.join("target/patched");
    let dest = patched.join(BRUSH_CORE);
    let stamp = patched.join(format!("{BRUSH_CORE}.stamp"));
    if dest.is_dir() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&stamp_value) {
        return Ok(());
    }
    let archive = fetch_crate(root, BRUSH_CORE)?;
    if dest.exists() {
        std::fs::remove_dir_all(&dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    std::fs::create_dir_all(&patched)?;
    run(&patched, "tar", &["-xzf", &archive.to_string_lossy()])?;
    run(
        &dest,
        "patch",
        &["-p1", "--quiet", "--input", &patch.to_string_lossy()],
    )?;
    std::fs::write(&stamp, stamp_value).with_context(|| format!("writing {}", stamp.display()))?;
    eprintln!("{BRUSH_CORE}: unpacked and patched into {}", dest.display());
    Ok(())
}

/// The registry archive of `crate_version` (`name-x.y.z`), downloaded by cargo into its cache when missing.
fn fetch_crate(root: &Path, crate_version: &str) -> Result<PathBuf> {
    let (name, version) = crate_version
        .rsplit_once('-')
        .context("crate-version without a version")?;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let find = || -> Option<PathBuf> {
        let cache = cargo_home.join("registry/cache");
        std::fs::read_dir(cache)
            .ok()?
            .filter_map(|e| e.ok())
            .find_map(|index| {
                let file = index.path().join(format!("{crate_version}.crate"));
                file.is_file().then_some(file)
            })
    };
    if let Some(found) = find() {
        return Ok(found);
    }
    // A throwaway package depending on exactly that version makes cargo download (and verify) it.
    let fetch = root.join("runtimes/bash/target/fetch");
    std::fs::create_dir_all(fetch.join("src"))?;
    std::fs::write(
        fetch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fetch\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n\
             {name} = \"={version}\"\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(fetch.join("src/lib.rs"), "")?;
    guest_cargo(&fetch, &["fetch", "--quiet"])?;
    match find() {
        Some(found) => Ok(found),
        None => bail!(
            "cargo fetched {crate_version} but its archive is not in {}",
            cargo_home.display()
        ),
    }
}

/// Builds the shell and assembles the built-in runtime directory (after the `runtimes` workspace, which holds
/// the tools, was built).
pub(crate) fn build(root: &Path) -> Result<()> {
    prepare(root)?;
    let bash = root.join("runtimes/bash");
    guest_cargo(&bash, &["build", "--release", "--locked"])?;
    assemble(root)
}

/// Lints the shell crate (clippy on wasm32) and runs its unit tests natively.
pub(crate) fn lint(root: &Path) -> Result<()> {
    prepare(root)?;
    let bash = root.join("runtimes/bash");
    guest_cargo(&bash, &["fmt", "--check"])?;
    guest_cargo(
        &bash,
        &[
            "clippy",
            "--release",
            "--locked",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Runs the shell crate's unit tests on the build machine's target.
pub(crate) fn unit_tests(root: &Path) -> Result<()> {
    prepare(root)?;
    let host = host_target()?;
    guest_cargo(
        &root.join("runtimes/bash"),
        &["test", "--locked", "--target", &host],
    )
}

pub(crate) fn host_target() -> Result<String> {
    let output = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV printed no host")
}

/// A tool crate: its binary and the program names it answers to.
struct Tool {
    bin: String,
    programs: Vec<String>,
}

/// The tool crates of `runtimes/tools/*`, from `cargo metadata` (`[package.metadata.kruntimes] programs`).
fn tools(root: &Path) -> Result<Vec<Tool>> {
    let output = std::process::Command::new("cargo")
        .env_remove("CARGO_TARGET_DIR")
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(root.join("runtimes"))
        .output()
        .context("running cargo metadata in runtimes/")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_yaml::Value =
        serde_yaml::from_slice(&output.stdout).context("parsing cargo metadata")?;
    let mut tools = Vec::new();
    for package in metadata["packages"].as_sequence().into_iter().flatten() {
        let manifest = package["manifest_path"].as_str().unwrap_or_default();
        if !manifest.contains("/runtimes/tools/") {
            continue;
        }
        let name = package["name"].as_str().unwrap_or_default();
        let programs: Vec<String> = package["metadata"]["kruntimes"]["programs"]
            .as_sequence()
            .with_context(|| {
                format!("tool crate {name} lists no [package.metadata.kruntimes] programs")
            })?
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        let bins: Vec<&str> = package["targets"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|t| {
                t["kind"]
                    .as_sequence()
                    .is_some_and(|k| k.iter().any(|k| k.as_str() == Some("bin")))
            })
            .filter_map(|t| t["name"].as_str())
            .collect();
        let [bin] = bins.as_slice() else {
            bail!("tool crate {name} must have exactly one binary, has {bins:?}");
        };
        tools.push(Tool {
            bin: (*bin).to_owned(),
            programs,
        });
    }
    tools.sort_by(|a, b| a.bin.cmp(&b.bin));
    Ok(tools)
}

/// Writes `runtimes/target/builtins/bash/` from the built shell and tools.
fn assemble(root: &Path) -> Result<()> {
    let out = root.join(BUILTINS_DIR).join("bash");
    let staging = root.join(BUILTINS_DIR).join(".bash.tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let usr_bin = staging.join("root/usr/bin");
    std::fs::create_dir_all(staging.join("programs"))?;
    std::fs::create_dir_all(&usr_bin)?;
    // Children open /dev/null by path (`grep -q x /dev/null`, `cp /dev/null f`): an empty read-only file
    // (the shell itself handles /dev/null in redirections, writable).
    std::fs::create_dir_all(staging.join("root/dev"))?;
    std::fs::write(staging.join("root/dev/null"), "")?;
    copy(
        &root.join("runtimes/bash/target/wasm32-wasip2/release/bash.wasm"),
        &staging.join("component.wasm"),
    )?;
    let mut programs: BTreeMap<String, String> = BTreeMap::new();
    for tool in tools(root)? {
        let file = format!("programs/{}.wasm", tool.bin);
        copy(
            &root
                .join("runtimes/target/wasm32-wasip2/release")
                .join(format!("{}.wasm", tool.bin)),
            &staging.join(&file),
        )?;
        for program in tool.programs {
            if let Some(previous) = programs.insert(program.clone(), file.clone()) {
                bail!("program {program} is provided by both {previous} and {file}");
            }
        }
    }
    for (program, runtime) in RUNTIME_PROGRAMS {
        programs.insert(program.to_owned(), format!("runtime:{runtime}"));
    }
    let mut list = String::from(
        "# Programs bash scripts can run: NAME TARGET (a component here, or runtime:<built-in runtime>).\n\
         # Written by `cargo xtask build-guests`.\n",
    );
    for (program, target) in &programs {
        list.push_str(&format!("{program} {target}\n"));
        // The placeholder makes `$PATH` search, `command -v` and `test -x` find the program.
        std::fs::write(
            usr_bin.join(program),
            format!("#!/usr/bin/env kruntimes-program\n# {program}: {target}\n"),
        )?;
    }
    std::fs::write(staging.join(PROGRAMS_FILE), list)?;
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::rename(&staging, &out)
        .with_context(|| format!("moving {} to {}", staging.display(), out.display()))?;
    eprintln!(
        "bash runtime: {} programs in {}",
        programs.len(),
        out.display()
    );
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}
