//! The `kill` builtin (brush's needs Unix signals), with bash's command line, messages and statuses.
//!
//! `kill $$` runs the shell's trap on the signal (`trap '...' USR1`) and goes on, or ignores it for an empty
//! action; with no trap it ends the shell as the signal would end bash: status 128 + its number.
//! `exit` or `return` in the trap act on the shell as in bash. Known difference: in a subshell (`( ... )`,
//! `$( ... )`) `$$` reaches the subshell itself (its copy of the traps, or the end of only the subshell),
//! where bash signals the script's process. Every other process ID or job
//! names something that has already ended: in this runtime `list &` runs to completion before the script goes on
//! (docs/runtimes/bash.md), and a command's children have ended when it returns. So `kill $!` reports what bash
//! reports for a job that has exited, `(PID) - No such process`, with status 1 (and `kill -0` says it is gone).

use std::io::Write as _;

use brush_core::traps::TrapSignal;
use brush_core::{ExecutionControlFlow, ExecutionResult, builtins};
use clap::Parser;

use crate::signals;

/// Send a signal to jobs or processes, or list signal names.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Kill {
    /// `[-s SIG | -n NUM | -SIG] PID|%JOB...` or `-l [SIG]...`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Kill, SE>()
}

/// `$$`: a component has no process id; the patched brush-core gives the shell 1, as for the first process of a
/// PID namespace (children are numbered from 1000 by runtimed).
const SHELL_PID: &str = "1";

const USAGE: &str =
    "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    List(Vec<String>),
    Send { signal: u8, targets: Vec<String> },
}

/// Parses `kill`'s arguments; an error is the message to print and the status.
fn parse(args: &[String]) -> Result<Request, (String, u8)> {
    let mut signal = signals::TERM;
    let mut rest = args.iter();
    let mut targets = Vec::new();
    let invalid = |spec: &str| (format!("{spec}: invalid signal specification"), 1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-l" | "-L" => return Ok(Request::List(rest.cloned().collect())),
            "-s" | "-n" => {
                let spec = rest
                    .next()
                    .ok_or_else(|| (format!("{arg}: option requires an argument\n{USAGE}"), 2))?;
                signal = signals::parse(spec).ok_or_else(|| invalid(spec))?;
            }
            "--" => {
                targets.extend(rest.cloned());
                break;
            }
            spec if spec.len() > 1 && spec.starts_with('-') && targets.is_empty() => {
                signal = signals::parse(&spec[1..]).ok_or_else(|| invalid(&spec[1..]))?;
            }
            _ => targets.push(arg.clone()),
        }
    }
    if targets.is_empty() {
        return Err((USAGE.to_owned(), 2));
    }
    Ok(Request::Send { signal, targets })
}

/// What a signal sent to the shell's own process does.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    /// Nothing: signal 0 (the "is it running" check), an ignored signal (`trap '' SIG`), or one a process
    /// ignores by default (`CHLD`, `URG`, `WINCH`, `CONT`).
    Nothing,
    /// The shell runs its trap on the signal, then goes on (unless the trap exits or returns).
    RunTrap,
    /// The shell ends as a process killed by the signal would: status 128 + its number.
    End(u8),
}

/// The fate of `signal` sent to the shell, given its trap (`Some(true)` for an empty, ignoring action).
fn fate(signal: u8, trap: Option<bool>) -> Fate {
    match trap {
        _ if signal == 0 => Fate::Nothing,
        Some(true) => Fate::Nothing,
        Some(false) => Fate::RunTrap,
        None if signals::ignored_by_default(signal) => Fate::Nothing,
        None => Fate::End(128 + signal),
    }
}

impl builtins::Command for Kill {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = crate::errors::builtin_prefix(context.shell, "kill");
        let (signal, targets) = match parse(&self.args) {
            Ok(Request::List(specs)) if specs.is_empty() => {
                write!(context.stdout(), "{}", signals::table())?;
                return Ok(ExecutionResult::success());
            }
            Ok(Request::List(specs)) => {
                let mut status = 0;
                for spec in specs {
                    match signals::list_one(&spec) {
                        Some(answer) => writeln!(context.stdout(), "{answer}")?,
                        None => {
                            writeln!(
                                context.stderr(),
                                "{prefix}{spec}: invalid signal specification"
                            )?;
                            status = 1;
                        }
                    }
                }
                return Ok(ExecutionResult::new(status));
            }
            Ok(Request::Send { signal, targets }) => (signal, targets),
            Err((message, status)) => {
                let prefix = if status == 2 { "" } else { &prefix };
                writeln!(context.stderr(), "{prefix}{message}")?;
                return Ok(ExecutionResult::new(status));
            }
        };
        if signals::stops(signal) {
            writeln!(
                context.stderr(),
                "{prefix}SIG{}: stopping a process is not supported in the sandbox",
                signals::name(signal).unwrap_or_default()
            )?;
            return Ok(ExecutionResult::new(1));
        }
        let mut status = 0;
        for target in targets {
            if target == SHELL_PID {
                let trap = i32::from(signal)
                    .try_into()
                    .ok()
                    .map(TrapSignal::Signal)
                    .and_then(|s| {
                        context
                            .shell
                            .traps()
                            .get_handler(s)
                            .map(|h| (s, h.command.is_empty()))
                    });
                match fate(signal, trap.map(|(_, ignored)| ignored)) {
                    Fate::Nothing => {}
                    Fate::RunTrap => {
                        let Some((trapped, _)) = trap else { continue };
                        let params = context.params.clone();
                        let handled = context.shell.invoke_trap_handler(trapped, &params).await?;
                        // `exit` or `return` in the handler acts on the shell, as in bash.
                        if handled.is_return_or_exit() {
                            return Ok(handled);
                        }
                    }
                    Fate::End(code) => {
                        let mut result = ExecutionResult::new(code);
                        result.next_control_flow = ExecutionControlFlow::ExitShell;
                        return Ok(result);
                    }
                }
                continue;
            }
            // Jobs and children have ended (module docs): what remains is to name the target as bash does.
            let shown = if target.starts_with('%') {
                match context.shell.jobs_mut().resolve_job_spec(&target) {
                    Some(job) => job
                        .pid()
                        .map_or_else(|| target.clone(), |pid| pid.to_string()),
                    None => {
                        writeln!(context.stderr(), "{prefix}{target}: no such job")?;
                        status = 1;
                        continue;
                    }
                }
            } else if target.parse::<i32>().is_ok() {
                target
            } else {
                writeln!(
                    context.stderr(),
                    "{prefix}{target}: arguments must be process or job IDs"
                )?;
                status = 1;
                continue;
            };
            writeln!(context.stderr(), "{prefix}({shown}) - No such process")?;
            status = 1;
        }
        Ok(ExecutionResult::new(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn signals_are_given_three_ways_and_default_to_term() {
        let send = |signal, targets: &[&str]| Request::Send {
            signal,
            targets: args(targets),
        };
        assert_eq!(parse(&args(&["12"])), Ok(send(15, &["12"])));
        assert_eq!(
            parse(&args(&["-9", "12", "13"])),
            Ok(send(9, &["12", "13"]))
        );
        assert_eq!(parse(&args(&["-s", "INT", "%1"])), Ok(send(2, &["%1"])));
        assert_eq!(parse(&args(&["-n", "0", "12"])), Ok(send(0, &["12"])));
        assert_eq!(parse(&args(&["-SIGUSR1", "12"])), Ok(send(10, &["12"])));
        assert_eq!(parse(&args(&["--", "-12"])), Ok(send(15, &["-12"])));
        assert_eq!(
            parse(&args(&["-l", "15"])),
            Ok(Request::List(args(&["15"])))
        );
    }

    #[test]
    fn a_signal_to_the_shell_runs_its_trap_or_ends_it() {
        assert_eq!(fate(0, None), Fate::Nothing);
        assert_eq!(fate(10, Some(true)), Fate::Nothing);
        assert_eq!(fate(10, Some(false)), Fate::RunTrap);
        assert_eq!(fate(17, None), Fate::Nothing);
        assert_eq!(fate(15, None), Fate::End(143));
        assert_eq!(fate(9, None), Fate::End(137));
    }

    #[test]
    fn mistakes_are_bash_messages() {
        assert_eq!(
            parse(&args(&["-s", "FOO", "1"])),
            Err(("FOO: invalid signal specification".to_owned(), 1))
        );
        assert_eq!(parse(&args(&[])), Err((USAGE.to_owned(), 2)));
        assert_eq!(parse(&args(&["-9"])), Err((USAGE.to_owned(), 2)));
    }
}
