//! Faults on a real control plane: each ends with every Run terminal, none executed twice, and no Run lost.
//!
//! Opt-in, and only on the loopback cluster of `cargo xtask cluster up --with-kruntimes` (the tests restart its
//! processes through [`kruntimes_e2e::CLUSTER_DIR_ENV`]); `cargo xtask test` runs them:
//! `KRUNTIMES_E2E_KUBECONFIG=... KRUNTIMES_E2E_CLUSTER_DIR=target/cluster cargo test -p kruntimes-e2e --test faults
//! -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::v1alpha1::{Run, RunPhase, Runtime};
use kruntimes_e2e::{
    ClusterProcess, TempNamespace, client, compact_etcd, kill_container, scenarios,
};
use kube::api::{DeleteParams, ListParams, PostParams, WatchEvent, WatchParams};
use kube::{Api, Client, ResourceExt};

/// One fault at a time: they restart or kill shared parts of the cluster.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Namespace of the kruntimes release that `cargo xtask cluster up --with-kruntimes` installs.
const SYSTEM_NS: &str = "kruntimes-system";

async fn runtime(client: &Client, ns: &str, replicas: i32, runs: u32) {
    scenarios::create_bash_runtime(client, ns, "bash", replicas, runs, Duration::from_secs(300))
        .await
        .unwrap();
}

/// Creates `n` Runs of `script` named `fault-<i>`.
async fn create_runs(client: &Client, ns: &str, n: usize, script: &str) {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    futures::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                let run = scenarios::bash_run(&format!("fault-{i}"), "bash", script, 1)?;
                api.create(&PostParams::default(), &run).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .unwrap();
}

/// Waits until all `n` Runs are terminal, riding out API errors (the API server may be down for a while), and
/// returns their phases by count and every Run that did not succeed in its first and only attempt.
/// A Pending Run, bound to no pod, whose status says that no pod serves its Runtime.
fn waits_for_pods(run: &Run) -> bool {
    run.status.as_ref().is_some_and(|s| {
        s.phase == RunPhase::Pending
            && s.assigned_pod.is_none()
            && s.conditions
                .iter()
                .any(|c| c.reason == "Unschedulable" && c.message.contains("no pods for Runtime"))
    })
}

async fn wait_all_terminal(
    client: &Client,
    ns: &str,
    n: usize,
    timeout: Duration,
) -> (BTreeMap<String, usize>, Vec<String>) {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        match api.list(&ListParams::default()).await {
            Ok(list) => {
                let ours: Vec<&Run> = list
                    .items
                    .iter()
                    .filter(|r| r.name_any().starts_with("fault-"))
                    .collect();
                if ours.len() == n && ours.iter().all(|r| scenarios::terminal(r)) {
                    let mut phases = BTreeMap::new();
                    let mut odd = Vec::new();
                    for r in ours {
                        *phases.entry(r.phase().to_string()).or_default() += 1;
                        let s = r.status.clone().unwrap_or_default();
                        if r.phase() != RunPhase::Succeeded || s.attempt != Some(1) {
                            odd.push(format!(
                                "{}: {} {:?} {:?} attempt {:?}",
                                r.name_any(),
                                s.phase,
                                s.reason,
                                s.message,
                                s.attempt
                            ));
                        }
                    }
                    return (phases, odd);
                }
                if Instant::now() > deadline {
                    let pending: Vec<String> = ours
                        .iter()
                        .filter(|r| !scenarios::terminal(r))
                        .map(|r| format!("{} {}", r.name_any(), r.phase()))
                        .take(10)
                        .collect();
                    panic!(
                        "{} of {n} Runs not terminal after {timeout:?}, e.g. {pending:?}",
                        pending.len()
                    );
                }
            }
            Err(e) if Instant::now() > deadline => panic!("the API server did not come back: {e}"),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// kube-apiserver crashes (SIGKILL) while 200 Runs are being placed and executed, and is back 2 s later: every
/// client (controller, scheduler, runtimed agents, the node) re-lists and re-watches, and every Run succeeds in
/// exactly one attempt.
#[tokio::test]
#[ignore = "needs the loopback cluster: cargo xtask cluster up --with-kruntimes, then KRUNTIMES_E2E_KUBECONFIG and KRUNTIMES_E2E_CLUSTER_DIR"]
async fn a_crashed_api_server_loses_no_run_of_a_200_run_burst() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let apiserver = ClusterProcess::new("kube-apiserver").unwrap();
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 8).await;
    create_runs(&client, &ns.name, 200, "sleep 0.2; echo $0").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    apiserver
        .crash_and_restart(Duration::from_secs(2))
        .await
        .unwrap();
    let (phases, odd) = wait_all_terminal(&client, &ns.name, 200, Duration::from_secs(300)).await;
    assert_eq!(phases.get("Succeeded"), Some(&200), "{phases:?} {odd:#?}");
    assert!(odd.is_empty(), "{odd:#?}");
    ns.delete().await.unwrap();
}

/// etcd's history is compacted in the middle of a burst and the API server restarted (as after an upgrade or a
/// crash): every client resumes its watches from a resourceVersion etcd no longer has, gets 410 Gone and lists
/// again; every Run still succeeds in exactly one attempt.
#[tokio::test]
#[ignore = "needs the loopback cluster: cargo xtask cluster up --with-kruntimes, then KRUNTIMES_E2E_KUBECONFIG and KRUNTIMES_E2E_CLUSTER_DIR"]
async fn a_compacted_history_forces_relists_and_loses_no_run() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let apiserver = ClusterProcess::new("kube-apiserver").unwrap();
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 8).await;
    let runs: Api<Run> = Api::namespaced(client.clone(), &ns.name);
    let before = runs
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    create_runs(&client, &ns.name, 100, "sleep 0.2; echo $0").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let revision = compact_etcd().await.unwrap();
    assert!(
        revision > before.parse::<i64>().unwrap(),
        "{revision} <= {before}"
    );
    apiserver
        .crash_and_restart(Duration::from_secs(1))
        .await
        .unwrap();

    // What every client's resumed watch meets: a watch from before the compaction is refused with 410 Gone.
    let deadline = Instant::now() + Duration::from_secs(60);
    let gone = loop {
        match runs.watch(&WatchParams::default(), &before).await {
            Ok(stream) => {
                let mut stream = std::pin::pin!(stream);
                match stream.next().await {
                    Some(Ok(WatchEvent::Error(e))) => break e.code,
                    Some(Err(kube::Error::Api(e))) => break e.code,
                    other => panic!("a watch from a compacted resourceVersion got {other:?}"),
                }
            }
            Err(kube::Error::Api(e)) if e.code == 410 => break e.code,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "the API server did not come back: {e}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    assert_eq!(gone, 410);

    let (phases, odd) = wait_all_terminal(&client, &ns.name, 100, Duration::from_secs(300)).await;
    assert_eq!(phases.get("Succeeded"), Some(&100), "{phases:?} {odd:#?}");
    assert!(odd.is_empty(), "{odd:#?}");
    ns.delete().await.unwrap();
}

/// The controller's and the scheduler's pods are killed (no grace, Leases not released) during a burst: their
/// Deployments start new pods, which take the Leases over once they expire, and every Run succeeds once.
#[tokio::test]
#[ignore = "needs the loopback cluster: cargo xtask cluster up --with-kruntimes, then KRUNTIMES_E2E_KUBECONFIG and KRUNTIMES_E2E_CLUSTER_DIR"]
async fn killed_controller_and_scheduler_pods_hand_over_their_leases() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 8).await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), SYSTEM_NS);
    let pods: Api<Pod> = Api::namespaced(client.clone(), SYSTEM_NS);
    let holder = |lease: Lease| {
        lease
            .spec
            .and_then(|s| s.holder_identity)
            .unwrap_or_default()
    };
    let mut before = BTreeMap::new();
    for component in ["controller", "scheduler"] {
        before.insert(
            component,
            holder(leases.get(&format!("kruntimes-{component}")).await.unwrap()),
        );
    }

    create_runs(&client, &ns.name, 100, "sleep 0.3; echo $0").await;
    for pod in before.values() {
        pods.delete(pod, &DeleteParams::default().grace_period(0))
            .await
            .unwrap();
    }
    let (phases, odd) = wait_all_terminal(&client, &ns.name, 100, Duration::from_secs(300)).await;
    assert_eq!(phases.get("Succeeded"), Some(&100), "{phases:?} {odd:#?}");
    assert!(odd.is_empty(), "{odd:#?}");

    for (component, old) in before {
        let lease = format!("kruntimes-{component}");
        let now = holder(leases.get(&lease).await.unwrap());
        assert_ne!(now, old, "{lease} is still held by the killed pod");
        let pod = pods.get(&now).await.unwrap();
        assert!(
            pod.metadata.deletion_timestamp.is_none(),
            "{lease} is held by {now}, which is going away"
        );
    }
    ns.delete().await.unwrap();
}

/// runtimed is killed (SIGKILL) in the middle of a Run: the node restarts the container (its restart count says
/// so), the new runtimed finds the Run `Running` on its pod without an execution and fails that attempt with
/// `ExecutionLost`, and the retry succeeds: attempt 2, no third.
#[tokio::test]
#[ignore = "needs the loopback cluster: cargo xtask cluster up --with-kruntimes, then KRUNTIMES_E2E_KUBECONFIG and KRUNTIMES_E2E_CLUSTER_DIR"]
async fn a_killed_runtimed_fails_its_lost_run_so_it_is_retried() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 1, 4).await;
    let runs: Api<Run> = Api::namespaced(client.clone(), &ns.name);
    let run = scenarios::bash_run("lost", "bash", "sleep 3; echo done", 3).unwrap();
    runs.create(&PostParams::default(), &run).await.unwrap();
    let running = scenarios::wait_run(&client, &ns.name, "lost", Duration::from_secs(60), |r| {
        r.phase() == RunPhase::Running
    })
    .await
    .unwrap();
    let pod = running.status.unwrap().assigned_pod.unwrap();
    kill_container(&client, &ns.name, &pod, "runtimed")
        .await
        .unwrap();

    let status = scenarios::wait_succeeded(&client, &ns.name, "lost", Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(status.attempt, Some(2), "{status:?}");
    scenarios::wait_run_events(
        &client,
        &ns.name,
        "lost",
        Duration::from_secs(30),
        |events| {
            events.iter().any(|e| {
                e.type_.as_deref() == Some("Warning")
                    && e.reason.as_deref() == Some("ExecutionLost")
            })
        },
    )
    .await
    .unwrap();
    let pod: Pod = Api::namespaced(client.clone(), &ns.name)
        .get(&pod)
        .await
        .unwrap();
    let restarts: i32 = pod
        .status
        .and_then(|s| s.container_statuses)
        .into_iter()
        .flatten()
        .map(|c| c.restart_count)
        .sum();
    assert_eq!(
        restarts, 1,
        "the killed runtimed shows as one container restart"
    );
    ns.delete().await.unwrap();
}

/// The Runtime is deleted while its pods run Runs and more wait: its pods go (garbage collection of its
/// Deployment), every Run that was placed ends (it may finish during its pod's grace period, else fails with the
/// pod's loss), the waiting ones stay Pending saying that no pod serves the Runtime, and run once it is back.
/// Every Run ends terminal, none runs twice, and no pod of the first Runtime is left.
#[tokio::test]
#[ignore = "needs the loopback cluster: cargo xtask cluster up --with-kruntimes, then KRUNTIMES_E2E_KUBECONFIG and KRUNTIMES_E2E_CLUSTER_DIR"]
async fn a_runtime_deleted_with_runs_in_flight_leaves_no_run_or_pod_behind() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 2).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let first_pods: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    assert_eq!(first_pods.len(), 2, "{first_pods:?}");
    create_runs(&client, &ns.name, 12, "sleep 2; echo $0").await;
    let runs: Api<Run> = Api::namespaced(client.clone(), &ns.name);
    scenarios::wait_run(&client, &ns.name, "fault-0", Duration::from_secs(60), |r| {
        r.phase() != RunPhase::Pending
    })
    .await
    .unwrap();

    let runtimes: Api<Runtime> = Api::namespaced(client.clone(), &ns.name);
    runtimes
        .delete("bash", &DeleteParams::foreground())
        .await
        .unwrap();
    // Every pod of the Runtime goes; then the Runs that were placed have ended and the others wait.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "the Runtime's pods are still there"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Every Run is now terminal or waits, unbound, saying that no pod serves its Runtime. Which Runs are which
    // is a race: one placed in the moment between the Runtime's deletion and its pods' may fail with the pod.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pending = loop {
        let list = runs.list(&ListParams::default()).await.unwrap().items;
        let unsettled: Vec<String> = list
            .iter()
            .filter(|r| !scenarios::terminal(r) && !waits_for_pods(r))
            .map(|r| format!("{} {} {:?}", r.name_any(), r.phase(), r.status))
            .collect();
        if unsettled.is_empty() {
            break list.iter().filter(|r| !scenarios::terminal(r)).count();
        }
        assert!(
            Instant::now() < deadline,
            "Runs neither ended nor wait for pods 60 s after the Runtime's pods went: {unsettled:#?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // The Runtime is back: the waiting Runs run, once each.
    runtime(&client, &ns.name, 2, 2).await;
    let (phases, odd) = wait_all_terminal(&client, &ns.name, 12, Duration::from_secs(120)).await;
    let succeeded = phases.get("Succeeded").copied().unwrap_or_default();
    assert!(succeeded >= pending, "{phases:?} {odd:#?}");
    for line in &odd {
        assert!(
            line.contains("PodGone")
                || line.contains("PodTerminating")
                || line.contains("Shutdown"),
            "a Run of the deleted Runtime ended for another reason: {line}"
        );
    }
    let left: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(ResourceExt::name_any)
        .filter(|p| first_pods.contains(p))
        .collect();
    assert!(
        left.is_empty(),
        "pods of the deleted Runtime are left: {left:?}"
    );
    ns.delete().await.unwrap();
}
