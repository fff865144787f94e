//! What the agent does with a Run it observed: a pure decision over the Run, runtimed's pod and what runtimed
//! is executing. Tested without a cluster.

use jiff::Timestamp;
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunStatus, Time};

/// The pod runtimed runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodIdentity {
    /// Namespace of the pod (and of the Runs it executes).
    pub namespace: String,
    /// Pod name (`status.assignedPod` of its Runs).
    pub name: String,
    /// Pod UID (`status.assignedPodUid`): a same-named replacement pod never executes the old pod's Runs.
    pub uid: String,
}

/// What to do about one observed Run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not ours, already handled, or nothing to do.
    Ignore,
    /// Start attempt `attempt`.
    Start {
        /// The attempt number.
        attempt: u32,
    },
    /// Bound to us but cancelled before it started: end it `Cancelled` without executing.
    CancelBeforeStart,
    /// Cancel our execution of it (the execution then writes the `Cancelled` result).
    CancelExecution,
    /// A newer attempt is bound to this pod while runtimed still holds an older one: the older one is finishing
    /// (its failed result was just written and the retry was bound back here before it was forgotten) or was
    /// reaped. Stop the older one and look at the Run again shortly: no watch event may come to start the newer
    /// attempt once the older one is forgotten.
    StartAfterPrevious,
    /// It is `Running` on this pod but runtimed has no execution of it (runtimed restarted): fail the attempt
    /// with `ExecutionLost` so the retry policy applies.
    Lost,
    /// It left this pod or ended while we still execute it (reaped, deleted): stop our execution, write nothing.
    Abandon,
}

/// Decides what to do about `run`. `executing` is the attempt runtimed is executing for this Run, if any.
pub fn decide(run: &Run, me: &PodIdentity, executing: Option<u32>) -> Action {
    let Some(status) = &run.status else {
        return Action::Ignore;
    };
    let attempt = u32::try_from(lifecycle::attempt(run)).unwrap_or(1);
    let ours = status.assigned_pod.as_deref() == Some(me.name.as_str())
        && status.assigned_pod_uid.as_deref() == Some(me.uid.as_str());
    let cancel = run.spec.cancel_requested == Some(true);
    let deleting = run.metadata.deletion_timestamp.is_some();
    match (ours, status.phase, executing) {
        (true, RunPhase::Scheduled, None) if cancel || deleting => Action::CancelBeforeStart,
        (true, RunPhase::Scheduled, None) => Action::Start { attempt },
        (true, RunPhase::Scheduled | RunPhase::Running, Some(running)) if running == attempt => {
            if cancel || deleting {
                Action::CancelExecution
            } else {
                Action::Ignore
            }
        }
        (true, RunPhase::Scheduled, Some(previous)) if previous < attempt => {
            Action::StartAfterPrevious
        }
        (true, RunPhase::Running, None) => Action::Lost,
        (_, _, Some(_)) => Action::Abandon,
        _ => Action::Ignore,
    }
}

/// The claim: `Running`, `startTime`, `Running=True/Claimed`.
pub fn claimed(run: &Run, started: Timestamp) -> RunStatus {
    let mut status = run.status.clone().unwrap_or_default();
    status.phase = RunPhase::Running;
    status.start_time = Some(Time(started));
    status.attempt = Some(lifecycle::attempt(run));
    lifecycle::set_condition(
        &mut status.conditions,
        conditions::RUNNING,
        true,
        reasons::CLAIMED,
        "runtimed is executing it",
        started,
    );
    status
}

/// A Run cancelled after it was bound and before runtimed started it.
pub fn cancelled(run: &Run, now: Timestamp) -> RunStatus {
    lifecycle::cancelled_before_start(run, now)
}

/// A Run whose execution runtimed lost (it restarted while the Run was `Running`).
pub fn lost(run: &Run, now: Timestamp) -> RunStatus {
    lifecycle::failed(
        run,
        reasons::EXECUTION_LOST,
        "runtimed restarted while the Run was executing; the execution was lost",
        now,
    )
}

/// A Run the engine cannot take as written (never retried: the same input fails the same way).
pub fn invalid(run: &Run, message: &str, now: Timestamp) -> RunStatus {
    let mut status = run.status.clone().unwrap_or_default();
    status.attempt = Some(lifecycle::attempt(run));
    lifecycle::finish(
        &mut status,
        RunPhase::Failed,
        reasons::INVALID_SPEC,
        message,
        now,
    );
    status
}

#[cfg(test)]
mod tests {
    use kruntimes_api::v1alpha1::{RunSpec, RunTemplate};

    use super::*;

    fn me() -> PodIdentity {
        PodIdentity {
            namespace: "ns".into(),
            name: "pod-a".into(),
            uid: "uid-a".into(),
        }
    }

    fn run(phase: RunPhase, pod: &str, uid: &str, attempt: i32) -> Run {
        let mut run = Run::new(
            "r",
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        run.status = Some(RunStatus {
            phase,
            assigned_pod: Some(pod.into()),
            assigned_pod_uid: Some(uid.into()),
            attempt: Some(attempt),
            ..Default::default()
        });
        run
    }

    #[test]
    fn a_bound_run_is_started_once() {
        let r = run(RunPhase::Scheduled, "pod-a", "uid-a", 2);
        assert_eq!(decide(&r, &me(), None), Action::Start { attempt: 2 });
        assert_eq!(decide(&r, &me(), Some(2)), Action::Ignore);
    }

    #[test]
    fn a_replacement_pod_with_the_same_name_does_not_execute_it() {
        let r = run(RunPhase::Scheduled, "pod-a", "uid-old", 1);
        assert_eq!(decide(&r, &me(), None), Action::Ignore);
        let other = run(RunPhase::Scheduled, "pod-b", "uid-a", 1);
        assert_eq!(decide(&other, &me(), None), Action::Ignore);
    }

    #[test]
    fn cancellation_before_and_during_execution() {
        let mut r = run(RunPhase::Scheduled, "pod-a", "uid-a", 1);
        r.spec.cancel_requested = Some(true);
        assert_eq!(decide(&r, &me(), None), Action::CancelBeforeStart);
        assert_eq!(decide(&r, &me(), Some(1)), Action::CancelExecution);
        let s = cancelled(&r, Timestamp::UNIX_EPOCH);
        assert_eq!(s.phase, RunPhase::Cancelled);
        assert!(s.completion_time.is_some());
    }

    #[test]
    fn a_running_run_without_an_execution_was_lost_and_is_retried_by_policy() {
        let r = run(RunPhase::Running, "pod-a", "uid-a", 1);
        assert_eq!(decide(&r, &me(), None), Action::Lost);
        let s = lost(&r, Timestamp::UNIX_EPOCH);
        assert_eq!(s.phase, RunPhase::Failed);
        assert_eq!(s.reason.as_deref(), Some(reasons::EXECUTION_LOST));
    }

    #[test]
    fn an_execution_whose_run_moved_on_is_abandoned() {
        // Reaped back to Pending for attempt 2 while attempt 1 still executes here.
        let mut r = run(RunPhase::Pending, "pod-a", "uid-a", 2);
        if let Some(s) = r.status.as_mut() {
            s.assigned_pod = None;
        }
        assert_eq!(decide(&r, &me(), Some(1)), Action::Abandon);
        let done = run(RunPhase::Succeeded, "pod-a", "uid-a", 1);
        assert_eq!(decide(&done, &me(), None), Action::Ignore);
    }

    #[test]
    fn a_retry_bound_here_before_the_failed_attempt_is_forgotten_starts_after_it() {
        // Attempt 1 wrote its failure; the scheduler bound attempt 2 back to this pod at once.
        let r = run(RunPhase::Scheduled, "pod-a", "uid-a", 2);
        assert_eq!(decide(&r, &me(), Some(1)), Action::StartAfterPrevious);
        assert_eq!(decide(&r, &me(), None), Action::Start { attempt: 2 });
    }

    #[test]
    fn the_claim_sets_running_and_start_time() {
        let r = run(RunPhase::Scheduled, "pod-a", "uid-a", 1);
        let s = claimed(&r, Timestamp::UNIX_EPOCH);
        assert_eq!(s.phase, RunPhase::Running);
        assert!(s.start_time.is_some());
        let c = s.conditions.iter().find(|c| c.type_ == conditions::RUNNING);
        assert_eq!(c.map(|c| c.reason.as_str()), Some(reasons::CLAIMED));
    }
}
