//! The controller's Prometheus metrics.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Labels of `reconciles_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReconcileLabels {
    /// `Runtime` or `Run`.
    pub kind: &'static str,
    /// `ok`, or the error's [`crate::Error::metric_label`].
    pub result: &'static str,
}

/// Labels of `reaped_runs_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReapLabels {
    /// `PodGone`, `PodTerminating` or `PodUnhealthy`.
    pub reason: &'static str,
}

/// Counters shared by every reconciler; cloning shares the same counters.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Reconciliations by kind and result.
    pub reconciles: Family<ReconcileLabels, Counter>,
    /// Runs the reaper failed, by reason.
    pub reaped_runs: Family<ReapLabels, Counter>,
    /// Runs deleted by TTL garbage collection.
    pub ttl_deleted: Counter,
    /// Deleted Runs whose stored artifacts were deleted.
    pub artifacts_cleaned: Counter,
    /// Deleted Runs released without deleting their artifacts (cleanup timed out, or unreachable).
    pub artifacts_abandoned: Counter,
}

impl Metrics {
    /// Registers the counters as `reconciles_total`, `reaped_runs_total`, `ttl_deleted_total`,
    /// `artifact_cleanups_total` and `artifact_cleanups_abandoned_total`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "reconciles",
            "Reconciliations by kind and result",
            self.reconciles.clone(),
        );
        registry.register(
            "reaped_runs",
            "Runs failed by the stale-Run reaper, by reason",
            self.reaped_runs.clone(),
        );
        registry.register(
            "ttl_deleted",
            "Runs deleted after ttlSecondsAfterFinished",
            self.ttl_deleted.clone(),
        );
        registry.register(
            "artifact_cleanups",
            "Deleted Runs whose stored artifacts were deleted",
            self.artifacts_cleaned.clone(),
        );
        registry.register(
            "artifact_cleanups_abandoned",
            "Deleted Runs released without deleting their stored artifacts",
            self.artifacts_abandoned.clone(),
        );
    }

    /// Counts one reconciliation of `kind`.
    pub fn reconciled(&self, kind: &'static str, result: &'static str) {
        self.reconciles
            .get_or_create(&ReconcileLabels { kind, result })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registered names are the documented ones.
    #[test]
    fn metrics_are_exposed_with_their_names() {
        let mut registry = Registry::default();
        let m = Metrics::default();
        m.register(&mut registry);
        m.reconciled("Runtime", "ok");
        m.reaped_runs
            .get_or_create(&ReapLabels { reason: "PodGone" })
            .inc();
        m.ttl_deleted.inc();
        m.artifacts_abandoned.inc();
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).expect("encode");
        assert!(
            out.contains(r#"reconciles_total{kind="Runtime",result="ok"} 1"#),
            "{out}"
        );
        assert!(
            out.contains(r#"reaped_runs_total{reason="PodGone"} 1"#),
            "{out}"
        );
        assert!(out.contains("ttl_deleted_total 1"), "{out}");
        assert!(out.contains("artifact_cleanups_total 0"), "{out}");
        assert!(out.contains("artifact_cleanups_abandoned_total 1"), "{out}");
    }
}
