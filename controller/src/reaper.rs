//! PURE: is a bound Run's pod still able to finish it? (ADR 0007, "Stale Runs (reaper)")
//!
//! A Run in `Scheduled` or `Running` is stale when its assigned pod is missing, has another UID, is deleting,
//! has not been Ready for longer than the threshold, or runtimed's heartbeat on it is older than the
//! threshold. The reaper then writes `lifecycle::failed` with `PodGone`, `PodTerminating` or `PodUnhealthy`
//! ([`stale_status`]), so the Run is retried (or ends) exactly as if runtimed had reported the failure.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunStatus};
use kube::ResourceExt;

/// Shortest wait before a healthy Run is looked at again.
const MIN_RECHECK: Duration = Duration::from_secs(1);

/// Smallest stale threshold the controller accepts: three runtimed heartbeats. Below it a loaded but healthy
/// pod whose heartbeat is a little late gets its Runs reaped (seen in CI with a threshold of one heartbeat).
pub const MIN_STALE_THRESHOLD: Duration =
    Duration::from_secs(3 * kruntimes_api::consts::HEARTBEAT_INTERVAL_SECONDS.unsigned_abs());

/// `--stale-threshold-seconds`, refused below [`MIN_STALE_THRESHOLD`] with the reason.
///
/// # Errors
///
/// Not a number, or under the minimum.
pub fn parse_stale_threshold(text: &str) -> Result<u64, String> {
    let seconds: u64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    let min = MIN_STALE_THRESHOLD.as_secs();
    if seconds < min {
        return Err(format!(
            "{seconds} s is under {min} s (3 runtimed heartbeats): a healthy pod whose heartbeat is late would \
             have its Runs reaped"
        ));
    }
    Ok(seconds)
}

/// What the reaper decides about one Run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The Run is not the reaper's business: not `Scheduled`/`Running`, deleting, or bound to no pod.
    NotWatched,
    /// The pod looks able to finish the Run; look again after `recheck_after` (when the earliest pending
    /// deadline would pass, at most the threshold).
    Healthy {
        /// When to judge again.
        recheck_after: Duration,
    },
    /// The pod cannot finish the Run: fail the attempt with `reason` ([`stale_status`]).
    Stale {
        /// `PodGone`, `PodTerminating` or `PodUnhealthy`.
        reason: &'static str,
        /// What the reaper saw, for the Run's status.
        message: String,
    },
}

/// Judges `run`, whose assigned pod is `pod` (None: it does not exist), at `now`.
pub fn judge(run: &Run, pod: Option<&Pod>, now: Timestamp, stale_threshold: Duration) -> Verdict {
    let Some(status) = run.status.as_ref() else {
        return Verdict::NotWatched;
    };
    if !matches!(status.phase, RunPhase::Scheduled | RunPhase::Running)
        || run.metadata.deletion_timestamp.is_some()
    {
        return Verdict::NotWatched;
    }
    let Some(pod_name) = status.assigned_pod.as_deref() else {
        return Verdict::NotWatched;
    };
    let Some(pod) = pod else {
        return stale(
            reasons::POD_GONE,
            format!("assigned pod {pod_name} no longer exists"),
        );
    };
    if let (Some(want), Some(have)) = (status.assigned_pod_uid.as_deref(), pod.uid())
        && want != have
    {
        return stale(
            reasons::POD_GONE,
            format!("assigned pod {pod_name} was replaced (uid {want}, now {have})"),
        );
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return stale(
            reasons::POD_TERMINATING,
            format!("assigned pod {pod_name} is terminating"),
        );
    }
    let threshold = SignedDuration::try_from(stale_threshold).unwrap_or(SignedDuration::MAX);
    // Time left before each observed fact makes the Run stale; the smallest decides the recheck.
    let mut remaining = threshold;
    if let Some(ready) = condition(pod, "Ready")
        && ready.status != "True"
        && let Some(since) = ready.last_transition_time.as_ref()
    {
        let age = now.duration_since(since.0);
        if age > threshold {
            return stale(
                reasons::POD_UNHEALTHY,
                format!(
                    "assigned pod {pod_name} has not been ready for {}s",
                    age.as_secs()
                ),
            );
        }
        remaining = remaining.min(threshold - age);
    }
    if let Some(heartbeat) = condition(pod, conditions::RUNTIMED_READY)
        && let Some(last) = heartbeat
            .last_probe_time
            .as_ref()
            .or(heartbeat.last_transition_time.as_ref())
    {
        let age = now.duration_since(last.0);
        if age > threshold {
            return stale(
                reasons::POD_UNHEALTHY,
                format!("runtimed heartbeat is stale (last {}s ago)", age.as_secs()),
            );
        }
        remaining = remaining.min(threshold - age);
    }
    let recheck_after = Duration::try_from(remaining)
        .unwrap_or(MIN_RECHECK)
        .saturating_add(MIN_RECHECK)
        .min(stale_threshold.max(MIN_RECHECK));
    Verdict::Healthy { recheck_after }
}

/// The status to write for a stale Run: the shared `lifecycle::failed` (retry or terminal).
pub fn stale_status(run: &Run, reason: &str, message: &str, now: Timestamp) -> RunStatus {
    lifecycle::failed(run, reason, message, now)
}

fn stale(reason: &'static str, message: String) -> Verdict {
    Verdict::Stale { reason, message }
}

fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodStatus;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use kruntimes_api::v1alpha1::{RetryPolicy, RunSpec, RunTemplate};

    const THRESHOLD: Duration = Duration::from_secs(30);

    /// The threshold flag refuses less than three heartbeats, and says why.
    #[test]
    fn a_stale_threshold_under_three_heartbeats_is_refused() {
        assert_eq!(parse_stale_threshold("30"), Ok(30));
        assert_eq!(parse_stale_threshold("15"), Ok(15));
        let err = parse_stale_threshold("5").unwrap_err();
        assert!(
            err.starts_with("5 s is under 15 s (3 runtimed heartbeats)"),
            "{err}"
        );
        assert!(parse_stale_threshold("soon").is_err());
    }

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).expect("timestamp")
    }

    fn mk_run(phase: RunPhase) -> Run {
        let mut run = Run::new(
            "r",
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".to_owned(),
                    retry_policy: Some(RetryPolicy {
                        max_attempts: Some(3),
                        backoff_seconds: Some(1),
                        retryable_reasons: Vec::new(),
                    }),
                    ..RunTemplate::default()
                },
                ..RunSpec::default()
            },
        );
        run.status = Some(RunStatus {
            phase,
            assigned_pod: Some("p".to_owned()),
            assigned_pod_uid: Some("uid-p".to_owned()),
            attempt: Some(1),
            ..RunStatus::default()
        });
        run
    }

    fn cond(type_: &str, status: &str, transition: i64, probe: Option<i64>) -> PodCondition {
        PodCondition {
            type_: type_.to_owned(),
            status: status.to_owned(),
            last_transition_time: Some(Time(ts(transition))),
            last_probe_time: probe.map(|p| Time(ts(p))),
            ..PodCondition::default()
        }
    }

    /// A healthy pod: Ready since t=0, heartbeat at `heartbeat`.
    fn mk_pod(heartbeat: i64) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some("p".to_owned());
        pod.metadata.uid = Some("uid-p".to_owned());
        pod.status = Some(PodStatus {
            conditions: Some(vec![
                cond("Ready", "True", 0, None),
                cond(conditions::RUNTIMED_READY, "True", 0, Some(heartbeat)),
            ]),
            ..PodStatus::default()
        });
        pod
    }

    fn reason(v: &Verdict) -> Option<&'static str> {
        match v {
            Verdict::Stale { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// A missing pod makes both Scheduled and Running Runs stale with PodGone.
    #[test]
    fn a_missing_pod_is_pod_gone_for_scheduled_and_running() {
        for phase in [RunPhase::Scheduled, RunPhase::Running] {
            let v = judge(&mk_run(phase), None, ts(100), THRESHOLD);
            assert_eq!(
                v,
                Verdict::Stale {
                    reason: reasons::POD_GONE,
                    message: "assigned pod p no longer exists".to_owned()
                }
            );
        }
    }

    /// A same-named pod with another UID is a replacement: PodGone.
    #[test]
    fn a_replaced_pod_is_pod_gone() {
        let mut pod = mk_pod(100);
        pod.metadata.uid = Some("uid-q".to_owned());
        let v = judge(&mk_run(RunPhase::Running), Some(&pod), ts(100), THRESHOLD);
        assert_eq!(reason(&v), Some(reasons::POD_GONE));
        assert!(matches!(&v, Verdict::Stale { message, .. } if message.contains("was replaced")));
    }

    /// A deleting pod is PodTerminating.
    #[test]
    fn a_deleting_pod_is_pod_terminating() {
        let mut pod = mk_pod(100);
        pod.metadata.deletion_timestamp = Some(Time(ts(99)));
        let v = judge(&mk_run(RunPhase::Running), Some(&pod), ts(100), THRESHOLD);
        assert_eq!(reason(&v), Some(reasons::POD_TERMINATING));
    }

    /// Not Ready counts from the condition's lastTransitionTime: within the threshold it is tolerated.
    #[test]
    fn not_ready_beyond_the_threshold_is_pod_unhealthy() {
        let mut pod = mk_pod(100);
        if let Some(c) = pod.status.as_mut().and_then(|s| s.conditions.as_mut()) {
            c[0] = cond("Ready", "False", 80, None);
        }
        let run = mk_run(RunPhase::Running);
        let v = judge(&run, Some(&pod), ts(100), THRESHOLD);
        assert_eq!(
            v,
            Verdict::Healthy {
                recheck_after: Duration::from_secs(11)
            }
        );
        let v = judge(&run, Some(&pod), ts(111), THRESHOLD);
        assert_eq!(reason(&v), Some(reasons::POD_UNHEALTHY));
    }

    /// A heartbeat older than the threshold is PodUnhealthy, with its age in the message.
    #[test]
    fn a_stale_heartbeat_is_pod_unhealthy() {
        let v = judge(
            &mk_run(RunPhase::Scheduled),
            Some(&mk_pod(58)),
            ts(100),
            THRESHOLD,
        );
        assert_eq!(
            v,
            Verdict::Stale {
                reason: reasons::POD_UNHEALTHY,
                message: "runtimed heartbeat is stale (last 42s ago)".to_owned()
            }
        );
    }

    /// A healthy pod is rechecked when its heartbeat would go stale.
    #[test]
    fn a_healthy_pod_is_rechecked_before_its_heartbeat_expires() {
        let v = judge(
            &mk_run(RunPhase::Running),
            Some(&mk_pod(95)),
            ts(100),
            THRESHOLD,
        );
        assert_eq!(
            v,
            Verdict::Healthy {
                recheck_after: Duration::from_secs(26)
            }
        );
    }

    /// Pending and terminal Runs, and Runs bound to no pod, are left alone.
    #[test]
    fn other_runs_are_not_watched() {
        for phase in [RunPhase::Pending, RunPhase::Succeeded, RunPhase::Failed] {
            assert_eq!(
                judge(&mk_run(phase), None, ts(1), THRESHOLD),
                Verdict::NotWatched
            );
        }
        let mut run = mk_run(RunPhase::Running);
        if let Some(s) = run.status.as_mut() {
            s.assigned_pod = None;
        }
        assert_eq!(judge(&run, None, ts(1), THRESHOLD), Verdict::NotWatched);
    }

    /// The status written for a stale Run is lifecycle::failed: with a retry policy, Pending attempt 2.
    #[test]
    fn a_stale_run_with_retries_goes_back_to_pending() {
        let run = mk_run(RunPhase::Running);
        let s = stale_status(&run, reasons::POD_GONE, "gone", ts(100));
        assert_eq!(
            s,
            lifecycle::failed(&run, reasons::POD_GONE, "gone", ts(100))
        );
        assert_eq!(s.phase, RunPhase::Pending);
        assert_eq!(s.attempt, Some(2));
        assert_eq!(s.assigned_pod, None);
    }
}
