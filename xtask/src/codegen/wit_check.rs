//! Checks that the `wit/` package parses and resolves, with the `wit-parser` wasmtime 48.0.8 uses.
//!
//! wasmtime's `bindgen!` (host) and `wit-bindgen` (guests) would report the same errors later and
//! less clearly; this check runs in `cargo test -p xtask` and from `cargo xtask codegen`.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The package `wit/` must declare.
const PACKAGE: &str = "kruntimes:runtime@0.1.0";

/// Worlds guests may target, all of which must exist.
const WORLDS: &[&str] = &["tool", "shell"];

/// Resolves `wit/` (and `wit/deps/`) and checks the package name and its worlds.
pub(crate) fn check(repo_root: &Path) -> Result<()> {
    let dir = repo_root.join("wit");
    let mut resolve = wit_parser::Resolve::default();
    let (package_id, _sources) = resolve
        .push_dir(&dir)
        .with_context(|| format!("resolving the WIT package in {}", dir.display()))?;

    let package = &resolve.packages[package_id];
    let name = package.name.to_string();
    if name != PACKAGE {
        bail!(
            "{} declares package {name}, expected {PACKAGE}",
            dir.display()
        );
    }
    for world in WORLDS {
        let qualified = format!("{PACKAGE}/{world}");
        let world_id = resolve
            .select_world(&[package_id], Some(world))
            .with_context(|| format!("world {qualified} is missing"))?;
        // A guest targeting the world must be able to export `wasi:cli/run`.
        let exports_run = resolve.worlds[world_id]
            .exports
            .keys()
            .any(|key| resolve.name_world_key(key).starts_with("wasi:cli/run@0.2."));
        if !exports_run {
            bail!("world {qualified} does not export wasi:cli/run");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wit_package_resolves() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the repository root");
        check(root).unwrap();
    }
}
