//! `sort`: uutils' sort, kept off threads on WASI.
//!
//! On wasm32-wasip2 uu_sort 0.12 sorts in one thread, but `--check` (`-c`, `-C`) and `--merge` (`-m`) still
//! spawn a reader thread, and `std::thread::spawn` panics there. So on WASI:
//! - `--merge` is dropped: sorting the concatenated inputs gives the same output when they are sorted.
//! - `--check` is done here, for the ordering options `-n -f -r -u -s -z` (and the buffer/temp/parallel
//!   options, which do not matter); key fields (`-k`, `-t`) and the other orderings are refused with
//!   status 2. Lines compare as bytes (the C locale), like upstream when no locale is set.

use std::cmp::Ordering;
use std::ffi::OsString;
use std::io::Read;

pub fn uumain(args: std::vec::IntoIter<OsString>) -> i32 {
    if !cfg!(target_os = "wasi") {
        return uu_sort::uumain(args);
    }
    let args: Vec<OsString> = args.collect();
    let scan = scan(&args);
    if let Some(quiet) = scan.check {
        return check(&scan, quiet);
    }
    uu_sort::uumain(scan.without_merge.into_iter())
}

/// The ordering options `check` understands.
#[derive(Default)]
struct Flags {
    reverse: bool,
    unique: bool,
    numeric: bool,
    fold: bool,
    stable: bool,
    zero: bool,
}

#[derive(Default)]
struct Scan {
    /// `Some(quiet)` for `-c` (false) or `-C` (true).
    check: Option<bool>,
    flags: Flags,
    /// The first option `check` does not support.
    unsupported: Option<String>,
    operands: Vec<OsString>,
    /// The arguments without `-m`/`--merge`.
    without_merge: Vec<OsString>,
}

/// Long options that take a value, as a separate argument when not given with `=`.
const LONG_WITH_VALUE: &[&str] = &[
    "batch-size",
    "buffer-size",
    "compress-program",
    "field-separator",
    "files0-from",
    "key",
    "output",
    "parallel",
    "random-source",
    "sort",
    "temporary-directory",
];

/// Options that change nothing for `check`.
const HARMLESS: &[&str] = &[
    "batch-size",
    "buffer-size",
    "compress-program",
    "parallel",
    "temporary-directory",
];

fn scan(args: &[OsString]) -> Scan {
    let mut scan = Scan::default();
    let unsupported = |scan: &mut Scan, option: String| {
        scan.unsupported.get_or_insert(option);
    };
    let mut iter = args.iter();
    if let Some(arg0) = iter.next() {
        scan.without_merge.push(arg0.clone());
    }
    let mut options_done = false;
    while let Some(arg) = iter.next() {
        let bytes = arg.as_encoded_bytes();
        if options_done || bytes == b"-" || !bytes.starts_with(b"-") {
            scan.operands.push(arg.clone());
            scan.without_merge.push(arg.clone());
            continue;
        }
        if bytes == b"--" {
            options_done = true;
            scan.without_merge.push(arg.clone());
            continue;
        }
        let text = arg.to_string_lossy().into_owned();
        if let Some(long) = text.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            match name {
                "merge" => continue,
                "check" => {
                    scan.check = Some(matches!(value, Some("quiet" | "silent")));
                }
                "reverse" => scan.flags.reverse = true,
                "unique" => scan.flags.unique = true,
                "numeric-sort" => scan.flags.numeric = true,
                "ignore-case" => scan.flags.fold = true,
                "stable" => scan.flags.stable = true,
                "zero-terminated" => scan.flags.zero = true,
                _ => {
                    if !HARMLESS.contains(&name) {
                        unsupported(&mut scan, format!("--{name}"));
                    }
                    if value.is_none() && LONG_WITH_VALUE.contains(&name) {
                        scan.without_merge.push(arg.clone());
                        if let Some(value) = iter.next() {
                            scan.without_merge.push(value.clone());
                        }
                        continue;
                    }
                }
            }
            scan.without_merge.push(arg.clone());
            continue;
        }
        // A cluster of short options; `k o S t T` take the rest of it, or the next argument.
        let mut kept = String::from("-");
        let mut takes_next = false;
        for (i, c) in text[1..].char_indices() {
            match c {
                'm' => continue,
                'c' => scan.check = Some(false),
                'C' => scan.check = Some(true),
                'r' => scan.flags.reverse = true,
                'u' => scan.flags.unique = true,
                'n' => scan.flags.numeric = true,
                'f' => scan.flags.fold = true,
                's' => scan.flags.stable = true,
                'z' => scan.flags.zero = true,
                'k' | 'o' | 'S' | 't' | 'T' => {
                    if !matches!(c, 'S' | 'T') {
                        unsupported(&mut scan, format!("-{c}"));
                    }
                    kept.push_str(&text[1 + i..]);
                    takes_next = text.len() == 2 + i;
                    break;
                }
                other => unsupported(&mut scan, format!("-{other}")),
            }
            kept.push(c);
        }
        if kept != "-" {
            scan.without_merge.push(OsString::from(kept));
        }
        if takes_next && let Some(value) = iter.next() {
            scan.without_merge.push(value.clone());
        }
    }
    scan
}

/// `sort -c`/`-C`: exit 1 at the first line out of order, reporting it unless `quiet`.
fn check(scan: &Scan, quiet: bool) -> i32 {
    if let Some(option) = &scan.unsupported {
        eprintln!("sort: {option} is not supported with --check here");
        return 2;
    }
    if let Some(extra) = scan.operands.get(1) {
        eprintln!(
            "sort: extra operand '{}' not allowed with -c",
            extra.to_string_lossy()
        );
        return 2;
    }
    let path = scan
        .operands
        .first()
        .cloned()
        .unwrap_or_else(|| OsString::from("-"));
    let mut data = Vec::new();
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut data)
            .map_err(|e| ("read failed", e))
    } else {
        std::fs::File::open(&path)
            .map_err(|e| ("open failed", e))
            .and_then(|mut f| f.read_to_end(&mut data).map_err(|e| ("read failed", e)))
    };
    if let Err((what, e)) = read {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => "Is a directory".to_string(),
            _ => e.to_string(),
        };
        eprintln!("sort: {what}: {}: {message}", path.to_string_lossy());
        return 2;
    }
    match first_disorder(&data, &scan.flags) {
        None => 0,
        Some((number, line)) => {
            if !quiet {
                eprintln!(
                    "sort: {}:{number}: disorder: {}",
                    path.to_string_lossy(),
                    String::from_utf8_lossy(line)
                );
            }
            1
        }
    }
}

/// The 1-based number and text of the first line that sorts before its predecessor (or equal to it,
/// under `-u`).
fn first_disorder<'a>(data: &'a [u8], flags: &Flags) -> Option<(usize, &'a [u8])> {
    let terminator = if flags.zero { b'\0' } else { b'\n' };
    let data = data.strip_suffix(&[terminator]).unwrap_or(data);
    if data.is_empty() {
        return None;
    }
    let allowed = if flags.unique {
        Ordering::Less
    } else {
        Ordering::Equal
    };
    let mut lines = data.split(|&b| b == terminator).enumerate();
    let (_, mut prev) = lines.next()?;
    for (i, line) in lines {
        if compare(prev, line, flags) > allowed {
            return Some((i + 1, line));
        }
        prev = line;
    }
    None
}

fn compare(a: &[u8], b: &[u8], flags: &Flags) -> Ordering {
    let keyed = flags.numeric || flags.fold;
    let mut ord = if flags.numeric {
        numeric(a, b)
    } else if flags.fold {
        a.iter()
            .map(u8::to_ascii_uppercase)
            .cmp(b.iter().map(u8::to_ascii_uppercase))
    } else {
        a.cmp(b)
    };
    // The last-resort comparison of whole lines, unless -s or -u.
    if keyed && ord == Ordering::Equal && !flags.stable && !flags.unique {
        ord = a.cmp(b);
    }
    if flags.reverse { ord.reverse() } else { ord }
}

/// `-n`: leading blanks, an optional `-`, digits and an optional fraction; anything else counts as 0.
fn numeric(a: &[u8], b: &[u8]) -> Ordering {
    let (a_neg, a_int, a_frac) = parse_number(a);
    let (b_neg, b_int, b_frac) = parse_number(b);
    let magnitude = a_int
        .len()
        .cmp(&b_int.len())
        .then_with(|| a_int.cmp(b_int))
        .then_with(|| a_frac.cmp(b_frac));
    match (a_neg, b_neg) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// Sign, integer digits without leading zeros, fraction digits without trailing zeros; zero is positive.
fn parse_number(s: &[u8]) -> (bool, &[u8], &[u8]) {
    let s = match s.iter().position(|b| !matches!(b, b' ' | b'\t')) {
        Some(start) => &s[start..],
        None => return (false, &[], &[]),
    };
    let (negative, s) = match s.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let int_len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let int = &s[..int_len];
    let int = &int[int.iter().take_while(|&&b| b == b'0').count()..];
    let frac = match s[int_len..].strip_prefix(b".") {
        Some(rest) => {
            let frac = &rest[..rest.iter().take_while(|b| b.is_ascii_digit()).count()];
            &frac[..frac.len() - frac.iter().rev().take_while(|&&b| b == b'0').count()]
        }
        None => &[],
    };
    let zero = int.is_empty() && frac.is_empty();
    (negative && !zero, int, frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn drops_merge() {
        let s = scan(&args(&[
            "sort", "-mn", "-m", "-t", "m", "--merge", "-km", "a",
        ]));
        assert_eq!(
            s.without_merge,
            args(&["sort", "-n", "-t", "m", "-km", "a"])
        );
        assert_eq!(s.check, None);
    }

    #[test]
    fn finds_disorder() {
        let plain = Flags::default();
        assert_eq!(first_disorder(b"b\na\n", &plain), Some((2, &b"a"[..])));
        assert_eq!(first_disorder(b"a\na\nb\n", &plain), None);
        let unique = Flags {
            unique: true,
            ..Flags::default()
        };
        assert_eq!(first_disorder(b"a\na\nb\n", &unique), Some((2, &b"a"[..])));
        let numeric = Flags {
            numeric: true,
            ..Flags::default()
        };
        assert_eq!(first_disorder(b"-1\n0\n2\n10\n10.5\n", &numeric), None);
        assert_eq!(
            first_disorder(b"2\n10\n9\n", &numeric),
            Some((3, &b"9"[..]))
        );
        let reverse = Flags {
            numeric: true,
            reverse: true,
            ..Flags::default()
        };
        assert_eq!(first_disorder(b"10\n9\n-3\n", &reverse), None);
    }

    #[test]
    fn check_options() {
        let s = scan(&args(&["sort", "-C", "-rn", "f"]));
        assert_eq!(s.check, Some(true));
        assert!(s.flags.reverse && s.flags.numeric && s.unsupported.is_none());
        let s = scan(&args(&["sort", "--check", "-k2"]));
        assert_eq!(s.check, Some(false));
        assert_eq!(s.unsupported.as_deref(), Some("-k"));
    }
}
