//! `xargs`: build command lines from standard input and run them.

use crate::run::{self, Outcome, Stdin};
use std::io::Read;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Opts {
    pub max_args: Option<usize>,
    pub max_lines: Option<usize>,
    pub replace: Option<String>,
    /// Input delimiter (`-0`, `-d`); `None` means blank-separated with quoting.
    pub delim: Option<u8>,
    pub arg_file: Option<String>,
    pub no_run_if_empty: bool,
    pub verbose: bool,
    pub eof: Option<String>,
    pub max_chars: Option<usize>,
    pub command: Vec<String>,
}

/// Parses a `-d` delimiter: one character or an escape (`\n`, `\t`, `\0`, `\\`, `\xHH`, `\NNN`).
pub fn parse_delim(s: &str) -> Result<u8, String> {
    let b = s.as_bytes();
    if b.len() == 1 {
        return Ok(b[0]);
    }
    if b.first() == Some(&b'\\') && b.len() >= 2 {
        let rest = &s[1..];
        let v = match rest {
            "n" => Some(b'\n'),
            "t" => Some(b'\t'),
            "r" => Some(b'\r'),
            "0" => Some(0),
            "\\" => Some(b'\\'),
            "a" => Some(7),
            "b" => Some(8),
            "f" => Some(12),
            "v" => Some(11),
            _ if rest.starts_with('x') => u8::from_str_radix(&rest[1..], 16).ok(),
            _ if rest.chars().all(|c| ('0'..='7').contains(&c)) => u8::from_str_radix(rest, 8).ok(),
            _ => None,
        };
        if let Some(v) = v {
            return Ok(v);
        }
    }
    Err(format!(
        "invalid input delimiter specification {s}: the delimiter must be either a single character or an escape sequence starting with \\."
    ))
}

/// Parses arguments (without argv[0]).
pub fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    let num = |v: &str, opt: &str| -> Result<usize, String> {
        v.parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(format!("invalid number \"{v}\" for -{opt} option"))
    };
    while i < args.len() {
        let a = &args[i];
        if !a.starts_with('-') || a == "-" {
            break;
        }
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let mut value = || -> Result<String, String> {
                if let Some(v) = inline.clone() {
                    return Ok(v);
                }
                let v = args
                    .get(i)
                    .cloned()
                    .ok_or(format!("option '--{name}' requires an argument"))?;
                i += 1;
                Ok(v)
            };
            match name {
                "null" => o.delim = Some(0),
                "delimiter" => o.delim = Some(parse_delim(&value()?)?),
                "max-args" => o.max_args = Some(num(&value()?, "n")?),
                "max-lines" => o.max_lines = Some(num(&value()?, "L")?),
                "replace" => o.replace = Some(inline.clone().unwrap_or_else(|| "{}".into())),
                "arg-file" => o.arg_file = Some(value()?),
                "no-run-if-empty" => o.no_run_if_empty = true,
                "verbose" => o.verbose = true,
                "eof" => o.eof = inline.clone(),
                "max-chars" => o.max_chars = Some(num(&value()?, "s")?),
                "max-procs" => {
                    value()?;
                }
                "exit" => {}
                _ => return Err(format!("unrecognized option '{a}'")),
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let rest: String = chars[j..].iter().collect();
            let mut value = |optional: bool| -> Result<Option<String>, String> {
                if !rest.is_empty() {
                    j = chars.len();
                    return Ok(Some(rest.clone()));
                }
                if optional {
                    return Ok(None);
                }
                let v = args
                    .get(i)
                    .cloned()
                    .ok_or(format!("option requires an argument -- '{c}'"))?;
                i += 1;
                Ok(Some(v))
            };
            match c {
                '0' => o.delim = Some(0),
                'r' => o.no_run_if_empty = true,
                't' => o.verbose = true,
                'x' => {}
                'd' => o.delim = Some(parse_delim(&value(false)?.unwrap())?),
                'n' => o.max_args = Some(num(&value(false)?.unwrap(), "n")?),
                'L' => o.max_lines = Some(num(&value(false)?.unwrap(), "L")?),
                'l' => o.max_lines = Some(value(true)?.map_or(Ok(1), |v| num(&v, "l"))?),
                's' => o.max_chars = Some(num(&value(false)?.unwrap(), "s")?),
                'P' => {
                    value(false)?;
                }
                'I' => o.replace = value(false)?,
                'i' => o.replace = Some(value(true)?.unwrap_or_else(|| "{}".into())),
                'a' => o.arg_file = value(false)?,
                'E' => o.eof = value(false)?,
                'e' => o.eof = value(true)?,
                'p' => return Err("-p (interactive prompting) is not supported".into()),
                c => return Err(format!("invalid option -- '{c}'")),
            }
        }
    }
    o.command = args[i..].to_vec();
    if o.command.is_empty() {
        o.command.push("echo".into());
    }
    Ok(o)
}

/// One input item with the number of the input line it ended on (for `-L`).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub text: String,
    /// True if this item ends a (non-continued) input line.
    pub line_end: bool,
}

/// Splits input into items per the options. With `-I`, each line is one item (leading blanks
/// removed). Unbalanced quotes are an error, like GNU's.
pub fn split_input(input: &[u8], o: &Opts) -> Result<Vec<Item>, String> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Some(d) = o.delim {
        let mut items: Vec<Item> = input
            .split(|&c| c == d)
            .map(|b| Item {
                text: text(b),
                line_end: true,
            })
            .collect();
        if input.last() == Some(&d) || input.is_empty() {
            items.pop();
        }
        return Ok(items);
    }
    if o.replace.is_some() {
        let mut items = Vec::new();
        for line in input.split(|&c| c == b'\n') {
            let l = text(line);
            let l = l.trim_start_matches([' ', '\t']);
            if l.is_empty() {
                continue;
            }
            if o.eof.as_deref() == Some(l) {
                break;
            }
            items.push(Item {
                text: l.to_string(),
                line_end: true,
            });
        }
        return Ok(items);
    }
    let mut items: Vec<Item> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut have = false;
    let mut i = 0;
    let push = |items: &mut Vec<Item>, cur: &mut Vec<u8>, have: &mut bool, line_end: bool| {
        if *have {
            items.push(Item {
                text: String::from_utf8_lossy(cur).into_owned(),
                line_end,
            });
            cur.clear();
            *have = false;
        } else if line_end && let Some(last) = items.last_mut() {
            last.line_end = true;
        }
    };
    while i < input.len() {
        let c = input[i];
        match c {
            b'\n' => {
                // A line ending in a blank continues onto the next line for -L.
                let continued = i > 0 && matches!(input[i - 1], b' ' | b'\t');
                push(&mut items, &mut cur, &mut have, !continued);
                if let Some(e) = &o.eof
                    && items.last().is_some_and(|it| &it.text == e)
                {
                    items.pop();
                    return Ok(items);
                }
            }
            b' ' | b'\t' => {
                push(&mut items, &mut cur, &mut have, false);
                if let Some(e) = &o.eof
                    && items.last().is_some_and(|it| &it.text == e)
                {
                    items.pop();
                    return Ok(items);
                }
            }
            b'\'' | b'"' => {
                let q = c;
                have = true;
                i += 1;
                loop {
                    match input.get(i) {
                        None | Some(b'\n') => {
                            let kind = if q == b'\'' { "single" } else { "double" };
                            return Err(format!(
                                "unmatched {kind} quote; by default quotes are special to xargs unless you use the -0 option"
                            ));
                        }
                        Some(&x) if x == q => break,
                        Some(&x) => cur.push(x),
                    }
                    i += 1;
                }
            }
            b'\\' => {
                have = true;
                if let Some(&n) = input.get(i + 1) {
                    cur.push(n);
                    i += 1;
                }
            }
            c => {
                have = true;
                cur.push(c);
            }
        }
        i += 1;
    }
    push(&mut items, &mut cur, &mut have, true);
    if let Some(e) = &o.eof
        && let Some(pos) = items.iter().position(|it| &it.text == e)
    {
        items.truncate(pos);
    }
    Ok(items)
}

/// Groups items into command lines (each the full argv, program first).
pub fn command_lines(items: &[Item], o: &Opts) -> Vec<Vec<String>> {
    let mut lines = Vec::new();
    if let Some(r) = &o.replace {
        for it in items {
            lines.push(
                o.command
                    .iter()
                    .map(|a| a.replace(r.as_str(), &it.text))
                    .collect(),
            );
        }
        return lines;
    }
    let max_chars = o.max_chars.unwrap_or(128 * 1024);
    let base_len: usize = o.command.iter().map(|a| a.len() + 1).sum();
    let mut cur: Vec<String> = Vec::new();
    let mut cur_len = base_len;
    let mut cur_lines = 0;
    for it in items {
        if !cur.is_empty() && cur_len + it.text.len() + 1 > max_chars {
            lines.push(o.command.iter().cloned().chain(cur.drain(..)).collect());
            cur_len = base_len;
            cur_lines = 0;
        }
        cur.push(it.text.clone());
        cur_len += it.text.len() + 1;
        if it.line_end {
            cur_lines += 1;
        }
        let full = o.max_args.is_some_and(|n| cur.len() >= n)
            || o.max_lines.is_some_and(|n| it.line_end && cur_lines >= n);
        if full {
            lines.push(o.command.iter().cloned().chain(cur.drain(..)).collect());
            cur_len = base_len;
            cur_lines = 0;
        }
    }
    if !cur.is_empty() {
        lines.push(o.command.iter().cloned().chain(cur.drain(..)).collect());
    }
    if lines.is_empty() && !o.no_run_if_empty {
        lines.push(o.command.clone());
    }
    lines
}

pub fn main(args: &[String]) -> i32 {
    if args.first().map(String::as_str) == Some("--help") {
        println!("Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...");
        return 0;
    }
    if args.first().map(String::as_str) == Some("--version") {
        println!("xargs (kruntimes findutils) 4.9.0");
        return 0;
    }
    let o = match parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xargs: {e}");
            return 1;
        }
    };
    let mut input = Vec::new();
    let read = match &o.arg_file {
        Some(f) if f != "-" => std::fs::read(f).map(|d| input = d),
        _ => std::io::stdin().lock().read_to_end(&mut input).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("xargs: {}: {e}", o.arg_file.as_deref().unwrap_or("stdin"));
        return 1;
    }
    let (items, split_err) = match split_input(&input, &o) {
        Ok(items) => (items, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    if let Some(e) = &split_err {
        eprintln!("xargs: {e}");
        return 1;
    }
    let mut status = 0;
    for line in command_lines(&items, &o) {
        if o.verbose {
            eprintln!("{}", line.join(" "));
        }
        // GNU gives commands /dev/null as stdin unless input comes from -a.
        let stdin = if o.arg_file.as_deref().is_some_and(|f| f != "-") {
            Stdin::Inherit
        } else {
            Stdin::Null
        };
        match run::run(&line[0], &line[1..], stdin) {
            Outcome::Exited(0) => {}
            Outcome::Exited(255) => {
                eprintln!("xargs: {}: exited with status 255; aborting", line[0]);
                return 124;
            }
            Outcome::Exited(_) => status = 123,
            Outcome::NotFound => {
                eprintln!("xargs: {}: No such file or directory", line[0]);
                return 127;
            }
            Outcome::CannotRun(m) => {
                eprintln!("xargs: {}: {m}", line[0]);
                return 126;
            }
            Outcome::Crashed(m) => {
                eprintln!("xargs: {}: terminated ({m})", line[0]);
                return 125;
            }
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn lines(args: &[&str], input: &str) -> Vec<String> {
        let o = parse_args(&s(args)).unwrap();
        let items = split_input(input.as_bytes(), &o).unwrap();
        command_lines(&items, &o)
            .into_iter()
            .map(|l| l.join("|"))
            .collect()
    }

    #[test]
    fn default_echo_and_batching() {
        assert_eq!(lines(&[], "a b\nc\n"), ["echo|a|b|c"]);
        assert_eq!(lines(&[], ""), ["echo"]);
        assert!(lines(&["-r"], "  \n").is_empty());
        assert_eq!(lines(&["-n", "2", "rm"], "a b c"), ["rm|a|b", "rm|c"]);
        assert_eq!(lines(&["-n1"], "a b"), ["echo|a", "echo|b"]);
        assert_eq!(lines(&["-L", "1"], "a b\nc\n"), ["echo|a|b", "echo|c"]);
    }

    #[test]
    fn quoting_and_delimiters() {
        assert_eq!(lines(&[], "'a b' \"c d\" e\\ f"), ["echo|a b|c d|e f"]);
        assert_eq!(lines(&["-0"], "a b\0c\0"), ["echo|a b|c"]);
        assert_eq!(lines(&["-d", "\\n"], "a b\nc\n"), ["echo|a b|c"]);
        assert_eq!(lines(&["-d,"], "a,b"), ["echo|a|b"]);
        let o = parse_args(&s(&[])).unwrap();
        assert!(split_input(b"'open", &o).is_err());
        assert_eq!(lines(&["-E", "STOP"], "a STOP b"), ["echo|a"]);
    }

    #[test]
    fn replace() {
        assert_eq!(
            lines(&["-I", "{}", "mv", "{}", "{}.bak"], "  a b\nc\n\n"),
            ["mv|a b|a b.bak", "mv|c|c.bak"]
        );
        assert_eq!(lines(&["-i", "echo", "x{}y"], "1\n"), ["echo|x1y"]);
        assert_eq!(lines(&["-IX", "echo", "X"], "1\n2"), ["echo|1", "echo|2"]);
    }

    #[test]
    fn options() {
        let o = parse_args(&s(&["-t", "-r", "grep", "-n", "x"])).unwrap();
        assert!(o.verbose && o.no_run_if_empty);
        assert_eq!(o.command, ["grep", "-n", "x"]);
        assert!(parse_args(&s(&["-n", "0"])).is_err());
        assert!(parse_args(&s(&["-q"])).is_err());
        assert_eq!(parse_delim("\\x41").unwrap(), b'A');
        assert_eq!(parse_delim("\\0").unwrap(), 0);
    }
}
