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
use kruntimes_api::v1alpha1::{Run, RunPhase};
use kruntimes_e2e::{ClusterProcess, TempNamespace, client, scenarios};
use kube::api::{DeleteParams, ListParams, PostParams};
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
