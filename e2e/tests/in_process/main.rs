//! The control plane in one process, on the Kubernetes API server substitute (`kruntimes-fakeapi`), for what
//! only the substitute can check.
//!
//! The substitute is a loopback HTTP server speaking the Kubernetes REST API (watch, resourceVersion conflicts,
//! status subresource, selectors, finalizers, owner GC, our CRD schemas and CEL rules) plus a simulated
//! Deployment controller and kubelet. Everything else is real: the controller and the scheduler run their
//! library entry points, and every simulated Runtime pod runs runtimed's own `daemon::run_with_client` with the
//! arguments the controller wrote into the pod (real wasmtime, the real bash component). A pod is an OS thread
//! with its own tokio runtime, so it can be restarted abruptly in place.
//!
//! The control-plane scenarios themselves (Runs that succeed, fail, are retried, cancelled or time out,
//! Workflows, a killed pod, a burst) run on a real API server in `tests/control_plane.rs`. What stays here:
//! the API writes each Run costs, counted per Run from the substitute's request log (a real API server only
//! counts them cluster-wide), a runtimed restarted inside its pod, and the artifact stores (`artifacts.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod artifacts;
mod harness;
#[path = "../../../artifacts/tests/all/moto.rs"]
mod moto;

use std::collections::BTreeMap;
use std::time::Duration;

use harness::Cluster;
use kruntimes_api::v1alpha1::{Run, Runtime};
use kruntimes_e2e::scenarios;
use kube::Api;
use kube::api::PostParams;

const NS: &str = "default";

/// One cluster at a time: each test runs a whole control plane and several runtimed on 2 cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Status writes per Run, from the API server's request log.
fn status_writes(cluster: &Cluster) -> BTreeMap<String, usize> {
    let mut writes = BTreeMap::new();
    for r in cluster.server.requests() {
        if r.resource == "runs"
            && r.subresource.as_deref() == Some("status")
            && r.is_write()
            && (200..300).contains(&r.status)
            && let Some(name) = r.name
        {
            *writes.entry(name).or_default() += 1;
        }
    }
    writes
}

async fn runtime(cluster: &Cluster, name: &str, replicas: i32, runs: u32) {
    let api: Api<Runtime> = Api::namespaced(cluster.client.clone(), NS);
    api.create(
        &PostParams::default(),
        &scenarios::bash_runtime(name, replicas, runs).unwrap(),
    )
    .await
    .unwrap();
    scenarios::wait_runtime_ready(
        &cluster.client,
        NS,
        name,
        replicas,
        Duration::from_secs(120),
    )
    .await
    .unwrap();
}

/// kubectl apply of a Run → the controller's pool, the scheduler's binding and runtimed's execution take it to
/// Succeeded in at most 2 API writes (it ends before the Running write is due).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_goes_from_pending_to_succeeded_in_two_writes() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(harness::Options::default()).await;
    runtime(&cluster, "bash", 2, 4).await;
    let status = scenarios::run_succeeds(&cluster.client, NS, "bash")
        .await
        .unwrap();
    let writes = status_writes(&cluster);
    assert_eq!(writes.get("hello"), Some(&2), "writes: {writes:?}");
    // The Runtime's objects exist and are owned by it.
    for resource in [
        "deployments",
        "serviceaccounts",
        "roles",
        "rolebindings",
        "networkpolicies",
    ] {
        let obj = cluster
            .server
            .get(resource, NS, "runtime-bash")
            .unwrap_or_else(|| panic!("{resource} runtime-bash"));
        assert_eq!(
            obj["metadata"]["ownerReferences"][0]["kind"], "Runtime",
            "{resource}"
        );
    }
    assert!(status.assigned_pod.unwrap().starts_with("runtime-bash-"));
    // runtimed reported the component it loaded in the Runtime's status: digest and imports.
    scenarios::bash_component_reported(&cluster.client, NS, "bash")
        .await
        .unwrap();
    cluster.stop().await;
}

/// runtimed restarts while a Run executes: the new runtimed finds the Run `Running` on its pod without an
/// execution, fails the attempt with `ExecutionLost` (a Warning Event says so) and the retry succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_runtimed_fails_lost_runs_so_they_are_retried() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(harness::Options::default()).await;
    runtime(&cluster, "bash", 1, 4).await;
    let api: Api<Run> = Api::namespaced(cluster.client.clone(), NS);
    let run = scenarios::bash_run("lost", "bash", "sleep 2; echo done", 3).unwrap();
    api.create(&PostParams::default(), &run).await.unwrap();
    let running = scenarios::wait_run(&cluster.client, NS, "lost", Duration::from_secs(30), |r| {
        r.phase().as_str() == "Running"
    })
    .await
    .unwrap();
    let pod = running.status.unwrap().assigned_pod.unwrap();
    cluster.restart_runtimed(&pod);
    let status = scenarios::wait_succeeded(&cluster.client, NS, "lost", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(status.attempt, Some(2), "{status:?}");
    let events: Api<k8s_openapi::api::events::v1::Event> =
        Api::namespaced(cluster.client.clone(), NS);
    let lost = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .any(|e| {
            e.reason.as_deref() == Some("ExecutionLost")
                && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("lost")
        });
    assert!(lost, "a Warning Event for the lost execution");
    cluster.stop().await;
}

/// 500 Runs created at once over 5 pods of capacity 4, where status writes race and conflict: no Run costs
/// more than 3 status writes. (All succeeding and no pod over-committed is checked on the real cluster too.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_run_of_a_500_run_burst_costs_more_than_three_status_writes() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(harness::Options::default()).await;
    runtime(&cluster, "bash", 5, 4).await;
    let report = scenarios::burst(
        &cluster.client,
        NS,
        "bash",
        500,
        "echo $0",
        Duration::from_secs(300),
    )
    .await
    .unwrap();
    eprintln!("burst: {report:?}");
    assert_eq!(report.phases.get("Succeeded"), Some(&500), "{report:?}");
    assert!(report.max_active_per_pod <= 4, "{report:?}");
    assert!(report.max_active_per_pod >= 1, "{report:?}");
    let writes = status_writes(&cluster);
    let worst = writes.values().max().copied().unwrap_or(0);
    assert!(worst <= 3, "a Run took {worst} status writes");
    cluster.stop().await;
}
