//! PURE: artifact cleanup of deleted Runs (the I/O is in `reconcile::cleanup`).
//!
//! runtimed adds the `kruntimes.io/artifact-cleanup` finalizer before it uploads a Run's artifacts and records
//! the store it used in `status.artifactStore`. When such a Run is deleted, the controller deletes every object
//! under the Run's key prefix in that store, then releases the finalizer. The Runtime is not needed: it may be
//! gone or point at another store by then.
//!
//! Failures (credentials Secret gone, store unreachable) are retried with a growing delay, and shown on the Run
//! as `ArtifactsCleanedUp=False` with the error and the way out. After the cleanup timeout (counted from the
//! deletion request) the controller gives up: it releases the Run and publishes a Warning Event naming where
//! the objects were left, so a deletion never hangs forever and nothing is dropped silently.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext, PodSpec, Volume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::{artifact_store, finalizers, labels};
use kruntimes_api::runtimed::CleanupConfig;
use kruntimes_api::v1alpha1::Run;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use kube::{Resource, ResourceExt};

/// Default time the controller keeps retrying a failing cleanup before it releases the Run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);
/// First retry delay of a failing cleanup.
const MIN_RETRY: Duration = Duration::from_secs(5);
/// Longest retry delay of a failing cleanup.
const MAX_RETRY: Duration = Duration::from_secs(300);

/// Whether `run` is deleted and still held for artifact cleanup.
pub fn pending(run: &Run) -> bool {
    run.metadata.deletion_timestamp.is_some() && holds_finalizer(run)
}

/// Whether `run` carries `kruntimes.io/artifact-cleanup`.
pub fn holds_finalizer(run: &Run) -> bool {
    run.finalizers()
        .iter()
        .any(|f| f == finalizers::ARTIFACT_CLEANUP)
}

/// Where the Run's artifacts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The store runtimed recorded in the status.
    Recorded(Box<ArtifactStore>),
    /// None recorded (runtimed stopped between adding the finalizer and writing the result): the current store
    /// of the Run's Runtime, if it still has one, is the best guess.
    Runtime(String),
}

/// Where to clean up `run`.
pub fn source(run: &Run) -> Source {
    match run.status.as_ref().and_then(|s| s.artifact_store.clone()) {
        Some(store) => Source::Recorded(Box::new(store)),
        None => Source::Runtime(run.spec.template.runtime.clone()),
    }
}

/// The finalizers `run` keeps once the artifact cleanup is done.
pub fn released(run: &Run) -> Vec<String> {
    run.finalizers()
        .iter()
        .filter(|f| *f != finalizers::ARTIFACT_CLEANUP)
        .cloned()
        .collect()
}

/// Label of the pod that deletes a Run's artifacts from a `filesystem` store: the Run's name.
pub const CLEANUP_POD_LABEL: &str = "kruntimes.io/artifact-cleanup-of";
/// Name of the container of a cleanup pod.
pub const CLEANUP_CONTAINER: &str = "cleanup";

/// Name of the pod that deletes `run`'s artifacts from a `filesystem` store.
pub fn cleanup_pod_name(run: &Run) -> String {
    format!("artifact-cleanup-{}", run.uid().unwrap_or_default())
}

/// The pod that deletes `run`'s artifacts from the `filesystem` store `config`, which the controller cannot
/// reach itself: runtimed's image (`image`) with `--cleanup-artifacts`, the store's claim mounted where runtimed
/// looks for it, no API token, the "restricted" security context, and `run` as owner (not controller), so the
/// pod goes with the Run if it is still there then. None unless `config` is a filesystem store.
pub fn cleanup_pod(run: &Run, config: &ArtifactStore, image: &str) -> Option<Pod> {
    let fs = config.filesystem.as_ref()?;
    let target = format!(
        "{}/{}/{}",
        run.namespace().unwrap_or_default(),
        run.name_any(),
        run.uid().unwrap_or_default()
    );
    let volume = "artifact-store";
    Some(Pod {
        metadata: ObjectMeta {
            name: Some(cleanup_pod_name(run)),
            namespace: run.namespace(),
            labels: Some(BTreeMap::from([
                (labels::MANAGED_BY.to_owned(), "kruntimes".to_owned()),
                (CLEANUP_POD_LABEL.to_owned(), run.name_any()),
            ])),
            owner_references: run.controller_owner_ref(&()).map(|mut owner| {
                owner.controller = None;
                owner.block_owner_deletion = None;
                vec![owner]
            }),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            restart_policy: Some("Never".to_owned()),
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                ..PodSecurityContext::default()
            }),
            containers: vec![Container {
                name: CLEANUP_CONTAINER.to_owned(),
                image: Some(image.to_owned()),
                args: Some(
                    CleanupConfig {
                        run: target,
                        artifact_store: config.clone(),
                    }
                    .to_args(),
                ),
                volume_mounts: Some(vec![VolumeMount {
                    name: volume.to_owned(),
                    mount_path: artifact_store::MOUNT_PATH.to_owned(),
                    ..VolumeMount::default()
                }]),
                security_context: Some(crate::runtime_objects::restricted_security_context()),
                ..Container::default()
            }],
            volumes: Some(vec![Volume {
                name: volume.to_owned(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: fs.volume_claim_name.clone(),
                    read_only: None,
                }),
                ..Volume::default()
            }]),
            ..PodSpec::default()
        }),
        status: None,
    })
}

/// What to do after a cleanup attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// Show the error on the Run and try again after this delay.
    Retry(Duration),
    /// Time is up: release the Run and publish where its objects were left.
    GiveUp,
}

/// Retry with a delay that grows with the time since the deletion (a tenth of it, 5 s to 5 min), until
/// `timeout` has passed since the deletion request.
pub fn after_failure(run: &Run, now: Timestamp, timeout: Duration) -> AfterFailure {
    let elapsed = run
        .metadata
        .deletion_timestamp
        .as_ref()
        .and_then(|t| Duration::try_from(t.0.duration_until(now)).ok())
        .unwrap_or(Duration::ZERO);
    if elapsed >= timeout {
        return AfterFailure::GiveUp;
    }
    let delay = (elapsed / 10).clamp(MIN_RETRY, MAX_RETRY);
    AfterFailure::Retry(delay.min(timeout - elapsed).max(Duration::from_secs(1)))
}

/// The message of `ArtifactsCleanedUp=False`: the error, and how to recover.
pub fn failure_message(run: &Run, error: &str, timeout: Duration) -> String {
    format!(
        "cannot delete the Run's artifacts: {error}. Retrying; fix the cause (for a missing credentials \
         Secret, create it again) within {}s of the deletion, or give up on the objects now with \
         `kubectl patch run {} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}}]'`",
        timeout.as_secs(),
        run.name_any()
    )
}

/// Parses `--artifact-cleanup-timeout-seconds` (at least 60 s: a few retries).
///
/// # Errors
///
/// Not a number, or under 60.
pub fn parse_timeout(value: &str) -> Result<u64, String> {
    let secs: u64 = value
        .parse()
        .map_err(|_| format!("expected a number of seconds, got {value:?}"))?;
    if secs < 60 {
        return Err(format!(
            "{secs}s is too short to retry a failing artifact cleanup; use at least 60"
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use kruntimes_api::v1alpha1::runtime::S3Store;
    use kruntimes_api::v1alpha1::{RunSpec, RunStatus};

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).expect("timestamp")
    }

    fn deleted_at(at: Option<i64>, finalizers: &[&str]) -> Run {
        let mut spec = RunSpec::default();
        spec.template.runtime = "py".to_owned();
        let mut run = Run::new("r", spec);
        run.metadata.deletion_timestamp = at.map(|s| Time(ts(s)));
        run.metadata.finalizers = Some(finalizers.iter().map(|f| (*f).to_owned()).collect());
        run
    }

    #[test]
    fn only_a_deleted_run_holding_the_finalizer_is_pending() {
        assert!(pending(&deleted_at(
            Some(0),
            &[finalizers::ARTIFACT_CLEANUP]
        )));
        assert!(!pending(&deleted_at(None, &[finalizers::ARTIFACT_CLEANUP])));
        assert!(!pending(&deleted_at(Some(0), &["other.io/keep"])));
    }

    #[test]
    fn release_keeps_other_finalizers() {
        let run = deleted_at(Some(0), &["a.io/x", finalizers::ARTIFACT_CLEANUP, "b.io/y"]);
        assert_eq!(released(&run), ["a.io/x", "b.io/y"]);
    }

    #[test]
    fn the_recorded_store_wins_over_the_runtime() {
        let mut run = deleted_at(Some(0), &[finalizers::ARTIFACT_CLEANUP]);
        assert_eq!(source(&run), Source::Runtime("py".to_owned()));
        let store = ArtifactStore {
            s3: Some(S3Store {
                bucket: "b".to_owned(),
                ..S3Store::default()
            }),
            ..ArtifactStore::default()
        };
        run.status = Some(RunStatus {
            artifact_store: Some(store.clone()),
            ..RunStatus::default()
        });
        assert_eq!(source(&run), Source::Recorded(Box::new(store)));
    }

    #[test]
    fn failures_are_retried_with_a_growing_delay_until_the_timeout() {
        let run = deleted_at(Some(1000), &[finalizers::ARTIFACT_CLEANUP]);
        let timeout = Duration::from_secs(3600);
        assert_eq!(
            after_failure(&run, ts(1001), timeout),
            AfterFailure::Retry(MIN_RETRY)
        );
        assert_eq!(
            after_failure(&run, ts(1000 + 600), timeout),
            AfterFailure::Retry(Duration::from_secs(60))
        );
        assert_eq!(
            after_failure(&run, ts(1000 + 3590), timeout),
            AfterFailure::Retry(Duration::from_secs(10))
        );
        assert_eq!(
            after_failure(&run, ts(1000 + 3600), timeout),
            AfterFailure::GiveUp
        );
    }

    #[test]
    fn the_failure_message_says_how_to_recover() {
        let run = deleted_at(Some(0), &[finalizers::ARTIFACT_CLEANUP]);
        let message = failure_message(&run, "Secret s3 not found", DEFAULT_TIMEOUT);
        assert!(message.contains("Secret s3 not found"), "{message}");
        assert!(message.contains("within 3600s"), "{message}");
        assert!(message.contains("kubectl patch run r"), "{message}");
    }

    #[test]
    fn a_filesystem_store_is_cleaned_by_a_pod_mounting_its_claim() {
        let mut run = deleted_at(Some(0), &[finalizers::ARTIFACT_CLEANUP]);
        run.metadata.namespace = Some("team".to_owned());
        run.metadata.uid = Some("u-1".to_owned());
        let s3 = ArtifactStore {
            s3: Some(S3Store::default()),
            ..ArtifactStore::default()
        };
        assert!(cleanup_pod(&run, &s3, "img").is_none());
        let fs = ArtifactStore {
            filesystem: Some(kruntimes_api::v1alpha1::runtime::FilesystemStore {
                volume_claim_name: "pvc".to_owned(),
                prefix: None,
            }),
            ..ArtifactStore::default()
        };
        let pod = cleanup_pod(&run, &fs, "runtimed:1").expect("a pod");
        assert_eq!(pod.metadata.name.as_deref(), Some("artifact-cleanup-u-1"));
        assert_eq!(pod.metadata.namespace.as_deref(), Some("team"));
        let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.uid.as_str()), ("Run", "u-1"));
        assert_eq!(owner.controller, None);
        let spec = pod.spec.unwrap();
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.automount_service_account_token, Some(false));
        let c = &spec.containers[0];
        let args = c.args.as_ref().unwrap();
        assert_eq!(args[..2], ["--cleanup-artifacts", "team/r/u-1"]);
        let given: ArtifactStore = serde_json::from_str(&args[3]).unwrap();
        assert_eq!(given, fs);
        assert_eq!(
            c.volume_mounts.as_ref().unwrap()[0].mount_path,
            artifact_store::MOUNT_PATH
        );
        let volume = &spec.volumes.unwrap()[0];
        assert_eq!(
            volume.persistent_volume_claim.as_ref().unwrap().claim_name,
            "pvc"
        );
        let security = c.security_context.as_ref().unwrap();
        assert_eq!(security.allow_privilege_escalation, Some(false));
        assert_eq!(security.read_only_root_filesystem, Some(true));
    }

    #[test]
    fn timeouts_under_a_minute_are_refused() {
        assert_eq!(parse_timeout("3600"), Ok(3600));
        assert!(parse_timeout("59").unwrap_err().contains("at least 60"));
        assert!(parse_timeout("soon").is_err());
    }
}
