//! `krt local run` end to end: the real binary, the real engine and real components
//! (`runtimes/examples/greet` and the test guests), as a user runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::path::PathBuf;

use common::{builtins, component, example, krt, krt_command, text};

/// The example manifest runs, streams the guest's stdout, and reports phase, outputs and grants.
#[test]
fn a_manifest_runs_and_reports_its_status() {
    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/hello-wasm.yaml",
        "--component",
        &component("greet"),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Hello, world!\nHello, kruntimes!\n"),
        "{stdout}"
    );
    assert!(stderr.contains("phase:    Succeeded"), "{stderr}");
    assert!(
        stderr.contains("output:   greeted=world,kruntimes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("preopens /workspace (rw, the working directory);"),
        "{stderr}"
    );
}

/// `-o json` prints the Run with the status a cluster would hold, guest output on stderr.
#[test]
fn json_output_is_the_run_with_its_status() {
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "--runtime",
        "greet",
        "--component",
        &component("greet"),
        "--env",
        "GREETING=Hi",
        "--",
        "you",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["kind"], "Run");
    assert_eq!(run["status"]["phase"], "Succeeded");
    assert_eq!(run["status"]["reason"], "Succeeded");
    assert_eq!(run["status"]["outputs"]["greeted"], "you");
    let env = run["status"]["grants"]["env"].as_array().unwrap();
    assert!(env.iter().any(|e| e == "GREETING"), "{env:?}");
    assert_eq!(run["status"]["conditions"][0]["type"], "Completed");
    assert!(text(&out.stderr).contains("Hi, you!"));
}

/// `-q` behaves like a process: only the guest's output, and its exit status.
#[test]
fn quiet_mode_passes_the_guest_exit_status_through() {
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--runtime",
        "greet",
        "--component",
        &component("greet"),
    ]);
    assert_eq!(out.status.code(), Some(1), "a failing guest exits non-zero");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "usage: greet NAME...\n");
}

/// A Run past its deadline ends Timeout; with `-q` the exit status is 124 like timeout(1).
#[test]
fn a_timeout_exits_124_in_quiet_mode() {
    let manifest = "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: t}\nspec: {runtime: spin, timeoutSeconds: 1}\n";
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("timeout-run.yaml");
    std::fs::write(&path, manifest).unwrap();
    let path = path.to_string_lossy().into_owned();
    let out = krt(&[
        "local",
        "run",
        "-q",
        "-f",
        &path,
        "--component",
        &component("spin_forever"),
    ]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));
    let out = krt(&[
        "local",
        "run",
        "-f",
        &path,
        "--component",
        &component("spin_forever"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("phase:    Timeout"),
        "{}",
        text(&out.stderr)
    );
}

/// Bad input is refused before anything runs, naming the field and the rule.
#[test]
fn invalid_runs_are_refused_naming_the_field() {
    let out = krt(&[
        "local",
        "run",
        "--runtime",
        "Not_A_Name",
        "--component",
        &component("greet"),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("spec.runtime"),
        "{}",
        text(&out.stderr)
    );
    let out = krt(&[
        "local",
        "run",
        "--runtime",
        "greet",
        "--env",
        "KRUNTIME_OUTPUTS=/etc/passwd",
        "--component",
        &component("greet"),
    ]);
    assert!(
        text(&out.stderr).contains("spec.env[0].name") && text(&out.stderr).contains("reserved"),
        "{}",
        text(&out.stderr)
    );
}

/// The built-in bash runtime runs the example report script with no --component: a script with an argument,
/// tools (sort, head, cut, awk, jq) as children, and an output in the summary.
#[test]
fn bash_example_runs_with_its_tools() {
    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/bash-report.yaml",
        "--builtins",
        &builtins(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        "project kruntimes: top=beta total=22\n{\"top\":\"beta\",\"total\":22}\n"
    );
    assert!(stderr.contains("output:   top=beta"), "{stderr}");
    assert!(stderr.contains("/usr (ro)"), "{stderr}");
}

/// The built-in python runtime runs the seed-style example with no --component: inline source as the
/// entrypoint, args, env and an output; the grants show the read-only stdlib mount.
#[test]
fn the_python_example_runs_on_the_builtin_runtime() {
    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/hello-python.yaml",
        "--builtins",
        &builtins(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout, "Hello, world!\n");
    assert!(stderr.contains("output:   greeted=world"), "{stderr}");
    assert!(stderr.contains("/python (ro)"), "{stderr}");
}

/// `--script` and `-- args`, with the built-ins directory from $KRUNTIMES_BUILTINS; `-q` passes the
/// script's exit code through.
#[test]
fn python_script_flags_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("job.py");
    std::fs::write(
        &script,
        "import sys\nprint('args', sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n",
    )
    .unwrap();
    let out = krt_command()
        .args(["local", "run", "-q", "--runtime", "python", "--script"])
        .arg(&script)
        .args(["--", "7", "x"])
        .env("KRUNTIMES_BUILTINS", builtins())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "args ['7', 'x']\n");
}

/// A runtime that is neither built in nor given with --component is refused with the known names.
#[test]
fn unknown_runtime_names_the_builtins() {
    let out = krt(&[
        "local",
        "run",
        "--runtime",
        "ruby",
        "--builtins",
        &builtins(),
        "--",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("runtime \"ruby\" is not a built-in runtime in")
            && stderr.contains("(built-in: bash, python)"),
        "{stderr}"
    );
}

/// Files and directories a Run leaves in `$KRUNTIME_ARTIFACTS_DIR` are stored in the local store and reported
/// in `status.artifactRefs` with their digest, size and media type; a directory becomes a tar.gz. Breaking a
/// limit fails an otherwise successful Run with `ArtifactInvalid` and a message naming the limit.
#[test]
fn artifacts_are_stored_and_reported() {
    let store = tempfile::tempdir().unwrap();
    let dir = store.path().to_string_lossy().into_owned();
    let script = "echo '{\"ok\":true}' > \"$KRUNTIME_ARTIFACTS_DIR/report.json\"; \
                  mkdir -p \"$KRUNTIME_ARTIFACTS_DIR/logs\"; echo one > \"$KRUNTIME_ARTIFACTS_DIR/logs/a.txt\"";
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "--builtins",
        &builtins(),
        "--artifacts-dir",
        &dir,
        "--runtime",
        "bash",
        "--",
        script,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refs = run["status"]["artifactRefs"].as_array().unwrap();
    let names: Vec<&str> = refs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["logs", "report.json"]);
    let report = &refs[1];
    let content = b"{\"ok\":true}\n";
    assert_eq!(report["sizeBytes"], content.len());
    assert_eq!(report["mediaType"], "application/json");
    let digest = {
        use sha2::Digest as _;
        format!("{:x}", sha2::Sha256::digest(content))
    };
    assert_eq!(report["sha256"], digest);
    // The URI points into the store, and the stored bytes are the file's.
    let uri = report["uri"].as_str().unwrap();
    let path = uri.strip_prefix("file://").expect("a file:// URI");
    // --artifacts-dir is an output directory: the files are there under their own names.
    assert_eq!(
        std::path::Path::new(path),
        std::fs::canonicalize(&dir).unwrap().join("report.json"),
        "{uri}"
    );
    assert_eq!(std::fs::read(path).unwrap(), content);
    assert_eq!(refs[0]["mediaType"], "application/gzip");

    let too_many = "for i in $(seq 1 33); do echo $i > \"$KRUNTIME_ARTIFACTS_DIR/f$i\"; done";
    let out = krt(&[
        "local",
        "run",
        "-o",
        "json",
        "--builtins",
        &builtins(),
        "--artifacts-dir",
        &dir,
        "--runtime",
        "bash",
        "--",
        too_many,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["phase"], "Failed");
    assert_eq!(run["status"]["reason"], "ArtifactInvalid");
    let message = run["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("artifacts: ") && message.contains("32"),
        "{message}"
    );
    assert!(run["status"]["artifactRefs"].is_null(), "nothing stored");

    // A Run without artifacts does not even create the store.
    let unused = store.path().join("unused");
    let unused_arg = unused.to_string_lossy().into_owned();
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--artifacts-dir",
        &unused_arg,
        "--runtime",
        "greet",
        "--component",
        &component("greet"),
        "--",
        "you",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!unused.exists());
}

/// The JavaScript example runtime (`runtimes/examples/js-wordcount`, componentize-js) runs the example
/// manifest: it counts its inline source in `/workspace`, prints the counts and reports them as outputs.
#[test]
fn the_js_example_manifest_counts_its_source() {
    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/hello-js.yaml",
        "--component",
        &example("js-wordcount"),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout, "2 9 62 hello.txt\n");
    assert!(stderr.contains("phase:    Succeeded"), "{stderr}");
    assert!(stderr.contains("output:   words=9"), "{stderr}");
    assert!(stderr.contains("output:   lines=2"), "{stderr}");
}

/// The JavaScript example with `--script` and arguments: the Run's status holds its outputs; a missing file
/// fails the Run with exit code 1 and the message on stderr; no file is a usage error, exit code 2.
#[test]
fn the_js_example_reports_outputs_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("words.txt");
    std::fs::write(&script, "one two  three\nfour\n").unwrap();
    let js_run = |quiet_or_json: &[&str], args: &[&str]| {
        krt_command()
            .args(["local", "run"])
            .args(quiet_or_json)
            .args(["--runtime", "js-wordcount", "--component"])
            .arg(example("js-wordcount"))
            .arg("--script")
            .arg(&script)
            .arg("--")
            .args(args)
            .output()
            .unwrap()
    };

    // argv is [js-wordcount, words.txt, words.txt]: --script keeps the file's name; the file twice, then the total.
    let out = js_run(&["-o", "json"], &["words.txt"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["phase"], "Succeeded");
    assert_eq!(run["status"]["exitCode"], 0);
    assert_eq!(run["status"]["outputs"]["words"], "8");
    assert_eq!(run["status"]["outputs"]["lines"], "4");
    assert!(
        text(&out.stderr).contains("2 4 20 words.txt\n2 4 20 words.txt\n4 8 40 total\n"),
        "{}",
        text(&out.stderr)
    );

    let out = js_run(&["-o", "json"], &["missing.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["phase"], "Failed");
    assert_eq!(run["status"]["reason"], "ExitCode");
    assert_eq!(run["status"]["exitCode"], 1);
    assert!(
        run["status"]["outputs"].is_null(),
        "a failed Run has no outputs"
    );
    let message = run["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("wordcount: missing.txt: no-entry"),
        "{message}"
    );

    // -q: the guest's own streams and exit code. Without --script there is no file at all.
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--runtime",
        "js-wordcount",
        "--component",
        &example("js-wordcount"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "usage: wordcount FILE...\n");
}

/// SIGTERM (what CI systems send), SIGHUP (a closed terminal) and SIGINT (Ctrl-C) all cancel a running Run: it
/// reports `Cancelled`, krt exits by itself (not killed by the signal), and the Run's workspace with the guest's
/// file is gone. SIGTERM and SIGHUP used to kill krt on the spot and leave the workspace behind.
#[test]
fn a_signal_cancels_the_run_and_leaves_no_workspace_behind() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let script = common::temp_file(
        "signal.sh",
        "echo secret > guest-file\necho started\nsleep 60\n",
    );
    for signal in ["TERM", "HUP", "INT"] {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("signal-{signal}"));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        let mut child = krt_command()
            .env("TMPDIR", &tmp)
            .args([
                "local",
                "run",
                "--builtins",
                &builtins(),
                "--runtime",
                "bash",
                "--script",
                &script,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, "started\n", "SIG{signal}");
        let guest_files = || {
            walk(&tmp)
                .into_iter()
                .filter(|p| p.ends_with("guest-file"))
                .count()
        };
        assert_eq!(
            guest_files(),
            1,
            "the running Run's workspace is under TMPDIR"
        );

        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "SIG{signal}: {status:?}\n{stderr}");
        assert!(
            stderr.contains("phase:    Cancelled"),
            "SIG{signal}: {stderr}"
        );
        assert_eq!(
            walk(&tmp),
            Vec::<PathBuf>::new(),
            "SIG{signal} left files behind"
        );
    }
}

/// A Run that ends on its own leaves nothing under TMPDIR and all its output on stdout: krt exits without tearing
/// the engine down, but still removes the workspaces and flushes what the guest wrote (a large burst included).
#[test]
fn a_finished_run_leaves_no_workspace_and_loses_no_output() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("finished-run");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = krt_command()
        .env("TMPDIR", &tmp)
        .args([
            "local",
            "run",
            "-q",
            "--builtins",
            &builtins(),
            "--runtime",
            "bash",
            "--",
            "echo x > guest-file; seq 1 20000; printf last",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 20_001, "{}", text(&out.stderr));
    assert!(
        stdout.ends_with("20000\nlast"),
        "{}",
        &stdout[stdout.len() - 20..]
    );
    assert_eq!(walk(&tmp), Vec::<PathBuf>::new(), "left files behind");
}

/// A Run with what nothing executes yet (a Secret reference, a git source) is refused before anything runs, with
/// each field and what to use instead, as the API server refuses it on a cluster.
#[test]
fn a_run_nothing_can_execute_is_refused_with_its_fields() {
    let path = common::temp_file(
        "unsupported-run.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: u}\nspec:\n  runtime: bash\n  \
         env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n  \
         source: {repoURL: \"https://example.com/r.git\"}\n",
    );
    let out = krt(&["local", "run", "--builtins", &builtins(), "-f", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for expected in [
        "spec.env[0]: valueFrom (Secret and ConfigMap references) is not supported yet; use value",
        "spec.source: repoURL (git sources) is not supported yet; use inline",
    ] {
        assert!(stderr.contains(expected), "{stderr}");
    }
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// Every path under `dir` (not following symlinks).
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(next) = todo.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}

/// The summary starts on a line of its own even when the guest's output did not end one, so guest text cannot
/// run into (and pass for part of) krt's first summary line.
#[test]
fn the_summary_starts_on_its_own_line() {
    let out = krt(&[
        "local",
        "run",
        "--builtins",
        &builtins(),
        "--runtime",
        "bash",
        "--",
        "printf 'no newline' >&2",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.starts_with("no newline\n---\nphase:"), "{stderr:?}");
}

/// Words after `--` are a bash command and its arguments, as with `docker run` (ADR 0011): quoted words stay one
/// argument and nothing is expanded twice. A host file given as the program is refused with the flag to use.
#[test]
fn words_after_dashes_are_a_command_and_its_arguments() {
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins(),
        "--runtime",
        "bash",
        "--",
        "printf",
        "[%s]\\n",
        "hello world",
        "$HOME",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "[hello world]\n[$HOME]\n");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job.py"), "print('hi')\n").unwrap();
    let out = krt_command()
        .current_dir(dir.path())
        .args([
            "local",
            "run",
            "--builtins",
            &builtins(),
            "--runtime",
            "python",
            "--",
            "job.py",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("job.py is a file on this machine") && stderr.contains("--script job.py"),
        "{stderr}"
    );
}

/// `krt local run args` with `input` piped to its stdin.
fn krt_with_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = krt_command()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Piped stdin reaches the Run, as `python -` and a shell pipeline read it: bash's `read` takes one line and the
/// command it starts next gets the rest; python reads it whole.
#[test]
fn piped_stdin_is_the_runs_stdin() {
    let builtins = builtins();
    let bash = [
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "--",
        r#"read first; echo "got $first"; cat"#,
    ];
    let out = krt_with_stdin(&bash, "a\nb\nc\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "got a\nb\nc\n");

    let python = [
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins,
        "--runtime",
        "python",
        "--",
        "-c",
        "import sys; print(sys.stdin.read().upper(), end='')",
    ];
    let out = krt_with_stdin(&python, "hello\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "HELLO\n");
}

/// `-f -` reads the manifest from stdin once, for a Run and for a Workflow alike (the kind is known only after
/// reading it).
#[test]
fn a_manifest_on_stdin_is_read_once_whatever_its_kind() {
    let builtins = builtins();
    let run = "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: piped}\nspec:\n  runtime: bash\n  \
               args: ['echo from-stdin']\n";
    let out = krt_with_stdin(
        &["local", "run", "-q", "--builtins", &builtins, "-f", "-"],
        run,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "from-stdin\n");

    let workflow = "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: piped}\nspec:\n  \
                    inputs: [{name: who}]\n  steps:\n  - id: hi\n    runtime: bash\n    \
                    args: ['echo hi ${{ inputs.who }}']\n";
    let out = krt_with_stdin(
        &[
            "local",
            "run",
            "--builtins",
            &builtins,
            "-f",
            "-",
            "--set",
            "who=stdin",
        ],
        workflow,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("[hi] hi stdin"),
        "{}",
        text(&out.stdout)
    );
}

/// Locally the guest's streams pass straight through: stdout and stderr keep their relative order (one pipe for
/// both, as `2>&1` gives), more than a cluster Run's 1 MiB arrives whole, and `--max-output` cuts a stream with a
/// marker line of its own and a note in the summary.
#[test]
fn output_passes_through_in_order_and_unlimited() {
    let builtins = builtins();
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = krt_command()
        .args([
            "local",
            "run",
            "-q",
            "--builtins",
            &builtins,
            "--runtime",
            "bash",
            "--",
        ])
        .arg("for i in 1 2 3; do echo o$i; echo e$i >&2; done")
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let mut both = String::new();
    std::io::Read::read_to_string(&mut { reader }, &mut both).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(both, "o1\ne1\no2\ne2\no3\ne3\n");

    // 2.7 MB, over twice the cluster default, with no marker.
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "--",
        "seq 1 400000",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout.len(), 2_688_895);
    assert!(text(&out.stdout).ends_with("\n400000\n"));
    assert!(!text(&out.stderr).contains("truncated"));

    let out = krt(&[
        "local",
        "run",
        "--max-output",
        "10",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "--",
        "seq 1 100",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "1\n2\n3\n4\n5\n");
    assert!(
        stderr.starts_with("[kruntimes: stdout truncated after 10 bytes; 282 bytes dropped]\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "note:     stdout was cut at its limit (10 of 292 bytes shown; --max-output sets it)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("phase:    Succeeded (exit code 0)\n"),
        "{stderr}"
    );
    assert!(stderr.contains("output 0 KiB per stream"), "{stderr}");

    let out = krt(&[
        "local",
        "run",
        "--max-output",
        "lots",
        "--runtime",
        "bash",
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--max-output \"lots\": expected bytes"),
        "{}",
        text(&out.stderr)
    );
}

/// `-q` prints the guest's output only, but a failure that is not the guest's own exit status still says why.
#[test]
fn quiet_mode_still_names_a_platform_failure() {
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins(),
        "--runtime",
        "bash",
        "--",
        "echo not-json > $KRUNTIME_OUTPUTS",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("krt: the Run ended Failed (OutputsInvalid): "),
        "{stderr}"
    );
    // The guest's own failure stays the guest's: no line of ours.
    let out = krt(&[
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins(),
        "--runtime",
        "bash",
        "--",
        "exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// The first run of a component says on stderr that it is compiled and where it is kept; the next one, reading
/// the kept artefact, says nothing; `-q` never does.
#[test]
fn a_first_run_says_what_it_compiles_and_where_it_is_kept() {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_string_lossy().into_owned();
    let greet = component("greet");
    let run = |extra: &[&str]| {
        krt(&[
            &[
                "local",
                "run",
                "--cache-dir",
                &cache_dir,
                "--runtime",
                "greet",
                "--component",
                &greet,
            ][..],
            extra,
            &["--", "you"],
        ]
        .concat())
    };
    let quiet = run(&["-q"]);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));

    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_string_lossy().into_owned();
    let first = krt(&[
        "local",
        "run",
        "--cache-dir",
        &cache_dir,
        "--runtime",
        "greet",
        "--component",
        &greet,
        "--",
        "you",
    ]);
    let stderr = text(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("krt: compiling a ")
            && stderr.contains(&format!("it is kept in {cache_dir}\n")),
        "{stderr}"
    );
    assert!(stderr.contains("krt: compiled in "), "{stderr}");
    let second = krt(&[
        "local",
        "run",
        "--cache-dir",
        &cache_dir,
        "--runtime",
        "greet",
        "--component",
        &greet,
        "--",
        "you",
    ]);
    assert!(second.status.success());
    assert!(
        !text(&second.stderr).contains("compil"),
        "{}",
        text(&second.stderr)
    );
}

/// The flags of `krt run` work locally too, alone or over a manifest's fields: `--env NAME` takes this process's
/// value, `--env-file` reads docker-style lines, `--timeout` and `--name` set the Run's, `-- args` replace the
/// manifest's; a Workflow refuses a flag of a single Run instead of dropping it.
#[test]
fn run_flags_set_or_override_the_runs_fields() {
    let builtins = builtins();
    let env_file = common::temp_file(
        "flags.env",
        "# defaults\nFROM_FILE=file value\nSHARED=file\n",
    );
    let manifest = common::temp_file(
        "flags-run.yaml",
        "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: from-manifest}\nspec:\n  runtime: bash\n  \
         args: ['echo manifest args']\n  env: [{name: SHARED, value: manifest}]\n",
    );
    let out = krt_command()
        .env("KRT_FLAG_TEST", "from the host")
        .args([
            "local",
            "run",
            "-o",
            "json",
            "--builtins",
            &builtins,
            "-f",
            &manifest,
        ])
        .args([
            "--env-file",
            &env_file,
            "-e",
            "KRT_FLAG_TEST",
            "--env",
            "SHARED=flag",
            "--name",
            "renamed",
        ])
        .args(["--", r#"echo "$KRT_FLAG_TEST|$FROM_FILE|$SHARED""#])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["metadata"]["name"], "renamed");
    assert_eq!(
        run["spec"]["args"][0],
        r#"echo "$KRT_FLAG_TEST|$FROM_FILE|$SHARED""#
    );
    // With -o, the guest's stdout goes to stderr.
    assert!(
        text(&out.stderr).contains("from the host|file value|flag\n"),
        "{}",
        text(&out.stderr)
    );

    let out = krt(&[
        "local",
        "run",
        "-q",
        "--timeout",
        "1s",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "--",
        "sleep 30",
    ]);
    assert_eq!(out.status.code(), Some(124), "{}", text(&out.stderr));

    let out = krt(&[
        "local",
        "run",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "-e",
        "KRT_SURELY_UNSET_HERE",
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("KRT_SURELY_UNSET_HERE is not set here"),
        "{}",
        text(&out.stderr)
    );

    let out = krt(&[
        "local",
        "run",
        "--memory",
        "64Gi",
        "--builtins",
        &builtins,
        "--runtime",
        "bash",
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("--memory 64Gi: requested memory limit of 64 GiB exceeds the host's limit"),
        "{}",
        text(&out.stderr)
    );

    let out = krt(&[
        "local",
        "run",
        "-f",
        "../examples/hello-workflow.yaml",
        "--env",
        "A=1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--env applies to a single Run"),
        "{}",
        text(&out.stderr)
    );
}

/// `--file` copies a file and a project directory into the workspace; `--keep-workspace` gets back what the Run
/// wrote; a destination outside the workspace is refused before anything runs.
#[test]
fn files_go_in_and_the_workspace_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proj/pkg")).unwrap();
    std::fs::write(dir.path().join("proj/pkg/data.txt"), "3\n4\n").unwrap();
    std::fs::write(dir.path().join("numbers.txt"), "1\n2\n").unwrap();
    let kept = dir.path().join("kept");
    let out = krt_command()
        .current_dir(dir.path())
        .args([
            "local",
            "run",
            "--builtins",
            &builtins(),
            "--runtime",
            "python",
        ])
        .args([
            "--file",
            "proj",
            "--file",
            "numbers.txt:input/n.txt",
            "--keep-workspace",
            "kept",
        ])
        .args(["--", "-c"])
        .arg(
            "n = [int(x) for f in ('input/n.txt', 'proj/pkg/data.txt') for x in open(f)]\n\
             open('sum.txt', 'w').write(str(sum(n)))\nprint(sorted(n))",
        )
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout), "[1, 2, 3, 4]\n");
    assert_eq!(std::fs::read_to_string(kept.join("sum.txt")).unwrap(), "10");
    assert!(kept.join("proj/pkg/data.txt").is_file());
    assert!(stderr.contains("workspace: copied to kept ("), "{stderr}");

    let out = krt_command()
        .current_dir(dir.path())
        .args([
            "local",
            "run",
            "--builtins",
            &builtins(),
            "--runtime",
            "bash",
            "--file",
            "numbers.txt:../x",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("must be a relative path inside the workspace"),
        "{}",
        text(&out.stderr)
    );
}

/// An installed `krt` (`PREFIX/bin/krt`, as `cargo xtask install` lays it out) finds its built-in runtimes in
/// `PREFIX/share/kruntimes/runtimes` with no flag or variable.
#[test]
fn an_installed_krt_finds_its_builtin_runtimes() {
    let prefix = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let bin = prefix.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let krt = bin.join("krt");
    std::fs::hard_link(env!("CARGO_BIN_EXE_krt"), &krt)
        .or_else(|_| std::fs::copy(env!("CARGO_BIN_EXE_krt"), &krt).map(|_| ()))
        .unwrap();
    std::fs::create_dir_all(prefix.path().join("share/kruntimes")).unwrap();
    std::os::unix::fs::symlink(
        std::fs::canonicalize(builtins()).unwrap(),
        prefix.path().join("share/kruntimes/runtimes"),
    )
    .unwrap();
    let out = std::process::Command::new(&krt)
        .env_remove("KRUNTIMES_BUILTINS")
        .env(
            "XDG_CACHE_HOME",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("krt-cache"),
        )
        .args([
            "local",
            "run",
            "-q",
            "--runtime",
            "bash",
            "--",
            "echo",
            "hello",
            "installed",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello installed\n");
}

/// Python's `kruntimes.log` records reach krt local's stderr (runtimed's log on a cluster), except with `-q`;
/// `kruntimes.set_output` stores a dict as JSON, not as its repr.
#[test]
fn python_log_records_and_json_outputs() {
    let program = "import kruntimes\nkruntimes.log('info', 'fetched page 3')\n\
                   kruntimes.set_output('summary', {'ok': True, 'rows': [1, 2]})\nkruntimes.set_output('n', 42)\n";
    let out = krt(&[
        "local",
        "run",
        "--builtins",
        &builtins(),
        "--runtime",
        "python",
        "--",
        "-c",
        program,
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("krt: log info: fetched page 3\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("output:   summary={\"ok\":true,\"rows\":[1,2]}\n"),
        "{stderr}"
    );
    assert!(stderr.contains("output:   n=42\n"), "{stderr}");
    let quiet = krt(&[
        "local",
        "run",
        "-q",
        "--builtins",
        &builtins(),
        "--runtime",
        "python",
        "--",
        "-c",
        program,
    ]);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
}

/// Shell completion offers the built-in runtimes for `--runtime`, not file names; any name is still taken.
#[test]
fn runtime_completion_offers_the_builtin_runtimes() {
    let out = krt(&["completion", "bash"]);
    assert!(out.status.success());
    let script = text(&out.stdout);
    assert!(
        script.contains("--runtime)\n                    COMPREPLY=($(compgen -W \"bash python\" -- \"${cur}\"))"),
        "{script}"
    );
}

/// For a program driving krt: `-o json` prints the Run with its status on stdout and `--stdout-file` /
/// `--stderr-file` keep each guest stream apart.
#[test]
fn json_status_with_each_stream_in_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let (out_file, err_file) = (dir.path().join("out.txt"), dir.path().join("err.txt"));
    let out = krt_command()
        .args([
            "local",
            "run",
            "-o",
            "json",
            "--builtins",
            &builtins(),
            "--runtime",
            "bash",
        ])
        .arg("--stdout-file")
        .arg(&out_file)
        .arg("--stderr-file")
        .arg(&err_file)
        .args(["--", "echo to-out; echo to-err >&2; exit 3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["status"]["exitCode"], 3);
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "to-out\n");
    assert_eq!(std::fs::read_to_string(&err_file).unwrap(), "to-err\n");
    assert!(!text(&out.stderr).contains("to-"), "{}", text(&out.stderr));
}

/// Commands scripts reach for that the sandbox once lacked, through the real krt: `timeout` stops a command
/// (124), `kill` answers like bash, `/dev/urandom` and `/dev/zero` read, `id`/`whoami` name the Run's identity,
/// `$LINENO` in an ERR trap is the failing line.
#[test]
fn bash_runs_timeout_kill_devices_and_id() {
    let script = "timeout 0.3 sleep 5; echo \"timeout $?\"\n\
                  kill -l 15; kill 4242 2>&1; echo \"kill $?\"\n\
                  head -c 16 /dev/urandom | wc -c; head -c 3 /dev/zero | od -An -tx1\n\
                  id; whoami; echo \"$UID\"\n\
                  trap 'echo \"ERR on line $LINENO\"' ERR\n\
                  false\n\
                  true\n";
    let out = krt_command()
        .args(["local", "run", "-q", "--runtime", "bash", "--", script])
        .env("KRUNTIMES_BUILTINS", builtins())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "timeout 124\nTERM\nbash: kill: (4242) - No such process\nkill 1\n16\n 00 00 00\n\
         uid=1000(kruntimes) gid=1000(kruntimes) groups=1000(kruntimes)\nkruntimes\n1000\nERR on line 6\n"
    );
}

/// A Python Run without network grants is told which grant it lacks (not `gaierror -4`), and the summary does
/// not repeat the traceback it printed just above.
#[test]
fn python_network_denial_names_the_grant_and_the_summary_does_not_repeat_stderr() {
    let out = krt_command()
        .args([
            "local",
            "run",
            "--runtime",
            "python",
            "--",
            "-c",
            "import urllib.request; urllib.request.urlopen('http://example.com')",
        ])
        .env("KRUNTIMES_BUILTINS", builtins())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "name lookup of 'example.com' is not allowed in this Run: it needs a network grant naming the host \
             (host:port rules in its Runtime's spec.capabilities.network)"
        ),
        "{stderr}"
    );
    let summary = stderr.split("\n---\n").nth(1).expect("a summary");
    assert!(
        summary.starts_with(
            "phase:    Failed (ExitCode, exit code 1)\nmessage:  exited with code 1\nusage:"
        ),
        "{stderr}"
    );
    assert!(!summary.contains("Traceback"), "{stderr}");
}

/// `-q` keeps the guest's output alone on stdout, but says on stderr where each stored artifact went; `bc` and a
/// `sort` bigger than its buffer (`-S`, spilled to temporary files) run through the real krt.
#[test]
fn quiet_mode_names_stored_artifacts_and_bash_has_bc_and_a_spilling_sort() {
    let store = tempfile::tempdir().unwrap();
    let script = "echo 'scale=3; 22/7' | bc\n\
                  seq 1 20000 | sort -S 16K -rn | head -2\n\
                  echo ok > \"$KRUNTIME_ARTIFACTS_DIR/result.txt\"\n";
    let out = krt_command()
        .args(["local", "run", "-q", "--runtime", "bash", "--artifacts-dir"])
        .arg(store.path())
        .args(["--", script])
        .env("KRUNTIMES_BUILTINS", builtins())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "3.142\n20000\n19999\n");
    let stored = std::fs::canonicalize(store.path())
        .unwrap()
        .join("result.txt");
    assert_eq!(
        text(&out.stderr),
        format!("krt: artifact result.txt: file://{}\n", stored.display())
    );
}
