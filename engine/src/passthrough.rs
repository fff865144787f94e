//! Guest output written straight through to a stream of the embedding process (`krt local run`), instead of an
//! [`crate::OutputBuffer`]: nothing is retained, so a local Run's output has no size limit unless one is asked
//! for, and stdout and stderr reach the terminal in the order the guest wrote them.
//!
//! Past an optional limit, bytes are counted and dropped as an `OutputBuffer` drops them (the guest never sees an
//! error); the caller reads [`PassThrough::dropped`] and says so. A failed write (the reader of a pipe went away)
//! fails the guest's write, as `EPIPE` would.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// Largest single write the guest is offered, as for an `OutputBuffer`.
const WRITE_BUDGET: usize = 64 * 1024;

/// Bytes of the stream's end kept for [`PassThrough::tail`] (a failed Run's message quotes stderr's end).
const TAIL_BYTES: usize = 4096;

/// One of the process's streams as a guest's stdout or stderr. Clones share the target and the counts; two are
/// equal when they are clones.
#[derive(Clone)]
pub struct PassThrough {
    shared: Arc<Mutex<State>>,
}

impl PartialEq for PassThrough {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for PassThrough {}

impl std::fmt::Debug for PassThrough {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassThrough").finish_non_exhaustive()
    }
}

struct State {
    target: Box<dyn Write + Send>,
    limit: Option<u64>,
    written: u64,
    dropped: u64,
    at_line_start: bool,
    /// The last bytes passed through, at most [`TAIL_BYTES`].
    tail: std::collections::VecDeque<u8>,
}

impl PassThrough {
    /// Writes to `target`, keeping at most `limit` bytes (`None`: all of them).
    pub fn new(target: impl Write + Send + 'static, limit: Option<u64>) -> Self {
        Self {
            shared: Arc::new(Mutex::new(State {
                target: Box::new(target),
                limit,
                written: 0,
                dropped: 0,
                at_line_start: true,
                tail: std::collections::VecDeque::new(),
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes passed through.
    pub fn written(&self) -> u64 {
        self.state().written
    }

    /// Bytes dropped past the limit.
    pub fn dropped(&self) -> u64 {
        self.state().dropped
    }

    /// The limit given to [`PassThrough::new`].
    pub fn limit(&self) -> Option<u64> {
        self.state().limit
    }

    /// The end of what was passed through, at most `max` bytes (and at most 4 KiB), as text.
    pub fn tail(&self, max: usize) -> String {
        let state = self.state();
        let skip = state.tail.len().saturating_sub(max);
        let bytes: Vec<u8> = state.tail.iter().skip(skip).copied().collect();
        // A cut through a multi-byte character shows up as leading U+FFFD; drop those.
        let text = String::from_utf8_lossy(&bytes);
        text.trim_start_matches('\u{FFFD}').to_owned()
    }

    /// Whether nothing was passed through yet or the last byte passed through ended a line.
    pub fn at_line_start(&self) -> bool {
        self.state().at_line_start
    }

    fn write_bytes(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut state = self.state();
        let room = state
            .limit
            .map_or(u64::MAX, |l| l.saturating_sub(state.written));
        let keep = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if keep > 0 {
            state.target.write_all(&bytes[..keep])?;
            state.target.flush()?;
            state.written += keep as u64;
            state.at_line_start = bytes[keep - 1] == b'\n';
            let kept = &bytes[keep.saturating_sub(TAIL_BYTES)..keep];
            let overflow = (state.tail.len() + kept.len()).saturating_sub(TAIL_BYTES);
            state.tail.drain(..overflow);
            state.tail.extend(kept);
        }
        state.dropped += (bytes.len() - keep) as u64;
        Ok(())
    }
}

impl IsTerminal for PassThrough {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PassThrough {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for PassThrough {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes)
            .map_err(|e| StreamError::LastOperationFailed(e.into()))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_BUDGET)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PassThrough {
    async fn ready(&mut self) {}
}

impl AsyncWrite for PassThrough {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.write_bytes(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn without_a_limit_everything_passes_and_line_ends_are_tracked() {
        let target = Shared::default();
        let out = PassThrough::new(target.clone(), None);
        assert!(out.at_line_start());
        out.write_bytes(b"one\ntw").unwrap();
        assert!(!out.at_line_start());
        out.write_bytes(&[b'x'; 100_000]).unwrap();
        out.write_bytes(b"\n").unwrap();
        assert!(out.at_line_start());
        assert_eq!((out.written(), out.dropped()), (100_007, 0));
        assert_eq!(target.0.lock().unwrap().len(), 100_007);
        assert_eq!(out.tail(4), "xxx\n");
        assert_eq!(out.tail(usize::MAX).len(), TAIL_BYTES);
    }

    #[test]
    fn past_the_limit_bytes_are_counted_and_dropped() {
        let target = Shared::default();
        let out = PassThrough::new(target.clone(), Some(5));
        out.write_bytes(b"abc").unwrap();
        out.write_bytes(b"defgh").unwrap();
        out.write_bytes(b"ij\n").unwrap();
        assert_eq!(&*target.0.lock().unwrap(), b"abcde");
        assert_eq!((out.written(), out.dropped(), out.limit()), (5, 6, Some(5)));
        assert!(
            !out.at_line_start(),
            "the last byte passed through was not a newline"
        );
    }

    #[test]
    fn a_failed_write_fails_the_guests_write() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = PassThrough::new(Closed, None);
        assert!(OutputStream::write(&mut out, Bytes::from_static(b"x")).is_err());
    }
}
