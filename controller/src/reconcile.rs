//! I/O edge: the reconcilers' shared [`Context`] and the three reconcilers.
//!
//! - [`runtime`]: Runtime → owned objects (server-side apply) → `runtimes/status`.
//! - [`run`]: the stale-Run reaper for bound Runs, TTL garbage collection for finished Runs, and artifact
//!   cleanup of deleted Runs (`cleanup`).
//! - [`workflow`]: Workflow + child Runs → the engine (pure) → create, cancel, `workflows/status`.

mod cleanup;
pub mod run;
pub mod runtime;
pub mod workflow;

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::v1alpha1::Run;
use kruntimes_daemon::events::Recorder;
use kube::Client;
use kube::runtime::reflector::Store;

use crate::metrics::Metrics;
use crate::runtime_objects::PoolConfig;

/// Field manager of every write of the controller.
pub const FIELD_MANAGER: &str = "kruntimes-controller";

/// Everything a reconciler may touch.
#[derive(Clone)]
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Settings of the Runtime pools.
    pub pool: PoolConfig,
    /// How long a pod may be unready, or its heartbeat old, before its Runs are reaped.
    pub stale_threshold: Duration,
    /// How long a failing artifact cleanup is retried before the deleted Run is released anyway.
    pub artifact_cleanup_timeout: Duration,
    /// Pods labelled `kruntimes.io/runtime` (may lag the API server; the reaper re-reads before acting).
    pub pods: Store<Pod>,
    /// Runs labelled `kruntimes.io/workflow`: the Workflows' children (may lag the API server).
    pub workflow_runs: Store<Run>,
    /// Counters.
    pub metrics: Metrics,
    /// Publishes Events on the objects the controller changes (reporting controller `kruntimes-controller`).
    pub recorder: Recorder,
}

/// Bounded backoff after a failed reconciliation.
pub(crate) const ERROR_REQUEUE: Duration = Duration::from_secs(10);
