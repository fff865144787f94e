//! Soak: many mixed Runs through one runtimed, watching it for anything that grows.
//!
//! ```text
//! cargo xtask soak                        # 100,000 Runs over gRPC, in rounds of 10,000
//! cargo xtask soak --runs 20000 --agent   # through the Kubernetes agent, on `cargo xtask cluster up --with-kruntimes`
//! ```
//!
//! - **gRPC** (default): runtimed's own start-up (`daemon::start_manager` from runtimed's flags, `server::serve`)
//!   runs on a tokio runtime of its own, as in the `runtimed` binary; the client drives it over a loopback socket
//!   from another thread. The mix cycles through bash and Python Runs that succeed, fail, time out, are cancelled,
//!   write outputs and artifacts, write files and spawn pipelines; each is awaited through `Logs` (follow),
//!   checked against how it must end, and forgotten.
//! - **agent** (`--agent`, needs `KRUNTIMES_E2E_KUBECONFIG`): a bash Runtime of one pod in a temporary namespace;
//!   Run objects are created, awaited on a watch, checked and deleted; the runtimed sampled is that pod's process
//!   on the node stand-in (found through its container ID), so its tokio tasks are not visible.
//!
//! After every round the daemon is left to settle (nothing active or retained, workspaces reaped), then sampled:
//! RSS, open fds, threads, live tokio tasks, workspace directories, and the compiled-component cache. Round 0 is the
//! warm-up. The soak fails on a Run that ended wrongly, on a workspace left behind, and on a metric that grew after
//! every round since the warm-up by more than its tolerance ([`kruntimes_e2e::soak::leaks`]).
//!
//! Not in CI (100,000 Runs take tens of minutes here); the numbers go in docs/benchmarks.md.

#![allow(clippy::print_stdout, reason = "a benchmark prints its table")]

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::v1alpha1::{Run, RunPhase};
use kruntimes_e2e::soak::{self, Sample};
use kruntimes_e2e::{TempNamespace, scenarios};
use kruntimes_proto::v1::runtime_client::RuntimeClient;
use kruntimes_proto::v1::{
    CancelRequest, ExecuteRequest, ExecutionId, ExecutionState, ForgetRequest, HealthRequest,
    LogSelector, LogStream, LogsRequest, StatusRequest, logs_response,
};
use kruntimes_runtimed::daemon::{self, Args};
use kruntimes_runtimed::server::{ServeOptions, serve};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// The soak's own flags (after `--`).
#[derive(Debug, Parser)]
struct Opts {
    /// Runs in all, warm-up round included.
    #[arg(long, default_value_t = 100_000)]
    runs: usize,
    /// Runs per round; the daemon is sampled after each.
    #[arg(long, default_value_t = 10_000)]
    round: usize,
    /// Runs in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Through the Kubernetes agent of a Runtime's pod on the cluster of `KRUNTIMES_E2E_KUBECONFIG`, instead of
    /// gRPC (bash Runs only: one Runtime, one runtimed).
    #[arg(long)]
    agent: bool,
    /// Only these kinds of the mix (comma-separated names, e.g. `bash-echo,bash-pipeline`): to tell which kind
    /// of Run a growth comes with.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Ignored: what `cargo bench` passes to every bench target.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One kind of Run of the mix, and what it must end with.
struct Kind {
    name: &'static str,
    runtime: &'static str,
    args: &'static [&'static str],
    timeout_ms: u64,
    cancel: bool,
    reason: &'static str,
    exit_code: Option<i32>,
    stdout: Option<&'static str>,
    outputs: &'static [(&'static str, &'static str)],
}

const fn kind(name: &'static str, runtime: &'static str, args: &'static [&'static str]) -> Kind {
    Kind {
        name,
        runtime,
        args,
        timeout_ms: 0,
        cancel: false,
        reason: "Succeeded",
        exit_code: Some(0),
        stdout: None,
        outputs: &[],
    }
}

const MIX: &[Kind] = &[
    Kind {
        stdout: Some("hi\n"),
        ..kind("bash-echo", "bash", &["-c", "echo hi"])
    },
    Kind {
        stdout: Some("1\n"),
        ..kind("python-print", "python", &["-c", "print(1)"])
    },
    Kind {
        reason: "ExitCode",
        exit_code: Some(3),
        ..kind("bash-fail", "bash", &["-c", "echo oops >&2; exit 3"])
    },
    Kind {
        reason: "ExitCode",
        exit_code: Some(1),
        ..kind(
            "python-raise",
            "python",
            &["-c", "raise ValueError('soak')"],
        )
    },
    Kind {
        timeout_ms: 30,
        reason: "Timeout",
        exit_code: None,
        ..kind("bash-timeout", "bash", &["-c", "sleep 10"])
    },
    Kind {
        timeout_ms: 30,
        reason: "Timeout",
        exit_code: None,
        ..kind("python-timeout", "python", &["-c", "while True: pass"])
    },
    Kind {
        cancel: true,
        reason: "Cancelled",
        exit_code: None,
        ..kind("bash-cancel", "bash", &["-c", "sleep 10"])
    },
    Kind {
        outputs: &[("answer", "42"), ("name", "soak")],
        ..kind(
            "bash-outputs",
            "bash",
            &[
                "-c",
                "printf 'answer=42\\nname=soak\\n' > \"$KRUNTIME_OUTPUTS\"",
            ],
        )
    },
    Kind {
        stdout: Some("65536\n"),
        ..kind(
            "bash-artifact",
            "bash",
            &[
                "-c",
                "mkdir -p \"$KRUNTIME_ARTIFACTS_DIR/out\" && seq 1 20000 | head -c 65536 > \"$KRUNTIME_ARTIFACTS_DIR/out/a.txt\" \
                 && wc -c < \"$KRUNTIME_ARTIFACTS_DIR/out/a.txt\"",
            ],
        )
    },
    Kind {
        stdout: Some("100\n99\n98\n"),
        ..kind(
            "bash-pipeline",
            "bash",
            &["-c", "seq 1 100 | sort -rn | head -3"],
        )
    },
    Kind {
        stdout: Some("4096\n"),
        ..kind(
            "python-files",
            "python",
            &[
                "-c",
                "import os\nos.makedirs('d/e', exist_ok=True)\nopen('d/e/f', 'wb').write(b'x' * 4096)\n\
                 print(os.path.getsize('d/e/f'))",
            ],
        )
    },
];

/// The kinds of the mix this soak cycles through: those `usable` here, narrowed to `--only` if given.
fn mix(opts: &Opts, usable: impl Fn(&Kind) -> bool) -> Result<Vec<&'static Kind>> {
    let kinds: Vec<&Kind> = MIX
        .iter()
        .filter(|k| usable(k) && (opts.only.is_empty() || opts.only.iter().any(|o| o == k.name)))
        .collect();
    if kinds.is_empty() {
        bail!(
            "no kind of the mix left by --only {:?}; the kinds are {}",
            opts.only,
            MIX.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(kinds)
}

fn id(uid: &str) -> Option<ExecutionId> {
    Some(ExecutionId::new(uid, 1))
}

/// What was wrong with how a Run ended, if anything.
fn check(
    kind: &Kind,
    reason: &str,
    exit_code: Option<i32>,
    stdout: Option<&str>,
    outputs: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if reason != kind.reason {
        problems.push(format!("reason {reason}, want {}", kind.reason));
    }
    if kind.exit_code.is_some() && exit_code != kind.exit_code {
        problems.push(format!(
            "exit code {exit_code:?}, want {:?}",
            kind.exit_code
        ));
    }
    if let (Some(want), Some(got)) = (kind.stdout, stdout)
        && got != want
    {
        problems.push(format!("stdout {got:?}, want {want:?}"));
    }
    for (key, value) in kind.outputs {
        if outputs.get(*key).map(String::as_str) != Some(*value) {
            problems.push(format!("outputs {outputs:?}, want {key}={value}"));
        }
    }
    problems
}

// === gRPC ===

/// Runs Run number `n` of the mix to its end, checks how it ended, and forgets it.
async fn grpc_one(
    mut client: RuntimeClient<Channel>,
    kinds: Arc<Vec<&'static Kind>>,
    n: usize,
) -> Result<(), String> {
    let kind = kinds[n % kinds.len()];
    let uid = format!("soak-{n}");
    let fail = |what: String| format!("{} {uid}: {what}", kind.name);
    let rpc = |e: tonic::Status| fail(format!("{}: {}", e.code(), e.message()));
    client
        .execute(ExecuteRequest {
            id: id(&uid),
            runtime: kind.runtime.to_owned(),
            args: kind.args.iter().map(|a| (*a).to_owned()).collect(),
            timeout_ms: kind.timeout_ms,
            spec_digest: format!("sha256:soak-{}", kind.name),
            ..ExecuteRequest::default()
        })
        .await
        .map_err(rpc)?;
    if kind.cancel {
        client
            .cancel(CancelRequest { id: id(&uid) })
            .await
            .map_err(rpc)?;
    }
    let mut logs = client
        .logs(LogsRequest {
            id: id(&uid),
            follow: true,
            streams: LogSelector::Both as i32,
            tail_bytes: None,
        })
        .await
        .map_err(rpc)?
        .into_inner();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    while let Some(message) = logs.message().await.map_err(rpc)? {
        match message.event {
            Some(logs_response::Event::Chunk(chunk))
                if chunk.stream == LogStream::Stdout as i32 =>
            {
                stdout.extend_from_slice(&chunk.data);
            }
            Some(logs_response::Event::Chunk(chunk)) => stderr.extend_from_slice(&chunk.data),
            Some(logs_response::Event::End(_)) => break,
            None => {}
        }
    }
    let status = client
        .status(StatusRequest { id: id(&uid) })
        .await
        .map_err(rpc)?
        .into_inner()
        .status
        .ok_or_else(|| fail("Status without a status".into()))?;
    let state = ExecutionState::try_from(status.state).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&stdout);
    let problems = check(
        kind,
        &status.reason,
        status.exit_code,
        Some(&stdout),
        &status.outputs,
    );
    // Forgotten whatever the outcome: a wrong ending is reported, not left behind.
    client
        .forget(ForgetRequest { id: id(&uid) })
        .await
        .map_err(rpc)?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "{} ({state:?}); message {:?}; stderr {:?}",
            problems.join(", "),
            status.message,
            String::from_utf8_lossy(&stderr)
        )))
    }
}

/// Failures of a soak: how many, and the first 20.
#[derive(Default)]
struct Failures {
    count: usize,
    first: Vec<String>,
}

/// Runs `first..end`, `concurrency` at a time, with `one`; failures go to `failures`.
async fn round<F, Fut>(
    first: usize,
    end: usize,
    concurrency: usize,
    failures: &Arc<std::sync::Mutex<Failures>>,
    one: F,
) where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let next = Arc::new(AtomicUsize::new(first));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let next = Arc::clone(&next);
            let failures = Arc::clone(failures);
            let one = one.clone();
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= end {
                        return;
                    }
                    if let Err(err) = one(n).await {
                        let mut failures = failures.lock().unwrap_or_else(PoisonError::into_inner);
                        failures.count += 1;
                        if failures.first.len() < 20 {
                            failures.first.push(err);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        if let Err(err) = worker.await {
            // A panicking check is a failed Run too, not a lost one.
            let mut failures = failures.lock().unwrap_or_else(PoisonError::into_inner);
            failures.count += 1;
            failures
                .first
                .push(format!("a soak worker panicked: {err}"));
        }
    }
}

/// Where a runtimed keeps its Runs' workspaces and its compiled components, and how to sample it.
struct Daemon {
    /// `/proc` name of its process.
    pid: String,
    /// Its tokio runtime, when it runs in this process.
    tokio: Option<tokio::runtime::Handle>,
    workspaces: PathBuf,
    cache: PathBuf,
}

impl Daemon {
    /// Waits until `quiet` says nothing is active and every workspace is reaped (at most 60 s), then samples.
    async fn settle_and_sample<Q: Future<Output = bool>>(
        &self,
        quiet: impl Fn() -> Q,
        runs: usize,
        runs_per_s: f64,
    ) -> Sample {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !(quiet().await && soak::count_entries(&self.workspaces) == 0)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let finished tasks and the allocator's trimming catch up, so a sample is of a daemon at rest.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Sample {
            runs,
            runs_per_s,
            tasks: self
                .tokio
                .as_ref()
                .map(|t| t.metrics().num_alive_tasks() as u64),
            workspaces: soak::count_entries(&self.workspaces),
            cache_bytes: soak::tree_bytes(&self.cache),
            ..soak::process(&self.pid)
        }
    }
}

/// Rounds of Runs, each followed by a sample of `daemon`; prints a line per round.
async fn rounds<F, Fut, Q, QF>(
    opts: &Opts,
    daemon: &Daemon,
    one: F,
    quiet: Q,
) -> (Vec<Sample>, Failures)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
    Q: Fn() -> QF,
    QF: Future<Output = bool>,
{
    let failures = Arc::new(std::sync::Mutex::new(Failures::default()));
    let mut samples = Vec::new();
    let mut done = 0;
    while done < opts.runs {
        let end = (done + opts.round).min(opts.runs);
        let t = Instant::now();
        round(done, end, opts.concurrency, &failures, one.clone()).await;
        let rate = (end - done) as f64 / t.elapsed().as_secs_f64();
        done = end;
        let s = daemon.settle_and_sample(&quiet, done, rate).await;
        println!(
            "{done} Runs: {rate:.0} Runs/s, RSS {:.1} MiB, {} fds, {} threads, {:?} tasks, {} workspaces",
            s.rss_kib as f64 / 1024.0,
            s.fds,
            s.threads,
            s.tasks,
            s.workspaces
        );
        samples.push(s);
    }
    let failures = std::mem::take(&mut *failures.lock().unwrap_or_else(PoisonError::into_inner));
    (samples, failures)
}

/// The gRPC soak: runtimed's own start-up and server in this process, on a runtime of its own.
fn grpc_soak(opts: &Opts) -> Result<(Vec<Sample>, Failures)> {
    let builtins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins");
    if !(builtins.join("bash").is_dir() && builtins.join("python").is_dir()) {
        bail!(
            "no built-in runtimes in {}: run `cargo xtask build-guests --builtins-only`",
            builtins.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let workspaces = dir.path().join("workspaces");
    let cache = dir.path().join("cache");
    let args = Args::try_parse_from([
        "runtimed".as_ref(),
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--workspace-root".as_ref(),
        workspaces.as_os_str(),
        "--cache-dir".as_ref(),
        cache.as_os_str(),
        "--builtins".as_ref(),
        builtins.as_os_str(),
    ] as [&std::ffi::OsStr; 9])?;

    // runtimed's runtime, as its `#[tokio::main]` builds it; the client gets one of its own.
    let runtimed = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("runtimed")
        .build()?;
    let started = Instant::now();
    let manager = runtimed.block_on(daemon::start_manager(&args))?;
    println!(
        "runtimed started in {:.1} s (compiling the built-in runtimes into a fresh cache)",
        started.elapsed().as_secs_f64()
    );
    let listener = runtimed.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = runtimed.spawn(serve(listener, manager, ServeOptions::default(), async {
        let _ = stopped.await;
    }));
    let daemon = Daemon {
        pid: "self".to_owned(),
        tokio: Some(runtimed.handle().clone()),
        workspaces,
        cache,
    };

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = client_rt.block_on(async {
        let channel = Channel::from_shared(format!("http://{addr}"))?
            .connect()
            .await?;
        let client = RuntimeClient::new(channel);
        let kinds = Arc::new(mix(opts, |_| true)?);
        let one = {
            let client = client.clone();
            move |n| grpc_one(client.clone(), Arc::clone(&kinds), n)
        };
        let quiet = || {
            let mut client = client.clone();
            async move {
                client.health(HealthRequest {}).await.is_ok_and(|h| {
                    let h = h.into_inner();
                    h.active_executions == 0 && h.retained_executions == 0
                })
            }
        };
        anyhow::Ok(rounds(opts, &daemon, one, quiet).await)
    });
    let _ = stop.send(());
    runtimed.block_on(server)??;
    result
}

// === agent ===

/// Terminal Runs of the soak's namespace, handed to whoever waits for them.
type Waiters = Arc<std::sync::Mutex<HashMap<String, oneshot::Sender<Run>>>>;

/// Runs Run number `n` of the bash part of the mix as a Run object, waits for its end, checks it, deletes it.
async fn agent_one(
    api: Api<Run>,
    waiters: Waiters,
    kinds: Arc<Vec<&'static Kind>>,
    n: usize,
) -> Result<(), String> {
    let kind = kinds[n % kinds.len()];
    let name = format!("soak-{n}");
    let fail = |what: String| format!("{} {name}: {what}", kind.name);
    let mut run =
        scenarios::bash_run(&name, "soak", kind.args[1], 1).map_err(|e| fail(e.to_string()))?;
    if kind.timeout_ms > 0 {
        // The API's deadline is in whole seconds.
        run.spec.template.timeout_seconds = Some(1);
    }
    let (tx, rx) = oneshot::channel();
    waiters
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(name.clone(), tx);
    api.create(&PostParams::default(), &run)
        .await
        .map_err(|e| fail(format!("create: {e}")))?;
    if kind.cancel {
        let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&cancel))
            .await
            .map_err(|e| fail(format!("cancel: {e}")))?;
    }
    let ended = tokio::time::timeout(Duration::from_secs(120), rx)
        .await
        .map_err(|_| fail("not terminal after 120 s".into()))?
        .map_err(|_| fail("the watch ended".into()))?;
    let status = ended.status.unwrap_or_default();
    let problems = check(
        kind,
        status.reason.as_deref().unwrap_or_default(),
        status.exit_code,
        None,
        &status.outputs,
    );
    api.delete(&name, &DeleteParams::default())
        .await
        .map_err(|e| fail(format!("delete: {e}")))?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(format!(
            "{} ({:?}); message {:?}",
            problems.join(", "),
            status.phase,
            status.message
        )))
    }
}

/// The value of flag `flag` in process `pid`'s command line.
fn flag_of(pid: u32, flag: &str) -> Result<PathBuf> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))?;
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let value = args
        .windows(2)
        .find(|w| w[0] == flag.as_bytes())
        .map(|w| PathBuf::from(String::from_utf8_lossy(w[1]).into_owned()))
        .with_context(|| format!("runtimed (pid {pid}) has no {flag}"))?;
    Ok(value)
}

async fn agent_soak(opts: &Opts) -> Result<(Vec<Sample>, Failures)> {
    let client = kruntimes_e2e::client().await?;
    let ns = TempNamespace::create(&client).await?;
    let result = agent_rounds(opts, &client, &ns.name).await;
    ns.delete().await?;
    result
}

async fn agent_rounds(opts: &Opts, client: &Client, ns: &str) -> Result<(Vec<Sample>, Failures)> {
    let runs_capacity = u32::try_from(opts.concurrency)?;
    scenarios::create_bash_runtime(
        client,
        ns,
        "soak",
        1,
        runs_capacity,
        Duration::from_secs(300),
    )
    .await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = pods
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .next()
        .context("the Runtime's pod")?;
    let pid = kruntimes_e2e::container_pid(client, ns, &pod.name_any(), "runtimed").await?;
    let daemon = Daemon {
        pid: pid.to_string(),
        tokio: None,
        workspaces: flag_of(pid, "--workspace-root")?,
        cache: flag_of(pid, "--cache-dir")?,
    };
    println!("runtimed of pod {} is pid {pid}", pod.name_any());

    let api: Api<Run> = Api::namespaced(client.clone(), ns);
    let waiters: Waiters = Arc::default();
    let watch = {
        let waiters = Arc::clone(&waiters);
        let stream = watcher(api.clone(), watcher::Config::default())
            .backoff(kruntimes_daemon::watch::backoff());
        tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Ok(Some(event)) = stream.try_next().await {
                if let watcher::Event::Apply(run) | watcher::Event::InitApply(run) = event
                    && run.phase().is_terminal()
                    && let Some(tx) = waiters
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&run.name_any())
                {
                    let _ = tx.send(run);
                }
            }
        })
    };
    // One Runtime is one runtimed: bash only.
    let kinds = Arc::new(mix(opts, |k| k.runtime == "bash")?);
    let one = {
        let api = api.clone();
        move |n| agent_one(api.clone(), Arc::clone(&waiters), Arc::clone(&kinds), n)
    };
    let quiet = || {
        let api = api.clone();
        async move {
            api.list(&ListParams::default())
                .await
                .is_ok_and(|l| l.items.iter().all(|r| r.phase() != RunPhase::Running))
        }
    };
    let result = rounds(opts, &daemon, one, quiet).await;
    watch.abort();
    Ok(result)
}

fn main() -> Result<()> {
    let opts = Opts::parse();
    let (samples, failures) = if opts.agent {
        if std::env::var_os(kruntimes_e2e::KUBECONFIG_ENV).is_none() {
            bail!(
                "--agent needs {} (e.g. after `cargo xtask cluster up --with-kruntimes`)",
                kruntimes_e2e::KUBECONFIG_ENV
            );
        }
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(agent_soak(&opts))?
    } else {
        grpc_soak(&opts)?
    };
    if failures.count > 0 {
        println!("\n{} Runs ended wrongly; the first:", failures.count);
        for f in &failures.first {
            println!("  {f}");
        }
    }
    println!("\n{}", soak::table(&samples));
    let mut problems = soak::leaks(&samples);
    if failures.count > 0 {
        problems.push(format!("{} Runs ended wrongly", failures.count));
    }
    if let Some(last) = samples.last()
        && last.workspaces > 0
    {
        problems.push(format!("{} workspaces left behind", last.workspaces));
    }
    if problems.is_empty() {
        println!("soak passed: {} Runs, nothing grew", opts.runs);
        Ok(())
    } else {
        bail!("soak failed:\n{}", problems.join("\n"))
    }
}
