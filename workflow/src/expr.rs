//! `${{ ... }}` expressions: the two references a step's args, env values and inline source (and the
//! Workflow's outputs) may contain.
//!
//! ```text
//! ${{ inputs.<name> }}                 the value of a Workflow input
//! ${{ steps.<id>.outputs.<key> }}      an output of a finished step
//! ```
//!
//! Spaces inside the braces are optional. Nothing else is an expression: no operators, functions or
//! defaults, so an expression can never fail for a reason other than a missing value. Substituted
//! values are inserted literally and never scanned again, so an output that itself contains `${{`
//! cannot inject an expression. There is no escape for a literal `${{`.

use std::fmt;

use kruntimes_api::validation::{is_dns_label, is_output_key};

/// Opens an expression.
const OPEN: &str = "${{";
/// Closes an expression.
const CLOSE: &str = "}}";
/// Longest expression text quoted in an error message, so a huge unclosed `${{` stays readable.
const QUOTE_MAX_BYTES: usize = 80;

/// What an expression refers to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    /// `inputs.<name>`.
    Input(String),
    /// `steps.<step>.outputs.<key>`.
    StepOutput {
        /// The step id.
        step: String,
        /// The output key (may contain dots).
        key: String,
    },
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input(name) => write!(f, "inputs.{name}"),
            Self::StepOutput { step, key } => write!(f, "steps.{step}.outputs.{key}"),
        }
    }
}

/// One piece of a text: literal, or an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text, copied as is.
    Text(&'a str),
    /// An expression.
    Expr {
        /// The expression as written, `${{` and `}}` included.
        raw: &'a str,
        /// What it refers to.
        reference: Reference,
    },
}

/// An expression that cannot be parsed or resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// The expression as written (shortened if very long).
    pub expression: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.expression, self.problem)
    }
}

impl std::error::Error for ExprError {}

/// Splits `text` into literal text and expressions.
///
/// # Errors
///
/// The first `${{` without a closing `}}`, or whose content is not one of the two references.
pub fn parse(text: &str) -> Result<Vec<Segment<'_>>, ExprError> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        if open > 0 {
            segments.push(Segment::Text(&rest[..open]));
        }
        let after = &rest[open..];
        let Some(close) = after[OPEN.len()..].find(CLOSE) else {
            return Err(ExprError {
                expression: quote(after),
                problem: format!("unclosed expression: {OPEN} without {CLOSE}"),
            });
        };
        let end = OPEN.len() + close + CLOSE.len();
        let raw = &after[..end];
        let inner = after[OPEN.len()..OPEN.len() + close].trim();
        let reference = parse_reference(inner).map_err(|problem| ExprError {
            expression: quote(raw),
            problem,
        })?;
        segments.push(Segment::Expr { raw, reference });
        rest = &after[end..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest));
    }
    Ok(segments)
}

/// Every reference in `text`, in order.
///
/// # Errors
///
/// As [`parse`].
pub fn references(text: &str) -> Result<Vec<Reference>, ExprError> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|s| match s {
            Segment::Expr { reference, .. } => Some(reference),
            Segment::Text(_) => None,
        })
        .collect())
}

/// Replaces every expression of `text` with the value `lookup` gives for its reference.
///
/// Text without `${{` is returned unchanged (and without parsing cost beyond one search).
///
/// # Errors
///
/// A parse error, or the first reference `lookup` cannot resolve (its `Err` is the problem).
pub fn resolve(
    text: &str,
    lookup: &dyn Fn(&Reference) -> Result<String, String>,
) -> Result<String, ExprError> {
    if !text.contains(OPEN) {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    for segment in parse(text)? {
        match segment {
            Segment::Text(t) => out.push_str(t),
            Segment::Expr { raw, reference } => {
                let value = lookup(&reference).map_err(|problem| ExprError {
                    expression: quote(raw),
                    problem,
                })?;
                out.push_str(&value);
            }
        }
    }
    Ok(out)
}

fn parse_reference(inner: &str) -> Result<Reference, String> {
    const SUPPORTED: &str = "expected inputs.<name> or steps.<id>.outputs.<key>";
    if let Some(name) = inner.strip_prefix("inputs.") {
        let valid = is_output_key(name) && !name.contains('.');
        return if valid {
            Ok(Reference::Input(name.to_owned()))
        } else {
            Err(format!("{name:?} is not an input name ({SUPPORTED})"))
        };
    }
    if let Some(path) = inner.strip_prefix("steps.") {
        let Some((step, key)) = path.split_once(".outputs.") else {
            return Err(SUPPORTED.to_owned());
        };
        if !is_dns_label(step) {
            return Err(format!("{step:?} is not a step id ({SUPPORTED})"));
        }
        if !is_output_key(key) {
            return Err(format!("{key:?} is not an output key ({SUPPORTED})"));
        }
        return Ok(Reference::StepOutput {
            step: step.to_owned(),
            key: key.to_owned(),
        });
    }
    Err(SUPPORTED.to_owned())
}

/// `s` cut to [`QUOTE_MAX_BYTES`] on a character boundary, with `...` after it when cut.
fn quote(s: &str) -> String {
    if s.len() <= QUOTE_MAX_BYTES {
        return s.to_owned();
    }
    kruntimes_api::lifecycle::bounded_to(s, QUOTE_MAX_BYTES + "...".len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: &str) -> Reference {
        Reference::Input(n.into())
    }

    fn output(step: &str, key: &str) -> Reference {
        Reference::StepOutput {
            step: step.into(),
            key: key.into(),
        }
    }

    /// Both reference forms parse, with or without spaces, and dotted output keys stay whole.
    #[test]
    fn both_references_parse_with_optional_spaces() {
        assert_eq!(
            references("a ${{ inputs.who }} b ${{steps.build.outputs.image.tag}}").unwrap(),
            [input("who"), output("build", "image.tag")]
        );
        assert_eq!(
            parse("x${{ inputs.a }}").unwrap(),
            [
                Segment::Text("x"),
                Segment::Expr {
                    raw: "${{ inputs.a }}",
                    reference: input("a")
                }
            ]
        );
    }

    /// Text without expressions, or with lone braces, is literal.
    #[test]
    fn plain_text_and_lone_braces_are_literal() {
        assert!(references("echo ${HOME} }} {{ x }}").unwrap().is_empty());
        assert_eq!(
            resolve("echo ${HOME}", &|_| Err("unused".into())).unwrap(),
            "echo ${HOME}"
        );
    }

    /// Malformed expressions are named in the error with what was expected.
    #[test]
    fn malformed_expressions_are_quoted_in_the_error() {
        let e = parse("a ${{ inputs.x").unwrap_err();
        assert_eq!(e.expression, "${{ inputs.x");
        assert!(e.problem.contains("unclosed"), "{e}");
        let e = parse("${{ env.HOME }}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "${{ env.HOME }}: expected inputs.<name> or steps.<id>.outputs.<key>"
        );
        assert!(
            parse("${{ steps.Bad.outputs.k }}")
                .unwrap_err()
                .problem
                .contains("step id")
        );
        assert!(
            parse("${{ steps.a.outputs.1k }}")
                .unwrap_err()
                .problem
                .contains("output key")
        );
        assert!(
            parse("${{ inputs.a.b }}")
                .unwrap_err()
                .problem
                .contains("input name")
        );
        let long = format!("${{{{ {}", "x".repeat(500));
        assert!(parse(&long).unwrap_err().expression.len() < 100);
    }

    /// Resolution substitutes every expression once; substituted values are never re-expanded.
    #[test]
    fn values_are_substituted_literally_and_not_rescanned() {
        let lookup = |r: &Reference| match r {
            Reference::Input(n) if n == "who" => Ok("${{ inputs.secret }}".to_owned()),
            other => Err(format!("{other} is unknown")),
        };
        assert_eq!(
            resolve("hi ${{ inputs.who }}!", &lookup).unwrap(),
            "hi ${{ inputs.secret }}!"
        );
        let e = resolve("${{ inputs.nope }}", &lookup).unwrap_err();
        assert_eq!(e.to_string(), "${{ inputs.nope }}: inputs.nope is unknown");
    }
}
