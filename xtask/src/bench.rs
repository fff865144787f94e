//! `cargo xtask bench [--quick] [--write]`: the performance rows that have a target, in one table.
//!
//! Runs the engine's benchmarks (`engine`, `bash`, `python`: runtimed's per-Run path) and krt's (`startup`: whole
//! `krt local run` processes; `mcp`: tool-call round trips), each of which measures its native baseline in the same
//! run and appends its rows to one file (`engine/benches/common/rows.rs`). Prints them as a Markdown table with
//! the target of each row and whether it is met; `--write` puts the table into `docs/benchmarks.md` between its
//! markers. `--quick` takes a fifth of the samples (a few minutes in all once built; the release build of the
//! benchmarks comes first and takes longer).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::{guests, setup};

/// The benchmarks, in the order they run: package, bench target.
const BENCHES: &[(&str, &str)] = &[
    ("kruntimes-engine", "engine"),
    ("kruntimes-engine", "bash"),
    ("kruntimes-engine", "python"),
    ("krt", "startup"),
    ("krt", "mcp"),
];

/// Where the table goes in `docs/benchmarks.md`.
const BEGIN: &str = "<!-- BEGIN cargo xtask bench -->";
const END: &str = "<!-- END cargo xtask bench -->";

/// One row as a benchmark wrote it (`engine/benches/common/rows.rs`).
#[derive(Debug, Deserialize)]
struct Row {
    what: String,
    n: usize,
    ours: String,
    baseline: Option<String>,
    target: Option<String>,
    met: Option<bool>,
}

pub(crate) fn run(root: &Path, quick: bool, write: bool) -> Result<()> {
    setup::ensure_wasm_target(root)?;
    guests::build(root, guests::Scope::BuiltinsOnly)?;
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let rows_file = dir.join("rows.jsonl");
    let _ = std::fs::remove_file(&rows_file);
    let started = Instant::now();
    for (package, bench) in BENCHES {
        let log = dir.join(format!("{bench}.log"));
        let began = Instant::now();
        eprintln!("bench {package} {bench} (output in {})", log.display());
        let out = std::fs::File::create(&log)?;
        let status = Command::new("cargo")
            .args(["bench", "--locked", "-p", package, "--bench", bench])
            .env("KRUNTIMES_BENCH_ROWS", &rows_file)
            .env("KRUNTIMES_BENCH_QUICK", if quick { "1" } else { "0" })
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .status()
            .context("running cargo bench")?;
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "cargo bench -p {package} --bench {bench} failed ({status}); the end of {}:\n{}",
                log.display(),
                tail.join("\n")
            );
        }
        eprintln!("  done in {:.0} s", began.elapsed().as_secs_f64());
    }
    let text = std::fs::read_to_string(&rows_file)
        .with_context(|| format!("{}: no rows were written", rows_file.display()))?;
    let rows = parse(&text)?;
    let table = render(&rows, quick);
    println!("{table}");
    eprintln!(
        "{} rows from {} benchmarks in {:.0} s",
        rows.len(),
        BENCHES.len(),
        started.elapsed().as_secs_f64()
    );
    if write {
        let path = root.join("docs/benchmarks.md");
        let doc = std::fs::read_to_string(&path)?;
        std::fs::write(&path, splice(&doc, &table)?)?;
        eprintln!("wrote the table into {}", path.display());
    }
    Ok(())
}

fn parse(text: &str) -> Result<Vec<Row>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("row {}: {line}", i + 1))
        })
        .collect()
}

/// The rows as a Markdown table, with the command and the date.
fn render(rows: &[Row], quick: bool) -> String {
    let mut out = String::new();
    let command = if quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let _ = writeln!(
        out,
        "Produced by `{command}` on {} (release build, this machine; every baseline measured in the same run).\n",
        jiff::Zoned::now().date()
    );
    out.push_str("| what | ours | native baseline, same run | n | target | met |\n");
    out.push_str("|---|---|---|---:|---|---|\n");
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "-",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {met} |",
            cell(&row.what),
            cell(&row.ours),
            row.baseline.as_deref().map_or("-".to_owned(), cell),
            row.n,
            row.target.as_deref().map_or("-".to_owned(), cell),
        );
    }
    out
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `doc` with what stands between [`BEGIN`] and [`END`] replaced by `table`.
fn splice(doc: &str, table: &str) -> Result<String> {
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        bail!("docs/benchmarks.md has no `{BEGIN}` ... `{END}` section for the table");
    };
    anyhow::ensure!(
        begin < end,
        "docs/benchmarks.md: `{END}` comes before `{BEGIN}`"
    );
    Ok(format!("{}{BEGIN}\n{table}{}", &doc[..begin], &doc[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_a_table_with_the_verdicts() {
        let rows = parse(
            r#"{"what":"bash `echo hi`","n":500,"ours":"p50 0.52 ms","baseline":"p50 1.6 ms","target":"p50 ≤ 0.2 ms","met":false}
{"what":"a | b","n":3,"ours":"1 KiB","baseline":null,"target":null,"met":null}
"#,
        )
        .unwrap();
        let table = render(&rows, true);
        assert!(
            table.starts_with("Produced by `cargo xtask bench --quick` on "),
            "{table}"
        );
        assert!(
            table.contains(
                "| bash `echo hi` | p50 0.52 ms | p50 1.6 ms | 500 | p50 ≤ 0.2 ms | **no** |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| a \\| b | 1 KiB | - | 3 | - | - |"),
            "{table}"
        );
    }

    #[test]
    fn the_table_replaces_only_its_section() {
        let doc = format!("# Benchmarks\nintro\n{BEGIN}\nold table\n{END}\n## Engine\nkept\n");
        let new = splice(&doc, "new table\n").unwrap();
        assert_eq!(
            new,
            format!("# Benchmarks\nintro\n{BEGIN}\nnew table\n{END}\n## Engine\nkept\n")
        );
        assert!(splice("no markers", "t").is_err());
        assert!(parse("{not json}").is_err());
    }
}
