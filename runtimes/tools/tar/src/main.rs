//! `tar` for the bash runtime, on the `tar` crate (ustar/GNU format) and `flate2` (gzip, pure-Rust
//! miniz_oxide backend).
//!
//! Modes: `-c`/`--create`, `-x`/`--extract`/`--get`, `-t`/`--list`. Options: `-f FILE`/`--file`
//! (`-` is stdin/stdout, also the default), `-z`/`--gzip` (reading also detects gzip by itself),
//! `-v`/`--verbose` (twice or with `-t`: GNU's long listing `-rw-r--r-- root/root 6 2024-01-01 10:00
//! name`), `-C DIR`/`--directory`, `-O`/`--to-stdout`, `--strip-components=N`, `--exclude=PATTERN`
//! (glob on any path component or the whole member name), and accepted but ignored `-p`, `-m`,
//! `--no-same-owner`, `--no-same-permissions`, `--overwrite`. The old bundled forms (`tar czf
//! out.tgz dir`, `tar xzf in.tgz`, `tar tf x.tar`) and clustered short options (`-czf`, `-xvzf`)
//! work; options may follow operands (`tar xzf a.tgz -C out`).
//!
//! Create stores the given paths relative as given (a leading `/` is removed, with GNU's notice),
//! recursing into directories in sorted name order (GNU uses directory-read order), directories
//! with a trailing `/`, symbolic links as links. Extract refuses absolute member names and names
//! with `..` components (skipped with an error, exit 2), creates missing parent directories, and
//! restores modification times (and permissions where the platform has them). Extracting or
//! listing only some members: give their names (a directory name selects everything under it);
//! names never found give `Not found in archive` and exit 2.
//!
//! Not supported: `-r`/`-u`/`-A`/`--delete`, bzip2/xz/zstd (`-j`, `-J`, `--zstd`), `-T` file lists,
//! wildcards in member names, `--owner`/`--group`/`--mode`, sparse files, multi-volume archives.
//! Under WASI, file owners and modes are not available: created entries are `root/root` with mode
//! 0644 (files) or 0755 (directories), and symbolic links are not created on extract (reported).

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Create,
    Extract,
    List,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Opts {
    pub mode: Option<Mode>,
    pub file: Option<String>,
    pub gzip: bool,
    pub verbose: u8,
    pub directory: Option<String>,
    pub to_stdout: bool,
    pub strip: usize,
    pub exclude: Vec<String>,
    pub operands: Vec<String>,
    pub help: bool,
    pub version: bool,
}

fn set_mode(o: &mut Opts, m: Mode) -> Result<(), String> {
    match o.mode {
        Some(old) if old != m => Err(
            "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option"
                .into(),
        ),
        _ => {
            o.mode = Some(m);
            Ok(())
        }
    }
}

/// Applies one short option letter; `arg` fetches its argument if it takes one.
fn short(o: &mut Opts, c: char, arg: &mut dyn FnMut() -> Option<String>) -> Result<(), String> {
    let mut need = |name: char| arg().ok_or(format!("option requires an argument -- '{name}'"));
    match c {
        'c' => set_mode(o, Mode::Create)?,
        'x' => set_mode(o, Mode::Extract)?,
        't' => set_mode(o, Mode::List)?,
        'f' => o.file = Some(need('f')?),
        'C' => o.directory = Some(need('C')?),
        'z' => o.gzip = true,
        'v' => o.verbose += 1,
        'O' => o.to_stdout = true,
        'p' | 'm' | 'o' => {}
        'h' => {}
        c => return Err(format!("invalid option -- '{c}'")),
    }
    Ok(())
}

/// Parses the command line (without argv[0]).
pub fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    // Old-style bundled options: the first argument without a dash.
    if let Some(first) = args.first()
        && !first.starts_with('-')
    {
        i = 1;
        for c in first.chars() {
            let mut next = || {
                let v = args.get(i).cloned();
                i += 1;
                v
            };
            short(&mut o, c, &mut next)?;
        }
    }
    let mut only_operands = false;
    while i < args.len() {
        let a = args[i].clone();
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            o.operands.push(a);
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
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
                "create" => set_mode(&mut o, Mode::Create)?,
                "extract" | "get" => set_mode(&mut o, Mode::Extract)?,
                "list" => set_mode(&mut o, Mode::List)?,
                "file" => o.file = Some(value()?),
                "directory" => o.directory = Some(value()?),
                "gzip" | "gunzip" | "ungzip" => o.gzip = true,
                "verbose" => o.verbose += 1,
                "to-stdout" => o.to_stdout = true,
                "strip-components" => {
                    let v = value()?;
                    o.strip = v
                        .parse()
                        .map_err(|_| format!("Invalid number of elements: '{v}'"))?;
                }
                "exclude" => {
                    let v = value()?;
                    o.exclude.push(v)
                }
                "help" => o.help = true,
                "version" => o.version = true,
                "no-same-owner"
                | "no-same-permissions"
                | "same-permissions"
                | "preserve-permissions"
                | "touch"
                | "overwrite"
                | "force-local"
                | "numeric-owner" => {}
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
            let mut took_rest = false;
            let mut next = || {
                if !rest.is_empty() {
                    took_rest = true;
                    Some(rest.clone())
                } else {
                    let v = args.get(i).cloned();
                    i += 1;
                    v
                }
            };
            short(&mut o, c, &mut next)?;
            if took_rest {
                break;
            }
        }
    }
    Ok(o)
}

/// Shell-style glob match (`*`, `?`, `[...]`, `\`).
pub fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star_p, mut star_t) = (usize::MAX, 0);
    while t < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star_p = p;
                    star_t = t;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = class(&pat[p..], s[t])
                        && matched
                    {
                        p += len;
                        t += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() && pat[p + 1] == s[t] => {
                    p += 2;
                    t += 1;
                    continue;
                }
                c if c == s[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        if star_p != usize::MAX {
            p = star_p + 1;
            star_t += 1;
            t = star_t;
            continue;
        }
        return false;
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Matches a `[...]` class at the start of `pat` against `c`: (matched, pattern length).
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &x = pat.get(i)?;
        if x == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|&e| e != b']') {
            let hi = pat[i + 2];
            if x <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if x == c {
                matched = true;
            }
            i += 1;
        }
    }
}

fn excluded(name: &str, patterns: &[String]) -> bool {
    let trimmed = name.trim_end_matches('/');
    patterns.iter().any(|p| {
        glob(p.as_bytes(), trimmed.as_bytes())
            || trimmed
                .split('/')
                .any(|part| glob(p.as_bytes(), part.as_bytes()))
    })
}

/// `ls -l` style mode string for a tar entry.
pub fn mode_string(kind: tar::EntryType, mode: u32) -> String {
    let t = match kind {
        tar::EntryType::Directory => 'd',
        tar::EntryType::Symlink => 'l',
        tar::EntryType::Char => 'c',
        tar::EntryType::Block => 'b',
        tar::EntryType::Fifo => 'p',
        tar::EntryType::Link => 'h',
        _ => '-',
    };
    let mut s = String::from(if t == 'h' { '-' } else { t });
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (bit, ch)) in bits.iter().enumerate() {
        let set = mode & bit != 0;
        let special = match i {
            2 => mode & 0o4000 != 0,
            5 => mode & 0o2000 != 0,
            8 => mode & 0o1000 != 0,
            _ => false,
        };
        s.push(match (set, special, i) {
            (true, true, 8) => 't',
            (false, true, 8) => 'T',
            (true, true, _) => 's',
            (false, true, _) => 'S',
            (true, false, _) => *ch,
            (false, false, _) => '-',
        });
    }
    s
}

/// `YYYY-MM-DD HH:MM` in UTC for a Unix time.
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// GNU tar's long listing line; `width` is GNU's growing user/group/size column width.
fn long_line(header: &tar::Header, name: &str, width: &mut usize) -> String {
    let kind = header.entry_type();
    let mode = header.mode().unwrap_or(0);
    let user = header
        .username()
        .ok()
        .flatten()
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| header.uid().unwrap_or(0).to_string());
    let group = header
        .groupname()
        .ok()
        .flatten()
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| header.gid().unwrap_or(0).to_string());
    let size = if kind == tar::EntryType::Char || kind == tar::EntryType::Block {
        format!(
            "{},{}",
            header.device_major().ok().flatten().unwrap_or(0),
            header.device_minor().ok().flatten().unwrap_or(0)
        )
    } else {
        header.size().unwrap_or(0).to_string()
    };
    let pad = user.len() + 1 + group.len() + 1 + size.len();
    if pad > *width {
        *width = pad;
    }
    let mut line = format!(
        "{} {user}/{group} {:>w$} {} {name}",
        mode_string(kind, mode),
        size,
        format_time(header.mtime().unwrap_or(0) as i64),
        w = *width - pad + size.len()
    );
    if kind == tar::EntryType::Symlink || kind == tar::EntryType::Link {
        let target = header
            .link_name()
            .ok()
            .flatten()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        line.push_str(if kind == tar::EntryType::Link {
            " link to "
        } else {
            " -> "
        });
        line.push_str(&target);
    }
    line
}

struct Tar {
    o: Opts,
    failed: bool,
    /// Where verbose names go: stderr when the archive itself is written to stdout.
    verbose_to_stderr: bool,
    width: usize,
}

fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl Tar {
    fn error(&mut self, msg: &str) {
        eprintln!("tar: {msg}");
        self.failed = true;
    }

    fn verbose(&self, line: &str) {
        if self.verbose_to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    fn base(&self) -> PathBuf {
        PathBuf::from(self.o.directory.as_deref().unwrap_or("."))
    }

    /// Builds the archive (uncompressed tar bytes).
    fn create(&mut self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        builder.follow_symlinks(false);
        if self.o.operands.is_empty() {
            eprintln!("tar: Cowardly refusing to create an empty archive");
            eprintln!("Try 'tar --help' or 'tar --usage' for more information.");
            exit(2);
        }
        let mut warned_abs = false;
        for op in self.o.operands.clone() {
            let mut name = op.clone();
            if name.starts_with('/') {
                if !warned_abs {
                    eprintln!("tar: Removing leading `/' from member names");
                    warned_abs = true;
                }
                name = name.trim_start_matches('/').to_string();
            }
            let disk = if op.starts_with('/') {
                PathBuf::from(&op)
            } else {
                self.base().join(&op)
            };
            self.add(&mut builder, &disk, &name);
        }
        match builder.into_inner() {
            Ok(v) => v,
            Err(e) => {
                self.error(&io_msg(&e));
                Vec::new()
            }
        }
    }

    fn add(&mut self, b: &mut tar::Builder<Vec<u8>>, disk: &Path, name: &str) {
        if !self.o.exclude.is_empty() && excluded(name, &self.o.exclude) {
            return;
        }
        let meta = match fs::symlink_metadata(disk) {
            Ok(m) => m,
            Err(e) => {
                return self.error(&format!("{name}: Cannot stat: {}", io_msg(&e)));
            }
        };
        let mut h = tar::Header::new_gnu();
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        h.set_mtime(mtime);
        set_owner(&mut h, &meta);
        let ft = meta.file_type();
        if ft.is_dir() {
            // Like GNU tar: trailing slashes collapse to one (`.//` → `./`). The root (operand `/`,
            // its leading `/` removed) has no entry of its own; its children are named `bin/` etc.
            let dname = match name.trim_end_matches('/') {
                "" => String::new(),
                n => format!("{n}/"),
            };
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(mode_of(&meta, 0o755));
            h.set_size(0);
            if !dname.is_empty() {
                if let Err(e) = append_raw(b, &mut h, &dname, None, io::empty()) {
                    return self.error(&format!("{name}: {}", io_msg(&e)));
                }
                if self.o.verbose > 0 {
                    self.verbose(&dname);
                }
            }
            let mut children: Vec<String> = match fs::read_dir(disk) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(e) => {
                    return self.error(&format!("{name}: Cannot open: {}", io_msg(&e)));
                }
            };
            children.sort();
            for c in children {
                self.add(b, &disk.join(&c), &format!("{dname}{c}"));
            }
        } else if ft.is_symlink() {
            let target = match fs::read_link(disk) {
                Ok(t) => t,
                Err(e) => return self.error(&format!("{name}: Cannot readlink: {}", io_msg(&e))),
            };
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_mode(0o777);
            h.set_size(0);
            let target = target.to_string_lossy();
            if let Err(e) = append_raw(b, &mut h, name, Some(&target), io::empty()) {
                return self.error(&format!("{name}: {}", io_msg(&e)));
            }
            if self.o.verbose > 0 {
                self.verbose(name);
            }
        } else {
            let data = match fs::read(disk) {
                Ok(d) => d,
                Err(e) => return self.error(&format!("{name}: Cannot open: {}", io_msg(&e))),
            };
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(mode_of(&meta, 0o644));
            h.set_size(data.len() as u64);
            if let Err(e) = append_raw(b, &mut h, name, None, data.as_slice()) {
                return self.error(&format!("{name}: {}", io_msg(&e)));
            }
            if self.o.verbose > 0 {
                self.verbose(name);
            }
        }
    }

    /// Selects a member by the operands (none = all). Marks matched operands.
    fn selected(&self, name: &str, matched: &mut [bool]) -> bool {
        if self.o.operands.is_empty() {
            return true;
        }
        let n = name.trim_end_matches('/');
        let mut any = false;
        for (i, op) in self.o.operands.iter().enumerate() {
            let op = op.trim_end_matches('/');
            if n == op || n.starts_with(&format!("{op}/")) {
                matched[i] = true;
                any = true;
            }
        }
        any
    }

    fn read_archive(&mut self, data: Vec<u8>) {
        let data = if data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b {
            let mut out = Vec::new();
            if let Err(e) = MultiGzDecoder::new(data.as_slice()).read_to_end(&mut out) {
                eprintln!("tar: Child returned status 1 ({})", io_msg(&e));
                eprintln!("tar: Error is not recoverable: exiting now");
                exit(2);
            }
            out
        } else {
            data
        };
        let mut archive = tar::Archive::new(data.as_slice());
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("tar: {}", io_msg(&e));
                exit(2)
            }
        };
        let mut matched = vec![false; self.o.operands.len()];
        let mut dir_times: Vec<(PathBuf, u64)> = Vec::new();
        let mut seen_any = false;
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    if !seen_any {
                        eprintln!("tar: This does not look like a tar archive");
                    } else {
                        eprintln!("tar: {}", io_msg(&e));
                    }
                    eprintln!("tar: Exiting with failure status due to previous errors");
                    exit(2)
                }
            };
            seen_any = true;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            if !self.selected(&name, &mut matched) {
                continue;
            }
            if !self.o.exclude.is_empty() && excluded(&name, &self.o.exclude) {
                continue;
            }
            if self.o.mode == Some(Mode::List) {
                if self.o.verbose > 0 {
                    let line = long_line(entry.header(), &name, &mut self.width);
                    println!("{line}");
                } else {
                    println!("{name}");
                }
                continue;
            }
            self.extract(&mut entry, &name, &mut dir_times);
        }
        for (dir, mtime) in dir_times.into_iter().rev() {
            set_mtime(&dir, mtime);
        }
        for (i, m) in matched.iter().enumerate() {
            if !m {
                let op = self.o.operands[i].clone();
                self.error(&format!("{op}: Not found in archive"));
            }
        }
    }

    fn extract(
        &mut self,
        entry: &mut tar::Entry<&[u8]>,
        name: &str,
        dir_times: &mut Vec<(PathBuf, u64)>,
    ) {
        let path = Path::new(name);
        if path.is_absolute() || path.components().any(|c| matches!(c, Component::ParentDir)) {
            return self.error(&format!(
                "{name}: Member name contains '..' or is absolute; not extracted"
            ));
        }
        let parts: Vec<_> = path
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        if parts.len() <= self.o.strip {
            return;
        }
        let rel: PathBuf = parts[self.o.strip..].iter().collect();
        let kind = entry.header().entry_type();
        if self.o.verbose > 0 && !self.o.to_stdout {
            if self.o.verbose > 1 {
                let line = long_line(entry.header(), name, &mut self.width);
                self.verbose(&line);
            } else {
                self.verbose(name);
            }
        }
        let mtime = entry.header().mtime().unwrap_or(0);
        let mode = entry.header().mode().unwrap_or(0o644);
        if self.o.to_stdout {
            if kind.is_file() || kind == tar::EntryType::Continuous {
                let mut data = Vec::new();
                if entry.read_to_end(&mut data).is_ok() {
                    let _ = io::stdout().lock().write_all(&data);
                }
            }
            return;
        }
        let dest = self.base().join(&rel);
        if let Some(parent) = dest.parent()
            && let Err(e) = fs::create_dir_all(parent)
        {
            return self.error(&format!("{name}: Cannot mkdir: {}", io_msg(&e)));
        }
        match kind {
            tar::EntryType::Directory => {
                if let Err(e) = fs::create_dir_all(&dest) {
                    return self.error(&format!("{name}: Cannot mkdir: {}", io_msg(&e)));
                }
                set_perms(&dest, mode);
                dir_times.push((dest, mtime));
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|p| p.into_owned())
                    .unwrap_or_default();
                let _ = fs::remove_file(&dest);
                if let Err(e) = symlink(&target, &dest) {
                    self.error(&format!(
                        "{name}: Cannot create symlink to '{}': {}",
                        target.display(),
                        io_msg(&e)
                    ));
                }
            }
            tar::EntryType::Link => {
                let target = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|p| p.into_owned())
                    .unwrap_or_default();
                let tparts: Vec<_> = target
                    .components()
                    .filter(|c| matches!(c, Component::Normal(_)))
                    .collect();
                if tparts.len() <= self.o.strip {
                    return;
                }
                let src = self
                    .base()
                    .join(tparts[self.o.strip..].iter().collect::<PathBuf>());
                let _ = fs::remove_file(&dest);
                if let Err(e) =
                    fs::hard_link(&src, &dest).or_else(|_| fs::copy(&src, &dest).map(|_| ()))
                {
                    self.error(&format!(
                        "{name}: Cannot hard link to '{}': {}",
                        target.display(),
                        io_msg(&e)
                    ));
                }
            }
            k if k.is_file()
                || k == tar::EntryType::Continuous
                || k == tar::EntryType::GNUSparse =>
            {
                let mut data = Vec::new();
                if let Err(e) = entry.read_to_end(&mut data) {
                    return self.error(&format!("{name}: {}", io_msg(&e)));
                }
                // Replace rather than write through an existing symlink.
                if fs::symlink_metadata(&dest).is_ok_and(|m| m.file_type().is_symlink()) {
                    let _ = fs::remove_file(&dest);
                }
                if let Err(e) = fs::write(&dest, &data) {
                    return self.error(&format!("{name}: Cannot open: {}", io_msg(&e)));
                }
                set_perms(&dest, mode);
                set_mtime(&dest, mtime);
            }
            _ => {
                eprintln!("tar: {name}: Unsupported member type; skipped");
            }
        }
    }
}

/// Appends an entry named exactly `name` (and linking to exactly `link`). The `tar` crate's
/// `append_data`/`append_link` normalize paths (`./a` → `a`, `a//b` → `a/b`); GNU tar keeps member
/// names as the operand joined with the path below it, so names are written into the header as
/// given, with a GNU `././@LongLink` entry before it when longer than the 100-byte field.
fn append_raw(
    b: &mut tar::Builder<Vec<u8>>,
    h: &mut tar::Header,
    name: &str,
    link: Option<&str>,
    data: impl io::Read,
) -> io::Result<()> {
    if let Some(link) = link {
        let field = &mut h.as_old_mut().linkname;
        if link.len() > field.len() {
            append_long(b, tar::EntryType::GNULongLink, link)?;
        }
        put_field(field, link.as_bytes());
    }
    let field = &mut h.as_old_mut().name;
    if name.len() > field.len() {
        append_long(b, tar::EntryType::GNULongName, name)?;
    }
    put_field(field, name.as_bytes());
    h.set_cksum();
    b.append(h, data)
}

/// Copies as much of `bytes` as fits into a NUL-padded header field.
fn put_field(field: &mut [u8], bytes: &[u8]) {
    field.fill(0);
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

/// Appends a GNU long name (`L`) or long link name (`K`) entry carrying `value`.
fn append_long(b: &mut tar::Builder<Vec<u8>>, kind: tar::EntryType, value: &str) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    put_field(&mut h.as_old_mut().name, b"././@LongLink");
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_size(value.len() as u64 + 1);
    h.set_cksum();
    b.append(&h, value.as_bytes().chain(&[0u8][..]))
}

fn set_mtime(path: &Path, mtime: u64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
    if let Ok(f) = fs::File::options().write(true).open(path) {
        let _ = f.set_modified(t);
    } else if let Ok(f) = fs::File::open(path) {
        let _ = f.set_modified(t);
    }
}

#[cfg(unix)]
fn set_perms(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7777));
}

#[cfg(not(unix))]
fn set_perms(_path: &Path, _mode: u32) {}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata, _default: u32) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

/// WASI has no permission bits (and reports preopened directories as read-only).
#[cfg(not(unix))]
fn mode_of(_meta: &fs::Metadata, default: u32) -> u32 {
    default
}

#[cfg(unix)]
fn set_owner(h: &mut tar::Header, meta: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    h.set_uid(meta.uid() as u64);
    h.set_gid(meta.gid() as u64);
    if meta.uid() == 0 {
        let _ = h.set_username("root");
    }
    if meta.gid() == 0 {
        let _ = h.set_groupname("root");
    }
}

#[cfg(not(unix))]
fn set_owner(h: &mut tar::Header, _meta: &fs::Metadata) {
    h.set_uid(0);
    h.set_gid(0);
    let _ = h.set_username("root");
    let _ = h.set_groupname("root");
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symbolic links are not supported here",
    ))
}

const HELP: &str = "Usage: tar [OPTION...] [FILE]...
  tar -cf archive.tar foo bar  # Create archive.tar from files foo and bar.
  tar -tvf archive.tar         # List all files in archive.tar verbosely.
  tar -xf archive.tar          # Extract all files from archive.tar.

  -c, --create            create a new archive
  -x, --extract, --get    extract files from an archive
  -t, --list              list the contents of an archive
  -f, --file=ARCHIVE      use archive file ARCHIVE (- for stdin/stdout)
  -z, --gzip              filter the archive through gzip
  -v, --verbose           verbosely list files processed
  -C, --directory=DIR     change to directory DIR
  -O, --to-stdout         extract files to standard output
      --strip-components=NUMBER
      --exclude=PATTERN
";

/// Exits with `code`. On wasm32-wasip2 `std::process::exit` reports every non-zero code as 1, so the
/// exact code goes through `wasi:cli/exit.exit-with-code`.
fn exit(code: i32) -> ! {
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    #[cfg(all(target_os = "wasi", target_env = "p2"))]
    wasip2::cli::exit::exit_with_code((code & 0xff) as u8);
    std::process::exit(code)
}

/// Makes `$PWD` the current directory. wasi-libc ignores `wasi:cli/environment.initial-cwd` and
/// resolves relative paths through the `.` preopen, so `../x` would fail; after `chdir($PWD)` it
/// resolves them against `$PWD` through the `/workspace` preopen. Natively the process already
/// runs in its working directory.
fn enter_pwd() {
    #[cfg(target_family = "wasm")]
    {
        if let Ok(pwd) = std::env::var("PWD")
            && pwd.starts_with('/')
        {
            let _ = std::env::set_current_dir(pwd);
        }
    }
}

fn main() {
    enter_pwd();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tar: {e}");
            eprintln!("Try 'tar --help' or 'tar --usage' for more information.");
            exit(2)
        }
    };
    if o.help {
        print!("{HELP}");
        return;
    }
    if o.version {
        println!("tar (kruntimes) 1.34");
        return;
    }
    let Some(mode) = o.mode else {
        eprintln!(
            "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options"
        );
        eprintln!("Try 'tar --help' or 'tar --usage' for more information.");
        exit(2)
    };
    let file = o.file.clone().unwrap_or_else(|| "-".into());
    let mut t = Tar {
        verbose_to_stderr: mode == Mode::Create && file == "-",
        o,
        failed: false,
        width: 19,
    };
    match mode {
        Mode::Create => {
            let data = t.create();
            let data = if t.o.gzip {
                let mut enc = GzEncoder::new(Vec::new(), Compression::default());
                enc.write_all(&data)
                    .and_then(|_| enc.finish())
                    .unwrap_or_else(|e| {
                        eprintln!("tar: {}", io_msg(&e));
                        exit(2)
                    })
            } else {
                data
            };
            let res = if file == "-" {
                let mut out = io::stdout().lock();
                out.write_all(&data).and_then(|_| out.flush())
            } else {
                fs::write(&file, &data)
            };
            if let Err(e) = res {
                eprintln!("tar: {file}: Cannot open: {}", io_msg(&e));
                eprintln!("tar: Error is not recoverable: exiting now");
                exit(2)
            }
        }
        Mode::Extract | Mode::List => {
            let data = if file == "-" {
                let mut d = Vec::new();
                io::stdin().lock().read_to_end(&mut d).map(|_| d)
            } else {
                fs::read(&file)
            };
            let data = match data {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("tar: {file}: Cannot open: {}", io_msg(&e));
                    eprintln!("tar: Error is not recoverable: exiting now");
                    exit(2)
                }
            };
            if data.is_empty() {
                eprintln!("tar: This does not look like a tar archive");
                eprintln!("tar: Exiting with failure status due to previous errors");
                exit(2)
            }
            t.read_archive(data);
        }
    }
    if t.failed {
        eprintln!("tar: Exiting with failure status due to previous errors");
        exit(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn bundled_and_clustered() {
        let o = parse_args(&s(&["czf", "out.tgz", "dir"])).unwrap();
        assert_eq!(o.mode, Some(Mode::Create));
        assert!(o.gzip);
        assert_eq!(o.file.as_deref(), Some("out.tgz"));
        assert_eq!(o.operands, ["dir"]);
        let o = parse_args(&s(&["-xvzf", "a.tgz", "-C", "out"])).unwrap();
        assert_eq!(o.mode, Some(Mode::Extract));
        assert_eq!(o.verbose, 1);
        assert_eq!(o.directory.as_deref(), Some("out"));
        let o = parse_args(&s(&["tf", "x.tar"])).unwrap();
        assert_eq!(o.mode, Some(Mode::List));
        let o = parse_args(&s(&["-cfx.tar", "--strip-components=2", "a"])).unwrap();
        assert_eq!(o.file.as_deref(), Some("x.tar"));
        assert_eq!(o.strip, 2);
        assert!(parse_args(&s(&["-cx"])).is_err());
        let o = parse_args(&s(&["--create", "--file", "f", "--directory=d", "x"])).unwrap();
        assert_eq!(o.directory.as_deref(), Some("d"));
    }

    #[test]
    fn globbing() {
        assert!(glob(b"*.txt", b"a.txt"));
        assert!(!glob(b"*.txt", b"a.txt.gz"));
        assert!(glob(b"a?[0-9]", b"ab7"));
        assert!(glob(b"[!x]*", b"yes"));
        assert!(excluded("d/sub/x.o", &["*.o".into()]));
        assert!(excluded("d/sub/", &["sub".into()]));
    }

    #[test]
    fn listing_format() {
        assert_eq!(mode_string(tar::EntryType::Regular, 0o644), "-rw-r--r--");
        assert_eq!(mode_string(tar::EntryType::Directory, 0o1777), "drwxrwxrwt");
        assert_eq!(format_time(0), "1970-01-01 00:00");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13");
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(6);
        h.set_mtime(0);
        h.set_username("root").unwrap();
        h.set_groupname("root").unwrap();
        let mut w = 19;
        assert_eq!(
            long_line(&h, "a.txt", &mut w),
            "-rw-r--r-- root/root         6 1970-01-01 00:00 a.txt"
        );
    }

    #[test]
    fn create_and_extract_round_trip() {
        let dir = std::env::temp_dir().join(format!("krt-tar-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src/sub")).unwrap();
        fs::write(dir.join("src/b.txt"), "b").unwrap();
        fs::write(dir.join("src/sub/a.txt"), "a").unwrap();
        let mut t = Tar {
            o: Opts {
                mode: Some(Mode::Create),
                directory: Some(dir.to_string_lossy().into_owned()),
                operands: vec!["src".into()],
                ..Opts::default()
            },
            failed: false,
            verbose_to_stderr: false,
            width: 19,
        };
        let data = t.create();
        let names: Vec<String> = tar::Archive::new(data.as_slice())
            .entries()
            .unwrap()
            .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
            .collect();
        assert_eq!(names, ["src/", "src/b.txt", "src/sub/", "src/sub/a.txt"]);
        let out = dir.join("out");
        fs::create_dir_all(&out).unwrap();
        let mut x = Tar {
            o: Opts {
                mode: Some(Mode::Extract),
                directory: Some(out.to_string_lossy().into_owned()),
                strip: 1,
                ..Opts::default()
            },
            failed: false,
            verbose_to_stderr: false,
            width: 19,
        };
        x.read_archive(data);
        assert!(!x.failed);
        assert_eq!(fs::read_to_string(out.join("sub/a.txt")).unwrap(), "a");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "b");
        fs::remove_dir_all(&dir).unwrap();
    }

    fn created_names(dir: &Path, operands: &[&str]) -> Vec<String> {
        let mut t = Tar {
            o: Opts {
                mode: Some(Mode::Create),
                directory: Some(dir.to_string_lossy().into_owned()),
                operands: s(operands),
                ..Opts::default()
            },
            failed: false,
            verbose_to_stderr: false,
            width: 19,
        };
        let data = t.create();
        assert!(!t.failed);
        tar::Archive::new(data.as_slice())
            .entries()
            .unwrap()
            .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
            .collect()
    }

    #[test]
    fn member_names_keep_the_operand_like_gnu() {
        let dir = std::env::temp_dir().join(format!("krt-tar-names-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("d/sub")).unwrap();
        fs::write(dir.join("d/a.txt"), "a").unwrap();
        fs::write(dir.join("d/sub/b.txt"), "b").unwrap();
        let long = "x".repeat(120);
        fs::write(dir.join("d/sub").join(&long), "l").unwrap();
        let under = |prefix: &str| {
            vec![
                format!("{prefix}/"),
                format!("{prefix}/a.txt"),
                format!("{prefix}/sub/"),
                format!("{prefix}/sub/b.txt"),
                format!("{prefix}/sub/{long}"),
            ]
        };
        assert_eq!(created_names(&dir.join("d"), &["."]), under("."));
        assert_eq!(created_names(&dir.join("d"), &[".//"]), under("."));
        assert_eq!(created_names(&dir, &["d"]), under("d"));
        assert_eq!(created_names(&dir, &["d/"]), under("d"));
        assert_eq!(created_names(&dir, &["./d"]), under("./d"));
        assert_eq!(created_names(&dir, &["./d/"]), under("./d"));
        assert_eq!(
            created_names(&dir, &["d//sub", "d/./a.txt"]),
            [
                "d//sub/".to_string(),
                "d//sub/b.txt".into(),
                format!("d//sub/{long}"),
                "d/./a.txt".into()
            ]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
