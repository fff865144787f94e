//! The gRPC API end to end: [`kruntimes_runtimed::serve`] on `127.0.0.1:0` with the real engine and real guests, a
//! tonic client over a real socket, and an independent client (Python `grpcio`, C-core) for wire compatibility.
//!
//! Each test checks one clause of the contract in `proto/kruntimes/runtime/v1/runtime.proto`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kruntimes_engine::{ManagerConfig, RuntimePolicy};
use kruntimes_proto::v1::runtime_client::RuntimeClient;
use kruntimes_proto::v1::{
    CancelRequest, ExecuteRequest, ExecutionId, ExecutionState, ExecutionStatus, ForgetRequest,
    HealthRequest, ListRequest, LogSelector, LogStream, LogsEnd, LogsRequest, StatusRequest,
    logs_response,
};
use kruntimes_runtimed::ServeOptions;
use kruntimes_runtimed::service::REASON_METADATA;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::guests::{self, Guest};
use crate::harness::{Host, TEST_GUARD};

/// Runtimes every test server has, by the guest's name.
const RUNTIMES: [Guest; 4] = [
    guests::HELLO,
    guests::SLEEP_FOREVER,
    guests::SPIN_FOREVER,
    guests::WRITE_OUTPUT,
];

/// A runtimed gRPC server on an ephemeral port, and a client connected to it.
struct TestServer {
    addr: SocketAddr,
    client: RuntimeClient<Channel>,
    host: Host,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<kruntimes_runtimed::Result<()>>,
}

impl TestServer {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(configure: impl FnOnce(&mut ManagerConfig)) -> Self {
        Self::start_serving(configure, true).await
    }

    /// A server that serves `Execute`, `Cancel` and `Forget` only when `execution` (runtimed with its Kubernetes
    /// agent turns them off).
    async fn start_serving(configure: impl FnOnce(&mut ManagerConfig), execution: bool) -> Self {
        let host = Host::with(configure).await;
        for guest in RUNTIMES {
            host.register(guest.0, guest, RuntimePolicy::default())
                .await;
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stop) = oneshot::channel::<()>();
        let options = ServeOptions {
            drain_timeout: Duration::from_millis(300),
            close_timeout: Duration::from_millis(300),
            artifact_store: None,
            execution,
        };
        let task = tokio::spawn(kruntimes_runtimed::serve(
            listener,
            host.manager.clone(),
            options,
            async {
                let _ = stop.await;
            },
        ));
        Self {
            addr,
            client: RuntimeClient::new(channel(addr).await),
            host,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// Triggers the shutdown protocol and waits for `serve` to return.
    async fn stop(mut self) -> kruntimes_runtimed::Result<()> {
        let _ = self.shutdown.take().unwrap().send(());
        tokio::time::timeout(TEST_GUARD, self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap()
    }
}

pub(crate) async fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

fn id(uid: &str, attempt: u32) -> Option<ExecutionId> {
    Some(ExecutionId::new(uid, attempt))
}

/// A valid request to run `guest` as execution `uid#attempt`.
pub(crate) fn execute(uid: &str, attempt: u32, guest: Guest) -> ExecuteRequest {
    ExecuteRequest {
        id: id(uid, attempt),
        runtime: guest.0.to_owned(),
        spec_digest: format!("sha256:{uid}-{attempt}"),
        ..ExecuteRequest::default()
    }
}

async fn status(client: &mut RuntimeClient<Channel>, uid: &str, attempt: u32) -> ExecutionStatus {
    client
        .status(StatusRequest {
            id: id(uid, attempt),
        })
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap()
}

/// Polls `Status` until the execution is terminal (at most [`TEST_GUARD`]).
pub(crate) async fn wait_terminal(
    client: &mut RuntimeClient<Channel>,
    uid: &str,
    attempt: u32,
) -> ExecutionStatus {
    let deadline = Instant::now() + TEST_GUARD;
    loop {
        let status = status(client, uid, attempt).await;
        if status.state().is_terminal() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{uid}#{attempt} never ended: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Everything a `Logs` stream sent: stdout, stderr, and the end marker if it ended normally.
#[derive(Debug, Default)]
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    end: Option<LogsEnd>,
    /// Offset of the first chunk of each stream.
    stdout_start: Option<u64>,
    stderr_start: Option<u64>,
}

async fn collect_logs(client: &mut RuntimeClient<Channel>, request: LogsRequest) -> Collected {
    let mut stream = client.logs(request).await.unwrap().into_inner();
    let mut collected = Collected::default();
    while let Some(message) = tokio::time::timeout(TEST_GUARD, stream.message())
        .await
        .expect("the Logs stream makes progress")
        .unwrap()
    {
        assert!(collected.end.is_none(), "nothing may follow LogsEnd");
        match message.event.unwrap() {
            logs_response::Event::Chunk(chunk) => {
                let (out, start) = match chunk.stream() {
                    LogStream::Stdout => (&mut collected.stdout, &mut collected.stdout_start),
                    LogStream::Stderr => (&mut collected.stderr, &mut collected.stderr_start),
                    LogStream::Unspecified => panic!("chunk without a stream"),
                };
                // `tail_bytes` may skip bytes before the first chunk; none after.
                let start = *start.get_or_insert(chunk.offset);
                assert_eq!(
                    chunk.offset,
                    start + out.len() as u64,
                    "chunks arrive in order, without gaps"
                );
                out.extend_from_slice(&chunk.data);
            }
            logs_response::Event::End(end) => collected.end = Some(end),
        }
    }
    collected
}

/// Asserts `result` failed with `code`, a message containing `text`, and the reason metadata.
fn assert_status<T: std::fmt::Debug>(result: Result<T, Status>, code: Code, text: &str) -> Status {
    let status = result.expect_err("the call must fail");
    assert_eq!(status.code(), code, "{status:?}");
    assert!(
        status.message().contains(text),
        "{:?} does not mention {text:?}",
        status.message()
    );
    assert!(
        status.metadata().get(REASON_METADATA).is_some(),
        "no reason metadata: {status:?}"
    );
    status
}

/// Execute returns at once with a non-terminal status; Status reaches SUCCEEDED with exit code, grants and usage;
/// Logs returns the guest's stdout; Forget makes the id unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_runs_hello_to_success_and_logs_return_stdout() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    let mut request = execute("hello-1", 1, guests::HELLO);
    request.args = vec!["world".to_owned()];
    request.env = [("GREETING".to_owned(), "hi".to_owned())].into();
    request.labels = [("namespace".to_owned(), "default".to_owned())].into();
    let accepted = client
        .execute(request)
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    assert!(
        matches!(
            accepted.state(),
            ExecutionState::Pending | ExecutionState::Running | ExecutionState::Succeeded
        ),
        "{accepted:?}"
    );
    assert!(accepted.accept_time.is_some());
    assert_eq!(accepted.labels["namespace"], "default");

    let done = wait_terminal(client, "hello-1", 1).await;
    assert_eq!(done.state(), ExecutionState::Succeeded, "{done:?}");
    assert_eq!(
        (done.reason.as_str(), done.exit_code),
        ("Succeeded", Some(0))
    );
    assert_eq!(done.spec_digest, "sha256:hello-1-1");
    let grants = done.grants.as_ref().unwrap();
    assert!(grants.env_names.contains(&"GREETING".to_owned()));
    assert_eq!(grants.preopens[0].guest_path, "/workspace");
    assert!(done.usage.unwrap().wall_time_us > 0);
    assert!(done.start_time.is_some() && done.finish_time.is_some());

    let logs = collect_logs(
        client,
        LogsRequest {
            id: id("hello-1", 1),
            ..LogsRequest::default()
        },
    )
    .await;
    let stdout = String::from_utf8(logs.stdout).unwrap();
    assert!(stdout.starts_with("hello from test-guests\n"), "{stdout}");
    assert!(
        stdout.contains("arg[1]=world\n") && stdout.contains("env GREETING=hi\n"),
        "{stdout}"
    );
    let end = logs.end.expect("LogsEnd");
    assert_eq!(end.state(), ExecutionState::Succeeded);
    assert_eq!(end.stdout_bytes, done.stdout_bytes);
    assert_eq!(end.stdout_bytes as usize, stdout.len());

    // tail_bytes: only the end of the retained output.
    let tail = collect_logs(
        client,
        LogsRequest {
            id: id("hello-1", 1),
            streams: LogSelector::Stdout.into(),
            tail_bytes: Some(10),
            ..LogsRequest::default()
        },
    )
    .await;
    assert_eq!(tail.stdout, stdout.as_bytes()[stdout.len() - 10..]);

    client
        .forget(ForgetRequest {
            id: id("hello-1", 1),
        })
        .await
        .unwrap();
    assert_status(
        client
            .status(StatusRequest {
                id: id("hello-1", 1),
            })
            .await,
        Code::NotFound,
        "hello-1#1",
    );
    // Its output is still readable after forget (the logs `krt logs` shows after the agent forgot the Run).
    let after = collect_logs(
        client,
        LogsRequest {
            id: id("hello-1", 1),
            follow: true,
            ..LogsRequest::default()
        },
    )
    .await;
    assert_eq!(after.stdout, stdout.as_bytes());
    assert_eq!(
        after.end.expect("LogsEnd").state(),
        ExecutionState::Succeeded
    );
    server.stop().await.unwrap();
}

/// The same id and digest twice is one execution (no second start); a different digest is ALREADY_EXISTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_execute_is_idempotent_and_a_different_digest_already_exists() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    let request = execute("dup", 1, guests::SLEEP_FOREVER);
    let first = client
        .execute(request.clone())
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    let second = client
        .execute(request.clone())
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    assert_eq!(first.accept_time, second.accept_time, "the same execution");
    assert_eq!(server.host.manager.running(), 1, "nothing else started");
    let health = client.health(HealthRequest {}).await.unwrap().into_inner();
    assert_eq!(
        (health.active_executions, health.retained_executions),
        (1, 1)
    );

    let mut changed = request.clone();
    changed.spec_digest = "sha256:other".to_owned();
    assert_status(client.execute(changed).await, Code::AlreadyExists, "dup#1");

    client
        .cancel(CancelRequest { id: id("dup", 1) })
        .await
        .unwrap();
    // Still idempotent once terminal: the existing status, nothing started.
    let again = client
        .execute(request)
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    assert_eq!(again.state(), ExecutionState::Cancelled);
    server.stop().await.unwrap();
}

/// Status, Cancel, Forget and Logs of an unknown id are NOT_FOUND (Logs before any message).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_not_found() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    let unknown = || id("never-seen", 1);
    assert_status(
        client.status(StatusRequest { id: unknown() }).await,
        Code::NotFound,
        "never-seen#1",
    );
    assert_status(
        client.cancel(CancelRequest { id: unknown() }).await,
        Code::NotFound,
        "never-seen#1",
    );
    assert_status(
        client.forget(ForgetRequest { id: unknown() }).await,
        Code::NotFound,
        "never-seen#1",
    );
    let logs = client
        .logs(LogsRequest {
            id: unknown(),
            follow: true,
            ..LogsRequest::default()
        })
        .await;
    let status = assert_status(logs.map(|_| ()), Code::NotFound, "never-seen#1");
    assert_eq!(
        status
            .metadata()
            .get(REASON_METADATA)
            .unwrap()
            .to_str()
            .unwrap(),
        "NotFound"
    );
    let mut request = execute("no-runtime", 1, guests::HELLO);
    request.runtime = "no-such-runtime".to_owned();
    assert_status(
        client.execute(request).await,
        Code::NotFound,
        "no-such-runtime",
    );
    server.stop().await.unwrap();
}

/// With execution off (runtimed whose Kubernetes agent executes the pod's Runs), Execute, Cancel and Forget are
/// PERMISSION_DENIED, saying how to turn them on, and run or change nothing; the read-only RPCs still answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_execution_only_the_read_only_rpcs_are_served() {
    let mut server = TestServer::start_serving(|_| {}, false).await;
    let client = &mut server.client;
    for (rpc, result) in [
        (
            "Execute",
            client
                .execute(execute("denied", 1, guests::HELLO))
                .await
                .map(|_| ()),
        ),
        (
            "Cancel",
            client
                .cancel(CancelRequest {
                    id: id("denied", 1),
                })
                .await
                .map(|_| ()),
        ),
        (
            "Forget",
            client
                .forget(ForgetRequest {
                    id: id("denied", 1),
                })
                .await
                .map(|_| ()),
        ),
    ] {
        let status = assert_status(result, Code::PermissionDenied, "--grpc-execution");
        assert!(status.message().starts_with(rpc), "{status:?}");
        assert_eq!(
            status
                .metadata()
                .get(REASON_METADATA)
                .unwrap()
                .to_str()
                .unwrap(),
            "ExecutionDisabled"
        );
    }
    // Nothing ran: the denied Execute left no execution behind.
    let listed = client.list(ListRequest::default()).await.unwrap();
    assert!(listed.get_ref().executions.is_empty(), "{listed:?}");
    assert_status(
        client
            .status(StatusRequest {
                id: id("denied", 1),
            })
            .await,
        Code::NotFound,
        "denied#1",
    );
    client.health(HealthRequest::default()).await.unwrap();
    server.stop().await.unwrap();
}

/// Forget of a running execution is FAILED_PRECONDITION; Cancel of a spinning guest returns an already
/// CANCELLED status; then Forget succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_spinning_guest_and_forget_waits_for_it() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    client
        .execute(execute("spin", 1, guests::SPIN_FOREVER))
        .await
        .unwrap();
    assert_status(
        client.forget(ForgetRequest { id: id("spin", 1) }).await,
        Code::FailedPrecondition,
        "still running",
    );
    let cancelled = client
        .cancel(CancelRequest { id: id("spin", 1) })
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap();
    assert_eq!(
        cancelled.state(),
        ExecutionState::Cancelled,
        "terminal before Cancel returns"
    );
    assert_eq!(cancelled.reason, "Cancelled");
    assert_eq!(cancelled.exit_code, None);
    // Idempotent.
    let again = client
        .cancel(CancelRequest { id: id("spin", 1) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.status.unwrap().finish_time, cancelled.finish_time);
    client
        .forget(ForgetRequest { id: id("spin", 1) })
        .await
        .unwrap();
    assert!(server.host.manager.workspace_entries().unwrap().is_empty());
    server.stop().await.unwrap();
}

/// A higher attempt supersedes the running lower one (CANCELLED, reason Superseded), which stays listed until
/// forgotten; then the lower attempt is stale (FAILED_PRECONDITION). List filters by state and UID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn higher_attempts_supersede_and_lower_ones_are_stale() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    client
        .execute(execute("retry", 1, guests::SLEEP_FOREVER))
        .await
        .unwrap();
    client
        .execute(execute("retry", 2, guests::SLEEP_FOREVER))
        .await
        .unwrap();
    let old = status(client, "retry", 1).await;
    assert_eq!(
        (old.state(), old.reason.as_str()),
        (ExecutionState::Cancelled, "Superseded")
    );

    let listed = client
        .list(ListRequest {
            run_uid: "retry".to_owned(),
            ..ListRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .executions;
    let attempts: Vec<u32> = listed
        .iter()
        .map(|s| s.id.as_ref().unwrap().attempt)
        .collect();
    assert_eq!(attempts, [1, 2]);
    let cancelled = client
        .list(ListRequest {
            states: vec![ExecutionState::Cancelled.into()],
            ..ListRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .executions;
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].id, id("retry", 1));

    client
        .forget(ForgetRequest { id: id("retry", 1) })
        .await
        .unwrap();
    assert_status(
        client
            .execute(execute("retry", 1, guests::SLEEP_FOREVER))
            .await,
        Code::FailedPrecondition,
        "stale",
    );
    client
        .cancel(CancelRequest { id: id("retry", 2) })
        .await
        .unwrap();
    server.stop().await.unwrap();
}

/// Beyond the capacity Execute is RESOURCE_EXHAUSTED; Health reports the capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_is_resource_exhausted() {
    let mut server = TestServer::start_with(|config| config.max_concurrent_runs = Some(1)).await;
    let client = &mut server.client;
    client
        .execute(execute("cap-a", 1, guests::SLEEP_FOREVER))
        .await
        .unwrap();
    assert_status(
        client.execute(execute("cap-b", 1, guests::HELLO)).await,
        Code::ResourceExhausted,
        "capacity",
    );
    let health = client.health(HealthRequest {}).await.unwrap().into_inner();
    assert!(health.serving);
    assert_eq!((health.active_executions, health.capacity), (1, 1));
    assert!(health.engine_version.starts_with("wasmtime "), "{health:?}");
    server.stop().await.unwrap();
}

/// A following Logs stream receives output while the guest still runs, and ends with LogsEnd once it is
/// terminal; without follow the stream ends at once even though the execution is running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_streams_live_output_until_the_end() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    client
        .execute(execute("follow", 1, guests::SLEEP_FOREVER))
        .await
        .unwrap();
    let mut stream = client
        .logs(LogsRequest {
            id: id("follow", 1),
            follow: true,
            ..LogsRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(TEST_GUARD, stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Some(logs_response::Event::Chunk(chunk)) = first.event else {
        panic!("expected a chunk first: {first:?}")
    };
    assert_eq!(
        (chunk.stream(), &chunk.data[..]),
        (LogStream::Stdout, &b"sleeping\n"[..])
    );
    assert_eq!(
        status(client, "follow", 1).await.state(),
        ExecutionState::Running,
        "live, not replayed"
    );

    // Without follow: what is retained, then LogsEnd with the current (running) state.
    let snapshot = collect_logs(
        client,
        LogsRequest {
            id: id("follow", 1),
            ..LogsRequest::default()
        },
    )
    .await;
    assert_eq!(snapshot.stdout, b"sleeping\n");
    assert_eq!(snapshot.end.unwrap().state(), ExecutionState::Running);

    client
        .cancel(CancelRequest {
            id: id("follow", 1),
        })
        .await
        .unwrap();
    let last = tokio::time::timeout(TEST_GUARD, stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Some(logs_response::Event::End(end)) = last.event else {
        panic!("expected the end: {last:?}")
    };
    assert_eq!(end.state(), ExecutionState::Cancelled);
    assert_eq!(end.stdout_bytes, 9);
    assert!(
        stream.message().await.unwrap().is_none(),
        "the stream ends after LogsEnd"
    );

    // A chatty guest: everything retained arrives in order, truncation is reported by the counters.
    let mut request = execute("chatty", 1, guests::WRITE_OUTPUT);
    request.args = vec!["300000".to_owned(), "chunks".to_owned()];
    request.limits = Some(kruntimes_proto::v1::ExecutionLimits {
        stdout_max_bytes: 100_000,
        ..Default::default()
    });
    client.execute(request).await.unwrap();
    let followed = collect_logs(
        client,
        LogsRequest {
            id: id("chatty", 1),
            follow: true,
            streams: LogSelector::Both.into(),
            ..LogsRequest::default()
        },
    )
    .await;
    let end = followed.end.unwrap();
    assert_eq!(end.state(), ExecutionState::Succeeded);
    assert_eq!(followed.stdout.len(), 100_000);
    assert_eq!((end.stdout_bytes, end.stdout_truncated), (300_000, true));
    server.stop().await.unwrap();
}

/// Empty UID, attempt 0 and an absolute entrypoint are INVALID_ARGUMENT naming the field; so is a limit above
/// the host's maximum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_name_the_field() {
    let mut server = TestServer::start().await;
    let client = &mut server.client;
    let mut request = execute("x", 1, guests::HELLO);
    request.id = id("", 1);
    assert_status(
        client.execute(request).await,
        Code::InvalidArgument,
        "id.run_uid",
    );
    let request = execute("x", 0, guests::HELLO);
    assert_status(
        client.execute(request).await,
        Code::InvalidArgument,
        "id.attempt",
    );
    let mut request = execute("x", 1, guests::HELLO);
    request.entrypoint = "/etc/passwd".to_owned();
    assert_status(
        client.execute(request).await,
        Code::InvalidArgument,
        "entrypoint",
    );
    let mut request = execute("x", 1, guests::HELLO);
    request.spec_digest.clear();
    assert_status(
        client.execute(request).await,
        Code::InvalidArgument,
        "spec_digest",
    );
    let mut request = execute("x", 1, guests::HELLO);
    request.limits = Some(kruntimes_proto::v1::ExecutionLimits {
        memory_bytes: 64 << 30,
        ..Default::default()
    });
    assert_status(
        client.execute(request).await,
        Code::InvalidArgument,
        "limits.memory_bytes",
    );
    assert_status(
        client.status(StatusRequest { id: None }).await,
        Code::InvalidArgument,
        "id",
    );
    assert_status(
        client.cancel(CancelRequest { id: id("x", 0) }).await,
        Code::InvalidArgument,
        "id.attempt",
    );
    assert!(
        server.host.manager.list().is_empty(),
        "nothing was accepted"
    );
    server.stop().await.unwrap();
}

/// grpc.health.v1 reports SERVING for the Runtime service and reflection lists it; after shutdown begins,
/// Execute is UNAVAILABLE, the active Run is cancelled with reason Shutdown once the grace period ends, and
/// `serve` returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reflection_and_shutdown_protocol() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    let mut server = TestServer::start().await;
    let mut health = HealthClient::new(channel(server.addr).await);
    for service in ["kruntimes.runtime.v1.Runtime", ""] {
        let response = health
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.status(), ServingStatus::Serving, "{service:?}");
    }
    assert!(
        reflected_services(server.addr)
            .await
            .contains(&"kruntimes.runtime.v1.Runtime".to_owned())
    );

    let client = &mut server.client;
    client
        .execute(execute("drain", 1, guests::SLEEP_FOREVER))
        .await
        .unwrap();
    let mut watch = health
        .watch(HealthCheckRequest {
            service: "kruntimes.runtime.v1.Runtime".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.message().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let manager = server.host.manager.clone();
    let mut client = server.client.clone();
    let _ = server.shutdown.take().unwrap().send(());
    // Draining: health flips, Execute is refused, Status still answers.
    assert_eq!(
        watch.message().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    let during = client.health(HealthRequest {}).await.unwrap().into_inner();
    assert!(!during.serving);
    assert_status(
        client.execute(execute("late", 1, guests::HELLO)).await,
        Code::Unavailable,
        "shutting down",
    );
    tokio::time::timeout(TEST_GUARD, server.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let status = manager
        .status(&kruntimes_engine::RunId::new("drain", 1).unwrap())
        .unwrap();
    assert_eq!(status.outcome.unwrap().reason.as_str(), "Shutdown");
    assert!(
        client.health(HealthRequest {}).await.is_err(),
        "the server stopped"
    );
}

/// The service names gRPC reflection (v1) lists at `addr`.
async fn reflected_services(addr: SocketAddr) -> Vec<String> {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let mut client = ServerReflectionClient::new(channel(addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(futures::stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    match response.message_response.unwrap() {
        MessageResponse::ListServicesResponse(list) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection response {other:?}"),
    }
}

/// The repository root (for `.venv` and the compat client).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An independent client (Python `grpcio`, gRPC C-core, stubs generated from the `.proto` at run time) drives
/// Execute/Status/List/Logs/Cancel/Forget/Health against the real server: wire compatibility beyond tonic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_grpcio_client_agrees_with_the_contract() {
    let server = TestServer::start().await;
    let root = repo_root();
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask test` (or create .venv from tools/requirements.txt)",
        python.display()
    );
    let script = root.join("runtimed/tests/grpc_compat/client.py");
    let addr = server.addr.to_string();
    let output = tokio::time::timeout(
        TEST_GUARD,
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(python)
                .arg(script)
                .arg(addr)
                .current_dir(root)
                .output()
        }),
    )
    .await
    .expect("the compat client finishes")
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "grpc_compat/client.py failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    eprintln!("{stdout}");
    server.stop().await.unwrap();
}
