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
    /// Log as JSON.
    #[arg(long)]
    log_json: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt().with_env_filter(filter);
    if args.log_json {
        fmt.json().init();
    } else {
        fmt.compact().init();
    }
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
    run(client, config, shutdown_signal()).await
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => futures::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = futures::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
