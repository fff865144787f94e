//! Helpers shared by the `krt` end-to-end tests: the real binary, built components and output text.

#![allow(
    dead_code,
    reason = "each test binary includes this module and uses only some of it"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Writes `text` to the file `name` in this test binary's temporary directory and returns its path.
pub(crate) fn temp_file(name: &str, text: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Path of a component built by `cargo xtask build-guests` (`greet`, or a test guest).
pub(crate) fn component(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtimes/target/wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build-guests`",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// Path of an example custom runtime built by `cargo xtask build-guests` into the built-in runtime layout
/// (`runtimes/target/examples/<name>/component.wasm`).
pub(crate) fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtimes/target/examples")
        .join(name)
        .join("component.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build-guests`",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// The built-in runtimes directory written by `cargo xtask build-guests`.
pub(crate) fn builtins() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins");
    assert!(
        dir.join("python/component.wasm").exists(),
        "{} is missing: run `cargo xtask build-guests`",
        dir.display()
    );
    dir.to_string_lossy().into_owned()
}

/// `krt` with its component cache in the test target directory (compiled components are reused).
pub(crate) fn krt_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_krt"));
    command.env(
        "XDG_CACHE_HOME",
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("krt-cache"),
    );
    command
}

/// Runs `krt args...` to completion.
pub(crate) fn krt(args: &[&str]) -> Output {
    krt_command().args(args).output().unwrap()
}

/// Output bytes as text.
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
