//! Opt-in benchmark on a real cluster: create → Succeeded latency of a trivial bash Run, beside the baseline
//! kruntimes exists to beat, measured in the same run: a Pod per task (create → Succeeded of a bare
//! `busybox true` Pod).
//!
//! `KRUNTIMES_E2E_KUBECONFIG=~/.kube/config cargo bench -p kruntimes-e2e --bench create_to_succeeded`
//! (optional `KRUNTIMES_E2E_RUNS`, default 50; `KRUNTIMES_E2E_BASELINE_IMAGE`, default `busybox:1.36`).
//! Without the variable it prints why it skipped and exits 0. Timestamps are `Instant`s taken in this process
//! around the create call and at the watch event that shows the terminal phase (sub-millisecond resolution;
//! the watch delivery is part of what is measured, as it is for any client).

#![allow(clippy::print_stdout, reason = "a benchmark prints its table")]

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::v1alpha1::{Run, Runtime};
use kruntimes_e2e::{KUBECONFIG_ENV, TempNamespace, client, scenarios};
use kube::api::PostParams;
use kube::runtime::watcher;
use kube::{Api, ResourceExt};

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
        .unwrap_or(50);
    let image =
        std::env::var("KRUNTIMES_E2E_BASELINE_IMAGE").unwrap_or_else(|_| "busybox:1.36".into());
    let client = client().await?;
    let ns = TempNamespace::create(&client).await?;
    let runtimes: Api<Runtime> = Api::namespaced(client.clone(), &ns.name);
    runtimes
        .create(
            &PostParams::default(),
            &scenarios::bash_runtime("bash", 2, 4)?,
        )
        .await?;
    scenarios::wait_runtime_ready(&client, &ns.name, "bash", 2, Duration::from_secs(300)).await?;

    let runs: Api<Run> = Api::namespaced(client.clone(), &ns.name);
    let mut run_latencies = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("latency-{i}");
        let run = scenarios::bash_run(&name, "bash", "echo hi", 1)?;
        let elapsed = timed(
            &runs,
            &name,
            || async {
                runs.create(&PostParams::default(), &run).await?;
                Ok(())
            },
            |r: &Run| r.phase().is_terminal().then(|| r.phase().to_string()),
        )
        .await?;
        run_latencies.push(elapsed);
    }

    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let baseline_n = n.min(10);
    let mut pod_latencies = Vec::with_capacity(baseline_n);
    for i in 0..baseline_n {
        let name = format!("baseline-{i}");
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "task", "image": image, "command": ["true"]}]}
        }))?;
        let elapsed = timed(
            &pods,
            &name,
            || async {
                pods.create(&PostParams::default(), &pod).await?;
                Ok(())
            },
            |p: &Pod| {
                let phase = p.status.as_ref().and_then(|s| s.phase.clone())?;
                matches!(phase.as_str(), "Succeeded" | "Failed").then_some(phase)
            },
        )
        .await?;
        pod_latencies.push(elapsed);
    }
    ns.delete().await?;

    println!("| create → terminal | n | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    row("kruntimes Run (`echo hi`, bash)", &mut run_latencies);
    row("baseline: a Pod per task (`true`)", &mut pod_latencies);
    println!("target: Run p50 ≤ 50 ms (the Go original: 580 ms on kind)");
    Ok(())
}

/// Time from just before `create` to the watch event where `done` first returns a terminal phase, which must be
/// a success.
async fn timed<K, C, CF, D>(api: &Api<K>, name: &str, create: C, done: D) -> Result<Duration>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
    C: FnOnce() -> CF,
    CF: std::future::Future<Output = Result<()>>,
    D: Fn(&K) -> Option<String>,
{
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let stream = watcher(api.clone(), config);
    let mut stream = std::pin::pin!(stream);
    // The watch is established (its initial list done) before the clock starts.
    while let Some(event) = stream.try_next().await? {
        if matches!(event, watcher::Event::InitDone) {
            break;
        }
    }
    let start = Instant::now();
    create().await?;
    while let Some(event) = stream.try_next().await? {
        if let watcher::Event::Apply(obj) = event
            && let Some(phase) = done(&obj)
        {
            let elapsed = start.elapsed();
            if phase != "Succeeded" {
                bail!("{} ended {phase}", obj.name_any());
            }
            return Ok(elapsed);
        }
    }
    bail!("the watch of {name} ended")
}

fn row(label: &str, samples: &mut [Duration]) {
    samples.sort();
    let q = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "| {label} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
        samples.len(),
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0)
    );
}
