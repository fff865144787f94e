//! `bc`: the arbitrary-precision calculator scripts pipe arithmetic into (`echo "scale=2; $a / $b" | bc`), with GNU
//! bc's results: numbers of any size with `scale` digits after the point, `ibase`/`obase` 2 to 16, comparisons and
//! `!`/`&&`/`||`, assignments and `++`/`--`, `if`/`while`/`for`/`break`/`continue`, strings and `print`,
//! `sqrt()`, `length()`, `scale()`, `last`, and with `-l` `scale=20` and `s() c() a() l() e()`. Results are
//! truncated, never rounded, and long numbers wrap at 70 columns with a `\`, as GNU bc prints them.
//!
//! Not supported, each refused with a message: `define` (functions), arrays, `read()`, `j()`, `obase` above 16.

use std::collections::HashMap;
use std::io::Write;

use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// A decimal number: `v / 10^s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    v: BigInt,
    s: u32,
}

fn ten_pow(n: u32) -> BigInt {
    num_traits::pow(BigInt::from(10), n as usize)
}

impl Num {
    fn int(n: i64) -> Self {
        Num {
            v: BigInt::from(n),
            s: 0,
        }
    }

    /// This number with `s` digits after the point, truncated toward zero.
    pub(crate) fn at(&self, s: u32) -> Num {
        let v = if s >= self.s {
            &self.v * ten_pow(s - self.s)
        } else {
            &self.v / ten_pow(self.s - s)
        };
        Num { v, s }
    }

    fn is_zero(&self) -> bool {
        self.v.is_zero()
    }

    fn truthy(&self) -> bool {
        !self.is_zero()
    }

    fn cmp(&self, other: &Num) -> std::cmp::Ordering {
        let s = self.s.max(other.s);
        self.at(s).v.cmp(&other.at(s).v)
    }

    fn add(&self, other: &Num) -> Num {
        let s = self.s.max(other.s);
        Num {
            v: self.at(s).v + other.at(s).v,
            s,
        }
    }

    fn neg(&self) -> Num {
        Num {
            v: -&self.v,
            s: self.s,
        }
    }

    fn mul(&self, other: &Num, scale: u32) -> Num {
        let full = Num {
            v: &self.v * &other.v,
            s: self.s + other.s,
        };
        full.at((self.s + other.s).min(scale.max(self.s).max(other.s)))
    }

    fn div(&self, other: &Num, scale: u32) -> Result<Num, String> {
        if other.is_zero() {
            return Err("Divide by zero".into());
        }
        let v = (&self.v * ten_pow(other.s + scale)) / (&other.v * ten_pow(self.s));
        Ok(Num { v, s: scale })
    }

    fn rem(&self, other: &Num, scale: u32) -> Result<Num, String> {
        if other.is_zero() {
            return Err("Modulo by zero".into());
        }
        let quotient = self.div(other, scale)?;
        let product = Num {
            v: &quotient.v * &other.v,
            s: quotient.s + other.s,
        };
        Ok(self.add(&product.neg()).at((scale + other.s).max(self.s)))
    }

    fn pow(&self, exponent: &Num, scale: u32) -> Result<Num, String> {
        let e = exponent.at(0).v;
        let n = e
            .abs()
            .to_u32()
            .ok_or_else(|| "exponent too large".to_owned())?;
        let exact = Num {
            v: num_traits::pow(self.v.clone(), n as usize),
            s: self.s * n,
        };
        if e.is_negative() {
            return Num::int(1).div(&exact, scale);
        }
        Ok(exact.at((self.s * n).min(scale.max(self.s))))
    }

    fn sqrt(&self, scale: u32) -> Result<Num, String> {
        if self.v.is_negative() {
            return Err("Square root of a negative number".into());
        }
        let s = scale.max(self.s);
        // sqrt(v / 10^self.s) at scale s is isqrt(v * 10^(2s - self.s)).
        Ok(Num {
            v: (&self.v * ten_pow(2 * s - self.s)).sqrt(),
            s,
        })
    }

    /// `length()`: significant digits.
    fn length(&self) -> Num {
        let digits = self.v.abs().to_string().len() as u32;
        Num::int(i64::from(if self.is_zero() {
            1.max(self.s)
        } else {
            digits.max(self.s)
        }))
    }

    /// The number as bc prints it in base `obase`, without line wrapping.
    fn render(&self, obase: u32) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let sign = if self.v.is_negative() { "-" } else { "" };
        let magnitude = self.v.abs();
        let unit = ten_pow(self.s);
        let (int, frac) = (&magnitude / &unit, &magnitude % &unit);
        let digits = |n: u32| {
            char::from_digit(n, obase)
                .unwrap_or('?')
                .to_ascii_uppercase()
        };
        let int_text = if int.is_zero() {
            String::new()
        } else if obase == 10 {
            int.to_string()
        } else {
            int.to_str_radix(obase).to_ascii_uppercase()
        };
        if self.s == 0 {
            return format!("{sign}{int_text}");
        }
        let frac_text = if obase == 10 {
            format!("{:0>width$}", frac.to_string(), width = self.s as usize)
        } else {
            // As many base-obase digits as it takes to show 10^-s.
            let mut text = String::new();
            let mut place = BigInt::one();
            let mut rest = frac;
            while place < unit {
                rest *= obase;
                text.push(digits((&rest / &unit).to_u32().unwrap_or(0)));
                rest %= &unit;
                place *= obase;
            }
            text
        };
        format!("{sign}{int_text}.{frac_text}")
    }
}

/// Breaks `text` into lines of 68 characters and a `\`, as GNU bc does with its 70-column lines.
fn wrap(text: &str) -> String {
    const LINE: usize = 68;
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, chunk) in chars.chunks(LINE).enumerate() {
        if i > 0 {
            out.push_str("\\\n");
        }
        out.extend(chunk);
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(String),
    Name(String),
    Str(String),
    Op(&'static str),
    Newline,
    Eof,
}

const OPS: [&str; 34] = [
    "^=", "*=", "/=", "%=", "+=", "-=", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+", "-",
    "*", "/", "%", "^", "=", "<", ">", "!", "(", ")", "{", "}", "[", "]", ",", ";", ".", "#",
];

/// Splits bc source into tokens with their line numbers.
fn lex(src: &str) -> Result<Vec<(Tok, usize)>, (String, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            out.push((Tok::Newline, line));
            line += 1;
            i += 1;
        } else if c == '\\' && chars.get(i + 1) == Some(&'\n') {
            line += 1;
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = line;
            i += 2;
            loop {
                match chars.get(i) {
                    None => return Err(("unterminated comment".into(), start)),
                    Some('*') if chars.get(i + 1) == Some(&'/') => {
                        i += 2;
                        break;
                    }
                    Some('\n') => {
                        line += 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let start = line;
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(("unterminated string".into(), start)),
                    Some('"') => break,
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        text.push(ch);
                    }
                }
                i += 1;
            }
            i += 1;
            out.push((Tok::Str(text), start));
        } else if c.is_ascii_digit()
            || c.is_ascii_uppercase()
            || (c == '.'
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || d.is_ascii_uppercase()))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i].is_ascii_uppercase() || chars[i] == '.')
            {
                i += 1;
            }
            out.push((Tok::Num(chars[start..i].iter().collect()), line));
        } else if c.is_ascii_lowercase() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_lowercase() || chars[i].is_ascii_digit() || chars[i] == '_')
            {
                i += 1;
            }
            out.push((Tok::Name(chars[start..i].iter().collect()), line));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                return Err((format!("illegal character: {c}"), line));
            };
            i += op.len();
            out.push((Tok::Op(op), line));
        }
    }
    out.push((Tok::Eof, line));
    Ok(out)
}

#[derive(Clone, Debug)]
enum Expr {
    Num(String),
    Var(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Assign(&'static str, String, Box<Expr>),
    /// `++x`/`--x` (pre) or `x++`/`x--` (post).
    Step {
        name: String,
        delta: i64,
        pre: bool,
    },
    Call(String, Vec<Expr>),
}

#[derive(Clone, Debug)]
enum Stmt {
    Expr(Expr),
    Str(String),
    Print(Vec<Result<Expr, String>>),
    Block(Vec<Stmt>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    For(Option<Expr>, Option<Expr>, Option<Expr>, Box<Stmt>),
    Break,
    Continue,
    Halt,
    Quit,
    Empty,
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

type Parsed<T> = Result<T, (String, usize)>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn line(&self) -> usize {
        self.toks[self.pos].1
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    /// An error at the current token. GNU bc counts a line once its newline is read, so an error found at a
    /// newline is reported on the next line.
    fn error<T>(&self, what: &str) -> Parsed<T> {
        let at_newline = matches!(self.peek(), Tok::Newline);
        Err((what.to_owned(), self.line() + usize::from(at_newline)))
    }

    fn eat(&mut self, op: &str) -> bool {
        if *self.peek() == Tok::Op(op_str(op)) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Parsed<()> {
        if self.eat(op) {
            Ok(())
        } else {
            self.error("syntax error")
        }
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) || *self.peek() == Tok::Op(";") {
            self.next();
        }
    }

    fn statement(&mut self) -> Parsed<Stmt> {
        let stmt = match self.peek().clone() {
            Tok::Newline | Tok::Op(";") => return Ok(Stmt::Empty),
            Tok::Str(text) => {
                self.next();
                Stmt::Str(text)
            }
            Tok::Op("{") => {
                self.next();
                let mut body = Vec::new();
                loop {
                    self.skip_newlines();
                    if self.eat("}") {
                        break;
                    }
                    if *self.peek() == Tok::Eof {
                        return self.error("syntax error");
                    }
                    body.push(self.statement()?);
                }
                Stmt::Block(body)
            }
            Tok::Name(name) => match name.as_str() {
                "if" => {
                    self.next();
                    self.expect("(")?;
                    let cond = self.expr()?;
                    self.expect(")")?;
                    self.skip_blank_lines();
                    let then = self.statement()?;
                    // `else` may follow on the next line.
                    let save = self.pos;
                    self.skip_newlines();
                    if *self.peek() == Tok::Name("else".into()) {
                        self.next();
                        self.skip_blank_lines();
                        let other = self.statement()?;
                        Stmt::If(cond, Box::new(then), Some(Box::new(other)))
                    } else {
                        self.pos = save;
                        Stmt::If(cond, Box::new(then), None)
                    }
                }
                "while" => {
                    self.next();
                    self.expect("(")?;
                    let cond = self.expr()?;
                    self.expect(")")?;
                    self.skip_blank_lines();
                    Stmt::While(cond, Box::new(self.statement()?))
                }
                "for" => {
                    self.next();
                    self.expect("(")?;
                    let init = self.optional_expr(";")?;
                    self.expect(";")?;
                    let cond = self.optional_expr(";")?;
                    self.expect(";")?;
                    let step = self.optional_expr(")")?;
                    self.expect(")")?;
                    self.skip_blank_lines();
                    Stmt::For(init, cond, step, Box::new(self.statement()?))
                }
                "break" => {
                    self.next();
                    Stmt::Break
                }
                "continue" => {
                    self.next();
                    Stmt::Continue
                }
                "halt" => {
                    self.next();
                    Stmt::Halt
                }
                "quit" => {
                    self.next();
                    Stmt::Quit
                }
                "print" => {
                    self.next();
                    let mut items = Vec::new();
                    loop {
                        if let Tok::Str(text) = self.peek().clone() {
                            self.next();
                            items.push(Err(text));
                        } else {
                            items.push(Ok(self.expr()?));
                        }
                        if !self.eat(",") {
                            break;
                        }
                    }
                    Stmt::Print(items)
                }
                "define" | "auto" | "return" => {
                    return self.error(&format!(
                        "{name}: functions are not supported by the kruntimes bc (write the loop inline, or \
                         use the python runtime)"
                    ));
                }
                _ => Stmt::Expr(self.expr()?),
            },
            _ => Stmt::Expr(self.expr()?),
        };
        match self.peek() {
            Tok::Newline | Tok::Eof | Tok::Op(";" | "}") => Ok(stmt),
            Tok::Name(n) if n == "else" => Ok(stmt),
            _ => self.error("syntax error"),
        }
    }

    fn skip_blank_lines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.next();
        }
    }

    fn optional_expr(&mut self, end: &str) -> Parsed<Option<Expr>> {
        if *self.peek() == Tok::Op(op_str(end)) {
            Ok(None)
        } else {
            self.expr().map(Some)
        }
    }

    fn expr(&mut self) -> Parsed<Expr> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Bin("||", Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Expr> {
        let mut left = self.not()?;
        while self.eat("&&") {
            left = Expr::Bin("&&", Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Expr> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.relation()
    }

    fn relation(&mut self) -> Parsed<Expr> {
        let left = self.assignment()?;
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                return Ok(Expr::Bin(
                    op_str(op),
                    Box::new(left),
                    Box::new(self.assignment()?),
                ));
            }
        }
        Ok(left)
    }

    fn assignment(&mut self) -> Parsed<Expr> {
        let left = self.sum()?;
        if let Expr::Var(name) = &left {
            for op in ["=", "+=", "-=", "*=", "/=", "%=", "^="] {
                if self.eat(op) {
                    return Ok(Expr::Assign(
                        op_str(op),
                        name.clone(),
                        Box::new(self.assignment()?),
                    ));
                }
            }
        }
        Ok(left)
    }

    /// The first of `ops` that is next, consumed.
    fn eat_one(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        ops.iter().copied().find(|op| self.eat(op))
    }

    fn sum(&mut self) -> Parsed<Expr> {
        let mut left = self.product()?;
        while let Some(op) = self.eat_one(&["+", "-"]) {
            left = Expr::Bin(op, Box::new(left), Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Parsed<Expr> {
        let mut left = self.power()?;
        while let Some(op) = self.eat_one(&["*", "/", "%"]) {
            left = Expr::Bin(op, Box::new(left), Box::new(self.power()?));
        }
        Ok(left)
    }

    fn power(&mut self) -> Parsed<Expr> {
        let base = self.unary()?;
        if self.eat("^") {
            return Ok(Expr::Bin("^", Box::new(base), Box::new(self.power()?)));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Parsed<Expr> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        for (op, delta) in [("++", 1), ("--", -1)] {
            if self.eat(op) {
                let Tok::Name(name) = self.peek().clone() else {
                    return self.error("syntax error");
                };
                self.next();
                return Ok(Expr::Step {
                    name,
                    delta,
                    pre: true,
                });
            }
        }
        let primary = self.primary()?;
        if let Expr::Var(name) = &primary {
            for (op, delta) in [("++", 1), ("--", -1)] {
                if self.eat(op) {
                    return Ok(Expr::Step {
                        name: name.clone(),
                        delta,
                        pre: false,
                    });
                }
            }
        }
        Ok(primary)
    }

    fn primary(&mut self) -> Parsed<Expr> {
        // Nothing is consumed before it is known to fit, so an error stays on its line.
        if !matches!(self.peek(), Tok::Num(_) | Tok::Name(_) | Tok::Op("(" | ".")) {
            return self.error("syntax error");
        }
        match self.next() {
            Tok::Num(text) => Ok(Expr::Num(text)),
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op(".") => Ok(Expr::Var("last".into())),
            Tok::Name(name) => {
                if self.eat("[") {
                    return self.error(&format!(
                        "{name}[]: arrays are not supported by the kruntimes bc (use the python runtime)"
                    ));
                }
                if !self.eat("(") {
                    return Ok(Expr::Var(name));
                }
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(")") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Expr::Call(name, args))
            }
            _ => self.error("syntax error"),
        }
    }
}

/// The static string of an operator (the lexer's table holds them all).
fn op_str(op: &str) -> &'static str {
    OPS.iter().find(|o| **o == op).copied().unwrap_or("#")
}

/// Control flow out of a statement.
enum Flow {
    Next,
    Break,
    Continue,
    Stop,
}

/// The calculator's state.
pub(crate) struct Bc {
    vars: HashMap<String, Num>,
    scale: u32,
    ibase: u32,
    obase: u32,
    mathlib: bool,
}

impl Bc {
    pub(crate) fn new(mathlib: bool) -> Self {
        Bc {
            vars: HashMap::new(),
            scale: if mathlib { 20 } else { 0 },
            ibase: 10,
            obase: 10,
            mathlib,
        }
    }

    /// Runs bc source `src` (named `name` in syntax errors); false once `quit` or `halt` ran.
    pub(crate) fn run(
        &mut self,
        src: &str,
        name: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> bool {
        let toks = match lex(src) {
            Ok(toks) => toks,
            Err((message, line)) => {
                let _ = writeln!(err, "{name} {line}: {message}");
                return true;
            }
        };
        let mut parser = Parser { toks, pos: 0 };
        loop {
            parser.skip_newlines();
            if *parser.peek() == Tok::Eof {
                return true;
            }
            match parser.statement() {
                Ok(stmt) => match self.exec(&stmt, out, err) {
                    Flow::Stop => return false,
                    Flow::Next | Flow::Break | Flow::Continue => {}
                },
                Err((message, line)) => {
                    let _ = writeln!(err, "({name}) {line}: {message}");
                    // Resume after the line with the error, as bc does.
                    while !matches!(parser.peek(), Tok::Newline | Tok::Eof) {
                        parser.next();
                    }
                }
            }
        }
    }

    fn exec(&mut self, stmt: &Stmt, out: &mut dyn Write, err: &mut dyn Write) -> Flow {
        match stmt {
            Stmt::Expr(e) => {
                if let Some(v) = self.value(e, err)
                    && !matches!(e, Expr::Assign(..))
                {
                    let _ = writeln!(out, "{}", wrap(&v.render(self.obase)));
                    self.vars.insert("last".into(), v);
                }
            }
            Stmt::Str(text) => {
                let _ = write!(out, "{text}");
            }
            Stmt::Print(items) => {
                for item in items {
                    match item {
                        Err(text) => {
                            let _ = write!(out, "{}", unescape(text));
                        }
                        Ok(e) => {
                            if let Some(v) = self.value(e, err) {
                                let _ = write!(out, "{}", wrap(&v.render(self.obase)));
                                self.vars.insert("last".into(), v);
                            }
                        }
                    }
                }
            }
            Stmt::Block(body) => {
                for s in body {
                    match self.exec(s, out, err) {
                        Flow::Next => {}
                        other => return other,
                    }
                }
            }
            Stmt::If(cond, then, other) => {
                let Some(c) = self.value(cond, err) else {
                    return Flow::Next;
                };
                if c.truthy() {
                    return self.exec(then, out, err);
                } else if let Some(other) = other {
                    return self.exec(other, out, err);
                }
            }
            Stmt::While(cond, body) => loop {
                match self.value(cond, err) {
                    Some(c) if c.truthy() => {}
                    _ => return Flow::Next,
                }
                match self.exec(body, out, err) {
                    Flow::Break => return Flow::Next,
                    Flow::Stop => return Flow::Stop,
                    Flow::Next | Flow::Continue => {}
                }
            },
            Stmt::For(init, cond, step, body) => {
                if let Some(init) = init {
                    self.value(init, err);
                }
                loop {
                    if let Some(cond) = cond {
                        match self.value(cond, err) {
                            Some(c) if c.truthy() => {}
                            _ => return Flow::Next,
                        }
                    }
                    match self.exec(body, out, err) {
                        Flow::Break => return Flow::Next,
                        Flow::Stop => return Flow::Stop,
                        Flow::Next | Flow::Continue => {}
                    }
                    if let Some(step) = step {
                        self.value(step, err);
                    }
                }
            }
            Stmt::Break => return Flow::Break,
            Stmt::Continue => return Flow::Continue,
            Stmt::Halt | Stmt::Quit => return Flow::Stop,
            Stmt::Empty => {}
        }
        Flow::Next
    }

    /// `e`'s value, or `None` after reporting a runtime error as bc does (the statement is abandoned).
    fn value(&mut self, e: &Expr, err: &mut dyn Write) -> Option<Num> {
        match self.eval(e) {
            Ok(v) => Some(v),
            Err(message) => {
                let _ = writeln!(err, "Runtime error: {message}");
                None
            }
        }
    }

    fn get(&self, name: &str) -> Num {
        match name {
            "scale" => Num::int(i64::from(self.scale)),
            "ibase" => Num::int(i64::from(self.ibase)),
            "obase" => Num::int(i64::from(self.obase)),
            _ => self.vars.get(name).cloned().unwrap_or_else(|| Num::int(0)),
        }
    }

    fn set(&mut self, name: &str, v: Num) -> Result<(), String> {
        let small = || v.at(0).v.to_u32();
        match name {
            "scale" => {
                self.scale = small()
                    .filter(|s| *s <= 10_000)
                    .ok_or("scale out of range")?
            }
            "ibase" => {
                self.ibase = small()
                    .filter(|b| (2..=16).contains(b))
                    .ok_or("ibase must be 2 to 16")?
            }
            "obase" => {
                self.obase = small().filter(|b| (2..=16).contains(b)).ok_or(
                    "obase above 16 is not supported by the kruntimes bc (obase must be 2 to 16)",
                )?;
            }
            _ => {
                self.vars.insert(name.to_owned(), v);
            }
        }
        Ok(())
    }

    fn eval(&mut self, e: &Expr) -> Result<Num, String> {
        let scale = self.scale;
        Ok(match e {
            Expr::Num(text) => parse_number(text, self.ibase),
            Expr::Var(name) => self.get(name),
            Expr::Neg(x) => self.eval(x)?.neg(),
            Expr::Not(x) => Num::int(i64::from(!self.eval(x)?.truthy())),
            Expr::Bin(op, a, b) => {
                if *op == "&&" {
                    return Ok(Num::int(i64::from(
                        self.eval(a)?.truthy() && self.eval(b)?.truthy(),
                    )));
                }
                if *op == "||" {
                    return Ok(Num::int(i64::from(
                        self.eval(a)?.truthy() || self.eval(b)?.truthy(),
                    )));
                }
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                arith(op, &a, &b, scale)?
            }
            Expr::Assign(op, name, rhs) => {
                let rhs = self.eval(rhs)?;
                let v = match op.strip_suffix('=').filter(|o| !o.is_empty()) {
                    Some(op) => arith(op, &self.get(name), &rhs, scale)?,
                    None => rhs,
                };
                self.set(name, v.clone())?;
                self.get(name)
            }
            Expr::Step { name, delta, pre } => {
                let old = self.get(name);
                self.set(name, old.add(&Num::int(*delta)))?;
                if *pre { self.get(name) } else { old }
            }
            Expr::Call(name, args) => {
                let values = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let [x] = values.as_slice() else {
                    return Err(format!("{name}: wrong number of arguments"));
                };
                match name.as_str() {
                    "sqrt" => x.sqrt(scale)?,
                    "length" => x.length(),
                    "scale" => Num::int(i64::from(x.s)),
                    "s" | "c" | "a" | "l" | "e" if self.mathlib => {
                        crate::bc_math::function(name, x, scale)?
                    }
                    "read" | "j" => {
                        return Err(format!("{name}() is not supported by the kruntimes bc"));
                    }
                    other => return Err(format!("Function {other} not defined.")),
                }
            }
        })
    }
}

fn arith(op: &str, a: &Num, b: &Num, scale: u32) -> Result<Num, String> {
    let truth = |t: bool| Num::int(i64::from(t));
    use std::cmp::Ordering::{Equal, Greater, Less};
    Ok(match op {
        "+" => a.add(b),
        "-" => a.add(&b.neg()),
        "*" => a.mul(b, scale),
        "/" => a.div(b, scale)?,
        "%" => a.rem(b, scale)?,
        "^" => a.pow(b, scale)?,
        "==" => truth(a.cmp(b) == Equal),
        "!=" => truth(a.cmp(b) != Equal),
        "<" => truth(a.cmp(b) == Less),
        ">" => truth(a.cmp(b) == Greater),
        "<=" => truth(a.cmp(b) != Greater),
        ">=" => truth(a.cmp(b) != Less),
        _ => return Err(format!("unknown operator {op}")),
    })
}

/// A number as typed, in base `ibase`: digits `0-9A-F`; its scale is the count of digits after the point.
fn parse_number(text: &str, ibase: u32) -> Num {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digit = |c: char| c.to_digit(16).unwrap_or(0);
    // A single digit keeps its value whatever the base (`A` is 10), as in bc.
    if frac.is_empty() && int.len() == 1 {
        return Num::int(i64::from(digit(int.chars().next().unwrap_or('0'))));
    }
    let mut v = BigInt::zero();
    for c in int.chars() {
        v = v * ibase + digit(c).min(ibase - 1);
    }
    let s = frac.len() as u32;
    if ibase == 10 {
        for c in frac.chars() {
            v = v * 10 + digit(c).min(9);
        }
        return Num { v, s };
    }
    // value = int + f / ibase^s, truncated to s decimal digits.
    let mut f = BigInt::zero();
    for c in frac.chars() {
        f = f * ibase + digit(c).min(ibase - 1);
    }
    let denominator = num_traits::pow(BigInt::from(ibase), s as usize);
    let v = v * ten_pow(s) + (f * ten_pow(s)) / denominator;
    Num { v, s }
}

/// The escapes of `print` strings.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('r') => out.push('\r'),
            Some('q') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

impl Num {
    pub(crate) fn fixed(v: BigInt, s: u32) -> Num {
        Num { v, s }
    }

    pub(crate) fn parts(&self) -> (&BigInt, u32) {
        (&self.v, self.s)
    }
}

/// `bc [-l] [-q] [-s] [-w] [FILE...]`: the files, then stdin.
pub(crate) fn main(args: &[String], out: &mut dyn Write) -> Result<u8, String> {
    let mut mathlib = false;
    let mut files = Vec::new();
    for arg in args {
        match arg.as_str() {
            "-l" | "--mathlib" => mathlib = true,
            "-q" | "--quiet" | "-s" | "--standard" | "-w" | "--warn" => {}
            option if option.starts_with('-') && option.len() > 1 => {
                return Err(crate::refuse("bc", option));
            }
            file => files.push(file.to_owned()),
        }
    }
    let mut bc = Bc::new(mathlib);
    let mut err = std::io::stderr();
    for file in &files {
        let src = std::fs::read_to_string(file)
            .map_err(|e| format!("File {file} is unavailable: {e}"))?;
        if !bc.run(&src, file, out, &mut err) {
            return Ok(0);
        }
    }
    let mut src = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut src)
        .map_err(|e| format!("bc: {e}"))?;
    bc.run(&src, "standard_in", out, &mut err);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bc(src: &str, mathlib: bool) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Bc::new(mathlib).run(src, "standard_in", &mut out, &mut err);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    /// Each line's result, compared with what GNU bc 1.07.1 prints for it.
    #[test]
    fn results_are_gnu_bc_ones() {
        let src = "1/3\nscale=4; 1/3\n-1/3\nscale=2; 2/3*3\n0.5\n-.5+0\n2^10\n2^-2\nscale=3; 2^-2\n7%3\n\
                   scale=2; 7%3\n5.5%2\nsqrt(2)\nscale=10; sqrt(2)\n3>2\n3<2\n1==1.0\n!0\n1&&0\nx=5; x+=2; x\n\
                   x++; x\n++x\nlength(123.45)\nscale(1.234)\nobase=16; 255\nobase=2; 10\nobase=10; ibase=16; FF\n\
                   ibase=A; 2^100\n1.50*2\n0.10+0\nif (1>0) 7 else 8\ni=0; while (i<3) { i; i=i+1 }\n\
                   for (i=0;i<2;i++) i*10\na\n-0.0\n10^30\n-2^2\n";
        let (out, err) = bc(src, false);
        assert_eq!(err, "");
        assert_eq!(
            out,
            "0\n.3333\n-.3333\n1.98\n.5\n-.5\n1024\n.25\n.250\n.001\n.01\n0\n1.41\n1.4142135623\n1\n0\n1\n1\n0\n\
             7\n7\n8\n9\n5\n3\nFF\n1010\n255\n1267650600228229401496703205376\n3.00\n.10\n7\n0\n1\n2\n0\n10\n0\n\
             0\n1000000000000000000000000000000\n4\n"
        );
    }

    #[test]
    fn long_numbers_wrap_and_strings_print() {
        let (out, _) = bc(
            "99999999999999999999999999999999999999999999999999999999999999999999999999999*9\n\
             \"hello\\n\"\nprint \"a\", 1+1, \"\\n\"\n",
            false,
        );
        assert_eq!(
            out,
            "89999999999999999999999999999999999999999999999999999999999999999999\\\n9999999991\nhello\\na2\n"
        );
    }

    #[test]
    fn errors_are_reported_and_the_rest_runs() {
        // GNU bc 1.07.1 prints the same lines, bar its `(func=(main), adr=3)` detail.
        let (out, err) = bc(
            "1/0\n2+2\nsyntax ((\n3\nx = (\n5\ndefine f(x) { return x }\n",
            false,
        );
        assert_eq!(out, "4\n3\n5\n");
        assert!(
            err.starts_with(
                "Runtime error: Divide by zero\n(standard_in) 4: syntax error\n(standard_in) 6: syntax error\n"
            ),
            "{err}"
        );
        assert!(err.contains("functions are not supported"), "{err}");
    }

    #[test]
    fn the_math_library_matches_gnu_bc_digits() {
        let (out, err) = bc(
            "e(1); l(2); s(1); c(1); a(1); 4*a(1); e(-1); l(0.5); s(-2); sqrt(2)\n",
            true,
        );
        assert_eq!(err, "");
        assert_eq!(
            out,
            "2.71828182845904523536\n.69314718055994530941\n.84147098480789650665\n.54030230586813971740\n\
             .78539816339744830961\n3.14159265358979323844\n.36787944117144232159\n-.69314718055994530941\n\
             -.90929742682568169539\n1.41421356237309504880\n"
        );
    }
}
