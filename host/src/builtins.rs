//! Built-in runtimes (`bash`, `python`): components shipped with runtimed and `krt`, found in a directory.
//!
//! ```text
//! <builtins dir>/
//!   python/
//!     component.wasm          the runtime's wasi:cli/command component
//!     root/                   optional: each directory in it is mounted read-only at /<name> in every Run
//!       python/               → /python (the interpreter's standard library)
//! ```
//!
//! A built-in runtime is registered like any other component; its only extra is the read-only mounts, which
//! carry files the component needs at run time but should not be baked into it (the Python standard library
//! beyond the preloaded modules). The layout is written by `cargo xtask build-guests` into
//! `runtimes/target/builtins` and copied into the runtimed image.

use std::path::{Path, PathBuf};

use crate::capabilities::{Mount, RuntimeCapabilities, RuntimePolicy};
use crate::error::{Error, Result};

/// File name of a built-in runtime's component inside its directory.
pub const COMPONENT_FILE: &str = "component.wasm";
/// Directory of a built-in runtime whose subdirectories are mounted read-only at the guest's root.
pub const ROOT_DIR: &str = "root";
/// Environment variable naming the built-ins directory (runtimed's `--builtins`, `krt local --builtins`).
pub const BUILTINS_ENV: &str = "KRUNTIMES_BUILTINS";

/// One built-in runtime found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builtin {
    /// The runtime name (`python`), the directory's name.
    pub name: String,
    /// Path of the component.
    pub component: PathBuf,
    /// Read-only trees mounted into every Run of this runtime.
    pub mounts: Vec<Mount>,
}

impl Builtin {
    /// Reads the built-in runtime `name` from `dir/name`; `Ok(None)` when there is no such directory.
    ///
    /// # Errors
    ///
    /// [`Error::Builtin`] when the directory exists but has no component, or a name or mount is unusable.
    pub fn find(dir: &Path, name: &str) -> Result<Option<Self>> {
        if !is_plain_name(name) {
            return Ok(None);
        }
        // Mounts need absolute host paths; a relative directory is taken from the working directory.
        let base = std::path::absolute(dir.join(name)).map_err(|e| Error::Builtin {
            path: dir.join(name),
            problem: format!("has no absolute path: {e}"),
        })?;
        if !base.is_dir() {
            return Ok(None);
        }
        let component = base.join(COMPONENT_FILE);
        if !component.is_file() {
            return Err(Error::Builtin {
                path: base,
                problem: format!("has no {COMPONENT_FILE}"),
            });
        }
        let mut mounts = Vec::new();
        let root = base.join(ROOT_DIR);
        if root.is_dir() {
            let entries = std::fs::read_dir(&root).map_err(|e| Error::Builtin {
                path: root.clone(),
                problem: format!("cannot be listed: {e}"),
            })?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::Builtin {
                    path: root.clone(),
                    problem: format!("cannot be listed: {e}"),
                })?;
                let file_name = entry.file_name();
                let Some(top) = file_name.to_str().filter(|n| is_plain_name(n)) else {
                    continue;
                };
                // Symlinks are not followed: a mount is exactly the tree that was shipped.
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    mounts.push(Mount {
                        host_path: entry.path(),
                        guest_path: format!("/{top}"),
                    });
                }
            }
            mounts.sort_by(|a, b| a.guest_path.cmp(&b.guest_path));
        }
        Ok(Some(Self {
            name: name.to_owned(),
            component,
            mounts,
        }))
    }

    /// Every built-in runtime in `dir`, by name.
    ///
    /// # Errors
    ///
    /// [`Error::Builtin`] when `dir` cannot be listed or a runtime in it is incomplete.
    pub fn all(dir: &Path) -> Result<Vec<Self>> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::Builtin {
            path: dir.to_path_buf(),
            problem: format!("cannot be listed: {e}"),
        })?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        let mut found = Vec::new();
        for name in names {
            if let Some(builtin) = Self::find(dir, &name)? {
                found.push(builtin);
            }
        }
        Ok(found)
    }

    /// The policy this built-in runtime is registered with: `base` plus its mounts.
    pub fn policy(&self, base: RuntimePolicy) -> RuntimePolicy {
        let mut mounts = base.capabilities.mounts;
        mounts.extend(self.mounts.iter().cloned());
        RuntimePolicy {
            capabilities: RuntimeCapabilities {
                mounts,
                ..base.capabilities
            },
            ..base
        }
    }
}

/// A single path component of letters, digits, `-`, `_` and `.`, not starting with a dot.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let py = dir.path().join("python");
        std::fs::create_dir_all(py.join("root/python/json")).unwrap();
        std::fs::create_dir_all(py.join("root/etc")).unwrap();
        std::fs::write(py.join("root/stray-file"), "x").unwrap();
        std::fs::write(py.join(COMPONENT_FILE), b"\0asm").unwrap();
        std::fs::create_dir_all(dir.path().join("broken")).unwrap();
        dir
    }

    /// Each directory under `root/` becomes a read-only mount at `/<name>`; files there are ignored.
    #[test]
    fn finds_component_and_mounts() {
        let dir = layout();
        let py = Builtin::find(dir.path(), "python").unwrap().unwrap();
        assert_eq!(py.component, dir.path().join("python/component.wasm"));
        let guest: Vec<_> = py.mounts.iter().map(|m| m.guest_path.as_str()).collect();
        assert_eq!(guest, ["/etc", "/python"]);
        let policy = py.policy(RuntimePolicy::default());
        assert_eq!(policy.capabilities.mounts, py.mounts);
    }

    /// A relative built-ins directory still yields absolute mount paths (what the capability policy requires).
    #[test]
    fn relative_directory_gives_absolute_mounts() {
        let dir = layout();
        let cwd = std::env::current_dir().unwrap();
        let relative = pathdiff(dir.path(), &cwd);
        let py = Builtin::find(&relative, "python").unwrap().unwrap();
        assert!(py.component.is_absolute(), "{}", py.component.display());
        assert!(py.mounts.iter().all(|m| m.host_path.is_absolute()));
    }

    /// `to` relative to `from` through `..` components.
    fn pathdiff(to: &Path, from: &Path) -> PathBuf {
        let ups = from.components().count() - 1;
        let mut rel = PathBuf::new();
        for _ in 0..ups {
            rel.push("..");
        }
        rel.join(to.strip_prefix("/").unwrap())
    }

    /// Unknown names are `None`; a directory without a component is an error naming the file.
    #[test]
    fn missing_and_incomplete() {
        let dir = layout();
        assert_eq!(Builtin::find(dir.path(), "ruby").unwrap(), None);
        assert_eq!(Builtin::find(dir.path(), "../python").unwrap(), None);
        let err = Builtin::find(dir.path(), "broken").unwrap_err().to_string();
        assert!(err.contains("component.wasm"), "{err}");
        assert!(Builtin::all(dir.path()).is_err());
    }
}
