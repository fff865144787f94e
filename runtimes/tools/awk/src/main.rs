//! `awk`: a POSIX awk (with some gawk extensions: `gensub`, `length(array)`, `**`, empty `FS`,
//! `/dev/stderr`) on the `awk-rs` 0.2 interpreter, as a `wasi:cli/command` component. awk-rs is patched at
//! build time (`patches/awk-rs-0.2.0.patch`, applied by `cargo xtask` into `runtimes/target/patched/`).
//!
//! Usage: `awk [-F FS] [-v VAR=VALUE]... [--] 'PROGRAM' [FILE | VAR=VALUE]...` or `awk -f PROGFILE ...`.
//! `-f` may repeat; `-F` and `-v` values take awk string escapes (`-F '\t'`). `VAR=VALUE` operands are
//! applied before the first record is read, wherever they appear. A file that cannot be opened is
//! reported and skipped, and the exit status is then 2. A program of `BEGIN` actions alone reads no input.
//!
//! Known gaps: `RS` is a newline, `""` (paragraphs) or one character (gawk's regex `RS` is not supported);
//! most other gawk extensions are missing. Not available here: `system()`, `cmd | getline` and
//! `print | "cmd"` (a component has no subprocesses).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use awk_rs::{Interpreter, Lexer, Parser, Token, TokenKind};

/// What the command line asks for.
#[derive(Default)]
struct Invocation {
    field_separator: Option<String>,
    assignments: Vec<(String, String)>,
    program: String,
    operands: Vec<String>,
}

/// Exits with `code`. On wasm32-wasip2 `std::process::exit` reports every non-zero code as 1, so the
/// exact code goes through `wasi:cli/exit.exit-with-code`.
fn exit(code: i32) -> ! {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    #[cfg(all(target_os = "wasi", target_env = "p2"))]
    wasip2::cli::exit::exit_with_code((code & 0xff) as u8);
    std::process::exit(code)
}

/// Makes `$PWD` the current directory. wasi-libc (as linked by Rust's wasm32-wasip2 std) ignores
/// `wasi:cli/environment.initial-cwd` and resolves relative paths through the `.` preopen, so `../x` fails
/// and `pwd` prints `/`. The shell passes the child's directory in `$PWD` (inside the `/workspace`
/// preopen); after `chdir` wasi-libc resolves relative paths, `..` included, against it.
fn enter_pwd() {
    #[cfg(target_os = "wasi")]
    if let Some(pwd) = std::env::var_os("PWD")
        && pwd.as_encoded_bytes().starts_with(b"/")
    {
        let _ = std::env::set_current_dir(pwd);
    }
}

fn main() {
    enter_pwd();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = parse_args(&args).unwrap_or_else(|message| {
        eprintln!("awk: {message}");
        eprintln!("usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]");
        exit(2)
    });
    exit(run(&invocation));
}

fn parse_args(args: &[String]) -> Result<Invocation, String> {
    let mut inv = Invocation::default();
    let mut program_files: Vec<String> = Vec::new();
    let mut i = 0;
    let value = |i: &mut usize, inline: &str, option: &str| -> Result<String, String> {
        if !inline.is_empty() {
            return Ok(inline.to_string());
        }
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("option requires an argument -- {option}"))
    };
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if arg == "--version" {
            println!("awk (awk-rs 0.2.0)");
            exit(0);
        }
        if arg == "-" || !arg.starts_with('-') {
            break;
        }
        if let Some(rest) = arg.strip_prefix("-F") {
            inv.field_separator = Some(unescape(&value(&mut i, rest, "F")?));
        } else if let Some(rest) = arg.strip_prefix("-v") {
            let assignment = value(&mut i, rest, "v")?;
            let (name, val) = split_assignment(&assignment)
                .ok_or_else(|| format!("improper assignment: -v {assignment}"))?;
            inv.assignments.push((name, val));
        } else if let Some(rest) = arg.strip_prefix("-f") {
            program_files.push(value(&mut i, rest, "f")?);
        } else {
            return Err(format!("not an option: {arg}"));
        }
        i += 1;
    }
    let mut rest = args[i.min(args.len())..].iter();
    if program_files.is_empty() {
        inv.program = rest.next().cloned().ok_or("no program given")?;
    } else {
        for path in &program_files {
            let source = std::fs::read_to_string(path)
                .map_err(|e| format!("couldn't open file {path}: {}", os_message(&e)))?;
            inv.program.push_str(&source);
            inv.program.push('\n');
        }
    }
    inv.operands = rest.cloned().collect();
    Ok(inv)
}

/// `NAME=VALUE` where NAME is an awk identifier; VALUE gets string-literal escapes.
fn split_assignment(arg: &str) -> Option<(String, String)> {
    let (name, value) = arg.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let identifier = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier.then(|| (name.to_string(), unescape(value)))
}

/// Processes awk string escapes (`\t`, `\n`, `\\`, `\"`, `\/`, octal `\NNN`) like a string literal.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        match next {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            'a' => out.push('\u{7}'),
            '0'..='7' => {
                let mut code = next.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code).unwrap_or('?'));
            }
            '\\' | '"' | '/' => out.push(next),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn os_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        io::ErrorKind::IsADirectory => "Is a directory".to_string(),
        _ => e.to_string(),
    }
}

/// Special variables that awk-rs only honours when assigned by the program itself.
const SPECIAL: &[&str] = &[
    "OFS",
    "ORS",
    "RS",
    "OFMT",
    "CONVFMT",
    "SUBSEP",
    "FPAT",
    "FIELDWIDTHS",
];

/// Works around gaps of the awk-rs parser and API: a bare `length` means `length($0)`; `;` may separate
/// pattern-action items (`BEGIN { ... }; { ... }`); `print(a, b)` and `printf(fmt, ...)` drop their
/// parentheses; and assignments to special variables (`-v OFS=,`) become a leading `BEGIN` action.
fn fix_tokens(tokens: Vec<Token>, specials: &[(String, String)]) -> Vec<Token> {
    let mut fixed = Vec::with_capacity(tokens.len() + 8 * specials.len());
    for (name, value) in specials {
        for kind in [
            TokenKind::Begin,
            TokenKind::LeftBrace,
            TokenKind::Identifier(name.clone()),
            TokenKind::Assign,
            TokenKind::String(value.clone()),
            TokenKind::RightBrace,
            TokenKind::Newline,
        ] {
            fixed.push(Token::new(kind, 1, 1));
        }
    }
    let mut tokens: Vec<Option<Token>> = tokens.into_iter().map(Some).collect();
    let mut depth = 0usize;
    for i in 0..tokens.len() {
        let Some(token) = tokens[i].take() else {
            continue; // a parenthesis dropped below
        };
        let (line, column) = (token.location.line, token.location.column);
        let next = tokens.get(i + 1).and_then(Option::as_ref).map(|t| &t.kind);
        match &token.kind {
            TokenKind::LeftBrace => depth += 1,
            TokenKind::RightBrace => depth = depth.saturating_sub(1),
            TokenKind::Semicolon if depth == 0 => {
                fixed.push(Token::new(TokenKind::Newline, line, column));
                continue;
            }
            TokenKind::Identifier(name)
                if name == "length" && next != Some(&TokenKind::LeftParen) =>
            {
                fixed.push(token);
                for kind in [
                    TokenKind::LeftParen,
                    TokenKind::Dollar,
                    TokenKind::Number(0.0),
                    TokenKind::RightParen,
                ] {
                    fixed.push(Token::new(kind, line, column));
                }
                continue;
            }
            TokenKind::Print | TokenKind::Printf if next == Some(&TokenKind::LeftParen) => {
                if let Some(close) = print_list_close(&tokens, i + 1) {
                    tokens[i + 1] = None;
                    tokens[close] = None;
                }
            }
            _ => {}
        }
        fixed.push(token);
    }
    fixed
}

/// For `print (` at `open`: the index of the matching `)` when the parentheses hold a comma-separated
/// list and end the statement (or precede a redirection), i.e. when they can be dropped.
fn print_list_close(tokens: &[Option<Token>], open: usize) -> Option<usize> {
    let mut nesting = 0usize;
    let mut comma = false;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        let kind = &token.as_ref()?.kind;
        match kind {
            TokenKind::LeftParen | TokenKind::LeftBracket => nesting += 1,
            TokenKind::RightParen | TokenKind::RightBracket => {
                nesting -= 1;
                if nesting == 0 {
                    let after = tokens.get(i + 1).and_then(Option::as_ref).map(|t| &t.kind);
                    let ends = matches!(
                        after,
                        None | Some(
                            TokenKind::Newline
                                | TokenKind::Semicolon
                                | TokenKind::RightBrace
                                | TokenKind::Eof
                                | TokenKind::Greater
                                | TokenKind::Append
                                | TokenKind::Pipe
                        )
                    );
                    return (comma && ends).then_some(i);
                }
            }
            TokenKind::Comma if nesting == 1 => comma = true,
            TokenKind::Newline | TokenKind::Eof if nesting == 0 => return None,
            _ => {}
        }
    }
    None
}

fn run(inv: &Invocation) -> i32 {
    // -v and VAR=VALUE operands, in command-line order; special variables go through the program.
    let mut field_separator = inv.field_separator.clone();
    let mut specials = Vec::new();
    let mut plain = Vec::new();
    let operand_assignments = inv.operands.iter().filter_map(|o| split_assignment(o));
    for (name, value) in inv.assignments.iter().cloned().chain(operand_assignments) {
        if name == "FS" {
            field_separator = Some(value);
        } else if SPECIAL.contains(&name.as_str()) {
            specials.push((name, value));
        } else {
            plain.push((name, value));
        }
    }
    let tokens = match Lexer::new(&inv.program).tokenize() {
        Ok(tokens) => fix_tokens(tokens, &specials),
        Err(e) => {
            eprintln!("awk: {e}");
            return 2;
        }
    };
    let uses_getline = tokens.iter().any(|t| t.kind == TokenKind::Getline);
    let program = match Parser::new(tokens).parse() {
        Ok(program) => program,
        Err(e) => {
            eprintln!("awk: {e}");
            return 2;
        }
    };
    let mut interpreter = Interpreter::new(&program);
    if let Some(fs) = &field_separator {
        interpreter.set_fs(fs);
    }
    let mut argv = vec!["awk".to_string()];
    argv.extend(inv.operands.iter().cloned());
    interpreter.set_args(argv);
    for (name, value) in &plain {
        interpreter.set_variable(name, value);
    }

    // A program of BEGIN actions alone reads no input (awk-rs would wait for stdin's end first).
    let begin_only = !uses_getline
        && program
            .rules
            .iter()
            .all(|rule| matches!(rule.pattern, Some(awk_rs::ast::Pattern::Begin)));
    let mut status = 0;
    let mut inputs: Vec<Box<dyn BufRead>> = Vec::new();
    let mut filenames: Vec<String> = Vec::new();
    for operand in inv.operands.iter().filter(|_| !begin_only) {
        if split_assignment(operand).is_some() {
            continue;
        }
        if operand == "-" || operand == "/dev/stdin" {
            inputs.push(Box::new(BufReader::new(io::stdin())));
        } else {
            match File::open(operand) {
                Ok(file) if file.metadata().is_ok_and(|m| m.is_dir()) => {
                    eprintln!(
                        "awk: warning: command line argument `{operand}' is a directory: skipped"
                    );
                    continue;
                }
                Ok(file) => inputs.push(Box::new(BufReader::with_capacity(64 * 1024, file))),
                Err(e) => {
                    eprintln!("awk: cannot open \"{operand}\" ({})", os_message(&e));
                    status = 2;
                    continue;
                }
            }
        }
        filenames.push(operand.clone());
    }
    if inputs.is_empty() && status == 0 && !begin_only {
        inputs.push(Box::new(BufReader::new(io::stdin())));
        filenames.push(String::new());
    }
    interpreter.set_filenames(filenames);

    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let result = interpreter.run(inputs, &mut out);
    let flushed = out.flush();
    match result {
        Ok(code) if code != 0 => code,
        Ok(_) if flushed.is_err() => 2,
        Ok(_) => status,
        Err(e) => {
            eprintln!("awk: {e}");
            2
        }
    }
}
