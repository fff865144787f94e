//! How the processes watch the API server.
//!
//! A watch lasts at most [`WATCH_TIMEOUT_SECONDS`], then kube's watcher starts the next one from the last
//! resourceVersion it saw (no new list). kube's default is 290 s, and that is how long an event could go
//! unseen: after kube-apiserver was killed and restarted, the controller's watch of Runtimes, sent on a kept-alive
//! connection opened while the API server started, stayed silent for 75 s to 8 min, while watches opened by
//! kubectl at the same moment delivered a new Runtime at once. We did not find why the API server did not answer
//! that one watch; a short watch bounds the delay at the cost of one request per watch per minute.

use kube::runtime::watcher;

/// How long one watch request may last (the API server's `timeoutSeconds`).
pub const WATCH_TIMEOUT_SECONDS: u32 = 60;

/// The watcher configuration every long-running process starts from.
pub fn config() -> watcher::Config {
    watcher::Config::default().timeout(WATCH_TIMEOUT_SECONDS)
}
