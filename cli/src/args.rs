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
    /// Validate a Run and execute it locally.
    ///
    /// Examples:
    ///   krt local run -f examples/hello-bash.yaml
    ///   krt local run --runtime bash -- 'echo hi'
    Run(LocalRunArgs),
}

/// `krt local run`.
#[derive(Debug, Args)]
pub struct LocalRunArgs {
    /// A Run manifest (YAML or JSON); `-` reads it from stdin.
    #[arg(short = 'f', long = "filename", conflicts_with_all = ["runtime", "script"])]
    pub file: Option<PathBuf>,
    /// Runtime to execute on, when no manifest is given.
    #[arg(long, required_unless_present = "file")]
    pub runtime: Option<String>,
    /// A script file used as the Run's inline source; `-` reads it from stdin.
    #[arg(long, requires = "runtime")]
    pub script: Option<PathBuf>,
    /// Arguments of the Run (after `--`), when no manifest is given.
    #[arg(last = true, conflicts_with = "file")]
    pub args: Vec<String>,
}

/// `krt validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files holding one or more objects (`---`-separated YAML or JSON); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    pub files: Vec<PathBuf>,
}
