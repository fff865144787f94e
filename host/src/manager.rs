//! The run manager: the API a gRPC service and `krt local` call.
//!
//! It owns the registered runtimes, the workspaces and the table of executions, and runs each execution on its
//! own tokio task. Executions are keyed by [`RunId`] (Run UID + attempt).
//!
//! # Guarantees
//!
//! - **Idempotent execute**: executing an id that is already known returns a handle to the existing execution
//!   (running or finished); the spec of the second request is ignored.
//! - **Attempts**: a higher attempt of a known UID supersedes the lower one: the lower is cancelled, dropped
//!   from the table and its workspace removed once it has stopped. A lower attempt than the known one is
//!   refused with [`Error::StaleAttempt`]. Status, cancel, logs and forget only know the current attempt.
//! - **Capacity**: at most `max_concurrent_runs` executions run at once; more is [`Error::AtCapacity`] (the caller
//!   retries or the scheduler places elsewhere). A Run that is being superseded does not count against it.
//! - **Cancel** is idempotent and a no-op for finished Runs. **Forget** of a running execution is
//!   [`Error::StillRunning`]; of a finished one removes it and its workspace. Unknown ids are [`Error::NotFound`].
//! - Finished executions stay in the table (with their bounded output) until forgotten: the caller (the runtimed
//!   agent) forgets each Run after writing its terminal status.
//!
//! The request is checked by the capability policy *before* anything is created, so a policy violation is an
//! error to the caller and never an execution.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cache::{ComponentCache, Runtime};
use crate::capabilities::{self, Grants, HostConfig, RuntimePolicy, Stdio};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::outcome::{Outcome, Phase, Reason};
use crate::output::{OutputBuffer, OutputFollower};
use crate::run;
use crate::spec::{RunId, RunSpec};
use crate::workspace::{Reaper, WorkspaceRoot};

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
    cache: ComponentCache,
    workspaces: Arc<WorkspaceRoot>,
    reaper: Reaper,
    host: HostConfig,
    max_running: usize,
    metrics: Metrics,
    // std locks: held for map operations only, never across an await.
    runtimes: RwLock<HashMap<String, Registered>>,
    table: Mutex<Table>,
}

struct Registered {
    runtime: Arc<Runtime>,
    policy: RuntimePolicy,
}

#[derive(Default)]
struct Table {
    /// The current attempt of each known Run UID.
    by_uid: HashMap<String, Arc<Execution>>,
    /// Executions whose task has not finished, superseded ones included.
    running: usize,
    /// Running executions that were superseded (they do not count against capacity).
    superseded_running: usize,
}

struct Execution {
    id: RunId,
    runtime: String,
    grants: Grants,
    stdio: Stdio,
    cancel: CancellationToken,
    outcome: watch::Sender<Option<Arc<Outcome>>>,
    workspace: String,
    /// Set under the table lock when a higher attempt replaces this one.
    superseded: AtomicBool,
}

impl Execution {
    fn outcome(&self) -> Option<Arc<Outcome>> {
        self.outcome.borrow().clone()
    }

    fn handle(&self) -> RunHandle {
        RunHandle {
            id: self.id.clone(),
            outcome: self.outcome.subscribe(),
            stdio: self.stdio.clone(),
        }
    }

    fn status(&self) -> RunStatus {
        RunStatus {
            id: self.id.clone(),
            runtime: self.runtime.clone(),
            grants: self.grants.clone(),
            outcome: self.outcome(),
        }
    }
}

/// A caller's view of one execution.
#[derive(Debug, Clone)]
pub struct RunHandle {
    id: RunId,
    outcome: watch::Receiver<Option<Arc<Outcome>>>,
    stdio: Stdio,
}

impl RunHandle {
    /// The execution's id.
    pub fn id(&self) -> &RunId {
        &self.id
    }

    /// Waits for the execution to end.
    pub async fn wait(&mut self) -> Arc<Outcome> {
        loop {
            if let Some(outcome) = self.outcome.borrow_and_update().clone() {
                return outcome;
            }
            if self.outcome.changed().await.is_err() {
                // The sender lives in the execution, which we keep alive through the manager; if it is gone the
                // last value is final.
                if let Some(outcome) = self.outcome.borrow().clone() {
                    return outcome;
                }
                std::future::pending::<()>().await;
            }
        }
    }

    /// The outcome, if finished.
    pub fn outcome(&self) -> Option<Arc<Outcome>> {
        self.outcome.borrow().clone()
    }

    /// The guest's stdout.
    pub fn stdout(&self) -> &OutputBuffer {
        &self.stdio.stdout
    }

    /// The guest's stderr.
    pub fn stderr(&self) -> &OutputBuffer {
        &self.stdio.stderr
    }
}

/// What [`Manager::status`] and [`Manager::list`] report.
#[derive(Debug, Clone)]
pub struct RunStatus {
    /// The execution.
    pub id: RunId,
    /// Runtime name.
    pub runtime: String,
    /// Capabilities granted.
    pub grants: Grants,
    /// `None` while running.
    pub outcome: Option<Arc<Outcome>>,
}

/// Followers of a Run's stdout and stderr, from the first byte; see [`OutputFollower`].
#[derive(Debug)]
pub struct Logs {
    /// Follows stdout.
    pub stdout: OutputFollower,
    /// Follows stderr.
    pub stderr: OutputFollower,
}

impl Manager {
    /// A manager running components on `engine`, reporting to `metrics`.
    pub fn new(engine: Engine, config: ManagerConfig, metrics: Metrics) -> Result<Self> {
        let cache = ComponentCache::new(engine.clone(), &config.cache_dir)?;
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
    pub async fn register_runtime(
        &self,
        name: &str,
        component: Vec<u8>,
        policy: RuntimePolicy,
    ) -> Result<Arc<Runtime>> {
        let shared = Arc::clone(&self.shared);
        let runtime = tokio::task::spawn_blocking(move || shared.cache.load(&component))
            .await
            .map_err(|source| Error::Background { source })??;
        self.shared
            .runtimes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                name.to_owned(),
                Registered {
                    runtime: Arc::clone(&runtime),
                    policy,
                },
            );
        Ok(runtime)
    }

    /// Starts `spec` (or returns the existing execution of the same id). See the module docs for duplicates,
    /// attempts and capacity.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRuntime`], [`Error::Policy`] (the request exceeds a limit), [`Error::StaleAttempt`],
    /// [`Error::AtCapacity`], [`Error::Workspace`].
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (the execution is spawned on it).
    pub fn execute(&self, spec: RunSpec) -> Result<RunHandle> {
        let (runtime, policy, programs) = {
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
            let registered = lookup(&spec.runtime)?;
            // Resolved per execution: a program may name a runtime registered (or replaced) after this one.
            let mut programs = BTreeMap::new();
            for (program, runtime_name) in &registered.policy.capabilities.programs {
                programs.insert(program.clone(), Arc::clone(&lookup(runtime_name)?.runtime));
            }
            (
                Arc::clone(&registered.runtime),
                registered.policy.clone(),
                Arc::new(programs),
            )
        };

        // Held until the execution is registered, workspace creation included (a few syscalls plus the inline
        // source): two requests for the same UID must not both create its workspace directory.
        let mut table = self.table();
        let mut replaced = None;
        if let Some(existing) = table.by_uid.get(spec.id.uid()) {
            let current = existing.id.attempt();
            if current == spec.id.attempt() {
                return Ok(existing.handle());
            }
            if current > spec.id.attempt() {
                return Err(Error::StaleAttempt {
                    uid: spec.id.uid().to_owned(),
                    attempt: spec.id.attempt(),
                    current,
                });
            }
            replaced = Some(Arc::clone(existing));
        }
        let superseding_running = replaced.as_ref().is_some_and(|old| old.outcome().is_none());
        let counted = table.running - table.superseded_running - usize::from(superseding_running);
        if counted >= self.shared.max_running {
            return Err(Error::AtCapacity {
                limit: self.shared.max_running,
            });
        }

        let workspace_name = spec.id.workspace_name();
        let grants = capabilities::grant(
            &spec,
            &policy,
            &self.shared.host,
            &self.shared.workspaces.path().join(&workspace_name),
        )?;
        let workspace = self.shared.workspaces.create(&spec.id)?;
        if let (Some(entrypoint), Some(source)) = (&spec.entrypoint, &spec.source)
            && let Err(err) = workspace.write_source(entrypoint, source.as_bytes())
        {
            drop(workspace);
            let _ = self.shared.workspaces.remove(&workspace_name);
            return Err(err);
        }

        // Committed: replace the older attempt and register the new execution.
        let mut remove_old = None;
        if let Some(old) = replaced {
            old.cancel.cancel();
            if old.outcome().is_none() {
                old.superseded.store(true, Ordering::SeqCst);
                table.superseded_running += 1;
            } else {
                remove_old = Some(old.workspace.clone());
            }
        }
        let stdio = Stdio::for_grants(&grants);
        let execution = Arc::new(Execution {
            id: spec.id.clone(),
            runtime: spec.runtime.clone(),
            grants: grants.clone(),
            stdio: stdio.clone(),
            cancel: CancellationToken::new(),
            outcome: watch::Sender::new(None),
            workspace: workspace_name,
            superseded: AtomicBool::new(false),
        });
        table
            .by_uid
            .insert(spec.id.uid().to_owned(), Arc::clone(&execution));
        table.running += 1;
        drop(table);
        self.shared.metrics.run_started();
        if let Some(name) = remove_old {
            self.remove_workspace_later(name);
        }

        let handle = execution.handle();
        let mut finish = Finish {
            manager: self.clone(),
            execution,
            grants: Some(grants.clone()),
        };
        tokio::spawn(async move {
            let job = run::Job {
                id: &finish.execution.id,
                runtime: &runtime,
                programs,
                grants,
                stdio: &stdio,
                workspace: &workspace,
                cancel: &finish.execution.cancel,
            };
            let outcome = run::execute(&finish.manager.shared.engine, job).await;
            drop(workspace);
            finish.grants = None;
            finish.publish(outcome);
        });
        Ok(handle)
    }

    /// The current attempt's status.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] if this id is not the current attempt of a known Run.
    pub fn status(&self, id: &RunId) -> Result<RunStatus> {
        self.find(id).map(|execution| execution.status())
    }

    /// All known executions (current attempts), sorted by id.
    pub fn list(&self) -> Vec<RunStatus> {
        let mut all: Vec<RunStatus> = self
            .table()
            .by_uid
            .values()
            .map(|execution| execution.status())
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Cancels the execution. Idempotent; a no-op if it already finished.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn cancel(&self, id: &RunId) -> Result<()> {
        self.find(id).map(|execution| execution.cancel.cancel())
    }

    /// Removes a finished execution and its workspace, returning its outcome.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::StillRunning`], [`Error::Workspace`] if removing the directory failed (the
    /// execution is forgotten anyway).
    pub async fn forget(&self, id: &RunId) -> Result<Arc<Outcome>> {
        let (outcome, workspace) = {
            let mut table = self.table();
            let execution = table
                .by_uid
                .get(id.uid())
                .filter(|execution| execution.id == *id)
                .ok_or_else(|| Error::NotFound { id: id.clone() })?;
            let outcome = execution
                .outcome()
                .ok_or_else(|| Error::StillRunning { id: id.clone() })?;
            let workspace = execution.workspace.clone();
            table.by_uid.remove(id.uid());
            (outcome, workspace)
        };
        self.shared.reaper.remove(workspace).await?;
        Ok(outcome)
    }

    /// Followers of the execution's stdout and stderr.
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

    /// Executions whose task has not finished yet.
    pub fn running(&self) -> usize {
        self.table().running
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
            .by_uid
            .get(id.uid())
            .filter(|execution| execution.id == *id)
            .cloned()
            .ok_or_else(|| Error::NotFound { id: id.clone() })
    }

    fn remove_workspace_later(&self, name: String) {
        self.shared.reaper.remove_later(name);
    }
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
    fn publish(&self, outcome: Outcome) {
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
        let superseded = {
            let mut table = self.manager.table();
            table.running -= 1;
            let superseded = self.execution.superseded.load(Ordering::SeqCst);
            if superseded {
                table.superseded_running -= 1;
            }
            // Published under the lock so a concurrent supersede sees either "running" or the outcome.
            self.execution.outcome.send_replace(Some(outcome));
            superseded
        };
        if superseded {
            self.manager
                .remove_workspace_later(self.execution.workspace.clone());
        }
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        if let Some(grants) = self.grants.take() {
            tracing::error!(run = %self.execution.id, "run task ended without an outcome");
            self.execution.stdio.stdout.close();
            self.execution.stdio.stderr.close();
            self.publish(Outcome::not_started(
                Phase::Failed,
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
