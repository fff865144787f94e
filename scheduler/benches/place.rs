//! Placement latency: `place()` on the incremental index vs the Go original's approach (recompute
//! per-pod usage by scanning every Run each cycle), with 1,000 pods of one Runtime, 2,000 Runs already
//! active and 10,000 pending Runs placed one by one (each placement reserving).
//!
//! Run: `cargo bench -p kruntimes-scheduler --bench place`. Exits non-zero if a pod ends over capacity.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunSpec, RunStatus, RunTemplate};
use kruntimes_scheduler::index::{GroupKey, Index, PodInfo};
use kruntimes_scheduler::place;
use kruntimes_scheduler::resources::Resources;

const PODS: usize = 1_000;
const CAPACITY: u64 = 12;
const ACTIVE: usize = 2_000;
const PENDING: usize = 10_000;

fn group() -> GroupKey {
    GroupKey::new("default", "bash")
}

fn pod(i: usize, now: Timestamp) -> PodInfo {
    PodInfo {
        group: group(),
        name: format!("bash-{i:04}"),
        uid: format!("pod-uid-{i}"),
        capacity: Resources::from([("runs".to_owned(), CAPACITY)]),
        running: true,
        deleting: false,
        ready: true,
        runtimed_ready: true,
        heartbeat: Some(now),
    }
}

fn active_run(i: usize) -> Run {
    let mut r = Run::new(
        &format!("active-{i}"),
        RunSpec {
            template: RunTemplate {
                runtime: "bash".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    r.metadata.namespace = Some("default".into());
    r.metadata.uid = Some(format!("active-uid-{i}"));
    let p = i % PODS;
    r.status = Some(RunStatus {
        phase: RunPhase::Running,
        assigned_pod: Some(format!("bash-{p:04}")),
        assigned_pod_uid: Some(format!("pod-uid-{p}")),
        ..Default::default()
    });
    r
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
    total: Duration,
}

fn stats(mut d: Vec<Duration>) -> Stats {
    d.sort_unstable();
    let at = |q: f64| d[((d.len() as f64 * q) as usize).min(d.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        max: d[d.len() - 1],
        total: d.iter().sum(),
    }
}

/// Ours: incremental index, `place()` + `reserve()` per Run.
fn ours(now: Timestamp) -> (Vec<Duration>, bool) {
    let mut ix = Index::new();
    for i in 0..PODS {
        ix.apply_pod(pod(i, now), now);
    }
    for i in 0..ACTIVE {
        ix.apply_run(&active_run(i));
    }
    let requests = Resources::from([("runs".to_owned(), 1)]);
    let mut times = Vec::with_capacity(PENDING);
    let mut all_placed = true;
    for i in 0..PENDING {
        let uid = format!("pending-uid-{i}");
        let t = Instant::now();
        let req = ix.request(group(), &requests);
        match place(&req, ix.candidates(&req.group), now) {
            Ok(p) => ix.reserve(&uid, &p, &req),
            Err(_) => all_placed = false,
        }
        times.push(t.elapsed());
    }
    let ok = ix.overcommitted().is_empty() && all_placed;
    (times, ok)
}

/// Baseline, as the Go scheduler: each cycle sums the requests of every Run of the namespace per assigned
/// pod, adds the assumed reservations, then filters and scores all pods.
fn baseline(now: Timestamp) -> (Vec<Duration>, bool) {
    struct BRun {
        phase: RunPhase,
        pod: Option<usize>,
        runs: u64,
    }
    let pods: Vec<PodInfo> = (0..PODS).map(|i| pod(i, now)).collect();
    let mut runs: Vec<BRun> = (0..ACTIVE)
        .map(|i| BRun {
            phase: RunPhase::Running,
            pod: Some(i % PODS),
            runs: 1,
        })
        .collect();
    runs.extend((0..PENDING).map(|_| BRun {
        phase: RunPhase::Pending,
        pod: None,
        runs: 1,
    }));
    let stale = now
        .checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(15))
        .unwrap_or(now);
    let mut times = Vec::with_capacity(PENDING);
    let mut assumed: HashMap<usize, u64> = HashMap::new();
    let mut all_placed = true;
    for i in 0..PENDING {
        let t = Instant::now();
        let mut usage: HashMap<usize, u64> = HashMap::new();
        for r in &runs {
            if r.phase.is_active()
                && let Some(p) = r.pod
            {
                *usage.entry(p).or_default() += r.runs;
            }
        }
        for (p, v) in &assumed {
            *usage.entry(*p).or_default() += v;
        }
        let mut best: Option<(usize, u64, u64)> = None;
        for (pi, p) in pods.iter().enumerate() {
            let fit = p.running && !p.deleting && p.ready && p.runtimed_ready;
            if !fit || p.heartbeat.is_none_or(|h| h < stale) {
                continue;
            }
            let cap = p.capacity.get("runs").copied().unwrap_or(0);
            let used = usage.get(&pi).copied().unwrap_or(0) + 1;
            if used > cap {
                continue;
            }
            let better = match best {
                None => true,
                Some((bi, bu, bc)) => {
                    let (l, r) = (
                        u128::from(used) * u128::from(bc),
                        u128::from(bu) * u128::from(cap),
                    );
                    l < r || (l == r && p.name < pods[bi].name)
                }
            };
            if better {
                best = Some((pi, used, cap));
            }
        }
        match best {
            Some((pi, _, _)) => {
                // The bind is observed at once: the Run holds its capacity through the Run list.
                let r = &mut runs[ACTIVE + i];
                r.phase = RunPhase::Scheduled;
                r.pod = Some(pi);
            }
            None => all_placed = false,
        }
        times.push(t.elapsed());
        assumed.clear();
    }
    let mut usage = vec![0u64; PODS];
    for r in &runs {
        if let Some(p) = r.pod {
            usage[p] += r.runs;
        }
    }
    let ok = usage.iter().all(|u| *u <= CAPACITY) && all_placed;
    (times, ok)
}

fn main() -> ExitCode {
    let now = Timestamp::now();
    let (ours_t, ours_ok) = ours(now);
    let (base_t, base_ok) = baseline(now);
    let o = stats(ours_t);
    let b = stats(base_t);
    println!(
        "placing {PENDING} pending Runs on {PODS} pods (capacity {CAPACITY} runs each, {ACTIVE} Runs already active)\n"
    );
    println!("| approach | p50 | p99 | max | total |");
    println!("|---|---|---|---|---|");
    for (name, s) in [
        ("place() on incremental index", &o),
        ("baseline: rescan all Runs per cycle (Go)", &b),
    ] {
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.2} s |",
            s.p50.as_secs_f64() * 1e6,
            s.p99.as_secs_f64() * 1e6,
            s.max.as_secs_f64() * 1e6,
            s.total.as_secs_f64()
        );
    }
    println!(
        "\nno over-commit: ours {}, baseline {}; p99 target ≤ 50 µs: {}",
        ours_ok,
        base_ok,
        if o.p99 <= Duration::from_micros(50) {
            "met"
        } else {
            "MISSED"
        }
    );
    if ours_ok && base_ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("a pod is over-committed or a Run was not placed");
        ExitCode::FAILURE
    }
}
