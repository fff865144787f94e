//! The `trap` builtin as bash 5.2 has it. brush's works on its own trap table; this one adds bash's listing
//! (`trap -l` as `kill -l`; `trap -p` in signal order: `EXIT`, the signals by number, then `DEBUG`, `ERR` and
//! `RETURN`, where brush's order changed from run to run), quotes actions as bash does, and words errors with
//! bash's prefix.
//!
//! `trap [-lp] [[action] signal ...]`: an action of `-` (or a single operand that names a signal) resets each
//! signal, `''` ignores it, anything else is run when it arrives. Signals arrive only from the script itself: a
//! component receives no OS signals, and [`crate::kill`] delivers one sent to the shell's own process to its
//! trap.

use std::io::Write as _;

use brush_core::traps::TrapSignal;
use brush_core::{ExecutionResult, builtins};
use clap::Parser;

use crate::errors::builtin_prefix;

/// Trap signals and other events.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Trap {
    /// `[-lp] [[action] signal ...]`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Trap, SE>().special()
}

/// Where bash lists a trap: `EXIT` (0) and the signals by number, then the shell's own events.
fn listing_order(signal: TrapSignal) -> i32 {
    match signal {
        TrapSignal::Debug => 1000,
        TrapSignal::Err => 1001,
        TrapSignal::Return => 1002,
        other => i32::try_from(other).unwrap_or(999),
    }
}

/// `s` in single quotes as bash prints it, a quote inside as `'\''`.
fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What the operands ask for.
#[derive(Debug, PartialEq, Eq)]
enum Change<'a> {
    /// Reset these signals to their default.
    Reset(&'a [String]),
    /// Run (or, when empty, ignore) the action on these signals.
    Set(&'a str, &'a [String]),
    /// An action without signals (or `-` alone): bash's usage error.
    Usage,
}

fn change<'a>(operands: &'a [String], is_signal: impl Fn(&str) -> bool) -> Change<'a> {
    match operands {
        [only] if is_signal(only) => Change::Reset(operands),
        [_] | [] => Change::Usage,
        [first, rest @ ..] if first == "-" => Change::Reset(rest),
        [action, rest @ ..] => Change::Set(action, rest),
    }
}

impl builtins::Command for Trap {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let prefix = builtin_prefix(context.shell, "trap");
        let (flags, operands) = match crate::options::scan_for(&context, &self.args, "lp") {
            Ok(scanned) => scanned,
            Err(status) => return Ok(status),
        };
        if flags.contains(&'l') {
            write!(context.stdout(), "{}", crate::signals::table())?;
            return Ok(ExecutionResult::success());
        }
        let mut status = 0;
        let mut parse =
            |spec: &str, stderr: &mut dyn std::io::Write| match spec.parse::<TrapSignal>() {
                Ok(signal) => Some(signal),
                Err(_) => {
                    let _ = writeln!(stderr, "{prefix}{spec}: invalid signal specification");
                    status = 1;
                    None
                }
            };
        let mut stderr = context.stderr();
        if flags.contains(&'p') || operands.is_empty() {
            let wanted: Vec<TrapSignal> = if operands.is_empty() {
                let mut all: Vec<TrapSignal> = context
                    .shell
                    .traps()
                    .iter_handlers()
                    .map(|(s, _)| s)
                    .collect();
                all.sort_by_key(|s| listing_order(*s));
                all
            } else {
                operands
                    .iter()
                    .filter_map(|spec| parse(spec, &mut stderr))
                    .collect()
            };
            let mut stdout = context.stdout();
            for signal in wanted {
                if let Some(handler) = context.shell.traps().get_handler(signal) {
                    writeln!(
                        stdout,
                        "trap -- {} {signal}",
                        single_quoted(&handler.command)
                    )?;
                }
            }
            return Ok(ExecutionResult::new(status));
        }
        match change(operands, |spec| spec.parse::<TrapSignal>().is_ok()) {
            Change::Reset(specs) => {
                for spec in specs {
                    if let Some(signal) = parse(spec, &mut stderr) {
                        context.shell.traps_mut().remove_handlers(signal);
                    }
                }
            }
            Change::Usage => {
                let usage = crate::usage::usage("trap").unwrap_or_default();
                writeln!(stderr, "trap: usage: {usage}")?;
                return Ok(ExecutionResult::new(2));
            }
            Change::Set(action, specs) => {
                let source_info = context.shell.call_stack().current_pos_as_source_info();
                for spec in specs {
                    if let Some(signal) = parse(spec, &mut stderr) {
                        context.shell.traps_mut().register_handler(
                            signal,
                            action.to_owned(),
                            source_info.clone(),
                        );
                    }
                }
            }
        }
        Ok(ExecutionResult::new(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn operands_as_bash_reads_them() {
        let is_signal = |s: &str| matches!(s, "INT" | "USR1" | "15");
        let ops = words(&["INT"]);
        assert_eq!(change(&ops, is_signal), Change::Reset(&ops[..]));
        let ops = words(&["-", "INT", "USR1"]);
        assert_eq!(change(&ops, is_signal), Change::Reset(&ops[1..]));
        let ops = words(&["echo hi", "INT", "15"]);
        assert_eq!(change(&ops, is_signal), Change::Set("echo hi", &ops[1..]));
        let ops = words(&["", "USR1"]);
        assert_eq!(change(&ops, is_signal), Change::Set("", &ops[1..]));
        assert_eq!(change(&words(&["echo hi"]), is_signal), Change::Usage);
        assert_eq!(change(&words(&["-"]), is_signal), Change::Usage);
    }

    #[test]
    fn actions_are_quoted_like_bash() {
        assert_eq!(single_quoted("echo hi"), "'echo hi'");
        assert_eq!(single_quoted("echo 'x'"), "'echo '\\''x'\\'''");
        assert_eq!(single_quoted(""), "''");
    }

    #[test]
    fn exit_first_then_signals_then_shell_events() {
        let mut all = vec![
            TrapSignal::Return,
            TrapSignal::Debug,
            TrapSignal::Exit,
            TrapSignal::Err,
        ];
        all.sort_by_key(|s| listing_order(*s));
        assert_eq!(
            all,
            [
                TrapSignal::Exit,
                TrapSignal::Debug,
                TrapSignal::Err,
                TrapSignal::Return
            ]
        );
    }
}
