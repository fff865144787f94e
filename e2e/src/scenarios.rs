//! The control-plane scenarios, written once against a `kube::Client`: the in-process tests
//! (`tests/in_process`, on the API server substitute with the real controller, scheduler and runtimed agents)
//! and the real-cluster tests (`tests/control_plane.rs`) run the same functions.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::{StreamExt, TryStreamExt};
use kruntimes_api::v1alpha1::{
    Run, RunPhase, RunStatus, Runtime, Workflow, WorkflowPhase, WorkflowStatus,
};
use kube::api::{ListParams, PostParams};
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
    let deadline = Instant::now() + timeout + Duration::from_secs(10);
    let status = loop {
        let status = api.get(name).await?.status.unwrap_or_default();
        if status.phase.is_terminal() {
            break status;
        }
        if Instant::now() > deadline {
            bail!("Workflow {name} not terminal after {timeout:?}: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    ensure!(
        status.phase == WorkflowPhase::Succeeded,
        "Workflow {name} ended {:?}: {:?} {:?}",
        status.phase,
        status.message,
        status.steps
    );
    ensure!(
        status.outputs.get("verdict").map(String::as_str) == Some("v1.2 passed"),
        "outputs {:?}",
        status.outputs
    );
    let runs: Api<Run> = Api::namespaced(client.clone(), ns);
    let children = runs
        .list(&ListParams::default().labels(&format!("kruntimes.io/workflow={name}")))
        .await?
        .items;
    ensure!(children.len() == 3, "{} child Runs", children.len());
    for run in &children {
        ensure!(
            run.phase() == RunPhase::Succeeded,
            "{} ended {:?}",
            run.name_any(),
            run.status
        );
    }
    Ok(status)
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
