//! `history`, `fc` and `logout` as bash has them in a script, which is what a Run's shell always is: command
//! history is off in a non-interactive shell and it is never a login shell (brush's `history` and `fc` failed
//! with "history is not enabled", and its `logout` returned 99).
//!
//! * `history [-c] [-d offset] [n]`, `history -anrw [file]`, `history -ps arg...`: nothing is listed or kept;
//!   status 0 (an unknown option is bash's usage error, status 2).
//! * `fc -l ...` lists nothing (status 0); `fc -s` finds no command (`fc: no command found`, status 1); `fc`
//!   to edit does nothing.
//! * `logout`: ``logout: not login shell: use `exit'``, status 1.

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

use crate::errors::builtin_prefix;

/// `history`, `fc` or `logout`: the command name tells which.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct History {
    /// Options and operands.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<History, SE>()
}

/// The option letters each takes. `fc`'s `-e` and `history`'s `-d` take a value, which `scan` sees as an
/// operand after them (nothing is listed or kept either way).
fn letters(command: &str) -> &'static str {
    match command {
        "history" => "cdanrwps",
        // `fc -l -5`: a negative number is a history offset, not an option.
        "fc" => "elnrs0123456789",
        _ => "",
    }
}

impl builtins::Command for History {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let command = context.command_name.clone();
        let prefix = builtin_prefix(context.shell, &command);
        if command == "logout" {
            writeln!(context.stderr(), "{prefix}not login shell: use `exit'")?;
            return Ok(ExecutionResult::general_error());
        }
        let flags = match crate::options::scan_for(&context, &self.args, letters(&command)) {
            Ok((flags, _)) => flags,
            Err(status) => return Ok(status),
        };
        if command == "fc" && flags.contains(&'s') {
            writeln!(context.stderr(), "{prefix}no command found")?;
            return Ok(ExecutionResult::general_error());
        }
        Ok(ExecutionResult::success())
    }
}

#[cfg(test)]
mod tests {
    use super::letters;

    #[test]
    fn each_command_has_bash_options() {
        assert_eq!(letters("history"), "cdanrwps");
        assert_eq!(letters("fc"), "elnrs0123456789");
        assert_eq!(letters("logout"), "");
    }
}
