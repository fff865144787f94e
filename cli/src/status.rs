//! The engine's [`Outcome`] as a Run's `status`, and its human summary.
//!
//! Local mode reports exactly what a cluster Run's status would hold, so `-o json` output is the
//! same shape in both places.

use std::io::Write;

use anyhow::Result;
use kruntimes_api::v1alpha1::RunStatus;
use kruntimes_engine::Outcome;

use crate::output::{network, preopens, terminal_safe};

/// The terminal status of a Run that ran from `started` to `finished` with `outcome`.
pub(crate) fn from_outcome(
    outcome: &Outcome,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
) -> RunStatus {
    kruntimes_engine::api::status_from_outcome(outcome, started, finished)
}

/// The summary `krt local run` prints after the guest's output.
pub(crate) fn print_summary(w: &mut dyn Write, s: &RunStatus) -> Result<()> {
    writeln!(w, "---")?;
    print_fields(w, s)
}

/// A Run's message without the end of stderr the engine quotes in it (`exited with code 1; stderr: …`): for
/// summaries printed right after the stderr itself.
pub(crate) fn without_stderr_excerpt(message: &str) -> &str {
    message
        .split_once(kruntimes_engine::run::STDERR_EXCERPT_SEPARATOR)
        .map_or(message, |(own, _)| own)
}

/// The summary's lines: phase, message, usage, outputs, grants.
pub(crate) fn print_fields(w: &mut dyn Write, s: &RunStatus) -> Result<()> {
    // The reason only when it says more than the phase (`Failed (ExitCode, exit code 3)`, `Succeeded (exit code 0)`).
    let phase = s.phase.to_string();
    let reason = s.reason.as_deref().filter(|r| !r.is_empty() && *r != phase);
    let detail: Vec<String> = reason
        .map(str::to_owned)
        .into_iter()
        .chain(s.exit_code.map(|code| format!("exit code {code}")))
        .collect();
    if detail.is_empty() {
        writeln!(w, "phase:    {phase}")?;
    } else {
        writeln!(w, "phase:    {phase} ({})", detail.join(", "))?;
    }
    if let Some(message) = &s.message {
        // A multi-line message (stderr's end) continues indented: no guest line can pass for one of ours.
        let message = terminal_safe(message);
        let mut lines = message.lines();
        writeln!(w, "message:  {}", lines.next().unwrap_or_default())?;
        for line in lines {
            writeln!(w, "          {line}")?;
        }
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
        writeln!(
            w,
            "output:   {}={}",
            one_line_escaped(k),
            one_line_escaped(v)
        )?;
    }
    for a in &s.artifact_refs {
        writeln!(
            w,
            "artifact: {} ({} bytes, sha256 {}) {}",
            one_line_escaped(&a.name),
            a.size_bytes,
            a.sha256,
            one_line_escaped(&a.uri)
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
            "          network {network}; memory {} MiB; timeout {}s; output {}",
            g.memory_bytes.unwrap_or(0) >> 20,
            g.timeout_seconds.unwrap_or(0),
            match g.output_bytes {
                Some(bytes) => format!("{} KiB per stream", bytes >> 10),
                None => "not limited".to_owned(),
            }
        )?;
    }
    Ok(())
}

/// `text` on one line: newlines escaped too (`\n`), besides what [`terminal_safe`] escapes.
fn one_line_escaped(text: &str) -> String {
    terminal_safe(text)
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use kruntimes_api::v1alpha1::{ArtifactRef, RunPhase};

    use super::*;

    /// Guest text in the message (stderr's end), an output value and an artifact name cannot fake one of krt's
    /// lines or drive the terminal: control characters are escaped, continuation lines are indented, values stay
    /// on one line.
    #[test]
    fn guest_text_cannot_fake_a_summary_line() {
        let status = RunStatus {
            phase: RunPhase::Failed,
            reason: Some("ExitCode".to_owned()),
            message: Some(
                "exited with code 1\n\u{1b}[1A\u{1b}[2Kphase:    Succeeded (Completed)\r\u{7}"
                    .to_owned(),
            ),
            outputs: BTreeMap::from([("k".to_owned(), "v\nphase:    Succeeded".to_owned())]),
            artifact_refs: vec![ArtifactRef {
                name: "a\u{1b}]0;title\u{7}".to_owned(),
                ..ArtifactRef::default()
            }],
            ..RunStatus::default()
        };
        let mut out = Vec::new();
        print_fields(&mut out, &status).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        let phase_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("phase:")).collect();
        assert_eq!(phase_lines, ["phase:    Failed (ExitCode)"], "{text}");
        assert!(
            text.contains("          \\u{1b}[1A\\u{1b}[2Kphase:    Succeeded (Completed)\\r\\u{7}"),
            "{text}"
        );
        assert!(
            text.contains("output:   k=v\\nphase:    Succeeded\n"),
            "{text}"
        );
        assert!(
            text.contains("artifact: a\\u{1b}]0;title\\u{7} ("),
            "{text}"
        );
    }
}
