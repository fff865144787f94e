//! `krt local`: Runs on this machine, without a cluster, on the same engine as runtimed.
//!
//! The Run is validated with the API's rules, converted into the engine's `RunSpec`, and executed in
//! a fresh component instance whose only filesystem is a temporary workspace. Guest output streams to
//! the terminal as it is written; Ctrl-C, SIGTERM or SIGHUP cancels the Run. The result is reported as the Run's
//! `status` would be on a cluster.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use kruntimes_api::consts::reasons;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunSpec as ApiRunSpec, RunTemplate, Source};
use kruntimes_api::validation::validate_run;
use kruntimes_artifacts::RunIdentity;
use kruntimes_engine::cache::{CompileEvent, CompileObserver};
use kruntimes_engine::{
    Engine, EngineConfig, Load, Manager, ManagerConfig, Metrics, Outcome, PassThrough, RunSpec,
};

use kube::ResourceExt as _;

use crate::args::{LocalRunArgs, OutputFormat};
use crate::manifest::{self, Object};
use crate::runtimes::{self, Resolved};
use crate::status;

/// The objects of the manifest `-f` named and the file's name, read once by the caller.
pub(crate) type Loaded = (String, Vec<Object>);

/// Builds the Run that `krt local run` executes, from the manifest's objects (`-f`) or from flags, and validates
/// it.
pub(crate) fn run_from_args(args: &LocalRunArgs, manifest: Option<Loaded>) -> Result<Run> {
    let run = if let Some((origin, mut objects)) = manifest {
        if objects.len() != 1 {
            bail!(
                "{origin}: holds {} objects; krt local run takes exactly one Run",
                objects.len()
            );
        }
        let mut run = match objects.remove(0) {
            Object::Run(run) => *run,
            other => bail!("{origin}: {} is not a Run", other.describe()),
        };
        if !args.args.is_empty() {
            run.spec.template.args.clone_from(&args.args);
        }
        run
    } else {
        let runtime = args
            .runtime
            .clone()
            .context("--runtime is required without -f")?;
        let inline = match &args.script {
            Some(path) => Some(manifest::read_text(path)?),
            None => None,
        };
        let mut run = Run::new(
            "local",
            ApiRunSpec {
                template: RunTemplate {
                    args: crate::command_line::run_args(&runtime, inline.is_some(), &args.args)?,
                    runtime,
                    entrypoint: args
                        .script
                        .as_deref()
                        .and_then(crate::command_line::script_entrypoint),
                    source: inline.map(|inline| Source {
                        inline: Some(inline),
                        ..Source::default()
                    }),
                    ..RunTemplate::default()
                },
                ..ApiRunSpec::default()
            },
        );
        run.metadata.namespace = Some("local".to_owned());
        run
    };
    let mut run = run;
    crate::command_line::Overrides {
        env_files: &args.env_file,
        env: &args.env,
        timeout: args.timeout.as_deref(),
        entrypoint: args.entrypoint.as_deref(),
    }
    .apply(&mut run.spec.template)?;
    if let Some(name) = &args.name {
        run.metadata.name = Some(name.clone());
    }
    if let Err(errors) = validate_run(&run) {
        bail!("the Run is invalid:\n{errors}");
    }
    Ok(run)
}

/// The engine's request for `run`. What nothing executes yet (Secret and ConfigMap references, git sources) is
/// refused by validation first, as by admission; the engine's own refusal names the field too.
pub(crate) fn to_run_spec(run: &Run, uid: &str) -> Result<RunSpec> {
    Ok(kruntimes_engine::api::run_spec(run, uid, 1)?)
}

/// `--max-output`: a byte count as a Kubernetes quantity (`65536`, `64Ki`, `10Mi`).
fn parse_max_output(text: &str) -> Result<u64> {
    kruntimes_api::quantity::parse_whole(text)
        .with_context(|| format!("--max-output {text:?}: expected bytes, e.g. 65536, 64Ki or 10Mi"))
}

/// Whether the Run reads krt's own stdin: when it is piped or redirected (as `python -` and a shell pipeline read
/// it), or a terminal with `--interactive`; never when the manifest or the script was read from it.
fn forwarded_stdin(args: &LocalRunArgs) -> bool {
    let read_already = [&args.file, &args.script]
        .into_iter()
        .any(|path| path.as_deref() == Some(Path::new("-")));
    !read_already && (args.interactive || !std::io::IsTerminal::is_terminal(&std::io::stdin()))
}

/// The exit status of `krt local run`: with `--quiet` the guest's own (124 timeout, 130 cancel, like
/// `timeout(1)` and a shell after SIGINT); otherwise 0 for Succeeded and 1 for anything else.
pub(crate) fn exit_status(outcome: &Outcome, quiet: bool) -> u8 {
    match (quiet, outcome.phase) {
        (_, RunPhase::Succeeded) => 0,
        (false, _) => 1,
        (true, RunPhase::Timeout) => 124,
        (true, RunPhase::Cancelled) => 130,
        (true, _) => match outcome.exit_code {
            Some(code) if (1..=255).contains(&code) => code as u8,
            _ => 1,
        },
    }
}

/// `krt local run`.
pub(crate) fn run(
    args: &LocalRunArgs,
    manifest: Option<Loaded>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let run = run_from_args(args, manifest)?;
    let limit = args
        .max_output
        .as_deref()
        .map(parse_max_output)
        .transpose()?;
    let memory = args
        .memory
        .as_deref()
        .map(|text| {
            kruntimes_api::quantity::parse_whole(text)
                .with_context(|| format!("--memory {text:?}: expected bytes, e.g. 512Mi or 2Gi"))
        })
        .transpose()?;
    let files = args
        .files
        .iter()
        .map(|f| crate::files::FileFlag::parse(f))
        .collect::<Result<Vec<_>>>()?;
    let declared = runtimes::declared(args.runtime_file.as_deref())?;
    let name = run.spec.template.runtime.as_str();
    // Output passes through uncapped unless --max-output, or the Runtime of a --runtime-file, says otherwise.
    let limit = limit.or_else(|| {
        declared
            .iter()
            .find(|rt| rt.name_any() == name)
            .and_then(|rt| rt.spec.limits.as_ref()?.output_bytes)
            .and_then(|bytes| u64::try_from(bytes).ok())
    });
    let components = runtimes::Components::parse(&args.component)?.assign(&[name].into())?;
    let resolved = runtimes::resolve_declared(
        name,
        components.get(name).map(PathBuf::as_path),
        args.builtins.as_deref(),
        &declared,
    )?;
    // One Run: its guest runs on this thread (it yields to the runtime at every epoch tick, so a signal still
    // cancels it). Worker threads would cost their start-up and a cross-thread wake-up per host call for nothing.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let code = runtime.block_on(execute(&run, resolved, args, (limit, memory, files), out));
    // Nothing is left running that the command waits for; the process exits next.
    runtime.shutdown_background();
    code
}

async fn execute(
    run: &Run,
    resolved: Vec<Resolved>,
    args: &LocalRunArgs,
    (limit, memory, files): (Option<u64>, Option<u64>, Vec<crate::files::FileFlag>),
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let Session {
        manager,
        mut interrupts,
        _state,
    } = Session::start(resolved, SessionOptions::for_command(args)).await?;

    // Unique across invocations: it names the Run's artifacts in the local store.
    let uid = format!("local-{}", uuid::Uuid::new_v4());
    let mut spec = to_run_spec(run, &uid)?;
    spec.memory_bytes = memory;
    if !files.is_empty() {
        spec.seed = Some(crate::files::seed(files));
    }
    spec.stdin = forwarded_stdin(args).then(kruntimes_engine::Input::process_stdin);
    // Guest output goes straight to our streams, in the order it is written and without a size limit unless
    // --max-output gives one; its stdout goes to our stderr when the object itself is printed on stdout.
    let object_on_stdout = args.output.is_some();
    let to_file = |path: &Path, flag: &str| {
        std::fs::File::create(path)
            .with_context(|| format!("{flag} {}: cannot create it", path.display()))
    };
    let guest_stdout = match (&args.stdout_file, object_on_stdout) {
        (Some(path), _) => PassThrough::new(to_file(path, "--stdout-file")?, limit),
        (None, true) => PassThrough::new(std::io::stderr(), limit),
        (None, false) => PassThrough::new(std::io::stdout(), limit),
    };
    let guest_stderr = match &args.stderr_file {
        Some(path) => PassThrough::new(to_file(path, "--stderr-file")?, limit),
        None => PassThrough::new(std::io::stderr(), limit),
    };
    spec.stdout = Some(guest_stdout.clone());
    spec.stderr = Some(guest_stderr.clone());
    let started = jiff::Timestamp::now();
    let mut handle = manager
        .execute(spec)
        .map_err(|err| match (&err, &args.memory) {
            (
                kruntimes_engine::Error::Policy(
                    kruntimes_engine::capabilities::PolicyError::RequestedLimitTooHigh {
                        field: "memory limit",
                        ..
                    },
                ),
                Some(memory),
            ) => anyhow::anyhow!("--memory {memory}: {err}"),
            _ => anyhow::Error::new(err),
        })?;
    let mut cancelled = false;
    let outcome = loop {
        tokio::select! {
            outcome = handle.wait() => break outcome,
            _ = interrupts.recv(), if !cancelled => {
                cancelled = true;
                manager.cancel(handle.id())?;
            }
        }
    };
    let mut err = std::io::stderr();
    // A truncated stream ends with a marker line of its own, like a cluster Run's logs.
    for (name, stream) in [("stdout", &guest_stdout), ("stderr", &guest_stderr)] {
        if stream.dropped() > 0 {
            let newline = if stream.at_line_start() { "" } else { "\n" };
            writeln!(
                err,
                "{newline}[kruntimes: {name} truncated after {} bytes; {} bytes dropped]",
                stream.written(),
                stream.dropped()
            )?;
        }
    }
    let finished = jiff::Timestamp::now();
    let mut status = status::from_outcome(&outcome, started, finished);
    // The Run's buffers held nothing: its output went through, limited only by --max-output (or the Runtime's).
    if let Some(grants) = &mut status.grants {
        grants.output_bytes = limit.and_then(|l| i64::try_from(l).ok());
    }
    let identity = RunIdentity {
        namespace: "local".to_owned(),
        name: run
            .metadata
            .name
            .clone()
            .unwrap_or_else(|| "local".to_owned()),
        uid: uid.clone(),
        attempt: 1,
    };
    let store = crate::artifacts::LocalStore::from_flag(args.artifacts_dir.as_deref());
    crate::artifacts::collect(&manager, handle.id(), &identity, &store, &mut status).await?;
    let kept = match &args.keep_workspace {
        Some(to) => Some((
            to,
            crate::files::keep_workspace(&manager.workspace_path(handle.id())?, to)?,
        )),
        None => None,
    };
    manager.forget(handle.id()).await?;

    match args.output {
        Some(format) => {
            let mut object = run.clone();
            object.status = Some(status.clone());
            match format {
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&object)?)?,
                OutputFormat::Yaml => write!(out, "{}", serde_yaml::to_string(&object)?)?,
            }
        }
        // Quiet is the guest's own output and exit status; a failure that is not the guest's exit status (a timeout,
        // a trap, the memory limit, invalid outputs, artifacts that could not be stored) still gets one line, and
        // so does each stored artifact, which would otherwise be somewhere the user was never told.
        None if args.quiet => {
            for artifact in &status.artifact_refs {
                writeln!(
                    err,
                    "krt: artifact {}: {}",
                    crate::output::terminal_safe(&artifact.name),
                    crate::output::terminal_safe(&artifact.uri)
                )?;
            }
            let reason = status.reason.as_deref().unwrap_or_default();
            if status.phase != RunPhase::Succeeded && reason != reasons::EXIT_CODE {
                let message = status.message.as_deref().unwrap_or_default();
                let first =
                    crate::output::terminal_safe(message.lines().next().unwrap_or_default());
                writeln!(
                    err,
                    "krt: the Run ended {} ({reason}): {first}",
                    status.phase
                )?;
            }
        }
        None => {
            // The guest's streams reach the terminal as they are (like `docker run`): reset any attribute the
            // guest left set (a concealed or coloured summary), and start on a new line.
            if std::io::IsTerminal::is_terminal(&err) {
                err.write_all(b"\x1b[0m")?;
            }
            // Only streams that went to our own stdout and stderr can leave the terminal mid-line.
            let ended_line =
                |stream: &PassThrough, to_file: bool| to_file || stream.at_line_start();
            if !(ended_line(&guest_stdout, args.stdout_file.is_some())
                && ended_line(&guest_stderr, args.stderr_file.is_some()))
            {
                err.write_all(b"\n")?;
            }
            // The end of stderr the message quotes was just shown, unless it went to a file.
            let mut shown = status.clone();
            if args.stderr_file.is_none() {
                shown.message = shown
                    .message
                    .map(|m| status::without_stderr_excerpt(&m).to_owned());
            }
            status::print_summary(&mut err, &shown)?;
            if let Some((to, kept)) = &kept {
                writeln!(
                    err,
                    "workspace: copied to {} ({} files, {} bytes{})",
                    to.display(),
                    kept.files,
                    kept.bytes,
                    if kept.skipped > 0 {
                        format!("; {} links or special files not copied", kept.skipped)
                    } else {
                        String::new()
                    }
                )?;
            }
            for (name, stream) in [("stdout", &guest_stdout), ("stderr", &guest_stderr)] {
                if stream.dropped() > 0 {
                    writeln!(
                        err,
                        "note:     {name} was cut at its limit ({} of {} bytes shown; --max-output sets it)",
                        stream.written(),
                        stream.written() + stream.dropped()
                    )?;
                }
            }
        }
    }
    let code = exit_status(&outcome, args.quiet);
    // The guest succeeded but its artifacts could not be stored: the Run failed.
    let code = if code == 0 && status.phase != RunPhase::Succeeded {
        1
    } else {
        code
    };
    leave_for_exit(manager);
    Ok(ExitCode::from(code))
}

/// Ends a session's engine without tearing it down, once the command's output is written: the process exits
/// next, and unmapping the compiled code and deregistering its unwind tables one by one cost a cached
/// `krt local run` ~5 % of its time for memory the exit frees anyway. The workspaces' directory is still removed
/// (it is not the manager's). Only for `krt`'s one-command process; an error path drops normally.
pub(crate) fn leave_for_exit(manager: Manager) {
    std::mem::forget(manager);
}

/// What a `krt local run` works in: a manager whose workspaces live in a temporary directory (removed with the
/// session) and whose compiled components are cached between invocations, the runtimes of the Run or Workflow
/// loaded, and signals caught so that they cancel instead of killing the process.
pub(crate) struct Session {
    /// The engine's manager, with the runtimes loaded.
    pub(crate) manager: Manager,
    /// SIGINT, SIGTERM and SIGHUP, from before anything was created.
    pub(crate) interrupts: crate::interrupt::Interrupts,
    /// The workspaces' directory, removed on drop.
    pub(crate) _state: tempfile::TempDir,
}

impl Session {
    /// Starts a session and loads `resolved`, saying on stderr (unless `--quiet`) when a component has to be
    /// compiled first and where it is kept.
    pub(crate) async fn start(
        resolved: Vec<Resolved>,
        options: SessionOptions<'_>,
    ) -> Result<Self> {
        let SessionOptions {
            cache_dir: cache,
            quiet,
            serves_many,
        } = options;
        // Before anything is created: a signal from here on cancels and cleans up instead of killing the process.
        let mut interrupts =
            crate::interrupt::Interrupts::listen().context("listening for signals")?;
        // Best effort: guests' descriptors are capped per Run; the usual soft limit is below what they may use.
        let _ = kruntimes_engine::rlimit::raise_open_files_limit();
        let state = tempfile::Builder::new()
            .prefix("krt-local-")
            .tempdir()
            .context("creating a workspace directory")?;
        let mut config = ManagerConfig::in_dir(state.path());
        config.cache_dir = cache_dir(cache);
        if !quiet {
            config.on_compile = Some(CompileObserver(Arc::new(compile_notice)));
            crate::guest_log::show_on_stderr();
        }
        // A one-Run process allocates instances on demand: reserving runtimed's pools (128 instances, their stacks
        // and memories) costs it more than it saves. A server of many Runs (`krt mcp`) pools, as runtimed does.
        let engine = Engine::new(EngineConfig {
            pooling: serves_many,
            ..EngineConfig::default()
        })?;
        let manager = Manager::new(engine, config, Metrics::default())?;
        register_runtimes(&manager, resolved, &mut interrupts).await?;
        Ok(Self {
            manager,
            interrupts,
            _state: state,
        })
    }
}

/// How a [`Session`] is set up.
pub(crate) struct SessionOptions<'a> {
    /// `--cache-dir`, if given.
    pub(crate) cache_dir: Option<&'a Path>,
    /// No notices on stderr.
    pub(crate) quiet: bool,
    /// The session serves many Runs (a server), not one command's.
    pub(crate) serves_many: bool,
}

impl<'a> SessionOptions<'a> {
    /// What `krt local run` uses.
    pub(crate) fn for_command(args: &'a LocalRunArgs) -> Self {
        Self {
            cache_dir: args.cache_dir.as_deref(),
            quiet: args.quiet,
            serves_many: false,
        }
    }
}

/// The lines a first start prints while a component is compiled for this machine.
fn compile_notice(event: &CompileEvent) {
    match event {
        CompileEvent::Started {
            digest,
            bytes,
            artefact,
        } => eprintln!(
            "krt: compiling a {:.1} MiB component (sha256 {}…) for this machine, once: it is kept in {}",
            *bytes as f64 / f64::from(1 << 20),
            digest.get(..12).unwrap_or(digest),
            artefact.parent().unwrap_or(artefact).display()
        ),
        CompileEvent::Finished { elapsed, .. } => {
            eprintln!("krt: compiled in {:.1} s", elapsed.as_secs_f64());
        }
    }
}

/// Registers `resolved` in `manager`, loading now the runtimes a Run names (once each, however often listed) and
/// the rest when first spawned; a signal meanwhile stops before anything runs.
pub(crate) async fn register_runtimes(
    manager: &Manager,
    resolved: Vec<Resolved>,
    interrupts: &mut crate::interrupt::Interrupts,
) -> Result<()> {
    let mut by_name: BTreeMap<String, Resolved> = BTreeMap::new();
    for r in resolved {
        let load = match by_name.get(&r.name) {
            Some(seen) if seen.load == Load::Now => Load::Now,
            _ => r.load,
        };
        by_name.insert(r.name.clone(), Resolved { load, ..r });
    }
    for (name, r) in by_name {
        tokio::select! {
            loaded = manager.register_runtime_file(&name, r.component, r.policy, r.load) => {
                loaded.with_context(|| format!("loading the component of runtime {name:?}"))?;
            }
            signal = interrupts.recv() => bail!("{signal} while loading runtime {name:?}: nothing ran"),
        }
    }
    Ok(())
}

/// Where precompiled components are kept between invocations.
pub(crate) fn cache_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kruntimes").join("components")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kruntimes_api::v1alpha1::{EnvVar, EnvVarSource, KeyRef};

    fn run(spec: serde_json::Value) -> Run {
        serde_json::from_value(serde_json::json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Run", "metadata": {"name": "r"}, "spec": spec})).unwrap()
    }

    #[test]
    fn inline_source_is_written_to_the_entrypoint_or_script() {
        let spec = to_run_spec(&run(serde_json::json!({"runtime": "py", "source": {"inline": "print(1)"}, "args": ["a"], "timeoutSeconds": 5})), "u").unwrap();
        assert_eq!(spec.entrypoint.as_deref(), Some("script"));
        assert_eq!(spec.source.as_deref(), Some("print(1)"));
        assert_eq!(spec.args, ["a"]);
        assert_eq!(spec.timeout, Some(std::time::Duration::from_secs(5)));
        let spec = to_run_spec(&run(serde_json::json!({"runtime": "py", "source": {"inline": "x"}, "entrypoint": "main.py"})), "u").unwrap();
        assert_eq!(spec.entrypoint.as_deref(), Some("main.py"));
    }

    /// Even past validation (a Run read without it), the engine refuses what it cannot execute, naming the field.
    #[test]
    fn inputs_nothing_executes_are_refused_with_the_field() {
        let mut r = run(serde_json::json!({"runtime": "py"}));
        r.spec.template.env.push(EnvVar {
            name: "TOKEN".into(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(KeyRef {
                    name: "s".into(),
                    key: "k".into(),
                }),
                config_map_key_ref: None,
            }),
        });
        assert!(
            to_run_spec(&r, "u")
                .unwrap_err()
                .to_string()
                .starts_with("spec.env[0].valueFrom")
        );
        let git = run(
            serde_json::json!({"runtime": "py", "source": {"repoURL": "https://example.com/r.git"}}),
        );
        assert!(
            to_run_spec(&git, "u")
                .unwrap_err()
                .to_string()
                .starts_with("spec.source.repoURL")
        );
    }
}
