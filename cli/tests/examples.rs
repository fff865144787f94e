//! Every `krt local run` command that an example's header shows runs exactly as written, from the repository
//! root, and succeeds: the headers are the first thing a new user copies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{krt_command, text};

/// The commands in the comments of `text`: lines `#   krt ...`, joined with their `\` continuation lines.
fn header_commands(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let Some(comment) = line.strip_prefix('#') else {
            current = None;
            continue;
        };
        let comment = comment.trim();
        let part = match &mut current {
            Some(command) => command,
            None if comment.starts_with("krt ") => current.insert(String::new()),
            None => continue,
        };
        let (body, continues) = match comment.strip_suffix('\\') {
            Some(body) => (body.trim(), true),
            None => (comment, false),
        };
        if !part.is_empty() {
            part.push(' ');
        }
        part.push_str(body);
        if !continues {
            commands.extend(current.take());
        }
    }
    commands
}

#[test]
fn header_commands_are_found_with_their_continuations() {
    let text = "# A Run. Locally:\n#   krt local run -f a.yaml \\\n#       --component x.wasm\n# then\n#   krt local run -f b.yaml\nkind: Run\n";
    assert_eq!(
        header_commands(text),
        [
            "krt local run -f a.yaml --component x.wasm",
            "krt local run -f b.yaml"
        ]
    );
}

#[test]
fn every_example_header_command_runs_as_written() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut ran = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    examples.sort();
    for example in &examples {
        for command in header_commands(&std::fs::read_to_string(example).unwrap()) {
            assert!(
                !command.contains(['\'', '"', '$', '`']),
                "{}: keep header commands free of shell quoting: {command}",
                example.display()
            );
            let words: Vec<&str> = command.split_whitespace().collect();
            assert_eq!(&words[..3], ["krt", "local", "run"], "{command}");
            let out = krt_command()
                .current_dir(&root)
                // What `cargo xtask demo` and `cargo xtask install` provide: the built-in runtimes.
                .env("KRUNTIMES_BUILTINS", root.join("runtimes/target/builtins"))
                .args(&words[1..])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: `{command}` failed:\n{}\n{}",
                example.display(),
                text(&out.stdout),
                text(&out.stderr)
            );
            ran.push(format!("{}: {command}", name(example)));
        }
    }
    // The examples that show a command: a header that loses its command is noticed.
    for expected in [
        "custom-runtimes.yaml",
        "hello-js.yaml",
        "hello-wasm.yaml",
        "hello-workflow.yaml",
    ] {
        assert!(
            ran.iter().any(|r| r.starts_with(expected)),
            "{expected} shows no command: {ran:#?}"
        );
    }
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}
