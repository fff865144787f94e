//! Serving runtimed's gRPC API on an injected listener until an injected shutdown future resolves.
//!
//! [`serve`] runs, on one port: `kruntimes.runtime.v1.Runtime` ([`crate::service`]), `grpc.health.v1.Health`
//! (`SERVING` for the Runtime service and the server as a whole) and gRPC reflection v1 (from
//! [`kruntimes_proto::FILE_DESCRIPTOR_SET`]), so `grpcurl` and `grpc_health_probe` work without a `.proto`.
//!
//! # Shutdown protocol
//!
//! 1. `shutdown` resolves (SIGTERM or Ctrl-C in runtimed, anything in tests).
//! 2. **Stop accepting work**: `Execute` answers `UNAVAILABLE`, `Health` reports `serving: false` and
//!    `grpc.health.v1` reports `NOT_SERVING`, so readiness fails and the scheduler places elsewhere. Every other
//!    RPC keeps working, so the agent can still read statuses and logs.
//! 3. **Drain**: wait up to [`ServeOptions::drain_timeout`] for active executions to end on their own, then
//!    cancel the rest (state `CANCELLED`, reason `Shutdown`) and wait for them ([`Manager::drain`]).
//! 4. **Close**: open `Logs` streams end with `UNAVAILABLE`, the listener stops accepting, and in-flight RPCs
//!    may complete (tonic's graceful shutdown) for up to [`ServeOptions::close_timeout`]; connections still busy
//!    after that (a client watching `grpc.health.v1` forever, for example) are dropped.
//! 5. [`serve`] returns. Retained executions are not persisted: after a restart every id is unknown.

use std::future::Future;
use std::time::Duration;

use kruntimes_proto::v1::runtime_server::RuntimeServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::error::{Error, Result};
use crate::service::RuntimeService;
use kruntimes_engine::manager::Manager;

/// Default grace period for active executions at shutdown. Kubernetes' default
/// `terminationGracePeriodSeconds` is 30 s; runtimed must finish draining before the kubelet kills it.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(25);

/// Default time in-flight RPCs get to complete once the server closes (step 4 of the protocol).
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// How [`serve`] behaves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// How long active executions may keep running after shutdown begins (step 3 of the protocol).
    pub drain_timeout: Duration,
    /// How long in-flight RPCs may take to complete once the server closes (step 4).
    pub close_timeout: Duration,
    /// This pod's `filesystem` artifact store, served by `ReadArtifact` (None: that RPC answers
    /// `FAILED_PRECONDITION`).
    pub artifact_store: Option<kruntimes_artifacts::Store>,
    /// Whether `Execute`, `Cancel` and `Forget` are served. runtimed turns them off when its Kubernetes agent
    /// executes the pod's Runs (unless `--grpc-execution`): there the Run objects and their RBAC are the way in,
    /// and whoever can port-forward to the pod must not be able to run code or end other users' Runs. The
    /// read-only RPCs (`Health`, `Status`, `List`, `Logs`, `ReadArtifact`) are always served.
    pub execution: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            artifact_store: None,
            execution: true,
        }
    }
}

/// Serves the gRPC API of `manager` on `listener` until `shutdown` resolves, then follows the shutdown protocol
/// (module docs) and returns.
///
/// # Errors
///
/// [`Error::Reflection`] if the reflection service cannot be built, [`Error::Serve`] if the server fails (it
/// then stops at once, without draining), the engine's [`Background`](kruntimes_engine::Error::Background) if the
/// server task panicked.
pub async fn serve(
    listener: TcpListener,
    manager: Manager,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<RuntimeServer<RuntimeService>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(kruntimes_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|source| Error::Reflection { source })?;

    let streams_end = CancellationToken::new();
    let stop = CancellationToken::new();
    let runtime = RuntimeService::new(manager.clone(), streams_end.clone())
        .with_artifact_store(options.artifact_store.clone())
        .with_execution(options.execution)
        .into_server();
    // Small unary messages: without TCP_NODELAY, Nagle plus delayed ACKs can add tens of milliseconds.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let router = Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(runtime);
    // On its own task: it must keep answering Status and Logs while we drain.
    let mut server =
        tokio::spawn(router.serve_with_incoming_shutdown(incoming, stop.clone().cancelled_owned()));

    tokio::select! {
        ended = &mut server => return joined(ended),
        () = shutdown => {}
    }
    tracing::info!(drain_timeout = ?options.drain_timeout, "shutting down: draining active Runs");
    health
        .set_not_serving::<RuntimeServer<RuntimeService>>()
        .await;
    // "" is the server as a whole, what `grpc_health_probe` asks by default.
    health
        .set_service_status("", tonic_health::ServingStatus::NotServing)
        .await;
    let drained = manager.drain(options.drain_timeout).await;
    tracing::info!(
        finished = drained.finished,
        cancelled = drained.cancelled,
        "drained; closing the gRPC server"
    );
    streams_end.cancel();
    stop.cancel();
    match tokio::time::timeout(options.close_timeout, &mut server).await {
        Ok(ended) => joined(ended),
        Err(_elapsed) => {
            tracing::warn!(close_timeout = ?options.close_timeout, "RPCs still open; dropping their connections");
            server.abort();
            Ok(())
        }
    }
}

fn joined(
    ended: std::result::Result<
        std::result::Result<(), tonic::transport::Error>,
        tokio::task::JoinError,
    >,
) -> Result<()> {
    ended
        .map_err(|source| kruntimes_engine::Error::Background { source })?
        .map_err(|source| Error::Serve { source })
}
