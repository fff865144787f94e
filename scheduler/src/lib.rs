//! The kruntimes scheduler: a watch-driven index of Runtime pods and active Runs, a pure placement
//! function, and binding by one resourceVersion-guarded status patch (ADR 0007).
//!
//! ```text
//!  watch Pods (label kruntimes.io/runtime) ─┐
//!                                           ├─▶ Index (pods, active Runs, reservations) ─▶ place()
//!  watch Runs ──────────────────────────────┘        │ pending Runs                            │
//!                                                    ▼                                         ▼
//!                                              work queue (by uid) ──▶ bind: PATCH runs/status (rv-guarded)
//! ```
//!
//! # Layout
//! - [`resources`]: a Run's requests and a pod's capacity as whole numbers.
//! - [`index`]: the in-memory snapshot, updated per watch event in O(1)/O(log n).
//! - [`placement`]: [`place`], the pure filter and least-loaded score.
//! - [`gate`]: [`ready_at`], when a pending Run may be placed (retry backoff).
//! - [`scheduler`]: the I/O edge: watches, the queue, binding, leader election ([`run`]).
//! - [`metrics`]: Prometheus metrics and the admin HTTP server.
//!
//! Start with [`scheduler::run`].

pub mod gate;
pub mod index;
pub mod metrics;
pub mod placement;
pub mod resources;
pub mod scheduler;

pub use gate::ready_at;
pub use index::{GroupKey, Index, Placement, PodInfo, Request};
pub use placement::{Unschedulable, place};
pub use scheduler::{Config, run};

#[cfg(test)]
pub(crate) mod fixtures;
