//! bash's wording of syntax errors: ``syntax error near unexpected token `fi'`` followed by the offending line
//! quoted, `syntax error: unexpected end of file`, ``unexpected EOF while looking for matching `"'``.
//!
//! brush-parser reports where its grammar failed (a token position, or the end of the input) or which token it
//! could not finish (an unterminated quote or expansion). This module turns that into bash's message from the
//! text that failed to parse, which the (patched) shell keeps for the formatter.

use brush_parser::{ParseError, TokenizerError};

/// A syntax error as bash reports it: `line N: MESSAGE`, and for an unexpected token a second line quoting
/// the line it is on (``line N: `TEXT'``).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// The 1-based line of the input the error is reported on.
    pub(crate) line: usize,
    /// bash's message.
    pub(crate) message: String,
    /// The input line bash quotes after a message about an unexpected token.
    pub(crate) quoted: Option<String>,
}

/// Reserved words that close or continue a compound command: out of place, brush-parser reads them as plain
/// words and fails at the token after them, while bash stops at the word itself.
const CLOSING_WORDS: [&str; 9] = [
    "fi", "done", "esac", "}", "then", "else", "elif", "do", "in",
];

/// Operators, longest first so that `;;` is not read as `;`.
const OPERATORS: [&str; 23] = [
    "&>>", ";;&", "<<<", "<<-", ";;", ";&", "&&", "||", "|&", "<<", ">>", "<&", ">&", "<>", ">|",
    "&>", ";", "&", "|", "(", ")", "<", ">",
];

/// Describes `error`, raised parsing `text` (when the shell kept it), as bash words it.
pub(crate) fn describe(error: &ParseError, text: Option<&str>) -> SyntaxError {
    match error {
        ParseError::ParsingNear(position) => {
            let line_text = text.and_then(|t| t.lines().nth(position.line.saturating_sub(1)));
            let token =
                line_text.map_or_else(|| "newline".to_owned(), |l| token_at(l, position.column));
            unexpected_token(position.line, &token, line_text)
        }
        ParseError::ParsingAtEndOfInput => match text {
            Some(text) if ends_expecting_word(text) => {
                let line = text.trim_end().lines().count().max(1);
                unexpected_token(line, "newline", text.lines().nth(line - 1))
            }
            Some(text) if let Some(word) = unmatched_closing_word(text) => {
                let line = text.trim_end().lines().count().max(1);
                unexpected_token(line, word, text.lines().nth(line - 1))
            }
            Some(text) => SyntaxError {
                // bash has read the final newline (one is added to a string without it) when it meets the end.
                line: text.matches('\n').count() + usize::from(!text.ends_with('\n')) + 1,
                message: "syntax error: unexpected end of file".to_owned(),
                quoted: None,
            },
            None => SyntaxError {
                line: 1,
                message: "syntax error: unexpected end of file".to_owned(),
                quoted: None,
            },
        },
        ParseError::Tokenizing { inner, position } => {
            let (start, closing) = match inner {
                TokenizerError::UnterminatedSingleQuote(p)
                | TokenizerError::UnterminatedAnsiCQuote(p) => (Some(p), "'"),
                TokenizerError::UnterminatedDoubleQuote(p) => (Some(p), "\""),
                TokenizerError::UnterminatedBackquote(p) => (Some(p), "`"),
                TokenizerError::UnterminatedCommandSubstitution
                | TokenizerError::UnterminatedExpansion
                | TokenizerError::UnterminatedExtendedGlob(_) => (None, ")"),
                TokenizerError::UnterminatedVariable => (None, "}"),
                other => {
                    return SyntaxError {
                        line: position.as_ref().map_or(1, |p| p.line),
                        message: format!("syntax error: {other}"),
                        quoted: None,
                    };
                }
            };
            // bash names the line the unterminated construct starts on. brush-parser gives that
            // line for a quote; for an expansion it gives where the input ended, so the last line
            // with text stands for it.
            let last_line = text.map_or(1, |t| t.trim_end().lines().count().max(1));
            SyntaxError {
                line: start.map_or(last_line, |p| p.line),
                message: format!("unexpected EOF while looking for matching `{closing}'"),
                quoted: None,
            }
        }
    }
}

fn unexpected_token(line: usize, token: &str, line_text: Option<&str>) -> SyntaxError {
    SyntaxError {
        line,
        message: format!("syntax error near unexpected token `{token}'"),
        quoted: line_text.map(|l| l.trim_end_matches('\r').to_owned()),
    }
}

/// The token starting at 1-based character `column` of `line`: an operator, a word, or `newline` past its end.
/// A `newline` right after an out-of-place closing word (`fi`, `}`) is reported as that word, as bash does.
fn token_at(line: &str, column: usize) -> String {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(at, _)| at);
    let rest = line[start..].trim_start();
    if rest.is_empty() {
        let before = line[..start].split_whitespace().next_back();
        return match before {
            Some(word) if CLOSING_WORDS.contains(&word) => word.to_owned(),
            _ => "newline".to_owned(),
        };
    }
    if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
        return (*op).to_owned();
    }
    rest.split(|c: char| c.is_whitespace() || ";&|()<>".contains(c))
        .next()
        .unwrap_or(rest)
        .to_owned()
}

/// The closing word (`fi`, `done`, `esac`, `}`) that ends the input when it closes nothing: brush-parser then
/// reports the end of the input, bash the word. Words are counted roughly (blank- and operator-separated),
/// which is enough to tell `echo a; fi` from an `if` left open.
fn unmatched_closing_word(text: &str) -> Option<&'static str> {
    const PAIRS: [(&str, &str); 4] = [("if", "fi"), ("do", "done"), ("case", "esac"), ("{", "}")];
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ";&|()".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let last = *words.last()?;
    let (opener, closer) = PAIRS.iter().find(|(_, closer)| *closer == last)?;
    let count = |word: &str| words.iter().filter(|w| **w == word).count();
    (count(closer) > count(opener)).then_some(*closer)
}

/// Whether the input ends where bash needs a word on the same line: after `(` (a function definition's
/// `()`) or a redirection operator, so the newline itself is the unexpected token.
fn ends_expecting_word(text: &str) -> bool {
    let trimmed = text.trim_end();
    trimmed.ends_with('(')
        || (trimmed.ends_with(['<', '>']) && !trimmed.ends_with("<<<") && !trimmed.ends_with("\\>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use brush_parser::SourcePosition;

    fn near(line: usize, column: usize) -> ParseError {
        ParseError::ParsingNear(SourcePosition {
            index: 0,
            line,
            column,
        })
    }

    #[test]
    fn unexpected_tokens_are_named_as_bash_names_them() {
        assert_eq!(
            describe(&near(1, 9), Some("echo a |; echo b\n")),
            SyntaxError {
                line: 1,
                message: "syntax error near unexpected token `;'".to_owned(),
                quoted: Some("echo a |; echo b".to_owned()),
            }
        );
        // brush-parser fails after an out-of-place closing word; bash names the word.
        let fi = describe(&near(1, 3), Some("fi\necho after\n"));
        assert_eq!(fi.message, "syntax error near unexpected token `fi'");
        assert_eq!(fi.quoted.as_deref(), Some("fi"));
        let brace = describe(&near(1, 4), Some("{ }\n"));
        assert_eq!(brace.message, "syntax error near unexpected token `}'");
        assert_eq!(
            describe(&near(2, 6), Some("echo a\necho ;; b\n")).message,
            "syntax error near unexpected token `;;'"
        );
        assert_eq!(
            describe(&near(1, 1), Some("then x\n")).message,
            "syntax error near unexpected token `then'"
        );
    }

    #[test]
    fn end_of_input_is_the_end_of_file_or_a_missing_word() {
        let eof = describe(
            &ParseError::ParsingAtEndOfInput,
            Some("for i in 1; do echo x\necho after\n"),
        );
        assert_eq!(eof.line, 3);
        assert_eq!(eof.message, "syntax error: unexpected end of file");
        assert_eq!(eof.quoted, None);
        // A string without a final newline counts one, as bash adds it.
        assert_eq!(
            describe(&ParseError::ParsingAtEndOfInput, Some("if")).line,
            2
        );
        let paren = describe(&ParseError::ParsingAtEndOfInput, Some("echo (\n"));
        assert_eq!(
            paren.message,
            "syntax error near unexpected token `newline'"
        );
        assert_eq!(paren.quoted.as_deref(), Some("echo ("));
        assert_eq!(
            describe(&ParseError::ParsingAtEndOfInput, Some("x\necho >\n")).line,
            2
        );
        // A closing word that closes nothing ends the input: bash names it.
        let fi = describe(&ParseError::ParsingAtEndOfInput, Some("echo a\nfi"));
        assert_eq!(
            (fi.line, fi.message.as_str(), fi.quoted.as_deref()),
            (2, "syntax error near unexpected token `fi'", Some("fi"))
        );
        // An `if` left open is the end of the file even when its last word is a `done`.
        assert_eq!(
            describe(
                &ParseError::ParsingAtEndOfInput,
                Some("if true; then\nfor i in 1; do :; done\n")
            )
            .message,
            "syntax error: unexpected end of file"
        );
    }

    #[test]
    fn unterminated_constructs_name_their_closing_character_and_first_line() {
        let quote = ParseError::Tokenizing {
            inner: TokenizerError::UnterminatedDoubleQuote(SourcePosition {
                index: 9,
                line: 2,
                column: 6,
            }),
            position: None,
        };
        assert_eq!(
            describe(&quote, Some("echo a\necho \"x\ny\n")),
            SyntaxError {
                line: 2,
                message: "unexpected EOF while looking for matching `\"'".to_owned(),
                quoted: None,
            }
        );
        let arith = ParseError::Tokenizing {
            inner: TokenizerError::UnterminatedExpansion,
            position: Some(SourcePosition {
                index: 30,
                line: 2,
                column: 1,
            }),
        };
        let described = describe(&arith, Some("echo $(( (1+2 )); echo after\n"));
        assert_eq!(
            (described.line, described.message.as_str()),
            (1, "unexpected EOF while looking for matching `)'")
        );
    }
}
