//! Golden tests of what `krt get` and `krt describe` print. `KRUNTIMES_UPDATE_GOLDEN=1 cargo test -p krt`
//! rewrites the files in `cli/tests/golden/`; review the diff.

use std::path::PathBuf;

use serde_json::json;

use super::*;

const NOW: &str = "2026-01-01T01:00:00Z";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("KRUNTIMES_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with KRUNTIMES_UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs (KRUNTIMES_UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

fn runs() -> Vec<Run> {
    let ok: Run = serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
        "metadata": {"name": "run-ok", "namespace": "team-a", "uid": "u1",
                     "creationTimestamp": "2026-01-01T00:58:30Z",
                     "managedFields": [{"manager": "krt", "operation": "Update"}]},
        "spec": {"runtime": "bash", "args": ["echo hi"], "timeoutSeconds": 30,
                 "retryPolicy": {"maxAttempts": 3, "backoffSeconds": 2},
                 "env": [{"name": "MODE", "value": "fast"}]},
        "status": {"phase": "Succeeded", "reason": "Succeeded", "attempt": 1, "exitCode": 0,
                   "assignedPod": "runtime-bash-6d9f-abcde",
                   "startTime": "2026-01-01T00:58:31Z", "completionTime": "2026-01-01T00:58:33Z",
                   "outputs": {"greeting": "hi"},
                   "usage": {"wallMillis": 2000, "peakMemoryBytes": 1048576},
                   "conditions": [{"type": "Running", "status": "False", "reason": "Finished",
                                   "message": "", "lastTransitionTime": "2026-01-01T00:58:33Z"}]}
    }))
    .unwrap();
    let failed: Run = serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
        "metadata": {"name": "run-failed-with-a-longer-name", "namespace": "team-a",
                     "creationTimestamp": "2025-12-31T20:00:00Z"},
        "spec": {"runtime": "python"},
        "status": {"phase": "Failed", "reason": "ExitCode", "attempt": 2, "exitCode": 1,
                   "message": "exit code 1\nTraceback (most recent call last): a very long line that goes on and on",
                   "startTime": "2025-12-31T20:00:01Z", "completionTime": "2025-12-31T20:03:41Z"}
    }))
    .unwrap();
    let pending: Run = serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
        "metadata": {"name": "run-new", "namespace": "team-b", "creationTimestamp": "2026-01-01T00:59:55Z"},
        "spec": {"runtime": "bash"}
    }))
    .unwrap();
    vec![ok, failed, pending]
}

fn workflow() -> Workflow {
    serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "nightly", "namespace": "team-a", "uid": "w1",
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"steps": [
            {"id": "build", "runtime": "bash"},
            {"id": "test", "needs": ["build"], "runtime": "bash"},
            {"id": "deploy", "needs": ["test"], "runtime": "bash"}]},
        "status": {"phase": "Failed", "message": "step test failed (ExitCode)",
                   "startTime": "2026-01-01T00:00:01Z", "completionTime": "2026-01-01T00:02:01Z",
                   "steps": [
                       {"id": "build", "phase": "Succeeded", "runName": "nightly-build-1a2b3c4d5e",
                        "reason": "Succeeded", "outputs": {"tag": "v1"}},
                       {"id": "test", "phase": "Failed", "runName": "nightly-test-0f9e8d7c6b",
                        "reason": "ExitCode", "message": "exit code 1"},
                       {"id": "deploy", "phase": "Skipped", "reason": "DependencyFailed",
                        "message": "needs step \"test\", which ended Failed (ExitCode)"}]}
    }))
    .unwrap()
}

fn runtime() -> Runtime {
    serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Runtime",
        "metadata": {"name": "bash", "namespace": "team-a", "creationTimestamp": "2025-12-20T00:00:00Z"},
        "spec": {"component": {"builtin": "bash"}, "replicas": 3,
                 "capacity": {"resources": {"runs": "8", "memory": "2Gi"}},
                 "capabilities": {"network": ["pypi.org:443", "10.0.0.0/8:*"],
                                  "mounts": [{"path": "/mnt/ref", "guestPath": "/reference"}]}},
        "status": {"replicas": 3, "readyReplicas": 2,
                   "component": {"source": "builtin:bash",
                                 "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                 "imports": ["wasi:cli/environment@0.2.6", "kruntimes:runtime/spawn@0.1.0"],
                                 "notes": ["imports kruntimes:runtime/spawn, but the Runtime maps no programs"]},
                   "conditions": [{"type": "Ready", "status": "False", "reason": "ReplicasNotReady",
                                   "message": "2 of 3 pods ready",
                                   "lastTransitionTime": "2026-01-01T00:30:00Z"}]}
    }))
    .unwrap()
}

fn event(note: &str) -> Event {
    serde_json::from_value(json!({
        "metadata": {"name": "e1", "namespace": "team-a"},
        "eventTime": "2026-01-01T00:58:33.000000Z",
        "type": "Warning", "reason": "AttemptFailed", "reportingController": "runtimed",
        "reportingInstance": "runtime-bash-6d9f-abcde", "action": "Execute", "note": note,
        "regarding": {"kind": "Run", "name": "run-ok", "uid": "u1"}
    }))
    .unwrap()
}

#[test]
fn runs_as_tables() {
    let runs = runs();
    golden(
        "runs.txt",
        &render(&runs, ListFormat::Table, false, false, now()).unwrap(),
    );
    golden(
        "runs-wide-all-namespaces.txt",
        &render(&runs, ListFormat::Wide, false, true, now()).unwrap(),
    );
}

#[test]
fn runtimes_and_workflows_as_tables() {
    golden(
        "runtimes-wide.txt",
        &render(&[runtime()], ListFormat::Wide, false, false, now()).unwrap(),
    );
    golden(
        "workflows.txt",
        &render(&[workflow()], ListFormat::Table, false, false, now()).unwrap(),
    );
}

/// One object prints as itself, several as a `List`; managedFields are dropped; `-o name` is qualified.
#[test]
fn objects_as_json_yaml_and_names() {
    let runs = runs();
    let one: serde_json::Value =
        serde_json::from_str(&render(&runs[..1], ListFormat::Json, true, false, now()).unwrap())
            .unwrap();
    assert_eq!(one["kind"], "Run");
    assert_eq!(one["metadata"]["name"], "run-ok");
    assert!(one["metadata"].get("managedFields").is_none());
    let list: serde_json::Value =
        serde_yaml::from_str(&render(&runs, ListFormat::Yaml, false, false, now()).unwrap())
            .unwrap();
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_eq!(list["items"][1]["status"]["reason"], "ExitCode");
    assert_eq!(
        render(&runs, ListFormat::Name, false, false, now()).unwrap(),
        "run.kruntimes.io/run-ok\nrun.kruntimes.io/run-failed-with-a-longer-name\nrun.kruntimes.io/run-new\n"
    );
}

#[test]
fn describe_texts() {
    golden(
        "describe-run.txt",
        &describe_run(
            &runs()[0],
            &[event("attempt 1 failed: exit code 1; retrying")],
            now(),
        ),
    );
    golden(
        "describe-run-pending.txt",
        &describe_run(&runs()[2], &[], now()),
    );
    golden(
        "describe-workflow.txt",
        &describe_workflow(&workflow(), &[], now()),
    );
    golden(
        "describe-runtime.txt",
        &describe_runtime(&runtime(), &[], now()),
    );
}

/// A Run whose message, output and artifact name carry escape sequences and carriage returns is described with them
/// escaped: nothing a guest wrote reaches the terminal as a control character.
#[test]
fn describe_escapes_guest_control_characters() {
    let mut run = runs()[0].clone();
    let status = run.status.get_or_insert_with(Default::default);
    status.message = Some("exit 1\n\u{1b}[2K\rPhase: Succeeded".to_owned());
    status
        .outputs
        .insert("k".to_owned(), "\u{1b}]0;owned\u{7}".to_owned());
    let text = describe_run(&run, &[event("note \u{1b}[31mred")], now());
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}[2K\\rPhase: Succeeded"), "{text}");
    assert!(text.contains("k=\\u{1b}]0;owned\\u{7}"), "{text}");
    assert!(text.contains("\\u{1b}[31mred"), "{text}");
}

/// kubectl's age buckets.
#[test]
fn ages_read_like_kubectl() {
    let cases = [
        (-5, "<invalid>"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (200, "3m20s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600 + 120, "3h2m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (3 * 86400 + 5 * 3600, "3d5h"),
        (30 * 86400, "30d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(human(seconds), expected, "{seconds}s");
    }
}
