//! Command-line arguments of `krt`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::cluster::ClusterArgs;
pub use crate::output::ListFormat;

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
    /// Create a Run on the cluster, and with --wait follow it to its end.
    ///
    /// The Run gets a generated name (`run-` and 8 characters) unless --name is given. Without
    /// --wait, krt prints the name and exits. With --wait it shows the phase and elapsed time while
    /// the Run is pending and running, then the phase, reason, message and outputs, and exits 0 only
    /// if the Run succeeded.
    ///
    /// Examples:
    ///   krt run --runtime bash -- 'echo hello from $HOSTNAME'
    ///   krt run --runtime python --script job.py --timeout 5m --retries 2 --wait -- --verbose
    ///   krt run -f examples/hello-bash.yaml --wait -o json
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    /// List Runs, Runtimes or Workflows, or show one.
    ///
    /// Examples:
    ///   krt get runs
    ///   krt get runs -A -o wide
    ///   krt get run run-x7k2p9qd -o yaml
    ///   krt get workflows -l team=data -o name
    #[command(visible_alias = "list")]
    Get(GetArgs),
    /// Show a Run, Runtime or Workflow in detail: spec, status, conditions and Events.
    ///
    /// Example: krt describe run run-x7k2p9qd
    #[command(verbatim_doc_comment)]
    Describe(DescribeArgs),
    /// Print a Run's output (stdout to stdout, stderr to stderr), from runtimed in its pod.
    ///
    /// krt reaches runtimed through a port-forward of the Run's pod (you need create on
    /// pods/portforward), or at --address. runtimed keeps the output of the last Runs it finished,
    /// so a Run that just ended still has its logs; they go with its pod.
    ///
    /// Examples:
    ///   krt logs run-x7k2p9qd
    ///   krt logs run-x7k2p9qd -f --tail 20
    ///   krt logs run-x7k2p9qd --stderr --attempt 1
    #[command(verbatim_doc_comment)]
    Logs(LogsArgs),
    /// Cancel a Run or a Workflow (sets spec.cancelRequested; the object ends Cancelled).
    ///
    /// Examples:
    ///   krt cancel run-x7k2p9qd
    ///   krt cancel workflow/nightly
    #[command(verbatim_doc_comment)]
    Cancel(CancelArgs),
    /// Delete Runs, Runtimes or Workflows.
    ///
    /// Example: krt delete run run-x7k2p9qd run-a81bz0qe
    #[command(verbatim_doc_comment)]
    Delete(DeleteArgs),
    /// Wait until a Run or Workflow ends (or reaches --for), then print its phase.
    ///
    /// Exits 0 when the wanted phase is reached; 1 when the object ended in another phase or the
    /// timeout passed.
    ///
    /// Examples:
    ///   krt wait run-x7k2p9qd --for Succeeded --timeout 2m
    ///   krt wait workflow/nightly
    #[command(verbatim_doc_comment)]
    Wait(WaitArgs),
    /// List a Run's artifacts, or download one (digest-verified, written atomically).
    ///
    /// Examples:
    ///   krt artifact list run-x7k2p9qd
    ///   krt artifact download run-x7k2p9qd report.json --to ./report.json
    #[command(verbatim_doc_comment)]
    Artifact(ArtifactArgs),
    /// Runtimes: check a component before shipping it.
    Runtime(RuntimeArgs),
    /// Workflows on the cluster: submit one from a file, show one.
    Workflow(WorkflowArgs),
    /// Run on this machine with the embedded engine; no cluster needed.
    Local(LocalArgs),
    /// Serve code execution to AI agents as a Model Context Protocol (MCP) tool server, over stdio or HTTP.
    ///
    /// Tools: run_bash and run_python (code, args, env, files, timeout, session), run (any allowed
    /// runtime), run_workflow (a Workflow's steps) and end_session. Each call is a fresh sandboxed
    /// instance on the embedded engine with its own new workspace; only a call naming a session finds
    /// the files its session's earlier calls left. Register it in an MCP client as the command
    /// `krt mcp`, or serve it over HTTP with --listen.
    ///
    /// Examples:
    ///   krt mcp
    ///   krt mcp --runtime-file runtimes.yaml --allow-runtime bash --allow-runtime my-runtime
    #[command(verbatim_doc_comment)]
    Mcp(McpArgs),
    /// Check kruntimes objects (Run, Runtime, Workflow) against the API's rules, offline.
    ///
    /// Example: krt validate -f run.yaml
    #[command(verbatim_doc_comment)]
    Validate(ValidateArgs),
    /// Print the version of krt and, when a cluster is configured, of its Kubernetes API and the
    /// kruntimes API it serves.
    ///
    /// Examples:
    ///   krt version
    ///   krt version --client
    #[command(verbatim_doc_comment)]
    Version(VersionArgs),
    /// Print a shell completion script.
    ///
    /// Example: krt completion bash > /etc/bash_completion.d/krt
    #[command(verbatim_doc_comment)]
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
    /// only if the Workflow succeeded. Give each custom runtime's component as --component NAME=FILE.wasm
    /// (a bare FILE.wasm only when all steps run on one runtime).
    ///
    /// The built-in runtimes (bash with its tools, python) are found in the built-ins directory
    /// (--builtins); any other runtime is given with --component.
    ///
    /// Examples:
    ///   krt local run -f examples/hello-python.yaml
    ///   krt local run --runtime python -- -c 'print("hi")'
    ///   krt local run --runtime bash -- 'seq 1 100 | grep 7 | wc -l'
    ///   krt local run --runtime bash -- echo hello world
    ///   krt local run --runtime bash --script build.sh -- --release
    ///   krt local run --runtime python --script job.py -- --verbose
    ///   krt local run -f examples/hello-wasm.yaml --component greet.wasm
    ///   krt local run --runtime greet --component greet.wasm --env GREETING=Hi -- world
    ///   krt local run -q --runtime greet --component greet.wasm -- world
    ///   krt local run -f examples/hello-workflow.yaml --component greet=greet.wasm --set who=you
    #[command(verbatim_doc_comment)]
    Run(LocalRunArgs),
}

/// `krt mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// A runtime the tools may use (repeatable). Default: bash, python and every Runtime of --runtime-file.
    #[arg(long = "allow-runtime", value_name = "NAME")]
    pub allow_runtime: Vec<String>,
    /// Runtimes declared as kruntimes Runtime objects (YAML): their built-in, limits and capabilities apply, and a
    /// tool call cannot widen them.
    #[arg(long, value_name = "FILE")]
    pub runtime_file: Option<PathBuf>,
    /// The component of a runtime, as NAME=FILE.wasm (repeatable).
    #[arg(long, value_name = "NAME=FILE.wasm")]
    pub component: Vec<String>,
    /// Directory of built-in runtimes (default: installed next to krt, or $KRUNTIMES_BUILTINS).
    #[arg(long, value_name = "DIR")]
    pub builtins: Option<PathBuf>,
    /// Most bytes of stdout and of stderr a tool result carries; the rest is dropped and said.
    #[arg(long, value_name = "BYTES", default_value = "64Ki")]
    pub max_output: String,
    /// Where compiled components are cached (default: ~/.cache/kruntimes/components).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// A session no call has used for this long is removed with its files (30s, 5m, 1h, or seconds).
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub session_ttl: String,
    /// Most bytes of files one session may keep; the call that leaves more ends its session.
    #[arg(long, value_name = "BYTES", default_value = "64Mi")]
    pub session_max_bytes: String,
    /// Serve MCP over streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8931); every request
    /// must carry the bearer token of --token-file or $KRT_MCP_TOKEN.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// File whose first line is the bearer token HTTP clients must send (at least 16 bytes); default
    /// $KRT_MCP_TOKEN.
    #[arg(long, value_name = "FILE", requires = "listen")]
    pub token_file: Option<PathBuf>,
    /// Most bytes of artifacts the server keeps for resources/read; beyond it the oldest are removed.
    #[arg(long, value_name = "BYTES", default_value = "256Mi")]
    pub max_artifact_bytes: String,
    /// Run the calls as Runs on a kruntimes cluster (the current kubeconfig context and namespace, or
    /// --kubeconfig, --context, -n) instead of the embedded engine; the allowed runtimes are the
    /// namespace's Runtimes (or those of --allow-runtime).
    #[arg(long, conflicts_with_all = ["runtime_file", "component", "builtins", "cache_dir"])]
    pub cluster: bool,
    /// Cluster and namespace, with --cluster.
    #[command(flatten)]
    pub cluster_args: crate::cluster::ClusterArgs,
    /// Most sessions open at once; a call opening one more is refused until one ends.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_sessions: u16,
}

/// `krt local run`.
#[derive(Debug, Args)]
pub struct LocalRunArgs {
    /// A Run or Workflow manifest (YAML or JSON); `-` reads it from stdin.
    #[arg(short = 'f', long = "filename", conflicts_with_all = ["runtime", "script"])]
    pub file: Option<PathBuf>,
    /// Runtime to execute on, when no manifest is given.
    #[arg(long, required_unless_present = "file", value_parser = RuntimeName, hide_possible_values = true)]
    pub runtime: Option<String>,
    /// A script file used as the Run's inline source; `-` reads it from stdin.
    #[arg(long, requires = "runtime")]
    pub script: Option<PathBuf>,
    /// Path, inside the workspace, of the file to execute; with --script, the name the script is
    /// written under (default: the script's own file name).
    #[arg(long, value_name = "PATH")]
    pub entrypoint: Option<String>,
    /// Environment variable of the Run (repeatable; over a manifest's): `NAME=VALUE`, or `NAME` for
    /// this shell's value of NAME.
    #[arg(short = 'e', long = "env", value_name = "NAME[=VALUE]")]
    pub env: Vec<String>,
    /// A file of environment variables, one `NAME=VALUE` or `NAME` per line (`#` comments), as for
    /// `docker run --env-file`; --env flags come after it.
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Deadline of the Run (over a manifest's): `30s`, `5m`, `1h30m`, or seconds. The default is
    /// the runtime's, 600 s for the built-in ones.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Memory budget of the Run and the programs it starts (`256Mi`, `1Gi`); at most the
    /// runtime's limit.
    #[arg(long, value_name = "QUANTITY")]
    pub memory: Option<String>,
    /// Name of the Run (default: `local`); it names the Run's artifacts in the local store.
    #[arg(long)]
    pub name: Option<String>,
    /// Input of a Workflow (`NAME=VALUE`, repeatable); overrides the manifest's `arguments`.
    #[arg(long = "set", value_name = "NAME=VALUE", requires = "file")]
    pub set: Vec<String>,
    /// The wasm component (`.wasm`, a `wasi:cli/command`) that implements a runtime, instead of the
    /// built-in runtime of that name: `NAME=FILE.wasm` for runtime NAME (repeatable), or `FILE.wasm`
    /// for the one runtime the Run (or every step of the Workflow) names.
    #[arg(long, value_name = "[NAME=]FILE.wasm")]
    pub component: Vec<String>,
    /// Directory of the built-in runtimes (default: $KRUNTIMES_BUILTINS, else
    /// ../share/kruntimes/runtimes next to krt).
    #[arg(long, value_name = "DIR")]
    pub builtins: Option<PathBuf>,
    /// A manifest of Runtimes: a Run on one of them gets its `limits` and `capabilities` (network,
    /// read-only mounts) and, without --component, its built-in component.
    #[arg(long, value_name = "FILE")]
    pub runtime_file: Option<PathBuf>,
    /// A file or directory of this machine copied into the workspace before the Run starts
    /// (repeatable): `PATH` keeps its name, `PATH:DEST` puts it at DEST (relative to /workspace).
    #[arg(long = "file", value_name = "PATH[:DEST]")]
    pub files: Vec<String>,
    /// After the Run, copy its workspace (what it wrote, its outputs file included) into DIR, a new
    /// or empty directory. Links the guest made are not copied.
    #[arg(long, value_name = "DIR")]
    pub keep_workspace: Option<PathBuf>,
    /// Write the guest's stdout to FILE (created or truncated) instead of krt's: with -o json, a
    /// program gets the Run's status on stdout and each stream in its own file.
    #[arg(long, value_name = "FILE")]
    pub stdout_file: Option<PathBuf>,
    /// Write the guest's stderr to FILE (created or truncated) instead of krt's.
    #[arg(long, value_name = "FILE")]
    pub stderr_file: Option<PathBuf>,
    /// Stop passing a stream of the guest's output through after this many bytes (`65536`, `64Ki`,
    /// `10Mi`); a marker line and a note in the summary say what was dropped. Default: no limit, or
    /// the `outputBytes` of the Run's Runtime in a --runtime-file.
    #[arg(long, value_name = "BYTES")]
    pub max_output: Option<String>,
    /// Give the Run this terminal as its stdin. Piped or redirected stdin (`echo data | krt local run
    /// ...`, `< file`) is always forwarded, unless the manifest or script is read from it (`-f -`).
    #[arg(short, long)]
    pub interactive: bool,
    /// Print only the guest's own stdout and stderr, and exit with the guest's exit code
    /// (124 after a timeout, 130 after a cancel), like a local process. stderr still gets one
    /// `krt:` line for a failure that is not the guest's exit code and for each stored artifact.
    #[arg(short, long, conflicts_with = "output")]
    pub quiet: bool,
    /// Print the finished Run as an object (its status filled in) instead of a summary; the guest's
    /// output then goes to stderr.
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Put the files the Run leaves in $KRUNTIME_ARTIFACTS_DIR in DIR, under their own names (a
    /// Workflow's in DIR/STEP/; a directory as NAME.tar.gz). Without it they are kept per Run in
    /// $XDG_DATA_HOME/kruntimes/artifacts (or ~/.local/share/kruntimes/artifacts).
    #[arg(long, value_name = "DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// Directory for precompiled components (default: $XDG_CACHE_HOME/kruntimes or ~/.cache/kruntimes).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Arguments of the Run (after `--`; over a manifest's). For bash without --script, one
    /// argument is a command line (`-- 'seq 3 | wc -l'`) and several are a command and its arguments
    /// (`-- echo hello world`); with --script they are the script's arguments.
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// A runtime name: any is taken (custom runtimes have any name), and shell completion offers the built-in ones
/// instead of file names.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeName;

impl clap::builder::TypedValueParser for RuntimeName {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            ["bash", "python"]
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

/// Object output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// `krt run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A Run manifest (YAML or JSON) to create; `-` reads it from stdin.
    #[arg(short = 'f', long = "filename", conflicts_with_all = ["runtime", "script"])]
    pub file: Option<PathBuf>,
    /// Runtime (a Runtime in the namespace) to execute on.
    #[arg(
        short = 'r',
        long,
        required_unless_present = "file",
        value_parser = RuntimeName,
        hide_possible_values = true
    )]
    pub runtime: Option<String>,
    /// A script file sent as the Run's inline source; `-` reads it from stdin.
    #[arg(long, conflicts_with = "entrypoint")]
    pub script: Option<PathBuf>,
    /// Path, inside the Run's source, of the file to execute.
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Environment variable (repeatable; over a manifest's): `NAME=VALUE`, or `NAME` for this
    /// shell's value of NAME.
    #[arg(short = 'e', long = "env", value_name = "NAME[=VALUE]")]
    pub env: Vec<String>,
    /// A file of environment variables, one `NAME=VALUE` or `NAME` per line (`#` comments), as for
    /// `docker run --env-file`; --env flags come after it.
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Deadline of the Run (over a manifest's): `30s`, `5m`, `1h30m`, or seconds.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Retries after a failed attempt (the Run gets `retryPolicy.maxAttempts` = retries + 1).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Name of the Run (default: generated).
    #[arg(long)]
    pub name: Option<String>,
    /// Wait for the Run to end, showing its progress; exit 0 only if it succeeded.
    #[arg(short, long)]
    pub wait: bool,
    /// Stream the Run's output while it runs (implies --wait); the summary then goes to stderr.
    #[arg(long, conflicts_with = "output")]
    pub follow: bool,
    /// With --wait: how long to wait before giving up (the Run goes on): `10m`, or seconds.
    #[arg(long, value_name = "DURATION", requires = "wait")]
    pub wait_timeout: Option<String>,
    /// Print the created (with --wait: the finished) Run as an object.
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Arguments of the Run (after `--`). For bash without --script, one argument is a command line
    /// and several are a command and its arguments (`-- echo hello world`).
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// `krt logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The Run.
    pub run: String,
    /// Keep printing output as the Run writes it, until it ends.
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of each stream's output so far.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// Only stdout.
    #[arg(long, conflicts_with = "stderr")]
    pub stdout: bool,
    /// Only stderr.
    #[arg(long)]
    pub stderr: bool,
    /// The attempt to show (default: the Run's current attempt).
    #[arg(long, value_name = "N")]
    pub attempt: Option<u32>,
    /// Connect to runtimed at HOST:PORT instead of port-forwarding to the Run's pod.
    #[arg(long, value_name = "HOST:PORT")]
    pub address: Option<String>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Only krt's own version; do not contact a cluster.
    #[arg(long)]
    pub client: bool,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt artifact`.
#[derive(Debug, Args)]
pub struct ArtifactArgs {
    /// The artifact command.
    #[command(subcommand)]
    pub command: ArtifactCommand,
}

/// `krt artifact` commands.
#[derive(Debug, Subcommand)]
pub enum ArtifactCommand {
    /// The Run's artifacts: name, size, media type, sha256 and URI.
    ///
    /// Example: krt artifact list run-x7k2p9qd -o json
    #[command(verbatim_doc_comment)]
    List(ArtifactListArgs),
    /// Download one artifact to a file (default: its stored file name in the current directory; a
    /// directory artifact is a .tar.gz). The file appears only when its sha256 and size match.
    ///
    /// The artifact is read from the Run's Runtime's artifactStore, with the credentials of the
    /// Secret it names (read with your access); a file:// artifact is read where it is, if this
    /// machine has it.
    ///
    /// Example: krt artifact download run-x7k2p9qd logs --to logs.tar.gz
    #[command(verbatim_doc_comment)]
    Download(ArtifactDownloadArgs),
}

/// `krt artifact list`.
#[derive(Debug, Args)]
pub struct ArtifactListArgs {
    /// The Run.
    pub run: String,
    /// Print the references as JSON or YAML instead of a table.
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt artifact download`.
#[derive(Debug, Args)]
pub struct ArtifactDownloadArgs {
    /// The Run.
    pub run: String,
    /// The artifact's name.
    pub name: String,
    /// Where to write it.
    #[arg(long, value_name = "PATH")]
    pub to: Option<PathBuf>,
    /// For an artifact in a `filesystem` store: read it through runtimed at this address, instead of a
    /// port-forward to a pod of the Run's Runtime (which mounts the store's claim).
    #[arg(long, value_name = "HOST:PORT")]
    pub address: Option<String>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt runtime`.
#[derive(Debug, Args)]
pub struct RuntimeArgs {
    /// The runtime command.
    #[command(subcommand)]
    pub command: RuntimeCommand,
}

/// `krt runtime` commands.
#[derive(Debug, Subcommand)]
pub enum RuntimeCommand {
    /// Check that runtimed can run a component: it must be a wasi:cli/command and import only what
    /// runtimed provides (WASI 0.2 and kruntimes:runtime). Prints its digest, imports and exports, and
    /// notes what the Runtime's grants make useless (sockets without network). Exits 1 if refused,
    /// with every reason. runtimed applies the same check when it loads a component. Offline.
    ///
    /// Examples:
    ///   krt runtime check runtimes/target/wasm32-wasip2/release/greet.wasm
    ///   krt runtime check tool.wasm -f runtime.yaml -o json
    #[command(verbatim_doc_comment)]
    Check(RuntimeCheckArgs),
}

/// `krt runtime check`.
#[derive(Debug, Args)]
pub struct RuntimeCheckArgs {
    /// The component (`.wasm`).
    pub component: PathBuf,
    /// A Runtime manifest whose grants (spec.capabilities) the component is checked against
    /// (default: no grants).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the result as JSON or YAML.
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// Kinds the cluster commands act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Runs (also `runs`, `r`).
    #[value(alias = "runs", alias = "r")]
    Run,
    /// Runtimes (also `runtimes`, `rt`).
    #[value(alias = "runtimes", alias = "rt")]
    Runtime,
    /// Workflows (also `workflows`, `wf`).
    #[value(alias = "workflows", alias = "wf")]
    Workflow,
}

/// `krt get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to list.
    #[arg(value_enum)]
    pub kind: Kind,
    /// One object to show (default: all in the namespace).
    pub name: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: ListFormat,
    /// List across all namespaces.
    #[arg(short = 'A', long, conflicts_with = "name")]
    pub all_namespaces: bool,
    /// Label selector (`key=value,key2!=v`).
    #[arg(short = 'l', long, conflicts_with = "name")]
    pub selector: Option<String>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// What to describe.
    #[arg(value_enum)]
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// `NAME` or `run/NAME` for a Run, `workflow/NAME` for a Workflow.
    pub target: String,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// What to delete.
    #[arg(value_enum)]
    pub kind: Kind,
    /// Names (at least one).
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// `NAME` or `run/NAME` for a Run, `workflow/NAME` for a Workflow.
    pub target: String,
    /// The phase to wait for (`Succeeded`, `Running`, ...); default: any terminal phase.
    #[arg(long = "for", value_name = "PHASE")]
    pub phase: Option<String>,
    /// How long to wait: `30s`, `5m`, or seconds.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt workflow`.
#[derive(Debug, Args)]
pub struct WorkflowArgs {
    /// The workflow command.
    #[command(subcommand)]
    pub command: WorkflowCommand,
}

/// `krt workflow` commands.
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Create a Workflow from a manifest, validated first; --set gives its inputs.
    ///
    /// Example: krt workflow run -f examples/hello-workflow.yaml --set who=you --wait
    #[command(verbatim_doc_comment)]
    Run(WorkflowRunArgs),
    /// Show a Workflow and its steps (as `krt describe workflow`).
    ///
    /// Example: krt workflow get nightly
    #[command(verbatim_doc_comment)]
    Get {
        /// The Workflow's name.
        name: String,
        /// Cluster and namespace.
        #[command(flatten)]
        cluster: ClusterArgs,
    },
}

/// `krt workflow run`.
#[derive(Debug, Args)]
pub struct WorkflowRunArgs {
    /// The Workflow manifest (YAML or JSON); `-` reads it from stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    pub file: PathBuf,
    /// Input of the Workflow (`NAME=VALUE`, repeatable); overrides the manifest's `arguments`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Name of the Workflow (default: the manifest's, else generated from generateName or `wf-`).
    #[arg(long)]
    pub name: Option<String>,
    /// Wait for the Workflow to end, showing its steps; exit 0 only if it succeeded.
    #[arg(short, long)]
    pub wait: bool,
    /// Cluster and namespace.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `krt validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files holding one or more objects (`---`-separated YAML or JSON); `-` reads stdin.
    #[arg(short = 'f', long = "filename", required = true)]
    pub files: Vec<PathBuf>,
    /// Input of the Workflows (`NAME=VALUE`, repeatable), as `krt local run --set` and `krt workflow
    /// run --set` give it: a required input without a default is then checked with its value.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}
