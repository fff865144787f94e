//! `Run`: one short task executed on one warm Runtime pod.

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Condition, EnvVar, RetryPolicy, RunResources, Source, Time};

/// The inputs of a Run: what to execute, where and how. Immutable once the Run exists.
///
/// A Workflow step embeds the same template, so a step and a Run accept exactly the same fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunTemplate {
    /// Name of the Runtime (warm pool) in the same namespace that executes this Run.
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub runtime: String,
    /// Arguments passed to the runtime: positional parameters of the entrypoint, or the command
    /// itself when there is no source (at most 256, each at most 8 KiB).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 256), inner(length(max = 8192)))]
    pub args: Vec<String>,
    /// Environment variables of the execution (at most 256). Names starting with `KRUNTIME_` are reserved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 256),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"])
    )]
    pub env: Vec<EnvVar>,
    /// Source code prepared in the workspace before the Run starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Path of the file to run, relative to the workspace; inline source is written there
    /// (default `script`). Absolute paths and `..` segments are rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 4096),
        extend("x-kubernetes-validations" = [
            {"rule": "!self.startsWith('/')", "message": "entrypoint must be a relative path inside the workspace"},
            // A regular expression, not split().exists(): the API server estimates split() of a 4096-byte string
            // at 2048 items, which inside a Workflow's 128 steps exceeded the CRD's CEL cost budget 1.3 times.
            {"rule": "!self.matches('(^|/)[.][.](/|$)')", "message": "entrypoint must not contain a '..' segment"}
        ])
    )]
    pub entrypoint: Option<String>,
    /// Seconds the Run may execute before it ends `Timeout` (1 to 86400; default: the Runtime's limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout_seconds: Option<i64>,
    /// Retries after a failure. Execution is at-least-once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
    /// Logical resources held on the pod while the Run is active (default `runs: 1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<RunResources>,
}

/// Desired state of a Run.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kruntimes.io",
    version = "v1alpha1",
    kind = "Run",
    namespaced,
    status = "RunStatus",
    shortname = "rn",
    category = "kruntimes",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Runtime","type":"string","jsonPath":".spec.runtime"}"#,
    printcolumn = r#"{"name":"Pod","type":"string","jsonPath":".status.assignedPod"}"#,
    printcolumn = r#"{"name":"Attempt","type":"integer","jsonPath":".status.attempt","priority":1}"#,
    printcolumn = r#"{"name":"Reason","type":"string","jsonPath":".status.reason","priority":1}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    // runtimed watches only the Runs bound to its own pod (`--field-selector status.assignedPod=<pod>`).
    selectable = ".status.assignedPod",
    selectable = ".spec.runtime"
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "self.runtime == oldSelf.runtime", "message": "runtime is immutable"},
    {"rule": "!has(self.args) || !has(oldSelf.args) || self.args == oldSelf.args", "message": "args are immutable"},
    {"rule": "!has(self.env) || !has(oldSelf.env) || self.env == oldSelf.env", "message": "env is immutable"},
    {"rule": "!has(self.source) || !has(oldSelf.source) || self.source == oldSelf.source", "message": "source is immutable"},
    {"rule": "!has(self.entrypoint) || !has(oldSelf.entrypoint) || self.entrypoint == oldSelf.entrypoint", "message": "entrypoint is immutable"},
    {"rule": "!has(self.timeoutSeconds) || !has(oldSelf.timeoutSeconds) || self.timeoutSeconds == oldSelf.timeoutSeconds", "message": "timeoutSeconds is immutable"},
    {"rule": "!has(self.retryPolicy) || !has(oldSelf.retryPolicy) || self.retryPolicy == oldSelf.retryPolicy", "message": "retryPolicy is immutable"},
    {"rule": "!has(self.resources) || !has(oldSelf.resources) || self.resources == oldSelf.resources", "message": "resources are immutable"},
    {"rule": "has(self.args) == has(oldSelf.args) && has(self.env) == has(oldSelf.env) && has(self.source) == has(oldSelf.source) && has(self.entrypoint) == has(oldSelf.entrypoint) && has(self.timeoutSeconds) == has(oldSelf.timeoutSeconds) && has(self.retryPolicy) == has(oldSelf.retryPolicy) && has(self.resources) == has(oldSelf.resources)", "message": "inputs are immutable: args, env, source, entrypoint, timeoutSeconds, retryPolicy and resources cannot be added or removed after creation"},
    {"rule": "!has(oldSelf.cancelRequested) || !oldSelf.cancelRequested || (has(self.cancelRequested) && self.cancelRequested)", "message": "cancelRequested cannot go back to false"}
]))]
pub struct RunSpec {
    /// What to execute.
    #[serde(flatten)]
    pub template: RunTemplate,
    /// Set to true to cancel the Run. A pending Run ends `Cancelled` without starting; a running one
    /// is stopped at once. Cannot go back to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_requested: Option<bool>,
    /// Delete the Run this many seconds after it finished (unset: keep it). Mutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub ttl_seconds_after_finished: Option<i32>,
}

/// Lifecycle phase of a Run. Terminal phases never change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RunPhase {
    /// Waiting for a Runtime pod.
    #[default]
    Pending,
    /// Bound to a pod, not yet started.
    Scheduled,
    /// Executing.
    Running,
    /// Exited with status 0 (terminal).
    Succeeded,
    /// Failed; `reason` says why (terminal).
    Failed,
    /// Passed its deadline (terminal).
    Timeout,
    /// Cancelled by a user (terminal).
    Cancelled,
}

impl RunPhase {
    /// Whether the phase is final.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Timeout | Self::Cancelled
        )
    }

    /// Whether a Run in this phase holds capacity on a pod.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Scheduled | Self::Running)
    }

    /// The phase as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Scheduled => "Scheduled",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Timeout => "Timeout",
            Self::Cancelled => "Cancelled",
        }
    }
}

impl std::fmt::Display for RunPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Observed state of a Run. Written by the scheduler (binding), runtimed (execution) and the
/// controller (reaping, retries, cleanup).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunStatus {
    /// Lifecycle phase.
    #[serde(default)]
    pub phase: RunPhase,
    /// Runtime pod the scheduler bound this attempt to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub assigned_pod: Option<String>,
    /// UID of that pod: runtimed only executes a Run bound to its own pod UID (fencing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub assigned_pod_uid: Option<String>,
    /// Current attempt, starting at 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub attempt: Option<i32>,
    /// When the current attempt started executing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// When the Run reached a terminal phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
    /// Exit status of the guest, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Machine-readable reason of the current phase (see the reasons in the API reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub reason: Option<String>,
    /// Human-readable explanation; never the Run's stdout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 4096))]
    pub message: Option<String>,
    /// Outputs the guest wrote to `$KRUNTIME_OUTPUTS` (at most 64 keys, 64 KiB in all).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub outputs: BTreeMap<String, String>,
    /// Files the Run produced, stored outside etcd.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 32))]
    pub artifact_refs: Vec<ArtifactRef>,
    /// The Runtime's `artifactStore` when runtimed stored this Run's artifacts (never secret values): the
    /// controller deletes them from this store, whatever became of the Runtime since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_store: Option<super::runtime::ArtifactStore>,
    /// Capabilities the Run actually received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Grants>,
    /// Resources the Run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// When the next attempt may start, while waiting for a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_time: Option<Time>,
    /// Conditions: Scheduled, Running, Completed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 16),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"])
    )]
    pub conditions: Vec<Condition>,
}

/// A file or directory a Run produced, stored in the Runtime's artifact store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactRef {
    /// Path relative to `$KRUNTIME_ARTIFACTS_DIR` (a directory is stored as a `.tar.gz`).
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    /// Where the object is stored (`s3://bucket/key`, `file:///path`, ...).
    #[schemars(length(min = 1, max = 4096))]
    pub uri: String,
    /// Hex SHA-256 of the stored bytes.
    #[schemars(regex(pattern = r"^[a-f0-9]{64}$"))]
    pub sha256: String,
    /// Size of the stored bytes.
    #[schemars(range(min = 0))]
    pub size_bytes: i64,
    /// Media type (`application/gzip` for directories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub media_type: Option<String>,
}

/// The capabilities a Run received, as computed by runtimed's policy before the guest started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Grants {
    /// Directories the guest can open, with their access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 32))]
    pub preopens: Vec<Preopen>,
    /// Names (never values) of the environment variables the guest received.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 300), inner(length(max = 256)))]
    pub env: Vec<String>,
    /// Network destinations the guest may reach (`host:port`); empty means no network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64), inner(length(max = 261)))]
    pub network: Vec<String>,
    /// Memory limit of the instance, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<i64>,
    /// Deadline of the execution, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    /// Bytes of stdout and of stderr kept (each); beyond that output is dropped and marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<i64>,
}

/// A directory made visible to the guest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Preopen {
    /// Path as the guest sees it (`/workspace`).
    #[schemars(length(max = 4096))]
    pub guest_path: String,
    /// True when the guest can only read it.
    #[serde(default)]
    pub read_only: bool,
}

/// What a Run consumed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Wall time from instantiation to exit, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_millis: Option<i64>,
    /// Peak linear memory of the instance, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<i64>,
}

impl Run {
    /// The Run's phase, `Pending` when it has no status yet.
    pub fn phase(&self) -> RunPhase {
        self.status.as_ref().map(|s| s.phase).unwrap_or_default()
    }
}
