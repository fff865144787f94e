//! The `ulimit` builtin (brush has none on WASI), with bash's options, output, messages and statuses.
//!
//! Nothing in a Run is limited by Linux resource limits: the platform bounds a Run by its deadline, its memory limit
//! and its output limits. So every limit starts as bash shows an unlimited one, except those that hold in the sandbox
//! too: no core files (`-c` 0), priorities 0 (`-e`, `-r`) and the pipe size (`-p`, 8 × 512 bytes, read-only as on
//! Linux). Limits can be lowered and raised as an unprivileged bash can (a hard limit only lowered) and are shown as
//! set, but the sandbox does not enforce them. A subshell starts with its parent's limits ([`crate::per_depth`]).

use std::io::Write as _;

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

/// Display or set resource limits.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Ulimit {
    /// `[-SHabcdefiklmnpqrstuvxPRT] [limit]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Ulimit, SE>()
}

/// One resource: its option letter, bash's description and unit, and its soft limit in the sandbox (in the unit;
/// `None` is unlimited).
struct Resource {
    option: char,
    description: &'static str,
    unit: Option<&'static str>,
    initial: Option<u64>,
    read_only: bool,
}

const fn resource(option: char, description: &'static str, unit: Option<&'static str>) -> Resource {
    Resource {
        option,
        description,
        unit,
        initial: None,
        read_only: false,
    }
}

impl Resource {
    /// The resource with a soft limit in the sandbox other than unlimited.
    const fn starting_at(self, initial: u64) -> Self {
        Self {
            initial: Some(initial),
            ..self
        }
    }
}

/// bash 5.2's resources on Linux, in the order of `ulimit -a`.
const RESOURCES: [Resource; 17] = [
    resource('R', "real-time non-blocking time", Some("microseconds")),
    resource('c', "core file size", Some("blocks")).starting_at(0),
    resource('d', "data seg size", Some("kbytes")),
    resource('e', "scheduling priority", None).starting_at(0),
    resource('f', "file size", Some("blocks")),
    resource('i', "pending signals", None),
    resource('l', "max locked memory", Some("kbytes")),
    resource('m', "max memory size", Some("kbytes")),
    resource('n', "open files", None),
    Resource {
        read_only: true,
        ..resource('p', "pipe size", Some("512 bytes")).starting_at(8)
    },
    resource('q', "POSIX message queues", Some("bytes")),
    resource('r', "real-time priority", None).starting_at(0),
    resource('s', "stack size", Some("kbytes")),
    resource('t', "cpu time", Some("seconds")),
    resource('u', "max user processes", None),
    resource('v', "virtual memory", Some("kbytes")),
    resource('x', "file locks", None),
];

/// A soft and a hard limit; `None` is unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Limit {
    soft: Option<u64>,
    hard: Option<u64>,
}

fn initial_limits() -> Vec<Limit> {
    RESOURCES
        .iter()
        .map(|r| Limit {
            soft: r.initial,
            hard: if r.read_only { r.initial } else { None },
        })
        .collect()
}

/// The limits of each subshell depth, indexed as [`RESOURCES`].
static LIMITS: crate::per_depth::PerDepth<Vec<Limit>> = crate::per_depth::PerDepth::new();

/// Which of the two limits an invocation shows or sets (`-S`, `-H`; both or neither given).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Mode {
    soft: bool,
    hard: bool,
}

/// What the command line asks for: every limit (`-a`), or a list of resources each shown or set to a value.
#[derive(Debug, PartialEq, Eq)]
struct Request<'a> {
    mode: Mode,
    all: bool,
    commands: Vec<(usize, Option<&'a str>)>,
}

/// Parses the arguments as bash does: a resource letter takes the rest of its word or, at the end of its word, the
/// next word that does not start with `-` as its value; an operand left over is the last resource's value; with no
/// resource, `-f`. An error is the option bash names in `invalid option`.
fn parse(args: &[String]) -> Result<Request<'_>, String> {
    let mut request = Request {
        mode: Mode::default(),
        all: false,
        commands: Vec::new(),
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        let Some(word) = arg.strip_prefix('-').filter(|w| !w.is_empty()) else {
            break;
        };
        i += 1;
        for (at, letter) in word.char_indices() {
            match letter {
                'a' => request.all = true,
                'S' => request.mode.soft = true,
                'H' => request.mode.hard = true,
                _ => {
                    let index = RESOURCES
                        .iter()
                        .position(|r| r.option == letter)
                        .ok_or_else(|| format!("-{letter}"))?;
                    let rest = &word[at + letter.len_utf8()..];
                    let value = if !rest.is_empty() {
                        Some(rest)
                    } else if let Some(next) = args.get(i).filter(|next| !next.starts_with('-')) {
                        i += 1;
                        Some(next.as_str())
                    } else {
                        None
                    };
                    request.commands.push((index, value));
                    if value.is_some_and(|_| !rest.is_empty()) {
                        break;
                    }
                }
            }
        }
    }
    let mut operands = args[i..].iter().map(String::as_str);
    if request.commands.is_empty() {
        let file_size = RESOURCES
            .iter()
            .position(|r| r.option == 'f')
            .unwrap_or_default();
        request.commands.push((file_size, operands.next()));
    } else if let Some(last) = request
        .commands
        .last_mut()
        .filter(|(_, value)| value.is_none())
    {
        last.1 = operands.next();
    }
    Ok(request)
}

/// How a limit is shown: bash's description and unit as a label when several are shown, then the value.
fn show(index: usize, value: Option<u64>, labelled: bool) -> String {
    let resource = &RESOURCES[index];
    let value = value.map_or_else(|| "unlimited".to_owned(), |v| v.to_string());
    if !labelled {
        return value;
    }
    let unit = match resource.unit {
        Some(unit) => format!("({unit}, -{}) ", resource.option),
        None => format!("(-{}) ", resource.option),
    };
    format!("{:<20} {unit:>20}{value}", resource.description)
}

/// Sets one resource's limits to `value` (a number in its unit, `unlimited`, `hard` or `soft`), as `setrlimit`
/// allows an unprivileged process; the error is bash's message.
fn set(index: usize, limit: &mut Limit, value: &str, mode: Mode) -> Result<(), String> {
    let resource = &RESOURCES[index];
    let new = match value {
        "hard" => limit.hard,
        "soft" => limit.soft,
        "unlimited" => None,
        digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => Some(
            digits
                .parse::<u64>()
                .map_err(|_| format!("{digits}: limit out of range"))?,
        ),
        other => return Err(format!("{other}: invalid number")),
    };
    let both = mode.soft == mode.hard;
    let soft = if mode.soft || both { new } else { limit.soft };
    let hard = if mode.hard || both { new } else { limit.hard };
    let above = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a > b,
        (_, None) => false,
    };
    if resource.read_only || above(soft, hard) {
        return Err(format!(
            "{}: cannot modify limit: Invalid argument",
            resource.description
        ));
    }
    if above(hard, limit.hard) {
        return Err(format!(
            "{}: cannot modify limit: Operation not permitted",
            resource.description
        ));
    }
    *limit = Limit { soft, hard };
    Ok(())
}

impl builtins::Command for Ulimit {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let request = match parse(&self.args) {
            Ok(request) => request,
            Err(option) => return Ok(crate::options::invalid(&context, &option)),
        };
        let depth = context.shell.depth();
        let mut limits = LIMITS.with(depth, initial_limits, |l| l.clone());
        let hard = |mode: Mode| mode.hard && !mode.soft;
        if request.all {
            for (index, limit) in limits.iter().enumerate() {
                let value = if hard(request.mode) {
                    limit.hard
                } else {
                    limit.soft
                };
                writeln!(context.stdout(), "{}", show(index, value, true))?;
            }
            return Ok(ExecutionResult::success());
        }
        let labelled = request.commands.len() > 1;
        for (index, value) in &request.commands {
            let limit = &mut limits[*index];
            match value {
                None => {
                    let shown = if hard(request.mode) {
                        limit.hard
                    } else {
                        limit.soft
                    };
                    writeln!(context.stdout(), "{}", show(*index, shown, labelled))?;
                }
                Some(value) => {
                    if let Err(message) = set(*index, limit, value, request.mode) {
                        let prefix = crate::errors::builtin_prefix(context.shell, "ulimit");
                        writeln!(context.stderr(), "{prefix}{message}")?;
                        LIMITS.with(depth, initial_limits, |l| *l = limits);
                        return Ok(ExecutionResult::general_error());
                    }
                }
            }
        }
        LIMITS.with(depth, initial_limits, |l| *l = limits);
        Ok(ExecutionResult::success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn index(option: char) -> usize {
        RESOURCES.iter().position(|r| r.option == option).unwrap()
    }

    #[test]
    fn values_attach_as_in_bash() {
        let args = words("-n -s 100");
        let request = parse(&args).unwrap();
        assert_eq!(
            request.commands,
            [(index('n'), None), (index('s'), Some("100"))]
        );
        let args = words("-Hn64");
        let request = parse(&args).unwrap();
        assert_eq!(
            request.mode,
            Mode {
                soft: false,
                hard: true
            }
        );
        assert_eq!(request.commands, [(index('n'), Some("64"))]);
        // No resource: -f, with the operand as its value.
        let args = words("unlimited");
        assert_eq!(
            parse(&args).unwrap().commands,
            [(index('f'), Some("unlimited"))]
        );
        assert_eq!(parse(&words("-b")).unwrap_err(), "-b");
    }

    #[test]
    fn labels_are_bashs() {
        assert_eq!(
            show(index('c'), Some(0), true),
            "core file size              (blocks, -c) 0"
        );
        assert_eq!(
            show(index('n'), None, true),
            "open files                          (-n) unlimited"
        );
        assert_eq!(
            show(index('R'), None, true),
            "real-time non-blocking time  (microseconds, -R) unlimited"
        );
        assert_eq!(show(index('n'), Some(5), false), "5");
    }

    #[test]
    fn limits_move_as_setrlimit_allows() {
        let both = Mode::default();
        let mut limit = Limit {
            soft: None,
            hard: None,
        };
        set(index('n'), &mut limit, "100", both).unwrap();
        assert_eq!(
            limit,
            Limit {
                soft: Some(100),
                hard: Some(100)
            }
        );
        assert_eq!(
            set(index('n'), &mut limit, "200", both).unwrap_err(),
            "open files: cannot modify limit: Operation not permitted"
        );
        let soft = Mode {
            soft: true,
            hard: false,
        };
        set(index('n'), &mut limit, "60", soft).unwrap();
        let hard = Mode {
            soft: false,
            hard: true,
        };
        assert_eq!(
            set(index('n'), &mut limit, "50", hard).unwrap_err(),
            "open files: cannot modify limit: Invalid argument"
        );
        set(index('n'), &mut limit, "hard", soft).unwrap();
        assert_eq!(
            limit,
            Limit {
                soft: Some(100),
                hard: Some(100)
            }
        );
        assert_eq!(
            set(index('n'), &mut limit, "x1", both).unwrap_err(),
            "x1: invalid number"
        );
        assert!(
            set(
                index('p'),
                &mut Limit {
                    soft: Some(8),
                    hard: Some(8)
                },
                "8",
                both
            )
            .is_err()
        );
    }
}
