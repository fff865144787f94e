//! bash's wording of arithmetic errors: `1 + * 2 : syntax error: operand expected (error token is "* 2 ")`.
//!
//! brush parses an expression into a tree without positions, so its errors could not name the token bash names. This
//! module reads the expression again the way bash's `expr.c` does (its tokenizer and its recursive-descent grammar,
//! without evaluating) to find, for a syntax error, bash's message and the token where bash stopped, and, for an
//! error of evaluation (division by 0, a negative exponent), the token bash had read when it evaluated the operator.
//! bash prints the text from the start of that token to the end of the expression.

use brush_core::arithmetic::EvalError;

/// The message bash prints for an arithmetic error (without the `NAME: line N: ` prefix).
pub(crate) fn describe(error: &EvalError) -> String {
    match error {
        EvalError::InCommand(command, inner) => format!("{command}: {}", describe(inner)),
        EvalError::ExpandingUnsetVariable(name) => format!("{name}: unbound variable"),
        EvalError::ParseError(expression) => match check(expression) {
            Err(SyntaxError { message, at, end }) => {
                worded(&expression[..end.unwrap_or(expression.len())], message, at)
            }
            Ok(_) => format!("{}: syntax error in expression", shown(expression)),
        },
        EvalError::InExpression { expression, error } => {
            let (message, at) = match (&**error, check(expression)) {
                (EvalError::DivideByZero, Ok(parsed)) => ("division by 0", parsed.zero_divisor()),
                (EvalError::NegativeExponent, Ok(parsed)) => {
                    ("exponent less than 0", parsed.exponents.first().copied())
                }
                (EvalError::RecursionLimitExceeded, Ok(parsed)) => (
                    "expression recursion level exceeded",
                    Some(parsed.last_token),
                ),
                (other, _) => return format!("{}: {}", shown(expression), describe(other)),
            };
            match at {
                Some(at) => worded(expression, message, at),
                None => format!("{}: {message}", shown(expression)),
            }
        }
        other => format!("arithmetic evaluation error: {other}"),
    }
}

/// bash shows the expression without its leading blanks.
fn shown(expression: &str) -> &str {
    expression.trim_start_matches([' ', '\t', '\n'])
}

fn worded(expression: &str, message: &str, at: usize) -> String {
    format!(
        "{}: {message} (error token is \"{}\")",
        shown(expression),
        &expression[at..]
    )
}

/// A syntax error: bash's message, the byte offset of the token it names and, for an invalid number, where the
/// number ends (bash cuts the expression there while it reads the number, so its message shows only the text up to
/// it: `1 + 08: value too great for base (error token is "08")`).
#[derive(Debug, PartialEq, Eq)]
struct SyntaxError {
    message: &'static str,
    at: usize,
    end: Option<usize>,
}

/// What reading a well-formed expression found: for each `/` or `%` (and `/=`, `%=`), where its divisor starts
/// (bash names the text from there) and whether it is a literal zero or a lone name (either may be the zero); for
/// each `**`, where bash's last token was when it found the exponent negative; and where the last token starts.
#[derive(Debug, Default)]
struct Parsed {
    divisions: Vec<(usize, Divisor)>,
    exponents: Vec<usize>,
    last_token: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Divisor {
    Zero,
    Name,
    Other,
}

impl Parsed {
    /// The division bash failed on: the first whose divisor is a literal 0, else the first by a lone name, else the
    /// first division.
    fn zero_divisor(&self) -> Option<usize> {
        let first = |kind: Divisor| {
            self.divisions
                .iter()
                .find(|(_, d)| *d == kind)
                .map(|(at, _)| *at)
        };
        first(Divisor::Zero)
            .or_else(|| first(Divisor::Name))
            .or_else(|| self.divisions.first().map(|(at, _)| *at))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    End,
    Num(i64),
    Name,
    /// An operator, by its text (`+`, `<<=`, `?`, `(`...).
    Op(&'static str),
    /// `++`/`--` before a name.
    PreIncDec,
    /// `++`/`--` after a name.
    PostIncDec,
}

/// Operators bash's tokenizer knows, longest first.
const OPERATORS: [&str; 35] = [
    "<<=", ">>=", "**", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "*=", "/=", "%=", "+=",
    "-=", "&=", "^=", "|=", "=", "!", "~", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "?",
    ":", ",",
];

struct Reader<'a> {
    text: &'a str,
    /// Where the next token starts (bash's `tp`).
    pos: usize,
    /// Where the current token starts (bash's `lasttp`: not moved by the end of the text).
    token_start: usize,
    token: Token,
    /// The token before the current one (bash's `lasttok`).
    previous: Token,
    parsed: Parsed,
}

type Step<T = ()> = Result<T, SyntaxError>;

/// Reads `text` as bash's arithmetic grammar.
fn check(text: &str) -> Step<Parsed> {
    let mut reader = Reader {
        text,
        pos: 0,
        token_start: 0,
        token: Token::End,
        previous: Token::End,
        parsed: Parsed::default(),
    };
    reader.next()?;
    reader.comma()?;
    if reader.token != Token::End {
        return reader.error("syntax error in expression");
    }
    reader.parsed.last_token = reader.token_start;
    Ok(reader.parsed)
}

impl Reader<'_> {
    fn error<T>(&self, message: &'static str) -> Step<T> {
        Err(SyntaxError {
            message,
            at: self.token_start,
            end: None,
        })
    }

    fn is_any(&self, ops: &[&str]) -> bool {
        matches!(self.token, Token::Op(op) if ops.contains(&op))
    }

    /// bash's `readtok`.
    fn next(&mut self) -> Step {
        let bytes = self.text.as_bytes();
        let mut pos = self.pos;
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
        }
        self.previous = self.token;
        if pos >= bytes.len() {
            self.pos = pos;
            self.token = Token::End;
            return Ok(());
        }
        self.token_start = pos;
        let c = bytes[pos];
        if c.is_ascii_alphabetic() || c == b'_' {
            let mut end = pos + 1;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if bytes.get(end) == Some(&b'[') {
                let mut depth = 0;
                while end < bytes.len() {
                    match bytes[end] {
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        _ => {}
                    }
                    end += 1;
                    if depth == 0 {
                        break;
                    }
                }
                if depth != 0 {
                    return self.error("bad array subscript");
                }
            }
            self.pos = end;
            self.token = Token::Name;
            return Ok(());
        }
        if c.is_ascii_digit() {
            let mut end = pos;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'#' | b'@' | b'_'))
            {
                end += 1;
            }
            let value = number(&self.text[pos..end]).map_err(|message| SyntaxError {
                message,
                at: pos,
                end: Some(end),
            })?;
            self.pos = end;
            self.token = Token::Num(value);
            return Ok(());
        }
        if c == b'(' || c == b')' {
            self.pos = pos + 1;
            self.token = Token::Op(if c == b'(' { "(" } else { ")" });
            return Ok(());
        }
        let rest = &self.text[pos..];
        if rest.starts_with("++") || rest.starts_with("--") {
            // After a name: post-increment; before one: pre-increment; otherwise two signs.
            if self.token == Token::Name {
                self.pos = pos + 2;
                self.token = Token::PostIncDec;
                return Ok(());
            }
            let after = rest[2..].trim_start_matches([' ', '\t', '\n', '\r']);
            if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                self.pos = pos + 2;
                self.token = Token::PreIncDec;
                return Ok(());
            }
        }
        match OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                self.pos = pos + op.len();
                self.token = Token::Op(op);
                Ok(())
            }
            None => self.error("syntax error: invalid arithmetic operator"),
        }
    }

    fn comma(&mut self) -> Step {
        self.assign()?;
        while self.is_any(&[","]) {
            self.next()?;
            self.assign()?;
        }
        Ok(())
    }

    fn assign(&mut self) -> Step {
        self.conditional()?;
        if self.is_any(&[
            "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=",
        ]) {
            if self.previous != Token::Name {
                return self.error("attempted assignment to non-variable");
            }
            let divides = self.is_any(&["/=", "%="]);
            self.next()?;
            let (operand, start) = (self.token, self.token_start);
            self.assign()?;
            if divides {
                self.division(operand, start);
            }
        }
        Ok(())
    }

    fn conditional(&mut self) -> Step {
        self.binary(0)?;
        if self.is_any(&["?"]) {
            self.next()?;
            if self.is_any(&[":"]) || self.token == Token::End {
                return self.error("expression expected");
            }
            self.comma()?;
            if !self.is_any(&[":"]) {
                return self.error("`:' expected for conditional expression");
            }
            self.next()?;
            if self.token == Token::End {
                return self.error("expression expected");
            }
            self.conditional()?;
        }
        Ok(())
    }

    /// The binary operators from `||` (level 0) down to `*`, `/`, `%` (level 9).
    fn binary(&mut self, level: usize) -> Step {
        const LEVELS: [&[&str]; 10] = [
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<=", ">=", "<", ">"],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.power();
        };
        self.binary(level + 1)?;
        while self.is_any(ops) {
            let divides = self.is_any(&["/", "%"]);
            self.next()?;
            let (operand, start) = (self.token, self.token_start);
            self.binary(level + 1)?;
            if divides {
                self.division(operand, start);
            }
        }
        Ok(())
    }

    /// Records a division whose divisor, starting with `operand` at `start`, has just been read.
    fn division(&mut self, operand: Token, start: usize) {
        let lone = self.previous == operand;
        let divisor = match operand {
            Token::Num(0) if lone => Divisor::Zero,
            Token::Name if lone => Divisor::Name,
            _ => Divisor::Other,
        };
        self.parsed.divisions.push((start, divisor));
    }

    fn power(&mut self) -> Step {
        self.unary()?;
        if self.is_any(&["**"]) {
            self.next()?;
            self.power()?;
            self.parsed.exponents.push(self.token_start);
        }
        Ok(())
    }

    fn unary(&mut self) -> Step {
        if self.is_any(&["!", "~", "-", "+"]) {
            self.next()?;
            return self.unary();
        }
        self.operand()
    }

    fn operand(&mut self) -> Step {
        match self.token {
            Token::PreIncDec => {
                self.next()?;
                if self.token != Token::Name {
                    return self.error("identifier expected after pre-increment or pre-decrement");
                }
                self.next()
            }
            Token::Op("(") => {
                self.next()?;
                self.comma()?;
                if !self.is_any(&[")"]) {
                    return self.error("missing `)'");
                }
                self.next()
            }
            Token::Num(_) => self.next(),
            Token::Name => {
                self.next()?;
                if self.token == Token::PostIncDec {
                    self.next()?;
                }
                Ok(())
            }
            _ => self.error("syntax error: operand expected"),
        }
    }
}

/// A number as bash reads it (`strlong`): decimal, `0` octal, `0x` hex, or `base#digits` with bases 2 to 64; the
/// error is bash's message.
fn number(text: &str) -> Result<i64, &'static str> {
    let (base, digits) = if let Some((base, digits)) = text.split_once('#') {
        let base: u32 = base.parse().map_err(|_| "invalid number")?;
        if !(2..=64).contains(&base) {
            return Err("invalid arithmetic base");
        }
        (base, digits)
    } else if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (16, hex)
    } else if text.len() > 1 && text.starts_with('0') {
        (8, &text[1..])
    } else {
        (10, text)
    };
    if digits.is_empty() && base != 8 {
        return Err("invalid number");
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let digit = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            '@' => 62,
            '_' => 63,
            _ => return Err("invalid number"),
        };
        if digit >= base {
            return Err("value too great for base");
        }
        value = value
            .wrapping_mul(i64::from(base))
            .wrapping_add(i64::from(digit));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(expression: &str) -> String {
        describe(&EvalError::ParseError(expression.to_owned()))
    }

    fn failed(expression: &str, error: EvalError) -> String {
        describe(&EvalError::InExpression {
            expression: expression.to_owned(),
            error: Box::new(error),
        })
    }

    // Every expected message below was printed by GNU bash 5.2.15.
    #[test]
    fn syntax_errors_are_worded_as_bash() {
        let cases = [
            (
                "1 +",
                r#"1 +: syntax error: operand expected (error token is "+")"#,
            ),
            (
                " 1 + * 2 ",
                r#"1 + * 2 : syntax error: operand expected (error token is "* 2 ")"#,
            ),
            (
                "1 2",
                r#"1 2: syntax error in expression (error token is "2")"#,
            ),
            (
                "x y",
                r#"x y: syntax error in expression (error token is "y")"#,
            ),
            (
                "1=2",
                r#"1=2: attempted assignment to non-variable (error token is "=2")"#,
            ),
            (
                "1 @ 2",
                r#"1 @ 2: syntax error: invalid arithmetic operator (error token is "@ 2")"#,
            ),
            (
                "1++",
                r#"1++: syntax error: operand expected (error token is "+")"#,
            ),
            (
                "1.5",
                r#"1.5: syntax error: invalid arithmetic operator (error token is ".5")"#,
            ),
            (
                "08",
                r#"08: value too great for base (error token is "08")"#,
            ),
            (
                "2#12",
                r#"2#12: value too great for base (error token is "2#12")"#,
            ),
            (
                "65#1",
                r#"65#1: invalid arithmetic base (error token is "65#1")"#,
            ),
            (
                " 0xg ",
                r#"0xg: value too great for base (error token is "0xg")"#,
            ),
            (
                "1 + 08 + 2",
                r#"1 + 08: value too great for base (error token is "08")"#,
            ),
        ];
        for (expression, expected) in cases {
            assert_eq!(parse_error(expression), expected, "{expression:?}");
        }
    }

    #[test]
    fn evaluation_errors_name_bashs_token() {
        assert_eq!(
            failed("5/0", EvalError::DivideByZero),
            r#"5/0: division by 0 (error token is "0")"#
        );
        assert_eq!(
            failed(" 5 / 0 ", EvalError::DivideByZero),
            r#"5 / 0 : division by 0 (error token is "0 ")"#
        );
        assert_eq!(
            failed("x = 2 % 0", EvalError::DivideByZero),
            r#"x = 2 % 0: division by 0 (error token is "0")"#
        );
        assert_eq!(
            failed("1/0+3 ", EvalError::DivideByZero),
            r#"1/0+3 : division by 0 (error token is "0+3 ")"#
        );
        assert_eq!(
            failed("a / b", EvalError::DivideByZero),
            r#"a / b: division by 0 (error token is "b")"#
        );
        assert_eq!(
            failed("2**-1", EvalError::NegativeExponent),
            r#"2**-1: exponent less than 0 (error token is "1")"#
        );
        assert_eq!(
            describe(&EvalError::InCommand(
                "((",
                Box::new(EvalError::InExpression {
                    expression: " 1 / 0 ".to_owned(),
                    error: Box::new(EvalError::DivideByZero)
                })
            )),
            r#"((: 1 / 0 : division by 0 (error token is "0 ")"#
        );
        assert_eq!(
            describe(&EvalError::ExpandingUnsetVariable("u".to_owned())),
            "u: unbound variable"
        );
    }

    #[test]
    fn numbers_as_bash_reads_them() {
        assert_eq!(number("0x1f"), Ok(31));
        assert_eq!(number("017"), Ok(15));
        assert_eq!(number("64#_"), Ok(63));
        assert_eq!(number("36#Z"), Ok(35));
        assert_eq!(number("09"), Err("value too great for base"));
        assert_eq!(number("1#1"), Err("invalid arithmetic base"));
    }
}
