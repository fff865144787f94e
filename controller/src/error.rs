//! The controller's error type.

/// What went wrong while reconciling; causes are chained through `source()`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object is cluster-scoped or was never stored (every kruntimes kind is namespaced).
    #[error("object has no namespace")]
    MissingNamespace,
    /// Server-side apply of an owned object failed.
    #[error("failed to apply {kind} {ns}/{name}")]
    Apply {
        /// Kind of the object.
        kind: String,
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Writing a status subresource failed.
    #[error("failed to patch the status of {kind} {ns}/{name}")]
    PatchStatus {
        /// `Runtime`, `Run` or `Workflow`.
        kind: &'static str,
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Reading a Run's assigned pod failed.
    #[error("failed to read pod {ns}/{name}")]
    GetPod {
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Creating a Workflow step's Run failed.
    #[error("failed to create Run {ns}/{name}")]
    CreateRun {
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Asking a Workflow step's Run to cancel failed.
    #[error("failed to cancel Run {ns}/{name}")]
    CancelRun {
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Deleting an expired Run failed.
    #[error("failed to delete Run {ns}/{name}")]
    DeleteRun {
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
    /// Releasing a deleted Run's artifact-cleanup finalizer failed.
    #[error("failed to release the artifact-cleanup finalizer of Run {ns}/{name}")]
    Release {
        /// Its namespace.
        ns: String,
        /// Its name.
        name: String,
        /// The API error.
        #[source]
        source: kube::Error,
    },
}

impl Error {
    /// A stable, low-cardinality label for metrics and logs.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Self::MissingNamespace => "missing_namespace",
            Self::Apply { .. } => "apply",
            Self::PatchStatus { .. } => "patch_status",
            Self::GetPod { .. } => "get_pod",
            Self::CreateRun { .. } => "create_run",
            Self::CancelRun { .. } => "cancel_run",
            Self::DeleteRun { .. } => "delete_run",
            Self::Release { .. } => "release",
        }
    }
}

/// `Result` with the controller's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
