//! Bounded stdout/stderr for guests, with live followers.
//!
//! An [`OutputBuffer`] keeps the first `limit` bytes a guest writes (default [`DEFAULT_OUTPUT_LIMIT`], 1 MiB) and
//! counts everything. Past the limit bytes are dropped silently: the guest never sees an error or a closed stream
//! and never traps (wasmtime-wasi's `MemoryOutputPipe` does both, which turns chatty programs into failures).
//! Reading back ([`OutputBuffer::contents`]) appends a [`truncation_marker`] line when bytes were dropped.
//!
//! Followers ([`OutputBuffer::follow`]) stream the kept bytes as they arrive, for a `Logs` RPC: the buffer
//! publishes its length through a `tokio::sync::watch` channel and each follower copies from its own offset.
//!
//! ```text
//! guest write ──► OutputBuffer { kept ≤ limit, written } ──watch──► follower … follower
//! ```

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use tokio::sync::watch;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Default bytes kept per stream. Beyond it output is counted and dropped.
pub const DEFAULT_OUTPUT_LIMIT: usize = 1 << 20;

/// Largest single write the guest is offered (`check-write`). Each write is copied out of guest memory into a
/// host allocation of this size at most, like wasmtime-wasi's own read bound.
const WRITE_BUDGET: usize = 64 * 1024;

/// Largest chunk a follower receives at once (a comfortable gRPC message).
pub const MAX_FOLLOW_CHUNK: usize = 64 * 1024;

/// The line appended when reading back a stream that dropped bytes.
pub fn truncation_marker(limit: usize, dropped: u64) -> String {
    format!("\n[kruntimes: output truncated after {limit} bytes; {dropped} bytes dropped]\n")
}

/// What a follower can observe: how much is kept, how much was written, whether the writer is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Progress {
    kept: usize,
    closed: bool,
}

/// A bounded, shareable output stream. Clones share the same buffer.
#[derive(Clone)]
pub struct OutputBuffer {
    shared: Arc<Shared>,
}

struct Shared {
    limit: usize,
    // A std mutex: critical sections are a memcpy and never await; wasm host calls are on tokio worker threads.
    state: Mutex<State>,
    progress: watch::Sender<Progress>,
}

#[derive(Default)]
struct State {
    kept: Vec<u8>,
    written: u64,
    closed: bool,
}

impl OutputBuffer {
    /// An empty buffer keeping at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                limit,
                state: Mutex::new(State::default()),
                progress: watch::Sender::new(Progress::default()),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` inconsistent (plain appends), so keep going.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `bytes`, keeping what fits under the limit and counting the rest. Never fails. Writes after
    /// [`close`](Self::close) are counted as dropped.
    pub fn write(&self, bytes: &[u8]) {
        let kept = {
            let mut state = self.state();
            state.written = state.written.saturating_add(bytes.len() as u64);
            if !state.closed {
                let room = self.shared.limit.saturating_sub(state.kept.len());
                let take = room.min(bytes.len());
                state.kept.extend_from_slice(&bytes[..take]);
            }
            state.kept.len()
        };
        self.shared.progress.send_if_modified(|p| {
            let changed = p.kept != kept;
            p.kept = kept;
            changed
        });
    }

    /// Marks the stream finished: followers drain what is kept (and the marker) and then end.
    pub fn close(&self) {
        self.state().closed = true;
        self.shared.progress.send_modify(|p| p.closed = true);
    }

    /// The configured limit.
    pub fn limit(&self) -> usize {
        self.shared.limit
    }

    /// Bytes the guest wrote, kept or not.
    pub fn written(&self) -> u64 {
        self.state().written
    }

    /// Bytes written but not kept.
    pub fn dropped(&self) -> u64 {
        let state = self.state();
        state.written.saturating_sub(state.kept.len() as u64)
    }

    /// Whether any byte was dropped.
    pub fn is_truncated(&self) -> bool {
        self.dropped() > 0
    }

    /// The kept bytes, followed by the [`truncation_marker`] if anything was dropped.
    pub fn contents(&self) -> Vec<u8> {
        let state = self.state();
        let dropped = state.written.saturating_sub(state.kept.len() as u64);
        let mut out = state.kept.clone();
        if dropped > 0 {
            out.extend_from_slice(truncation_marker(self.shared.limit, dropped).as_bytes());
        }
        out
    }

    /// The last `max` kept bytes as text (lossy UTF-8, starting at a character boundary), for failure messages.
    pub fn tail(&self, max: usize) -> String {
        let state = self.state();
        let start = state.kept.len().saturating_sub(max);
        let text = String::from_utf8_lossy(&state.kept[start..]);
        // A cut through a multi-byte character shows up as leading U+FFFD; drop those.
        text.trim_start_matches('\u{FFFD}').to_owned()
    }

    /// Bytes kept so far.
    pub fn kept_len(&self) -> usize {
        self.state().kept.len()
    }

    /// Whether the stream is closed (the guest has ended).
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// A follower starting at the first byte. It yields everything kept so far, then new bytes as they are
    /// written, then the marker (if truncated) once the stream is closed.
    pub fn follow(&self) -> OutputFollower {
        OutputFollower {
            buffer: self.clone(),
            progress: self.shared.progress.subscribe(),
            offset: 0,
            end: None,
            marker: true,
            finished: false,
        }
    }

    /// A follower of the kept bytes only (never the truncation marker: a `Logs` client learns about truncation
    /// from the counters), starting at byte `start`. With `end` it stops once it reaches that offset, or earlier
    /// if the stream closes first; without, it follows until the stream closes. [`OutputFollower::offset`] tells
    /// where each chunk starts.
    pub fn follow_kept(&self, start: usize, end: Option<usize>) -> OutputFollower {
        OutputFollower {
            buffer: self.clone(),
            progress: self.shared.progress.subscribe(),
            offset: start,
            end,
            marker: false,
            finished: false,
        }
    }
}

impl std::fmt::Debug for OutputBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("OutputBuffer")
            .field("limit", &self.shared.limit)
            .field("kept", &state.kept.len())
            .field("written", &state.written)
            .field("closed", &state.closed)
            .finish()
    }
}

/// Streams an [`OutputBuffer`] as it fills. See [`OutputBuffer::follow`].
#[derive(Debug)]
pub struct OutputFollower {
    buffer: OutputBuffer,
    progress: watch::Receiver<Progress>,
    /// Offset of the next kept byte to return.
    offset: usize,
    /// Stop at this offset (a snapshot), rather than when the stream closes.
    end: Option<usize>,
    /// Append the truncation marker after the kept bytes.
    marker: bool,
    finished: bool,
}

impl OutputFollower {
    /// Offset within the kept bytes of the next chunk [`next_chunk`](Self::next_chunk) returns (the marker, which
    /// only [`OutputBuffer::follow`] yields, comes after the last kept byte).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The next chunk (at most [`MAX_FOLLOW_CHUNK`] bytes), waiting for the guest to write more. `None` once the
    /// stream is closed and everything (including the marker) was returned.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if self.finished {
                return None;
            }
            if self.end.is_some_and(|end| self.offset >= end) {
                self.finished = true;
                return None;
            }
            let progress = *self.progress.borrow_and_update();
            if self.offset < progress.kept {
                let end = progress
                    .kept
                    .min(self.offset + MAX_FOLLOW_CHUNK)
                    .min(self.end.unwrap_or(usize::MAX));
                let chunk = Bytes::copy_from_slice(&self.buffer.state().kept[self.offset..end]);
                self.offset = end;
                return Some(chunk);
            }
            if progress.closed {
                self.finished = true;
                let dropped = self.buffer.dropped();
                if self.marker && dropped > 0 {
                    return Some(Bytes::from(truncation_marker(self.buffer.limit(), dropped)));
                }
                return None;
            }
            if self.progress.changed().await.is_err() {
                // Unreachable while we hold the buffer (it owns the sender); end rather than spin.
                self.finished = true;
            }
        }
    }
}

// === wasmtime-wasi stdio ===

impl IsTerminal for OutputBuffer {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for OutputBuffer {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for OutputBuffer {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        OutputBuffer::write(self, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable, even when full: the guest must not learn that we drop its bytes.
        Ok(WRITE_BUDGET)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for OutputBuffer {
    async fn ready(&mut self) {}
}

impl AsyncWrite for OutputBuffer {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        OutputBuffer::write(&self, buf);
        Poll::Ready(Ok(buf.len()))
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

    /// Under the limit, contents are exactly what was written, with no marker.
    #[test]
    fn small_output_is_kept_verbatim() {
        let out = OutputBuffer::new(16);
        out.write(b"hello ");
        out.write(b"world");
        assert_eq!(out.contents(), b"hello world");
        assert!(!out.is_truncated());
        assert_eq!(out.written(), 11);
    }

    /// Over the limit exactly `limit` bytes are kept, everything is counted, and the marker names both numbers.
    #[test]
    fn overflow_keeps_exactly_limit_bytes_and_appends_marker() {
        let out = OutputBuffer::new(10);
        out.write(b"0123456");
        out.write(b"789abcdef");
        out.write(&[b'z'; 100]);
        assert_eq!(out.written(), 116);
        assert_eq!(out.dropped(), 106);
        let expected = [
            &b"0123456789"[..],
            b"\n[kruntimes: output truncated after 10 bytes; 106 bytes dropped]\n",
        ]
        .concat();
        assert_eq!(out.contents(), expected);
    }

    /// A write landing exactly on the limit is not a truncation.
    #[test]
    fn write_filling_the_limit_exactly_is_not_truncated() {
        let out = OutputBuffer::new(4);
        out.write(b"abcd");
        assert_eq!(out.contents(), b"abcd");
        out.write(b"");
        assert!(!out.is_truncated());
    }

    /// The wasi stream never reports an error or closes, even when full.
    #[test]
    fn wasi_stream_never_fails_when_full() {
        let out = OutputBuffer::new(4);
        let mut stream = StdoutStream::p2_stream(&out);
        for _ in 0..10 {
            assert_eq!(stream.check_write().unwrap(), WRITE_BUDGET);
            stream.write(Bytes::from_static(b"12345678")).unwrap();
            stream.flush().unwrap();
        }
        assert_eq!(out.written(), 80);
        assert_eq!(&out.contents()[..4], b"1234");
    }

    /// The tail is the end of the kept text and never starts inside a UTF-8 character.
    #[test]
    fn tail_is_valid_text_from_the_end() {
        let out = OutputBuffer::new(64);
        out.write("line one\nzwölf äöü\n".as_bytes());
        assert_eq!(out.tail(7), "äöü\n");
        assert_eq!(out.tail(1000), "line one\nzwölf äöü\n");
    }

    /// A follower sees earlier bytes, then live writes, then the marker, then the end.
    #[tokio::test]
    async fn follower_streams_live_output_then_marker() {
        let out = OutputBuffer::new(8);
        out.write(b"abc");
        let mut follower = out.follow();
        assert_eq!(follower.next_chunk().await.unwrap(), &b"abc"[..]);

        let writer = out.clone();
        let task = tokio::spawn(async move {
            tokio::task::yield_now().await;
            writer.write(b"defghijk");
            writer.close();
        });
        let mut rest = Vec::new();
        while let Some(chunk) = follower.next_chunk().await {
            rest.extend_from_slice(&chunk);
        }
        task.await.unwrap();
        assert_eq!(
            String::from_utf8(rest).unwrap(),
            format!("defgh{}", truncation_marker(8, 3))
        );
    }

    /// A kept-bytes follower starts where asked, reports offsets, stops at its end and never yields the marker.
    #[tokio::test]
    async fn kept_follower_honours_start_end_and_skips_marker() {
        let out = OutputBuffer::new(8);
        out.write(b"abcdef");
        let mut snapshot = out.follow_kept(2, Some(out.kept_len()));
        out.write(b"ghijk");
        assert_eq!(snapshot.offset(), 2);
        assert_eq!(snapshot.next_chunk().await.unwrap(), &b"cdef"[..]);
        assert_eq!(snapshot.offset(), 6);
        assert_eq!(snapshot.next_chunk().await, None);

        let mut live = out.follow_kept(out.kept_len(), None);
        assert_eq!(live.offset(), 8);
        out.close();
        assert_eq!(
            live.next_chunk().await,
            None,
            "no marker, even though truncated"
        );
        assert!(out.is_truncated() && out.is_closed());
    }

    /// A follower of an already closed, untruncated buffer returns everything and ends.
    #[tokio::test]
    async fn follower_of_closed_buffer_ends() {
        let out = OutputBuffer::new(1 << 20);
        out.write(&vec![7u8; 3 * MAX_FOLLOW_CHUNK + 1]);
        out.close();
        let mut follower = out.follow();
        let mut sizes = Vec::new();
        while let Some(chunk) = follower.next_chunk().await {
            sizes.push(chunk.len());
        }
        assert_eq!(
            sizes,
            [MAX_FOLLOW_CHUNK, MAX_FOLLOW_CHUNK, MAX_FOLLOW_CHUNK, 1]
        );
    }
}
