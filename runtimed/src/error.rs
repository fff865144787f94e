//! runtimed's error type: what the daemon around the engine can fail at (serving, the Kubernetes client,
//! fetching a component, the artifact store), plus every [`kruntimes_engine::Error`].

use std::io;

/// `Result` with runtimed's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything runtimed can fail at. [`Error::reason`] gives a stable label for logs and metrics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine failed (compile, workspace, policy, manager...).
    #[error(transparent)]
    Engine(#[from] kruntimes_engine::Error),
    /// The gRPC listen address could not be bound.
    #[error("failed to listen on {addr}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// The gRPC server failed.
    #[error("the gRPC server failed")]
    Serve {
        /// Cause.
        #[source]
        source: tonic::transport::Error,
    },
    /// The gRPC reflection service could not be built from the embedded descriptor sets.
    #[error("failed to build the gRPC reflection service")]
    Reflection {
        /// Cause.
        #[source]
        source: tonic_reflection::server::Error,
    },
    /// The Kubernetes agent could not build its API client (in-cluster config or kubeconfig).
    #[error("cannot build the Kubernetes client of the agent")]
    KubeClient {
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// `--component-url` could not be downloaded, verified or cached (see [`crate::fetch`]).
    #[error(transparent)]
    FetchComponent(#[from] crate::fetch::FetchError),
    /// `--artifact-store` names a filesystem store that cannot be opened at `--artifact-store-root`.
    #[error("cannot open the filesystem artifact store: {0}")]
    ArtifactStore(String),
}

impl Error {
    /// A stable, low-cardinality label: the engine's for its errors, the variant's name for the others.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Engine(err) => err.reason(),
            Error::Bind { .. } => "Bind",
            Error::Serve { .. } => "Serve",
            Error::Reflection { .. } => "Reflection",
            Error::KubeClient { .. } => "KubeClient",
            Error::FetchComponent(_) => "FetchComponent",
            Error::ArtifactStore(_) => "ArtifactStore",
        }
    }
}
