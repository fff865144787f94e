//! What a guest runs with: its `Store` data ([`GuestState`]), the linker (WASI preview 2 plus our WIT package
//! `kruntimes:runtime`), loaded components ([`Runtime`]) and the Run-level state our interfaces share
//! ([`RunContext`]).
//!
//! This module depends on [`crate::engine`], never the reverse; [`crate::cache`] loads components through
//! [`linker`], and [`crate::run`] executes them. A spawned program is a guest of the same kind, so the host
//! implementations below reach components through [`Slot`], whose loader the manager supplies: nothing here
//! imports the cache or the manager.
//!
//! The interfaces are in every linker, so any component may import them; the per-Run state behind them is only
//! built for components that do ([`Runtime::imports_kruntimes`]). A plain `wasi:cli/command` pays nothing.
//!
//! - [`spawn`]: children of the same Run with streamed stdio ([`crate::pipe`]), killed when the Run ends.
//! - [`outputs`]: `set-output`, merged with the `$KRUNTIME_OUTPUTS` file when the Run ends.
//! - [`log`]: guest diagnostics into runtimed's log, rate-limited per Run.

mod bindings;
pub(crate) mod log;
pub(crate) mod outputs;
pub(crate) mod spawn;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::OnceCell;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::budget::{MemoryBudget, SharedBudget};
use crate::capabilities::Grants;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::imports::ComponentInterface;
use crate::outputs::Outputs;
use crate::sandbox::GuestStdio;
use crate::spec::RunId;

/// Most resources (open files and directories, streams, sockets, pollables, children) a Run's own instance may hold
/// at once. Each open file or socket is one host descriptor, so with [`MAX_RESOURCES_PER_CHILD`] this bounds what
/// one Run can take from the process: 1,024 + 32 live children × 256 = 9,216 descriptors at most.
pub(crate) const MAX_RESOURCES_PER_INSTANCE: usize = 1024;
/// Most resources one spawned program's instance may hold at once (see [`MAX_RESOURCES_PER_INSTANCE`]).
pub(crate) const MAX_RESOURCES_PER_CHILD: usize = 256;

/// The data of a guest's `Store` (the Run's top-level component or a spawned child).
pub(crate) struct GuestState {
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
    add_to_linker(&mut linker)?;
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

/// A compiled component ready to instantiate. Shared by every Run of every Runtime that uses the same bytes.
pub struct Runtime {
    digest: String,
    pre: Pre,
    imports_kruntimes: bool,
    interface: ComponentInterface,
}

impl Runtime {
    pub(crate) fn new(
        digest: String,
        pre: Pre,
        imports_kruntimes: bool,
        interface: ComponentInterface,
    ) -> Self {
        Self {
            digest,
            pre,
            imports_kruntimes,
            interface,
        }
    }

    /// sha256 of the component bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Whether the component imports `kruntimes:runtime` interfaces (and so needs our host implementations).
    pub fn imports_kruntimes(&self) -> bool {
        self.imports_kruntimes
    }

    /// The component's top-level imports and exports.
    pub fn interface(&self) -> &ComponentInterface {
        &self.interface
    }

    pub(crate) fn pre(&self) -> &Pre {
        &self.pre
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("digest", &self.digest)
            .field("imports_kruntimes", &self.imports_kruntimes)
            .finish_non_exhaustive()
    }
}

/// A component a Run may run or spawn: loaded already, or by its loader the first time it is asked for.
pub(crate) struct Slot {
    loaded: OnceCell<Arc<Runtime>>,
    load: Option<Loader>,
}

/// Loads a component (blocking: it may read and compile a file).
pub(crate) type Loader = Arc<dyn Fn() -> Result<Arc<Runtime>> + Send + Sync>;

impl Slot {
    /// A slot already holding `runtime`.
    pub(crate) fn loaded(runtime: Arc<Runtime>) -> Self {
        Self {
            loaded: OnceCell::from(runtime),
            load: None,
        }
    }

    /// A slot that calls `load` when first asked.
    pub(crate) fn lazy(load: Loader) -> Self {
        Self {
            loaded: OnceCell::new(),
            load: Some(load),
        }
    }

    /// The component, if it is loaded.
    pub(crate) fn runtime(&self) -> Option<&Arc<Runtime>> {
        self.loaded.get()
    }

    /// The component, loading it on a blocking thread first if needed (once, however many callers wait).
    ///
    /// # Errors
    ///
    /// The loader's, or [`Error::Background`] if its thread panicked.
    pub(crate) async fn get(&self) -> Result<Arc<Runtime>> {
        self.loaded
            .get_or_try_init(|| async {
                let Some(load) = self.load.clone() else {
                    unreachable!("a slot without a loader is created loaded");
                };
                tokio::task::spawn_blocking(move || load())
                    .await
                    .map_err(|source| Error::Background { source })?
            })
            .await
            .cloned()
    }
}

/// Components a Run may spawn, by program name.
pub(crate) type Programs = Arc<BTreeMap<String, Arc<Slot>>>;

/// Adds `kruntimes:runtime/{spawn,outputs,log}` to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<GuestState>) -> wasmtime::Result<()> {
    use bindings::kruntimes::runtime;
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
