//! The tonic service `kruntimes.runtime.v1.Runtime`: a thin adapter over the run [`Manager`].
//!
//! Each RPC converts the request with a function ([`crate::convert`]; bad input is `INVALID_ARGUMENT` naming the
//! field), calls the manager, and converts the answer back. Domain errors become status codes in one place,
//! [`error_status`], which also attaches [`Error::reason`] as the `kruntimes-reason` metadata entry.
//! The contract's semantics (duplicates, attempts, capacity, cancel, forget, drain) live in the manager, documented
//! in [`kruntimes_engine::manager`]; proto types go no further than this module and `convert`.
//!
//! # Why the service adapts `Manager` directly, without a trait at the seam
//!
//! STYLE rule 20 suggests a domain trait so RPCs can be unit-tested with a fake. Here the real manager is already
//! cheap to run in a test: in-process, a temporary directory, no cluster and no network. A fake would have to
//! re-implement exactly the behaviour the RPC tests must check (idempotence per id and digest, supersede, stale
//! attempts, capacity, cancel-before-return) and could drift from it. So `tests/all/grpc.rs` drives this service
//! over a real socket with the real manager and real guests, the conversions are unit-tested as pure functions in
//! `convert`, and this file keeps nothing worth faking. A trait can still be introduced if a second
//! implementation appears (for example a remote manager).

use std::pin::Pin;

use futures::Stream;
use kruntimes_proto::v1;
use kruntimes_proto::v1::runtime_server::{Runtime, RuntimeServer};
use tokio_util::sync::CancellationToken;
use tonic::metadata::MetadataValue;
use tonic::{Code, Request, Response, Status};

use crate::convert::{self, InvalidRequest};
use kruntimes_api::lifecycle::error_chain;
use kruntimes_engine::Error;
use kruntimes_engine::capabilities::PolicyError;
use kruntimes_engine::engine::WASMTIME_VERSION;
use kruntimes_engine::manager::Manager;

/// Metadata key carrying [`Error::reason`] (or `InvalidRequest`) on every error status.
pub const REASON_METADATA: &str = "kruntimes-reason";

/// Serves `kruntimes.runtime.v1.Runtime` from a [`Manager`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RuntimeService {
    manager: Manager,
    /// Cancelled when runtimed stops serving: open `Logs` streams then end with `UNAVAILABLE`.
    streams_end: CancellationToken,
    /// This pod's `filesystem` artifact store, which `ReadArtifact` serves.
    artifacts: Option<kruntimes_artifacts::Store>,
    /// Whether `Execute`, `Cancel` and `Forget` are served (see [`crate::ServeOptions::execution`]).
    execution: bool,
}

impl RuntimeService {
    /// A service over `manager`; `Logs` streams end with `UNAVAILABLE` once `streams_end` is cancelled.
    pub fn new(manager: Manager, streams_end: CancellationToken) -> Self {
        Self {
            manager,
            streams_end,
            artifacts: None,
            execution: true,
        }
    }

    /// Serves `Execute`, `Cancel` and `Forget` only when `enabled`; otherwise they answer `PERMISSION_DENIED`.
    #[must_use]
    pub fn with_execution(mut self, enabled: bool) -> Self {
        self.execution = enabled;
        self
    }

    /// `PERMISSION_DENIED` for an RPC that changes executions, when they are not served.
    fn check_execution(&self, rpc: &str) -> Result<(), Status> {
        if self.execution {
            return Ok(());
        }
        let mut status = Status::permission_denied(format!(
            "{rpc} is not served here: this runtimed takes its Runs from the Kubernetes API \
             (runtimed --grpc-execution serves Execute, Cancel and Forget)"
        ));
        if let Ok(value) = "ExecutionDisabled".parse() {
            status.metadata_mut().insert(REASON_METADATA, value);
        }
        Err(status)
    }

    /// Serves `ReadArtifact` from `store`, this pod's `filesystem` artifact store.
    #[must_use]
    pub fn with_artifact_store(mut self, store: Option<kruntimes_artifacts::Store>) -> Self {
        self.artifacts = store;
        self
    }

    /// The tonic server to add to a router.
    pub fn into_server(self) -> RuntimeServer<Self> {
        RuntimeServer::new(self)
    }
}

/// The `Logs` response stream.
type LogsStream = Pin<Box<dyn Stream<Item = Result<v1::LogsResponse, Status>> + Send>>;
/// The `ReadArtifact` response stream.
type ArtifactStream = Pin<Box<dyn Stream<Item = Result<v1::ReadArtifactResponse, Status>> + Send>>;
/// Largest `ReadArtifactResponse.data`.
const ARTIFACT_CHUNK_BYTES: usize = 64 * 1024;

#[tonic::async_trait]
impl Runtime for RuntimeService {
    #[tracing::instrument(skip_all, fields(run))]
    async fn execute(
        &self,
        request: Request<v1::ExecuteRequest>,
    ) -> Result<Response<v1::ExecuteResponse>, Status> {
        self.check_execution("Execute")?;
        let spec = convert::run_spec(request.into_inner())?;
        tracing::Span::current().record("run", tracing::field::display(&spec.id));
        let status = self.manager.submit(spec).await.map_err(error_status)?;
        tracing::debug!(state = ?status.state, "accepted");
        Ok(Response::new(v1::ExecuteResponse {
            status: Some(convert::execution_status(&status)),
        }))
    }

    async fn status(
        &self,
        request: Request<v1::StatusRequest>,
    ) -> Result<Response<v1::StatusResponse>, Status> {
        let id = convert::required_id(request.into_inner().id)?;
        let status = self.manager.status(&id).map_err(error_status)?;
        Ok(Response::new(v1::StatusResponse {
            status: Some(convert::execution_status(&status)),
        }))
    }

    async fn list(
        &self,
        request: Request<v1::ListRequest>,
    ) -> Result<Response<v1::ListResponse>, Status> {
        let filter = convert::list_filter(request.into_inner())?;
        let executions = self
            .manager
            .list_matching(&filter)
            .iter()
            .map(convert::execution_status)
            .collect();
        Ok(Response::new(v1::ListResponse { executions }))
    }

    #[tracing::instrument(skip_all, fields(run))]
    async fn cancel(
        &self,
        request: Request<v1::CancelRequest>,
    ) -> Result<Response<v1::CancelResponse>, Status> {
        self.check_execution("Cancel")?;
        let id = convert::required_id(request.into_inner().id)?;
        tracing::Span::current().record("run", tracing::field::display(&id));
        let status = self
            .manager
            .cancel_and_wait(&id)
            .await
            .map_err(error_status)?;
        Ok(Response::new(v1::CancelResponse {
            status: Some(convert::execution_status(&status)),
        }))
    }

    #[tracing::instrument(skip_all, fields(run))]
    async fn forget(
        &self,
        request: Request<v1::ForgetRequest>,
    ) -> Result<Response<v1::ForgetResponse>, Status> {
        self.check_execution("Forget")?;
        let id = convert::required_id(request.into_inner().id)?;
        tracing::Span::current().record("run", tracing::field::display(&id));
        self.manager.forget(&id).await.map_err(error_status)?;
        Ok(Response::new(v1::ForgetResponse {}))
    }

    async fn health(
        &self,
        _request: Request<v1::HealthRequest>,
    ) -> Result<Response<v1::HealthResponse>, Status> {
        let engine = format!("wasmtime {WASMTIME_VERSION}");
        Ok(Response::new(convert::health_response(
            &self.manager.health(),
            &engine,
        )))
    }

    type LogsStream = LogsStream;

    type ReadArtifactStream = ArtifactStream;

    async fn read_artifact(
        &self,
        request: Request<v1::ReadArtifactRequest>,
    ) -> Result<Response<Self::ReadArtifactStream>, Status> {
        let uri = request.into_inner().uri;
        Ok(Response::new(self.read_artifact_stream(&uri).await?))
    }

    async fn logs(
        &self,
        request: Request<v1::LogsRequest>,
    ) -> Result<Response<Self::LogsStream>, Status> {
        let query = convert::log_query(request.into_inner())?;
        // NOT_FOUND here, before the stream (and so before any message).
        let reader = self.manager.read_logs(&query).map_err(error_status)?;
        let streams_end = self.streams_end.clone();
        let stream = futures::stream::unfold(Some(reader), move |reader| {
            let streams_end = streams_end.clone();
            async move {
                let mut reader = reader?;
                tokio::select! {
                    biased;
                    () = streams_end.cancelled() => Some((
                        Err(Status::unavailable("runtimed is shutting down")),
                        None,
                    )),
                    event = reader.next() => event.map(|event| (Ok(convert::logs_response(event)), Some(reader))),
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

impl RuntimeService {
    /// `ReadArtifact`: the object's bytes in pieces of at most [`ARTIFACT_CHUNK_BYTES`].
    async fn read_artifact_stream(&self, uri: &str) -> Result<ArtifactStream, Status> {
        use futures::StreamExt;
        use kruntimes_artifacts::object_store::ObjectStoreExt;
        let Some(store) = &self.artifacts else {
            return Err(Status::failed_precondition(
                "this runtimed has no filesystem artifact store; read objects in S3, GCS or Azure from the \
                 store itself",
            ));
        };
        let key = store
            .key_of(uri)
            .map_err(|e| Status::invalid_argument(format!("uri: {e}")))?;
        let object = store.object_store().get(&key).await.map_err(|e| match e {
            kruntimes_artifacts::object_store::Error::NotFound { .. } => {
                Status::not_found(format!("no artifact {uri}"))
            }
            other => Status::internal(format!("reading {uri}: {other}")),
        })?;
        let stream = object.into_stream().flat_map(|chunk| {
            let pieces: Vec<Result<v1::ReadArtifactResponse, Status>> = match chunk {
                Ok(bytes) => bytes
                    .chunks(ARTIFACT_CHUNK_BYTES)
                    .map(|piece| {
                        Ok(v1::ReadArtifactResponse {
                            data: piece.to_vec(),
                        })
                    })
                    .collect(),
                Err(e) => vec![Err(Status::internal(format!("reading the artifact: {e}")))],
            };
            futures::stream::iter(pieces)
        });
        Ok(Box::pin(stream))
    }
}

// === errors ===

/// The one mapping from the engine's errors to gRPC codes (see each RPC in `runtime.proto`). A function, not a
/// `From` impl: both types are other crates'.
pub fn error_status(err: Error) -> Status {
    let code = match &err {
        Error::Policy(policy) if policy.reason() == "InvalidRuntime" => Code::FailedPrecondition,
        Error::Policy(_) | Error::InvalidRunId(_) => Code::InvalidArgument,
        Error::UnknownRuntime { .. } | Error::NotFound { .. } => Code::NotFound,
        Error::SpecConflict { .. } => Code::AlreadyExists,
        Error::StaleAttempt { .. } | Error::StillRunning { .. } => Code::FailedPrecondition,
        Error::AtCapacity { .. } => Code::ResourceExhausted,
        Error::Draining => Code::Unavailable,
        Error::ConfigureEngine { .. }
        | Error::BuildLinker { .. }
        | Error::CompileComponent { .. }
        | Error::LoadComponent { .. }
        | Error::PrepareComponent { .. }
        | Error::ComponentRefused { .. }
        | Error::CacheIo { .. }
        | Error::Workspace { .. }
        | Error::WorkspaceRoot { .. }
        | Error::Preopen { .. }
        | Error::ReadComponent { .. }
        | Error::Builtin { .. }
        | Error::Background { .. } => Code::Internal,
    };
    let message = match &err {
        Error::Policy(policy) => match policy_field(policy) {
            Some(field) => format!("{field}: {policy}"),
            None => policy.to_string(),
        },
        other => error_chain(other),
    };
    if code == Code::Internal {
        tracing::warn!(reason = err.reason(), error = %message, "request failed");
    }
    with_reason(Status::new(code, message), err.reason())
}

impl From<InvalidRequest> for Status {
    fn from(err: InvalidRequest) -> Self {
        with_reason(Status::invalid_argument(err.to_string()), "InvalidRequest")
    }
}

fn with_reason(mut status: Status, reason: &'static str) -> Status {
    status
        .metadata_mut()
        .insert(REASON_METADATA, MetadataValue::from_static(reason));
    status
}

/// The `ExecuteRequest` field a policy error is about, so the status names it; `None` for problems of the
/// Runtime's own declaration (not the request's fault).
fn policy_field(err: &PolicyError) -> Option<&'static str> {
    Some(match err {
        PolicyError::TimeoutTooLong { .. } | PolicyError::TimeoutZero => "timeout_ms",
        PolicyError::RequestedLimitTooHigh { field, .. }
        | PolicyError::RequestedLimitZero { field } => match *field {
            "memory limit" => "limits.memory_bytes",
            "stdout limit" => "limits.stdout_max_bytes",
            _ => "limits.stderr_max_bytes",
        },
        PolicyError::ReservedEnv { .. } | PolicyError::InvalidEnv { .. } => "env",
        PolicyError::TooLarge { field, .. } => field,
        PolicyError::InvalidArg { .. } => "args",
        PolicyError::InvalidEntrypoint { .. } => "entrypoint",
        PolicyError::SourceWithoutEntrypoint | PolicyError::SourceTooLarge { .. } => "source",
        PolicyError::RuntimeLimitTooHigh { .. }
        | PolicyError::RuntimeLimitZero { .. }
        | PolicyError::InvalidNetworkRule { .. }
        | PolicyError::NetworkDisabled
        | PolicyError::InvalidMount { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kruntimes_engine::RunId;

    /// Every contract error has its documented code and carries its reason as metadata.
    #[test]
    fn domain_errors_map_to_contract_codes_with_reason() {
        let id = RunId::new("u", 1).unwrap();
        let cases = [
            (Error::NotFound { id: id.clone() }, Code::NotFound),
            (
                Error::UnknownRuntime {
                    name: "x".to_owned(),
                },
                Code::NotFound,
            ),
            (Error::SpecConflict { id: id.clone() }, Code::AlreadyExists),
            (
                Error::StaleAttempt {
                    uid: "u".to_owned(),
                    attempt: 1,
                    current: 2,
                },
                Code::FailedPrecondition,
            ),
            (Error::StillRunning { id }, Code::FailedPrecondition),
            (Error::AtCapacity { limit: 2 }, Code::ResourceExhausted),
            (Error::Draining, Code::Unavailable),
            (
                Error::Policy(PolicyError::TimeoutZero),
                Code::InvalidArgument,
            ),
            (
                Error::Policy(PolicyError::NetworkDisabled),
                Code::FailedPrecondition,
            ),
        ];
        for (err, code) in cases {
            let reason = err.reason();
            let status = error_status(err);
            assert_eq!(status.code(), code, "{}", status.message());
            assert_eq!(
                status
                    .metadata()
                    .get(REASON_METADATA)
                    .unwrap()
                    .to_str()
                    .unwrap(),
                reason
            );
        }
    }

    /// Policy errors about the request name the proto field.
    #[test]
    fn policy_errors_name_the_request_field() {
        let status = error_status(Error::Policy(PolicyError::RequestedLimitTooHigh {
            field: "memory limit",
            requested: "8 GiB".to_owned(),
            limit: "4 GiB".to_owned(),
            by: "host's",
        }));
        assert_eq!(
            status.message(),
            "limits.memory_bytes: requested memory limit of 8 GiB exceeds the host's limit of 4 GiB"
        );
        let status = Status::from(InvalidRequest {
            field: "id.attempt".to_owned(),
            problem: "must be at least 1".to_owned(),
        });
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "id.attempt must be at least 1");
    }
}
