//! How the processes watch the API server.
//!
//! A watch lasts at most [`WATCH_TIMEOUT_SECONDS`], then kube's watcher starts the next one from the last
//! resourceVersion it saw (no new list). kube's default is 290 s: a short watch bounds how long a watch the API
//! server silently dropped can hide events, at the cost of one request per watch per minute.
//!
//! Every watch stream backs off with [`backoff`], not kube's default. kube's default (client-go's: 0.8 s doubling to
//! 30 s, with up to as much again of jitter, reset only after 120 s without an error) is shared by *all* the
//! watches of one `Controller`: an error from any of them pauses every one, the Controller's own resource's
//! included. After a kube-apiserver restart each of the controller's six watches failed to connect, then met
//! `410 Gone` or `503` while the server started: the shared backoff climbed to 30-60 s pauses, during which a
//! watch response already received was not read, outlived its deadline and failed again. A new Runtime then went
//! unseen for 2.5 to 5.5 minutes (measured: 157, 200, 213 and 343 s) while the API server answered at once.
//! A watch resumed after a restart also meets `410 Gone` (its resourceVersion is older than the new watch cache)
//! before it lists again, and in a Controller each of the six does so in turn, each costing one pause of the shared
//! backoff: so the pauses are short (at most about a second). Because a Controller's backoff is shared, its
//! watches together retry at most about once a second while the API server is away, a load any API server takes;
//! a single watch stream retries at that pace too (runtimed's agent retries every second).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use kube::runtime::utils::Backoff;
use kube::runtime::watcher;
use tokio::time::Instant;

/// How long one watch request may last (the API server's `timeoutSeconds`).
pub const WATCH_TIMEOUT_SECONDS: u32 = 60;

/// The watcher configuration every long-running process starts from.
pub fn config() -> watcher::Config {
    watcher::Config::default().timeout(WATCH_TIMEOUT_SECONDS)
}

/// The first pause after an error.
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest pause (before jitter, which adds up to a quarter).
pub const BACKOFF_MAX: Duration = Duration::from_secs(1);
/// A pause this long after the previous error starts again from [`BACKOFF_MIN`].
pub const BACKOFF_RESET: Duration = Duration::from_secs(30);

/// The backoff of every watch stream and Controller trigger of a long-running process (see the module docs):
/// [`BACKOFF_MIN`] doubling to [`BACKOFF_MAX`], plus up to a quarter of jitter so that the processes that lost
/// one API server do not all come back at the same instant. kube resets it on the next event; it also starts
/// afresh when the previous error is [`BACKOFF_RESET`] old.
pub fn backoff() -> WatchBackoff {
    WatchBackoff {
        next: BACKOFF_MIN,
        last: None,
    }
}

/// See [`backoff`].
#[derive(Debug, Clone)]
pub struct WatchBackoff {
    next: Duration,
    last: Option<Instant>,
}

impl WatchBackoff {
    /// The pause before jitter that the next error gets, then doubles the one after, up to the maximum.
    fn step(&mut self, now: Instant) -> Duration {
        if self.last.is_some_and(|last| now >= last + BACKOFF_RESET) {
            self.next = BACKOFF_MIN;
        }
        self.last = Some(now);
        let pause = self.next;
        self.next = (pause * 2).min(BACKOFF_MAX);
        pause
    }
}

impl Iterator for WatchBackoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let pause = self.step(Instant::now());
        Some(pause + jitter(pause / 4))
    }
}

impl Backoff for WatchBackoff {
    fn reset(&mut self) {
        self.next = BACKOFF_MIN;
    }
}

/// A random duration in `[0, up_to]`, from the standard library's randomly seeded hasher keys.
fn jitter(up_to: Duration) -> Duration {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    up_to.mul_f64((random % 1_000_001) as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pauses double from the minimum to the maximum, kube's reset (on an event) and a quiet spell both start
    /// them afresh, and the jitter never more than a quarter.
    #[test]
    fn pauses_double_to_the_cap_and_start_afresh() {
        let t0 = Instant::now();
        let mut b = backoff();
        let pauses: Vec<u64> = (0..7)
            .map(|i| b.step(t0 + Duration::from_millis(i)).as_millis() as u64)
            .collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1000, 1000, 1000]);

        b.reset();
        assert_eq!(b.step(t0 + Duration::from_secs(1)), BACKOFF_MIN);
        assert_eq!(b.step(t0 + Duration::from_secs(2)), BACKOFF_MIN * 2);
        // Thirty quiet seconds after the last error: from the start again.
        assert_eq!(b.step(t0 + Duration::from_secs(32)), BACKOFF_MIN);

        for _ in 0..200 {
            let pause = b.next().unwrap();
            assert!(
                pause >= BACKOFF_MIN && pause <= BACKOFF_MAX * 5 / 4,
                "{pause:?}"
            );
        }
    }
}
