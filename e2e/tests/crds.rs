//! The CRDs on a real API server: the admission rules that the unit tests reproduce offline with
//! kube-cel and a JSON-schema validator, checked against the real thing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kruntimes_api::v1alpha1::{Run, crds};
use kruntimes_e2e::{TempNamespace, client};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};

/// Applies the generated CRDs, then checks that the seed example is admitted and that an
/// absolute entrypoint and a cancelRequested true→false update are rejected with our messages.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn the_api_server_enforces_our_cel_rules() -> anyhow::Result<()> {
    let client = client().await?;
    let crd_api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in crds() {
        let name = crd.metadata.name.clone().unwrap_or_default();
        crd_api
            .patch(
                &name,
                &PatchParams::apply("kruntimes-e2e").force(),
                &Patch::Apply(&crd),
            )
            .await?;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let ns = TempNamespace::create(&client).await?;
    let runs: Api<Run> = Api::namespaced(client.clone(), &ns.name);

    let seed: Run = serde_yaml::from_str(include_str!("../../examples/hello-bash.yaml"))?;
    let created = runs.create(&PostParams::default(), &seed).await?;

    let mut bad = seed.clone();
    bad.metadata.name = Some("absolute".into());
    bad.spec.template.entrypoint = Some("/etc/passwd".into());
    let err = runs
        .create(&PostParams::default(), &bad)
        .await
        .expect_err("absolute entrypoint must be rejected");
    assert!(
        err.to_string()
            .contains("entrypoint must be a relative path"),
        "{err}"
    );

    // Merge patches, not replaces: on a cluster where kruntimes runs, the controller and the scheduler write the
    // Run's status between our reads, and a replace would fail on the resourceVersion instead of on the rule.
    let patch = |v: bool| Patch::Merge(serde_json::json!({"spec": {"cancelRequested": v}}));
    runs.patch(&created.name_any(), &PatchParams::default(), &patch(true))
        .await?;
    let err = runs
        .patch("hello", &PatchParams::default(), &patch(false))
        .await
        .expect_err("true -> false must be rejected");
    assert!(
        err.to_string()
            .contains("cancelRequested cannot go back to false"),
        "{err}"
    );

    ns.delete().await
}
