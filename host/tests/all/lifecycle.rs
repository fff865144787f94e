//! Lifecycle: idempotent execute, attempts, status/list/cancel/forget/logs, capacity, and no leaks over many Runs.

use std::time::{Duration, Instant};

use kruntimes_host::{Error, Manager, ManagerConfig, Metrics, RunId, RuntimePolicy};

use crate::guests;
use crate::harness::{self, Host};

/// Executing the same id again returns the existing execution instead of starting another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_is_idempotent_per_id() {
    let host = Host::new().await;
    let first = host
        .run(guests::SLEEP_FOREVER)
        .id("same", 1)
        .start()
        .await
        .unwrap();
    let second = host
        .run(guests::SLEEP_FOREVER)
        .id("same", 1)
        .start()
        .await
        .unwrap();
    assert_eq!(host.manager.running(), 1);
    assert_eq!(host.manager.list().len(), 1);
    host.manager.cancel(first.handle.id()).unwrap();
    let (a, b) = (first.finish().await, second.finish().await);
    assert_eq!(a.result(), "Cancelled/Cancelled");
    assert!(std::sync::Arc::ptr_eq(&a.outcome, &b.outcome));
    // Still idempotent once finished.
    let third = host.run(guests::HELLO).id("same", 1).start().await.unwrap();
    assert_eq!(third.handle.outcome().unwrap().reason.as_str(), "Cancelled");
}

/// A higher attempt cancels and replaces the lower one (whose workspace is removed); a lower attempt is stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn higher_attempt_supersedes_lower_and_lower_is_stale() {
    let host = Host::new().await;
    let old = host
        .run(guests::SLEEP_FOREVER)
        .id("retry", 1)
        .start()
        .await
        .unwrap();
    let old_ws = host.workspace_path(old.handle.id());
    assert!(old_ws.exists());
    let new = host.run(guests::HELLO).id("retry", 2).finish().await;
    assert_eq!(new.result(), "Succeeded/Completed");
    let old = old.finish().await;
    assert_eq!(old.result(), "Cancelled/Cancelled");

    let stale = host
        .run(guests::HELLO)
        .id("retry", 1)
        .start()
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            stale,
            Error::StaleAttempt {
                attempt: 1,
                current: 2,
                ..
            }
        ),
        "{stale}"
    );
    assert_eq!(stale.reason(), "StaleAttempt");
    let old_id = RunId::new("retry", 1).unwrap();
    assert_eq!(
        host.manager.status(&old_id).unwrap_err().reason(),
        "NotFound"
    );

    // The superseded workspace is removed in the background once the old attempt has stopped.
    let deadline = Instant::now() + Duration::from_secs(5);
    while old_ws.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!old_ws.exists());
    host.manager.forget(&new.id).await.unwrap();
    assert!(host.manager.workspace_entries().unwrap().is_empty());
}

/// Status, list, forget: forgetting a running Run is refused; forgetting a finished one removes it and its
/// workspace; unknown ids and runtimes are errors with stable reasons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_forget_and_unknown_ids() {
    let host = Host::new().await;
    let running = host
        .run(guests::SLEEP_FOREVER)
        .id("forget-me", 1)
        .start()
        .await
        .unwrap();
    let id = running.handle.id().clone();
    let status = host.manager.status(&id).unwrap();
    assert!(status.outcome.is_none());
    assert_eq!(status.runtime, "sleep_forever");
    assert_eq!(
        host.manager.forget(&id).await.unwrap_err().reason(),
        "StillRunning"
    );

    host.manager.cancel(&id).unwrap();
    running.finish().await;
    assert_eq!(
        host.manager
            .status(&id)
            .unwrap()
            .outcome
            .unwrap()
            .reason
            .as_str(),
        "Cancelled"
    );
    let ws = host.workspace_path(&id);
    assert!(ws.exists());
    let outcome = host.manager.forget(&id).await.unwrap();
    assert_eq!(outcome.reason.as_str(), "Cancelled");
    assert!(!ws.exists());
    for err in [
        host.manager.status(&id).unwrap_err(),
        host.manager.cancel(&id).unwrap_err(),
        host.manager.forget(&id).await.unwrap_err(),
        host.manager.logs(&id).unwrap_err(),
    ] {
        assert_eq!(err.reason(), "NotFound");
    }
    let err = host
        .manager
        .execute(kruntimes_host::RunSpec::new(
            RunId::new("x", 1).unwrap(),
            "no-such-runtime",
        ))
        .unwrap_err();
    assert_eq!(err.to_string(), "unknown runtime \"no-such-runtime\"");
}

/// A logs follower sees the output while the Run writes it, then the truncation marker, then the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_output_live() {
    let host = Host::new().await;
    let started = host
        .run(guests::WRITE_OUTPUT)
        .args(&["3000000", "chunks"])
        .start()
        .await
        .unwrap();
    let mut logs = host.manager.logs(started.handle.id()).unwrap();
    let follow = tokio::spawn(async move {
        let mut out = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = logs.stdout.next_chunk().await {
            out.extend_from_slice(&chunk);
            chunks += 1;
        }
        let mut err = Vec::new();
        while let Some(chunk) = logs.stderr.next_chunk().await {
            err.extend_from_slice(&chunk);
        }
        (out, chunks, err)
    });
    let run = started.finish().await;
    let (followed, chunks, stderr) = follow.await.unwrap();
    assert_eq!(followed, run.stdout_bytes);
    assert!(chunks >= 16, "{chunks} chunks");
    assert!(stderr.is_empty());
    assert!(run.stdout.ends_with("bytes dropped]\n"));
}

/// Beyond the capacity, execute is refused; once a Run ends there is room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_is_enforced() {
    let host = Host::with(|config| config.max_concurrent_runs = Some(2)).await;
    let a = host.run(guests::SLEEP_FOREVER).start().await.unwrap();
    let _b = host.run(guests::SLEEP_FOREVER).start().await.unwrap();
    let err = host.run(guests::HELLO).start().await.err().unwrap();
    assert_eq!(err.to_string(), "at capacity: 2 Runs are already executing");
    assert_eq!(err.reason(), "AtCapacity");
    host.manager.cancel(a.handle.id()).unwrap();
    a.finish().await;
    let run = host.run(guests::HELLO).finish().await;
    assert_eq!(run.result(), "Succeeded/Completed");
    for status in host.manager.list() {
        host.manager.cancel(&status.id).unwrap();
    }
}

/// Runs `n` sequential Runs (execute, wait, forget) after a warm-up and checks that open file descriptors,
/// threads and workspace directories did not grow.
async fn sequential_runs_leak_nothing(n: usize) {
    let host = Host::exclusive().await;
    let run_one = |i: usize| {
        let host = &host;
        async move {
            let run = host
                .run(guests::HELLO)
                .args(&[&i.to_string()])
                .finish()
                .await;
            assert_eq!(run.result(), "Succeeded/Completed");
            host.manager.forget(&run.id).await.unwrap();
        }
    };
    for i in 0..20 {
        run_one(i).await;
    }
    let (fds, threads) = (harness::open_fds(), harness::threads());
    let started = Instant::now();
    for i in 0..n {
        run_one(i).await;
    }
    let elapsed = started.elapsed();
    let (fds_after, threads_after) = (harness::open_fds(), harness::threads());
    eprintln!(
        "{n} sequential Runs in {elapsed:?} ({:.0}/s): fds {fds} -> {fds_after}, threads {threads} -> {threads_after}",
        n as f64 / elapsed.as_secs_f64()
    );
    assert!(fds_after <= fds, "open fds grew from {fds} to {fds_after}");
    assert!(
        threads_after <= threads,
        "threads grew from {threads} to {threads_after}"
    );
    assert!(host.manager.workspace_entries().unwrap().is_empty());
    assert!(host.manager.list().is_empty());
    assert_eq!(host.manager.running(), 0);
}

/// A runtime like `#[tokio::test]`'s, except that idle blocking-pool threads (used by `forget`) are kept for the
/// whole test: tokio otherwise retires them after 10 s and starts new ones, which looks like thread churn.
fn leak_test_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_keep_alive(Duration::from_secs(3600))
        .enable_all()
        .build()
        .unwrap()
}

/// 1,000 sequential Runs leak no fds, threads or workspaces.
#[test]
fn thousand_sequential_runs_leak_nothing() {
    leak_test_runtime().block_on(sequential_runs_leak_nothing(1_000));
}

/// The same with 10,000 Runs.
#[test]
#[ignore = "slow: 10,000 Runs, about 15 s in a debug build; run with --ignored"]
fn ten_thousand_sequential_runs_leak_nothing() {
    leak_test_runtime().block_on(sequential_runs_leak_nothing(10_000));
}

/// Runs that spawn children (pipelines, and orphans killed with the Run) leak no fds, threads or workspaces either.
#[test]
fn spawning_runs_leak_nothing() {
    leak_test_runtime().block_on(async {
        let host = Host::exclusive().await;
        let run_pair = |i: usize| {
            let host = &host;
            async move {
                let scenario = if i.is_multiple_of(4) {
                    "orphan"
                } else {
                    "pipeline"
                };
                let run = crate::spawn::shell(host, &[scenario, "100000"]).await;
                assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
                host.manager.forget(&run.id).await.unwrap();
            }
        };
        for i in 0..10 {
            run_pair(i).await;
        }
        // Killed children finish dropping their Stores on their own tasks; give them a moment.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (fds, threads) = (harness::open_fds(), harness::threads());
        for i in 0..200 {
            run_pair(i).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (fds_after, threads_after) = (harness::open_fds(), harness::threads());
        eprintln!(
            "200 spawning Runs: fds {fds} -> {fds_after}, threads {threads} -> {threads_after}"
        );
        assert!(fds_after <= fds, "open fds grew from {fds} to {fds_after}");
        assert!(
            threads_after <= threads,
            "threads grew from {threads} to {threads_after}"
        );
        assert!(host.manager.workspace_entries().unwrap().is_empty());
    });
}

/// Components are compiled once into `<sha256>-<engine hash>.cwasm`; a second manager (a restarted daemon) loads
/// the artefact instead of recompiling, and a corrupt artefact is discarded and rebuilt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn component_cache_persists_and_recovers() {
    let _guard = harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let manager = || {
        Manager::new(
            harness::ENGINE.clone(),
            ManagerConfig::in_dir(dir.path()),
            Metrics::default(),
        )
        .unwrap()
    };
    let bytes = guests::HELLO.bytes();
    let first = manager();
    let runtime = first
        .register_runtime("hello", bytes.clone(), RuntimePolicy::default())
        .await
        .unwrap();
    let artefact = dir.path().join(format!(
        "cache/{}-{}.cwasm",
        runtime.digest(),
        first.cache().engine_hash()
    ));
    let compiled_at = std::fs::metadata(&artefact).unwrap().modified().unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("cache")).unwrap().count(),
        1
    );

    let second = manager();
    let started = Instant::now();
    second
        .register_runtime("hello", bytes.clone(), RuntimePolicy::default())
        .await
        .unwrap();
    eprintln!("loading a cached artefact took {:?}", started.elapsed());
    assert_eq!(
        std::fs::metadata(&artefact).unwrap().modified().unwrap(),
        compiled_at
    );
    let run = second
        .execute(kruntimes_host::RunSpec::new(
            RunId::new("cached", 1).unwrap(),
            "hello",
        ))
        .unwrap()
        .wait()
        .await;
    assert_eq!(run.reason.as_str(), "Completed");

    // Corrupt it as a crash or a disk error would, while no manager maps it (rewriting a mapped artefact in place
    // would SIGBUS the process: the cache only ever replaces files by rename).
    drop((first, second, runtime));
    std::fs::write(&artefact, b"garbage").unwrap();
    let third = manager();
    third
        .register_runtime("hello", bytes, RuntimePolicy::default())
        .await
        .unwrap();
    assert!(
        std::fs::read(&artefact).unwrap().len() > 1000,
        "the artefact was rebuilt"
    );
}
