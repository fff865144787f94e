//! `krt`, the kruntimes command line.
//!
//! # Layout
//! - [`args`]: the clap definitions of every command (also rendered into `docs/reference/cli.md`).
//! - `cluster`: kubectl-style cluster access (`--kubeconfig`, `--context`, `-n`) and error wording.
//! - `remote`: the cluster commands (`run`, `get`, `describe`, `cancel`, `delete`, `wait`, `workflow`).
//! - `logs`: a Run's output from runtimed's `Logs` RPC, through a port-forward of its pod.
//! - `output`: tables, `-o json|yaml|name` and `describe` text, pure and golden-tested.
//! - `command_line`: the Run's `args` from `-- words` (a bash command and its arguments, as `docker run` reads them).
//! - `files`: `--file` into a local Run's workspace and `--keep-workspace` out of it.
//! - `manifest`: reading kruntimes objects from YAML or JSON files and stdin.
//! - `local`: `krt local`, the embedded mode that runs Runs on this machine without a cluster.
//! - `artifacts`: local mode's artifacts, harvested into a filesystem store and reported in `artifactRefs`.
//! - `local_workflow`: `krt local run` of a Workflow, driving the `kruntimes-workflow` engine.
//! - `runtimes`: finding a runtime's component (`--component`, or a built-in runtime).
//! - `status`: the engine's outcome as a Run `status`, and its summary.
//! - `validate`: `krt validate`, the API's validation rules applied offline.
//!
//! Start with [`main_with_args`].

pub mod args;
mod artifacts;
mod cluster;
mod command_line;
mod files;
mod guest_log;
mod interrupt;
mod local;
mod local_workflow;
mod logs;
mod manifest;
mod mcp;
mod output;
mod remote;
mod runtimes;
mod status;
mod validate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::manifest::Manifest;

pub use args::Cli;

/// The clap command of `krt`, for generated docs and completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `args` and runs the command, printing errors the way users expect.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // Not locked for the whole command: `krt local run` passes guest output to stdout from the engine's threads.
    let mut out = std::io::stdout();
    match run(cli, &mut out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) use kruntimes_api::lifecycle::error_chain;

/// Runs a parsed command, writing its normal output to `out`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<ExitCode> {
    use args::{ArtifactCommand, Command, LocalCommand, RuntimeCommand, WorkflowCommand};
    match cli.command {
        Command::Run(args) => remote::run(&args, out),
        Command::Get(args) => remote::get(&args, out),
        Command::Describe(args) => remote::describe(&args, out),
        Command::Logs(args) => remote::logs(&args, out),
        Command::Cancel(args) => remote::cancel(&args, out),
        Command::Delete(args) => remote::delete(&args, out),
        Command::Wait(args) => remote::wait(&args, out),
        Command::Artifact(a) => match a.command {
            ArtifactCommand::List(args) => artifacts::list(&args, out),
            ArtifactCommand::Download(args) => artifacts::download(&args, out),
        },
        Command::Runtime(r) => match r.command {
            RuntimeCommand::Check(args) => runtimes::check(&args, out),
        },
        Command::Workflow(w) => match w.command {
            WorkflowCommand::Run(args) => remote::workflow_run(&args, out),
            WorkflowCommand::Get { name, cluster } => remote::workflow_get(&name, &cluster, out),
        },
        Command::Local(local) => match local.command {
            LocalCommand::Run(run) => match local_workflow::from_args(&run)? {
                Some(Manifest::Workflow(workflow)) => local_workflow::run(*workflow, &run, out),
                Some(Manifest::Objects { origin, objects }) => {
                    local::run(&run, Some((origin, objects)), out)
                }
                None => local::run(&run, None, out),
            },
        },
        Command::Mcp(args) => mcp::serve(&args),
        Command::Validate(v) => validate::run(&v, out),
        Command::Version(args) => remote::version(&args, out),
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut command(), "krt", out);
            Ok(ExitCode::SUCCESS)
        }
    }
}
