//! `kruntimes:runtime/log`: guest diagnostics into runtimed's own log, never into the Run's stdout/stderr.
//!
//! Records are emitted as `tracing` events with the Run id, truncated to [`MAX_LOG_MESSAGE_BYTES`] and
//! rate-limited per Run by a token bucket ([`LOG_BURST`] records, refilled at [`LOG_RATE_PER_SEC`] per second) so
//! a chatty guest cannot flood the daemon's log. Dropped records are counted and reported once when the Run ends.

use std::time::Instant;

use super::bindings::kruntimes::runtime::log::{Host, Level};
use super::{GuestState, lock};

/// Longest message kept, in bytes.
pub(crate) const MAX_LOG_MESSAGE_BYTES: usize = 4096;
/// Records a Run may log in a burst.
pub(crate) const LOG_BURST: f64 = 200.0;
/// Sustained records per second per Run.
pub(crate) const LOG_RATE_PER_SEC: f64 = 50.0;

/// A Run's token bucket.
#[derive(Debug)]
pub(crate) struct LogBudget {
    tokens: f64,
    updated: Instant,
    dropped: u64,
}

impl LogBudget {
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            tokens: LOG_BURST,
            updated: now,
            dropped: 0,
        }
    }

    /// Takes one token if there is one; counts a drop otherwise.
    pub(crate) fn admit(&mut self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.updated).as_secs_f64() * LOG_RATE_PER_SEC;
        self.tokens = (self.tokens + refill).min(LOG_BURST);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.dropped += 1;
            false
        }
    }

    /// Records refused so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// `message` cut to [`MAX_LOG_MESSAGE_BYTES`] at a character boundary.
fn truncated(message: &str) -> &str {
    &message[..message.floor_char_boundary(MAX_LOG_MESSAGE_BYTES)]
}

impl Host for GuestState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let Some(run) = &self.run else {
            return Ok(());
        };
        if !lock(&run.log).admit(Instant::now()) {
            return Ok(());
        }
        let run_id = &run.id;
        let message = truncated(&message);
        match level {
            Level::Trace => tracing::trace!(target: "guest", run = %run_id, message),
            Level::Debug => tracing::debug!(target: "guest", run = %run_id, message),
            Level::Info => tracing::info!(target: "guest", run = %run_id, message),
            Level::Warn => tracing::warn!(target: "guest", run = %run_id, message),
            Level::Error => tracing::error!(target: "guest", run = %run_id, message),
            Level::Critical => {
                tracing::error!(target: "guest", run = %run_id, critical = true, message)
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The bucket admits a burst, refuses and counts beyond it, and refills over time.
    #[test]
    fn log_budget_limits_bursts_and_refills() {
        let start = Instant::now();
        let mut budget = LogBudget::new(start);
        let admitted = (0..300).filter(|_| budget.admit(start)).count();
        assert_eq!(admitted, LOG_BURST as usize);
        assert_eq!(budget.dropped(), 100);
        assert!(budget.admit(start + Duration::from_millis(100)));
    }

    /// Long messages are cut at a character boundary.
    #[test]
    fn messages_are_truncated_at_char_boundaries() {
        let long = "é".repeat(MAX_LOG_MESSAGE_BYTES);
        let cut = truncated(&long);
        assert!(cut.len() <= MAX_LOG_MESSAGE_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(truncated("short"), "short");
    }
}
