//! `kruntimes-runtimed`: runtimed, the per-pod daemon around [`kruntimes_engine`]. The engine runs Runs; this
//! crate gets them there and reports back.
//!
//! # Layout
//!
//! - [`agent`]: the Kubernetes agent that claims the Runs bound to runtimed's pod, executes them on the engine's
//!   [`Manager`](kruntimes_engine::Manager) and writes their status.
//! - [`service`], [`convert`]: the tonic service `kruntimes.runtime.v1.Runtime`, a thin adapter over the manager,
//!   and its pure proto ↔ domain conversions; [`server`]: serving it (plus health and reflection) on an injected
//!   listener with the shutdown protocol.
//! - [`fetch`]: download a Runtime's `url` component into the cache directory, verified by its sha256.
//! - [`daemon`]: runtimed's flags and wiring (`src/main.rs` calls it); [`error`]: what the daemon can fail at.
//!
//! ```text
//! runtimed: main ─► daemon::run ─┬─► agent (Runs bound to this pod) ─► Manager::execute ─► Outcome ─► Run.status
//!                                └─► server::serve(listener, shutdown) ─► service ◄─convert─► proto
//! ```

pub mod agent;
pub mod convert;
pub mod daemon;
pub mod error;
pub mod fetch;
pub mod server;
pub mod service;

pub use error::{Error, Result};
pub use server::{ServeOptions, serve};
pub use service::RuntimeService;
