//! The `printf` builtin (brush compiles its own out on wasm32), formatting with uucore as GNU `printf` does.
//!
//! `printf [-v VAR] FORMAT [ARGUMENTS...]`: the format is reused until the arguments are used up; `-v` assigns
//! the result to a variable instead of printing it.

use std::io::Write;
use std::ops::ControlFlow;

use brush_core::{ExecutionResult, builtins, expansion};
use clap::Parser;
use uucore::format::{self, EscapedChar, FormatArgument, FormatArguments, FormatItem};

/// Format and print arguments.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Printf {
    /// Assign the output to this variable instead of printing it.
    #[arg(short = 'v')]
    variable: Option<String>,

    /// The format, then its arguments.
    #[arg(trailing_var_arg = true, required = true, allow_hyphen_values = true)]
    format_and_args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Printf, SE>()
}

impl builtins::Command for Printf {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let mut out = Vec::new();
        let status = render(&self.format_and_args, &mut out, &mut context.stderr());
        match &self.variable {
            Some(name) => {
                let value = String::from_utf8_lossy(&out).into_owned();
                expansion::assign_to_named_parameter(context.shell, &context.params, name, value)
                    .await?;
            }
            None => {
                let mut stdout = context.stdout();
                stdout.write_all(&out)?;
                stdout.flush()?;
            }
        }
        Ok(ExecutionResult::new(status))
    }
}

/// Formats into `out`; problems with arguments go to `err` and make the status 1, as in bash.
fn render(format_and_args: &[String], out: &mut Vec<u8>, err: &mut impl Write) -> u8 {
    let Some((format, args)) = format_and_args.split_first() else {
        let _ = writeln!(err, "printf: usage: printf [-v var] format [arguments]");
        return 2;
    };
    let items: Result<Vec<FormatItem<EscapedChar>>, _> =
        format::parse_spec_and_escape(format.as_bytes()).collect();
    let items = match items {
        Ok(items) => items,
        Err(e) => {
            let _ = writeln!(err, "printf: {e}");
            return 1;
        }
    };
    let args: Vec<FormatArgument> = args
        .iter()
        .map(|a| FormatArgument::Unparsed(a.into()))
        .collect();
    let mut arguments = FormatArguments::new(&args);
    // uucore reports a bad number (`printf %d abc`) with a message and its process exit code, not an error.
    uucore::error::set_exit_code(0);
    let mut status = 0;
    loop {
        for item in &items {
            match item.write(&mut *out, &mut arguments) {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(())) => {
                    return status.max(u8::from(uucore::error::get_exit_code() != 0));
                }
                Err(e) => {
                    let _ = writeln!(err, "printf: {e}");
                    status = 1;
                }
            }
        }
        arguments.start_next_batch();
        if args.is_empty() || arguments.is_exhausted() {
            return if uucore::error::get_exit_code() == 0 {
                status
            } else {
                1
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    fn printf(args: &[&str]) -> (String, u8) {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let mut out = Vec::new();
        let status = render(&args, &mut out, &mut std::io::sink());
        (String::from_utf8(out).unwrap(), status)
    }

    #[test]
    fn formats_like_gnu_printf() {
        assert_eq!(printf(&["%s|", "x", "y"]), ("x|y|".into(), 0));
        assert_eq!(printf(&["%05.2f\\n", "3.14159"]), ("03.14\n".into(), 0));
        assert_eq!(
            printf(&["%-4s|%3d|%x\\n", "ab", "7", "255"]),
            ("ab  |  7|ff\n".into(), 0)
        );
        assert_eq!(printf(&["no args\\n"]), ("no args\n".into(), 0));
        assert_eq!(printf(&["%d\\n", "abc"]).1, 1);
    }
}
