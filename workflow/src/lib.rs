//! `kruntimes-workflow`: the Workflow engine, a pure function the controller and `krt local` share.
//!
//! [`reconcile`] takes a Workflow (its spec and the status it last wrote), the child Runs observed now
//! and the current time, and returns a [`Plan`]: the Runs to create (named deterministically, labelled,
//! expressions resolved), the Runs to cancel, and the Workflow's new status. It does no I/O, reads no
//! clock and keeps no state between calls, so every rule is tested as a plain function and a restarted
//! caller picks up where it left off.
//!
//! ```text
//!   Workflow (spec + last status) ─┐
//!   child Runs observed now ───────┼─► reconcile ─► Plan { create, cancel, status, requeue_after }
//!   now ───────────────────────────┘                  │
//!        ▲                                            ▼
//!        └──────── caller: create/cancel Runs, write the status, wait for a change ◄┘
//! ```
//!
//! # Layout
//! - [`plan`]: [`reconcile`] and its rules (start, propagation, cancellation, deadline, end).
//! - [`validate`](mod@validate): the API's Workflow rules plus the expression rules.
//! - [`expr`]: parsing and resolving `${{ inputs.x }}` and `${{ steps.<id>.outputs.<key> }}`.
//! - [`naming`]: deterministic child Run names (a SHA-256 suffix) and labels.
//! - [`status`]: conditions and bounded messages.
//!
//! Start with [`plan`]'s module docs.

pub mod expr;
pub mod naming;
pub mod plan;
pub mod status;
pub mod validate;

#[cfg(test)]
mod fixtures;

pub use naming::{child_labels, child_run_name};
pub use plan::{ChildRun, Plan, reconcile};
pub use validate::validate;
