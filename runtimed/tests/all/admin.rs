//! `runtimed --metrics-addr`: the admin server's `/metrics` counts the Runs the engine ran, and `/readyz` is 200
//! while the gRPC API serves and 503 once runtimed drains.

use std::net::SocketAddr;

use clap::Parser;
use kruntimes_proto::v1::runtime_client::RuntimeClient;
use kruntimes_runtimed::daemon::{self, Args};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::grpc::{channel, execute, wait_terminal};
use crate::guests::HELLO;

/// A loopback port nothing listens on now (bound, then released).
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// `GET path` over HTTP/1.1: the status line's code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: runtimed\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let code = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_runs_and_readyz_follows_draining() {
    let _guard = crate::harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (grpc, admin) = (free_port(), free_port());
    let args = Args::try_parse_from([
        "runtimed".to_owned(),
        format!("--listen={grpc}"),
        format!("--metrics-addr={admin}"),
        format!("--workspace-root={}", dir.path().join("ws").display()),
        format!("--cache-dir={}", crate::harness::cache_dir().display()),
        format!("--component=hello={}", HELLO.path().display()),
    ])
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runtimed = tokio::spawn(daemon::run_with_client(args, None, async {
        let _ = stopped.await;
    }));

    // Both listeners are up once each accepts a connection (the admin server binds after the gRPC one).
    for addr in [grpc, admin] {
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    let mut client = RuntimeClient::new(channel(grpc).await);
    assert_eq!(get(admin, "/readyz").await, (200, "ok".to_owned()));
    client.execute(execute("m1", 1, HELLO)).await.unwrap();
    let status = wait_terminal(&mut client, "m1", 1).await;
    assert_eq!(status.reason, "Succeeded");

    let (code, metrics) = get(admin, "/metrics").await;
    assert_eq!(code, 200);
    assert!(
        metrics.contains(r#"runtimed_run_outcomes_total{phase="Succeeded",reason="Completed"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("runtimed_active_runs 0"), "{metrics}");

    stop.send(()).unwrap();
    runtimed.await.unwrap().unwrap();
    assert_eq!(get(admin, "/readyz").await.0, 503);
}
