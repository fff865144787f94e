//! PURE: when a finished Run is garbage collected (`spec.ttlSecondsAfterFinished`).

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kruntimes_api::v1alpha1::Run;

/// When `run` should be deleted: `completionTime + ttlSecondsAfterFinished` for a terminal Run that has both
/// (a TTL of 0 means at once). None for Runs that are not finished, keep forever, or are already deleting.
pub fn expiry(run: &Run) -> Option<Timestamp> {
    if run.metadata.deletion_timestamp.is_some() || !run.phase().is_terminal() {
        return None;
    }
    let ttl = run.spec.ttl_seconds_after_finished.filter(|t| *t >= 0)?;
    let completed = run.status.as_ref()?.completion_time.as_ref()?.0;
    completed
        .checked_add(SignedDuration::from_secs(i64::from(ttl)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use kruntimes_api::v1alpha1::{RunPhase, RunSpec, RunStatus};

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).expect("timestamp")
    }

    fn mk_run(phase: RunPhase, ttl: Option<i32>, completed: Option<i64>) -> Run {
        let mut run = Run::new(
            "r",
            RunSpec {
                ttl_seconds_after_finished: ttl,
                ..RunSpec::default()
            },
        );
        run.status = Some(RunStatus {
            phase,
            completion_time: completed.map(|c| Time(ts(c))),
            ..RunStatus::default()
        });
        run
    }

    /// A finished Run expires ttl seconds after completion; 0 means at completion.
    #[test]
    fn finished_runs_expire_after_their_ttl() {
        assert_eq!(
            expiry(&mk_run(RunPhase::Succeeded, Some(60), Some(100))),
            Some(ts(160))
        );
        assert_eq!(
            expiry(&mk_run(RunPhase::Failed, Some(0), Some(100))),
            Some(ts(100))
        );
    }

    /// Active Runs, Runs without a TTL or completion time, and deleting Runs never expire.
    #[test]
    fn other_runs_do_not_expire() {
        assert_eq!(expiry(&mk_run(RunPhase::Running, Some(0), Some(1))), None);
        assert_eq!(expiry(&mk_run(RunPhase::Succeeded, None, Some(1))), None);
        assert_eq!(expiry(&mk_run(RunPhase::Succeeded, Some(5), None)), None);
        let mut deleting = mk_run(RunPhase::Succeeded, Some(5), Some(1));
        deleting.metadata.deletion_timestamp = Some(Time(ts(2)));
        assert_eq!(expiry(&deleting), None);
    }
}
