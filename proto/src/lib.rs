//! The `kruntimes.runtime.v1` gRPC contract: the `Runtime` service that `runtimed` serves on every
//! Runtime pod, and its messages.
//!
//! The contract itself, including the behaviour of every RPC on duplicates, unknown ids and
//! running executions, is documented in `proto/kruntimes/runtime/v1/runtime.proto`; the same
//! comments appear on the generated items of [`v1`]. In short: executions are keyed by
//! [`v1::ExecutionId`] (Run UID + attempt); `Execute` starts one asynchronously and is idempotent
//! for the same id and `spec_digest`; `Status`, `List`, `Cancel`, `Forget` and `Health` are unary;
//! `Logs` streams captured stdout/stderr, optionally following live output.
//!
//! - Server: implement [`v1::runtime_server::Runtime`] and serve
//!   [`v1::runtime_server::RuntimeServer`] with tonic's `server` feature.
//! - Client: [`v1::runtime_client::RuntimeClient::new`] over any tonic channel, for example a
//!   `tonic::transport::Channel` (tonic's `channel` feature). The generated client has no
//!   `connect` helper, so this crate only needs tonic's `codegen` feature.
//! - Reflection: [`FILE_DESCRIPTOR_SET`] is the encoded descriptor set (imports and comments
//!   included) to register with `tonic-reflection`.
//!
//! # Regenerating
//!
//! The code in `src/generated/` is committed and must never be edited by hand. After changing the
//! `.proto`, run `cargo xtask codegen` (pure Rust: `protox` + `prost-build` + `tonic-prost-build`,
//! no `protoc` and no build script) and commit the result; `cargo xtask codegen --check` fails
//! when the committed files are stale.

use std::fmt;

/// Messages, enums, client and server of `kruntimes.runtime.v1`, generated from
/// `proto/kruntimes/runtime/v1/runtime.proto`.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::allow_attributes_without_reason,
    reason = "generated code"
)]
pub mod v1 {
    include!("generated/kruntimes.runtime.v1.rs");
}

/// The encoded `google.protobuf.FileDescriptorSet` of `kruntimes/runtime/v1/runtime.proto` and
/// every file it imports, with source info (comments), for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!("generated/kruntimes.runtime.v1.bin");

/// Longest `ExecutionStatus.message`, in bytes; runtimed cuts longer text at a character boundary.
pub const STATUS_MESSAGE_MAX_BYTES: usize = 1024;

/// Largest `LogChunk.data`, in bytes.
pub const LOG_CHUNK_MAX_BYTES: usize = 64 * 1024;

/// Longest `ExecutionId.run_uid`, in bytes.
pub const RUN_UID_MAX_BYTES: usize = 128;

impl v1::ExecutionState {
    /// Whether the state is final: SUCCEEDED, FAILED, TIMEOUT or CANCELLED.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Timeout | Self::Cancelled
        )
    }
}

impl v1::ExecutionId {
    /// The id of attempt `attempt` of the Run with UID `run_uid`.
    pub fn new(run_uid: impl Into<String>, attempt: u32) -> Self {
        Self {
            run_uid: run_uid.into(),
            attempt,
        }
    }
}

impl fmt::Display for v1::ExecutionId {
    /// `<run_uid>#<attempt>`, as used in log lines and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.run_uid, self.attempt)
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use prost_types::FileDescriptorSet;

    use super::v1::*;
    use super::*;

    #[test]
    fn execute_request_round_trips() {
        let request = ExecuteRequest {
            id: Some(ExecutionId::new("6f1c1e9e-0000-4000-8000-000000000001", 2)),
            runtime: "python".to_owned(),
            args: vec!["--verbose".to_owned()],
            env: [("GREETING".to_owned(), "hello".to_owned())].into(),
            entrypoint: "main.py".to_owned(),
            source: Some("print('hi')".to_owned()),
            timeout_ms: 30_000,
            limits: Some(ExecutionLimits {
                memory_bytes: 64 << 20,
                stdout_max_bytes: 1 << 20,
                stderr_max_bytes: 1 << 20,
            }),
            spec_digest: format!("sha256:{}", "ab".repeat(32)),
            labels: [("namespace".to_owned(), "default".to_owned())].into(),
        };
        let bytes = request.encode_to_vec();
        assert_eq!(ExecuteRequest::decode(bytes.as_slice()).unwrap(), request);
    }

    #[test]
    fn optional_fields_distinguish_unset_from_zero() {
        let status = ExecutionStatus {
            exit_code: Some(0),
            ..Default::default()
        };
        let decoded = ExecutionStatus::decode(status.encode_to_vec().as_slice()).unwrap();
        assert_eq!(decoded.exit_code, Some(0));
        assert_eq!(
            ExecutionStatus::decode(&[][..]).unwrap().exit_code,
            None,
            "an empty message has no exit code"
        );
    }

    #[test]
    fn descriptor_set_describes_the_service_and_its_imports() {
        let set = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).unwrap();
        let names: Vec<_> = set.file.iter().map(|f| f.name()).collect();
        assert!(
            names.contains(&"google/protobuf/timestamp.proto"),
            "{names:?}"
        );
        let file = set
            .file
            .iter()
            .find(|f| f.name() == "kruntimes/runtime/v1/runtime.proto")
            .unwrap();
        assert_eq!(file.package(), "kruntimes.runtime.v1");
        assert!(
            file.source_code_info.is_some(),
            "comments are kept for reflection"
        );

        let service = file.service.iter().find(|s| s.name() == "Runtime").unwrap();
        let methods: Vec<_> = service.method.iter().map(|m| m.name()).collect();
        assert_eq!(
            methods,
            [
                "Execute",
                "Status",
                "List",
                "Cancel",
                "Forget",
                "Health",
                "Logs",
                "ReadArtifact"
            ]
        );
        for method in &service.method {
            assert_eq!(
                method.server_streaming(),
                matches!(method.name(), "Logs" | "ReadArtifact")
            );
            assert!(!method.client_streaming());
        }
    }

    #[test]
    fn service_name_matches_the_proto() {
        use tonic::server::NamedService;
        struct Unused;
        assert_eq!(
            <runtime_server::RuntimeServer<Unused> as NamedService>::NAME,
            "kruntimes.runtime.v1.Runtime"
        );
    }

    #[test]
    fn terminal_states() {
        let terminal: Vec<_> = [
            ExecutionState::Unspecified,
            ExecutionState::Pending,
            ExecutionState::Running,
            ExecutionState::Succeeded,
            ExecutionState::Failed,
            ExecutionState::Timeout,
            ExecutionState::Cancelled,
        ]
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
        assert_eq!(
            terminal,
            [
                ExecutionState::Succeeded,
                ExecutionState::Failed,
                ExecutionState::Timeout,
                ExecutionState::Cancelled
            ]
        );
    }

    #[test]
    fn execution_id_displays_uid_and_attempt() {
        assert_eq!(ExecutionId::new("uid", 3).to_string(), "uid#3");
    }
}
