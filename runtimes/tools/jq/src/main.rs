//! `jq`: a command-line JSON processor for the bash runtime, built on the jaq library crates
//! (`jaq-core`, `jaq-std`, `jaq-json`). The filter language is jaq's, which implements nearly all of
//! jq; the command line, output format, exit codes and common error messages follow jq 1.6.
//!
//! Options (short ones combine, as in `-rc`): `-r`/`--raw-output`, `-j`/`--join-output`,
//! `-c`/`--compact-output`, `-n`/`--null-input`, `-s`/`--slurp`, `-R`/`--raw-input`,
//! `-e`/`--exit-status`, `-S`/`--sort-keys`, `-a`/`--ascii-output`, `--tab`, `--indent N`,
//! `--arg NAME VALUE`, `--argjson NAME JSON`, `--slurpfile NAME FILE`, `--rawfile NAME FILE`,
//! `--args`, `--jsonargs`, `-f`/`--from-file FILE`, `-C`/`-M` (accepted; output is never coloured),
//! `-h`/`--help`, `--version`. Inputs are the named files (`-` is stdin) or stdin, each a stream of
//! JSON values (or lines with `-R`); they are read only when needed, so `jq -n` leaves stdin alone
//! unless the filter calls `input`/`inputs`. `$ENV`, `env`, `$ARGS`, `$__loc__`, `input`,
//! `inputs`, `input_filename`, `input_line_number`, `debug`, `stderr` (prints compact JSON, as
//! 1.6), `halt`, `halt_error`, `@csv`, `@tsv`, `tostream`, `leaf_paths`, `ltrimstr`/`rtrimstr` on
//! non-strings and `todate` on broken-down times are provided on top of jaq.
//!
//! Output matches jq 1.6: 2-space pretty printing, `-c` compact, object keys in input order (`-S`
//! sorts), numbers printed as jq prints doubles (`1.0` → `1`, `1.50` → `1.5`, `1e1000` →
//! `1.7976931348623157e+308`, `nan` → `null`), also in `tostring`, `tojson` and `"\(…)"`.
//! Exit status: 0; 5 if the last input's run ended in an error (`jq: error (at <stdin>:N): …`;
//! other inputs are still processed, as in 1.6); 2 for unreadable files, bad options or
//! unparsable input (`parse error: …`); 3 for a filter that does not compile (`jq: error: …` then
//! `jq: 1 compile error`); with `-e`, 1 if the last output was `false`/`null` and 4 if there was
//! none; `halt_error` exits at once with its code.
//!
//! Known differences (jaq semantics): assigning or updating through a missing value is an error
//! (`{} | .a.b = 1`, `null | .x = 1`, `[] | .[2] = 1`; `{} | .a = 1` works), so is deleting an
//! out-of-range index; `1 / 0` gives infinity instead of an error; `limit(0; …)` outputs nothing.
//! Error messages for indexing, iterating, arithmetic and `length` use jq's wording; others (and
//! all messages seen by `try … catch`) are jaq's. Compile error texts differ from jq's.
//! Not supported: `--stream`, `--seq`, `-L`/modules from files, `--raw-output0`, colour,
//! `fromstream`, `truncate_stream`, `@base32`/`@base32d`, `getpath`/`paths` corner cases, SQL-style
//! builtins, `splits`/`ascii` without arguments, `$__prog_args`.

use jaq_core::data::{DataT, HasLut};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Lut, Vars};
use jaq_json::{Num, Val};
use jaq_std::input::{HasInputs, Inputs, RcIter};
use std::cell::RefCell;
use std::io::{self, BufWriter, Read, Write};
use std::rc::Rc;

/// The data type filters run on: JSON values, with `input`/`inputs` reading the shared input stream.
struct Data;

impl DataT for Data {
    type V<'a> = Val;
    type Data<'a> = &'a Global<'a>;
}

struct Global<'a> {
    lut: &'a Lut<Data>,
    inputs: Inputs<'a, Val>,
}

impl<'a> HasLut<'a, Data> for &'a Global<'a> {
    fn lut(&self) -> &'a Lut<Data> {
        self.lut
    }
}

impl<'a> HasInputs<'a, Val> for &'a Global<'a> {
    fn inputs(&self) -> Inputs<'a, Val> {
        self.inputs
    }
}

/// `input` and `inputs` (generic, so that the function pointer types unify).
fn input_funs<D: DataT>() -> impl Iterator<Item = jaq_core::native::Fun<D>>
where
    for<'a> D::Data<'a>: HasInputs<'a, D::V<'a>>,
{
    jaq_std::input::funs::<D>()
        .into_vec()
        .into_iter()
        .map(jaq_core::native::run::<D>)
}

/// jq definitions missing from (or different in) jaq's standard library.
const EXTRA_DEFS: &str = r#"
def tostring: if type == "string" then . else tojson end;
def @text: tostring;
def @json: tojson;
def ltrimstr($x): if type == "string" and ($x | type) == "string" and startswith($x) then .[($x | length):] else . end;
def rtrimstr($x): if type == "string" and ($x | type) == "string" and endswith($x) and ($x | length) > 0 then .[:length - ($x | length)] else . end;
def @csv: if type != "array" then error("\(type) (\(tojson)) cannot be csv-formatted, only an array can be") else
  map(if type == "string" then "\"" + gsub("\""; "\"\"") + "\""
      elif type == "number" or type == "boolean" then tojson
      elif . == null then ""
      else error("\(type) (\(tojson)) is not valid in a csv row") end) | join(",") end;
def @tsv: if type != "array" then error("\(type) (\(tojson)) cannot be tsv-formatted, only an array can be") else
  map(if type == "string" then gsub("\\\\"; "\\\\") | gsub("\t"; "\\t") | gsub("\n"; "\\n") | gsub("\r"; "\\r")
      elif type == "number" or type == "boolean" then tojson
      elif . == null then ""
      else error("\(type) (\(tojson)) is not valid in a tsv row") end) | join("\t") end;
def tostream:
  def _ts($p):
    if (type == "object" or type == "array") and length > 0 then
      (if type == "array" then [range(length)] else keys_unsorted end) as $ks
      | ($ks[] as $k | .[$k] | _ts($p + [$k])), [$p + [$ks[-1]]]
    else [$p, .] end;
  _ts([]);
def input_filename: $__jq_input_filename;
def input_line_number: $__jq_input_line;
def todate: if type == "array" then mktime else . end | strftime("%Y-%m-%dT%H:%M:%SZ");
def leaf_paths: paths(scalars);
def stderr: (tojson | stderr_empty), .;
def halt_error($exit_code): (if type == "string" then . else tojson + "\n" end | stderr_empty), halt($exit_code);
def halt_error: halt_error(5);
"#;

/// Rewrites `"…\(f)…"` (a string with interpolation and no format) to `@text "…\(f)…"`, so that
/// interpolated values go through `tostring` (jq's number format) instead of jaq's built-in
/// conversion. Returns the code unchanged if it does not lex.
pub fn add_text_format(code: &str) -> String {
    use jaq_core::load::lex::{Lexer, StrPart, Tok, Token};
    fn walk(code: &str, tokens: &[Token<&str>], at: &mut Vec<usize>) {
        let mut prev: Option<&Tok<&str>> = None;
        let mut prev_text = "";
        for Token(text, tok) in tokens {
            match tok {
                Tok::Str(parts) => {
                    let interpolated = parts.iter().any(|p| matches!(p, StrPart::Term(_)));
                    let formatted = matches!(prev, Some(Tok::Fmt));
                    let after_dot = matches!(prev, Some(Tok::Sym)) && prev_text == ".";
                    if interpolated && !formatted && !after_dot {
                        at.push(text.as_ptr() as usize - code.as_ptr() as usize);
                    }
                    for p in parts {
                        if let StrPart::Term(Token(_, Tok::Block(inner))) = p {
                            walk(code, inner, at);
                        }
                    }
                }
                Tok::Block(inner) => walk(code, inner, at),
                _ => {}
            }
            prev = Some(tok);
            prev_text = text;
        }
    }
    let Ok(tokens) = Lexer::new(code).lex() else {
        return code.to_string();
    };
    let mut at = Vec::new();
    walk(code, &tokens, &mut at);
    let mut out = code.to_string();
    at.sort_unstable();
    for &i in at.iter().rev() {
        out.insert_str(i, "@text ");
    }
    out
}

/// Native filters replacing jaq's: `tojson` prints numbers like jq 1.6.
fn own_funs<D: for<'a> DataT<V<'a> = Val>>() -> impl Iterator<Item = jaq_core::native::Fun<D>> {
    own_base::<D>()
        .into_vec()
        .into_iter()
        .map(jaq_core::native::run::<D>)
}

fn own_base<D: for<'a> DataT<V<'a> = Val>>() -> Box<[jaq_core::native::Filter<jaq_core::RunPtr<D>>]>
{
    use jaq_core::native::{bome, v};
    Box::new([("tojson", v(0), |cv| bome(Ok(Val::from(compact(&cv.1)))))])
}

/// Converts parsed numbers to what jq 1.6 would hold: decimals and big integers become doubles
/// (integral ones that fit exactly become integers), so `1.50` is `1.5` everywhere.
pub fn normalize(v: Val) -> Val {
    match v {
        Val::Num(Num::Dec(d)) => Val::Num(num_from_f64(d.parse().unwrap_or(f64::NAN))),
        Val::Num(Num::BigInt(b)) => {
            Val::Num(num_from_f64(b.to_string().parse().unwrap_or(f64::NAN)))
        }
        Val::Arr(a) => {
            let a = jaq_json::Rc::try_unwrap(a).unwrap_or_else(|a| (*a).clone());
            a.into_iter().map(normalize).collect()
        }
        Val::Obj(o) => {
            let o = jaq_json::Rc::try_unwrap(o).unwrap_or_else(|o| (*o).clone());
            Val::obj(o.into_iter().map(|(k, v)| (k, normalize(v))).collect())
        }
        v => v,
    }
}

fn num_from_f64(x: f64) -> Num {
    // isize is 32 bits on wasm32: only integers that fit it exactly become `Int`.
    let fits = x.fract() == 0.0 && x >= isize::MIN as f64 && x <= isize::MAX as f64;
    if fits && !(x == 0.0 && x.is_sign_negative()) {
        Num::Int(x as isize)
    } else {
        Num::Float(x)
    }
}

/// Output formatting options.
#[derive(Clone, Debug)]
pub struct Format {
    /// Indentation unit; `None` for compact output.
    pub indent: Option<String>,
    pub sort_keys: bool,
    pub ascii: bool,
    pub raw: bool,
    pub join: bool,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            indent: Some("  ".into()),
            sort_keys: false,
            ascii: false,
            raw: false,
            join: false,
        }
    }
}

/// Parsed command line.
#[derive(Debug, Default)]
pub struct Cli {
    pub filter: Option<String>,
    pub filter_file: Option<String>,
    pub files: Vec<String>,
    pub null_input: bool,
    pub slurp: bool,
    pub raw_input: bool,
    pub exit_status: bool,
    pub format: Format,
    /// Named variables, in order: (name without `$`, value).
    pub named: Vec<(String, Val)>,
    pub positional: Vec<Val>,
    pub help: bool,
    pub version: bool,
}

fn usage_error(msg: &str) -> ! {
    eprintln!("jq: error: {msg}");
    eprintln!("Use jq --help for help with command-line options,");
    eprintln!("or see the jq manpage, or online docs  at https://stedolan.github.io/jq");
    exit(2)
}

/// Parses the command line (without argv[0]). Errors are messages for `usage_error`.
pub fn parse_args(args: &[String]) -> Result<Cli, String> {
    let mut cli = Cli::default();
    let mut indent: Option<usize> = None;
    let mut tab = false;
    let mut compact = false;
    // After `--args` / `--jsonargs`, extra positionals are arguments rather than files.
    let mut positional_mode: Option<bool> = None; // Some(false) = strings, Some(true) = JSON
    let mut i = 0;
    let mut only_positionals = false;
    let need = |i: usize, n: usize, opt: &str| -> Result<(), String> {
        if i + n < args.len() {
            Ok(())
        } else {
            Err(format!("{opt} takes {n} parameter(s)"))
        }
    };
    while i < args.len() {
        let arg = &args[i];
        let is_opt = !only_positionals && arg.starts_with('-') && arg != "-";
        if !is_opt {
            if cli.filter.is_none() && cli.filter_file.is_none() {
                cli.filter = Some(arg.clone());
            } else if let Some(json) = positional_mode {
                cli.positional.push(if json {
                    parse_json_arg(arg)
                        .map_err(|e| format!("Invalid JSON text passed to --jsonargs: {e}"))?
                } else {
                    Val::from(arg.clone())
                });
            } else {
                cli.files.push(arg.clone());
            }
            i += 1;
            continue;
        }
        if arg == "--" {
            only_positionals = true;
            i += 1;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            match long {
                "raw-output" => cli.format.raw = true,
                "join-output" => {
                    cli.format.raw = true;
                    cli.format.join = true
                }
                "compact-output" => compact = true,
                "null-input" => cli.null_input = true,
                "slurp" => cli.slurp = true,
                "raw-input" => cli.raw_input = true,
                "exit-status" => cli.exit_status = true,
                "sort-keys" => cli.format.sort_keys = true,
                "ascii-output" => cli.format.ascii = true,
                "color-output" | "monochrome-output" | "unbuffered" => {}
                "tab" => tab = true,
                "help" => cli.help = true,
                "version" => cli.version = true,
                "args" => positional_mode = Some(false),
                "jsonargs" => positional_mode = Some(true),
                "indent" => {
                    need(i, 1, "--indent")?;
                    let n: usize = args[i + 1]
                        .parse()
                        .map_err(|_| "--indent takes a number".to_string())?;
                    if n > 7 {
                        return Err("Cannot indent more than 7 characters".into());
                    }
                    indent = Some(n);
                    i += 1;
                }
                "arg" => {
                    need(i, 2, "--arg")?;
                    cli.named
                        .push((args[i + 1].clone(), Val::from(args[i + 2].clone())));
                    i += 2;
                }
                "argjson" => {
                    need(i, 2, "--argjson")?;
                    let v = parse_json_arg(&args[i + 2])
                        .map_err(|e| format!("Invalid JSON text passed to --argjson: {e}"))?;
                    cli.named.push((args[i + 1].clone(), v));
                    i += 2;
                }
                "slurpfile" | "rawfile" => {
                    need(i, 2, &format!("--{long}"))?;
                    let path = &args[i + 2];
                    let bytes = read_path(path)
                        .map_err(|e| format!("Could not open {path}: {}", io_msg(&e)))?;
                    let v = if long == "rawfile" {
                        Val::from(String::from_utf8_lossy(&bytes).into_owned())
                    } else {
                        let vals = split_values(&bytes)
                            .into_iter()
                            .map(|r| r.map(|(v, _)| normalize(v)))
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(|e| format!("Invalid JSON in {path}: {}", e.msg))?;
                        vals.into_iter().collect()
                    };
                    cli.named.push((args[i + 1].clone(), v));
                    i += 2;
                }
                "from-file" => {
                    need(i, 1, "--from-file")?;
                    cli.filter_file = Some(args[i + 1].clone());
                    i += 1;
                }
                _ => return Err(format!("Unknown option: {arg}")),
            }
            i += 1;
            continue;
        }
        // Combined short options.
        let mut consumed = 0;
        for c in arg[1..].chars() {
            match c {
                'r' => cli.format.raw = true,
                'j' => {
                    cli.format.raw = true;
                    cli.format.join = true
                }
                'c' => compact = true,
                'n' => cli.null_input = true,
                's' => cli.slurp = true,
                'R' => cli.raw_input = true,
                'e' => cli.exit_status = true,
                'S' => cli.format.sort_keys = true,
                'a' => cli.format.ascii = true,
                'C' | 'M' => {}
                'h' => cli.help = true,
                'f' => {
                    need(i + consumed, 1, "-f")?;
                    consumed += 1;
                    cli.filter_file = Some(args[i + consumed].clone());
                }
                _ => return Err(format!("Unknown option: {arg}")),
            }
        }
        i += 1 + consumed;
    }
    if cli.filter_file.is_some() {
        // With -f, the first positional is an input file, not a filter.
        if let Some(f) = cli.filter.take() {
            cli.files.insert(0, f);
        }
    }
    cli.format.indent = if compact {
        None
    } else if tab {
        Some("\t".into())
    } else {
        match indent {
            Some(0) => None,
            Some(n) => Some(" ".repeat(n)),
            None => Some("  ".into()),
        }
    };
    Ok(cli)
}

fn parse_json_arg(s: &str) -> Result<Val, String> {
    jaq_json::read::parse_single(s.as_bytes())
        .map(normalize)
        .map_err(|e| e.to_string())
}

fn read_path(path: &str) -> io::Result<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        io::stdin().lock().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

/// An I/O error's message without Rust's " (os error N)" suffix.
fn io_msg(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A JSON text that could not be parsed.
#[derive(Debug, PartialEq)]
pub struct ParseError {
    pub msg: String,
    pub line: usize,
    pub column: usize,
}

/// Length of the JSON value at the start of `s` (which starts with a non-space byte), found by
/// bracket matching outside strings. Returns `None` if the value is unterminated.
fn value_len(s: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i += 1;
                loop {
                    match s.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                if depth == 0 {
                    return Some(i.max(1));
                }
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            c if depth == 0 && (c.is_ascii_whitespace() || c == b',' || c == b':') => {
                return Some(i.max(1));
            }
            _ => {}
        }
        i += 1;
    }
    if depth == 0 { Some(s.len()) } else { None }
}

fn line_col(s: &[u8], offset: usize) -> (usize, usize) {
    let before = &s[..offset.min(s.len())];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
    (line, col)
}

/// Splits a JSON text stream into values. Each value comes with jq's line number for error
/// messages: the number of lines read once the value was complete (including a newline directly
/// after it). Parsing stops at the first error.
pub fn split_values(s: &[u8]) -> Vec<Result<(Val, usize), ParseError>> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        while pos < s.len() && s[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= s.len() {
            return out;
        }
        let Some(len) = value_len(&s[pos..]) else {
            let (line, column) = line_col(s, s.len());
            out.push(Err(ParseError {
                msg: "Unfinished JSON term at EOF".into(),
                line,
                column,
            }));
            return out;
        };
        let end = pos + len;
        match jaq_json::read::parse_single(&s[pos..end]) {
            Ok(v) => {
                let upto = if s.get(end) == Some(&b'\n') {
                    end + 1
                } else {
                    end
                };
                let lines = s[..upto].iter().filter(|&&c| c == b'\n').count();
                out.push(Ok((v, lines)));
            }
            Err(e) => {
                let (line, column) = line_col(s, end);
                let msg = e.to_string();
                let msg = match msg.split_once(": ") {
                    Some((pre, rest)) if pre.starts_with("byte offset") => rest.to_string(),
                    _ => msg,
                };
                out.push(Err(ParseError { msg, line, column }));
                return out;
            }
        }
        pos = end;
    }
}

/// Formats a number like jq 1.6 (which stores every number as a double and prints it with
/// 17 significant digits at most, in `%g`-like style).
pub fn format_f64(x: f64) -> String {
    if x.is_nan() {
        return "null".into();
    }
    let x = if x.is_infinite() {
        f64::MAX.copysign(x)
    } else {
        x
    };
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let (sign, mant) = match mant.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let nd = digits.len() as i32;
    let decpt = exp + 1;
    let body = if decpt <= -4 || decpt > nd + 15 {
        let mut s = digits[..1].to_string();
        if nd > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        s.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
        s
    } else if decpt <= 0 {
        format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
    } else if decpt >= nd {
        format!("{}{}", digits, "0".repeat((decpt - nd) as usize))
    } else {
        format!(
            "{}.{}",
            &digits[..decpt as usize],
            &digits[decpt as usize..]
        )
    };
    format!("{sign}{body}")
}

fn format_num(n: &Num) -> String {
    match n {
        Num::Int(i) if (*i as i64).unsigned_abs() < 100_000_000_000_000_000 => i.to_string(),
        Num::Int(i) => format_f64(*i as f64),
        Num::Float(f) => format_f64(*f),
        Num::BigInt(b) => format_f64(b.to_string().parse().unwrap_or(f64::NAN)),
        Num::Dec(d) => format_f64(d.parse().unwrap_or(f64::NAN)),
    }
}

fn write_str(out: &mut Vec<u8>, s: &str, ascii: bool) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c if ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.extend_from_slice(format!("\\u{u:04x}").as_bytes());
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

fn str_of(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Writes `v` as JSON in jq's style.
pub fn write_json(out: &mut Vec<u8>, v: &Val, fmt: &Format, level: usize) {
    let newline = |out: &mut Vec<u8>, level: usize| {
        if let Some(ind) = &fmt.indent {
            out.push(b'\n');
            for _ in 0..level {
                out.extend_from_slice(ind.as_bytes());
            }
        }
    };
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Num(n) => out.extend_from_slice(format_num(n).as_bytes()),
        Val::TStr(s) | Val::BStr(s) => write_str(out, &str_of(s), fmt.ascii),
        Val::Arr(a) => {
            out.push(b'[');
            if !a.is_empty() {
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    newline(out, level + 1);
                    write_json(out, x, fmt, level + 1);
                }
                newline(out, level);
            }
            out.push(b']');
        }
        Val::Obj(o) => {
            out.push(b'{');
            if !o.is_empty() {
                let mut entries: Vec<_> = o.iter().collect();
                if fmt.sort_keys {
                    entries.sort_by_key(|e| key_bytes(e.0));
                }
                for (i, (k, x)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    newline(out, level + 1);
                    match k {
                        Val::TStr(s) | Val::BStr(s) => write_str(out, &str_of(s), fmt.ascii),
                        other => {
                            let mut tmp = Vec::new();
                            write_json(
                                &mut tmp,
                                other,
                                &Format {
                                    indent: None,
                                    ..fmt.clone()
                                },
                                0,
                            );
                            write_str(out, &String::from_utf8_lossy(&tmp), fmt.ascii);
                        }
                    }
                    out.push(b':');
                    if fmt.indent.is_some() {
                        out.push(b' ');
                    }
                    write_json(out, x, fmt, level + 1);
                }
                newline(out, level);
            }
            out.push(b'}');
        }
    }
}

fn key_bytes(k: &Val) -> Vec<u8> {
    match k {
        Val::TStr(s) | Val::BStr(s) => s.to_vec(),
        other => other.to_string().into_bytes(),
    }
}

/// Formats one output value as jq prints it (including the trailing newline unless `-j`).
pub fn format_output(v: &Val, fmt: &Format) -> Vec<u8> {
    let mut out = Vec::new();
    match v {
        Val::TStr(s) | Val::BStr(s) if fmt.raw => {
            if fmt.ascii {
                let mut tmp = Vec::new();
                write_str(&mut tmp, &str_of(s), true);
                out.extend_from_slice(&tmp[1..tmp.len() - 1]);
            } else {
                out.extend_from_slice(s);
            }
        }
        _ => write_json(&mut out, v, fmt, 0),
    }
    if !fmt.join {
        out.push(b'\n');
    }
    out
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

/// A value as jq shows it in error messages: compact JSON cut to 11 bytes plus `...` when longer
/// than 14 bytes.
fn trunc(v: &Val) -> String {
    let s = compact(v);
    if s.len() <= 14 {
        return s;
    }
    let mut end = 11;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn parse_shown(s: &str) -> Option<Val> {
    jaq_json::read::parse_single(s.as_bytes()).ok()
}

/// Splits `s` at some occurrence of `sep` such that both sides are JSON values.
fn split_values_at(s: &str, sep: &str) -> Option<(Val, Val)> {
    let mut from = 0;
    while let Some(i) = s[from..].find(sep) {
        let at = from + i;
        if let (Some(l), Some(r)) = (parse_shown(&s[..at]), parse_shown(&s[at + sep.len()..])) {
            return Some((l, r));
        }
        from = at + 1;
    }
    None
}

/// Rewrites jaq's wording of common runtime errors into jq 1.6's.
pub fn jq_error_message(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("cannot index ")
        && let Some((l, r)) = split_values_at(rest, " with ")
    {
        return match &r {
            Val::TStr(k) | Val::BStr(k) => {
                format!(
                    "Cannot index {} with string \"{}\"",
                    type_name(&l),
                    str_of(k)
                )
            }
            _ => format!("Cannot index {} with {}", type_name(&l), type_name(&r)),
        };
    }
    if let Some(rest) = msg.strip_prefix("cannot use ")
        && let Some(v) = rest.strip_suffix(" as iterable (array or object)")
        && let Some(v) = parse_shown(v)
    {
        return format!("Cannot iterate over {} ({})", type_name(&v), trunc(&v));
    }
    if let Some(rest) = msg.strip_prefix("cannot calculate ") {
        for (op, verb) in [
            (" + ", "added"),
            (" - ", "subtracted"),
            (" * ", "multiplied"),
            (" / ", "divided"),
            (" % ", "divided (remainder)"),
        ] {
            if let Some((l, r)) = split_values_at(rest, op) {
                return format!(
                    "{} ({}) and {} ({}) cannot be {verb}",
                    type_name(&l),
                    trunc(&l),
                    type_name(&r),
                    trunc(&r)
                );
            }
        }
    }
    if let Some(v) = msg.strip_suffix(" has no length")
        && let Some(v) = parse_shown(v)
    {
        return format!("{} ({}) has no length", type_name(&v), trunc(&v));
    }
    msg.to_string()
}

/// A compact JSON rendering, for error messages.
fn compact(v: &Val) -> String {
    let fmt = Format {
        indent: None,
        ..Format::default()
    };
    String::from_utf8_lossy(&format_output(v, &fmt))
        .trim_end()
        .to_string()
}

/// Describes a load (parse) or compile error of the filter, jq style.
fn describe_load_error(code: &str, e: &jaq_core::load::Error<&str>) -> Vec<String> {
    use jaq_core::load::Error;
    let at = |rest: &str| {
        let off = (rest.as_ptr() as usize).saturating_sub(code.as_ptr() as usize);
        let off = off.min(code.len());
        let found: String = code[off..].chars().take(10).collect();
        if found.is_empty() {
            "end of input".to_string()
        } else {
            format!("`{found}`")
        }
    };
    match e {
        Error::Io(errs) => errs.iter().map(|(p, m)| format!("{p}: {m}")).collect(),
        Error::Lex(errs) => errs
            .iter()
            .map(|(exp, rest)| {
                format!(
                    "syntax error: expected {}, found {}",
                    exp.as_str(),
                    at(rest)
                )
            })
            .collect(),
        Error::Parse(errs) => errs
            .iter()
            .map(|(exp, tok)| format!("syntax error: expected {}, found {}", exp.as_str(), at(tok)))
            .collect(),
    }
}

fn compile_failure(code: &str, msgs: Vec<String>) -> ! {
    let n = msgs.len().max(1);
    for m in &msgs {
        eprintln!("jq: error: {m} at <top-level>, line 1:");
        eprintln!("{code}");
    }
    eprintln!("jq: {n} compile error{}", if n == 1 { "" } else { "s" });
    exit(3)
}

/// Collects stderr output of `debug`, `stderr` and `halt_error` (jaq-std reports them through
/// the `log` crate).
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let mut err = io::stderr().lock();
        let _ = match record.level() {
            log::Level::Error => write!(err, "{}", record.args()),
            _ => writeln!(err, "[\"DEBUG:\",{}]", record.args()),
        };
    }
    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

const HELP: &str = "Usage:\tjq [OPTIONS] FILTER [FILES...]\n\
\tjq [OPTIONS] --args FILTER [STRINGS...]\n\
\tjq [OPTIONS] --jsonargs FILTER [JSON_TEXTS...]\n\n\
jq is a tool for processing JSON inputs (this one is built on jaq).\n\n\
Options: -c -n -r -j -a -s -R -e -S -C -M -f FILE --tab --indent N\n\
\t--arg NAME VALUE --argjson NAME JSON --slurpfile NAME FILE --rawfile NAME FILE\n\
\t--args --jsonargs\n";

/// One input source: its name for error messages and its content.
struct Source {
    name: String,
    bytes: Vec<u8>,
}

/// Turns the sources into the stream of inputs. `loc` tracks the location of the last value read.
fn input_stream(
    sources: Vec<Source>,
    raw: bool,
    slurp: bool,
    loc: Rc<RefCell<String>>,
) -> Box<dyn Iterator<Item = Result<Val, String>>> {
    if raw {
        if slurp {
            let all: Vec<u8> = sources.into_iter().flat_map(|s| s.bytes).collect();
            return Box::new(std::iter::once(Ok(Val::from(
                String::from_utf8_lossy(&all).into_owned(),
            ))));
        }
        let mut lines = Vec::new();
        for s in sources {
            let mut n = 0;
            for line in s.bytes.split_inclusive(|&c| c == b'\n') {
                n += 1;
                let text = line.strip_suffix(b"\n").unwrap_or(line);
                lines.push((format!("{}:{n}", s.name), text.to_vec()));
            }
        }
        return Box::new(lines.into_iter().map(move |(at, text)| {
            *loc.borrow_mut() = at;
            Ok(Val::from(String::from_utf8_lossy(&text).into_owned()))
        }));
    }
    let mut values: Vec<Result<(Val, String), String>> = Vec::new();
    for s in sources {
        for r in split_values(&s.bytes) {
            match r {
                Ok((v, line)) => values.push(Ok((normalize(v), format!("{}:{line}", s.name)))),
                Err(e) => {
                    values.push(Err(format!(
                        "parse error: {} at line {}, column {}",
                        e.msg, e.line, e.column
                    )));
                    break;
                }
            }
        }
    }
    if slurp {
        let mut arr = Vec::new();
        let mut last = String::from("<unknown>");
        for r in values {
            match r {
                Ok((v, at)) => {
                    arr.push(v);
                    last = at;
                }
                Err(e) => return Box::new(std::iter::once(Err(e))),
            }
        }
        *loc.borrow_mut() = last;
        return Box::new(std::iter::once(Ok(arr.into_iter().collect())));
    }
    Box::new(values.into_iter().map(move |r| {
        r.map(|(v, at)| {
            *loc.borrow_mut() = at;
            v
        })
    }))
}

/// Reads the input files (stdin if none); unreadable files are reported and set `failed`.
fn read_sources(files: &[String], failed: &std::cell::Cell<bool>) -> Vec<Source> {
    let mut sources = Vec::new();
    if files.is_empty() {
        let mut bytes = Vec::new();
        if let Err(e) = io::stdin().lock().read_to_end(&mut bytes) {
            eprintln!("jq: error: Could not read stdin: {}", io_msg(&e));
            exit(2)
        }
        sources.push(Source {
            name: "<stdin>".into(),
            bytes,
        });
    }
    for f in files {
        match read_path(f) {
            Ok(bytes) => sources.push(Source {
                name: if f == "-" {
                    "<stdin>".into()
                } else {
                    f.clone()
                },
                bytes,
            }),
            Err(e) => {
                eprintln!("jq: error: Could not open file {f}: {}", io_msg(&e));
                failed.set(true);
            }
        }
    }
    sources
}

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
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Debug);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = parse_args(&args).unwrap_or_else(|e| usage_error(&e));
    if cli.help {
        print!("{HELP}");
        return;
    }
    if cli.version {
        println!("jq-1.6");
        return;
    }
    let code = match (&cli.filter_file, &cli.filter) {
        (Some(path), _) => match std::fs::read_to_string(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("jq: error: Could not open {path}: {}", io_msg(&e));
                exit(2)
            }
        },
        (None, Some(f)) => f.clone(),
        (None, None) => {
            eprint!("{HELP}");
            exit(2)
        }
    };

    // Global variables: $ENV, $__prog_args, then the named ones.
    let env: Val = Val::obj(
        std::env::vars()
            .map(|(k, v)| (Val::from(k), Val::from(v)))
            .collect(),
    );
    let named_obj = Val::obj(
        cli.named
            .iter()
            .map(|(k, v)| (Val::from(k.clone()), v.clone()))
            .collect(),
    );
    let args_val = Val::obj(
        [
            (
                Val::from("positional".to_string()),
                cli.positional.iter().cloned().collect(),
            ),
            (Val::from("named".to_string()), named_obj),
        ]
        .into_iter()
        .collect(),
    );
    let mut var_names = vec![
        "$ENV".to_string(),
        "$ARGS".to_string(),
        "$__jq_input_filename".to_string(),
        "$__jq_input_line".to_string(),
        "$__loc__".to_string(),
    ];
    let loc_val = Val::obj(
        [
            (
                Val::from("file".to_string()),
                Val::from("<top-level>".to_string()),
            ),
            (Val::from("line".to_string()), Val::from(1usize)),
        ]
        .into_iter()
        .collect(),
    );
    let mut var_vals = vec![env, args_val, Val::Null, Val::from(0usize), loc_val];
    for (k, v) in &cli.named {
        var_names.push(format!("${k}"));
        var_vals.push(v.clone());
    }

    let arena = Arena::default();
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(jaq_core::load::parse(EXTRA_DEFS, |p| p.defs()).expect("EXTRA_DEFS parse"));
    let loader = Loader::new(defs);
    let rewritten = add_text_format(&code);
    let modules = match loader.load(
        &arena,
        File {
            code: &rewritten,
            path: (),
        },
    ) {
        Ok(m) => m,
        Err(errs) => compile_failure(
            &code,
            errs.iter()
                .flat_map(|(_, e)| describe_load_error(&rewritten, e))
                .collect(),
        ),
    };
    let funs = jaq_core::funs::<Data>()
        .chain(jaq_std::funs::<Data>())
        .chain(input_funs::<Data>())
        .chain(jaq_json::funs::<Data>().filter(|(name, _, _)| *name != "tojson"))
        .chain(own_funs::<Data>());
    let filter = match Compiler::default()
        .with_funs(funs)
        .with_global_vars(var_names.iter().map(|s| s.as_str()))
        .compile(modules)
    {
        Ok(f) => f,
        Err(errs) => compile_failure(
            &code,
            errs.iter()
                .flat_map(|(_, es)| {
                    es.iter().map(|(name, undef)| match undef {
                        jaq_core::compile::Undefined::Filter(arity) => {
                            format!("{name}/{arity} is not defined")
                        }
                        jaq_core::compile::Undefined::Var => format!("{name} is not defined"),
                        other => format!("{} {name} is not defined", other.as_str()),
                    })
                })
                .collect(),
        ),
    };

    // Inputs are read when first needed: with `-n`, stdin is left alone unless the filter uses
    // `input`/`inputs` (so `jq -n` inside a `while read` loop does not eat the loop's input).
    let mut status = 0;
    let open_failed = Rc::new(std::cell::Cell::new(false));
    let loc = Rc::new(RefCell::new(String::from("<unknown>")));
    let stream = {
        let files = cli.files.clone();
        let (raw, slurp) = (cli.raw_input, cli.slurp);
        let (loc, open_failed) = (loc.clone(), open_failed.clone());
        let mut state: Option<Box<dyn Iterator<Item = Result<Val, String>>>> = None;
        std::iter::from_fn(move || {
            let it = state.get_or_insert_with(|| {
                let sources = read_sources(&files, &open_failed);
                input_stream(sources, raw, slurp, loc.clone())
            });
            it.next()
        })
    };
    let inputs = RcIter::new(stream);
    let inputs: Inputs<'_, Val> = &inputs;
    let global = Global {
        lut: &filter.lut,
        inputs,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut last: Option<bool> = None;

    let next_input = || -> Option<Result<Val, String>> {
        if cli.null_input {
            None
        } else {
            {
                let mut it = inputs;
                it.next()
            }
        }
    };
    let mut first = true;
    loop {
        let input = if cli.null_input {
            if !first {
                break;
            }
            Val::Null
        } else {
            match next_input() {
                None => break,
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    let _ = out.flush();
                    eprintln!("{e}");
                    exit(2)
                }
            }
        };
        first = false;
        // Like jq 1.6, the exit status reflects the last input's run only.
        status = 0;
        (var_vals[2], var_vals[3]) = match loc.borrow().rsplit_once(':') {
            Some((name, line)) if !cli.null_input => (
                Val::from(name.to_string()),
                Val::from(line.parse::<usize>().unwrap_or(0)),
            ),
            _ => (Val::Null, Val::from(0usize)),
        };
        let ctx = Ctx::<Data>::new(&global, Vars::new(var_vals.iter().cloned()));
        for r in filter.id.run((ctx, input)) {
            match r {
                Ok(v) => {
                    last = Some(!matches!(v, Val::Null | Val::Bool(false)));
                    if out.write_all(&format_output(&v, &cli.format)).is_err() {
                        exit(2)
                    }
                }
                Err(exn) => match exn.get_err() {
                    Ok(err) => {
                        let _ = out.flush();
                        let v = err.into_val();
                        match &v {
                            Val::TStr(s) | Val::BStr(s) => {
                                eprintln!(
                                    "jq: error (at {}): {}",
                                    loc.borrow(),
                                    jq_error_message(&str_of(s))
                                )
                            }
                            other => eprintln!(
                                "jq: error (at {}) (not a string): {}",
                                loc.borrow(),
                                compact(other)
                            ),
                        }
                        status = 5;
                        break;
                    }
                    Err(exn) => {
                        let _ = out.flush();
                        match exn.get_halt() {
                            Ok(code) => exit(code),
                            Err(_) => {
                                eprintln!("jq: error (at {}): break", loc.borrow());
                                status = 5;
                                break;
                            }
                        }
                    }
                },
            }
        }
    }
    if out.flush().is_err() {
        exit(2)
    }
    if status != 0 {
        exit(status)
    }
    if open_failed.get() {
        exit(2)
    }
    if cli.exit_status {
        exit(match last {
            None => 4,
            Some(true) => 0,
            Some(false) => 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn numbers_like_jq16() {
        let cases = [
            (1.0, "1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e17, "1e+17"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000"),
            (123456789012.0, "123456789012"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e300, "1.5e+300"),
            (f64::INFINITY, "1.7976931348623157e+308"),
            (-0.0, "-0"),
            (300.0, "300"),
            (1e20, "1e+20"),
            (12345678901234567890.0, "12345678901234567000"),
            (0.30000000000000004, "0.30000000000000004"),
            (2.5e-10, "2.5e-10"),
            (-1.25, "-1.25"),
            (f64::NAN, "null"),
        ];
        for (x, want) in cases {
            assert_eq!(format_f64(x), want, "{x}");
        }
    }

    fn render(json: &str, fmt: &Format) -> String {
        let v = jaq_json::read::parse_single(json.as_bytes()).unwrap();
        String::from_utf8(format_output(&v, fmt)).unwrap()
    }

    #[test]
    fn pretty_and_compact() {
        let j = r#"{"b":[1,2,{"c":[]}],"a":{},"s":"x\u0000\u001f\u007fé\n"}"#;
        assert_eq!(
            render(j, &Format::default()),
            "{\n  \"b\": [\n    1,\n    2,\n    {\n      \"c\": []\n    }\n  ],\n  \"a\": {},\n  \"s\": \"x\\u0000\\u001f\\u007fé\\n\"\n}\n"
        );
        let c = Format {
            indent: None,
            ..Format::default()
        };
        assert_eq!(
            render(j, &c),
            "{\"b\":[1,2,{\"c\":[]}],\"a\":{},\"s\":\"x\\u0000\\u001f\\u007fé\\n\"}\n"
        );
        let sorted = Format {
            indent: None,
            sort_keys: true,
            ..Format::default()
        };
        assert_eq!(render(r#"{"b":1,"a":2}"#, &sorted), "{\"a\":2,\"b\":1}\n");
        let raw = Format {
            raw: true,
            ..Format::default()
        };
        assert_eq!(render(r#""a\tb""#, &raw), "a\tb\n");
        let ascii = Format {
            ascii: true,
            ..Format::default()
        };
        assert_eq!(render(r#""é😀""#, &ascii), "\"\\u00e9\\ud83d\\ude00\"\n");
    }

    #[test]
    fn error_wording() {
        assert_eq!(
            jq_error_message(r#"cannot index 1 with "a""#),
            r#"Cannot index number with string "a""#
        );
        assert_eq!(
            jq_error_message(r#"cannot index {"a with b":1} with 0"#),
            "Cannot index object with number"
        );
        assert_eq!(
            jq_error_message("cannot use 1 as iterable (array or object)"),
            "Cannot iterate over number (1)"
        );
        assert_eq!(
            jq_error_message(r#"cannot calculate {"b":2,"a":[1,2]} + 1"#),
            r#"object ({"b":2,"a":...) and number (1) cannot be added"#
        );
        assert_eq!(
            jq_error_message("true has no length"),
            "boolean (true) has no length"
        );
        assert_eq!(jq_error_message("boom"), "boom");
    }

    #[test]
    fn splits_value_stream() {
        let vals = split_values(b"1\n2 \"a b\" {\"x\":[1,\"]\"]}\n[]true");
        let got: Vec<String> = vals
            .iter()
            .map(|r| compact(&r.as_ref().unwrap().0))
            .collect();
        assert_eq!(
            got,
            ["1", "2", "\"a b\"", "{\"x\":[1,\"]\"]}", "[]", "true"]
        );
        assert_eq!(vals[0].as_ref().unwrap().1, 1);
        let bad = split_values(b"1 {");
        assert!(bad[1].is_err());
    }

    #[test]
    fn parses_args() {
        let cli = parse_args(&s(&["-rc", "--arg", "x", "1", ".", "f.json"])).unwrap();
        assert!(cli.format.raw);
        assert!(cli.format.indent.is_none());
        assert_eq!(cli.filter.as_deref(), Some("."));
        assert_eq!(cli.files, ["f.json"]);
        assert_eq!(cli.named.len(), 1);
        let cli = parse_args(&s(&["--tab", "-n", "--args", "$ARGS", "a", "b"])).unwrap();
        assert_eq!(cli.format.indent.as_deref(), Some("\t"));
        assert_eq!(cli.positional.len(), 2);
        assert!(parse_args(&s(&["--bogus"])).is_err());
        let cli = parse_args(&s(&["--indent", "0", "."])).unwrap();
        assert!(cli.format.indent.is_none());
    }
}
