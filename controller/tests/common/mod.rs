//! Helpers shared by the controller's tests against the API server substitute.

#![allow(
    dead_code,
    reason = "each test binary includes this module and uses only some of it"
)]

use std::future::Future;
use std::time::Duration;

use kruntimes_controller::{Config, Metrics, PoolConfig};

/// The namespace the tests work in.
pub(crate) const NS: &str = "default";

/// The controller's configuration in tests: one namespace, no leader election, the default 30 s stale
/// threshold.
pub(crate) fn config() -> Config {
    Config {
        pool: PoolConfig {
            default_daemon_image: "runtimed:test".to_owned(),
        },
        stale_threshold: Duration::from_secs(30),
        artifact_cleanup_timeout: kruntimes_controller::cleanup::DEFAULT_TIMEOUT,
        namespace: Some(NS.to_owned()),
        leader_election: None,
        metrics: Metrics::default(),
        ready: Default::default(),
    }
}

/// Polls `check` every 50 ms until it returns Some, for at most `secs` seconds.
pub(crate) async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
