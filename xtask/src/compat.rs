//! `cargo xtask compat-kubernetes`: the CRDs and their CEL rules against the older Kubernetes minors.
//!
//! For each minor of [`Kubernetes::OLDER`] (today 1.34): build that control
//! plane, start etcd, kube-apiserver, kube-controller-manager and kube-scheduler in its own state directory (never
//! the default cluster's), run the `crds` test of `kruntimes-e2e` against it, then stop it and remove the
//! directory whatever happened. kruntimes itself is not installed: the test applies the CRDs and only needs the
//! API server. Opt-in, outside `cargo xtask test`; `docs/compatibility.md` says what it checked and when.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cluster::{self, Kubernetes, Running};
use crate::setup::run_command;

/// The test target of `kruntimes-e2e` that applies the CRDs and checks admission on a real API server.
const TEST: &str = "crds";

/// Log lines of each component shown when a control plane does not come up.
const LOG_TAIL_LINES: usize = 20;

/// Runs the check against every older minor, and fails naming each minor where it failed.
pub(crate) fn run(root: &Path) -> Result<()> {
    // Built before any control plane starts, so none idles while cargo compiles (or waits for the build lock).
    cargo_test(root, &["--no-run"], None).context("building the crds test")?;
    let mut failed = Vec::new();
    for &kubernetes in Kubernetes::OLDER {
        let version = kubernetes.version(root)?;
        eprintln!("== CRDs and CEL rules on Kubernetes {version}");
        if let Err(e) = check(root, kubernetes) {
            eprintln!("error: Kubernetes {version}: {e:#}");
            failed.push(version);
        }
    }
    if !failed.is_empty() {
        bail!(
            "the CRD and CEL checks failed on Kubernetes {}",
            failed.join(", ")
        );
    }
    Ok(())
}

fn check(root: &Path, kubernetes: Kubernetes) -> Result<()> {
    let started = Instant::now();
    let cluster = match Running::control_plane(root, kubernetes) {
        Ok(cluster) => cluster,
        Err(e) => {
            show_logs(&kubernetes.state_dir(root));
            cluster::down(root, kubernetes)?;
            return Err(e);
        }
    };
    eprintln!(
        "control plane built and ready in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    let tested = Instant::now();
    let result = cargo_test(root, &["--", "--ignored"], Some(kubernetes));
    if result.is_ok() {
        eprintln!(
            "{TEST} test passed in {:.0}s",
            tested.elapsed().as_secs_f64()
        );
    }
    // Stops the control plane and removes its directory, whatever the test did.
    drop(cluster);
    result
}

/// `cargo test` of the crds target with `args` after it, against the cluster of `kubernetes` if given. Same
/// selection, flags and environment as the suite's workspace test build (`--workspace`, no incremental), so it
/// reuses that build's artifacts instead of compiling the tree with another feature set.
fn cargo_test(root: &Path, args: &[&str], kubernetes: Option<Kubernetes>) -> Result<()> {
    let mut command = Command::new("cargo");
    command
        .args(["test", "--workspace", "--locked", "--test", TEST])
        .args(args)
        .current_dir(root);
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    if let Some(kubernetes) = kubernetes {
        // kruntimes_e2e's KUBECONFIG_ENV and CLUSTER_DIR_ENV (xtask does not link kube). Both are set, so a value
        // left in the caller's environment can never point a test at the default cluster.
        command
            .env("KRUNTIMES_E2E_KUBECONFIG", kubernetes.kubeconfig(root))
            .env("KRUNTIMES_E2E_CLUSTER_DIR", kubernetes.state_dir(root));
    }
    run_command(&mut command)
}

/// Prints the end of every component log in `dir/logs`.
fn show_logs(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir.join("logs")) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        eprintln!("--- {} (last lines)", entry.path().display());
        for line in tail {
            eprintln!("{line}");
        }
    }
}
