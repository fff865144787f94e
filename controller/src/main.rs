//! `kruntimes-controller`: flags, telemetry, the admin HTTP server, then [`kruntimes_controller::run`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Parser;
use kruntimes_controller::{Config, LEASE_NAME, LeaderElection, Metrics, PoolConfig};
use kruntimes_daemon::admin;
use prometheus_client::registry::Registry;

/// The kruntimes controller: Runtime pools, Workflows, the stale-Run reaper and TTL garbage collection.
#[derive(Debug, Parser)]
#[command(name = "kruntimes-controller", version)]
struct Args {
    /// runtimed image of Runtimes that set no `daemonImage`.
    #[arg(long, env = "KRUNTIMES_DAEMON_IMAGE", default_value = concat!("ghcr.io/kruntimes/runtimed:", env!("CARGO_PKG_VERSION")))]
    default_daemon_image: String,
    /// Seconds a pod may be unready, or its runtimed heartbeat old, before its Runs are reaped (at least 15:
    /// three heartbeats).
    #[arg(long, default_value_t = 30, value_parser = kruntimes_controller::reaper::parse_stale_threshold)]
    stale_threshold_seconds: u64,
    /// Seconds a failing artifact cleanup of a deleted Run is retried before the Run is released anyway, with
    /// a Warning Event naming what was left (at least 60).
    #[arg(long, default_value_t = 3600, value_parser = kruntimes_controller::cleanup::parse_timeout)]
    artifact_cleanup_timeout_seconds: u64,
    /// Watch only this namespace (default: all namespaces).
    #[arg(long)]
    namespace: Option<String>,
    /// Reconcile only while holding the Lease (`--leader-elect` or `--leader-elect=true|false`).
    #[arg(long, num_args = 0..=1, default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
    leader_elect: bool,
    /// Namespace of the Lease.
    #[arg(long, env = "POD_NAMESPACE", default_value = "kruntimes-system")]
    lease_namespace: String,
    /// Name of the Lease: one per installation, so two releases in one namespace do not share a leader.
    #[arg(long, default_value = LEASE_NAME)]
    lease_name: String,
    /// This replica's identity in the Lease (default: the pod name).
    #[arg(long, env = "POD_NAME", default_value = "kruntimes-controller")]
    identity: String,
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, default_value = "0.0.0.0:8082")]
    metrics_addr: SocketAddr,
    #[command(flatten)]
    logging: kruntimes_daemon::shell::Logging,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.logging.init();
    let metrics = Metrics::default();
    let mut registry = Registry::default();
    metrics.register(&mut registry);
    let ready = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind(args.metrics_addr).await?;
    tokio::spawn(kruntimes_daemon::admin::serve(
        listener,
        admin::registry(registry),
        admin::flag(ready.clone()),
        std::future::pending(),
    ));

    let config = Config {
        pool: PoolConfig {
            default_daemon_image: args.default_daemon_image,
        },
        stale_threshold: Duration::from_secs(args.stale_threshold_seconds),
        artifact_cleanup_timeout: Duration::from_secs(args.artifact_cleanup_timeout_seconds),
        namespace: args.namespace,
        leader_election: args.leader_elect.then_some(LeaderElection {
            namespace: args.lease_namespace,
            lease_name: args.lease_name,
            identity: args.identity,
        }),
        metrics,
        ready,
    };
    let client = kruntimes_daemon::client::infer().await?;
    kruntimes_controller::run(client, config, kruntimes_daemon::shell::shutdown_signal()).await
}
