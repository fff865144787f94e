//! The CRDs on a real API server: every case of the admission table (`api/tests/admission/cases.yaml` and every
//! object of `examples/`), whose verdicts `api/tests/crd.rs` predicts offline with kube-cel, a JSON-schema
//! validator and the Rust validators, sent to the real thing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

#[path = "../../api/tests/admission/mod.rs"]
mod admission;

use std::time::Duration;

use admission::{API_VERSION, Case, Kind, ROOT, cases, mismatches};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kruntimes_api::v1alpha1::crds;
use kruntimes_e2e::{TempNamespace, client};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Api, Client};

/// Applies the generated CRDs, then sends every admission case to the API server in a temporary namespace:
/// each must-admit object is admitted, and each refused one is refused with exactly the errors (field path and
/// message) the table predicts. An update case creates its old object, then applies its merge patch.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn the_api_server_gives_every_admission_case_its_predicted_verdict() -> anyhow::Result<()> {
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
        // A guard against a hang, not a timed assertion: establishing takes well under a second.
        tokio::time::timeout(
            Duration::from_secs(60),
            await_condition(crd_api.clone(), &name, conditions::is_crd_established()),
        )
        .await??;
    }

    let ns = TempNamespace::create(&client).await?;
    let outcome = check_cases(&client, &ns.name).await;
    ns.delete().await?;
    let (checked, failures) = outcome?;
    assert!(
        failures.is_empty(),
        "{} of {checked} cases got another verdict from the API server than the table predicts:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}

/// Sends every case; returns how many were checked and a description of each one that failed.
async fn check_cases(client: &Client, ns: &str) -> anyhow::Result<(usize, Vec<String>)> {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let problems = verdict_problems(client, ns, case).await?;
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({}):\n  {}",
                case.name,
                case.origin,
                problems.join("\n  ")
            ));
        }
    }
    Ok((cases.len(), failures))
}

/// The API of a kind in `ns`, untyped: refused objects need not fit the Rust types.
fn api(client: &Client, ns: &str, kind: Kind) -> Api<DynamicObject> {
    let (group, version) = API_VERSION.split_once('/').expect("group/version");
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(group, version, kind.as_str()),
        kind.plural(),
    );
    Api::namespaced_with(client.clone(), ns, &resource)
}

/// Sends one case and compares the API server's verdict with the table's.
async fn verdict_problems(client: &Client, ns: &str, case: &Case) -> anyhow::Result<Vec<String>> {
    let api = api(client, ns, case.kind);
    let outcome = match (&case.old, &case.patch) {
        (Some(old), Some(patch)) => {
            let old: DynamicObject = serde_json::from_value(old.clone())?;
            if let Err(e) = api.create(&PostParams::default(), &old).await {
                return Ok(vec![format!(
                    "the old object of the update was refused: {}",
                    describe(&e)
                )]);
            }
            // A merge patch, not a replace: the controller and the scheduler write a Run's status between our
            // reads, and a replace would fail on the resourceVersion instead of on the rule.
            api.patch(
                case.object_name(),
                &PatchParams::default(),
                &Patch::Merge(patch),
            )
            .await
            .map(drop)
        }
        _ => {
            let object: DynamicObject = serde_json::from_value(case.object.clone())?;
            // A Runtime's admission is checked with a dry run, which goes through the whole admission chain but
            // stores nothing: a stored Runtime would start a warm pool of runtimed pods on this shared machine.
            let params = PostParams {
                dry_run: case.kind == Kind::Runtime,
                ..PostParams::default()
            };
            api.create(&params, &object).await.map(drop)
        }
    };
    Ok(match (case.admitted, outcome) {
        (true, Ok(())) => Vec::new(),
        (true, Err(e)) => vec![format!("must be admitted, refused: {}", describe(&e))],
        (false, Ok(())) => vec![format!(
            "admitted; the table predicts a refusal with {}",
            case.errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )],
        (false, Err(kube::Error::Api(status))) => {
            let mut problems = Vec::new();
            if status.code != 422 || status.reason != "Invalid" {
                problems.push(format!(
                    "refused with {} {}, not 422 Invalid: {}",
                    status.code, status.reason, status.message
                ));
            }
            problems.extend(mismatches(&case.errors, &causes(&status)));
            problems
        }
        (false, Err(other)) => return Err(other.into()),
    })
}

/// The errors of a refusal as `(field, message)`, the field path as the table writes it (the API server writes
/// `<nil>` for the object itself).
fn causes(status: &kube::core::Status) -> Vec<(String, String)> {
    let causes: Vec<_> = status
        .details
        .iter()
        .flat_map(|d| &d.causes)
        .map(|c| {
            let field = if c.field == "<nil>" {
                ROOT.to_owned()
            } else {
                c.field.clone()
            };
            (field, c.message.clone())
        })
        .collect();
    if causes.is_empty() {
        vec![(ROOT.to_owned(), status.message.clone())]
    } else {
        causes
    }
}

/// An error with the causes the API server gave.
fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => causes(status)
            .iter()
            .map(|(field, message)| format!("{field:?}: {message}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
