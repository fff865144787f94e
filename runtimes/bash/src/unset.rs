//! The `unset` builtin as bash 5.2 has it (brush's refused `-n`, ignored `unset 'a[@]'`, and worded a negative
//! subscript out of range `array index out of range: -5`).
//!
//! `unset [-f] [-v] [-n] [name ...]`: without `-f` or `-v` a name is a variable if one is set, else a function.
//! A name reference is unset through (its target goes), or itself with `-n`. `a[i]` unsets one element (the
//! subscript is arithmetic for an indexed array, negative counting from the end), `a[@]` and `a[*]` every
//! element. `-f` with `-v` is refused; a name that is not an identifier is refused with `-v` and ignored
//! otherwise, as bash does.

use std::io::Write as _;

use brush_core::variables::{ArrayLiteral, ShellValueLiteral};
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

/// A shell identifier: a letter or `_`, then letters, digits and `_`.
pub(crate) fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
            if functions {
                context.shell.undefine_func(name);
                continue;
            }
            let parameter =
                brush_parser::word::parse_parameter(name, &context.shell.parser_options());
            let unset_a_variable = match parameter {
                Ok(Parameter::Named(var)) if is_identifier(&var) => {
                    let resolving = context.shell.env_mut().set_nameref_resolution(!references);
                    let removed = context.shell.env_mut().unset(&var);
                    context.shell.env_mut().set_nameref_resolution(resolving);
                    removed?.is_some()
                }
                Ok(Parameter::NamedWithIndex { name: var, index }) if is_identifier(&var) => {
                    match unset_element(context.shell, &var, &index)? {
                        Ok(()) => true,
                        Err(()) => {
                            writeln!(context.stderr(), "{prefix}[{index}]: bad array subscript")?;
                            status = 1;
                            continue;
                        }
                    }
                }
                Ok(Parameter::NamedWithAllIndices { name: var, .. }) if is_identifier(&var) => {
                    if let Some((_, found)) = context.shell.env_mut().get_mut(&var)
                        && matches!(
                            found.value(),
                            ShellValue::IndexedArray(_) | ShellValue::AssociativeArray(_)
                        )
                    {
                        found.assign(ShellValueLiteral::Array(ArrayLiteral(Vec::new())), false)?;
                    }
                    true
                }
                _ if variables => {
                    writeln!(context.stderr(), "{prefix}`{name}': not a valid identifier")?;
                    status = 1;
                    continue;
                }
                _ => false,
            };
            if !unset_a_variable && !variables && !references {
                context.shell.undefine_func(name);
            }
        }
        Ok(ExecutionResult::new(status))
    }
}

/// Unsets `var[index]`; `Err(())` for a negative index reaching before the first element.
fn unset_element<SE: brush_core::ShellExtensions>(
    shell: &mut brush_core::Shell<SE>,
    var: &str,
    index: &str,
) -> Result<Result<(), ()>, brush_core::Error> {
    let highest = match shell.env().get(var).map(|(_, v)| v.value()) {
        None => return Ok(Ok(())),
        Some(ShellValue::AssociativeArray(_)) => {
            shell.env_mut().unset_index(var, index)?;
            return Ok(Ok(()));
        }
        Some(ShellValue::IndexedArray(values)) => values.keys().next_back().copied(),
        Some(_) => None,
    };
    let expr = brush_parser::arithmetic::parse(index)?;
    let value = shell.eval_arithmetic(&expr)?;
    let Some(key) = indexed_key(value, highest) else {
        return Ok(Err(()));
    };
    shell.env_mut().unset_index(var, &key.to_string())?;
    Ok(Ok(()))
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

    #[test]
    fn identifiers() {
        assert!(is_identifier("_a1"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}
