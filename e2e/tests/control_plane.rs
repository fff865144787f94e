//! The control plane's scenarios ([`kruntimes_e2e::scenarios`]) against a real cluster where kruntimes is
//! installed (controller, scheduler, CRDs, the runtimed image with the bash built-in): Runs that succeed, fail,
//! are retried, cancelled or time out; Workflows that pass outputs along a chain and a fan-out, refuse a cycle
//! and are cancelled; a killed pod's Run retried elsewhere; a 500-Run burst.
//!
//! Opt-in: `KRUNTIMES_E2E_KUBECONFIG=~/.kube/config cargo test -p kruntimes-e2e --test control_plane -- --ignored`.
//! Each test works in a namespace of its own with a small bash Runtime, deleted whatever the outcome.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::v1alpha1::WorkflowPhase;
use kruntimes_e2e::{TempNamespace, client, scenarios};
use kube::Api;
use kube::api::DeleteParams;

/// The bash Runtime every scenario runs on.
const RUNTIME: &str = "bash";

/// Runs `scenario` in a new namespace holding the bash Runtime [`RUNTIME`] with `replicas` ready pods of
/// `runs` capacity each, deletes the namespace, then reports the scenario's outcome.
async fn in_temp_namespace<T, F, Fut>(replicas: i32, runs: u32, scenario: F) -> T
where
    F: FnOnce(kube::Client, String) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let client = client().await.unwrap();
    let ns = TempNamespace::create(&client).await.unwrap();
    let name = ns.name.clone();
    let outcome = async {
        scenarios::create_bash_runtime(
            &client,
            &name,
            RUNTIME,
            replicas,
            runs,
            Duration::from_secs(300),
        )
        .await?;
        scenario(client.clone(), name.clone()).await
    }
    .await;
    ns.delete().await.unwrap();
    outcome.unwrap_or_else(|e| panic!("in namespace {name}: {e:#}"))
}

/// A Run goes from Pending to Succeeded with its exit code, pod, attempt, times, grants and usage; runtimed
/// reported the component it loaded in the Runtime's status.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_run_goes_from_pending_to_succeeded() {
    in_temp_namespace(2, 4, |client, ns| async move {
        scenarios::run_succeeds(&client, &ns, RUNTIME).await?;
        scenarios::bash_component_reported(&client, &ns, RUNTIME).await
    })
    .await;
}

/// `exit 3` ends the Run Failed with exit code 3 and reason ExitCode, and a Warning Event says so.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_failing_run_reports_its_exit_code_and_a_warning_event() {
    in_temp_namespace(1, 2, |client, ns| async move {
        scenarios::failing_run_reports_its_exit_code(&client, &ns, RUNTIME).await
    })
    .await;
}

/// A Run failing every attempt under `maxAttempts: 3` is retried twice and ends Failed at attempt 3.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_failing_run_is_retried_until_its_attempts_run_out() {
    in_temp_namespace(1, 2, |client, ns| async move {
        scenarios::failing_run_is_retried_until_its_attempts_run_out(&client, &ns, RUNTIME).await
    })
    .await;
}

/// A Running Run cancelled with `spec.cancelRequested` ends Cancelled and frees the only place of its pod for
/// the next Run.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_cancelled_run_ends_cancelled_and_frees_its_place() {
    // One pod with room for one Run: the next Run can only start once the cancelled one let go.
    in_temp_namespace(1, 1, |client, ns| async move {
        scenarios::cancelled_run_ends_cancelled_and_frees_its_place(&client, &ns, RUNTIME).await
    })
    .await;
}

/// A Run past its `timeoutSeconds` ends Timeout.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_run_past_its_timeout_ends_timeout() {
    in_temp_namespace(1, 2, |client, ns| async move {
        scenarios::run_past_its_timeout_ends_timeout(&client, &ns, RUNTIME).await
    })
    .await;
}

/// A chain of bash steps passes an output from one execution to the next and the Workflow ends Succeeded
/// with its output.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_workflow_of_bash_steps_passes_outputs_and_succeeds() {
    let status = in_temp_namespace(2, 4, |client, ns| async move {
        scenarios::bash_workflow_succeeds(
            &client,
            &ns,
            "build-test",
            RUNTIME,
            Duration::from_secs(120),
        )
        .await
    })
    .await;
    assert_eq!(status.steps.len(), 3, "{status:?}");
    assert_eq!(
        status.steps[0].outputs.get("tag").map(String::as_str),
        Some("v1.2"),
        "{status:?}"
    );
}

/// One step's output feeds three parallel steps; all succeed and the Workflow's outputs collect theirs.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_fan_out_workflow_feeds_parallel_steps_and_succeeds() {
    in_temp_namespace(1, 4, |client, ns| async move {
        scenarios::fan_out_workflow_succeeds(
            &client,
            &ns,
            "fan-out",
            RUNTIME,
            Duration::from_secs(120),
        )
        .await
    })
    .await;
}

/// A Workflow whose steps form a cycle fails WorkflowInvalid, naming the cycle, and creates no Run.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_workflow_with_a_cycle_is_refused_and_creates_no_run() {
    let status = in_temp_namespace(1, 2, |client, ns| async move {
        scenarios::cyclic_workflow_is_refused(&client, &ns, "ring", RUNTIME).await
    })
    .await;
    assert_eq!(status.phase, WorkflowPhase::Failed);
}

/// A running Workflow cancelled with `spec.cancelRequested` cancels its running Runs, skips the step that
/// had not started and ends Cancelled.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_cancelled_workflow_cancels_its_running_runs() {
    in_temp_namespace(1, 2, |client, ns| async move {
        scenarios::cancelled_workflow_cancels_its_runs(&client, &ns, "to-cancel", RUNTIME).await
    })
    .await;
}

/// A Run whose pod is deleted without grace while it runs is retried on another pod and succeeds.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_killed_pods_run_is_retried_elsewhere() {
    in_temp_namespace(2, 4, |client, ns| async move {
        let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
        scenarios::killed_pod_is_retried(&client, &ns, RUNTIME, |pod| async move {
            pods.delete(&pod, &DeleteParams::default().grace_period(0))
                .await?;
            Ok(())
        })
        .await
    })
    .await;
}

/// 500 Runs created at once over 5 pods of capacity 4 all succeed, and no pod ever holds more than 4 active
/// Runs.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_burst_of_500_runs_never_over_commits() {
    let report = in_temp_namespace(5, 4, |client, ns| async move {
        scenarios::burst(
            &client,
            &ns,
            RUNTIME,
            500,
            "echo $0",
            Duration::from_secs(600),
        )
        .await
    })
    .await;
    assert_eq!(report.phases.get("Succeeded"), Some(&500), "{report:?}");
    assert!(report.max_active_per_pod <= 4, "{report:?}");
    assert!(
        report.max_active_per_pod >= 1,
        "the watch saw no active Run: {report:?}"
    );
}
