//! Integration tests of `kruntimes-engine` against real wasm components: the test guests in `runtimes/test-guests`.
//!
//! Build the guests first (from the repository root):
//!
//! ```text
//! cargo xtask prepare-guests   # unpacks and patches awk-rs into runtimes/target/patched/ (once)
//! cargo build --release --manifest-path runtimes/Cargo.toml -p test-guests --target wasm32-wasip2
//! cargo test -p kruntimes-engine
//! ```
//!
//! One test binary (one link of wasmtime), one harness ([`harness`]), topic modules.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers are not #[test] fns, so clippy's allow-in-tests misses them; they should panic"
)]

mod guests;
mod harness;

mod bash;
mod bash_conformance;
mod bash_corpus;
mod capabilities;
mod concurrency;
mod differential;
mod hostile;
mod lifecycle;
mod limits;
mod outputs;
mod python;
mod spawn;
mod tool_conformance;
