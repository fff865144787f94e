//! The `umask` builtin (brush's needs Unix), with bash's output, modes, messages and statuses.
//!
//! WASI has no file mode creation mask: the value is kept by the shell and shown and changed as bash does, but
//! files are created with the sandbox's modes whatever it is. It starts at 0022. A subshell starts with its
//! parent's value and its changes do not reach the parent ([`crate::per_depth`]).

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

/// Display or set the file mode creation mask.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Umask {
    /// `[-p] [-S] [mode]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Umask, SE>()
}

const INITIAL: u32 = 0o022;

/// The mask of each subshell depth.
static MASKS: crate::per_depth::PerDepth<u32> = crate::per_depth::PerDepth::new();

fn with_masks<T>(depth: usize, f: impl FnOnce(&mut u32) -> T) -> T {
    MASKS.with(depth, || INITIAL, f)
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    print_command: bool,
    symbolic: bool,
    mode: Option<&'a str>,
}

/// Parses the options; an error is the option bash names in `invalid option`.
fn parse(args: &[String]) -> Result<Request<'_>, String> {
    let (given, operands) = crate::options::scan(args, "pS")?;
    Ok(Request {
        print_command: given.contains(&'p'),
        symbolic: given.contains(&'S'),
        mode: operands.first().map(String::as_str),
    })
}

/// The new mask `mode` sets from `mask`, or the message of the error.
fn apply(mode: &str, mask: u32) -> Result<u32, String> {
    if mode.starts_with(|c: char| c.is_ascii_digit()) {
        return u32::from_str_radix(mode, 8)
            .ok()
            .filter(|m| *m <= 0o7777)
            .map(|m| m & 0o777)
            .ok_or_else(|| format!("{mode}: octal number out of range"));
    }
    // Symbolic: `[ugoa]*[-+=][rwx]*`, comma-separated, on the permissions the mask leaves.
    let mut bits = !mask & 0o777;
    let mut chars = mode.chars().peekable();
    loop {
        let mut who = 0;
        while let Some(c) = chars.next_if(|c| "ugoa".contains(*c)) {
            who |= match c {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                _ => 0o777,
            };
        }
        let op = chars.next();
        if !matches!(op, Some('+' | '-' | '=')) {
            let op = op.map(String::from).unwrap_or_default();
            return Err(format!("`{op}': invalid symbolic mode operator"));
        }
        let mut perm = 0;
        while let Some(c) = chars.next_if(|c| "rwx".contains(*c)) {
            perm |= match c {
                'r' => 0o444,
                'w' => 0o222,
                _ => 0o111,
            };
        }
        match chars.next() {
            None | Some(',') => {}
            Some(c) => return Err(format!("`{c}': invalid symbolic mode character")),
        }
        if who != 0 {
            perm &= who;
        }
        match op {
            Some('+') => bits |= perm,
            Some('-') => bits &= !perm,
            _ => {
                let who = if who == 0 { 0o777 } else { who };
                bits = (bits & !who) | perm;
            }
        }
        if chars.peek().is_none() {
            break;
        }
    }
    Ok(!bits & 0o777)
}

/// `u=rwx,g=rx,o=rx`: the permissions a mask leaves.
fn symbolic(mask: u32) -> String {
    let bits = !mask & 0o777;
    let class = |who: char, shift: u32| {
        let mut s = format!("{who}=");
        for (bit, letter) in [(4, 'r'), (2, 'w'), (1, 'x')] {
            if bits >> shift & bit != 0 {
                s.push(letter);
            }
        }
        s
    };
    format!("{},{},{}", class('u', 6), class('g', 3), class('o', 0))
}

impl builtins::Command for Umask {
    type Error = brush_core::Error;

    fn new<I>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = String>,
    {
        Ok(Self {
            args: args.into_iter().skip(1).collect(),
        })
    }

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = crate::errors::builtin_prefix(context.shell, "umask");
        let depth = context.shell.depth();
        let request = match parse(&self.args) {
            Ok(request) => request,
            Err(option) => return Ok(crate::options::invalid(&context, &option)),
        };
        let mut mask = with_masks(depth, |m| *m);
        if let Some(mode) = request.mode {
            match apply(mode, mask) {
                Ok(new) => {
                    with_masks(depth, |m| *m = new);
                    mask = new;
                }
                Err(message) => {
                    writeln!(context.stderr(), "{prefix}{message}")?;
                    return Ok(ExecutionResult::new(1));
                }
            }
            // `umask -S MODE` sets the mask and shows it.
            if !request.symbolic {
                return Ok(ExecutionResult::success());
            }
        }
        let text = match (request.symbolic, request.print_command) {
            (false, false) => format!("{mask:04o}"),
            (false, true) => format!("umask {mask:04o}"),
            (true, false) => symbolic(mask),
            (true, true) => format!("umask -S {}", symbolic(mask)),
        };
        writeln!(context.stdout(), "{text}")?;
        Ok(ExecutionResult::success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_like_bash() {
        assert_eq!(apply("027", 0o022), Ok(0o027));
        assert_eq!(apply("u=rwx,g=rx,o=", 0o022), Ok(0o027));
        assert_eq!(apply("g+r", 0o077), Ok(0o037));
        assert_eq!(apply("o-w,g-x", 0o002), Ok(0o012));
        assert_eq!(apply("a=r", 0), Ok(0o333));
        assert_eq!(apply("+w", 0o222), Ok(0o000));
        assert_eq!(
            apply("999", 0),
            Err("999: octal number out of range".into())
        );
        assert_eq!(apply("1000", 0), Ok(0));
        assert_eq!(
            apply("10000", 0),
            Err("10000: octal number out of range".into())
        );
        assert_eq!(
            apply("z=r", 0),
            Err("`z': invalid symbolic mode operator".into())
        );
        assert_eq!(
            apply("u=rq", 0),
            Err("`q': invalid symbolic mode character".into())
        );
    }

    #[test]
    fn shows_like_bash() {
        assert_eq!(symbolic(0o022), "u=rwx,g=rx,o=rx");
        assert_eq!(symbolic(0o027), "u=rwx,g=rx,o=");
        assert_eq!(symbolic(0o777), "u=,g=,o=");
    }

    #[test]
    fn options() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let a = args(&["-p"]);
        assert_eq!(
            parse(&a),
            Ok(Request {
                print_command: true,
                symbolic: false,
                mode: None
            })
        );
        let a = args(&["-S", "022"]);
        assert_eq!(
            parse(&a),
            Ok(Request {
                print_command: false,
                symbolic: true,
                mode: Some("022")
            })
        );
        assert_eq!(parse(&args(&["-x"])), Err("-x".to_owned()));
    }

    #[test]
    fn subshells_do_not_change_their_parent() {
        with_masks(0, |m| *m = 0o022);
        assert_eq!(with_masks(1, |m| *m), 0o022);
        with_masks(1, |m| *m = 0o077);
        assert_eq!(with_masks(0, |m| *m), 0o022);
    }
}
