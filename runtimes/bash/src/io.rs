//! Pipes and the pump loop: how the shell's in-process stages and its children's host streams meet.
//!
//! A shell pipe ([`pipe`]) is an in-memory buffer with reader and writer ends (brush's `OpenFile::Stream`s). A
//! child that writes into one (`ls | while read ...`) keeps its stdout as a host stream, attached to the pipe as
//! a *source*, read when the pipe is read. A child reading a shell pipe gets a host pipe fed on demand: the
//! shell moves only the bytes the child asks for, so a command in `... | while read f; do sed -i x "$f"; done`
//! that never reads stdin leaves the loop's input alone, and one that reads gets the rest, as on Unix. When the
//! last reader of a shell pipe is gone its sources are closed, so `yes | head -n 1` ends with `yes` seeing
//! SIGPIPE.
//!
//! The shell has one thread. Whenever it must block (waiting for a child, reading a source), it runs the pump
//! loop ([`block_until`]): it moves whatever data is ready between host streams and shell-side buffers or files
//! (feeds into children's stdin, children's output into redirected files, sources into pipe buffers), then polls
//! every stream involved with `wasi:io/poll`. So no child ever waits on a buffer the shell would only drain later.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use brush_core::openfiles::{OpenFile, Stream};
use brush_core::sys::host::{NullFile, SharedFile};

use crate::bindings::wasi::io::poll::{Pollable, poll};
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};

/// Bytes moved per step.
const CHUNK: u64 = 64 * 1024;
/// Bytes of a pipe's sources drained ahead of a child reading it (more waits in the producer's host pipe).
const READ_AHEAD: usize = 256 * 1024;

/// Makes a single-threaded value `Send + Sync`, as brush's traits require.
///
/// wasm32-wasip2 has one thread: nothing can be shared across threads, so the bounds are vacuous here.
pub(crate) struct OneThread<T>(pub(crate) T);

// SAFETY: the component runs on a single thread (wasm32-wasip2 has no threads); no value ever crosses one.
unsafe impl<T> Send for OneThread<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for OneThread<T> {}

/// The state of one shell pipe.
#[derive(Default)]
pub(crate) struct PipeState {
    /// Bytes written by the shell, or drained from sources, not yet read.
    buf: VecDeque<u8>,
    /// Live writer ends held by the shell.
    writers: usize,
    /// Live reader ends (the shell's and those feeding children).
    readers: usize,
    /// Feeds moving this pipe into children.
    feeds: usize,
    /// Children's output streams feeding the pipe, in order: the first is read to its end before the next.
    sources: VecDeque<OneThread<InputStream>>,
}

type Shared = Arc<Mutex<PipeState>>;

fn lock(state: &Shared) -> MutexGuard<'_, PipeState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A new pipe: (read end, write end).
pub(crate) fn pipe() -> (OpenFile, OpenFile) {
    let state = Shared::default();
    let writer = PipeWriter::new(Arc::clone(&state));
    (
        OpenFile::Stream(Box::new(PipeReader::new(state))),
        OpenFile::Stream(Box::new(writer)),
    )
}

/// The read end of a shell pipe.
pub(crate) struct PipeReader(Shared);

impl PipeReader {
    fn new(state: Shared) -> Self {
        lock(&state).readers += 1;
        Self(state)
    }
}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        Self::new(Arc::clone(&self.0))
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut state = lock(&self.0);
        state.readers -= 1;
        if state.readers == 0 {
            // Nobody will read: producers see a closed pipe (SIGPIPE), and buffered data is dropped.
            state.sources.clear();
            state.buf.clear();
        }
    }
}

/// The write end of a shell pipe; the pipe ends once every writer end is dropped and every source has ended.
pub(crate) struct PipeWriter(Shared);

impl PipeWriter {
    fn new(state: Shared) -> Self {
        lock(&state).writers += 1;
        Self(state)
    }

    /// Adds a child's output stream as the pipe's next source.
    pub(crate) fn attach(&self, source: InputStream) {
        lock(&self.0).sources.push_back(OneThread(source));
        PUMPS.with_borrow_mut(|pumps| pumps.sources.push(Arc::downgrade(&self.0)));
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        lock(&self.0).writers -= 1;
    }
}

impl Read for PipeReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut state = lock(&self.0);
                if !state.buf.is_empty() {
                    return Ok(take(&mut state.buf, out));
                }
                match state.sources.front() {
                    Some(source) => match source.0.read(out.len() as u64) {
                        Ok(bytes) if !bytes.is_empty() => {
                            out[..bytes.len()].copy_from_slice(&bytes);
                            return Ok(bytes.len());
                        }
                        Ok(_) => {}
                        Err(_) => {
                            state.sources.pop_front();
                            continue;
                        }
                    },
                    // With no source and no data, the pipe has ended: a writer end the shell still holds could
                    // only be written after this read returns (one thread), so waiting would never end.
                    None => return Ok(0),
                }
            }
            wait_until(|| source_pollable(&self.0));
        }
    }
}

impl Write for PipeReader {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("pipe reader is not writable"))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Read for PipeWriter {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("pipe writer is not readable"))
    }
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        // Children wrote into this pipe before: their output comes first.
        drain_sources(&self.0);
        lock(&self.0).buf.extend(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Stream for PipeReader {
    fn clone_box(&self) -> Box<dyn Stream> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

impl Stream for PipeWriter {
    fn clone_box(&self) -> Box<dyn Stream> {
        Box::new(Self::new(Arc::clone(&self.0)))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

fn take(buf: &mut VecDeque<u8>, out: &mut [u8]) -> usize {
    let n = buf.len().min(out.len());
    for (slot, byte) in out.iter_mut().zip(buf.drain(..n)) {
        *slot = byte;
    }
    n
}

/// Reads every source of a pipe to its end into the buffer (blocking, pumping everything else meanwhile).
fn drain_sources(state: &Shared) {
    loop {
        {
            let mut guard = lock(state);
            let Some(source) = guard.sources.front() else {
                return;
            };
            match source.0.read(CHUNK) {
                Ok(bytes) if !bytes.is_empty() => {
                    guard.buf.extend(bytes);
                    continue;
                }
                Ok(_) => {}
                Err(_) => {
                    guard.sources.pop_front();
                    continue;
                }
            }
        }
        wait_until(|| source_pollable(state));
    }
}

/// A pollable for the pipe's first source while it has no buffered data; `None` when there is data to read or
/// nothing to wait for.
fn source_pollable(state: &Shared) -> Option<Pollable> {
    let state = lock(state);
    if !state.buf.is_empty() {
        return None;
    }
    state.sources.front().map(|s| s.0.subscribe())
}

/// What a child's stdin should be, given the shell's fd 0 for it.
pub(crate) enum StdinPlan {
    Inherit,
    Null,
    /// A host pipe the shell feeds, on demand, from this open file.
    Feed(OpenFile),
}

/// Chooses how to connect `file` (the shell's fd 0 for a child) to the child.
pub(crate) fn plan_stdin(file: OpenFile) -> StdinPlan {
    match &file {
        OpenFile::Stdin(_) => return StdinPlan::Inherit,
        OpenFile::Stream(stream) => {
            if let Some(any) = stream.as_any() {
                if any.is::<NullFile>() {
                    return StdinPlan::Null;
                }
                if let Some(reader) = any.downcast_ref::<PipeReader>() {
                    let state = lock(&reader.0);
                    if state.buf.is_empty() && state.writers == 0 && state.sources.is_empty() {
                        return StdinPlan::Null;
                    }
                }
            }
        }
        _ => {}
    }
    StdinPlan::Feed(file)
}

/// Whether `file` is the shell's own stdin (neither redirected nor piped).
pub(crate) fn is_inherited_stdin(file: &OpenFile) -> bool {
    matches!(file, OpenFile::Stdin(_))
}

/// What a child's stdout or stderr should be, given the shell's fd 1 or 2 for it.
pub(crate) enum OutputPlan {
    /// The shell's own stdout (`inherit` for stdout).
    Stdout,
    /// The shell's own stderr (`inherit` for stderr).
    Stderr,
    Null,
    /// A host pipe attached to this shell pipe as a source.
    Pipe(PipeWriterHandle),
    /// A host pipe the shell copies into this open file (a redirected file).
    Copy(OpenFile),
}

/// A writer end kept alive while its child's stream is attached.
pub(crate) struct PipeWriterHandle(Shared);

impl PipeWriterHandle {
    pub(crate) fn attach(&self, source: InputStream) {
        let writer = PipeWriter::new(Arc::clone(&self.0));
        writer.attach(source);
    }
}

/// Identity of an open file, to recognise `2>&1` (both fds naming the same file).
pub(crate) fn identity(file: &OpenFile) -> Option<usize> {
    match file {
        OpenFile::Stdout(_) => Some(1),
        OpenFile::Stderr(_) => Some(2),
        OpenFile::Stream(stream) => {
            let any = stream.as_any()?;
            if let Some(writer) = any.downcast_ref::<PipeWriter>() {
                Some(Arc::as_ptr(&writer.0) as usize)
            } else if let Some(file) = any.downcast_ref::<SharedFile>() {
                Some(Arc::as_ptr(&file.0) as *const u8 as usize)
            } else if any.is::<NullFile>() {
                Some(3)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Chooses how to connect `file` (the shell's fd 1 or 2 for a child) to the child.
pub(crate) fn plan_output(file: OpenFile) -> OutputPlan {
    match &file {
        OpenFile::Stdout(_) => return OutputPlan::Stdout,
        OpenFile::Stderr(_) => return OutputPlan::Stderr,
        OpenFile::Stream(stream) => {
            if let Some(any) = stream.as_any() {
                if any.is::<NullFile>() {
                    return OutputPlan::Null;
                }
                if let Some(writer) = any.downcast_ref::<PipeWriter>() {
                    return OutputPlan::Pipe(PipeWriterHandle(Arc::clone(&writer.0)));
                }
            }
        }
        _ => {}
    }
    OutputPlan::Copy(file)
}

/// Copies an open file of the shell into a child's stdin, as the child asks for it.
struct Feed {
    from: OpenFile,
    /// The pipe `from` reads, if it is a shell pipe.
    pipe: Option<Shared>,
    to: Option<OneThread<OutputStream>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Some(pipe) = &self.pipe {
            lock(pipe).feeds -= 1;
        }
    }
}

/// Copies a child's output into an open file of the shell.
struct Copy {
    id: u64,
    from: OneThread<InputStream>,
    to: OpenFile,
    done: bool,
}

#[derive(Default)]
struct Pumps {
    feeds: Vec<Feed>,
    copies: Vec<Copy>,
    /// Pipes with sources (drained into their buffers while the shell blocks).
    sources: Vec<Weak<Mutex<PipeState>>>,
    next_copy: u64,
}

thread_local! {
    static PUMPS: RefCell<Pumps> = RefCell::default();
}

/// Starts feeding `from` into a child's stdin pipe.
pub(crate) fn feed(from: OpenFile, to: OutputStream) {
    let pipe = match &from {
        OpenFile::Stream(stream) => stream
            .as_any()
            .and_then(|a| a.downcast_ref::<PipeReader>())
            .map(|r| Arc::clone(&r.0)),
        _ => None,
    };
    if let Some(pipe) = &pipe {
        lock(pipe).feeds += 1;
    }
    PUMPS.with_borrow_mut(|pumps| {
        pumps.feeds.push(Feed {
            from,
            pipe,
            to: Some(OneThread(to)),
        });
    });
}

/// Starts copying a child's output stream into `to`; returns an id for [`copy_done`].
pub(crate) fn copy(from: InputStream, to: OpenFile) -> u64 {
    PUMPS.with_borrow_mut(|pumps| {
        pumps.next_copy += 1;
        let id = pumps.next_copy;
        pumps.copies.push(Copy {
            id,
            from: OneThread(from),
            to,
            done: false,
        });
        id
    })
}

/// Whether the copy `id` has reached the end of its stream.
pub(crate) fn copy_done(id: u64) -> bool {
    PUMPS.with_borrow(|pumps| !pumps.copies.iter().any(|c| c.id == id))
}

/// Reads up to `max` bytes from an open file without blocking on a child: shell pipes give what is buffered or
/// ready now. `None` means nothing is ready yet; `Some(empty)` the end.
fn try_read(from: &mut OpenFile, max: usize) -> Option<Vec<u8>> {
    if let OpenFile::Stream(stream) = from
        && let Some(reader) = stream.as_any().and_then(|a| a.downcast_ref::<PipeReader>())
    {
        let mut state = lock(&reader.0);
        if !state.buf.is_empty() {
            let n = state.buf.len().min(max);
            return Some(state.buf.drain(..n).collect());
        }
        return match state.sources.front() {
            Some(source) => match source.0.read(max as u64) {
                Ok(bytes) if bytes.is_empty() => None,
                Ok(bytes) => Some(bytes),
                Err(_) => {
                    state.sources.pop_front();
                    if state.sources.is_empty() {
                        Some(Vec::new())
                    } else {
                        None
                    }
                }
            },
            None => Some(Vec::new()),
        };
    }
    let mut buf = vec![0; max];
    match from.read(&mut buf) {
        Ok(n) => {
            buf.truncate(n);
            Some(buf)
        }
        Err(_) => Some(Vec::new()),
    }
}

impl Feed {
    /// Moves what the child asks for and is available, without blocking; returns whether anything moved. The
    /// feed is finished when `to` is gone: at the end of the input (closing it is the child's end of input) or
    /// when the child has ended (what it did not ask for stays in the shell's pipe or file).
    fn step(&mut self) -> bool {
        let Some(to) = &self.to else {
            return false;
        };
        let mut moved = false;
        loop {
            let wanted = match to.0.check_write() {
                Ok(0) => return moved,
                Ok(n) => n.min(CHUNK) as usize,
                Err(_) => {
                    self.to = None;
                    return true;
                }
            };
            match try_read(&mut self.from, wanted) {
                None => return moved,
                Some(bytes) if bytes.is_empty() => {
                    self.to = None;
                    return true;
                }
                Some(bytes) => {
                    // At most what check-write allowed, so the write cannot be refused for size.
                    if to.0.write(&bytes).is_err() {
                        self.to = None;
                        return true;
                    }
                    moved = true;
                }
            }
        }
    }

    /// What the feed waits on: the child asking for input, and a shell pipe's source having data.
    fn pollables(&self) -> Vec<Pollable> {
        let Some(to) = self.to.as_ref() else {
            return Vec::new();
        };
        let mut list = vec![to.0.subscribe()];
        if let Some(pipe) = &self.pipe {
            let state = lock(pipe);
            if state.buf.is_empty()
                && let Some(source) = state.sources.front()
            {
                list.push(source.0.subscribe());
            }
        }
        list
    }
}

impl Copy {
    fn step(&mut self) -> bool {
        let mut moved = false;
        loop {
            match self.from.0.read(CHUNK) {
                Ok(bytes) if bytes.is_empty() => return moved,
                Ok(bytes) => {
                    // A failed write (a full or closed file) loses this chunk, as a child writing to it would.
                    let _ = self.to.write_all(&bytes);
                    moved = true;
                }
                Err(_) => {
                    let _ = self.to.flush();
                    self.done = true;
                    return true;
                }
            }
        }
    }
}

/// Drains ready data of every pipe source into its buffer; returns whether anything moved.
fn step_sources(sources: &mut Vec<Weak<Mutex<PipeState>>>) -> bool {
    let mut moved = false;
    sources.retain(|weak| {
        let Some(state) = weak.upgrade() else {
            return false;
        };
        let mut guard = lock(&state);
        loop {
            let Some(source) = guard.sources.front() else {
                return false;
            };
            if guard.feeds > 0 && guard.buf.len() >= READ_AHEAD {
                // A child reads this pipe: the producer waits instead of the shell's memory growing.
                return true;
            }
            match source.0.read(CHUNK) {
                Ok(bytes) if bytes.is_empty() => return true,
                Ok(bytes) => {
                    guard.buf.extend(bytes);
                    moved = true;
                }
                Err(_) => {
                    guard.sources.pop_front();
                    moved = true;
                }
            }
        }
    });
    moved
}

/// Runs every pump until nothing moves; returns the pollables they wait on.
fn step_all() -> Vec<Pollable> {
    // Pumps are taken out while they run: writing into a shell pipe may re-enter the pump loop.
    let (mut feeds, mut copies, mut sources) = PUMPS.with_borrow_mut(|p| {
        (
            std::mem::take(&mut p.feeds),
            std::mem::take(&mut p.copies),
            std::mem::take(&mut p.sources),
        )
    });
    loop {
        let mut moved = step_sources(&mut sources);
        for feed in &mut feeds {
            moved |= feed.step();
        }
        for copy in &mut copies {
            moved |= copy.step();
        }
        feeds.retain(|f| f.to.is_some());
        copies.retain(|c| !c.done);
        if !moved {
            break;
        }
    }
    let mut pollables: Vec<Pollable> = feeds.iter().flat_map(Feed::pollables).collect();
    pollables.extend(copies.iter().map(|c| c.from.0.subscribe()));
    for weak in &sources {
        if let Some(state) = weak.upgrade() {
            let state = lock(&state);
            if let Some(source) = state.sources.front()
                && !(state.feeds > 0 && state.buf.len() >= READ_AHEAD)
            {
                pollables.push(source.0.subscribe());
            }
        }
    }
    PUMPS.with_borrow_mut(|p| {
        // Pumps started while these ran (by re-entry) are kept too.
        feeds.append(&mut p.feeds);
        copies.append(&mut p.copies);
        sources.append(&mut p.sources);
        p.feeds = feeds;
        p.copies = copies;
        p.sources = sources;
    });
    pollables
}

/// Blocks until `target` is ready, running the pumps meanwhile. `target` must not be a stream's pollable that
/// the pumps may drop (use [`wait_until`]): a resource cannot be dropped while its pollable lives.
pub(crate) fn block_until(target: &Pollable) {
    block_until_any(&[target]);
}

/// Runs the pumps until one of `targets` is ready.
pub(crate) fn block_until_any(targets: &[&Pollable]) {
    loop {
        let others = step_all();
        if targets.iter().any(|t| t.ready()) {
            return;
        }
        let mut list: Vec<&Pollable> = Vec::with_capacity(others.len() + targets.len());
        list.extend(targets);
        list.extend(others.iter());
        poll(&list);
    }
}

/// Runs the pumps and waits until `target` (asked anew after each step, so no pollable outlives a step that
/// may drop its stream) is ready or `None`.
fn wait_until(mut target: impl FnMut() -> Option<Pollable>) {
    loop {
        let others = step_all();
        let Some(target) = target() else {
            return;
        };
        if target.ready() {
            return;
        }
        let mut list: Vec<&Pollable> = Vec::with_capacity(others.len() + 1);
        list.push(&target);
        list.extend(others.iter());
        poll(&list);
    }
}

/// Runs the pumps until the copy `id` has finished.
pub(crate) fn finish_copy(id: u64) {
    while !copy_done(id) {
        let others = step_all();
        if copy_done(id) {
            return;
        }
        if others.is_empty() {
            return;
        }
        let list: Vec<&Pollable> = others.iter().collect();
        poll(&list);
    }
}
