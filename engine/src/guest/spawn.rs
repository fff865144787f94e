//! `kruntimes:runtime/spawn`: a shell starts other programs of the same Run as children.
//!
//! A child is a fresh instance of another registered component (a program the Runtime lists), with its own
//! Store, running concurrently on its own tokio task. It gets the Run's grants with its own argv, environment and
//! working directory ([`crate::capabilities::Grants::for_child`]): the same workspace preopen, mounts and network,
//! never more. It shares the Run's deadline and memory budget ([`crate::budget::SharedBudget`]).
//!
//! Stdio is wired at spawn time. `pipe` targets are [`crate::pipe`]s (bounded, with backpressure); `from-stream`
//! and `to-stream` move the caller's stream to the host, where a pump task copies between it and a pipe. A child's
//! pipes reach end-of-stream when its Store is dropped, i.e. when it ends.
//!
//! # Guarantees
//!
//! - `spawn` returns once the child is instantiated (instantiation failures are `spawn-error::other`).
//! - Dropping a `child` handle or calling `kill` ends the child at once (its task is aborted; it ends `killed`).
//! - When the Run's top-level component ends (exit, trap, timeout, cancel), every child and pump is ended
//!   (`RunContext::shutdown`), so nothing outlives the Run.
//! - At most [`MAX_LIVE_CHILDREN`] children are alive at once (`spawn-error::limit`) and [`MAX_CHILDREN_PER_RUN`]
//!   are started over a Run (`spawn-error::other`, naming the limit).
//! - Each child holds one of the engine's child instance slots ([`crate::EngineConfig::child_instances`]): the
//!   pool keeps one instance per Run apart, so no number of children can stop a Run from starting. When the
//!   slots are all taken, a spawn waits up to [`CHILD_SLOT_WAIT`] for one (other Runs' pipeline stages end within
//!   milliseconds), then fails (`spawn-error::other`, naming the pool) instead of instantiation failing.
//!
//! Working directories: wasi-libc resolves relative paths through the `.` preopen and ignores `initial-cwd`, so a
//! child's `cwd` becomes its `.` preopen. The directory is opened through the workspace's cap-std handle (a guest
//! symlink cannot lead it outside) and handed to wasmtime-wasi as `/proc/self/fd/N`, which reopens that very
//! directory without resolving the path again.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use kruntimes_api::lifecycle::error_chain;
use tokio::sync::{oneshot, watch};
use tokio::task::{AbortHandle, JoinHandle};
use wasmtime::Store;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::cli::{StdinStream, StdoutStream};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, InputStream, Pollable};

use super::bindings::kruntimes::runtime::spawn::{
    Command, ExitStatus, Host, HostChild, SpawnError, StderrTarget, StdinSource, StdoutTarget,
};
use super::{GuestState, MAX_RESOURCES_PER_CHILD, RunContext, Runtime, lock, new_store};
use crate::budget::MemoryBudget;
use crate::capabilities::format_bytes;
use crate::outcome::bounded_message;
use crate::pipe::{self, BrokenPipe, ChildWriter, PipeReader, PipeWriter};
use crate::sandbox::{self, GuestStdio};

mod request;

/// Children alive at once per Run. Each is a component instance from the engine's pool.
pub(crate) const MAX_LIVE_CHILDREN: usize = 32;
/// Children started over one Run's lifetime.
pub(crate) const MAX_CHILDREN_PER_RUN: usize = 10_000;

/// How long a spawn waits for a child instance slot when all are in use before it fails.
pub(crate) const CHILD_SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
/// Exit status of a child ended by writing to a pipe without readers (128 + SIGPIPE, as bash reports it).
const SIGPIPE_STATUS: u8 = 141;
/// Bytes a pump moves per step.
const PUMP_CHUNK: usize = 64 * 1024;

/// The `child` resource: a handle to a running or finished child.
#[expect(
    unreachable_pub,
    reason = "bindgen! re-exports the resource type with `pub use`, which needs it `pub`"
)]
pub struct Child {
    id: u32,
    status: watch::Receiver<Option<ExitStatus>>,
    status_tx: Arc<watch::Sender<Option<ExitStatus>>>,
    task: AbortHandle,
    stdin: Option<PipeWriter>,
    stdout: Option<PipeReader>,
    stderr: Option<PipeReader>,
}

impl Child {
    fn kill(&self) {
        self.task.abort();
        publish(&self.status_tx, ExitStatus::Killed);
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Dropping the handle kills a running child; a finished one keeps its status.
        self.kill();
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Child {
    async fn ready(&mut self) {
        let mut status = self.status.clone();
        // An error means the sender is gone, which only happens after the status was published.
        let _ = status.wait_for(Option::is_some).await;
    }
}

/// Sets the status once; later attempts (a kill after exit, an exit after kill) are ignored.
fn publish(status: &watch::Sender<Option<ExitStatus>>, value: ExitStatus) {
    status.send_if_modified(|current| {
        if current.is_some() {
            return false;
        }
        *current = Some(value);
        true
    });
}

/// The Run's children and pumps, so they can be ended with the Run.
#[derive(Default)]
pub(crate) struct Children {
    alive: usize,
    started: usize,
    tasks: Vec<AbortHandle>,
}

impl Children {
    fn track(&mut self, task: AbortHandle) {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.push(task);
    }

    /// Takes every tracked child task and pump, to be aborted after the lock is released.
    pub(crate) fn take_all(&mut self) -> Vec<AbortHandle> {
        std::mem::take(&mut self.tasks)
    }
}

/// Decrements the live-children count when a child task ends (or is aborted).
/// A live child: counted in its Run's `alive` and holding one of the engine's child instance slots until dropped.
struct AliveGuard(
    Arc<RunContext>,
    #[expect(dead_code, reason = "held for its Drop: returns the slot")]
    tokio::sync::OwnedSemaphorePermit,
);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        let mut children = lock(&self.0.children);
        children.alive = children.alive.saturating_sub(1);
    }
}

enum Stdin {
    Inherit,
    Null,
    Pipe,
    Stream(DynInputStream),
}

enum Output {
    Inherit,
    Null,
    Pipe,
    Stream(DynOutputStream),
    /// stderr only: wherever stdout goes.
    Stdout,
}

fn other(message: impl Into<String>) -> SpawnError {
    SpawnError::Other(message.into())
}

impl Host for GuestState {
    async fn spawn(
        &mut self,
        cmd: Command,
    ) -> wasmtime::Result<Result<Resource<Child>, SpawnError>> {
        // The streams in `cmd` belong to the host from here on, even if spawning fails.
        let table = &mut self.table;
        let stdin = match cmd.stdin {
            StdinSource::Inherit => Stdin::Inherit,
            StdinSource::Null => Stdin::Null,
            StdinSource::Pipe => Stdin::Pipe,
            StdinSource::FromStream(stream) => Stdin::Stream(table.delete(stream)?),
        };
        let stdout = stdout_output(table, cmd.stdout)?;
        let stderr = stderr_output(table, cmd.stderr)?;
        let Some(run) = self.run.clone() else {
            return Ok(Err(SpawnError::Denied));
        };
        let request = Request {
            program: cmd.program,
            args: cmd.args,
            env: cmd.env,
            cwd: cmd.cwd.unwrap_or_else(|| self.cwd.clone()),
            stdin,
            stdout,
            stderr,
        };
        match start(&run, &self.stdio, request).await {
            Ok(child) => Ok(Ok(self.table.push(child)?)),
            Err(err) => Ok(Err(err)),
        }
    }

    async fn programs(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(self
            .run
            .as_ref()
            .map(|run| run.grants.programs.clone())
            .unwrap_or_default())
    }
}

/// Moves a `to-stream` stdout out of the caller's table.
fn stdout_output(table: &mut ResourceTable, target: StdoutTarget) -> wasmtime::Result<Output> {
    Ok(match target {
        StdoutTarget::Inherit => Output::Inherit,
        StdoutTarget::Null => Output::Null,
        StdoutTarget::Pipe => Output::Pipe,
        StdoutTarget::ToStream(stream) => Output::Stream(table.delete(stream)?),
    })
}

/// Moves a `to-stream` stderr out of the caller's table.
fn stderr_output(table: &mut ResourceTable, target: StderrTarget) -> wasmtime::Result<Output> {
    Ok(match target {
        StderrTarget::Inherit => Output::Inherit,
        StderrTarget::Null => Output::Null,
        StderrTarget::Pipe => Output::Pipe,
        StderrTarget::ToStream(stream) => Output::Stream(table.delete(stream)?),
        StderrTarget::Stdout => Output::Stdout,
    })
}

struct Request {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: String,
    stdin: Stdin,
    stdout: Output,
    stderr: Output,
}

/// Starts a child of `run` for a parent whose stdio is `parent`.
async fn start(
    run: &Arc<RunContext>,
    parent: &GuestStdio,
    request: Request,
) -> Result<Child, SpawnError> {
    if run.grants.programs.is_empty() {
        return Err(SpawnError::Denied);
    }
    let Some(slot) = run.programs.get(&request.program).cloned() else {
        return Err(SpawnError::NotFound(request.program));
    };
    // The first spawn of a program loads its component (compiling it if it never was): once per process.
    let runtime = slot.get().await.map_err(|err| {
        other(format!(
            "cannot load {}: {}",
            request.program,
            error_chain(&err)
        ))
    })?;
    request::check_args_env(&request.args, &request.env).map_err(other)?;
    // Opened before anything is reserved; kept open until the child's WasiCtx has reopened it.
    let cwd_dir = open_cwd(run, &request.cwd)?;
    let within_limits = |children: &Children| {
        if children.alive >= MAX_LIVE_CHILDREN {
            return Err(SpawnError::Limit);
        }
        if children.started >= MAX_CHILDREN_PER_RUN {
            return Err(other(format!(
                "this Run has started {MAX_CHILDREN_PER_RUN} programs, the most one Run may start"
            )));
        }
        Ok(())
    };
    within_limits(&lock(&run.children))?;
    // The pool's instances for children are shared by the pod's Runs; each Run's own instance is kept apart, so a
    // Run that holds many children can make another's spawn wait or fail, never its start.
    let slots = run.engine.child_slots();
    let slot = match Arc::clone(slots).try_acquire_owned() {
        Ok(slot) => slot,
        // Other Runs' children (pipeline stages, mostly over in milliseconds) hold every slot: wait a little.
        // Not until the deadline: Runs whose children wait for each other's slots would all hang until then.
        Err(_) => {
            match tokio::time::timeout(CHILD_SLOT_WAIT, Arc::clone(slots).acquire_owned()).await {
                Ok(Ok(slot)) => slot,
                _ => {
                    return Err(other(format!(
                        "no instance free for {}: the {} instances this pod keeps for spawned programs stayed in use \
                     for {} ms ({} of them by this Run); a Runtime whose Runs keep many programs running at once \
                     needs a larger pool.instanceSlots",
                        request.program,
                        run.engine.config().child_instances(),
                        CHILD_SLOT_WAIT.as_millis(),
                        lock(&run.children).alive
                    )));
                }
            }
        }
    };
    let alive = {
        let mut children = lock(&run.children);
        // Again: the Run's other spawns may have started children while this one waited.
        within_limits(&children)?;
        children.alive += 1;
        children.started += 1;
        AliveGuard(Arc::clone(run), slot)
    };

    // Stdio. Pumps are tracked with the Run's tasks so they end with it.
    let mut pumps: Vec<AbortHandle> = Vec::new();
    let mut output_pumps: Vec<JoinHandle<()>> = Vec::new();
    let (child_stdin, parent_stdin): (Arc<dyn StdinStream + Sync>, Option<PipeWriter>) =
        match request.stdin {
            Stdin::Inherit => (Arc::clone(&parent.stdin), None),
            Stdin::Null => (Arc::new(tokio::io::empty()), None),
            Stdin::Pipe => {
                let (writer, reader) = pipe::pipe_on_demand();
                (Arc::new(reader), Some(writer))
            }
            Stdin::Stream(stream) => {
                let (writer, reader) = pipe::pipe();
                pumps.push(tokio::spawn(pump_in(stream, writer)).abort_handle());
                (Arc::new(reader), None)
            }
        };
    let (child_stdout, parent_stdout) =
        wire_output(request.stdout, &parent.stdout, None, &mut output_pumps);
    let (child_stderr, parent_stderr) = wire_output(
        request.stderr,
        &parent.stderr,
        Some(&child_stdout),
        &mut output_pumps,
    );
    pumps.extend(output_pumps.iter().map(JoinHandle::abort_handle));
    {
        // Tracked at once, so they end with the Run even if starting the child fails below.
        let mut children = lock(&run.children);
        for pump in pumps {
            children.track(pump);
        }
    }
    let stdio = GuestStdio {
        stdin: child_stdin,
        stdout: child_stdout,
        stderr: child_stderr,
    };

    let cwd_host = cwd_dir
        .as_ref()
        .map(|dir| PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd())));
    let grants = run
        .grants
        .for_child(&request.program, &request.args, &request.env, cwd_host);
    let wasi = sandbox::wasi_ctx_with(&grants, &stdio, &request.cwd)
        .map_err(|err| other(error_chain(&err)))?;
    drop(cwd_dir);
    let state = GuestState::new(
        wasi,
        MemoryBudget::new(Arc::clone(&run.budget)),
        runtime.imports_kruntimes().then(|| Arc::clone(run)),
        stdio,
        request.cwd,
        MAX_RESOURCES_PER_CHILD,
    );
    let store = new_store(&run.engine, state, run.deadline);

    let (ready_tx, ready_rx) = oneshot::channel();
    let (status_tx, status) = watch::channel(None);
    let status_tx = Arc::new(status_tx);
    let task = tokio::spawn(child_main(
        store,
        Arc::clone(&runtime),
        ready_tx,
        Arc::clone(&status_tx),
        run.deadline,
        alive,
        output_pumps,
    ))
    .abort_handle();
    lock(&run.children).track(task.clone());
    let child = Child {
        id: run.next_child_id(),
        status,
        status_tx,
        task,
        stdin: parent_stdin,
        stdout: parent_stdout,
        stderr: parent_stderr,
    };
    match ready_rx.await {
        Ok(Ok(())) => Ok(child),
        Ok(Err(message)) => Err(other(format!(
            "{} failed to start: {message}",
            request.program
        ))),
        Err(_) => Err(other(format!(
            "{} ended before it started",
            request.program
        ))),
    }
}

/// Resolves the child's working directory: `/workspace` itself (no change), or a directory inside it, opened
/// through the workspace handle.
fn open_cwd(run: &RunContext, cwd: &str) -> Result<Option<cap_std::fs::Dir>, SpawnError> {
    let rel = request::relative_cwd(cwd).map_err(other)?;
    if rel.as_os_str().is_empty() {
        return Ok(None);
    }
    run.workspace
        .open_dir(rel)
        .map(Some)
        .map_err(|err| other(format!("cwd {cwd:?}: {err}")))
}

/// The child's end of an output, and the caller's read end if it is a pipe. A `to-stream` pump is added to
/// `pumps`: the child's status waits for it, so output has reached the caller's stream when `wait` returns.
fn wire_output(
    target: Output,
    inherited: &Arc<dyn StdoutStream + Sync>,
    stdout: Option<&Arc<dyn StdoutStream + Sync>>,
    pumps: &mut Vec<JoinHandle<()>>,
) -> (Arc<dyn StdoutStream + Sync>, Option<PipeReader>) {
    match target {
        Output::Inherit => (Arc::clone(inherited), None),
        Output::Null => (Arc::new(tokio::io::empty()), None),
        Output::Pipe => {
            let (writer, reader) = pipe::pipe();
            (Arc::new(ChildWriter(writer)), Some(reader))
        }
        Output::Stream(stream) => {
            let (writer, reader) = pipe::pipe();
            pumps.push(tokio::spawn(pump_out(reader, stream)));
            (Arc::new(ChildWriter(writer)), None)
        }
        Output::Stdout => (
            stdout.map_or_else(|| Arc::clone(inherited), Arc::clone),
            None,
        ),
    }
}

/// Copies a caller's stream into a child's stdin pipe until either side ends.
async fn pump_in(mut from: DynInputStream, mut to: PipeWriter) {
    loop {
        from.ready().await;
        match from.read(PUMP_CHUNK) {
            Ok(bytes) if bytes.is_empty() => tokio::task::yield_now().await,
            Ok(bytes) => {
                if to.write_all(bytes).await.is_err() {
                    return; // the child closed its stdin
                }
            }
            Err(_) => return, // end of stream (or failure): dropping `to` delivers end-of-stream
        }
    }
}

/// Copies a child's output pipe into a caller's stream until the child's output ends.
async fn pump_out(mut from: PipeReader, mut to: DynOutputStream) {
    loop {
        from.ready().await;
        let mut bytes: Bytes = match from.read(PUMP_CHUNK) {
            Ok(bytes) => bytes,
            Err(_) => {
                let _ = to.flush();
                return;
            }
        };
        while !bytes.is_empty() {
            let Ok(permit) = to.write_ready().await else {
                return; // the destination failed: dropping `from` makes the child's writes fail
            };
            let chunk = bytes.split_to(permit.min(bytes.len()));
            if to.write(chunk).is_err() {
                return;
            }
        }
    }
}

/// Runs one child to its end and publishes its status.
async fn child_main(
    mut store: Store<GuestState>,
    runtime: Arc<Runtime>,
    ready: oneshot::Sender<Result<(), String>>,
    status: Arc<watch::Sender<Option<ExitStatus>>>,
    deadline: Instant,
    alive: AliveGuard,
    output_pumps: Vec<JoinHandle<()>>,
) {
    let _activity = alive.0.engine.activity();
    let result = tokio::time::timeout_at(deadline.into(), async {
        let command = match runtime.pre().instantiate_async(&mut store).await {
            Ok(command) => command,
            Err(err) => {
                let message = if store.data().memory_denied() {
                    // wasmtime says "memory minimum size of N pages exceeds memory limits": name the budget.
                    format!(
                        "starting it needs more memory than is left of the Run's memory limit of {} (shared by \
                         the Run and the programs it runs)",
                        format_bytes(alive.0.grants.memory_bytes)
                    )
                } else {
                    error_chain(&*err)
                };
                let _ = ready.send(Err(message));
                return None;
            }
        };
        let _ = ready.send(Ok(()));
        Some(command.wasi_cli_run().call_run(&mut store).await)
    })
    .await;
    let memory_denied = store.data().memory_denied();
    let limit = alive.0.grants.memory_bytes;
    // Ends the child's pipes (end-of-stream downstream) and returns its memory to the Run's budget.
    drop(store);
    // `to-stream` output reaches its destination before the status says the child ended. A pump aborted with the
    // Run returns at once.
    for pump in output_pumps {
        let _ = pump.await;
    }
    let exit = match result {
        Err(_elapsed) => ExitStatus::Killed,
        Ok(None) => return,
        Ok(Some(Ok(Ok(())))) => ExitStatus::Exited(0),
        Ok(Some(Ok(Err(())))) => ExitStatus::Exited(1),
        Ok(Some(Err(err))) => match err.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => ExitStatus::Exited(u8::try_from(*code).unwrap_or(1)),
            None if err.downcast_ref::<BrokenPipe>().is_some() => {
                ExitStatus::Exited(SIGPIPE_STATUS)
            }
            None if memory_denied => {
                ExitStatus::Trapped(format!("memory limit of {} exceeded", format_bytes(limit)))
            }
            None => ExitStatus::Trapped(bounded_message(
                match err.downcast_ref::<wasmtime::Trap>() {
                    Some(trap) => trap.to_string(),
                    None => error_chain(&*err),
                },
            )),
        },
    };
    publish(&status, exit);
}

impl HostChild for GuestState {
    async fn id(&mut self, child: Resource<Child>) -> wasmtime::Result<u32> {
        Ok(self.table.get(&child)?.id)
    }

    async fn take_stdin(
        &mut self,
        child: Resource<Child>,
    ) -> wasmtime::Result<Option<Resource<DynOutputStream>>> {
        let Some(writer) = self.table.get_mut(&child)?.stdin.take() else {
            return Ok(None);
        };
        let stream: DynOutputStream = Box::new(writer);
        Ok(Some(self.table.push(stream)?))
    }

    async fn take_stdout(
        &mut self,
        child: Resource<Child>,
    ) -> wasmtime::Result<Option<Resource<DynInputStream>>> {
        let Some(reader) = self.table.get_mut(&child)?.stdout.take() else {
            return Ok(None);
        };
        let stream: DynInputStream = Box::new(reader);
        Ok(Some(self.table.push(stream)?))
    }

    async fn take_stderr(
        &mut self,
        child: Resource<Child>,
    ) -> wasmtime::Result<Option<Resource<DynInputStream>>> {
        let Some(reader) = self.table.get_mut(&child)?.stderr.take() else {
            return Ok(None);
        };
        let stream: DynInputStream = Box::new(reader);
        Ok(Some(self.table.push(stream)?))
    }

    async fn subscribe(
        &mut self,
        child: Resource<Child>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(&mut self.table, child)
    }

    async fn try_wait(&mut self, child: Resource<Child>) -> wasmtime::Result<Option<ExitStatus>> {
        Ok(self.table.get(&child)?.status.borrow().clone())
    }

    async fn wait(&mut self, child: Resource<Child>) -> wasmtime::Result<ExitStatus> {
        let mut status = self.table.get(&child)?.status.clone();
        // An error means the sender is gone, which only happens after the status was published.
        let _ = status.wait_for(Option::is_some).await;
        let value = status.borrow().clone();
        Ok(value.unwrap_or(ExitStatus::Killed))
    }

    async fn kill(&mut self, child: Resource<Child>) -> wasmtime::Result<()> {
        self.table.get(&child)?.kill();
        Ok(())
    }

    async fn drop(&mut self, child: Resource<Child>) -> wasmtime::Result<()> {
        self.table.delete(child)?;
        Ok(())
    }
}
