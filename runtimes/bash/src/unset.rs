//! The `unset` builtin as bash 5.2 has it (brush's refused `-n`, ignored `unset 'a[@]'`, and worded a negative
//! subscript out of range `array index out of range: -5`).
//!
//! `unset [-f] [-v] [-n] [name ...]`: without `-f` or `-v` a name is a variable if one is set, else a function.
//! A name reference is unset through (its target goes), or itself with `-n`. `a[i]` unsets one element (the
//! subscript is arithmetic for an indexed array, negative counting from the end; a scalar is its own element
//! 0), `a[@]` and `a[*]` every element of an indexed array (in an associative array they are the keys `@` and
//! `*`). A name that cannot be unset (readonly) is reported and the others are still unset; the status is 1. `-f` with `-v` is refused; a name that is not an identifier is refused with `-v` and ignored
//! otherwise, as bash does.

use std::io::Write as _;

use brush_core::env::valid_variable_name;
use brush_core::env::{EnvironmentLookup, EnvironmentScope};
use brush_core::variables::{ArrayLiteral, ShellValueLiteral, ShellValueUnsetType, ShellVariable};
use brush_core::{ExecutionResult, ShellValue, builtins};
use brush_parser::word::Parameter;
use clap::Parser;

use crate::errors::builtin_prefix;

/// Unset values and attributes of shell variables and functions.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Unset {
    /// `[-f] [-v] [-n] [name ...]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Unset, SE>().special()
}

/// The key a (possibly negative) index of an indexed array names: a negative one counts back from one past
/// the highest index; `None` when it reaches before the first.
fn indexed_key(index: i64, highest: Option<u64>) -> Option<u64> {
    if index >= 0 {
        return u64::try_from(index).ok();
    }
    let end = i64::try_from(highest.map_or(0, |h| h + 1)).ok()?;
    u64::try_from(end + index).ok()
}

impl builtins::Command for Unset {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = builtin_prefix(context.shell, "unset");
        let (flags, names) = match crate::options::scan_for(&context, &self.args, "fvn") {
            Ok(scanned) => scanned,
            Err(status) => return Ok(status),
        };
        let (functions, variables, references) = (
            flags.contains(&'f'),
            flags.contains(&'v'),
            flags.contains(&'n'),
        );
        if functions && variables {
            writeln!(
                context.stderr(),
                "{prefix}cannot simultaneously unset a function and a variable"
            )?;
            return Ok(ExecutionResult::general_error());
        }
        let mut status = 0;
        for name in names {
            let readonly_function = context
                .shell
                .funcs()
                .get(name)
                .is_some_and(|f| f.is_readonly());
            if functions {
                if readonly_function {
                    writeln!(
                        context.stderr(),
                        "{prefix}{name}: cannot unset: readonly function"
                    )?;
                    status = 1;
                } else {
                    context.shell.undefine_func(name);
                }
                continue;
            }
            match unset_one(context.shell, name, variables, references) {
                Ok(Outcome::Variable) => {}
                Ok(Outcome::NotAVariable) if !variables && !references && readonly_function => {
                    writeln!(
                        context.stderr(),
                        "{prefix}{name}: cannot unset: readonly function"
                    )?;
                    status = 1;
                }
                Ok(Outcome::NotAVariable) if !variables && !references => {
                    context.shell.undefine_func(name);
                }
                Ok(Outcome::NotAVariable) => {}
                Ok(Outcome::Refused(message)) => {
                    writeln!(context.stderr(), "{prefix}{message}")?;
                    status = 1;
                }
                // A readonly variable, a bad subscript: reported, and the other names are still unset.
                Err(e) => {
                    let e = brush_core::Error::from(brush_core::ErrorKind::BuiltinError(
                        Box::new(e),
                        "unset".to_owned(),
                    ));
                    let _ = context.shell.display_error(&mut context.stderr(), &e);
                    status = 1;
                }
            }
        }
        Ok(ExecutionResult::new(status))
    }
}

/// What `unset` did with one name.
enum Outcome {
    /// A variable (or elements of it) was unset, or there was nothing of that name to unset.
    Variable,
    /// The name is no variable name (it may still name a function).
    NotAVariable,
    /// Refused, with bash's message (after `unset: `).
    Refused(String),
}

/// Whether `name` is a local of a function that called the current one (not of the current function).
fn hides_callers_local<SE: brush_core::ShellExtensions>(
    shell: &brush_core::Shell<SE>,
    name: &str,
) -> bool {
    shell.in_function()
        && shell
            .env()
            .get_using_policy(name, EnvironmentLookup::OnlyInCurrentLocal)
            .is_none()
        && matches!(shell.env().get(name), Some((EnvironmentScope::Local, _)))
}

fn unset_one<SE: brush_core::ShellExtensions>(
    shell: &mut brush_core::Shell<SE>,
    name: &str,
    only_variables: bool,
    references: bool,
) -> Result<Outcome, brush_core::Error> {
    let parameter = brush_parser::word::parse_parameter(name, &shell.parser_options());
    match parameter {
        Ok(Parameter::Named(var)) if valid_variable_name(&var) => {
            if !references && shell.options().localvar_unset && hides_callers_local(shell, &var) {
                // `localvar_unset`: a calling function's local stays declared, unset, so that the caller
                // sees it unset and not the variable its local hides.
                if let Some((_, found)) = shell.env_mut().get_mut(&var) {
                    if found.is_readonly() {
                        return Ok(Outcome::Refused(format!(
                            "{var}: cannot unset: readonly variable"
                        )));
                    }
                    *found = ShellVariable::new(ShellValue::Unset(ShellValueUnsetType::Untyped));
                }
                return Ok(Outcome::Variable);
            }
            let resolving = shell.env_mut().set_nameref_resolution(!references);
            let removed = shell.env_mut().unset(&var);
            shell.env_mut().set_nameref_resolution(resolving);
            Ok(if removed?.is_some() {
                Outcome::Variable
            } else {
                Outcome::NotAVariable
            })
        }
        Ok(Parameter::NamedWithIndex { name: var, index }) if valid_variable_name(&var) => {
            unset_element(shell, &var, &index)
        }
        Ok(Parameter::NamedWithAllIndices {
            name: var,
            concatenate,
        }) if valid_variable_name(&var) => {
            let Some((_, found)) = shell.env_mut().get_mut(&var) else {
                return Ok(Outcome::Variable);
            };
            match found.value() {
                // Every element of an indexed array; in an associative array `@` and `*` are keys.
                ShellValue::IndexedArray(_) => {
                    found.assign(ShellValueLiteral::Array(ArrayLiteral(Vec::new())), false)?;
                }
                ShellValue::AssociativeArray(_) => {
                    found.unset_index(if concatenate { "*" } else { "@" })?;
                }
                _ => return Ok(Outcome::Refused(format!("{var}: not an array variable"))),
            }
            Ok(Outcome::Variable)
        }
        _ if only_variables => Ok(Outcome::Refused(format!(
            "`{name}': not a valid identifier"
        ))),
        _ => Ok(Outcome::NotAVariable),
    }
}

/// Unsets `var[index]`: for an indexed array the subscript is arithmetic and may be negative; for a scalar
/// only `0` names it.
fn unset_element<SE: brush_core::ShellExtensions>(
    shell: &mut brush_core::Shell<SE>,
    var: &str,
    index: &str,
) -> Result<Outcome, brush_core::Error> {
    let highest = match shell.env().get(var).map(|(_, v)| v.value()) {
        None => return Ok(Outcome::Variable),
        Some(ShellValue::AssociativeArray(_)) => {
            shell.env_mut().unset_index(var, index)?;
            return Ok(Outcome::Variable);
        }
        Some(ShellValue::IndexedArray(values)) => Some(values.keys().next_back().copied()),
        Some(_) => None,
    };
    let expr = brush_parser::arithmetic::parse(index)?;
    let value = shell.eval_arithmetic(&expr)?;
    let Some(highest) = highest else {
        // A scalar is its own element 0.
        if value == 0 {
            shell.env_mut().unset(var)?;
            return Ok(Outcome::Variable);
        }
        return Ok(Outcome::Refused(format!("{var}: not an array variable")));
    };
    let Some(key) = indexed_key(value, highest) else {
        return Ok(Outcome::Refused(format!("[{index}]: bad array subscript")));
    };
    shell.env_mut().unset_index(var, &key.to_string())?;
    Ok(Outcome::Variable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_indexes_count_from_the_end() {
        assert_eq!(indexed_key(2, Some(5)), Some(2));
        assert_eq!(indexed_key(-1, Some(5)), Some(5));
        assert_eq!(indexed_key(-6, Some(5)), Some(0));
        assert_eq!(indexed_key(-7, Some(5)), None);
        assert_eq!(indexed_key(-1, None), None);
    }
}
