//! `diffutils`: uutils diffutils 0.6 as one multicall `wasi:cli/command` component answering to `diff` and
//! `cmp` (chosen by the basename of argv[0]; `diffutils diff ARGS...` also works).
//!
//! `diff` compares two files (`-` is stdin) in normal, unified (`-u`, `-U N`), context (`-c`, `-C N`),
//! ed (`-e`) or side-by-side (`-y`) format, with `-q`/`--brief`, `-s`, `-t`, `--tabsize`, `--width`.
//! When one operand is a directory the file of the same name inside it is used, like GNU. Not supported
//! by upstream: recursive directory comparison (`-r`), `-N`, and whitespace or case options (`-b`, `-w`,
//! `-B`, `-i`). Exit status: 0 same, 1 different, 2 trouble.
//! `cmp` is upstream's: `-b`, `-i SKIP`, `-l`, `-n LIMIT`, `-s`.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;

use diffutilslib::params::{Format, Params, parse_params};
use diffutilslib::utils::report_failure_to_read_input_file;

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
    exit(dispatch());
}

/// Runs the utility named by argv[0] (or argv[1]) and returns its exit status.
fn dispatch() -> i32 {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    let mut name = basename(&arg0);
    let shifted = name != "diff" && name != "cmp";
    if shifted {
        // Multicall form: `diffutils diff ARGS...`.
        name = match std::env::args_os().nth(1) {
            Some(n) => basename(&n),
            None => {
                eprintln!("diffutils: missing utility name (diff or cmp)");
                return 2;
            }
        };
    }
    match name.as_str() {
        "cmp" => cmp(shifted),
        "diff" => {
            let rest = std::env::args_os().skip(if shifted { 2 } else { 1 });
            diff(std::iter::once(OsString::from("diff")).chain(rest))
        }
        other => {
            eprintln!("diffutils: unknown program '{other}'");
            2
        }
    }
}

fn basename(arg: &OsString) -> String {
    let s = arg.to_string_lossy();
    s.rsplit('/').next().unwrap_or_default().to_string()
}

/// `diff FROM TO`, with upstream's option parsing and output formats.
fn diff(args: impl Iterator<Item = OsString>) -> i32 {
    let mut params = parse_params(args.peekable()).unwrap_or_else(|error| {
        eprintln!("{error}");
        exit(2);
    });
    resolve_directory_operand(&mut params);
    if params.from == "-" && params.to == "-" {
        return identical(&params);
    }
    let from = read_operand(&params, &params.from);
    let to = read_operand(&params, &params.to);
    let (Some(from), Some(to)) = (from, to) else {
        return 2;
    };
    let output = match params.format {
        Format::Normal => tidy_normal(&diffutilslib::normal_diff(&from, &to, &params)),
        Format::Unified => diffutilslib::unified_diff(&from, &to, &params),
        Format::Context => diffutilslib::context_diff(&from, &to, &params),
        Format::Ed => match diffutilslib::ed_diff(&from, &to, &params) {
            Ok(script) => tidy_ed(&script),
            Err(error) => {
                eprintln!("{error}");
                return 2;
            }
        },
        Format::SideBySide => {
            diffutilslib::side_by_side_diff(&from, &to, &mut io::stdout().lock(), &params);
            // Upstream prints the columns itself; the status still says whether the files differ.
            return if from == to { 0 } else { 1 };
        }
    };
    if output.is_empty() {
        return identical(&params);
    }
    let mut stdout = io::stdout().lock();
    let written = if params.brief {
        writeln!(
            stdout,
            "Files {} and {} differ",
            params.from.to_string_lossy(),
            params.to.to_string_lossy()
        )
    } else {
        stdout.write_all(&output)
    };
    if written.and_then(|()| stdout.flush()).is_err() {
        return 2;
    }
    1
}

/// A range `N,N` of a hunk header is written `N`, as GNU does (upstream prints `5a6,6`).
fn tidy_header(line: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(line);
    let Some(op) = text.find(['a', 'c', 'd']) else {
        return line.to_vec();
    };
    let range = |r: &str| match r.split_once(',') {
        Some((a, b)) if a == b => a.to_string(),
        _ => r.to_string(),
    };
    let (left, right) = (&text[..op], &text[op + 1..]);
    format!("{}{}{}", range(left), &text[op..=op], range(right)).into_bytes()
}

fn is_header(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let mut parts = text.splitn(2, ['a', 'c', 'd']);
    let numbers = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == ',');
    let left = parts.next().unwrap_or_default();
    let right = parts.next();
    numbers(left) && right.is_some_and(|r| r.is_empty() || numbers(r))
}

fn tidy_normal(output: &[u8]) -> Vec<u8> {
    let mut tidy = Vec::with_capacity(output.len());
    for line in output.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if is_header(body) {
            tidy.extend(tidy_header(body));
            tidy.push(b'\n');
        } else {
            tidy.extend_from_slice(line);
        }
    }
    tidy
}

/// Ed scripts get the same header tidying (upstream lists hunks first to last with line numbers that
/// account for the hunks before, where GNU lists them last to first; both apply correctly).
fn tidy_ed(script: &[u8]) -> Vec<u8> {
    let mut hunks: Vec<Vec<u8>> = Vec::new();
    let mut in_text = false;
    for line in script.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if in_text {
            in_text = body != b".";
        } else if is_header(body) {
            in_text = !body.ends_with(b"d");
            let mut header = tidy_header(body);
            header.push(b'\n');
            hunks.push(header);
            continue;
        }
        match hunks.last_mut() {
            Some(hunk) => hunk.extend_from_slice(line),
            None => hunks.push(line.to_vec()),
        }
    }
    hunks.into_iter().flatten().collect()
}

/// GNU compares `FILE DIR` as `FILE DIR/FILE` (and `DIR FILE` likewise).
fn resolve_directory_operand(params: &mut Params) {
    let is_dir = |p: &OsString| p != "-" && Path::new(p).is_dir();
    let inside = |dir: &OsString, file: &OsString| {
        let name = Path::new(file).file_name().unwrap_or(file.as_os_str());
        Path::new(dir).join(name).into_os_string()
    };
    match (is_dir(&params.from), is_dir(&params.to)) {
        (true, false) if params.to != "-" => params.from = inside(&params.from, &params.to),
        (false, true) if params.from != "-" => params.to = inside(&params.to, &params.from),
        (true, true) => {
            eprintln!(
                "{}: comparing directories is not supported",
                params.executable.to_string_lossy()
            );
            exit(2);
        }
        _ => {}
    }
}

fn read_operand(params: &Params, path: &OsString) -> Option<Vec<u8>> {
    let result = if path == "-" {
        let mut content = Vec::new();
        io::stdin().read_to_end(&mut content).map(|_| content)
    } else {
        std::fs::read(path)
    };
    result
        .map_err(|e| report_failure_to_read_input_file(&params.executable, path, &e))
        .ok()
}

fn identical(params: &Params) -> i32 {
    if params.report_identical_files {
        println!(
            "Files {} and {} are identical",
            params.from.to_string_lossy(),
            params.to.to_string_lossy()
        );
    }
    0
}

/// `cmp`: upstream's, with its exit status turned back into a number.
fn cmp(shifted: bool) -> i32 {
    let mut args = std::env::args_os();
    if shifted {
        args.next();
    }
    let status = diffutilslib::cmp::main(args.peekable());
    if status == std::process::ExitCode::SUCCESS {
        0
    } else if status == std::process::ExitCode::from(1) {
        1
    } else {
        2
    }
}

/// Exits with `code`. On wasm32-wasip2 `std::process::exit` reports every non-zero code as 1, so the
/// exact code goes through `wasi:cli/exit.exit-with-code`.
fn exit(code: i32) -> ! {
    let _ = io::stdout().flush();
    #[cfg(all(target_os = "wasi", target_env = "p2"))]
    wasip2::cli::exit::exit_with_code((code & 0xff) as u8);
    std::process::exit(code)
}
