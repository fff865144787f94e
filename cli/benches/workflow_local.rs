//! Workflow orchestration overhead with real Runs: `krt local run -f workflow.yaml` (the Workflow
//! engine plus the local driver, in-process through `krt::run`) against the same Runs executed
//! directly through the host `Manager` in the same shape, on a 20-step chain and a 100-wide fan-out
//! (a root and 100 parallel steps). Every step is the no-op `hello` test guest.
//!
//! ```text
//! cargo xtask build-guests      # once: builds runtimes/target/wasm32-wasip2/release/hello.wasm
//! cargo bench -p krt --bench workflow_local
//! ```
//!
//! Both sides pay the same fixed costs per iteration (a tokio runtime, an `Engine`, a `Manager`,
//! loading the precompiled component from the cache), so the difference is what orchestration adds:
//! reconciles, child Run bookkeeping, the driver's wake-ups and printing each step's output. Each
//! iteration runs both sides back to back; the overhead is the median of their differences.
//! Prints one table; takes about a minute.

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use kruntimes_engine::{
    Engine, EngineConfig, Manager, ManagerConfig, Metrics, RunId, RunSpec, RuntimePolicy,
};
use tokio::task::JoinSet;

fn hello() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtimes/target/wasm32-wasip2/release/hello.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build-guests`",
        path.display()
    );
    path
}

/// The shape of a Workflow: each step's needs, by index.
struct Shape {
    name: &'static str,
    needs: Vec<Vec<usize>>,
    iterations: usize,
}

fn chain(n: usize) -> Vec<Vec<usize>> {
    (0..n)
        .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
        .collect()
}

fn fan_out(n: usize) -> Vec<Vec<usize>> {
    std::iter::once(vec![])
        .chain((0..n).map(|_| vec![0]))
        .collect()
}

fn manifest(shape: &Shape) -> String {
    let mut text = String::from(
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: bench}\nspec:\n  steps:\n",
    );
    for (i, needs) in shape.needs.iter().enumerate() {
        let needs: Vec<String> = needs.iter().map(|j| format!("s{j}")).collect();
        text.push_str(&format!(
            "  - {{id: s{i}, runtime: noop, needs: [{}]}}\n",
            needs.join(", ")
        ));
    }
    text
}

/// One `krt local run -f <manifest>` in-process.
fn through_krt(manifest: &Path, component: &Path, cache: &Path) -> Duration {
    let cli = krt::Cli::try_parse_from([
        "krt".as_ref(),
        "local".as_ref(),
        "run".as_ref(),
        "-f".as_ref(),
        manifest.as_os_str(),
        "--component".as_ref(),
        component.as_os_str(),
        "--cache-dir".as_ref(),
        cache.as_os_str(),
    ])
    .expect("arguments");
    let mut sink = Vec::new();
    let start = Instant::now();
    let code = krt::run(cli, &mut sink).expect("krt local run");
    let took = start.elapsed();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    took
}

/// The same Runs directly through a `Manager`: each starts when its needs ended, up to the host's
/// concurrency.
fn direct(shape: &Shape, component: &[u8], cache: &Path) -> Duration {
    let start = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(async {
        let state = tempfile::tempdir().expect("tempdir");
        let mut config = ManagerConfig::in_dir(state.path());
        config.cache_dir = cache.to_path_buf();
        let manager = Manager::new(
            Engine::new(EngineConfig::default()).expect("engine"),
            config,
            Metrics::default(),
        )
        .expect("manager");
        manager
            .register_runtime("noop", component.to_vec(), RuntimePolicy::default())
            .await
            .expect("register");
        let capacity = manager.health().capacity;
        let n = shape.needs.len();
        let mut done = vec![false; n];
        let mut started = vec![false; n];
        let mut running = JoinSet::new();
        while done.iter().any(|d| !d) {
            for (i, needs) in shape.needs.iter().enumerate() {
                if !started[i] && running.len() < capacity && needs.iter().all(|&j| done[j]) {
                    started[i] = true;
                    let spec = RunSpec::new(RunId::new(format!("s{i}"), 1).expect("id"), "noop");
                    let mut handle = manager.execute(spec).expect("execute");
                    running.spawn(async move {
                        handle.wait().await;
                        (i, handle)
                    });
                }
            }
            let (i, handle) = running.join_next().await.expect("a Run").expect("task");
            // As the driver does: read the output, forget the execution.
            std::hint::black_box(handle.stdout().contents());
            manager.forget(handle.id()).await.expect("forget");
            done[i] = true;
        }
    });
    drop(runtime);
    start.elapsed()
}

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let component_path = hello();
    let component = std::fs::read(&component_path).expect("hello.wasm");
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let shapes = [
        Shape {
            name: "1 step",
            needs: chain(1),
            iterations: 30,
        },
        Shape {
            name: "20-step chain",
            needs: chain(20),
            iterations: 30,
        },
        Shape {
            name: "100-wide fan-out",
            needs: fan_out(100),
            iterations: 15,
        },
    ];
    println!(
        "| workload | Runs | direct through Manager p50 | krt local run (Workflow) p50 | orchestration overhead | per step |"
    );
    println!("|---|---|---|---|---|---|");
    for shape in &shapes {
        let path = dir.path().join(format!("{}.yaml", shape.needs.len()));
        std::fs::write(&path, manifest(shape)).expect("manifest");
        // Warm up (the first one compiles the component into the cache).
        for _ in 0..3 {
            through_krt(&path, &component_path, &cache);
            direct(shape, &component, &cache);
        }
        let mut krt = Vec::new();
        let mut base = Vec::new();
        let mut diffs = Vec::new();
        for _ in 0..shape.iterations {
            let k = through_krt(&path, &component_path, &cache);
            let b = direct(shape, &component, &cache);
            krt.push(k);
            base.push(b);
            // Signed, in ms: under load the direct side is sometimes the slower one.
            diffs.push((k.as_secs_f64() - b.as_secs_f64()) * 1e3);
        }
        // The overhead is the median of paired differences, which drifts less than a difference of
        // medians when the machine's load changes during the run.
        diffs.sort_by(f64::total_cmp);
        let overhead = diffs[diffs.len() / 2];
        let (krt, base) = (p50(krt), p50(base));
        let steps = u32::try_from(shape.needs.len()).expect("few steps");
        println!(
            "| {} | {steps} | {} | {} | {overhead:.2} ms | {:.3} ms |",
            shape.name,
            ms(base),
            ms(krt),
            overhead / f64::from(steps),
        );
    }
}
