//! What a user does first on a cluster where both charts are installed (`cargo xtask cluster up
//! --with-kruntimes`, or any cluster with the `kruntimes-runtimes` chart's bash Runtime in `default`): apply the
//! README's example Run and watch it succeed.
//!
//! Opt-in: `KRUNTIMES_E2E_KUBECONFIG=... cargo test -p kruntimes-e2e --test install -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::time::Duration;

use kruntimes_api::v1alpha1::Run;
use kruntimes_e2e::{client, scenarios};
use kube::Api;
use kube::api::{DeleteParams, PostParams};

/// `kubectl apply -f examples/hello-bash.yaml` in `default`, on the bash Runtime the runtimes chart installed:
/// the Run succeeds, on a pod of that Runtime, and its status carries grants and usage.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn the_hello_bash_example_succeeds_on_the_charted_bash_runtime() {
    let client = client().await.unwrap();
    let mut run: Run =
        serde_yaml::from_str(include_str!("../../examples/hello-bash.yaml")).unwrap();
    let name = format!("hello-e2e-{}", std::process::id());
    run.metadata.name = Some(name.clone());
    let runs: Api<Run> = Api::namespaced(client.clone(), "default");
    runs.create(&PostParams::default(), &run).await.unwrap();
    let status = scenarios::wait_succeeded(&client, "default", &name, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(status.exit_code, Some(0));
    assert!(
        status
            .assigned_pod
            .as_deref()
            .is_some_and(|p| p.starts_with("runtime-bash-")),
        "{status:?}"
    );
    assert!(
        status.grants.is_some() && status.usage.is_some(),
        "{status:?}"
    );
    runs.delete(&name, &DeleteParams::default()).await.unwrap();
}
