//! `export` refuses names that are not identifiers, as bash does (brush's exported `a b` or `1bad` silently
//! with status 0): each such operand is reported as ``export: `1bad=x': not a valid identifier``, left out, and
//! the status is 1; the other operands are exported by brush's builtin as before.

use std::io::Write as _;

use brush_core::{CommandArg, ExecutionContext, ExecutionResult, builtins};

use crate::errors::{Extensions, builtin_prefix};
use crate::wrapped::{Outcome, Wrapped};

/// brush's `export`, which runs the operands that pass.
static BRUSH: Wrapped = Wrapped::new("export");

/// brush's registration with its execution checked first.
pub(crate) fn registration(
    brush: builtins::Registration<Extensions>,
) -> builtins::Registration<Extensions> {
    BRUSH.wrap(brush, execute)
}

/// Whether `word` (`NAME` or `NAME=VALUE`) names a variable bash may export.
fn valid_operand(word: &str) -> bool {
    let name = word.split_once('=').map_or(word, |(name, _)| name);
    let name = name.strip_suffix('+').unwrap_or(name);
    brush_core::env::valid_variable_name(name)
}

fn execute(context: ExecutionContext<'_, Extensions>, args: Vec<CommandArg>) -> Outcome<'_> {
    Box::pin(async move {
        let mut options_done = false;
        let mut functions = false;
        let mut invalid = Vec::new();
        let mut operands = 0;
        let mut kept = Vec::with_capacity(args.len());
        for (i, arg) in args.into_iter().enumerate() {
            if let CommandArg::String(word) = &arg
                && i > 0
            {
                if !options_done && word == "--" {
                    options_done = true;
                } else if !options_done && word.len() > 1 && word.starts_with(['-', '+']) {
                    functions |= word.starts_with('-') && word.contains('f');
                } else {
                    options_done = true;
                    if !functions && !valid_operand(word) {
                        invalid.push(word.clone());
                        continue;
                    }
                    operands += 1;
                }
            } else if i > 0 {
                operands += 1;
            }
            kept.push(arg);
        }
        if !invalid.is_empty() {
            let prefix = builtin_prefix(context.shell, &context.command_name);
            let mut stderr = context.stderr();
            for word in &invalid {
                writeln!(stderr, "{prefix}`{word}': not a valid identifier")?;
            }
        }
        let brush = BRUSH.brush()?;
        // No operand left would mean "list the exports": not what `export 1bad` asks for.
        let result = if invalid.is_empty() || operands > 0 {
            brush(context, kept).await?
        } else {
            ExecutionResult::success()
        };
        Ok(if invalid.is_empty() {
            result
        } else {
            ExecutionResult::general_error()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::valid_operand;

    #[test]
    fn identifiers_only() {
        assert!(valid_operand("PATH"));
        assert!(valid_operand("_x1=a b"));
        assert!(valid_operand("x+=more"));
        assert!(!valid_operand("1bad=x"));
        assert!(!valid_operand("a b"));
        assert!(!valid_operand("a-b"));
        assert!(!valid_operand(""));
        assert!(!valid_operand("=x"));
    }
}
