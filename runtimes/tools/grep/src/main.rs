//! `grep`: a GNU-compatible grep on the `regex` crate, as a `wasi:cli/command` component answering to
//! `grep`, `egrep` (`-E`) and `fgrep` (`-F`).
//!
//! Supported: `-E -F -G -P` (basic regexes are translated: `\( \) \{ \} \| \+ \?`, literal `+ ? ( ) { } |`;
//! `-P` is the `regex` crate's syntax, so no look-around), `-e PATTERN` (repeatable), `-f FILE`, `-i -y
//! --no-ignore-case -v -w -x`, `-c -l -L -q -s -o -n -h -H -Z`, `-m NUM`, `-A -B -C NUM` and `-NUM` with `--`
//! group separators, `-r` (skips symlinks met while recursing) and `-R`, `--include --exclude
//! --exclude-dir` globs, `-a -I --binary-files`, `--label`, `--line-buffered`, `--color[=WHEN]` (never
//! colours), combined short flags and options after operands. Exit status: 0 a line selected, 1 none,
//! 2 error (0 with `-q` when a line was selected).
//!
//! Not supported: back-references (`\1`), `-z`, `-b`, `-T`, `-u`, `--devices`, `GREP_COLORS`.

mod pattern;
mod search;

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use pattern::{MatchOptions, Syntax};
use search::{OutputOptions, Searcher};

#[derive(Debug)]
struct Config {
    syntax: Syntax,
    patterns: Vec<String>,
    pattern_given: bool,
    matching: MatchOptions,
    output: OutputOptions,
    with_filename: Option<bool>,
    no_messages: bool,
    recursive: bool,
    dereference: bool,
    include: Vec<String>,
    exclude: Vec<String>,
    exclude_dir: Vec<String>,
    label: String,
    operands: Vec<String>,
}

fn usage_error(message: &str) -> ! {
    eprintln!("grep: {message}");
    eprintln!("Usage: grep [OPTION]... PATTERNS [FILE]...");
    exit(2)
}

fn number(option: &str, value: &str) -> u64 {
    value
        .parse()
        .unwrap_or_else(|_| usage_error(&format!("invalid {option} argument: '{value}'")))
}

/// Reads `-f FILE` patterns, one per line (`-` is stdin).
fn pattern_file(path: &str) -> Vec<String> {
    let text = if path == "-" {
        io::read_to_string(io::stdin())
    } else {
        fs::read_to_string(path)
    };
    match text {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(e) => {
            eprintln!("grep: {path}: {}", os_message(&e));
            exit(2)
        }
    }
}

/// Options that take a value, by short and long name.
const WITH_VALUE: &[(char, &str)] = &[
    ('e', "regexp"),
    ('f', "file"),
    ('m', "max-count"),
    ('A', "after-context"),
    ('B', "before-context"),
    ('C', "context"),
    ('d', "directories"),
    ('D', "devices"),
];

fn parse_args(args: Vec<String>, program: &str) -> Config {
    let mut c = Config {
        syntax: match program {
            "egrep" => Syntax::Extended,
            "fgrep" => Syntax::Fixed,
            _ => Syntax::Basic,
        },
        patterns: Vec::new(),
        pattern_given: false,
        matching: MatchOptions::default(),
        output: OutputOptions::default(),
        with_filename: None,
        no_messages: false,
        recursive: false,
        dereference: false,
        include: Vec::new(),
        exclude: Vec::new(),
        exclude_dir: Vec::new(),
        label: "(standard input)".to_string(),
        operands: Vec::new(),
    };
    let mut context: Option<usize> = None;
    let (mut before, mut after) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            c.operands.extend(args.by_ref());
            break;
        }
        // (option name, inline value) pairs of this argument.
        let mut options: Vec<(String, Option<String>)> = Vec::new();
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            };
            options.push((name, value));
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut i = 0;
            while i < chars.len() {
                if chars[i].is_ascii_digit() {
                    let digits: String = chars[i..]
                        .iter()
                        .take_while(|d| d.is_ascii_digit())
                        .collect();
                    i += digits.len();
                    options.push(("NUM".to_string(), Some(digits)));
                    continue;
                }
                let short = chars[i];
                i += 1;
                if let Some((_, long)) = WITH_VALUE.iter().find(|(s, _)| *s == short) {
                    let rest: String = chars[i..].iter().collect();
                    options.push((long.to_string(), (!rest.is_empty()).then_some(rest)));
                    break;
                }
                options.push((short.to_string(), None));
            }
        } else {
            c.operands.push(arg);
            continue;
        }
        for (name, inline) in options {
            let needs_value = name.len() > 1 && WITH_VALUE.iter().any(|(_, long)| *long == name)
                || name == "include"
                || name == "exclude"
                || name == "exclude-dir"
                || name == "label"
                || name == "binary-files";
            let value = if needs_value {
                inline.or_else(|| args.next()).unwrap_or_else(|| {
                    usage_error(&format!("option requires an argument -- '{name}'"))
                })
            } else {
                if inline.is_some() && !matches!(name.as_str(), "NUM" | "color" | "colour") {
                    usage_error(&format!("option '--{name}' doesn't allow an argument"));
                }
                inline.unwrap_or_default()
            };
            match name.as_str() {
                "E" | "extended-regexp" => c.syntax = Syntax::Extended,
                "F" | "fixed-strings" => c.syntax = Syntax::Fixed,
                "G" | "basic-regexp" => c.syntax = Syntax::Basic,
                "P" | "perl-regexp" => c.syntax = Syntax::Perl,
                "regexp" => {
                    c.patterns.extend(value.split('\n').map(str::to_string));
                    c.pattern_given = true;
                }
                "file" => {
                    c.patterns.extend(pattern_file(&value));
                    c.pattern_given = true;
                }
                "i" | "y" | "ignore-case" => c.matching.ignore_case = true,
                "no-ignore-case" => c.matching.ignore_case = false,
                "w" | "word-regexp" => c.matching.whole_words = true,
                "x" | "line-regexp" => c.matching.whole_lines = true,
                "v" | "invert-match" => c.output.invert = true,
                "c" | "count" => c.output.count = true,
                "l" | "files-with-matches" => c.output.files_with_matches = true,
                "L" | "files-without-match" => c.output.files_without_match = true,
                "o" | "only-matching" => c.output.only_matching = true,
                "q" | "quiet" | "silent" => c.output.quiet = true,
                "s" | "no-messages" => c.no_messages = true,
                "n" | "line-number" => c.output.line_numbers = true,
                "h" | "no-filename" => c.with_filename = Some(false),
                "H" | "with-filename" => c.with_filename = Some(true),
                "Z" | "null" => c.output.null_after_name = true,
                "r" | "recursive" => c.recursive = true,
                "R" | "dereference-recursive" => (c.recursive, c.dereference) = (true, true),
                "a" | "text" => c.output.binary_as_text = true,
                "I" => c.output.skip_binary = true,
                "binary-files" => match value.as_str() {
                    "text" => c.output.binary_as_text = true,
                    "without-match" => c.output.skip_binary = true,
                    "binary" => {}
                    _ => usage_error(&format!("invalid argument '{value}' for '--binary-files'")),
                },
                "max-count" => c.output.max_count = Some(number("max count", &value)),
                "after-context" => after = Some(number("context length", &value) as usize),
                "before-context" => before = Some(number("context length", &value) as usize),
                "context" | "NUM" => context = Some(number("context length", &value) as usize),
                "directories" => match value.as_str() {
                    "recurse" => c.recursive = true,
                    "read" | "skip" => {}
                    _ => usage_error(&format!("invalid argument '{value}' for '--directories'")),
                },
                "devices" | "U" | "binary" => {}
                "include" => c.include.push(value),
                "exclude" => c.exclude.push(value),
                "exclude-dir" => c.exclude_dir.push(value),
                "label" => c.label = value,
                "line-buffered" => c.output.line_buffered = true,
                "color" | "colour" => {}
                "V" | "version" => {
                    println!("grep (kruntimes, regex crate) 1.0");
                    exit(0);
                }
                "help" => {
                    println!("Usage: grep [OPTION]... PATTERNS [FILE]...");
                    exit(0);
                }
                other if other.len() == 1 => usage_error(&format!("invalid option -- '{other}'")),
                other => usage_error(&format!("unrecognized option '--{other}'")),
            }
        }
    }
    c.output.before = before.or(context).unwrap_or(0);
    c.output.after = after.or(context).unwrap_or(0);
    if !c.pattern_given {
        if c.operands.is_empty() {
            usage_error("no pattern given");
        }
        let first = c.operands.remove(0);
        c.patterns.extend(first.split('\n').map(str::to_string));
    }
    c
}

/// The text of an I/O error, like `strerror`.
fn os_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        io::ErrorKind::IsADirectory => "Is a directory".to_string(),
        io::ErrorKind::NotADirectory => "Not a directory".to_string(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// Shell-style glob match of `name` against `glob` (`*`, `?`, `[...]`, `\x`).
fn glob_match(glob: &[u8], name: &[u8]) -> bool {
    match glob.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob_match(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && glob_match(rest, &name[1..]),
        Some((b'[', rest)) if rest.iter().skip(1).any(|&b| b == b']') => {
            let Some((&c, name_rest)) = name.split_first() else {
                return false;
            };
            let negate = matches!(rest.first(), Some(b'!' | b'^'));
            let body = &rest[usize::from(negate)..];
            let end = 1 + body[1..].iter().position(|&b| b == b']').unwrap_or(0);
            let set = &body[..end];
            let mut found = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    found |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    found |= set[i] == c;
                    i += 1;
                }
            }
            found != negate && glob_match(&body[end + 1..], name_rest)
        }
        Some((b'\\', [escaped, rest @ ..])) => {
            name.first() == Some(escaped) && glob_match(rest, &name[1..])
        }
        Some((&g, rest)) => name.first() == Some(&g) && glob_match(rest, &name[1..]),
    }
}

struct Run<'a, W: Write> {
    config: &'a Config,
    searcher: Searcher<'a, W>,
    matched: bool,
    error: bool,
}

impl<W: Write> Run<'_, W> {
    fn complain(&mut self, name: &str, e: &io::Error) {
        self.error = true;
        if !self.config.no_messages {
            eprintln!("grep: {name}: {}", os_message(e));
        }
    }

    fn file_selected(&self, path: &str) -> bool {
        let base = path.rsplit('/').next().unwrap_or(path).as_bytes();
        let c = self.config;
        (c.include.is_empty() || c.include.iter().any(|g| glob_match(g.as_bytes(), base)))
            && !c.exclude.iter().any(|g| glob_match(g.as_bytes(), base))
    }

    /// Searches one command-line operand.
    fn operand(&mut self, operand: &str, show_names: Option<bool>) {
        if operand == "-" {
            let label = self.config.label.clone();
            let stdin = io::stdin();
            self.input(&mut stdin.lock(), &label, show_names.unwrap_or(false));
            return;
        }
        let metadata = match fs::metadata(operand) {
            Ok(m) => m,
            Err(e) => return self.complain(operand, &e),
        };
        if metadata.is_dir() {
            if self.config.recursive {
                let prefix = if operand == "." && self.config.operands.is_empty() {
                    String::new()
                } else {
                    format!("{}/", operand.trim_end_matches('/'))
                };
                self.directory(operand, &prefix, show_names.unwrap_or(true));
            } else {
                let e = io::Error::new(io::ErrorKind::IsADirectory, "Is a directory");
                self.complain(operand, &e);
            }
        } else if self.file_selected(operand) {
            self.file(operand, operand, show_names.unwrap_or(false));
        }
    }

    fn directory(&mut self, path: &str, prefix: &str, show_names: bool) {
        let entries = match fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.complain(path, &e),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let full = Path::new(path).join(&name);
            let shown = format!("{prefix}{name}");
            let metadata = if self.config.dereference {
                fs::metadata(&full)
            } else {
                fs::symlink_metadata(&full)
            };
            let metadata = match metadata {
                Ok(m) => m,
                Err(e) => {
                    self.complain(&shown, &e);
                    continue;
                }
            };
            let full = full.to_string_lossy();
            if metadata.is_dir() {
                if !self
                    .config
                    .exclude_dir
                    .iter()
                    .any(|g| glob_match(g.as_bytes(), name.as_bytes()))
                {
                    self.directory(&full, &format!("{shown}/"), show_names);
                }
            } else if metadata.is_file() && self.file_selected(&name) {
                self.file(&full, &shown, show_names);
            }
        }
    }

    fn file(&mut self, path: &str, shown: &str, show_names: bool) {
        match File::open(path) {
            Ok(file) => self.input(
                &mut BufReader::with_capacity(64 * 1024, file),
                shown,
                show_names,
            ),
            Err(e) => self.complain(shown, &e),
        }
    }

    fn input(&mut self, input: &mut dyn BufRead, shown: &str, show_names: bool) {
        let name = show_names.then_some(shown);
        let result = self.searcher.search(input, name, shown);
        let result = match result {
            Ok(result) => result,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit(self.exit_status()),
            Err(e) => return self.complain(shown, &e),
        };
        if result.selected > 0 {
            self.matched = true;
            if self.config.output.quiet {
                exit(0);
            }
        }
        if let Err(e) = self.searcher.summary(name, shown, result.selected) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                exit(self.exit_status());
            }
            self.complain("(standard output)", &e);
        }
    }

    fn exit_status(&self) -> i32 {
        match (self.matched, self.error) {
            (true, _) if self.config.output.quiet => 0,
            (_, true) => 2,
            (true, false) => 0,
            (false, false) => 1,
        }
    }
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
    let mut args = std::env::args();
    let arg0 = args.next().unwrap_or_default();
    let program = arg0.rsplit('/').next().unwrap_or("grep").to_string();
    let config = parse_args(args.collect(), &program);
    let regex = pattern::compile(&config.patterns, config.syntax, config.matching).unwrap_or_else(
        |message| {
            eprintln!("grep: {message}");
            exit(2)
        },
    );
    let out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut run = Run {
        config: &config,
        searcher: Searcher::new(regex.as_ref(), &config.output, out),
        matched: false,
        error: false,
    };
    let implicit = if config.recursive { "." } else { "-" };
    let operands: Vec<&str> = if config.operands.is_empty() {
        vec![implicit]
    } else {
        config.operands.iter().map(String::as_str).collect()
    };
    let show_names = config
        .with_filename
        .or((operands.len() > 1).then_some(true));
    for operand in operands {
        run.operand(operand, show_names);
    }
    if let Err(e) = run.searcher.out.flush()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        run.complain("(standard output)", &e);
    }
    exit(run.exit_status());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn combined_and_permuted_options() {
        let c = parse_args(
            args(&["-rnie", "x", "dir", "-A2", "--color=never", "-3"]),
            "grep",
        );
        assert!(c.recursive && c.output.line_numbers && c.matching.ignore_case);
        assert_eq!(c.patterns, ["x"]);
        assert_eq!(c.operands, ["dir"]);
        assert_eq!((c.output.before, c.output.after), (3, 2));
        let c = parse_args(args(&["-e", "a", "--regexp=b", "--", "-f"]), "egrep");
        assert_eq!(c.syntax, Syntax::Extended);
        assert_eq!(c.patterns, ["a", "b"]);
        assert_eq!(c.operands, ["-f"]);
        let c = parse_args(args(&["-m1", "--max-count", "5", "p"]), "fgrep");
        assert_eq!((c.syntax, c.output.max_count), (Syntax::Fixed, Some(5)));
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*.rs", b"main.rs"));
        assert!(!glob_match(b"*.rs", b"main.rsx"));
        assert!(glob_match(b"?a[b-d]*", b"xac"));
        assert!(glob_match(b"[!a]*", b"b"));
        assert!(!glob_match(b"[!a]*", b"a"));
    }
}
