//! PURE: a Runtime's status from its observed Deployment.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::conditions;
use kruntimes_api::lifecycle::set_condition;
use kruntimes_api::v1alpha1::{Runtime, RuntimeStatus};

/// Reason of `Ready=True`: every desired pod is ready.
pub const PODS_READY: &str = "PodsReady";
/// Reason of `Ready=False`: some desired pods are not ready (yet).
pub const PODS_NOT_READY: &str = "PodsNotReady";
/// Reason of `Ready=False`: runtimed refused the component (`status.component.problems` says why); its pods
/// exit at start and will not become ready until the component or the grants change.
pub const COMPONENT_REFUSED: &str = "ComponentRefused";

/// The status the controller writes for `runtime`, whose Deployment is `deployment` (None before it exists).
///
/// Fields the controller does not own (`component`, written by runtimed) are kept from the current status;
/// `Ready` keeps its `lastTransitionTime` while its status does not change.
pub fn desired_status(
    runtime: &Runtime,
    deployment: Option<&Deployment>,
    now: Timestamp,
) -> RuntimeStatus {
    let mut status = runtime.status.clone().unwrap_or_default();
    let want = runtime.spec.replicas.unwrap_or(1).max(0);
    let observed = deployment.and_then(|d| d.status.as_ref());
    let replicas = observed.and_then(|s| s.replicas).unwrap_or(0);
    let ready = observed.and_then(|s| s.ready_replicas).unwrap_or(0);
    status.observed_generation = runtime.metadata.generation;
    status.replicas = Some(replicas);
    status.ready_replicas = Some(ready);
    let is_ready = ready >= want;
    let refused = status
        .component
        .as_ref()
        .map(|c| c.problems.as_slice())
        .filter(|p| !p.is_empty() && !is_ready);
    let (reason, message) = match refused {
        Some(problems) => (
            COMPONENT_REFUSED,
            format!(
                "{ready}/{want} pods ready; runtimed refused the component: {}",
                problems.join("; ")
            ),
        ),
        None if is_ready => (PODS_READY, format!("{ready}/{want} pods ready")),
        None => (PODS_NOT_READY, format!("{ready}/{want} pods ready")),
    };
    set_condition(
        &mut status.conditions,
        conditions::READY,
        is_ready,
        reason,
        &message,
        now,
    );
    status
}

/// The merge patch writing the controller's fields of `status` (never `component`, which runtimed owns).
pub fn status_patch(status: &RuntimeStatus) -> serde_json::Value {
    serde_json::json!({
        "status": {
            "observedGeneration": status.observed_generation,
            "replicas": status.replicas,
            "readyReplicas": status.ready_replicas,
            "conditions": status.conditions,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::DeploymentStatus;
    use kruntimes_api::v1alpha1::{ComponentStatus, RuntimeSpec};

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).expect("timestamp")
    }

    fn mk_runtime(replicas: i32) -> Runtime {
        let mut rt = Runtime::new(
            "bash",
            RuntimeSpec {
                replicas: Some(replicas),
                ..RuntimeSpec::default()
            },
        );
        rt.metadata.generation = Some(3);
        rt
    }

    fn mk_deployment(replicas: i32, ready: i32) -> Deployment {
        Deployment {
            status: Some(DeploymentStatus {
                replicas: Some(replicas),
                ready_replicas: Some(ready),
                ..DeploymentStatus::default()
            }),
            ..Deployment::default()
        }
    }

    /// Ready is False with the count until every desired pod is ready, then True.
    #[test]
    fn ready_follows_the_ready_replicas() {
        let rt = mk_runtime(3);
        let s = desired_status(&rt, Some(&mk_deployment(3, 2)), ts(10));
        assert_eq!(s.observed_generation, Some(3));
        assert_eq!((s.replicas, s.ready_replicas), (Some(3), Some(2)));
        let c = &s.conditions[0];
        assert_eq!(
            (c.type_.as_str(), c.status.as_str(), c.reason.as_str()),
            ("Ready", "False", "PodsNotReady")
        );
        assert_eq!(c.message, "2/3 pods ready");

        let s = desired_status(&rt, Some(&mk_deployment(3, 3)), ts(20));
        let c = &s.conditions[0];
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("True", "PodsReady")
        );
        assert_eq!(c.message, "3/3 pods ready");
    }

    /// Without a Deployment nothing is ready; with zero replicas the Runtime is trivially ready.
    #[test]
    fn missing_deployment_and_zero_replicas() {
        let s = desired_status(&mk_runtime(1), None, ts(1));
        assert_eq!(s.ready_replicas, Some(0));
        assert_eq!(s.conditions[0].status, "False");
        let s = desired_status(&mk_runtime(0), None, ts(1));
        assert_eq!(s.conditions[0].status, "True");
    }

    /// A component runtimed refused turns the reason into ComponentRefused, with runtimed's problems in the
    /// message, while pods are missing; once every pod is ready (a fixed component) the Runtime is Ready.
    #[test]
    fn a_refused_component_says_why_the_runtime_is_not_ready() {
        let mut rt = mk_runtime(2);
        rt.status = Some(RuntimeStatus {
            component: Some(ComponentStatus {
                problems: vec![
                    "imports what runtimed does not provide: wasi:http/outgoing-handler@0.2.6"
                        .to_owned(),
                ],
                ..ComponentStatus::default()
            }),
            ..RuntimeStatus::default()
        });
        let s = desired_status(&rt, Some(&mk_deployment(2, 0)), ts(5));
        let c = &s.conditions[0];
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("False", COMPONENT_REFUSED)
        );
        assert_eq!(
            c.message,
            "0/2 pods ready; runtimed refused the component: imports what runtimed does not provide: \
             wasi:http/outgoing-handler@0.2.6"
        );
        let s = desired_status(&rt, Some(&mk_deployment(2, 2)), ts(6));
        assert_eq!(s.conditions[0].reason, PODS_READY);
    }

    /// An unchanged Ready keeps its lastTransitionTime, so an unchanged status needs no write; runtimed's
    /// component field is kept.
    #[test]
    fn unchanged_status_is_stable() {
        let mut rt = mk_runtime(2);
        let first = desired_status(&rt, Some(&mk_deployment(2, 2)), ts(10));
        let mut current = first.clone();
        current.component = Some(ComponentStatus {
            source: Some("builtin:bash".to_owned()),
            ..ComponentStatus::default()
        });
        rt.status = Some(current.clone());
        let second = desired_status(&rt, Some(&mk_deployment(2, 2)), ts(99));
        assert_eq!(second, current);
        assert_eq!(second.conditions[0].last_transition_time.0, ts(10));
        let patch = status_patch(&second);
        assert!(patch["status"].get("component").is_none());
        assert_eq!(patch["status"]["readyReplicas"], 2);
    }
}
