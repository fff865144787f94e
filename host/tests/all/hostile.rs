//! Hostile and exhausting Runs: each case asserts how the Run ends and that the host, and the Runs beside it, are
//! unaffected. Each case here reproduces a way a guest used to crash the host or break an innocent Run.

use std::time::Duration;

use kruntimes_host::{Engine, EngineConfig, Phase};

use crate::guests::{BASH, PYTHON};
use crate::harness::Host;

/// A guest nests directories 20,000 deep by renaming (deeper than any `mkdir` path could name): the Run
/// succeeds, forgetting it removes the whole tree, and the process is still here. Removal used to recurse one
/// stack frame and one descriptor per level, overflowed the reaper thread's stack and aborted the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_nested_20000_deep_is_removed_and_the_host_survives() {
    let host = Host::new().await;
    let run = host
        .run(PYTHON)
        .source(
            "main.py",
            "import os\nos.mkdir('t')\nfor _ in range(20000):\n    os.mkdir('n')\n    os.rename('t', 'n/t')\n    \
             os.rename('n', 't')\nprint('nested')\n",
        )
        .timeout(Duration::from_secs(50))
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "nested\n");
    let workspace = host.workspace_path(&run.id);
    assert!(workspace.join("t/t/t/t").is_dir());
    host.manager.forget(&run.id).await.unwrap();
    assert!(!workspace.exists(), "the workspace is removed");
}

/// One Run keeps a 16-stage pipeline of `sleep` alive on a pod with 2 Runs and 4 instances: its spawns beyond the
/// 2 instances kept for children fail with a message naming the pool, and a second Run still starts and
/// succeeds. The children used to take the instance the second Run needed (`InstantiateFailed: maximum
/// concurrent limit of ... component instances reached`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_one_run_never_take_another_runs_instance() {
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 2,
        instances_per_run: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    assert_eq!(engine.config().child_instances(), 2);
    let host = Host::on_engine(engine).await;
    let stages = vec!["sleep 3"; 16].join(" | ");
    let hog = host
        .run(BASH)
        .source("main.sh", &format!("{stages}\necho hog done\n"))
        .timeout(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    // Let the hog's pipeline take every instance it can.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let innocent = host
        .run(BASH)
        .source("main.sh", "echo innocent ran\n")
        .finish()
        .await;
    assert_eq!(
        innocent.result(),
        "Succeeded/Completed",
        "{}",
        innocent.stderr
    );
    assert_eq!(innocent.stdout, "innocent ran\n");

    let hog = hog.finish().await;
    assert_eq!(hog.outcome.phase, Phase::Succeeded, "{}", hog.stderr);
    assert!(
        hog.stderr
            .contains("the 2 instances this pod keeps for spawned programs are all in use"),
        "{}",
        hog.stderr
    );
    assert!(hog.stderr.contains("pool.instanceSlots"), "{}", hog.stderr);
}

/// A guest opens files until it cannot: it stops at the per-instance resource limit, its Run fails naming that
/// limit, and a Run beside it opens and writes its file normally. Nothing capped descriptors per Run before: such
/// a guest took the process's last descriptors and a concurrent Run's `open()` failed with EIO.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_opening_files_without_end_stops_at_its_limit_and_spares_the_others() {
    let host = Host::new().await;
    let hog = host
        .run(PYTHON)
        .source(
            "main.py",
            "fs = []\nwhile True:\n    fs.append(open('f%d' % len(fs), 'w'))\n",
        )
        .timeout(Duration::from_secs(50))
        .start()
        .await
        .unwrap();
    let innocent = host
        .run(PYTHON)
        .source(
            "main.py",
            "with open('mine', 'w') as f:\n    f.write('kept')\nprint(open('mine').read())\n",
        )
        .finish()
        .await;
    assert_eq!(
        innocent.result(),
        "Succeeded/Completed",
        "{}",
        innocent.stderr
    );
    assert_eq!(innocent.stdout, "kept\n");
    let hog = hog.finish().await;
    assert_eq!(hog.result(), "Failed/Trap", "{}", hog.outcome.message);
    assert!(
        hog.outcome.message.starts_with(
            "too many open resources: an instance may hold at most 1024 (a spawned program 256) open files"
        ),
        "{}",
        hog.outcome.message
    );
    // The table also holds the preopens and stdio: somewhat fewer than 1024 files were opened.
    let opened = std::fs::read_dir(host.workspace_path(&hog.id))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('f')
        })
        .count();
    assert!((900..1024).contains(&opened), "{opened} files opened");
}

/// A program whose start needs more memory than the Run has left fails to start with a message naming the Run's
/// memory limit (wasmtime's own words were "memory minimum size of 488 pages exceeds memory limits"), and the
/// shell goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_too_big_for_the_memory_left_names_the_runs_limit() {
    let host = Host::new().await;
    let run = host
        .run(BASH)
        .source("main.sh", "python3 -c 'print(1)'\necho status $?\n")
        .memory(24 << 20)
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "starting it needs more memory than is left of the Run's memory limit of 24 MiB"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("status "), "{}", run.stdout);
    assert_ne!(run.stdout, "status 0\n");
}
