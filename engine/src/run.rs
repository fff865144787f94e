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
use wasmtime::component::{Linker, ResourceTable, ResourceTableError};
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxView, WasiView};

use crate::budget::{MemoryBudget, SharedBudget};
use crate::cache::Runtime;
use crate::capabilities::{self, Grants, GuestStdio, Stdio, format_bytes};
use crate::engine::Engine;
use crate::outcome::{Outcome, Phase, Reason, TrapKind, Usage, bounded_message};
use crate::outputs::{self, Outputs, OutputsError};
use crate::spec::RunId;
use crate::wit::{Programs, RunContext};
use crate::workspace::Workspace;

/// How much of stderr's end a failure message quotes.
const STDERR_TAIL_BYTES: usize = 512;

/// Most resources (open files and directories, streams, sockets, pollables, children) a Run's own instance may hold
/// at once. Each open file or socket is one host descriptor, so with [`MAX_RESOURCES_PER_CHILD`] this bounds what
/// one Run can take from the process: 1,024 + 32 live children × 256 = 9,216 descriptors at most.
pub const MAX_RESOURCES_PER_INSTANCE: usize = 1024;
/// Most resources one spawned program's instance may hold at once (see [`MAX_RESOURCES_PER_INSTANCE`]).
pub const MAX_RESOURCES_PER_CHILD: usize = 256;

/// The data of a guest's `Store` (the Run's top-level component or a spawned child).
pub struct GuestState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    budget: MemoryBudget,
    /// State shared by the Run's components for `kruntimes:runtime`; `None` for components that import none.
    pub(crate) run: Option<Arc<RunContext>>,
    /// This guest's stdio, which its children may inherit.
    pub(crate) stdio: GuestStdio,
    /// The working directory this guest was given, the default for its children.
    pub(crate) cwd: String,
}

impl GuestState {
    /// `max_resources`: [`MAX_RESOURCES_PER_INSTANCE`] or [`MAX_RESOURCES_PER_CHILD`].
    pub(crate) fn new(
        wasi: WasiCtx,
        budget: MemoryBudget,
        run: Option<Arc<RunContext>>,
        stdio: GuestStdio,
        cwd: String,
        max_resources: usize,
    ) -> Self {
        let mut table = ResourceTable::new();
        table.set_max_capacity(max_resources);
        Self {
            wasi,
            table,
            budget,
            run,
            stdio,
            cwd,
        }
    }

    /// Whether a memory growth of this Store was refused for exceeding the Run's budget.
    pub(crate) fn memory_denied(&self) -> bool {
        self.budget.denied()
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The linker every guest is instantiated with: WASI preview 2 (async) and `kruntimes:runtime`.
pub(crate) fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<GuestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    crate::wit::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// A Store for one guest, with its memory budget as limiter and the Run's deadline enforced by epochs.
pub(crate) fn new_store(
    engine: &Engine,
    state: GuestState,
    deadline: Instant,
) -> Store<GuestState> {
    let mut store = Store::new(engine.wasmtime(), state);
    store.limiter(|state| &mut state.budget);
    // Checked on every epoch tick while wasm runs: yield to tokio (fair sharing, and a chance for the host-side
    // timeout and cancellation to fire), or stop the guest once the deadline has passed.
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        Ok(if Instant::now() >= deadline {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::Yield(1)
        })
    });
    store
}

/// A loaded component ready to instantiate.
pub(crate) type Pre = CommandPre<GuestState>;

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
        match capabilities::wasi_ctx_with(&grants, &guest_stdio, crate::workspace::GUEST_WORKSPACE)
        {
            Ok(wasi) => wasi,
            Err(err) => {
                let message = error_chain(&err);
                return Outcome::not_started(
                    Phase::Failed,
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
                    Phase::Failed,
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

    let mut outcome = Outcome {
        phase: Phase::Failed,
        reason: Reason::ExitCode,
        exit_code: None,
        message: String::new(),
        outputs: Outputs::new(),
        usage,
        grants,
    };
    let limit_text = format_bytes(outcome.grants.memory_bytes);
    let timeout_text = format!(
        "timeout of {} exceeded",
        format_duration(outcome.grants.timeout())
    );
    match ended {
        Ended::Cancelled => {
            outcome.phase = Phase::Cancelled;
            outcome.reason = Reason::Cancelled;
            outcome.message = "cancelled".to_owned();
        }
        Ended::DeadlinePassed => {
            outcome.phase = Phase::Timeout;
            outcome.reason = Reason::Timeout;
            outcome.message = timeout_text;
        }
        Ended::Returned(result) => {
            let exit = match result {
                Ok(Ok(())) => Ok(0),
                Ok(Err(())) => Ok(1),
                Err(err) => match err.downcast_ref::<I32Exit>() {
                    Some(I32Exit(code)) => Ok(*code),
                    None => Err(err),
                },
            };
            match exit {
                Ok(0) => {
                    outcome.phase = Phase::Succeeded;
                    outcome.reason = Reason::Completed;
                    outcome.exit_code = Some(0);
                    match read_outputs(workspace, run.as_deref()) {
                        Ok(outputs) => outcome.outputs = outputs,
                        Err(err) => {
                            outcome.phase = Phase::Failed;
                            outcome.reason = match err {
                                OutputsError::Invalid(_) => Reason::OutputsInvalid,
                                OutputsError::TooLarge(_) => Reason::OutputsTooLarge,
                            };
                            outcome.message = err.to_string();
                        }
                    }
                }
                Ok(code) => {
                    outcome.exit_code = Some(code);
                    if memory_denied {
                        outcome.reason = Reason::OutOfMemory;
                        outcome.message = with_stderr(
                            format!("memory limit of {limit_text} exceeded (exit code {code})"),
                            stdio,
                        );
                    } else {
                        outcome.reason = Reason::ExitCode;
                        outcome.message = with_stderr(format!("exited with code {code}"), stdio);
                    }
                }
                Err(err) => match err.downcast_ref::<Trap>().copied() {
                    Some(Trap::Interrupt) => {
                        outcome.phase = Phase::Timeout;
                        outcome.reason = Reason::Timeout;
                        outcome.message = timeout_text;
                    }
                    Some(_) if memory_denied => {
                        outcome.reason = Reason::OutOfMemory;
                        outcome.message =
                            with_stderr(format!("memory limit of {limit_text} exceeded"), stdio);
                    }
                    Some(trap) => {
                        outcome.reason = Reason::Trap(TrapKind::of(trap));
                        outcome.message = with_stderr(trap.to_string(), stdio);
                    }
                    None if instantiated.is_none() => {
                        outcome.reason = Reason::InstantiateFailed;
                        outcome.message = format!("failed to instantiate: {}", error_chain(&*err));
                    }
                    None if memory_denied => {
                        outcome.reason = Reason::OutOfMemory;
                        outcome.message =
                            with_stderr(format!("memory limit of {limit_text} exceeded"), stdio);
                    }
                    None if err
                        .chain()
                        .any(|e| e.downcast_ref::<ResourceTableError>().is_some()) =>
                    {
                        outcome.reason = Reason::Trap(TrapKind::Other);
                        outcome.message = with_stderr(
                            format!(
                                "too many open resources: an instance may hold at most {MAX_RESOURCES_PER_INSTANCE} \
                                 (a spawned program {MAX_RESOURCES_PER_CHILD}) open files, directories, sockets, \
                                 streams and children at once"
                            ),
                            stdio,
                        );
                    }
                    None => {
                        outcome.reason = Reason::Trap(TrapKind::Other);
                        outcome.message = with_stderr(error_chain(&*err), stdio);
                    }
                },
            }
        }
    }
    outcome.message = bounded_message(outcome.message);
    outcome
}

/// The file's outputs merged with those set through the `outputs` interface (which win), checked as one set.
fn read_outputs(workspace: &Workspace, run: Option<&RunContext>) -> Result<Outputs, OutputsError> {
    let mut merged = workspace.read_outputs()?.unwrap_or_default();
    if let Some(run) = run {
        let set = crate::wit::lock(&run.outputs);
        if !set.is_empty() {
            merged.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
            outputs::check_set(&merged)?;
        }
    }
    Ok(merged)
}

/// What separates a Run's message from the end of its stderr quoted after it.
pub const STDERR_EXCERPT_SEPARATOR: &str = "; stderr: ";

/// `message`, then the end of stderr if there is any.
fn with_stderr(message: String, stdio: &Stdio) -> String {
    let tail = match &stdio.stderr_to {
        Some(through) => through.tail(STDERR_TAIL_BYTES),
        None => stdio.stderr.tail(STDERR_TAIL_BYTES),
    };
    match stderr_excerpt(&tail) {
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
}
