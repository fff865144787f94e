//! Small everyday tools scripts call, as one multicall `wasi:cli/command` component (argv[0] picks the tool):
//! `rev`, `which`, `column -t`, `xxd`, `envsubst`, `chmod`, `du`, `stat -c`, `id`, `whoami`, `bc`. Output and messages follow the GNU
//! and util-linux tools on the forms listed per tool; other options are refused with a message naming them.
//!
//! Differences that come from the sandbox, not from this code: WASI has no file modes or owners, so `chmod`
//! checks its mode and files and changes nothing, `stat` has no `%a %U %G`, and `du` counts apparent sizes
//! (`du -b`/`--apparent-size` match GNU; its default 1 KiB blocks are the apparent size rounded up per file).
//! A component has no users either: `id` and `whoami` report the Run's fixed unprivileged identity, [`USER`]
//! (the bash runtime's `$UID` and `$EUID` are the same).

mod bc;
mod bc_math;

use std::io::{self, BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_default();
    let name = Path::new(&argv0)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let args: Vec<String> = args.collect();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let status = match name.as_str() {
        "rev" => rev(&args, &mut out),
        "which" => which(&args, &mut out),
        "column" => column(&args, &mut out),
        "xxd" => xxd(&args, &mut out),
        "envsubst" => envsubst(&args, &mut out),
        "chmod" => chmod(&args),
        "du" => du(&args, &mut out),
        "stat" => stat(&args, &mut out),
        "id" => id(&args, &mut out),
        "whoami" => whoami(&args, &mut out),
        "bc" => bc::main(&args, &mut out),
        other => Err(format!("extras: unknown program {other:?}")),
    };
    let flushed = out.flush();
    match (status, flushed) {
        (Ok(code), Ok(())) => ExitCode::from(code),
        (Err(message), _) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        (Ok(_), Err(e)) => {
            eprintln!("{name}: write error: {e}");
            ExitCode::from(1)
        }
    }
}

type Out<'a> = dyn Write + 'a;

/// Input files, or stdin when there are none (or for `-`).
fn inputs(tool: &str, files: &[String]) -> Vec<Result<Box<dyn Read>, String>> {
    if files.is_empty() {
        return vec![Ok(Box::new(io::stdin()))];
    }
    files
        .iter()
        .map(|f| match f.as_str() {
            "-" => Ok(Box::new(io::stdin()) as Box<dyn Read>),
            path => std::fs::File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read>)
                .map_err(|e| format!("{tool}: cannot open {path}: {}", os_message(&e))),
        })
        .collect()
}

/// The C library's text for an I/O error (`No such file or directory`), without Rust's ` (os error N)`.
fn os_message(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn refuse(tool: &str, option: &str) -> String {
    format!("{tool}: option {option} is not supported by the kruntimes {tool}")
}

/// The identity every Run has: a user and group of that name and number, unprivileged.
const USER: (&str, u32) = ("kruntimes", 1000);

/// `id [-u|-g|-G] [-n] [-r] [USER]`: the Run's identity ([`USER`]), in GNU id's formats.
fn id(args: &[String], out: &mut Out) -> Result<u8, String> {
    let (name, number) = USER;
    let (mut only, mut names) = (None, false);
    let mut user = None;
    for arg in args {
        match arg.as_str() {
            "-u" | "--user" => only = Some('u'),
            "-g" | "--group" => only = Some('g'),
            "-G" | "--groups" => only = Some('G'),
            "-n" | "--name" => names = true,
            "-r" | "--real" => {}
            flags if flags.starts_with('-') && flags.len() > 1 && !flags.starts_with("--") => {
                for flag in flags[1..].chars() {
                    match flag {
                        'u' | 'g' | 'G' => only = Some(flag),
                        'n' => names = true,
                        'r' => {}
                        _ => return Err(refuse("id", &format!("-{flag}"))),
                    }
                }
            }
            option if option.starts_with("--") => return Err(refuse("id", option)),
            operand => user = Some(operand),
        }
    }
    if let Some(user) = user
        && user != name
        && user != number.to_string()
    {
        eprintln!("id: '{user}': no such user");
        return Ok(1);
    }
    let line = match (only, names) {
        (None, true) => {
            eprintln!("id: cannot print only names or real IDs in default format");
            return Ok(1);
        }
        (None, false) => {
            format!("uid={number}({name}) gid={number}({name}) groups={number}({name})")
        }
        (Some(_), true) => name.to_owned(),
        (Some(_), false) => number.to_string(),
    };
    writeln!(out, "{line}").map_err(|e| e.to_string())?;
    Ok(0)
}

/// `whoami`: the Run's user name ([`USER`]).
fn whoami(args: &[String], out: &mut Out) -> Result<u8, String> {
    if let Some(extra) = args.first() {
        eprintln!("whoami: extra operand '{extra}'\nTry 'whoami --help' for more information.");
        return Ok(1);
    }
    writeln!(out, "{}", USER.0).map_err(|e| e.to_string())?;
    Ok(0)
}

/// `rev [FILE...]`: each line's characters reversed.
fn rev(args: &[String], out: &mut Out) -> Result<u8, String> {
    if let Some(option) = args.iter().find(|a| a.starts_with('-') && a.len() > 1) {
        return Err(refuse("rev", option));
    }
    let mut status = 0;
    for input in inputs("rev", args) {
        let reader = match input {
            Ok(r) => r,
            Err(message) => {
                eprintln!("{message}");
                status = 1;
                continue;
            }
        };
        let mut reader = io::BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("rev: {e}"))?
                == 0
            {
                break;
            }
            // A last line without a newline stays without one.
            let ended = line.last() == Some(&b'\n');
            if ended {
                line.pop();
            }
            let reversed: String = String::from_utf8_lossy(&line).chars().rev().collect();
            out.write_all(reversed.as_bytes())
                .map_err(|e| e.to_string())?;
            if ended {
                out.write_all(b"\n").map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(status)
}

/// `which [-a] NAME...`: the first (with `-a` every) file named NAME in `$PATH`; 1 if any is not found.
fn which(args: &[String], out: &mut Out) -> Result<u8, String> {
    let all = args.iter().any(|a| a == "-a");
    if let Some(option) = args.iter().find(|a| a.starts_with('-') && *a != "-a") {
        return Err(refuse("which", option));
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let mut status = 0;
    for name in args.iter().filter(|a| *a != "-a") {
        let candidates: Vec<String> = if name.contains('/') {
            vec![name.clone()]
        } else {
            path.split(':')
                .filter(|d| !d.is_empty())
                .map(|d| format!("{d}/{name}"))
                .collect()
        };
        let found: Vec<&String> = candidates
            .iter()
            .filter(|c| Path::new(c).is_file())
            .collect();
        if found.is_empty() {
            status = 1;
        }
        for hit in found.iter().take(if all { usize::MAX } else { 1 }) {
            writeln!(out, "{hit}").map_err(|e| e.to_string())?;
        }
    }
    Ok(status)
}

/// `column -t [-s SEPARATORS] [-o STRING] [FILE...]`: a table, each column as wide as its widest cell.
fn column(args: &[String], out: &mut Out) -> Result<u8, String> {
    let (mut table, mut separators, mut output_separator, mut files) =
        (false, None, "  ".to_owned(), Vec::new());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-t" | "--table" => table = true,
            "-s" | "--separator" => {
                separators = Some(rest.next().ok_or("column: -s needs an argument")?.clone())
            }
            "-o" | "--output-separator" => {
                output_separator = rest.next().ok_or("column: -o needs an argument")?.clone();
            }
            a if a.starts_with("-s") => separators = Some(a[2..].to_owned()),
            a if a.starts_with("-o") => output_separator = a[2..].to_owned(),
            a if a.starts_with('-') && a.len() > 1 => return Err(refuse("column", a)),
            file => files.push(file.to_owned()),
        }
    }
    if !table {
        return Err("column: only table mode (-t) is supported by the kruntimes column".to_owned());
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for input in inputs("column", &files) {
        let reader = input?;
        for line in io::BufReader::new(reader).lines() {
            let line = line.map_err(|e| format!("column: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<String> = match &separators {
                // Given separators: each one ends a cell, so adjacent ones make empty cells.
                Some(seps) => line
                    .split(|c| seps.contains(c))
                    .map(str::to_owned)
                    .collect(),
                None => line.split_whitespace().map(str::to_owned).collect(),
            };
            rows.push(cells);
        }
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, width) in widths.iter().enumerate() {
            let cell = row.get(i).map_or("", String::as_str);
            if i + 1 == columns {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
                line.push_str(&output_separator);
            }
        }
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(0)
}

/// `xxd [-p] [-r] [-u] [-c COLS] [-g BYTES] [-l LEN] [FILE]`: a hex dump (or plain hex), or back (`-r -p`).
fn xxd(args: &[String], out: &mut Out) -> Result<u8, String> {
    let (mut plain, mut reverse, mut upper) = (false, false, false);
    let (mut cols, mut group, mut limit, mut file) = (None, None, None, None);
    let mut rest = args.iter();
    let number = |v: Option<&String>, flag: &str| -> Result<usize, String> {
        let v = v.ok_or(format!("xxd: option {flag} requires an argument"))?;
        v.parse()
            .map_err(|_| format!("xxd: {flag}: invalid number {v:?}"))
    };
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-p" | "-ps" | "-postscript" | "-plain" => plain = true,
            "-r" | "-revert" => reverse = true,
            "-u" => upper = true,
            "-c" | "-cols" => cols = Some(number(rest.next(), "-c")?),
            "-g" | "-groupsize" => group = Some(number(rest.next(), "-g")?),
            "-l" | "-len" => limit = Some(number(rest.next(), "-l")?),
            a if a.starts_with('-') && a.len() > 1 => return Err(refuse("xxd", a)),
            f if file.is_none() => file = Some(f.to_owned()),
            _ => return Err("xxd: only one input file is supported (no output file)".to_owned()),
        }
    }
    let mut data = Vec::new();
    let mut reader = inputs("xxd", &file.into_iter().collect::<Vec<_>>())
        .pop()
        .ok_or("xxd: no input")?
        .map_err(|m| m.replace("cannot open ", ""))?;
    reader
        .read_to_end(&mut data)
        .map_err(|e| format!("xxd: {e}"))?;
    if reverse {
        if !plain {
            return Err("xxd: -r is supported with -p (plain hex) only".to_owned());
        }
        let digits: Vec<u8> = data.iter().copied().filter(u8::is_ascii_hexdigit).collect();
        let bytes: Vec<u8> = digits
            .chunks(2)
            .filter(|pair| pair.len() == 2)
            .map(|pair| {
                let hex = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                hex(pair[0]) << 4 | hex(pair[1])
            })
            .collect();
        out.write_all(&bytes).map_err(|e| e.to_string())?;
        return Ok(0);
    }
    if let Some(limit) = limit {
        data.truncate(limit);
    }
    let hex = |b: u8| {
        if upper {
            format!("{b:02X}")
        } else {
            format!("{b:02x}")
        }
    };
    if plain {
        for line in data.chunks(cols.unwrap_or(30).max(1)) {
            let text: String = line.iter().map(|b| hex(*b)).collect();
            writeln!(out, "{text}").map_err(|e| e.to_string())?;
        }
        return Ok(0);
    }
    let cols = cols.unwrap_or(16).max(1);
    let group = match group.unwrap_or(2) {
        0 => cols,
        g => g,
    };
    let width = cols * 2 + cols.div_ceil(group);
    for (n, line) in data.chunks(cols).enumerate() {
        let mut text = String::new();
        for (i, b) in line.iter().enumerate() {
            text.push_str(&hex(*b));
            if i % group == group - 1 {
                text.push(' ');
            }
        }
        let ascii: String = line
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        writeln!(out, "{:08x}: {text:<width$} {ascii}", n * cols).map_err(|e| e.to_string())?;
    }
    Ok(0)
}

/// `envsubst [SHELL-FORMAT]`: stdin with `$NAME` and `${NAME}` replaced by the environment's values (empty when
/// unset); with SHELL-FORMAT, only the variables it names.
fn envsubst(args: &[String], out: &mut Out) -> Result<u8, String> {
    if let Some(option) = args.iter().find(|a| a.starts_with('-')) {
        return Err(refuse("envsubst", option));
    }
    let only: Option<Vec<String>> = args.first().map(|format| {
        let mut names = Vec::new();
        substitute(format, &mut |name| {
            names.push(name.to_owned());
            None
        });
        names
    });
    let mut input = String::new();
    io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("envsubst: {e}"))?;
    let text = substitute(&input, &mut |name| {
        if only
            .as_ref()
            .is_some_and(|names| !names.iter().any(|n| n == name))
        {
            return None;
        }
        Some(std::env::var(name).unwrap_or_default())
    });
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(0)
}

/// `text` with each `$NAME` / `${NAME}` replaced by `value(NAME)`, or kept when it gives `None`.
fn substitute(text: &str, value: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end)
                    if braced[..end].starts_with(is_start)
                        && braced[..end].chars().all(is_name) =>
                {
                    (&braced[..end], end + 2)
                }
                _ => ("", 0),
            }
        } else if after.starts_with(is_start) {
            let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
            (&after[..end], end)
        } else {
            ("", 0)
        };
        match (name.is_empty(), value(name)) {
            (false, Some(v)) => out.push_str(&v),
            _ => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &rest[at + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// `chmod [-R] [-f] [-v] [-c] MODE FILE...`: WASI has no file modes, so the mode is checked, the files must exist,
/// and nothing changes.
fn chmod(args: &[String]) -> Result<u8, String> {
    let mut operands = args.iter().filter(|a| {
        !matches!(
            a.as_str(),
            "-R" | "-f"
                | "-v"
                | "-c"
                | "--recursive"
                | "--silent"
                | "--quiet"
                | "--verbose"
                | "--changes"
        )
    });
    let mode = operands
        .next()
        .ok_or("chmod: missing operand\nTry 'chmod --help' for more information.")?;
    let files: Vec<&String> = operands.collect();
    if !valid_mode(mode) {
        return Err(format!(
            "chmod: invalid mode: \u{2018}{mode}\u{2019}\nTry 'chmod --help' for more information."
        ));
    }
    if files.is_empty() {
        return Err(format!(
            "chmod: missing operand after \u{2018}{mode}\u{2019}\nTry 'chmod --help' for more information."
        ));
    }
    let mut status = 0;
    for file in files {
        if std::fs::symlink_metadata(file).is_err() {
            eprintln!("chmod: cannot access '{file}': No such file or directory");
            status = 1;
        }
    }
    Ok(status)
}

/// An octal mode (`755`, `0644`) or a symbolic one (`u+x`, `go-w,a+r`, `=rw`, `+X`).
fn valid_mode(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_digit(8)) {
        return (1..=4).contains(&mode.len());
    }
    mode.split(',').all(|clause| {
        let ops = clause.trim_start_matches(['u', 'g', 'o', 'a']);
        !ops.is_empty()
            && ops.starts_with(['+', '-', '='])
            && ops.split(['+', '-', '=']).skip(1).all(|perms| {
                perms.chars().all(|c| "rwxXst".contains(c)) || matches!(perms, "u" | "g" | "o")
            })
    })
}

/// `du [-s] [-a] [-c] [-b | --apparent-size] [-k | -m | -h] [PATH...]`: sizes of files and directory trees.
fn du(args: &[String], out: &mut Out) -> Result<u8, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Unit {
        Bytes,
        Kib,
        Mib,
        Human,
    }
    let (mut summarize, mut all, mut total, mut unit, mut paths) =
        (false, false, false, Unit::Kib, Vec::new());
    for arg in args {
        match arg.as_str() {
            "--apparent-size" | "-k" => {}
            "-b" | "--bytes" => unit = Unit::Bytes,
            "-m" => unit = Unit::Mib,
            a if a.starts_with('-') && !a.starts_with("--") && a.len() > 1 => {
                for flag in a[1..].chars() {
                    match flag {
                        's' => summarize = true,
                        'a' => all = true,
                        'c' => total = true,
                        'h' => unit = Unit::Human,
                        'b' => unit = Unit::Bytes,
                        'k' => unit = Unit::Kib,
                        'm' => unit = Unit::Mib,
                        other => return Err(refuse("du", &format!("-{other}"))),
                    }
                }
            }
            a if a.starts_with("--") => return Err(refuse("du", a)),
            path => paths.push(path.to_owned()),
        }
    }
    if paths.is_empty() {
        paths.push(".".to_owned());
    }
    let show = |bytes: u64| match unit {
        Unit::Bytes => bytes.to_string(),
        Unit::Kib => bytes.div_ceil(1024).to_string(),
        Unit::Mib => bytes.div_ceil(1 << 20).to_string(),
        Unit::Human => human(bytes),
    };
    let (mut status, mut grand) = (0, 0);
    for path in &paths {
        // Post-order walk without recursion; children listed in name order.
        let mut lines = Vec::new();
        match tree_size(Path::new(path), 0, summarize, all, &mut lines) {
            Ok(size) => {
                grand += size;
                for (size, name) in lines {
                    writeln!(out, "{}\t{name}", show(size)).map_err(|e| e.to_string())?;
                }
            }
            Err(e) => {
                eprintln!("du: cannot access '{path}': {}", os_message(&e));
                status = 1;
            }
        }
    }
    if total {
        writeln!(out, "{}\ttotal", show(grand)).map_err(|e| e.to_string())?;
    }
    Ok(status)
}

/// The size of `path` and, unless `summarize`, a line per directory (and per file with `all`) below it.
fn tree_size(
    path: &Path,
    depth: usize,
    summarize: bool,
    all: bool,
    lines: &mut Vec<(u64, String)>,
) -> io::Result<u64> {
    let meta = std::fs::symlink_metadata(path)?;
    let mut size = meta.len();
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            size += tree_size(&entry.path(), depth + 1, summarize, all, lines)?;
        }
    }
    let listed = if depth == 0 {
        true
    } else {
        !summarize && (meta.is_dir() || all)
    };
    if listed {
        lines.push((size, path.display().to_string()));
    }
    Ok(size)
}

/// `du -h` sizes: `512`, `1.5K`, `20M` (one decimal below 10, rounded up, as GNU does).
fn human(bytes: u64) -> String {
    let units = ["K", "M", "G", "T"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64;
    for unit in units {
        value /= 1024.0;
        if value < 1024.0 || unit == "T" {
            return if value < 10.0 {
                format!("{:.1}{unit}", (value * 10.0).ceil() / 10.0)
            } else {
                format!("{}{unit}", value.ceil())
            };
        }
    }
    bytes.to_string()
}

/// `stat -c FORMAT FILE...` (also `--format=`, `--printf=`): `%n %N %s %F %Y %y %X %x %Z %z %%`; without a format,
/// the name, size, type and times, one per line.
fn stat(args: &[String], out: &mut Out) -> Result<u8, String> {
    let (mut format, mut newline, mut files) = (None, true, Vec::new());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-c" | "--format" => {
                format = Some(
                    rest.next()
                        .ok_or("stat: option requires an argument -- 'c'")?
                        .clone(),
                )
            }
            a if a.starts_with("--format=") => format = Some(a["--format=".len()..].to_owned()),
            a if a.starts_with("--printf=") => {
                format = Some(unescape(&a["--printf=".len()..]));
                newline = false;
            }
            "-L" | "--dereference" => {}
            a if a.starts_with('-') && a.len() > 1 => return Err(refuse("stat", a)),
            file => files.push(file.to_owned()),
        }
    }
    if files.is_empty() {
        return Err("stat: missing operand\nTry 'stat --help' for more information.".to_owned());
    }
    let mut status = 0;
    for file in &files {
        let meta = match std::fs::metadata(file) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("stat: cannot statx '{file}': {}", os_message(&e));
                status = 1;
                continue;
            }
        };
        let kind = if meta.is_dir() {
            "directory"
        } else if meta.is_file() && meta.len() == 0 {
            "regular empty file"
        } else if meta.is_file() {
            "regular file"
        } else {
            "other"
        };
        let secs = |t: io::Result<std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default()
        };
        let (modified, accessed) = (secs(meta.modified()), secs(meta.accessed()));
        let human_time = |d: std::time::Duration| {
            let (days, rem) = (d.as_secs() / 86_400, d.as_secs() % 86_400);
            let (y, m, day) = civil_from_days(days as i64);
            format!(
                "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}.{:09} +0000",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60,
                d.subsec_nanos()
            )
        };
        let Some(format) = &format else {
            writeln!(
                out,
                "  File: {file}\n  Size: {}\t{kind}\nAccess: {}\nModify: {}",
                meta.len(),
                human_time(accessed),
                human_time(modified)
            )
            .map_err(|e| e.to_string())?;
            continue;
        };
        let mut text = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                text.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => text.push_str(file),
                Some('N') => text.push_str(&format!("'{file}'")),
                Some('s') => text.push_str(&meta.len().to_string()),
                Some('F') => text.push_str(kind),
                Some('Y' | 'Z') => text.push_str(&modified.as_secs().to_string()),
                Some('y' | 'z') => text.push_str(&human_time(modified)),
                Some('X') => text.push_str(&accessed.as_secs().to_string()),
                Some('x') => text.push_str(&human_time(accessed)),
                Some('%') => text.push('%'),
                Some(other) => {
                    return Err(format!(
                        "stat: %{other} is not supported by the kruntimes stat (WASI has no modes, owners or inodes)"
                    ));
                }
                None => text.push('%'),
            }
        }
        if newline {
            text.push('\n');
        }
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(status)
}

/// `\n`, `\t` and `\\` in a `--printf` format.
fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\\", "\\")
}

/// Days since 1970-01-01 as (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envsubst_replaces_names_and_keeps_the_rest() {
        let mut env = |name: &str| {
            (name == "A")
                .then(|| "1".to_owned())
                .or(Some(String::new()))
        };
        assert_eq!(
            substitute("$A ${A}x $B $ ${ $1 ${A", &mut env),
            "1 1x  $ ${ $1 ${A"
        );
    }

    #[test]
    fn modes_and_sizes() {
        assert!(
            valid_mode("755") && valid_mode("u+x") && valid_mode("go-w,a+r") && valid_mode("=rw")
        );
        assert!(!valid_mode("999") && !valid_mode("u*x") && !valid_mode("12345"));
        assert_eq!(human(1536), "1.5K");
        assert_eq!(human(20 << 20), "20M");
        assert_eq!(civil_from_days(20_427), (2025, 12, 5));
    }

    #[test]
    fn id_formats_are_gnu_ones() {
        let run = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            let mut out = Vec::new();
            let status = id(&args, &mut out).unwrap();
            (status, String::from_utf8(out).unwrap())
        };
        assert_eq!(
            run(&[]),
            (
                0,
                "uid=1000(kruntimes) gid=1000(kruntimes) groups=1000(kruntimes)\n".to_owned()
            )
        );
        assert_eq!(run(&["-u"]), (0, "1000\n".to_owned()));
        assert_eq!(run(&["-un"]), (0, "kruntimes\n".to_owned()));
        assert_eq!(run(&["-G", "-n"]), (0, "kruntimes\n".to_owned()));
        assert_eq!(run(&["-gr", "kruntimes"]), (0, "1000\n".to_owned()));
        assert_eq!(run(&["-n"]).0, 1);
        assert_eq!(run(&["root"]).0, 1);
        assert!(id(&["-Z".to_owned()], &mut Vec::new()).is_err());
    }
}
