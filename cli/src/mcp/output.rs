//! A call's output in its result: each stream kept up to the server's limit, the cut said.

use std::io::{self, Write};

use rmcp::schemars;
use serde::Serialize;

use super::count;

/// What a call's program wrote (for `run_workflow`, every step), bounded by the server's `--max-output`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Output {
    /// Stdout as UTF-8 (invalid bytes replaced), up to the server's limit; a cut stream ends with a line
    /// `[kruntimes: output truncated after N bytes; M bytes dropped]`.
    pub(crate) stdout: String,
    /// Stderr, the same way.
    pub(crate) stderr: String,
    /// Bytes of stdout written beyond the limit and not included (0 when nothing was cut).
    #[schemars(schema_with = "count")]
    pub(crate) stdout_dropped: u64,
    /// Bytes of stderr written beyond the limit and not included.
    #[schemars(schema_with = "count")]
    pub(crate) stderr_dropped: u64,
}

impl Output {
    /// The two streams gathered by [`Bounded`] writers.
    pub(crate) fn of(stdout: Bounded, stderr: Bounded) -> Self {
        let ((stdout, stdout_dropped), (stderr, stderr_dropped)) =
            (stdout.finish(), stderr.finish());
        Self {
            stdout,
            stderr,
            stdout_dropped,
            stderr_dropped,
        }
    }
}

/// Keeps the first `limit` bytes written and counts the rest.
pub(crate) struct Bounded {
    kept: Vec<u8>,
    limit: usize,
    dropped: u64,
}

impl Bounded {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            kept: Vec::new(),
            limit,
            dropped: 0,
        }
    }

    /// The text kept, with the truncation line when bytes were dropped, and how many were.
    pub(crate) fn finish(self) -> (String, u64) {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if self.dropped > 0 {
            text.push_str(&kruntimes_engine::output::truncation_marker(
                self.limit,
                self.dropped,
            ));
        }
        (text, self.dropped)
    }
}

impl Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.kept.len()).min(bytes.len());
        self.kept.extend_from_slice(&bytes[..room]);
        self.dropped += (bytes.len() - room) as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_output_keeps_the_start_and_says_the_cut() {
        let mut out = Bounded::new(5);
        out.write_all(b"[a] 123\n").unwrap();
        out.write_all(b"[b] 4\n").unwrap();
        let (text, dropped) = out.finish();
        assert_eq!(dropped, 9);
        assert_eq!(
            text,
            "[a] 1\n[kruntimes: output truncated after 5 bytes; 9 bytes dropped]\n"
        );
        let (whole, none) = Bounded::new(64).finish();
        assert_eq!((whole.as_str(), none), ("", 0));
    }
}
