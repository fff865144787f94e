//! What the manager reports: [`RunStatus`] snapshots with their [`RunPhase`], [`ListFilter`], [`Health`],
//! [`Drained`] and the [`Logs`] followers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use kruntimes_api::v1alpha1::RunPhase;

use crate::capabilities::Grants;
use crate::outcome::{Outcome, Usage};
use crate::output::{OutputBuffer, OutputFollower};
use crate::spec::RunId;

#[cfg(doc)]
use super::Manager;

/// Byte counts of one output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamTotals {
    /// Bytes the guest wrote, kept or not.
    pub written: u64,
    /// Whether bytes were dropped over the retention limit.
    pub truncated: bool,
}

impl StreamTotals {
    /// The totals of `buffer` now.
    pub fn of(buffer: &OutputBuffer) -> Self {
        Self {
            written: buffer.written(),
            truncated: buffer.is_truncated(),
        }
    }
}

/// What [`Manager::status`] and [`Manager::list`] report: a snapshot of one execution.
#[derive(Debug, Clone)]
pub struct RunStatus {
    /// The execution.
    pub id: RunId,
    /// Runtime name, as requested.
    pub runtime: String,
    /// The spec digest given to `execute`.
    pub digest: Option<String>,
    /// The labels given to `execute`.
    pub labels: BTreeMap<String, String>,
    /// Lifecycle state.
    pub state: RunPhase,
    /// Capabilities granted (fixed at acceptance).
    pub grants: Grants,
    /// `None` while active.
    pub outcome: Option<Arc<Outcome>>,
    /// Final usage once terminal; wall time so far while running (memory is only known at the end); `None` while
    /// pending.
    pub usage: Option<Usage>,
    /// When the execution was accepted.
    pub accepted_at: SystemTime,
    /// When the guest started; `None` while pending and if it never started.
    pub started_at: Option<SystemTime>,
    /// When the execution became terminal.
    pub finished_at: Option<SystemTime>,
    /// Stdout byte counts.
    pub stdout: StreamTotals,
    /// Stderr byte counts.
    pub stderr: StreamTotals,
}

/// Which executions [`Manager::list_matching`] returns; all conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only these states; empty means any.
    pub states: Vec<RunPhase>,
    /// Only attempts of this Run UID.
    pub uid: Option<String>,
}

impl ListFilter {
    /// Whether `status` matches.
    pub fn matches(&self, status: &RunStatus) -> bool {
        (self.states.is_empty() || self.states.contains(&status.state))
            && self.uid.as_deref().is_none_or(|uid| status.id.uid() == uid)
    }
}

/// Whether the manager accepts executions, and how busy it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// `false` once [`Manager::drain`] has begun.
    pub serving: bool,
    /// Active (pending or running) executions.
    pub active: usize,
    /// Most active executions accepted.
    pub capacity: usize,
    /// Retained executions, active and terminal.
    pub retained: usize,
}

/// What [`Manager::drain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Executions that ended on their own during the grace period.
    pub finished: usize,
    /// Executions cancelled with reason `Shutdown` when the grace period ran out.
    pub cancelled: usize,
}

/// Followers of a Run's stdout and stderr, from the first byte; see [`OutputFollower`].
#[derive(Debug)]
pub struct Logs {
    /// Follows stdout.
    pub stdout: OutputFollower,
    /// Follows stderr.
    pub stderr: OutputFollower,
}
