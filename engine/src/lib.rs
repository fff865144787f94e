//! `kruntimes-engine`: runs every Run as a fresh WebAssembly component instance whose only filesystem is its own
//! workspace. runtimed (the per-pod daemon, `runtimed/`) and `krt local` both embed it. It depends on wasmtime,
//! cap-std and the API contract only: no Kubernetes client, no gRPC, no HTTP.
//!
//! # Layout
//!
//! Modules depend downwards only (no import cycle): `layout`, `spec` → `capabilities` → `error` → `workspace`,
//! `sandbox` → `engine` → `guest` → `cache` → `run` → `manager`.
//!
//! - [`engine`]: the one wasmtime `Engine` per process (pooling allocator, epoch ticker).
//! - [`builtins`]: the built-in runtimes' directory layout (component plus read-only mounts).
//! - [`cache`]: compile each component once; `.cwasm` on disk by digest and engine; `InstancePre` in memory.
//! - [`capabilities`]: the pure policy, request → [`Grants`], deny by default. Threat model here.
//! - [`sandbox`]: [`Grants`] → `WasiCtx`, the one place a guest is handed WASI capabilities.
//! - [`layout`]: the workspace as the guest sees it; [`workspace`]: per-Run directories, treated as hostile once
//!   a guest has run.
//! - [`output`]: bounded stdout/stderr with a truncation marker and live followers.
//! - [`outputs`]: the `$KRUNTIME_OUTPUTS` `KEY=VALUE` format and its symlink-proof reader.
//! - [`run`]: one Run: fresh Store, limits, deadline, cancellation → [`Outcome`] ([`outcome`]).
//! - `budget` (private): one memory budget across all Stores of a Run.
//! - [`manager`]: executions by Run id, duplicates, attempts, capacity, cancel/forget/drain: what gRPC and
//!   `krt local` call; [`logs`]: reading an execution's output as events (the `Logs` RPC).
//! - `guest` (private): a guest's Store data, the linker, loaded components, and the `kruntimes:runtime` host
//!   imports (`spawn`, `outputs`, `log`) over `../wit`; `pipe` (private): the bounded pipes between spawned
//!   children.
//! - [`api`]: a `kruntimes.io` `Run` → [`RunSpec`] and an [`Outcome`] → `Run.status` (pure).
//! - [`spec`], [`error`], [`metrics`]: request types, the error enum, Prometheus metrics.
//!
//! Start with [`Manager`]: build an [`Engine`], a [`Manager`], register a component as a runtime, execute a
//! [`RunSpec`] and wait for its [`Outcome`].
//!
//! ```text
//! runtimed (gRPC service, Kubernetes agent) and krt local
//!                 │
//! RunSpec ─► Manager::execute ─► capabilities::grant ─► Workspace ─► run::execute ─► Outcome
//!                 │                     (pure)                          │ fresh Store per Run
//!                 └── ComponentCache (Runtime = Component + InstancePre) ┘ Engine (epochs, pools)
//! ```
//!
//! ```no_run
//! # async fn example() -> kruntimes_engine::Result<()> {
//! use kruntimes_engine::{Engine, EngineConfig, Manager, ManagerConfig, Metrics, RunId, RunSpec, RuntimePolicy};
//!
//! let engine = Engine::new(EngineConfig::default())?;
//! let manager = Manager::new(engine, ManagerConfig::in_dir("/var/lib/runtimed"), Metrics::default())?;
//! manager
//!     .register_runtime("hello", std::fs::read("hello.wasm").unwrap_or_default(), RuntimePolicy::default())
//!     .await?;
//! let mut handle = manager.execute(RunSpec::new(RunId::new("0b5e", 1)?, "hello"))?;
//! let outcome = handle.wait().await;
//! println!("{:?} {}", outcome.phase, String::from_utf8_lossy(&handle.stdout().contents()));
//! manager.forget(handle.id()).await?;
//! # Ok(())
//! # }
//! ```

pub mod api;
mod budget;
pub mod builtins;
pub mod cache;
pub mod capabilities;
pub mod engine;
pub mod error;
mod guest;
pub mod imports;
pub mod layout;
pub mod logs;
pub mod manager;
pub mod metrics;
pub mod outcome;
pub mod output;
pub mod outputs;
mod passthrough;
mod pipe;
pub mod rlimit;
pub mod run;
pub mod sandbox;
pub mod spec;
pub mod workspace;

pub use builtins::{Builtin, Registration};
pub use cache::{ComponentCache, Runtime};
pub use capabilities::{
    Grants, HostConfig, Mount, RuntimeCapabilities, RuntimeLimits, RuntimePolicy,
};
pub use engine::{Engine, EngineConfig};
pub use error::{Error, Result};
pub use kruntimes_api::v1alpha1::RunPhase;
pub use logs::{LogEvent, LogQuery, LogReader, LogSelection, StdStream};
pub use manager::{
    Drained, Health, ListFilter, Load, Logs, Manager, ManagerConfig, RunHandle, RunStatus,
    StreamTotals,
};
pub use metrics::Metrics;
pub use outcome::{Outcome, Reason, TrapKind, Usage};
pub use output::{OutputBuffer, OutputFollower};
pub use passthrough::PassThrough;
pub use spec::{Input, RunId, RunSpec, Seed};
