//! The two README commands: `cargo xtask test` (the whole suite) and `cargo xtask demo`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::setup::{self, run, run_command};
use crate::{cluster, codegen, guests};

/// Kubernetes versions whose OpenAPI schemas every generated manifest must pass: the oldest we
/// support and the newest the schema package bundles.
const KUBERNETES_VERSIONS: &[&str] = &["1.32.0", "1.37.0"];

/// A named step of the suite.
type Step<'a> = (&'static str, Box<dyn Fn() -> Result<()> + 'a>);

/// Runs every check and test. Stops at the first failing step, after printing which steps ran.
pub(crate) fn test(root: &Path) -> Result<()> {
    let steps: Vec<Step<'_>> = vec![
        (
            "setup: wasm32-wasip2 target",
            Box::new(|| setup::ensure_wasm_target(root)),
        ),
        (
            "setup: python venv (.venv)",
            Box::new(|| setup::ensure_venv(root).map(|_| ())),
        ),
        (
            "fmt",
            Box::new(|| run(root, "cargo", &["fmt", "--all", "--check"])),
        ),
        (
            "guests: fmt + clippy",
            Box::new(|| guests::lint(root, on_ci())),
        ),
        (
            "guests: build",
            Box::new(|| guests::build(root, guests::Scope::All)),
        ),
        (
            "guests: free build caches (CI only)",
            Box::new(|| guests::free_caches(root, on_ci(), guests::Leftovers::Everything)),
        ),
        // Early, while the disk is emptiest: its sanitizer build (~1 GiB in fuzz/target) shares nothing with the
        // rest of the suite, and on CI it is deleted once the smoke run is over.
        (
            "fuzz: smoke (30 s per target)",
            Box::new(|| {
                if !crate::fuzz::nightly_available() {
                    skipped("fuzz: smoke (30 s per target)", "no nightly toolchain");
                    return Ok(());
                }
                crate::fuzz::run(root, &[], crate::fuzz::SMOKE_SECONDS)?;
                crate::fuzz::free_build(root, on_ci())
            }),
        ),
        (
            "clippy",
            Box::new(|| {
                workspace_cargo(
                    root,
                    &[
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--locked",
                        "--",
                        "-D",
                        "warnings",
                    ],
                )
            }),
        ),
        ("codegen drift", Box::new(|| codegen::run(root, true))),
        ("deny: licenses, bans, sources", Box::new(|| deny(root))),
        (
            "manifests: Kubernetes schemas",
            Box::new(|| kubernetes_schemas(root)),
        ),
        (
            "charts: Helm SDK + Kubernetes schemas",
            Box::new(|| charts(root)),
        ),
        (
            "cargo test",
            Box::new(|| workspace_cargo(root, &["test", "--workspace", "--locked"])),
        ),
        (
            "cluster: build the control plane (Go)",
            Box::new(|| cluster::build(root).map(|_| ())),
        ),
        (
            "e2e: real control plane",
            Box::new(|| real_control_plane(root)),
        ),
    ];
    let mut done = Vec::new();
    for (name, step) in &steps {
        eprintln!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        done.push((*name, start.elapsed(), result.is_ok(), free_disk(root)));
        if let Err(e) = result {
            summary(&done);
            bail!("step `{name}` failed: {e:#}");
        }
    }
    summary(&done);
    eprintln!("all {} steps green", done.len());
    Ok(())
}

/// A finished step: name, duration, success, disk space left after it.
type Done<'a> = (&'a str, Duration, bool, String);

/// Steps that passed without doing their work, with why: shown as such in the summary, never as `ok`.
static SKIPPED: std::sync::Mutex<Vec<(&str, &str)>> = std::sync::Mutex::new(Vec::new());

/// Records that step `name` did not run its checks, and why.
fn skipped(name: &'static str, why: &'static str) {
    eprintln!("skipped: {why}");
    SKIPPED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((name, why));
}

fn summary(done: &[Done<'_>]) {
    let skipped = SKIPPED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    eprintln!("\nstep                                   time     result  disk free after");
    for (name, took, ok, free) in done {
        let why = skipped.iter().find(|(n, _)| n == name).map(|(_, why)| *why);
        let result = match (ok, why) {
            (false, _) => "FAILED".to_owned(),
            (true, Some(why)) => format!("SKIPPED ({why})"),
            (true, None) => "ok".to_owned(),
        };
        eprintln!(
            "{name:<38} {:>6.1}s  {result:<6}  {free}",
            took.as_secs_f64()
        );
    }
}

/// Whether the suite runs on CI (`CI` set to anything but empty, `0` or `false`), where nothing is
/// built twice and disk space is worth more than caches.
fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// cargo on the host workspace. The suite builds without incremental compilation unless
/// `CARGO_INCREMENTAL` says otherwise: a whole-suite build gains nothing from it and its caches
/// double the size of `target/`.
fn workspace_cargo(root: &Path, args: &[&str]) -> Result<()> {
    let mut command = Command::new("cargo");
    command.args(args).current_dir(root);
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    run_command(&mut command)
}

/// Free space of the file system holding the repository, as `df` prints it ("?" when it cannot say).
fn free_disk(root: &Path) -> String {
    Command::new("df")
        .args(["-Ph", "."])
        .current_dir(root)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// cargo-deny: licenses, bans and sources block. The advisory database cannot be fetched on
/// machines without general network access; that check runs when the database is reachable and
/// otherwise says plainly that it was not run.
fn deny(root: &Path) -> Result<()> {
    setup::ensure_cargo_deny(root)?;
    run(
        root,
        "cargo",
        &["deny", "--locked", "check", "licenses", "bans", "sources"],
    )?;
    if run(root, "cargo", &["deny", "--locked", "check", "advisories"]).is_err() {
        eprintln!(
            "NOTE: advisories were NOT checked: the RustSec advisory database could not be fetched \
             (no network beyond the package registries). Licenses, bans and sources were checked."
        );
    }
    Ok(())
}

/// Validates every generated manifest against the real Kubernetes OpenAPI schemas (strict: unknown
/// fields fail) for the oldest and newest supported versions.
fn kubernetes_schemas(root: &Path) -> Result<()> {
    let venv = setup::ensure_venv(root)?;
    let tool = venv.join("bin").join("kubernetes-validate");
    let tool = tool.to_string_lossy().into_owned();
    let mut files: Vec<String> = std::fs::read_dir(root.join(codegen::crds::DIR))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no CRDs found in {}", codegen::crds::DIR);
    }
    for version in KUBERNETES_VERSIONS {
        let mut args = vec!["--strict", "-k", version];
        args.extend(files.iter().map(String::as_str));
        run(root, &tool, &args)?;
    }
    Ok(())
}

/// The chart checks (charts/tests/check_charts.py): the real Helm v4 SDK lints and renders both charts over a
/// matrix of values, every object passes the Kubernetes 1.32 and newest schemas, and the flags the chart renders
/// are parsed by the real controller and scheduler binaries, and the Runtimes by `krt validate`.
///
/// The binaries come from the test build (`cargo test --no-run`: the crates with integration tests build their
/// binaries into `target/debug`), which the next step then only runs. A `cargo build -p ...` here would resolve
/// features differently from the workspace test build and compile much of the tree a second time.
fn charts(root: &Path) -> Result<()> {
    let venv = setup::ensure_venv(root)?;
    workspace_cargo(root, &["test", "--workspace", "--locked", "--no-run"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut command = Command::new(venv.join("bin").join("python"));
    command
        .arg("charts/tests/check_charts.py")
        .current_dir(root)
        .env("KRUNTIMES_BIN_DIR", target.join("debug"));
    run_command(&mut command)
}

/// The test targets that run against the real control plane (`#[ignore]`d in the plain `cargo test`).
const REAL_CLUSTER_TESTS: &[&str] = &[
    "control_plane",
    "crds",
    "install",
    "faults",
    "krt",
    "artifacts",
];

/// Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the node stand-in on loopback,
/// installs kruntimes with its Helm charts, runs the real-cluster tests against it, and stops it whatever the
/// outcome. The tests are built by the workspace test build, so `--workspace` keeps its feature set. The two
/// variables are `kruntimes_e2e::KUBECONFIG_ENV` and `CLUSTER_DIR_ENV` (xtask does not link kube).
fn real_control_plane(root: &Path) -> Result<()> {
    let cluster = cluster::Running::start(root)?;
    let mut args = vec!["test", "--workspace", "--locked"];
    for test in REAL_CLUSTER_TESTS {
        args.extend(["--test", test]);
    }
    args.extend(["--", "--ignored", "--test-threads=2"]);
    let mut command = Command::new("cargo");
    command
        .args(&args)
        .current_dir(root)
        .env("KRUNTIMES_E2E_KUBECONFIG", cluster::kubeconfig(root))
        .env("KRUNTIMES_E2E_CLUSTER_DIR", cluster::state_dir(root));
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    let result = run_command(&mut command);
    drop(cluster);
    result
}

/// The main job: build the guests and the built-in runtimes, then run the example Python Run and the example
/// bash Run with `krt local`: fresh instances, their output, phase, outputs and grants.
pub(crate) fn demo(root: &Path) -> Result<()> {
    setup::ensure_wasm_target(root)?;
    guests::build(root, guests::Scope::BuiltinsOnly)?;
    for example in ["examples/hello-python.yaml", "examples/bash-report.yaml"] {
        run(
            root,
            "cargo",
            &[
                "run",
                "--quiet",
                "--locked",
                "-p",
                "krt",
                "--",
                "local",
                "run",
                "-f",
                example,
                "--builtins",
                crate::BUILTINS_DIR,
            ],
        )?;
    }
    Ok(())
}
