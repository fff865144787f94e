//! `tac`: concatenates and prints files in reverse, record by record.
//!
//! Our own implementation instead of uu_tac, which buffers stdin in a temporary file and so panics on
//! WASI (`std::env::temp_dir` is "no filesystem on wasm"). Each input is read into memory and its records
//! are written last to first. A record ends with the separator (`-s SEP`, a plain string, newline by
//! default), or starts with it under `-b`; a last record without separator is written as it is, so
//! `printf 'a\nb' | tac` prints `ba\n` like GNU. `-r` (separator as a regex) is not supported.

use std::ffi::OsString;
use std::io::{self, Read, Write};

const USAGE: &str = "Usage: tac [OPTION]... [FILE]...";

pub fn uumain(args: std::vec::IntoIter<OsString>) -> i32 {
    let mut separator: Vec<u8> = b"\n".to_vec();
    let mut before = false;
    let mut files: Vec<OsString> = Vec::new();
    let mut args = args.skip(1);
    let mut options_done = false;
    while let Some(arg) = args.next() {
        let bytes = arg.as_encoded_bytes();
        if options_done || bytes == b"-" || !bytes.starts_with(b"-") {
            files.push(arg);
            continue;
        }
        let text = arg.to_string_lossy().into_owned();
        match text.as_str() {
            "--" => options_done = true,
            "--help" => {
                println!("{USAGE}\nWrite each FILE to standard output, last line first.");
                println!("  -b, --before             attach the separator before instead of after");
                println!(
                    "  -s, --separator=STRING   use STRING as the separator instead of newline"
                );
                return 0;
            }
            "--version" => {
                println!("tac (kruntimes coreutils)");
                return 0;
            }
            "--before" => before = true,
            "--regex" => return unsupported_regex(),
            "--separator" => match args.next() {
                Some(value) => separator = value.as_encoded_bytes().to_vec(),
                None => return usage_error("option '--separator' requires an argument"),
            },
            long if long.starts_with("--separator=") => {
                separator = bytes["--separator=".len()..].to_vec();
            }
            long if long.starts_with("--") => {
                return usage_error(&format!("unrecognized option '{long}'"));
            }
            _ => {
                // A cluster of short options: `-b`, `-r`, `-s SEP` / `-sSEP`.
                let mut i = 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'b' => before = true,
                        b'r' => return unsupported_regex(),
                        b's' => {
                            separator = if i + 1 < bytes.len() {
                                bytes[i + 1..].to_vec()
                            } else if let Some(value) = args.next() {
                                value.as_encoded_bytes().to_vec()
                            } else {
                                return usage_error("option requires an argument -- 's'");
                            };
                            break;
                        }
                        other => {
                            return usage_error(&format!(
                                "invalid option -- '{}'",
                                char::from(other)
                            ));
                        }
                    }
                    i += 1;
                }
            }
        }
    }
    if separator.is_empty() {
        eprintln!("tac: separator cannot be empty");
        return 1;
    }
    if files.is_empty() {
        files.push(OsString::from("-"));
    }
    let mut status = 0;
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    for file in &files {
        let Some(data) = read_input(file) else {
            status = 1;
            continue;
        };
        if let Err(e) = write_reversed(&mut out, &data, &separator, before) {
            eprintln!("tac: write error: {}", os_message(&e));
            return 1;
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("tac: write error: {}", os_message(&e));
        return 1;
    }
    status
}

fn unsupported_regex() -> i32 {
    eprintln!("tac: -r/--regex is not supported here");
    1
}

fn usage_error(message: &str) -> i32 {
    eprintln!("tac: {message}\nTry 'tac --help' for more information.");
    1
}

fn read_input(file: &OsString) -> Option<Vec<u8>> {
    let name = file.to_string_lossy();
    let mut data = Vec::new();
    if file == "-" {
        if let Err(e) = io::stdin().lock().read_to_end(&mut data) {
            eprintln!("tac: standard input: read error: {}", os_message(&e));
            return None;
        }
        return Some(data);
    }
    let mut f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "tac: failed to open '{name}' for reading: {}",
                os_message(&e)
            );
            return None;
        }
    };
    if f.metadata().is_ok_and(|m| m.is_dir()) {
        eprintln!("tac: {name}: read error: Is a directory");
        return None;
    }
    if let Err(e) = f.read_to_end(&mut data) {
        eprintln!("tac: {name}: read error: {}", os_message(&e));
        return None;
    }
    Some(data)
}

/// Writes the records of `data` last to first.
fn write_reversed(
    out: &mut impl Write,
    data: &[u8],
    separator: &[u8],
    before: bool,
) -> io::Result<()> {
    // Record boundaries: 0, the end (or with -b the start) of every separator, data.len().
    let mut bounds = vec![0];
    let mut i = 0;
    while let Some(pos) = find(&data[i..], separator) {
        let start = i + pos;
        let bound = if before {
            start
        } else {
            start + separator.len()
        };
        if bound != 0 {
            bounds.push(bound);
        }
        i = start + separator.len();
    }
    if *bounds.last().unwrap_or(&0) != data.len() {
        bounds.push(data.len());
    }
    for pair in bounds.windows(2).rev() {
        out.write_all(&data[pair[0]..pair[1]])?;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&b| b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn os_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        io::ErrorKind::IsADirectory => "Is a directory".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::write_reversed;

    fn tac(data: &str, sep: &str, before: bool) -> String {
        let mut out = Vec::new();
        write_reversed(&mut out, data.as_bytes(), sep.as_bytes(), before).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn reverses_lines() {
        assert_eq!(tac("a\nb\nc\n", "\n", false), "c\nb\na\n");
        assert_eq!(tac("a\nb", "\n", false), "ba\n");
        assert_eq!(tac("", "\n", false), "");
        assert_eq!(tac("\n\n", "\n", false), "\n\n");
        assert_eq!(tac("a,b,", ",", false), "b,a,");
        assert_eq!(tac("a::b::c", "::", false), "cb::a::");
        assert_eq!(tac("a\nb\nc\n", "\n", true), "\n\nc\nba");
    }
}
