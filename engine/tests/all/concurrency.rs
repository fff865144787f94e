//! Concurrency: many Runs at once complete, stay isolated, and time out together on time.

use std::time::Duration;

use futures::future::join_all;

use crate::guests;
use crate::harness::Host;

/// 50 Runs started at once all complete, each with its own arguments and workspace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_runs_all_complete() {
    let host = Host::new().await;
    let mut started = Vec::new();
    for i in 0..50 {
        started.push(
            host.run(guests::HELLO)
                .args(&[&format!("run-{i}")])
                .start()
                .await
                .unwrap(),
        );
    }
    let runs = join_all(started.into_iter().map(|s| s.finish())).await;
    for (i, run) in runs.iter().enumerate() {
        assert_eq!(
            run.result(),
            "Succeeded/Completed",
            "run {i}: {}",
            run.outcome.message
        );
        assert!(
            run.stdout.contains(&format!("arg[1]=run-{i}\n")),
            "run {i} got someone else's args"
        );
    }
    assert_eq!(host.manager.workspace_entries().unwrap().len(), 50);
}

/// 20 Runs writing outputs at once each read back their own file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_keep_their_own_outputs() {
    let host = Host::new().await;
    let mut started = Vec::new();
    for _ in 0..20 {
        started.push(
            host.run(guests::OUTPUTS)
                .args(&["valid"])
                .start()
                .await
                .unwrap(),
        );
    }
    for run in join_all(started.into_iter().map(|s| s.finish())).await {
        assert_eq!(run.result(), "Succeeded/Completed");
        assert_eq!(run.outcome.outputs.len(), 3);
    }
}

/// Ten spinning guests on two cores all time out close to their deadline: epoch yields share the workers fairly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_spinners_all_time_out_on_time() {
    let host = Host::new().await;
    let deadline = Duration::from_millis(300);
    let mut started = Vec::new();
    for _ in 0..10 {
        started.push(
            host.run(guests::SPIN_FOREVER)
                .timeout(deadline)
                .start()
                .await
                .unwrap(),
        );
    }
    let runs = join_all(started.into_iter().map(|s| s.finish())).await;
    let worst = runs.iter().map(|r| r.outcome.usage.wall).max().unwrap();
    eprintln!("10 concurrent spinners: worst wall {worst:?} for a {deadline:?} deadline");
    for run in &runs {
        assert_eq!(run.result(), "Timeout/Timeout");
    }
    assert!(
        worst < deadline + Duration::from_millis(500),
        "worst {worst:?}"
    );
}
