//! The Kubernetes client of a long-running process.
//!
//! kube's default client waits for a response without limit: a request sent on a connection that the API server
//! will never answer (seen when kube-apiserver restarts: a watch request sent on a connection accepted during its
//! start-up got no response for 75 s to 4.5 min) leaves its caller deaf for that long, e.g. a controller whose
//! watch of Runtimes does not see a new Runtime. Here every request must *start* its response (status line and
//! headers) within [`RESPONSE_START_TIMEOUT`], or it fails and its caller retries it as any connection error.
//! The response body is not limited: a watch streams for minutes, and kube's watcher already ends a watch that
//! stays silent past its timeout (the API server sends a bookmark about every minute).

use std::time::Duration;

use kube::client::ClientBuilder;
use kube::{Client, Config};
use tower::timeout::TimeoutLayer;

/// How long a request may wait for its response to start. The API server answers a healthy request in
/// milliseconds, starts a watch's response at once, and ends any other request itself after 60 s
/// (`--request-timeout`); a paged list (500 items) starts in well under a second.
pub const RESPONSE_START_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for the cluster the process runs in (or `$KUBECONFIG`/`~/.kube/config` outside one).
pub async fn infer() -> Result<Client, kube::Error> {
    let config = Config::infer().await.map_err(kube::Error::InferConfig)?;
    from_config(config)
}

/// A client from `config` whose requests must start their response within [`RESPONSE_START_TIMEOUT`].
pub fn from_config(config: Config) -> Result<Client, kube::Error> {
    with_response_start_timeout(config, RESPONSE_START_TIMEOUT)
}

fn with_response_start_timeout(config: Config, timeout: Duration) -> Result<Client, kube::Error> {
    Ok(ClientBuilder::try_from(config)?
        .with_layer(&TimeoutLayer::new(timeout))
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
        let client = with_response_start_timeout(config, Duration::from_millis(300)).unwrap();
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
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = server.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(600)).await;
            conn.write_all(b"5\r\nhello\r\n0\r\n\r\n").await.unwrap();
        });
        let config = Config::new(format!("http://{addr}").parse().unwrap());
        let client = with_response_start_timeout(config, Duration::from_millis(300)).unwrap();
        let body = client
            .request_text(http::Request::get("/version").body(Vec::new()).unwrap())
            .await
            .unwrap();
        assert_eq!(body, "hello");
    }
}
