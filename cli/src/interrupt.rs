//! Stopping `krt local` from outside. Ctrl-C (SIGINT), SIGTERM (what CI systems, `timeout(1)` and container
//! runtimes send) and SIGHUP (the terminal went away) all mean the same: cancel what runs, then clean up as after
//! any other ending, so the Run's workspace and the state directory are removed and the Run reports `Cancelled`.
//! Without this, SIGTERM and SIGHUP killed the process on the spot and left the workspace, with the guest's files,
//! behind.

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The three signals, listened to from [`Interrupts::listen`] until the value is dropped (a signal that arrives
/// between two `recv` calls is kept, not lost).
pub(crate) struct Interrupts {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Interrupts {
    /// Starts listening. From here on these signals no longer end the process by themselves.
    pub(crate) fn listen() -> io::Result<Self> {
        Ok(Interrupts {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for the next of the signals and names it.
    pub(crate) async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
        }
    }
}
