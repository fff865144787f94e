//! Files between the user's machine and a local Run's workspace: `--file PATH[:DEST]` copies files and directories
//! in before the guest starts (through the workspace's directory capability, so no `DEST` can leave it), and
//! `--keep-workspace DIR` copies the workspace out after the Run ends.
//!
//! Both walks are iterative (a guest can nest directories thousands deep) and never follow a symbolic link out of
//! the tree they copy: a link in the user's tree to a file is copied as that file's content, a link to a directory
//! is skipped and said; links a guest made are skipped and counted.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use cap_std::fs::Dir;
use kruntimes_engine::Seed;

/// One `--file`: a path on this machine and where it goes in the workspace (relative, no `..`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileFlag {
    pub(crate) host: PathBuf,
    pub(crate) dest: PathBuf,
}

impl FileFlag {
    /// `PATH` (into the workspace under its own name) or `PATH:DEST`. `PATH` must exist.
    pub(crate) fn parse(flag: &str) -> Result<Self> {
        let (host, dest) = match flag.rsplit_once(':') {
            Some((host, dest)) if !Path::new(flag).exists() && !host.is_empty() => {
                (PathBuf::from(host), PathBuf::from(dest))
            }
            _ => {
                let host = PathBuf::from(flag);
                let name = std::fs::canonicalize(&host)
                    .ok()
                    .and_then(|p| p.file_name().map(PathBuf::from))
                    .with_context(|| format!("--file {flag}: no such file or directory here"))?;
                (host, name)
            }
        };
        if std::fs::metadata(&host).is_err() {
            bail!("--file {flag}: {} does not exist here", host.display());
        }
        let inside = !dest.as_os_str().is_empty()
            && dest
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            bail!(
                "--file {flag}: the destination {:?} must be a relative path inside the workspace, without `..` \
                 (e.g. --file data.csv:input/data.csv)",
                dest.display().to_string()
            );
        }
        Ok(Self { host, dest })
    }
}

/// The workspace filler for `files`, in order (a later one may overwrite an earlier one's files).
pub(crate) fn seed(files: Vec<FileFlag>) -> Seed {
    Seed(Arc::new(move |dir: &Dir| {
        for file in &files {
            copy_in(dir, &file.host, &file.dest).map_err(|e| {
                io::Error::new(e.kind(), format!("--file {}: {e}", file.host.display()))
            })?;
        }
        Ok(())
    }))
}

/// Copies `host` (a file or a directory tree) to `dest` inside `dir`.
fn copy_in(dir: &Dir, host: &Path, dest: &Path) -> io::Result<()> {
    let mut pending = vec![(host.to_path_buf(), dest.to_path_buf())];
    while let Some((from, to)) = pending.pop() {
        // The top path is the user's choice and may be a link; inside a tree, links to directories are not followed.
        let is_top = from == host;
        let meta = if is_top {
            std::fs::metadata(&from)?
        } else {
            std::fs::symlink_metadata(&from)?
        };
        let meta = if meta.file_type().is_symlink() {
            match std::fs::metadata(&from) {
                Ok(target) if target.is_file() => target,
                _ => {
                    eprintln!(
                        "krt: --file {}: skipped {} (a link to a directory or to nothing)",
                        host.display(),
                        from.display()
                    );
                    continue;
                }
            }
        } else {
            meta
        };
        if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
            dir.create_dir_all(parent)?;
        }
        if meta.is_dir() {
            dir.create_dir_all(&to)?;
            for entry in std::fs::read_dir(&from)? {
                let entry = entry?;
                pending.push((entry.path(), to.join(entry.file_name())));
            }
        } else if meta.is_file() {
            let mut source = std::fs::File::open(&from)?;
            let mut target = dir.create(&to)?;
            io::copy(&mut source, &mut target)?;
        } else {
            eprintln!(
                "krt: --file {}: skipped {} (not a file or directory)",
                host.display(),
                from.display()
            );
        }
    }
    Ok(())
}

/// What [`keep_workspace`] copied.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Kept {
    /// Regular files copied.
    pub(crate) files: u64,
    /// Their bytes.
    pub(crate) bytes: u64,
    /// Symbolic links and other non-regular entries the guest made, not copied.
    pub(crate) skipped: u64,
}

/// Copies the workspace at `workspace` (a host directory the guest wrote) into `to`, which must not exist or be an
/// empty directory. Guest-made links are skipped: copying one could make `to` point anywhere on this machine.
pub(crate) fn keep_workspace(workspace: &Path, to: &Path) -> Result<Kept> {
    if std::fs::read_dir(to).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!(
            "--keep-workspace {}: the directory is not empty; give a new or empty one",
            to.display()
        );
    }
    std::fs::create_dir_all(to)
        .with_context(|| format!("--keep-workspace {}: cannot create it", to.display()))?;
    let mut kept = Kept::default();
    let mut pending = vec![(workspace.to_path_buf(), to.to_path_buf())];
    while let Some((from, dest)) = pending.pop() {
        let context = || format!("--keep-workspace: copying {}", from.display());
        let meta = std::fs::symlink_metadata(&from).with_context(context)?;
        if meta.is_dir() {
            if from != workspace {
                std::fs::create_dir(&dest).with_context(context)?;
            }
            for entry in std::fs::read_dir(&from).with_context(context)? {
                let entry = entry.with_context(context)?;
                pending.push((entry.path(), dest.join(entry.file_name())));
            }
        } else if meta.is_file() {
            kept.bytes += std::fs::copy(&from, &dest).with_context(context)?;
            kept.files += 1;
        } else {
            kept.skipped += 1;
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_flags_name_their_destination() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "a,b\n").unwrap();
        let data_text = data.to_string_lossy().into_owned();
        assert_eq!(
            FileFlag::parse(&data_text).unwrap(),
            FileFlag {
                host: data.clone(),
                dest: "data.csv".into()
            }
        );
        assert_eq!(
            FileFlag::parse(&format!("{data_text}:in/x.csv"))
                .unwrap()
                .dest,
            Path::new("in/x.csv")
        );
        for bad in [format!("{data_text}:../x"), format!("{data_text}:/etc/x")] {
            let err = FileFlag::parse(&bad).unwrap_err().to_string();
            assert!(
                err.contains("must be a relative path inside the workspace"),
                "{err}"
            );
        }
        let err = FileFlag::parse("/surely/missing.txt")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/surely/missing.txt"), "{err}");
    }

    #[test]
    fn trees_are_copied_in_and_out_without_following_links_out() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("proj/src")).unwrap();
        std::fs::write(src.path().join("proj/src/main.py"), "print(1)\n").unwrap();
        std::fs::write(src.path().join("outside.txt"), "secret\n").unwrap();
        std::os::unix::fs::symlink(
            src.path().join("outside.txt"),
            src.path().join("proj/link.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(src.path(), src.path().join("proj/loop")).unwrap();

        let ws = tempfile::tempdir().unwrap();
        let dir = Dir::open_ambient_dir(ws.path(), cap_std::ambient_authority()).unwrap();
        let flags = vec![FileFlag::parse(&src.path().join("proj").to_string_lossy()).unwrap()];
        (seed(flags).0)(&dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(ws.path().join("proj/src/main.py")).unwrap(),
            "print(1)\n"
        );
        // A link to a file is copied as its content; a link to a directory is not followed.
        assert_eq!(
            std::fs::read_to_string(ws.path().join("proj/link.txt")).unwrap(),
            "secret\n"
        );
        assert!(!ws.path().join("proj/loop").exists());

        // Out: a guest-made link is skipped, files and their bytes counted; a non-empty target is refused.
        std::os::unix::fs::symlink("/etc/passwd", ws.path().join("proj/passwd")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let to = out.path().join("kept");
        let kept = keep_workspace(ws.path(), &to).unwrap();
        assert_eq!(
            kept,
            Kept {
                files: 2,
                bytes: 16,
                skipped: 1
            }
        );
        assert!(to.join("proj/src/main.py").is_file());
        assert!(std::fs::symlink_metadata(to.join("proj/passwd")).is_err());
        let err = keep_workspace(ws.path(), &to).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
    }
}
