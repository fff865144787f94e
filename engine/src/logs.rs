//! Reading an execution's captured output as a sequence of events: what the `Logs` RPC streams.
//!
//! A [`LogReader`] pulls from the execution's bounded buffers ([`crate::output`]) at its own pace, so a slow
//! reader never slows the guest or other readers down, and nothing is spawned: dropping the reader (the client
//! went away) ends it.
//!
//! ```text
//! LogQuery ─► Manager::read_logs ─► LogReader ─► Chunk(stdout|stderr, offset, bytes) … End(state, totals)
//! ```
//!
//! # Guarantees
//!
//! - Chunks of one stream come in offset order without gaps, starting at `tail_bytes` before the end of the
//!   retained output (or at 0). Each is at most [`crate::output::MAX_FOLLOW_CHUNK`] bytes.
//! - Without `follow` (or for a terminal execution) the reader sends what is retained when it is created, then
//!   [`LogEvent::End`] with the state at that moment, even if the execution is still running.
//! - With `follow` it also sends live output, and [`LogEvent::End`] only once the execution is terminal and all
//!   its output was sent.
//! - Truncation is reported by the counters in [`LogEnd`]; the truncation marker of
//!   [`OutputBuffer::contents`](crate::OutputBuffer::contents) is never sent as output.
//!
//! Across stdout and stderr, order is the order the reader finds the bytes (live output interleaves as it
//! arrives; retained output is stdout first, then stderr): the buffers do not record a global write order.

use bytes::Bytes;

use crate::error::Result;
use kruntimes_api::v1alpha1::RunPhase;

use crate::manager::{Manager, RunHandle, StreamTotals};
use crate::output::OutputFollower;
use crate::spec::RunId;

/// One output stream of a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Which streams a [`LogQuery`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogSelection {
    /// Only stdout.
    Stdout,
    /// Only stderr.
    Stderr,
    /// Both.
    #[default]
    Both,
}

impl LogSelection {
    fn includes(self, stream: StdStream) -> bool {
        matches!(
            (self, stream),
            (LogSelection::Both, _)
                | (LogSelection::Stdout, StdStream::Stdout)
                | (LogSelection::Stderr, StdStream::Stderr)
        )
    }
}

/// What to read from which execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// The execution.
    pub id: RunId,
    /// Keep reading live output until the execution is terminal.
    pub follow: bool,
    /// Which streams.
    pub streams: LogSelection,
    /// Start each stream at most this many bytes before the end of its retained output; `None` reads from the
    /// first byte, `Some(0)` only new output.
    pub tail_bytes: Option<u64>,
}

impl LogQuery {
    /// Everything retained, both streams, without following.
    pub fn new(id: RunId) -> Self {
        Self {
            id,
            follow: false,
            streams: LogSelection::Both,
            tail_bytes: None,
        }
    }
}

/// A piece of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    /// The stream.
    pub stream: StdStream,
    /// Offset of `data` within the stream's retained output.
    pub offset: u64,
    /// The bytes (not necessarily UTF-8 or whole lines).
    pub data: Bytes,
}

/// The last event of a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogEnd {
    /// The execution's state when the read ended: terminal when following.
    pub state: RunPhase,
    /// Stdout totals at the end.
    pub stdout: StreamTotals,
    /// Stderr totals at the end.
    pub stderr: StreamTotals,
}

/// What a [`LogReader`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// Output.
    Chunk(LogChunk),
    /// The end; nothing follows.
    End(LogEnd),
}

/// Reads one execution's output; see the module docs.
#[derive(Debug)]
pub struct LogReader {
    handle: RunHandle,
    follow: bool,
    stdout: Option<OutputFollower>,
    stderr: Option<OutputFollower>,
    ended: bool,
}

impl LogReader {
    /// A reader of `handle`'s output as `query` asks (its `id` is not used).
    pub fn new(handle: RunHandle, query: &LogQuery) -> Self {
        // Following a terminal execution is the same as not following.
        let follow = query.follow && !handle.state().is_terminal();
        let follower = |stream: StdStream| {
            query.streams.includes(stream).then(|| {
                let buffer = match stream {
                    StdStream::Stdout => handle.stdout(),
                    StdStream::Stderr => handle.stderr(),
                };
                let kept = buffer.kept_len();
                let tail = query
                    .tail_bytes
                    .map_or(kept, |tail| usize::try_from(tail).unwrap_or(usize::MAX));
                buffer.follow_kept(kept.saturating_sub(tail), (!follow).then_some(kept))
            })
        };
        Self {
            stdout: follower(StdStream::Stdout),
            stderr: follower(StdStream::Stderr),
            handle,
            follow,
            ended: false,
        }
    }

    /// The next event, waiting for live output when following; `None` after [`LogEvent::End`].
    pub async fn next(&mut self) -> Option<LogEvent> {
        loop {
            if self.ended {
                return None;
            }
            let (stream, next) = match (self.stdout.as_mut(), self.stderr.as_mut()) {
                // Live output of both streams: whichever has bytes first.
                (Some(out), Some(err)) if self.follow => tokio::select! {
                    next = next_at(out) => (StdStream::Stdout, next),
                    next = next_at(err) => (StdStream::Stderr, next),
                },
                (Some(out), _) => (StdStream::Stdout, next_at(out).await),
                (None, Some(err)) => (StdStream::Stderr, next_at(err).await),
                (None, None) => {
                    self.ended = true;
                    return Some(LogEvent::End(self.end().await));
                }
            };
            match next {
                Some((offset, data)) => {
                    return Some(LogEvent::Chunk(LogChunk {
                        stream,
                        offset,
                        data,
                    }));
                }
                None => match stream {
                    StdStream::Stdout => self.stdout = None,
                    StdStream::Stderr => self.stderr = None,
                },
            }
        }
    }

    async fn end(&mut self) -> LogEnd {
        let state = if self.follow {
            // The streams close just before the outcome is published.
            self.handle.wait().await.phase
        } else {
            self.handle.state()
        };
        LogEnd {
            state,
            stdout: StreamTotals::of(self.handle.stdout()),
            stderr: StreamTotals::of(self.handle.stderr()),
        }
    }
}

/// The next chunk of `follower` with its offset. Cancel-safe: the offset only moves when a chunk is returned.
async fn next_at(follower: &mut OutputFollower) -> Option<(u64, Bytes)> {
    let offset = follower.offset() as u64;
    follower.next_chunk().await.map(|data| (offset, data))
}

impl Manager {
    /// A reader of the execution's output as `query` asks.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NotFound`] if the execution is neither retained nor among the recently forgotten ones
    /// whose output is kept.
    pub fn read_logs(&self, query: &LogQuery) -> Result<LogReader> {
        self.handle(&query.id)
            .or_else(|err| self.forgotten_handle(&query.id).ok_or(err))
            .map(|handle| LogReader::new(handle, query))
    }
}
