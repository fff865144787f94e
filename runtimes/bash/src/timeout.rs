//! `timeout` (GNU coreutils' command line) as a builtin: the shell owns the children it starts, so it is the one
//! that can stop a command at its deadline (`process::Deadline`). Like GNU `timeout`, it runs a program, never a
//! shell function; a builtin such as `echo` runs as one.

// Natively (unit tests) only the parser is used.
#![cfg_attr(not(target_family = "wasm"), allow(dead_code))]

use clap::Parser;

use crate::signals;

/// Run a command with a time limit.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Timeout {
    /// `[OPTION]... DURATION COMMAND [ARG]...`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

#[cfg(target_family = "wasm")]
pub(crate) fn registration<SE: brush_core::ShellExtensions>()
-> brush_core::builtins::Registration<SE> {
    brush_core::builtins::builtin::<Timeout, SE>()
}

/// GNU timeout's status when the command timed out.
const TIMED_OUT: u8 = 124;
/// GNU timeout's status for its own errors (usage, bad duration or signal).
const FAILED: u8 = 125;

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    duration_ns: u64,
    signal: u8,
    verbose: bool,
    preserve_status: bool,
    command: Vec<String>,
}

/// Parses GNU timeout's arguments; an error is the message for stderr.
fn parse(args: &[String]) -> Result<Plan, String> {
    const TRY: &str = "Try 'timeout --help' for more information.";
    let mut signal = signals::TERM;
    let mut verbose = false;
    let mut preserve_status = false;
    let mut rest = args.iter();
    let mut operands = Vec::new();
    let signal_of = |spec: &str| {
        signals::parse(spec)
            .filter(|&n| n != 0)
            .ok_or_else(|| format!("timeout: '{spec}': invalid signal\n{TRY}"))
    };
    let check_duration = |text: &str| {
        signals::duration_ns(text)
            .map(|_| ())
            .ok_or_else(|| format!("timeout: invalid time interval '{text}'\n{TRY}"))
    };
    while let Some(arg) = rest.next() {
        let value = |rest: &mut std::slice::Iter<'_, String>| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("timeout: option requires an argument -- '{arg}'\n{TRY}"))
        };
        match arg.as_str() {
            "-v" | "--verbose" => verbose = true,
            "-p" | "--preserve-status" => preserve_status = true,
            "-f" | "--foreground" => {}
            "-s" | "--signal" => signal = signal_of(&value(&mut rest)?)?,
            // The command is stopped at once whatever the signal, so there is nothing to kill later.
            "-k" | "--kill-after" => check_duration(&value(&mut rest)?)?,
            "--" => {
                operands.extend(rest.cloned());
                break;
            }
            long if long.starts_with("--signal=") => signal = signal_of(&long[9..])?,
            long if long.starts_with("--kill-after=") => check_duration(&long[13..])?,
            short if short.starts_with("-s") && short.len() > 2 => signal = signal_of(&short[2..])?,
            short if short.starts_with("-k") && short.len() > 2 => check_duration(&short[2..])?,
            option if option.starts_with('-') && option.len() > 1 => {
                return Err(format!("timeout: unrecognized option '{option}'\n{TRY}"));
            }
            _ => {
                operands.push(arg.clone());
                operands.extend(rest.cloned());
                break;
            }
        }
    }
    let mut operands = operands.into_iter();
    // GNU timeout names no problem for missing operands: it prints only the hint.
    let Some(duration) = operands.next() else {
        return Err(TRY.to_owned());
    };
    let duration_ns = signals::duration_ns(&duration)
        .ok_or_else(|| format!("timeout: invalid time interval '{duration}'\n{TRY}"))?;
    let command: Vec<String> = operands.collect();
    if command.is_empty() {
        return Err(TRY.to_owned());
    }
    Ok(Plan {
        duration_ns,
        signal,
        verbose,
        preserve_status,
        command,
    })
}

#[cfg(target_family = "wasm")]
impl brush_core::builtins::Command for Timeout {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        mut context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<brush_core::ExecutionResult, Self::Error> {
        use std::io::Write as _;

        use brush_core::{ExecutionResult, commands};

        use crate::process::Deadline;

        let plan = match parse(&self.args) {
            Ok(plan) => plan,
            Err(message) => {
                writeln!(context.stderr(), "{message}")?;
                return Ok(ExecutionResult::new(FAILED));
            }
        };
        // 0 means no limit, as in GNU timeout.
        let deadline =
            (plan.duration_ns > 0).then(|| Deadline::start(plan.duration_ns, plan.signal));
        let program = plan.command[0].clone();
        program.clone_into(&mut context.command_name);
        let mut stderr = context.stderr();
        let args = plan.command.iter().map(Into::into).collect();
        let mut cmd = commands::SimpleCommand::new(
            commands::ShellForCommand::ParentShell(context.shell),
            context.params,
            context.command_name,
            args,
        );
        cmd.use_functions = false;
        let result: ExecutionResult = cmd.execute().await?.wait().await?.into();
        if !deadline.as_ref().is_some_and(Deadline::timed_out) {
            return Ok(result);
        }
        if plan.verbose {
            let name = signals::name(plan.signal).unwrap_or_default();
            writeln!(
                stderr,
                "timeout: sending signal {name} to command '{program}'"
            )?;
        }
        if plan.preserve_status || plan.signal == 9 {
            return Ok(ExecutionResult::new(128 + plan.signal));
        }
        Ok(ExecutionResult::new(TIMED_OUT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn gnu_command_lines_parse() {
        let plan = parse(&args(&["-v", "-s", "INT", "1.5", "sleep", "5"])).unwrap();
        assert_eq!(
            plan,
            Plan {
                duration_ns: 1_500_000_000,
                signal: 2,
                verbose: true,
                preserve_status: false,
                command: args(&["sleep", "5"]),
            }
        );
        let plan = parse(&args(&[
            "--signal=KILL",
            "-k",
            "1",
            "--preserve-status",
            "1m",
            "x",
            "-v",
        ]))
        .unwrap();
        assert_eq!((plan.signal, plan.preserve_status), (9, true));
        assert_eq!(plan.command, args(&["x", "-v"]));
        assert_eq!(parse(&args(&["0", "x"])).unwrap().duration_ns, 0);
    }

    #[test]
    fn mistakes_are_gnu_messages() {
        let first = |list: &[&str]| {
            parse(&args(list))
                .unwrap_err()
                .lines()
                .next()
                .map(str::to_owned)
        };
        let hint = Some("Try 'timeout --help' for more information.");
        assert_eq!(first(&[]).as_deref(), hint);
        assert_eq!(first(&["1"]).as_deref(), hint);
        assert_eq!(
            first(&["x", "sleep"]).as_deref(),
            Some("timeout: invalid time interval 'x'")
        );
        assert_eq!(
            first(&["-s", "FOO", "1", "sleep"]).as_deref(),
            Some("timeout: 'FOO': invalid signal")
        );
        assert_eq!(
            first(&["--bogus", "1", "sleep"]).as_deref(),
            Some("timeout: unrecognized option '--bogus'")
        );
    }
}
