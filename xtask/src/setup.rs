//! Installing what the suite needs: the wasm target, the project venv, cargo tools.
//!
//! Everything is idempotent and fast when already done, so `cargo xtask test` can always call it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Python tools of the suite, pinned; installed into `.venv`.
pub(crate) const PYTHON_REQUIREMENTS: &str = "tools/requirements.txt";

/// Version of cargo-deny the suite installs when it is missing.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// Runs a command in `dir`, echoing it, and fails if it fails.
pub(crate) fn run(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    run_command(Command::new(program).args(args).current_dir(dir))
}

/// Runs cargo in a guest workspace (`runtimes/`, `runtimes/bash/`). Guests always build into their own
/// `target/` directories, whatever `CARGO_TARGET_DIR` says: the assembly steps and the host tests read the
/// built components from there.
pub(crate) fn guest_cargo(dir: &Path, args: &[&str]) -> Result<()> {
    run_command(
        Command::new("cargo")
            .args(args)
            .current_dir(dir)
            .env_remove("CARGO_TARGET_DIR"),
    )
}

/// Runs a prepared command, echoing it, and fails if it fails.
pub(crate) fn run_command(command: &mut Command) -> Result<()> {
    let shown = format!(
        "{} {}",
        command.get_program().to_string_lossy(),
        command
            .get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("+ {shown}");
    let status = command
        .status()
        .with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Adds the wasm32-wasip2 target to the pinned toolchain (rustup does not do it by itself when
/// automatic installs are off).
pub(crate) fn ensure_wasm_target(root: &Path) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output()
        .context("running rustup; kruntimes needs rustup to manage its pinned toolchain")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-wasip2")
    {
        return Ok(());
    }
    run(root, "rustup", &["target", "add", "wasm32-wasip2"])
}

/// Creates `.venv` with the pinned Python tools, reinstalling when the requirements changed.
pub(crate) fn ensure_venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".venv");
    let python = venv.join("bin").join("python");
    let requirements = root.join(PYTHON_REQUIREMENTS);
    let stamp = venv.join(".requirements");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return Ok(venv);
    }
    if !python.exists() {
        let venv_arg = venv.to_string_lossy().into_owned();
        run(root, "python3", &["-m", "venv", &venv_arg])?;
    }
    let req = requirements.to_string_lossy().into_owned();
    let py = python.to_string_lossy().into_owned();
    run(
        root,
        &py,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &req,
        ],
    )?;
    std::fs::write(&stamp, wanted).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(venv)
}

/// Where `npm ci` installs the official TypeScript MCP SDK for `cli/tests/mcp/client.mjs`.
pub(crate) const MCP_TS_DIR: &str = "cli/tests/mcp";

/// Fails with what to install unless Node.js 20 or newer and npm can be started; `needed_for` says what needs them.
pub(crate) fn check_node(needed_for: &str) -> Result<()> {
    let install =
        format!("{needed_for}: install Node.js >= 20 and npm (e.g. `apt-get install nodejs npm`)");
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(node) = version("node") else {
        bail!("`node` was not found on PATH: {install}");
    };
    let major = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if major.is_none_or(|m| m < 20) {
        bail!("`node --version` says {node}: {install}");
    }
    if version("npm").is_none() {
        bail!("`npm` was not found on PATH: {install}");
    }
    Ok(())
}

/// Installs the npm packages `dir/package-lock.json` pins (`npm ci`), skipped while `node_modules` holds exactly
/// them.
pub(crate) fn ensure_npm_packages(dir: &Path) -> Result<()> {
    let lock_file = dir.join("package-lock.json");
    let lock =
        std::fs::read(&lock_file).with_context(|| format!("reading {}", lock_file.display()))?;
    let stamp = dir.join("node_modules/.kruntimes-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        eprintln!("{}: node_modules matches package-lock.json", dir.display());
        return Ok(());
    }
    run(dir, "npm", &["ci", "--no-audit", "--no-fund"])?;
    std::fs::write(&stamp, &lock).with_context(|| format!("writing {}", stamp.display()))
}

/// Installs cargo-deny when it is missing.
pub(crate) fn ensure_cargo_deny(root: &Path) -> Result<()> {
    let present = Command::new("cargo")
        .args(["deny", "--version"])
        .current_dir(root)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    let spec = format!("cargo-deny@{CARGO_DENY_VERSION}");
    run(root, "cargo", &["install", "--locked", &spec])
}
