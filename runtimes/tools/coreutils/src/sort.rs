//! `sort`: uutils' sort, kept off threads on WASI.
//!
//! On wasm32-wasip2 uu_sort 0.12 sorts in one thread, but `--check` (`-c`, `-C`) and `--merge` (`-m`) still
//! spawn a reader thread, and `std::thread::spawn` panics there. So on WASI:
//! - `--merge` is dropped: sorting the concatenated inputs gives the same output when they are sorted.
//! - `--check` is done here, for the ordering options `-n -f -r -u -s -z` (and the buffer/temp/parallel
//!   options, which do not matter); key fields (`-k`, `-t`) and the other orderings are refused with
//!   status 2. Lines compare as bytes (the C locale), like upstream when no locale is set.
//!
//! Upstream's WASI path also reads its whole input into memory, so an input larger than the Run's memory failed
//! with `sort: out of memory`. For the same ordering options (no keys, `-t` or `-o`), stdin and files larger
//! than one run ([`RUN_BYTES`], or `-S SIZE`) are sorted here, spilling like GNU sort: input beyond one run is
//! sorted in runs written to temporary files (`$TMPDIR`, else `/workspace/.kruntimes/tmp`) that are then merged,
//! so memory stays near one run whatever the input size. Files that fit in one run still go to upstream.

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
    if scan.unsupported.is_none() && !fits_one_run(&scan.operands, scan.run_bytes()) {
        return spill::sort(&scan);
    }
    uu_sort::uumain(scan.without_merge.into_iter())
}

/// Input beyond this many bytes is sorted in runs spilled to temporary files, unless `-S` says otherwise.
const RUN_BYTES: usize = 32 << 20;

/// GNU sort's `-S SIZE`: a number with an optional unit `b`, `K` (the default), `M`, `G` or `T`; `%` (of memory,
/// which a component cannot see) and anything else leave the default.
fn parse_buffer_size(text: &str) -> Option<usize> {
    let (number, unit) = match text.char_indices().last()? {
        (at, c) if c.is_ascii_alphabetic() || c == '%' => (&text[..at], Some(c)),
        _ => (text, None),
    };
    let n: u64 = number.parse().ok()?;
    let shift = match unit {
        None | Some('K' | 'k') => 10,
        Some('b') => 0,
        Some('M' | 'm') => 20,
        Some('G' | 'g') => 30,
        Some('T' | 't') => 40,
        _ => return None,
    };
    let bytes = n.checked_shl(shift).filter(|&b| b > 0 && b >> shift == n)?;
    // Beyond the address space (wasm32) is no limit at all.
    Some(usize::try_from(bytes).unwrap_or(usize::MAX))
}

/// Whether the inputs are files (stdin's size is unknown until read) whose sizes add up to one run at most.
fn fits_one_run(operands: &[OsString], run_bytes: usize) -> bool {
    let mut total = 0u64;
    for operand in operands {
        if operand == "-" {
            return false;
        }
        match std::fs::metadata(operand) {
            Ok(meta) if meta.is_file() => total += meta.len(),
            // Upstream reports what is wrong with it.
            _ => return true,
        }
    }
    !operands.is_empty() && total <= run_bytes as u64
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
    /// `-S`/`--buffer-size`, as given.
    buffer_size: Option<String>,
}

impl Scan {
    /// The size of the runs a large input is sorted in.
    fn run_bytes(&self) -> usize {
        self.buffer_size
            .as_deref()
            .and_then(parse_buffer_size)
            .unwrap_or(RUN_BYTES)
    }
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
                    if name == "buffer-size" {
                        scan.buffer_size = value.map(str::to_owned);
                    }
                    if value.is_none() && LONG_WITH_VALUE.contains(&name) {
                        scan.without_merge.push(arg.clone());
                        if let Some(value) = iter.next() {
                            if name == "buffer-size" {
                                scan.buffer_size = Some(value.to_string_lossy().into_owned());
                            }
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
        let mut buffer_next = false;
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
                    if c == 'S' && !takes_next {
                        scan.buffer_size = Some(text[2 + i..].to_owned());
                    }
                    buffer_next = c == 'S' && takes_next;
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
            if buffer_next {
                scan.buffer_size = Some(value.to_string_lossy().into_owned());
            }
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

mod spill {
    //! Sorting any amount of input in one run's worth of memory (`Scan::run_bytes`): sorted runs in temporary
    //! files, then a merge.

    use std::cmp::Ordering;
    use std::collections::BinaryHeap;
    use std::ffi::OsString;
    use std::io::{BufRead, BufReader, BufWriter, Write};
    use std::path::PathBuf;

    use super::{Flags, Scan, compare};

    /// Sorts `scan`'s inputs to stdout; the exit status.
    pub(super) fn sort(scan: &Scan) -> i32 {
        match run(scan) {
            Ok(()) => 0,
            Err(message) => {
                eprintln!("sort: {message}");
                2
            }
        }
    }

    fn run(scan: &Scan) -> Result<(), String> {
        let flags = &scan.flags;
        let terminator = if flags.zero { b'\0' } else { b'\n' };
        let operands: Vec<OsString> = if scan.operands.is_empty() {
            vec![OsString::from("-")]
        } else {
            scan.operands.clone()
        };
        let mut input = Inputs {
            operands: operands.into_iter(),
            current: None,
        };
        let stdout = std::io::stdout();
        let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
        let mut spilled = Spilled::default();
        loop {
            let (run, more) = read_run(&mut input, terminator, scan.run_bytes())?;
            if !more && spilled.files.is_empty() {
                // Everything fit in one run: no temporary file at all.
                write_sorted(&run, flags, terminator, &mut out).map_err(write_error)?;
                break;
            }
            if !run.is_empty() {
                spilled.add(&run, flags, terminator)?;
            }
            if !more {
                let runs = spilled.open()?;
                merge(runs, flags, terminator, &mut out)?;
                break;
            }
        }
        out.flush().map_err(write_error)
    }

    fn write_error(e: std::io::Error) -> String {
        format!("write failed: standard output: {e}")
    }

    /// The inputs read one after another, as one stream.
    struct Inputs {
        operands: std::vec::IntoIter<OsString>,
        current: Option<(OsString, Box<dyn BufRead>)>,
    }

    impl Inputs {
        /// The next line (with its terminator if it had one), or `None` at the end of the last input.
        fn line(&mut self, terminator: u8, buf: &mut Vec<u8>) -> Result<bool, String> {
            loop {
                if self.current.is_none() {
                    let Some(name) = self.operands.next() else {
                        return Ok(false);
                    };
                    let reader: Box<dyn BufRead> = if name == "-" {
                        Box::new(BufReader::new(std::io::stdin()))
                    } else {
                        let file = std::fs::File::open(&name).map_err(|e| {
                            format!("cannot read: {}: {}", name.to_string_lossy(), describe(&e))
                        })?;
                        Box::new(BufReader::with_capacity(1 << 16, file))
                    };
                    self.current = Some((name, reader));
                }
                let Some((name, reader)) = self.current.as_mut() else {
                    continue;
                };
                let read = reader.read_until(terminator, buf).map_err(|e| {
                    format!("read failed: {}: {}", name.to_string_lossy(), describe(&e))
                })?;
                if read > 0 {
                    return Ok(true);
                }
                self.current = None;
            }
        }
    }

    fn describe(e: &std::io::Error) -> String {
        match e.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_owned(),
            std::io::ErrorKind::PermissionDenied => "Permission denied".to_owned(),
            std::io::ErrorKind::IsADirectory => "Is a directory".to_owned(),
            _ => e.to_string(),
        }
    }

    /// Up to `run_bytes` of whole lines, and whether input remains.
    fn read_run(
        input: &mut Inputs,
        terminator: u8,
        run_bytes: usize,
    ) -> Result<(Vec<u8>, bool), String> {
        let mut run = Vec::new();
        while run.len() < run_bytes {
            if !input.line(terminator, &mut run)? {
                return Ok((run, false));
            }
            // A last line of an input without its terminator still ends there.
            if run.last() != Some(&terminator) {
                run.push(terminator);
            }
        }
        Ok((run, true))
    }

    /// The lines of `run`, sorted, without their terminators.
    fn sorted_lines<'a>(run: &'a [u8], flags: &Flags, terminator: u8) -> Vec<&'a [u8]> {
        let body = run.strip_suffix(&[terminator]).unwrap_or(run);
        if body.is_empty() && run.is_empty() {
            return Vec::new();
        }
        let mut lines: Vec<&[u8]> = body.split(|&b| b == terminator).collect();
        lines.sort_by(|a, b| compare(a, b, flags));
        if flags.unique {
            lines.dedup_by(|later, earlier| compare(earlier, later, flags) == Ordering::Equal);
        }
        lines
    }

    fn write_sorted(
        run: &[u8],
        flags: &Flags,
        terminator: u8,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        for line in sorted_lines(run, flags, terminator) {
            out.write_all(line)?;
            out.write_all(&[terminator])?;
        }
        Ok(())
    }

    /// The sorted runs written so far; removed when dropped.
    #[derive(Default)]
    struct Spilled {
        dir: Option<PathBuf>,
        files: Vec<PathBuf>,
    }

    impl Spilled {
        fn add(&mut self, run: &[u8], flags: &Flags, terminator: u8) -> Result<(), String> {
            let dir = match &self.dir {
                Some(dir) => dir.clone(),
                None => {
                    let base = std::env::var_os("TMPDIR")
                        .map(PathBuf::from)
                        .filter(|p| p.is_absolute())
                        .unwrap_or_else(|| PathBuf::from("/workspace/.kruntimes/tmp"));
                    let dir = base.join(format!("sort-{:016x}", rand_id()));
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        format!("cannot create temporary directory {}: {e}", dir.display())
                    })?;
                    self.dir = Some(dir.clone());
                    dir
                }
            };
            let path = dir.join(format!("run{}", self.files.len()));
            let file = std::fs::File::create(&path)
                .map_err(|e| format!("cannot create temporary file {}: {e}", path.display()))?;
            let mut writer = BufWriter::with_capacity(1 << 16, file);
            write_sorted(run, flags, terminator, &mut writer)
                .and_then(|()| writer.flush())
                .map_err(|e| format!("write failed: {}: {e}", path.display()))?;
            self.files.push(path);
            Ok(())
        }
    }

    impl Spilled {
        /// Opens the runs for the merge and removes their files at once: the open handles keep the data, and a
        /// sort stopped while it writes (`sort | head` ends it when `head` exits) leaves nothing behind.
        fn open(&mut self) -> Result<Vec<BufReader<std::fs::File>>, String> {
            let mut readers = Vec::new();
            for path in &self.files {
                let file = std::fs::File::open(path)
                    .map_err(|e| format!("cannot read: {}: {e}", path.display()))?;
                readers.push(BufReader::with_capacity(1 << 16, file));
            }
            if let Some(dir) = self.dir.take() {
                let _ = std::fs::remove_dir_all(dir);
            }
            Ok(readers)
        }
    }

    impl Drop for Spilled {
        fn drop(&mut self) {
            if let Some(dir) = &self.dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    /// A number to keep concurrent sorts' temporary directories apart.
    fn rand_id() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.finish()
    }

    /// The next line of one run, ordered for the merge heap (smallest first, then the earlier run: stable).
    struct Head<'f> {
        line: Vec<u8>,
        run: usize,
        flags: &'f Flags,
    }

    impl PartialEq for Head<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other) == Ordering::Equal
        }
    }

    impl Eq for Head<'_> {}

    impl PartialOrd for Head<'_> {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Head<'_> {
        fn cmp(&self, other: &Self) -> Ordering {
            // BinaryHeap pops the greatest: reverse.
            compare(&self.line, &other.line, self.flags)
                .then(self.run.cmp(&other.run))
                .reverse()
        }
    }

    fn merge(
        mut readers: Vec<BufReader<std::fs::File>>,
        flags: &Flags,
        terminator: u8,
        out: &mut dyn Write,
    ) -> Result<(), String> {
        let next = |reader: &mut BufReader<std::fs::File>| -> Result<Option<Vec<u8>>, String> {
            let mut line = Vec::new();
            match reader.read_until(terminator, &mut line) {
                Ok(0) => Ok(None),
                Ok(_) => {
                    if line.last() == Some(&terminator) {
                        line.pop();
                    }
                    Ok(Some(line))
                }
                Err(e) => Err(format!("read failed: temporary file: {e}")),
            }
        };
        let mut heap = BinaryHeap::new();
        for (run, reader) in readers.iter_mut().enumerate() {
            if let Some(line) = next(reader)? {
                heap.push(Head { line, run, flags });
            }
        }
        let mut last: Option<Vec<u8>> = None;
        while let Some(Head { line, run, .. }) = heap.pop() {
            let duplicate = flags.unique
                && last
                    .as_deref()
                    .is_some_and(|prev| compare(prev, &line, flags) == Ordering::Equal);
            if !duplicate {
                out.write_all(&line).map_err(write_error)?;
                out.write_all(&[terminator]).map_err(write_error)?;
            }
            if let Some(following) = next(&mut readers[run])? {
                heap.push(Head {
                    line: following,
                    run,
                    flags,
                });
            }
            if flags.unique && !duplicate {
                last = Some(line);
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn runs_sort_and_dedupe_like_sort() {
            let flags = Flags {
                numeric: true,
                unique: true,
                ..Flags::default()
            };
            let mut out = Vec::new();
            write_sorted(b"10\n9\n010\n-1\nx\n", &flags, b'\n', &mut out).unwrap();
            assert_eq!(out, b"-1\nx\n9\n10\n");
        }

        #[test]
        fn spilled_runs_merge_in_order() {
            let dir = std::env::temp_dir().join(format!("sort-merge-test-{}", rand_id()));
            std::fs::create_dir_all(&dir).unwrap();
            let flags = Flags::default();
            let mut files = Vec::new();
            for (i, run) in [&b"b\nd\nf\n"[..], b"a\nd\ne\n", b"c\n"].iter().enumerate() {
                let path = dir.join(format!("r{i}"));
                std::fs::write(&path, run).unwrap();
                files.push(path);
            }
            let open = || {
                files
                    .iter()
                    .map(|p| BufReader::new(std::fs::File::open(p).unwrap()))
                    .collect::<Vec<_>>()
            };
            let mut out = Vec::new();
            merge(open(), &flags, b'\n', &mut out).unwrap();
            assert_eq!(out, b"a\nb\nc\nd\nd\ne\nf\n");
            let unique = Flags {
                unique: true,
                ..Flags::default()
            };
            let mut out = Vec::new();
            merge(open(), &unique, b'\n', &mut out).unwrap();
            assert_eq!(out, b"a\nb\nc\nd\ne\nf\n");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
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
    fn buffer_sizes_read_like_gnu() {
        assert_eq!(parse_buffer_size("100"), Some(100 << 10));
        assert_eq!(parse_buffer_size("2M"), Some(2 << 20));
        assert_eq!(parse_buffer_size("512b"), Some(512));
        assert_eq!(parse_buffer_size("50%"), None);
        assert_eq!(parse_buffer_size("x"), None);
        assert_eq!(scan(&args(&["sort", "-nS", "1M"])).run_bytes(), 1 << 20);
        assert_eq!(scan(&args(&["sort", "-S64K", "-n"])).run_bytes(), 64 << 10);
        assert_eq!(
            scan(&args(&["sort", "--buffer-size=2K"])).run_bytes(),
            2 << 10
        );
        assert_eq!(
            scan(&args(&["sort", "--buffer-size", "3K"])).run_bytes(),
            3 << 10
        );
        assert_eq!(scan(&args(&["sort"])).run_bytes(), RUN_BYTES);
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
