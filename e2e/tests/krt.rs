//! The real `krt` binary's cluster commands against a real API server with kruntimes installed: what a user types
//! after `helm install`. The same commands run against the API server substitute in `cli/tests/cluster.rs`, where
//! the test plays runtimed; here the real controller, scheduler and runtimed do the work.
//!
//! Not here: `krt logs` and `krt artifact download` of a filesystem store, which reach runtimed through a pod
//! port-forward. The loopback cluster's node stand-in has no kubelet streaming server, so the API server cannot
//! forward to its pods (ADR 0010); `cli/tests/cluster.rs` tests both against runtimed's real gRPC server.
//!
//! Opt-in: `KRUNTIMES_E2E_KUBECONFIG=... cargo test -p kruntimes-e2e --test krt -- --ignored` (needs
//! `target/debug/krt`, which `cargo xtask cluster up --with-kruntimes` builds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use kruntimes_e2e::{KUBECONFIG_ENV, TempNamespace, client, scenarios};

/// The `krt` of this build, beside this test's executable (`target/debug/deps/krt-<hash>` → `target/debug/krt`).
fn krt_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("krt"))
        .unwrap();
    assert!(
        path.is_file(),
        "{} is missing: `cargo build -p krt` (cargo xtask cluster up --with-kruntimes builds it)",
        path.display()
    );
    path
}

/// Runs `krt args...` in namespace `ns` (`-n` goes before a `--`, after which everything is the Run's) with the
/// test cluster's kubeconfig, to completion, off the async runtime.
async fn krt(ns: &str, args: &[&str]) -> Output {
    let at = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let mut command = std::process::Command::new(krt_path());
    command
        .args(&args[..at])
        .args(["-n", ns])
        .args(&args[at..])
        .env("KUBECONFIG", std::env::var_os(KUBECONFIG_ENV).unwrap());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `krt run --wait` creates a Run that really executes and prints its result and output; `krt get` and `krt
/// describe` show it; `krt wait`/`krt cancel` follow and end a long Run; `krt version` names the real API server.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn krt_runs_follows_and_cancels_runs_on_a_real_cluster() {
    let client = client().await.unwrap();
    let temp = TempNamespace::create(&client).await.unwrap();
    let ns = &temp.name.clone();
    scenarios::create_bash_runtime(&client, ns, "bash", 1, 4, Duration::from_secs(300))
        .await
        .unwrap();

    let script = r#"echo "greeting=$(echo hi there)" >> "$KRUNTIME_OUTPUTS"; echo to-stdout"#;
    let out = krt(
        ns,
        &[
            "run",
            "--runtime",
            "bash",
            "--name",
            "greet",
            "--wait",
            "--",
            script,
        ],
    )
    .await;
    let stdout = succeeded(&out);
    assert!(stdout.contains("phase:    Succeeded"), "{stdout}");
    assert!(stdout.contains("output:   greeting=hi there"), "{stdout}");

    let stdout = succeeded(&krt(ns, &["get", "runs"]).await);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("greet "))
        .unwrap_or_else(|| panic!("no line for greet in:\n{stdout}"));
    assert!(line.contains("Succeeded"), "{line}");
    let stdout = succeeded(&krt(ns, &["describe", "run", "greet"]).await);
    assert!(stdout.contains("Succeeded"), "{stdout}");
    assert!(stdout.contains("greeting"), "{stdout}");

    let out = krt(
        ns,
        &["run", "-r", "bash", "--name", "hold", "--", "sleep 60"],
    )
    .await;
    assert_eq!(succeeded(&out), "run.kruntimes.io/hold created\n");
    let out = krt(
        ns,
        &["wait", "hold", "--for", "running", "--timeout", "60s"],
    )
    .await;
    assert_eq!(succeeded(&out), "hold Running\n");
    let out = krt(ns, &["cancel", "run/hold"]).await;
    assert_eq!(succeeded(&out), "run.kruntimes.io/hold cancel requested\n");
    let out = krt(
        ns,
        &["wait", "hold", "--for", "Succeeded", "--timeout", "60s"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hold Cancelled\n");
    assert!(
        text(&out.stderr).contains("ended Cancelled, not Succeeded"),
        "{}",
        text(&out.stderr)
    );

    let server = client.apiserver_version().await.unwrap().git_version;
    let stdout = succeeded(&krt(ns, &["version"]).await);
    assert!(
        stdout.contains(&server),
        "krt version does not name {server}:\n{stdout}"
    );

    let out = krt(ns, &["delete", "run", "greet", "hold"]).await;
    assert_eq!(
        succeeded(&out),
        "run.kruntimes.io/greet deleted\nrun.kruntimes.io/hold deleted\n"
    );
    temp.delete().await.unwrap();
}
