//! Builders on the real API types, and [`Sim`], a tiny in-memory stand-in for the cluster that applies
//! each [`Plan`] the way a controller would.

use std::collections::BTreeMap;

use jiff::Timestamp;
use kruntimes_api::v1alpha1::{
    EnvVar, Run, RunPhase, RunStatus, RunTemplate, Source, StepStatus, Workflow, WorkflowInput,
    WorkflowOutput, WorkflowSpec, WorkflowStep,
};

use crate::plan::{Plan, reconcile};

/// The instant every simulation starts at.
pub(crate) const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// A step running `rt` and needing `needs`.
pub(crate) fn step(id: &str, needs: &[&str]) -> WorkflowStep {
    WorkflowStep {
        id: id.to_owned(),
        needs: needs.iter().map(|n| (*n).to_owned()).collect(),
        continue_on_error: None,
        run: RunTemplate {
            runtime: "rt".to_owned(),
            ..RunTemplate::default()
        },
    }
}

/// Builder methods on a step.
pub(crate) trait StepExt {
    fn args(self, args: &[&str]) -> Self;
    fn env(self, name: &str, value: &str) -> Self;
    fn inline(self, source: &str) -> Self;
    fn continue_on_error(self) -> Self;
}

impl StepExt for WorkflowStep {
    fn args(mut self, args: &[&str]) -> Self {
        self.run.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.run.env.push(EnvVar {
            name: name.to_owned(),
            value: Some(value.to_owned()),
            value_from: None,
        });
        self
    }

    fn inline(mut self, source: &str) -> Self {
        self.run.source = Some(Source {
            inline: Some(source.to_owned()),
            ..Source::default()
        });
        self
    }

    fn continue_on_error(mut self) -> Self {
        self.continue_on_error = Some(true);
        self
    }
}

/// Workflow `wf` (uid `uid-1`, namespace `ns`) with `steps`.
pub(crate) fn workflow(steps: Vec<WorkflowStep>) -> Workflow {
    let mut wf = Workflow::new(
        "wf",
        WorkflowSpec {
            steps,
            ..WorkflowSpec::default()
        },
    );
    wf.metadata.uid = Some("uid-1".to_owned());
    wf.metadata.namespace = Some("ns".to_owned());
    wf
}

/// Builder methods on a Workflow.
pub(crate) trait WorkflowExt {
    fn input(self, name: &str, default: Option<&str>, required: bool) -> Self;
    fn argument(self, name: &str, value: &str) -> Self;
    fn output(self, name: &str, value: &str) -> Self;
    fn timeout(self, seconds: i64) -> Self;
}

impl WorkflowExt for Workflow {
    fn input(mut self, name: &str, default: Option<&str>, required: bool) -> Self {
        self.spec.inputs.push(WorkflowInput {
            name: name.to_owned(),
            description: None,
            required,
            default: default.map(str::to_owned),
        });
        self
    }

    fn argument(mut self, name: &str, value: &str) -> Self {
        self.spec
            .arguments
            .insert(name.to_owned(), value.to_owned());
        self
    }

    fn output(mut self, name: &str, value: &str) -> Self {
        self.spec.outputs.push(WorkflowOutput {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    fn timeout(mut self, seconds: i64) -> Self {
        self.spec.timeout_seconds = Some(seconds);
        self
    }
}

/// A Workflow, its child Runs and a clock, updated by applying each plan as a controller would:
/// the status written back, creates added as Pending Runs (an existing name is left alone), cancels
/// marking `cancelRequested`.
pub(crate) struct Sim {
    pub(crate) wf: Workflow,
    pub(crate) children: Vec<Run>,
    pub(crate) now: Timestamp,
    /// Every create the engine asked for, in order.
    pub(crate) created: Vec<String>,
}

impl Sim {
    pub(crate) fn new(wf: Workflow) -> Self {
        Self {
            wf,
            children: Vec::new(),
            now: Timestamp::from_second(T0).unwrap_or_default(),
            created: Vec::new(),
        }
    }

    /// Reconciles and applies the plan.
    pub(crate) fn tick(&mut self) -> Plan {
        let plan = reconcile(&self.wf, &self.children, self.now);
        self.apply(&plan);
        plan
    }

    /// Applies a plan as a controller would.
    pub(crate) fn apply(&mut self, plan: &Plan) {
        self.wf.status = Some(plan.status.clone());
        for child in &plan.create {
            self.created.push(child.name.clone());
            if !self
                .children
                .iter()
                .any(|r| r.metadata.name.as_deref() == Some(&child.name))
            {
                self.children.push(child.to_run(Some("ns")));
            }
        }
        for name in &plan.cancel {
            if let Some(run) = self.child_named_mut(name) {
                run.spec.cancel_requested = Some(true);
            }
        }
    }

    /// Ticks until the Workflow is terminal and nothing is left to do, finishing every Run as it
    /// starts with `outcome(step)`; panics after `max` ticks.
    pub(crate) fn run_to_end(
        &mut self,
        max: usize,
        outcome: impl Fn(&str) -> (RunPhase, Vec<(&'static str, &'static str)>),
    ) {
        for _ in 0..max {
            let plan = self.tick();
            if plan.is_done() {
                return;
            }
            for step in plan
                .create
                .iter()
                .map(|c| c.step.clone())
                .collect::<Vec<_>>()
            {
                let (phase, outputs) = outcome(&step);
                self.finish(&step, phase, &outputs);
            }
        }
        panic!("not done after {max} ticks: {:#?}", self.wf.status);
    }

    /// Marks the Run of `step` started.
    pub(crate) fn start(&mut self, step: &str) {
        self.child_mut(step).status = Some(RunStatus {
            phase: RunPhase::Running,
            ..RunStatus::default()
        });
    }

    /// Ends the Run of `step` with `phase` and `outputs`.
    pub(crate) fn finish(&mut self, step: &str, phase: RunPhase, outputs: &[(&str, &str)]) {
        let reason = match phase {
            RunPhase::Failed => "ExitCode",
            other => other.as_str(),
        };
        self.child_mut(step).status = Some(RunStatus {
            phase,
            reason: Some(reason.to_owned()),
            message: (phase == RunPhase::Failed).then(|| "exit code 1".to_owned()),
            outputs: outputs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            ..RunStatus::default()
        });
    }

    /// Ends every Run asked to cancel and still active, as runtimed would.
    pub(crate) fn settle_cancelled(&mut self) {
        for run in &mut self.children {
            if run.spec.cancel_requested == Some(true) && !run.phase().is_terminal() {
                run.status = Some(RunStatus {
                    phase: RunPhase::Cancelled,
                    reason: Some("Cancelled".to_owned()),
                    ..RunStatus::default()
                });
            }
        }
    }

    pub(crate) fn advance(&mut self, seconds: i64) {
        self.now = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(self.now);
    }

    pub(crate) fn step(&self, id: &str) -> StepStatus {
        self.wf
            .status
            .as_ref()
            .and_then(|s| s.steps.iter().find(|st| st.id == id))
            .cloned()
            .unwrap_or_else(|| panic!("no status for step {id}"))
    }

    pub(crate) fn has_run(&self, step: &str) -> bool {
        self.children.iter().any(|r| label(r) == step)
    }

    fn child_mut(&mut self, step: &str) -> &mut Run {
        self.children
            .iter_mut()
            .find(|r| label(r) == step)
            .unwrap_or_else(|| panic!("no Run for step {step}"))
    }

    fn child_named_mut(&mut self, name: &str) -> Option<&mut Run> {
        self.children
            .iter_mut()
            .find(|r| r.metadata.name.as_deref() == Some(name))
    }
}

/// The step label of a Run.
pub(crate) fn label(run: &Run) -> &str {
    run.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(kruntimes_api::consts::labels::WORKFLOW_STEP))
        .map(String::as_str)
        .unwrap_or_default()
}
