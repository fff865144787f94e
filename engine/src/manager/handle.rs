//! [`RunHandle`]: a caller's view of one execution, to wait for it and read its output.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use tokio::sync::watch;

use kruntimes_api::v1alpha1::RunPhase;

use crate::outcome::Outcome;
use crate::output::OutputBuffer;
use crate::sandbox::Stdio;
use crate::spec::RunId;

/// When the execution's guest started (its task began instantiating).
#[derive(Debug, Clone, Copy)]
pub(super) struct Started {
    pub(super) at: SystemTime,
    pub(super) instant: Instant,
}

/// A caller's view of one execution.
#[derive(Debug, Clone)]
pub struct RunHandle {
    pub(super) id: RunId,
    pub(super) outcome: watch::Receiver<Option<Arc<Outcome>>>,
    pub(super) stdio: Stdio,
    pub(super) started: Arc<OnceLock<Started>>,
}

impl RunHandle {
    /// The execution's id.
    pub fn id(&self) -> &RunId {
        &self.id
    }

    /// Waits for the execution to end.
    pub async fn wait(&mut self) -> Arc<Outcome> {
        loop {
            if let Some(outcome) = self.outcome.borrow_and_update().clone() {
                return outcome;
            }
            if self.outcome.changed().await.is_err() {
                // The sender lives in the execution, which we keep alive through the manager; if it is gone the
                // last value is final.
                if let Some(outcome) = self.outcome.borrow().clone() {
                    return outcome;
                }
                std::future::pending::<()>().await;
            }
        }
    }

    /// The outcome, if finished.
    pub fn outcome(&self) -> Option<Arc<Outcome>> {
        self.outcome.borrow().clone()
    }

    /// The lifecycle state now.
    pub fn state(&self) -> RunPhase {
        match self.outcome() {
            Some(outcome) => outcome.phase,
            None if self.started.get().is_some() => RunPhase::Running,
            None => RunPhase::Pending,
        }
    }

    /// The guest's stdout.
    pub fn stdout(&self) -> &OutputBuffer {
        &self.stdio.stdout
    }

    /// The guest's stderr.
    pub fn stderr(&self) -> &OutputBuffer {
        &self.stdio.stderr
    }
}
