//! The two README commands: `cargo xtask test` (the whole suite) and `cargo xtask demo`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    // The real-cluster test executables, once the CI-only step has removed the rest of the test build.
    let kept: RefCell<Option<Vec<TestExecutable>>> = RefCell::new(None);
    // Why the control plane was not built, when CI's disk could not hold its build.
    let no_cluster: RefCell<Option<String>> = RefCell::new(None);
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
            "setup: MCP TypeScript SDK (npm)",
            Box::new(|| {
                setup::check_node("the MCP tests drive `krt mcp` with the TypeScript SDK")?;
                setup::ensure_npm_packages(&root.join(setup::MCP_TS_DIR))
            }),
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
                let args = [
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ];
                if !on_ci() {
                    return workspace_cargo(root, &args);
                }
                // On CI in a target directory of its own, removed after: its check builds share little with the
                // test build and would hold ~0.4 GB through the rest of the suite.
                let dir = target_dir(root).join("clippy");
                let mut command = Command::new("cargo");
                command
                    .args(args)
                    .current_dir(root)
                    .env("CARGO_TARGET_DIR", &dir)
                    .env("CARGO_INCREMENTAL", "0");
                let result = run_command(&mut command);
                remove_all(&dir)?;
                result
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
            "free the test build (CI only)",
            Box::new(|| {
                if on_ci() {
                    *kept.borrow_mut() = Some(keep_only_real_cluster_tests(root)?);
                } else {
                    skipped(
                        "free the test build (CI only)",
                        "not on CI: the build is kept for the next run",
                    );
                }
                Ok(())
            }),
        ),
        (
            "cluster: build the control plane (Go)",
            Box::new(|| {
                if !on_ci() {
                    cluster::build(root)?;
                } else if let Some(why) = build_control_plane_in_scratch(root)? {
                    *no_cluster.borrow_mut() = Some(why);
                    skipped(
                        "cluster: build the control plane (Go)",
                        "not enough disk space, see above",
                    );
                }
                Ok(())
            }),
        ),
        (
            "e2e: real control plane",
            Box::new(|| {
                if no_cluster.borrow().is_some() {
                    skipped(
                        "e2e: real control plane",
                        "no control plane was built, see above",
                    );
                    return Ok(());
                }
                real_control_plane(root, kept.borrow().as_deref())
            }),
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
    let target = target_dir(root);
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
fn real_control_plane(root: &Path, built: Option<&[TestExecutable]>) -> Result<()> {
    if let Some(tests) = built {
        let cluster = cluster::Running::start(root, true)?;
        // As `cargo test` runs them: from the package's directory, one target after another.
        let result = tests.iter().try_for_each(|test| {
            run_command(
                Command::new(&test.path)
                    .args(["--ignored", "--test-threads=2"])
                    .current_dir(&test.package_dir)
                    .env("KRUNTIMES_E2E_KUBECONFIG", cluster::kubeconfig(root))
                    .env("KRUNTIMES_E2E_CLUSTER_DIR", cluster::state_dir(root)),
            )
        });
        drop(cluster);
        return result;
    }
    let cluster = cluster::Running::start(root, false)?;
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

/// Bytes the Go build of the control plane needs for its caches: measured 3.8 GB of build cache and 0.6 GB of
/// modules for Kubernetes 1.37 (`du` after a cold `cargo xtask cluster up`), and some room.
const GO_BUILD_BYTES: u64 = 5 << 30;

/// CI only: builds the control plane with its Go caches in a scratch directory on whichever of the repository's
/// file system and `/dev/shm` has more room, removed once the binary is built (nothing builds Go after this, and
/// the real-cluster step needs the space). Returns why it did not build when neither has room for the build.
fn build_control_plane_in_scratch(root: &Path) -> Result<Option<String>> {
    let target = target_dir(root);
    let candidates = [target.clone(), PathBuf::from("/dev/shm")];
    let best = candidates
        .iter()
        .filter_map(|dir| Some((free_bytes(dir)?, dir)))
        .max_by_key(|(free, _)| *free);
    let Some((free, dir)) = best.filter(|(free, _)| *free >= GO_BUILD_BYTES) else {
        let why = format!(
            "the Go build of the control plane needs about {} GiB for its caches, and neither {} nor /dev/shm has it free ({}): the real-cluster tests did not run",
            GO_BUILD_BYTES >> 30,
            target.display(),
            candidates
                .iter()
                .map(|d| format!(
                    "{}: {}",
                    d.display(),
                    free_bytes(d).map_or("?".into(), |b| format!(
                        "{:.1} GiB",
                        b as f64 / f64::from(1 << 30)
                    ))
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        eprintln!("NOTE: {why}");
        return Ok(Some(why));
    };
    let scratch = dir.join(format!("kruntimes-go-{}", std::process::id()));
    eprintln!(
        "Go caches in {} ({:.1} GiB free there), removed after the build",
        scratch.display(),
        free as f64 / f64::from(1 << 30)
    );
    let (cache, modules, work) = (
        scratch.join("cache"),
        scratch.join("mod"),
        scratch.join("tmp"),
    );
    std::fs::create_dir_all(&work)?;
    // Module files are read-only otherwise, and the directory could not simply be removed.
    let flags = match std::env::var("GOFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} -modcacherw"),
        _ => "-modcacherw".to_owned(),
    };
    let built = cluster::Kubernetes::Pinned.build_with(
        root,
        &[
            ("GOCACHE", &cache),
            ("GOMODCACHE", &modules),
            ("GOTMPDIR", &work),
            ("GOFLAGS", Path::new(&flags)),
        ],
    );
    let removed = remove_all(&scratch);
    built?;
    removed?;
    Ok(None)
}

/// Bytes free for an unprivileged user on the file system holding `path`, as `df` says.
fn free_bytes(path: &Path) -> Option<u64> {
    let output = Command::new("df").arg("-Pk").arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// A test executable of the workspace test build, and the directory of its package (where cargo runs it).
#[derive(Debug)]
struct TestExecutable {
    path: PathBuf,
    package_dir: PathBuf,
}

/// CI only, after `cargo test`: the real-cluster step needs the workspace's binaries and its own test executables,
/// not the ~3 GB of libraries and other tests that built them, while the Go build of the control plane needs
/// about 4.4 GB more. Removes everything of `target/debug` but those, and returns the test executables, which the
/// real-cluster step then runs directly (a `cargo test` would rebuild what was removed).
fn keep_only_real_cluster_tests(root: &Path) -> Result<Vec<TestExecutable>> {
    let mut args = vec![
        "test",
        "--workspace",
        "--locked",
        "--no-run",
        "--message-format=json",
    ];
    for test in REAL_CLUSTER_TESTS {
        args.extend(["--test", test]);
    }
    let mut command = Command::new("cargo");
    command
        .args(&args)
        .current_dir(root)
        .stderr(Stdio::inherit());
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    let output = command.output()?;
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    let tests = test_executables(&String::from_utf8_lossy(&output.stdout));
    let found: Vec<&str> = tests
        .iter()
        .filter_map(|t| t.path.file_name()?.to_str()?.split('-').next())
        .collect();
    if found.len() != REAL_CLUSTER_TESTS.len() {
        bail!("expected the test executables of {REAL_CLUSTER_TESTS:?}, cargo named {found:?}");
    }
    let debug = target_dir(root).join("debug");
    let before = free_disk(root);
    for sub in ["build", ".fingerprint", "incremental", "examples"] {
        remove_all(&debug.join(sub))?;
    }
    // Libraries cargo also links into target/debug itself (`libkrt.rlib`...) and dependency files: the copy in
    // deps/ is not freed while they remain.
    for entry in std::fs::read_dir(&debug)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_file()
            && [".rlib", ".rmeta", ".d", ".so"]
                .iter()
                .any(|end| name.ends_with(end))
        {
            remove_all(&path)?;
        }
    }
    // The binaries in target/debug are hard links to files in deps/: removing those leaves the binaries.
    for entry in std::fs::read_dir(debug.join("deps"))? {
        let path = entry?.path();
        if !tests.iter().any(|t| t.path == path) {
            remove_all(&path)?;
        }
    }
    let tmp = target_dir(root).join("tmp");
    if tmp.is_dir() {
        for entry in std::fs::read_dir(&tmp)? {
            remove_all(&entry?.path())?;
        }
    }
    eprintln!(
        "kept {} test executables and the binaries of target/debug; disk free {before} -> {}",
        tests.len(),
        free_disk(root)
    );
    Ok(tests)
}

/// The test executables cargo's `--message-format=json` output names.
fn test_executables(json_lines: &str) -> Vec<TestExecutable> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k == "test"))
        })
        .filter_map(|message| {
            Some(TestExecutable {
                path: PathBuf::from(message["executable"].as_str()?),
                package_dir: Path::new(message["manifest_path"].as_str()?)
                    .parent()?
                    .to_path_buf(),
            })
        })
        .collect()
}

fn remove_all(path: &Path) -> Result<()> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::anyhow!("removing {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Only test targets' executables are kept, each with its package's directory (a build script or a
    /// library of the same output is not a test).
    #[test]
    fn test_executables_come_from_cargo_s_messages() {
        let lines = [
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"crds"},"executable":"/t/debug/deps/crds-1","manifest_path":"/r/e2e/Cargo.toml"}"#,
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"kruntimes_e2e"},"executable":null,"manifest_path":"/r/e2e/Cargo.toml"}"#,
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"krt"},"executable":"/t/debug/krt","manifest_path":"/r/cli/Cargo.toml"}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        let tests = test_executables(&lines);
        assert_eq!(tests.len(), 1, "{tests:?}");
        assert_eq!(tests[0].path, Path::new("/t/debug/deps/crds-1"));
        assert_eq!(tests[0].package_dir, Path::new("/r/e2e"));
    }
}
