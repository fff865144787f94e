//! The `return` builtin with bash's argument handling (brush's parses its operand with clap: `return -1` was an
//! unknown option, `return abc` a clap error).
//!
//! `return [n]`: `n` is read like `exit`'s ([`crate::exit::legal_number`], `--` before it skipped) and taken
//! modulo 256, so `return -1` is 255; none means the last status. A non-numeric `n` is `numeric argument
//! required` and returns 2. Outside a function or sourced script it is ``can only `return' from a function or
//! sourced script``, status 2. Extra operands are `too many arguments`, status 1, without returning (bash
//! abandons the rest of the command line, which brush cannot).

use std::io::Write as _;

use brush_core::{ExecutionControlFlow, ExecutionResult, builtins};
use clap::Parser;

use crate::errors::builtin_prefix;
use crate::exit::legal_number;

/// Return from a shell function or sourced script.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Return {
    /// `[n]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Return, SE>().special()
}

impl builtins::Command for Return {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = builtin_prefix(context.shell, "return");
        if !context.shell.in_function() && !context.shell.in_sourced_script() {
            writeln!(
                context.stderr(),
                "{prefix}can only `return' from a function or sourced script"
            )?;
            return Ok(ExecutionResult::new(2));
        }
        let operands = crate::options::operands(&self.args);
        let code = match operands {
            [] => context.shell.last_exit_status(),
            [word] => match legal_number(word) {
                Some(n) => (n & 0xff) as u8,
                None => {
                    writeln!(
                        context.stderr(),
                        "{prefix}{word}: numeric argument required"
                    )?;
                    2
                }
            },
            [_, _, ..] => {
                writeln!(context.stderr(), "{prefix}too many arguments")?;
                return Ok(ExecutionResult::general_error());
            }
        };
        let mut result = ExecutionResult::new(code);
        result.next_control_flow = ExecutionControlFlow::ReturnFromFunctionOrScript;
        Ok(result)
    }
}
