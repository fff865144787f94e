//! The `.` and `source` builtins as bash 5.2 has them (brush's searches no `PATH`, prints a clap usage error
//! without a file name, and words a missing file `failed to source file: x`).
//!
//! `. filename [arguments]`: a name without a slash is looked up in `PATH` first (bash's `sourcepath`, on by
//! default, `shopt -u sourcepath` turns it off), as a regular file (it need not be executable), then in the current directory. A file that cannot
//! be read is `x: No such file or directory`, a directory `.: x: is a directory` (status 1); no name is `filename argument required` (status 2).
//! A RETURN trap runs when the file finishes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use brush_core::traps::TrapSignal;
use brush_core::{ErrorKind, ExecutionResult, builtins};
use clap::Parser;

use crate::errors::{builtin_prefix, shell_prefix, strip_os_error};

/// Run the commands of a file in the current shell.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Dot {
    /// `filename [arguments]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// `.` is a POSIX special builtin; `source` is not.
pub(crate) fn registration<SE: brush_core::ShellExtensions>(
    special: bool,
) -> builtins::Registration<SE> {
    let registration = builtins::builtin::<Dot, SE>();
    if special {
        registration.special()
    } else {
        registration
    }
}

/// The file `name` refers to: a name with a slash as it is, else the first regular file of that name in a
/// `PATH` directory, else the name in the current directory.
fn locate(name: &str, path_var: Option<&str>, is_file: impl Fn(&Path) -> bool) -> PathBuf {
    if !name.contains('/')
        && let Some(found) = path_var
            .into_iter()
            .flat_map(|p| p.split(':'))
            .map(|dir| Path::new(if dir.is_empty() { "." } else { dir }).join(name))
            .find(|candidate| is_file(candidate))
    {
        return found;
    }
    PathBuf::from(name)
}

impl builtins::Command for Dot {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let name = context.command_name.clone();
        let (_, operands) = match crate::options::scan_for(&context, &self.args, "") {
            Ok(scanned) => scanned,
            Err(status) => return Ok(status),
        };
        let Some((file, args)) = operands.split_first() else {
            let prefix = builtin_prefix(context.shell, &name);
            writeln!(
                context.stderr(),
                "{prefix}filename argument required\n{name}: usage: {name} filename [arguments]"
            )?;
            return Ok(ExecutionResult::new(2));
        };
        let shell = &*context.shell;
        let path_var = shell.env_str("PATH").map(|p| p.into_owned());
        // `shopt -u sourcepath` turns the `PATH` search off.
        let path_var = path_var.filter(|_| shell.options().source_builtin_searches_path);
        let path = locate(file, path_var.as_deref(), |p| {
            shell.absolute_path(p).is_file()
        });
        let params = context.params.clone();
        let outcome = context
            .shell
            .source_script(&path, args.iter(), &params)
            .await;
        // bash runs the RETURN trap when a sourced file finishes, as when a function returns.
        if outcome.is_ok() && context.shell.traps().handles(TrapSignal::Return) {
            let _ = context
                .shell
                .invoke_trap_handler(TrapSignal::Return, &params)
                .await;
        }
        let Err(e) = &outcome else { return outcome };
        let ErrorKind::FailedSourcingFile(_, io) = e.kind() else {
            return outcome;
        };
        // bash names the builtin for a directory, not for a file it cannot open.
        let (prefix, problem) = if io.kind() == std::io::ErrorKind::IsADirectory {
            (
                builtin_prefix(context.shell, &name),
                "is a directory".to_owned(),
            )
        } else {
            (
                shell_prefix(context.shell),
                strip_os_error(&io.to_string()).to_owned(),
            )
        };
        writeln!(context.stderr(), "{prefix}{file}: {problem}")?;
        Ok(ExecutionResult::general_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_a_slash_are_searched_in_path_first() {
        let exists = |p: &Path| p == Path::new("/bin/lib.sh") || p == Path::new("./here.sh");
        assert_eq!(
            locate("lib.sh", Some("/usr/bin:/bin"), exists),
            Path::new("/bin/lib.sh")
        );
        // Not in PATH: the current directory.
        assert_eq!(
            locate("x.sh", Some("/usr/bin:/bin"), exists),
            Path::new("x.sh")
        );
        // An empty PATH entry is the current directory.
        assert_eq!(
            locate("here.sh", Some(":/bin"), exists),
            Path::new("./here.sh")
        );
        // A name with a slash is never searched.
        assert_eq!(
            locate("./lib.sh", Some("/bin"), exists),
            Path::new("./lib.sh")
        );
        assert_eq!(locate("lib.sh", None, exists), Path::new("lib.sh"));
    }
}
