//! The tool conformance suite (`runtimes/bash/conformance/tools`): small cases of the command-line tools scripts
//! call most (`sed`, `awk`, `grep`, `sort`, `cut`, `tr`, `find`, `xargs`, `jq`, `date`, `tar`, `head`, `tail`,
//! `wc`, `uniq`, `paste`), one section per tool (`cases/<tool>.bash`), each case run as a bash script in the
//! wasm bash runtime and compared with what GNU bash and the GNU tools of Debian 12 (GNU awk 5.2 as `awk`)
//! produced natively (`expected/<tool>.json`, recorded by `record.py --suite tools --record`).
//!
//! Everything else — case format, comparison rules, `known-differences.txt`, the per-tool table,
//! `KRUNTIMES_CONFORMANCE_FILTER` and `KRUNTIMES_CONFORMANCE_DUMP` — is the bash conformance suite's
//! ([`crate::bash_conformance`], whose runner this uses).

use crate::bash_conformance::{Suite, is_case_name, run_suite};

/// The lowest acceptable fraction of identical cases (raise it as the tools improve).
const MIN_PASS_RATE: f64 = 0.92;

/// The tools suite: one section per tool, named after it.
const TOOL_SUITE: Suite = Suite {
    title: "tool conformance",
    dir: "bash/conformance/tools",
    flag: " --suite tools",
    section_label: "tool",
    is_section: is_tool,
    section_rule: "`<tool>.bash` (e.g. `awk.bash`)",
    min_pass_rate: MIN_PASS_RATE,
};

/// A tool's name: lowercase letters and digits.
fn is_tool(name: &str) -> bool {
    is_case_name(name) && !name.contains('-')
}

/// Every tool conformance case behaves in the wasm bash runtime as under GNU bash and the GNU tools, except the
/// cases listed (with a reason) in `tools/known-differences.txt`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_conformance_matches_gnu_tools() {
    run_suite(&TOOL_SUITE).await;
}

/// Tool names are what `record.py --suite tools` accepts.
#[test]
fn tool_conformance_names() {
    assert!(is_tool("awk"));
    assert!(is_tool("sed"));
    assert!(!is_tool("4.2-printf"));
    assert!(!is_tool("Awk"));
}
