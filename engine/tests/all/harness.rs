//! The test harness: a [`Host`] (a `Manager` in a temporary directory, on the process-wide engine) and a
//! [`RunBuilder`] in the style of runwasi's `WasiTest`: choose a guest, set the policy, run with a timeout, get the
//! outcome, stdout and stderr.
//!
//! All tests share one `Engine` (as runtimed does) and one on-disk component cache under `CARGO_TARGET_TMPDIR`, so
//! each guest is compiled once per build of the tests. Tests that measure process-wide resources (threads, fds)
//! take [`exclusive`]; every other test holds [`shared`] while it runs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use kruntimes_engine::{
    Engine, EngineConfig, HostConfig, Manager, ManagerConfig, Metrics, Outcome, RunHandle, RunId,
    RunSpec, RuntimePolicy,
};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::guests::Guest;

/// How long a test waits for any Run before failing (guards against hangs, far above every deadline used).
pub(crate) const TEST_GUARD: Duration = Duration::from_secs(60);

/// The process-wide engine, sized so that concurrently running tests never exhaust the pools.
pub(crate) static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(EngineConfig {
        max_concurrent_runs: 256,
        ..EngineConfig::default()
    })
    .expect("the test engine builds")
});

static SERIAL: RwLock<()> = RwLock::const_new(());

/// Held by ordinary tests.
pub(crate) async fn shared() -> RwLockReadGuard<'static, ()> {
    SERIAL.read().await
}

/// Held by tests that measure process-wide resources: no other test runs meanwhile.
pub(crate) async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    SERIAL.write().await
}

/// The component cache every test shares (compiled once per build).
pub(crate) fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kruntimes-component-cache")
}

/// A run manager in its own temporary directory.
pub(crate) struct Host {
    pub(crate) manager: Manager,
    dir: tempfile::TempDir,
    registered: Mutex<HashSet<String>>,
    _guard: Guard,
}

enum Guard {
    Shared(#[expect(dead_code, reason = "held for its Drop")] RwLockReadGuard<'static, ()>),
    Exclusive(#[expect(dead_code, reason = "held for its Drop")] RwLockWriteGuard<'static, ()>),
}

impl Host {
    /// A host with default limits, run alongside other tests.
    pub(crate) async fn new() -> Self {
        Self::build(|_| {}, Guard::Shared(shared().await))
    }

    /// A host with `configure` applied to its manager config.
    pub(crate) async fn with(configure: impl FnOnce(&mut ManagerConfig)) -> Self {
        Self::build(configure, Guard::Shared(shared().await))
    }

    /// A host that runs alone (for resource-leak measurements).
    pub(crate) async fn exclusive() -> Self {
        Self::build(|_| {}, Guard::Exclusive(exclusive().await))
    }

    /// A host on its own `engine` (a pool sized for the test), run alongside other tests.
    pub(crate) async fn on_engine(engine: Engine) -> Self {
        // The manager admits exactly the engine's max_concurrent_runs, as in runtimed.
        Self::build_on(
            engine,
            |c| c.max_concurrent_runs = None,
            Guard::Shared(shared().await),
        )
    }

    fn build(configure: impl FnOnce(&mut ManagerConfig), guard: Guard) -> Self {
        Self::build_on(ENGINE.clone(), configure, guard)
    }

    fn build_on(engine: Engine, configure: impl FnOnce(&mut ManagerConfig), guard: Guard) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ManagerConfig {
            workspace_root: dir.path().join("workspaces"),
            cache_dir: cache_dir(),
            host: HostConfig::default(),
            max_concurrent_runs: Some(200),
            on_compile: None,
        };
        configure(&mut config);
        let manager = Manager::new(engine, config, Metrics::default()).unwrap();
        Self {
            manager,
            dir,
            registered: Mutex::new(HashSet::new()),
            _guard: guard,
        }
    }

    /// The temporary directory holding `workspaces/` (tests may put host files next to it).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The host path of a Run's workspace.
    pub(crate) fn workspace_path(&self, id: &RunId) -> PathBuf {
        self.dir.path().join("workspaces").join(id.workspace_name())
    }

    /// Registers `guest` under `name` with `policy` (once per name).
    pub(crate) async fn register(&self, name: &str, guest: Guest, policy: RuntimePolicy) {
        if self.registered.lock().unwrap().contains(name) {
            return;
        }
        for (companion, bytes, policy) in guest.companions() {
            self.manager
                .register_runtime(&companion, bytes, policy)
                .await
                .unwrap();
        }
        self.manager
            .register_runtime(name, guest.bytes(), policy)
            .await
            .unwrap();
        self.registered.lock().unwrap().insert(name.to_owned());
    }

    /// Starts building a Run of `guest`.
    pub(crate) fn run(&self, guest: Guest) -> RunBuilder<'_> {
        RunBuilder {
            host: self,
            guest,
            spec: RunSpec::new(RunId::new(unique_uid(guest), 1).unwrap(), guest.0),
            policy: None,
        }
    }
}

fn unique_uid(guest: Guest) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", guest.0.replace('_', "-"))
}

/// One Run being configured.
pub(crate) struct RunBuilder<'h> {
    host: &'h Host,
    guest: Guest,
    spec: RunSpec,
    policy: Option<(String, RuntimePolicy)>,
}

impl RunBuilder<'_> {
    /// Appends arguments.
    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.spec.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Adds an environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.spec.env.push((name.into(), value.into()));
        self
    }

    /// Sets the requested timeout.
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = Some(timeout);
        self
    }

    /// Sets the requested memory limit.
    pub(crate) fn memory(mut self, bytes: u64) -> Self {
        self.spec.memory_bytes = Some(bytes);
        self
    }

    /// Sets an entrypoint with inline source.
    pub(crate) fn source(mut self, entrypoint: &str, source: &str) -> Self {
        self.spec.entrypoint = Some(entrypoint.into());
        self.spec.source = Some(source.into());
        self
    }

    /// Sets the Run id.
    pub(crate) fn id(mut self, uid: &str, attempt: u32) -> Self {
        self.spec.id = RunId::new(uid, attempt).unwrap();
        self
    }

    /// Runs under a Runtime `policy`, registered as runtime `name` (distinct names for distinct policies).
    pub(crate) fn policy(mut self, name: &str, policy: RuntimePolicy) -> Self {
        self.spec.runtime = name.to_owned();
        self.policy = Some((name.to_owned(), policy));
        self
    }

    /// The spec as built so far.
    pub(crate) fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// Registers the runtime and starts the Run.
    pub(crate) async fn start(self) -> kruntimes_engine::Result<Started> {
        let (name, policy) = self
            .policy
            .unwrap_or_else(|| (self.guest.0.to_owned(), self.guest.default_policy()));
        self.host.register(&name, self.guest, policy).await;
        let started = Instant::now();
        let handle = self.host.manager.execute(self.spec)?;
        Ok(Started { handle, started })
    }

    /// Starts the Run and waits for it (at most [`TEST_GUARD`]).
    pub(crate) async fn finish(self) -> Finished {
        self.start().await.unwrap().finish().await
    }
}

/// A started Run.
pub(crate) struct Started {
    pub(crate) handle: RunHandle,
    pub(crate) started: Instant,
}

impl Started {
    /// Waits (at most [`TEST_GUARD`]) and collects the result.
    pub(crate) async fn finish(mut self) -> Finished {
        let outcome = tokio::time::timeout(TEST_GUARD, self.handle.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "run {} did not finish within {TEST_GUARD:?}",
                    self.handle.id()
                )
            });
        Finished {
            elapsed: self.started.elapsed(),
            stdout: String::from_utf8_lossy(&self.handle.stdout().contents()).into_owned(),
            stderr: String::from_utf8_lossy(&self.handle.stderr().contents()).into_owned(),
            stdout_bytes: self.handle.stdout().contents(),
            id: self.handle.id().clone(),
            outcome,
        }
    }
}

/// A finished Run.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) id: RunId,
    pub(crate) outcome: Arc<Outcome>,
    pub(crate) stdout: String,
    pub(crate) stdout_bytes: Vec<u8>,
    pub(crate) stderr: String,
    /// From `execute` to the outcome, as the caller saw it.
    pub(crate) elapsed: Duration,
}

impl Finished {
    /// `phase/reason` for compact assertions.
    pub(crate) fn result(&self) -> String {
        format!("{:?}/{}", self.outcome.phase, self.outcome.reason.as_str())
    }
}

/// Open file descriptors of this process.
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Threads of this process.
pub(crate) fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}
