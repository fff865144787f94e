//! Prometheus metrics of the scheduler (served by `kruntimes_daemon::admin`).

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
