//! The kruntimes controller: Runtime pools, the stale-Run reaper, TTL garbage collection and Workflows
//! (DESIGN.md section 5, ADR 0007).
//!
//! ```text
//!  Runtime ──► runtime_objects::desired (pure) ──SSA──► Deployment, SA, Role, RoleBinding, NetworkPolicy
//!     ▲                                                        │ (owned, watched)
//!     └──── runtimes/status ◄── runtime_status (pure) ◄────────┘
//!
//!  Run (Scheduled/Running) + Pod cache ──► reaper::judge (pure) ──► runs/status (lifecycle::failed)
//!  Run (finished)                      ──► ttl::expiry (pure)   ──► delete (uid precondition)
//!  Workflow + child Runs (cache)       ──► kruntimes_workflow::reconcile (pure)
//!                                          ──► create Runs (owner ref), cancel Runs, workflows/status
//! ```
//!
//! # Layout
//! - [`runtime_objects`], [`runtime_status`], [`reaper`], [`ttl`]: pure plans, unit-tested.
//! - [`reconcile`]: the I/O edge (observe → plan → apply) and its [`reconcile::Context`].
//! - [`run`]: wires the watches, the controllers and leader election; `main.rs` adds flags and HTTP.
//!
//! Start with [`run`].

pub mod cleanup;
pub mod error;
pub mod metrics;
pub mod reaper;
pub mod reconcile;
pub mod runtime_objects;
pub mod runtime_status;
pub mod ttl;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kruntimes_api::consts::labels;
use kruntimes_api::v1alpha1::{Run, Runtime, Workflow};
use kube::api::Api;
use kube::runtime::{Controller, WatchStreamExt, reflector, watcher};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

pub use error::{Error, Result};
pub use metrics::Metrics;
pub use runtime_objects::PoolConfig;

use reconcile::Context;

/// Name of the leader-election Lease.
pub const LEASE_NAME: &str = "kruntimes-controller";

/// What [`run`] needs besides the client.
#[derive(Clone, Debug)]
pub struct Config {
    /// Settings of the Runtime pools.
    pub pool: PoolConfig,
    /// How long a pod may be unready, or its heartbeat old, before its Runs are reaped (ADR 0007: 30 s).
    pub stale_threshold: Duration,
    /// How long a failing artifact cleanup is retried before the deleted Run is released anyway
    /// ([`cleanup::DEFAULT_TIMEOUT`]).
    pub artifact_cleanup_timeout: Duration,
    /// Watch only this namespace (None: all namespaces).
    pub namespace: Option<String>,
    /// Reconcile only while holding the Lease (None: always, e.g. in tests or with one replica).
    pub leader_election: Option<LeaderElection>,
    /// Counters; register them with [`Metrics::register`] to expose them.
    pub metrics: Metrics,
    /// Set while this replica is ready (what `/readyz` serves): standing by for the Lease, or reconciling with
    /// every watch synced. Cleared when it wins the Lease until its watches have synced again.
    pub ready: Arc<AtomicBool>,
}

pub use kruntimes_daemon::leader::LeaderElection;

/// Runs the controllers until `shutdown` resolves.
///
/// With [`Config::leader_election`], the controllers run only while this replica holds the Lease: losing it
/// drops them at once (in-flight reconciliations are cancelled), and they start again from fresh watches when
/// the Lease is won back. On shutdown the Lease is released.
///
/// # Errors
///
/// The Lease cannot be created or read at start.
pub async fn run(
    client: Client,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let ready = &config.ready;
    let Some(le) = config.leader_election.clone() else {
        tokio::select! {
            () = controllers(client, &config) => {}
            () = &mut shutdown => {}
        }
        return Ok(());
    };
    let leadership = le.start(client.clone()).await?;
    let mut leader = leadership.watch();
    'outer: loop {
        // Standing by is ready: a second replica must not hold up a rollout.
        ready.store(true, Ordering::Relaxed);
        while !*leader.borrow_and_update() {
            tokio::select! {
                changed = leader.changed() => {
                    if changed.is_err() {
                        anyhow::bail!("the leader-election task ended");
                    }
                }
                () = &mut shutdown => break 'outer,
            }
        }
        tracing::info!(identity = le.identity, "acquired the lease; reconciling");
        ready.store(false, Ordering::Relaxed);
        tokio::select! {
            () = controllers(client.clone(), &config) => {}
            closed = kruntimes_daemon::leader::lost(&mut leader) => {
                if closed {
                    anyhow::bail!("the leader-election task ended");
                }
                tracing::warn!("lost the lease; stopped reconciling");
            }
            () = &mut shutdown => break 'outer,
        }
    }
    drop(leader);
    leadership.release().await;
    Ok(())
}

fn scoped<K>(client: &Client, ns: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The Runtime, Run (reaper + TTL GC) and Workflow controllers, until their watches end.
async fn controllers(client: Client, config: &Config) {
    kruntimes_artifacts::store::install_crypto_provider();
    let ns = config.namespace.as_deref();
    let (pods, pods_writer) = reflector::store::<Pod>();
    let (workflow_runs, workflow_runs_writer) = reflector::store::<Run>();
    let ctx = std::sync::Arc::new(Context {
        client: client.clone(),
        pool: config.pool.clone(),
        stale_threshold: config.stale_threshold,
        artifact_cleanup_timeout: config.artifact_cleanup_timeout,
        pods,
        workflow_runs,
        metrics: config.metrics.clone(),
        recorder: kruntimes_daemon::events::Recorder::new(
            client.clone(),
            kruntimes_daemon::events::Reporter {
                controller: reconcile::FIELD_MANAGER.to_owned(),
                instance: config
                    .leader_election
                    .as_ref()
                    .map(|le| le.identity.clone()),
            },
        ),
    });

    // Ready once every cache this replica reconciles from has its first full list.
    let (pods_synced, children_synced) = (ctx.pods.clone(), ctx.workflow_runs.clone());
    let owned =
        kruntimes_daemon::watch::config().labels(&format!("{}=kruntimes", labels::MANAGED_BY));
    let runtimes = Controller::new(
        scoped::<Runtime>(&client, ns),
        kruntimes_daemon::watch::config(),
    );
    let runtimes_synced = runtimes.store();
    let runtimes = runtimes
        .owns(scoped::<Deployment>(&client, ns), owned.clone())
        .owns(scoped::<ServiceAccount>(&client, ns), owned.clone())
        .owns(scoped::<Role>(&client, ns), owned.clone())
        .owns(scoped::<RoleBinding>(&client, ns), owned.clone())
        .owns(scoped::<NetworkPolicy>(&client, ns), owned)
        .trigger_backoff(kruntimes_daemon::watch::backoff())
        .run(
            reconcile::runtime::reconcile,
            reconcile::runtime::error_policy,
            ctx.clone(),
        )
        .for_each(|_| futures::future::ready(()));

    // One pod watch feeds both the reaper's pod cache and its triggers, so the cache is updated before the
    // Runs of a changed or deleted pod are reconciled.
    let pod_events = reflector(
        pods_writer,
        watcher(
            scoped::<Pod>(&client, ns),
            kruntimes_daemon::watch::config().labels(labels::RUNTIME),
        ),
    )
    .backoff(kruntimes_daemon::watch::backoff())
    .touched_objects();
    let runs = Controller::new(
        scoped::<Run>(&client, ns),
        kruntimes_daemon::watch::config(),
    );
    let run_store = runs.store();
    let runs_synced = runs.store();
    let runs = runs
        .watches_stream(pod_events, move |pod: Pod| {
            reconcile::run::runs_on_pod(&run_store, &pod)
        })
        .trigger_backoff(kruntimes_daemon::watch::backoff())
        .run(
            reconcile::run::reconcile,
            reconcile::run::error_policy,
            ctx.clone(),
        )
        .for_each(|_| futures::future::ready(()));

    // The Workflows' children feed the engine's cache and wake their Workflow; the cache is updated before
    // the Workflow is reconciled.
    let child_events = reflector(
        workflow_runs_writer,
        watcher(
            scoped::<Run>(&client, ns),
            kruntimes_daemon::watch::config().labels(labels::WORKFLOW),
        ),
    )
    .backoff(kruntimes_daemon::watch::backoff())
    .touched_objects();
    let workflows = Controller::new(
        scoped::<Workflow>(&client, ns),
        kruntimes_daemon::watch::config(),
    );
    let workflows_synced = workflows.store();
    let workflows = workflows
        .owns_stream(child_events)
        .trigger_backoff(kruntimes_daemon::watch::backoff())
        .run(
            reconcile::workflow::reconcile,
            reconcile::workflow::error_policy,
            ctx,
        )
        .for_each(|_| futures::future::ready(()));
    let ready = async {
        let synced = runtimes_synced.wait_until_ready().await.is_ok()
            && runs_synced.wait_until_ready().await.is_ok()
            && workflows_synced.wait_until_ready().await.is_ok()
            && pods_synced.wait_until_ready().await.is_ok()
            && children_synced.wait_until_ready().await.is_ok();
        if synced {
            tracing::info!("watches synced; ready");
            config.ready.store(true, Ordering::Relaxed);
        }
    };
    futures::join!(runtimes, runs, workflows, ready);
}

pub(crate) use kruntimes_api::lifecycle::error_chain;
