//! What storing a terminal attempt's artifacts does to its status: the same on a cluster (runtimed) and in
//! `krt local`.

use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::{RunPhase, RunStatus};

use crate::error::Error;

/// Records `result` in `status`, a terminal attempt's status. Stored artifacts become `artifactRefs`. On an
/// error, a Run that succeeded ends `Failed` with the error's reason ([`Error::reason`]: `ArtifactInvalid` or
/// `ArtifactUploadFailed`); a Run that had already failed keeps its phase and reason, and its message says what
/// happened to its artifacts. Either way nothing is silently dropped.
pub fn record(status: &mut RunStatus, result: Result<Vec<ArtifactRef>, Error>) {
    match result {
        Ok(refs) => status.artifact_refs = refs,
        Err(err) => fail(
            status,
            err.reason(),
            &format!("artifacts: {}", lifecycle::error_chain(&err)),
        ),
    }
}

/// Fails a succeeded `status` with `reason` and `message`, or appends `message` to a failed one's message.
pub fn fail(status: &mut RunStatus, reason: &str, message: &str) {
    if status.phase == RunPhase::Succeeded {
        let at = status
            .completion_time
            .as_ref()
            .map_or_else(k8s_openapi::jiff::Timestamp::now, |t| t.0);
        lifecycle::finish(status, RunPhase::Failed, reason, message, at);
    } else {
        note(status, message);
    }
}

/// Appends `message` to `status.message` (`; `-separated, bounded), leaving phase and reason alone.
pub fn note(status: &mut RunStatus, message: &str) {
    let joined = match status.message.take() {
        Some(m) => format!("{m}; {message}"),
        None => message.to_owned(),
    };
    status.message = Some(lifecycle::bounded(&joined));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terminal(phase: RunPhase, reason: &str) -> RunStatus {
        RunStatus {
            phase,
            reason: Some(reason.to_owned()),
            message: Some("guest exited".to_owned()),
            ..RunStatus::default()
        }
    }

    #[test]
    fn an_invalid_artifact_fails_a_succeeded_run_with_its_reason() {
        let mut status = terminal(RunPhase::Succeeded, "Succeeded");
        record(
            &mut status,
            Err(Error::Config(
                "Secret \"s3\" has no key \"AWS_ACCESS_KEY_ID\"".to_owned(),
            )),
        );
        assert_eq!(status.phase, RunPhase::Failed);
        assert_eq!(status.reason.as_deref(), Some("ArtifactUploadFailed"));
        assert!(
            status
                .message
                .as_deref()
                .unwrap()
                .contains("AWS_ACCESS_KEY_ID"),
            "{status:?}"
        );
    }

    #[test]
    fn a_failed_run_keeps_its_reason_and_says_what_happened_to_its_artifacts() {
        let mut status = terminal(RunPhase::Failed, "ExitCode");
        note(&mut status, "artifacts: 2 discarded");
        assert_eq!(status.phase, RunPhase::Failed);
        assert_eq!(status.reason.as_deref(), Some("ExitCode"));
        assert_eq!(
            status.message.as_deref(),
            Some("guest exited; artifacts: 2 discarded")
        );
    }

    #[test]
    fn stored_artifacts_become_refs() {
        let mut status = terminal(RunPhase::Succeeded, "Succeeded");
        let reference = ArtifactRef {
            name: "a".to_owned(),
            ..ArtifactRef::default()
        };
        record(&mut status, Ok(vec![reference.clone()]));
        assert_eq!(status.artifact_refs, [reference]);
        assert_eq!(status.phase, RunPhase::Succeeded);
    }
}
