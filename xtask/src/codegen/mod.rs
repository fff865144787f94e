//! `cargo xtask codegen`: every generated artifact committed to the repository.
//!
//! Each generator renders its files in memory; [`run`] then either writes them (leaving unchanged
//! files untouched and removing files no longer generated) or, with `--check`, compares them with
//! what is committed and fails on any drift. CI runs the check, so a type, proto or CLI change that
//! was not regenerated cannot land.

pub(crate) mod cli_docs;
pub(crate) mod crds;
pub(crate) mod proto;
pub(crate) mod wit_check;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Renders every generated file and writes it, or with `check` reports drift.
pub(crate) fn run(repo_root: &Path, check: bool) -> Result<()> {
    wit_check::check(repo_root)?;
    let outputs = [
        (crds::DIR, crds::render(repo_root)?),
        (proto::DIR, proto::render(repo_root)?),
        (cli_docs::DIR, cli_docs::render(repo_root)?),
    ];
    let mut drift = Vec::new();
    for (dir, files) in &outputs {
        let dir = repo_root.join(dir);
        if check {
            drift.extend(compare(&dir, files)?);
        } else {
            write(&dir, files)?;
        }
    }
    if !drift.is_empty() {
        bail!(
            "generated files are out of date; run `cargo xtask codegen` and commit the result:\n  {}",
            drift.join("\n  ")
        );
    }
    Ok(())
}

/// Writes `files` into `dir`, removing files of `dir` that are no longer generated.
fn write(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, content) in files {
        let path = dir.join(name);
        if fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    for stale in existing_files(dir)? {
        if !files.contains_key(&stale) {
            let path = dir.join(&stale);
            fs::remove_file(&path).with_context(|| format!("removing stale {}", path.display()))?;
        }
    }
    Ok(())
}

/// Lists how `dir` differs from `files`.
fn compare(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<String>> {
    let mut drift = Vec::new();
    for (name, content) in files {
        let path = dir.join(name);
        match fs::read(&path) {
            Ok(existing) if existing == *content => {}
            Ok(_) => drift.push(format!("{} differs", path.display())),
            Err(_) => drift.push(format!("{} is missing", path.display())),
        }
    }
    for name in existing_files(dir)? {
        if !files.contains_key(&name) {
            drift.push(format!(
                "{} is not generated any more",
                dir.join(name).display()
            ));
        }
    }
    Ok(drift)
}

/// Names of the regular files in `dir` (none if it does not exist).
fn existing_files(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}
