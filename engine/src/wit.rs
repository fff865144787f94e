//! Host implementations of our WIT package `kruntimes:runtime`, one module per interface, plus the Run-level state
//! they share ([`RunContext`]).
//!
//! The interfaces are in every linker, so any component may import them; the per-Run state behind them is only
//! built for components that do ([`crate::Runtime::imports_kruntimes`]). A plain `wasi:cli/command` pays nothing.
//!
//! - [`spawn`]: children of the same Run with streamed stdio ([`crate::pipe`]), killed when the Run ends.
//! - [`outputs`]: `set-output`, merged with the `$KRUNTIME_OUTPUTS` file when the Run ends.
//! - [`log`]: guest diagnostics into runtimed's log, rate-limited per Run.

pub(crate) mod log;
pub(crate) mod outputs;
pub(crate) mod spawn;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use wasmtime::component::{HasSelf, Linker};

use crate::budget::SharedBudget;
use crate::capabilities::Grants;
use crate::engine::Engine;
use crate::outputs::Outputs;
use crate::run::GuestState;
use crate::spec::RunId;

/// Components a Run may spawn, by program name.
pub(crate) type Programs = Arc<BTreeMap<String, Arc<crate::manager::Slot>>>;

/// Adds `kruntimes:runtime/{spawn,outputs,log}` to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<GuestState>) -> wasmtime::Result<()> {
    use crate::bindings::kruntimes::runtime;
    runtime::spawn::add_to_linker::<_, HasSelf<GuestState>>(linker, |state| state)?;
    runtime::outputs::add_to_linker::<_, HasSelf<GuestState>>(linker, |state| state)?;
    runtime::log::add_to_linker::<_, HasSelf<GuestState>>(linker, |state| state)?;
    Ok(())
}

/// What every component of one Run shares: its grants, deadline, memory budget, spawnable programs, workspace,
/// interface outputs, children and log budget.
pub(crate) struct RunContext {
    pub(crate) engine: Engine,
    pub(crate) id: RunId,
    pub(crate) grants: Grants,
    pub(crate) deadline: Instant,
    pub(crate) budget: Arc<SharedBudget>,
    pub(crate) programs: Programs,
    /// The workspace, for resolving children's working directories without following guest symlinks out.
    pub(crate) workspace: cap_std::fs::Dir,
    /// Outputs set through the `outputs` interface.
    pub(crate) outputs: Mutex<Outputs>,
    pub(crate) children: Mutex<spawn::Children>,
    pub(crate) next_child_id: AtomicU32,
    pub(crate) log: Mutex<log::LogBudget>,
}

impl RunContext {
    pub(crate) fn new(
        engine: Engine,
        id: RunId,
        grants: Grants,
        deadline: Instant,
        budget: Arc<SharedBudget>,
        programs: Programs,
        workspace: cap_std::fs::Dir,
    ) -> Self {
        Self {
            engine,
            id,
            grants,
            deadline,
            budget,
            programs,
            workspace,
            outputs: Mutex::new(Outputs::new()),
            children: Mutex::new(spawn::Children::default()),
            next_child_id: AtomicU32::new(1),
            log: Mutex::new(log::LogBudget::new(Instant::now())),
        }
    }

    /// Ends the Run's children and pumps (called when the top-level component ends, whatever the reason).
    pub(crate) fn shutdown(&self) {
        self.kill_children();
        let dropped = lock(&self.log).dropped();
        if dropped > 0 {
            tracing::warn!(run = %self.id, dropped, "guest log records dropped by the rate limit");
        }
    }

    /// Aborts every child and pump (outside the lock: an aborted task's guard takes it again).
    fn kill_children(&self) {
        let tasks = lock(&self.children).take_all();
        for task in tasks {
            task.abort();
        }
    }

    pub(crate) fn next_child_id(&self) -> u32 {
        self.next_child_id.fetch_add(1, Ordering::Relaxed)
    }
}

impl Drop for RunContext {
    fn drop(&mut self) {
        self.kill_children();
    }
}

/// Locks a std mutex whose data stays consistent even if a holder panicked (single-statement updates).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
