//! `kruntimes-scheduler`: places pending Runs on warm Runtime pods.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use kruntimes_scheduler::{Config, run};

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(name = "kruntimes-scheduler", version, about)]
struct Args {
    /// Watch only this namespace (default: all namespaces).
    #[arg(long, env = "KRUNTIMES_NAMESPACE")]
    namespace: Option<String>,
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, default_value = "0.0.0.0:8080")]
    metrics_addr: SocketAddr,
    /// Elect a leader through a Lease; only the leader binds.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    leader_elect: bool,
    /// Namespace of the Lease.
    #[arg(long, env = "POD_NAMESPACE", default_value = "kruntimes-system")]
    lease_namespace: String,
    /// Name of the Lease: one per installation, so two releases in one namespace do not share a leader.
    #[arg(long, default_value = kruntimes_scheduler::scheduler::LEASE_NAME)]
    lease_name: String,
    /// Holder identity in the Lease (default: the hostname).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
    /// Binds in flight at once.
    #[arg(long, default_value_t = kruntimes_scheduler::scheduler::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Seconds between safety resyncs of every pending Run.
    #[arg(long, default_value_t = 30)]
    resync_seconds: u64,
    #[command(flatten)]
    logging: kruntimes_daemon::shell::Logging,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.logging.init();
    let identity = args
        .identity
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "kruntimes-scheduler".to_owned());
    let config = Config {
        namespace: args.namespace,
        leader_elect: args.leader_elect,
        lease_namespace: args.lease_namespace,
        lease_name: args.lease_name,
        identity,
        concurrency: args.concurrency,
        resync: Duration::from_secs(args.resync_seconds.max(1)),
        metrics_addr: Some(args.metrics_addr),
        ..Config::default()
    };
    let client = kruntimes_daemon::client::infer().await?;
    run(client, config, kruntimes_daemon::shell::shutdown_signal()).await
}
