//! Types shared by several kinds.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// A logical resource list such as `{runs: 1}`: names to non-negative whole quantities.
pub type ResourceList = BTreeMap<String, Quantity>;

/// One environment variable of a Run.
///
/// Exactly as in a Pod, except that `valueFrom` may only name a Secret or ConfigMap key in the Run's
/// namespace. Nothing resolves such a reference yet, so admission refuses `valueFrom` rather than admit a Run
/// that could only fail when it starts (docs/design/0012-admit-only-what-can-execute.md).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!(has(self.value) && has(self.valueFrom))", "message": "value and valueFrom are mutually exclusive"},
    {"rule": "!has(self.valueFrom)", "message": "valueFrom (Secret and ConfigMap references) is not supported yet; use value"},
    {"rule": "!self.name.startsWith('KRUNTIME_')", "message": "names starting with KRUNTIME_ are reserved for the platform"}
]))]
pub struct EnvVar {
    /// Name of the variable: letters, digits, `_`, `-` and `.`, not starting with a digit.
    #[schemars(
        length(min = 1, max = 256),
        regex(pattern = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
    )]
    pub name: String,
    /// Literal value (at most 8 KiB). Do not put secrets here: use `valueFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8192))]
    pub value: Option<String>,
    /// Where to read the value from instead. Not supported yet: refused at admission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

/// The source of an environment variable's value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "has(self.secretKeyRef) != has(self.configMapKeyRef)", "message": "exactly one of secretKeyRef and configMapKeyRef must be set"}
]))]
pub struct EnvVarSource {
    /// A key of a Secret in the Run's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeyRef>,
    /// A key of a ConfigMap in the Run's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeyRef>,
}

/// A key of a Secret or ConfigMap in the same namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyRef {
    /// Name of the Secret or ConfigMap.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key within it.
    #[schemars(length(min = 1, max = 253), regex(pattern = r"^[-._a-zA-Z0-9]+$"))]
    pub key: String,
}

/// Where a Run's code comes from. With neither field set, the Run executes `args` alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!(has(self.inline) && has(self.repoURL))", "message": "inline and repoURL are mutually exclusive"},
    {"rule": "!has(self.revision) || has(self.repoURL)", "message": "revision requires repoURL"},
    {"rule": "!has(self.repoURL)", "message": "repoURL (git sources) is not supported yet; use inline"}
]))]
pub struct Source {
    /// Source code written to the workspace at `entrypoint` (default `script`) and run (at most 256 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 262144))]
    pub inline: Option<String>,
    /// An https git repository cloned into the workspace before the Run starts. Not supported yet: refused at
    /// admission.
    #[serde(default, rename = "repoURL", skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 2048), extend("x-kubernetes-validations" = [
        {"rule": "self.startsWith('https://')", "message": "repoURL must be an https:// URL"}
    ]))]
    pub repo_url: Option<String>,
    /// Commit, tag or branch to check out (default: the repository's default branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub revision: Option<String>,
}

/// How often, and after which failures, a Run is tried again. Execution is at-least-once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Total attempts including the first (1 to 100; default 1, no retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub max_attempts: Option<i32>,
    /// Seconds to wait before the second attempt; doubled for each later one, capped at 60 s
    /// (0 to 3600; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 3600))]
    pub backoff_seconds: Option<i32>,
    /// Reasons that may be retried (default: every reason except Cancelled and invalid input,
    /// which are never retried).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 32),
        inner(length(min = 1, max = 128), regex(pattern = r"^[A-Z][A-Za-z]*$"))
    )]
    pub retryable_reasons: Vec<String>,
}

/// Logical resources a Run holds on its pod while it is active.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunResources {
    /// Requested quantities (whole, non-negative numbers; default `runs: 1`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 16))]
    pub requests: ResourceList,
}
