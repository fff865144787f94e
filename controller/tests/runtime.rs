//! The controller against the in-process API server substitute (`kruntimes-fakeapi`): a Runtime gets its
//! owned objects and a Ready status, and the reaper retries a Running Run whose pod vanished.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::time::Duration;

use common::{NS, config, eventually};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::v1alpha1::{
    BuiltinRuntime, ComponentSource, RetryPolicy, Run, RunPhase, RunSpec, RunTemplate, Runtime,
    RuntimeSpec,
};
use kruntimes_fakeapi::FakeApiServer;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;

/// Plays runtimed's heartbeat on every Runtime pod: `kruntimes.io/RuntimedReady=True`, `lastProbeTime=now`.
fn heartbeat(client: Client) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let pods: Api<Pod> = Api::namespaced(client, NS);
        loop {
            let list = pods
                .list(&ListParams::default().labels("kruntimes.io/runtime"))
                .await;
            for pod in list.map(|l| l.items).unwrap_or_default() {
                let now = Timestamp::now().to_string();
                let patch = json!({"status": {"conditions": [{
                    "type": conditions::RUNTIMED_READY, "status": "True", "reason": "Heartbeat",
                    "lastProbeTime": now, "lastTransitionTime": now,
                }]}});
                let _ = pods
                    .patch_status(
                        &pod.name_any(),
                        &PatchParams::default(),
                        &Patch::Strategic(patch),
                    )
                    .await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

fn mk_runtime(replicas: i32) -> Runtime {
    Runtime::new(
        "bash",
        RuntimeSpec {
            component: ComponentSource {
                builtin: Some(BuiltinRuntime::Bash),
                ..ComponentSource::default()
            },
            replicas: Some(replicas),
            ..RuntimeSpec::default()
        },
    )
}

/// A Runtime gets its five owned objects and reaches Ready; a Running Run whose pod vanished goes back to
/// Pending for attempt 2 (its retry policy allows one more attempt).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_pool_comes_up_and_the_reaper_retries_a_run_whose_pod_vanished() {
    let server = FakeApiServer::start().await.unwrap();
    server.simulate_workloads();
    let client = server.client();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(kruntimes_controller::run(client.clone(), config(), async {
        let _ = stopped.await;
    }));
    let beats = heartbeat(client.clone());

    let runtimes: Api<Runtime> = Api::namespaced(client.clone(), NS);
    let rt = runtimes
        .create(&PostParams::default(), &mk_runtime(2))
        .await
        .unwrap();
    let uid = rt.uid().unwrap();

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NS);
    eventually(10, "the deployment", || async {
        deployments.get_opt("runtime-bash").await.ok().flatten()
    })
    .await;
    let owned = |meta: &ObjectMeta| {
        meta.owner_references
            .iter()
            .flatten()
            .any(|o| o.uid == uid && o.controller == Some(true))
    };
    let d = deployments.get("runtime-bash").await.unwrap();
    assert!(owned(&d.metadata));
    let sa = Api::<ServiceAccount>::namespaced(client.clone(), NS)
        .get("runtime-bash")
        .await
        .unwrap();
    assert!(owned(&sa.metadata));
    let role = Api::<Role>::namespaced(client.clone(), NS)
        .get("runtime-bash")
        .await
        .unwrap();
    assert!(owned(&role.metadata));
    let rb = Api::<RoleBinding>::namespaced(client.clone(), NS)
        .get("runtime-bash")
        .await
        .unwrap();
    assert!(owned(&rb.metadata));
    let np = Api::<NetworkPolicy>::namespaced(client.clone(), NS)
        .get("runtime-bash")
        .await
        .unwrap();
    assert!(owned(&np.metadata));

    let status = eventually(20, "Runtime.status.readyReplicas = 2", || async {
        let rt = runtimes.get("bash").await.ok()?;
        rt.status.filter(|s| s.ready_replicas == Some(2))
    })
    .await;
    let ready = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("True", "PodsReady")
    );

    // A Run bound to the first pod and claimed by its runtimed.
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let pod = pods
        .list(&ListParams::default().labels("kruntimes.io/runtime=bash"))
        .await
        .unwrap()
        .items
        .remove(0);
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    let run = Run::new(
        "r1",
        RunSpec {
            template: RunTemplate {
                runtime: "bash".to_owned(),
                retry_policy: Some(RetryPolicy {
                    max_attempts: Some(2),
                    backoff_seconds: Some(1),
                    retryable_reasons: Vec::new(),
                }),
                ..RunTemplate::default()
            },
            ..RunSpec::default()
        },
    );
    runs.create(&PostParams::default(), &run).await.unwrap();
    runs.patch_status(
        "r1",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {
            "phase": "Running", "attempt": 1, "assignedPod": pod.name_any(),
            "assignedPodUid": pod.uid().unwrap(), "startTime": Timestamp::now().to_string(),
        }})),
    )
    .await
    .unwrap();

    server.delete_pod_now(NS, &pod.name_any()).await;
    let status = eventually(15, "the Run back to Pending", || async {
        let run = runs.get("r1").await.ok()?;
        run.status.filter(|s| s.phase == RunPhase::Pending)
    })
    .await;
    assert_eq!(status.attempt, Some(2));
    assert_eq!(status.reason.as_deref(), Some(reasons::POD_GONE));
    assert_eq!(status.assigned_pod, None);
    assert!(status.next_attempt_time.is_some());

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), controller)
        .await
        .expect("the controller stops on shutdown")
        .unwrap()
        .unwrap();
    beats.abort();
}

/// A finished Run with `ttlSecondsAfterFinished: 0` is deleted; one without a TTL is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_runs_are_deleted_after_their_ttl() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(kruntimes_controller::run(client.clone(), config(), async {
        let _ = stopped.await;
    }));
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    for (name, ttl) in [("gc", Some(0)), ("keep", None)] {
        let run = Run::new(
            name,
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".to_owned(),
                    ..RunTemplate::default()
                },
                ttl_seconds_after_finished: ttl,
                ..RunSpec::default()
            },
        );
        runs.create(&PostParams::default(), &run).await.unwrap();
        runs.patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {
                "phase": "Succeeded", "completionTime": Timestamp::now().to_string(),
            }})),
        )
        .await
        .unwrap();
    }
    eventually(10, "the expired Run deleted", || async {
        runs.get_opt("gc").await.ok()?.is_none().then_some(())
    })
    .await;
    assert!(runs.get_opt("keep").await.unwrap().is_some());
    let _ = stop.send(());
    controller.await.unwrap().unwrap();
}

/// `/readyz`'s flag: cleared until every watch of the controller has listed once, then set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_is_ready_once_its_watches_synced() {
    use std::sync::atomic::Ordering;
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let cfg = config();
    let ready = cfg.ready.clone();
    assert!(!ready.load(Ordering::Relaxed));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(kruntimes_controller::run(client.clone(), cfg, async {
        let _ = stopped.await;
    }));
    eventually(10, "ready", || async {
        ready.load(Ordering::Relaxed).then_some(())
    })
    .await;
    stop.send(()).unwrap();
    controller.await.unwrap().unwrap();
}

/// With leader election the controller reconciles only after taking the Lease, and releases it on shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_leader_election_the_lease_holder_reconciles() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let mut cfg = config();
    cfg.leader_election = Some(kruntimes_controller::LeaderElection {
        namespace: "kruntimes-system".to_owned(),
        lease_name: kruntimes_controller::LEASE_NAME.to_owned(),
        identity: "replica-a".to_owned(),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(kruntimes_controller::run(client.clone(), cfg, async {
        let _ = stopped.await;
    }));
    let runtimes: Api<Runtime> = Api::namespaced(client.clone(), NS);
    runtimes
        .create(&PostParams::default(), &mk_runtime(1))
        .await
        .unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NS);
    eventually(15, "the deployment", || async {
        deployments.get_opt("runtime-bash").await.ok().flatten()
    })
    .await;
    let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(client.clone(), "kruntimes-system");
    let lease = leases.get("kruntimes-controller").await.unwrap();
    assert_eq!(
        lease.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("replica-a")
    );
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), controller)
        .await
        .expect("the controller stops on shutdown")
        .unwrap()
        .unwrap();
    let lease = leases.get("kruntimes-controller").await.unwrap();
    assert_eq!(lease.spec.and_then(|s| s.holder_identity), None);
}
