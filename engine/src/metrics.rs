//! Prometheus metrics of the run engine, registered under the `runtimed` prefix.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `runtimed_instantiate_seconds` | histogram | |
//! | `runtimed_execution_seconds` | histogram | |
//! | `runtimed_active_runs` | gauge | |
//! | `runtimed_run_outcomes_total` | counter | `phase`, `reason` (stable strings, low cardinality) |

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::outcome::Outcome;

/// Labels of the outcome counter: `phase` and `reason`.
type OutcomeLabels = [(&'static str, &'static str); 2];

/// The engine's metrics. Cheap to update from any task.
#[derive(Debug, Clone)]
pub struct Metrics {
    instantiate: Histogram,
    execution: Histogram,
    active: Gauge,
    outcomes: Family<OutcomeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            // 20 µs .. ~2.6 s: a Rust command instantiates in tens of µs, CPython in about 0.6 ms.
            instantiate: Histogram::new(exponential_buckets(20e-6, 2.0, 18)),
            // 100 µs .. ~1.9 h.
            execution: Histogram::new(exponential_buckets(100e-6, 3.0, 18)),
            active: Gauge::default(),
            outcomes: Family::default(),
        }
    }
}

impl Metrics {
    /// Creates the metrics and registers them in `registry` under the `runtimed` prefix.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        let registry = registry.sub_registry_with_prefix("runtimed");
        registry.register(
            "instantiate_seconds",
            "Time to instantiate a Run's component",
            metrics.instantiate.clone(),
        );
        registry.register(
            "execution_seconds",
            "Wall time of a Run from instantiation to its end",
            metrics.execution.clone(),
        );
        registry.register("active_runs", "Runs executing now", metrics.active.clone());
        registry.register(
            "run_outcomes",
            "Finished Runs by phase and reason",
            metrics.outcomes.clone(),
        );
        metrics
    }

    pub(crate) fn run_started(&self) {
        self.active.inc();
    }

    pub(crate) fn run_finished(&self, outcome: &Outcome) {
        self.active.dec();
        if let Some(instantiate) = outcome.usage.instantiate {
            self.instantiate.observe(instantiate.as_secs_f64());
        }
        self.execution.observe(outcome.usage.wall.as_secs_f64());
        self.outcomes
            .get_or_create(&[
                ("phase", outcome.phase.as_str()),
                ("reason", outcome.reason.as_str()),
            ])
            .inc();
    }

    /// Runs executing now.
    pub fn active_runs(&self) -> i64 {
        self.active.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Registered metrics appear in the text exposition with the `runtimed_` prefix.
    #[test]
    fn metrics_are_exposed_with_prefix() {
        let mut registry = Registry::default();
        let metrics = Metrics::register(&mut registry);
        metrics.run_started();
        metrics
            .outcomes
            .get_or_create(&[("phase", "Succeeded"), ("reason", "Completed")])
            .inc();
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for name in [
            "runtimed_instantiate_seconds",
            "runtimed_execution_seconds",
            "runtimed_active_runs 1",
            "runtimed_run_outcomes_total{phase=\"Succeeded\",reason=\"Completed\"} 1",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
