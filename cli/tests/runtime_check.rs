//! `krt runtime check` on real components, and the same check refusing a component when it is loaded.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use common::{builtins, component, krt, text};

/// A wasi:cli/command importing only WASI passes, with its digest, exports and imports listed.
#[test]
fn a_command_component_passes() {
    let greet = component("greet");
    let out = krt(&["runtime", "check", &greet]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("result:    runtimed can run it"),
        "{stdout}"
    );
    assert!(stdout.contains("exports:   wasi:cli/run@0.2."), "{stdout}");
    assert!(stdout.contains("  wasi:cli/environment@0.2."), "{stdout}");
    let expected = {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(std::fs::read(&greet).unwrap());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert!(
        stdout.contains(&format!("sha256:    {expected}")),
        "{stdout}"
    );
}

/// A component that imports wasi:sockets passes with a note when the Runtime grants no network, and without
/// it when the Runtime's manifest grants some; the JSON report says the same.
#[test]
fn sockets_without_network_are_a_note_not_a_refusal() {
    let connect = component("connect");
    let out = krt(&["runtime", "check", &connect, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let notes = report["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].as_str().unwrap().contains("grants no network"),
        "{notes:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("runtime.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {name: net}\nspec:\n  \
         component: {url: \"https://example.com/connect.wasm\", sha256: \
         \"0000000000000000000000000000000000000000000000000000000000000000\"}\n  \
         capabilities: {network: [\"example.com:443\"]}\n",
    )
    .unwrap();
    let out = krt(&[
        "runtime",
        "check",
        &connect,
        "-f",
        &manifest.to_string_lossy(),
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["notes"].as_array().unwrap().len(), 0, "{report}");
}

/// The built-in runtimes pass the check they are loaded with.
#[test]
fn the_builtin_runtimes_pass() {
    for name in ["bash", "python"] {
        let path = format!("{}/{name}/component.wasm", builtins());
        let out = krt(&["runtime", "check", &path]);
        assert!(
            out.status.success(),
            "{name}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

/// A core module is refused by `krt runtime check` and by the host when it is loaded, saying what it is.
#[test]
fn a_core_module_is_refused_before_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]).unwrap();
    let core = core.to_string_lossy().into_owned();
    let out = krt(&["runtime", "check", &core]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("refused:   a core WebAssembly module, not a component"),
        "{}",
        text(&out.stdout)
    );
    let out = krt(&["local", "run", "--runtime", "mine", "--component", &core]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("runtime \"mine\": the component cannot run here: a core WebAssembly module"),
        "{}",
        text(&out.stderr)
    );
}
