//! runtimed: the per-pod daemon that embeds wasmtime and runs every Run as a fresh component
//! instance in a capability-scoped workspace (DESIGN.md section 4).
//!
//! Not landed yet: the engine is being built in the host issue. This crate reserves its place in
//! the workspace.
