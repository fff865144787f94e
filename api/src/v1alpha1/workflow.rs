//! `Workflow`: a DAG of Runs.
//!
//! Each step is a Run template plus the ids of the steps it `needs`. Expressions `${{ inputs.x }}`
//! and `${{ steps.<id>.outputs.<key> }}` in a step's args, env values and inline source are resolved
//! when the step starts. Graph rules CEL can check cheaply (duplicate ids through the list-map key,
//! self-dependency) are enforced at admission. Unknown `needs` and cycles are found at the first
//! reconcile (and by `krt validate`), which fails the Workflow with a message naming the step or the
//! cycle's path and creates no Run: a CEL rule for unknown needs would cost steps × needs × steps
//! (about 12 million at our limits), far over the API server's per-rule budget.

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Condition, Time};
use super::run::RunTemplate;

/// Desired state of a Workflow.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kruntimes.io",
    version = "v1alpha1",
    kind = "Workflow",
    namespaced,
    status = "WorkflowStatus",
    shortname = "wf",
    category = "kruntimes",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Steps","type":"integer","jsonPath":".status.stepCount","priority":1}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    validation = Rule::new("self.metadata.name.size() <= 63").message("Workflow names are at most 63 characters: child Runs carry the name in a label")
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "self.steps == oldSelf.steps", "message": "steps are immutable"},
    {"rule": "!has(self.inputs) || !has(oldSelf.inputs) || self.inputs == oldSelf.inputs", "message": "inputs are immutable"},
    {"rule": "!has(self.arguments) || !has(oldSelf.arguments) || self.arguments == oldSelf.arguments", "message": "arguments are immutable"},
    {"rule": "!has(self.outputs) || !has(oldSelf.outputs) || self.outputs == oldSelf.outputs", "message": "outputs are immutable"},
    {"rule": "has(self.inputs) == has(oldSelf.inputs) && has(self.arguments) == has(oldSelf.arguments) && has(self.outputs) == has(oldSelf.outputs) && has(self.timeoutSeconds) == has(oldSelf.timeoutSeconds) && (!has(self.timeoutSeconds) || self.timeoutSeconds == oldSelf.timeoutSeconds)", "message": "inputs, arguments, outputs and timeoutSeconds cannot change after creation"},
    {"rule": "!has(oldSelf.cancelRequested) || !oldSelf.cancelRequested || (has(self.cancelRequested) && self.cancelRequested)", "message": "cancelRequested cannot go back to false"}
]))]
pub struct WorkflowSpec {
    /// Declared inputs, referenced as `${{ inputs.<name> }}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 64),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"])
    )]
    pub inputs: Vec<WorkflowInput>,
    /// Values of the inputs for this execution (`krt workflow run --set name=value`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64, "additionalProperties" = {"type": "string", "maxLength": 8192}))]
    pub arguments: BTreeMap<String, String>,
    /// The steps (1 to 128), in any order; `needs` orders them.
    #[schemars(
        length(min = 1, max = 128),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["id"])
    )]
    pub steps: Vec<WorkflowStep>,
    /// Outputs of the Workflow, each an expression over step outputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 64),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"])
    )]
    pub outputs: Vec<WorkflowOutput>,
    /// Seconds the whole Workflow may run before its active steps are cancelled and it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout_seconds: Option<i64>,
    /// Set to true to cancel the Workflow and its active steps. Cannot go back to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_requested: Option<bool>,
}

/// A declared Workflow input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!(self.required && has(self.default))", "message": "a required input cannot have a default"}
]))]
pub struct WorkflowInput {
    /// Name, used as `${{ inputs.<name> }}`.
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[A-Za-z_][A-Za-z0-9_-]*$")
    )]
    pub name: String,
    /// What the input means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub description: Option<String>,
    /// Whether `arguments` must give a value.
    #[serde(default)]
    pub required: bool,
    /// Value used when `arguments` gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8192))]
    pub default: Option<String>,
}

/// One step: a Run template and the steps it needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "!has(self.needs) || !self.needs.exists(n, n == self.id)", "message": "a step cannot need itself"}
]))]
pub struct WorkflowStep {
    /// Unique id of the step (a DNS label), used in `needs` and `${{ steps.<id>.outputs.<key> }}`.
    #[schemars(
        length(min = 1, max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub id: String,
    /// Steps that must succeed before this one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64), inner(length(min = 1, max = 63)), extend("x-kubernetes-list-type" = "set"))]
    pub needs: Vec<String>,
    /// Let the steps that need this one run even when it fails; the Workflow still reports the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_on_error: Option<bool>,
    /// The Run to create for this step.
    #[serde(flatten)]
    pub run: RunTemplate,
}

/// A Workflow output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowOutput {
    /// Name of the output.
    #[schemars(
        length(min = 1, max = 128),
        regex(pattern = r"^[A-Za-z_][A-Za-z0-9_.-]*$")
    )]
    pub name: String,
    /// Its value: text with `${{ ... }}` expressions.
    #[schemars(length(min = 1, max = 8192))]
    pub value: String,
}

/// Phase of a Workflow or of one of its steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum WorkflowPhase {
    /// Not started.
    #[default]
    Pending,
    /// Some step is active.
    Running,
    /// Every step succeeded (terminal).
    Succeeded,
    /// A step failed, the graph is invalid or the deadline passed (terminal).
    Failed,
    /// Cancelled by a user (terminal).
    Cancelled,
    /// A step that was not run because a step it needs did not succeed (terminal, steps only).
    Skipped,
}

impl WorkflowPhase {
    /// Whether the phase is final.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::Skipped
        )
    }
}

/// Observed state of a Workflow, written by the controller (or `krt local`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowStatus {
    /// Phase of the Workflow.
    #[serde(default)]
    pub phase: WorkflowPhase,
    /// Number of steps, for the printer column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_count: Option<i32>,
    /// Status of each step, in spec order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 128),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["id"])
    )]
    pub steps: Vec<StepStatus>,
    /// Resolved Workflow outputs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub outputs: BTreeMap<String, String>,
    /// When the first step started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// When the Workflow reached a terminal phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
    /// Why the Workflow is in its phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 4096))]
    pub message: Option<String>,
    /// Conditions: Ready (the graph is valid), Completed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 16),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"])
    )]
    pub conditions: Vec<Condition>,
}

/// Observed state of one step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepStatus {
    /// The step id.
    #[schemars(length(max = 63))]
    pub id: String,
    /// Phase of the step.
    #[serde(default)]
    pub phase: WorkflowPhase,
    /// Name of the step's Run, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub run_name: Option<String>,
    /// Outputs of the step's Run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 64))]
    pub outputs: BTreeMap<String, String>,
    /// Machine-readable reason (the Run's reason, DependencyFailed, ExpressionFailed, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub reason: Option<String>,
    /// Human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub message: Option<String>,
}
