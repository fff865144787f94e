//! Command-line arguments of `krt`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// krt: run short tasks on kruntimes warm pools, or locally without a cluster.
#[derive(Debug, Parser)]
#[command(name = "krt", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run on this machine with the embedded engine; no cluster needed.
    Local(LocalArgs),
    /// Check kruntimes objects (Run, Runtime, Workflow) against the API's rules, offline.
    ///
    /// Example: krt validate -f run.yaml
    Validate(ValidateArgs),
    /// Print the version of krt.
    Version,
    /// Print a shell completion script.
    ///
    /// Example: krt completion bash > /etc/bash_completion.d/krt
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `krt local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// The local command.
    #[command(subcommand)]
    pub command: LocalCommand,
}

/// `krt local` commands.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Validate a Run and execute it locally, in a fresh instance of its runtime's component.
    ///
    /// Given a Workflow manifest, runs its steps as Runs in dependency order with the engine the
    /// controller uses, prints each step's output prefixed with its id, then a summary, and exits 0
    /// only if the Workflow succeeded. --component then serves every runtime its steps name.
    ///
    /// The built-in runtimes (bash with its tools, python) are found in the built-ins directory
    /// (--builtins); any other runtime is given with --component.
    ///
    /// Examples:
    ///   krt local run -f examples/hello-python.yaml
    ///   krt local run --runtime python -- -c 'print("hi")'
    ///   krt local run --runtime bash -- 'seq 1 100 | grep 7 | wc -l'
    ///   krt local run --runtime bash --script build.sh -- --release
    ///   krt local run --runtime python --script job.py -- --verbose
    ///   krt local run -f examples/hello-wasm.yaml --component greet.wasm
    ///   krt local run --runtime greet --component greet.wasm --env GREETING=Hi -- world
    ///   krt local run -q --runtime greet --component greet.wasm -- world
    ///   krt local run -f examples/hello-workflow.yaml --component greet.wasm --set who=you
    Run(LocalRunArgs),
}

/// `krt local run`.
#[derive(Debug, Args)]
pub struct LocalRunArgs {
    /// A Run or Workflow manifest (YAML or JSON); `-` reads it from stdin.
    #[arg(short = 'f', long = "filename", conflicts_with_all = ["runtime", "script"])]
    pub file: Option<PathBuf>,
    /// Runtime to execute on, when no manifest is given.
    #[arg(long, required_unless_present = "file")]
    pub runtime: Option<String>,
    /// A script file used as the Run's inline source; `-` reads it from stdin.
    #[arg(long, requires = "runtime")]
    pub script: Option<PathBuf>,
    /// Environment variable of the Run (`NAME=VALUE`, repeatable), when no manifest is given.
    #[arg(long = "env", value_name = "NAME=VALUE", conflicts_with = "file")]
    pub env: Vec<String>,
    /// Input of a Workflow (`NAME=VALUE`, repeatable); overrides the manifest's `arguments`.
    #[arg(long = "set", value_name = "NAME=VALUE", requires = "file")]
    pub set: Vec<String>,
    /// The wasm component (`.wasm`, a `wasi:cli/command`) that implements the Run's runtime,
    /// instead of the built-in runtime of that name.
    #[arg(long, value_name = "FILE.wasm")]
    pub component: Option<PathBuf>,
    /// Directory of the built-in runtimes (default: $KRUNTIMES_BUILTINS, else
    /// ../share/kruntimes/runtimes next to krt).
    #[arg(long, value_name = "DIR")]
    pub builtins: Option<PathBuf>,
    /// Print only the guest's own stdout and stderr, and exit with the guest's exit code
    /// (124 after a timeout, 130 after a cancel), like a local process.
    #[arg(short, long, conflicts_with = "output")]
    pub quiet: bool,
    /// Print the finished Run as an object (its status filled in) instead of a summary; the guest's
    /// output then goes to stderr.
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Directory for precompiled components (default: $XDG_CACHE_HOME/kruntimes or ~/.cache/kruntimes).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Arguments of the Run (after `--`), when no manifest is given.
    #[arg(last = true, conflicts_with = "file")]
    pub args: Vec<String>,
}

/// Object output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// `krt validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files holding one or more objects (`---`-separated YAML or JSON); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    pub files: Vec<PathBuf>,
}
