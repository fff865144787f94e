//! Prometheus metrics of the scheduler and the admin HTTP server (`/metrics`, `/healthz`, `/readyz`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A label set with one fixed-cardinality label.
pub type Label = [(&'static str, &'static str); 1];

/// The scheduler's metrics, registered in their own [`Registry`].
#[derive(Debug)]
pub struct Metrics {
    /// Run creation → successful bind, seconds.
    pub queue_wait: Histogram,
    /// Duration of the bind patch, seconds.
    pub bind_duration: Histogram,
    /// Pending Runs the scheduler knows.
    pub pending_runs: Gauge,
    /// Placement outcomes by `result` (`scheduled`, `unschedulable`, `conflict`, `error`, `cancelled`,
    /// `invalid`).
    pub placements: Family<Label, Counter>,
    /// API writes by `kind` (`bind`, `unschedulable`, `cancel`, `invalid`).
    pub api_writes: Family<Label, Counter>,
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let queue_wait = Histogram::new(exponential_buckets(0.001, 2.0, 18));
        let bind_duration = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        let pending_runs = Gauge::default();
        let placements = Family::<Label, Counter>::default();
        let api_writes = Family::<Label, Counter>::default();
        let mut registry = Registry::default();
        registry.register(
            "kruntimes_scheduler_queue_wait_seconds",
            "Time from a Run's creation to its binding",
            queue_wait.clone(),
        );
        registry.register(
            "kruntimes_scheduler_bind_duration_seconds",
            "Duration of the binding status patch",
            bind_duration.clone(),
        );
        registry.register(
            "kruntimes_scheduler_pending_runs",
            "Pending Runs known to the scheduler",
            pending_runs.clone(),
        );
        registry.register(
            "kruntimes_scheduler_placements",
            "Placement attempts by result",
            placements.clone(),
        );
        registry.register(
            "kruntimes_scheduler_api_writes",
            "Writes to the API server by kind",
            api_writes.clone(),
        );
        Self {
            queue_wait,
            bind_duration,
            pending_runs,
            placements,
            api_writes,
            registry,
        }
    }

    /// Counts one placement outcome.
    pub fn placement(&self, result: &'static str) {
        self.placements.get_or_create(&[("result", result)]).inc();
    }

    /// Counts one API write.
    pub fn write(&self, kind: &'static str) {
        self.api_writes.get_or_create(&[("kind", kind)]).inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// State of the admin server.
#[derive(Clone, Debug)]
struct Admin {
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
}

/// Serves `/metrics`, `/healthz` and `/readyz` (200 once `ready` is set) on `addr` until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_listener(listener, metrics, ready, shutdown).await
}

/// [`serve`] on a bound listener.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(Admin { metrics, ready });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics_handler(State(admin): State<Admin>) -> String {
    admin.metrics.encode()
}

async fn readyz(State(admin): State<Admin>) -> (StatusCode, &'static str) {
    if admin.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "watches not synced")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_exposed_with_their_names() {
        let m = Metrics::new();
        m.placement("scheduled");
        m.write("bind");
        m.pending_runs.set(3);
        let text = m.encode();
        assert!(text.contains("kruntimes_scheduler_placements_total{result=\"scheduled\"} 1"));
        assert!(text.contains("kruntimes_scheduler_api_writes_total{kind=\"bind\"} 1"));
        assert!(text.contains("kruntimes_scheduler_pending_runs 3"));
        assert!(text.contains("kruntimes_scheduler_queue_wait_seconds_bucket"));
        assert!(text.contains("kruntimes_scheduler_bind_duration_seconds_count"));
    }
}
