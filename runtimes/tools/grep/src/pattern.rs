//! Turning grep patterns (basic, extended, fixed or Perl-style) into one `regex::bytes::Regex`.

use regex::bytes::{Regex, RegexBuilder};

/// How patterns are written: `-G` (default), `-E`, `-F` or `-P`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Basic,
    Extended,
    Fixed,
    Perl,
}

/// Options that change what counts as a match.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatchOptions {
    pub ignore_case: bool,
    pub whole_words: bool,
    pub whole_lines: bool,
}

/// Compiles the patterns into one regex; `None` when there are no patterns at all (nothing matches).
pub fn compile(
    patterns: &[String],
    syntax: Syntax,
    options: MatchOptions,
) -> Result<Option<Regex>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let alternatives = patterns
        .iter()
        .map(|p| translate(p, syntax).map(|t| format!("(?:{t})")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut source = alternatives.join("|");
    if options.whole_lines {
        source = format!("^(?:{source})$");
    } else if options.whole_words {
        source = format!(r"\b{{start-half}}(?:{source})\b{{end-half}}");
    }
    RegexBuilder::new(&source)
        .case_insensitive(options.ignore_case)
        .size_limit(64 << 20)
        .build()
        .map(Some)
        .map_err(|e| match e {
            regex::Error::Syntax(message) if message.contains("unclosed group") => {
                r"Unmatched ( or \(".to_string()
            }
            regex::Error::Syntax(message) if message.contains("unopened group") => {
                r"Unmatched ) or \)".to_string()
            }
            regex::Error::Syntax(message) => message
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim_start_matches("error: ")
                .to_string(),
            other => other.to_string(),
        })
}

/// Rewrites one grep pattern in the `regex` crate's syntax.
pub fn translate(pattern: &str, syntax: Syntax) -> Result<String, String> {
    match syntax {
        Syntax::Fixed => Ok(regex::escape(pattern)),
        Syntax::Perl => Ok(pattern.to_string()),
        Syntax::Basic | Syntax::Extended => Translator {
            chars: pattern.chars().collect(),
            pos: 0,
            basic: syntax == Syntax::Basic,
            out: String::with_capacity(pattern.len() + 8),
        }
        .run(),
    }
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    basic: bool,
    out: String,
}

/// What a `\x` or plain character means in the source syntax.
enum Token {
    GroupOpen,
    GroupClose,
    Alternation,
    Repeat(char),
    IntervalOpen,
    Literal(char),
    Verbatim(&'static str),
    Other(char),
}

impl Translator {
    fn run(mut self) -> Result<String, String> {
        // True where a repetition operator has nothing to repeat and so is literal.
        let mut at_start = true;
        let mut depth = 0usize;
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            self.pos += 1;
            let token = if c == '\\' {
                self.escaped()?
            } else {
                self.plain(c)
            };
            let was_start = at_start;
            at_start = false;
            match token {
                Token::GroupOpen => {
                    self.out.push('(');
                    depth += 1;
                    at_start = true;
                }
                // An unmatched `)` is literal in extended regexes, as in GNU grep.
                Token::GroupClose if depth == 0 && !self.basic => self.out.push_str(r"\)"),
                Token::GroupClose => {
                    self.out.push(')');
                    depth = depth.saturating_sub(1);
                }
                Token::Alternation => {
                    self.out.push('|');
                    at_start = true;
                }
                Token::Repeat(op) if was_start => {
                    self.literal(op);
                    at_start = false;
                }
                Token::Repeat(op) => self.out.push(op),
                Token::IntervalOpen => self.interval(was_start)?,
                Token::Literal(ch) => self.literal(ch),
                Token::Verbatim(s) => self.out.push_str(s),
                Token::Other('[') => self.bracket()?,
                Token::Other('^') => {
                    if self.basic && !was_start {
                        self.out.push_str(r"\^");
                    } else {
                        self.out.push('^');
                        at_start = true;
                    }
                }
                Token::Other('$') => {
                    if self.basic && !self.at_end_of_branch() {
                        self.out.push_str(r"\$");
                    } else {
                        self.out.push('$');
                    }
                }
                Token::Other(ch) => self.out.push(ch),
            }
        }
        Ok(self.out)
    }

    /// A character after a backslash.
    fn escaped(&mut self) -> Result<Token, String> {
        let Some(&c) = self.chars.get(self.pos) else {
            return Err("trailing backslash (\\)".to_string());
        };
        self.pos += 1;
        Ok(match c {
            '(' if self.basic => Token::GroupOpen,
            ')' if self.basic => Token::GroupClose,
            '|' if self.basic => Token::Alternation,
            '+' | '?' if self.basic => Token::Repeat(c),
            '{' if self.basic => Token::IntervalOpen,
            '<' => Token::Verbatim(r"\b{start}"),
            '>' => Token::Verbatim(r"\b{end}"),
            '`' => Token::Verbatim(r"\A"),
            '\'' => Token::Verbatim(r"\z"),
            'b' => Token::Verbatim(r"\b"),
            'B' => Token::Verbatim(r"\B"),
            'w' => Token::Verbatim(r"\w"),
            'W' => Token::Verbatim(r"\W"),
            's' => Token::Verbatim(r"\s"),
            'S' => Token::Verbatim(r"\S"),
            '1'..='9' => return Err("back-references are not supported".to_string()),
            _ => Token::Literal(c),
        })
    }

    /// An unescaped character.
    fn plain(&self, c: char) -> Token {
        match c {
            '*' => Token::Repeat('*'),
            '(' | ')' | '|' | '+' | '?' | '{' | '}' if self.basic => Token::Literal(c),
            '(' => Token::GroupOpen,
            ')' => Token::GroupClose,
            '|' => Token::Alternation,
            '+' | '?' => Token::Repeat(c),
            '{' => Token::IntervalOpen,
            '}' => Token::Literal('}'),
            _ => Token::Other(c),
        }
    }

    fn literal(&mut self, c: char) {
        if c.is_ascii_punctuation() {
            self.out.push('\\');
        }
        self.out.push(c);
    }

    /// Whether a `$` here ends a branch of a basic regex (and so is an anchor).
    fn at_end_of_branch(&self) -> bool {
        let rest = &self.chars[self.pos..];
        rest.is_empty() || rest.starts_with(&['\\', ')']) || rest.starts_with(&['\\', '|'])
    }

    /// After `{` (ERE) or `\{` (BRE): `{n}`, `{n,}`, `{,m}`, `{n,m}`. An ERE `{` that does not start a
    /// valid interval is literal, as in GNU grep.
    fn interval(&mut self, at_start: bool) -> Result<(), String> {
        let close: &[char] = if self.basic { &['\\', '}'] } else { &['}'] };
        let body_end = (self.pos..self.chars.len()).find(|&i| self.chars[i..].starts_with(close));
        let body: Option<String> = body_end.map(|end| self.chars[self.pos..end].iter().collect());
        let valid = body.as_deref().is_some_and(|b| {
            let (low, high) = b.split_once(',').unwrap_or((b, b));
            !b.is_empty()
                && b != ","
                && low.chars().all(|c| c.is_ascii_digit())
                && high.chars().all(|c| c.is_ascii_digit())
        });
        match (valid, body, body_end) {
            (true, Some(body), Some(end)) if !at_start => {
                let body = if body.starts_with(',') {
                    format!("0{body}")
                } else {
                    body
                };
                self.out.push('{');
                self.out.push_str(&body);
                self.out.push('}');
                self.pos = end + close.len();
                Ok(())
            }
            _ if self.basic && !at_start => Err("Unmatched \\{".to_string()),
            _ => {
                self.out.push_str(r"\{");
                Ok(())
            }
        }
    }

    /// A POSIX bracket expression, from just after its `[`.
    fn bracket(&mut self) -> Result<(), String> {
        self.out.push('[');
        if self.chars.get(self.pos) == Some(&'^') {
            self.out.push('^');
            self.pos += 1;
        }
        let first = self.pos;
        loop {
            let Some(&c) = self.chars.get(self.pos) else {
                return Err("Unmatched [, [^, [:, [., or [=".to_string());
            };
            self.pos += 1;
            if c == ']' && self.pos - 1 > first {
                self.out.push(']');
                return Ok(());
            }
            if c == '[' && matches!(self.chars.get(self.pos), Some(':' | '=' | '.')) {
                let kind = self.chars[self.pos];
                let end = (self.pos + 1..self.chars.len().saturating_sub(1))
                    .find(|&i| self.chars[i] == kind && self.chars[i + 1] == ']')
                    .ok_or("Unmatched [, [^, [:, [., or [=")?;
                let name: String = self.chars[self.pos + 1..end].iter().collect();
                self.pos = end + 2;
                if kind == ':' {
                    self.out.push_str(&format!("[:{name}:]"));
                } else {
                    name.chars().for_each(|ch| self.class_char(ch));
                }
                continue;
            }
            let is_range = c == '-'
                && self.pos - 1 > first
                && self.chars.get(self.pos).is_some_and(|&next| next != ']');
            if is_range {
                self.out.push('-');
            } else {
                self.class_char(c);
            }
        }
    }

    /// A literal character inside a class: only what the `regex` crate's class syntax gives a meaning to is
    /// escaped (`\\<` would be a word-boundary escape, invalid in a class).
    fn class_char(&mut self, c: char) {
        if matches!(c, '\\' | '[' | ']' | '^' | '-' | '&' | '~') {
            self.out.push('\\');
        }
        self.out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bre(p: &str) -> String {
        translate(p, Syntax::Basic).unwrap()
    }
    fn ere(p: &str) -> String {
        translate(p, Syntax::Extended).unwrap()
    }
    fn matches(p: &str, syntax: Syntax, line: &str) -> bool {
        let re = compile(&[p.to_string()], syntax, MatchOptions::default())
            .unwrap()
            .unwrap();
        re.is_match(line.as_bytes())
    }

    #[test]
    fn basic_syntax() {
        assert_eq!(bre(r"\(ab\)\{2\}"), "(ab){2}");
        assert_eq!(bre(r"a\|b\+c\?"), "a|b+c?");
        assert_eq!(bre("a+b?(c){d}|e"), r"a\+b\?\(c\)\{d\}\|e");
        assert_eq!(bre("*a"), r"\*a");
        assert_eq!(bre("^*"), r"^\*");
        assert_eq!(bre("a^b$c$"), r"a\^b\$c$");
        assert_eq!(bre(r"\(^a$\)"), "(^a$)");
        assert_eq!(bre(r"a\{,3\}"), "a{0,3}");
        assert!(translate(r"a\{1", Syntax::Basic).is_err());
        assert!(translate(r"\(a\)\1", Syntax::Basic).is_err());
    }

    #[test]
    fn extended_syntax() {
        assert_eq!(ere("(a|b)+c?{2}"), "(a|b)+c?{2}");
        assert_eq!(ere("a{"), r"a\{");
        assert_eq!(ere("a{x}"), r"a\{x\}");
        assert_eq!(ere("+a"), r"\+a");
        assert_eq!(ere("(*a)"), r"(\*a)");
        assert_eq!(ere(r"\<w\>"), r"\b{start}w\b{end}");
        assert_eq!(ere(r"a\.b"), r"a\.b");
        assert_eq!(ere("a)"), r"a\)");
    }

    #[test]
    fn brackets_take_punctuation_literally() {
        assert!(matches("^[<>]", Syntax::Basic, "< b"));
        assert!(matches("[.*+]", Syntax::Extended, "a+b"));
        assert!(!matches("[.*+]", Syntax::Extended, "ab"));
    }

    #[test]
    fn brackets() {
        assert_eq!(bre("[]a]"), r"[\]a]");
        assert_eq!(bre("[^]a-z]"), r"[^\]a-z]");
        assert_eq!(bre(r"[\[]"), r"[\\\[]");
        assert_eq!(bre("[[:digit:]-]"), r"[[:digit:]\-]");
        assert_eq!(bre("[a&&b~~]"), r"[a\&\&b\~\~]");
        assert!(matches("[[:upper:]][0-9]", Syntax::Basic, "xA1"));
        assert!(matches(r"[\]", Syntax::Basic, r"a\b"));
        assert!(translate("[abc", Syntax::Extended).is_err());
    }

    #[test]
    fn fixed_and_options() {
        let words = MatchOptions {
            whole_words: true,
            ..Default::default()
        };
        let re = compile(&["a.b".into(), "x(".into()], Syntax::Fixed, words)
            .unwrap()
            .unwrap();
        assert!(re.is_match(b"1 a.b 2"));
        assert!(!re.is_match(b"aXb"));
        assert!(!re.is_match(b"ca.b"));
        assert!(re.is_match(b"x("));
        let lines = MatchOptions {
            whole_lines: true,
            ignore_case: true,
            ..Default::default()
        };
        let re = compile(&["ab".into()], Syntax::Basic, lines)
            .unwrap()
            .unwrap();
        assert!(re.is_match(b"AB"));
        assert!(!re.is_match(b"ABC"));
        assert!(
            compile(&[], Syntax::Basic, MatchOptions::default())
                .unwrap()
                .is_none()
        );
    }
}
