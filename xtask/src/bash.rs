//! The built-in bash runtime: brush patched at build time, the shell component, its tool components.
//!
//! brush-core is not copied into the repository. [`prepare`] fetches brush-core from the registry (cargo checks
//! its digest), unpacks it into `runtimes/bash/target/patched/` and applies `runtimes/bash/patches/*.patch`;
//! `runtimes/bash/Cargo.toml` points `[patch.crates-io]` there. The `runtimes/` workspace patches awk-rs (the
//! interpreter of the `awk` tool) the same way: [`prepare_runtimes`] unpacks it into `runtimes/target/patched/`
//! and applies `runtimes/tools/awk/patches/awk-rs-0.2.0.patch`; it runs before any cargo command there. [`build`] then builds the shell and assembles
//! `runtimes/target/builtins/bash/` (see `kruntimes_engine::builtins` for the layout): the shell, every tool component of
//! `runtimes/tools/*` under `programs/`, `programs.txt`, one placeholder per program in `root/usr/bin/`, and an
//! empty `root/dev/null`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::BUILTINS_DIR;
use crate::setup::{guest_cargo, run};

/// A registry crate that a guest workspace patches at build time: unpacked into `<workspace>/target/patched/`,
/// where the workspace's `[patch.crates-io]` points, with one patch file of the repository applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PatchedCrate {
    /// `name-version`, the version the workspace pins (e.g. `brush-core-0.5.0`).
    pub(crate) crate_version: &'static str,
    /// The workspace directory, relative to the repository root.
    pub(crate) workspace: &'static str,
    /// The directory of the patch file `<crate_version>.patch`, relative to the repository root.
    pub(crate) patches: &'static str,
}

/// brush-core, patched for the shell (`runtimes/bash/`).
const BRUSH_CORE: PatchedCrate = PatchedCrate {
    crate_version: "brush-core-0.5.0",
    workspace: "runtimes/bash",
    patches: "runtimes/bash/patches",
};

/// brush-builtins, patched for the shell (`runtimes/bash/`): bash's wording of builtins' errors.
const BRUSH_BUILTINS: PatchedCrate = PatchedCrate {
    crate_version: "brush-builtins-0.2.0",
    workspace: "runtimes/bash",
    patches: "runtimes/bash/patches",
};

/// brush-parser, patched for the shell (`runtimes/bash/`): bash's grammar where brush's parses differently.
const BRUSH_PARSER: PatchedCrate = PatchedCrate {
    crate_version: "brush-parser-0.4.0",
    workspace: "runtimes/bash",
    patches: "runtimes/bash/patches",
};

/// The crates `runtimes/bash/Cargo.toml` patches.
const BASH_PATCHED: [PatchedCrate; 3] = [BRUSH_CORE, BRUSH_BUILTINS, BRUSH_PARSER];

/// awk-rs, patched for the `awk` tool of the `runtimes/` workspace.
pub(crate) const AWK_RS: PatchedCrate = PatchedCrate {
    crate_version: "awk-rs-0.2.0",
    workspace: "runtimes",
    patches: "runtimes/tools/awk/patches",
};

/// The crates `runtimes/Cargo.toml` patches.
const RUNTIMES_PATCHED: [PatchedCrate; 1] = [AWK_RS];

/// Where a patched crate's files go.
#[derive(Debug, PartialEq, Eq)]
struct PatchPaths {
    /// The patch file.
    patch: PathBuf,
    /// `<workspace>/target/patched/`.
    patched: PathBuf,
    /// The unpacked, patched crate.
    dest: PathBuf,
    /// Holds the patch's digest once it is applied.
    stamp: PathBuf,
    /// The throwaway package that makes cargo download the crate.
    fetch: PathBuf,
}

impl PatchedCrate {
    fn paths(&self, root: &Path) -> PatchPaths {
        let patched = root.join(self.workspace).join("target/patched");
        PatchPaths {
            patch: root
                .join(self.patches)
                .join(format!("{}.patch", self.crate_version)),
            dest: patched.join(self.crate_version),
            stamp: patched.join(format!("{}.stamp", self.crate_version)),
            patched,
            fetch: root.join(self.workspace).join("target/fetch"),
        }
    }
}

/// The stamp written after applying a patch: a digest of the patch text.
fn stamp_value(patch_text: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    patch_text.hash(&mut hasher);
    format!("{:016x}\n", hasher.finish())
}

/// `name-x.y.z` into `name` and `x.y.z`.
fn split_crate_version(crate_version: &str) -> Result<(&str, &str)> {
    crate_version
        .rsplit_once('-')
        .filter(|(name, version)| {
            !name.is_empty() && version.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .with_context(|| format!("{crate_version}: not name-version"))
}
/// The program list of a built-in runtime (`kruntimes_engine::builtins::PROGRAMS_FILE`).
const PROGRAMS_FILE: &str = "programs.txt";
/// Programs that are other built-in runtimes.
const RUNTIME_PROGRAMS: [(&str, &str); 4] = [
    ("bash", "bash"),
    ("sh", "bash"),
    ("python", "python"),
    ("python3", "python"),
];

/// Unpacks and patches the crates the shell's workspace patches (brush-core, brush-builtins, brush-parser) unless
/// their patches are unchanged since the last time.
pub(crate) fn prepare(root: &Path) -> Result<()> {
    BASH_PATCHED
        .iter()
        .try_for_each(|krate| prepare_crate(root, krate))
}

/// Unpacks and patches the crates the `runtimes/` workspace patches (awk-rs): needed before any cargo command
/// there, `cargo metadata` included (cargo resolves `[patch.crates-io]` paths first).
pub(crate) fn prepare_runtimes(root: &Path) -> Result<()> {
    RUNTIMES_PATCHED
        .iter()
        .try_for_each(|krate| prepare_crate(root, krate))
}

/// Unpacks `krate` from the registry into its workspace's `target/patched/` and applies its patch, unless the
/// patch is unchanged since the last time (the stamp holds the patch's digest).
fn prepare_crate(root: &Path, krate: &PatchedCrate) -> Result<()> {
    let PatchPaths {
        patch,
        patched,
        dest,
        stamp,
        fetch,
    } = krate.paths(root);
    let crate_version = krate.crate_version;
    let patch_text =
        std::fs::read(&patch).with_context(|| format!("reading {}", patch.display()))?;
    let stamp_value = stamp_value(&patch_text);
    if dest.is_dir() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&stamp_value) {
        return Ok(());
    }
    let archive = fetch_crate(&fetch, crate_version)?;
    if dest.exists() {
        std::fs::remove_dir_all(&dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    std::fs::create_dir_all(&patched)?;
    run(&patched, "tar", &["-xzf", &archive.to_string_lossy()])?;
    run(
        &dest,
        "patch",
        &["-p1", "--quiet", "--input", &patch.to_string_lossy()],
    )?;
    std::fs::write(&stamp, stamp_value).with_context(|| format!("writing {}", stamp.display()))?;
    eprintln!(
        "{crate_version}: unpacked and patched into {}",
        dest.display()
    );
    Ok(())
}

/// The registry archive of `crate_version` (`name-x.y.z`), downloaded by cargo into its cache when missing
/// (through a throwaway package in `fetch`).
fn fetch_crate(fetch: &Path, crate_version: &str) -> Result<PathBuf> {
    let (name, version) = split_crate_version(crate_version)?;
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let find = || -> Option<PathBuf> {
        let cache = cargo_home.join("registry/cache");
        std::fs::read_dir(cache)
            .ok()?
            .filter_map(|e| e.ok())
            .find_map(|index| {
                let file = index.path().join(format!("{crate_version}.crate"));
                file.is_file().then_some(file)
            })
    };
    if let Some(found) = find() {
        return Ok(found);
    }
    // A throwaway package depending on exactly that version makes cargo download (and verify) it.
    std::fs::create_dir_all(fetch.join("src"))?;
    std::fs::write(
        fetch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fetch\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n\
             {name} = \"={version}\"\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(fetch.join("src/lib.rs"), "")?;
    guest_cargo(fetch, &["fetch", "--quiet"])?;
    match find() {
        Some(found) => Ok(found),
        None => bail!(
            "cargo fetched {crate_version} but its archive is not in {}",
            cargo_home.display()
        ),
    }
}

/// Builds the shell and assembles the built-in runtime directory (after the `runtimes` workspace, which holds
/// the tools, was built).
pub(crate) fn build(root: &Path) -> Result<()> {
    prepare(root)?;
    let bash = root.join("runtimes/bash");
    guest_cargo(&bash, &["build", "--release", "--locked"])?;
    assemble(root)
}

/// Lints the shell crate (clippy on wasm32) and runs its unit tests natively.
pub(crate) fn lint(root: &Path) -> Result<()> {
    prepare(root)?;
    let bash = root.join("runtimes/bash");
    guest_cargo(&bash, &["fmt", "--check"])?;
    guest_cargo(
        &bash,
        &[
            "clippy",
            "--release",
            "--locked",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Runs the shell crate's unit tests on the build machine's target.
pub(crate) fn unit_tests(root: &Path) -> Result<()> {
    prepare(root)?;
    let host = host_target()?;
    guest_cargo(
        &root.join("runtimes/bash"),
        &["test", "--locked", "--target", &host],
    )
}

pub(crate) fn host_target() -> Result<String> {
    let output = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV printed no host")
}

/// A tool crate: its binary and the program names it answers to.
struct Tool {
    bin: String,
    programs: Vec<String>,
}

/// The tool crates of `runtimes/tools/*`, from `cargo metadata` (`[package.metadata.kruntimes] programs`).
fn tools(root: &Path) -> Result<Vec<Tool>> {
    prepare_runtimes(root)?;
    let output = std::process::Command::new("cargo")
        .env_remove("CARGO_TARGET_DIR")
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(root.join("runtimes"))
        .output()
        .context("running cargo metadata in runtimes/")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_yaml::Value =
        serde_yaml::from_slice(&output.stdout).context("parsing cargo metadata")?;
    let mut tools = Vec::new();
    for package in metadata["packages"].as_sequence().into_iter().flatten() {
        let manifest = package["manifest_path"].as_str().unwrap_or_default();
        if !manifest.contains("/runtimes/tools/") {
            continue;
        }
        let name = package["name"].as_str().unwrap_or_default();
        let programs: Vec<String> = package["metadata"]["kruntimes"]["programs"]
            .as_sequence()
            .with_context(|| {
                format!("tool crate {name} lists no [package.metadata.kruntimes] programs")
            })?
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        let bins: Vec<&str> = package["targets"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|t| {
                t["kind"]
                    .as_sequence()
                    .is_some_and(|k| k.iter().any(|k| k.as_str() == Some("bin")))
            })
            .filter_map(|t| t["name"].as_str())
            .collect();
        let [bin] = bins.as_slice() else {
            bail!("tool crate {name} must have exactly one binary, has {bins:?}");
        };
        tools.push(Tool {
            bin: (*bin).to_owned(),
            programs,
        });
    }
    tools.sort_by(|a, b| a.bin.cmp(&b.bin));
    Ok(tools)
}

/// Writes `runtimes/target/builtins/bash/` from the built shell and tools.
fn assemble(root: &Path) -> Result<()> {
    let out = root.join(BUILTINS_DIR).join("bash");
    let staging = root.join(BUILTINS_DIR).join(".bash.tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let usr_bin = staging.join("root/usr/bin");
    std::fs::create_dir_all(staging.join("programs"))?;
    std::fs::create_dir_all(&usr_bin)?;
    // Children open /dev/null by path (`grep -q x /dev/null`, `cp /dev/null f`): an empty read-only file
    // (the shell itself handles /dev/null in redirections, writable).
    std::fs::create_dir_all(staging.join("root/dev"))?;
    std::fs::write(staging.join("root/dev/null"), "")?;
    copy(
        &root.join("runtimes/bash/target/wasm32-wasip2/release/bash.wasm"),
        &staging.join("component.wasm"),
    )?;
    let mut programs: BTreeMap<String, String> = BTreeMap::new();
    for tool in tools(root)? {
        let file = format!("programs/{}.wasm", tool.bin);
        copy(
            &root
                .join("runtimes/target/wasm32-wasip2/release")
                .join(format!("{}.wasm", tool.bin)),
            &staging.join(&file),
        )?;
        for program in tool.programs {
            if let Some(previous) = programs.insert(program.clone(), file.clone()) {
                bail!("program {program} is provided by both {previous} and {file}");
            }
        }
    }
    for (program, runtime) in RUNTIME_PROGRAMS {
        programs.insert(program.to_owned(), format!("runtime:{runtime}"));
    }
    let mut list = String::from(
        "# Programs bash scripts can run: NAME TARGET (a component here, or runtime:<built-in runtime>).\n\
         # Written by `cargo xtask build-guests`.\n",
    );
    for (program, target) in &programs {
        list.push_str(&format!("{program} {target}\n"));
        // The placeholder makes `$PATH` search, `command -v` and `test -x` find the program.
        std::fs::write(
            usr_bin.join(program),
            format!("#!/usr/bin/env kruntimes-program\n# {program}: {target}\n"),
        )?;
    }
    std::fs::write(staging.join(PROGRAMS_FILE), list)?;
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::rename(&staging, &out)
        .with_context(|| format!("moving {} to {}", staging.display(), out.display()))?;
    eprintln!(
        "bash runtime: {} programs in {}",
        programs.len(),
        out.display()
    );
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brush_core_paths_are_the_shells() {
        let paths = BRUSH_CORE.paths(Path::new("/repo"));
        assert_eq!(
            paths,
            PatchPaths {
                patch: "/repo/runtimes/bash/patches/brush-core-0.5.0.patch".into(),
                patched: "/repo/runtimes/bash/target/patched".into(),
                dest: "/repo/runtimes/bash/target/patched/brush-core-0.5.0".into(),
                stamp: "/repo/runtimes/bash/target/patched/brush-core-0.5.0.stamp".into(),
                fetch: "/repo/runtimes/bash/target/fetch".into(),
            }
        );
    }

    #[test]
    fn awk_rs_is_patched_for_the_runtimes_workspace() {
        let paths = AWK_RS.paths(Path::new("/repo"));
        assert_eq!(
            paths,
            PatchPaths {
                patch: "/repo/runtimes/tools/awk/patches/awk-rs-0.2.0.patch".into(),
                patched: "/repo/runtimes/target/patched".into(),
                dest: "/repo/runtimes/target/patched/awk-rs-0.2.0".into(),
                stamp: "/repo/runtimes/target/patched/awk-rs-0.2.0.stamp".into(),
                fetch: "/repo/runtimes/target/fetch".into(),
            }
        );
        assert!(RUNTIMES_PATCHED.contains(&AWK_RS));
    }

    #[test]
    fn patched_crates_match_their_manifests() {
        // Every patched crate has its patch file and a `[patch.crates-io]` entry pointing at its directory.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for krate in RUNTIMES_PATCHED.iter().chain(&BASH_PATCHED) {
            assert!(krate.paths(root).patch.is_file(), "{krate:?}: no patch");
            let manifest =
                std::fs::read_to_string(root.join(krate.workspace).join("Cargo.toml")).unwrap();
            let (name, _) = split_crate_version(krate.crate_version).unwrap();
            let entry = format!(
                "{name} = {{ path = \"target/patched/{}\" }}",
                krate.crate_version
            );
            assert!(
                manifest.contains(&entry),
                "{} lacks {entry}",
                krate.workspace
            );
        }
    }

    #[test]
    fn stamp_is_a_stable_digest_of_the_patch() {
        let stamp = stamp_value(b"--- a/x\n+++ b/x\n");
        assert_eq!(stamp, stamp_value(b"--- a/x\n+++ b/x\n"));
        assert_ne!(stamp, stamp_value(b"--- a/y\n+++ b/y\n"));
        assert_eq!(stamp.len(), 17);
        assert!(stamp.ends_with('\n'));
    }

    #[test]
    fn crate_version_splits_at_the_last_dash() {
        assert_eq!(
            split_crate_version("brush-core-0.5.0").unwrap(),
            ("brush-core", "0.5.0")
        );
        assert_eq!(
            split_crate_version("awk-rs-0.2.0").unwrap(),
            ("awk-rs", "0.2.0")
        );
        assert!(split_crate_version("awk").is_err());
        assert!(split_crate_version("awk-rs").is_err());
        assert!(split_crate_version("-0.2.0").is_err());
    }
}
