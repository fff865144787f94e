//! Python runtime benchmark: the built-in `python` runtime through the full `Manager` path (grant, workspace, fresh
//! Store, instantiate the CPython snapshot, run, outputs, forget), beside native `python3` measured in the same run.
//!
//! ```text
//! cargo xtask build-guests                       # builds runtimes/target/builtins/python
//! cargo bench -p kruntimes-engine --bench python
//! ```
//!
//! Set `KRUNTIMES_PYTHON_VARIANTS=name=DIR,...` to compare other builds of the runtime (each `DIR` a built-in
//! runtime directory written by `runtimes/python/build.py --out DIR`); the shipped one is always measured first.
//! `KRUNTIMES_BENCH_KEEP_RESIDENT=BYTES` overrides the engine's `keep_resident_bytes` (0: unmap dirty pages).
//! `KRUNTIMES_PYTHON_BENCH_HELLO_ONLY=1` skips the script rows (for quick comparisons).
//! Prints one table per variant plus the native rows; takes about a minute per variant.

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::rows::{self, Row as TableRow, millis, scaled};
use common::{ms, proc_status_kib};
use kruntimes_engine::{
    Builtin, Engine, EngineConfig, HostConfig, Manager, ManagerConfig, Metrics, RunId, RunSpec,
    RuntimePolicy,
};

const HELLO_RUNS: usize = 500;
const JSON_RUNS: usize = 10;
const CPU_RUNS: usize = 10;
const LIVE_SLEEPERS: usize = 100;

/// 2,000-item dict, ten rounds of dumps + loads (the prototype's JSON workload). Prints its own work time in ms.
const JSON_SCRIPT: &str = "import json, time\n\
    t = time.perf_counter()\n\
    d = {f'key{i}': {'id': i, 'name': 'x' * 20, 'tags': ['a', 'b', 'c'], 'score': i * 1.5} for i in range(2000)}\n\
    for _ in range(10):\n\
    \x20   d = json.loads(json.dumps(d))\n\
    print((time.perf_counter() - t) * 1000)\n";

/// Interpreter-bound work: recursive calls and integer arithmetic. Prints its own work time in ms.
const CPU_SCRIPT: &str = "import time\n\
    t = time.perf_counter()\n\
    def fib(n):\n\
    \x20   return n if n < 2 else fib(n - 1) + fib(n - 2)\n\
    fib(24)\n\
    s = 0\n\
    for i in range(300000):\n\
    \x20   s += i * i % 7\n\
    print((time.perf_counter() - t) * 1000)\n";

/// Modules that are not preloaded in the shipped build: their import cost from the read-only stdlib mount.
const IMPORT_SCRIPT: &str = "import time\n\
    t = time.perf_counter()\n\
    import email.mime.text, http.client, xml.dom.minidom\n\
    print((time.perf_counter() - t) * 1000)\n";

struct Row {
    name: String,
    n: usize,
    p50: Duration,
    p95: Duration,
    extra: String,
    /// The row's number behind `extra`: Runs/s, in-script ms, or Runs per GiB.
    value: Option<f64>,
}

fn row(name: impl Into<String>, mut samples: Vec<Duration>, extra: String) -> Row {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Row {
        name: name.into(),
        n: samples.len(),
        p50: at(0.50),
        p95: at(0.95),
        extra,
        value: None,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// Precompiled components, kept between bench runs (compiling CPython takes seconds).
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/kruntimes-bench-cache")
}

struct Bench {
    manager: Manager,
    next: usize,
}

impl Bench {
    /// One Run of `python args...` (with `source` as main.py when given); returns latency, instantiate time, stdout.
    async fn run(&mut self, args: &[&str], source: Option<&str>) -> (Duration, Duration, String) {
        self.next += 1;
        let mut spec = RunSpec::new(
            RunId::new(format!("py-{}", self.next), 1).expect("uid"),
            "python",
        );
        spec.args = args.iter().map(|a| (*a).to_owned()).collect();
        if let Some(source) = source {
            spec.entrypoint = Some("main.py".to_owned());
            spec.source = Some(source.to_owned());
        }
        let started = Instant::now();
        let mut handle = self.manager.execute(spec).expect("execute");
        let outcome = handle.wait().await;
        let latency = started.elapsed();
        let stdout = String::from_utf8_lossy(&handle.stdout().contents()).into_owned();
        assert_eq!(
            outcome.reason.as_str(),
            "Completed",
            "{} {}",
            outcome.message,
            String::from_utf8_lossy(&handle.stderr().contents())
        );
        self.manager.forget(handle.id()).await.expect("forget");
        (
            latency,
            outcome.usage.instantiate.unwrap_or_default(),
            stdout,
        )
    }
}

async fn variant(engine: &Engine, name: &str, dir: &Path, work: &Path) -> Vec<Row> {
    let builtin = Builtin::find(dir, "python")
        .expect("builtin dir")
        .unwrap_or_else(|| {
            panic!(
                "no python runtime in {}: run `cargo xtask build-guests`",
                dir.display()
            )
        });
    let manager = Manager::new(
        engine.clone(),
        ManagerConfig {
            workspace_root: work.join(format!("{name}-workspaces")),
            cache_dir: cache_dir(),
            host: HostConfig::default(),
            max_concurrent_runs: Some(LIVE_SLEEPERS + 8),
            on_compile: None,
        },
        Metrics::default(),
    )
    .expect("manager");
    let bytes = std::fs::read(&builtin.component).expect("component");
    let size = bytes.len();
    let compile = Instant::now();
    manager
        .register_runtime("python", bytes, builtin.policy(RuntimePolicy::default()))
        .await
        .expect("register");
    let compile = compile.elapsed();
    let stdlib = builtin
        .mounts
        .iter()
        .map(|m| dir_bytes(&m.host_path))
        .sum::<u64>();
    let mut b = Bench { manager, next: 0 };
    let hi = ["-c", "print(\"hi\")"];
    for _ in 0..30 {
        b.run(&hi, None).await;
    }

    let mut rows = Vec::new();
    let (mut lat, mut inst) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for _ in 0..scaled(HELLO_RUNS) {
        let (l, i, out) = b.run(&hi, None).await;
        assert_eq!(out, "hi\n");
        lat.push(l);
        inst.push(i);
    }
    let per_sec = lat.len() as f64 / started.elapsed().as_secs_f64();
    rows.push(Row {
        value: Some(per_sec),
        ..row(
            format!("[{name}] print(\"hi\"), sequential"),
            lat,
            format!("{per_sec:.0} Runs/s"),
        )
    });
    rows.push(row(format!("[{name}]   instantiate"), inst, String::new()));

    // Throughput with two Runs in flight per core.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let manager = b.manager.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut inner = Bench {
                manager,
                next: 1_000_000 * (w + 1),
            };
            for _ in 0..scaled(HELLO_RUNS) / 4 {
                samples.push(inner.run(&hi, None).await.0);
            }
            samples
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    let per_sec = lat.len() as f64 / started.elapsed().as_secs_f64();
    rows.push(Row {
        value: Some(per_sec),
        ..row(
            format!("[{name}] print(\"hi\"), concurrency 4"),
            lat,
            format!("{per_sec:.0} Runs/s"),
        )
    });

    let scripts = if std::env::var_os("KRUNTIMES_PYTHON_BENCH_HELLO_ONLY").is_some() {
        Vec::new()
    } else {
        vec![
            ("json script", JSON_SCRIPT, scaled(JSON_RUNS)),
            ("CPU-bound script", CPU_SCRIPT, scaled(CPU_RUNS)),
            (
                "import email+http+minidom",
                IMPORT_SCRIPT,
                scaled(JSON_RUNS),
            ),
        ]
    };
    for (label, script, n) in scripts {
        let (mut lat, mut work) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let (l, _, out) = b.run(&[], Some(script)).await;
            lat.push(l);
            work.push(out.trim().parse::<f64>().expect("work ms"));
        }
        let work = median(work);
        rows.push(Row {
            value: Some(work),
            ..row(
                format!("[{name}] {label}"),
                lat,
                format!("in-script {work:.1} ms"),
            )
        });
    }

    // Resident memory per live (sleeping) Run.
    let rss_before = proc_status_kib("VmRSS:");
    let mut sleepers = Vec::new();
    for i in 0..LIVE_SLEEPERS {
        let mut spec = RunSpec::new(RunId::new(format!("sleep-{i}"), 1).expect("uid"), "python");
        spec.args = vec![
            "-c".to_owned(),
            "import time; print('up', flush=True); time.sleep(60)".to_owned(),
        ];
        spec.timeout = Some(Duration::from_secs(120));
        let handle = b.manager.execute(spec).expect("execute sleeper");
        let mut logs = b.manager.logs(handle.id()).expect("logs");
        logs.stdout.next_chunk().await;
        sleepers.push(handle);
    }
    let rss_live = proc_status_kib("VmRSS:");
    for h in &sleepers {
        b.manager.cancel(h.id()).expect("cancel");
    }
    for h in &mut sleepers {
        h.wait().await;
        b.manager.forget(h.id()).await.expect("forget");
    }
    let per_run_kib = rss_live.saturating_sub(rss_before) as f64 / LIVE_SLEEPERS as f64;
    let per_gib = (1024.0 * 1024.0) / per_run_kib.max(1.0);
    rows.push(Row {
        name: format!("[{name}] RSS per sleeping Run"),
        n: LIVE_SLEEPERS,
        p50: Duration::ZERO,
        p95: Duration::ZERO,
        extra: format!("{per_run_kib:.0} KiB -> {per_gib:.0} Runs/GiB"),
        value: Some(per_gib),
    });
    println!(
        "[{name}] component {:.1} MB, stdlib mount {:.1} MB, compile+load {}",
        size as f64 / 1e6,
        stdlib as f64 / 1e6,
        ms(compile)
    );
    rows
}

fn native(label: &str, args: &[&str], n: usize) -> Option<Row> {
    let mut lat = Vec::new();
    let mut work = Vec::new();
    for i in 0..n + 2 {
        let started = Instant::now();
        let out = Command::new("/usr/bin/python3")
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            return None;
        }
        if i >= 2 {
            lat.push(elapsed);
            if let Ok(ms) = String::from_utf8_lossy(&out.stdout).trim().parse::<f64>() {
                work.push(ms);
            }
        }
    }
    let work = (!work.is_empty()).then(|| median(work));
    let extra = work.map_or_else(String::new, |work| format!("in-script {work:.1} ms"));
    Some(Row {
        value: work,
        ..row(format!("[native python3] {label}"), lat, extra)
    })
}

async fn bench() {
    let shm = Path::new("/dev/shm");
    let work = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("tempdir")
    } else {
        tempfile::tempdir().expect("tempdir")
    };
    let keep_resident = std::env::var("KRUNTIMES_BENCH_KEEP_RESIDENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(kruntimes_engine::engine::DEFAULT_KEEP_RESIDENT);
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 128,
        keep_resident_bytes: keep_resident,
        ..EngineConfig::default()
    })
    .expect("engine");
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins");
    let mut variants = vec![("shipped".to_owned(), shipped)];
    if let Ok(list) = std::env::var("KRUNTIMES_PYTHON_VARIANTS") {
        for item in list.split(',').filter(|s| !s.is_empty()) {
            let (name, dir) = item
                .split_once('=')
                .expect("KRUNTIMES_PYTHON_VARIANTS is name=DIR,...");
            variants.push((name.to_owned(), PathBuf::from(dir)));
        }
    }
    let mut rows = Vec::new();
    for (name, dir) in &variants {
        rows.extend(variant(&engine, name, dir, work.path()).await);
    }
    let version = Command::new("/usr/bin/python3")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    rows.extend(native(
        "-c 'print(\"hi\")'",
        &["-c", "print(\"hi\")"],
        scaled(100),
    ));
    rows.extend(native(
        "json script",
        &["-c", JSON_SCRIPT],
        scaled(JSON_RUNS),
    ));
    rows.extend(native(
        "CPU-bound script",
        &["-c", CPU_SCRIPT],
        scaled(CPU_RUNS),
    ));
    record(&rows);

    println!();
    println!(
        "kruntimes python bench: CPython 3.14 component vs native /usr/bin/python3 ({version}); 2 tokio workers, \
         pooling allocator (keep resident {} MiB), workspaces in {}",
        keep_resident >> 20,
        work.path().display()
    );
    println!();
    println!("{:<46} {:>5} {:>12} {:>12}", "workload", "n", "p50", "p95");
    for r in &rows {
        let (p50, p95) = if r.p50.is_zero() {
            (String::new(), String::new())
        } else {
            (ms(r.p50), ms(r.p95))
        };
        println!(
            "{:<46} {:>5} {:>12} {:>12}  {}",
            r.name, r.n, p50, p95, r.extra
        );
    }
    println!();
    println!("VmHWM {} MiB", proc_status_kib("VmHWM:") / 1024);
}

/// The shipped runtime's rows that have a target, for `cargo xtask bench`.
fn record(rows: &[Row]) {
    let find = |name: &str| rows.iter().find(|r| r.name == name);
    let native_hi = find("[native python3] -c 'print(\"hi\")'");
    if let Some(hi) = find("[shipped] print(\"hi\"), sequential") {
        rows::record(&TableRow {
            what: "runtimed: Python `print(\"hi\")` Run",
            n: hi.n,
            ours: format!("p50 {}, p95 {}", millis(hi.p50), millis(hi.p95)),
            baseline: native_hi.map(|n| format!("`python3 -c` p50 {}", millis(n.p50))),
            target: Some("p50 ≤ 1 ms"),
            met: Some(hi.p50 <= Duration::from_millis(1)),
        });
    }
    if let Some(four) = find("[shipped] print(\"hi\"), concurrency 4") {
        let per_sec = four.value.unwrap_or_default();
        rows::record(&TableRow {
            what: "runtimed: Python `print(\"hi\")` Runs, 4 at once on 2 cores",
            n: four.n,
            ours: format!("{per_sec:.0} Runs/s"),
            baseline: native_hi
                .map(|n| format!("`python3 -c` spawns: {:.0}/s", 1.0 / n.p50.as_secs_f64())),
            target: Some("≥ 1,000 Runs/s"),
            met: Some(per_sec >= 1_000.0),
        });
    }
    if let Some(memory) = find("[shipped] RSS per sleeping Run") {
        let per_gib = memory.value.unwrap_or_default();
        rows::record(&TableRow {
            what: "runtimed: sleeping Python Runs per GiB",
            n: memory.n,
            ours: format!("{per_gib:.0} Runs/GiB"),
            baseline: None,
            target: Some("≥ 200"),
            met: Some(per_gib >= 200.0),
        });
    }
    let cpu = (
        find("[shipped] CPU-bound script"),
        find("[native python3] CPU-bound script"),
    );
    if let (Some(ours), Some(native)) = cpu
        && let (Some(ours_ms), Some(native_ms)) = (ours.value, native.value)
    {
        let ratio = ours_ms / native_ms;
        rows::record(&TableRow {
            what: "runtimed: CPU-bound Python (fib + loop), in-script time",
            n: ours.n,
            ours: format!("{ours_ms:.1} ms ({ratio:.1}× native)"),
            baseline: Some(format!("CPython {native_ms:.1} ms")),
            target: Some("≤ 2.5× native"),
            met: Some(ratio <= 2.5),
        });
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
