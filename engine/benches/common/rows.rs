//! The rows of `cargo xtask bench`'s one table: each benchmark, besides its own output, appends the rows that have
//! a target (or that the table reports beside them) as JSON lines to the file named by [`ROWS_ENV`], and scales its
//! sample counts down under [`QUICK_ENV`]. Shared by the engine's and krt's benchmarks (`#[path]`-included there).

#![allow(dead_code, reason = "each benchmark uses a part")]

use std::io::Write as _;

/// The file rows are appended to; unset, [`record`] does nothing.
pub(crate) const ROWS_ENV: &str = "KRUNTIMES_BENCH_ROWS";
/// Set (to anything but `0`): fewer samples, for `cargo xtask bench --quick`.
pub(crate) const QUICK_ENV: &str = "KRUNTIMES_BENCH_QUICK";

/// One row of the table.
pub(crate) struct Row<'a> {
    /// What was measured, e.g. "bash `echo hi` Run in the engine".
    pub(crate) what: &'a str,
    /// Samples behind the value.
    pub(crate) n: usize,
    /// Our number(s), formatted: "p50 0.52 ms, p95 0.71 ms".
    pub(crate) ours: String,
    /// The native baseline measured in the same run, formatted, if the row has one.
    pub(crate) baseline: Option<String>,
    /// The target, as written in the issue or DESIGN ("p50 ≤ 0.2 ms"), if the row has one.
    pub(crate) target: Option<&'a str>,
    /// Whether the target is met (None without a target).
    pub(crate) met: Option<bool>,
}

/// Appends `row` to the rows file, if one is named.
pub(crate) fn record(row: &Row<'_>) {
    let Some(path) = std::env::var_os(ROWS_ENV) else {
        return;
    };
    let line = serde_json::json!({
        "what": row.what,
        "n": row.n,
        "ours": row.ours,
        "baseline": row.baseline,
        "target": row.target,
        "met": row.met,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", std::path::Path::new(&path).display()));
    writeln!(file, "{line}").unwrap_or_else(|e| panic!("writing a bench row: {e}"));
}

/// `n`, or a fifth of it (at least 3) under `--quick`.
pub(crate) fn scaled(n: usize) -> usize {
    let quick = std::env::var(QUICK_ENV).is_ok_and(|v| v != "0");
    if quick { (n / 5).max(3) } else { n }
}

/// A duration in milliseconds with the precision the table uses.
pub(crate) fn millis(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}
