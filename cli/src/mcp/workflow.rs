//! `run_workflow`: a Workflow's steps on the embedded engine, driven as `krt local run -f workflow.yaml` drives them
//! ([`crate::local_workflow::drive`], the controller's own reconcile): steps start when the steps they need have
//! succeeded, as many at once as the engine runs, each a fresh instance in a fresh workspace. With `--cluster` the
//! Workflow is created on the cluster and its controller runs it ([`super::cluster::Remote::workflow`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::{Workflow, WorkflowSpec};
use kruntimes_engine::Manager;
use rmcp::{ErrorData, schemars};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::output::{Bounded, Output};
use super::{Tools, count, invalid};
use crate::local_workflow::{StepLogs, drive};

/// A `run_workflow` call.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct WorkflowCall {
    /// The Workflow, as the `spec` of a kruntimes Workflow manifest: `steps` (each an `id`, the `needs` it waits
    /// for, and beside them a Run's spec fields: `runtime`, `source: {inline: CODE}`, `entrypoint`, `args`, `env`,
    /// `timeoutSeconds`...; arguments may read `${{ steps.ID.outputs.KEY }}` and `${{ inputs.NAME }}`), and
    /// optional `inputs`, `arguments`, `outputs` and `timeoutSeconds`. A step without `timeoutSeconds` gets the
    /// tools' default (60 s, or its runtime's maximum when lower).
    pub(crate) spec: WorkflowSpec,
}

/// How a Workflow ended.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct WorkflowResult {
    /// `Succeeded`, `Failed` (a step failed, or the Workflow's `timeoutSeconds` passed) or `Cancelled`.
    pub(crate) phase: String,
    /// Why, when it did not succeed.
    pub(crate) message: String,
    /// Each step, in the order of the spec.
    pub(crate) steps: Vec<StepResult>,
    /// The Workflow's outputs, as its `outputs` map them from the steps'.
    pub(crate) outputs: BTreeMap<String, String>,
    /// Every step's output as it ended, each line prefixed with `[step-id] `.
    #[serde(flatten)]
    pub(crate) output: Output,
    /// Wall-clock time of the Workflow, in milliseconds.
    #[schemars(schema_with = "count")]
    pub(crate) duration_ms: u64,
}

/// How one step ended.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct StepResult {
    /// The step's `id`.
    pub(crate) id: String,
    /// `Succeeded`, `Failed`, `Cancelled`, or `Skipped` (a step it needs did not succeed).
    pub(crate) phase: String,
    /// Why, as its Run's `status.reason` (`ExitCode`, `Timeout`, `DependencyFailed`...).
    pub(crate) reason: String,
    /// A short explanation of a failure.
    pub(crate) message: String,
    /// The `KEY=VALUE` outputs the step wrote to `$KRUNTIME_OUTPUTS`.
    pub(crate) outputs: BTreeMap<String, String>,
    /// The files the step left in `$KRUNTIME_ARTIFACTS_DIR`, readable as resources by their `uri`.
    pub(crate) artifacts: Vec<ArtifactRef>,
}

impl Tools {
    /// One `run_workflow` call: checked, run to its end on the embedded engine or as a Workflow on the cluster
    /// (an abandoned call cancels the Workflow, and its Runs go with it), reported.
    pub(crate) async fn workflow(
        &self,
        spec: WorkflowSpec,
        cancelled: CancellationToken,
    ) -> Result<WorkflowResult, ErrorData> {
        let mut workflow = Workflow::new("mcp-workflow", spec);
        workflow.metadata.namespace = Some("mcp".to_owned());
        for (i, step) in workflow.spec.steps.iter_mut().enumerate() {
            let Some(limits) = self.runtimes.get(&step.run.runtime) else {
                return Err(invalid(format!(
                    "spec.steps[{i}].runtime: {:?} is not allowed here (allowed: {})",
                    step.run.runtime,
                    self.allowed()
                )));
            };
            step.run
                .timeout_seconds
                .get_or_insert_with(|| super::default_timeout(limits));
        }
        if let Err(errors) = kruntimes_workflow::validate(&workflow) {
            return Err(invalid(format!("the Workflow is invalid: {errors}")));
        }
        let started = Instant::now();
        let (workflow, output, mut artifacts) = match &self.backend {
            super::Backend::Local(manager) => {
                self.drive_locally(manager, workflow, cancelled).await?
            }
            super::Backend::Cluster(remote) => {
                let timeout = Duration::from_secs(deadline(&workflow.spec));
                remote
                    .workflow(
                        workflow,
                        timeout,
                        self.max_output,
                        &self.artifacts,
                        &cancelled,
                    )
                    .await?
            }
        };
        let status = workflow.status.unwrap_or_default();
        Ok(WorkflowResult {
            phase: format!("{:?}", status.phase),
            message: status.message.unwrap_or_default(),
            steps: status
                .steps
                .into_iter()
                .map(|step| StepResult {
                    artifacts: artifacts.remove(&step.id).unwrap_or_default(),
                    id: step.id,
                    phase: format!("{:?}", step.phase),
                    reason: step.reason.unwrap_or_default(),
                    message: step.message.unwrap_or_default(),
                    outputs: step.outputs,
                })
                .collect(),
            outputs: status.outputs,
            output,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Drives `workflow` on the embedded engine, on a task of its own. The steps' artifacts go to the server's
    /// store, as a Run's do.
    async fn drive_locally(
        &self,
        manager: &Manager,
        workflow: Workflow,
        cancelled: CancellationToken,
    ) -> Result<Driven, ErrorData> {
        let (manager, store, limits, max_output) = (
            manager.clone(),
            self.artifacts.store().clone(),
            self.artifacts.limits(),
            self.max_output,
        );
        // Dropping this call's future (the client went away) cancels the Workflow; the task drives it to its end.
        let stop = CancellationToken::new();
        let _cancel_when_dropped = stop.clone().drop_guard();
        let driven = tokio::spawn(async move {
            let (mut stdout, mut stderr) = (Bounded::new(max_output), Bounded::new(max_output));
            let cancel = async move {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = cancelled.cancelled() => {}
                }
            };
            let logs = StepLogs {
                stdout: &mut stdout,
                stderr: &mut stderr,
            };
            let done = drive(&manager, workflow, &store, &limits, logs, cancel).await;
            done.map(|(workflow, artifacts)| (workflow, Output::of(stdout, stderr), artifacts))
        })
        .await
        .map_err(|e| ErrorData::internal_error(format!("the Workflow's task failed: {e}"), None))?
        .map_err(|e| ErrorData::internal_error(format!("{e:#}"), None))?;
        for stored in driven.2.values() {
            self.artifacts.add(stored);
        }
        Ok(driven)
    }
}

/// A Workflow that has ended, its steps' output, and the artifacts of each step (by id) readable as resources.
pub(crate) type Driven = (Workflow, Output, BTreeMap<String, Vec<ArtifactRef>>);

/// The most a Workflow can take: its own `timeoutSeconds`, or else its steps' one after another.
fn deadline(spec: &WorkflowSpec) -> u64 {
    let seconds = spec.timeout_seconds.unwrap_or_else(|| {
        spec.steps
            .iter()
            .map(|step| step.run.timeout_seconds.unwrap_or(0))
            .sum()
    });
    seconds.max(0).unsigned_abs()
}
