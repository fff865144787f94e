//! `runtimed`: the per-pod daemon. Flags: `runtimed --help` ([`kruntimes_runtimed::daemon::Args`]); the shutdown
//! protocol (SIGTERM: stop accepting, drain, cancel the rest, close) is in `kruntimes_runtimed::server`.

use clap::Parser;
use kruntimes_daemon::shell::shutdown_signal;
use kruntimes_runtimed::daemon::{self, Args};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    args.logging.init();
    if let Some(run) = &args.cleanup_artifacts {
        let deleted = daemon::cleanup_artifacts(&args).await?;
        tracing::info!(run, deleted, "deleted the run's artifacts");
        return Ok(());
    }
    match kruntimes_engine::rlimit::raise_open_files_limit() {
        Ok(limit) => tracing::debug!(?limit, "open files limit"),
        Err(err) => tracing::warn!(%err, "cannot raise the open files limit"),
    }
    daemon::run(args, shutdown_signal()).await?;
    Ok(())
}
