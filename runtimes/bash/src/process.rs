//! External commands: resolving a program and starting it through `kruntimes:runtime/spawn`.
//!
//! Programs are the tool components the Run's Runtime provides (`spawn::programs`). Each has a placeholder file
//! in `/usr/bin` (a read-only mount shipped with the runtime), so `$PATH` search, `command -v`, `type` and
//! `[ -x /usr/bin/grep ]` behave as on Linux; starting `/usr/bin/grep` spawns the program `grep`. A script in the
//! workspace (`./build.sh`) runs with the interpreter of its `#!` line, or with bash when it has none.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;
use std::sync::OnceLock;

use brush_core::openfiles::OpenFile;
use brush_core::sys::host::{Host, HostProcess, SpawnRequest};

use crate::bindings::kruntimes::runtime::spawn::{
    self, Child, Command, ExitStatus, SpawnError, StderrTarget, StdinSource, StdoutTarget,
};
use crate::bindings::wasi::clocks::monotonic_clock;
use crate::io::{self, OneThread, OutputPlan, StdinPlan};

/// Directories whose entries are program placeholders.
const PROGRAM_DIRS: [&str; 3] = ["/usr/bin", "/bin", "/usr/local/bin"];

/// The programs the Run may spawn.
fn programs() -> &'static BTreeSet<String> {
    static PROGRAMS: OnceLock<BTreeSet<String>> = OnceLock::new();
    PROGRAMS.get_or_init(|| spawn::programs().into_iter().collect())
}

thread_local! {
    /// The monotonic-clock instant by which children started now must end, and the signal number they are then
    /// stopped with (set by `timeout` around the command it runs).
    static DEADLINE: Cell<Option<(u64, u8)>> = const { Cell::new(None) };
    /// Whether a child was stopped at its deadline since the current [`Deadline`] started.
    static TIMED_OUT: Cell<bool> = const { Cell::new(false) };
}

/// A deadline for the children started while it lives (`timeout`): still running at that monotonic instant,
/// they are stopped with its signal. Dropping it restores the enclosing one.
pub(crate) struct Deadline {
    outer: Option<(u64, u8)>,
    outer_timed_out: bool,
}

impl Deadline {
    /// Children started from now on must end within `after_ns`, or are stopped with `signal`.
    pub(crate) fn start(after_ns: u64, signal: u8) -> Self {
        let at = monotonic_clock::now().saturating_add(after_ns);
        Self {
            outer: DEADLINE.replace(Some((at, signal))),
            outer_timed_out: TIMED_OUT.replace(false),
        }
    }

    /// Whether a child was stopped at this deadline.
    pub(crate) fn timed_out(&self) -> bool {
        TIMED_OUT.get()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        DEADLINE.set(self.outer);
        TIMED_OUT.set(self.outer_timed_out);
    }
}

/// The shell's pipes and children.
pub(crate) struct WasiHost;

impl Host for WasiHost {
    fn pipe(&self) -> std::io::Result<(OpenFile, OpenFile)> {
        Ok(io::pipe())
    }

    fn spawn(&self, request: SpawnRequest) -> std::io::Result<Box<dyn HostProcess>> {
        let (program, args) = resolve(&request.program, request.args)?;
        let mut temporaries = Vec::new();
        let args = fd_arguments(args, request.other_fds, &mut temporaries)?;
        let (args, stdin) = device_argument(&program, args, request.stdin);
        let cwd = request.cwd.to_string_lossy().into_owned();
        // Children resolve relative paths against $PWD (wasi-libc ignores the initial cwd).
        let mut env = request.env;
        env.retain(|(name, _)| name != "PWD");
        env.push(("PWD".to_owned(), cwd.clone()));
        let mut process = start(
            program,
            args,
            env,
            cwd,
            stdin,
            request.stdout,
            request.stderr,
        )?;
        process.temporaries = temporaries;
        Ok(Box::new(process))
    }
}

/// Maps a resolved command path to a program and its arguments.
fn resolve(path: &str, args: Vec<String>) -> std::io::Result<(String, Vec<String>)> {
    let not_found = || std::io::Error::new(std::io::ErrorKind::NotFound, path.to_owned());
    let as_path = Path::new(path);
    if let (Some(dir), Some(name)) = (as_path.parent(), as_path.file_name()) {
        let name = name.to_string_lossy();
        if PROGRAM_DIRS.iter().any(|d| Path::new(d) == dir) {
            return if programs().contains(name.as_ref()) {
                Ok((name.into_owned(), args))
            } else {
                Err(not_found())
            };
        }
    }
    // A script: run its interpreter.
    let mut head = [0u8; 256];
    let len = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|_| not_found())?;
    let (interpreter, extra) = crate::shebang::interpreter(&head[..len]);
    if !programs().contains(&interpreter) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{path}: bad interpreter: {interpreter}: no such program"),
        ));
    }
    let mut full = extra;
    full.push(path.to_owned());
    full.extend(args);
    Ok((interpreter, full))
}

/// Where `/dev/fd/N` arguments are materialised for children.
const FD_DIR: &str = "/workspace/.kruntimes/fd";

/// Replaces `/dev/fd/N` arguments naming the shell's pipes (process substitutions: `diff <(sort a) <(sort b)`)
/// with files holding their contents: a child cannot reach the shell's descriptors. The substitution has already
/// run to completion (one thread), so its output is complete. The files are removed when the child is waited for.
fn fd_arguments(
    args: Vec<String>,
    fds: Vec<(brush_core::ShellFd, OpenFile)>,
    temporaries: &mut Vec<String>,
) -> std::io::Result<Vec<String>> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    if fds.is_empty() {
        return Ok(args);
    }
    let mut fds: std::collections::BTreeMap<_, _> = fds.into_iter().collect();
    args.into_iter()
        .map(|arg| {
            let Some(fd) = arg
                .strip_prefix("/dev/fd/")
                .and_then(|n| n.parse::<brush_core::ShellFd>().ok())
            else {
                return Ok(arg);
            };
            let Some(mut file) = fds.remove(&fd) else {
                return Ok(arg);
            };
            let mut contents = Vec::new();
            file.read_to_end(&mut contents)?;
            std::fs::create_dir_all(FD_DIR)?;
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = format!("{FD_DIR}/{n}");
            std::fs::write(&path, contents)?;
            temporaries.push(path.clone());
            Ok(path)
        })
        .collect()
}

/// Programs that read `-` as stdin and print nothing that names their input file.
const READS_DASH: [&str; 5] = ["head", "od", "base64", "xxd", "cat"];

/// `head -c 16 /dev/urandom`: a component's filesystem has no devices, so a device file named as the only input
/// of a program that reads stdin becomes `-` with the device on the child's stdin (the shell has the devices:
/// `/dev/zero`, `/dev/urandom`, `/dev/random`). Left alone when the command's stdin is redirected or piped.
fn device_argument(
    program: &str,
    mut args: Vec<String>,
    stdin: OpenFile,
) -> (Vec<String>, OpenFile) {
    use brush_core::sys::host::DeviceFile;
    let device = |arg: &str| match arg {
        "/dev/zero" => Some(DeviceFile::Zero),
        "/dev/urandom" | "/dev/random" => Some(DeviceFile::Random),
        _ => None,
    };
    let mut devices = args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| device(a).map(|d| (i, d)));
    let (Some((at, file)), None) = (devices.next(), devices.next()) else {
        return (args, stdin);
    };
    if !READS_DASH.contains(&program) || !io::is_inherited_stdin(&stdin) {
        return (args, stdin);
    }
    "-".clone_into(&mut args[at]);
    (args, OpenFile::Stream(Box::new(file)))
}

/// A started child and the shell-side copies of its output into redirected files.
struct Process {
    child: OneThread<Child>,
    /// When it must have ended (monotonic instant), and the signal it is stopped with then.
    deadline: Option<(u64, u8)>,
    program: String,
    copies: Vec<u64>,
    status: Option<i32>,
    /// Files made for `/dev/fd/N` arguments, removed once the child has ended.
    temporaries: Vec<String>,
}

impl HostProcess for Process {
    fn id(&self) -> Option<u32> {
        Some(self.child.0.id())
    }

    fn wait(&mut self) -> std::io::Result<i32> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let child = &self.child.0;
        let ended = child.subscribe();
        // The signal that stopped it: its status is then 128 + that number, as for a signalled Linux process.
        let mut signal = 9;
        match self.deadline {
            Some((at, deadline_signal)) => {
                let timer = monotonic_clock::subscribe_instant(at);
                io::block_until_any(&[&ended, &timer]);
                if !ended.ready() {
                    signal = deadline_signal;
                    child.kill();
                    TIMED_OUT.set(true);
                }
            }
            None => io::block_until(&ended),
        }
        for id in &self.copies {
            io::finish_copy(*id);
        }
        let status = match child.wait() {
            ExitStatus::Exited(code) => i32::from(code),
            ExitStatus::Trapped(message) => {
                eprintln!("{}: {message}", self.program);
                134
            }
            ExitStatus::Killed => 128 + i32::from(signal),
        };
        self.status = Some(status);
        for path in self.temporaries.drain(..) {
            let _ = std::fs::remove_file(path);
        }
        Ok(status)
    }
}

fn start(
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: String,
    stdin: OpenFile,
    stdout: OpenFile,
    stderr: OpenFile,
) -> std::io::Result<Process> {
    // Output the shell buffered must come before the child's.
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();

    let same_output =
        io::identity(&stdout).is_some() && io::identity(&stdout) == io::identity(&stderr);
    let stdin_plan = io::plan_stdin(stdin);
    let stdout_plan = io::plan_output(stdout);
    let stderr_plan = if same_output {
        None
    } else {
        Some(io::plan_output(stderr))
    };

    let (stdin_source, feed_from) = match stdin_plan {
        StdinPlan::Inherit => (StdinSource::Inherit, None),
        StdinPlan::Null => (StdinSource::Null, None),
        StdinPlan::Feed(file) => (StdinSource::Pipe, Some(file)),
    };
    let stdout_target = match &stdout_plan {
        OutputPlan::Stdout => StdoutTarget::Inherit,
        OutputPlan::Stderr => {
            StdoutTarget::ToStream(crate::bindings::wasi::cli::stderr::get_stderr())
        }
        OutputPlan::Null => StdoutTarget::Null,
        OutputPlan::Pipe(_) | OutputPlan::Copy(_) => StdoutTarget::Pipe,
    };
    let stderr_target = match &stderr_plan {
        None => StderrTarget::Stdout,
        Some(OutputPlan::Stderr) => StderrTarget::Inherit,
        Some(OutputPlan::Stdout) => {
            StderrTarget::ToStream(crate::bindings::wasi::cli::stdout::get_stdout())
        }
        Some(OutputPlan::Null) => StderrTarget::Null,
        Some(OutputPlan::Pipe(_) | OutputPlan::Copy(_)) => StderrTarget::Pipe,
    };

    let child = spawn::spawn(Command {
        program: program.clone(),
        args,
        env,
        cwd: Some(cwd),
        stdin: stdin_source,
        stdout: stdout_target,
        stderr: stderr_target,
    })
    .map_err(|err| match err {
        SpawnError::NotFound(name) => std::io::Error::new(std::io::ErrorKind::NotFound, name),
        SpawnError::Denied => std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "starting programs is not allowed in this Run",
        ),
        SpawnError::Limit => std::io::Error::other("too many programs running at once in this Run"),
        SpawnError::Other(message) => std::io::Error::other(message),
    })?;

    let mut copies = Vec::new();
    if let Some(file) = feed_from
        && let Some(stream) = child.take_stdin()
    {
        io::feed(file, stream);
    }
    let mut connect =
        |plan: OutputPlan, stream: Option<crate::bindings::wasi::io::streams::InputStream>| {
            let Some(stream) = stream else { return };
            match plan {
                OutputPlan::Pipe(pipe) => pipe.attach(stream),
                OutputPlan::Copy(file) => copies.push(io::copy(stream, file)),
                OutputPlan::Stdout | OutputPlan::Stderr | OutputPlan::Null => {}
            }
        };
    connect(stdout_plan, child.take_stdout());
    if let Some(plan) = stderr_plan {
        connect(plan, child.take_stderr());
    }
    Ok(Process {
        child: OneThread(child),
        deadline: DEADLINE.get(),
        program,
        copies,
        status: None,
        temporaries: Vec::new(),
    })
}
