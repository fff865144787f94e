//! `pushd`, `popd` and `dirs` as bash 5.2 has them (brush's take no `+N`/`-N`, refuse `pushd` without an
//! operand with a usage error, and word their errors their own way).
//!
//! The stack as bash shows it: entry 0 is the current directory, then the saved ones, most recent first. brush
//! keeps the saved ones (most recent last) in [`brush_core::Shell::directory_stack`]; the patched `DIRSTACK`
//! lists the same entries as bash.
//!
//! * `dirs [-clpv] [+N|-N]`: the stack (`~` for `$HOME` unless `-l`), one per line with `-p`, numbered with
//!   `-v`; `+N`/`-N` shows one entry, counted from the left or the right; `-c` clears it.
//! * `pushd [-n] [dir|+N|-N]`: changes to `dir` and saves the directory it left; `+N`/`-N` rotates entry N to the
//!   top and changes there; no operand swaps the top two. Then prints the stack.
//! * `popd [-n] [+N|-N]`: drops the top entry and changes to the next; `+N`/`-N` drops entry N. Then prints the
//!   stack.
//!
//! `-n` keeps the current directory: only the saved entries change.

use std::io::Write as _;
use std::path::PathBuf;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

use crate::errors::builtin_prefix;

/// `dirs`, `pushd` or `popd`: the command name tells which.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct DirStack {
    /// Options and operands.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<DirStack, SE>()
}

/// `+N` or `-N`: the index of an entry of a stack of `len` entries (`-0` is the last).
fn entry_index(spec: &str, len: usize) -> Option<Result<usize, ()>> {
    let (from_right, digits) = match spec.as_bytes().first() {
        Some(b'+') => (false, &spec[1..]),
        Some(b'-') => (true, &spec[1..]),
        _ => return None,
    };
    let n: usize = digits.parse().ok()?;
    Some(if n >= len {
        Err(())
    } else if from_right {
        Ok(len - 1 - n)
    } else {
        Ok(n)
    })
}

/// What a `pushd` or `popd` does to the stack (bash's order): the new stack, whose entry 0 is the directory to
/// change to; an error is the message (after the builtin's prefix).
/// Why `pushd` or `popd` refuses: a failure (status 1) or a usage error (status 2, with the usage line).
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Failed(String),
    Usage(String),
}

fn failed<T>(message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::Failed(message.into()))
}

fn change(command: &str, stack: &[String], operand: Option<&str>) -> Result<Vec<String>, Refusal> {
    let mut new = stack.to_vec();
    match (command, operand) {
        ("pushd", None) => {
            if new.len() < 2 {
                return failed("no other directory");
            }
            new.swap(0, 1);
        }
        ("pushd", Some(spec)) => match entry_index(spec, new.len()) {
            Some(Ok(i)) => new.rotate_left(i),
            Some(Err(())) => return failed(format!("{spec}: directory stack index out of range")),
            None => new.insert(0, spec.to_owned()),
        },
        (_, None) => {
            if new.len() < 2 {
                return failed("directory stack empty");
            }
            new.remove(0);
        }
        (_, Some(spec)) => match entry_index(spec, new.len()) {
            None => return Err(Refusal::Usage(format!("{spec}: invalid argument"))),
            _ if new.len() < 2 => return failed("directory stack empty"),
            Some(Ok(i)) => {
                new.remove(i);
            }
            Some(Err(())) => return failed(format!("{spec}: directory stack index out of range")),
        },
    }
    Ok(new)
}

/// `pushd -n`/`popd -n`: the same changes below the top entry, which stays (the current directory).
fn change_keeping_dir(
    command: &str,
    stack: &[String],
    operand: Option<&str>,
) -> Result<Vec<String>, Refusal> {
    let Some((top, saved)) = stack.split_first() else {
        return failed("directory stack empty");
    };
    let mut new = match (command, operand) {
        ("pushd", Some(dir)) if entry_index(dir, stack.len()).is_none() => {
            let mut new = stack.to_vec();
            new.insert(1, dir.to_owned());
            return Ok(new);
        }
        ("popd", None) => {
            if saved.is_empty() {
                return failed("directory stack empty");
            }
            let mut new = stack.to_vec();
            new.remove(1);
            return Ok(new);
        }
        _ => change(command, stack, operand)?,
    };
    // A rotation keeps the current directory on top: the entries below it keep their order.
    if new.first() != Some(top) {
        if let Some(at) = new.iter().position(|d| d == top) {
            new.remove(at);
        }
        new.insert(0, top.clone());
    }
    Ok(new)
}

impl builtins::Command for DirStack {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let command = context.command_name.clone();
        let prefix = builtin_prefix(context.shell, &command);
        let letters = if command == "dirs" { "clpv" } else { "n" };
        // `+N`/`-N` are operands, not options.
        let (flags, operands) = match self.args.first() {
            Some(first) if first.len() > 1 && first[1..].bytes().all(|b| b.is_ascii_digit()) => {
                (Vec::new(), &self.args[..])
            }
            _ => match crate::options::scan_for(&context, &self.args, letters) {
                Ok(scanned) => scanned,
                Err(status) => return Ok(status),
            },
        };
        let stack = bash_order(context.shell);
        if command == "dirs" {
            if flags.contains(&'c') {
                context.shell.directory_stack_mut().clear();
                return Ok(ExecutionResult::success());
            }
            let shown = |dir: &String| {
                if flags.contains(&'l') {
                    dir.clone()
                } else {
                    context.shell.tilde_shorten(dir.clone())
                }
            };
            let mut out = String::new();
            match operands.first() {
                Some(spec) => match entry_index(spec, stack.len()) {
                    Some(Ok(i)) => out = format!("{}\n", shown(&stack[i])),
                    Some(Err(())) if stack.len() < 2 => {
                        writeln!(context.stderr(), "{prefix}directory stack empty")?;
                        return Ok(ExecutionResult::general_error());
                    }
                    _ => {
                        writeln!(
                            context.stderr(),
                            "{prefix}{}: directory stack index out of range",
                            &spec[1..]
                        )?;
                        return Ok(ExecutionResult::general_error());
                    }
                },
                None if flags.contains(&'v') => {
                    for (i, dir) in stack.iter().enumerate() {
                        out.push_str(&format!("{i:2}  {}\n", shown(dir)));
                    }
                }
                None if flags.contains(&'p') => {
                    for dir in &stack {
                        out.push_str(&format!("{}\n", shown(dir)));
                    }
                }
                None => {
                    let all: Vec<String> = stack.iter().map(shown).collect();
                    out = format!("{}\n", all.join(" "));
                }
            }
            write!(context.stdout(), "{out}")?;
            return Ok(ExecutionResult::success());
        }
        let keep_dir = flags.contains(&'n');
        if operands.len() > 1 {
            writeln!(context.stderr(), "{prefix}too many arguments")?;
            return Ok(ExecutionResult::general_error());
        }
        // `pushd -` is `pushd "$OLDPWD"` (bash runs `cd -` for it, which prints the directory).
        let oldpwd = context.shell.env_str("OLDPWD").map(|d| d.into_owned());
        let operand = match operands.first().map(String::as_str) {
            Some("-") if command == "pushd" => {
                let Some(old) = oldpwd.as_deref() else {
                    writeln!(context.stderr(), "{prefix}OLDPWD not set")?;
                    return Ok(ExecutionResult::general_error());
                };
                writeln!(context.stdout(), "{old}")?;
                Some(old)
            }
            other => other,
        };
        let changed = if keep_dir {
            change_keeping_dir(&command, &stack, operand)
        } else {
            change(&command, &stack, operand)
        };
        let mut new = match changed {
            Ok(new) => new,
            Err(Refusal::Failed(message)) => {
                writeln!(context.stderr(), "{prefix}{message}")?;
                return Ok(ExecutionResult::general_error());
            }
            Err(Refusal::Usage(message)) => {
                let usage = crate::usage::usage(&command).unwrap_or_default();
                writeln!(
                    context.stderr(),
                    "{prefix}{message}\n{command}: usage: {usage}"
                )?;
                return Ok(ExecutionResult::new(2));
            }
        };
        if !keep_dir && new[0] != stack[0] {
            let target = context.shell.absolute_path(&new[0]);
            if let Err(problem) = crate::cd::check_dir(&target) {
                writeln!(context.stderr(), "{prefix}{}: {problem}", new[0])?;
                return Ok(ExecutionResult::general_error());
            }
            context.shell.set_working_dir(&target)?;
            new[0] = context.shell.working_dir().to_string_lossy().into_owned();
        }
        *context.shell.directory_stack_mut() = new[1..].iter().rev().map(PathBuf::from).collect();
        let shown: Vec<String> = new
            .iter()
            .map(|d| context.shell.tilde_shorten(d.clone()))
            .collect();
        writeln!(context.stdout(), "{}", shown.join(" "))?;
        Ok(ExecutionResult::success())
    }
}

/// The stack in bash's order: the current directory, then the saved ones, most recent first.
fn bash_order<SE: brush_core::ShellExtensions>(shell: &brush_core::Shell<SE>) -> Vec<String> {
    std::iter::once(shell.working_dir().to_path_buf())
        .chain(shell.directory_stack().iter().rev().cloned())
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(dirs: &[&str]) -> Vec<String> {
        dirs.iter().map(|d| (*d).to_owned()).collect()
    }

    #[test]
    fn indexes_count_from_either_end() {
        assert_eq!(entry_index("+0", 3), Some(Ok(0)));
        assert_eq!(entry_index("+2", 3), Some(Ok(2)));
        assert_eq!(entry_index("-0", 3), Some(Ok(2)));
        assert_eq!(entry_index("+3", 3), Some(Err(())));
        assert_eq!(entry_index("dir", 3), None);
    }

    #[test]
    fn pushd_and_popd_as_bash() {
        let s = stack(&["/c", "/b", "/a", "/h"]);
        assert_eq!(
            change("pushd", &s, Some("+1")),
            Ok(stack(&["/b", "/a", "/h", "/c"]))
        );
        assert_eq!(
            change("pushd", &s, None),
            Ok(stack(&["/b", "/c", "/a", "/h"]))
        );
        assert_eq!(
            change("pushd", &s, Some("x")),
            Ok(stack(&["x", "/c", "/b", "/a", "/h"]))
        );
        assert_eq!(change("popd", &s, None), Ok(stack(&["/b", "/a", "/h"])));
        assert_eq!(
            change("popd", &s, Some("+1")),
            Ok(stack(&["/c", "/a", "/h"]))
        );
        assert_eq!(
            change("popd", &stack(&["/h"]), None),
            Err(Refusal::Failed("directory stack empty".into()))
        );
        assert_eq!(
            change("pushd", &stack(&["/h"]), None),
            Err(Refusal::Failed("no other directory".into()))
        );
    }

    #[test]
    fn with_n_the_current_directory_stays_on_top() {
        let s = stack(&["/c", "/b", "/a"]);
        assert_eq!(
            change_keeping_dir("pushd", &s, Some("/x")),
            Ok(stack(&["/c", "/x", "/b", "/a"]))
        );
        assert_eq!(
            change_keeping_dir("popd", &s, None),
            Ok(stack(&["/c", "/a"]))
        );
        assert_eq!(
            change_keeping_dir("popd", &s, Some("+2")),
            Ok(stack(&["/c", "/b"]))
        );
    }
}
