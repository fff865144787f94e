//! `declare`, `typeset` and `local` with name references (brush's builtin parses `-n` but brush-core did not
//! resolve references; the patched environment now does, see the brush-core patch's `set_nameref_resolution`).
//!
//! brush's builtin does the work; around it this module
//! * turns resolution off while it runs with `-n`/`+n` (`declare -n ref=$name` points `ref` anew instead of
//!   assigning `$name` to the variable `ref` already points at) or `-p` (`declare -p ref` shows the reference,
//!   `declare -n ref="a"`), and
//! * refuses a reference to itself (``declare: r: nameref variable self references not allowed``, status 1).

use std::io::Write as _;

use brush_core::{CommandArg, ExecutionContext, ExecutionResult, builtins};
use brush_parser::ast::{AssignmentName, AssignmentValue};

use crate::errors::{Extensions, builtin_prefix};
use crate::wrapped::{Outcome, Wrapped};

/// brush's `declare` (which `typeset` and `local` share).
static BRUSH: Wrapped = Wrapped::new("declare");

/// brush's registration of `declare`, `typeset` or `local` with this module's checks around it.
pub(crate) fn registration(
    brush: builtins::Registration<Extensions>,
) -> builtins::Registration<Extensions> {
    BRUSH.wrap(brush, execute)
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
        let brush = BRUSH.brush()?;
        let (make_reference, unresolved) = reference_options(&args);
        let mut refused = false;
        let mut operands_left = true;
        let args = if make_reference {
            // In a function bash only warns (`local -n result=$1` called with `result`: the name then
            // stands for the caller's variable, as it does here with the operand left out); elsewhere it
            // is an error.
            let in_function = context.shell.in_function();
            let prefix = builtin_prefix(context.shell, &context.command_name);
            let mut kept = Vec::with_capacity(args.len());
            for arg in args {
                match self_reference(&arg) {
                    Some(name) if in_function => {
                        writeln!(
                            context.stderr(),
                            "{prefix}warning: {name}: circular name reference"
                        )?;
                    }
                    Some(name) => {
                        writeln!(
                            context.stderr(),
                            "{prefix}{name}: nameref variable self references not allowed"
                        )?;
                        refused = true;
                    }
                    None => kept.push(arg),
                }
            }
            // Only options left would make brush list every reference: not what was asked.
            operands_left = kept
                .iter()
                .skip(1)
                .any(|arg| !matches!(arg, CommandArg::String(w) if w.starts_with(['-', '+'])));
            kept
        } else {
            args
        };
        if !operands_left {
            return Ok(if refused {
                ExecutionResult::general_error()
            } else {
                ExecutionResult::success()
            });
        }
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

    /// The patched environment's name-reference resolution, which this module switches off and on.
    mod resolution {
        use brush_core::ShellValue;
        use brush_core::env::{EnvironmentLookup, EnvironmentScope, ShellEnvironment};
        use brush_core::variables::{ShellValueLiteral, ShellVariable};

        fn env(vars: &[(&str, &str, bool)]) -> ShellEnvironment {
            let mut env = ShellEnvironment::new();
            for (name, value, reference) in vars {
                let mut var = ShellVariable::new(ShellValue::String((*value).to_owned()));
                if *reference {
                    var.treat_as_nameref();
                }
                env.add(*name, var, EnvironmentScope::Global).unwrap();
            }
            env
        }

        fn value(env: &ShellEnvironment, name: &str) -> Option<String> {
            env.get(name).and_then(|(_, v)| match v.value() {
                ShellValue::String(s) => Some(s.clone()),
                _ => None,
            })
        }

        #[test]
        fn references_stand_for_their_targets_through_chains() {
            let env = env(&[("a", "end", false), ("b", "a", true), ("c", "b", true)]);
            assert_eq!(env.resolve_nameref("c").as_deref(), Some("a"));
            assert_eq!(value(&env, "c").as_deref(), Some("end"));
            assert_eq!(env.resolve_nameref("a"), None);
        }

        #[test]
        fn a_cycle_resolves_to_nothing() {
            let env = env(&[("a", "b", true), ("b", "a", true)]);
            assert_eq!(env.resolve_nameref("a"), None);
            assert_eq!(value(&env, "a").as_deref(), Some("b"));
        }

        #[test]
        fn assignment_and_unset_go_to_the_target_unless_resolution_is_off() {
            let mut env = env(&[("v", "1", false), ("r", "v", true)]);
            let assign = |env: &mut ShellEnvironment, name: &str, value: &str| {
                env.update_or_add(
                    name,
                    ShellValueLiteral::Scalar(value.to_owned()),
                    |_| Ok(()),
                    EnvironmentLookup::Anywhere,
                    EnvironmentScope::Global,
                )
                .unwrap();
            };
            assign(&mut env, "r", "5");
            assert_eq!(value(&env, "v").as_deref(), Some("5"));

            assert!(env.set_nameref_resolution(false));
            assign(&mut env, "r", "w");
            assert!(!env.set_nameref_resolution(true));
            assert_eq!(env.resolve_nameref("r").as_deref(), Some("w"));
            assert_eq!(value(&env, "v").as_deref(), Some("5"));

            assign(&mut env, "w", "x");
            env.unset("r").unwrap();
            assert_eq!(value(&env, "w"), None);
            assert!(env.get_unresolved("r").is_some());
        }

        #[test]
        fn an_element_target_is_assigned_as_an_element() {
            let mut env = env(&[("r", "a[1]", true)]);
            env.update_or_add(
                "r",
                ShellValueLiteral::Scalar("Y".to_owned()),
                |_| Ok(()),
                EnvironmentLookup::Anywhere,
                EnvironmentScope::Global,
            )
            .unwrap();
            let (_, a) = env.get("a").unwrap();
            assert!(
                matches!(a.value(), ShellValue::IndexedArray(m) if m.get(&1).map(String::as_str) == Some("Y"))
            );
        }
    }
}
