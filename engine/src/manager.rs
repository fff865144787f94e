//! The run manager: the API the gRPC service (`kruntimes.runtime.v1.Runtime`) and `krt local` call.
//!
//! It owns the registered runtimes, the workspaces and the table of executions, and runs each execution on its
//! own tokio task. Executions are keyed by [`RunId`] (Run UID + attempt). The rules below are the gRPC contract's
//! (`proto/kruntimes/runtime/v1/runtime.proto`), so the service only converts.
//!
//! # Guarantees
//!
//! - **Retention**: every accepted execution, every attempt of every Run, is kept (status, outcome, bounded
//!   output, workspace) until [`Manager::forget`]. The caller (the runtimed agent) forgets each Run after writing
//!   its terminal status.
//! - **Checks**, in this order: duplicate, stale attempt, draining, unknown runtime, policy, capacity.
//! - **Duplicates**: executing a retained id whose [`RunSpec::digest`] is equal returns that execution, whatever
//!   its state, and starts nothing; a different digest is [`Error::SpecConflict`].
//! - **Attempts**: an attempt lower than a retained attempt of the same UID is [`Error::StaleAttempt`]. A higher
//!   attempt supersedes: lower attempts still active are cancelled with reason [`Reason::Superseded`], and the new
//!   attempt's guest only starts once they have stopped ([`Manager::submit`] also waits for that before
//!   returning). Terminal lower attempts stay retained, unchanged.
//! - **Capacity**: at most `max_concurrent_runs` executions are active; more is [`Error::AtCapacity`] (the caller
//!   retries or the scheduler places elsewhere). Attempts being superseded do not count.
//! - **Cancel** is idempotent and a no-op for terminal executions; [`Manager::cancel_and_wait`] returns once the
//!   execution is terminal (cancellation is immediate, see [`crate::run`]). **Forget** of an active execution is
//!   [`Error::StillRunning`]; of a terminal one removes it and its workspace. Unknown ids are [`Error::NotFound`].
//! - **Logs after forget**: the output of the last [`FORGOTTEN_LOGS_MAX_RUNS`] forgotten executions (at most
//!   [`FORGOTTEN_LOGS_MAX_BYTES`] in all, oldest dropped first) stays readable through [`Manager::read_logs`], so
//!   `krt logs` works after the agent forgot a finished Run. Nothing else of a forgotten execution is kept.
//! - **Drain** ([`Manager::drain`]): new executions are refused with [`Error::Draining`]; active ones get a grace
//!   period, then are cancelled with reason [`Reason::Shutdown`]. Everything else keeps working.
//!
//! The request is checked by the capability policy *before* anything is created, so a policy violation is an
//! error to the caller and never an execution.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use kruntimes_api::v1alpha1::RunPhase;

use self::admission::{Admission, Attempt, admit, has_capacity};
use crate::cache::{ComponentCache, Runtime};
use crate::capabilities::{self, Grants, HostConfig, RuntimePolicy};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::guest::{Programs, Slot};
use crate::metrics::Metrics;
use crate::outcome::{Outcome, Reason, Usage};
use crate::run;
use crate::sandbox::Stdio;
use crate::spec::{RunId, RunSpec};
use crate::workspace::{Reaper, WorkspaceRoot};

mod admission;
mod handle;
mod report;
mod slot;

pub use self::handle::RunHandle;
use self::handle::Started;
pub use self::report::{Drained, Health, ListFilter, Logs, RunStatus, StreamTotals};
pub use self::slot::Load;

/// Where the manager keeps its files and what the host allows.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Directory of per-Run workspaces.
    pub workspace_root: PathBuf,
    /// Directory of precompiled components.
    pub cache_dir: PathBuf,
    /// Host defaults and ceilings for the capability policy.
    pub host: HostConfig,
    /// Maximum executions running at once; `None` uses the engine's `max_concurrent_runs`.
    pub max_concurrent_runs: Option<usize>,
    /// Told when a registered component has to be compiled (`krt local` says so on stderr).
    pub on_compile: Option<crate::cache::CompileObserver>,
}

impl ManagerConfig {
    /// Workspaces in `<state_dir>/workspaces`, cache in `<state_dir>/cache`, default host limits.
    pub fn in_dir(state_dir: impl Into<PathBuf>) -> Self {
        let state_dir = state_dir.into();
        Self {
            workspace_root: state_dir.join("workspaces"),
            cache_dir: state_dir.join("cache"),
            host: HostConfig::default(),
            max_concurrent_runs: None,
            on_compile: None,
        }
    }
}

/// Runs Runs. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Manager {
    shared: Arc<Shared>,
}

struct Shared {
    engine: Engine,
    cache: Arc<ComponentCache>,
    workspaces: Arc<WorkspaceRoot>,
    reaper: Reaper,
    host: HostConfig,
    max_running: usize,
    metrics: Metrics,
    // std locks: held for map operations only, never across an await. Order: `table`, then `runtimes`.
    runtimes: RwLock<HashMap<String, Registered>>,
    table: Mutex<Table>,
}

struct Registered {
    slot: Arc<Slot>,
    policy: RuntimePolicy,
    /// Whether Runs may name it (loaded at registration), not only spawn it.
    runnable: bool,
}

/// Most forgotten executions whose output stays readable.
pub const FORGOTTEN_LOGS_MAX_RUNS: usize = 256;
/// Most bytes of output of forgotten executions kept in all.
pub const FORGOTTEN_LOGS_MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct Table {
    /// Output of recently forgotten executions, oldest first, with its size in bytes.
    forgotten: std::collections::VecDeque<(RunHandle, usize)>,
    forgotten_bytes: usize,
    /// Every retained execution, by Run UID then attempt: the order [`Manager::list`] reports.
    by_uid: BTreeMap<String, BTreeMap<u32, Arc<Execution>>>,
    /// Executions without an outcome yet (active), superseded ones included.
    running: usize,
    /// Active executions that were superseded (they do not count against capacity).
    superseded_running: usize,
    /// Set by [`Manager::drain`]: no new executions.
    draining: bool,
}

impl Table {
    /// Keeps a forgotten execution's output readable, within the bounds.
    fn keep_logs(&mut self, handle: RunHandle) {
        let bytes = handle.stdout().kept_len() + handle.stderr().kept_len();
        self.forgotten.retain(|(h, _)| h.id() != handle.id());
        self.forgotten.push_back((handle, bytes));
        self.forgotten_bytes = self.forgotten.iter().map(|(_, b)| b).sum();
        while self.forgotten.len() > FORGOTTEN_LOGS_MAX_RUNS
            || self.forgotten_bytes > FORGOTTEN_LOGS_MAX_BYTES
        {
            let Some((_, b)) = self.forgotten.pop_front() else {
                break;
            };
            self.forgotten_bytes -= b;
        }
    }

    /// The output of a forgotten execution, if still kept.
    fn forgotten(&self, id: &RunId) -> Option<RunHandle> {
        self.forgotten
            .iter()
            .rev()
            .find(|(h, _)| h.id() == id)
            .map(|(h, _)| h.clone())
    }

    fn get(&self, id: &RunId) -> Option<&Arc<Execution>> {
        self.by_uid
            .get(id.uid())
            .and_then(|attempts| attempts.get(&id.attempt()))
    }

    fn executions(&self) -> impl Iterator<Item = &Arc<Execution>> {
        self.by_uid.values().flat_map(BTreeMap::values)
    }
}

/// Why an execution was cancelled. The first cause wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CancelCause {
    Request,
    Superseded { by: u32 },
    Shutdown,
}

struct Execution {
    id: RunId,
    runtime: String,
    digest: Option<String>,
    labels: BTreeMap<String, String>,
    grants: Grants,
    stdio: Stdio,
    cancel: CancellationToken,
    outcome: watch::Sender<Option<Arc<Outcome>>>,
    workspace: String,
    accepted_at: SystemTime,
    /// Set once by the task when the guest starts; shared with handles for [`RunHandle::state`].
    started: Arc<OnceLock<Started>>,
    /// Set with the outcome.
    finished_at: OnceLock<SystemTime>,
    cause: OnceLock<CancelCause>,
    /// Set under the table lock when a higher attempt supersedes this one while it is active.
    superseded: AtomicBool,
}

impl Execution {
    /// What [`admit`] needs to know of this execution.
    fn attempt(&self) -> Attempt<'_> {
        Attempt {
            number: self.id.attempt(),
            digest: self.digest.as_deref(),
            active: self.outcome().is_none(),
            superseded: self.superseded.load(Ordering::SeqCst),
        }
    }

    fn outcome(&self) -> Option<Arc<Outcome>> {
        self.outcome.borrow().clone()
    }

    fn handle(&self) -> RunHandle {
        RunHandle {
            id: self.id.clone(),
            outcome: self.outcome.subscribe(),
            stdio: self.stdio.clone(),
            started: Arc::clone(&self.started),
        }
    }

    fn cancel(&self, cause: CancelCause) {
        let _first_cause_wins = self.cause.set(cause);
        self.cancel.cancel();
    }

    fn status(&self) -> RunStatus {
        let outcome = self.outcome();
        let started = self.started.get().copied();
        let (state, usage) = match (&outcome, started) {
            (Some(outcome), _) => (outcome.phase, Some(outcome.usage)),
            (None, Some(started)) => (
                RunPhase::Running,
                Some(Usage {
                    wall: started.instant.elapsed(),
                    instantiate: None,
                    peak_memory_bytes: 0,
                }),
            ),
            (None, None) => (RunPhase::Pending, None),
        };
        RunStatus {
            id: self.id.clone(),
            runtime: self.runtime.clone(),
            digest: self.digest.clone(),
            labels: self.labels.clone(),
            state,
            grants: self.grants.clone(),
            outcome,
            usage,
            accepted_at: self.accepted_at,
            started_at: started.map(|s| s.at),
            finished_at: self.finished_at.get().copied(),
            stdout: StreamTotals::of(&self.stdio.stdout),
            stderr: StreamTotals::of(&self.stdio.stderr),
        }
    }
}

impl Manager {
    /// A manager running components on `engine`, reporting to `metrics`.
    pub fn new(engine: Engine, config: ManagerConfig, metrics: Metrics) -> Result<Self> {
        let cache = Arc::new(
            ComponentCache::new(engine.clone(), &config.cache_dir)?
                .with_observer(config.on_compile.clone()),
        );
        let workspaces = Arc::new(WorkspaceRoot::open(&config.workspace_root)?);
        let reaper = Reaper::start(Arc::clone(&workspaces))?;
        let max_running = config
            .max_concurrent_runs
            .unwrap_or(engine.config().max_concurrent_runs as usize);
        Ok(Self {
            shared: Arc::new(Shared {
                engine,
                cache,
                workspaces,
                reaper,
                host: config.host,
                max_running,
                metrics,
                runtimes: RwLock::new(HashMap::new()),
                table: Mutex::new(Table::default()),
            }),
        })
    }

    /// The component cache.
    pub fn cache(&self) -> &ComponentCache {
        &self.shared.cache
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.shared.engine
    }

    /// Compiles (or loads from cache) `component` and registers it as runtime `name` with `policy`, replacing any
    /// runtime of that name for future Runs.
    ///
    /// # Errors
    ///
    /// [`Error::ComponentRefused`] (checked before compiling: every reason at once), or a component that does
    /// not compile or load.
    pub async fn register_runtime(
        &self,
        name: &str,
        component: Vec<u8>,
        policy: RuntimePolicy,
    ) -> Result<Arc<Runtime>> {
        let (owned_name, grants, cache) = (
            name.to_owned(),
            policy.capabilities.clone(),
            Arc::clone(&self.shared.cache),
        );
        let runtime = tokio::task::spawn_blocking(move || {
            cache.load_with(&component, &|interface| {
                slot::admit(&owned_name, &grants, interface)
            })
        })
        .await
        .map_err(|source| Error::Background { source })??;
        let slot = Slot::loaded(Arc::clone(&runtime));
        self.insert(name, slot, policy, true);
        Ok(runtime)
    }

    /// Registers the component in `file` as runtime `name` with `policy`, loading it [`Load::Now`] or
    /// [`Load::OnFirstSpawn`]; returns the component when it was loaded now. An unchanged file is neither read nor
    /// hashed again (see [`ComponentCache::load_file`]).
    ///
    /// # Errors
    ///
    /// With [`Load::Now`], as [`register_runtime`](Self::register_runtime) plus [`Error::ReadComponent`]; with
    /// [`Load::OnFirstSpawn`] none: the spawn that loads it fails instead.
    pub async fn register_runtime_file(
        &self,
        name: &str,
        file: PathBuf,
        policy: RuntimePolicy,
        load: Load,
    ) -> Result<Option<Arc<Runtime>>> {
        let slot = slot::from_file(
            name,
            policy.capabilities.clone(),
            Arc::clone(&self.shared.cache),
            file,
        );
        let loaded = match load {
            Load::Now => Some(slot.get().await?),
            Load::OnFirstSpawn => None,
        };
        self.insert(name, slot, policy, loaded.is_some());
        Ok(loaded)
    }

    fn insert(&self, name: &str, slot: Slot, policy: RuntimePolicy, runnable: bool) {
        self.shared
            .runtimes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                name.to_owned(),
                Registered {
                    slot: Arc::new(slot),
                    policy,
                    runnable,
                },
            );
    }

    /// Accepts `spec` and starts it on its own task (or returns the retained execution of the same id). See the
    /// module docs for duplicates, attempts, capacity and the order of the checks.
    ///
    /// # Errors
    ///
    /// [`Error::SpecConflict`], [`Error::StaleAttempt`], [`Error::Draining`], [`Error::UnknownRuntime`],
    /// [`Error::Policy`] (the request exceeds a limit), [`Error::AtCapacity`], [`Error::Workspace`].
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (the execution is spawned on it).
    pub fn execute(&self, spec: RunSpec) -> Result<RunHandle> {
        self.accept(spec).map(|accepted| accepted.handle)
    }

    /// [`execute`](Self::execute), then waits until the attempts it supersedes are terminal (a few milliseconds:
    /// cancellation is immediate) and returns the new execution's status. What the `Execute` RPC calls.
    ///
    /// # Errors
    ///
    /// As [`execute`](Self::execute).
    pub async fn submit(&self, spec: RunSpec) -> Result<RunStatus> {
        let accepted = self.accept(spec)?;
        for mut old in accepted.superseded {
            old.wait().await;
        }
        Ok(accepted.execution.status())
    }

    fn accept(&self, spec: RunSpec) -> Result<Accepted> {
        // Held until the execution is registered, workspace creation included (a few syscalls plus the inline
        // source): two requests for the same UID must not both create its workspace directory.
        let mut table = self.table();
        let retained = table.by_uid.get(spec.id.uid());
        let attempts: Vec<Attempt<'_>> = retained
            .into_iter()
            .flat_map(BTreeMap::values)
            .map(|execution| execution.attempt())
            .collect();
        let supersede = match admit(&spec.id, spec.digest.as_deref(), &attempts, table.draining)? {
            Admission::Existing => {
                let existing = table.get(&spec.id).ok_or_else(|| Error::NotFound {
                    id: spec.id.clone(),
                })?;
                return Ok(Accepted {
                    handle: existing.handle(),
                    execution: Arc::clone(existing),
                    superseded: Vec::new(),
                });
            }
            Admission::New { supersede } => supersede,
        };
        let lower: Vec<Arc<Execution>> = supersede
            .iter()
            .filter_map(|number| retained?.get(number).cloned())
            .collect();
        let (runtime, policy, programs) = self.resolve(&spec.runtime)?;

        let workspace_name = spec.id.workspace_name();
        let grants = capabilities::grant(
            &spec,
            &policy,
            &self.shared.host,
            &self.shared.workspaces.path().join(&workspace_name),
        )?;
        if !has_capacity(
            table.running,
            table.superseded_running,
            lower.len(),
            self.shared.max_running,
        ) {
            return Err(Error::AtCapacity {
                limit: self.shared.max_running,
            });
        }
        let workspace = self.shared.workspaces.create(&spec.id)?;
        let filled = match (&spec.entrypoint, &spec.source) {
            (Some(entrypoint), Some(source)) => {
                workspace.write_source(entrypoint, source.as_bytes())
            }
            _ => Ok(()),
        }
        .and_then(|()| match &spec.seed {
            Some(seed) => (seed.0)(workspace.dir()).map_err(|source| Error::Workspace {
                op: "fill",
                name: workspace_name.clone(),
                source,
            }),
            None => Ok(()),
        });
        if let Err(err) = filled {
            drop(workspace);
            let _ = self.shared.workspaces.remove(&workspace_name);
            return Err(err);
        }

        // Committed: cancel the active lower attempts and register the new execution.
        let mut superseded = Vec::with_capacity(lower.len());
        for old in &lower {
            old.superseded.store(true, Ordering::SeqCst);
            table.superseded_running += 1;
            old.cancel(CancelCause::Superseded {
                by: spec.id.attempt(),
            });
            superseded.push(old.handle());
        }
        let mut stdio = Stdio::for_grants(&grants);
        stdio.stdin = spec.stdin.clone();
        stdio.stdout_to = spec.stdout.clone();
        stdio.stderr_to = spec.stderr.clone();
        let execution = Arc::new(Execution {
            id: spec.id.clone(),
            runtime: spec.runtime.clone(),
            digest: spec.digest,
            labels: spec.labels,
            grants: grants.clone(),
            stdio: stdio.clone(),
            cancel: CancellationToken::new(),
            outcome: watch::Sender::new(None),
            workspace: workspace_name,
            accepted_at: SystemTime::now(),
            started: Arc::new(OnceLock::new()),
            finished_at: OnceLock::new(),
            cause: OnceLock::new(),
            superseded: AtomicBool::new(false),
        });
        table
            .by_uid
            .entry(spec.id.uid().to_owned())
            .or_default()
            .insert(spec.id.attempt(), Arc::clone(&execution));
        table.running += 1;
        drop(table);
        self.shared.metrics.run_started();

        let handle = execution.handle();
        let mut finish = Finish {
            manager: self.clone(),
            execution: Arc::clone(&execution),
            grants: Some(grants.clone()),
        };
        let waits = superseded.clone();
        tokio::spawn(async move {
            // The new attempt's guest starts only once the attempts it supersedes have stopped.
            for mut old in waits {
                old.wait().await;
            }
            let execution = Arc::clone(&finish.execution);
            let outcome = if execution.cancel.is_cancelled() {
                stdio.stdout.close();
                stdio.stderr.close();
                Outcome::not_started(
                    RunPhase::Cancelled,
                    Reason::Cancelled,
                    "cancelled before it started",
                    grants,
                )
            } else {
                let _set_once_here = execution.started.set(Started {
                    at: SystemTime::now(),
                    instant: Instant::now(),
                });
                let job = run::Job {
                    id: &execution.id,
                    runtime: &runtime,
                    programs,
                    grants,
                    stdio: &stdio,
                    workspace: &workspace,
                    cancel: &execution.cancel,
                };
                run::execute(&finish.manager.shared.engine, job).await
            };
            drop(workspace);
            finish.grants = None;
            finish.publish(outcome);
        });
        Ok(Accepted {
            handle,
            execution,
            superseded,
        })
    }

    /// The registered runtime `name`, its policy and the programs it may spawn.
    fn resolve(&self, name: &str) -> Result<(Arc<Runtime>, RuntimePolicy, Programs)> {
        let runtimes = self
            .shared
            .runtimes
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let lookup = |name: &str| {
            runtimes.get(name).ok_or_else(|| Error::UnknownRuntime {
                name: name.to_owned(),
            })
        };
        let registered = lookup(name)?;
        // Registered to be spawned only: not a runtime a Run may name.
        let runtime = (registered.runnable)
            .then(|| registered.slot.runtime())
            .flatten()
            .ok_or_else(|| Error::UnknownRuntime {
                name: name.to_owned(),
            })?;
        // Resolved per execution: a program may name a runtime registered (or replaced) after this one.
        let mut programs = BTreeMap::new();
        for (program, runtime_name) in &registered.policy.capabilities.programs {
            programs.insert(program.clone(), Arc::clone(&lookup(runtime_name)?.slot));
        }
        Ok((
            Arc::clone(runtime),
            registered.policy.clone(),
            Arc::new(programs),
        ))
    }

    /// The execution's status.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] if this id is not retained.
    pub fn status(&self, id: &RunId) -> Result<RunStatus> {
        self.find(id).map(|execution| execution.status())
    }

    /// Every retained execution, sorted by id (Run UID, then attempt).
    pub fn list(&self) -> Vec<RunStatus> {
        self.list_matching(&ListFilter::default())
    }

    /// The retained executions that match `filter`, sorted by id.
    pub fn list_matching(&self, filter: &ListFilter) -> Vec<RunStatus> {
        let table = self.table();
        let executions: Box<dyn Iterator<Item = &Arc<Execution>>> = match &filter.uid {
            Some(uid) => Box::new(table.by_uid.get(uid).into_iter().flat_map(BTreeMap::values)),
            None => Box::new(table.executions()),
        };
        executions
            .map(|execution| execution.status())
            .filter(|status| filter.matches(status))
            .collect()
    }

    /// Requests cancellation and returns at once. Idempotent; a no-op if the execution is terminal.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn cancel(&self, id: &RunId) -> Result<()> {
        self.find(id)
            .map(|execution| execution.cancel(CancelCause::Request))
    }

    /// Cancels the execution and waits until it is terminal (at once for terminal executions), returning its
    /// status: `Cancelled`, unless it ended on its own first.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub async fn cancel_and_wait(&self, id: &RunId) -> Result<RunStatus> {
        let execution = self.find(id)?;
        execution.cancel(CancelCause::Request);
        execution.handle().wait().await;
        Ok(execution.status())
    }

    /// Removes a terminal execution and its workspace, returning its outcome.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::StillRunning`], [`Error::Workspace`] if removing the directory failed (the
    /// execution is forgotten anyway).
    pub async fn forget(&self, id: &RunId) -> Result<Arc<Outcome>> {
        let (outcome, workspace) = {
            let mut table = self.table();
            let execution = table
                .get(id)
                .ok_or_else(|| Error::NotFound { id: id.clone() })?;
            let outcome = execution
                .outcome()
                .ok_or_else(|| Error::StillRunning { id: id.clone() })?;
            let workspace = execution.workspace.clone();
            let handle = execution.handle();
            if let Some(attempts) = table.by_uid.get_mut(id.uid()) {
                attempts.remove(&id.attempt());
                if attempts.is_empty() {
                    table.by_uid.remove(id.uid());
                }
            }
            table.keep_logs(handle);
            (outcome, workspace)
        };
        self.shared.reaper.remove(workspace).await?;
        Ok(outcome)
    }

    /// Followers of the execution's stdout and stderr, from the first byte, with the truncation marker.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn logs(&self, id: &RunId) -> Result<Logs> {
        self.find(id).map(|execution| Logs {
            stdout: execution.stdio.stdout.follow(),
            stderr: execution.stdio.stderr.follow(),
        })
    }

    /// A handle to a retained execution (to wait for it or read its output).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn handle(&self, id: &RunId) -> Result<RunHandle> {
        self.find(id).map(|execution| execution.handle())
    }

    /// The output handle of a recently forgotten execution (see "Logs after forget").
    pub(crate) fn forgotten_handle(&self, id: &RunId) -> Option<RunHandle> {
        self.table().forgotten(id)
    }

    /// Whether new executions are accepted, and the counts.
    pub fn health(&self) -> Health {
        let table = self.table();
        Health {
            serving: !table.draining,
            active: table.running,
            capacity: self.shared.max_running,
            retained: table.by_uid.values().map(BTreeMap::len).sum(),
        }
    }

    /// Executions whose task has not finished yet.
    pub fn running(&self) -> usize {
        self.table().running
    }

    /// Stops accepting executions ([`Error::Draining`]), waits up to `grace` for the active ones to end, then
    /// cancels the rest with reason [`Reason::Shutdown`] and waits for them. Statuses, logs and forget keep
    /// working, so a caller can still collect the results. Idempotent; there is no way back to serving.
    pub async fn drain(&self, grace: Duration) -> Drained {
        let active: Vec<Arc<Execution>> = {
            let mut table = self.table();
            table.draining = true;
            table
                .executions()
                .filter(|execution| execution.outcome().is_none())
                .cloned()
                .collect()
        };
        let deadline = tokio::time::Instant::now() + grace;
        let mut in_time = true;
        for execution in &active {
            let mut handle = execution.handle();
            if tokio::time::timeout_at(deadline, handle.wait())
                .await
                .is_err()
            {
                in_time = false;
                break;
            }
        }
        let mut cancelled = 0;
        if !in_time {
            for execution in &active {
                if execution.outcome().is_none() {
                    execution.cancel(CancelCause::Shutdown);
                    cancelled += 1;
                }
            }
            for execution in &active {
                execution.handle().wait().await;
            }
        }
        Drained {
            finished: active.len() - cancelled,
            cancelled,
        }
    }

    /// The host directory of a retained execution's workspace: where its artifacts are read from before
    /// [`Manager::forget`] removes it.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn workspace_path(&self, id: &RunId) -> Result<PathBuf> {
        self.find(id)
            .map(|execution| self.shared.workspaces.path().join(&execution.workspace))
    }

    /// Names of the workspace directories present on disk.
    pub fn workspace_entries(&self) -> Result<Vec<String>> {
        self.shared.workspaces.entries()
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        // Table updates are single assignments; a panic elsewhere cannot leave it half-written.
        self.shared
            .table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, id: &RunId) -> Result<Arc<Execution>> {
        self.table()
            .get(id)
            .cloned()
            .ok_or_else(|| Error::NotFound { id: id.clone() })
    }
}

/// What [`Manager::accept`] registered (or found).
struct Accepted {
    handle: RunHandle,
    execution: Arc<Execution>,
    /// Handles of the attempts this one supersedes.
    superseded: Vec<RunHandle>,
}

/// Publishes an execution's outcome exactly once: normally from the task, or from `Drop` if the task panicked or
/// was aborted (runtime shutdown), so waiters and the capacity count never hang.
struct Finish {
    manager: Manager,
    execution: Arc<Execution>,
    /// Still `Some` until the task has an outcome; `Drop` then reports `HostError`.
    grants: Option<Grants>,
}

impl Finish {
    fn publish(&self, mut outcome: Outcome) {
        if outcome.phase == RunPhase::Cancelled {
            match self.execution.cause.get() {
                Some(CancelCause::Superseded { by }) => {
                    outcome.reason = Reason::Superseded;
                    outcome.message = format!("superseded by attempt {by}");
                }
                Some(CancelCause::Shutdown) => {
                    outcome.reason = Reason::Shutdown;
                    outcome.message = "runtimed shut down while the Run was active".to_owned();
                }
                Some(CancelCause::Request) | None => {}
            }
        }
        let outcome = Arc::new(outcome);
        let shared = &self.manager.shared;
        shared.metrics.run_finished(&outcome);
        tracing::debug!(
            run = %self.execution.id,
            phase = ?outcome.phase,
            reason = outcome.reason.as_str(),
            wall_us = outcome.usage.wall.as_micros() as u64,
            "run finished"
        );
        let mut table = self.manager.table();
        table.running -= 1;
        if self.execution.superseded.load(Ordering::SeqCst) {
            table.superseded_running -= 1;
        }
        let _set_once_here = self.execution.finished_at.set(SystemTime::now());
        // Published under the lock so a concurrent supersede or drain sees either "active" or the outcome.
        self.execution.outcome.send_replace(Some(outcome));
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        if let Some(grants) = self.grants.take() {
            tracing::error!(run = %self.execution.id, "run task ended without an outcome");
            self.execution.stdio.stdout.close();
            self.execution.stdio.stderr.close();
            self.publish(Outcome::not_started(
                RunPhase::Failed,
                Reason::HostError,
                "the host stopped running this Run (panic or shutdown)",
                grants,
            ));
        }
    }
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("workspaces", &self.shared.workspaces.path())
            .field("max_running", &self.shared.max_running)
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}
