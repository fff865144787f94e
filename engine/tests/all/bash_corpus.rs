//! The bash differential corpus (`runtimes/bash/corpus`): every script runs in the wasm bash runtime and its
//! stdout, stderr and exit code are compared with what GNU bash and the GNU tools produced natively
//! (`runtimes/bash/corpus/expected/`, recorded by `runtimes/bash/corpus/run-native.py --record`).
//!
//! The comparison rules are in `runtimes/bash/corpus/README.md`: stdout and the exit code must be identical;
//! stderr is compared after [`differential::normalise_stderr`] (program-name prefixes only, never message text),
//! the same function as `normalise_stderr` in `run-native.py`.
//!
//! The test prints a table of every script, a short diff of each failure, and asserts that
//! * at least [`MIN_PASS_RATE`] of the corpus passes (whole-corpus runs only), and
//! * `known-differences.txt` is exactly the set of failing scripts: every failure is listed there with a reason,
//!   and every listed script still fails (so the list stays true as the shell improves).
//!
//! `KRUNTIMES_CORPUS_FILTER=substring` runs only the scripts whose file name contains it (for example `017` or
//! `heredoc`); the known-differences check is then limited to those scripts and the pass rate is not asserted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::differential::{self, Expected, compare};
use crate::guests::BASH;
use crate::harness::Host;

/// The lowest acceptable fraction of passing scripts (raise it as the shell improves).
const MIN_PASS_RATE: f64 = 0.95;

/// How many corpus scripts run at once.
const CONCURRENCY: usize = 3;

/// Each script's deadline (the native runner uses 20 s; wasm is slower; below the harness's `TEST_GUARD`).
const RUN_TIMEOUT: Duration = Duration::from_secs(40);

/// Selects a subset of the corpus by substring of the file name.
const FILTER_ENV: &str = "KRUNTIMES_CORPUS_FILTER";

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/bash/corpus")
}

/// `NNN-name.sh`: three digits, a dash, lowercase letters, digits and dashes.
fn is_corpus_script(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".sh") else {
        return false;
    };
    let bytes = stem.as_bytes();
    bytes.len() > 4
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b'-'
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// The corpus scripts, sorted by name.
fn corpus_scripts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| is_corpus_script(n))
        .collect();
    names.sort();
    names
}

fn expected(dir: &Path, script: &str) -> Expected {
    let stem = script.strip_suffix(".sh").unwrap();
    let base = dir.join("expected").join(stem);
    let read = |ext: &str| {
        let path = base.with_extension(ext);
        std::fs::read(&path).unwrap_or_else(|err| {
            panic!(
                "{} ({err}): record it with runtimes/bash/corpus/run-native.py --record {stem}",
                path.display()
            )
        })
    };
    let code = String::from_utf8(read("code")).unwrap();
    Expected {
        stdout: read("out"),
        stderr: String::from_utf8_lossy(&read("err")).into_owned(),
        code: code
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{stem}.code holds {code:?}, not an exit code")),
    }
}

/// `known-differences.txt`: `NNN-name.sh: one-line explanation` per line; blank lines and `#` comments ignored.
fn known_differences(dir: &Path) -> BTreeMap<String, String> {
    differential::known_differences(
        &dir.join("known-differences.txt"),
        "NNN-name.sh",
        is_corpus_script,
    )
}

/// One script's comparison.
struct Verdict {
    script: String,
    /// Empty when everything matched; otherwise one entry per differing stream.
    problems: Vec<String>,
    elapsed: Duration,
}

impl Verdict {
    fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

async fn run_script(host: &Host, dir: &Path, script: String) -> Verdict {
    let source = std::fs::read_to_string(dir.join(&script))
        .unwrap_or_else(|err| panic!("reading {script}: {err}"));
    let want = expected(dir, &script);
    let run = host
        .run(BASH)
        .source("main.sh", &source)
        .env("LC_ALL", "C")
        .timeout(RUN_TIMEOUT)
        .finish()
        .await;
    Verdict {
        problems: compare(&want, &run),
        elapsed: run.elapsed,
        script,
    }
}

/// Every corpus script behaves in the wasm bash runtime as it does under GNU bash, except the scripts listed
/// (with a reason) in `known-differences.txt`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_matches_native_bash() {
    let dir = corpus_dir();
    let filter = std::env::var(FILTER_ENV).ok().filter(|f| !f.is_empty());
    let all = corpus_scripts(&dir);
    assert!(!all.is_empty(), "no corpus scripts in {}", dir.display());
    let known = known_differences(&dir);
    for name in known.keys() {
        assert!(
            all.contains(name),
            "known-differences.txt lists {name}, which is not in the corpus"
        );
    }
    let scripts: Vec<String> = match &filter {
        Some(f) => all
            .iter()
            .filter(|n| n.contains(f.as_str()))
            .cloned()
            .collect(),
        None => all.clone(),
    };
    assert!(
        !scripts.is_empty(),
        "{FILTER_ENV}={filter:?} matches no corpus script"
    );

    let host = Host::new().await;
    let (host, corpus) = (&host, dir.as_path());
    let mut verdicts: Vec<Verdict> = stream::iter(scripts)
        .map(|script| run_script(host, corpus, script))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    verdicts.sort_by(|a, b| a.script.cmp(&b.script));

    let mut report = String::new();
    let _ = writeln!(report, "bash corpus: {} scripts", verdicts.len());
    for v in &verdicts {
        let status = match (v.passed(), known.contains_key(&v.script)) {
            (true, false) => "pass",
            (true, true) => "PASS (listed as known difference)",
            (false, true) => "fail (known)",
            (false, false) => "FAIL",
        };
        let _ = writeln!(
            report,
            "  {:<48} {:<34} {:>6} ms",
            v.script,
            status,
            v.elapsed.as_millis()
        );
    }
    for v in verdicts.iter().filter(|v| !v.passed()) {
        let _ = writeln!(report, "\n--- {}", v.script);
        if let Some(why) = known.get(&v.script) {
            let _ = writeln!(report, "    known: {why}");
        }
        for problem in &v.problems {
            let _ = write!(report, "    {problem}");
        }
    }
    let passed = verdicts.iter().filter(|v| v.passed()).count();
    let rate = passed as f64 / verdicts.len() as f64;
    let _ = writeln!(
        report,
        "\n{passed}/{} passed ({:.1}%)",
        verdicts.len(),
        rate * 100.0
    );
    eprintln!("{report}");

    let unlisted: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.passed() && !known.contains_key(&v.script))
        .map(|v| v.script.as_str())
        .collect();
    let stale: Vec<&str> = verdicts
        .iter()
        .filter(|v| v.passed() && known.contains_key(&v.script))
        .map(|v| v.script.as_str())
        .collect();
    assert!(
        unlisted.is_empty(),
        "scripts fail but are not in runtimes/bash/corpus/known-differences.txt \
         (fix the shell, or list them as `NNN-name.sh: reason`): {unlisted:?}"
    );
    assert!(
        stale.is_empty(),
        "scripts listed in runtimes/bash/corpus/known-differences.txt now pass (remove them): {stale:?}"
    );
    if filter.is_none() {
        assert!(
            rate >= MIN_PASS_RATE,
            "pass rate {:.1}% is below MIN_PASS_RATE {:.1}%",
            rate * 100.0,
            MIN_PASS_RATE * 100.0
        );
    }
}
