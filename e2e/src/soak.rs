//! What the soak (`e2e/benches/soak.rs`, `cargo xtask soak`) samples of a runtimed after every round of Runs, and
//! when a series of samples is a leak. Pure but for reading `/proc` and directory sizes.

use std::path::Path;

/// One sample of a runtimed at rest, after a round of Runs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// Runs done so far.
    pub runs: usize,
    /// Runs per second over the round.
    pub runs_per_s: f64,
    /// Resident memory of the process, KiB.
    pub rss_kib: u64,
    /// Open file descriptors of the process.
    pub fds: u64,
    /// Threads of the process.
    pub threads: u64,
    /// Live tasks of runtimed's tokio runtime, when it runs in the soak's own process.
    pub tasks: Option<u64>,
    /// Entries of the workspace root (Runs not yet reaped).
    pub workspaces: u64,
    /// Bytes of the compiled-component cache.
    pub cache_bytes: u64,
}

/// A metric the soak watches, and how much it may grow before growth after every round counts as a leak.
struct Metric {
    name: &'static str,
    get: fn(&Sample) -> Option<u64>,
    tolerance: u64,
}

const METRICS: &[Metric] = &[
    // The allocator keeps freed pages for a while and arenas settle late; 16 MiB is noise, a leak of even
    // 200 bytes per Run passes it within 100,000 Runs.
    Metric {
        name: "RSS (KiB)",
        get: |s| Some(s.rss_kib),
        tolerance: 16 * 1024,
    },
    Metric {
        name: "open fds",
        get: |s| Some(s.fds),
        tolerance: 0,
    },
    Metric {
        name: "threads",
        get: |s| Some(s.threads),
        tolerance: 0,
    },
    Metric {
        name: "tokio tasks",
        get: |s| s.tasks,
        tolerance: 0,
    },
    Metric {
        name: "workspace dirs",
        get: |s| Some(s.workspaces),
        tolerance: 0,
    },
    Metric {
        name: "cache bytes",
        get: |s| Some(s.cache_bytes),
        tolerance: 0,
    },
];

/// The metrics that grew after every round since the warm-up (the first sample, which pays compilation and pool
/// reservations) by more than their tolerance; at least three samples after the warm-up are needed to call it.
pub fn leaks(samples: &[Sample]) -> Vec<String> {
    let after_warm_up = samples.get(1..).unwrap_or_default();
    if after_warm_up.len() < 3 {
        return Vec::new();
    }
    METRICS
        .iter()
        .filter_map(|m| {
            let values: Option<Vec<u64>> = after_warm_up.iter().map(m.get).collect();
            let values = values?;
            let rising = values.windows(2).all(|w| w[1] > w[0]);
            let growth = values[values.len() - 1] - values[0];
            (rising && growth > m.tolerance).then(|| {
                format!(
                    "{} grew after every round: {values:?} (+{growth}, tolerance {})",
                    m.name, m.tolerance
                )
            })
        })
        .collect()
}

/// The samples as a Markdown table (docs/benchmarks.md takes it as printed).
pub fn table(samples: &[Sample]) -> String {
    let mut out = String::from(
        "| Runs done | Runs/s (round) | RSS MiB | open fds | threads | tokio tasks | workspace dirs | cache MiB |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in samples {
        out.push_str(&format!(
            "| {} | {:.0} | {:.1} | {} | {} | {} | {} | {:.1} |\n",
            s.runs,
            s.runs_per_s,
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.threads,
            s.tasks.map_or_else(|| "-".to_owned(), |t| t.to_string()),
            s.workspaces,
            s.cache_bytes as f64 / (1024.0 * 1024.0),
        ));
    }
    out
}

/// A number field of `/proc/<pid>/status` (`VmRSS:` in KiB, `Threads:`); 0 when unreadable.
pub fn proc_status(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Entries of a directory; 0 when unreadable.
pub fn count_entries(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |d| d.count() as u64)
}

/// Bytes of the files under `dir`, symlinks not followed.
pub fn tree_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// RSS, fds and threads of process `pid` (`"self"` for this one), with the rest of the sample left to the caller.
pub fn process(pid: &str) -> Sample {
    Sample {
        rss_kib: proc_status(pid, "VmRSS:"),
        fds: count_entries(&Path::new("/proc").join(pid).join("fd")),
        threads: proc_status(pid, "Threads:"),
        ..Sample::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rss_kib: u64, fds: u64) -> Sample {
        Sample {
            rss_kib,
            fds,
            threads: 4,
            tasks: Some(10),
            cache_bytes: 1,
            ..Sample::default()
        }
    }

    #[test]
    fn growth_after_every_round_beyond_its_tolerance_is_a_leak() {
        // The warm-up is ignored; fds rise every round after it.
        let fds = [
            sample(900_000, 99),
            sample(100_000, 20),
            sample(100_100, 21),
            sample(100_200, 22),
        ];
        let found = leaks(&fds);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("open fds grew after every round: [20, 21, 22]"),
            "{found:?}"
        );
        // RSS rising every round by more than 16 MiB in all.
        let rss = [
            sample(1, 20),
            sample(100_000, 20),
            sample(110_000, 20),
            sample(120_000, 20),
        ];
        assert_eq!(leaks(&rss).len(), 1);
    }

    #[test]
    fn noise_a_dip_or_too_few_samples_is_not_a_leak() {
        // RSS rising by less than its tolerance; fds that go down once.
        let flat = [
            sample(1, 20),
            sample(100_000, 20),
            sample(100_100, 22),
            sample(100_200, 21),
        ];
        assert!(leaks(&flat).is_empty(), "{:?}", leaks(&flat));
        // Two samples after the warm-up cannot show a trend.
        let short = [sample(1, 1), sample(1, 2), sample(1, 3)];
        assert!(leaks(&short).is_empty());
        // A metric not sampled (tasks of an out-of-process runtimed) is skipped; the others are still judged.
        let untasked: Vec<Sample> = [sample(1, 5), sample(1, 6), sample(1, 7), sample(1, 8)]
            .iter()
            .map(|s| Sample { tasks: None, ..*s })
            .collect();
        assert_eq!(leaks(&untasked).len(), 1, "{:?}", leaks(&untasked));
    }

    #[test]
    fn the_table_has_one_row_per_sample_and_a_dash_for_what_was_not_sampled() {
        let rows = table(&[Sample {
            runs: 10_000,
            runs_per_s: 512.4,
            rss_kib: 2048,
            tasks: None,
            ..Sample::default()
        }]);
        assert!(
            rows.contains("| 10000 | 512 | 2.0 | 0 | 0 | - | 0 | 0.0 |"),
            "{rows}"
        );
        assert_eq!(rows.lines().count(), 3);
    }

    #[test]
    fn this_process_has_memory_threads_and_descriptors() {
        let me = process("self");
        assert!(me.rss_kib > 0 && me.threads >= 1 && me.fds >= 3, "{me:?}");
    }
}
