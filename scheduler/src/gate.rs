//! When a pending Run may be placed: not before its `status.nextAttemptTime` (retry backoff).

use k8s_openapi::jiff::Timestamp;
use kruntimes_api::v1alpha1::Run;

/// The instant a pending Run may be placed, if that is after `now`; `None` when it may be placed now.
///
/// A retried Run carries `status.nextAttemptTime` (set by `lifecycle::failed`); the scheduler requeues it
/// at that instant, never earlier.
pub fn ready_at(run: &Run, now: Timestamp) -> Option<Timestamp> {
    let at = run.status.as_ref()?.next_attempt_time.as_ref()?.0;
    (at > now).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kruntimes_api::v1alpha1::{RunSpec, RunStatus, Time};

    fn run(next: Option<i64>) -> Run {
        let mut r = Run::new("r", RunSpec::default());
        r.status = Some(RunStatus {
            next_attempt_time: next.map(|s| Time(Timestamp::from_second(s).unwrap())),
            ..Default::default()
        });
        r
    }

    #[test]
    fn a_run_without_backoff_is_ready_now() {
        let now = Timestamp::from_second(100).unwrap();
        assert_eq!(ready_at(&Run::new("r", RunSpec::default()), now), None);
        assert_eq!(ready_at(&run(None), now), None);
    }

    #[test]
    fn a_run_waits_until_its_next_attempt_time_and_not_longer() {
        let now = Timestamp::from_second(100).unwrap();
        assert_eq!(
            ready_at(&run(Some(105)), now),
            Some(Timestamp::from_second(105).unwrap())
        );
        assert_eq!(ready_at(&run(Some(100)), now), None);
        assert_eq!(ready_at(&run(Some(99)), now), None);
    }
}
