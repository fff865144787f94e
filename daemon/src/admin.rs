//! The admin HTTP server of the controller, the scheduler and runtimed: `/metrics` (Prometheus text), `/healthz`
//! (the process answers) and `/readyz`: 200 while the process says it is ready, 503 otherwise. What ready means is
//! each process's: the controller's and the scheduler's watches synced (or standing by for the Lease), runtimed's
//! gRPC API serving and not draining.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

/// Renders the process's metrics in the Prometheus text format.
pub type Encode = Arc<dyn Fn() -> String + Send + Sync>;

/// Whether the process is ready, asked on every `/readyz`.
pub type Ready = Arc<dyn Fn() -> bool + Send + Sync>;

/// [`Encode`] of a prometheus-client registry.
pub fn registry(registry: prometheus_client::registry::Registry) -> Encode {
    Arc::new(move || {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    })
}

/// [`Ready`] that follows `flag`, which the process sets once its watches have synced.
pub fn flag(flag: Arc<AtomicBool>) -> Ready {
    Arc::new(move || flag.load(Ordering::Relaxed))
}

#[derive(Clone)]
struct Admin {
    encode: Encode,
    ready: Ready,
}

/// Serves `/metrics` (from `encode`), `/healthz` and `/readyz` (from `ready`) on `listener` until `shutdown`.
///
/// # Errors
///
/// When the server fails to accept connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    encode: Encode,
    ready: Ready,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(Admin { encode, ready });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics(State(admin): State<Admin>) -> String {
    (admin.encode)()
}

async fn readyz(State(admin): State<Admin>) -> (StatusCode, &'static str) {
    if (admin.ready)() {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    /// `/readyz` follows the flag (503, then 200); `/healthz` always answers; `/metrics` is what `encode` renders.
    #[tokio::test]
    async fn readyz_follows_the_flag_and_metrics_are_rendered() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ready = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listener,
            Arc::new(|| "kruntimes_test_total 7\n".to_owned()),
            flag(ready.clone()),
            async {
                let _ = stopped.await;
            },
        ));
        let not_ready = get(addr, "/readyz").await;
        assert!(not_ready.starts_with("HTTP/1.1 503"), "{not_ready}");
        assert!(not_ready.ends_with("not ready"), "{not_ready}");
        assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
        ready.store(true, Ordering::Relaxed);
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
        assert!(
            get(addr, "/metrics")
                .await
                .ends_with("kruntimes_test_total 7\n")
        );
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
