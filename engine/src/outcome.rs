//! How a Run ended: [`Outcome`] with its [`RunPhase`], stable [`Reason`] and [`Usage`], as reported in `status`.

use std::time::Duration;

use serde::Serialize;
use wasmtime::Trap;

use kruntimes_api::v1alpha1::RunPhase;

use crate::capabilities::Grants;
use crate::outputs::Outputs;

/// Longest [`Outcome::message`] in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// What a trap was, for [`Reason::Trap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TrapKind {
    /// Wasm stack exhausted (deep recursion).
    StackOverflow,
    /// `unreachable` executed (Rust panics and aborts end here).
    Unreachable,
    /// Out-of-bounds memory access.
    MemoryOutOfBounds,
    /// Out-of-bounds table access or call through a null/mistyped table entry.
    BadIndirectCall,
    /// Integer overflow, division by zero or invalid float-to-int conversion.
    Arithmetic,
    /// Any other trap, or an error raised by a host function.
    Other,
}

impl TrapKind {
    pub(crate) fn of(trap: Trap) -> Self {
        match trap {
            Trap::StackOverflow => TrapKind::StackOverflow,
            Trap::UnreachableCodeReached => TrapKind::Unreachable,
            Trap::MemoryOutOfBounds | Trap::HeapMisaligned => TrapKind::MemoryOutOfBounds,
            Trap::TableOutOfBounds | Trap::IndirectCallToNull | Trap::BadSignature => {
                TrapKind::BadIndirectCall
            }
            Trap::IntegerOverflow | Trap::IntegerDivisionByZero | Trap::BadConversionToInteger => {
                TrapKind::Arithmetic
            }
            _ => TrapKind::Other,
        }
    }

    /// The reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            TrapKind::StackOverflow => "StackOverflow",
            TrapKind::Unreachable => "Unreachable",
            TrapKind::MemoryOutOfBounds => "MemoryOutOfBounds",
            TrapKind::BadIndirectCall => "BadIndirectCall",
            TrapKind::Arithmetic => "Arithmetic",
            TrapKind::Other => "Trap",
        }
    }
}

/// Why a Run ended, as written to `status.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Exit code 0.
    Completed,
    /// Non-zero exit code.
    ExitCode,
    /// Deadline passed.
    Timeout,
    /// Cancelled by request.
    Cancelled,
    /// Cancelled because a higher attempt of the same Run was accepted.
    Superseded,
    /// Cancelled because the host shut down while the Run was active.
    Shutdown,
    /// A memory growth beyond the Run's budget was refused and the guest then failed.
    OutOfMemory,
    /// The guest trapped.
    Trap(TrapKind),
    /// `$KRUNTIME_OUTPUTS` is malformed, a symlink or not a file.
    OutputsInvalid,
    /// `$KRUNTIME_OUTPUTS` exceeds a limit.
    OutputsTooLarge,
    /// The host could not instantiate the component (missing preopen, pool exhausted, link error).
    InstantiateFailed,
    /// The host stopped running the Run (a panic in the host or runtime shutdown); worth retrying.
    HostError,
}

impl Reason {
    /// The stable string: `Completed`, `ExitCode`, `Timeout`, `Cancelled`, `Superseded`, `Shutdown`, `OutOfMemory`,
    /// the trap kind
    /// (`StackOverflow`, `Unreachable`, ...), `OutputsInvalid`, `OutputsTooLarge`, `InstantiateFailed`,
    /// `HostError`.
    ///
    /// Every one but `Completed` (the engine's word for exit status 0) and the trap kinds is the Run reason of
    /// the same name, taken from the API's vocabulary so that the two cannot drift.
    pub fn as_str(self) -> &'static str {
        use kruntimes_api::consts::reasons;
        match self {
            Reason::Completed => "Completed",
            Reason::ExitCode => reasons::EXIT_CODE,
            Reason::Timeout => reasons::TIMEOUT,
            Reason::Cancelled => reasons::CANCELLED,
            Reason::Superseded => reasons::SUPERSEDED,
            Reason::Shutdown => reasons::SHUTDOWN,
            Reason::OutOfMemory => reasons::OUT_OF_MEMORY,
            Reason::Trap(kind) => kind.as_str(),
            Reason::OutputsInvalid => reasons::OUTPUTS_INVALID,
            Reason::OutputsTooLarge => reasons::OUTPUTS_TOO_LARGE,
            Reason::InstantiateFailed => reasons::INSTANTIATE_FAILED,
            Reason::HostError => reasons::HOST_ERROR,
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Resources a Run used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// From the start of instantiation to the end of the call.
    pub wall: Duration,
    /// Instantiation alone; `None` if it did not complete.
    pub instantiate: Option<Duration>,
    /// Largest total size of the Run's linear memories.
    pub peak_memory_bytes: u64,
}

/// How a Run ended: everything `status` needs except stdout/stderr (those stay in their buffers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Terminal phase: `Succeeded` (exit code 0 and valid outputs), `Failed` (non-zero exit, trap, memory
    /// exhaustion, bad outputs, or the host could not start it), `Timeout` or `Cancelled` (by request, by a
    /// higher attempt of the same Run, or by the host shutting down). Never `Pending`, `Scheduled` or `Running`.
    pub phase: RunPhase,
    /// Why.
    pub reason: Reason,
    /// The guest's exit code, when it exited (0 for a normal return).
    pub exit_code: Option<i32>,
    /// Short, human-readable, at most [`MAX_MESSAGE_BYTES`]; never stdout. Failures may quote the end of stderr.
    pub message: String,
    /// Parsed `$KRUNTIME_OUTPUTS` (only for Runs that exited 0).
    pub outputs: Outputs,
    /// Resources used.
    pub usage: Usage,
    /// What the Run was granted.
    pub grants: Grants,
}

impl Outcome {
    /// An outcome for a Run that never started (for example cancelled before execution).
    pub fn not_started(
        phase: RunPhase,
        reason: Reason,
        message: impl Into<String>,
        grants: Grants,
    ) -> Self {
        Self {
            phase,
            reason,
            exit_code: None,
            message: bounded_message(message.into()),
            outputs: Outputs::new(),
            usage: Usage {
                wall: Duration::ZERO,
                instantiate: None,
                peak_memory_bytes: 0,
            },
            grants,
        }
    }
}

/// `message` cut to [`MAX_MESSAGE_BYTES`] at a character boundary, ending in `...` when cut.
pub(crate) fn bounded_message(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    kruntimes_api::lifecycle::bounded_to(&message, MAX_MESSAGE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages are cut to 1024 bytes at a character boundary.
    #[test]
    fn messages_are_bounded_utf8() {
        let long = "é".repeat(2000);
        let cut = bounded_message(long);
        assert!(cut.len() <= MAX_MESSAGE_BYTES);
        assert!(cut.ends_with("..."));
        assert_eq!(bounded_message("short".into()), "short");
    }

    /// Reasons have stable strings, trap kinds included.
    #[test]
    fn reasons_have_stable_strings() {
        assert_eq!(
            Reason::Trap(TrapKind::StackOverflow).as_str(),
            "StackOverflow"
        );
        assert_eq!(
            Reason::Trap(TrapKind::of(Trap::UnreachableCodeReached)).as_str(),
            "Unreachable"
        );
        assert_eq!(Reason::OutOfMemory.as_str(), "OutOfMemory");
        assert_eq!(
            serde_json::to_value(Reason::OutputsInvalid).unwrap(),
            "OutputsInvalid"
        );
    }
}
