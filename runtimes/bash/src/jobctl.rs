//! `disown` and `suspend` as bash has them in a non-interactive shell without job control, which is what a Run's
//! shell is (brush has no `disown` and its `suspend` needs Unix signals).
//!
//! `disown` removes jobs from the table, so that `wait` and `jobs` no longer see them: the current job without
//! operands, every job with `-a`, named jobs (`%n`, `%%`, `%+`, `%-`, a process ID) otherwise; `-h` keeps them (no
//! SIGHUP ever reaches a Run, so there is nothing to shield them from). A missing job is reported as bash reports
//! it. `suspend` cannot stop a shell without job control and fails with bash's message.

use brush_core::{ExecutionResult, builtins};
use clap::Parser;

/// `disown [-h] [-ar] [jobspec ... | pid ...]`.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Disown {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// `suspend [-f]`.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Suspend {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn disown<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Disown, SE>()
}

pub(crate) fn suspend<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Suspend, SE>()
}

/// The job an operand of `disown` names: a job spec (`%1`, `%%`, `%+`, `%-`, `%name`) or a process ID.
fn job_id(jobs: &mut brush_core::jobs::JobManager, operand: &str) -> Option<usize> {
    if operand.starts_with('%') {
        return jobs.resolve_job_spec(operand).map(|job| job.id);
    }
    let pid: i32 = operand.parse().ok()?;
    jobs.find_by_pid(pid).map(|job| job.id)
}

impl builtins::Command for Disown {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let (given, operands) = match crate::options::scan_for(&context, &self.args, "har") {
            Ok(scanned) => scanned,
            Err(status) => return Ok(status),
        };
        let keep = given.contains(&'h');
        let jobs = context.shell.jobs_mut();
        if given.contains(&'a') || given.contains(&'r') {
            // Every job runs until it is done here, so -r (running jobs) is every job as well.
            if operands.is_empty() {
                if !keep {
                    jobs.jobs.clear();
                }
                return Ok(ExecutionResult::success());
            }
        }
        let mut missing = Vec::new();
        let mut found = Vec::new();
        if operands.is_empty() {
            match jobs.current_job() {
                Some(job) => found.push(job.id),
                None => missing.push("current".to_owned()),
            }
        }
        for operand in operands {
            match job_id(jobs, operand) {
                Some(id) => found.push(id),
                None => missing.push(operand.clone()),
            }
        }
        if !keep {
            jobs.jobs.retain(|job| !found.contains(&job.id));
        }
        // Through the shell's formatter, as bash's own builtins report. In a command string bash 5.2 also names the
        // line here (`bash: line 1: disown: ...`) and the formatter does not: a known difference (scripts match).
        for name in &missing {
            context.report_error(format_args!("{name}: no such job"));
        }
        Ok(if missing.is_empty() {
            ExecutionResult::success()
        } else {
            ExecutionResult::general_error()
        })
    }
}

impl builtins::Command for Suspend {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        if let Err(status) = crate::options::scan_for(&context, &self.args, "f") {
            return Ok(status);
        }
        context.report_error("cannot suspend: no job control");
        Ok(ExecutionResult::general_error())
    }
}
