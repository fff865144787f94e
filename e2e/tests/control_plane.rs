//! The control-plane scenarios of `tests/in_process` against a real cluster where kruntimes is installed
//! (controller, scheduler, CRDs, the runtimed image with the bash built-in).
//!
//! Opt-in: `KRUNTIMES_E2E_KUBECONFIG=~/.kube/config cargo test -p kruntimes-e2e --test control_plane -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kruntimes_e2e::{TempNamespace, client, scenarios};
use kube::Api;
use kube::api::DeleteParams;

async fn runtime(client: &kube::Client, ns: &str, replicas: i32, runs: u32) {
    scenarios::create_bash_runtime(client, ns, "bash", replicas, runs, Duration::from_secs(300))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_run_goes_from_pending_to_succeeded() {
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 4).await;
    scenarios::run_succeeds(&client, &ns.name, "bash")
        .await
        .unwrap();
    scenarios::bash_component_reported(&client, &ns.name, "bash")
        .await
        .unwrap();
    ns.delete().await.unwrap();
}

#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_workflow_of_bash_steps_passes_outputs_and_succeeds() {
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 4).await;
    scenarios::bash_workflow_succeeds(
        &client,
        &ns.name,
        "build-test",
        "bash",
        Duration::from_secs(120),
    )
    .await
    .unwrap();
    ns.delete().await.unwrap();
}

#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_killed_pods_run_is_retried_elsewhere() {
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 2, 4).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    scenarios::killed_pod_is_retried(&client, &ns.name, "bash", |pod| async move {
        pods.delete(&pod, &DeleteParams::default().grace_period(0))
            .await?;
        Ok(())
    })
    .await
    .unwrap();
    ns.delete().await.unwrap();
}

#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_burst_of_500_runs_never_over_commits() {
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    runtime(&client, &ns.name, 5, 4).await;
    let report = scenarios::burst(
        &client,
        &ns.name,
        "bash",
        500,
        "echo $0",
        Duration::from_secs(600),
    )
    .await
    .unwrap();
    assert_eq!(report.phases.get("Succeeded"), Some(&500), "{report:?}");
    assert!(report.max_active_per_pod <= 4, "{report:?}");
    ns.delete().await.unwrap();
}
