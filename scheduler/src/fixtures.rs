//! Test constructors for pods and Runs.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunResources, RunSpec, RunStatus, RunTemplate};

use crate::index::{GroupKey, PodInfo};
use crate::resources::Resources;

/// A fixed "now" for tests.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A fit pod of Runtime `bash` in `default` with `runs` capacity, heartbeat at [`now`].
pub(crate) fn mk_pod(name: impl ToString, runs: u64) -> PodInfo {
    let name = name.to_string();
    PodInfo {
        group: GroupKey::new("default", "bash"),
        uid: format!("uid-{name}"),
        name,
        capacity: Resources::from([("runs".to_owned(), runs)]),
        running: true,
        deleting: false,
        ready: true,
        runtimed_ready: true,
        heartbeat: Some(now()),
    }
}

/// A pending Run of `bash` in `default` with uid `name`.
pub(crate) fn mk_run(name: impl ToString) -> Run {
    let name = name.to_string();
    let mut run = Run::new(
        &name,
        RunSpec {
            template: RunTemplate {
                runtime: "bash".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    run.metadata.namespace = Some("default".into());
    run.metadata.uid = Some(name);
    run.metadata.resource_version = Some("1".into());
    run
}

/// `run` requesting these quantities.
pub(crate) fn with_requests(mut run: Run, requests: &[(&str, &str)]) -> Run {
    run.spec.template.resources = Some(RunResources {
        requests: requests
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
            .collect(),
    });
    run
}

/// `run` in `phase`, assigned to pod `pod` (uid `uid-<pod>`).
pub(crate) fn bound(mut run: Run, phase: RunPhase, pod: &str) -> Run {
    run.status = Some(RunStatus {
        phase,
        assigned_pod: Some(pod.to_owned()),
        assigned_pod_uid: Some(format!("uid-{pod}")),
        attempt: Some(1),
        ..Default::default()
    });
    run
}
