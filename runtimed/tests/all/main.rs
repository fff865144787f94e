//! Integration tests of runtimed: its gRPC API, `--component-url` and `--builtins`, with the real engine and the
//! test guests in `runtimes/test-guests` (build them first, as for the engine's tests).
//!
//! The guest catalogue and the harness are the engine's (`engine/tests/all`), included by path: one definition of
//! each guest and of the serialised-test guard.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers are not #[test] fns, so clippy's allow-in-tests misses them; they should panic"
)]

#[allow(
    dead_code,
    reason = "shared with the engine's tests; runtimed's tests use part of it"
)]
#[path = "../../../engine/tests/all/guests.rs"]
mod guests;
#[allow(
    dead_code,
    reason = "shared with the engine's tests; runtimed's tests use part of it"
)]
#[path = "../../../engine/tests/all/harness.rs"]
mod harness;

mod admin;
mod builtins;
mod component_url;
mod grpc;
