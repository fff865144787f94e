//! How a Run's status moves: retries, terminal results and conditions, as plain functions.
//!
//! The scheduler (binding, cancelling a pending Run), runtimed (claim, result, lost executions) and the
//! controller (stale-pod reaper) all change `Run.status`; they share these functions so a Run is retried,
//! failed and conditioned the same way whoever notices the failure. Nothing here does I/O: callers pass
//! `now` and write the returned status in one patch.

use std::time::Duration;

use k8s_openapi::jiff::{SignedDuration, Timestamp};

use crate::consts::{conditions, reasons};
use crate::limits::{CONDITIONS_MAX_ITEMS, STATUS_MESSAGE_MAX_BYTES};
use crate::v1alpha1::{Condition, RetryPolicy, Run, RunPhase, RunStatus, Time};

/// Attempts of a Run without a retry policy.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 1;
/// Backoff before the second attempt when the policy names none.
pub const DEFAULT_BACKOFF_SECONDS: i32 = 1;
/// Longest backoff between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// Run attempt `attempt` once `backoff` has passed.
    Retry {
        /// The next attempt's number (2 or more).
        attempt: i32,
        /// Wait before it may be placed.
        backoff: Duration,
    },
    /// No attempt is left, or the reason is never retried: the Run ends.
    Final,
}

/// Decides whether attempt `attempt` (1-based), which failed with `reason`, is retried.
///
/// Reasons in [`reasons::NEVER_RETRIED`] end the Run whatever the policy says; with `retryableReasons`
/// set, only those are retried; otherwise every other reason is.
pub fn after_failure(policy: Option<&RetryPolicy>, attempt: i32, reason: &str) -> AfterFailure {
    let max = policy
        .and_then(|p| p.max_attempts)
        .unwrap_or(DEFAULT_MAX_ATTEMPTS);
    if attempt >= max || reasons::NEVER_RETRIED.contains(&reason) {
        return AfterFailure::Final;
    }
    if let Some(p) = policy
        && !p.retryable_reasons.is_empty()
        && !p.retryable_reasons.iter().any(|r| r == reason)
    {
        return AfterFailure::Final;
    }
    let next = attempt.saturating_add(1);
    AfterFailure::Retry {
        attempt: next,
        backoff: backoff(policy, next),
    }
}

/// Wait before attempt `attempt` (≥ 2): `backoffSeconds × 2^(attempt−2)`, at most [`MAX_BACKOFF`].
pub fn backoff(policy: Option<&RetryPolicy>, attempt: i32) -> Duration {
    let base = policy
        .and_then(|p| p.backoff_seconds)
        .unwrap_or(DEFAULT_BACKOFF_SECONDS)
        .max(0) as u64;
    let doublings = attempt.saturating_sub(2).clamp(0, 16) as u32;
    Duration::from_secs(base.saturating_mul(1u64 << doublings)).min(MAX_BACKOFF)
}

/// The terminal phase a failure reason ends in.
pub fn terminal_phase(reason: &str) -> RunPhase {
    match reason {
        reasons::TIMEOUT => RunPhase::Timeout,
        reasons::CANCELLED => RunPhase::Cancelled,
        _ => RunPhase::Failed,
    }
}

/// The current attempt of a Run (1 before its first binding).
pub fn attempt(run: &Run) -> i32 {
    run.status
        .as_ref()
        .and_then(|s| s.attempt)
        .unwrap_or(1)
        .max(1)
}

/// The status after the current attempt failed with `reason`: back to `Pending` for the next attempt
/// (placement cleared, `nextAttemptTime` set, `Running=False/<reason>`), or terminal.
pub fn failed(run: &Run, reason: &str, message: &str, now: Timestamp) -> RunStatus {
    let mut status = run.status.clone().unwrap_or_default();
    let current = attempt(run);
    match after_failure(run.spec.template.retry_policy.as_ref(), current, reason) {
        AfterFailure::Retry { attempt, backoff } => {
            status.phase = RunPhase::Pending;
            status.attempt = Some(attempt);
            status.assigned_pod = None;
            status.assigned_pod_uid = None;
            status.start_time = None;
            status.exit_code = None;
            status.reason = Some(reason.to_owned());
            status.message = Some(bounded(&format!(
                "attempt {current} failed ({reason}): {message}; attempt {attempt} after {}s",
                backoff.as_secs()
            )));
            let next = now
                .checked_add(SignedDuration::try_from(backoff).unwrap_or(SignedDuration::ZERO))
                .unwrap_or(now);
            status.next_attempt_time = Some(Time(next));
            set_condition(
                &mut status.conditions,
                conditions::RUNNING,
                false,
                reason,
                message,
                now,
            );
            set_condition(
                &mut status.conditions,
                conditions::SCHEDULED,
                false,
                reasons::RETRYING,
                "waiting for the next attempt",
                now,
            );
        }
        AfterFailure::Final => {
            finish(&mut status, terminal_phase(reason), reason, message, now);
            status.attempt = Some(current);
        }
    }
    status
}

/// Marks `status` terminal: phase, reason, bounded message, completion time and `Completed` (True only
/// for `Succeeded`); `Running` becomes False if it was set.
pub fn finish(
    status: &mut RunStatus,
    phase: RunPhase,
    reason: &str,
    message: &str,
    now: Timestamp,
) {
    status.phase = phase;
    status.reason = Some(reason.to_owned());
    status.message = Some(bounded(message));
    status.completion_time = Some(Time(now));
    status.next_attempt_time = None;
    if status
        .conditions
        .iter()
        .any(|c| c.type_ == conditions::RUNNING)
    {
        set_condition(
            &mut status.conditions,
            conditions::RUNNING,
            false,
            reason,
            "finished",
            now,
        );
    }
    set_condition(
        &mut status.conditions,
        conditions::COMPLETED,
        phase == RunPhase::Succeeded,
        reason,
        message,
        now,
    );
}

/// The status of a Run cancelled before it started.
pub fn cancelled_before_start(run: &Run, now: Timestamp) -> RunStatus {
    let mut status = run.status.clone().unwrap_or_default();
    status.attempt = Some(attempt(run));
    finish(
        &mut status,
        RunPhase::Cancelled,
        reasons::CANCELLED,
        "cancelled by user before it started",
        now,
    );
    status
}

/// Sets condition `type_` (a list-map keyed by type): `lastTransitionTime` moves only when the status changes;
/// the message is bounded and the list stays within the schema's limit.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: &str,
    message: &str,
    now: Timestamp,
) {
    let status = if status { "True" } else { "False" }.to_owned();
    let message = bounded(message);
    if let Some(c) = conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status != status {
            c.last_transition_time = Time(now);
        }
        c.status = status;
        c.reason = reason.to_owned();
        c.message = message;
        return;
    }
    if conditions.len() < CONDITIONS_MAX_ITEMS {
        conditions.push(Condition {
            type_: type_.to_owned(),
            status,
            reason: reason.to_owned(),
            message,
            last_transition_time: Time(now),
            observed_generation: None,
        });
    }
}

/// The JSON merge patch (RFC 7386) that turns status `old` into `new` on a status subresource (`runs/status`,
/// `workflows/status`), guarded by `resource_version` (the API server answers 409 Conflict when the object
/// changed since it was read).
///
/// Fields `new` no longer has are sent as `null`: the status types skip empty fields when serialising, so a
/// plain `{"status": new}` would leave a cleared `assignedPod` or `nextAttemptTime` in place.
pub fn status_patch<S: serde::Serialize>(
    old: Option<&S>,
    new: &S,
    resource_version: Option<&str>,
) -> serde_json::Value {
    let mut status = serde_json::to_value(new).unwrap_or_default();
    if let (Some(old), serde_json::Value::Object(fields)) = (old, &mut status)
        && let Ok(serde_json::Value::Object(previous)) = serde_json::to_value(old)
    {
        for key in previous.keys() {
            fields.entry(key.clone()).or_insert(serde_json::Value::Null);
        }
    }
    let mut patch = serde_json::json!({ "status": status });
    if let Some(rv) = resource_version {
        patch["metadata"] = serde_json::json!({ "resourceVersion": rv });
    }
    patch
}

/// An error and its causes on one line (`a: b: c`), for status messages, Events and logs.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `message` cut to the status limit ([`STATUS_MESSAGE_MAX_BYTES`]), see [`bounded_to`].
pub fn bounded(message: &str) -> String {
    bounded_to(message, STATUS_MESSAGE_MAX_BYTES)
}

/// `message` cut to at most `max` bytes on a character boundary, ending in `...` when cut, so a status never
/// exceeds the schema's limit whatever a guest or a validation error said.
pub fn bounded_to(message: &str, max: usize) -> String {
    const ELLIPSIS: &str = "...";
    if message.len() <= max {
        return message.to_owned();
    }
    let end = message.floor_char_boundary(max.saturating_sub(ELLIPSIS.len()));
    format!("{}{ELLIPSIS}", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1alpha1::{RunSpec, RunTemplate};

    fn policy(max: i32, backoff: i32, reasons: &[&str]) -> RetryPolicy {
        RetryPolicy {
            max_attempts: Some(max),
            backoff_seconds: Some(backoff),
            retryable_reasons: reasons.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn run(policy: Option<RetryPolicy>, attempt: Option<i32>) -> Run {
        let mut run = Run::new(
            "r",
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".into(),
                    retry_policy: policy,
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        run.status = Some(RunStatus {
            phase: RunPhase::Running,
            attempt,
            assigned_pod: Some("p".into()),
            assigned_pod_uid: Some("u".into()),
            ..Default::default()
        });
        run
    }

    #[test]
    fn without_a_policy_a_failure_is_final() {
        assert_eq!(
            after_failure(None, 1, reasons::EXIT_CODE),
            AfterFailure::Final
        );
    }

    #[test]
    fn backoff_doubles_from_the_second_attempt_and_is_capped() {
        let p = policy(10, 3, &[]);
        let secs: Vec<u64> = (2..=7).map(|a| backoff(Some(&p), a).as_secs()).collect();
        assert_eq!(secs, [3, 6, 12, 24, 48, 60]);
        assert_eq!(backoff(None, 2), Duration::from_secs(1));
    }

    #[test]
    fn retryable_reasons_restrict_and_never_retried_reasons_always_end() {
        let p = policy(3, 1, &[reasons::POD_GONE]);
        assert!(matches!(
            after_failure(Some(&p), 1, reasons::POD_GONE),
            AfterFailure::Retry { attempt: 2, .. }
        ));
        assert_eq!(
            after_failure(Some(&p), 1, reasons::EXIT_CODE),
            AfterFailure::Final
        );
        let any = policy(3, 1, &[]);
        assert_eq!(
            after_failure(Some(&any), 1, reasons::CANCELLED),
            AfterFailure::Final
        );
        assert_eq!(
            after_failure(Some(&any), 3, reasons::EXIT_CODE),
            AfterFailure::Final
        );
    }

    #[test]
    fn a_retried_run_goes_back_to_pending_without_its_placement() {
        let now = Timestamp::from_second(1_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let s = failed(
            &run(Some(policy(2, 5, &[])), Some(1)),
            reasons::POD_GONE,
            "pod deleted",
            now,
        );
        assert_eq!(s.phase, RunPhase::Pending);
        assert_eq!(s.attempt, Some(2));
        assert_eq!(s.assigned_pod, None);
        assert_eq!(s.assigned_pod_uid, None);
        assert_eq!(s.next_attempt_time.map(|t| t.0.as_second()), Some(1_005));
        assert_eq!(s.completion_time, None);
        let running = s.conditions.iter().find(|c| c.type_ == conditions::RUNNING);
        assert_eq!(running.map(|c| c.status.as_str()), Some("False"));
    }

    #[test]
    fn a_final_failure_is_terminal_with_completed_false() {
        let now = Timestamp::UNIX_EPOCH;
        let s = failed(&run(None, Some(1)), reasons::TIMEOUT, "deadline", now);
        assert_eq!(s.phase, RunPhase::Timeout);
        assert_eq!(s.attempt, Some(1));
        assert!(s.completion_time.is_some());
        let completed = s
            .conditions
            .iter()
            .find(|c| c.type_ == conditions::COMPLETED);
        assert_eq!(completed.map(|c| c.status.as_str()), Some("False"));
    }

    #[test]
    fn condition_transition_time_moves_only_on_status_change() {
        let t1 = Timestamp::from_second(1).unwrap_or(Timestamp::UNIX_EPOCH);
        let t2 = Timestamp::from_second(2).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut c = Vec::new();
        set_condition(&mut c, "Ready", true, "A", "a", t1);
        set_condition(&mut c, "Ready", true, "B", "b", t2);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].last_transition_time.0, t1);
        assert_eq!(c[0].reason, "B");
        set_condition(&mut c, "Ready", false, "C", "c", t2);
        assert_eq!(c[0].last_transition_time.0, t2);
    }

    #[test]
    fn status_patch_clears_what_the_new_status_dropped() {
        let r = run(Some(policy(2, 1, &[])), Some(1));
        let new = failed(&r, reasons::POD_GONE, "gone", Timestamp::UNIX_EPOCH);
        let patch = status_patch(r.status.as_ref(), &new, Some("42"));
        assert_eq!(patch["metadata"]["resourceVersion"], "42");
        assert_eq!(patch["status"]["assignedPod"], serde_json::Value::Null);
        assert_eq!(patch["status"]["assignedPodUid"], serde_json::Value::Null);
        assert_eq!(patch["status"]["phase"], "Pending");
        assert_eq!(patch["status"]["attempt"], 2);
        let unguarded = status_patch(None, &new, None);
        assert!(unguarded.get("metadata").is_none());
        assert!(unguarded["status"].get("assignedPod").is_none());
    }

    #[test]
    fn long_messages_are_cut_with_a_marker() {
        let m = "é".repeat(STATUS_MESSAGE_MAX_BYTES);
        let b = bounded(&m);
        assert!(b.len() <= STATUS_MESSAGE_MAX_BYTES);
        assert!(b.ends_with("..."));
        assert_eq!(bounded("short"), "short");
    }
}
