//! The crate's error type.
//!
//! These are failures of the *host* to do something (compile, set up a workspace, accept a request). What happens
//! to a guest (non-zero exit, trap, timeout, bad outputs) is not an error: it is an [`crate::Outcome`].

use std::io;
use std::path::PathBuf;

use crate::capabilities::PolicyError;
use crate::spec::{InvalidRunId, RunId};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the host can fail at. [`Error::reason`] gives a stable label for metrics and gRPC details.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The wasmtime `Config` was rejected (for example a pooling allocator the machine cannot reserve).
    #[error("failed to configure the wasmtime engine")]
    ConfigureEngine {
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// Linking WASI (or our interfaces) into the linker failed.
    #[error("failed to build the component linker")]
    BuildLinker {
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// Cranelift could not compile the component (invalid or unsupported wasm).
    #[error("failed to compile component {digest}")]
    CompileComponent {
        /// sha256 of the component bytes.
        digest: String,
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// A precompiled artefact from our cache could not be loaded.
    #[error("failed to load precompiled component {}", path.display())]
    LoadComponent {
        /// The `.cwasm` file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// The component's imports cannot be satisfied, or it does not export `wasi:cli/run`.
    #[error("component {digest} cannot be run as a command")]
    PrepareComponent {
        /// sha256 of the component bytes.
        digest: String,
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// Reading or writing the component cache directory failed.
    #[error("component cache I/O failed on {}", path.display())]
    CacheIo {
        /// File or directory involved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// Creating, populating or removing a Run's workspace failed.
    #[error("failed to {op} workspace {name}")]
    Workspace {
        /// What we were doing: "create", "write source to", "remove"...
        op: &'static str,
        /// Workspace directory name (`<uid>-<attempt>`).
        name: String,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// The workspace root directory could not be opened or created.
    #[error("failed to open workspace root {}", path.display())]
    WorkspaceRoot {
        /// The configured root.
        path: PathBuf,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// A directory granted to the guest could not be opened on the host.
    #[error("failed to preopen {guest_path}")]
    Preopen {
        /// Guest path of the preopen.
        guest_path: String,
        /// Cause.
        #[source]
        source: wasmtime::Error,
    },
    /// The request asks for more than the Runtime or host allows, or is malformed.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The Run UID cannot be used (it names a directory).
    #[error(transparent)]
    InvalidRunId(#[from] InvalidRunId),
    /// A component runtimed cannot run (see [`crate::imports::check`]).
    #[error("runtime {name:?}: the component cannot run here: {}", problems.join("; "))]
    ComponentRefused {
        /// The runtime's name.
        name: String,
        /// Each reason.
        problems: Vec<String>,
    },
    /// No runtime is registered under this name.
    #[error("unknown runtime {name:?}")]
    UnknownRuntime {
        /// Requested name.
        name: String,
    },
    /// No execution is known for this Run id.
    #[error("no execution for run {id}")]
    NotFound {
        /// Requested id.
        id: RunId,
    },
    /// `forget` was called while the execution is still running.
    #[error("run {id} is still running")]
    StillRunning {
        /// Requested id.
        id: RunId,
    },
    /// Too many Runs are executing already.
    #[error("at capacity: {limit} Runs are already executing")]
    AtCapacity {
        /// The configured maximum.
        limit: usize,
    },
    /// An execution with this id is retained, but was started from a different spec (its digest differs).
    #[error("run {id} is already known with a different spec digest")]
    SpecConflict {
        /// Requested id.
        id: RunId,
    },
    /// The host is draining before shutdown and accepts no new executions.
    #[error("runtimed is shutting down and accepts no new Runs")]
    Draining,
    /// A newer attempt of the same Run is already known.
    #[error("attempt {attempt} of run {uid} is stale: attempt {current} is already known")]
    StaleAttempt {
        /// Run UID.
        uid: String,
        /// Requested attempt.
        attempt: u32,
        /// Attempt the host already has.
        current: u32,
    },
    /// A component file named on the command line could not be read.
    #[error("failed to read component {}", path.display())]
    ReadComponent {
        /// The `.wasm` file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// A built-in runtime directory is incomplete or unreadable.
    #[error("built-in runtime {}: {problem}", path.display())]
    Builtin {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A blocking task (compilation, workspace I/O) panicked or was cancelled by runtime shutdown.
    #[error("background task failed")]
    Background {
        /// Cause.
        #[source]
        source: tokio::task::JoinError,
    },
}

impl Error {
    /// A stable, low-cardinality label: the metrics label, the gRPC error detail and the Event reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::ConfigureEngine { .. } => "ConfigureEngine",
            Error::BuildLinker { .. } => "BuildLinker",
            Error::CompileComponent { .. } => "CompileComponent",
            Error::LoadComponent { .. } => "LoadComponent",
            Error::PrepareComponent { .. } => "PrepareComponent",
            Error::CacheIo { .. } => "CacheIo",
            Error::Workspace { .. } => "Workspace",
            Error::WorkspaceRoot { .. } => "WorkspaceRoot",
            Error::Preopen { .. } => "Preopen",
            Error::Policy(err) => err.reason(),
            Error::InvalidRunId(_) => "InvalidRunId",
            Error::UnknownRuntime { .. } => "UnknownRuntime",
            Error::ComponentRefused { .. } => "ComponentRefused",
            Error::NotFound { .. } => "NotFound",
            Error::StillRunning { .. } => "StillRunning",
            Error::AtCapacity { .. } => "AtCapacity",
            Error::SpecConflict { .. } => "SpecConflict",
            Error::Draining => "Draining",
            Error::StaleAttempt { .. } => "StaleAttempt",
            Error::ReadComponent { .. } => "ReadComponent",
            Error::Builtin { .. } => "Builtin",
            Error::Background { .. } => "Background",
        }
    }
}
