//! `find`: expression parsing and directory traversal.

use crate::glob;
use crate::run::{self, Outcome, Stdin};
use std::fs;
use std::io::{self, Write};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Less,
    Equal,
    Greater,
}

impl Cmp {
    fn parse(s: &str) -> (Cmp, &str) {
        if let Some(r) = s.strip_prefix('+') {
            (Cmp::Greater, r)
        } else if let Some(r) = s.strip_prefix('-') {
            (Cmp::Less, r)
        } else {
            (Cmp::Equal, s)
        }
    }

    fn test(self, value: u64, n: u64) -> bool {
        match self {
            Cmp::Less => value < n,
            Cmp::Equal => value == n,
            Cmp::Greater => value > n,
        }
    }
}

/// A node of a find expression.
#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    True,
    False,
    Name(String, bool),
    Path(String, bool),
    /// `-regex`/`-iregex`: anchored match on the whole path.
    Regex(regex_lite::Regex),
    Type(Vec<char>),
    Size(Cmp, u64, u64),
    Empty,
    Newer(SystemTime),
    /// Age in units of the given number of seconds (86400 for -mtime, 60 for -mmin).
    Age(Cmp, u64, u64),
    Print,
    Print0,
    Printf(String),
    Delete,
    Prune,
    Quit,
    /// `-exec … ;`: the command and its arguments (with `{}`).
    Exec(Vec<String>),
    /// `-exec … {} +`: the command and its arguments before `{}`; the index into `batches`.
    ExecPlus(Vec<String>, usize),
}

/// Parsed command line.
#[derive(Debug)]
pub struct Find {
    pub paths: Vec<String>,
    pub expr: Expr,
    pub maxdepth: Option<usize>,
    pub mindepth: usize,
    pub depth_first: bool,
    /// Number of `-exec … +` actions.
    pub batches: usize,
}

struct Parser<'a> {
    args: &'a [String],
    pos: usize,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
    has_action: bool,
    batches: usize,
    /// `-regextype`: true for GNU's default (emacs) syntax.
    emacs_regex: bool,
}

/// Translates GNU find's default (emacs) regex syntax to Rust's: `\(`, `\)`, `\|`, `\{`, `\}` are
/// the operators, and unescaped `(`, `)`, `|`, `{`, `}` are literals.
pub fn emacs_to_rust(p: &str) -> String {
    let cs: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c == '\\' && i + 1 < cs.len() {
            let n = cs[i + 1];
            match n {
                '(' | ')' | '|' | '{' | '}' => out.push(n),
                '`' => out.push_str("\\A"),
                '\'' => out.push_str("\\z"),
                _ => {
                    out.push('\\');
                    out.push(n)
                }
            }
            i += 2;
            continue;
        }
        if c == '[' {
            // Copy a bracket expression through unchanged.
            let mut j = i + 1;
            if cs.get(j) == Some(&'^') {
                j += 1;
            }
            if cs.get(j) == Some(&']') {
                j += 1;
            }
            while j < cs.len() && cs[j] != ']' {
                if cs[j] == '[' && matches!(cs.get(j + 1), Some(':') | Some('.') | Some('=')) {
                    let close = cs[j + 1];
                    j += 2;
                    while j + 1 < cs.len() && !(cs[j] == close && cs[j + 1] == ']') {
                        j += 1;
                    }
                    j += 2;
                } else {
                    j += 1;
                }
            }
            let end = j.min(cs.len() - 1);
            out.extend(&cs[i..=end]);
            i = end + 1;
            continue;
        }
        if matches!(c, '(' | ')' | '|' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_expr_start(a: &str) -> bool {
    (a.starts_with('-') && a.len() > 1) || a == "(" || a == "!" || a == ")" || a == ","
}

/// Parses `find` arguments (without argv[0]).
pub fn parse(args: &[String]) -> Result<Find, String> {
    let mut i = 0;
    // Leading -P/-H/-L/-D options.
    while i < args.len() {
        match args[i].as_str() {
            "-P" => i += 1,
            "-H" | "-L" => {
                return Err(format!(
                    "{}: following symbolic links is not supported",
                    args[i]
                ));
            }
            _ => break,
        }
    }
    let mut paths = Vec::new();
    while i < args.len() && !is_expr_start(&args[i]) {
        paths.push(args[i].clone());
        i += 1;
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let mut p = Parser {
        args,
        pos: i,
        maxdepth: None,
        mindepth: 0,
        depth_first: false,
        has_action: false,
        batches: 0,
        emacs_regex: true,
    };
    let expr = if p.pos < args.len() {
        let e = p.comma()?;
        if p.pos < args.len() {
            return Err(match args[p.pos].as_str() {
                ")" => "invalid expression; you have too many ')'".to_string(),
                a => format!("paths must precede expression: `{a}'"),
            });
        }
        e
    } else {
        Expr::True
    };
    let expr = if p.has_action {
        expr
    } else {
        Expr::And(Box::new(expr), Box::new(Expr::Print))
    };
    Ok(Find {
        paths,
        expr,
        maxdepth: p.maxdepth,
        mindepth: p.mindepth,
        depth_first: p.depth_first,
        batches: p.batches,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    fn comma(&mut self) -> Result<Expr, String> {
        let mut e = self.or()?;
        while self.peek() == Some(",") {
            self.pos += 1;
            let r = self.or()?;
            e = Expr::Comma(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while matches!(self.peek(), Some("-o") | Some("-or")) {
            self.pos += 1;
            let r = self.and()?;
            e = Expr::Or(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.not()?;
        loop {
            match self.peek() {
                Some("-a") | Some("-and") => {
                    self.pos += 1;
                }
                None | Some("-o") | Some("-or") | Some(")") | Some(",") => return Ok(e),
                _ => {}
            }
            let r = self.not()?;
            e = Expr::And(Box::new(e), Box::new(r));
        }
    }

    fn not(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some("!") | Some("-not") => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.not()?)))
            }
            _ => self.primary(),
        }
    }

    fn value(&mut self, opt: &str) -> Result<String, String> {
        let v = self
            .args
            .get(self.pos)
            .cloned()
            .ok_or(format!("missing argument to `{opt}'"))?;
        self.pos += 1;
        Ok(v)
    }

    fn number(&mut self, opt: &str) -> Result<(Cmp, u64), String> {
        let v = self.value(opt)?;
        let (cmp, n) = Cmp::parse(&v);
        let n = n
            .parse()
            .map_err(|_| format!("invalid argument `{v}' to `{opt}'"))?;
        Ok((cmp, n))
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some(tok) = self.peek().map(str::to_string) else {
            return Err("expected an expression".into());
        };
        self.pos += 1;
        let t = tok.as_str();
        Ok(match t {
            "(" => {
                let e = self.comma()?;
                if self.peek() != Some(")") {
                    return Err("invalid expression; I was expecting to find a ')' somewhere but did not see one.".into());
                }
                self.pos += 1;
                e
            }
            ")" => return Err("invalid expression; you have too many ')'".into()),
            "-true" => Expr::True,
            "-false" => Expr::False,
            "-name" | "-iname" => Expr::Name(self.value(t)?, t == "-iname"),
            "-path" | "-wholename" | "-ipath" | "-iwholename" => {
                Expr::Path(self.value(t)?, t.starts_with("-i"))
            }
            "-regex" | "-iregex" => {
                let v = self.value(t)?;
                let body = if self.emacs_regex {
                    emacs_to_rust(&v)
                } else {
                    v.clone()
                };
                let flags = if t == "-iregex" { "(?is)" } else { "(?s)" };
                let re = regex_lite::Regex::new(&format!("{flags}^(?:{body})$"))
                    .map_err(|e| format!("invalid regular expression `{v}': {e}"))?;
                Expr::Regex(re)
            }
            "-regextype" => {
                let v = self.value(t)?;
                self.emacs_regex = match v.as_str() {
                    "emacs" | "posix-basic" | "grep" | "sed" | "ed" | "gnu-awk" | "awk" => true,
                    "posix-extended" | "posix-egrep" | "egrep" | "findutils-default" => {
                        v == "findutils-default"
                    }
                    _ => return Err(format!("Unknown regular expression type `{v}'")),
                };
                Expr::True
            }
            "-type" => {
                let v = self.value(t)?;
                let mut kinds = Vec::new();
                for part in v.split(',') {
                    let mut cs = part.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c @ ('f' | 'd' | 'l' | 'p' | 's' | 'b' | 'c')), None) => {
                            kinds.push(c)
                        }
                        _ => return Err(format!("Unknown argument to -type: {part}")),
                    }
                }
                Expr::Type(kinds)
            }
            "-size" => {
                let v = self.value(t)?;
                let (cmp, rest) = Cmp::parse(&v);
                let (digits, unit) = match rest.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
                    Some((i, _)) => (&rest[..i], &rest[i..]),
                    None => (rest, "b"),
                };
                let unit = match unit {
                    "b" => 512,
                    "c" => 1,
                    "w" => 2,
                    "k" => 1024,
                    "M" => 1024 * 1024,
                    "G" => 1024 * 1024 * 1024,
                    _ => return Err(format!("invalid -size type `{unit}'")),
                };
                let n = digits
                    .parse()
                    .map_err(|_| format!("invalid argument `{v}' to `-size'"))?;
                Expr::Size(cmp, n, unit)
            }
            "-empty" => Expr::Empty,
            "-newer" => {
                let f = self.value(t)?;
                let m = fs::metadata(&f)
                    .and_then(|m| m.modified())
                    .map_err(|e| format!("'{f}': {}", io_msg(&e)))?;
                Expr::Newer(m)
            }
            "-mtime" | "-mmin" => {
                let (cmp, n) = self.number(t)?;
                Expr::Age(cmp, n, if t == "-mtime" { 86400 } else { 60 })
            }
            "-print" => {
                self.has_action = true;
                Expr::Print
            }
            "-print0" => {
                self.has_action = true;
                Expr::Print0
            }
            "-printf" => {
                self.has_action = true;
                Expr::Printf(self.value(t)?)
            }
            "-delete" => {
                self.has_action = true;
                self.depth_first = true;
                Expr::Delete
            }
            "-prune" => Expr::Prune,
            "-quit" => Expr::Quit,
            "-exec" => {
                self.has_action = true;
                let mut cmd = Vec::new();
                loop {
                    let Some(a) = self.args.get(self.pos) else {
                        return Err("missing argument to `-exec'".into());
                    };
                    self.pos += 1;
                    if a == ";" {
                        break;
                    }
                    if a == "+" && cmd.last().is_some_and(|l: &String| l == "{}") {
                        cmd.pop();
                        if cmd.is_empty() {
                            return Err("missing argument to `-exec'".into());
                        }
                        self.batches += 1;
                        return Ok(Expr::ExecPlus(cmd, self.batches - 1));
                    }
                    cmd.push(a.clone());
                }
                if cmd.is_empty() {
                    return Err("missing argument to `-exec'".into());
                }
                Expr::Exec(cmd)
            }
            "-maxdepth" | "-mindepth" => {
                let v = self.value(t)?;
                let n: usize = v.parse().map_err(|_| {
                    format!("Expected a positive decimal integer argument to {t}, but got `{v}'")
                })?;
                if t == "-maxdepth" {
                    self.maxdepth = Some(n)
                } else {
                    self.mindepth = n
                }
                Expr::True
            }
            "-depth" | "-d" => {
                self.depth_first = true;
                Expr::True
            }
            "-xdev" | "-mount" | "-noleaf" | "-ignore_readdir_race" | "-nowarn" | "-warn" => {
                Expr::True
            }
            _ if t.starts_with('-') => return Err(format!("unknown predicate `{t}'")),
            _ => return Err(format!("paths must precede expression: `{t}'")),
        })
    }
}

fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// One visited file.
struct Entry<'a> {
    path: &'a str,
    /// The start path this entry was found under.
    start: &'a str,
    depth: usize,
    meta: &'a fs::Metadata,
}

impl Entry<'_> {
    fn name(&self) -> &str {
        base_name(self.path)
    }
}

/// The last path component as find's `-name` sees it (`/` for `/`, trailing slashes ignored).
pub fn base_name(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    t.rsplit('/').next().unwrap_or(t)
}

fn kind_char(meta: &fs::Metadata) -> char {
    let ft = meta.file_type();
    if ft.is_dir() {
        'd'
    } else if ft.is_symlink() {
        'l'
    } else if ft.is_file() {
        'f'
    } else {
        other_kind(&ft)
    }
}

#[cfg(unix)]
fn other_kind(ft: &fs::FileType) -> char {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        'p'
    } else if ft.is_socket() {
        's'
    } else if ft.is_block_device() {
        'b'
    } else if ft.is_char_device() {
        'c'
    } else {
        'U'
    }
}

#[cfg(not(unix))]
fn other_kind(_ft: &fs::FileType) -> char {
    'U'
}

/// Expands `-printf` directives for one entry.
fn printf(fmt: &str, e: &Entry) -> Vec<u8> {
    let mut out = String::new();
    let mut cs = fmt.chars().peekable();
    while let Some(c) = cs.next() {
        match c {
            '\\' => match cs.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('a') => out.push('\x07'),
                Some('v') => out.push('\x0b'),
                Some('f') => out.push('\x0c'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o)
                }
                None => out.push('\\'),
            },
            '%' => match cs.next() {
                Some('%') => out.push('%'),
                Some('p') => out.push_str(e.path),
                Some('f') => out.push_str(e.name()),
                Some('h') => {
                    let t = e.path.trim_end_matches('/');
                    out.push_str(match t.rfind('/') {
                        Some(0) => "/",
                        Some(i) => &t[..i],
                        None => ".",
                    })
                }
                Some('P') => {
                    let rel = e.path.strip_prefix(e.start).unwrap_or(e.path);
                    out.push_str(rel.trim_start_matches('/'))
                }
                Some('s') => out.push_str(&e.meta.len().to_string()),
                Some('d') => out.push_str(&e.depth.to_string()),
                Some('y') => out.push(kind_char(e.meta)),
                Some(o) => {
                    out.push('%');
                    out.push(o)
                }
                None => out.push('%'),
            },
            c => out.push(c),
        }
    }
    out.into_bytes()
}

/// Traversal state.
pub struct Walker<'a> {
    find: &'a Find,
    pub out: Vec<u8>,
    pub status: i32,
    quit: bool,
    now: SystemTime,
    /// Pending paths per `-exec … +`.
    batches: Vec<Vec<String>>,
    /// Run commands for real (false in unit tests: commands are recorded in `out`).
    pub spawn: bool,
}

impl<'a> Walker<'a> {
    pub fn new(find: &'a Find) -> Self {
        Walker {
            find,
            out: Vec::new(),
            status: 0,
            quit: false,
            now: SystemTime::now(),
            batches: vec![Vec::new(); find.batches],
            spawn: true,
        }
    }

    fn flush(&mut self) {
        if self.spawn && !self.out.is_empty() {
            let mut o = io::stdout().lock();
            let _ = o.write_all(&self.out);
            let _ = o.flush();
            self.out.clear();
        }
    }

    fn error(&mut self, msg: &str) {
        self.flush();
        eprintln!("find: {msg}");
        self.status = 1;
    }

    fn exec(&mut self, cmd: &[String]) -> bool {
        if !self.spawn {
            self.out
                .extend_from_slice(format!("exec {}\n", cmd.join(" ")).as_bytes());
            return true;
        }
        self.flush();
        match run::run(&cmd[0], &cmd[1..], Stdin::Inherit) {
            Outcome::Exited(0) => true,
            Outcome::Exited(_) => false,
            Outcome::NotFound => {
                self.error(&format!("'{}': No such file or directory", cmd[0]));
                false
            }
            Outcome::CannotRun(m) => {
                self.error(&format!("'{}': {m}", cmd[0]));
                false
            }
            Outcome::Crashed(m) => {
                self.error(&format!("'{}': {m}", cmd[0]));
                false
            }
        }
    }

    fn run_batch(&mut self, idx: usize) {
        let paths = std::mem::take(&mut self.batches[idx]);
        if paths.is_empty() {
            return;
        }
        let Some(Expr::ExecPlus(cmd, _)) = find_batch(&self.find.expr, idx) else {
            return;
        };
        let mut full = cmd.clone();
        full.extend(paths);
        if !self.exec(&full) {
            self.status = 1;
        }
    }

    /// Evaluates `e` on an entry; returns (result, prune).
    fn eval(&mut self, e: &Expr, en: &Entry, prune: &mut bool) -> bool {
        if self.quit {
            return false;
        }
        match e {
            Expr::And(a, b) => self.eval(a, en, prune) && self.eval(b, en, prune),
            Expr::Or(a, b) => self.eval(a, en, prune) || self.eval(b, en, prune),
            Expr::Comma(a, b) => {
                self.eval(a, en, prune);
                self.eval(b, en, prune)
            }
            Expr::Not(a) => !self.eval(a, en, prune),
            Expr::True => true,
            Expr::False => false,
            Expr::Name(p, fold) => glob::matches(p, en.name(), *fold),
            Expr::Path(p, fold) => glob::matches(p, en.path, *fold),
            Expr::Regex(re) => re.is_match(en.path),
            Expr::Type(kinds) => kinds.contains(&kind_char(en.meta)),
            Expr::Size(cmp, n, unit) => {
                let size = en.meta.len();
                cmp.test(size.div_ceil(*unit), *n)
            }
            Expr::Empty => {
                if en.meta.is_dir() {
                    fs::read_dir(en.path).is_ok_and(|mut d| d.next().is_none())
                } else {
                    en.meta.is_file() && en.meta.len() == 0
                }
            }
            Expr::Newer(t) => en.meta.modified().is_ok_and(|m| m > *t),
            Expr::Age(cmp, n, unit) => {
                let Ok(m) = en.meta.modified() else {
                    return false;
                };
                let secs = match self.now.duration_since(m) {
                    Ok(d) => d.as_secs(),
                    Err(_) => 0,
                };
                cmp.test(secs / unit, *n)
            }
            Expr::Print => {
                self.out.extend_from_slice(en.path.as_bytes());
                self.out.push(b'\n');
                true
            }
            Expr::Print0 => {
                self.out.extend_from_slice(en.path.as_bytes());
                self.out.push(0);
                true
            }
            Expr::Printf(f) => {
                let bytes = printf(f, en);
                self.out.extend_from_slice(&bytes);
                true
            }
            Expr::Delete => {
                if en.path == "." || en.depth == 0 && base_name(en.path) == "." {
                    return true;
                }
                let r = if en.meta.is_dir() {
                    fs::remove_dir(en.path)
                } else {
                    fs::remove_file(en.path)
                };
                match r {
                    Ok(()) => true,
                    Err(err) => {
                        self.error(&format!("cannot delete '{}': {}", en.path, io_msg(&err)));
                        false
                    }
                }
            }
            Expr::Prune => {
                if !self.find.depth_first {
                    *prune = true;
                }
                true
            }
            Expr::Quit => {
                self.quit = true;
                true
            }
            Expr::Exec(cmd) => {
                let args: Vec<String> = cmd.iter().map(|a| a.replace("{}", en.path)).collect();
                self.exec(&args)
            }
            Expr::ExecPlus(_, idx) => {
                self.batches[*idx].push(en.path.to_string());
                if self.batches[*idx].len() >= 2048 {
                    self.run_batch(*idx);
                }
                true
            }
        }
    }

    fn visit(&mut self, path: &str, start: &str, depth: usize) {
        if self.quit {
            return;
        }
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => return self.error(&format!("'{path}': {}", io_msg(&e))),
        };
        let f = self.find;
        let in_range = depth >= f.mindepth;
        let mut prune = false;
        if in_range && !f.depth_first {
            let en = Entry {
                path,
                start,
                depth,
                meta: &meta,
            };
            self.eval(&f.expr, &en, &mut prune);
            if self.out.len() > 64 * 1024 {
                self.flush();
            }
        }
        let descend = meta.is_dir() && !prune && f.maxdepth.is_none_or(|m| depth < m);
        if descend {
            match fs::read_dir(path) {
                Ok(rd) => {
                    let mut names: Vec<String> = rd
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect();
                    names.sort();
                    for n in names {
                        if self.quit {
                            break;
                        }
                        let child = if path.ends_with('/') {
                            format!("{path}{n}")
                        } else {
                            format!("{path}/{n}")
                        };
                        self.visit(&child, start, depth + 1);
                    }
                }
                Err(e) => self.error(&format!("'{path}': {}", io_msg(&e))),
            }
        }
        if in_range && f.depth_first && !self.quit {
            let en = Entry {
                path,
                start,
                depth,
                meta: &meta,
            };
            self.eval(&f.expr, &en, &mut prune);
        }
    }

    pub fn run(&mut self) {
        for p in self.find.paths.clone() {
            if self.quit {
                break;
            }
            self.visit(&p, &p, 0);
        }
        for i in 0..self.batches.len() {
            self.run_batch(i);
        }
        self.flush();
    }
}

fn find_batch(e: &Expr, idx: usize) -> Option<&Expr> {
    match e {
        Expr::ExecPlus(_, i) if *i == idx => Some(e),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Comma(a, b) => {
            find_batch(a, idx).or_else(|| find_batch(b, idx))
        }
        Expr::Not(a) => find_batch(a, idx),
        _ => None,
    }
}

pub fn main(args: &[String]) -> i32 {
    if args.first().map(String::as_str) == Some("--help") {
        println!("Usage: find [-P] [path...] [expression]");
        return 0;
    }
    if args.first().map(String::as_str) == Some("--version") {
        println!("find (kruntimes findutils) 4.9.0");
        return 0;
    }
    let find = match parse(args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("find: {e}");
            return 1;
        }
    };
    let mut w = Walker::new(&find);
    w.run();
    w.status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn tree() -> String {
        let dir = std::env::temp_dir().join(format!(
            "krt-find-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a/sub")).unwrap();
        fs::create_dir_all(dir.join("b")).unwrap();
        fs::create_dir_all(dir.join("emptydir")).unwrap();
        fs::write(dir.join("a/x.txt"), "hello").unwrap();
        fs::write(dir.join("a/sub/y.TXT"), "").unwrap();
        fs::write(dir.join("b/z.rs"), vec![b'z'; 2000]).unwrap();
        dir.to_string_lossy().into_owned()
    }

    fn find_out(root: &str, expr: &[&str]) -> String {
        let mut args = vec![root.to_string()];
        args.extend(s(expr));
        let f = parse(&args).unwrap();
        let mut w = Walker::new(&f);
        w.spawn = false;
        w.run();
        String::from_utf8(w.out).unwrap().replace(root, "R")
    }

    #[test]
    fn finds() {
        let r = tree();
        assert_eq!(
            find_out(&r, &[]),
            "R\nR/a\nR/a/sub\nR/a/sub/y.TXT\nR/a/x.txt\nR/b\nR/b/z.rs\nR/emptydir\n"
        );
        assert_eq!(find_out(&r, &["-name", "*.txt"]), "R/a/x.txt\n");
        assert_eq!(
            find_out(&r, &["-iname", "*.txt"]),
            "R/a/sub/y.TXT\nR/a/x.txt\n"
        );
        assert_eq!(find_out(&r, &["-type", "d", "-empty"]), "R/emptydir\n");
        assert_eq!(find_out(&r, &["-type", "f", "-empty"]), "R/a/sub/y.TXT\n");
        assert_eq!(
            find_out(&r, &["-maxdepth", "1", "-type", "d"]),
            "R\nR/a\nR/b\nR/emptydir\n"
        );
        assert_eq!(
            find_out(&r, &["-mindepth", "2", "-maxdepth", "2", "-type", "f"]),
            "R/a/x.txt\nR/b/z.rs\n"
        );
        assert_eq!(find_out(&r, &["-type", "f", "-size", "+1k"]), "R/b/z.rs\n");
        assert_eq!(
            find_out(&r, &["-size", "-1", "-type", "f"]),
            "R/a/sub/y.TXT\n"
        );
        assert_eq!(
            find_out(&r, &["-name", "a", "-prune", "-o", "-type", "f", "-print"]),
            "R/b/z.rs\n"
        );
        assert_eq!(
            find_out(
                &r,
                &["(", "-name", "*.rs", "-o", "-name", "*.txt", ")", "-print"]
            ),
            "R/a/x.txt\nR/b/z.rs\n"
        );
        assert_eq!(
            find_out(&r, &["!", "-type", "d", "-path", "*/a/*"]),
            "R/a/sub/y.TXT\nR/a/x.txt\n"
        );
        assert_eq!(
            find_out(&r, &["-name", "z.rs", "-printf", "%f %s %d %h %P %y\\n"]),
            "z.rs 2000 2 R/b b/z.rs f\n"
        );
        assert_eq!(
            find_out(&r, &["-type", "f", "-print0"])
                .matches('\0')
                .count(),
            3
        );
        assert_eq!(
            find_out(&r, &["-type", "f", "-exec", "echo", "{}", "+"]),
            "exec echo R/a/sub/y.TXT R/a/x.txt R/b/z.rs\n"
        );
        assert_eq!(
            find_out(&r, &["-name", "x.txt", "-exec", "cat", "{}", ";"]),
            "exec cat R/a/x.txt\n"
        );
        assert_eq!(
            find_out(&r, &["-type", "f", "-print", "-quit"]),
            "R/a/sub/y.TXT\n"
        );
        assert_eq!(find_out(&r, &["-depth", "-path", "R/a*"]).len(), 0);
        let depth = find_out(&r, &["-depth", "-name", "a*"]);
        assert_eq!(depth, "R/a\n");
        assert_eq!(find_out(&r, &["-name", "emptydir", "-delete"]), "");
        assert!(!std::path::Path::new(&r).join("emptydir").exists());
        fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn parse_errors() {
        assert!(parse(&s(&[".", "-bogus"])).is_err());
        assert!(parse(&s(&[".", "(", "-true"])).is_err());
        assert!(parse(&s(&[".", "-exec", "echo"])).is_err());
        assert!(parse(&s(&[".", "-name"])).is_err());
    }

    #[test]
    fn regexes() {
        assert_eq!(emacs_to_rust(r".*\.\(c\|h\)"), r".*\.(c|h)");
        assert_eq!(emacs_to_rust("a(b)|{"), r"a\(b\)\|\{");
        assert_eq!(emacs_to_rust("[]()]x"), "[]()]x");
        let r = tree();
        assert_eq!(
            find_out(&r, &["-regex", r".*\.\(rs\|txt\)"]),
            "R/a/x.txt\nR/b/z.rs\n"
        );
        assert_eq!(
            find_out(&r, &["-iregex", r".*/[xy]\.txt"]),
            "R/a/sub/y.TXT\nR/a/x.txt\n"
        );
        assert_eq!(
            find_out(
                &r,
                &["-regextype", "posix-extended", "-regex", r".*\.(rs|txt)"]
            ),
            "R/a/x.txt\nR/b/z.rs\n"
        );
        fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn names() {
        assert_eq!(base_name("./a/b"), "b");
        assert_eq!(base_name("dir/"), "dir");
        assert_eq!(base_name("."), ".");
        assert_eq!(base_name("/"), "/");
    }
}
