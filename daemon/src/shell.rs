//! The process shell every kruntimes daemon shares: logging set up from the same flags, and the shutdown signal.

/// The logging flags of every daemon (`--log-json`); `RUST_LOG` sets the filter (default `info`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Logging {
    /// Log one JSON object per event instead of text.
    #[arg(long, env = "KRUNTIMES_LOG_JSON")]
    pub log_json: bool,
}

impl Logging {
    /// Installs the global tracing subscriber. Call once, first thing in `main`.
    pub fn init(&self) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let fmt = tracing_subscriber::fmt().with_env_filter(filter);
        if self.log_json {
            fmt.json().init();
        } else {
            fmt.compact().init();
        }
    }
}

/// Resolves on SIGTERM (what Kubernetes sends) or Ctrl-C. If a handler cannot be installed, that signal is ignored
/// and the other still works.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Logging;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        logging: Logging,
    }

    #[test]
    fn log_json_is_a_flag_every_daemon_accepts() {
        assert!(!Args::parse_from(["d"]).logging.log_json);
        assert!(Args::parse_from(["d", "--log-json"]).logging.log_json);
    }
}
