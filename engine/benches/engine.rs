//! Engine benchmark: per-Run latency and throughput of the `hello` test guest through the full `Manager` path
//! (grant, workspace, fresh Store, instantiate, run, outputs, forget), beside native process spawns measured in the
//! same run, plus RSS per live instance, deadline overshoot and the epoch ticker's CPU cost.
//!
//! ```text
//! cargo xtask prepare-guests   # unpacks and patches awk-rs into runtimes/target/patched/ (once)
//! cargo build --release --manifest-path runtimes/Cargo.toml -p test-guests --target wasm32-wasip2
//! cargo bench -p kruntimes-engine --bench engine
//! ```
//!
//! Prints one table; takes about 20 s.

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::rows::{self, Row, millis, scaled};
use common::{ms, proc_status_kib};
use kruntimes_engine::{
    Engine, EngineConfig, HostConfig, Manager, ManagerConfig, Metrics, RunId, RunSpec,
    RuntimePolicy,
};

const SEQUENTIAL_RUNS: usize = 2_000;
const CONCURRENT_RUNS: usize = 2_000;
const LIVE_INSTANCES: usize = 100;

fn guest(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../runtimes/target/wasm32-wasip2/release/{name}.wasm"
    ));
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "{} ({err}): build the test guests first:\n    cargo xtask prepare-guests && cargo build \
             --release --manifest-path runtimes/Cargo.toml -p test-guests --target wasm32-wasip2",
            path.display()
        )
    })
}

struct Stats {
    name: String,
    n: usize,
    p50: Duration,
    p95: Duration,
    /// Runs per second over the whole measurement; `None` for rows that time one step of a Run.
    per_sec: Option<f64>,
}

fn stats(name: impl Into<String>, mut samples: Vec<Duration>, wall: Option<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Stats {
        name: name.into(),
        n: samples.len(),
        p50: at(0.50),
        p95: at(0.95),
        per_sec: wall.map(|wall| samples.len() as f64 / wall.as_secs_f64()),
    }
}

/// CPU time (user + system) of the thread named `name`, from /proc/self/task/*/stat.
fn thread_cpu(name: &str) -> Option<Duration> {
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let task = task.ok()?.path();
        if std::fs::read_to_string(task.join("comm")).ok()?.trim() == name {
            let stat = std::fs::read_to_string(task.join("stat")).ok()?;
            let after_comm = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = after_comm.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            return Some(Duration::from_secs_f64((utime + stime) / ticks_per_sec));
        }
    }
    None
}

/// One Run: execute → outcome (the latency reported), then forget (timed separately).
async fn run_hello(manager: &Manager, uid: String) -> (Duration, Duration) {
    let spec = RunSpec::new(RunId::new(uid, 1).expect("valid uid"), "hello");
    let started = Instant::now();
    let mut handle = manager.execute(spec).expect("execute");
    let outcome = handle.wait().await;
    let latency = started.elapsed();
    assert_eq!(outcome.reason.as_str(), "Completed", "{}", outcome.message);
    let forget = Instant::now();
    manager.forget(handle.id()).await.expect("forget");
    (latency, forget.elapsed())
}

async fn hello_concurrent(
    manager: &Manager,
    concurrency: usize,
    total: usize,
    tag: &str,
) -> (Stats, Stats) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let manager = manager.clone();
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for i in (worker..total).step_by(concurrency) {
                samples.push(run_hello(&manager, format!("{tag}-{i}")).await);
            }
            samples
        }));
    }
    let (mut runs, mut forgets) = (Vec::new(), Vec::new());
    for task in tasks {
        for (run, forget) in task.await.expect("bench task") {
            runs.push(run);
            forgets.push(forget);
        }
    }
    let wall = started.elapsed();
    let name = if concurrency == 1 {
        "wasm hello, sequential".to_owned()
    } else {
        format!("wasm hello, concurrency {concurrency}")
    };
    (
        stats(name, runs, Some(wall)),
        stats("  then forget (removes workspace)", forgets, None),
    )
}

/// The `spawn_pipeline` guest spawning one `hello` child (stdout discarded) and waiting for it.
async fn shell_spawning_hello(manager: &Manager, n: usize) -> Stats {
    let started = Instant::now();
    let mut samples = Vec::new();
    for i in 0..n {
        let mut spec = RunSpec::new(RunId::new(format!("shell-{i}"), 1).expect("uid"), "shell");
        spec.args = vec!["programs".to_owned()];
        let run = Instant::now();
        let mut handle = manager.execute(spec).expect("execute shell");
        let outcome = handle.wait().await;
        samples.push(run.elapsed());
        assert_eq!(outcome.reason.as_str(), "Completed", "{}", outcome.message);
        manager.forget(handle.id()).await.expect("forget");
    }
    stats(
        "wasm shell + 1 spawned child",
        samples,
        Some(started.elapsed()),
    )
}

fn native(name: &str, program: &str, args: &[&str], n: usize) -> Option<Stats> {
    let spawn = || {
        let started = Instant::now();
        let status = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| started.elapsed())
    };
    for _ in 0..3 {
        spawn()?;
    }
    let started = Instant::now();
    let samples: Option<Vec<Duration>> = (0..n).map(|_| spawn()).collect();
    Some(stats(name, samples?, Some(started.elapsed())))
}

fn new_manager(engine: &Engine, workspaces: &std::path::Path, cache: &std::path::Path) -> Manager {
    Manager::new(
        engine.clone(),
        ManagerConfig {
            workspace_root: workspaces.to_owned(),
            cache_dir: cache.to_owned(),
            host: HostConfig::default(),
            max_concurrent_runs: Some(LIVE_INSTANCES + 8),
            on_compile: None,
        },
        Metrics::default(),
    )
    .expect("manager")
}

async fn bench() {
    // Workspaces on tmpfs, as recommended for runtimed (a memory-backed emptyDir): on this machine's ext4 disk a
    // mkdir costs ~80 µs and an rmdir ~130 µs, more than a whole Run. One row repeats the test on disk.
    let shm = std::path::Path::new("/dev/shm");
    let fast_dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("tempdir in /dev/shm")
    } else {
        tempfile::tempdir().expect("tempdir")
    };
    let disk_dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 128,
        ..EngineConfig::default()
    })
    .expect("engine");
    let cache = disk_dir.path().join("cache");
    let manager = new_manager(&engine, &fast_dir.path().join("workspaces"), &cache);
    let disk_manager = new_manager(&engine, &disk_dir.path().join("workspaces"), &cache);
    let compile = Instant::now();
    for name in ["hello", "sleep_forever", "spin_forever"] {
        for m in [&manager, &disk_manager] {
            m.register_runtime(name, guest(name), RuntimePolicy::default())
                .await
                .expect("register");
        }
    }
    let shell_policy = RuntimePolicy {
        capabilities: kruntimes_engine::RuntimeCapabilities {
            programs: [("hello".to_owned(), "hello".to_owned())].into(),
            ..Default::default()
        },
        ..RuntimePolicy::default()
    };
    manager
        .register_runtime("shell", guest("spawn_pipeline"), shell_policy)
        .await
        .expect("register shell");
    let compile = compile.elapsed();
    let ticker_cpu_start = thread_cpu("kruntimes-epoch");
    let bench_start = Instant::now();

    // Warm-up: page in code, fill the pools' warm slots.
    for i in 0..200 {
        run_hello(&manager, format!("warm-{i}")).await;
    }

    let mut rows = Vec::new();
    for concurrency in [1, 2, 4, 8] {
        let total = scaled(if concurrency == 1 {
            SEQUENTIAL_RUNS
        } else {
            CONCURRENT_RUNS
        });
        let tag = format!("c{concurrency}");
        let (runs, forgets) = hello_concurrent(&manager, concurrency, total, &tag).await;
        rows.push(runs);
        rows.push(forgets);
    }
    let (mut runs, mut forgets) = hello_concurrent(&disk_manager, 1, scaled(500), "disk").await;
    runs.name = "wasm hello, sequential, ext4 disk".to_owned();
    forgets.name = "  then forget, ext4 disk".to_owned();
    rows.extend([runs, forgets]);
    rows.push(shell_spawning_hello(&manager, scaled(500)).await);
    rows.extend(native(
        "native bash -c true",
        "bash",
        &["-c", "true"],
        scaled(300),
    ));
    rows.extend(native(
        "native /usr/bin/python3 -c pass",
        "/usr/bin/python3",
        &["-c", "pass"],
        scaled(100),
    ));
    rows.extend(native(
        "native python3 -c pass (PATH)",
        "python3",
        &["-c", "pass"],
        20,
    ));

    // Instantiate time alone, from the outcome's usage.
    let mut instantiate = Vec::new();
    for i in 0..200 {
        let mut handle = manager
            .execute(RunSpec::new(
                RunId::new(format!("inst-{i}"), 1).expect("uid"),
                "hello",
            ))
            .expect("execute");
        let outcome = handle.wait().await;
        instantiate.push(outcome.usage.instantiate.unwrap_or_default());
        manager.forget(handle.id()).await.expect("forget");
    }
    instantiate.sort();

    // RSS per live instance: N sleeping guests held alive at once.
    let rss_before = proc_status_kib("VmRSS:");
    let mut sleepers = Vec::new();
    for i in 0..LIVE_INSTANCES {
        let mut spec = RunSpec::new(
            RunId::new(format!("sleep-{i}"), 1).expect("uid"),
            "sleep_forever",
        );
        spec.timeout = Some(Duration::from_secs(60));
        let handle = manager.execute(spec).expect("execute sleeper");
        let mut logs = manager.logs(handle.id()).expect("logs");
        logs.stdout.next_chunk().await; // "sleeping": instantiated and blocked in the host
        sleepers.push(handle);
    }
    let rss_live = proc_status_kib("VmRSS:");
    for handle in &sleepers {
        manager.cancel(handle.id()).expect("cancel");
    }
    for handle in &mut sleepers {
        handle.wait().await;
        manager.forget(handle.id()).await.expect("forget");
    }
    let per_instance_kib = rss_live.saturating_sub(rss_before) as f64 / LIVE_INSTANCES as f64;

    // Deadline overshoot of a guest spinning in wasm.
    let deadline = Duration::from_millis(100);
    let mut overshoot = Vec::new();
    for i in 0..10 {
        let mut spec = RunSpec::new(
            RunId::new(format!("spin-{i}"), 1).expect("uid"),
            "spin_forever",
        );
        spec.timeout = Some(deadline);
        let mut handle = manager.execute(spec).expect("execute spinner");
        let outcome = handle.wait().await;
        assert_eq!(outcome.reason.as_str(), "Timeout");
        overshoot.push(outcome.usage.wall.saturating_sub(deadline));
        manager.forget(handle.id()).await.expect("forget");
    }
    overshoot.sort();

    let bench_wall = bench_start.elapsed();
    let ticker_cpu = match (ticker_cpu_start, thread_cpu("kruntimes-epoch")) {
        (Some(a), Some(b)) => format!(
            "{} over {:.1} s ({:.2}% of one core)",
            ms(b.saturating_sub(a)),
            bench_wall.as_secs_f64(),
            b.saturating_sub(a).as_secs_f64() / bench_wall.as_secs_f64() * 100.0
        ),
        _ => "n/a".to_owned(),
    };

    println!();
    println!(
        "kruntimes-engine engine bench: 2 tokio workers, pooling allocator, 1 ms epoch tick, workspaces in {}",
        fast_dir
            .path()
            .parent()
            .map_or("?".into(), |p| p.display().to_string())
    );
    println!(
        "(component compile + load of 3 test guests: {})",
        ms(compile)
    );
    println!();
    println!(
        "{:<34} {:>6} {:>11} {:>11} {:>9}",
        "workload", "n", "p50", "p95", "runs/s"
    );
    for row in &rows {
        let per_sec = row.per_sec.map_or(String::new(), |r| format!("{r:.0}"));
        println!(
            "{:<34} {:>6} {:>11} {:>11} {:>9}",
            row.name,
            row.n,
            ms(row.p50),
            ms(row.p95),
            per_sec
        );
    }
    println!();
    println!(
        "instantiate (hello, from Outcome.usage): p50 {}, p95 {}",
        ms(instantiate[instantiate.len() / 2]),
        ms(instantiate[instantiate.len() * 95 / 100])
    );
    println!(
        "RSS: {} MiB before, {} MiB with {LIVE_INSTANCES} live (sleeping) instances: {per_instance_kib:.0} KiB per \
         instance; VmHWM {} MiB",
        rss_before / 1024,
        rss_live / 1024,
        proc_status_kib("VmHWM:") / 1024
    );
    println!(
        "timeout overshoot (spin_forever, {} deadline, n=10): p50 {}, max {}",
        ms(deadline),
        ms(overshoot[overshoot.len() / 2]),
        ms(overshoot[overshoot.len() - 1])
    );
    println!("epoch ticker CPU: {ticker_cpu}");

    let find = |name: &str| rows.iter().find(|r| r.name.starts_with(name));
    let bash_true = find("native bash -c true");
    for (what, name) in [
        ("engine: `hello` Run, sequential", "wasm hello, sequential"),
        (
            "engine: `hello` Runs, 8 at once",
            "wasm hello, concurrency 8",
        ),
    ] {
        let Some(row) = find(name) else { continue };
        rows::record(&Row {
            what,
            n: row.n,
            ours: format!(
                "p50 {}, p95 {}, {:.0} Runs/s",
                millis(row.p50),
                millis(row.p95),
                row.per_sec.unwrap_or_default()
            ),
            baseline: bash_true.map(|b| format!("`bash -c true` p50 {}", millis(b.p50))),
            target: None,
            met: None,
        });
    }
    rows::record(&Row {
        what: "engine: deadline overshoot of a guest spinning in wasm (100 ms deadline)",
        n: overshoot.len(),
        ours: format!(
            "p50 {}, max {}",
            millis(overshoot[overshoot.len() / 2]),
            millis(overshoot[overshoot.len() - 1])
        ),
        baseline: None,
        target: None,
        met: None,
    });
    rows::record(&Row {
        what: "engine: memory per live sleeping `hello` instance",
        n: LIVE_INSTANCES,
        ours: format!("{per_instance_kib:.0} KiB"),
        baseline: None,
        target: None,
        met: None,
    });
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
