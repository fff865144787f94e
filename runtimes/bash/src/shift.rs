//! The `shift` builtin with bash's statuses (brush's returns 2 when shifting past the end; bash returns 1 and
//! leaves the parameters unchanged, 2 only for a bad count).

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

/// Shift the positional parameters left by N (default 1).
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Shift {
    /// How many to drop.
    #[arg(allow_hyphen_values = true)]
    n: Option<String>,
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
        let n = match self.n.as_deref().map(str::parse::<usize>) {
            None => 1,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                let arg = self.n.as_deref().unwrap_or_default();
                writeln!(context.stderr(), "shift: {arg}: numeric argument required")?;
                return Ok(ExecutionResult::new(2));
            }
        };
        let args = context.shell.current_shell_args_mut();
        if n > args.len() {
            return Ok(ExecutionResult::new(1));
        }
        args.drain(..n);
        Ok(ExecutionResult::success())
    }
}
