//! Integration tests of `kruntimes-artifacts` through its public API: harvesting a hostile directory, the
//! filesystem store, rollback of partial uploads, and a real S3-compatible server (moto).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers fail loudly on unexpected errors"
)]

mod conformance;
mod fixtures;
mod harvest;
mod moto;
mod rollback;
mod s3;
mod store;
