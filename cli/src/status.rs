//! The engine's [`Outcome`] as a Run's `status`, and its human summary.
//!
//! Local mode reports exactly what a cluster Run's status would hold, so `-o json` output is the
//! same shape in both places.

use std::io::Write;

use anyhow::Result;
use kruntimes_api::v1alpha1::{Grants, RunStatus};
use kruntimes_host::Outcome;

/// The terminal status of a Run that ran from `started` to `finished` with `outcome`.
pub(crate) fn from_outcome(
    outcome: &Outcome,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
) -> RunStatus {
    kruntimes_host::api::status_from_outcome(outcome, started, finished)
}

/// The summary `krt local run` prints after the guest's output.
pub(crate) fn print_summary(w: &mut dyn Write, s: &RunStatus) -> Result<()> {
    writeln!(w, "---")?;
    print_fields(w, s)
}

/// The summary's lines: phase, message, usage, outputs, grants.
pub(crate) fn print_fields(w: &mut dyn Write, s: &RunStatus) -> Result<()> {
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
    for a in &s.artifact_refs {
        writeln!(
            w,
            "artifact: {} ({} bytes, sha256 {}) {}",
            a.name, a.size_bytes, a.sha256, a.uri
        )?;
    }
    if let Some(g) = &s.grants {
        writeln!(
            w,
            "grants:   preopens {}; env {}",
            preopens(g),
            g.env.join(",")
        )?;
        let network = network(g);
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

/// A Run's preopens as `guest path (ro|rw)`, comma-separated.
pub(crate) fn preopens(g: &Grants) -> String {
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
    preopens.join(", ")
}

/// A Run's network grant: the destinations, or `none`.
pub(crate) fn network(g: &Grants) -> String {
    if g.network.is_empty() {
        "none".to_owned()
    } else {
        g.network.join(", ")
    }
}
