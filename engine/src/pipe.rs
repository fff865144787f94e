//! Bounded host pipes: the streaming stdio between a shell and the children it spawns.
//!
//! A pipe holds at most [`PIPE_CAPACITY`] bytes. Writers see `check-write` fall to 0 (and their pollable stays
//! pending) while it is full, so a fast producer waits for a slow consumer instead of growing memory; readers see
//! end-of-stream once every writer is gone and the buffer is drained; writers see `closed` once every reader is
//! gone (the shell's `SIGPIPE`). Both ends are cheap clones of one shared state, which is also how they plug into
//! a child's `WasiCtx` as its stdin/stdout: every stream the guest opens is another clone, and dropping the
//! child's Store drops them all, which is what delivers end-of-stream downstream.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Notify;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};

/// Bytes a pipe buffers before writers must wait (Linux's default pipe size).
pub(crate) const PIPE_CAPACITY: usize = 64 * 1024;

struct Shared {
    // A std mutex: held for a copy, never across an await.
    state: Mutex<State>,
    /// Signalled when data arrives or the last writer leaves.
    readable: Notify,
    /// Signalled when space frees up or the last reader leaves.
    writable: Notify,
}

struct State {
    buffer: VecDeque<u8>,
    writers: usize,
    readers: usize,
    /// `Some(n)` for a pipe fed on demand ([`pipe_on_demand`]): the bytes its reader waits for now.
    demand: Option<usize>,
}

impl State {
    /// Bytes a writer may add now.
    fn room(&self) -> usize {
        match self.demand {
            None => PIPE_CAPACITY - self.buffer.len(),
            Some(wanted) => wanted.saturating_sub(self.buffer.len()),
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // State changes are single statements; a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new pipe: its write end and its read end.
pub(crate) fn pipe() -> (PipeWriter, PipeReader) {
    with_demand(None)
}

/// A pipe fed on demand, for a child's stdin that its caller writes (`stdin-source::pipe`): the writer may add
/// only as many bytes as the reader is waiting for (what it asked in `read`, or a pipe's worth while it polls),
/// so input the child never asks for stays with the caller. A shell relies on this: in
/// `find . | while read f; do sed -i s/a/b/ "$f"; done`, `sed` must not swallow the loop's input, as on Unix,
/// where it reads only what it asks for.
pub(crate) fn pipe_on_demand() -> (PipeWriter, PipeReader) {
    with_demand(Some(0))
}

fn with_demand(demand: Option<usize>) -> (PipeWriter, PipeReader) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            buffer: VecDeque::new(),
            writers: 1,
            readers: 1,
            demand,
        }),
        readable: Notify::new(),
        writable: Notify::new(),
    });
    (
        PipeWriter {
            shared: Arc::clone(&shared),
        },
        PipeReader { shared },
    )
}

/// The write end. Each clone counts as a writer.
pub(crate) struct PipeWriter {
    shared: Arc<Shared>,
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        self.shared.state().writers += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.shared.state().writers -= 1;
        self.shared.readable.notify_waiters();
    }
}

impl PipeWriter {
    /// Writes all of `bytes`, waiting for room. Fails with `Closed` once every reader is gone.
    pub(crate) async fn write_all(&mut self, mut bytes: Bytes) -> StreamResult<()> {
        while !bytes.is_empty() {
            Pollable::ready(self).await;
            let room = self.check_write()?;
            let chunk = bytes.split_to(room.min(bytes.len()));
            self.write(chunk)?;
        }
        Ok(())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for PipeWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut state = self.shared.state();
        if state.readers == 0 {
            return Err(StreamError::Closed);
        }
        if bytes.len() > state.room() {
            return Err(StreamError::trap(
                "write exceeds the permit from check-write",
            ));
        }
        state.buffer.extend(bytes.iter());
        drop(state);
        self.shared.readable.notify_waiters();
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        // Data is visible to the reader as soon as it is written.
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        let state = self.shared.state();
        if state.readers == 0 {
            return Err(StreamError::Closed);
        }
        Ok(state.room())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PipeWriter {
    async fn ready(&mut self) {
        loop {
            let notified = self.shared.writable.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.shared.state();
                if state.readers == 0 || state.room() > 0 {
                    return;
                }
            }
            notified.await;
        }
    }
}

/// The read end. Each clone counts as a reader; clones share one position (whoever reads first gets the bytes).
pub(crate) struct PipeReader {
    shared: Arc<Shared>,
}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        self.shared.state().readers += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.shared.state().readers -= 1;
        self.shared.writable.notify_waiters();
    }
}

#[wasmtime_wasi::async_trait]
impl InputStream for PipeReader {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        let mut state = self.shared.state();
        if state.buffer.is_empty() {
            if state.writers == 0 {
                return Err(StreamError::Closed);
            }
            if let Some(wanted) = &mut state.demand {
                // The reader asks: the writer may now send that much.
                *wanted = (*wanted).max(size.min(PIPE_CAPACITY));
                drop(state);
                self.shared.writable.notify_waiters();
            }
            return Ok(Bytes::new());
        }
        let n = size.min(state.buffer.len());
        let chunk: Vec<u8> = state.buffer.drain(..n).collect();
        if let Some(wanted) = &mut state.demand {
            // What was read was asked for: the writer's room (asked minus buffered) is unchanged, so a permit
            // from `check-write` stays valid while the reader reads concurrently.
            *wanted = wanted.saturating_sub(n);
        }
        drop(state);
        self.shared.writable.notify_waiters();
        Ok(Bytes::from(chunk))
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PipeReader {
    async fn ready(&mut self) {
        loop {
            let notified = self.shared.readable.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.shared.state();
                if !state.buffer.is_empty() || state.writers == 0 {
                    return;
                }
                if let Some(wanted) = &mut state.demand
                    && *wanted == 0
                {
                    // A reader waiting for input asks for up to a pipe's worth.
                    *wanted = PIPE_CAPACITY;
                    self.shared.writable.notify_waiters();
                }
            }
            notified.await;
        }
    }
}

// === as a child's stdio ===

/// A child's write end of a pipe (its stdout or stderr), with Unix's default `SIGPIPE`: a child that writes to a
/// pipe nobody reads any more ends at once and silently, with status 141 (128 + SIGPIPE), instead of seeing an
/// error it would print (`seq: write error: Broken pipe`). So `yes | head -n 3` and `seq 1 1000000 | head -1` end
/// promptly and quietly, with the `PIPESTATUS` bash shows.
#[derive(Clone)]
pub(crate) struct ChildWriter(pub(crate) PipeWriter);

/// The trap that ends a child writing to a pipe without readers; [`crate::guest::spawn`] reports it as exit 141.
#[derive(Debug)]
pub(crate) struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("write to a pipe with no reader (SIGPIPE)")
    }
}

impl std::error::Error for BrokenPipe {}

fn sigpipe(err: StreamError) -> StreamError {
    match err {
        StreamError::Closed => StreamError::Trap(wasmtime::Error::new(BrokenPipe)),
        other => other,
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for ChildWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0.write(bytes).map_err(sigpipe)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.0.flush().map_err(sigpipe)
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.0.check_write().map_err(sigpipe)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for ChildWriter {
    async fn ready(&mut self) {
        self.0.ready().await;
    }
}

impl IsTerminal for ChildWriter {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for ChildWriter {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(Unsupported)
    }
}

impl IsTerminal for PipeWriter {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PipeWriter {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(Unsupported)
    }
}

impl IsTerminal for PipeReader {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for PipeReader {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(Unsupported)
    }
}

/// The tokio-stream form of a pipe end, which only WASI 0.3 (not linked by runtimed) would use: every operation
/// fails rather than silently dropping data.
struct Unsupported;

fn unsupported() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "kruntimes pipes are WASI 0.2 streams only",
    )
}

impl AsyncWrite for Unsupported {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Err(unsupported()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(unsupported()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Unsupported {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(unsupported()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data written comes out in order; the reader sees end-of-stream after the last writer leaves.
    #[tokio::test]
    async fn bytes_flow_then_end_of_stream() {
        let (mut writer, mut reader) = pipe();
        let extra = writer.clone();
        writer.write(Bytes::from_static(b"hello ")).unwrap();
        writer.write(Bytes::from_static(b"world")).unwrap();
        assert_eq!(reader.read(5).unwrap(), &b"hello"[..]);
        drop(writer);
        assert_eq!(reader.read(100).unwrap(), &b" world"[..]);
        assert_eq!(
            reader.read(100).unwrap(),
            Bytes::new(),
            "a writer is still open"
        );
        drop(extra);
        reader.ready().await;
        assert!(matches!(reader.read(100), Err(StreamError::Closed)));
    }

    /// A full pipe gives no permit until the reader drains it; a writer waiting for room resumes then.
    #[tokio::test]
    async fn full_pipe_applies_backpressure() {
        let (mut writer, mut reader) = pipe();
        writer.write(Bytes::from(vec![1u8; PIPE_CAPACITY])).unwrap();
        assert_eq!(writer.check_write().unwrap(), 0);
        assert!(writer.write(Bytes::from_static(b"x")).is_err());
        let waiter = tokio::spawn(async move {
            writer
                .write_all(Bytes::from(vec![2u8; 1000]))
                .await
                .unwrap();
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(reader.read(PIPE_CAPACITY).unwrap().len(), PIPE_CAPACITY);
        waiter.await.unwrap();
        reader.ready().await;
        assert_eq!(reader.read(PIPE_CAPACITY).unwrap(), vec![2u8; 1000]);
    }

    /// Writers see `closed` once every reader is gone, including a writer blocked on a full pipe.
    /// A pipe fed on demand accepts nothing until its reader asks, then at most what it asked for; what the
    /// reader never asks for is never taken from the writer.
    #[tokio::test]
    async fn on_demand_pipe_accepts_only_what_the_reader_asks() {
        let (mut writer, mut reader) = pipe_on_demand();
        assert_eq!(writer.check_write().unwrap(), 0);
        assert_eq!(reader.read(3).unwrap(), Bytes::new());
        assert_eq!(writer.check_write().unwrap(), 3);
        writer.write(Bytes::from_static(b"abc")).unwrap();
        assert_eq!(writer.check_write().unwrap(), 0);
        assert!(writer.write(Bytes::from_static(b"d")).is_err());
        assert_eq!(writer.check_write().unwrap(), 0);
        // A permit stays valid while the reader reads: asked 5, 2 buffered, 3 allowed; reading does not shrink it.
        assert_eq!(reader.read(10).unwrap(), Bytes::from_static(b"abc"));
        assert_eq!(writer.check_write().unwrap(), 0);
        assert_eq!(reader.read(5).unwrap(), Bytes::new());
        writer.write(Bytes::from_static(b"de")).unwrap();
        assert_eq!(writer.check_write().unwrap(), 3);
        assert_eq!(reader.read(1).unwrap(), Bytes::from_static(b"d"));
        assert_eq!(writer.check_write().unwrap(), 3);
        writer.write(Bytes::from_static(b"fgh")).unwrap();
        assert_eq!(reader.read(10).unwrap(), Bytes::from_static(b"efgh"));
        assert_eq!(writer.check_write().unwrap(), 0);
        // A reader waiting in poll asks for a pipe's worth.
        let waiting = tokio::spawn(async move {
            Pollable::ready(&mut reader).await;
            reader.read(PIPE_CAPACITY).unwrap()
        });
        Pollable::ready(&mut writer).await;
        assert_eq!(writer.check_write().unwrap(), PIPE_CAPACITY);
        writer.write(Bytes::from_static(b"more")).unwrap();
        assert_eq!(waiting.await.unwrap(), Bytes::from_static(b"more"));
    }

    #[tokio::test]
    async fn writers_see_closed_without_readers() {
        let (mut writer, reader) = pipe();
        writer.write(Bytes::from(vec![0u8; PIPE_CAPACITY])).unwrap();
        let blocked =
            tokio::spawn(async move { writer.write_all(Bytes::from_static(b"more")).await });
        tokio::task::yield_now().await;
        drop(reader);
        assert!(matches!(blocked.await.unwrap(), Err(StreamError::Closed)));
    }
}
