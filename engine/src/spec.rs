//! What a caller asks for: a [`RunSpec`], identified by a [`RunId`].
//!
//! These are the host's own domain types. The gRPC service and `krt local` convert their wire types into them; the
//! capability policy ([`crate::capabilities`]) decides what the Run may actually do.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasmtime_wasi::cli::StdinStream;

use crate::passthrough::PassThrough;

/// Longest accepted Run UID. Kubernetes UIDs are 36-byte UUIDs; the bound keeps workspace names short.
pub const MAX_RUN_UID_BYTES: usize = 128;

/// Why a Run UID cannot be used: it names a directory, so only `[A-Za-z0-9_.-]` is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid run uid {uid:?}: {problem}")]
pub struct InvalidRunId {
    /// The rejected UID.
    pub uid: String,
    /// Why.
    pub problem: &'static str,
}

/// Identifies one execution: the Run's UID plus the attempt number (retries get a new attempt).
///
/// The UID is also part of the workspace directory name, so [`RunId::new`] only accepts `[A-Za-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunId {
    uid: String,
    attempt: u32,
}

impl RunId {
    /// Validates `uid` (1..=128 bytes of `[A-Za-z0-9_.-]`, not `.` or `..`) and pairs it with `attempt`.
    ///
    /// # Errors
    ///
    /// [`InvalidRunId`] naming the problem.
    pub fn new(uid: impl Into<String>, attempt: u32) -> Result<Self, InvalidRunId> {
        let uid = uid.into();
        let problem = if uid.is_empty() {
            Some("must not be empty")
        } else if uid.len() > MAX_RUN_UID_BYTES {
            Some("must be at most 128 bytes")
        } else if uid == "." || uid == ".." {
            Some("must not be `.` or `..`")
        } else if !uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Some("may only contain ASCII letters, digits, `-`, `_` and `.`")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(InvalidRunId { uid, problem }),
            None => Ok(Self { uid, attempt }),
        }
    }

    /// The Run's UID.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The attempt number.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The workspace directory name: `<uid>-<attempt>`.
    pub fn workspace_name(&self) -> String {
        format!("{}-{}", self.uid, self.attempt)
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.uid, self.attempt)
    }
}

/// One Run as the host executes it. Built by the caller; validated by [`crate::capabilities::grant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// Which execution this is.
    pub id: RunId,
    /// Name of the registered runtime (component) to run, see [`crate::Manager::register_runtime`].
    pub runtime: String,
    /// Arguments after the program name (and after the entrypoint, when there is one).
    pub args: Vec<String>,
    /// Environment variables, in order. Names must not be reserved (see [`crate::capabilities::RESERVED_ENV`]).
    pub env: Vec<(String, String)>,
    /// Path of the script inside `/workspace`, relative; passed to the runtime as its first argument.
    pub entrypoint: Option<String>,
    /// Inline source written to the entrypoint before the Run starts (requires `entrypoint`).
    pub source: Option<String>,
    /// Requested wall-clock limit; `None` takes the host default (bounded by the runtime's limit).
    pub timeout: Option<Duration>,
    /// Requested memory budget of the whole Run; `None` takes the Runtime's (or the host's) default. It may not
    /// exceed the Runtime's limit, or the host's maximum when the Runtime declares none.
    pub memory_bytes: Option<u64>,
    /// Requested stdout retention; `None` takes the default. Bounded like [`RunSpec::memory_bytes`].
    pub stdout_bytes: Option<usize>,
    /// Requested stderr retention; `None` takes the default. Bounded like [`RunSpec::memory_bytes`].
    pub stderr_bytes: Option<usize>,
    /// Digest of the inputs that produced this spec, opaque to the host. A second `execute` of a known id is a
    /// duplicate only if its digest is equal; otherwise it is refused with [`crate::Error::SpecConflict`].
    pub digest: Option<String>,
    /// Free-form labels reported with the status (for example the Run's namespace and name). They never affect
    /// the execution.
    pub labels: BTreeMap<String, String>,
    /// The guest's standard input; `None` is an empty one (end of file at once), as on a cluster.
    pub stdin: Option<Input>,
    /// Where the guest's stdout goes instead of the Run's bounded buffer (which then stays empty): `krt local
    /// run` passes it through to its own (see [`crate::PassThrough`]).
    pub stdout: Option<PassThrough>,
    /// As [`RunSpec::stdout`], for stderr; the end of a failed Run's message is then read from it.
    pub stderr: Option<PassThrough>,
    /// Fills the new workspace before the guest starts (after the inline source is written); `krt local run
    /// --file` copies the user's files with it. It gets the workspace directory only, as a capability.
    pub seed: Option<Seed>,
}

/// A function that fills a Run's workspace, given only the workspace directory (writes through it cannot leave it).
/// Two are equal only if they are the same function.
#[derive(Clone)]
pub struct Seed(pub Arc<SeedFn>);

/// What a [`Seed`] calls: fill the workspace directory.
pub type SeedFn = dyn Fn(&cap_std::fs::Dir) -> std::io::Result<()> + Send + Sync;

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(..)")
    }
}

impl PartialEq for Seed {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Seed {}

/// A stream a Run reads as its standard input (`krt local run` forwards its own), shared with the children the
/// guest starts with an inherited stdin. Two are equal only if they are the same stream.
#[derive(Clone)]
pub struct Input(pub(crate) Arc<dyn StdinStream + Sync>);

impl Input {
    /// `stream` as a Run's stdin.
    pub fn new(stream: impl StdinStream + Sync + 'static) -> Self {
        Self(Arc::new(stream))
    }

    /// This process's standard input, read on a worker thread only once the guest reads.
    pub fn process_stdin() -> Self {
        Self::new(std::io::stdin())
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Input(..)")
    }
}

impl PartialEq for Input {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Input {}

impl RunSpec {
    /// A Run of `runtime` with no arguments, environment, entrypoint or source, and the default timeout.
    pub fn new(id: RunId, runtime: impl Into<String>) -> Self {
        Self {
            id,
            runtime: runtime.into(),
            args: Vec::new(),
            env: Vec::new(),
            entrypoint: None,
            source: None,
            timeout: None,
            memory_bytes: None,
            stdout_bytes: None,
            stderr_bytes: None,
            digest: None,
            labels: BTreeMap::new(),
            stdin: None,
            stdout: None,
            stderr: None,
            seed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only directory-name-safe UIDs are accepted, since the UID names the workspace.
    #[test]
    fn run_uid_is_restricted_to_safe_characters() {
        assert!(RunId::new("0b5e-uid_1.x", 1).is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "ü", &"x".repeat(129)] {
            assert!(RunId::new(bad, 1).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(RunId::new("abc", 7).unwrap().workspace_name(), "abc-7");
    }
}
