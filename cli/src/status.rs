//! The engine's [`Outcome`] as a Run's `status`, and its human summary.
//!
//! Local mode reports exactly what a cluster Run's status would hold, so `-o json` output is the
//! same shape in both places.

use std::io::Write;

use anyhow::Result;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::v1alpha1::{Grants, Preopen, RunPhase, RunStatus, Usage};
use kruntimes_host::capabilities::Access;
use kruntimes_host::{Outcome, Phase, Reason};

/// The API's reason for an engine reason: traps are reported as `Trap` (the message names the kind),
/// success as `Succeeded`; the others are the same string.
pub(crate) fn api_reason(reason: Reason) -> &'static str {
    match reason {
        Reason::Completed => reasons::SUCCEEDED,
        Reason::Trap(_) => reasons::TRAP,
        other => other.as_str(),
    }
}

/// The terminal status of a Run that ran from `started` to `finished` with `outcome`.
pub(crate) fn from_outcome(
    outcome: &Outcome,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
) -> RunStatus {
    let phase = match outcome.phase {
        Phase::Succeeded => RunPhase::Succeeded,
        Phase::Failed => RunPhase::Failed,
        Phase::Timeout => RunPhase::Timeout,
        Phase::Cancelled => RunPhase::Cancelled,
    };
    let reason = api_reason(outcome.reason).to_owned();
    let message = match outcome.reason {
        Reason::Trap(kind) if !outcome.message.contains(kind.as_str()) => {
            format!("{}: {}", kind.as_str(), outcome.message)
        }
        _ => outcome.message.clone(),
    };
    let g = &outcome.grants;
    let grants = Grants {
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
    };
    let condition = Condition {
        type_: conditions::COMPLETED.to_owned(),
        status: if phase == RunPhase::Succeeded {
            "True"
        } else {
            "False"
        }
        .to_owned(),
        reason: reason.clone(),
        message: message.clone(),
        last_transition_time: Time(finished),
        observed_generation: None,
    };
    RunStatus {
        phase,
        attempt: Some(1),
        start_time: Some(Time(started)),
        completion_time: Some(Time(finished)),
        exit_code: outcome.exit_code,
        reason: Some(reason),
        message: (!message.is_empty()).then_some(message),
        outputs: outcome.outputs.clone(),
        grants: Some(grants),
        usage: Some(Usage {
            wall_millis: i64::try_from(outcome.usage.wall.as_millis()).ok(),
            peak_memory_bytes: i64::try_from(outcome.usage.peak_memory_bytes).ok(),
        }),
        conditions: vec![condition],
        ..RunStatus::default()
    }
}

/// The summary `krt local run` prints after the guest's output.
pub(crate) fn print_summary(w: &mut dyn Write, s: &RunStatus) -> Result<()> {
    writeln!(w, "---")?;
    let reason = s.reason.as_deref().unwrap_or("");
    match s.exit_code {
        Some(code) => writeln!(w, "phase:    {} ({reason}, exit code {code})", s.phase)?,
        None => writeln!(w, "phase:    {} ({reason})", s.phase)?,
    }
    if let Some(message) = &s.message {
        writeln!(w, "message:  {message}")?;
    }
    if let Some(u) = &s.usage {
        writeln!(
            w,
            "usage:    {} ms wall, {} KiB peak memory",
            u.wall_millis.unwrap_or(0),
            u.peak_memory_bytes.unwrap_or(0) / 1024
        )?;
    }
    for (k, v) in &s.outputs {
        writeln!(w, "output:   {k}={v}")?;
    }
    if let Some(g) = &s.grants {
        let preopens: Vec<String> = g
            .preopens
            .iter()
            .map(|p| {
                format!(
                    "{} ({})",
                    p.guest_path,
                    if p.read_only { "ro" } else { "rw" }
                )
            })
            .collect();
        writeln!(
            w,
            "grants:   preopens {}; env {}",
            preopens.join(", "),
            g.env.join(",")
        )?;
        let network = if g.network.is_empty() {
            "none".to_owned()
        } else {
            g.network.join(", ")
        };
        writeln!(
            w,
            "          network {network}; memory {} MiB; timeout {}s; output {} KiB per stream",
            g.memory_bytes.unwrap_or(0) >> 20,
            g.timeout_seconds.unwrap_or(0),
            g.output_bytes.unwrap_or(0) >> 10
        )?;
    }
    Ok(())
}
