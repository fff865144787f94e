//! What the two differential bash suites share: the bash corpus ([`crate::bash_corpus`], one script per case)
//! and the conformance suites ([`crate::bash_conformance`], many small cases per bash-manual section, and
//! [`crate::tool_conformance`], many per tool, on the same runner). They compare a wasm bash Run with what GNU
//! bash (and the GNU tools) produced natively, by the rules in
//! `runtimes/bash/corpus/README.md`: stdout byte for byte, the exit code, and stderr after [`normalise_stderr`]
//! (program-name prefixes only, never message text).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::harness::Finished;

/// Lines of context shown around the first difference of a failing stream.
const DIFF_CONTEXT: usize = 3;

/// What native bash produced for one script.
pub(crate) struct Expected {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
    pub(crate) code: i32,
}

/// A known-differences file: `<name>: one-line explanation` per line, blank lines and `#` comments ignored.
/// `valid_name` checks each name; a malformed line, an empty reason or a name listed twice panics.
pub(crate) fn known_differences(
    path: &Path,
    format: &str,
    valid_name: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut known = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line
            .split_once(':')
            .map(|(name, why)| (name.trim(), why.trim()))
            .filter(|(name, why)| valid_name(name) && !why.is_empty());
        let Some((name, why)) = parsed else {
            panic!(
                "{}:{}: expected `{format}: explanation`, got {line:?}",
                path.display(),
                i + 1
            );
        };
        assert!(
            known.insert(name.to_owned(), why.to_owned()).is_none(),
            "{}: {name} is listed twice",
            path.display()
        );
    }
    known
}

/// The comparison form of stderr (applied to the expected and the actual stderr alike), as in `run-native.py`.
///
/// On every line, a leading program-name prefix `<dir>/<name>: ` loses its directory, and the shell's own names
/// (`main.sh`, `bash`, `sh`, with or without a directory) become `bash`:
/// `main.sh: line 3: x: unbound variable` → `bash: line 3: x: unbound variable`,
/// `/usr/bin/grep: f: No such file or directory` → `grep: f: No such file or directory`.
/// The prefix is the text before the line's first `:`, which must be followed by a space, contain no whitespace,
/// and (after the last `/`, when it starts with `/`) be a non-empty name of `[A-Za-z0-9_.+-[]]`. Nothing after
/// the first `: ` changes.
pub(crate) fn normalise_stderr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        out.push_str(&normalise_line(line));
    }
    out
}

fn normalise_line(line: &str) -> String {
    let Some(colon) = line.find(':') else {
        return line.to_owned();
    };
    if !line[colon + 1..].starts_with(' ') {
        return line.to_owned();
    }
    let prefix = &line[..colon];
    if prefix.chars().any(char::is_whitespace) {
        return line.to_owned();
    }
    let name = if prefix.starts_with('/') {
        match prefix.rfind('/') {
            // A directory needs a closing `/` after the opening one: `/name` alone is not a prefix.
            Some(0) | None => return line.to_owned(),
            Some(slash) => &prefix[slash + 1..],
        }
    } else {
        prefix
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-[]".contains(c));
    if !name_ok {
        return line.to_owned();
    }
    let name = match name {
        "main.sh" | "bash" | "sh" => "bash",
        other => other,
    };
    format!("{name}{}", &line[colon..])
}

/// A short report of the first difference between two texts, with a few lines of context.
pub(crate) fn short_diff(what: &str, expected: &str, actual: &str) -> String {
    let exp: Vec<&str> = expected.split_inclusive('\n').collect();
    let act: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = exp
        .iter()
        .zip(&act)
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let mut out = format!(
        "{what} differs from line {} ({} expected lines, {} actual):\n",
        first + 1,
        exp.len(),
        act.len()
    );
    let from = first.saturating_sub(DIFF_CONTEXT);
    for line in &exp[from..first.min(exp.len())] {
        let _ = writeln!(out, "        {}", line.trim_end_matches('\n'));
    }
    for line in exp.iter().skip(first).take(DIFF_CONTEXT) {
        let _ = writeln!(out, "      - {line:?}");
    }
    for line in act.iter().skip(first).take(DIFF_CONTEXT) {
        let _ = writeln!(out, "      + {line:?}");
    }
    out
}

/// The differences between a Run and the native result: empty when everything matched, otherwise one entry per
/// differing stream (exit code, stdout, normalised stderr).
pub(crate) fn compare(expected: &Expected, run: &Finished) -> Vec<String> {
    let mut problems = Vec::new();
    match run.outcome.exit_code {
        Some(code) if code == expected.code => {}
        Some(code) => problems.push(format!("exit code {code}, expected {}\n", expected.code)),
        None => problems.push(format!(
            "no exit code ({}: {}), expected {}\n",
            run.result(),
            run.outcome.message,
            expected.code
        )),
    }
    if run.stdout_bytes != expected.stdout {
        problems.push(short_diff(
            "stdout",
            &String::from_utf8_lossy(&expected.stdout),
            &run.stdout,
        ));
    }
    let (want, got) = (
        normalise_stderr(&expected.stderr),
        normalise_stderr(&run.stderr),
    );
    if want != got {
        problems.push(short_diff("stderr (normalised)", &want, &got));
    }
    problems
}

/// The stderr normalisation rewrites program-name prefixes only.
#[test]
fn stderr_normalisation_touches_prefixes_only() {
    let cases = [
        (
            "main.sh: line 3: b: unbound variable\n",
            "bash: line 3: b: unbound variable\n",
        ),
        ("/workspace/main.sh: line 3: x\n", "bash: line 3: x\n"),
        (
            "bash: line 9: no match: *.h\n",
            "bash: line 9: no match: *.h\n",
        ),
        (
            "main.sh: eval: line 3: syntax error\n",
            "bash: eval: line 3: syntax error\n",
        ),
        (
            "/usr/bin/grep: f: No such file or directory\n",
            "grep: f: No such file or directory\n",
        ),
        ("grep: f: gone\n", "grep: f: gone\n"),
        ("error: status 1\n", "error: status 1\n"),
        ("plain line\n", "plain line\n"),
        ("two words: not a prefix\n", "two words: not a prefix\n"),
        (
            "/abs: not a directory prefix\n",
            "/abs: not a directory prefix\n",
        ),
        ("key:value\n", "key:value\n"),
        ("+ echo 'a: b'\n", "+ echo 'a: b'\n"),
        ("no newline at end: x", "no newline at end: x"),
    ];
    for (input, want) in cases {
        assert_eq!(normalise_stderr(input), want, "{input:?}");
    }
    assert_eq!(
        normalise_stderr("main.sh: a\nok\n/bin/sed: b\n"),
        "bash: a\nok\nsed: b\n"
    );
}
