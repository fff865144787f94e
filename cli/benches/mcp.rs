//! Tool-call round trips of `krt mcp` over stdio, against the same Run through `krt local run` as a process,
//! measured in the same run: `run_bash` `echo hi` and `run_python` `print(1)` one call at a time (p50, p95), then
//! calls per second with 8 in flight. The server is the real binary speaking newline-delimited JSON-RPC on its
//! stdin/stdout, as an MCP client drives it. Prints one Markdown table with the target of each row.
//!
//! ```text
//! cargo xtask build-guests      # once: the built-in runtimes in runtimes/target/builtins
//! cargo bench -p krt --bench mcp [-- --calls 200]
//! ```

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;

#[path = "../../engine/benches/common/rows.rs"]
mod rows;
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// Calls per row.
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Whole `krt local run` processes for the baseline rows.
    #[arg(long, default_value_t = 15)]
    processes: usize,
    /// Ignored: what `cargo bench` passes to every bench target.
    #[arg(long, hide = true)]
    bench: bool,
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

/// A `krt mcp` process, initialized.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start(builtins: &Path, cache: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_krt"))
            .args(["mcp", "--builtins"])
            .arg(builtins)
            .arg("--cache-dir")
            .arg(cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("krt mcp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut server = Self {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let id = server.send(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "krt-bench", "version": "0"},
            }),
        );
        server.receive(id);
        server.write(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        server
    }

    fn write(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("write to krt mcp");
        self.stdin.flush().expect("flush to krt mcp");
    }

    fn send(&mut self, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    fn call(&mut self, tool: &str, arguments: &Value) -> u64 {
        self.send("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    /// The next response (notifications are skipped); checks it answers `id` when given.
    fn receive(&mut self, id: u64) -> Value {
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).expect("read from krt mcp");
            assert!(read > 0, "krt mcp closed its stdout");
            let message: Value = serde_json::from_str(&line).expect("a JSON-RPC message");
            if message.get("id").is_none() {
                continue;
            }
            assert!(message.get("error").is_none(), "call failed: {message}");
            let result = &message["result"];
            assert_ne!(result["isError"], json!(true), "tool failed: {message}");
            if id != 0 {
                assert_eq!(message["id"], json!(id), "responses in order");
            }
            return message;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Sequential round trips of `tool` with `arguments`: sorted durations.
fn round_trips(server: &mut Server, tool: &str, arguments: &Value, calls: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let id = server.call(tool, arguments);
        let response = server.receive(id);
        times.push(started.elapsed());
        assert_eq!(
            response["result"]["structuredContent"]["phase"],
            json!("Succeeded"),
            "{response}"
        );
    }
    times.sort();
    times
}

/// Calls per second with `window` calls in flight.
fn throughput(
    server: &mut Server,
    tool: &str,
    arguments: &Value,
    calls: usize,
    window: usize,
) -> f64 {
    let started = Instant::now();
    let mut sent = 0;
    let mut received = 0;
    while received < calls {
        while sent < calls && sent - received < window {
            server.call(tool, arguments);
            sent += 1;
        }
        server.receive(0);
        received += 1;
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

/// Median wall time of `krt local run -q` as a whole process.
fn local_run(
    builtins: &Path,
    cache: &Path,
    runtime: &str,
    args: &[&str],
    processes: usize,
) -> Duration {
    let mut times = Vec::with_capacity(processes);
    for _ in 0..=processes {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_krt"))
            .args(["local", "run", "-q", "--builtins"])
            .arg(builtins)
            .arg("--cache-dir")
            .arg(cache)
            .args(["--runtime", runtime, "--"])
            .args(args)
            .stdout(Stdio::null())
            .status()
            .expect("krt local run starts");
        assert!(status.success(), "krt local run failed");
        times.push(started.elapsed());
    }
    // The first settles the caches.
    times.remove(0);
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut args = Args::parse();
    args.calls = rows::scaled(args.calls);
    args.processes = rows::scaled(args.processes);
    let builtins = builtins();
    let cache = tempfile::tempdir().expect("a cache directory");
    let started = Instant::now();
    let mut server = Server::start(&builtins, cache.path());
    let ready = started.elapsed();

    let bash = json!({"code": "echo hi"});
    let python = json!({"code": "print(1)"});
    // Warm-up: compiles nothing more (the server loaded both runtimes), fills the page cache.
    round_trips(&mut server, "run_bash", &bash, 5);
    round_trips(&mut server, "run_python", &python, 5);

    println!(
        "| what | p50 ms | p95 ms | calls/s | baseline: `krt local run -q`, whole process, p50 ms | target | met |\n\
         |---|---:|---:|---:|---:|---|---|"
    );
    for (tool, arguments, runtime, run, target) in [
        ("run_bash", &bash, "bash", vec!["echo hi"], None),
        (
            "run_python",
            &python,
            "python",
            vec!["-c", "print(1)"],
            Some(5.0),
        ),
    ] {
        let times = round_trips(&mut server, tool, arguments, args.calls);
        let p50 = percentile(&times, 50);
        let p95 = percentile(&times, 95);
        let rate = args.calls as f64 / times.iter().map(Duration::as_secs_f64).sum::<f64>();
        let baseline = local_run(&builtins, cache.path(), runtime, &run, args.processes);
        rows::record(&rows::Row {
            what: &format!("`krt mcp` over stdio: `{tool}` {arguments} round trip"),
            n: times.len(),
            ours: format!("p50 {}, p95 {}", rows::millis(p50), rows::millis(p95)),
            baseline: Some(format!(
                "`krt local run -q` process p50 {}",
                rows::millis(baseline)
            )),
            target: target.map(|_| "p50 ≤ 5 ms"),
            met: target.map(|limit| ms(p50) <= limit),
        });
        let (target_text, met) = match target {
            Some(limit) => (
                format!("p50 ≤ {limit} ms"),
                if ms(p50) <= limit { "yes" } else { "no" },
            ),
            None => ("-".to_owned(), "-"),
        };
        println!(
            "| `{tool}` {arguments}, one at a time | {:.2} | {:.2} | {rate:.0} | {:.1} | {target_text} | {met} |",
            ms(p50),
            ms(p95),
            ms(baseline)
        );
    }
    for (tool, arguments) in [("run_bash", &bash), ("run_python", &python)] {
        let rate = throughput(&mut server, tool, arguments, args.calls, 8);
        println!("| `{tool}` {arguments}, 8 in flight | - | - | {rate:.0} | - | - | - |");
    }
    println!(
        "\n`krt mcp` ready to serve (both runtimes loaded from a cold component cache, compile included): {:.1} s",
        ready.as_secs_f64()
    );
}
