//! `krt mcp`: kruntimes as a Model Context Protocol tool server for AI agents, over stdio, on the embedded engine.
//!
//! Every tool call is one Run: a fresh component instance whose only filesystem is its own new workspace, removed
//! when the call returns (or is cancelled), so nothing persists between calls. Calls run concurrently on one
//! engine, each bounded by its timeout. A call never widens what its runtime grants: network, mounts and limits
//! come from the built-in runtime or from the Runtime object of `--runtime-file`, and a timeout above the
//! runtime's maximum is refused.
//!
//! A call is checked by the same rules as a Run (`kruntimes_api::validation`, after it is turned into one); a bad
//! call is an `invalid_params` error naming the tool's field and the limit, and nothing runs. A call that ran is a
//! result whatever its exit: phase, reason, exit code, stdout and stderr (each cut at `--max-output`, with the
//! number of bytes dropped), outputs and duration.
//!
//! A call may name a `session`: its files then persist between the calls of that session (each call still a fresh
//! instance), until `end_session`, the TTL or the size limit ends it ([`sessions`]).

mod artifacts;
mod cluster;
mod http;
mod output;
mod sessions;
mod workflow;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use kruntimes_api::v1alpha1::{EnvVar, Run, RunSpec as ApiRunSpec, RunTemplate, Source};
use kruntimes_api::validation::validate_run;
use kruntimes_engine::{Manager, RunId, RuntimeLimits, Seed};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{
    ErrorData, Json, RoleServer, ServerHandler, ServiceExt, schemars, tool, tool_handler,
    tool_router,
};
use serde::{Deserialize, Serialize};

use crate::args::McpArgs;
use crate::local::{Session, SessionOptions};
use crate::runtimes;
use artifacts::Artifacts;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use sessions::{Kept, Sessions};
use workflow::{WorkflowCall, WorkflowResult};

/// The runtimes the tools may use when `--allow-runtime` names none (plus every Runtime of `--runtime-file`).
const DEFAULT_RUNTIMES: [&str; 2] = ["bash", "python"];
/// Timeout of a call that gives none. Agents' tool calls are short; a Run's own default (10 minutes) is not.
const DEFAULT_TIMEOUT_SECONDS: i64 = 60;
/// Most files one call may write into its workspace.
const MAX_FILES: usize = 256;
/// Most bytes of all files of one call together. The engine writes them while it admits the Run, so they are kept
/// small enough not to delay other calls' admission noticeably.
const MAX_FILES_BYTES: usize = 4 << 20;
/// Most bytes of a stream a result may carry (`--max-output`): the engine's own ceiling.
const MAX_OUTPUT_CEILING: u64 = 16 << 20;

/// What every call may pass besides its code.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub(crate) struct Inputs {
    /// Arguments the program gets (`$1`... in bash, `sys.argv[1:]` in Python). At most 256, each at most 8 KiB.
    #[serde(default)]
    #[schemars(length(max = 256), inner(length(max = 8192)))]
    pub(crate) args: Vec<String>,
    /// Environment variables, name to value. At most 256, names of at most 256 bytes and values of at most 8 KiB;
    /// names starting with `KRUNTIME_` are reserved.
    #[serde(default)]
    #[schemars(extend(
        "maxProperties" = 256,
        "propertyNames" = {"maxLength": 256, "not": {"pattern": "^KRUNTIME_"}},
        "additionalProperties" = {"type": "string", "maxLength": 8192}
    ))]
    pub(crate) env: BTreeMap<String, String>,
    /// Files written into the workspace (the working directory, `/workspace`) before the program starts: relative
    /// path to text content. At most 256 files and 4 MiB in all; paths may not contain `..` or start with
    /// `.kruntimes`, and may not be the program's own file.
    #[serde(default)]
    #[schemars(extend("maxProperties" = 256))]
    pub(crate) files: BTreeMap<String, String>,
    /// Seconds before the program is stopped and the call ends with phase `Timeout` (1 to 86400, at most the
    /// runtime's maximum; default 60, or the runtime's maximum when lower).
    #[serde(default)]
    #[schemars(range(min = 1, max = 86400))]
    pub(crate) timeout_seconds: Option<i64>,
    /// A session to run in: the files the calls of a session leave in their workspace are there for its next
    /// call (the program's own file excepted); each call is still a fresh instance, and calls of one session run
    /// one after another. Any name (1 to 64 letters, digits, `-`, `_`, `.`) opens a session on first use; it is
    /// removed by `end_session`, after the server's idle TTL, or when its files exceed the server's size limit.
    /// Without it, the call starts from an empty workspace that is removed afterwards.
    #[serde(default)]
    #[schemars(
        length(min = 1, max = 64),
        regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    )]
    pub(crate) session: Option<String>,
}

/// A `run_bash` or `run_python` call.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct CodeCall {
    /// The program: a bash script for `run_bash`, Python source for `run_python`. At most 256 KiB.
    #[schemars(length(max = 262144))]
    pub(crate) code: String,
    #[serde(flatten)]
    pub(crate) inputs: Inputs,
}

/// A `run` call: any runtime this server allows.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct RunCall {
    /// The runtime to run on (one of those this server allows; its instructions list them).
    pub(crate) runtime: String,
    /// Source written to `entrypoint` in the workspace, for runtimes that run a file. At most 256 KiB.
    #[serde(default)]
    #[schemars(length(max = 262144))]
    pub(crate) code: Option<String>,
    /// The file the runtime runs, relative to the workspace: where `code` is written (default `script`), or one of
    /// `files` when there is no `code`.
    #[serde(default)]
    pub(crate) entrypoint: Option<String>,
    #[serde(flatten)]
    pub(crate) inputs: Inputs,
}

/// How a call's Run ended.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct RunResult {
    /// `Succeeded`, `Failed`, `Timeout` or `Cancelled`.
    pub(crate) phase: String,
    /// Why, as a Run's `status.reason`: `Succeeded`, `ExitCode`, `Timeout`, `OutOfMemory`, `Trap`, ...
    pub(crate) reason: String,
    /// The program's exit code, when it exited.
    pub(crate) exit_code: Option<i32>,
    /// A short explanation of a failure (never stdout); may quote the end of stderr.
    pub(crate) message: String,
    /// What the program wrote.
    #[serde(flatten)]
    pub(crate) output: output::Output,
    /// `KEY=VALUE` outputs the program wrote to `$KRUNTIME_OUTPUTS` (only when it succeeded).
    pub(crate) outputs: BTreeMap<String, String>,
    /// The files the program left in `$KRUNTIME_ARTIFACTS_DIR`, stored: each `uri` can be read with
    /// `resources/read` (until the server's artifact store is full and removes its oldest).
    pub(crate) artifacts: Vec<ArtifactRef>,
    /// Wall-clock time of the Run, in milliseconds.
    #[schemars(schema_with = "count")]
    pub(crate) duration_ms: u64,
    /// The session the call ran in, and what it keeps now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<Kept>,
}

/// The schema of a count: a whole number from 0. (schemars says `"format": "uint64"`, which JSON Schema does not
/// define and the TypeScript SDK's validator warns about on every call.)
pub(crate) fn count(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer", "minimum": 0})
}

/// An `end_session` call.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct EndSession {
    /// The session to end; its files are removed.
    pub(crate) session: String,
}

/// What `end_session` did.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Ended {
    /// True when the session existed and was ended; false when there was no open session of that name.
    pub(crate) ended: bool,
    /// The sessions still open.
    pub(crate) open: Vec<String>,
}

/// Where the calls run.
#[derive(Clone)]
pub(crate) enum Backend {
    /// The embedded engine (the default).
    Local(Manager),
    /// Runs on a kruntimes cluster (`--cluster`).
    Cluster(Arc<cluster::Remote>),
}

/// The tool server: one engine, the runtimes it may use, and the output bound of a result.
#[derive(Clone)]
pub(crate) struct Tools {
    /// Where calls run.
    backend: Backend,
    /// The runtimes calls may use, with their limits.
    runtimes: Arc<BTreeMap<String, RuntimeLimits>>,
    max_output: usize,
    /// The sessions calls may name.
    sessions: Arc<Sessions>,
    /// The calls' artifacts, readable as resources.
    artifacts: Arc<Artifacts>,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Tools {
    pub(crate) fn new(
        backend: Backend,
        runtimes: BTreeMap<String, RuntimeLimits>,
        max_output: usize,
        sessions: Arc<Sessions>,
        artifacts: Arc<Artifacts>,
    ) -> Self {
        Self {
            backend,
            runtimes: Arc::new(runtimes),
            max_output,
            sessions,
            artifacts,
            tool_router: Self::tool_router(),
        }
    }

    /// Runs a bash script in a fresh sandbox whose only writable filesystem is its own new workspace (its
    /// working directory). Common tools (coreutils, sed, awk, grep, jq, ...) are available as commands.
    #[tool]
    async fn run_bash(
        &self,
        Parameters(call): Parameters<CodeCall>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<RunResult>, ErrorData> {
        let (code, entrypoint) = (Some(call.code), Some("main.sh".to_owned()));
        self.execute("bash", code, entrypoint, call.inputs, &context)
            .await
    }

    /// Runs a Python 3 program in a fresh sandbox whose only writable filesystem is its own new workspace (its
    /// working directory). The standard library is available; there is no network unless the server allows it.
    #[tool]
    async fn run_python(
        &self,
        Parameters(call): Parameters<CodeCall>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<RunResult>, ErrorData> {
        let (code, entrypoint) = (Some(call.code), Some("main.py".to_owned()));
        self.execute("python", code, entrypoint, call.inputs, &context)
            .await
    }

    /// Runs a program on any runtime this server allows (custom runtimes included), in a fresh sandbox whose
    /// only writable filesystem is its own new workspace.
    #[tool]
    async fn run(
        &self,
        Parameters(call): Parameters<RunCall>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<RunResult>, ErrorData> {
        let RunCall {
            runtime,
            code,
            entrypoint,
            inputs,
        } = call;
        self.execute(&runtime, code, entrypoint, inputs, &context)
            .await
    }

    /// Runs a Workflow: steps (each a Run on an allowed runtime) that start when the steps they `need` have
    /// succeeded, independent ones at once, each a fresh sandbox with its own new workspace; a step's outputs feed
    /// later steps' arguments. Returns the Workflow's phase, each step's phase and outputs, and the steps' output.
    #[tool]
    async fn run_workflow(
        &self,
        Parameters(call): Parameters<WorkflowCall>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<WorkflowResult>, ErrorData> {
        self.workflow(call.spec, context.ct.clone()).await.map(Json)
    }

    /// Ends a session: waits for its running call, if any, then removes its files. Calls naming it later start
    /// a new, empty session.
    #[tool]
    async fn end_session(
        &self,
        Parameters(call): Parameters<EndSession>,
    ) -> Result<Json<Ended>, ErrorData> {
        let ended = self
            .sessions
            .end(&call.session)
            .await
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Json(Ended {
            ended,
            open: self.sessions.names(),
        }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        let runtimes = self.runtimes.keys().cloned().collect::<Vec<_>>().join(", ");
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_instructions(match &self.backend {
            Backend::Local(_) => format!(
                "kruntimes runs code in WebAssembly sandboxes: every call is a fresh instance whose only writable \
                 filesystem is its own new workspace (holding the code and the files the call gives), removed after \
                 the call, unless the call names a `session`, whose files persist between its calls until \
                 `end_session`. Files a program writes into $KRUNTIME_ARTIFACTS_DIR are returned as artifacts, \
                 readable as resources. Runtimes allowed here: {runtimes}."
            ),
            Backend::Cluster(remote) => format!(
                "kruntimes runs each call as a Run on a Kubernetes cluster (namespace {:?}): a fresh WebAssembly \
                 instance in a warm pod, with its own new workspace, under its Runtime's limits and grants. Calls \
                 take code, args and env (no files, no sessions); a Workflow's steps run as Runs there too. \
                 Runtimes allowed here: {runtimes}.",
                remote.namespace()
            ),
        })
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(
            self.artifacts.resources(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let contents = self.artifacts.read(&request.uri).await?;
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}

impl Tools {
    /// One call: checked as a Run, executed, its result collected, its workspace removed.
    async fn execute(
        &self,
        runtime: &str,
        code: Option<String>,
        entrypoint: Option<String>,
        inputs: Inputs,
        context: &RequestContext<RoleServer>,
    ) -> Result<Json<RunResult>, ErrorData> {
        let Some(limits) = self.runtimes.get(runtime) else {
            return Err(invalid(format!(
                "runtime: {runtime:?} is not allowed here (allowed: {})",
                self.allowed()
            )));
        };
        let timeout = inputs
            .timeout_seconds
            .unwrap_or_else(|| default_timeout(limits));
        let program = code.as_ref().map(|_| {
            entrypoint
                .clone()
                .unwrap_or_else(|| kruntimes_api::consts::DEFAULT_ENTRYPOINT.to_owned())
        });
        let manager = match &self.backend {
            Backend::Local(manager) => manager,
            Backend::Cluster(remote) => {
                let refuse = |field: &str| {
                    invalid(format!(
                        "{field}: not available with --cluster (a Run's inputs are its code, args and env)"
                    ))
                };
                if !inputs.files.is_empty() {
                    return Err(refuse("files"));
                }
                if inputs.session.is_some() {
                    return Err(refuse("session"));
                }
                let run = checked_run(runtime, code, entrypoint, inputs.args, inputs.env, timeout)?;
                let timeout = std::time::Duration::from_secs(timeout.unsigned_abs());
                return remote
                    .execute(run, timeout, self.max_output, &self.artifacts, &context.ct)
                    .await
                    .map(Json);
            }
        };
        let files = files_seed(inputs.files, program.as_deref())?;
        let run = checked_run(runtime, code, entrypoint, inputs.args, inputs.env, timeout)?;
        let uid = format!("mcp-{}", uuid::Uuid::new_v4());
        let mut spec = kruntimes_engine::api::run_spec(&run, &uid, 1)
            .map_err(|e| invalid(field_errors([(e.field.as_str(), e.message.as_str())])))?;
        // At most what the runtime retains: a call cannot ask for more.
        let output = limits
            .output_bytes
            .map_or(self.max_output, |runtime| runtime.min(self.max_output));
        spec.stdout_bytes = Some(output);
        spec.stderr_bytes = Some(output);
        // The session last, once the call is known to be valid: a refused call opens none. Waiting for the
        // session's running call ends when the client cancels.
        let lease = match &inputs.session {
            Some(name) => Some(tokio::select! {
                lease = self.sessions.lease(name) => lease.map_err(|e| invalid(e.to_string()))?,
                () = context.ct.cancelled() => {
                    return Err(ErrorData::internal_error("cancelled while waiting for the session's running call", None));
                }
            }),
            None => None,
        };
        // A session's files first, then the call's (which win over kept ones of the same path).
        spec.seed = match (&lease, files) {
            (None, files) => files,
            (Some(lease), files) => {
                let restore = lease.restore();
                Some(Seed(Arc::new(move |dir: &cap_std::fs::Dir| {
                    restore(dir)?;
                    files.as_ref().map_or(Ok(()), |files| (files.0)(dir))
                })))
            }
        };
        let (started, started_at) = (Instant::now(), jiff::Timestamp::now());
        let mut handle = manager.execute(spec).map_err(|e| match e {
            kruntimes_engine::Error::Policy(policy) => {
                invalid(format!("refused by the {runtime} runtime's limits: {policy}"))
            }
            kruntimes_engine::Error::AtCapacity { limit } => ErrorData::internal_error(
                format!("busy: {limit} calls are running already, the most this server runs at once; retry later"),
                None,
            ),
            other => ErrorData::internal_error(crate::error_chain(&other), None),
        })?;
        // If this future is dropped before the Run ends, the guard cancels it and removes its workspace.
        let mut forget = Forget {
            manager: manager.clone(),
            id: Some(handle.id().clone()),
        };
        // A client's `notifications/cancelled` cancels the Run at once; it then ends `Cancelled`.
        let outcome = tokio::select! {
            outcome = handle.wait() => outcome,
            () = context.ct.cancelled() => {
                let _ = manager.cancel(handle.id());
                handle.wait().await
            }
        };
        // As a Run's status, with the artifacts stored (an artifact that cannot be fails a Run that succeeded).
        let mut status = crate::status::from_outcome(&outcome, started_at, jiff::Timestamp::now());
        let identity = kruntimes_artifacts::RunIdentity {
            namespace: "mcp".to_owned(),
            name: "mcp-call".to_owned(),
            uid,
            attempt: 1,
        };
        crate::artifacts::collect_within(
            manager,
            handle.id(),
            &identity,
            self.artifacts.store(),
            &mut status,
            &self.artifacts.limits(),
        )
        .await
        .map_err(|e| ErrorData::internal_error(format!("{e:#}"), None))?;
        self.artifacts.add(&status.artifact_refs);
        let (stdout, stderr) = (handle.stdout(), handle.stderr());
        let mut result = RunResult {
            phase: status.phase.as_str().to_owned(),
            reason: status.reason.unwrap_or_default(),
            exit_code: status.exit_code,
            message: status.message.unwrap_or_default(),
            output: output::Output {
                stdout: String::from_utf8_lossy(&stdout.contents()).into_owned(),
                stderr: String::from_utf8_lossy(&stderr.contents()).into_owned(),
                stdout_dropped: stdout.dropped(),
                stderr_dropped: stderr.dropped(),
            },
            outputs: status.outputs,
            artifacts: status.artifact_refs,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            session: None,
        };
        if let Some(lease) = lease {
            let kept = if context.ct.is_cancelled() {
                // What a cancelled call left half-done is not kept.
                self.sessions.unchanged(lease).await
            } else {
                match manager.workspace_path(handle.id()) {
                    Ok(workspace) => self.sessions.save(lease, workspace, program).await,
                    Err(e) => self.sessions.fail(lease, &e.to_string()).await,
                }
            };
            result.session = Some(kept);
        }
        forget.now().await;
        Ok(Json(result))
    }
}

impl Tools {
    /// The allowed runtimes, for messages.
    fn allowed(&self) -> String {
        self.runtimes.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// The timeout of a call (or Workflow step) that gives none: the tools' default, unless the runtime allows less.
fn default_timeout(limits: &RuntimeLimits) -> i64 {
    limits
        .max_timeout
        .and_then(|max| i64::try_from(max.as_secs()).ok())
        .map_or(DEFAULT_TIMEOUT_SECONDS, |max| {
            max.clamp(1, DEFAULT_TIMEOUT_SECONDS)
        })
}

/// Forgets a call's Run, removing its workspace: before the result is returned, or, when the call's future is
/// dropped first, by cancelling the Run at once and forgetting it on a task once it has stopped.
struct Forget {
    manager: Manager,
    id: Option<RunId>,
}

impl Forget {
    /// Forgets the ended Run now.
    async fn now(&mut self) {
        if let Some(id) = self.id.take() {
            let _ = self.manager.forget(&id).await;
        }
    }
}

impl Drop for Forget {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        let _ = self.manager.cancel(&id);
        // Without a runtime (the process is ending) the workspaces' directory goes with the session.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let manager = self.manager.clone();
            runtime.spawn(async move {
                let _ = manager.cancel_and_wait(&id).await;
                let _ = manager.forget(&id).await;
            });
        }
    }
}

/// The Run a call describes: what `krt local run` would build from the same flags.
fn call_run(
    runtime: &str,
    code: Option<String>,
    entrypoint: Option<String>,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    timeout_seconds: Option<i64>,
) -> Run {
    let mut run = Run::new(
        "mcp-call",
        ApiRunSpec {
            template: RunTemplate {
                runtime: runtime.to_owned(),
                args,
                env: env
                    .into_iter()
                    .map(|(name, value)| EnvVar {
                        name,
                        value: Some(value),
                        ..EnvVar::default()
                    })
                    .collect(),
                entrypoint,
                source: code.map(|inline| Source {
                    inline: Some(inline),
                    ..Source::default()
                }),
                timeout_seconds: Some(timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS)),
                ..RunTemplate::default()
            },
            ..ApiRunSpec::default()
        },
    );
    run.metadata.namespace = Some("mcp".to_owned());
    run
}

/// [`call_run`], checked by the Run API's validation; a refusal names the tool's fields.
fn checked_run(
    runtime: &str,
    code: Option<String>,
    entrypoint: Option<String>,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    timeout_seconds: i64,
) -> Result<Run, ErrorData> {
    let run = call_run(runtime, code, entrypoint, args, env, Some(timeout_seconds));
    validate_run(&run).map_err(|errors| {
        invalid(field_errors(
            errors
                .iter()
                .map(|e| (e.field.as_str(), e.message.as_str())),
        ))
    })?;
    Ok(run)
}

/// A Run's field path as the tool names it: `spec.template.env[2].name` is `env[2].name`, `spec.source.inline`
/// is `code`.
fn tool_field(field: &str) -> String {
    let field = field
        .strip_prefix("spec.template.")
        .or_else(|| field.strip_prefix("spec."))
        .unwrap_or(field);
    for (api, tool) in [
        ("source.inline", "code"),
        ("timeoutSeconds", "timeout_seconds"),
    ] {
        if let Some(rest) = field.strip_prefix(api) {
            return format!("{tool}{rest}");
        }
    }
    field.to_owned()
}

/// Errors of a Run's fields, each named as the tool names it.
fn field_errors<'a>(errors: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    errors
        .into_iter()
        .map(|(field, message)| format!("{}: {message}", tool_field(field)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The workspace filler for a call's `files`, checked first: relative paths inside the workspace, bounded.
fn files_seed(
    files: BTreeMap<String, String>,
    program: Option<&str>,
) -> Result<Option<Seed>, ErrorData> {
    if files.is_empty() {
        return Ok(None);
    }
    if files.len() > MAX_FILES {
        return Err(invalid(format!(
            "files: {} files, more than the limit of {MAX_FILES}",
            files.len()
        )));
    }
    let total: usize = files
        .iter()
        .map(|(path, text)| path.len() + text.len())
        .sum();
    if total > MAX_FILES_BYTES {
        return Err(invalid(format!(
            "files: {total} bytes in all, more than the limit of {MAX_FILES_BYTES}"
        )));
    }
    for path in files.keys() {
        kruntimes_engine::layout::validate_entrypoint(path)
            .map_err(|problem| invalid(format!("files[{path:?}]: the path {problem}")))?;
        if Some(path.as_str()) == program {
            return Err(invalid(format!(
                "files[{path:?}]: the program's own file is written from code"
            )));
        }
        // A file where another file needs a directory: `a` and `a/b`.
        let mut parent = std::path::Path::new(path).parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            if dir.to_str().is_some_and(|dir| files.contains_key(dir)) {
                return Err(invalid(format!(
                    "files[{path:?}]: {:?} is a file too",
                    dir.display().to_string()
                )));
            }
            parent = dir.parent();
        }
    }
    Ok(Some(Seed(Arc::new(move |dir: &cap_std::fs::Dir| {
        for (path, text) in &files {
            let path = std::path::Path::new(path);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                dir.create_dir_all(parent)?;
            }
            dir.write(path, text.as_bytes()).map_err(|e| {
                io::Error::new(e.kind(), format!("files[{:?}]: {e}", path.display()))
            })?;
        }
        Ok(())
    }))))
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

/// `krt mcp`: loads the allowed runtimes (or, with `--cluster`, finds them on the cluster), then serves the tools on
/// stdin/stdout, or over HTTP with `--listen`, until the client goes or a signal arrives.
pub(crate) fn serve(args: &McpArgs) -> Result<ExitCode> {
    let max_output = kruntimes_api::quantity::parse_whole(&args.max_output)
        .ok()
        .filter(|bytes| (1..=MAX_OUTPUT_CEILING).contains(bytes))
        .and_then(|bytes| usize::try_from(bytes).ok())
        .with_context(|| {
            format!(
                "--max-output {:?}: expected bytes from 1 to 16Mi, e.g. 65536, 64Ki or 1Mi",
                args.max_output
            )
        })?;
    let session_limits = sessions::Limits {
        ttl: crate::command_line::parse_duration("--session-ttl", &args.session_ttl)?,
        max_bytes: positive_bytes("--session-max-bytes", &args.session_max_bytes)?,
        max_sessions: usize::from(args.max_sessions),
    };
    let max_artifact_bytes = positive_bytes("--max-artifact-bytes", &args.max_artifact_bytes)?;
    let token = match args.listen {
        Some(_) => http::token(args.token_file.as_deref())?,
        None => String::new(),
    };
    let cluster_flags = args.cluster_args.kubeconfig.is_some()
        || args.cluster_args.context.is_some()
        || args.cluster_args.namespace.is_some();
    if cluster_flags && !args.cluster {
        bail!(
            "--kubeconfig, --context and --namespace choose the cluster of --cluster: give --cluster too"
        );
    }
    let local = if args.cluster {
        None
    } else {
        Some(local_runtimes(args)?)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let code = runtime.block_on(async {
        // Bound before the runtimes load, so that a taken port fails at once.
        let listener = match args.listen {
            Some(addr) => Some((
                tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("--listen {addr}"))?,
                token,
            )),
            None => None,
        };
        let (backend, limits, mut interrupts, state) = match local {
            Some((resolved, limits)) => {
                let Session {
                    manager,
                    interrupts,
                    _state,
                } = Session::start(
                    resolved,
                    SessionOptions {
                        cache_dir: args.cache_dir.as_deref(),
                        quiet: false,
                        serves_many: true,
                    },
                )
                .await?;
                (Backend::Local(manager), limits, interrupts, _state)
            }
            None => {
                let interrupts = crate::interrupt::Interrupts::listen()
                    .context("listening for SIGINT, SIGTERM and SIGHUP")?;
                let (remote, present) = cluster::Remote::connect(&args.cluster_args).await?;
                let allowed = cluster::allowed(&args.allow_runtime, &present, remote.namespace())?;
                eprintln!(
                    "krt mcp: calls run as Runs in namespace {:?}; runtimes: {}",
                    remote.namespace(),
                    allowed.join(", ")
                );
                // The cluster applies each Runtime's limits; the tools only default the timeout.
                let limits = allowed
                    .into_iter()
                    .map(|name| (name, RuntimeLimits::default()))
                    .collect();
                let state = tempfile::Builder::new()
                    .prefix("krt-mcp-")
                    .tempdir()
                    .context("creating a state directory")?;
                (
                    Backend::Cluster(Arc::new(remote)),
                    limits,
                    interrupts,
                    state,
                )
            }
        };
        let sessions = Sessions::start(state.path().join("sessions"), session_limits)
            .context("creating the sessions' directory")?;
        let artifacts = Arc::new(Artifacts::new(
            &state.path().join("artifacts"),
            max_artifact_bytes,
        ));
        let remote = match &backend {
            Backend::Cluster(remote) => Some(Arc::clone(remote)),
            Backend::Local(_) => None,
        };
        let mut tools = Tools::new(backend, limits, max_output, sessions, artifacts);
        // Tools for runtimes that are not allowed are not offered.
        for (tool, runtime) in [("run_bash", "bash"), ("run_python", "python")] {
            if !tools.runtimes.contains_key(runtime) {
                tools.tool_router.remove_route(tool);
            }
        }
        if let Some((listener, token)) = listener {
            let stop = tokio_util::sync::CancellationToken::new();
            let server = http::serve(tools, listener, token, stop.clone());
            tokio::pin!(server);
            tokio::select! {
                served = &mut server => served?,
                signal = interrupts.recv() => {
                    eprintln!("krt mcp: {signal}: stopping");
                    stop.cancel();
                }
            }
            if let Some(remote) = remote {
                remote.finish(CLEAN_UP_WITHIN).await;
            }
            return anyhow::Ok(ExitCode::SUCCESS);
        }
        let service = tools
            .serve(rmcp::transport::stdio())
            .await
            .context("starting the MCP session on stdin/stdout")?;
        tokio::select! {
            ended = service.waiting() => {
                ended.context("serving MCP on stdin/stdout")?;
            }
            signal = interrupts.recv() => eprintln!("krt mcp: {signal}: stopping"),
        }
        if let Some(remote) = remote {
            remote.finish(CLEAN_UP_WITHIN).await;
        }
        drop(state);
        anyhow::Ok(ExitCode::SUCCESS)
    });
    runtime.shutdown_background();
    code
}

/// How long a stopping server waits for the Runs and Workflows of its calls in flight to be deleted (`--cluster`).
const CLEAN_UP_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

/// The runtimes the embedded engine serves: resolved (built-in, `--component`, `--runtime-file`), with their limits.
fn local_runtimes(
    args: &McpArgs,
) -> Result<(Vec<runtimes::Resolved>, BTreeMap<String, RuntimeLimits>)> {
    let declared = runtimes::declared(args.runtime_file.as_deref())?;
    let allowed: BTreeSet<String> = if args.allow_runtime.is_empty() {
        DEFAULT_RUNTIMES
            .iter()
            .map(|name| (*name).to_owned())
            .chain(declared.iter().map(kube::ResourceExt::name_any))
            .collect()
    } else {
        args.allow_runtime.iter().cloned().collect()
    };
    if allowed.is_empty() {
        bail!("no runtime is allowed: give --allow-runtime NAME");
    }
    let names: BTreeSet<&str> = allowed.iter().map(String::as_str).collect();
    let components = runtimes::Components::parse(&args.component)?.assign(&names)?;
    let resolved = runtimes::resolve_all(&names, &components, args.builtins.as_deref(), &declared)?;
    // Each allowed runtime's limits, as registered (a Runtime of --runtime-file gives its own).
    let limits = resolved
        .iter()
        .filter(|r| allowed.contains(&r.name))
        .map(|r| (r.name.clone(), r.policy.limits.clone()))
        .collect();
    Ok((resolved, limits))
}

/// A positive quantity of bytes (`64Mi`, `1048576`) for `flag`.
fn positive_bytes(flag: &str, text: &str) -> Result<u64> {
    kruntimes_api::quantity::parse_whole(text)
        .ok()
        .filter(|bytes| *bytes > 0)
        .with_context(|| format!("{flag} {text:?}: expected a positive number of bytes, e.g. 64Mi"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call's limits are the Run API's: the tool schema says what `RunTemplate`'s schema says.
    #[test]
    fn tool_limits_are_the_run_apis() {
        let tool = serde_json::to_value(schemars::schema_for!(CodeCall)).unwrap();
        let api = serde_json::to_value(schemars::schema_for!(RunTemplate)).unwrap();
        let api_props = &api["properties"];
        let tool_props = &tool["properties"];
        assert_eq!(
            tool_props["args"]["maxItems"],
            api_props["args"]["maxItems"]
        );
        assert_eq!(
            tool_props["args"]["items"]["maxLength"],
            api_props["args"]["items"]["maxLength"]
        );
        assert_eq!(
            tool_props["timeout_seconds"]["minimum"],
            api_props["timeoutSeconds"]["minimum"]
        );
        assert_eq!(
            tool_props["timeout_seconds"]["maximum"],
            api_props["timeoutSeconds"]["maximum"]
        );
        assert_eq!(
            tool_props["code"]["maxLength"],
            serde_json::json!(kruntimes_api::limits::INLINE_SOURCE_MAX_BYTES)
        );
        // The API's env is a list of {name, value}; the tool's a map: the same limits, written by hand, checked here.
        let env = &tool_props["env"];
        assert_eq!(
            (
                &env["maxProperties"],
                &env["propertyNames"]["maxLength"],
                &env["additionalProperties"]["maxLength"],
            ),
            (
                &serde_json::json!(kruntimes_api::limits::ENV_MAX_ITEMS),
                &serde_json::json!(kruntimes_api::limits::ENV_NAME_MAX_BYTES),
                &serde_json::json!(kruntimes_api::limits::ENV_VALUE_MAX_BYTES),
            )
        );
        assert_eq!(
            env["propertyNames"]["not"]["pattern"],
            format!("^{}", kruntimes_api::limits::RESERVED_ENV_PREFIX)
        );
        assert_eq!(
            tool_props["files"]["maxProperties"],
            serde_json::json!(MAX_FILES)
        );
    }

    /// A call becomes the Run `krt local run` would build, with the call's timeout or the tool default.
    #[test]
    fn a_call_is_a_valid_run() {
        let run = call_run(
            "python",
            Some("print(1)".into()),
            Some("main.py".into()),
            vec!["a".into()],
            BTreeMap::from([("X".to_owned(), "1".to_owned())]),
            None,
        );
        validate_run(&run).unwrap();
        let t = &run.spec.template;
        assert_eq!(t.entrypoint.as_deref(), Some("main.py"));
        assert_eq!(t.timeout_seconds, Some(DEFAULT_TIMEOUT_SECONDS));
        assert_eq!(t.env[0].name, "X");
    }

    /// Bad calls are refused naming the tool's field, and nothing is built to run.
    #[test]
    fn bad_calls_name_the_tool_field() {
        let errors = checked_run("bash", Some("x".into()), None, vec![], BTreeMap::new(), 0)
            .unwrap_err()
            .message;
        assert!(errors.starts_with("timeout_seconds: "), "{errors}");
        let reserved = call_run(
            "bash",
            Some("x".into()),
            None,
            vec![],
            BTreeMap::from([("KRUNTIME_X".to_owned(), "1".to_owned())]),
            None,
        );
        let errors = field_errors(
            validate_run(&reserved)
                .unwrap_err()
                .iter()
                .map(|e| (e.field.as_str(), e.message.as_str())),
        );
        assert!(errors.starts_with("env[0].name: "), "{errors}");
        assert_eq!(tool_field("spec.template.source.inline"), "code");
        assert_eq!(tool_field("spec.source.inline"), "code");
        assert_eq!(tool_field("spec.template.args[3]"), "args[3]");
        for bad in ["../x", "/etc/passwd", ".kruntimes/outputs"] {
            let err = files_seed(BTreeMap::from([(bad.to_owned(), String::new())]), None)
                .err()
                .unwrap();
            assert!(err.message.starts_with("files["), "{}", err.message);
        }
        let many = (0..=MAX_FILES)
            .map(|i| (format!("f{i}"), String::new()))
            .collect();
        assert!(
            files_seed(many, None)
                .err()
                .unwrap()
                .message
                .contains("limit of 256")
        );
        let own = BTreeMap::from([("main.py".to_owned(), String::new())]);
        assert!(files_seed(own.clone(), Some("main.py")).is_err());
        assert!(files_seed(own, None).unwrap().is_some());
        let nested = BTreeMap::from([
            ("a".to_owned(), String::new()),
            ("a/b/c".to_owned(), String::new()),
        ]);
        let err = files_seed(nested, None).err().unwrap();
        assert!(
            err.message.contains("\"a\" is a file too"),
            "{}",
            err.message
        );
    }
}
