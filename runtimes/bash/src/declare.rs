//! `declare`, `typeset` and `local` with name references (brush's builtin parses `-n` but brush-core did not
//! resolve references; the patched environment now does, see the brush-core patch's `set_nameref_resolution`).
//!
//! brush's builtin does the work; around it this module
//! * turns resolution off while it runs with `-n`/`+n` (`declare -n ref=$name` points `ref` anew instead of
//!   assigning `$name` to the variable `ref` already points at) or `-p` (`declare -p ref` shows the reference,
//!   `declare -n ref="a"`), and
//! * refuses a reference to itself (``declare: r: nameref variable self references not allowed``, status 1).

use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::OnceLock;

use brush_core::{CommandArg, ExecutionContext, ExecutionResult, builtins};
use brush_parser::ast::{AssignmentName, AssignmentValue};

use crate::errors::{Extensions, builtin_prefix};

type Outcome<'a> =
    Pin<Box<dyn Future<Output = Result<ExecutionResult, brush_core::Error>> + Send + 'a>>;

/// brush's `declare` (which `typeset` and `local` share).
static BRUSH_DECLARE: OnceLock<builtins::CommandExecuteFunc<Extensions>> = OnceLock::new();

/// brush's registration of `declare`, `typeset` or `local` with this module's checks around it.
pub(crate) fn registration(
    brush: builtins::Registration<Extensions>,
) -> builtins::Registration<Extensions> {
    let _ = BRUSH_DECLARE.set(brush.execute_func);
    builtins::Registration {
        execute_func: execute,
        ..brush
    }
}

/// What the option words ask for: (`-n` given, work on references themselves).
fn reference_options(args: &[CommandArg]) -> (bool, bool) {
    let mut make_reference = false;
    let mut unresolved = false;
    for arg in args.iter().skip(1) {
        let CommandArg::String(word) = arg else { break };
        if word == "--" || word.len() < 2 || !word.starts_with(['-', '+']) {
            break;
        }
        let letters = &word[1..];
        if letters.contains('n') {
            unresolved = true;
            make_reference |= word.starts_with('-');
        }
        unresolved |= letters.contains('p');
    }
    (make_reference, unresolved)
}

/// The name of an operand that makes a reference to itself (`r=r`).
fn self_reference(arg: &CommandArg) -> Option<&str> {
    match arg {
        CommandArg::Assignment(assignment) => match (&assignment.name, &assignment.value) {
            (AssignmentName::VariableName(name), AssignmentValue::Scalar(value))
                if *name == value.value =>
            {
                Some(name)
            }
            _ => None,
        },
        CommandArg::String(word) => word.split_once('=').filter(|(n, v)| n == v).map(|(n, _)| n),
    }
}

fn execute(context: ExecutionContext<'_, Extensions>, args: Vec<CommandArg>) -> Outcome<'_> {
    Box::pin(async move {
        let brush = BRUSH_DECLARE.get().copied().ok_or_else(|| {
            brush_core::Error::from(brush_core::ErrorKind::Unimplemented("declare"))
        })?;
        let (make_reference, unresolved) = reference_options(&args);
        let mut refused = false;
        let args = if make_reference {
            let prefix = builtin_prefix(context.shell, &context.command_name);
            let mut kept = Vec::with_capacity(args.len());
            for arg in args {
                if let Some(name) = self_reference(&arg) {
                    writeln!(
                        context.stderr(),
                        "{prefix}{name}: nameref variable self references not allowed"
                    )?;
                    refused = true;
                } else {
                    kept.push(arg);
                }
            }
            kept
        } else {
            args
        };
        let ExecutionContext {
            shell,
            command_name,
            params,
        } = context;
        let resolving = shell.env_mut().set_nameref_resolution(!unresolved);
        let result = brush(
            ExecutionContext {
                shell: &mut *shell,
                command_name,
                params,
            },
            args,
        )
        .await;
        shell.env_mut().set_nameref_resolution(resolving);
        let result = result?;
        Ok(if refused {
            ExecutionResult::general_error()
        } else {
            result
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(words: &[&str]) -> Vec<CommandArg> {
        words
            .iter()
            .map(|w| CommandArg::String((*w).to_owned()))
            .collect()
    }

    #[test]
    fn options_that_work_on_references() {
        assert_eq!(
            reference_options(&words(&["declare", "-n", "r=a"])),
            (true, true)
        );
        assert_eq!(
            reference_options(&words(&["local", "-rn", "r=a"])),
            (true, true)
        );
        assert_eq!(
            reference_options(&words(&["declare", "+n", "r"])),
            (false, true)
        );
        assert_eq!(
            reference_options(&words(&["declare", "-p", "r"])),
            (false, true)
        );
        assert_eq!(
            reference_options(&words(&["declare", "-i", "n=1"])),
            (false, false)
        );
        // Options end at the first operand.
        assert_eq!(
            reference_options(&words(&["declare", "x", "-n"])),
            (false, false)
        );
    }

    #[test]
    fn a_reference_to_itself() {
        assert_eq!(self_reference(&CommandArg::String("r=r".into())), Some("r"));
        assert_eq!(self_reference(&CommandArg::String("r=a".into())), None);
        assert_eq!(self_reference(&CommandArg::String("r".into())), None);
    }
}
