//! Bash runtime benchmark: the built-in `bash` runtime through the full `Manager` path (grant, workspace, fresh
//! Store, instantiate, run, forget), with its tools as spawned children, beside native `/usr/bin/bash` and the
//! GNU tools of this machine measured in the same run.
//!
//! ```text
//! cargo xtask build-guests                       # builds runtimes/target/builtins/bash (shell + tools)
//! cargo bench -p kruntimes-engine --bench bash
//! ```
//!
//! Rows: `echo hi` (a builtin: the Run's fixed cost), a 3-stage pipeline of three children, and a 25-line
//! CI-style script (files, loops, sed, grep, sort, a JSON check with jq, about 15 children).

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

const ECHO_RUNS: usize = 500;
const PIPELINE_RUNS: usize = 100;
const CI_RUNS: usize = 30;

const PIPELINE: &str = "seq 1 2000 | grep 7 | wc -l";

/// A CI-style chore: generate a config and a report, validate, summarise.
const CI_SCRIPT: &str = r#"set -euo pipefail
mkdir -p build/src
for i in 1 2 3 4 5; do
  printf 'module_%s=enabled\nversion=1.%s.0\n' "$i" "$i" > "build/src/m$i.conf"
done
count=0
for f in build/src/*.conf; do
  count=$((count + 1))
done
echo "found $count configs"
sed -i 's/enabled/on/' build/src/m3.conf
grep -h '^version=' build/src/*.conf | cut -d= -f2 | sort -t. -k2 -n | tail -n 1 > build/latest
latest=$(cat build/latest)
echo "latest $latest"
grep -l '=on$' build/src/*.conf | wc -l
printf '{"name":"app","version":"%s","modules":%d}\n' "$latest" "$count" > build/manifest.json
jq -r '.name + "@" + .version' build/manifest.json
jq -e '.modules == 5' build/manifest.json > /dev/null
cat build/src/*.conf | sort | uniq -c | sort -rn | head -n 3
tar czf build.tgz build
tar tzf build.tgz | wc -l
[[ -s build.tgz ]] && echo "archive ok"
upper=$(echo "$latest" | tr . _)
echo "tag v$upper"
echo done
"#;

struct Row {
    name: String,
    n: usize,
    p50: Duration,
    p95: Duration,
}

fn row(name: impl Into<String>, mut samples: Vec<Duration>) -> Row {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Row {
        name: name.into(),
        n: samples.len(),
        p50: at(0.50),
        p95: at(0.95),
    }
}

/// Precompiled components, kept between bench runs.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/kruntimes-bench-cache")
}

struct Bench {
    manager: Manager,
    next: usize,
}

impl Bench {
    /// One Run; returns its latency and stdout.
    async fn run(&mut self, args: &[&str], source: Option<&str>) -> (Duration, String) {
        self.next += 1;
        let mut spec = RunSpec::new(
            RunId::new(format!("sh-{}", self.next), 1).expect("uid"),
            "bash",
        );
        spec.args = args.iter().map(|a| (*a).to_owned()).collect();
        if let Some(source) = source {
            spec.entrypoint = Some("main.sh".to_owned());
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
        (latency, stdout)
    }

    async fn rows(
        &mut self,
        label: &str,
        args: &[&str],
        source: Option<&str>,
        n: usize,
    ) -> (Row, String) {
        let (_, first) = self.run(args, source).await;
        let mut lat = Vec::new();
        for _ in 0..n {
            lat.push(self.run(args, source).await.0);
        }
        (row(format!("[wasm bash] {label}"), lat), first)
    }
}

/// Runs/s of `echo hi` Runs with `concurrency` in flight, `total` in all.
async fn throughput(manager: &Manager, concurrency: usize, total: usize) -> f64 {
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let manager = manager.clone();
        workers.spawn(async move {
            for i in (worker..total).step_by(concurrency) {
                let mut spec = RunSpec::new(RunId::new(format!("tp-{i}"), 1).expect("uid"), "bash");
                spec.args = vec!["echo hi".to_owned()];
                let mut handle = manager.execute(spec).expect("execute");
                handle.wait().await;
                manager.forget(handle.id()).await.expect("forget");
            }
        });
    }
    workers.join_all().await;
    total as f64 / started.elapsed().as_secs_f64()
}

/// `/usr/bin/bash -c`/script with the GNU tools, in a fresh directory each time.
fn native(label: &str, script: &str, n: usize, work: &Path) -> Option<(Row, String)> {
    let mut lat = Vec::new();
    let mut first = String::new();
    for i in 0..n + 2 {
        let dir = work.join(format!("native-{label}-{i}").replace(' ', "-"));
        std::fs::create_dir_all(&dir).ok()?;
        let started = Instant::now();
        let out = Command::new("/usr/bin/bash")
            .args(["-c", script])
            .current_dir(&dir)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            return None;
        }
        if i == 0 {
            first = String::from_utf8_lossy(&out.stdout).into_owned();
        }
        if i >= 2 {
            lat.push(elapsed);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    Some((row(format!("[native bash] {label}"), lat), first))
}

async fn bench() {
    let shm = Path::new("/dev/shm");
    let work = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("tempdir")
    } else {
        tempfile::tempdir().expect("tempdir")
    };
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 128,
        ..EngineConfig::default()
    })
    .expect("engine");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins");
    let builtin = Builtin::find(&dir, "bash")
        .expect("builtin dir")
        .expect("no bash runtime: run `cargo xtask build-guests`");
    let manager = Manager::new(
        engine,
        ManagerConfig {
            workspace_root: work.path().join("workspaces"),
            cache_dir: cache_dir(),
            host: HostConfig::default(),
            max_concurrent_runs: Some(16),
            on_compile: None,
        },
        Metrics::default(),
    )
    .expect("manager");
    for r in builtin
        .registrations(&dir, &RuntimePolicy::default())
        .expect("registrations")
    {
        let bytes = std::fs::read(&r.component).expect("component");
        manager
            .register_runtime(&r.name, bytes, r.policy)
            .await
            .expect("register");
    }
    let mut bench = Bench {
        manager: manager.clone(),
        next: 0,
    };
    let mut pairs = Vec::new();
    let echo = bench
        .rows("echo hi", &["echo hi"], None, scaled(ECHO_RUNS))
        .await;
    let pipe = bench
        .rows(PIPELINE, &[PIPELINE], None, scaled(PIPELINE_RUNS))
        .await;
    let ci = bench
        .rows("25-line CI script", &[], Some(CI_SCRIPT), scaled(CI_RUNS))
        .await;
    let per_sec = throughput(&manager, 8, scaled(2_000)).await;
    pairs.push((echo, native("echo hi", "echo hi", scaled(200), work.path())));
    pairs.push((
        pipe,
        native(PIPELINE, PIPELINE, scaled(PIPELINE_RUNS), work.path()),
    ));
    pairs.push((
        ci,
        native("25-line CI script", CI_SCRIPT, scaled(CI_RUNS), work.path()),
    ));
    println!("[wasm bash] echo hi, 8 at once: {per_sec:.0} Runs/s");
    let ((echo, _), native_echo) = &pairs[0];
    let native_p50 = native_echo.as_ref().map(|(n, _)| n.p50);
    rows::record(&TableRow {
        what: "runtimed: bash `echo hi` Run",
        n: echo.n,
        ours: format!("p50 {}, p95 {}", millis(echo.p50), millis(echo.p95)),
        baseline: native_p50.map(|p50| format!("`bash -c 'echo hi'` p50 {}", millis(p50))),
        target: Some("p50 ≤ 0.2 ms"),
        met: Some(echo.p50 <= Duration::from_micros(200)),
    });
    rows::record(&TableRow {
        what: "runtimed: bash `echo hi` Runs, 8 at once on 2 cores",
        n: scaled(2_000),
        ours: format!("{per_sec:.0} Runs/s"),
        baseline: native_p50
            .map(|p50| format!("`bash -c` spawns: {:.0}/s", 1.0 / p50.as_secs_f64())),
        target: Some("≥ 5,000 Runs/s"),
        met: Some(per_sec >= 5_000.0),
    });
    let ((ci, _), native_ci) = &pairs[2];
    rows::record(&TableRow {
        what: "runtimed: 25-line CI script (sed, grep, awk, sort, jq...)",
        n: ci.n,
        ours: format!("p50 {}, p95 {}", millis(ci.p50), millis(ci.p95)),
        baseline: native_ci
            .as_ref()
            .map(|(n, _)| format!("native bash + GNU tools p50 {}", millis(n.p50))),
        target: None,
        met: None,
    });

    let version = Command::new("/usr/bin/bash")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    println!();
    println!(
        "kruntimes bash bench: brush component + tool components vs native {version} with GNU tools; \
         2 tokio workers, workspaces in {}",
        work.path().display()
    );
    println!();
    println!(
        "{:<46} {:>5} {:>12} {:>12} {:>14}",
        "workload", "n", "p50", "p95", "p50 vs native"
    );
    for ((wasm, wasm_out), native) in &pairs {
        let ratio = native.as_ref().map_or_else(String::new, |(n, _)| {
            format!("{:.2}x", wasm.p50.as_secs_f64() / n.p50.as_secs_f64())
        });
        println!(
            "{:<46} {:>5} {:>12} {:>12} {:>14}",
            wasm.name,
            wasm.n,
            ms(wasm.p50),
            ms(wasm.p95),
            ratio
        );
        if let Some((n, native_out)) = native {
            println!(
                "{:<46} {:>5} {:>12} {:>12}",
                n.name,
                n.n,
                ms(n.p50),
                ms(n.p95)
            );
            if native_out != wasm_out {
                println!("  (outputs differ: wasm {wasm_out:?} vs native {native_out:?})");
            }
        }
    }
    println!();
    println!("VmHWM {} MiB", proc_status_kib("VmHWM:") / 1024);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
