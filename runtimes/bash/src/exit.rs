//! The `exit` builtin with bash's argument handling (brush's parses its operand with clap: `exit abc` printed a
//! clap error, `exit 1 2` a usage message and did not exit).
//!
//! `exit [--] [n]`: `n` is a decimal integer as bash's `legal_number` reads it (blanks around it, a sign), taken
//! modulo 256; none means the last status. A non-numeric `n` is `numeric argument required` and the shell exits
//! with 2. Extra operands are `too many arguments`, status 1: bash then abandons the rest of the command line
//! (which ends a `bash -c` string); here the shell exits with 1 in a command string and, in a script, the
//! `exit` fails with 1 and the script goes on (brush cannot abandon just the rest of a line).

use std::io::Write as _;

use brush_core::{ExecutionControlFlow, ExecutionResult, builtins};
use clap::Parser;

use crate::errors::{COMMAND_STRING, builtin_prefix};

/// Exit the shell.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Exit {
    /// `[n]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Exit, SE>().special()
}

/// bash's `legal_number`: optional blanks, an optional sign, decimal digits, optional blanks; within `i64`.
pub(crate) fn legal_number(word: &str) -> Option<i64> {
    let trimmed = word.trim_matches(|c| c == ' ' || c == '\t' || c == '\n');
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    trimmed.strip_prefix('+').unwrap_or(trimmed).parse().ok()
}

impl builtins::Command for Exit {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let exiting = |code: u8| {
            let mut result = ExecutionResult::new(code);
            result.next_control_flow = ExecutionControlFlow::ExitShell;
            result
        };
        let operands = crate::options::operands(&self.args);
        let Some(word) = operands.first() else {
            return Ok(exiting(context.shell.last_exit_status()));
        };
        let prefix = builtin_prefix(context.shell, "exit");
        let Some(n) = legal_number(word) else {
            writeln!(
                context.stderr(),
                "{prefix}{word}: numeric argument required"
            )?;
            return Ok(exiting(2));
        };
        if operands.len() > 1 {
            writeln!(context.stderr(), "{prefix}too many arguments")?;
            if COMMAND_STRING.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(exiting(1));
            }
            return Ok(ExecutionResult::general_error());
        }
        Ok(exiting((n & 0xff) as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::legal_number;

    #[test]
    fn numbers_as_bash_reads_them() {
        assert_eq!(legal_number("3"), Some(3));
        assert_eq!(legal_number(" -1 "), Some(-1));
        assert_eq!(legal_number("+7"), Some(7));
        assert_eq!(legal_number("abc"), None);
        assert_eq!(legal_number(""), None);
        assert_eq!(legal_number("1x"), None);
        assert_eq!(legal_number("-"), None);
        assert_eq!(legal_number("99999999999999999999"), None);
    }
}
