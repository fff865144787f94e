//! runtimed's Kubernetes agent: executes the Runs the scheduler bound to this pod and writes their status.
//!
//! - Watches only its own Runs: `--field-selector status.assignedPod=<pod>` in its namespace, and executes only
//!   those whose `assignedPodUid` is this pod's UID ([`plan::decide`]).
//! - At most 3 API writes per Run, counting the scheduler's bind: the claim (`Running`, `startTime`), written only
//!   if the Run still executes [`AgentConfig::running_write_delay`] after it started, and the result, in one
//!   patch. Every write is a merge patch guarded by the Run's `resourceVersion`; on a conflict the Run is re-read
//!   and the write is retried only if the Run is still this attempt on this pod.
//! - A failed attempt that its retry policy allows goes back to `Pending` (attempt + 1) for the scheduler.
//! - A `Running` Run bound here that runtimed does not execute (runtimed restarted) fails with `ExecutionLost`,
//!   so its retry policy applies.
//! - Heartbeat: the pod condition `kruntimes.io/RuntimedReady` every [`AgentConfig::heartbeat_interval`]
//!   (`True/Heartbeat` while the engine serves, `False/Draining` once it drains); the Runtime's pods carry it as a
//!   readiness gate, and the scheduler only places Runs where it is fresh.
//! - Events: a Warning Event on the Run for every attempt that failed (retried or final); none for successes,
//!   which would cost one more API write per Run.
//! - Capacity: the manager refuses executions beyond `--capacity`; a refused Run stays `Scheduled` and is
//!   retried every second (the scheduler does not over-commit, so this only happens when capacities disagree).
//!
//! The agent's credentials never reach a guest: guests see only their `/workspace` (WASI preopens), never the
//! pod's filesystem where the service-account token is mounted.

mod artifacts;
pub mod plan;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use kruntimes_api::v1alpha1::{ComponentStatus, Run, RunPhase, RunStatus, Runtime};
use kruntimes_daemon::errors;
use kruntimes_daemon::events::{Event, EventType, Recorder, Reporter};
use kube::api::{Patch, PatchParams};
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};

use kruntimes_engine::Error;
use kruntimes_engine::manager::Manager;
use kruntimes_engine::spec::RunId;
pub use plan::{Action, PodIdentity};

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// runtimed's own pod.
    pub pod: PodIdentity,
    /// The registered runtime every Run bound to this pod executes (a pod serves one Runtime).
    pub runtime: String,
    /// How long a Run executes before the agent writes `Running` (Runs that finish sooner cost one write less).
    pub running_write_delay: Duration,
    /// Interval of the `kruntimes.io/RuntimedReady` heartbeat.
    pub heartbeat_interval: Duration,
    /// The Runtime's artifact store (None: artifacts are discarded, and the Run's message says so).
    pub artifact_store: Option<ArtifactStore>,
    /// Where a `filesystem` store's volume is mounted.
    pub artifact_store_root: PathBuf,
}

impl AgentConfig {
    /// The defaults: `Running` after 250 ms, a heartbeat every 5 s, no artifact store.
    pub fn new(pod: PodIdentity, runtime: impl Into<String>) -> Self {
        Self {
            pod,
            runtime: runtime.into(),
            running_write_delay: Duration::from_millis(250),
            heartbeat_interval: Duration::from_secs(
                kruntimes_api::consts::HEARTBEAT_INTERVAL_SECONDS.unsigned_abs(),
            ),
            artifact_store: None,
            artifact_store_root: PathBuf::from(kruntimes_api::consts::artifact_store::MOUNT_PATH),
        }
    }
}

/// Writes `component` (what runtimed found in the component it loaded) to `status.component` of the Runtime
/// `runtime` in `namespace`, with a merge patch of that field only (the controller writes the others). Three
/// attempts, a second apart; a failure is logged, not fatal: the report is for people, Runs do not depend on it.
pub async fn report_component(
    client: &Client,
    namespace: &str,
    runtime: &str,
    component: &ComponentStatus,
) {
    let api: Api<Runtime> = Api::namespaced(client.clone(), namespace);
    let patch = serde_json::json!({ "status": { "component": component } });
    for attempt in 1..=3 {
        match api
            .patch_status(runtime, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {
                tracing::info!(runtime, sha256 = ?component.sha256, "component reported in the Runtime's status");
                return;
            }
            Err(err) if attempt < 3 => {
                tracing::debug!(%err, attempt, "component report failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => {
                tracing::warn!(%err, runtime, "could not report the component in the Runtime's status")
            }
        }
    }
}

/// Runs the agent until `shutdown` resolves: the heartbeat, and the watch of this pod's Runs.
///
/// # Errors
///
/// Never on API errors (they are logged and retried); only if the watch stream ends, which it does not.
pub async fn run(
    client: Client,
    manager: Manager,
    config: AgentConfig,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "kruntimes-runtimed".to_owned(),
            instance: Some(config.pod.name.clone()),
        },
    );
    kruntimes_artifacts::store::install_crypto_provider();
    let agent = Arc::new(Agent {
        recorder,
        client: client.clone(),
        runs: Api::namespaced(client.clone(), &config.pod.namespace),
        pods: Api::namespaced(client, &config.pod.namespace),
        manager,
        config,
        executing: Mutex::new(HashMap::new()),
        last_beat: Mutex::new(None),
    });
    let heartbeat = tokio::spawn(agent.clone().heartbeat());
    let watch = agent.clone().watch();
    tokio::select! {
        () = shutdown => {}
        result = watch => result?,
    }
    heartbeat.abort();
    agent
        .beat(false, "Draining", "runtimed is shutting down")
        .await;
    Ok(())
}

struct Agent {
    recorder: Recorder,
    client: Client,
    runs: Api<Run>,
    pods: Api<Pod>,
    manager: Manager,
    config: AgentConfig,
    /// Run uid → the attempt this runtimed executes.
    executing: Mutex<HashMap<String, u32>>,
    /// The last heartbeat's status and when that status began (the condition's `lastTransitionTime`).
    last_beat: Mutex<Option<(bool, String)>>,
}

/// Why a status write did not happen.
enum WriteError {
    /// The Run is no longer this attempt on this pod (reaped, finished, deleted): write nothing more.
    Moved,
    /// The API failed; the caller gives up on this write after logging.
    Api(kube::Error),
}

impl Agent {
    async fn watch(self: Arc<Self>) -> anyhow::Result<()> {
        let selector = format!("status.assignedPod={}", self.config.pod.name);
        let stream = watcher(
            self.runs.clone(),
            kruntimes_daemon::watch::config().fields(&selector),
        );
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Ok(watcher::Event::Apply(run) | watcher::Event::InitApply(run)) => {
                    self.observe(run).await;
                }
                Ok(watcher::Event::Delete(run)) => self.deleted(&run),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(%err, "watch of this pod's Runs failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        anyhow::bail!("the watch of this pod's Runs ended")
    }

    fn executing(&self, uid: &str) -> Option<u32> {
        self.executing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(uid)
            .copied()
    }

    fn track(&self, uid: &str, attempt: Option<u32>) {
        let mut executing = self
            .executing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match attempt {
            Some(a) => executing.insert(uid.to_owned(), a),
            None => executing.remove(uid),
        };
    }

    async fn observe(self: &Arc<Self>, run: Run) {
        let Some(uid) = run.metadata.uid.clone() else {
            return;
        };
        // Decide and record a start under one lock: a revisit and the watch may observe the same Run at once,
        // and only one of them may start it.
        let (executing, action) = {
            let mut tracked = self
                .executing
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let executing = tracked.get(&uid).copied();
            let action = plan::decide(&run, &self.config.pod, executing);
            if let Action::Start { attempt } = action {
                tracked.insert(uid.clone(), attempt);
            }
            (executing, action)
        };
        let now = Timestamp::now();
        match action {
            Action::Ignore => {}
            Action::Start { attempt } => {
                tokio::spawn(self.clone().execute(run, uid, attempt));
            }
            Action::StartAfterPrevious => {
                if let Some(previous) = executing
                    && let Ok(id) = RunId::new(&uid, previous)
                {
                    let _ = self.manager.cancel(&id);
                }
                self.revisit(run.name_any(), PREVIOUS_ATTEMPT_RECHECK);
            }
            Action::CancelBeforeStart => {
                let status = plan::cancelled(&run, now);
                let _ = self.write(&run, &status).await;
            }
            Action::Lost => {
                let status = plan::lost(&run, now);
                let _ = self.write(&run, &status).await;
            }
            Action::CancelExecution | Action::Abandon => {
                if let Some(attempt) = executing
                    && let Ok(id) = RunId::new(&uid, attempt)
                {
                    // The execution task sees the outcome and writes (Cancel) or does not (Abandon).
                    let _ = self.manager.cancel(&id);
                }
            }
        }
    }

    fn deleted(&self, run: &Run) {
        if let Some(uid) = run.metadata.uid.as_deref()
            && let Some(attempt) = self.executing(uid)
            && let Ok(id) = RunId::new(uid, attempt)
        {
            let _ = self.manager.cancel(&id);
        }
    }

    /// Executes one attempt and writes its claim (if still running after the delay) and its result.
    async fn execute(self: Arc<Self>, run: Run, uid: String, attempt: u32) {
        let mut spec = match kruntimes_engine::api::run_spec(&run, &uid, attempt) {
            Ok(spec) => spec,
            Err(err) => {
                let status = plan::invalid(&run, &err.to_string(), Timestamp::now());
                let _ = self.write(&run, &status).await;
                self.track(&uid, None);
                return;
            }
        };
        spec.runtime.clone_from(&self.config.runtime);
        let id = spec.id.clone();
        let mut handle = match self.manager.execute(spec) {
            Ok(handle) => handle,
            Err(Error::AtCapacity { .. }) => {
                tracing::warn!(run = %run.name_any(), "engine at capacity; retrying in 1 s");
                self.track(&uid, None);
                self.revisit(run.name_any(), Duration::from_secs(1));
                return;
            }
            Err(err @ Error::Policy(_)) => {
                let status = plan::invalid(&run, &err.to_string(), Timestamp::now());
                let _ = self.write(&run, &status).await;
                self.track(&uid, None);
                return;
            }
            Err(err) => {
                let status = lifecycle::failed(
                    &run,
                    reasons::HOST_ERROR,
                    &err.to_string(),
                    Timestamp::now(),
                );
                let _ = self.write(&run, &status).await;
                self.track(&uid, None);
                return;
            }
        };
        let started = Timestamp::now();
        let mut current = run;
        let outcome = tokio::select! {
            outcome = handle.wait() => Some(outcome),
            () = tokio::time::sleep(self.config.running_write_delay) => None,
        };
        let outcome = match outcome {
            Some(outcome) => outcome,
            None => {
                let claim = plan::claimed(&current, started);
                match self.write(&current, &claim).await {
                    Ok(updated) => current = updated,
                    Err(WriteError::Moved) => {
                        let _ = self.manager.cancel(&id);
                        handle.wait().await;
                        self.finish(&id, &uid).await;
                        return;
                    }
                    // The result write below retries with a fresh read.
                    Err(WriteError::Api(_)) => {}
                }
                handle.wait().await
            }
        };
        let finished = Timestamp::now();
        let mut status =
            kruntimes_engine::api::attempt_status(&current, &outcome, started, finished);
        if status.phase.is_terminal() {
            current = self.store_artifacts(current, &id, &mut status).await;
        }
        match self.write(&current, &status).await {
            Ok(_) | Err(WriteError::Moved) => {}
            Err(WriteError::Api(err)) => {
                tracing::error!(run = %current.name_any(), %err, "cannot write the Run's result");
            }
        }
        self.finish(&id, &uid).await;
    }

    async fn finish(&self, id: &RunId, uid: &str) {
        if let Err(err) = self.manager.forget(id).await {
            tracing::warn!(%id, %err, "cannot forget the execution");
        }
        self.track(uid, None);
    }

    /// Writes `status` over `run`'s, guarded by its resourceVersion. On a conflict, re-reads the Run and retries
    /// (recomputing nothing: `status` is this attempt's truth) while it is still this attempt on this pod and not
    /// terminal.
    async fn write(&self, run: &Run, status: &RunStatus) -> Result<Run, WriteError> {
        let name = run.name_any();
        let attempt = lifecycle::attempt(run);
        let mut current = run.clone();
        // Conflicts and refusals end after 5 rounds; an unreachable API server (a control-plane restart) is
        // waited out with a back-off for up to UNREACHABLE_BUDGET: this status is the only copy of the result.
        let mut rounds = 0;
        let deadline = tokio::time::Instant::now() + UNREACHABLE_BUDGET;
        let mut backoff = Duration::from_millis(200);
        while rounds < 5 {
            let patch = lifecycle::status_patch(
                current.status.as_ref(),
                status,
                current.metadata.resource_version.as_deref(),
            );
            match self
                .runs
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(updated) => {
                    self.warn_if_failed(&updated, status).await;
                    return Ok(updated);
                }
                Err(e) if errors::is_conflict(&e) => {
                    rounds += 1;
                    current = loop {
                        match self.runs.get_opt(&name).await {
                            Ok(Some(fresh)) => break fresh,
                            Ok(None) => return Err(WriteError::Moved),
                            Err(err)
                                if unreachable(&err) && tokio::time::Instant::now() < deadline =>
                            {
                                tracing::warn!(run = %name, %err, "re-reading the Run failed; retrying");
                                tokio::time::sleep(backoff).await;
                                backoff = (backoff * 2).min(MAX_BACKOFF);
                            }
                            Err(err) => return Err(WriteError::Api(err)),
                        }
                    };
                    let still_ours = current.metadata.uid == run.metadata.uid
                        && lifecycle::attempt(&current) == attempt
                        && current.status.as_ref().is_some_and(|s| {
                            !s.phase.is_terminal()
                                && s.assigned_pod_uid.as_deref()
                                    == Some(self.config.pod.uid.as_str())
                        });
                    if !still_ours {
                        return Err(WriteError::Moved);
                    }
                }
                Err(e) if errors::is_not_found(&e) => return Err(WriteError::Moved),
                Err(err) => {
                    if !(unreachable(&err) && tokio::time::Instant::now() < deadline) {
                        rounds += 1;
                    }
                    tracing::warn!(run = %name, %err, "status write failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        Err(WriteError::Api(kube::Error::Service(
            "status write kept conflicting or failing".into(),
        )))
    }

    /// A Warning Event for an attempt that did not succeed (retried or final). Successful Runs publish none:
    /// their status says everything and an Event would be one more API write per Run.
    async fn warn_if_failed(&self, run: &Run, status: &RunStatus) {
        let failed_final = status.phase.is_terminal() && status.phase != RunPhase::Succeeded;
        let retried = status.phase == RunPhase::Pending;
        if !failed_final && !retried {
            return;
        }
        let event = Event {
            type_: EventType::Warning,
            reason: status.reason.clone().unwrap_or_else(|| "Failed".to_owned()),
            note: status.message.clone(),
            action: if retried { "Retry" } else { "Fail" }.to_owned(),
            secondary: None,
        };
        // Best effort: the status is what matters.
        if let Err(err) = self.recorder.publish(&event, &run.object_ref(&())).await {
            tracing::debug!(%err, "cannot publish the Run's event");
        }
    }

    /// Looks at a Run again after `delay` (used when the engine was at capacity, or an older attempt was still
    /// held).
    fn revisit(self: &Arc<Self>, name: String, delay: Duration) {
        let agent = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Ok(Some(run)) = agent.runs.get_opt(&name).await {
                agent.observe(run).await;
            }
        });
    }

    async fn heartbeat(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(self.config.heartbeat_interval);
        loop {
            ticker.tick().await;
            let health = self.manager.health();
            if health.serving {
                self.beat(true, "Heartbeat", "runtimed is serving").await;
            } else {
                self.beat(false, "Draining", "runtimed is draining").await;
            }
        }
    }

    /// Writes the `kruntimes.io/RuntimedReady` pod condition (strategic merge: conditions merge by type).
    async fn beat(&self, ready: bool, reason: &str, message: &str) {
        let now = Timestamp::now().to_string();
        let status = if ready { "True" } else { "False" };
        let mut condition = serde_json::json!({
            "type": conditions::RUNTIMED_READY,
            "status": status,
            "reason": reason,
            "message": message,
            "lastProbeTime": now,
        });
        // Keep lastTransitionTime unless the status changes: remembered here rather than read back from the
        // pod every beat (a restarted runtimed starts a new transition, which is what happened).
        let since = {
            let mut last = self
                .last_beat
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match &*last {
                Some((was_ready, since)) if *was_ready == ready => since.clone(),
                _ => {
                    *last = Some((ready, now.clone()));
                    now.clone()
                }
            }
        };
        condition["lastTransitionTime"] = serde_json::Value::String(since);
        let patch = serde_json::json!({ "status": { "conditions": [condition] } });
        if let Err(err) = self
            .pods
            .patch_status(
                &self.config.pod.name,
                &PatchParams::default(),
                &Patch::Strategic(&patch),
            )
            .await
        {
            tracing::warn!(%err, "heartbeat failed");
        }
    }
}

/// Wait before looking again at a Run whose newer attempt is bound here while an older one is still held
/// ([`Action::StartAfterPrevious`]): forgetting a finished attempt takes milliseconds.
const PREVIOUS_ATTEMPT_RECHECK: Duration = Duration::from_millis(100);

/// How long a Run's status write waits out an API server it cannot reach (a control-plane restart) before
/// giving up: the result it carries exists nowhere else.
const UNREACHABLE_BUDGET: Duration = Duration::from_secs(300);
/// Longest pause between two status writes to an unreachable API server.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Whether `err` says the API server could not be reached or was not serving (connection errors, 429, 5xx),
/// rather than that it refused the request.
fn unreachable(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(e) => e.code == 429 || e.code >= 500,
        _ => true,
    }
}
