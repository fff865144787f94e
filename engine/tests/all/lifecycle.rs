//! Lifecycle: idempotent execute, attempts, status/list/cancel/forget/logs, capacity, and no leaks over many Runs.

use std::time::{Duration, Instant};

use kruntimes_engine::{
    Error, Load, Manager, ManagerConfig, Metrics, RunId, RunPhase, RunSpec, RuntimePolicy,
};

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

/// A higher attempt cancels the active lower one (reason `Superseded`), which stays retained with its workspace
/// until forgotten; executing the lower id again is a duplicate, and once it is forgotten it is stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn higher_attempt_supersedes_lower_and_lower_is_stale() {
    let host = Host::new().await;
    let old = host
        .run(guests::SLEEP_FOREVER)
        .id("retry", 1)
        .start()
        .await
        .unwrap();
    let old_id = old.handle.id().clone();
    let old_ws = host.workspace_path(&old_id);
    assert!(old_ws.exists());
    let new = host.run(guests::HELLO).id("retry", 2).finish().await;
    assert_eq!(new.result(), "Succeeded/Completed");
    let old = old.finish().await;
    assert_eq!(old.result(), "Cancelled/Superseded");
    assert_eq!(old.outcome.message, "superseded by attempt 2");

    // Both attempts are retained, in order; the lower one's workspace stays until it is forgotten.
    let listed: Vec<_> = host.manager.list().into_iter().map(|s| s.id).collect();
    assert_eq!(listed, [old_id.clone(), new.id.clone()]);
    assert!(old_ws.exists());
    let again = host
        .run(guests::SLEEP_FOREVER)
        .id("retry", 1)
        .start()
        .await
        .unwrap();
    assert_eq!(
        again.handle.outcome().unwrap().reason.as_str(),
        "Superseded"
    );

    host.manager.forget(&old_id).await.unwrap();
    assert!(!old_ws.exists());
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
    host.manager.forget(&new.id).await.unwrap();
    assert!(host.manager.workspace_entries().unwrap().is_empty());
}

/// A duplicate with a different digest is refused; the same digest (even after the end) is the same execution.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_with_different_digest_is_a_conflict() {
    let host = Host::new().await;
    host.register("hello", guests::HELLO, RuntimePolicy::default())
        .await;
    let spec = |digest: &str| {
        let mut spec = RunSpec::new(RunId::new("digest", 1).unwrap(), "hello");
        spec.digest = Some(digest.to_owned());
        spec
    };
    let first = host.manager.submit(spec("a")).await.unwrap();
    host.manager.handle(&first.id).unwrap().wait().await;
    let again = host.manager.submit(spec("a")).await.unwrap();
    assert_eq!(again.state, RunPhase::Succeeded);
    assert_eq!(again.accepted_at, first.accepted_at, "the same execution");
    let err = host.manager.submit(spec("b")).await.unwrap_err();
    assert_eq!(err.reason(), "SpecConflict");
    assert_eq!(host.manager.list().len(), 1);
}

/// Draining refuses new work, lets short Runs finish, cancels the rest with reason `Shutdown`, and keeps status
/// working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_cancels_what_outlives_the_grace_period() {
    let host = Host::new().await;
    let sleeper = host.run(guests::SLEEP_FOREVER).start().await.unwrap();
    assert!(host.manager.health().serving);
    let drained = host.manager.drain(Duration::from_millis(50)).await;
    assert_eq!((drained.finished, drained.cancelled), (0, 1));
    let health = host.manager.health();
    assert!(!health.serving);
    assert_eq!((health.active, health.retained), (0, 1));
    let status = host.manager.status(sleeper.handle.id()).unwrap();
    assert_eq!(status.state, RunPhase::Cancelled);
    assert_eq!(status.outcome.unwrap().reason.as_str(), "Shutdown");
    let err = host.run(guests::HELLO).start().await.err().unwrap();
    assert_eq!(err.reason(), "Draining");
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
        .execute(kruntimes_engine::RunSpec::new(
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
        .execute(kruntimes_engine::RunSpec::new(
            RunId::new("cached", 1).unwrap(),
            "hello",
        ))
        .unwrap()
        .wait()
        .await;
    assert_eq!(run.reason.as_str(), "Completed");

    // Corrupt it as a crash or a disk error would. Replaced by rename, never rewritten in place: a task that has
    // not yet dropped its mapping of the old file, or a signal handler of another test's guest reading the
    // engine's code registry, would get SIGBUS from a truncated mapped file (it did once on CI).
    drop((first, second, runtime));
    let garbage = dir.path().join("cache/garbage.tmp");
    std::fs::write(&garbage, b"garbage").unwrap();
    std::fs::rename(&garbage, &artefact).unwrap();
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

/// A component registered from a file is hashed once: the digest is remembered under `cache/sources/`, keyed by
/// what identifies that version of the file, and trusted by the next process (the file is not read again, as a
/// memo pointing elsewhere shows); a rewritten file has a new key, so it is hashed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_component_files_are_not_hashed_again() {
    let _guard = harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("component.wasm");
    let write_settled = |from: std::path::PathBuf| {
        std::fs::copy(from, &file).unwrap();
        // A file changed within the last second is not remembered (see `ComponentCache::load_file`).
        std::thread::sleep(kruntimes_engine::cache::SETTLE);
    };
    write_settled(guests::HELLO.path());
    let manager = || {
        Manager::new(
            harness::ENGINE.clone(),
            ManagerConfig::in_dir(dir.path()),
            Metrics::default(),
        )
        .unwrap()
    };
    let digest_loaded_by_a_new_process = || async {
        let runtime = manager()
            .register_runtime_file("c", file.clone(), RuntimePolicy::default(), Load::Now)
            .await
            .unwrap()
            .expect("loaded now");
        runtime.digest().to_owned()
    };
    let hello = digest_loaded_by_a_new_process().await;
    let sources = dir.path().join("cache/sources");
    let memos: Vec<std::path::PathBuf> = std::fs::read_dir(&sources)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(memos.len(), 1, "{memos:?}");
    assert_eq!(std::fs::read_to_string(&memos[0]).unwrap(), hello);

    // The next process trusts the memo: pointed at another compiled component, it loads that one.
    let cat = manager()
        .register_runtime("cat", guests::CAT.bytes(), RuntimePolicy::default())
        .await
        .unwrap();
    assert_ne!(cat.digest(), hello);
    std::fs::write(&memos[0], cat.digest()).unwrap();
    assert_eq!(digest_loaded_by_a_new_process().await, cat.digest());

    // A rewritten file is a new version: hashed again, remembered under a second key.
    write_settled(guests::HELLO.path());
    assert_eq!(digest_loaded_by_a_new_process().await, hello);
    assert_eq!(std::fs::read_dir(&sources).unwrap().count(), 2);
}
