//! The `shift` builtin with bash's statuses and messages (brush's returns 2 when shifting past the end; bash
//! returns 1 and leaves the parameters unchanged). A count that is not a number (`numeric argument required`) or
//! is negative (`shift count out of range`) fails with 1 as well.

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

/// Shift the positional parameters left by N (default 1).
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Shift {
    /// `[--] [n]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Shift, SE>().special()
}

impl builtins::Command for Shift {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = crate::errors::builtin_prefix(context.shell, "shift");
        let operands = crate::options::operands(&self.args);
        if operands.len() > 1 {
            writeln!(context.stderr(), "{prefix}too many arguments")?;
            return Ok(ExecutionResult::general_error());
        }
        let word = operands.first().map(String::as_str);
        let n = match word.map(crate::exit::legal_number) {
            None => 1,
            Some(Some(n)) => n,
            Some(None) => {
                let word = word.unwrap_or_default();
                writeln!(
                    context.stderr(),
                    "{prefix}{word}: numeric argument required"
                )?;
                return Ok(ExecutionResult::general_error());
            }
        };
        let Ok(n) = usize::try_from(n) else {
            let word = word.unwrap_or_default();
            writeln!(context.stderr(), "{prefix}{word}: shift count out of range")?;
            return Ok(ExecutionResult::general_error());
        };
        if n > context.shell.current_shell_args().len() {
            // `shopt -s shift_verbose` says so.
            if context.shell.options().shift_verbose {
                writeln!(context.stderr(), "{prefix}{n}: shift count out of range")?;
            }
            return Ok(ExecutionResult::new(1));
        }
        let args = context.shell.current_shell_args_mut();
        args.drain(..n);
        Ok(ExecutionResult::success())
    }
}
