//! The `kruntimes.io` API and the engine: a `Run` object → [`RunSpec`], an [`Outcome`] → `Run.status`.
//!
//! Pure: `krt local` and runtimed's Kubernetes agent both convert through here, so a Run reports the same
//! status shape on a laptop and on a cluster.

use std::time::Duration;

use jiff::Timestamp;
use kruntimes_api::consts::{DEFAULT_ENTRYPOINT, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::{Grants, Preopen, Run, RunPhase, RunStatus, Time, Usage};

use crate::capabilities::Access;
use crate::outcome::{Outcome, Reason};
use crate::spec::{RunId, RunSpec};

/// A Run the engine cannot take as written, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    /// The offending field, as in the API (`spec.env[2].valueFrom`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The engine's request for attempt `attempt` of `run` (whose uid is `uid`).
///
/// # Errors
///
/// What the engine cannot execute yet: Secret and ConfigMap references in `env` (their values must be resolved
/// by the caller first) and git sources.
pub fn run_spec(run: &Run, uid: &str, attempt: u32) -> Result<RunSpec, SpecError> {
    let t = &run.spec.template;
    let id = RunId::new(uid, attempt).map_err(|e| SpecError {
        field: "metadata.uid".into(),
        message: e.to_string(),
    })?;
    let mut spec = RunSpec::new(id, t.runtime.clone());
    spec.args = t.args.clone();
    for (i, e) in t.env.iter().enumerate() {
        if e.value_from.is_some() {
            return Err(SpecError {
                field: format!("spec.env[{i}].valueFrom"),
                message:
                    "Secret and ConfigMap references are not supported yet; use a literal value"
                        .into(),
            });
        }
        spec.env
            .push((e.name.clone(), e.value.clone().unwrap_or_default()));
    }
    let source = t.source.clone().unwrap_or_default();
    if source.repo_url.is_some() {
        return Err(SpecError {
            field: "spec.source.repoURL".into(),
            message: "git sources are not supported yet; use source.inline".into(),
        });
    }
    spec.entrypoint = t.entrypoint.clone();
    if let Some(inline) = source.inline {
        spec.entrypoint
            .get_or_insert_with(|| DEFAULT_ENTRYPOINT.to_owned());
        spec.source = Some(inline);
    }
    spec.timeout = t
        .timeout_seconds
        .map(|s| Duration::from_secs(s.unsigned_abs()));
    Ok(spec)
}

/// The API's reason for an engine reason: traps are reported as `Trap` (the message names the kind),
/// success as `Succeeded`; the others are the same string.
pub fn api_reason(reason: Reason) -> &'static str {
    match reason {
        Reason::Completed => reasons::SUCCEEDED,
        Reason::Trap(_) => reasons::TRAP,
        other => other.as_str(),
    }
}

/// The terminal status of a Run whose first and only attempt ran from `started` to `finished` with `outcome`
/// (what `krt local` reports).
pub fn status_from_outcome(
    outcome: &Outcome,
    started: Timestamp,
    finished: Timestamp,
) -> RunStatus {
    let mut status = RunStatus {
        attempt: Some(1),
        ..RunStatus::default()
    };
    record_outcome(&mut status, outcome, started, finished);
    status
}

/// Writes the result of an attempt into `status`: phase, reason, message, exit code, outputs, grants, usage,
/// start and completion times and the `Completed` condition (`Running` becomes False if present).
pub fn record_outcome(
    status: &mut RunStatus,
    outcome: &Outcome,
    started: Timestamp,
    finished: Timestamp,
) {
    let reason = api_reason(outcome.reason);
    lifecycle::finish(status, outcome.phase, reason, &message(outcome), finished);
    if status.message.as_deref() == Some("") {
        status.message = None;
    }
    status.start_time = Some(Time(started));
    status.exit_code = outcome.exit_code;
    status.outputs = outcome.outputs.clone();
    status.grants = Some(grants(outcome));
    status.usage = Some(Usage {
        wall_millis: i64::try_from(outcome.usage.wall.as_millis()).ok(),
        peak_memory_bytes: i64::try_from(outcome.usage.peak_memory_bytes).ok(),
    });
}

/// The status after an attempt of `run` ended with `outcome`: terminal as [`record_outcome`] writes it, or,
/// when the attempt failed and the Run's retry policy allows another, back to `Pending` for the next attempt
/// ([`lifecycle::failed`]) with this attempt's exit code, usage and message kept for the record.
pub fn attempt_status(
    run: &Run,
    outcome: &Outcome,
    started: Timestamp,
    finished: Timestamp,
) -> RunStatus {
    let reason = api_reason(outcome.reason);
    if outcome.phase != RunPhase::Succeeded && outcome.phase != RunPhase::Cancelled {
        let retried = lifecycle::failed(run, reason, &message(outcome), finished);
        if retried.phase == RunPhase::Pending {
            return retried;
        }
    }
    let mut status = run.status.clone().unwrap_or_default();
    status.attempt = Some(lifecycle::attempt(run));
    record_outcome(&mut status, outcome, started, finished);
    status
}

fn message(outcome: &Outcome) -> String {
    match outcome.reason {
        Reason::Trap(kind) if !outcome.message.contains(kind.as_str()) => {
            format!("{}: {}", kind.as_str(), outcome.message)
        }
        _ => outcome.message.clone(),
    }
}

fn grants(outcome: &Outcome) -> Grants {
    let g = &outcome.grants;
    Grants {
        preopens: g
            .preopens
            .iter()
            .map(|p| Preopen {
                guest_path: p.guest_path.clone(),
                read_only: matches!(p.access, Access::ReadOnly),
            })
            .collect(),
        env: g.env.iter().map(|e| e.name.clone()).collect(),
        network: g.network.iter().map(ToString::to_string).collect(),
        memory_bytes: i64::try_from(g.memory_bytes).ok(),
        timeout_seconds: Some(i64::try_from(g.timeout_ms.div_ceil(1000)).unwrap_or(i64::MAX)),
        output_bytes: i64::try_from(g.stdout_bytes).ok(),
    }
}
