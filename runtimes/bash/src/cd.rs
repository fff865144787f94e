//! The `cd` builtin as bash 5.2 has it (brush's searches no `CDPATH`, refuses `cd ""` and extra operands with
//! usage errors, and words its errors its own way: `cd: i/o error: No such file or directory (os error 44)`).
//!
//! `cd [-L|-P] [-e] [dir]`: no operand is `$HOME` (`HOME not set`), `-` is `$OLDPWD` (printed after the
//! change), `""` changes nothing, more than one operand is `too many arguments`. A relative `dir` that does not
//! start with `.` or `..` is looked up in each `CDPATH` entry first (an empty entry is the current directory);
//! a directory found through a non-empty entry is printed. `-L` (the default) resolves `..` against the logical
//! path (checked first, then the physical one, as bash does), `-P` against the physical one where the platform
//! resolves symbolic links (WASI's `canonicalize` does not: there `-P` acts as `-L`). `-@` (extended attributes) does not exist in a sandbox: an invalid option.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

use crate::errors::{builtin_prefix, strip_os_error};

/// Change the shell working directory.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Cd {
    /// `[-L|-P] [-e] [dir]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Cd, SE>()
}

/// Where `cd` goes and whether it prints the new directory.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Nothing to do (`cd ""`).
    Stay,
    /// Change to this directory; print the new working directory after (`cd -`, a `CDPATH` hit).
    Dir { path: PathBuf, print: bool },
}

/// Resolves the operand to a target; an error is bash's message (after the `cd: ` prefix).
fn target(
    operands: &[String],
    var: impl Fn(&str) -> Option<String>,
    is_dir: impl Fn(&Path) -> bool,
) -> Result<Target, String> {
    let dir = match operands {
        [] => {
            return var("HOME")
                .map_or_else(|| Err("HOME not set".to_owned()), |home| Ok(plain(home)));
        }
        [_, _, ..] => return Err("too many arguments".to_owned()),
        [dir] => dir,
    };
    if dir == "-" {
        let old = var("OLDPWD").ok_or_else(|| "OLDPWD not set".to_owned())?;
        return Ok(Target::Dir {
            path: old.into(),
            print: true,
        });
    }
    if dir.is_empty() {
        return Ok(Target::Stay);
    }
    let anchored = dir.starts_with('/')
        || dir == "."
        || dir == ".."
        || dir.starts_with("./")
        || dir.starts_with("../");
    if !anchored && let Some(cdpath) = var("CDPATH") {
        for entry in cdpath.split(':') {
            let candidate = if entry.is_empty() {
                PathBuf::from(dir)
            } else {
                Path::new(entry).join(dir)
            };
            if is_dir(&candidate) {
                return Ok(Target::Dir {
                    path: candidate,
                    print: !entry.is_empty(),
                });
            }
        }
    }
    Ok(plain(dir.clone()))
}

fn plain(dir: String) -> Target {
    if dir.is_empty() {
        Target::Stay
    } else {
        Target::Dir {
            path: dir.into(),
            print: false,
        }
    }
}

/// Why `path` is no directory to change to, as bash words it (`Not a directory`, `No such file or directory`).
pub(crate) fn check_dir(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err("Not a directory".to_owned()),
        Err(e) => Err(strip_os_error(&e.to_string()).to_owned()),
    }
}

/// `path` with `.` dropped and `..` taking off the previous component, without looking at the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl builtins::Command for Cd {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = builtin_prefix(context.shell, "cd");
        let (flags, operands) = match crate::options::scan_for(&context, &self.args, "LPe") {
            Ok(scanned) => scanned,
            Err(status) => return Ok(status),
        };
        // The last of -L and -P wins; `set -P` makes -P the default.
        let physical = flags.iter().rev().find(|f| matches!(f, 'L' | 'P')).map_or(
            context
                .shell
                .options()
                .do_not_resolve_symlinks_when_changing_dir,
            |f| *f == 'P',
        );
        let shell = &*context.shell;
        let found = target(
            operands,
            |name| shell.env_str(name).map(|v| v.into_owned()),
            |path| shell.absolute_path(path).is_dir(),
        );
        let (path, print) = match found {
            Ok(Target::Stay) => return Ok(ExecutionResult::success()),
            Ok(Target::Dir { path, print }) => (path, print),
            Err(message) => {
                writeln!(context.stderr(), "{prefix}{message}")?;
                return Ok(ExecutionResult::general_error());
            }
        };
        let absolute = context.shell.absolute_path(&path);
        // bash checks the logical path first (`link/..` is the directory holding `link`), then the physical one.
        let logical = lexical(&absolute);
        let target = if physical || check_dir(&logical).is_err() {
            absolute
        } else {
            logical
        };
        if let Err(problem) = check_dir(&target) {
            writeln!(context.stderr(), "{prefix}{}: {problem}", path.display())?;
            return Ok(ExecutionResult::general_error());
        }
        let destination = if physical {
            target.canonicalize().unwrap_or(target)
        } else {
            target
        };
        context.shell.set_working_dir(&destination)?;
        if print {
            let now = context.shell.working_dir().to_string_lossy().into_owned();
            writeln!(context.stdout(), "{now}")?;
        }
        Ok(ExecutionResult::success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn ops(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn dir(path: &str, print: bool) -> Result<Target, String> {
        Ok(Target::Dir {
            path: path.into(),
            print,
        })
    }

    #[test]
    fn operands_as_bash_reads_them() {
        let env = vars(&[("HOME", "/home/u"), ("OLDPWD", "/old")]);
        let never = |_: &Path| false;
        assert_eq!(target(&ops(&[]), &env, never), dir("/home/u", false));
        assert_eq!(target(&ops(&["-"]), &env, never), dir("/old", true));
        assert_eq!(target(&ops(&[""]), &env, never), Ok(Target::Stay));
        assert_eq!(
            target(&ops(&["a", "b"]), &env, never),
            Err("too many arguments".into())
        );
        assert_eq!(
            target(&ops(&[]), vars(&[]), never),
            Err("HOME not set".into())
        );
        assert_eq!(
            target(&ops(&["-"]), vars(&[]), never),
            Err("OLDPWD not set".into())
        );
        assert_eq!(
            target(&ops(&[]), vars(&[("HOME", "")]), never),
            Ok(Target::Stay)
        );
    }

    #[test]
    fn dot_dot_is_taken_off_the_logical_path() {
        assert_eq!(lexical(Path::new("/w/link/../d1")), Path::new("/w/d1"));
        assert_eq!(lexical(Path::new("/w/./a/b/../../c")), Path::new("/w/c"));
        assert_eq!(lexical(Path::new("/..")), Path::new("/"));
    }

    #[test]
    fn cdpath_is_searched_for_relative_names_only() {
        let env = vars(&[("CDPATH", ":/base:/other")]);
        let exists = |p: &Path| p == Path::new("/base/target") || p == Path::new("/other/x");
        assert_eq!(
            target(&ops(&["target"]), &env, exists),
            dir("/base/target", true)
        );
        // An empty entry is the current directory, and a hit through it is not printed.
        let here = |p: &Path| p == Path::new("x") || p == Path::new("/other/x");
        assert_eq!(target(&ops(&["x"]), &env, here), dir("x", false));
        // `./`, `../` and absolute names skip CDPATH; a miss falls back to the name itself.
        assert_eq!(
            target(&ops(&["./target"]), &env, exists),
            dir("./target", false)
        );
        assert_eq!(
            target(&ops(&["nosuch"]), &env, exists),
            dir("nosuch", false)
        );
    }
}
