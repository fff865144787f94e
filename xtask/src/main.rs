//! `cargo xtask`: the front door for everything beyond `cargo build`.
//!
//! - `cargo xtask demo`: set up this machine and run the main job (`krt local`) on an example Run.
//! - `cargo xtask test`: the whole suite, exactly as CI runs it.
//! - `cargo xtask install --prefix DIR`: `DIR/bin/krt` with its built-in runtimes in `DIR/share/kruntimes/runtimes`.
//! - `cargo xtask codegen [--check]`: regenerate (or check) CRDs, proto bindings and CLI docs.
//! - `cargo xtask build-guests`: build the wasm guests in `runtimes/` and the built-in runtimes.
//! - `cargo xtask build-bash`: rebuild only the bash runtime from the tools already built.
//! - `cargo xtask prepare-guests`: unpack and patch the registry crates `runtimes/` patches (before running cargo
//!   there directly).
//! - `cargo xtask python-runtime`: build a custom Python runtime with bundled packages.
//! - `cargo xtask bench [--quick] [--write]`: every performance row with a target, in one table.
//! - `cargo xtask cluster up|down|env`: a real Kubernetes control plane on loopback (etcd, kube-apiserver,
//!   kube-controller-manager, kube-scheduler), optionally with kruntimes installed by its Helm charts;
//!   `--kubernetes v1.34` for the older minor of the compatibility check.
//! - `cargo xtask compat-kubernetes`: the CRD and CEL admission test against the older Kubernetes minors (opt-in).
//!
//! Anything that needs logic lives here rather than in shell scripts, so it is checked by the
//! compiler and works the same on every machine.

/// Where built-in runtimes are written, in runtimed's layout (`<name>/component.wasm`, `<name>/root/`).
const BUILTINS_DIR: &str = "runtimes/target/builtins";

mod bash;
mod bench;
mod cluster;
mod codegen;
mod compat;
mod fuzz;
mod guests;
mod install;
mod setup;
mod suite;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "kruntimes repository automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is needed and run the main job: `krt local run` on examples/hello-wasm.yaml.
    Demo,
    /// Run every check and test, as CI does.
    Test,
    /// Build krt (release) and the built-in runtimes and install them: DIR/bin/krt and
    /// DIR/share/kruntimes/runtimes, where an installed krt finds its runtimes.
    Install {
        /// Installation prefix, e.g. ~/.local (then put ~/.local/bin on PATH).
        #[arg(long)]
        prefix: PathBuf,
    },
    /// Regenerate every generated file (CRDs, proto bindings, CLI reference).
    Codegen {
        /// Fail if a generated file is out of date instead of writing it.
        #[arg(long)]
        check: bool,
    },
    /// Build the wasm guests (runtimes/) for wasm32-wasip2, the built-in runtimes, and the example runtimes
    /// of runtimes/examples (the JavaScript one needs Node.js >= 20 and npm).
    BuildGuests {
        /// Only the guests and the built-in runtimes (what runtimed's image ships), not the examples.
        #[arg(long)]
        builtins_only: bool,
    },
    /// Rebuild only the bash runtime (the shell, then `runtimes/target/builtins/bash` from the tools already
    /// built by build-guests): the quick loop when working on the shell.
    BuildBash,
    /// Unpack and patch the registry crates the runtimes/ workspace patches (awk-rs, into
    /// runtimes/target/patched/), so that cargo can run in runtimes/ directly, e.g.
    /// `cargo build --release --manifest-path runtimes/Cargo.toml -p test-guests`. Every xtask command that
    /// runs cargo there does it first.
    PrepareGuests,
    /// Build a custom Python runtime: the built-in one plus pure-Python packages from local wheels.
    ///
    /// Writes a built-in runtime directory (component.wasm, root/python) that runtimed's and
    /// krt's --builtins take. Example: runtimes/examples/python-dateutil/README.md.
    PythonRuntime {
        /// Output directory; its name is the runtime's name under --builtins.
        #[arg(long)]
        out: PathBuf,
        /// Requirements file naming the wheels to bundle (pin exact versions).
        #[arg(long, requires = "wheels")]
        requirements: Option<PathBuf>,
        /// Directory holding those wheels; no package index is used.
        #[arg(long, requires = "requirements")]
        wheels: Option<PathBuf>,
        /// Preload only the standard library modules listed in this file (default: all of them).
        #[arg(long)]
        preload: Option<PathBuf>,
    },
    /// A real Kubernetes control plane on loopback, built from the Go module proxy (needs Go >= 1.26).
    Cluster {
        #[command(subcommand)]
        action: ClusterAction,
    },
    /// Run the fuzz targets of fuzz/ (cargo-fuzz, libFuzzer; needs the nightly toolchain), each for a bounded time
    /// from its committed seed corpus. A crash stops the run and leaves its input in fuzz/artifacts/<target>/.
    Fuzz {
        /// 30 seconds per target, as the suite runs them.
        #[arg(long, conflicts_with = "seconds")]
        smoke: bool,
        /// Seconds per target.
        #[arg(long, default_value_t = 300)]
        seconds: u64,
        /// Targets to run (default: all): manifests, network_rule, workflow_expr, outputs, spawn_request,
        /// grpc_request.
        targets: Vec<String>,
    },
    /// Run the performance benchmarks (engine, bash, python, krt start-up, MCP) and print every row that has a
    /// target as one Markdown table, beside its native baseline measured in the same run.
    Bench {
        /// A fifth of the samples: a few minutes in all once built.
        #[arg(long)]
        quick: bool,
        /// Put the table into docs/benchmarks.md (between its markers).
        #[arg(long)]
        write: bool,
    },
    /// Soak runtimed: mixed Runs (bash, Python; failing, timing out, cancelled, with outputs, artifacts, files and
    /// pipelines) through one runtimed, sampling its memory, fds, threads, tokio tasks, workspaces and cache after
    /// every round; fails on a Run that ended wrongly or a metric that grew every round. Release build; not part
    /// of `cargo xtask test` (100,000 Runs over gRPC take about 7 minutes here, plus the build).
    Soak {
        /// Runs in all, the warm-up round included.
        #[arg(long, default_value_t = 100_000)]
        runs: usize,
        /// Runs per round (the daemon is sampled after each).
        #[arg(long, default_value_t = 10_000)]
        round: usize,
        /// Runs in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Through the Kubernetes agent of one bash Runtime pod on the cluster of KRUNTIMES_E2E_KUBECONFIG
        /// (`cargo xtask cluster up --with-kruntimes`), instead of gRPC.
        #[arg(long)]
        agent: bool,
    },
    /// Check the CRDs and their CEL rules on an older Kubernetes minor (1.34) than the suite's.
    ///
    /// Builds that control plane (about 5 minutes cold, seconds warm), starts it in target/cluster-v1.34, runs
    /// `kruntimes-e2e`'s crds test against it, then stops it and removes the directory. Opt-in: not part of
    /// `cargo xtask test`.
    CompatKubernetes,
}

#[derive(Subcommand)]
enum ClusterAction {
    /// Start etcd, kube-apiserver, kube-controller-manager and kube-scheduler (state in target/cluster).
    Up {
        /// Also start the node stand-in and install both Helm charts (controller, scheduler, a bash Runtime).
        #[arg(long, conflicts_with = "kubernetes")]
        with_kruntimes: bool,
        #[command(flatten)]
        kubernetes: KubernetesArg,
    },
    /// Stop everything `up` started and remove target/cluster.
    Down {
        #[command(flatten)]
        kubernetes: KubernetesArg,
    },
    /// Print `export KUBECONFIG=...` for the running cluster.
    Env {
        #[command(flatten)]
        kubernetes: KubernetesArg,
    },
}

#[derive(clap::Args)]
struct KubernetesArg {
    /// An older Kubernetes minor instead of the pinned release, built from e2e/cluster/compat/<MINOR>.mod
    /// into target/kcluster-<MINOR>, its state in target/cluster-<MINOR> (beside the default cluster).
    #[arg(long, value_name = "MINOR")]
    kubernetes: Option<cluster::Kubernetes>,
}

impl KubernetesArg {
    fn get(&self) -> cluster::Kubernetes {
        self.kubernetes.unwrap_or_default()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = repo_root();
    let result = match cli.command {
        Command::Demo => suite::demo(&root),
        Command::Install { prefix } => install::install(&root, &prefix),
        Command::Test => suite::test(&root),
        Command::Codegen { check } => codegen::run(&root, check),
        Command::Fuzz {
            smoke,
            seconds,
            targets,
        } => fuzz::run(
            &root,
            &targets,
            if smoke { fuzz::SMOKE_SECONDS } else { seconds },
        ),
        Command::BuildGuests { builtins_only } => {
            let scope = if builtins_only {
                guests::Scope::BuiltinsOnly
            } else {
                guests::Scope::All
            };
            setup::ensure_wasm_target(&root).and_then(|()| guests::build(&root, scope))
        }
        Command::BuildBash => bash::build(&root),
        Command::PrepareGuests => bash::prepare_runtimes(&root),
        Command::Cluster { action } => match action {
            ClusterAction::Up {
                with_kruntimes,
                kubernetes,
            } => {
                // The processes go on after this command; `cluster down` stops them.
                let up = cluster::Up {
                    kubernetes: kubernetes.get(),
                    with_kruntimes,
                    built: false,
                };
                cluster::up(&root, up).map(drop)
            }
            ClusterAction::Down { kubernetes } => cluster::down(&root, kubernetes.get()),
            ClusterAction::Env { kubernetes } => cluster::env(&root, kubernetes.get()),
        },
        Command::Bench { quick, write } => bench::run(&root, quick, write),
        Command::Soak {
            runs,
            round,
            concurrency,
            agent,
        } => soak(&root, runs, round, concurrency, agent),
        Command::CompatKubernetes => compat::run(&root),
        Command::PythonRuntime {
            out,
            requirements,
            wheels,
            preload,
        } => guests::python_runtime(
            &root,
            &guests::PythonBuild {
                out,
                requirements,
                wheels,
                preload,
            },
        ),
    };
    report(result)
}

/// `cargo xtask soak`: the built-in runtimes, then e2e/benches/soak.rs in the release profile.
fn soak(root: &Path, runs: usize, round: usize, concurrency: usize, agent: bool) -> Result<()> {
    setup::ensure_wasm_target(root)?;
    guests::build(root, guests::Scope::BuiltinsOnly)?;
    let mut command = std::process::Command::new("cargo");
    command
        .args([
            "bench",
            "--locked",
            "-p",
            "kruntimes-e2e",
            "--bench",
            "soak",
            "--",
        ])
        .args(["--runs", &runs.to_string(), "--round", &round.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .current_dir(root);
    if agent {
        command.arg("--agent");
    }
    setup::run_command(&mut command)
}

fn report(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: the parent of this crate's directory.
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
