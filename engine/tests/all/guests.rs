//! The test guests (`runtimes/test-guests`), one constant per scenario.
//!
//! Built with `cargo xtask prepare-guests && cargo build --release --manifest-path runtimes/Cargo.toml -p test-guests
//! --target wasm32-wasip2` (from the repository root; `prepare-guests` unpacks the crates the `runtimes/` workspace
//! patches, which cargo needs there). A missing guest fails the test with that command. Every guest must be used by at
//! least one test: [`every_guest_has_a_host_test`] checks it.

use std::path::PathBuf;

use kruntimes_engine::{Builtin, RuntimePolicy};

/// Command that builds the guests.
pub(crate) const BUILD_COMMAND: &str = "cargo xtask prepare-guests && cargo build --release --manifest-path runtimes/Cargo.toml -p test-guests --target wasm32-wasip2";

/// A test guest, by binary name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Guest(pub(crate) &'static str);

/// Prints a greeting, its args and its sorted environment.
pub(crate) const HELLO: Guest = Guest("hello");
/// Exits with the code in argv[1].
pub(crate) const EXIT_CODE: Guest = Guest("exit_code");
/// Loops in wasm forever.
pub(crate) const SPIN_FOREVER: Guest = Guest("spin_forever");
/// Sleeps in one host call for an hour.
pub(crate) const SLEEP_FOREVER: Guest = Guest("sleep_forever");
/// Allocates 1 MiB blocks until allocation fails (`try` handles the failure and exits 3).
pub(crate) const ALLOC_OVER_LIMIT: Guest = Guest("alloc_over_limit");
/// Writes `<bytes> <chunks|huge> [stdout|stderr]` of a 64-byte-line pattern.
pub(crate) const WRITE_OUTPUT: Guest = Guest("write_output");
/// Writes `$KRUNTIME_OUTPUTS`: valid, malformed, too-large, symlink, up-symlink or none.
pub(crate) const OUTPUTS: Guest = Guest("outputs");
/// Tries to escape the sandbox in many ways; exits 0 only if all were denied.
pub(crate) const ESCAPE_ATTEMPTS: Guest = Guest("escape_attempts");
/// Connects to `<host> <port>` over TCP.
pub(crate) const CONNECT: Guest = Guest("connect");
/// Reads stdin; exits 0 only if it was empty.
pub(crate) const READ_STDIN: Guest = Guest("read_stdin");
/// Panics (abort: an `unreachable` trap).
pub(crate) const PANIC: Guest = Guest("panic");
/// Traps: `unreachable` or `stack-overflow`.
pub(crate) const TRAP: Guest = Guest("trap");
/// Writes, reads and lists files in /workspace (and a `READ_DIR` mount).
pub(crate) const WORKSPACE_IO: Guest = Guest("workspace_io");
/// Copies stdin to stdout (a pipeline filter).
pub(crate) const CAT: Guest = Guest("cat");
/// A small shell over `kruntimes:runtime/spawn`, `outputs` and `log`; the scenario is argv[1].
pub(crate) const SPAWN_PIPELINE: Guest = Guest("spawn_pipeline");

/// The built-in python runtime (`runtimes/python`, built by `cargo xtask build-guests` into
/// `runtimes/target/builtins/python`): not a test guest, but run by the same harness.
pub(crate) const PYTHON: Guest = Guest("python");

/// The built-in bash runtime (`runtimes/bash`, built by `cargo xtask build-guests` into
/// `runtimes/target/builtins/bash` with its tool components); runs with its programs and the python runtime.
pub(crate) const BASH: Guest = Guest("bash");

/// The example custom Python runtime with python-dateutil bundled (`runtimes/examples/python-dateutil`, built by
/// `cargo xtask build-guests` into `runtimes/target/examples/python-dateutil`).
pub(crate) const PYTHON_DATEUTIL: Guest = Guest("python-dateutil");

/// Every guest.
pub(crate) const ALL: [Guest; 15] = [
    HELLO,
    EXIT_CODE,
    SPIN_FOREVER,
    SLEEP_FOREVER,
    ALLOC_OVER_LIMIT,
    WRITE_OUTPUT,
    OUTPUTS,
    ESCAPE_ATTEMPTS,
    CONNECT,
    READ_STDIN,
    PANIC,
    TRAP,
    WORKSPACE_IO,
    CAT,
    SPAWN_PIPELINE,
];

/// Where `cargo xtask build-guests` writes the built-in runtimes.
pub(crate) fn builtins_dir() -> PathBuf {
    runtimes_dir().join("target/builtins")
}

/// The repository's `runtimes/` directory.
fn runtimes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes")
}

impl Guest {
    /// The directory of built-in runtimes holding this guest, for runtimes in that layout.
    fn builtin_dir(self) -> Option<PathBuf> {
        match self {
            PYTHON | BASH => Some(builtins_dir()),
            PYTHON_DATEUTIL => Some(runtimes_dir().join("target/examples")),
            _ => None,
        }
    }

    /// Path of the built component.
    pub(crate) fn path(self) -> PathBuf {
        match self.builtin_dir() {
            Some(dir) => dir.join(self.0).join("component.wasm"),
            None => runtimes_dir().join(format!("target/wasm32-wasip2/release/{}.wasm", self.0)),
        }
    }

    /// The policy the guest runs under by default: a built-in runtime's own (its read-only mounts),
    /// otherwise the default.
    pub(crate) fn default_policy(self) -> RuntimePolicy {
        let Some(dir) = self.builtin_dir() else {
            return RuntimePolicy::default();
        };
        let builtin = Builtin::find(&dir, self.0).unwrap().unwrap_or_else(|| {
            panic!(
                "built-in runtime `{}` not found: run `cargo xtask build-guests`",
                self.0
            )
        });
        builtin.policy(RuntimePolicy::default())
    }

    /// The other components a built-in runtime needs registered (its tools, the runtimes its programs name),
    /// as (name, bytes, policy).
    pub(crate) fn companions(self) -> Vec<(String, Vec<u8>, RuntimePolicy)> {
        let Some(dir) = self.builtin_dir() else {
            return Vec::new();
        };
        let Some(builtin) = Builtin::find(&dir, self.0).unwrap() else {
            return Vec::new();
        };
        builtin
            .registrations(&dir, &RuntimePolicy::default())
            .unwrap()
            .into_iter()
            .filter(|r| r.name != self.0)
            .map(|r| (r.name, std::fs::read(&r.component).unwrap(), r.policy))
            .collect()
    }

    /// The component bytes. Panics with the build command if the guest has not been built.
    pub(crate) fn bytes(self) -> Vec<u8> {
        let path = self.path();
        std::fs::read(&path).unwrap_or_else(|err| {
            panic!(
                "test guest `{}` not found at {} ({err}).\nBuild the guests first, from the repository root:\n    {BUILD_COMMAND}\n(built-in runtimes: cargo xtask build-guests)",
                self.0,
                path.display()
            )
        })
    }
}

/// Every binary in `runtimes/test-guests/src/bin` has a constant here, and every constant is used by a test in
/// another module of the engine's or runtimed's test binary (the wasmtime test-programs rule).
#[test]
fn every_guest_has_a_host_test() {
    let bins = runtimes_dir().join("test-guests/src/bin");
    let mut names: Vec<String> = std::fs::read_dir(&bins)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut declared: Vec<String> = ALL.iter().map(|g| g.0.to_owned()).collect();
    declared.sort();
    assert_eq!(
        names, declared,
        "runtimes/test-guests/src/bin and guests::ALL differ"
    );

    // The engine's tests and runtimed's (which include this file by path) together.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let sources: String = ["engine/tests/all", "runtimed/tests/all"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "guests.rs" && n != "harness.rs")
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for guest in ALL {
        let constant = guest.0.to_ascii_uppercase();
        assert!(
            sources.contains(&format!("guests::{constant}")),
            "guest `{}` has no host test (use guests::{constant} in a test module)",
            guest.0
        );
    }
}
