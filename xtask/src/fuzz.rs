//! `cargo xtask fuzz`: the libFuzzer targets of `fuzz/` (cargo-fuzz), each for a bounded time.
//!
//! Each target starts from its committed seed corpus (`fuzz/corpus/<target>/`, read only) and writes what it
//! learns to `target/fuzz-corpus/<target>/`, so a run never changes the repository. A crash stops the run: cargo-fuzz
//! leaves the input in `fuzz/artifacts/<target>/`, to be turned into a regression test.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::run_command;

/// The targets of `fuzz/Cargo.toml`.
pub(crate) const TARGETS: &[&str] = &[
    "manifests",
    "network_rule",
    "workflow_expr",
    "outputs",
    "spawn_request",
    "grpc_request",
];

/// The cargo-fuzz release installed when it is missing.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds per target of `--smoke` (the suite's step).
pub(crate) const SMOKE_SECONDS: u64 = 30;

/// Whether the nightly toolchain cargo-fuzz needs is installed.
pub(crate) fn nightly_available() -> bool {
    // Never an implicit download of the toolchain (the machines reach only package registries).
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Runs `targets` (all when empty) for `seconds` each.
pub(crate) fn run(root: &Path, targets: &[String], seconds: u64) -> Result<()> {
    if !nightly_available() {
        bail!(
            "cargo-fuzz needs the nightly toolchain, which is not installed (`rustup toolchain install nightly \
             --profile minimal`)"
        );
    }
    ensure_cargo_fuzz()?;
    let fuzz = root.join("fuzz");
    let chosen: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        for t in targets {
            if !TARGETS.contains(&t.as_str()) {
                bail!(
                    "no fuzz target {t:?}; the targets are {}",
                    TARGETS.join(", ")
                );
            }
        }
        targets.iter().map(String::as_str).collect()
    };
    run_command(
        Command::new("cargo")
            .args(["+nightly", "fuzz", "build", "-O"])
            .current_dir(&fuzz),
    )?;
    let max_time = format!("-max_total_time={seconds}");
    for target in chosen {
        // What this run learns; started afresh each time (target/ is not committed).
        let learned = root.join("target/fuzz-corpus").join(target);
        let _ = std::fs::remove_dir_all(&learned);
        std::fs::create_dir_all(&learned)
            .with_context(|| format!("creating {}", learned.display()))?;
        let learned_path = learned.to_string_lossy().into_owned();
        let seeds = format!("corpus/{target}");
        run_command(
            Command::new("cargo")
                .args([
                    "+nightly",
                    "fuzz",
                    "run",
                    "-O",
                    target,
                    &learned_path,
                    &seeds,
                ])
                .args(["--", &max_time, "-print_final_stats=1"])
                .current_dir(&fuzz),
        )
        .with_context(|| {
            format!("fuzz target {target} failed: the input is in fuzz/artifacts/{target}/")
        })?;
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if installed {
        return Ok(());
    }
    run_command(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}

/// Deletes the sanitizer build of the targets (`fuzz/target`, about 1 GiB) on CI, where nothing runs them again
/// and the rest of the suite needs the space; on a developer's machine it is the cache of the next run.
pub(crate) fn free_build(root: &Path, on_ci: bool) -> Result<()> {
    let build = root.join("fuzz/target");
    if !on_ci || !build.exists() {
        return Ok(());
    }
    eprintln!("removing {}", build.display());
    std::fs::remove_dir_all(&build).with_context(|| format!("removing {}", build.display()))
}
