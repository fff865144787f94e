//! Whole-process start-up of `krt local run`, against the native program doing the same, measured in the same run:
//! `krt local run -q --runtime bash -- 'echo hi'` against `bash -c 'echo hi'`, and `--runtime python -- -c
//! 'print(1)'` against `python3 -c 'print(1)'`. Each row is the median wall time of `--samples` runs (alternating
//! krt and native, so that both see the same machine) and krt's peak RSS (the child's `ru_maxrss`). The first run on
//! an empty component cache (compiling what the Run needs) is measured once per runtime. Prints one Markdown table
//! with the target of each row and whether it is met.
//!
//! ```text
//! cargo xtask build-guests      # once: the built-in runtimes in runtimes/target/builtins
//! cargo bench -p krt --bench startup [-- --samples 15]
//! ```

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;

#[path = "../../engine/benches/common/rows.rs"]
mod rows;

#[derive(Parser)]
struct Args {
    /// Runs of each command per row.
    #[arg(long, default_value_t = 15)]
    samples: usize,
    /// Ignored: what `cargo bench` passes to every bench target.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One process's wall time and peak resident memory.
struct Sample {
    wall: Duration,
    peak_kib: u64,
}

/// Runs `command` to completion (stdout discarded, stderr shown), failing the benchmark if it fails.
#[expect(clippy::zombie_processes, reason = "reaped by wait4")]
fn measure(command: &mut Command) -> Sample {
    command.stdout(Stdio::null()).stderr(Stdio::inherit());
    let started = Instant::now();
    let child = command.spawn().expect("the command starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // Reaped here, not by `Child::wait`, to read the child's own peak RSS.
    let (status, usage) = wait4(pid);
    let wall = started.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed (wait status {status})"
    );
    Sample {
        wall,
        peak_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    }
}

#[expect(
    unsafe_code,
    reason = "wait4 is the only way to read one child's own peak RSS"
)]
fn wait4(pid: libc::pid_t) -> (libc::c_int, libc::rusage) {
    let mut status = 0;
    // SAFETY: all-zero is a valid rusage (plain integers) for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped; `status` and `usage` are valid for writes.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    (status, usage)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn builtins() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins");
    assert!(
        dir.join("bash/component.wasm").is_file() && dir.join("python/component.wasm").is_file(),
        "{} has no built-in runtimes: run `cargo xtask build-guests`",
        dir.display()
    );
    dir
}

fn krt(builtins: &Path, cache: &Path, runtime: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_krt"));
    command
        .args(["local", "run", "-q", "--builtins"])
        .arg(builtins)
        .arg("--cache-dir")
        .arg(cache)
        .args(["--runtime", runtime, "--"])
        .args(args);
    command
}

fn native(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// A cached row: a Run of `runtime` against `program` doing the same.
struct Case {
    runtime: &'static str,
    run: &'static [&'static str],
    program: &'static str,
    native_args: &'static [&'static str],
    target: &'static str,
}

const CASES: [Case; 2] = [
    Case {
        runtime: "bash",
        run: &["echo hi"],
        program: "bash",
        native_args: &["-c", "echo hi"],
        target: "≤ 2× native, ≤ 40 MiB",
    },
    Case {
        runtime: "python",
        run: &["-c", "print(1)"],
        program: "python3",
        native_args: &["-c", "print(1)"],
        target: "≤ 10 ms, ≤ 40 MiB",
    },
];

struct Row {
    what: String,
    native: Option<Duration>,
    krt: Duration,
    peak_mib: f64,
    target: &'static str,
    met: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut args = Args::parse();
    args.samples = rows::scaled(args.samples);
    let builtins = builtins();
    let cache = tempfile::tempdir().expect("a cache directory");
    let mut rows = Vec::new();

    // First runs on an empty cache: each compiles only what its Run needs.
    for (runtime, run) in [
        ("bash", ["echo hi"].as_slice()),
        ("python", &["-c", "print(1)"]),
    ] {
        let first = measure(&mut krt(&builtins, cache.path(), runtime, run));
        rows.push(Row {
            what: format!("first `krt local run --runtime {runtime}` on an empty cache"),
            native: None,
            krt: first.wall,
            peak_mib: first.peak_kib as f64 / 1024.0,
            target: "≤ 10 s",
            met: first.wall <= Duration::from_secs(10),
        });
    }

    for Case {
        runtime,
        run,
        program,
        native_args,
        target,
    } in CASES
    {
        // One run to settle the page cache and the cached artefacts.
        measure(&mut krt(&builtins, cache.path(), runtime, run));
        let (mut ours, mut theirs, mut peak) = (Vec::new(), Vec::new(), 0);
        for _ in 0..args.samples {
            let sample = measure(&mut krt(&builtins, cache.path(), runtime, run));
            ours.push(sample.wall);
            peak = peak.max(sample.peak_kib);
            theirs.push(measure(&mut native(program, native_args)).wall);
        }
        let (ours, theirs) = (median(ours), median(theirs));
        let peak_mib = peak as f64 / 1024.0;
        let fast = if runtime == "bash" {
            ours <= theirs * 2
        } else {
            ours <= Duration::from_millis(10)
        };
        rows.push(Row {
            what: format!(
                "`krt local run -q --runtime {runtime} -- {}` (cached) vs `{program} {}`",
                run.join(" "),
                native_args.join(" ")
            ),
            native: Some(theirs),
            krt: ours,
            peak_mib,
            target,
            met: fast && peak_mib <= 40.0,
        });
    }

    println!(
        "| what | native p50 ms | krt p50 ms | krt / native | krt peak RSS MiB | target | met |\n\
         |---|---:|---:|---:|---:|---|---|"
    );
    for row in rows {
        rows::record(&rows::Row {
            what: &row.what,
            n: if row.native.is_some() {
                args.samples
            } else {
                1
            },
            ours: format!("{} ({:.1} MiB peak)", rows::millis(row.krt), row.peak_mib),
            baseline: row.native.map(rows::millis),
            target: Some(row.target),
            met: Some(row.met),
        });
        let (native, ratio) = match row.native {
            Some(n) => (
                format!("{:.1}", ms(n)),
                format!("{:.1}×", ms(row.krt) / ms(n)),
            ),
            None => ("-".to_owned(), "-".to_owned()),
        };
        println!(
            "| {} | {native} | {:.1} | {ratio} | {:.1} | {} | {} |",
            row.what,
            ms(row.krt),
            row.peak_mib,
            row.target,
            if row.met { "yes" } else { "no" }
        );
    }
    println!(
        "\n{} samples per cached row, medians; first runs are one sample each.",
        args.samples
    );
}
