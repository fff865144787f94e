//! Building the wasm guests of `runtimes/` (a separate Cargo workspace for wasm32-wasip2).

use std::path::Path;

use anyhow::Result;

use crate::setup::run;

/// Builds every guest crate in release mode; host tests and `krt local` load the results from
/// `runtimes/target/wasm32-wasip2/release/`.
pub(crate) fn build(root: &Path) -> Result<()> {
    run(
        &root.join("runtimes"),
        "cargo",
        &["build", "--release", "--locked", "--workspace"],
    )
}

/// Lints the guests like the host workspace.
pub(crate) fn lint(root: &Path) -> Result<()> {
    if !has_guests(root) {
        return Ok(());
    }
    let runtimes = root.join("runtimes");
    run(&runtimes, "cargo", &["fmt", "--all", "--check"])?;
    run(
        &runtimes,
        "cargo",
        &[
            "clippy",
            "--release",
            "--locked",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Whether the guest workspace exists yet; says so when it does not, so nothing is skipped silently.
fn has_guests(root: &Path) -> bool {
    let present = root.join("runtimes").join("Cargo.toml").exists();
    if !present {
        eprintln!(
            "no guest workspace yet (runtimes/Cargo.toml is absent): no guests to build or lint"
        );
    }
    present
}
