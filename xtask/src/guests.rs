//! Building the wasm guests of `runtimes/` (a separate Cargo workspace for wasm32-wasip2).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::BUILTINS_DIR;
use crate::setup::{self, guest_cargo, run};

/// What [`build`] builds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every guest crate, the built-in runtimes and the example runtimes of `runtimes/examples/` (the test
    /// suite's need; the JavaScript example needs Node.js).
    All,
    /// Every guest crate and the built-in runtimes only (the demo's and runtimed's image's need).
    BuiltinsOnly,
}

/// Builds every guest crate in release mode (host tests and `krt local` load them from
/// `runtimes/target/wasm32-wasip2/release/`), then the built-in runtimes (bash with its tools, python) into
/// [`BUILTINS_DIR`], then, for [`Scope::All`], the example runtimes into `runtimes/target/examples/`.
pub(crate) fn build(root: &Path, scope: Scope) -> Result<()> {
    crate::bash::prepare_runtimes(root)?;
    guest_cargo(
        &root.join("runtimes"),
        &["build", "--release", "--locked", "--workspace"],
    )?;
    crate::bash::build(root)?;
    let inputs = inputs_digest(root)?;
    build_python(root, &inputs)?;
    if scope == Scope::All {
        build_python_example(root, &inputs)?;
        build_js_example(root)?;
    }
    Ok(())
}

/// A custom Python runtime to build (`cargo xtask python-runtime`).
pub(crate) struct PythonBuild {
    /// Output directory (a built-in runtime directory).
    pub(crate) out: PathBuf,
    /// Requirements file of wheels to bundle.
    pub(crate) requirements: Option<PathBuf>,
    /// Local directory of those wheels.
    pub(crate) wheels: Option<PathBuf>,
    /// Preload list instead of the built-in one.
    pub(crate) preload: Option<PathBuf>,
}

/// Builds a Python runtime with `runtimes/python/build.py`.
pub(crate) fn python_runtime(root: &Path, build: &PythonBuild) -> Result<()> {
    let venv = setup::ensure_venv(root)?;
    let python = venv.join("bin").join("python");
    let mut args: Vec<String> = vec![
        "runtimes/python/build.py".into(),
        "--out".into(),
        absolute(&build.out),
    ];
    for (flag, value) in [
        ("--requirements", &build.requirements),
        ("--wheels", &build.wheels),
        ("--preload", &build.preload),
    ] {
        if let Some(value) = value {
            args.push(flag.into());
            args.push(absolute(value));
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(root, &python.to_string_lossy(), &args)
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The built-in python runtime, unless its inputs are unchanged since the last build.
fn build_python(root: &Path, inputs: &str) -> Result<()> {
    let out = root.join(BUILTINS_DIR).join("python");
    if up_to_date(&out, inputs) {
        eprintln!("python runtime: up to date ({})", out.display());
        return Ok(());
    }
    let build = PythonBuild {
        out,
        requirements: None,
        wheels: None,
        preload: None,
    };
    python_runtime(root, &build)?;
    write_stamp(&build.out, inputs)
}

/// The example custom runtime (`runtimes/examples/python-dateutil`): downloads its two pinned wheels
/// from the package index into `runtimes/target/wheels`, then builds it offline from them.
fn build_python_example(root: &Path, inputs: &str) -> Result<()> {
    let requirements = root.join("runtimes/examples/python-dateutil/requirements.txt");
    let out = root.join("runtimes/target/examples/python-dateutil");
    let inputs = format!(
        "{inputs}{}",
        std::fs::read_to_string(&requirements)
            .with_context(|| format!("reading {}", requirements.display()))?
    );
    if up_to_date(&out, &inputs) {
        eprintln!("python-dateutil example runtime: up to date");
        return Ok(());
    }
    let venv = setup::ensure_venv(root)?;
    let wheels = root.join("runtimes/target/wheels");
    let (req, dest) = (absolute(&requirements), absolute(&wheels));
    run(
        root,
        &venv.join("bin").join("pip").to_string_lossy(),
        &[
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--no-deps",
            "-r",
            &req,
            "-d",
            &dest,
        ],
    )?;
    let build = PythonBuild {
        out,
        requirements: Some(requirements),
        wheels: Some(wheels),
        preload: None,
    };
    python_runtime(root, &build)?;
    write_stamp(&build.out, &inputs)
}

/// The JavaScript example custom runtime's sources (`runtimes/examples/js-wordcount`).
const JS_EXAMPLE: &str = "runtimes/examples/js-wordcount";

/// The componentize-js arguments after the output path: the source, its world, and the engine
/// features it must not import (`wasi:http`, which runtimed does not provide).
const JS_COMPONENTIZE_ARGS: [&str; 8] = [
    "wordcount.js",
    "--wit",
    "wit",
    "--world-name",
    "wordcount",
    "--disable",
    "http",
    "fetch-event",
];

/// The example custom runtime in JavaScript: installs its pinned npm packages (`npm ci`, skipped while
/// `node_modules` matches `package-lock.json`), then builds it with componentize-js into
/// `runtimes/target/examples/js-wordcount/component.wasm` (the built-in runtime layout, like
/// python-dateutil), unless its inputs are unchanged since the last build.
fn build_js_example(root: &Path) -> Result<()> {
    let dir = root.join(JS_EXAMPLE);
    let out = root.join("runtimes/target/examples/js-wordcount");
    let mut files: Vec<PathBuf> = [
        "package.json",
        "package-lock.json",
        "wordcount.js",
        "wit/world.wit",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect();
    // wit/deps is a link to the repository's wit/deps.
    collect_files(&root.join("wit/deps"), &mut files)?;
    let inputs = format!(
        "{}{}\n",
        files_digest(root, &files)?,
        JS_COMPONENTIZE_ARGS.join(" ")
    );
    if up_to_date(&out, &inputs) {
        eprintln!("js-wordcount example runtime: up to date");
        return Ok(());
    }
    crate::setup::check_node(
        "the JavaScript example runtime (runtimes/examples/js-wordcount) is built with componentize-js",
    )?;
    crate::setup::ensure_npm_packages(&dir)?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let component = absolute(&out.join("component.wasm"));
    let mut args = vec!["-o", component.as_str()];
    args.extend(JS_COMPONENTIZE_ARGS);
    run(
        &dir,
        &dir.join("node_modules/.bin/componentize-js")
            .to_string_lossy(),
        &args,
    )?;
    write_stamp(&out, &inputs)
}

/// A digest of `files` (their paths relative to `root` and their contents). Only decides whether to
/// rebuild; nothing depends on its exact value.
fn files_digest(root: &Path, files: &[PathBuf]) -> Result<String> {
    let mut files = files.to_vec();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        file.strip_prefix(root).unwrap_or(file).hash(&mut hasher);
        std::fs::read(file)
            .with_context(|| format!("reading {}", file.display()))?
            .hash(&mut hasher);
    }
    Ok(format!("{:016x}\n", hasher.finish()))
}

/// Whether `out` holds a component built from exactly `inputs` (its `.inputs` stamp).
fn up_to_date(out: &Path, inputs: &str) -> bool {
    out.join("component.wasm").exists()
        && std::fs::read_to_string(out.join(".inputs")).ok().as_deref() == Some(inputs)
}

fn write_stamp(out: &Path, inputs: &str) -> Result<()> {
    let stamp = out.join(".inputs");
    std::fs::write(&stamp, inputs).with_context(|| format!("writing {}", stamp.display()))
}

/// A digest of everything the python runtime is built from: its sources, the WIT package and the
/// pinned Python tools. Only decides whether to rebuild; nothing depends on its exact value.
fn inputs_digest(root: &Path) -> Result<String> {
    let mut files = Vec::new();
    for dir in ["runtimes/python", "wit"] {
        collect_files(&root.join(dir), &mut files)?;
    }
    files.push(root.join(setup::PYTHON_REQUIREMENTS));
    files_digest(root, &files)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name() == "__pycache__" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// What [`free_caches`] deletes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leftovers {
    /// After the shell's unit tests: the native unit-test builds of the guest crates (`debug/`, `<host triple>/`; about
    /// 1.7 GiB on a fresh clone), which the wasm builds do not read.
    NativeTests,
    /// After the build step: also the clippy and build-script outputs and the intermediate objects of the wasm
    /// builds (the components, the built-in runtime directories and the examples stay). About 4 GiB in all.
    Everything,
}

/// Deletes what the guest lint and build steps leave behind but nothing later reads. Only on CI: on a
/// developer's machine they are the caches that make the next `cargo xtask test` fast.
pub(crate) fn free_caches(root: &Path, on_ci: bool, what: Leftovers) -> Result<()> {
    if !on_ci {
        eprintln!("not on CI (CI unset): guest build caches kept");
        return Ok(());
    }
    let mut doomed = Vec::new();
    for workspace in ["runtimes/target", "runtimes/bash/target"] {
        let target = root.join(workspace);
        let Ok(entries) = std::fs::read_dir(&target) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let native = name == "debug" || name.ends_with("-linux-gnu");
            if what == Leftovers::Everything && name == "wasm32-wasip2" {
                for sub in ["deps", "build", ".fingerprint", "incremental"] {
                    doomed.push(entry.path().join("release").join(sub));
                }
            } else if native || (what == Leftovers::Everything && name == "release") {
                doomed.push(entry.path());
            }
        }
    }
    for path in doomed.iter().filter(|p| p.exists()) {
        eprintln!("removing {}", path.display());
        std::fs::remove_dir_all(path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// Lints the guests like the host workspace. On CI the shell's native unit-test build is deleted as soon as its
/// tests have run: nothing reads it again, and the builds that follow need the space.
pub(crate) fn lint(root: &Path, on_ci: bool) -> Result<()> {
    if !has_guests(root) {
        return Ok(());
    }
    crate::bash::lint(root)?;
    crate::bash::unit_tests(root)?;
    free_caches(root, on_ci, Leftovers::NativeTests)?;
    crate::bash::prepare_runtimes(root)?;
    let runtimes = root.join("runtimes");
    guest_cargo(&runtimes, &["fmt", "--all", "--check"])?;
    // Tool crates whose logic has unit tests, run natively (the components themselves run in the corpus).
    let host = crate::bash::host_target()?;
    guest_cargo(
        &runtimes,
        &[
            "test",
            "--release",
            "--locked",
            "-p",
            "extras",
            "--target",
            &host,
        ],
    )?;
    guest_cargo(
        &runtimes,
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
