//! Run artifacts: files and directories a guest leaves in `$KRUNTIME_ARTIFACTS_DIR`, stored outside the pod.
//!
//! The flow, run by runtimed after the guest exited and before the terminal status is written:
//!
//! ```text
//! <workspace>/.kruntimes/artifacts   --harvest-->  Vec<Harvested>   --Store::upload-->  Vec<ArtifactRef>
//!   (hostile: never followed)          (limits, digests,                (rolled back on     (status.artifactRefs)
//!                                       dirs as tar.gz)                  any failure)
//! ```
//!
//! Later, `krt` fetches one with [`download()`] (digest verified, atomic rename) and the controller deletes a Run's
//! objects with [`Store::delete_run_artifacts`] (idempotent).
//!
//! # Layout
//!
//! - [`harvest`](mod@harvest): reads the artifacts directory without following symlinks and enforces [`Limits`].
//! - `pack`: the deterministic tar.gz of a directory artifact.
//! - [`media`]: media types from file extensions.
//! - [`store`]: builds an `object_store` client from the Runtime's `artifactStore`, uploads, rolls back, deletes.
//! - [`download`](mod@download): fetches and verifies one artifact.
//! - [`record`](mod@record): what storing a terminal attempt's artifacts does to its status.
//! - [`error`]: the crate's [`Error`], with the Run reason of each failure ([`Error::reason`]).
//!
//! Start with [`harvest()`] and [`Store::upload`].

pub mod download;
pub mod error;
pub mod harvest;
pub mod media;
mod pack;
pub mod record;
mod spool;
pub mod store;
mod tree;

pub use download::{download, write_verified};
pub use error::{Error, OpenError, Result};
pub use harvest::{ArtifactKind, Harvested, Limits, harvest, harvest_dir};
/// The `object_store` version this crate builds on, for callers that read a [`Store`] directly.
pub use object_store;
pub use record::record;
pub use store::{RunIdentity, S3Credentials, Store, StoreSecrets};
