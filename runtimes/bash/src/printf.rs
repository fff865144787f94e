//! The `printf` builtin (brush compiles its own out on wasm32), written after bash 5.2's `printf.def`.
//!
//! `printf [-v VAR] FORMAT [ARGUMENTS...]`: the format is reused while arguments are left and the previous pass
//! used some; `-v` assigns the result to a variable instead of printing it. Numbers are parsed like `strtoimax`
//! (`0x1F`, `017`, `'A`), bad ones reported as bash reports them (`printf: abc: invalid number`, status 1, output
//! goes on), `%q` quotes as bash does, `%(fmt)T` formats a time with `strftime`'s conversions (`strftime.rs`).

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins, expansion};
use clap::Parser;

use crate::strftime;

/// Format and print arguments.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Printf {
    /// `[-v VAR] FORMAT [ARGUMENTS...]`, parsed by the builtin itself as bash's `internal_getopt` does.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Printf, SE>()
}

const USAGE: &str = "printf: usage: printf [-v var] format [arguments]";

/// When the shell started (`%(fmt)T` with -2), in seconds since the epoch.
static START_TIME: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Records the shell's start time; called once when the shell starts.
pub(crate) fn record_start_time() {
    let _ = START_TIME.set(now());
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    variable: Option<&'a str>,
    format: &'a str,
    args: &'a [String],
}

/// Parses the options; an error is the lines to print (`prefix` before the first) and the status.
fn parse_options<'a>(args: &'a [String], prefix: &str) -> Result<Request<'a>, (String, u8)> {
    let mut variable = None;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        if let Some(name) = arg.strip_prefix("-v") {
            if name.is_empty() {
                let Some(name) = args.get(i + 1) else {
                    return Err((
                        format!("{prefix}-v: option requires an argument\n{USAGE}"),
                        2,
                    ));
                };
                variable = Some(name.as_str());
                i += 2;
            } else {
                variable = Some(name);
                i += 1;
            }
            continue;
        }
        let option = &arg[..arg.char_indices().nth(2).map_or(arg.len(), |(at, _)| at)];
        return Err((format!("{prefix}{option}: invalid option\n{USAGE}"), 2));
    }
    if let Some(name) = variable
        && !valid_variable_reference(name)
    {
        return Err((format!("{prefix}`{name}': not a valid identifier"), 2));
    }
    let Some(format) = args.get(i) else {
        return Err((USAGE.to_owned(), 2));
    };
    Ok(Request {
        variable,
        format,
        args: &args[i + 1..],
    })
}

/// `name` or `name[subscript]`, as bash's `-v` accepts.
fn valid_variable_reference(name: &str) -> bool {
    let base = match name.find('[') {
        Some(at) if name.ends_with(']') && at + 2 < name.len() => &name[..at],
        Some(_) => return false,
        None => name,
    };
    let mut chars = base.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl builtins::Command for Printf {
    type Error = brush_core::Error;

    fn new<I>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = String>,
    {
        // Options are parsed in `execute`, as bash parses them (`printf -x` is an error, `printf -- -x` not).
        Ok(Self {
            args: args.into_iter().skip(1).collect(),
        })
    }

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = crate::errors::builtin_prefix(context.shell, "printf");
        let request = match parse_options(&self.args, &prefix) {
            Ok(request) => request,
            Err((message, status)) => {
                writeln!(context.stderr(), "{message}")?;
                return Ok(ExecutionResult::new(status));
            }
        };
        let var = |name: &str| {
            context
                .shell
                .env()
                .get_str(name, context.shell)
                .map(|v| v.into_owned())
        };
        let locale = var("LC_ALL")
            .filter(|v| !v.is_empty())
            .or_else(|| var("LC_CTYPE").filter(|v| !v.is_empty()))
            .or_else(|| var("LANG"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let env = Env {
            utf8: locale.contains("utf-8") || locale.contains("utf8"),
            tz: var("TZ"),
            now: now(),
            start: START_TIME.get().copied().unwrap_or_else(now),
        };
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let status = render(
            request.format.as_bytes(),
            request.args,
            &env,
            &mut out,
            &mut errors,
        );
        {
            let mut stderr = context.stderr();
            for error in errors {
                writeln!(stderr, "{prefix}{error}")?;
            }
        }
        match request.variable {
            Some(name) => {
                let value = String::from_utf8_lossy(&out).into_owned();
                expansion::assign_to_named_parameter(context.shell, &context.params, name, value)
                    .await?;
            }
            None => {
                let mut stdout = context.stdout();
                stdout.write_all(&out)?;
                stdout.flush()?;
            }
        }
        Ok(ExecutionResult::new(status))
    }
}

/// What formatting depends on besides the format and the arguments.
pub(crate) struct Env {
    /// Whether the locale's characters are UTF-8 (else the C locale's bytes).
    pub(crate) utf8: bool,
    /// `TZ`, for `%(fmt)T`.
    pub(crate) tz: Option<String>,
    /// Now and the shell's start, in seconds since the epoch (`%(fmt)T` with -1 and -2).
    pub(crate) now: i64,
    pub(crate) start: i64,
}

/// The arguments, consumed one by one; missing ones read as empty.
struct Args<'a> {
    args: &'a [String],
    next: usize,
    /// A number did not convert completely: the status is 1.
    conversion_error: bool,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let arg: &'a String = self.args.get(self.next)?;
        self.next += 1;
        Some(arg)
    }

    fn string(&mut self) -> &'a str {
        self.next().unwrap_or("")
    }
}

/// Formats into `out` (messages for `printf: ` into `errors`) and returns the status.
pub(crate) fn render(
    format: &[u8],
    args: &[String],
    env: &Env,
    out: &mut Vec<u8>,
    errors: &mut Vec<String>,
) -> u8 {
    let mut args = Args {
        args,
        next: 0,
        conversion_error: false,
    };
    loop {
        let before = args.next;
        if let Err(status) = render_once(format, &mut args, env, out, errors) {
            return status;
        }
        // Reuse the format while arguments are left, unless this pass used none (bash prints it once).
        if args.next >= args.args.len() || args.next == before {
            return u8::from(args.conversion_error);
        }
    }
}

/// A conversion's flags, width and precision.
#[derive(Default, Clone, Copy)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// One pass over the format; `Err(status)` ends the command.
fn render_once(
    format: &[u8],
    args: &mut Args<'_>,
    env: &Env,
    out: &mut Vec<u8>,
    errors: &mut Vec<String>,
) -> Result<(), u8> {
    let mut i = 0;
    while i < format.len() {
        let c = format[i];
        if c == b'\\' {
            i += 1 + escape(&format[i + 1..], false, env.utf8, out, errors);
            continue;
        }
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if format.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&flag) = format.get(i) {
            match flag {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alternate = true,
                b'0' => spec.zero = true,
                b'\'' => {}
                _ => break,
            }
            i += 1;
        }
        if format.get(i) == Some(&b'*') {
            i += 1;
            let width = star_argument(args, errors);
            if width < 0 {
                spec.left = true;
            }
            spec.width = usize::try_from(width.unsigned_abs()).unwrap_or(usize::MAX);
        } else {
            spec.width = digits(format, &mut i);
        }
        if format.get(i) == Some(&b'.') {
            i += 1;
            if format.get(i) == Some(&b'*') {
                i += 1;
                let precision = star_argument(args, errors);
                spec.precision = usize::try_from(precision).ok();
            } else {
                spec.precision = Some(digits(format, &mut i));
            }
        }
        let mut time_format = None;
        if format.get(i) == Some(&b'(') {
            let Some(close) = format[i..].iter().position(|&b| b == b')') else {
                errors.push(format!(
                    "`{}': invalid time format specification",
                    String::from_utf8_lossy(&format[start..])
                ));
                return Err(1);
            };
            time_format = Some(&format[i + 1..i + close]);
            i += close + 1;
        }
        while format.get(i).is_some_and(|b| b"hjlLtz".contains(b)) {
            i += 1;
        }
        let Some(&conversion) = format.get(i) else {
            errors.push(format!(
                "`{}': missing format character",
                String::from_utf8_lossy(&format[start..])
            ));
            return Err(1);
        };
        i += 1;
        if time_format.is_some() != (conversion == b'T') {
            errors.push(format!(
                "`{}': invalid format character",
                char::from(conversion)
            ));
            return Err(1);
        }
        match conversion {
            b's' => {
                let arg = args.string().as_bytes();
                pad_string(out, &spec, arg);
            }
            b'b' => {
                let arg = args.string().as_bytes().to_vec();
                let mut expanded = Vec::new();
                let stop = expand_backslashes(&arg, env.utf8, &mut expanded, errors);
                pad_string(out, &spec, &expanded);
                if stop {
                    return Err(0);
                }
            }
            b'q' | b'Q' => {
                let arg = args.string().as_bytes();
                let arg = match (conversion, spec.precision) {
                    (b'Q', Some(p)) => &arg[..p.min(arg.len())],
                    _ => arg,
                };
                let quoted = quote(arg, env.utf8);
                if conversion == b'Q' {
                    spec.precision = None;
                }
                pad_string(out, &spec, &quoted);
            }
            b'c' => {
                let arg = args.string();
                let first = if env.utf8 {
                    arg.chars()
                        .next()
                        .map_or(&b"\0"[..], |c| &arg.as_bytes()[..c.len_utf8()])
                } else {
                    arg.as_bytes().get(..1).unwrap_or(b"\0")
                };
                pad_string(
                    out,
                    &Spec {
                        precision: None,
                        ..spec
                    },
                    first,
                );
            }
            b'd' | b'i' => {
                let value = integer(args, env.utf8, errors);
                let text = format_integer(&spec, value < 0, value.unsigned_abs(), conversion);
                out.extend_from_slice(text.as_bytes());
            }
            b'o' | b'u' | b'x' | b'X' => {
                let value = unsigned(args, env.utf8, errors);
                let text = format_integer(&spec, false, value, conversion);
                out.extend_from_slice(text.as_bytes());
            }
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
                let value = float(args, env.utf8, errors);
                out.extend_from_slice(format_float(&spec, value, conversion).as_bytes());
            }
            b'T' => {
                let seconds = match args.next() {
                    None => -1,
                    Some(arg) => {
                        let arg = arg.to_owned();
                        parse_integer_arg(&arg, env.utf8, errors, &mut args.conversion_error)
                    }
                };
                let seconds = match seconds {
                    -1 => env.now,
                    -2 => env.start,
                    s => s,
                };
                let time_format = match time_format {
                    Some(f) if !f.is_empty() => f,
                    _ => b"%X",
                };
                let text = strftime::format(time_format, seconds, env.tz.as_deref());
                pad_string(out, &spec, &text);
            }
            other => {
                errors.push(format!("`{}': invalid format character", char::from(other)));
                return Err(1);
            }
        }
    }
    Ok(())
}

/// Decimal digits at `format[*i..]` (none: 0).
fn digits(format: &[u8], i: &mut usize) -> usize {
    let mut value: usize = 0;
    while let Some(d) = format.get(*i).filter(|b| b.is_ascii_digit()) {
        value = value
            .saturating_mul(10)
            .saturating_add(usize::from(d - b'0'));
        *i += 1;
    }
    value
}

/// A `*` width or precision: the next argument as an `int`.
fn star_argument(args: &mut Args<'_>, errors: &mut Vec<String>) -> i64 {
    let value = integer(args, false, errors);
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// Pads (and with a precision, cuts) a string conversion; widths count bytes, as in C.
fn pad_string(out: &mut Vec<u8>, spec: &Spec, text: &[u8]) {
    let text = match spec.precision {
        Some(p) => &text[..p.min(text.len())],
        None => text,
    };
    let fill = spec.width.saturating_sub(text.len());
    if !spec.left {
        out.resize(out.len() + fill, b' ');
    }
    out.extend_from_slice(text);
    if spec.left {
        out.resize(out.len() + fill, b' ');
    }
}

/// One backslash escape (`rest` follows the backslash) into `out`; returns how many bytes of `rest` it used.
/// In `%b` (`in_b`), `\0NNN` takes up to three more octal digits, `\'`, `\"` and `\?` keep their backslash.
fn escape(
    rest: &[u8],
    in_b: bool,
    utf8: bool,
    out: &mut Vec<u8>,
    errors: &mut Vec<String>,
) -> usize {
    let Some(&c) = rest.first() else {
        out.push(b'\\');
        return 0;
    };
    let simple = match c {
        b'a' => Some(7),
        b'b' => Some(8),
        b'e' | b'E' => Some(0x1b),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' | b'?' if !in_b => Some(c),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return 1;
    }
    match c {
        b'0'..=b'7' => {
            let mut value = u32::from(c - b'0');
            let more = if value == 0 && in_b { 3 } else { 2 };
            let mut used = 1;
            while used <= more && rest.get(used).is_some_and(|b| (b'0'..=b'7').contains(b)) {
                value = value * 8 + u32::from(rest[used] - b'0');
                used += 1;
            }
            out.push((value & 0xff) as u8);
            used
        }
        b'x' => {
            let (value, used) = hex_digits(&rest[1..], 2);
            if used == 0 {
                errors.push("missing hex digit for \\x".to_owned());
                out.push(b'\\');
                return 0;
            }
            out.push((value & 0xff) as u8);
            1 + used
        }
        b'u' | b'U' => {
            let (value, used) = hex_digits(&rest[1..], if c == b'u' { 4 } else { 8 });
            if used == 0 {
                errors.push(format!("missing unicode digit for \\{}", char::from(c)));
                out.push(b'\\');
                return 0;
            }
            if value <= 0x7f {
                out.push(value as u8);
            } else if let Some(ch) = char::from_u32(value).filter(|_| utf8) {
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            } else if value <= 0xffff {
                // bash's fallback when the locale cannot encode it.
                out.extend_from_slice(format!("\\u{value:04X}").as_bytes());
            } else {
                out.extend_from_slice(format!("\\U{value:08X}").as_bytes());
            }
            1 + used
        }
        _ => {
            out.push(b'\\');
            0
        }
    }
}

fn hex_digits(text: &[u8], max: usize) -> (u32, usize) {
    let mut value: u32 = 0;
    let mut used = 0;
    while used < max
        && let Some(d) = text.get(used).and_then(|b| char::from(*b).to_digit(16))
    {
        value = value.wrapping_mul(16).wrapping_add(d);
        used += 1;
    }
    (value, used)
}

/// `%b`: expands the escapes of an argument; true when it ends at `\c` (all output stops).
fn expand_backslashes(arg: &[u8], utf8: bool, out: &mut Vec<u8>, errors: &mut Vec<String>) -> bool {
    let mut i = 0;
    while i < arg.len() {
        if arg[i] != b'\\' {
            out.push(arg[i]);
            i += 1;
            continue;
        }
        if arg.get(i + 1) == Some(&b'c') {
            return true;
        }
        i += 1 + escape(&arg[i + 1..], true, utf8, out, errors);
    }
    false
}

/// `%q`: the argument quoted for reuse as shell input, as bash quotes it.
fn quote(arg: &[u8], utf8: bool) -> Vec<u8> {
    if arg.is_empty() {
        return b"''".to_vec();
    }
    let text = std::str::from_utf8(arg).ok().filter(|_| utf8);
    let printable = match text {
        Some(text) => text.chars().all(|c| !c.is_control()),
        None => arg.iter().all(|&b| (0x20..0x7f).contains(&b)),
    };
    if !printable {
        return ansi_c_quote(arg, text);
    }
    let mut out = Vec::with_capacity(arg.len() * 2);
    for (i, &c) in arg.iter().enumerate() {
        let special = b" \t\n!\"$&'()*,;<>?[\\]^`{|}".contains(&c)
            || (c == b'#' && i == 0)
            || (c == b'~' && (i == 0 || matches!(arg[i - 1], b':' | b'=')));
        if special {
            out.push(b'\\');
        }
        out.push(c);
    }
    out
}

/// `$'...'` quoting, for strings with characters that are not printable.
fn ansi_c_quote(arg: &[u8], text: Option<&str>) -> Vec<u8> {
    let mut out = b"$'".to_vec();
    let push = |out: &mut Vec<u8>, c: u8| match c {
        0x1b => out.extend_from_slice(b"\\E"),
        7 => out.extend_from_slice(b"\\a"),
        0x0b => out.extend_from_slice(b"\\v"),
        8 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        b'\\' | b'\'' => out.extend_from_slice(&[b'\\', c]),
        0x20..0x7f => out.push(c),
        _ => out.extend_from_slice(format!("\\{c:03o}").as_bytes()),
    };
    match text {
        Some(text) => {
            for ch in text.chars() {
                if ch.is_ascii() {
                    push(&mut out, ch as u8);
                } else if ch.is_control() {
                    let mut buf = [0; 4];
                    for &b in ch.encode_utf8(&mut buf).as_bytes() {
                        out.extend_from_slice(format!("\\{b:03o}").as_bytes());
                    }
                } else {
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        None => {
            for &c in arg {
                push(&mut out, c);
            }
        }
    }
    out.push(b'\'');
    out
}

/// The value of a character constant (`'A`, `"A`): the first byte in the C locale, the character in UTF-8.
fn char_constant(rest: &str, utf8: bool) -> u32 {
    if utf8 {
        rest.chars().next().map_or(0, u32::from)
    } else {
        rest.bytes().next().map_or(0, u32::from)
    }
}

/// Parses an integer as `strtoimax(s, &end, 0)` does: `(value, bytes used, out of range)`, the value clamped.
fn strtoimax(s: &str) -> (i128, usize, bool) {
    let b = s.as_bytes();
    let mut i = 0;
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        i += 1;
    }
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut radix = 10;
    if b.get(i) == Some(&b'0') {
        if matches!(b.get(i + 1), Some(b'x' | b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let digits_start = i;
    let mut value: i128 = 0;
    let mut overflow = false;
    while let Some(d) = b.get(i).and_then(|c| char::from(*c).to_digit(radix)) {
        value = value * i128::from(radix) + i128::from(d);
        if value > i128::from(u64::MAX) + 1 {
            overflow = true;
            value = i128::from(u64::MAX) + 1;
        }
        i += 1;
    }
    if i == digits_start {
        return (0, 0, false);
    }
    (if negative { -value } else { value }, i, overflow)
}

/// The next argument as an integer (`%d`), as bash's `getintmax` reads it.
fn integer(args: &mut Args<'_>, utf8: bool, errors: &mut Vec<String>) -> i64 {
    let Some(arg) = args.next() else {
        return 0;
    };
    let arg = arg.to_owned();
    parse_integer_arg(&arg, utf8, errors, &mut args.conversion_error)
}

fn parse_integer_arg(
    arg: &str,
    utf8: bool,
    errors: &mut Vec<String>,
    conversion_error: &mut bool,
) -> i64 {
    if let Some(rest) = arg.strip_prefix(['\'', '"']) {
        return i64::from(char_constant(rest, utf8));
    }
    let (value, used, overflow) = strtoimax(arg);
    let clamped = i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX });
    if used < arg.len() {
        errors.push(invalid_number(arg));
        *conversion_error = true;
    } else if overflow || i128::from(clamped) != value {
        errors.push(format!("warning: {arg}: Numerical result out of range"));
    }
    clamped
}

/// The next argument as an unsigned integer (`%u %o %x`), as `strtoumax` reads it (`-1` is the largest).
fn unsigned(args: &mut Args<'_>, utf8: bool, errors: &mut Vec<String>) -> u64 {
    let Some(arg) = args.next() else {
        return 0;
    };
    if let Some(rest) = arg.strip_prefix(['\'', '"']) {
        return u64::from(char_constant(rest, utf8));
    }
    let (value, used, overflow) = strtoimax(arg);
    if used < arg.len() {
        errors.push(invalid_number(arg));
        args.conversion_error = true;
    }
    if overflow || value.unsigned_abs() > u128::from(u64::MAX) {
        if used == arg.len() {
            errors.push(format!("warning: {arg}: Numerical result out of range"));
        }
        return u64::MAX;
    }
    let magnitude = value.unsigned_abs() as u64;
    if value < 0 {
        magnitude.wrapping_neg()
    } else {
        magnitude
    }
}

/// bash's `sh_invalidnum` message.
fn invalid_number(arg: &str) -> String {
    let b = arg.as_bytes();
    let kind = match (b.first(), b.get(1)) {
        (Some(b'0'), Some(d)) if d.is_ascii_digit() => "invalid octal number",
        (Some(b'0'), Some(b'x')) => "invalid hex number",
        _ => "invalid number",
    };
    format!("{arg}: {kind}")
}

/// The next argument as a floating-point number, as `strtold` reads it.
fn float(args: &mut Args<'_>, utf8: bool, errors: &mut Vec<String>) -> f64 {
    let Some(arg) = args.next() else {
        return 0.0;
    };
    if let Some(rest) = arg.strip_prefix(['\'', '"']) {
        return f64::from(char_constant(rest, utf8));
    }
    let (value, used) = strtod(arg);
    if used < arg.len() {
        errors.push(invalid_number(arg));
        args.conversion_error = true;
    } else if value.is_infinite() && !arg.to_ascii_lowercase().contains("inf") {
        errors.push(format!("warning: {arg}: Numerical result out of range"));
    }
    value
}

/// `strtod`: the value of the longest prefix that is a number, and its length (0: none).
fn strtod(s: &str) -> (f64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        i += 1;
    }
    let sign_at = i;
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let rest = s[i..].to_ascii_lowercase();
    let signed = |v: f64| if negative { -v } else { v };
    for (word, value) in [
        ("infinity", f64::INFINITY),
        ("inf", f64::INFINITY),
        ("nan", f64::NAN),
    ] {
        if rest.starts_with(word) {
            return (signed(value), i + word.len());
        }
    }
    if rest.starts_with("0x") && rest.as_bytes().get(2).is_some_and(u8::is_ascii_hexdigit) {
        // Hexadecimal: mantissa digits, optional fraction, optional binary exponent.
        let mut j = i + 2;
        let mut mantissa = 0f64;
        let mut exponent: i32 = 0;
        let mut seen_point = false;
        while let Some(&c) = b.get(j) {
            if c == b'.' && !seen_point {
                seen_point = true;
            } else if let Some(d) = char::from(c).to_digit(16) {
                mantissa = mantissa * 16.0 + f64::from(d);
                if seen_point {
                    exponent -= 4;
                }
            } else {
                break;
            }
            j += 1;
        }
        if matches!(b.get(j), Some(b'p' | b'P')) {
            let (e, used, _) = strtoimax(&s[j + 1..]);
            if used > 0 && !s[j + 1..].starts_with(char::is_whitespace) {
                exponent = exponent.saturating_add(e.clamp(-100_000, 100_000) as i32);
                j += 1 + used;
            }
        }
        return (signed(mantissa * 2f64.powi(exponent)), j);
    }
    let mut j = i;
    let mut digits = 0;
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
        digits += 1;
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            while b.get(k).is_some_and(u8::is_ascii_digit) {
                k += 1;
            }
            j = k;
        }
    }
    let text = &s[sign_at..j];
    let text = text.strip_prefix('+').unwrap_or(text);
    let text = if text.ends_with('.') || text.starts_with("-.") || text.starts_with('.') {
        text.replacen('.', if text.ends_with('.') { "" } else { "0." }, 1)
    } else {
        text.to_owned()
    };
    (text.parse().unwrap_or(0.0), j)
}

/// `%d %i %o %u %x %X`: `negative` and `magnitude` give the value.
fn format_integer(spec: &Spec, negative: bool, magnitude: u64, conversion: u8) -> String {
    let mut digits = match conversion {
        b'o' => format!("{magnitude:o}"),
        b'x' => format!("{magnitude:x}"),
        b'X' => format!("{magnitude:X}"),
        _ => magnitude.to_string(),
    };
    if spec.precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    if let Some(p) = spec.precision
        && digits.len() < p
    {
        digits.insert_str(0, &"0".repeat(p - digits.len()));
    }
    let mut prefix = String::new();
    match conversion {
        b'd' | b'i' => {
            if negative {
                prefix.push('-');
            } else if spec.plus {
                prefix.push('+');
            } else if spec.space {
                prefix.push(' ');
            }
        }
        b'o' if spec.alternate && !digits.starts_with('0') => digits.insert(0, '0'),
        b'x' if spec.alternate && magnitude != 0 => prefix.push_str("0x"),
        b'X' if spec.alternate && magnitude != 0 => prefix.push_str("0X"),
        _ => {}
    }
    let zero_pad = spec.zero && !spec.left && spec.precision.is_none();
    pad_number(spec, &prefix, &digits, zero_pad)
}

/// Pads a number to the width: spaces before or after, or zeros between its sign and its digits.
fn pad_number(spec: &Spec, prefix: &str, digits: &str, zero_pad: bool) -> String {
    let len = prefix.len() + digits.len();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        format!("{prefix}{digits}{}", " ".repeat(fill))
    } else if zero_pad {
        format!("{prefix}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{prefix}{digits}", " ".repeat(fill))
    }
}

/// `%e %f %g %a` and their capitals, rounded as glibc rounds (correctly, from the binary value).
fn format_float(spec: &Spec, value: f64, conversion: u8) -> String {
    let upper = conversion.is_ascii_uppercase();
    let sign = if value.is_sign_negative() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let abs = value.abs();
    if !value.is_finite() {
        let text = match (value.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        return pad_number(spec, sign, text, false);
    }
    let precision = spec.precision.unwrap_or(6);
    let body = match conversion.to_ascii_lowercase() {
        b'f' => fixed(abs, precision, spec.alternate),
        b'e' => exponential(abs, precision, spec.alternate),
        b'g' => general(abs, precision, spec.alternate),
        _ => hexadecimal(abs, spec.precision),
    };
    let body = if upper {
        body.to_ascii_uppercase()
    } else {
        body
    };
    pad_number(spec, sign, &body, spec.zero && !spec.left)
}

fn fixed(abs: f64, precision: usize, alternate: bool) -> String {
    let mut text = format!("{abs:.precision$}");
    if alternate && precision == 0 {
        text.push('.');
    }
    text
}

fn exponential(abs: f64, precision: usize, alternate: bool) -> String {
    let text = format!("{abs:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let point = if alternate && precision == 0 { "." } else { "" };
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}{point}e{sign}{:02}", exponent.unsigned_abs())
}

fn general(abs: f64, precision: usize, alternate: bool) -> String {
    let p = precision.max(1);
    // The exponent the value has once rounded to P significant digits.
    let exponent = if abs == 0.0 {
        0
    } else {
        let text = format!("{abs:.prec$e}", prec = p - 1);
        text.split_once('e')
            .and_then(|(_, e)| e.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut text = if exponent < -4 || exponent >= p as i64 {
        exponential(abs, p - 1, alternate)
    } else {
        fixed(abs, (p as i64 - 1 - exponent) as usize, alternate)
    };
    if !alternate {
        let (number, exp) = match text.find('e') {
            Some(at) => text.split_at(at),
            None => (text.as_str(), ""),
        };
        if number.contains('.') {
            let number = number.trim_end_matches('0').trim_end_matches('.');
            text = format!("{number}{exp}");
        }
    }
    text
}

/// `%a`: hexadecimal with a binary exponent (`0x1.8p+1`).
fn hexadecimal(abs: f64, precision: Option<usize>) -> String {
    if abs == 0.0 {
        let digits = precision.map_or(String::new(), |p| {
            if p == 0 {
                String::new()
            } else {
                format!(".{}", "0".repeat(p))
            }
        });
        return format!("0x0{digits}p+0");
    }
    let bits = abs.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64;
    let mut mantissa = bits & ((1 << 52) - 1);
    let lead = if exponent == 0 {
        exponent = -1022;
        0
    } else {
        exponent -= 1023;
        1
    };
    let mut hex = format!("{mantissa:013x}");
    if let Some(p) = precision
        && p < 13
    {
        let shift = 4 * (13 - p) as u32;
        let rounded = (mantissa + (1 << (shift - 1))) >> shift;
        mantissa = rounded;
        hex = if p == 0 {
            String::new()
        } else {
            format!("{mantissa:0p$x}")
        };
        if hex.len() > p {
            // Rounded up into the leading digit.
            return format!(
                "0x{}{}p{exponent:+}",
                lead + 1,
                &hex[1..].replace(|_| true, "0")
            );
        }
    } else {
        hex = hex.trim_end_matches('0').to_owned();
        if let Some(p) = precision {
            hex.push_str(&"0".repeat(p.saturating_sub(hex.len())));
        }
    }
    let point = if hex.is_empty() { "" } else { "." };
    format!("0x{lead}{point}{hex}p{exponent:+}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            utf8: false,
            tz: Some("UTC".into()),
            now: 1_000_000,
            start: 999_000,
        }
    }

    fn run(format: &str, args: &[&str]) -> (String, u8, Vec<String>) {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let status = render(format.as_bytes(), &args, &env(), &mut out, &mut errors);
        (String::from_utf8_lossy(&out).into_owned(), status, errors)
    }

    fn printf(format: &str, args: &[&str]) -> String {
        run(format, args).0
    }

    #[test]
    fn strings_and_reuse() {
        assert_eq!(printf("%s|", &["x", "y"]), "x|y|");
        assert_eq!(printf("[%5s][%-5s]\\n", &["ab", "cd"]), "[   ab][cd   ]\n");
        assert_eq!(printf("[%.2s][%5.1s]", &["abcdef", "xyz"]), "[ab][    x]");
        assert_eq!(printf("%s-%s\\n", &["a", "b", "c"]), "a-b\nc-\n");
        assert_eq!(printf("[%s][%d]\\n", &[]), "[][0]\n");
        assert_eq!(printf("[%*s][%-*s]", &["4", "a", "-3", "b"]), "[   a][b  ]");
        assert_eq!(printf("[%c][%c]", &["hello", ""]), "[h][\0]");
    }

    #[test]
    fn format_without_conversions_is_printed_once() {
        assert_eq!(
            run("plain\\n", &["extra", "args"]),
            ("plain\n".into(), 0, vec![])
        );
    }

    #[test]
    fn integers() {
        assert_eq!(
            printf("%d %i %d %d", &["42", "-7", "0x1F", "017"]),
            "42 -7 31 15"
        );
        assert_eq!(
            printf("[%05d][%-5d][%+d][% d]", &["42", "42", "42", "42"]),
            "[00042][42   ][+42][ 42]"
        );
        assert_eq!(printf("%05d|%-05d|", &["-42", "-42"]), "-0042|-42  |");
        assert_eq!(
            printf("[%.0d][%.3d][%5.3d]", &["0", "5", "-5"]),
            "[][005][ -005]"
        );
        assert_eq!(
            printf(
                "%u %x %X %o %#x %#o",
                &["255", "255", "255", "8", "255", "8"]
            ),
            "255 ff FF 10 0xff 010"
        );
        assert_eq!(
            printf("%u %x", &["-1", "-1"]),
            "18446744073709551615 ffffffffffffffff"
        );
        assert_eq!(printf("%d %d %d", &["'A", "\"a", "'\u{e9}"]), "65 97 195");
        assert_eq!(printf("%d|%s|", &["", ""]), "0||");
        assert_eq!(printf("%ld %lld %hd", &["1", "2", "3"]), "1 2 3");
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(
            run("%d\\n", &["abc"]),
            ("0\n".into(), 1, vec!["abc: invalid number".into()])
        );
        assert_eq!(
            run("%d\\n", &["12abc"]),
            ("12\n".into(), 1, vec!["12abc: invalid number".into()])
        );
        assert_eq!(
            run("%d", &["08"]).2,
            vec!["08: invalid octal number".to_owned()]
        );
        assert_eq!(
            run("%d\\n", &["99999999999999999999"]),
            (
                "9223372036854775807\n".into(),
                0,
                vec!["warning: 99999999999999999999: Numerical result out of range".into()]
            )
        );
        assert_eq!(
            run("%f\\n", &["abc"]),
            ("0.000000\n".into(), 1, vec!["abc: invalid number".into()])
        );
    }

    #[test]
    fn floats_round_like_glibc() {
        assert_eq!(
            printf("%f %.2f %e %g", &["3.14159", "2.5", "12345.678", "0.0001"]),
            "3.141590 2.50 1.234568e+04 0.0001"
        );
        assert_eq!(
            printf("%.1f %.1f %.0f %.0f", &["0.25", "0.35", "0.5", "1.5"]),
            "0.2 0.3 0 2"
        );
        assert_eq!(
            printf("%.3e %E", &["1234.5", "0.5"]),
            "1.234e+03 5.000000E-01"
        );
        assert_eq!(
            printf("%g %g %G", &["100000", "1000000", "1e-10"]),
            "100000 1e+06 1E-10"
        );
        assert_eq!(printf("%g %g %#.0f", &["1.50", "2.0", "3"]), "1.5 2 3.");
        assert_eq!(
            printf("[%8.3f][%-8.2f][%08.2f]", &["3.14159", "2.5", "-2.5"]),
            "[   3.142][2.50    ][-0002.50]"
        );
        assert_eq!(printf("%f %f %F", &["inf", "nan", "-inf"]), "inf nan -INF");
        assert_eq!(printf("%a %a", &["1", "0.5"]), "0x1p+0 0x1p-1");
    }

    #[test]
    fn escapes() {
        assert_eq!(printf("a\\tb\\nc\\\\d", &[]), "a\tb\nc\\d");
        assert_eq!(printf("\\101\\x42\\x414", &[]), "AB".to_owned() + "A4");
        assert_eq!(printf("ab\\cde", &[]), "ab\\cde");
        assert_eq!(printf("\\u00e9", &[]), "\\u00E9");
        assert_eq!(printf("%b|", &["\\0101", "\\101", "a\\tb"]), "A|A|a\tb|");
        assert_eq!(run("%b|\\n", &["abc\\cdef"]), ("abc".into(), 0, vec![]));
        assert_eq!(printf("%b", &["100%"]), "100%");
    }

    #[test]
    fn quoting_like_bash() {
        let q = |s: &str| printf("%q", &[s]);
        assert_eq!(q("a b"), "a\\ b");
        assert_eq!(q("it's"), "it\\'s");
        assert_eq!(q("$x"), "\\$x");
        assert_eq!(q(""), "''");
        assert_eq!(q("tab\there"), "$'tab\\there'");
        assert_eq!(q("\n"), "$'\\n'");
        assert_eq!(q("semi;colon"), "semi\\;colon");
        assert_eq!(q("~tilde"), "\\~tilde");
        assert_eq!(q("a=~b"), "a=\\~b");
        assert_eq!(q("a=b,c"), "a=b\\,c");
        assert_eq!(q("#hash"), "\\#hash");
        assert_eq!(q("a#b"), "a#b");
        assert_eq!(q("a\\b"), "a\\\\b");
        assert_eq!(q("\u{e9}"), "$'\\303\\251'");
        assert_eq!(q("\x1b\x7f"), "$'\\E\\177'");
        assert_eq!(printf("[%10q]", &["a b"]), "[      a\\ b]");
        assert_eq!(printf("%5Q|%.2Q|", &["a b", "a b"]), " a\\ b|a\\ |");
    }

    #[test]
    fn times() {
        assert_eq!(
            printf("%(%Y-%m-%d %H:%M:%S)T", &["0"]),
            "1970-01-01 00:00:00"
        );
        assert_eq!(
            printf("%(%F %T %a %b %j)T", &["1700000000"]),
            "2023-11-14 22:13:20 Tue Nov 318"
        );
        assert_eq!(printf("%()T", &["86400"]), "00:00:00");
        assert_eq!(printf("[%20(%Y)T]", &["0"]), "[                1970]");
        assert_eq!(
            printf("%(%s)T %(%s)T %(%s)T", &["-1", "-2", ""]),
            "1000000 999000 0"
        );
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            run("%z\\n", &["x"]),
            (
                String::new(),
                1,
                vec!["`\\': invalid format character".into()]
            )
        );
        assert_eq!(
            run("a%", &[]),
            ("a".into(), 1, vec!["`%': missing format character".into()])
        );
        assert_eq!(
            run("%5%", &[]).2,
            vec!["`%': invalid format character".to_owned()]
        );
    }

    #[test]
    fn options() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let a = args(&["-v", "out", "%s", "x"]);
        assert_eq!(
            parse_options(&a, "P: "),
            Ok(Request {
                variable: Some("out"),
                format: "%s",
                args: &a[3..]
            })
        );
        let a = args(&["--", "-%s"]);
        assert_eq!(parse_options(&a, "P: ").map(|r| r.format), Ok("-%s"));
        assert_eq!(parse_options(&[], "P: "), Err((USAGE.to_owned(), 2)));
        assert_eq!(
            parse_options(&args(&["-x"]), "P: "),
            Err((format!("P: -x: invalid option\n{USAGE}"), 2))
        );
        assert_eq!(
            parse_options(&args(&["-v", "1bad", "x"]), "P: "),
            Err(("P: `1bad': not a valid identifier".to_owned(), 2))
        );
        assert!(parse_options(&args(&["-v", "a[2]", "x"]), "P: ").is_ok());
        assert_eq!(
            parse_options(&args(&["-"]), "P: ").map(|r| r.format),
            Ok("-")
        );
    }
}
