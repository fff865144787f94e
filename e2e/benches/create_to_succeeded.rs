//! Benchmark on a real API server: create → Succeeded of trivial Runs, beside the API server's own floor measured
//! in the same run, the API writes each Run costs, and a 500-Run burst.
//!
//! ```sh
//! cargo xtask cluster up --with-kruntimes     # or any cluster where kruntimes is installed
//! KRUNTIMES_E2E_KUBECONFIG=target/cluster/pki/admin.kubeconfig \
//!     cargo bench --profile dev -p kruntimes-e2e --bench create_to_succeeded
//! ```
//!
//! `--profile dev` reuses the test build (the control plane under test is the debug build the cluster runs; a
//! release build of this client alone would compile wasmtime again for nothing, and the client's own work is a
//! create call and a watch).
//!
//! Without the variable it prints why it skipped and exits 0. `KRUNTIMES_E2E_RUNS` sets the samples per row
//! (default 100); `KRUNTIMES_E2E_BASELINE_IMAGE` adds a row for a Pod per task (create → Succeeded of a bare Pod
//! running `true` in that image), which needs a cluster with a real kubelet.
//!
//! What it measures, all in one temporary namespace:
//! - **floor**: create of a ConfigMap → its ADDED event on a watch open beforehand: one API write and one watch
//!   delivery, the least any controller-driven object can cost;
//! - **bash / python**: create of a Run → the watch event that shows it Succeeded, one at a time, on warm pods
//!   (2 bash pods, 1 python pod);
//! - **writes per Run**: the API server's own count (`apiserver_request_total` of its `/metrics`, write verbs,
//!   resource `runs`) across the bash series, less the benchmark's own creates; and the same from the Runs'
//!   watch (resourceVersions seen per Run, less the create) as a cross-check that needs no quiet cluster;
//! - **burst**: 500 Runs created 32 at a time on a bash Runtime of 4 pods (8 Runs each): time from the first
//!   create to the last Succeeded, and each Run's create → Succeeded.
//!
//! Timestamps are `Instant`s taken in this process (just before the create call, and on receipt of the watch
//! event), so the watch delivery to a client is part of every number, floor included.

#![allow(clippy::print_stdout, reason = "a benchmark prints its table")]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kruntimes_api::v1alpha1::{Run, RunPhase, Runtime};
use kruntimes_e2e::metrics::{per_run_writes, write_counts};
use kruntimes_e2e::{KUBECONFIG_ENV, TempNamespace, client, scenarios};
use kube::api::PostParams;
use kube::runtime::watcher;
use kube::{Api, Client, Resource, ResourceExt};
use tokio::sync::Notify;

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var_os(KUBECONFIG_ENV).is_none() {
        println!(
            "create_to_succeeded: skipped, {KUBECONFIG_ENV} is not set (needs a real cluster with kruntimes installed)"
        );
        return Ok(());
    }
    let n: usize = std::env::var("KRUNTIMES_E2E_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let client = client().await?;
    let ns = TempNamespace::create(&client).await?;
    let result = bench(&client, &ns.name, n).await;
    ns.delete().await?;
    let report = result?;
    report.print(n);
    Ok(())
}

struct Report {
    rows: Vec<(String, Vec<Duration>)>,
    writes: Option<BTreeMap<String, f64>>,
    watched_writes: Vec<usize>,
    burst: Option<(usize, Duration)>,
}

async fn bench(client: &Client, ns: &str, n: usize) -> Result<Report> {
    let runtimes: Api<Runtime> = Api::namespaced(client.clone(), ns);
    runtimes
        .create(
            &PostParams::default(),
            &scenarios::bash_runtime("bash", 2, 4)?,
        )
        .await?;
    runtimes
        .create(&PostParams::default(), &python_runtime("python", 1, 4)?)
        .await?;
    scenarios::wait_runtime_ready(client, ns, "bash", 2, Duration::from_secs(300)).await?;
    scenarios::wait_runtime_ready(client, ns, "python", 1, Duration::from_secs(300)).await?;

    let mut rows = Vec::new();
    // The floor: one write, one watch delivery.
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let tracker = Tracker::start(config_maps.clone(), |_: &ConfigMap| Some(Ok(()))).await?;
    let mut floor = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("floor-{i}");
        let cm: ConfigMap =
            serde_json::from_value(serde_json::json!({"metadata": {"name": name}}))?;
        let start = Instant::now();
        config_maps.create(&PostParams::default(), &cm).await?;
        floor.push(tracker.wait(&name, start).await?);
    }
    rows.push(("floor: ConfigMap create → watch event".to_owned(), floor));

    let runs: Api<Run> = Api::namespaced(client.clone(), ns);
    let tracker = Tracker::start(runs.clone(), run_outcome).await?;
    // Warm-up: the first Run of a pod pays one-time costs (connections, the component's first instance).
    for (runtime, i) in [("bash", 0), ("bash", 1), ("python", 0)] {
        let name = format!("warm-{runtime}-{i}");
        let start = Instant::now();
        runs.create(&PostParams::default(), &run(&name, runtime)?)
            .await?;
        tracker.wait(&name, start).await?;
    }

    let before = request_counts(client).await;
    let mut bash = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("bash-{i}");
        let start = Instant::now();
        runs.create(&PostParams::default(), &run(&name, "bash")?)
            .await?;
        bash.push(tracker.wait(&name, start).await?);
    }
    // runtimed's last write of a Run can land a little after the watch showed it terminal (Events, a late
    // status): the counters settle before they are read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = request_counts(client).await;
    let writes = match (before, after) {
        (Ok(before), Ok(after)) => Some(per_run_writes(&before, &after, n)),
        (Err(e), _) | (_, Err(e)) => {
            println!("(no API server metrics: {e:#})");
            None
        }
    };
    let watched_writes = (0..n)
        .map(|i| tracker.versions(&format!("bash-{i}")).saturating_sub(1))
        .collect();
    rows.push(("kruntimes Run: bash `echo hi`".to_owned(), bash));

    let mut python = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("python-{i}");
        let start = Instant::now();
        runs.create(&PostParams::default(), &run(&name, "python")?)
            .await?;
        python.push(tracker.wait(&name, start).await?);
    }
    rows.push(("kruntimes Run: python `print('hi')`".to_owned(), python));

    if let Ok(image) = std::env::var("KRUNTIMES_E2E_BASELINE_IMAGE") {
        rows.push((
            format!("baseline: a Pod per task (`true` in {image})"),
            pod_per_task(client, ns, &image, n.min(10)).await?,
        ));
    }

    runtimes
        .create(
            &PostParams::default(),
            &scenarios::bash_runtime("burst", 4, 8)?,
        )
        .await?;
    scenarios::wait_runtime_ready(client, ns, "burst", 4, Duration::from_secs(300)).await?;
    let (burst_total, burst) = burst(&runs, &tracker, 500).await?;
    rows.push(("burst: 500 bash Runs on 4 pods, each".to_owned(), burst));
    Ok(Report {
        rows,
        writes,
        watched_writes,
        burst: Some((500, burst_total)),
    })
}

/// A Run is done when terminal, a success when Succeeded.
fn run_outcome(run: &Run) -> Option<Result<(), String>> {
    if !scenarios::terminal(run) {
        return None;
    }
    if run.phase() == RunPhase::Succeeded {
        return Some(Ok(()));
    }
    Some(Err(format!("{}: {:?}", run.phase(), run.status)))
}

/// A Runtime of the built-in python component.
fn python_runtime(name: &str, replicas: i32, runs: u32) -> Result<Runtime> {
    Ok(serde_json::from_value(serde_json::json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Runtime",
        "metadata": {"name": name},
        "spec": {
            "component": {"builtin": "python"},
            "replicas": replicas,
            "capacity": {"resources": {"runs": runs.to_string()}},
        }
    }))?)
}

/// The benchmark's Run: `echo hi` in bash, or `print('hi')` in python.
fn run(name: &str, runtime: &str) -> Result<Run> {
    if runtime == "python" {
        return Ok(serde_json::from_value(serde_json::json!({
            "apiVersion": "kruntimes.io/v1alpha1",
            "kind": "Run",
            "metadata": {"name": name},
            "spec": {"runtime": runtime, "source": {"inline": "print('hi')\n"}, "entrypoint": "main.py"},
        }))?);
    }
    scenarios::bash_run(name, runtime, "echo hi", 1)
}

/// 500 Runs created `CONCURRENCY` at a time; returns the time from the first create to the last Succeeded, and
/// each Run's create → Succeeded.
async fn burst(api: &Api<Run>, tracker: &Tracker, n: usize) -> Result<(Duration, Vec<Duration>)> {
    const CONCURRENCY: usize = 32;
    let start = Instant::now();
    let latencies = futures::stream::iter(0..n)
        .map(|i| async move {
            let name = format!("burst-{i}");
            let created = Instant::now();
            api.create(
                &PostParams::default(),
                &scenarios::bash_run(&name, "burst", "echo $0", 1)?,
            )
            .await?;
            tracker.wait(&name, created).await
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<Duration>>()
        .await?;
    Ok((start.elapsed(), latencies))
}

async fn pod_per_task(client: &Client, ns: &str, image: &str, n: usize) -> Result<Vec<Duration>> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let tracker = Tracker::start(pods.clone(), |p: &Pod| {
        match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Succeeded") => Some(Ok(())),
            Some("Failed") => Some(Err("Failed".to_owned())),
            _ => None,
        }
    })
    .await?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("baseline-{i}");
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "task", "image": image, "command": ["true"]}]}
        }))?;
        let start = Instant::now();
        pods.create(&PostParams::default(), &pod).await?;
        out.push(tracker.wait(&name, start).await?);
    }
    Ok(out)
}

/// One watch of every object of a kind in the namespace: when each first satisfied `done`, with the object, and
/// how many distinct resourceVersions of it were seen (its create plus each later write).
struct Tracker {
    seen: Arc<Mutex<HashMap<String, Seen>>>,
    changed: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

struct Seen {
    /// When it was first done, and whether that was a success (else what it was).
    done: Option<(Instant, Result<(), String>)>,
    versions: Vec<String>,
}

impl Tracker {
    /// Opens the watch and returns once its initial list is done. `done` says whether an object is done: `None`
    /// not yet, `Some(Err(what))` done but not a success.
    async fn start<K>(api: Api<K>, done: fn(&K) -> Option<Result<(), String>>) -> Result<Self>
    where
        K: Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    {
        let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
        let changed = Arc::new(Notify::new());
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn({
            let (seen, changed) = (seen.clone(), changed.clone());
            async move {
                let mut ready = Some(ready_tx);
                let mut stream = std::pin::pin!(watcher(api, watcher::Config::default()));
                while let Some(event) = stream.next().await {
                    let obj = match event {
                        Ok(watcher::Event::InitDone) => {
                            if let Some(tx) = ready.take() {
                                let _ = tx.send(());
                            }
                            continue;
                        }
                        Ok(watcher::Event::Apply(obj) | watcher::Event::InitApply(obj)) => obj,
                        _ => continue,
                    };
                    let now = Instant::now();
                    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    let entry = seen.entry(obj.name_any()).or_insert_with(|| Seen {
                        done: None,
                        versions: Vec::new(),
                    });
                    let version = obj.resource_version().unwrap_or_default();
                    if !entry.versions.contains(&version) {
                        entry.versions.push(version);
                    }
                    if entry.done.is_none()
                        && let Some(outcome) = done(&obj)
                    {
                        entry.done = Some((now, outcome));
                        changed.notify_waiters();
                    }
                }
            }
        });
        ready_rx
            .await
            .context("the watch ended before its initial list")?;
        Ok(Self {
            seen,
            changed,
            task,
        })
    }

    /// Waits until `name` is done and returns the time from `start`; it must have been a success.
    async fn wait(&self, name: &str, start: Instant) -> Result<Duration> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let notified = self.changed.notified();
            let done = self
                .seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(name)
                .and_then(|s| s.done.clone());
            if let Some((at, outcome)) = done {
                outcome.map_err(|what| anyhow::anyhow!("{name} ended {what}"))?;
                return Ok(at.saturating_duration_since(start));
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                bail!("{name} was not done within 120 s");
            }
        }
    }

    /// Distinct resourceVersions seen of `name`.
    fn versions(&self, name: &str) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .map_or(0, |s| s.versions.len())
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `apiserver_request_total` of the API server's `/metrics`, summed by `resource/subresource verb` over every
/// other label, for the write verbs.
async fn request_counts(client: &Client) -> Result<BTreeMap<String, f64>> {
    let text = client
        .request_text(http::Request::get("/metrics").body(Vec::new())?)
        .await?;
    Ok(write_counts(&text))
}

impl Report {
    fn print(mut self, n: usize) {
        println!("| create → Succeeded | n | p50 ms | p95 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|---|");
        let mut floor_p50 = None;
        let mut bash_p50 = None;
        for (label, samples) in &mut self.rows {
            samples.sort();
            let q = |p: f64| {
                let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
                samples.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
            };
            if label.starts_with("floor") {
                floor_p50 = Some(q(0.5));
            } else if label.contains("bash `echo") {
                bash_p50 = Some(q(0.5));
            }
            println!(
                "| {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
                samples.len(),
                q(0.5),
                q(0.95),
                q(0.99),
                q(1.0)
            );
        }
        if let (Some(floor), Some(bash)) = (floor_p50, bash_p50) {
            println!(
                "\nbash Run p50 above the floor: {:.1} ms (target ≤ 50 ms)",
                bash - floor
            );
        }
        if let Some(writes) = &self.writes {
            let runs: f64 = writes
                .iter()
                .filter(|(k, _)| k.starts_with("runs"))
                .map(|(_, v)| v)
                .sum();
            println!(
                "\nAPI writes per bash Run besides its create, from apiserver_request_total over {n} Runs \
                 (cluster-wide: other clients' writes count too): {runs:.2} to the Run (target ≤ 2)"
            );
            for (key, per_run) in writes {
                println!("  {key}: {per_run:.2}");
            }
        }
        let watched: usize = self.watched_writes.iter().sum();
        let most = self.watched_writes.iter().max().copied().unwrap_or(0);
        println!(
            "writes per bash Run from its watch (resourceVersions after the create): mean {:.2}, max {most}",
            watched as f64 / self.watched_writes.len().max(1) as f64
        );
        if let Some((count, total)) = self.burst {
            println!(
                "\nburst: {count} Runs in {:.2} s from the first create to the last Succeeded: {:.0} Runs/s",
                total.as_secs_f64(),
                count as f64 / total.as_secs_f64()
            );
        }
    }
}
