//! The I/O edge: watches feed the [`Index`], a work queue of pending Runs (keyed by UID) drives
//! placement, and bounded concurrent tasks bind with one resourceVersion-guarded merge patch on
//! `runs/status`. Only the leader binds.
//!
//! # Guarantees
//! - No over-commit by this scheduler: a placement reserves its requests in the index before the bind is
//!   sent, and the reservation stays until the watch shows the binding (or the bind fails).
//! - At most one write per Run placed at the first try (the bind); a Run that waits writes its
//!   `Scheduled=False/Unschedulable` condition only when the message changes.
//! - A Run waiting for a retry (`status.nextAttemptTime`) is placed at that instant, not earlier.
//!
//! # Assumptions
//! - One leader at a time (Lease `kruntimes-scheduler`); a new leader starts with no reservations and
//!   rebuilds usage from the assignments its watch observes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::{conditions, labels, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::{Run, RunPhase};
use kruntimes_daemon::errors;
use kruntimes_daemon::events::{Event as RecordedEvent, EventType, Recorder, Reporter};
use kruntimes_daemon::leader::{self, LeaderElection};
use kube::api::{Patch, PatchParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::index::{GroupKey, Index, Placement, PodInfo};
use crate::metrics::Metrics;
use crate::placement::place;
use crate::{gate, resources};

/// Field manager of the scheduler's writes.
pub const FIELD_MANAGER: &str = "kruntimes-scheduler";
/// Default Lease name.
pub const LEASE_NAME: &str = "kruntimes-scheduler";
/// Default number of binds in flight.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Default interval of the safety resync of every pending Run.
pub const DEFAULT_RESYNC: Duration = Duration::from_secs(30);
/// Wait before retrying a Run whose write failed with an unexpected error.
const ERROR_RETRY: Duration = Duration::from_secs(1);

/// How the scheduler runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Watch Pods and Runs of this namespace only (`None`: all namespaces).
    pub namespace: Option<String>,
    /// Bind only while holding the Lease; `false` binds at once (single instance, tests).
    pub leader_elect: bool,
    /// Name of the Lease.
    pub lease_name: String,
    /// Namespace of the Lease.
    pub lease_namespace: String,
    /// Holder identity in the Lease (pod name or hostname).
    pub identity: String,
    /// Binds in flight at once.
    pub concurrency: usize,
    /// Interval of the safety resync.
    pub resync: Duration,
    /// Address of the admin server (`/metrics`, `/healthz`, `/readyz`); `None`: not served.
    pub metrics_addr: Option<SocketAddr>,
    /// Metrics to record into (`None`: a fresh set).
    pub metrics: Option<Arc<Metrics>>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            namespace: None,
            leader_elect: true,
            lease_name: LEASE_NAME.to_owned(),
            lease_namespace: "kruntimes-system".to_owned(),
            identity: "kruntimes-scheduler".to_owned(),
            concurrency: DEFAULT_CONCURRENCY,
            resync: DEFAULT_RESYNC,
            metrics_addr: None,
            metrics: None,
        }
    }
}

// === decisions (pure) ===

/// What to do with a pending Run now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Nothing (a bind is in flight or done and not yet observed).
    Skip,
    /// `cancelRequested`: end it `Cancelled`.
    Cancel,
    /// Bad `resources.requests`: end it `Failed/InvalidResources` with this message.
    Invalid(String),
    /// Retry backoff: look again at this instant.
    Wait(Timestamp),
    /// Bind to this pod (already reserved in the index).
    Bind(Placement),
    /// No pod fits; `write` when the Run's `Scheduled` condition does not say so yet.
    Unschedulable {
        /// The message for the condition.
        message: String,
        /// Whether the condition must be written.
        write: bool,
    },
}

/// Decides for a pending Run, reserving in `index` when it places it.
pub(crate) fn decide(index: &mut Index, run: &Run, now: Timestamp) -> Decision {
    let uid = run.metadata.uid.as_deref().unwrap_or_default();
    if index.is_reserved(uid) {
        return Decision::Skip;
    }
    if run.spec.cancel_requested == Some(true) {
        return Decision::Cancel;
    }
    let requests = match resources::requests(run) {
        Ok(r) => r,
        Err(e) => return Decision::Invalid(e.to_string()),
    };
    if let Some(at) = gate::ready_at(run, now) {
        return Decision::Wait(at);
    }
    let group = GroupKey::new(
        run.metadata.namespace.clone().unwrap_or_default(),
        run.spec.template.runtime.clone(),
    );
    let request = index.request(group, &requests);
    match place(&request, index.candidates(&request.group), now) {
        Ok(p) => {
            index.reserve(uid, &p, &request);
            Decision::Bind(p)
        }
        Err(u) => {
            let current = run.status.as_ref().and_then(|s| {
                s.conditions
                    .iter()
                    .find(|c| c.type_ == conditions::SCHEDULED)
            });
            let write = !current.is_some_and(|c| {
                c.status == "False"
                    && c.reason == reasons::UNSCHEDULABLE
                    && c.message == lifecycle::bounded(&u.message)
            });
            Decision::Unschedulable {
                message: u.message,
                write,
            }
        }
    }
}

/// The bind patch: phase, placement, attempt, cleared backoff and `Scheduled=True/Assigned`, guarded by
/// the Run's resourceVersion.
pub(crate) fn bind_patch(run: &Run, placement: &Placement, now: Timestamp) -> serde_json::Value {
    let mut conds = run
        .status
        .as_ref()
        .map(|s| s.conditions.clone())
        .unwrap_or_default();
    lifecycle::set_condition(
        &mut conds,
        conditions::SCHEDULED,
        true,
        reasons::ASSIGNED,
        &format!("assigned to pod {}", placement.pod_name),
        now,
    );
    serde_json::json!({
        "metadata": { "resourceVersion": run.metadata.resource_version },
        "status": {
            "phase": RunPhase::Scheduled,
            "assignedPod": placement.pod_name,
            "assignedPodUid": placement.pod_uid,
            "attempt": lifecycle::attempt(run),
            "nextAttemptTime": null,
            "conditions": conds,
        }
    })
}

/// Whether `a` is a newer resourceVersion than `b` (numeric when both are, else "different").
fn newer(a: Option<&str>, b: Option<&str>) -> bool {
    match (
        a.and_then(|s| s.parse::<u64>().ok()),
        b.and_then(|s| s.parse::<u64>().ok()),
    ) {
        (Some(x), Some(y)) => x >= y,
        _ => true,
    }
}

// === state ===

#[derive(Default)]
struct State {
    index: Index,
    /// Pending Runs by UID (the newest version seen).
    pending: HashMap<String, Arc<Run>>,
    /// Unschedulable Runs per group, oldest first, woken when the group may have room.
    waiting: HashMap<GroupKey, BTreeSet<(Timestamp, String)>>,
    queued: HashSet<String>,
    in_flight: HashSet<String>,
    redo: HashSet<String>,
    timers: HashMap<String, Timestamp>,
    pods_seen: Option<HashSet<String>>,
    runs_seen: Option<HashSet<String>>,
    pods_synced: bool,
    runs_synced: bool,
}

struct Shared {
    client: Client,
    /// Warning Events for Runs that cannot be placed or request bad resources (none on the normal path, which
    /// would cost one more API write per Run).
    recorder: Recorder,
    metrics: Arc<Metrics>,
    state: Mutex<State>,
    queue: mpsc::UnboundedSender<String>,
    leader: watch::Receiver<bool>,
    synced: watch::Sender<bool>,
    ready: Arc<AtomicBool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the index as it was at the panic; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_leader(&self) -> bool {
        *self.leader.borrow()
    }

    fn enqueue_locked(&self, st: &mut State, uid: &str) {
        if st.queued.insert(uid.to_owned()) {
            let _ = self.queue.send(uid.to_owned());
        }
    }

    fn wake_locked(&self, st: &mut State, group: &GroupKey) {
        if let Some(set) = st.waiting.remove(group) {
            debug!(namespace = %group.namespace, runtime = %group.runtime, runs = set.len(), "waking unschedulable Runs");
            for (_, uid) in set {
                self.enqueue_locked(st, &uid);
            }
        }
    }

    fn enqueue_all_locked(&self, st: &mut State) {
        st.waiting.clear();
        let uids: Vec<String> = st.pending.keys().cloned().collect();
        for uid in uids {
            self.enqueue_locked(st, &uid);
        }
    }

    fn set_pending_gauge(&self, st: &State) {
        self.metrics
            .pending_runs
            .set(i64::try_from(st.pending.len()).unwrap_or(i64::MAX));
    }

    fn check_synced(&self, st: &State) {
        if st.pods_synced && st.runs_synced {
            self.ready.store(true, Ordering::Relaxed);
            self.synced.send_replace(true);
        }
    }

    // === watch events ===

    fn on_run(&self, run: Run) {
        let Some(uid) = run.metadata.uid.clone() else {
            return;
        };
        let mut st = self.lock();
        if let Some(seen) = &mut st.runs_seen {
            seen.insert(uid.clone());
        }
        let update = st.index.apply_run(&run);
        if update.pending {
            let keep_old = st.pending.get(&uid).is_some_and(|old| {
                !newer(
                    run.metadata.resource_version.as_deref(),
                    old.metadata.resource_version.as_deref(),
                )
            });
            if !keep_old {
                st.pending.insert(uid.clone(), Arc::new(run));
            }
            self.enqueue_locked(&mut st, &uid);
        } else {
            st.pending.remove(&uid);
            st.timers.remove(&uid);
        }
        if let Some(g) = update.freed {
            self.wake_locked(&mut st, &g);
        }
        self.set_pending_gauge(&st);
    }

    fn on_run_deleted(&self, uid: &str) {
        let mut st = self.lock();
        st.pending.remove(uid);
        st.timers.remove(uid);
        if let Some(g) = st.index.delete_run(uid) {
            self.wake_locked(&mut st, &g);
        }
        self.set_pending_gauge(&st);
    }

    fn on_pod(&self, pod: &Pod) {
        let now = Timestamp::now();
        let mut st = self.lock();
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        if let Some(seen) = &mut st.pods_seen {
            seen.insert(uid.clone());
        }
        match PodInfo::from_pod(pod) {
            Some(info) => {
                if let Some(g) = st.index.apply_pod(info, now) {
                    self.wake_locked(&mut st, &g);
                }
            }
            None => {
                st.index.delete_pod(&uid);
            }
        }
    }

    fn on_runs_init_done(&self) {
        let mut st = self.lock();
        let seen = st.runs_seen.take().unwrap_or_default();
        let mut known: HashSet<String> = st.pending.keys().cloned().collect();
        known.extend(st.index.active_run_uids());
        for uid in known.difference(&seen) {
            st.pending.remove(uid);
            if let Some(g) = st.index.delete_run(uid) {
                self.wake_locked(&mut st, &g);
            }
        }
        st.runs_synced = true;
        self.set_pending_gauge(&st);
        self.check_synced(&st);
    }

    fn on_pods_init_done(&self) {
        let mut st = self.lock();
        let seen = st.pods_seen.take().unwrap_or_default();
        for uid in st.index.pod_uids() {
            if !seen.contains(&uid) {
                st.index.delete_pod(&uid);
            }
        }
        st.pods_synced = true;
        self.check_synced(&st);
    }
}

// === run ===

/// Runs the scheduler until `shutdown` completes: watches, leader election (when
/// `config.leader_elect`), the work queue and the admin server (when `config.metrics_addr` is set).
///
/// # Errors
/// Fails when the Lease manager cannot be built or the admin server cannot bind, and when the leader election
/// ends while it runs (nothing can confirm leadership any more; the process should be restarted).
pub async fn run(
    client: Client,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let metrics = config.metrics.clone().unwrap_or_default();
    let ready = Arc::new(AtomicBool::new(false));
    let mut background = JoinSet::new();
    let (stop_tx, stop_rx) = watch::channel(false);

    if let Some(addr) = config.metrics_addr {
        let listener_metrics = metrics.clone();
        let ready = ready.clone();
        let mut stop = stop_rx.clone();
        let listener = tokio::net::TcpListener::bind(addr).await?;
        background.spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = kruntimes_daemon::admin::serve(
                listener,
                Arc::new(move || listener_metrics.encode()),
                kruntimes_daemon::admin::flag(ready),
                stopped,
            )
            .await
            {
                warn!(error = %e, "admin server failed");
            }
        });
    }

    // Leadership: a watch channel of "I am the leader". Without election, always true.
    let (leader_rx, _leader_keep, leadership) = if config.leader_elect {
        let leadership = LeaderElection {
            namespace: config.lease_namespace.clone(),
            lease_name: config.lease_name.clone(),
            identity: config.identity.clone(),
        }
        .start(client.clone())
        .await?;
        (leadership.watch(), None, Some(leadership))
    } else {
        let (tx, rx) = watch::channel(true);
        (rx, Some(tx), None)
    };
    let election_ended = leader::ended(leader_rx.clone());

    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    let (synced_tx, synced_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: FIELD_MANAGER.to_owned(),
                instance: Some(config.identity.clone()),
            },
        ),
        client: client.clone(),
        metrics: metrics.clone(),
        state: Mutex::new(State::default()),
        queue: queue_tx,
        leader: leader_rx.clone(),
        synced: synced_tx,
        ready,
    });

    background.spawn(watch_runs(shared.clone(), config.namespace.clone()));
    background.spawn(watch_pods(shared.clone(), config.namespace.clone()));
    background.spawn(dispatch(
        shared.clone(),
        queue_rx,
        synced_rx,
        leader_rx,
        config.concurrency.max(1),
    ));
    background.spawn(resync(shared.clone(), config.resync));

    info!(identity = %config.identity, leader_elect = config.leader_elect, namespace = ?config.namespace, "scheduler started");
    // The election ending leaves nobody to confirm leadership: stop, with an error, and let the Deployment
    // start a fresh process (as the controller does).
    let mut failure = None;
    tokio::select! {
        () = shutdown => {}
        () = election_ended, if leadership.is_some() => {
            failure = Some(anyhow::anyhow!("the leader-election task ended"));
        }
    }
    info!("scheduler stopping");
    let _ = stop_tx.send(true);
    background.abort_all();
    while background.join_next().await.is_some() {}
    drop(shared);
    if let Some(leadership) = leadership {
        // Every other receiver is gone now: the election releases the Lease and ends.
        leadership.release().await;
    }
    failure.map_or(Ok(()), Err)
}

async fn watch_runs(shared: Arc<Shared>, namespace: Option<String>) {
    let api: Api<Run> = match &namespace {
        Some(ns) => Api::namespaced(shared.client.clone(), ns),
        None => Api::all(shared.client.clone()),
    };
    let mut stream = watcher::watcher(api, kruntimes_daemon::watch::config())
        .backoff(kruntimes_daemon::watch::backoff())
        .boxed();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => shared.lock().runs_seen = Some(HashSet::new()),
            Ok(Event::InitApply(run) | Event::Apply(run)) => shared.on_run(run),
            Ok(Event::Delete(run)) => {
                if let Some(uid) = run.metadata.uid.as_deref() {
                    shared.on_run_deleted(uid);
                }
            }
            Ok(Event::InitDone) => shared.on_runs_init_done(),
            Err(e) => warn!(error = %e, "Run watch failed; retrying"),
        }
    }
}

async fn watch_pods(shared: Arc<Shared>, namespace: Option<String>) {
    let api: Api<Pod> = match &namespace {
        Some(ns) => Api::namespaced(shared.client.clone(), ns),
        None => Api::all(shared.client.clone()),
    };
    let config = kruntimes_daemon::watch::config().labels(labels::RUNTIME);
    let mut stream = watcher::watcher(api, config)
        .backoff(kruntimes_daemon::watch::backoff())
        .boxed();
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Init) => shared.lock().pods_seen = Some(HashSet::new()),
            Ok(Event::InitApply(pod) | Event::Apply(pod)) => shared.on_pod(&pod),
            Ok(Event::Delete(pod)) => {
                let mut st = shared.lock();
                st.index.delete_pod(&pod.uid().unwrap_or_default());
            }
            Ok(Event::InitDone) => shared.on_pods_init_done(),
            Err(e) => warn!(error = %e, "Pod watch failed; retrying"),
        }
    }
}

async fn resync(shared: Arc<Shared>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let mut st = shared.lock();
        shared.enqueue_all_locked(&mut st);
    }
}

/// Pulls Run UIDs off the queue and processes them, at most `concurrency` at once, while leader and
/// synced. Losing leadership aborts every task in flight and drops every reservation.
async fn dispatch(
    shared: Arc<Shared>,
    mut queue: mpsc::UnboundedReceiver<String>,
    mut synced: watch::Receiver<bool>,
    mut leader: watch::Receiver<bool>,
    concurrency: usize,
) {
    let _ = synced.wait_for(|s| *s).await;
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut leading = false;
    loop {
        let now_leading = *leader.borrow_and_update();
        if now_leading != leading {
            leading = now_leading;
            tasks.abort_all();
            let mut st = shared.lock();
            st.index.clear_reservations();
            st.in_flight.clear();
            st.redo.clear();
            if leading {
                info!("became leader; placing pending Runs");
                shared.enqueue_all_locked(&mut st);
            } else {
                info!("not the leader; binding stopped");
            }
        }
        tokio::select! {
            changed = leader.changed() => {
                if changed.is_err() {
                    // The Lease manager ended: nobody can confirm leadership any more.
                    warn!("leader election ended; binding stopped");
                    tasks.abort_all();
                    let _ = futures::future::pending::<()>().await;
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            uid = queue.recv() => {
                let Some(uid) = uid else { return };
                if !leading {
                    shared.lock().queued.remove(&uid);
                    continue;
                }
                let Ok(permit) = permits.clone().acquire_owned().await else { return };
                let shared = shared.clone();
                tasks.spawn(async move {
                    process(&shared, &uid).await;
                    drop(permit);
                });
            }
        }
    }
}

/// Handles one pending Run: decide under the lock, write outside it.
async fn process(shared: &Arc<Shared>, uid: &str) {
    let now = Timestamp::now();
    let (run, decision) = {
        let mut st = shared.lock();
        st.queued.remove(uid);
        let Some(run) = st.pending.get(uid).cloned() else {
            return;
        };
        if !st.in_flight.insert(uid.to_owned()) {
            st.redo.insert(uid.to_owned());
            return;
        }
        let decision = decide(&mut st.index, &run, now);
        match &decision {
            Decision::Unschedulable { .. } => {
                let group = GroupKey::new(
                    run.metadata.namespace.clone().unwrap_or_default(),
                    run.spec.template.runtime.clone(),
                );
                let created = run
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map_or(now, |t| t.0);
                st.waiting
                    .entry(group)
                    .or_default()
                    .insert((created, uid.to_owned()));
            }
            Decision::Wait(at) if st.timers.get(uid) != Some(at) => {
                st.timers.insert(uid.to_owned(), *at);
                spawn_timer(shared, uid.to_owned(), *at);
            }
            _ => {}
        }
        (run, decision)
    };
    let outcome = write(shared, &run, decision, now).await;
    shared.lock().in_flight.remove(uid);
    match outcome {
        Outcome::Done => {
            let mut st = shared.lock();
            if st.redo.remove(uid) {
                shared.enqueue_locked(&mut st, uid);
            }
        }
        Outcome::Retry => spawn_timer_after(shared, uid.to_owned(), ERROR_RETRY),
        Outcome::Reread => {
            reread(shared, &run).await;
            let mut st = shared.lock();
            shared.enqueue_locked(&mut st, uid);
        }
    }
}

enum Outcome {
    Done,
    /// Unexpected error: try again after [`ERROR_RETRY`].
    Retry,
    /// 409 Conflict: read the Run again and decide again.
    Reread,
}

async fn write(shared: &Arc<Shared>, run: &Run, decision: Decision, now: Timestamp) -> Outcome {
    let uid = run.metadata.uid.clone().unwrap_or_default();
    let rv = run.metadata.resource_version.as_deref();
    let (patch, kind, result) = match &decision {
        Decision::Skip | Decision::Wait(_) => return Outcome::Done,
        Decision::Cancel => {
            let new = lifecycle::cancelled_before_start(run, now);
            (
                lifecycle::status_patch(run.status.as_ref(), &new, rv),
                "cancel",
                "cancelled",
            )
        }
        Decision::Invalid(message) => {
            let mut new = run.status.clone().unwrap_or_default();
            lifecycle::finish(
                &mut new,
                RunPhase::Failed,
                reasons::INVALID_RESOURCES,
                message,
                now,
            );
            (
                lifecycle::status_patch(run.status.as_ref(), &new, rv),
                "invalid",
                "invalid",
            )
        }
        Decision::Bind(p) => (bind_patch(run, p, now), "bind", "scheduled"),
        Decision::Unschedulable { message, write } => {
            shared.metrics.placement("unschedulable");
            if !*write {
                return Outcome::Done;
            }
            let mut new = run.status.clone().unwrap_or_default();
            lifecycle::set_condition(
                &mut new.conditions,
                conditions::SCHEDULED,
                false,
                reasons::UNSCHEDULABLE,
                message,
                now,
            );
            (
                lifecycle::status_patch(run.status.as_ref(), &new, rv),
                "unschedulable",
                "",
            )
        }
    };
    // Leadership may have been lost while this Run was decided: never write without it.
    if !shared.is_leader() {
        shared.lock().index.unreserve(&uid);
        return Outcome::Done;
    }
    let api: Api<Run> = Api::namespaced(
        shared.client.clone(),
        run.metadata.namespace.as_deref().unwrap_or_default(),
    );
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..Default::default()
    };
    let started = Instant::now();
    let res = api
        .patch_status(&run.name_any(), &params, &Patch::Merge(&patch))
        .await;
    shared.metrics.write(kind);
    let bind = matches!(decision, Decision::Bind(_));
    match res {
        Ok(_) => {
            if bind {
                shared
                    .metrics
                    .bind_duration
                    .observe(started.elapsed().as_secs_f64());
                if let Some(created) = &run.metadata.creation_timestamp {
                    let wait = Timestamp::now().duration_since(created.0).as_secs_f64();
                    shared.metrics.queue_wait.observe(wait.max(0.0));
                }
            }
            if !result.is_empty() {
                shared.metrics.placement(result);
            }
            let warning = match &decision {
                Decision::Unschedulable { message, .. } => {
                    Some((reasons::UNSCHEDULABLE, message.clone()))
                }
                Decision::Invalid(message) => Some((reasons::INVALID_RESOURCES, message.clone())),
                _ => None,
            };
            if let Some((reason, note)) = warning {
                let event = RecordedEvent {
                    type_: EventType::Warning,
                    reason: reason.to_owned(),
                    note: Some(note),
                    action: "Schedule".to_owned(),
                    secondary: None,
                };
                // Best effort: the status is what matters.
                if let Err(err) = shared.recorder.publish(&event, &run.object_ref(&())).await {
                    debug!(%err, "cannot publish the Run's event");
                }
            }
            debug!(run = %run.name_any(), kind, "written");
            Outcome::Done
        }
        Err(e) => {
            if bind {
                shared.lock().index.unreserve(&uid);
            }
            match &e {
                e if errors::is_conflict(e) => {
                    shared.metrics.placement("conflict");
                    debug!(run = %run.name_any(), kind, "conflict; re-reading");
                    Outcome::Reread
                }
                e if errors::is_not_found(e) => {
                    let mut st = shared.lock();
                    st.pending.remove(&uid);
                    shared.set_pending_gauge(&st);
                    Outcome::Done
                }
                _ => {
                    shared.metrics.placement("error");
                    warn!(run = %run.name_any(), kind, error = %e, "status write failed");
                    Outcome::Retry
                }
            }
        }
    }
}

/// Reads a Run again after a conflict; keeps it pending only if it still is (the index itself is only
/// fed by the watch, whose order it relies on).
async fn reread(shared: &Arc<Shared>, run: &Run) {
    let api: Api<Run> = Api::namespaced(
        shared.client.clone(),
        run.metadata.namespace.as_deref().unwrap_or_default(),
    );
    let uid = run.metadata.uid.clone().unwrap_or_default();
    match api.get_opt(&run.name_any()).await {
        Ok(Some(fresh)) if fresh.metadata.uid.as_deref() == Some(uid.as_str()) => {
            let mut st = shared.lock();
            if fresh.phase() == RunPhase::Pending && fresh.metadata.deletion_timestamp.is_none() {
                st.pending.insert(uid, Arc::new(fresh));
            } else {
                st.pending.remove(&uid);
            }
            shared.set_pending_gauge(&st);
        }
        Ok(_) => {
            let mut st = shared.lock();
            st.pending.remove(&uid);
            shared.set_pending_gauge(&st);
        }
        Err(e) => warn!(run = %run.name_any(), error = %e, "re-reading Run failed"),
    }
}

fn spawn_timer(shared: &Arc<Shared>, uid: String, at: Timestamp) {
    let wait = at.duration_since(Timestamp::now());
    let wait = Duration::try_from(wait).unwrap_or(Duration::ZERO);
    // One millisecond more: the gate compares against the wall clock, never place before `at`.
    spawn_timer_after(shared, uid, wait + Duration::from_millis(1));
}

/// Enqueues `uid` after `wait`. Holds the state weakly so a stopped scheduler is not kept alive.
fn spawn_timer_after(shared: &Arc<Shared>, uid: String, wait: Duration) {
    let weak = Arc::downgrade(shared);
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        let Some(shared) = weak.upgrade() else { return };
        let mut st = shared.lock();
        st.timers.remove(&uid);
        if st.pending.contains_key(&uid) {
            shared.enqueue_locked(&mut st, &uid);
        }
    });
}

#[cfg(test)]
mod tests;
