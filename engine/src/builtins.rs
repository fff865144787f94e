//! Built-in runtimes (`bash`, `python`): components shipped with runtimed and `krt`, found in a directory.
//!
//! ```text
//! <builtins dir>/
//!   python/
//!     component.wasm          the runtime's wasi:cli/command component
//!     root/                   optional: each directory in it is mounted read-only at /<name> in every Run
//!       python/               → /python (the interpreter's standard library)
//!   bash/
//!     component.wasm
//!     programs.txt            optional: the programs its scripts may spawn, one `NAME TARGET` per line, where
//!                             TARGET is a component file under this directory (`programs/coreutils.wasm`) or
//!                             another built-in runtime (`runtime:python`)
//!     programs/*.wasm         the tool components
//!     root/usr/bin/           placeholders, one per program, so `$PATH` search finds them
//! ```
//!
//! A tool component is registered as the runtime `<builtin>/<file stem>` (`bash/coreutils`), a name no Run can
//! use (Run runtimes are DNS labels); a program naming a built-in runtime that is not in the directory is left
//! out, so a Run never fails on a missing optional program.
//!
//! A built-in runtime is registered like any other component; its only extra is the read-only mounts, which
//! carry files the component needs at run time but should not be baked into it (the Python standard library
//! beyond the preloaded modules). The layout is written by `cargo xtask build-guests` into
//! `runtimes/target/builtins` and copied into the runtimed image.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::capabilities::{Mount, RuntimeCapabilities, RuntimePolicy};
use crate::error::{Error, Result};

/// File name of a built-in runtime's component inside its directory.
pub const COMPONENT_FILE: &str = "component.wasm";
/// Directory of a built-in runtime whose subdirectories are mounted read-only at the guest's root.
pub const ROOT_DIR: &str = "root";
/// File of a built-in runtime listing the programs it may spawn.
pub const PROGRAMS_FILE: &str = "programs.txt";
/// Prefix of a program target naming another built-in runtime.
const RUNTIME_TARGET: &str = "runtime:";
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
    /// Programs its Runs may spawn: program name → registered runtime name.
    pub programs: BTreeMap<String, String>,
    /// Tool components to register for those programs: runtime name → component path.
    pub tools: BTreeMap<String, PathBuf>,
}

/// A component to register so that a built-in runtime works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The runtime name.
    pub name: String,
    /// Path of the component.
    pub component: PathBuf,
    /// The policy it runs under.
    pub policy: RuntimePolicy,
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
        let (programs, tools) = read_programs(dir, name, &base)?;
        Ok(Some(Self {
            name: name.to_owned(),
            component,
            mounts,
            programs,
            tools,
        }))
    }

    /// Everything to register for this runtime to work: itself, its tool components and the other built-in
    /// runtimes its programs name, each with its policy (built on `base`).
    ///
    /// # Errors
    ///
    /// [`Error::Builtin`] when a built-in runtime named by a program is incomplete.
    pub fn registrations(&self, dir: &Path, base: &RuntimePolicy) -> Result<Vec<Registration>> {
        let mut all = vec![Registration {
            name: self.name.clone(),
            component: self.component.clone(),
            policy: self.policy(base.clone()),
        }];
        for (name, component) in &self.tools {
            all.push(Registration {
                name: name.clone(),
                component: component.clone(),
                policy: base.clone(),
            });
        }
        let mut others: Vec<&String> = self
            .programs
            .values()
            .filter(|r| !self.tools.contains_key(*r) && **r != self.name)
            .collect();
        others.sort();
        others.dedup();
        for other in others {
            if let Some(builtin) = Self::find(dir, other)? {
                all.push(Registration {
                    name: builtin.name.clone(),
                    component: builtin.component.clone(),
                    policy: builtin.policy(base.clone()),
                });
            }
        }
        Ok(all)
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

    /// The policy this built-in runtime is registered with: `base` plus its mounts and programs.
    pub fn policy(&self, base: RuntimePolicy) -> RuntimePolicy {
        let mut mounts = base.capabilities.mounts;
        mounts.extend(self.mounts.iter().cloned());
        let mut programs = base.capabilities.programs;
        programs.extend(self.programs.clone());
        RuntimePolicy {
            capabilities: RuntimeCapabilities {
                mounts,
                programs,
                ..base.capabilities
            },
            ..base
        }
    }
}

/// Reads `<base>/programs.txt`: the program map and the tool components it needs.
fn read_programs(
    dir: &Path,
    name: &str,
    base: &Path,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, PathBuf>)> {
    let mut programs = BTreeMap::new();
    let mut tools = BTreeMap::new();
    let path = base.join(PROGRAMS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((programs, tools)),
        Err(e) => {
            return Err(Error::Builtin {
                path,
                problem: format!("cannot be read: {e}"),
            });
        }
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |problem: String| Error::Builtin {
            path: path.clone(),
            problem: format!("line {}: {problem}", number + 1),
        };
        let (program, target) = line
            .split_once(char::is_whitespace)
            .map(|(p, t)| (p, t.trim()))
            .ok_or_else(|| bad(format!("expected `NAME TARGET`, found {line:?}")))?;
        if !is_program_name(program) {
            return Err(bad(format!("{program:?} is not a program name")));
        }
        if let Some(runtime) = target.strip_prefix(RUNTIME_TARGET) {
            // Another built-in runtime: only when it is there too (the python runtime may not be built).
            if runtime == name
                || (is_plain_name(runtime) && dir.join(runtime).join(COMPONENT_FILE).is_file())
            {
                programs.insert(program.to_owned(), runtime.to_owned());
            }
            continue;
        }
        let component = base.join(target);
        let stem = Path::new(target)
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| is_plain_name(s) && !target.contains(".."))
            .ok_or_else(|| bad(format!("{target:?} is not a component file name")))?;
        let runtime = format!("{name}/{stem}");
        // Many programs share one tool component (coreutils has ~70): each file is looked at once.
        match tools.get(&runtime) {
            Some(known) if *known == component => {}
            Some(known) => {
                return Err(bad(format!(
                    "{} and {} would both be the tool {runtime:?}",
                    known.display(),
                    component.display()
                )));
            }
            None => {
                if !component.is_file() {
                    return Err(bad(format!("{} does not exist", component.display())));
                }
                tools.insert(runtime.clone(), component);
            }
        }
        programs.insert(program.to_owned(), runtime);
    }
    Ok((programs, tools))
}

/// A file name in `/usr/bin`: no `/`, no whitespace or control characters, not `.` or `..` (`[` is a program).
fn is_program_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c.is_whitespace() || c.is_control())
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

    /// `programs.txt` maps programs to tool components (registered as `<builtin>/<stem>`) and to other built-in
    /// runtimes, leaving out those that are not there; the policy carries the map.
    #[test]
    fn programs_map_to_tools_and_other_builtins() {
        let dir = layout();
        let sh = dir.path().join("sh");
        std::fs::create_dir_all(sh.join("programs")).unwrap();
        std::fs::write(sh.join(COMPONENT_FILE), b"\0asm").unwrap();
        std::fs::write(sh.join("programs/coreutils.wasm"), b"\0asm").unwrap();
        std::fs::write(
            sh.join(PROGRAMS_FILE),
            "# tools\nls programs/coreutils.wasm\ncat  programs/coreutils.wasm\n\n\
             python3 runtime:python\nruby runtime:ruby\nsh runtime:sh\n",
        )
        .unwrap();
        let found = Builtin::find(dir.path(), "sh").unwrap().unwrap();
        let programs: Vec<(&str, &str)> = found
            .programs
            .iter()
            .map(|(p, r)| (p.as_str(), r.as_str()))
            .collect();
        assert_eq!(
            programs,
            [
                ("cat", "sh/coreutils"),
                ("ls", "sh/coreutils"),
                ("python3", "python"),
                ("sh", "sh")
            ]
        );
        let policy = found.policy(RuntimePolicy::default());
        assert_eq!(policy.capabilities.programs, found.programs);
        let names: Vec<String> = found
            .registrations(dir.path(), &RuntimePolicy::default())
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["sh", "sh/coreutils", "python"]);

        std::fs::write(sh.join(PROGRAMS_FILE), "grep programs/grep.wasm\n").unwrap();
        let err = Builtin::find(dir.path(), "sh").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("grep.wasm"), "{err}");

        // Two files with one stem would be one tool: refused, not one of them silently dropped.
        std::fs::create_dir_all(sh.join("more")).unwrap();
        std::fs::write(sh.join("more/coreutils.wasm"), b"\0asm").unwrap();
        std::fs::write(
            sh.join(PROGRAMS_FILE),
            "ls programs/coreutils.wasm\ncat more/coreutils.wasm\n",
        )
        .unwrap();
        let err = Builtin::find(dir.path(), "sh").unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("\"sh/coreutils\""),
            "{err}"
        );
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
