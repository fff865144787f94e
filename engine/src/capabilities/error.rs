//! [`PolicyError`]: why a request cannot be granted, naming the field and the limit.

use std::time::Duration;

use super::{MAX_SOURCE_BYTES, secs};

/// Why a Run's request cannot be granted. Messages name the field and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The requested timeout is above the Runtime's maximum (or the host's).
    #[error("timeoutSeconds {requested} exceeds the {by} limit of {limit}", requested = secs(*.requested), limit = secs(*.limit))]
    TimeoutTooLong {
        /// Requested timeout.
        requested: Duration,
        /// The limit it broke.
        limit: Duration,
        /// Whose limit: "Runtime's" or "host's".
        by: &'static str,
    },
    /// A zero timeout.
    #[error("timeoutSeconds must be greater than 0")]
    TimeoutZero,
    /// A limit declared by the Runtime exceeds the host's ceiling.
    #[error("Runtime {field} of {requested} exceeds the host's limit of {limit}")]
    RuntimeLimitTooHigh {
        /// The Runtime field.
        field: &'static str,
        /// What the Runtime asked for, formatted.
        requested: String,
        /// The host ceiling, formatted.
        limit: String,
    },
    /// A limit of zero.
    #[error("Runtime {field} must be greater than 0")]
    RuntimeLimitZero {
        /// The Runtime field.
        field: &'static str,
    },
    /// A limit the Run requests (memory, stdout, stderr) is above the Runtime's limit (or the host's).
    #[error("requested {field} of {requested} exceeds the {by} limit of {limit}")]
    RequestedLimitTooHigh {
        /// "memory limit", "stdout limit" or "stderr limit".
        field: &'static str,
        /// What the Run asked for, formatted.
        requested: String,
        /// The limit it broke, formatted.
        limit: String,
        /// Whose limit: "Runtime's" or "host's".
        by: &'static str,
    },
    /// A requested limit of zero.
    #[error("requested {field} must be greater than 0")]
    RequestedLimitZero {
        /// "memory limit", "stdout limit" or "stderr limit".
        field: &'static str,
    },
    /// The Run sets a variable the host owns.
    #[error("env {name} is reserved for the host")]
    ReservedEnv {
        /// Variable name.
        name: String,
    },
    /// A variable name or value WASI cannot carry.
    #[error("env {name:?} is invalid: {problem}")]
    InvalidEnv {
        /// Variable name.
        name: String,
        /// Why.
        problem: &'static str,
    },
    /// Too many or too large arguments/variables.
    #[error("{field} exceed the limit of {limit} {unit}")]
    TooLarge {
        /// "args", "env" or "args and env".
        field: &'static str,
        /// The limit.
        limit: usize,
        /// "entries" or "bytes".
        unit: &'static str,
    },
    /// An argument contains NUL.
    #[error("args[{index}] contains NUL")]
    InvalidArg {
        /// Position in `args`.
        index: usize,
    },
    /// The entrypoint path is unusable.
    #[error("entrypoint {entrypoint:?} {problem}")]
    InvalidEntrypoint {
        /// The path.
        entrypoint: String,
        /// Why.
        problem: &'static str,
    },
    /// Inline source without a path to write it to.
    #[error("source.inline requires an entrypoint")]
    SourceWithoutEntrypoint,
    /// Inline source over [`MAX_SOURCE_BYTES`].
    #[error("source.inline of {bytes} bytes exceeds the limit of {MAX_SOURCE_BYTES} bytes")]
    SourceTooLarge {
        /// Size of the source.
        bytes: usize,
    },
    /// A network allow-list entry does not parse.
    #[error("Runtime capabilities.network entry {rule:?} is invalid: {problem}")]
    InvalidNetworkRule {
        /// The entry.
        rule: String,
        /// Why.
        problem: &'static str,
    },
    /// The host does not allow network access at all.
    #[error("Runtime capabilities.network is not allowed on this host")]
    NetworkDisabled,
    /// A mount is unusable.
    #[error("Runtime capabilities.mounts entry {guest_path:?} is invalid: {problem}")]
    InvalidMount {
        /// The guest path.
        guest_path: String,
        /// Why.
        problem: &'static str,
    },
}

impl PolicyError {
    /// Stable label: timeouts and limits are `LimitExceeded`, malformed requests `InvalidSpec`, bad Runtime
    /// declarations `InvalidRuntime`.
    pub fn reason(&self) -> &'static str {
        match self {
            PolicyError::TimeoutTooLong { .. }
            | PolicyError::RequestedLimitTooHigh { .. }
            | PolicyError::TooLarge { .. }
            | PolicyError::SourceTooLarge { .. } => "LimitExceeded",
            PolicyError::TimeoutZero
            | PolicyError::RequestedLimitZero { .. }
            | PolicyError::ReservedEnv { .. }
            | PolicyError::InvalidEnv { .. }
            | PolicyError::InvalidArg { .. }
            | PolicyError::InvalidEntrypoint { .. }
            | PolicyError::SourceWithoutEntrypoint => "InvalidSpec",
            PolicyError::RuntimeLimitTooHigh { .. }
            | PolicyError::RuntimeLimitZero { .. }
            | PolicyError::InvalidNetworkRule { .. }
            | PolicyError::NetworkDisabled
            | PolicyError::InvalidMount { .. } => "InvalidRuntime",
        }
    }
}
