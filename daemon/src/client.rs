//! The Kubernetes client of a long-running process.
//!
//! kube's default client waits for a response without limit: a request sent on a connection that the API server
//! never answers (a half-open connection, a server stuck in start-up) would leave its caller deaf for as long, e.g.
//! a controller whose watch of Runtimes does not see a new Runtime. Here every request must *start* its response
//! (status line and headers) within [`RESPONSE_START_TIMEOUT`], or it fails and its caller retries it as any
//! connection error. The response body of a watch is limited to its `timeoutSeconds` plus [`WATCH_GRACE`]
//! ([`deadline`]). (The long silences seen after a kube-apiserver restart, which these limits were first written
//! for, were kube's watch backoff pausing our own reads: see [`crate::watch`].)

use std::time::Duration;

use kube::client::ClientBuilder;
use kube::{Client, Config};
use tower::timeout::TimeoutLayer;

pub mod deadline;

use deadline::WatchDeadlineLayer;
pub use deadline::{WATCH_GRACE, watch_limit};

/// How long a request may wait for its response to start. The API server answers a healthy request in
/// milliseconds, starts a watch's response at once, and ends any other request itself after 60 s
/// (`--request-timeout`); a paged list (500 items) starts in well under a second.
pub const RESPONSE_START_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for the cluster the process runs in (or `$KUBECONFIG`/`~/.kube/config` outside one).
pub async fn infer() -> Result<Client, kube::Error> {
    let config = Config::infer().await.map_err(kube::Error::InferConfig)?;
    from_config(config)
}

/// A client from `config` whose requests must start their response within [`RESPONSE_START_TIMEOUT`], and whose
/// watches end at the latest [`WATCH_GRACE`] after their `timeoutSeconds`.
pub fn from_config(config: Config) -> Result<Client, kube::Error> {
    with_limits(config, RESPONSE_START_TIMEOUT, WATCH_GRACE)
}

fn with_limits(config: Config, start: Duration, grace: Duration) -> Result<Client, kube::Error> {
    Ok(ClientBuilder::try_from(config)?
        .with_layer(&TimeoutLayer::new(start))
        .with_layer(&WatchDeadlineLayer::new(grace))
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "test code: a panic is the failure report"
    )]

    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server on loopback that accepts one connection, reads the request and hands the connection to `answer`;
    /// the client configuration that reaches it.
    async fn one_connection<F, Fut>(answer: F) -> Config
    where
        F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = server.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            answer(conn).await;
        });
        Config::new(format!("http://{addr}").parse().unwrap())
    }

    /// A server that accepts a connection and reads the request but never answers: the request fails after the
    /// timeout instead of waiting for ever. A second server that answers slowly but starts its response in time
    /// is read to the end.
    #[tokio::test]
    async fn a_request_that_gets_no_response_fails_after_the_timeout() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = silent.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                let (mut conn, _) = silent.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                held.push(conn); // never answered, never closed
            }
        });
        let config = Config::new(format!("http://{addr}").parse().unwrap());
        let client = with_limits(config, Duration::from_millis(300), WATCH_GRACE).unwrap();
        let request = client.request_text(http::Request::get("/version").body(Vec::new()).unwrap());
        // Without the layer this waits for ever: the outer limit only turns that into a failure report.
        let result = tokio::time::timeout(Duration::from_secs(60), request)
            .await
            .expect("the request must fail, not wait for a response that never comes");
        let err = result.expect_err("a request nobody answers must fail");
        assert!(err.to_string().contains("timed out"), "{err}");
    }

    #[tokio::test]
    async fn a_response_that_starts_in_time_streams_its_body_past_the_timeout() {
        let config = one_connection(|mut conn| async move {
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(600)).await;
            conn.write_all(b"5\r\nhello\r\n0\r\n\r\n").await.unwrap();
        })
        .await;
        let client = with_limits(config, Duration::from_millis(300), WATCH_GRACE).unwrap();
        let body = client
            .request_text(http::Request::get("/version").body(Vec::new()).unwrap())
            .await
            .unwrap();
        assert_eq!(body, "hello");
    }

    /// A watch the server ended in time but whose reader was away past the deadline (a consumer paused in a
    /// backoff) is read to its end, not failed: what the server sent is in the socket.
    #[tokio::test]
    async fn a_watch_read_late_still_delivers_what_the_server_sent() {
        let config = one_connection(|mut conn| async move {
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
                .await
                .unwrap();
            std::future::pending::<()>().await; // keeps the connection open
        })
        .await;
        let client =
            with_limits(config, Duration::from_secs(5), Duration::from_millis(200)).unwrap();
        let request = http::Request::get("/api/v1/pods?watch=true&timeoutSeconds=1")
            .body(kube::client::Body::empty())
            .unwrap();
        let mut body = client.send(request).await.unwrap().into_body();
        tokio::time::sleep(Duration::from_millis(1500)).await; // past the 1.2 s deadline
        let mut data = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| {
            http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)
        })
        .await
        {
            if let Ok(bytes) = frame.expect("the body read late must not fail").into_data() {
                data.extend_from_slice(&bytes);
            }
        }
        assert_eq!(data, b"{}");
    }

    /// A watch response that starts but is never ended by the server fails `grace` after its timeoutSeconds,
    /// instead of holding its caller for ever.
    #[tokio::test]
    async fn a_watch_the_server_never_ends_fails_after_its_timeout_and_the_grace() {
        let config = one_connection(|mut conn| async move {
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await
                .unwrap();
            conn.write_all(b"2\r\n{}\r\n").await.unwrap();
            std::future::pending::<()>().await; // never ends the response, never closes
        })
        .await;
        let client =
            with_limits(config, Duration::from_secs(5), Duration::from_millis(200)).unwrap();
        let request = http::Request::get("/api/v1/pods?watch=true&timeoutSeconds=1")
            .body(Vec::new())
            .unwrap();
        let result = tokio::time::timeout(Duration::from_secs(60), client.request_text(request))
            .await
            .expect("the watch must fail, not stream for ever");
        let err = result.expect_err("a watch past its deadline must fail");
        assert!(format!("{err:?}").contains("WatchOverran"), "{err:?}");
    }
}
