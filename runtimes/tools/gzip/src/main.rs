//! `gzip`, `gunzip` and `zcat` for the bash runtime, on `flate2` (pure-Rust miniz_oxide backend).
//!
//! argv[0] selects the mode: `gunzip` is `gzip -d`, `zcat` is `gzip -dc`.
//!
//! Supported: `-c`/`--stdout`, `-d`/`--decompress`/`--uncompress`, `-f`/`--force`, `-k`/`--keep`,
//! `-q`/`--quiet`, `-v`/`--verbose`, `-t`/`--test`, `-l`/`--list`, `-n`/`-N` (accepted),
//! `-S SUF`/`--suffix=SUF`, `-1`…`-9`, `--fast`, `--best`, `-h`/`--help`, `-V`/`--version`, `-`
//! for stdin, and combined short options (`-dc`, `-9k`). `gzip FILE` replaces FILE with
//! `FILE.gz` (keeping the modification time), `gunzip FILE.gz` restores `FILE`; `.tgz` becomes
//! `.tar`. Multi-member archives decompress as one stream. Exit status 0, 1 on errors, 2 on
//! warnings (unknown suffix, file already has the suffix), like GNU gzip.
//!
//! Not supported: `-r`/`--recursive`, `--rsyncable`, restoring the original name stored in the
//! header (`-N` on decompression), refusing to write compressed data to a terminal, and
//! decompressing `compress`/`pack`/zip formats. Compressed bytes differ from GNU gzip's (another
//! deflate implementation); both tools read each other's output.

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Opts {
    pub decompress: bool,
    pub stdout: bool,
    pub force: bool,
    pub keep: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub test: bool,
    pub list: bool,
    pub level: u32,
    pub suffix: String,
    pub files: Vec<String>,
    pub help: bool,
    pub version: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            decompress: false,
            stdout: false,
            force: false,
            keep: false,
            quiet: false,
            verbose: false,
            test: false,
            list: false,
            level: 6,
            suffix: ".gz".into(),
            files: Vec::new(),
            help: false,
            version: false,
        }
    }
}

/// Parses arguments; `prog` is argv[0]'s base name.
pub fn parse_args(prog: &str, args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    match prog {
        "gunzip" => o.decompress = true,
        "zcat" => {
            o.decompress = true;
            o.stdout = true
        }
        _ => {}
    }
    let mut i = 0;
    let mut no_more_opts = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if no_more_opts || a == "-" || !a.starts_with('-') {
            o.files.push(a.clone());
            continue;
        }
        if a == "--" {
            no_more_opts = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "stdout" | "to-stdout" => o.stdout = true,
                "decompress" | "uncompress" => o.decompress = true,
                "force" => o.force = true,
                "keep" => o.keep = true,
                "quiet" => o.quiet = true,
                "verbose" => o.verbose = true,
                "test" => o.test = true,
                "list" => o.list = true,
                "name" | "no-name" => {}
                "fast" => o.level = 1,
                "best" => o.level = 9,
                "help" => o.help = true,
                "version" => o.version = true,
                "suffix" => {
                    o.suffix = match value {
                        Some(v) => v,
                        None => {
                            i += 1;
                            args.get(i - 1)
                                .cloned()
                                .ok_or("option '--suffix' requires an argument")?
                        }
                    }
                }
                _ => return Err(format!("unrecognized option '{a}'")),
            }
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            match chars[j] {
                'c' => o.stdout = true,
                'd' => o.decompress = true,
                'f' => o.force = true,
                'k' => o.keep = true,
                'q' => o.quiet = true,
                'v' => o.verbose = true,
                't' => o.test = true,
                'l' => o.list = true,
                'n' | 'N' => {}
                'h' => o.help = true,
                'V' => o.version = true,
                c @ '1'..='9' => o.level = c as u32 - '0' as u32,
                'S' => {
                    let rest: String = chars[j + 1..].iter().collect();
                    o.suffix = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        args.get(i - 1)
                            .cloned()
                            .ok_or("option requires an argument -- 'S'")?
                    };
                    j = chars.len();
                    continue;
                }
                c => return Err(format!("invalid option -- '{c}'")),
            }
            j += 1;
        }
    }
    if o.suffix.is_empty() {
        return Err("invalid suffix ''".into());
    }
    Ok(o)
}

/// Compresses `data` at `level`, with an optional file name and mtime in the header.
pub fn compress(data: &[u8], level: u32, name: Option<&str>, mtime: u32) -> io::Result<Vec<u8>> {
    let mut builder = flate2::GzBuilder::new().mtime(mtime);
    if let Some(n) = name {
        builder = builder.filename(n.as_bytes());
    }
    let mut enc = builder.write(Vec::new(), Compression::new(level));
    enc.write_all(data)?;
    enc.finish()
}

/// Decompresses one or more concatenated gzip members.
pub fn decompress(data: &[u8]) -> io::Result<Vec<u8>> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not in gzip format",
        ));
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

/// The name `gunzip` writes for `name`, or `None` if it has no known compressed suffix.
pub fn decompressed_name(name: &str, suffix: &str) -> Option<String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    for s in [suffix, ".gz", "-gz", ".z", "-z", "_z"] {
        if lower.len() > s.len() && lower.ends_with(&s.to_ascii_lowercase()) {
            return Some(name[..name.len() - s.len()].to_string());
        }
    }
    if lower.len() > 4 && lower.ends_with(".tgz") {
        return Some(format!("{}.tar", &name[..name.len() - 4]));
    }
    None
}

fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

struct Run {
    o: Opts,
    status: i32,
}

impl Run {
    fn error(&mut self, msg: &str) {
        eprintln!("gzip: {msg}");
        self.status = 1;
    }

    fn warning(&mut self, msg: &str) {
        if !self.o.quiet {
            eprintln!("gzip: {msg}");
        }
        if self.status == 0 {
            self.status = 2;
        }
    }

    fn stdin(&mut self) {
        let mut data = Vec::new();
        if let Err(e) = io::stdin().lock().read_to_end(&mut data) {
            return self.error(&format!("stdin: {}", io_msg(&e)));
        }
        if self.o.decompress || self.o.test || self.o.list {
            match decompress(&data) {
                Ok(out) => {
                    if self.o.list {
                        list_line(data.len(), out.len(), "stdout");
                    } else if !self.o.test {
                        write_stdout(&out);
                    }
                }
                Err(e) => self.error(&format!("stdin: {}", io_msg(&e))),
            }
        } else {
            match compress(&data, self.o.level, None, 0) {
                Ok(out) => write_stdout(&out),
                Err(e) => self.error(&format!("stdin: {}", io_msg(&e))),
            }
        }
    }

    fn file(&mut self, name: &str) {
        let meta = match fs::metadata(name) {
            Ok(m) => m,
            Err(e) => return self.error(&format!("{name}: {}", io_msg(&e))),
        };
        if meta.is_dir() {
            return self.warning(&format!("{name} is a directory -- ignored"));
        }
        let decompressing = self.o.decompress || self.o.test || self.o.list;
        let out_name = if decompressing {
            match decompressed_name(name, &self.o.suffix) {
                Some(n) => Some(n),
                None if self.o.stdout || self.o.test || self.o.list => None,
                None => {
                    return self.warning(&format!("{name}: unknown suffix -- ignored"));
                }
            }
        } else {
            if !self.o.stdout && name.ends_with(&self.o.suffix) {
                return self.warning(&format!(
                    "{name} already has {} suffix -- unchanged",
                    self.o.suffix
                ));
            }
            Some(format!("{name}{}", self.o.suffix))
        };
        let data = match fs::read(name) {
            Ok(d) => d,
            Err(e) => return self.error(&format!("{name}: {}", io_msg(&e))),
        };
        let mtime = meta.modified().ok();
        let result = if decompressing {
            decompress(&data)
        } else {
            let secs = mtime
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as u32);
            let base = Path::new(name)
                .file_name()
                .map(|b| b.to_string_lossy().into_owned());
            compress(&data, self.o.level, base.as_deref(), secs)
        };
        let out = match result {
            Ok(o) => o,
            Err(e) => return self.error(&format!("{name}: {}", io_msg(&e))),
        };
        if self.o.list {
            list_line(data.len(), out.len(), out_name.as_deref().unwrap_or(name));
            return;
        }
        if self.o.test {
            if self.o.verbose {
                eprintln!("{name}:\t OK");
            }
            return;
        }
        if self.o.stdout {
            write_stdout(&out);
            return;
        }
        let out_name = out_name.expect("output name");
        if !self.o.force && Path::new(&out_name).exists() {
            return self.warning(&format!("{out_name} already exists;\tnot overwritten"));
        }
        if let Err(e) = fs::write(&out_name, &out) {
            return self.error(&format!("{out_name}: {}", io_msg(&e)));
        }
        if let Some(t) = mtime
            && let Ok(f) = fs::File::options().write(true).open(&out_name)
        {
            let _ = f.set_modified(t);
        }
        if self.o.verbose {
            let (small, big) = if decompressing {
                (data.len(), out.len())
            } else {
                (out.len(), data.len())
            };
            eprintln!(
                "{name}:\t{:5.1}% -- {} {out_name}",
                ratio(small, big),
                if self.o.keep {
                    "created"
                } else {
                    "replaced with"
                }
            );
        }
        if !self.o.keep
            && let Err(e) = fs::remove_file(name)
        {
            self.error(&format!("{name}: {}", io_msg(&e)));
        }
    }
}

fn ratio(compressed: usize, uncompressed: usize) -> f64 {
    if uncompressed == 0 {
        0.0
    } else {
        100.0 * (uncompressed as f64 - compressed as f64) / uncompressed as f64
    }
}

fn list_line(compressed: usize, uncompressed: usize, name: &str) {
    println!("         compressed        uncompressed  ratio uncompressed_name");
    println!(
        "{compressed:>19} {uncompressed:>19} {:5.1}% {name}",
        ratio(compressed, uncompressed)
    );
}

fn write_stdout(data: &[u8]) {
    let mut out = io::stdout().lock();
    if out.write_all(data).and_then(|_| out.flush()).is_err() {
        exit(1);
    }
}

const HELP: &str = "Usage: gzip [OPTION]... [FILE]...
Compress or uncompress FILEs (by default, compress FILES in-place).

  -c, --stdout      write on standard output, keep original files unchanged
  -d, --decompress  decompress
  -f, --force       force overwrite of output file
  -h, --help        give this help
  -k, --keep        keep (don't delete) input files
  -l, --list        list compressed file contents
  -q, --quiet       suppress all warnings
  -S, --suffix=SUF  use suffix SUF on compressed files
  -t, --test        test compressed file integrity
  -v, --verbose     verbose mode
  -V, --version     display version number
  -1, --fast        compress faster
  -9, --best        compress better

With no FILE, or when FILE is -, read standard input.
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
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_default();
    let prog = argv0.rsplit('/').next().unwrap_or("gzip").to_string();
    let args: Vec<String> = argv.collect();
    let o = match parse_args(&prog, &args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{prog}: {e}");
            eprintln!("Try `{prog} --help' for more information.");
            exit(1)
        }
    };
    if o.help {
        print!("{HELP}");
        return;
    }
    if o.version {
        println!("gzip 1.12 (kruntimes, flate2)");
        return;
    }
    let files = if o.files.is_empty() {
        vec!["-".to_string()]
    } else {
        o.files.clone()
    };
    let mut run = Run { o, status: 0 };
    for f in &files {
        if f == "-" {
            run.stdin();
        } else {
            run.file(f);
        }
    }
    exit(run.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn round_trip() {
        let data = b"hello hello hello hello\n".repeat(100);
        let gz = compress(&data, 9, Some("x"), 0).unwrap();
        assert!(gz.len() < data.len());
        assert_eq!(decompress(&gz).unwrap(), data);
        let mut two = compress(b"a", 1, None, 0).unwrap();
        two.extend(compress(b"b", 1, None, 0).unwrap());
        assert_eq!(decompress(&two).unwrap(), b"ab");
        assert!(decompress(b"plain").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(decompressed_name("a.gz", ".gz").as_deref(), Some("a"));
        assert_eq!(
            decompressed_name("d/a.tgz", ".gz").as_deref(),
            Some("d/a.tar")
        );
        assert_eq!(decompressed_name("a.txt", ".gz"), None);
        assert_eq!(decompressed_name(".gz", ".gz"), None);
    }

    #[test]
    fn args() {
        let o = parse_args("gzip", &s(&["-9kc", "f"])).unwrap();
        assert_eq!((o.level, o.keep, o.stdout), (9, true, true));
        assert_eq!(o.files, ["f"]);
        let o = parse_args("zcat", &s(&[])).unwrap();
        assert!(o.decompress && o.stdout);
        let o = parse_args("gunzip", &s(&["-S", ".z", "--", "-x"])).unwrap();
        assert!(o.decompress);
        assert_eq!(o.suffix, ".z");
        assert_eq!(o.files, ["-x"]);
        assert!(parse_args("gzip", &s(&["-y"])).is_err());
    }
}
