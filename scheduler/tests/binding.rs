//! End-to-end binding against the in-process API server substitute: watches, reservations, one bind
//! write per Run, and leader election between two schedulers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed setup step should fail the test loudly"
)]

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunSpec, RunTemplate};
use kruntimes_fakeapi::{FakeApiServer, Verb};
use kruntimes_scheduler::{Config, run};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use tokio::sync::oneshot;

const NS: &str = "default";

async fn create_pods(client: &Client, n: usize, runs: u64) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    for i in 0..n {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": format!("bash-{i}"),
                "labels": {"kruntimes.io/runtime": "bash"},
                "annotations": {"kruntimes.io/capacity.runs": runs.to_string()},
            },
            "spec": {"containers": [{"name": "runtimed", "image": "runtimed"}]},
        }))
        .unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
        let now = Timestamp::now().to_string();
        let status = serde_json::json!({"status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "kruntimes.io/RuntimedReady", "status": "True", "reason": "Heartbeat", "lastProbeTime": now},
            ],
        }});
        pods.patch_status(
            &format!("bash-{i}"),
            &PatchParams::default(),
            &Patch::Merge(&status),
        )
        .await
        .unwrap();
    }
}

async fn create_runs(client: &Client, n: usize) {
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    for i in 0..n {
        let r = Run::new(
            &format!("run-{i}"),
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".into(),
                    args: vec!["true".into()],
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        runs.create(&PostParams::default(), &r).await.unwrap();
    }
}

/// Waits until every Run is Scheduled; returns Runs per pod.
async fn wait_all_scheduled(client: &Client, n: usize) -> HashMap<String, usize> {
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let list = runs.list(&Default::default()).await.unwrap();
        let scheduled: Vec<&Run> = list
            .items
            .iter()
            .filter(|r| r.phase() == RunPhase::Scheduled)
            .collect();
        if scheduled.len() == n {
            let mut per_pod = HashMap::new();
            for r in scheduled {
                let s = r.status.as_ref().unwrap();
                assert!(s.assigned_pod_uid.is_some());
                *per_pod
                    .entry(s.assigned_pod.clone().unwrap())
                    .or_insert(0usize) += 1;
            }
            return per_pod;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {}/{n} Runs scheduled",
            scheduled.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn run_status_writes(server: &FakeApiServer) -> HashMap<String, usize> {
    let mut per_run = HashMap::new();
    for r in server.requests() {
        if r.verb == Verb::Patch && r.resource == "runs" && r.status < 300 {
            *per_run
                .entry(r.name.clone().unwrap_or_default())
                .or_insert(0) += 1;
        }
    }
    per_run
}

fn config(identity: &str, leader_elect: bool) -> Config {
    Config {
        namespace: Some(NS.into()),
        leader_elect,
        lease_namespace: NS.into(),
        identity: identity.into(),
        ..Config::default()
    }
}

/// 50 Runs on 5 pods of 12 runs each: every Run is bound, no pod over capacity, one write per Run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_runs_are_bound_with_one_write_each_and_no_overcommit() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    create_pods(&client, 5, 12).await;
    create_runs(&client, 50).await;
    let (stop, stopped) = oneshot::channel::<()>();
    let sched = tokio::spawn(run(client.clone(), config("a", false), async {
        let _ = stopped.await;
    }));
    let per_pod = wait_all_scheduled(&client, 50).await;
    assert!(per_pod.values().all(|n| *n <= 12), "{per_pod:?}");
    assert_eq!(per_pod.values().sum::<usize>(), 50);
    let writes = run_status_writes(&server);
    assert_eq!(writes.len(), 50, "{writes:?}");
    assert!(writes.values().all(|n| *n == 1), "{writes:?}");
    let _ = stop.send(());
    sched.await.unwrap().unwrap();
}

/// Two schedulers with leader election: only one binds, nothing is bound twice or over capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_schedulers_only_the_leader_binds() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    create_pods(&client, 4, 10).await;
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for id in ["a", "b"] {
        let (stop, stopped) = oneshot::channel::<()>();
        stops.push(stop);
        tasks.push(tokio::spawn(run(client.clone(), config(id, true), async {
            let _ = stopped.await;
        })));
    }
    create_runs(&client, 40).await;
    let per_pod = wait_all_scheduled(&client, 40).await;
    assert!(per_pod.values().all(|n| *n <= 10), "{per_pod:?}");
    let writes = run_status_writes(&server);
    assert!(writes.values().all(|n| *n == 1), "{writes:?}");
    for s in stops {
        let _ = s.send(());
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

/// A Run no pod can take stays Pending with `Scheduled=False/Unschedulable` saying why, and a Warning Event;
/// once a pod with room appears it is bound on that event (the safety resync is off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unschedulable_run_says_why_and_is_bound_when_a_pod_appears() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    create_runs(&client, 1).await;
    let (stop, stopped) = oneshot::channel::<()>();
    // No safety resync during the test: only the pod event can get the Run bound.
    let config = Config {
        resync: Duration::from_secs(3600),
        ..config("a", false)
    };
    let sched = tokio::spawn(run(client.clone(), config, async {
        let _ = stopped.await;
    }));
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    let mut condition = None;
    for _ in 0..200 {
        let r = runs.get("run-0").await.unwrap();
        condition = r
            .status
            .and_then(|s| s.conditions.into_iter().find(|c| c.type_ == "Scheduled"));
        if condition.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let condition = condition.expect("a Scheduled condition");
    assert_eq!(condition.status, "False");
    assert_eq!(condition.reason, "Unschedulable");
    assert!(condition.message.contains("bash"), "{}", condition.message);
    let events: Api<k8s_openapi::api::events::v1::Event> = Api::namespaced(client.clone(), NS);
    let mut warned = false;
    for _ in 0..200 {
        warned = events
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .iter()
            .any(|e| {
                e.reason.as_deref() == Some("Unschedulable")
                    && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("run-0")
            });
        if warned {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(warned, "a Warning Event for the unschedulable Run");
    create_pods(&client, 1, 4).await;
    wait_all_scheduled(&client, 1).await;
    let _ = stop.send(());
    sched.await.unwrap().unwrap();
}
