//! `krt local run --runtime-file`: a Runtime manifest's limits and capabilities apply to a local Run, with the
//! real binary, engine and components.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod common;

use common::{builtins, component, krt, temp_file, text};

/// The example Runtime's limits are the Run's grants (memory, timeout, output bytes), reported in its status.
#[test]
fn the_example_runtime_limits_become_the_run_grants() {
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "-f",
        "../examples/hello-wasm.yaml",
        "--runtime-file",
        "../examples/custom-runtimes.yaml",
        "--component",
        &component("greet"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["phase"], "Succeeded");
    let grants = &run["status"]["grants"];
    assert_eq!(grants["memoryBytes"], 32 << 20, "{grants}");
    assert_eq!(
        grants["timeoutSeconds"], 10,
        "the Run's own timeout, within 60"
    );
    assert_eq!(grants["outputBytes"], 65536, "{grants}");
    assert_eq!(grants["network"], serde_json::json!(null), "{grants}");
}

/// A Runtime's network rule and read-only mount reach the guest; a Run asking for more time than the Runtime's
/// maxTimeoutSeconds is refused naming the limit.
#[test]
fn capabilities_and_max_timeout_of_a_runtime_file_apply() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("table.txt"), "42\n").unwrap();
    let runtimes = temp_file(
        "caps-runtimes.yaml",
        &format!(
            "apiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {{name: sh}}\nspec:\n  \
             component: {{builtin: bash}}\n  limits: {{maxTimeoutSeconds: 5}}\n  capabilities:\n    \
             network: ['127.0.0.1:9']\n    mounts: [{{path: '{}', guestPath: /reference}}]\n",
            data.path().display()
        ),
    );
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "--builtins",
        &builtins(),
        "--runtime-file",
        &runtimes,
        "--runtime",
        "sh",
        "--",
        "-c",
        "cat /reference/table.txt",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("42\n"), "{stderr}");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let grants = &run["status"]["grants"];
    assert_eq!(
        grants["network"],
        serde_json::json!(["127.0.0.1:9"]),
        "{grants}"
    );
    assert_eq!(grants["timeoutSeconds"], 5, "{grants}");
    let preopens = grants["preopens"].to_string();
    assert!(preopens.contains("/reference"), "{preopens}");

    let run = temp_file(
        "long-run.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: l}\nspec: {runtime: sh, timeoutSeconds: 60}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "-f",
        &run,
        "--builtins",
        &builtins(),
        "--runtime-file",
        &runtimes,
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("timeoutSeconds 60 exceeds the Runtime's limit of 5"),
        "{stderr}"
    );
}

/// A Runtime file holding anything but valid Runtimes is refused, naming the object or the field; a Runtime
/// whose component must be downloaded asks for --component.
#[test]
fn bad_runtime_files_are_refused_by_name() {
    let run = temp_file(
        "not-runtime.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: r}\nspec: {runtime: x}\n",
    );
    let out = krt(&["local", "run", "--runtime-file", &run, "--runtime", "x"]);
    assert!(
        text(&out.stderr).contains("is not a Runtime"),
        "{}",
        text(&out.stderr)
    );

    let wildcard = temp_file(
        "wildcard-runtime.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {name: w}\nspec:\n  \
         component: {builtin: bash}\n  capabilities: {network: ['*.example.com:443']}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "--runtime-file",
        &wildcard,
        "--runtime",
        "w",
    ]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("spec.capabilities.network[0]") && stderr.contains("no wildcard names"),
        "{stderr}"
    );

    let remote = temp_file(
        "url-runtime.yaml",
        &format!(
            "apiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {{name: remote}}\nspec:\n  \
             component: {{url: 'https://example.com/t.wasm', sha256: '{}'}}\n",
            "ab".repeat(32)
        ),
    );
    let out = krt(&[
        "local",
        "run",
        "--builtins",
        &builtins(),
        "--runtime-file",
        &remote,
        "--runtime",
        "remote",
    ]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("downloaded from https://example.com/t.wasm")
            && stderr.contains("--component remote=FILE.wasm"),
        "{stderr}"
    );
}

/// The custom Python runtime of the example Runtime file runs locally from its built-in layout: the layout's
/// standard library stands in for the Runtime's /python mount, and the Runtime's limits apply. The file is
/// valid for `krt validate`.
#[test]
fn the_example_python_runtime_runs_from_the_runtime_file() {
    let out = krt(&["validate", "-f", "../examples/custom-runtimes.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "--builtins",
        "../runtimes/target/examples",
        "--runtime-file",
        "../examples/custom-runtimes.yaml",
        "--runtime",
        "python-dateutil",
        "--script",
        "../runtimes/examples/python-dateutil/next_friday.py",
        "--",
        "2026-11-22",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2026-11-27\n"), "{stderr}");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let grants = &run["status"]["grants"];
    assert_eq!(grants["memoryBytes"], 256 << 20, "{grants}");
    let preopens = grants["preopens"].to_string();
    assert_eq!(preopens.matches("\"/python\"").count(), 1, "{preopens}");
}

/// The JavaScript example Runtime runs its example Run locally from the built layout, under the Runtime's
/// memory limit.
#[test]
fn the_example_javascript_runtime_runs_from_the_runtime_file() {
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "-f",
        "../examples/hello-js.yaml",
        "--builtins",
        "../runtimes/target/examples",
        "--runtime-file",
        "../examples/custom-runtimes.yaml",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["phase"], "Succeeded", "{stderr}");
    assert_eq!(run["status"]["outputs"]["words"], "9", "{run}");
    assert_eq!(run["status"]["grants"]["memoryBytes"], 64 << 20);
}
