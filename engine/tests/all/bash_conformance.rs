//! The bash conformance suite (`runtimes/bash/conformance`): about 1,700 small cases, grouped by the
//! sections of the GNU bash manual, each run in the wasm bash runtime and compared with what GNU bash 5.2
//! produced natively (`runtimes/bash/conformance/expected/<section>.json`, recorded by
//! `runtimes/bash/conformance/record.py --record`).
//!
//! A section is `cases/<section>.bash`; each case in it starts with a header line `#### case-name` and is a
//! small script of its own, run as `bash main.sh` in an empty `/workspace`, exactly like a corpus script
//! ([`crate::bash_corpus`]), and compared by the same rules ([`differential::compare`]): stdout byte for byte,
//! the exit code, stderr after normalising program-name prefixes.
//!
//! The test prints a per-section table (cases, identical, %), a short diff of each failure and the overall
//! rate, and asserts that
//! * `known-differences.txt` is exactly the set of failing cases (`section/case: reason` per line; a reason
//!   starting with `unstable:` marks a case whose result changes from run to run, which may also pass), and
//! * at least [`MIN_PASS_RATE`] of all cases are identical (whole-suite runs only).
//!
//! `KRUNTIMES_CONFORMANCE_FILTER=substring` runs only the cases whose `section/case` contains it (for example
//! `printf` or `6.7-arrays/assoc-`); the known-differences check is then limited to them and the rate is not
//! asserted. `KRUNTIMES_CONFORMANCE_DUMP=path.json` also writes every case's actual stdout, stderr and exit
//! code there (for triage).
//!
//! The runner ([`run_suite`]) is shared with the tool conformance suite ([`crate::tool_conformance`],
//! `runtimes/bash/conformance/tools`): one [`Suite`] each, differing in directory, section-name rule and
//! minimum pass rate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::differential::{self, Expected, compare};
use crate::guests::BASH;
use crate::harness::Host;

/// The lowest acceptable fraction of identical cases (raise it as the shell improves).
const MIN_PASS_RATE: f64 = 0.95;

/// The bash suite: sections of the bash manual.
const BASH_SUITE: Suite = Suite {
    title: "bash conformance",
    dir: "bash/conformance",
    flag: "",
    section_label: "section",
    is_section: is_manual_section,
    section_rule: "`<number>-<slug>.bash` (e.g. `4.2-printf.bash`)",
    min_pass_rate: MIN_PASS_RATE,
};

/// One conformance suite: a directory of `cases/`, `expected/` and `known-differences.txt`, run by [`run_suite`].
pub(crate) struct Suite {
    /// Its name in the summary line.
    pub(crate) title: &'static str,
    /// Its directory under `runtimes/`.
    pub(crate) dir: &'static str,
    /// `record.py`'s option selecting it (in messages), e.g. ` --suite tools`.
    pub(crate) flag: &'static str,
    /// The first column of the table (`section`, `tool`).
    pub(crate) section_label: &'static str,
    /// Which section (file stem of `cases/*.bash`) names are valid.
    pub(crate) is_section: fn(&str) -> bool,
    /// How a section file is named (in the message for a bad one).
    pub(crate) section_rule: &'static str,
    /// The lowest acceptable fraction of identical cases (whole-suite runs).
    pub(crate) min_pass_rate: f64,
}

impl Suite {
    fn path(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../runtimes")
            .join(self.dir)
    }

    /// `section/case`.
    fn is_case_key(&self, key: &str) -> bool {
        key.split_once('/')
            .is_some_and(|(section, case)| (self.is_section)(section) && is_case_name(case))
    }

    /// The command that records `what`.
    fn record_hint(&self, what: &str) -> String {
        format!(
            "runtimes/bash/conformance/record.py{} --record {what}",
            self.flag
        )
    }
}

/// How many cases run at once.
const CONCURRENCY: usize = 3;

/// Each case's deadline (below the harness's `TEST_GUARD`).
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// Selects a subset of the cases by substring of `section/case`.
const FILTER_ENV: &str = "KRUNTIMES_CONFORMANCE_FILTER";

/// A known difference whose reason starts with this marker may pass or fail from run to run (brush lists some
/// names in hash-map order, which changes between runs); it is not reported as stale when it passes.
const UNSTABLE: &str = "unstable:";

/// Writes every case's actual result to this JSON file.
const DUMP_ENV: &str = "KRUNTIMES_CONFORMANCE_DUMP";

/// `<number>-<slug>`: a section number of digits and dots, a dash, lowercase letters, digits and dashes.
fn is_manual_section(name: &str) -> bool {
    let Some((number, slug)) = name.split_once('-') else {
        return false;
    };
    number.starts_with(|c: char| c.is_ascii_digit())
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && is_case_name(slug)
}

/// Lowercase letters and digits in dash-separated groups.
pub(crate) fn is_case_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// One case: its section, name and script.
struct Case {
    section: String,
    name: String,
    script: String,
}

impl Case {
    fn key(&self) -> String {
        format!("{}/{}", self.section, self.name)
    }
}

/// The cases of `cases/<section>.bash`, in file order (the same parsing as `record.py`).
fn parse_section(dir: &Path, section: &str) -> Vec<Case> {
    let path = dir.join("cases").join(format!("{section}.bash"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let mut cases: Vec<(String, Vec<&str>)> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if let Some(name) = line.strip_prefix("#### ") {
            assert!(
                is_case_name(name),
                "{}:{}: bad case name {name:?}",
                path.display(),
                i + 1
            );
            assert!(
                cases.iter().all(|(n, _)| n != name),
                "{}:{}: case {name:?} appears twice",
                path.display(),
                i + 1
            );
            cases.push((name.to_owned(), Vec::new()));
        } else if let Some((_, body)) = cases.last_mut() {
            body.push(line);
        }
    }
    cases
        .into_iter()
        .map(|(name, mut body)| {
            while body.last() == Some(&"") {
                body.pop();
            }
            Case {
                section: section.to_owned(),
                name,
                script: body.join("\n") + "\n",
            }
        })
        .collect()
}

/// Every section, sorted by name.
fn sections(suite: &Suite, dir: &Path) -> Vec<String> {
    let cases = dir.join("cases");
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .unwrap_or_else(|err| panic!("reading {}: {err}", cases.display()))
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let section = name.strip_suffix(".bash")?;
            assert!(
                (suite.is_section)(section),
                "{}/cases/{name}: a section file is named {}",
                suite.dir,
                suite.section_rule
            );
            Some(section.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// `expected/<section>.json`: `{case: {"stdout": .., "stderr": .., "code": N}}`.
fn expected(suite: &Suite, dir: &Path, section: &str) -> BTreeMap<String, Expected> {
    let path = dir.join("expected").join(format!("{section}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{} ({err}): record it with {}",
            path.display(),
            suite.record_hint(section)
        )
    });
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let object = json
        .as_object()
        .unwrap_or_else(|| panic!("{}: not a JSON object", path.display()));
    object
        .iter()
        .map(|(case, v)| {
            let field = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{}: {case}.{k} is not a string", path.display()))
                    .to_owned()
            };
            let code = v["code"]
                .as_i64()
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or_else(|| panic!("{}: {case}.code is not an exit code", path.display()));
            let want = Expected {
                stdout: field("stdout").into_bytes(),
                stderr: field("stderr"),
                code,
            };
            (case.clone(), want)
        })
        .collect()
}

/// One case's comparison.
struct Verdict {
    section: String,
    key: String,
    /// Empty when everything matched; otherwise one entry per differing stream.
    problems: Vec<String>,
    actual: serde_json::Value,
}

impl Verdict {
    fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

async fn run_case(host: &Host, case: Case, want: Expected) -> Verdict {
    let run = host
        .run(BASH)
        .source("main.sh", &case.script)
        .env("LC_ALL", "C")
        .timeout(RUN_TIMEOUT)
        .finish()
        .await;
    let actual = serde_json::json!({
        "stdout": run.stdout,
        "stderr": run.stderr,
        "code": run.outcome.exit_code,
    });
    Verdict {
        problems: compare(&want, &run),
        key: case.key(),
        section: case.section,
        actual,
    }
}

/// Every conformance case behaves in the wasm bash runtime as it does under GNU bash 5.2, except the cases
/// listed (with a reason) in `known-differences.txt`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_matches_native_bash() {
    run_suite(&BASH_SUITE).await;
}

/// Runs every case of `suite` (or those matching [`FILTER_ENV`]) in the wasm bash runtime, prints the table and
/// the failures, and asserts that its `known-differences.txt` is exactly the failing cases and (whole-suite
/// runs) that at least `suite.min_pass_rate` of the cases are identical.
pub(crate) async fn run_suite(suite: &Suite) {
    let started = Instant::now();
    let dir = suite.path();
    let filter = std::env::var(FILTER_ENV).ok().filter(|f| !f.is_empty());
    let mut all = Vec::new();
    for section in sections(suite, &dir) {
        let mut want = expected(suite, &dir, &section);
        for case in parse_section(&dir, &section) {
            let expected = want.remove(&case.name).unwrap_or_else(|| {
                panic!(
                    "{} is not recorded: run {}",
                    case.key(),
                    suite.record_hint(&case.key())
                )
            });
            all.push((case, expected));
        }
        assert!(
            want.is_empty(),
            "expected/{section}.json holds cases that are not in cases/{section}.bash (re-record it): {:?}",
            want.keys().collect::<Vec<_>>()
        );
    }
    assert!(!all.is_empty(), "no conformance cases in {}", dir.display());
    let known = differential::known_differences(
        &dir.join("known-differences.txt"),
        "section/case",
        |key| suite.is_case_key(key),
    );
    for key in known.keys() {
        assert!(
            all.iter().any(|(c, _)| c.key() == *key),
            "known-differences.txt lists {key}, which is not a conformance case"
        );
    }
    let selected: Vec<(Case, Expected)> = all
        .into_iter()
        .filter(|(c, _)| filter.as_ref().is_none_or(|f| c.key().contains(f.as_str())))
        .collect();
    assert!(
        !selected.is_empty(),
        "{FILTER_ENV}={filter:?} matches no conformance case"
    );

    let host = Host::new().await;
    let host = &host;
    let mut verdicts: Vec<Verdict> = stream::iter(selected)
        .map(|(case, want)| run_case(host, case, want))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    verdicts.sort_by(|a, b| a.key.cmp(&b.key));

    if let Ok(path) = std::env::var(DUMP_ENV) {
        let dump: serde_json::Map<String, serde_json::Value> = verdicts
            .iter()
            .map(|v| (v.key.clone(), v.actual.clone()))
            .collect();
        std::fs::write(&path, serde_json::to_string_pretty(&dump).unwrap())
            .unwrap_or_else(|err| panic!("writing {path}: {err}"));
    }

    let mut report = String::new();
    for v in verdicts.iter().filter(|v| !v.passed()) {
        let _ = writeln!(report, "--- {}", v.key);
        match known.get(&v.key) {
            Some(why) => {
                let _ = writeln!(report, "    known: {why}");
            }
            None => {
                let _ = writeln!(report, "    NOT LISTED in known-differences.txt");
            }
        }
        for problem in &v.problems {
            let _ = write!(report, "    {problem}");
        }
    }
    let mut table: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for v in &verdicts {
        let row = table.entry(v.section.as_str()).or_default();
        row.0 += 1;
        row.1 += usize::from(v.passed());
    }
    let _ = writeln!(
        report,
        "\n| {:<40} | {:>5} | {:>9} | {:>6} |",
        suite.section_label, "cases", "identical", "%"
    );
    let _ = writeln!(report, "|{:-<42}|{:->7}|{:->11}|{:->8}|", "", ":", ":", ":");
    for (section, (cases, passed)) in &table {
        let _ = writeln!(
            report,
            "| {section:<40} | {cases:>5} | {passed:>9} | {:>6.1} |",
            *passed as f64 * 100.0 / *cases as f64
        );
    }
    let passed = verdicts.iter().filter(|v| v.passed()).count();
    let rate = passed as f64 / verdicts.len() as f64;
    let _ = writeln!(
        report,
        "| {:<40} | {:>5} | {passed:>9} | {:>6.1} |",
        "**total**",
        verdicts.len(),
        rate * 100.0
    );
    let _ = writeln!(
        report,
        "\n{}: {passed}/{} identical ({:.1}%) in {:.0?}",
        suite.title,
        verdicts.len(),
        rate * 100.0,
        started.elapsed()
    );
    eprintln!("{report}");

    let unlisted: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.passed() && !known.contains_key(&v.key))
        .map(|v| v.key.as_str())
        .collect();
    let stale: Vec<&str> = verdicts
        .iter()
        .filter(|v| {
            v.passed()
                && known
                    .get(&v.key)
                    .is_some_and(|why| !why.starts_with(UNSTABLE))
        })
        .map(|v| v.key.as_str())
        .collect();
    assert!(
        unlisted.is_empty(),
        "cases fail but are not in runtimes/{}/known-differences.txt \
         (fix the runtime, or list them as `section/case: reason`): {unlisted:?}",
        suite.dir
    );
    assert!(
        stale.is_empty(),
        "cases listed in runtimes/{}/known-differences.txt now pass (remove them): {stale:?}",
        suite.dir
    );
    if filter.is_none() {
        assert!(
            rate >= suite.min_pass_rate,
            "identical rate {:.1}% is below the minimum pass rate {:.1}%",
            rate * 100.0,
            suite.min_pass_rate * 100.0
        );
    }
}

/// Section and case names are what `record.py` accepts.
#[test]
fn conformance_names() {
    assert!(is_manual_section("3.5.3-parameter-expansion"));
    assert!(is_manual_section("4.2-printf"));
    assert!(!is_manual_section("parameter-expansion"));
    assert!(!is_manual_section("3.5-Bad"));
    assert!(BASH_SUITE.is_case_key("6.7-arrays/assoc-keys-2"));
    assert!(!BASH_SUITE.is_case_key("6.7-arrays/assoc--keys"));
    assert!(!BASH_SUITE.is_case_key("6.7-arrays"));
}
