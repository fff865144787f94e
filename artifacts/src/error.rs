//! The crate's error type. Every variant maps to one of two Run reasons ([`Error::reason`]):
//! `ArtifactInvalid` for what the guest left behind (not worth retrying) and `ArtifactUploadFailed` for the
//! storage side (retryable).

use kruntimes_api::consts::reasons;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why harvesting, uploading, downloading or deleting artifacts failed.
///
/// Messages name the artifact path (relative to `$KRUNTIME_ARTIFACTS_DIR`) or the object, never file contents,
/// so they are safe to put in `status.message`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The guest left something we refuse to store: a symlink, a special file, a name that is not UTF-8.
    #[error("artifact {path} is invalid: {problem}")]
    Invalid {
        /// Path relative to the artifacts directory (`.` for the directory itself).
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An artifact, or all of them together, is over a [`Limits`](crate::Limits) value.
    #[error("artifact {path} is over a limit: {problem}")]
    Limit {
        /// Path relative to the artifacts directory (`.` for the count of artifacts).
        path: String,
        /// Which limit, and by how much.
        problem: String,
    },
    /// Reading the workspace failed (for example `ELOOP` from `O_NOFOLLOW`).
    #[error("failed to read artifact {path}")]
    Read {
        /// Path relative to the artifacts directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing the host-side temporary copy of an artifact failed.
    #[error("failed to spool artifact {path} to a temporary file")]
    Spool {
        /// Path relative to the artifacts directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Runtime's `artifactStore` cannot be turned into a client.
    #[error("invalid artifact store configuration: {0}")]
    Config(String),
    /// Building the object store client failed.
    #[error("failed to build the {backend} artifact store client")]
    Client {
        /// `s3`, `gcs`, `azure` or `filesystem`.
        backend: &'static str,
        /// The cause.
        #[source]
        source: Box<object_store::Error>,
    },
    /// Uploading an artifact failed; the objects uploaded before it were deleted again, except `leftover`.
    #[error("failed to upload artifact {name} to {uri}{}", leftover_note(.leftover))]
    Upload {
        /// Artifact name.
        name: String,
        /// Where it was going.
        uri: String,
        /// Objects the rollback could not delete (empty when the rollback succeeded).
        leftover: Vec<String>,
        /// The cause.
        #[source]
        source: Box<object_store::Error>,
    },
    /// Deleting a stored artifact failed (not-found counts as deleted).
    #[error("failed to delete artifact object {uri}")]
    Delete {
        /// The object.
        uri: String,
        /// The cause.
        #[source]
        source: Box<object_store::Error>,
    },
    /// An artifact reference does not point into this store.
    #[error("artifact URI {uri} does not belong to this store ({base})")]
    ForeignUri {
        /// The reference's URI.
        uri: String,
        /// The store's URI prefix.
        base: String,
    },
    /// Fetching an artifact failed.
    #[error("failed to download artifact {uri}")]
    Download {
        /// The object.
        uri: String,
        /// The cause.
        #[source]
        source: Box<object_store::Error>,
    },
    /// Writing a downloaded artifact to its destination failed.
    #[error("failed to write downloaded artifact to {path}")]
    Write {
        /// Destination path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The downloaded bytes are not the ones the reference describes; nothing was written.
    #[error("artifact {uri} does not match its reference: expected {expected}, got {actual}")]
    Mismatch {
        /// The object.
        uri: String,
        /// sha256 and size in the reference.
        expected: String,
        /// sha256 and size of the downloaded bytes.
        actual: String,
    },
}

fn leftover_note(leftover: &[String]) -> String {
    if leftover.is_empty() {
        " (uploaded artifacts were rolled back)".to_owned()
    } else {
        format!(
            " (rollback failed, {} objects left: {})",
            leftover.len(),
            leftover.join(", ")
        )
    }
}

impl Error {
    /// The Run reason for this error: `ArtifactInvalid` when the guest's files are at fault, else
    /// `ArtifactUploadFailed`.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Invalid { .. } | Error::Limit { .. } | Error::Read { .. } => {
                reasons::ARTIFACT_INVALID
            }
            _ => reasons::ARTIFACT_UPLOAD_FAILED,
        }
    }
}

/// Why [`Store::open`](crate::Store::open) could not open a Runtime's artifact store.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The credentials Secret could not be read.
    #[error("cannot read the credentials Secret {namespace}/{name}: {reason}")]
    ReadSecret {
        /// The Run's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
        /// Why, in the caller's words.
        reason: String,
    },
    /// The credentials Secret does not exist.
    #[error("the credentials Secret {namespace}/{name} does not exist")]
    NoSecret {
        /// The Run's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
    },
    /// A key is missing from the Secret, or the client cannot be built.
    #[error(transparent)]
    Store(#[from] Error),
}
