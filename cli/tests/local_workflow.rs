//! `krt local run -f workflow.yaml` end to end: the real binary, the Workflow engine, the real host
//! engine and the example `greet` component (plus the `spin_forever` test guest), as a user runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod common;

use common::{component, krt, krt_command, temp_file, text};

/// The example Workflow runs its steps in dependency order, passes outputs through expressions,
/// prints each step's output prefixed with its id, then a summary, and exits 0.
#[test]
fn the_example_workflow_runs_and_passes_outputs() {
    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/hello-workflow.yaml",
        "--component",
        &component("greet"),
        "--set",
        "who=you",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("[hello] Hello, you!\n"), "{stdout}");
    assert!(
        stdout.contains("[again] Hello again, you!\n[again] Hello again, kruntimes!\n"),
        "{stdout}"
    );
    assert!(stdout.contains("[shout] HEY, you!\n"), "{stdout}");
    let hello = stdout.find("[hello]").unwrap();
    assert!(hello < stdout.find("[again]").unwrap() && hello < stdout.find("[shout]").unwrap());
    assert!(stdout.contains("phase:    Succeeded\n"), "{stdout}");
    assert!(
        stdout.contains("step:     again  Succeeded  outputs: greeted=you,kruntimes\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("output:   greeted=you,kruntimes\n"),
        "{stdout}"
    );
}

/// `-o json` prints the Workflow with its status: phase, conditions, times, each step's phase, Run
/// name and outputs, and the Workflow's outputs; the steps' output goes to stderr.
#[test]
fn json_output_is_the_workflow_with_its_status() {
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "-f",
        "../examples/hello-workflow.yaml",
        "--component",
        &component("greet"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let wf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = &wf["status"];
    assert_eq!(wf["kind"], "Workflow");
    assert_eq!(status["phase"], "Succeeded");
    assert_eq!(status["stepCount"], 3);
    assert_eq!(status["outputs"]["greeted"], "world,kruntimes");
    assert!(status["startTime"].is_string() && status["completionTime"].is_string());
    let conditions = status["conditions"].as_array().unwrap();
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Completed" && c["status"] == "True")
    );
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Ready" && c["reason"] == "WorkflowValid")
    );
    let steps = status["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for step in steps {
        assert_eq!(step["phase"], "Succeeded", "{step}");
        let run = step["runName"].as_str().unwrap();
        assert!(run.starts_with(&format!("hello-workflow-{}-", step["id"].as_str().unwrap())));
    }
    assert_eq!(steps[0]["outputs"]["greeted"], "world");
    assert!(text(&out.stderr).contains("[hello] Hello, world!"));
}

/// A failing step skips the step that needs it, the independent branch still runs, and the
/// Workflow ends Failed with a non-zero exit status.
#[test]
fn a_failing_step_skips_its_dependents_and_fails_the_workflow() {
    let path = temp_file(
        "failing-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: f}\nspec:\n  steps:\n  \
         - {id: broken, runtime: greet}\n  - {id: after, runtime: greet, needs: [broken], args: [x]}\n  \
         - {id: other, runtime: greet, args: [y]}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "-f",
        &path,
        "--component",
        &component("greet"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[other] Hello, y!"), "{stdout}");
    assert!(!stdout.contains("[after]"), "{stdout}");
    assert!(stdout.contains("phase:    Failed\n"), "{stdout}");
    assert!(
        stdout.contains(
            "step:     after   Skipped    DependencyFailed: needs step \"broken\", which ended Failed (ExitCode)"
        ),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("[broken] usage: greet NAME..."));
}

/// An invalid Workflow is refused before any Run, naming the rule: a cycle shows its path.
#[test]
fn an_invalid_workflow_runs_nothing_and_names_the_cycle() {
    let path = temp_file(
        "cyclic-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: c}\nspec:\n  steps:\n  \
         - {id: a, runtime: greet, needs: [b], args: [x]}\n  - {id: b, runtime: greet, needs: [a], args: [y]}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "-f",
        &path,
        "--component",
        &component("greet"),
    ]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr).contains("spec.steps: dependency cycle: a -> b -> a"),
        "{}",
        text(&out.stderr)
    );
}

/// The Workflow's timeoutSeconds cancels the running step, skips the rest, and fails the Workflow
/// with reason Timeout.
#[test]
fn the_workflow_deadline_stops_a_running_step() {
    let path = temp_file(
        "timeout-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: t}\nspec:\n  timeoutSeconds: 1\n  steps:\n  \
         - {id: spin, runtime: spin}\n  - {id: next, runtime: spin, needs: [spin]}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "-f",
        &path,
        "--component",
        &component("spin_forever"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let wf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = &wf["status"];
    assert_eq!(status["phase"], "Failed");
    let completed = status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Completed")
        .unwrap();
    assert_eq!(completed["reason"], "Timeout");
    assert_eq!(status["steps"][0]["phase"], "Cancelled");
    assert_eq!(status["steps"][1]["phase"], "Skipped");
    assert_eq!(status["steps"][1]["reason"], "Timeout");
}

/// A Workflow manifest read from stdin (`-f -`) runs like a file: the kind is read once and kept.
#[test]
fn a_workflow_runs_from_stdin() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = krt_command()
        .args([
            "local",
            "run",
            "-q",
            "-f",
            "-",
            "--component",
            &component("greet"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: s}\nspec:\n  steps: [{id: only, runtime: greet, args: [stdin]}]\n",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().next(),
        Some("[only] Hello, stdin!"),
        "-q prints the steps' output only"
    );
}

/// `krt validate` applies the expression rules to Workflows, naming the field and the expression.
#[test]
fn validate_reports_expression_errors() {
    let path = temp_file(
        "bad-expression-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: e}\nspec:\n  steps:\n  \
         - {id: a, runtime: greet, args: [x]}\n  - {id: b, runtime: greet, args: [\"${{ steps.a.outputs.k }}\"]}\n",
    );
    let out = krt(&["validate", "-f", &path]);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains(
            "spec.steps[1].args[0]: ${{ steps.a.outputs.k }}: step \"b\" does not need step \"a\""
        ),
        "{}",
        text(&out.stdout)
    );
}

/// A step nothing can execute yet (a git source) is refused with the Workflow, as admission refuses it on a
/// cluster, before any step runs: not admitted and then failed at its start.
#[test]
fn a_step_nothing_can_execute_is_refused_before_any_step_runs() {
    let path = temp_file(
        "git-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: g}\nspec:\n  steps:\n  \
         - {id: fine, runtime: greet, args: [z]}\n  \
         - {id: git, runtime: greet, source: {repoURL: \"https://example.com/r.git\"}}\n",
    );
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "-f",
        &path,
        "--component",
        &component("greet"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "spec.steps[1].source: repoURL (git sources) is not supported yet; use inline"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// A Workflow with a custom-runtime step and a `bash` step: a bare `--component` is refused as ambiguous (it once
/// ran the bash step on greet.wasm and reported Succeeded); `--component greet=FILE` serves only `greet`, and the
/// bash step runs on the built-in bash runtime.
#[test]
fn a_component_serves_only_the_runtime_it_is_named_for() {
    let manifest = temp_file(
        "mixed-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: mixed}\nspec:\n  steps:\n    \
         - {id: greet, runtime: greet, args: [you]}\n    \
         - {id: count, runtime: bash, args: ['echo bash says $((6 * 7))']}\n",
    );
    let greet = component("greet");
    let bare = krt(&["local", "run", "-f", &manifest, "--component", &greet]);
    assert_eq!(bare.status.code(), Some(1));
    let stderr = text(&bare.stderr);
    assert!(
        stderr.contains("ambiguous") && stderr.contains("(bash, greet)"),
        "{stderr}"
    );
    assert!(
        bare.stdout.is_empty(),
        "nothing ran: {}",
        text(&bare.stdout)
    );

    let named = format!("greet={greet}");
    let out = krt(&[
        "local",
        "run",
        "-f",
        &manifest,
        "--component",
        &named,
        "--builtins",
        &common::builtins(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("[greet] Hello, you!\n"), "{stdout}");
    assert!(stdout.contains("[count] bash says 42\n"), "{stdout}");

    // A component for a runtime no step uses is a mistake, not ignored.
    let unused = format!("python={greet}");
    let out = krt(&[
        "local",
        "run",
        "-f",
        &manifest,
        "--component",
        &named,
        "--component",
        &unused,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing here runs on runtime \"python\""),
        "{}",
        text(&out.stderr)
    );
}

/// `krt validate --set` checks a Workflow with a required input as it will run: invalid without the value, valid
/// with it; `--set` for a file without a Workflow is a mistake.
#[test]
fn validate_takes_the_inputs_a_workflow_requires() {
    let manifest = temp_file(
        "required-input.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: req}\nspec:\n  inputs:\n    \
         - {name: who, required: true}\n  steps:\n    - {id: a, runtime: bash, args: ['echo ${{ inputs.who }}']}\n",
    );
    let out = krt(&["validate", "-f", &manifest]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("spec.arguments.who: is required and has no value"),
        "{}",
        text(&out.stdout)
    );
    let out = krt(&["validate", "-f", &manifest, "--set", "who=you"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("Workflow/req is valid"));
    let out = krt(&[
        "validate",
        "-f",
        "../examples/hello-bash.yaml",
        "--set",
        "who=you",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("holds no Workflow"),
        "{}",
        text(&out.stderr)
    );
}

/// `--artifacts-dir DIR` puts each step's files in `DIR/<step>/` under their own names.
#[test]
fn artifacts_dir_holds_each_steps_files_by_step() {
    let path = temp_file(
        "artifacts-workflow.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: art}\nspec:\n  steps:\n  \
         - {id: one, runtime: bash, args: ['echo 1 > $KRUNTIME_ARTIFACTS_DIR/report.txt']}\n  \
         - {id: two, runtime: bash, args: ['echo 2 > $KRUNTIME_ARTIFACTS_DIR/report.txt'], needs: [one]}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = krt_command()
        .args(["local", "run", "-q", "-f", &path, "--artifacts-dir"])
        .arg(dir.path())
        .env("KRUNTIMES_BUILTINS", common::builtins())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (step, content) in [("one", "1\n"), ("two", "2\n")] {
        let file = dir.path().join(step).join("report.txt");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), content, "{file:?}");
    }
}
