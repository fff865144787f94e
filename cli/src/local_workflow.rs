//! `krt local run -f workflow.yaml`: a Workflow on this machine, driven by the engine the controller
//! uses ([`kruntimes_workflow::reconcile`]), with the steps' Runs executed by the local host engine.
//!
//! The driver plays the cluster's part: it keeps the child Runs in memory, creates the ones the plan
//! asks for, executes them (up to the host's concurrency, the rest wait `Pending` as they would for
//! a pod), cancels the ones the plan names, and reconciles again whenever a Run ends, the Workflow's
//! deadline comes, or Ctrl-C (or SIGTERM, SIGHUP) sets `cancelRequested`. Each step's output is printed when it ends,
//! every line prefixed with `[step-id]`; then a summary, or the Workflow object with `-o`.
//! Local mode does not retry Runs (`retryPolicy` is ignored, as by `krt local run` for a Run).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use kruntimes_api::consts::reasons;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::{
    Run, RunPhase, RunStatus, Time, Workflow, WorkflowPhase, WorkflowStatus,
};
use kruntimes_engine::{Manager, Outcome, RunHandle};
use kruntimes_workflow::{Plan, reconcile, validate};
use tokio::task::JoinSet;

use crate::args::{LocalRunArgs, OutputFormat};
use crate::manifest::{self, Manifest};
use crate::{local, runtimes, status};

/// The manifest `krt local run -f` was given, read once (`None` without `-f`). A single Workflow comes with
/// `--set` applied; anything else goes to the Run path, which reports what it does not take.
pub(crate) fn from_args(args: &LocalRunArgs) -> Result<Option<Manifest>> {
    let Some(path) = &args.file else {
        return Ok(None);
    };
    let manifest = manifest::load(path, &args.set)?;
    if matches!(manifest, Manifest::Workflow(_)) {
        // Flags of a single Run: a Workflow's steps set their own fields; none is dropped silently.
        let run_only = [
            ("--env", !args.env.is_empty()),
            ("--env-file", !args.env_file.is_empty()),
            ("--timeout", args.timeout.is_some()),
            ("--memory", args.memory.is_some()),
            ("--name", args.name.is_some()),
            ("--entrypoint", args.entrypoint.is_some()),
            ("--max-output", args.max_output.is_some()),
            ("--file", !args.files.is_empty()),
            ("--stdout-file", args.stdout_file.is_some()),
            ("--stderr-file", args.stderr_file.is_some()),
            ("--keep-workspace", args.keep_workspace.is_some()),
            ("--interactive", args.interactive),
            ("arguments after --", !args.args.is_empty()),
        ];
        if let Some((flag, _)) = run_only.iter().find(|(_, given)| *given) {
            bail!(
                "{flag} applies to a single Run, and {} is a Workflow: set it on its steps (or pass the \
                 value as an input with --set)",
                path.display()
            );
        }
    }
    Ok(Some(manifest))
}

/// Runs `workflow` to its end and reports it.
pub(crate) fn run(
    workflow: Workflow,
    args: &LocalRunArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    if let Err(errors) = validate(&workflow) {
        bail!("the Workflow is invalid:\n{errors}");
    }
    let names: BTreeSet<&str> = workflow
        .spec
        .steps
        .iter()
        .map(|s| s.run.runtime.as_str())
        .collect();
    let components = runtimes::Components::parse(&args.component)?.assign(&names)?;
    let declared = runtimes::declared(args.runtime_file.as_deref())?;
    let resolved = runtimes::resolve_all(&names, &components, args.builtins.as_deref(), &declared)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let code = runtime.block_on(async {
        let local::Session {
            manager,
            mut interrupts,
            _state,
        } = local::Session::start(resolved, local::SessionOptions::for_command(args)).await?;
        // Guest output goes to stdout, unless the object itself is printed there.
        let mut logs_to_stderr = std::io::stderr();
        let logs: &mut dyn Write = if args.output.is_some() {
            &mut logs_to_stderr
        } else {
            &mut *out
        };
        let store = crate::artifacts::LocalStore::from_flag(args.artifacts_dir.as_deref());
        let interrupted = async {
            interrupts.recv().await;
        };
        let (done, _) = drive(
            &manager,
            workflow,
            &store,
            &kruntimes_artifacts::Limits::default(),
            StepLogs {
                stdout: logs,
                stderr: std::io::stderr(),
            },
            interrupted,
        )
        .await?;
        local::leave_for_exit(manager);
        report(&done, args, out)
    });
    // Nothing is left running that the command waits for; the process exits next.
    runtime.shutdown_background();
    code
}

/// What an execution task returns when its Run ends.
struct Ended {
    index: usize,
    handle: RunHandle,
    outcome: Arc<Outcome>,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
}

/// Where the steps' output goes as each step ends, every line prefixed with `[step-id]`.
pub(crate) struct StepLogs<O, E> {
    pub(crate) stdout: O,
    pub(crate) stderr: E,
}

/// Reconciles `workflow` against `manager` until it is terminal and no Run is active; returns it
/// with its final status, and the artifacts each step's Run left, by step id. Step output is written to `logs` as each step ends. When `cancel` completes, the
/// Workflow is cancelled (`cancelRequested`) and driven to its end as the controller would.
pub(crate) async fn drive(
    manager: &Manager,
    mut workflow: Workflow,
    store: &crate::artifacts::LocalStore,
    limits: &kruntimes_artifacts::Limits,
    mut logs: StepLogs<impl Write, impl Write>,
    cancel: impl std::future::Future<Output = ()>,
) -> Result<(Workflow, BTreeMap<String, Vec<ArtifactRef>>)> {
    tokio::pin!(cancel);
    let namespace = workflow
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "local".to_owned());
    let capacity = manager.health().capacity.max(1);
    // The child Runs, as the engine observes them, and beside each its step and active execution.
    let mut runs: Vec<Run> = Vec::new();
    let mut steps: Vec<String> = Vec::new();
    // The steps' active executions; dropped before they are forgotten (an error, an abandoned driver), they are
    // cancelled and forgotten, so no Run outlives the drive.
    let mut handles = Active {
        manager: manager.clone(),
        handles: Vec::new(),
    };
    let mut queued: VecDeque<usize> = VecDeque::new();
    let mut running: JoinSet<Ended> = JoinSet::new();
    let mut interrupted = false;

    loop {
        let plan: Plan = reconcile(&workflow, &runs, jiff::Timestamp::now());
        workflow.status = Some(plan.status.clone());
        // Whether this pass ended a child without an execution ending (reconcile again at once).
        let mut changed = false;

        for name in &plan.cancel {
            let Some(i) = runs
                .iter()
                .position(|r| r.metadata.name.as_deref() == Some(name))
            else {
                continue;
            };
            runs[i].spec.cancel_requested = Some(true);
            match &handles.handles[i] {
                Some(handle) => manager.cancel(handle.id())?,
                None if !runs[i].phase().is_terminal() => {
                    // Never started: a pending Run that is cancelled ends without starting.
                    queued.retain(|&q| q != i);
                    runs[i].status = Some(ended_without_start(
                        RunPhase::Cancelled,
                        reasons::CANCELLED,
                        "cancelled before it started",
                    ));
                    changed = true;
                }
                None => {}
            }
        }
        for create in &plan.create {
            if runs
                .iter()
                .any(|r| r.metadata.name.as_deref() == Some(&create.name))
            {
                continue;
            }
            runs.push(create.to_run(Some(&namespace)));
            steps.push(create.step.clone());
            handles.handles.push(None);
            queued.push_back(runs.len() - 1);
        }
        // Whether the engine is full with other work (calls of the same `krt mcp`): the queued steps wait.
        let mut engine_full = false;
        while running.len() < capacity
            && let Some(i) = queued.pop_front()
        {
            let name = runs[i].metadata.name.clone().unwrap_or_default();
            let started = jiff::Timestamp::now();
            let handle = match local::to_run_spec(&runs[i], &name) {
                Ok(spec) => match manager.execute(spec) {
                    Err(kruntimes_engine::Error::AtCapacity { .. }) => {
                        queued.push_front(i);
                        engine_full = true;
                        break;
                    }
                    other => other.map_err(anyhow::Error::from),
                },
                Err(e) => Err(e),
            };
            match handle {
                Ok(handle) => {
                    runs[i].status = Some(RunStatus {
                        phase: RunPhase::Running,
                        attempt: Some(1),
                        start_time: Some(Time(started)),
                        ..RunStatus::default()
                    });
                    handles.handles[i] = Some(handle.clone());
                    let mut handle = handle;
                    running.spawn(async move {
                        let outcome = handle.wait().await;
                        Ended {
                            index: i,
                            handle,
                            outcome,
                            started,
                            finished: jiff::Timestamp::now(),
                        }
                    });
                }
                Err(e) => {
                    // What local mode cannot run (a Secret reference, a git source) fails the step.
                    runs[i].status = Some(ended_without_start(
                        RunPhase::Failed,
                        reasons::INVALID_SPEC,
                        &format!("{e:#}"),
                    ));
                    changed = true;
                }
            }
        }

        if changed {
            continue;
        }
        if plan.is_done() && running.is_empty() {
            let artifacts = steps
                .into_iter()
                .zip(runs)
                .map(|(step, run)| (step, run.status.unwrap_or_default().artifact_refs))
                .filter(|(_, refs)| !refs.is_empty())
                .collect();
            return Ok((workflow, artifacts));
        }
        if running.is_empty() && plan.requeue_after.is_none() && !engine_full {
            bail!(
                "internal error: the Workflow waits, but no Run is active: {:?}",
                workflow.status.as_ref().and_then(|s| s.message.clone())
            );
        }
        let deadline = plan.requeue_after;
        let mut ended = Vec::new();
        tokio::select! {
            Some(first) = running.join_next(), if !running.is_empty() => {
                ended.push(first.context("a Run's task failed")?);
                // Take every other Run that ended meanwhile: one reconcile for all of them.
                while let Some(next) = running.try_join_next() {
                    ended.push(next.context("a Run's task failed")?);
                }
            }
            _ = tokio::time::sleep(deadline.unwrap_or_default()), if deadline.is_some() => {}
            _ = tokio::time::sleep(ENGINE_FULL_RETRY), if engine_full => {}
            () = &mut cancel, if !interrupted => {
                interrupted = true;
                workflow.spec.cancel_requested = Some(true);
            }
        }
        for e in ended {
            print_logs(&mut logs, &steps[e.index], &e.handle)?;
            let mut status = status::from_outcome(&e.outcome, e.started, e.finished);
            let identity = kruntimes_artifacts::RunIdentity {
                namespace: namespace.clone(),
                name: runs[e.index].metadata.name.clone().unwrap_or_default(),
                // Step Runs are named the same in every local execution of a Workflow; the uid keeps
                // their artifacts apart.
                uid: uuid::Uuid::new_v4().to_string(),
                attempt: 1,
            };
            let step_store = store.for_step(&steps[e.index]);
            crate::artifacts::collect_within(
                manager,
                e.handle.id(),
                &identity,
                &step_store,
                &mut status,
                limits,
            )
            .await?;
            manager.forget(e.handle.id()).await?;
            handles.handles[e.index] = None;
            runs[e.index].status = Some(status);
        }
    }
}

/// How soon a step the full engine refused is tried again (when none of the Workflow's own Runs ends first).
const ENGINE_FULL_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// The executions a drive started and has not forgotten yet.
struct Active {
    manager: Manager,
    handles: Vec<Option<RunHandle>>,
}

impl Drop for Active {
    fn drop(&mut self) {
        let left: Vec<_> = self.handles.iter_mut().filter_map(Option::take).collect();
        if left.is_empty() {
            return;
        }
        for handle in &left {
            let _ = self.manager.cancel(handle.id());
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let manager = self.manager.clone();
            runtime.spawn(async move {
                for handle in left {
                    let _ = manager.cancel_and_wait(handle.id()).await;
                    let _ = manager.forget(handle.id()).await;
                }
            });
        }
    }
}

/// The status of a Run that ended without executing.
fn ended_without_start(phase: RunPhase, reason: &str, message: &str) -> RunStatus {
    let now = Time(jiff::Timestamp::now());
    RunStatus {
        phase,
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        completion_time: Some(now),
        ..RunStatus::default()
    }
}

/// Writes a step's stdout and stderr, each line prefixed with `[step]`; stderr goes to our stderr.
fn print_logs(
    logs: &mut StepLogs<impl Write, impl Write>,
    step: &str,
    handle: &RunHandle,
) -> Result<()> {
    write_prefixed(&mut logs.stdout, step, &handle.stdout().contents())?;
    write_prefixed(&mut logs.stderr, step, &handle.stderr().contents())
}

/// `bytes`, every line prefixed with `[step] `.
pub(crate) fn write_prefixed(to: &mut impl Write, step: &str, bytes: &[u8]) -> Result<()> {
    for line in String::from_utf8_lossy(bytes).lines() {
        writeln!(to, "[{step}] {line}")?;
    }
    to.flush()?;
    Ok(())
}

/// Prints the result and gives the exit status: 0 only for Succeeded.
fn report(workflow: &Workflow, args: &LocalRunArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let status = workflow.status.clone().unwrap_or_default();
    match args.output {
        Some(OutputFormat::Json) => writeln!(out, "{}", serde_json::to_string_pretty(workflow)?)?,
        Some(OutputFormat::Yaml) => write!(out, "{}", serde_yaml::to_string(workflow)?)?,
        None if args.quiet => {}
        None => print_summary(out, &status)?,
    }
    Ok(if status.phase == WorkflowPhase::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The summary after the steps' output: phase, message, one line per step, the outputs.
pub(crate) fn print_summary(w: &mut dyn Write, s: &WorkflowStatus) -> Result<()> {
    writeln!(w, "---")?;
    writeln!(w, "phase:    {:?}", s.phase)?;
    if let Some(message) = &s.message {
        writeln!(w, "message:  {message}")?;
    }
    if let (Some(start), Some(end)) = (&s.start_time, &s.completion_time) {
        let ms = end.0.duration_since(start.0).as_millis();
        writeln!(w, "duration: {ms} ms")?;
    }
    let width = s.steps.iter().map(|st| st.id.len()).max().unwrap_or(0);
    for st in &s.steps {
        let mut line = format!(
            "step:     {:<width$}  {:<9}",
            st.id,
            format!("{:?}", st.phase)
        );
        match (&st.reason, &st.message) {
            (Some(r), Some(m)) if st.phase != WorkflowPhase::Succeeded => {
                line.push_str(&format!("  {r}: {m}"));
            }
            (Some(r), None) if st.phase != WorkflowPhase::Succeeded => {
                line.push_str(&format!("  {r}"));
            }
            _ => {}
        }
        if !st.outputs.is_empty() {
            let outputs: Vec<String> = st.outputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            line.push_str(&format!("  outputs: {}", outputs.join(" ")));
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    let outputs: &BTreeMap<String, String> = &s.outputs;
    for (k, v) in outputs {
        writeln!(w, "output:   {k}={v}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> LocalRunArgs {
        let mut argv = vec!["krt", "local", "run"];
        argv.extend_from_slice(extra);
        match crate::Cli::parse_from(argv).command {
            crate::args::Command::Local(l) => match l.command {
                crate::args::LocalCommand::Run(r) => r,
            },
            _ => unreachable!(),
        }
    }

    fn manifest(text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("krt-wf-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!(
            "{:x}.yaml",
            text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
        ));
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    const WF: &str = "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  inputs: [{name: who, default: x}]\n  arguments: {who: manifest}\n  steps: [{id: a, runtime: greet}]\n";

    /// `--set` fills the Workflow's arguments, overriding the manifest's; a Run manifest is left to
    /// the Run path; `--set` without a Workflow is refused.
    #[test]
    fn set_fills_arguments_and_only_applies_to_workflows() {
        let path = manifest(WF);
        let Some(Manifest::Workflow(wf)) =
            from_args(&args(&["-f", &path, "--set", "who=flag", "--set", "x=a=b"])).unwrap()
        else {
            panic!("a Workflow manifest is a Workflow");
        };
        assert_eq!(wf.spec.arguments["who"], "flag");
        assert_eq!(wf.spec.arguments["x"], "a=b");
        let err = from_args(&args(&["-f", &path, "--set", "novalue"])).unwrap_err();
        assert!(err.to_string().contains("expected NAME=VALUE"), "{err}");

        let run = manifest(
            "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: r}\nspec: {runtime: greet}\n",
        );
        // Read once: the Run path gets the objects, the last one included.
        let Some(Manifest::Objects { objects, .. }) = from_args(&args(&["-f", &run])).unwrap()
        else {
            panic!("a Run manifest goes to the Run path");
        };
        assert!(matches!(
            objects.as_slice(),
            [crate::manifest::Object::Run(_)]
        ));
        assert!(from_args(&args(&["--runtime", "greet"])).unwrap().is_none());
        let err = from_args(&args(&["-f", &run, "--set", "a=b"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("does not hold exactly one Workflow"),
            "{err}"
        );
    }

    /// The summary names each step with its phase, the reason of a failure and its outputs.
    #[test]
    fn the_summary_lists_steps_reasons_and_outputs() {
        let status: WorkflowStatus = serde_json::from_value(serde_json::json!({
            "phase": "Failed",
            "message": "step \"b\" Failed (ExitCode): exit code 2",
            "steps": [
                {"id": "a", "phase": "Succeeded", "reason": "Succeeded", "outputs": {"k": "v"}},
                {"id": "bb", "phase": "Failed", "reason": "ExitCode", "message": "exit code 2"},
                {"id": "c", "phase": "Skipped", "reason": "DependencyFailed"}
            ],
            "outputs": {"o": "1"}
        }))
        .unwrap();
        let mut buf = Vec::new();
        print_summary(&mut buf, &status).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "---\nphase:    Failed\nmessage:  step \"b\" Failed (ExitCode): exit code 2\n\
             step:     a   Succeeded  outputs: k=v\n\
             step:     bb  Failed     ExitCode: exit code 2\n\
             step:     c   Skipped    DependencyFailed\n\
             output:   o=1\n"
        );
    }
}
