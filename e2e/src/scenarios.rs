//! The control-plane scenarios, written once against a `kube::Client` and a namespace. The real-cluster tests
//! (`tests/control_plane.rs`) run every one; the in-process tests (`tests/in_process`, on the API server
//! substitute with the real controller, scheduler and runtimed agents) reuse the building blocks for what only
//! the substitute can check (its request log counts the writes of each Run).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::events::v1::Event;
use kruntimes_api::consts::{conditions, labels, reasons};
use kruntimes_api::v1alpha1::{
    Run, RunPhase, RunStatus, Runtime, Workflow, WorkflowPhase, WorkflowStatus,
};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};

/// A bash Runtime with `replicas` pods of `runs` capacity each.
pub fn bash_runtime(name: &str, replicas: i32, runs: u32) -> Result<Runtime> {
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Runtime",
        "metadata": {"name": name},
        "spec": {
            "component": {"builtin": "bash"},
            "replicas": replicas,
            "capacity": {"resources": {"runs": runs.to_string()}},
        }
    }))?)
}

/// Creates the bash Runtime `name` ([`bash_runtime`]) in `ns` and waits until its pods are ready.
pub async fn create_bash_runtime(
    client: &Client,
    ns: &str,
    name: &str,
    replicas: i32,
    runs: u32,
    timeout: Duration,
) -> Result<()> {
    let api: Api<Runtime> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), &bash_runtime(name, replicas, runs)?)
        .await?;
    wait_runtime_ready(client, ns, name, replicas, timeout).await
}

/// A Run of `runtime` executing `script` with bash; `attempts` > 1 adds a retry policy without backoff.
pub fn bash_run(name: &str, runtime: &str, script: &str, attempts: i32) -> Result<Run> {
    let mut spec = serde_json::json!({"runtime": runtime, "args": [script]});
    if attempts > 1 {
        spec["retryPolicy"] = serde_json::json!({"maxAttempts": attempts, "backoffSeconds": 0});
    }
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Run",
        "metadata": {"name": name},
        "spec": spec,
    }))?)
}

/// Waits until `runtime` reports `replicas` ready pods.
pub async fn wait_runtime_ready(
    client: &Client,
    ns: &str,
    runtime: &str,
    replicas: i32,
    timeout: Duration,
) -> Result<()> {
    let api: Api<Runtime> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        let rt = api.get(runtime).await?;
        let ready = rt
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0);
        if ready >= replicas {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "Runtime {runtime} has {ready}/{replicas} ready pods after {timeout:?}: {:?}",
                rt.status
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks what runtimed reported of a built-in bash Runtime's component in `status.component`: its source, a
/// sha256, the `spawn` import, and no problems.
pub async fn bash_component_reported(client: &Client, ns: &str, runtime: &str) -> Result<()> {
    let api: Api<Runtime> = Api::namespaced(client.clone(), ns);
    let rt = api.get(runtime).await?;
    let Some(c) = rt.status.and_then(|s| s.component) else {
        bail!("Runtime {runtime} has no status.component");
    };
    let spawn = c
        .imports
        .iter()
        .any(|i| i.starts_with("kruntimes:runtime/spawn@"));
    let digest = c
        .sha256
        .as_deref()
        .is_some_and(kruntimes_api::validation::is_sha256);
    if c.source.as_deref() != Some("builtin:bash") || !digest || !spawn || !c.problems.is_empty() {
        bail!("unexpected status.component of Runtime {runtime}: {c:?}");
    }
    Ok(())
}

/// Waits until Run `name` satisfies `done`, returning it.
pub async fn wait_run(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
    done: impl Fn(&Run) -> bool,
) -> Result<Run> {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        let run = api.get(name).await?;
        if done(&run) {
            return Ok(run);
        }
        if Instant::now() > deadline {
            bail!(
                "Run {name} did not get there in {timeout:?}; status: {:?}",
                run.status
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until Run `name` is terminal and checks it `Succeeded`, returning its status.
pub async fn wait_succeeded(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> Result<RunStatus> {
    let run = wait_run(client, ns, name, timeout, terminal).await?;
    let status = run.status.context("a terminal Run has a status")?;
    ensure!(
        status.phase == RunPhase::Succeeded,
        "{name} ended {:?} ({:?}): {:?}",
        status.phase,
        status.reason,
        status.message
    );
    Ok(status)
}

/// A Workflow of bash steps on `runtime`: `build` writes an output from the input `version`; `test` and
/// `lint` need it and run side by side, `test` reading build's output through an env expression; the
/// Workflow's output reads test's. Waits for it to end, checks it `Succeeded` with the expected outputs and
/// one Succeeded Run per step, and returns its status.
pub async fn bash_workflow_succeeds(
    client: &Client,
    ns: &str,
    name: &str,
    runtime: &str,
    timeout: Duration,
) -> Result<WorkflowStatus> {
    let wf: Workflow = serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "inputs": [{"name": "version", "required": true}],
            "arguments": {"version": "1.2"},
            "steps": [
                {"id": "build", "runtime": runtime,
                 "args": ["echo \"tag=v${{ inputs.version }}\" >> \"$KRUNTIME_OUTPUTS\""]},
                {"id": "test", "needs": ["build"], "runtime": runtime,
                 "env": [{"name": "TAG", "value": "${{ steps.build.outputs.tag }}"}],
                 "args": ["test \"$TAG\" = v1.2 && echo \"verdict=$TAG passed\" >> \"$KRUNTIME_OUTPUTS\""]},
                {"id": "lint", "needs": ["build"], "runtime": runtime, "args": ["echo lint"]},
            ],
            "outputs": [{"name": "verdict", "value": "${{ steps.test.outputs.verdict }}"}],
            "timeoutSeconds": timeout.as_secs(),
        }
    }))?;
    let api: Api<Workflow> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), &wf).await?;
    let status =
        wait_workflow_terminal(client, ns, name, timeout + Duration::from_secs(10)).await?;
    ensure_workflow_succeeded(name, &status)?;
    ensure!(
        status.outputs.get("verdict").map(String::as_str) == Some("v1.2 passed"),
        "outputs {:?}",
        status.outputs
    );
    ensure_children_succeeded(client, ns, name, 3).await?;
    Ok(status)
}

/// Waits until Workflow `name` is terminal, returning its status.
pub async fn wait_workflow_terminal(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> Result<WorkflowStatus> {
    let api: Api<Workflow> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        let status = api.get(name).await?.status.unwrap_or_default();
        if status.phase.is_terminal() {
            return Ok(status);
        }
        if Instant::now() > deadline {
            bail!("Workflow {name} not terminal after {timeout:?}: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks that Workflow `name` ended `Succeeded` with every step `Succeeded`.
fn ensure_workflow_succeeded(name: &str, status: &WorkflowStatus) -> Result<()> {
    ensure!(
        status.phase == WorkflowPhase::Succeeded,
        "Workflow {name} ended {:?}: {:?} {:?}",
        status.phase,
        status.message,
        status.steps
    );
    for step in &status.steps {
        ensure!(
            step.phase == WorkflowPhase::Succeeded,
            "step {} of the Succeeded Workflow {name} is {:?}: {:?}",
            step.id,
            step.phase,
            step.message
        );
    }
    Ok(())
}

/// The child Runs of Workflow `name` (labelled `kruntimes.io/workflow=<name>`).
pub async fn workflow_runs(client: &Client, ns: &str, name: &str) -> Result<Vec<Run>> {
    let runs: Api<Run> = Api::namespaced(client.clone(), ns);
    Ok(runs
        .list(&ListParams::default().labels(&format!("{}={name}", labels::WORKFLOW)))
        .await?
        .items)
}

/// The step id a child Run of a Workflow was created for (its `kruntimes.io/workflow-step` label).
fn step_of(run: &Run) -> &str {
    run.labels()
        .get(labels::WORKFLOW_STEP)
        .map_or("", String::as_str)
}

/// Checks that Workflow `name` has exactly `steps` child Runs, all `Succeeded`.
async fn ensure_children_succeeded(
    client: &Client,
    ns: &str,
    name: &str,
    steps: usize,
) -> Result<()> {
    let children = workflow_runs(client, ns, name).await?;
    ensure!(
        children.len() == steps,
        "Workflow {name} has {} child Runs, expected one per step ({steps})",
        children.len()
    );
    for run in &children {
        ensure!(
            run.phase() == RunPhase::Succeeded,
            "{} ended {:?}",
            run.name_any(),
            run.status
        );
    }
    Ok(())
}

/// Whether the Run is terminal.
pub fn terminal(run: &Run) -> bool {
    run.phase().is_terminal()
}

/// A Run goes from Pending to Succeeded with its exit code, pod, attempt and times.
pub async fn run_succeeds(client: &Client, ns: &str, runtime: &str) -> Result<RunStatus> {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    api.create(
        &PostParams::default(),
        &bash_run("hello", runtime, "echo hello from $0", 1)?,
    )
    .await?;
    let status = wait_succeeded(client, ns, "hello", Duration::from_secs(30)).await?;
    ensure!(
        status.exit_code == Some(0),
        "exit code {:?}",
        status.exit_code
    );
    ensure!(status.attempt == Some(1), "attempt {:?}", status.attempt);
    ensure!(
        status.assigned_pod.is_some() && status.assigned_pod_uid.is_some(),
        "no placement recorded"
    );
    let (start, end) = (
        status.start_time.clone().context("startTime")?,
        status.completion_time.clone().context("completionTime")?,
    );
    ensure!(
        start.0 <= end.0,
        "started {start:?} after it completed {end:?}"
    );
    ensure!(
        status.grants.is_some() && status.usage.is_some(),
        "grants and usage are reported"
    );
    Ok(status)
}

/// What a burst observed.
#[derive(Debug, Clone, Default)]
pub struct BurstReport {
    /// Most Runs active (Scheduled or Running) on one pod at any observed instant.
    pub max_active_per_pod: usize,
    /// Terminal phases by count.
    pub phases: BTreeMap<String, usize>,
    /// Wall time from the first create to the last terminal Run.
    pub elapsed: Duration,
    /// Reason and message of every Run that did not succeed.
    pub failures: Vec<String>,
}

/// Active Run uids per pod, and the most seen on one pod.
type Occupancy = (BTreeMap<String, BTreeSet<String>>, usize);

/// Creates `n` Runs at once (`script` each) and waits for all to end, watching every status change to find the
/// most Runs active on one pod at any time.
pub async fn burst(
    client: &Client,
    ns: &str,
    runtime: &str,
    n: usize,
    script: &str,
    timeout: Duration,
) -> Result<BurstReport> {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    let active: Arc<Mutex<Occupancy>> = Arc::default();
    let observer = {
        let active = active.clone();
        let stream = watcher(api.clone(), watcher::Config::default());
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Ok(Some(event)) = stream.try_next().await {
                if let watcher::Event::Apply(run) | watcher::Event::InitApply(run) = event {
                    let uid = run.uid().unwrap_or_default();
                    let mut guard = active.lock().unwrap_or_else(PoisonError::into_inner);
                    let (pods, max) = &mut *guard;
                    for set in pods.values_mut() {
                        set.remove(&uid);
                    }
                    if let Some(s) = &run.status
                        && s.phase.is_active()
                        && let Some(pod) = &s.assigned_pod
                    {
                        let set = pods.entry(pod.clone()).or_default();
                        set.insert(uid);
                        *max = (*max).max(set.len());
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let names: Vec<String> = (0..n).map(|i| format!("burst-{i}")).collect();
    futures::stream::iter(names.iter().cloned())
        .map(|name| {
            let api = api.clone();
            async move {
                let run = bash_run(&name, runtime, script, 1)?;
                api.create(&PostParams::default(), &run).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<()>>()
        .await?;
    let deadline = Instant::now() + timeout;
    let mut report = BurstReport::default();
    loop {
        let runs = api.list(&ListParams::default()).await?;
        let ours: Vec<&Run> = runs
            .items
            .iter()
            .filter(|r| r.name_any().starts_with("burst-"))
            .collect();
        if ours.len() == n && ours.iter().all(|r| terminal(r)) {
            report.elapsed = started.elapsed();
            for r in ours {
                *report.phases.entry(r.phase().to_string()).or_default() += 1;
                if r.phase() != RunPhase::Succeeded {
                    let s = r.status.clone().unwrap_or_default();
                    report.failures.push(format!(
                        "{}: {} {:?} {:?} (attempt {:?}, pod {:?})",
                        r.name_any(),
                        s.phase,
                        s.reason,
                        s.message,
                        s.attempt,
                        s.assigned_pod
                    ));
                }
            }
            break;
        }
        if Instant::now() > deadline {
            let pending = ours.iter().filter(|r| !terminal(r)).count();
            bail!("{pending} of {n} Runs not terminal after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the observer see the last events, then read its maximum.
    tokio::time::sleep(Duration::from_millis(200)).await;
    observer.abort();
    report.max_active_per_pod = active.lock().unwrap_or_else(PoisonError::into_inner).1;
    Ok(report)
}

/// A Run whose pod dies while it runs is retried on another pod and succeeds; `kill` kills a pod by name.
pub async fn killed_pod_is_retried<F, Fut>(
    client: &Client,
    ns: &str,
    runtime: &str,
    kill: F,
) -> Result<RunStatus>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    api.create(
        &PostParams::default(),
        &bash_run("survivor", runtime, "sleep 2; echo done", 3)?,
    )
    .await?;
    let running = wait_run(client, ns, "survivor", Duration::from_secs(30), |r| {
        r.phase() == RunPhase::Running
    })
    .await?;
    let placed = running.status.context("a Running Run has a status")?;
    let pod = placed.assigned_pod.context("a Running Run has a pod")?;
    let killed_uid = placed.assigned_pod_uid;
    kill(pod.clone()).await?;
    let status = wait_succeeded(client, ns, "survivor", Duration::from_secs(60)).await?;
    ensure!(
        status.attempt.unwrap_or(1) >= 2,
        "the Run was not retried: attempt {:?}",
        status.attempt
    );
    ensure!(
        status.assigned_pod_uid.is_some() && status.assigned_pod_uid != killed_uid,
        "the last attempt ran on the killed pod {pod}"
    );
    Ok(status)
}

/// How many times an Event happened: a series counts its repeats (kube's recorder folds a repeated Event into
/// one object with `series.count`).
fn occurrences(event: &Event) -> i32 {
    event.series.as_ref().map_or(1, |s| s.count)
}

/// `Warning ExitCode Fail ×1: <note>`, for error messages.
fn describe_events(events: &[Event]) -> String {
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {} {} ×{}: {}",
                e.type_.as_deref().unwrap_or("?"),
                e.reason.as_deref().unwrap_or("?"),
                e.action.as_deref().unwrap_or("?"),
                occurrences(e),
                e.note.as_deref().unwrap_or("")
            )
        })
        .collect();
    format!("[{}]", lines.join("; "))
}

/// Waits until the Events (events.k8s.io/v1) regarding Run `name` satisfy `found`, returning them. Events are
/// published after the status is written, so they may lag it.
pub async fn wait_run_events(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
    found: impl Fn(&[Event]) -> bool,
) -> Result<Vec<Event>> {
    let api: Api<Event> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + timeout;
    loop {
        let events: Vec<Event> = api
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|e| {
                e.regarding.as_ref().is_some_and(|r| {
                    r.kind.as_deref() == Some("Run") && r.name.as_deref() == Some(name)
                })
            })
            .collect();
        if found(&events) {
            return Ok(events);
        }
        if Instant::now() > deadline {
            bail!(
                "the Events regarding Run {name} are not there after {timeout:?}; seen: {}",
                describe_events(&events)
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates `run` in `ns`.
async fn create_run(client: &Client, ns: &str, run: &Run) -> Result<()> {
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), run)
        .await
        .with_context(|| format!("creating Run {}", run.name_any()))?;
    Ok(())
}

/// Waits until Run `name` is terminal, returning its status.
async fn wait_terminal(
    client: &Client,
    ns: &str,
    name: &str,
    timeout: Duration,
) -> Result<RunStatus> {
    let run = wait_run(client, ns, name, timeout, terminal).await?;
    run.status.context("a terminal Run has a status")
}

/// Checks a terminal status: phase, reason and attempt.
fn ensure_ended(
    name: &str,
    status: &RunStatus,
    phase: RunPhase,
    reason: &str,
    attempt: i32,
) -> Result<()> {
    ensure!(
        status.phase == phase && status.reason.as_deref() == Some(reason),
        "Run {name} ended {} ({:?}: {:?}), expected {phase} ({reason})",
        status.phase,
        status.reason,
        status.message
    );
    ensure!(
        status.attempt == Some(attempt),
        "Run {name} ended at attempt {:?}, expected {attempt}",
        status.attempt
    );
    Ok(())
}

/// A Run whose script exits 3 ends `Failed` with exit code 3 and reason `ExitCode` after one attempt, and
/// runtimed publishes a Warning Event regarding it with that reason.
pub async fn failing_run_reports_its_exit_code(
    client: &Client,
    ns: &str,
    runtime: &str,
) -> Result<RunStatus> {
    let name = "fails";
    create_run(
        client,
        ns,
        &bash_run(name, runtime, "echo bad >&2; exit 3", 1)?,
    )
    .await?;
    let status = wait_terminal(client, ns, name, Duration::from_secs(60)).await?;
    ensure_ended(name, &status, RunPhase::Failed, reasons::EXIT_CODE, 1)?;
    ensure!(
        status.exit_code == Some(3),
        "exit code {:?}",
        status.exit_code
    );
    wait_run_events(client, ns, name, Duration::from_secs(60), |events| {
        events.iter().any(|e| {
            e.type_.as_deref() == Some("Warning") && e.reason.as_deref() == Some(reasons::EXIT_CODE)
        })
    })
    .await?;
    Ok(status)
}

/// A Run with `retryPolicy.maxAttempts: 3` whose script always exits 3 runs three attempts: the first two fail
/// and are retried (a Warning Event with action `Retry` for each), the third ends the Run `Failed` (`ExitCode`,
/// exit code 3, `status.attempt` 3, a Warning Event with action `Fail`).
///
/// A guest cannot tell which attempt it is (no variable or file says so; each attempt gets a fresh workspace),
/// so a Run that fails twice and then succeeds cannot be written; a Run that always fails shows the same
/// retries.
pub async fn failing_run_is_retried_until_its_attempts_run_out(
    client: &Client,
    ns: &str,
    runtime: &str,
) -> Result<RunStatus> {
    let name = "fails-thrice";
    create_run(
        client,
        ns,
        &bash_run(name, runtime, "echo failing >&2; exit 3", 3)?,
    )
    .await?;
    let status = wait_terminal(client, ns, name, Duration::from_secs(120)).await?;
    ensure_ended(name, &status, RunPhase::Failed, reasons::EXIT_CODE, 3)?;
    ensure!(
        status.exit_code == Some(3),
        "exit code {:?}",
        status.exit_code
    );
    let count = |events: &[Event], action: &str| -> i32 {
        events
            .iter()
            .filter(|e| {
                e.type_.as_deref() == Some("Warning")
                    && e.reason.as_deref() == Some(reasons::EXIT_CODE)
                    && e.action.as_deref() == Some(action)
            })
            .map(occurrences)
            .sum()
    };
    let events = wait_run_events(client, ns, name, Duration::from_secs(60), |events| {
        count(events, "Retry") >= 2 && count(events, "Fail") >= 1
    })
    .await?;
    ensure!(
        count(&events, "Retry") == 2 && count(&events, "Fail") == 1,
        "expected 2 retried attempts and 1 final failure, Events: {}",
        describe_events(&events)
    );
    Ok(status)
}

/// A Run executing `sleep 60` is cancelled (`spec.cancelRequested: true`, a merge patch): it ends `Cancelled`
/// (reason `Cancelled`) instead of finishing its sleep, and its capacity is released: the next Run is placed
/// on the same pod and succeeds. `runtime` must have exactly one pod with capacity for one Run, so that the
/// next Run can only run once the cancelled one let go of its place.
pub async fn cancelled_run_ends_cancelled_and_frees_its_place(
    client: &Client,
    ns: &str,
    runtime: &str,
) -> Result<RunStatus> {
    let name = "long";
    create_run(
        client,
        ns,
        &bash_run(name, runtime, "sleep 60; echo too late", 1)?,
    )
    .await?;
    let running = wait_run(client, ns, name, Duration::from_secs(60), |r| {
        r.phase() == RunPhase::Running
    })
    .await?;
    let pod = running
        .status
        .and_then(|s| s.assigned_pod)
        .context("a Running Run has a pod")?;
    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&cancel))
        .await
        .context("setting spec.cancelRequested")?;
    // A cancel that did nothing would end Succeeded after the sleep: the phase tells.
    let status = wait_terminal(client, ns, name, Duration::from_secs(120)).await?;
    ensure_ended(name, &status, RunPhase::Cancelled, reasons::CANCELLED, 1)?;

    let next = "after-cancel";
    create_run(client, ns, &bash_run(next, runtime, "echo next", 1)?).await?;
    let after = wait_succeeded(client, ns, next, Duration::from_secs(60)).await?;
    ensure!(
        after.assigned_pod.as_deref() == Some(pod.as_str()),
        "Run {next} ran on {:?}, expected the only pod {pod}",
        after.assigned_pod
    );
    Ok(status)
}

/// A Run with `timeoutSeconds: 2` executing `sleep 30` ends `Timeout` (reason `Timeout`) after its single
/// attempt, with the deadline it was granted in `status.grants`.
pub async fn run_past_its_timeout_ends_timeout(
    client: &Client,
    ns: &str,
    runtime: &str,
) -> Result<RunStatus> {
    let name = "slow";
    let mut run = bash_run(name, runtime, "sleep 30; echo too late", 1)?;
    run.spec.template.timeout_seconds = Some(2);
    create_run(client, ns, &run).await?;
    // A deadline that did nothing would end Succeeded after the sleep: the phase tells.
    let status = wait_terminal(client, ns, name, Duration::from_secs(120)).await?;
    ensure_ended(name, &status, RunPhase::Timeout, reasons::TIMEOUT, 1)?;
    let granted = status.grants.as_ref().and_then(|g| g.timeout_seconds);
    ensure!(
        granted == Some(2),
        "Run {name} was granted a deadline of {granted:?} s, expected 2"
    );
    Ok(status)
}

/// A Workflow that fans out: `seed` writes the output `n=6`; `double`, `square` and `negate` each need it,
/// read it through an env expression and write their own `value`; the Workflow's outputs read the three. It
/// ends `Succeeded` with outputs 12, 36 and -6, every step `Succeeded`, one `Succeeded` Run per step.
pub async fn fan_out_workflow_succeeds(
    client: &Client,
    ns: &str,
    name: &str,
    runtime: &str,
    timeout: Duration,
) -> Result<WorkflowStatus> {
    let branch = |id: &str, expr: &str| {
        serde_json::json!({
            "id": id, "needs": ["seed"], "runtime": runtime,
            "env": [{"name": "N", "value": "${{ steps.seed.outputs.n }}"}],
            "args": [format!("echo \"value=$(({expr}))\" >> \"$KRUNTIME_OUTPUTS\"")],
        })
    };
    let output = |id: &str| serde_json::json!({"name": id, "value": format!("${{{{ steps.{id}.outputs.value }}}}")});
    let wf: Workflow = serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "steps": [
                {"id": "seed", "runtime": runtime, "args": ["echo n=6 >> \"$KRUNTIME_OUTPUTS\""]},
                branch("double", "N * 2"),
                branch("square", "N * N"),
                branch("negate", "0 - N"),
            ],
            "outputs": [output("double"), output("square"), output("negate")],
            "timeoutSeconds": timeout.as_secs(),
        }
    }))?;
    let api: Api<Workflow> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), &wf).await?;
    let status =
        wait_workflow_terminal(client, ns, name, timeout + Duration::from_secs(10)).await?;
    ensure_workflow_succeeded(name, &status)?;
    let expected: BTreeMap<String, String> = [("double", "12"), ("square", "36"), ("negate", "-6")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    ensure!(
        status.outputs == expected,
        "Workflow {name} outputs {:?}, expected {expected:?}",
        status.outputs
    );
    ensure!(
        status.steps.len() == 4,
        "{} step statuses",
        status.steps.len()
    );
    ensure_children_succeeded(client, ns, name, 4).await?;
    Ok(status)
}

/// A Workflow whose steps `a`, `b` and `c` need each other in a ring is admitted (a cycle costs too much to
/// find in CEL), then failed by the controller at its first reconcile: `Failed`, `Ready=False` with reason
/// `WorkflowInvalid`, a message naming the cycle's path, and no Run created, not even for the step outside
/// the ring.
pub async fn cyclic_workflow_is_refused(
    client: &Client,
    ns: &str,
    name: &str,
    runtime: &str,
) -> Result<WorkflowStatus> {
    let wf: Workflow = serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "steps": [
                {"id": "setup", "runtime": runtime, "args": ["echo setup"]},
                {"id": "a", "needs": ["setup", "c"], "runtime": runtime, "args": ["echo a"]},
                {"id": "b", "needs": ["a"], "runtime": runtime, "args": ["echo b"]},
                {"id": "c", "needs": ["b"], "runtime": runtime, "args": ["echo c"]},
            ],
        }
    }))?;
    let api: Api<Workflow> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), &wf)
        .await
        .context("the API server refused a cyclic Workflow: admission cannot find cycles")?;
    let status = wait_workflow_terminal(client, ns, name, Duration::from_secs(60)).await?;
    // Steps are visited in id order: a, then its needs setup and c, then b, back to a.
    let path = "dependency cycle: a -> c -> b -> a";
    let message = status.message.as_deref().unwrap_or_default();
    ensure!(
        status.phase == WorkflowPhase::Failed && message.contains(path),
        "Workflow {name} ended {:?} with message {message:?}, expected Failed naming {path:?}",
        status.phase
    );
    let ready = status
        .conditions
        .iter()
        .find(|c| c.type_ == conditions::READY);
    ensure!(
        ready.is_some_and(|c| c.status == "False" && c.reason == reasons::WORKFLOW_INVALID),
        "Ready condition of Workflow {name}: {ready:?}, expected False ({})",
        reasons::WORKFLOW_INVALID
    );
    let children = workflow_runs(client, ns, name).await?;
    ensure!(
        children.is_empty(),
        "the invalid Workflow {name} created Runs: {:?}",
        children
            .iter()
            .map(ResourceExt::name_any)
            .collect::<Vec<_>>()
    );
    Ok(status)
}

/// A Workflow whose steps `left` and `right` run `sleep 60` side by side, with `after` needing both, is
/// cancelled (`spec.cancelRequested: true`) while both Runs are `Running`: the controller cancels the two
/// Runs (each ends `Cancelled`), `after` is `Skipped` (reason `Cancelled`) without a Run, and the Workflow
/// ends `Cancelled`. `runtime` needs room for two Runs at once.
pub async fn cancelled_workflow_cancels_its_runs(
    client: &Client,
    ns: &str,
    name: &str,
    runtime: &str,
) -> Result<WorkflowStatus> {
    let wf: Workflow = serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "steps": [
                {"id": "left", "runtime": runtime, "args": ["sleep 60; echo too late"]},
                {"id": "right", "runtime": runtime, "args": ["sleep 60; echo too late"]},
                {"id": "after", "needs": ["left", "right"], "runtime": runtime, "args": ["echo never"]},
            ],
        }
    }))?;
    let api: Api<Workflow> = Api::namespaced(client.clone(), ns);
    api.create(&PostParams::default(), &wf).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let children = workflow_runs(client, ns, name).await?;
        let running = children
            .iter()
            .filter(|r| r.phase() == RunPhase::Running)
            .count();
        if running == 2 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "the two sleeping steps of Workflow {name} are not both Running: {:?}",
                children
                    .iter()
                    .map(|r| (step_of(r).to_owned(), r.phase()))
                    .collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&cancel))
        .await
        .context("setting the Workflow's spec.cancelRequested")?;
    // Cancels that did nothing would let the sleeps succeed and `after` run: the phases tell.
    let status = wait_workflow_terminal(client, ns, name, Duration::from_secs(120)).await?;
    let phases: BTreeMap<&str, (WorkflowPhase, Option<&str>)> = status
        .steps
        .iter()
        .map(|s| (s.id.as_str(), (s.phase, s.reason.as_deref())))
        .collect();
    let expected: BTreeMap<&str, (WorkflowPhase, Option<&str>)> = [
        ("left", (WorkflowPhase::Cancelled, Some(reasons::CANCELLED))),
        (
            "right",
            (WorkflowPhase::Cancelled, Some(reasons::CANCELLED)),
        ),
        ("after", (WorkflowPhase::Skipped, Some(reasons::CANCELLED))),
    ]
    .into_iter()
    .collect();
    ensure!(
        status.phase == WorkflowPhase::Cancelled && phases == expected,
        "Workflow {name} ended {:?} ({:?}) with steps {phases:?}, expected Cancelled with {expected:?}",
        status.phase,
        status.message
    );
    let children = workflow_runs(client, ns, name).await?;
    let mut steps: Vec<&str> = children.iter().map(step_of).collect();
    steps.sort_unstable();
    ensure!(
        steps == ["left", "right"],
        "Workflow {name} has Runs for steps {steps:?}, expected left and right only"
    );
    for run in &children {
        let status = run.status.clone().unwrap_or_default();
        ensure!(
            run.spec.cancel_requested == Some(true)
                && status.phase == RunPhase::Cancelled
                && status.reason.as_deref() == Some(reasons::CANCELLED),
            "Run {} of the cancelled Workflow: cancelRequested {:?}, ended {} ({:?}: {:?})",
            run.name_any(),
            run.spec.cancel_requested,
            status.phase,
            status.reason,
            status.message
        );
    }
    Ok(status)
}

/// Name of the Secret holding the S3 credentials of [`moto_s3_store`].
pub const S3_SECRET: &str = "s3-credentials";
/// The bucket of [`moto_s3_store`].
pub const S3_BUCKET: &str = "artifacts";

/// An S3 artifact store on moto at `endpoint` (path-style, bucket [`S3_BUCKET`], prefix `runs`), reading its
/// credentials from the Secret [`S3_SECRET`].
pub fn moto_s3_store(endpoint: &str) -> kruntimes_api::v1alpha1::runtime::ArtifactStore {
    use kruntimes_api::v1alpha1::runtime::{ArtifactStore, S3Store};
    ArtifactStore {
        s3: Some(S3Store {
            bucket: S3_BUCKET.to_owned(),
            prefix: Some("runs".to_owned()),
            region: Some("us-east-1".to_owned()),
            endpoint: Some(endpoint.to_owned()),
            force_path_style: Some(true),
            credentials_secret_name: Some(S3_SECRET.to_owned()),
        }),
        ..ArtifactStore::default()
    }
}

/// Creates the Secret [`S3_SECRET`] in `ns` with credentials moto accepts.
pub async fn create_s3_secret(client: &Client, ns: &str) -> Result<()> {
    use k8s_openapi::api::core::v1::Secret;
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": S3_SECRET},
        "stringData": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}}))?;
    Api::<Secret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &secret)
        .await
        .with_context(|| format!("creating Secret {ns}/{S3_SECRET}"))?;
    Ok(())
}
