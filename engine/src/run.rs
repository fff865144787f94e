//! Executing one Run: a fresh Store, instantiate, call `wasi:cli/run`, map whatever happened to an [`Outcome`].
//!
//! ```text
//! Grants ──wasi_ctx──► Store<GuestState> ──CommandPre::instantiate_async──► call_run ─┐
//!         limiter: memory budget    epoch callback: Yield … Interrupt at the deadline   │
//!         tokio timeout_at(deadline) ◄── backstop for guests blocked in host calls    │
//!         cancellation token       ◄── ends the Run at once (the future is dropped)   │
//!                                                            Outcome ◄── exit / trap ◄─┘
//! ```
//!
//! # Guarantees
//!
//! - Every Run gets a new `Store`: no state survives between Runs. Dropping the Store (at the end of `execute`,
//!   whatever happened) frees its instances, memories, tables and host resources; guests cannot spawn anything
//!   that outlives it.
//! - The deadline is enforced twice at the same instant: the epoch callback interrupts running wasm, and
//!   `tokio::time::timeout_at` drops the call when the guest is blocked in a host call (sleeping, polling).
//! - Cancellation drops the call future at the next await point of the host task: immediately for guests blocked
//!   in host calls, within one epoch tick for guests running wasm (they yield to tokio every tick).
//!
//! # Memory
//!
//! One budget limits the sum of all linear memories of the Run (a component has several; spawned children count
//! too) and records a denied growth. A denied `memory.grow` returns -1 to the guest, so the guest decides: Rust
//! aborts (a trap), CPython raises `MemoryError` (usually a non-zero exit). Any unsuccessful end after a denied
//! growth is reported as `OutOfMemory` with "memory limit of N MiB exceeded", whatever the guest did with it.
//!
//! # Exit codes
//!
//! WASI 0.2's `exit(result)`, which Rust's std and wasi-libc use, carries only success or failure: any non-zero
//! exit arrives as 1. Guests calling `wasi:cli/exit.exit-with-code` (linked) report their exact code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use wasmtime::Trap;
use wasmtime::component::ResourceTableError;
use wasmtime_wasi::I32Exit;

use kruntimes_api::v1alpha1::RunPhase;

use crate::budget::{MemoryBudget, SharedBudget};
use crate::capabilities::{Grants, format_bytes};
use crate::engine::Engine;
use crate::guest::{
    GuestState, MAX_RESOURCES_PER_CHILD, MAX_RESOURCES_PER_INSTANCE, Programs, RunContext, Runtime,
    new_store,
};
use crate::outcome::{Outcome, Reason, TrapKind, Usage, bounded_message};
use crate::outputs::{self, Outputs, OutputsError};
use crate::sandbox::{self, Stdio};
use crate::spec::RunId;
use crate::workspace::Workspace;

/// How much of stderr's end a failure message quotes.
const STDERR_TAIL_BYTES: usize = 512;

/// How the guest call ended, before interpretation.
enum Ended {
    Returned(wasmtime::Result<Result<(), ()>>),
    DeadlinePassed,
    Cancelled,
}

/// What [`execute`] runs.
pub(crate) struct Job<'a> {
    pub(crate) id: &'a RunId,
    pub(crate) runtime: &'a Runtime,
    pub(crate) programs: Programs,
    pub(crate) grants: Grants,
    pub(crate) stdio: &'a Stdio,
    pub(crate) workspace: &'a Workspace,
    pub(crate) cancel: &'a CancellationToken,
}

/// Runs one Run's top-level component to completion, with output to its `stdio`, and reads its outputs back.
///
/// Never fails: problems become an [`Outcome`] (`InstantiateFailed` for host-side failures).
pub(crate) async fn execute(engine: &Engine, job: Job<'_>) -> Outcome {
    let stdio = job.stdio;
    let outcome = execute_inner(engine, job).await;
    stdio.stdout.close();
    stdio.stderr.close();
    outcome
}

async fn execute_inner(engine: &Engine, job: Job<'_>) -> Outcome {
    let Job {
        id,
        runtime,
        programs,
        grants,
        stdio,
        workspace,
        cancel,
    } = job;
    let pre = runtime.pre();
    let guest_stdio = stdio.guest();
    let wasi =
        match sandbox::wasi_ctx_with(&grants, &guest_stdio, crate::workspace::GUEST_WORKSPACE) {
            Ok(wasi) => wasi,
            Err(err) => {
                let message = error_chain(&err);
                return Outcome::not_started(
                    RunPhase::Failed,
                    Reason::InstantiateFailed,
                    message,
                    grants,
                );
            }
        };
    let _activity = engine.activity();
    let started = Instant::now();
    let deadline = started + grants.timeout();
    let budget = Arc::new(SharedBudget::new(grants.memory_bytes));
    let run = if runtime.imports_kruntimes() {
        match workspace.dir().try_clone() {
            Ok(dir) => Some(Arc::new(RunContext::new(
                engine.clone(),
                id.clone(),
                grants.clone(),
                deadline,
                Arc::clone(&budget),
                programs,
                dir,
            ))),
            Err(err) => {
                let message = format!("failed to open the workspace: {err}");
                return Outcome::not_started(
                    RunPhase::Failed,
                    Reason::InstantiateFailed,
                    message,
                    grants,
                );
            }
        }
    } else {
        None
    };
    let state = GuestState::new(
        wasi,
        MemoryBudget::new(Arc::clone(&budget)),
        run.clone(),
        guest_stdio,
        crate::workspace::GUEST_WORKSPACE.to_owned(),
        MAX_RESOURCES_PER_INSTANCE,
    );
    let mut store = new_store(engine, state, deadline);

    let mut instantiated: Option<Duration> = None;
    let ended = {
        let call = async {
            let command = pre.instantiate_async(&mut store).await?;
            instantiated = Some(started.elapsed());
            command.wasi_cli_run().call_run(&mut store).await
        };
        tokio::select! {
            biased;
            () = cancel.cancelled() => Ended::Cancelled,
            result = tokio::time::timeout_at(deadline.into(), call) => match result {
                Ok(returned) => Ended::Returned(returned),
                Err(_elapsed) => Ended::DeadlinePassed,
            },
        }
    };
    let wall = started.elapsed();
    let memory_denied = store.data().memory_denied();
    // Frees the instance, its memories and its preopened directories before we read the workspace back; then
    // ends any children still running.
    drop(store);
    if let Some(run) = &run {
        run.shutdown();
    }
    let usage = Usage {
        wall,
        instantiate: instantiated,
        peak_memory_bytes: budget.peak() as u64,
    };
    let end = End::of(ended, instantiated.is_some());
    let stderr_tail = if matches!(end, End::Exited(0)) {
        String::new()
    } else {
        stderr_tail(stdio)
    };
    let facts = Facts {
        memory_denied,
        memory_bytes: grants.memory_bytes,
        timeout: grants.timeout(),
        stderr_tail: &stderr_tail,
    };
    let mut verdict = classify(end, &facts);
    let mut outputs = Outputs::new();
    if verdict.phase == RunPhase::Succeeded {
        match read_outputs(workspace, run.as_deref()) {
            Ok(read) => outputs = read,
            Err(err) => verdict = verdict.with_bad_outputs(&err),
        }
    }
    Outcome {
        phase: verdict.phase,
        reason: verdict.reason,
        exit_code: verdict.exit_code,
        message: bounded_message(verdict.message),
        outputs,
        usage,
        grants,
    }
}

/// How the guest's call ended, as plain facts: what [`classify`] decides on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum End {
    /// The Run was cancelled.
    Cancelled,
    /// The deadline passed while the guest was blocked in a host call.
    DeadlinePassed,
    /// `wasi:cli/run` returned (0) or the guest exited with this code.
    Exited(i32),
    /// The guest trapped (including the epoch interrupt at the deadline).
    Trapped(Trap),
    /// Instantiation failed, with the error chain.
    InstantiateFailed(String),
    /// The guest held more resources than its table allows.
    TooManyResources,
    /// Another host-side error while the guest ran, with the error chain.
    HostError(String),
}

impl End {
    /// Digests wasmtime's result: exits, traps and error chains become plain values.
    fn of(ended: Ended, instantiated: bool) -> Self {
        let err = match ended {
            Ended::Cancelled => return End::Cancelled,
            Ended::DeadlinePassed => return End::DeadlinePassed,
            Ended::Returned(Ok(Ok(()))) => return End::Exited(0),
            Ended::Returned(Ok(Err(()))) => return End::Exited(1),
            Ended::Returned(Err(err)) => err,
        };
        if let Some(I32Exit(code)) = err.downcast_ref::<I32Exit>() {
            End::Exited(*code)
        } else if let Some(trap) = err.downcast_ref::<Trap>() {
            End::Trapped(*trap)
        } else if !instantiated {
            End::InstantiateFailed(error_chain(&*err))
        } else if err
            .chain()
            .any(|e| e.downcast_ref::<ResourceTableError>().is_some())
        {
            End::TooManyResources
        } else {
            End::HostError(error_chain(&*err))
        }
    }
}

/// What besides the [`End`] decides a Run's outcome.
pub(crate) struct Facts<'a> {
    /// A memory growth was refused for exceeding the Run's budget.
    pub(crate) memory_denied: bool,
    /// The Run's memory limit.
    pub(crate) memory_bytes: u64,
    /// The Run's timeout.
    pub(crate) timeout: Duration,
    /// The end of stderr (quoted by failure messages; may be empty).
    pub(crate) stderr_tail: &'a str,
}

/// Phase, reason, exit code and message of a finished Run, before its outputs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) phase: RunPhase,
    pub(crate) reason: Reason,
    pub(crate) exit_code: Option<i32>,
    pub(crate) message: String,
}

impl Verdict {
    fn new(phase: RunPhase, reason: Reason, exit_code: Option<i32>, message: String) -> Self {
        Self {
            phase,
            reason,
            exit_code,
            message,
        }
    }

    /// A successful Run whose outputs could not be accepted fails for that reason.
    fn with_bad_outputs(self, err: &OutputsError) -> Self {
        let reason = match err {
            OutputsError::Invalid(_) => Reason::OutputsInvalid,
            OutputsError::TooLarge(_) => Reason::OutputsTooLarge,
        };
        Self::new(RunPhase::Failed, reason, self.exit_code, err.to_string())
    }
}

/// Decides how a Run ended. A denied memory growth turns a non-zero exit, a trap or a host error into
/// `OutOfMemory`, whatever the guest made of it (Rust aborts, CPython may exit 1); the deadline, cancellation and
/// a failed instantiation keep their own reason. Failure messages of a guest that ran quote the end of stderr.
pub(crate) fn classify(end: End, facts: &Facts<'_>) -> Verdict {
    let failed = |reason, exit_code, message: String| {
        Verdict::new(
            RunPhase::Failed,
            reason,
            exit_code,
            with_stderr(message, facts.stderr_tail),
        )
    };
    let timeout = || {
        let message = format!("timeout of {} exceeded", format_duration(facts.timeout));
        Verdict::new(RunPhase::Timeout, Reason::Timeout, None, message)
    };
    let out_of_memory = format!(
        "memory limit of {} exceeded",
        format_bytes(facts.memory_bytes)
    );
    match end {
        End::Cancelled => Verdict::new(
            RunPhase::Cancelled,
            Reason::Cancelled,
            None,
            "cancelled".to_owned(),
        ),
        End::DeadlinePassed | End::Trapped(Trap::Interrupt) => timeout(),
        End::Exited(0) => Verdict::new(
            RunPhase::Succeeded,
            Reason::Completed,
            Some(0),
            String::new(),
        ),
        End::Exited(code) if facts.memory_denied => failed(
            Reason::OutOfMemory,
            Some(code),
            format!("{out_of_memory} (exit code {code})"),
        ),
        End::Exited(code) => failed(
            Reason::ExitCode,
            Some(code),
            format!("exited with code {code}"),
        ),
        End::InstantiateFailed(chain) => Verdict::new(
            RunPhase::Failed,
            Reason::InstantiateFailed,
            None,
            format!("failed to instantiate: {chain}"),
        ),
        End::Trapped(_) | End::TooManyResources | End::HostError(_) if facts.memory_denied => {
            failed(Reason::OutOfMemory, None, out_of_memory)
        }
        End::Trapped(trap) => failed(Reason::Trap(TrapKind::of(trap)), None, trap.to_string()),
        End::TooManyResources => failed(
            Reason::Trap(TrapKind::Other),
            None,
            format!(
                "too many open resources: an instance may hold at most {MAX_RESOURCES_PER_INSTANCE} \
                 (a spawned program {MAX_RESOURCES_PER_CHILD}) open files, directories, sockets, \
                 streams and children at once"
            ),
        ),
        End::HostError(chain) => failed(Reason::Trap(TrapKind::Other), None, chain),
    }
}

/// The file's outputs merged with those set through the `outputs` interface (which win), checked as one set.
fn read_outputs(workspace: &Workspace, run: Option<&RunContext>) -> Result<Outputs, OutputsError> {
    let mut merged = workspace.read_outputs()?.unwrap_or_default();
    if let Some(run) = run {
        let set = crate::guest::lock(&run.outputs);
        if !set.is_empty() {
            merged.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
            outputs::check_set(&merged)?;
        }
    }
    Ok(merged)
}

/// What separates a Run's message from the end of its stderr quoted after it.
pub const STDERR_EXCERPT_SEPARATOR: &str = "; stderr: ";

/// The end of the Run's stderr, as much as a failure message may quote.
fn stderr_tail(stdio: &Stdio) -> String {
    match &stdio.stderr_to {
        Some(through) => through.tail(STDERR_TAIL_BYTES),
        None => stdio.stderr.tail(STDERR_TAIL_BYTES),
    }
}

/// `message`, then the end of stderr if there is any.
fn with_stderr(message: String, tail: &str) -> String {
    match stderr_excerpt(tail) {
        None => message,
        Some(excerpt) => format!("{message}{STDERR_EXCERPT_SEPARATOR}{excerpt}"),
    }
}

/// The end of stderr as a message quotes it: trimmed, and when `tail` was cut (it fills the
/// [`STDERR_TAIL_BYTES`] read, give or take a split character) from its first whole line after a `…`, never
/// mid-token. `None` when there is nothing to quote.
fn stderr_excerpt(tail: &str) -> Option<String> {
    let cut = tail.len() + 3 >= STDERR_TAIL_BYTES;
    let text = match tail.split_once('\n') {
        Some((_, whole_lines)) if cut && !whole_lines.trim().is_empty() => {
            format!("…{}", whole_lines.trim())
        }
        _ => tail.trim().to_owned(),
    };
    (!text.is_empty()).then_some(text)
}

pub(crate) use kruntimes_api::lifecycle::error_chain;

/// `2s`, `1.5s`, `250ms`.
fn format_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_stderr_is_quoted_from_a_whole_line() {
        assert_eq!(stderr_excerpt("  boom\n").as_deref(), Some("boom"));
        assert_eq!(stderr_excerpt(" \n"), None);
        let cut = format!("{}\nValueError: boom\n", "x".repeat(STDERR_TAIL_BYTES));
        assert_eq!(stderr_excerpt(&cut).as_deref(), Some("…ValueError: boom"));
        // One long line has no whole line to start at: kept as it is.
        let one = "y".repeat(STDERR_TAIL_BYTES);
        assert_eq!(stderr_excerpt(&one).as_deref(), Some(one.as_str()));
    }

    /// Durations print compactly.
    #[test]
    fn durations_format_compactly() {
        assert_eq!(format_duration(Duration::from_secs(2)), "2s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }

    fn facts(memory_denied: bool, stderr_tail: &str) -> Facts<'_> {
        Facts {
            memory_denied,
            memory_bytes: 64 << 20,
            timeout: Duration::from_millis(1500),
            stderr_tail,
        }
    }

    fn verdict(phase: RunPhase, reason: Reason, exit_code: Option<i32>, message: &str) -> Verdict {
        Verdict::new(phase, reason, exit_code, message.to_owned())
    }

    /// Every way a guest can end maps to one phase and reason, with a message naming the limit or the code.
    #[test]
    fn each_end_has_its_phase_reason_and_message() {
        let calm = facts(false, "");
        let cases = [
            (
                End::Exited(0),
                verdict(RunPhase::Succeeded, Reason::Completed, Some(0), ""),
            ),
            (
                End::Exited(3),
                verdict(
                    RunPhase::Failed,
                    Reason::ExitCode,
                    Some(3),
                    "exited with code 3",
                ),
            ),
            (
                End::Cancelled,
                verdict(RunPhase::Cancelled, Reason::Cancelled, None, "cancelled"),
            ),
            (
                End::DeadlinePassed,
                verdict(
                    RunPhase::Timeout,
                    Reason::Timeout,
                    None,
                    "timeout of 1.5s exceeded",
                ),
            ),
            (
                End::Trapped(Trap::Interrupt),
                verdict(
                    RunPhase::Timeout,
                    Reason::Timeout,
                    None,
                    "timeout of 1.5s exceeded",
                ),
            ),
            (
                End::Trapped(Trap::UnreachableCodeReached),
                verdict(
                    RunPhase::Failed,
                    Reason::Trap(TrapKind::Unreachable),
                    None,
                    &Trap::UnreachableCodeReached.to_string(),
                ),
            ),
            (
                End::InstantiateFailed("no slot".into()),
                verdict(
                    RunPhase::Failed,
                    Reason::InstantiateFailed,
                    None,
                    "failed to instantiate: no slot",
                ),
            ),
            (
                End::HostError("stream closed".into()),
                verdict(
                    RunPhase::Failed,
                    Reason::Trap(TrapKind::Other),
                    None,
                    "stream closed",
                ),
            ),
        ];
        for (end, expected) in cases {
            assert_eq!(classify(end.clone(), &calm), expected, "{end:?}");
        }
        let too_many = classify(End::TooManyResources, &calm);
        assert_eq!(too_many.reason, Reason::Trap(TrapKind::Other));
        assert!(
            too_many.message.contains("at most 1024"),
            "{}",
            too_many.message
        );
    }

    /// A refused memory growth explains any failure but the deadline and cancellation; success stays success.
    #[test]
    fn a_denied_growth_turns_failures_into_out_of_memory() {
        let denied = facts(true, "MemoryError\n");
        let oom = |exit_code, message: &str| {
            verdict(RunPhase::Failed, Reason::OutOfMemory, exit_code, message)
        };
        assert_eq!(
            classify(End::Exited(1), &denied),
            oom(
                Some(1),
                "memory limit of 64 MiB exceeded (exit code 1); stderr: MemoryError"
            )
        );
        for end in [
            End::Trapped(Trap::UnreachableCodeReached),
            End::TooManyResources,
            End::HostError("x".into()),
        ] {
            assert_eq!(
                classify(end, &denied),
                oom(None, "memory limit of 64 MiB exceeded; stderr: MemoryError")
            );
        }
        assert_eq!(classify(End::Exited(0), &denied).phase, RunPhase::Succeeded);
        assert_eq!(
            classify(End::DeadlinePassed, &denied).reason,
            Reason::Timeout
        );
        assert_eq!(classify(End::Cancelled, &denied).reason, Reason::Cancelled);
        // A component that never instantiated did not run out of memory doing anything.
        assert_eq!(
            classify(End::InstantiateFailed("x".into()), &denied).reason,
            Reason::InstantiateFailed
        );
    }

    /// Failure messages quote the end of stderr; success and a failed instantiation do not.
    #[test]
    fn failures_quote_stderr() {
        let noisy = facts(false, "Traceback\nValueError: boom\n");
        assert_eq!(
            classify(End::Exited(1), &noisy).message,
            "exited with code 1; stderr: Traceback\nValueError: boom"
        );
        assert_eq!(classify(End::Exited(0), &noisy).message, "");
        assert_eq!(
            classify(End::InstantiateFailed("x".into()), &noisy).message,
            "failed to instantiate: x"
        );
    }

    /// Outputs that cannot be accepted fail a successful Run with the outputs' own reason.
    #[test]
    fn bad_outputs_fail_a_successful_run() {
        let ok = classify(End::Exited(0), &facts(false, ""));
        let invalid = ok
            .clone()
            .with_bad_outputs(&OutputsError::Invalid("line 1: no `=`".into()));
        assert_eq!(
            (invalid.phase, invalid.reason, invalid.exit_code),
            (RunPhase::Failed, Reason::OutputsInvalid, Some(0))
        );
        let large = ok.with_bad_outputs(&OutputsError::TooLarge("over 1 MiB".into()));
        assert_eq!(large.reason, Reason::OutputsTooLarge);
    }
}
