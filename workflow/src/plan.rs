//! The engine: [`reconcile`], a pure function from a Workflow (spec and last status), the child Runs
//! observed now, and the current time, to a [`Plan`]: Runs to create, Runs to cancel, the new status.
//!
//! # Rules
//!
//! - **Validation.** An invalid Workflow ([`crate::validate()`]) ends `Failed` (`WorkflowInvalid`, the
//!   message lists every broken rule, a cycle as `a -> b -> a`) and no Run is ever created. A valid
//!   one gets `Ready=True` with `observedGeneration`, and is not validated again for that
//!   generation (its spec is immutable but for `cancelRequested`).
//! - **Start.** A step starts when every step it needs is terminal and *satisfied*: `Succeeded`, or
//!   `Failed`/`Cancelled` with `continueOnError: true`. Its expressions are resolved then; a value
//!   that cannot be resolved fails the step (`ExpressionFailed`, the message names the field and the
//!   expression) and creates no Run.
//! - **Propagation.** As soon as a step needs a terminal step that is not satisfied (it failed, timed
//!   out, was cancelled or was skipped), it is `Skipped` (`DependencyFailed`, naming that step).
//!   Steps on other branches go on. A Run's `Timeout` is the step's `Failed` with reason `Timeout`.
//! - **Stop.** When `cancelRequested` is true, or `timeoutSeconds` have passed since the first
//!   reconcile, no step starts any more: steps not started are `Skipped` (reason `Cancelled` or
//!   `Timeout`) and the Runs still active are returned in [`Plan::cancel`]. The Workflow ends once they
//!   settle: `Cancelled`, or `Failed` with reason `Timeout`.
//! - **Outputs.** A finished step's outputs are copied into its status once, when it is first seen
//!   finished; the status holds at most [`STEP_OUTPUTS_MAX_BYTES`] of step outputs. Outputs an
//!   expression refers to are always kept; the others are kept in key order while the budget allows,
//!   and a step that lost some says how many and names its Run in its message.
//! - **End.** When every step is terminal the Workflow is `Succeeded` if all succeeded and its
//!   outputs resolve, otherwise `Failed` (`StepFailed`, naming the steps; `ExpressionFailed` for an
//!   output). It never stays `Running` once no step can progress. Terminal phases never change.
//!
//! # Guarantees
//!
//! - Deterministic: the same inputs give the same plan.
//! - A step's Run is named by [`child_run_name`], so asking twice can never make two Runs. A create is
//!   requested for a step when it starts, and again only if the status records its Run but the
//!   observed children do not hold it (a cache that has not caught up, or a deleted Run); the caller
//!   treats `AlreadyExists` as success.
//! - Never requests a create for a name among the observed children, or for a terminal step.
//! - Once the plan's effects are observed, reconciling again at the same instant changes nothing.
//!
//! # Assumptions
//!
//! - The caller writes [`Plan::status`] back as the Workflow's status, and passes it in next time: the
//!   outputs of finished steps are read from it, so a child Run deleted later does not lose them.
//! - `children` holds the Workflow's child Runs (those labelled with its name), however many of them
//!   the caller's cache shows; names not belonging to a step are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::v1alpha1::{
    Run, RunPhase, RunSpec, StepStatus, Time, Workflow, WorkflowPhase, WorkflowSpec, WorkflowStatus,
};

use self::resolve::{child_run, input_values, workflow_outputs};
use crate::expr::{Reference, references};
use crate::naming::child_run_name;
use crate::status::{STEP_MESSAGE_MAX_BYTES, WORKFLOW_MESSAGE_MAX_BYTES, bounded, set_condition};
use crate::validate::{step_texts, validate};

/// What the caller should do after a reconcile.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Runs to create, in dependency order. Creating one that already exists is success.
    pub create: Vec<ChildRun>,
    /// Names of child Runs to cancel (set `spec.cancelRequested: true`); a missing one is success.
    pub cancel: Vec<String>,
    /// The Workflow's new status, to write back whole.
    pub status: WorkflowStatus,
    /// Reconcile again after this long even if nothing changes: the time left before the Workflow's
    /// deadline, while it runs with `timeoutSeconds`.
    pub requeue_after: Option<Duration>,
}

impl Plan {
    /// Whether the Workflow is terminal and nothing is left to do.
    pub fn is_done(&self) -> bool {
        self.status.phase.is_terminal() && self.create.is_empty() && self.cancel.is_empty()
    }
}

/// A step's Run, ready to create: everything but the owner reference, which the caller adds.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildRun {
    /// The step id.
    pub step: String,
    /// The Run's name ([`child_run_name`]).
    pub name: String,
    /// The Run's labels ([`crate::naming::child_labels`]).
    pub labels: BTreeMap<String, String>,
    /// The step's Run template with its expressions resolved.
    pub spec: RunSpec,
}

impl ChildRun {
    /// The Run object, in `namespace`, without status or owner reference.
    pub fn to_run(&self, namespace: Option<&str>) -> Run {
        let mut run = Run::new(&self.name, self.spec.clone());
        run.metadata.namespace = namespace.map(str::to_owned);
        run.metadata.labels = Some(self.labels.clone());
        run
    }
}

/// Why a Workflow stops starting steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Cancelled,
    Timeout { seconds: i64 },
}

impl Stop {
    fn reason(self) -> &'static str {
        match self {
            Self::Cancelled => reasons::CANCELLED,
            Self::Timeout { .. } => reasons::TIMEOUT,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::Cancelled => "the Workflow was cancelled".to_owned(),
            Self::Timeout { seconds } => {
                format!("the Workflow's deadline (timeoutSeconds: {seconds}) passed")
            }
        }
    }
}

/// Where a not-started step stands with respect to the steps it needs.
enum Needs<'a> {
    /// All satisfied: the step can start.
    Ready,
    /// Some are still running or pending.
    Waiting,
    /// This one is terminal and not satisfied: the step can never start.
    Blocked(&'a StepStatus),
}

/// Computes what to do for `workflow` given the child Runs observed now. See the module docs.
pub fn reconcile(workflow: &Workflow, children: &[Run], now: Timestamp) -> Plan {
    let prior = workflow.status.clone().unwrap_or_default();
    if prior.phase.is_terminal() {
        // Terminal phases never change. A child still active here was created before the caller's
        // cache showed it (it was never observed while the Workflow ran): stop it.
        return Plan {
            create: Vec::new(),
            cancel: still_active(children),
            status: prior,
            requeue_after: None,
        };
    }
    let now_t = Time(now);
    let mut status = WorkflowStatus {
        step_count: i32::try_from(workflow.spec.steps.len()).ok(),
        ..prior
    };
    let mut prior_steps = std::mem::take(&mut status.steps);

    let generation = workflow.metadata.generation;
    // The spec cannot change once admitted, except `cancelRequested` (which bumps the generation):
    // validate until it passed for this generation, recorded on the Ready condition.
    let validated = status.conditions.iter().any(|c| {
        c.type_ == conditions::READY && c.status == "True" && c.observed_generation == generation
    });
    if let Err(errors) = if validated {
        Ok(())
    } else {
        validate(workflow)
    } {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let message = bounded(
            &format!("invalid Workflow: {}", lines.join("; ")),
            WORKFLOW_MESSAGE_MAX_BYTES,
        );
        // No step list: ids may be duplicated, which the status' list-map would refuse.
        status.phase = WorkflowPhase::Failed;
        status.completion_time = Some(now_t.clone());
        status.message = Some(message.clone());
        let c = &mut status.conditions;
        set_condition(
            c,
            conditions::READY,
            false,
            reasons::WORKFLOW_INVALID,
            &message,
            now_t.clone(),
        );
        set_condition(
            c,
            conditions::COMPLETED,
            false,
            reasons::WORKFLOW_INVALID,
            &message,
            now_t,
        );
        stamp(&mut status, generation);
        return Plan {
            create: Vec::new(),
            cancel: still_active(children),
            status,
            requeue_after: None,
        };
    }
    set_condition(
        &mut status.conditions,
        conditions::READY,
        true,
        reasons::WORKFLOW_VALID,
        "the steps form a valid graph",
        now_t.clone(),
    );

    let spec = &workflow.spec;
    let name = workflow.metadata.name.as_deref().unwrap_or_default();
    let uid = workflow.metadata.uid.as_deref();
    let observed: BTreeMap<&str, &Run> = children
        .iter()
        .filter_map(|r| r.metadata.name.as_deref().map(|n| (n, r)))
        .collect();
    let index: BTreeMap<&str, usize> = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    // Each step's last status, in spec order (the last status is in spec order too, so this is
    // a linear match in the common case).
    let mut steps: Vec<StepStatus> = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let at = match prior_steps.get(i) {
                Some(p) if p.id == s.id => Some(i),
                _ => prior_steps.iter().position(|p| p.id == s.id),
            };
            match at {
                Some(at) => std::mem::take(&mut prior_steps[at]),
                None => StepStatus {
                    id: s.id.clone(),
                    ..StepStatus::default()
                },
            }
        })
        .collect();

    let start = status.start_time.clone().map_or(now, |t| t.0);
    status.start_time = Some(Time(start));
    let deadline = spec
        .timeout_seconds
        .and_then(|s| start.checked_add(SignedDuration::from_secs(s)).ok());
    let stop = if spec.cancel_requested == Some(true) {
        Some(Stop::Cancelled)
    } else if let (Some(deadline), Some(seconds)) = (deadline, spec.timeout_seconds)
        && now >= deadline
    {
        Some(Stop::Timeout { seconds })
    } else {
        None
    };
    let inputs = input_values(spec);
    let mut budget = OutputBudget::new(spec, &steps);

    let mut create = Vec::new();
    let mut cancel = Vec::new();
    for i in topological_order(spec, &index) {
        if steps[i].phase.is_terminal() {
            continue;
        }
        let step = &spec.steps[i];
        let run_name = child_run_name(name, uid, &step.id);
        if let Some(run) = observed.get(run_name.as_str()) {
            let st = &mut steps[i];
            st.run_name = Some(run_name.clone());
            observe(st, run, &mut budget);
            if stop.is_some() && !st.phase.is_terminal() && run.spec.cancel_requested != Some(true)
            {
                cancel.push(run_name);
            }
            continue;
        }
        if steps[i].run_name.is_some() {
            // Created before, not observed now: the caller's cache is behind, or the Run was deleted.
            if let Some(stop) = stop {
                // Nothing observed to wait for; cancel it in case it exists.
                let st = &mut steps[i];
                st.phase = WorkflowPhase::Cancelled;
                st.reason = Some(stop.reason().to_owned());
                st.message = Some(format!(
                    "{} before its Run {run_name} was observed; it was asked to cancel",
                    stop.describe()
                ));
                cancel.push(run_name);
            } else {
                match child_run(workflow, i, &inputs, &steps, &index) {
                    Ok(child) => create.push(child),
                    Err(message) => fail_expression(&mut steps[i], message),
                }
            }
            continue;
        }
        match (needs(spec, i, &steps, &index), stop) {
            (Needs::Blocked(dep), _) => {
                let message = format!(
                    "needs step {:?}, which ended {:?}{}",
                    dep.id,
                    dep.phase,
                    dep.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                );
                skip(&mut steps[i], reasons::DEPENDENCY_FAILED, message);
            }
            (_, Some(stop)) => {
                let message = format!("{} before this step started", stop.describe());
                skip(&mut steps[i], stop.reason(), message);
            }
            (Needs::Waiting, None) => {}
            (Needs::Ready, None) => match child_run(workflow, i, &inputs, &steps, &index) {
                Ok(child) => {
                    let st = &mut steps[i];
                    st.phase = WorkflowPhase::Running;
                    st.run_name = Some(child.name.clone());
                    st.reason = None;
                    st.message = None;
                    create.push(child);
                }
                Err(message) => fail_expression(&mut steps[i], message),
            },
        }
    }

    let mut requeue_after = None;
    if steps.iter().all(|s| s.phase.is_terminal()) {
        let (outputs, output_errors) = workflow_outputs(spec, &inputs, &steps, &index);
        status.outputs = outputs;
        let (phase, reason, message) = outcome(spec, &steps, stop, &output_errors);
        let message = bounded(&message, WORKFLOW_MESSAGE_MAX_BYTES);
        status.phase = phase;
        status.completion_time = Some(now_t.clone());
        set_condition(
            &mut status.conditions,
            conditions::COMPLETED,
            phase == WorkflowPhase::Succeeded,
            reason,
            &message,
            now_t,
        );
        status.message = Some(message);
    } else {
        status.phase = WorkflowPhase::Running;
        status.message = Some(bounded(&progress(&steps, stop), WORKFLOW_MESSAGE_MAX_BYTES));
        if stop.is_none() {
            requeue_after = deadline
                .map(|d| d.duration_since(now))
                .and_then(|d| Duration::try_from(d).ok());
        }
    }
    status.steps = steps;
    stamp(&mut status, generation);
    Plan {
        create,
        cancel,
        status,
        requeue_after,
    }
}

/// Records on every condition the generation it was computed for.
fn stamp(status: &mut WorkflowStatus, generation: Option<i64>) {
    for c in &mut status.conditions {
        c.observed_generation = generation;
    }
}

/// Observed children that are not terminal and not yet asked to cancel.
fn still_active(children: &[Run]) -> Vec<String> {
    children
        .iter()
        .filter(|r| !r.phase().is_terminal() && r.spec.cancel_requested != Some(true))
        .filter_map(|r| r.metadata.name.clone())
        .collect()
}

/// The steps in an order where each comes after every step it needs; ties in spec order.
/// Assumes a validated graph (no cycle, no unknown need).
fn topological_order(spec: &WorkflowSpec, index: &BTreeMap<&str, usize>) -> Vec<usize> {
    let n = spec.steps.len();
    let mut waiting_on = vec![0usize; n];
    let mut dependents = vec![Vec::new(); n];
    for (i, step) in spec.steps.iter().enumerate() {
        for need in &step.needs {
            if let Some(&j) = index.get(need.as_str()) {
                waiting_on[i] += 1;
                dependents[j].push(i);
            }
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.insert(d);
            }
        }
    }
    order
}

/// The bytes (keys and values) of step outputs the Workflow's status may hold. A Run may have 64 KiB
/// of outputs and a Workflow 128 steps: copied whole, they could make the Workflow larger than the
/// API server accepts (about 1.5 MiB), and every later status write would fail.
pub const STEP_OUTPUTS_MAX_BYTES: usize = 256 * 1024;

/// Decides which outputs of a finished step are copied into the Workflow's status: every output an
/// expression refers to (a later step or the Workflow's outputs need it, and each is at most 8 KiB),
/// then the others in key order while the Workflow's [`STEP_OUTPUTS_MAX_BYTES`] allow. Decided once,
/// when the step is first seen finished, so it never changes afterwards.
struct OutputBudget<'a> {
    spec: &'a WorkflowSpec,
    /// `(step, key)` of every output an expression refers to, computed when first needed.
    referenced: Option<BTreeSet<(String, String)>>,
    used: usize,
}

impl<'a> OutputBudget<'a> {
    fn new(spec: &'a WorkflowSpec, steps: &[StepStatus]) -> Self {
        let used = steps
            .iter()
            .flat_map(|s| &s.outputs)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        Self {
            spec,
            referenced: None,
            used,
        }
    }

    /// Keeps what fits of `outputs` in `st.outputs`; returns how many were left out.
    fn fit(&mut self, st: &mut StepStatus, outputs: BTreeMap<String, String>) -> usize {
        let size: usize = outputs.iter().map(|(k, v)| k.len() + v.len()).sum();
        if self.used + size <= STEP_OUTPUTS_MAX_BYTES {
            self.used += size;
            st.outputs = outputs;
            return 0;
        }
        let spec = self.spec;
        let referenced = self
            .referenced
            .get_or_insert_with(|| referenced_outputs(spec));
        let (needed, rest): (Vec<_>, Vec<_>) = outputs
            .into_iter()
            .partition(|(k, _)| referenced.contains(&(st.id.clone(), k.clone())));
        st.outputs = BTreeMap::new();
        for (k, v) in needed {
            self.used += k.len() + v.len();
            st.outputs.insert(k, v);
        }
        let mut omitted = 0;
        for (k, v) in rest {
            if self.used + k.len() + v.len() <= STEP_OUTPUTS_MAX_BYTES {
                self.used += k.len() + v.len();
                st.outputs.insert(k, v);
            } else {
                omitted += 1;
            }
        }
        omitted
    }
}

/// `(step, key)` of every `${{ steps.<step>.outputs.<key> }}` in the steps and the Workflow's outputs.
fn referenced_outputs(spec: &WorkflowSpec) -> BTreeSet<(String, String)> {
    let texts = spec
        .steps
        .iter()
        .flat_map(|s| step_texts(s).map(|(_, text)| text))
        .chain(spec.outputs.iter().map(|o| o.value.as_str()));
    texts
        .filter_map(|text| references(text).ok())
        .flatten()
        .filter_map(|r| match r {
            Reference::StepOutput { step, key } => Some((step, key)),
            Reference::Input(_) => None,
        })
        .collect()
}

/// Copies what a child Run says into its step's status.
fn observe(st: &mut StepStatus, run: &Run, budget: &mut OutputBudget<'_>) {
    let phase = run.phase();
    st.phase = match phase {
        RunPhase::Pending | RunPhase::Scheduled | RunPhase::Running => WorkflowPhase::Running,
        RunPhase::Succeeded => WorkflowPhase::Succeeded,
        RunPhase::Failed | RunPhase::Timeout => WorkflowPhase::Failed,
        RunPhase::Cancelled => WorkflowPhase::Cancelled,
    };
    if !phase.is_terminal() {
        return;
    }
    let status = run.status.clone().unwrap_or_default();
    st.reason = Some(status.reason.unwrap_or_else(|| phase.as_str().to_owned()));
    st.message = status
        .message
        .filter(|m| !m.is_empty())
        .map(|m| bounded(&m, STEP_MESSAGE_MAX_BYTES));
    let omitted = budget.fit(st, status.outputs);
    if omitted > 0 {
        let note = format!(
            "{omitted} output(s) not copied here: the Workflow status holds at most \
             {STEP_OUTPUTS_MAX_BYTES} bytes of step outputs; read them from Run {}",
            run.metadata.name.as_deref().unwrap_or_default()
        );
        let message = match st.message.take() {
            Some(m) => format!("{m}; {note}"),
            None => note,
        };
        st.message = Some(bounded(&message, STEP_MESSAGE_MAX_BYTES));
    }
}

fn skip(st: &mut StepStatus, reason: &str, message: String) {
    st.phase = WorkflowPhase::Skipped;
    st.reason = Some(reason.to_owned());
    st.message = Some(bounded(&message, STEP_MESSAGE_MAX_BYTES));
}

fn fail_expression(st: &mut StepStatus, message: String) {
    st.phase = WorkflowPhase::Failed;
    st.reason = Some(reasons::EXPRESSION_FAILED.to_owned());
    st.message = Some(bounded(&message, STEP_MESSAGE_MAX_BYTES));
}

fn needs<'a>(
    spec: &WorkflowSpec,
    i: usize,
    steps: &'a [StepStatus],
    index: &BTreeMap<&str, usize>,
) -> Needs<'a> {
    let mut waiting = false;
    for need in &spec.steps[i].needs {
        let Some(&j) = index.get(need.as_str()) else {
            continue;
        };
        let dep = &steps[j];
        if !dep.phase.is_terminal() {
            waiting = true;
            continue;
        }
        let tolerated = spec.steps[j].continue_on_error == Some(true)
            && matches!(dep.phase, WorkflowPhase::Failed | WorkflowPhase::Cancelled);
        if dep.phase != WorkflowPhase::Succeeded && !tolerated {
            return Needs::Blocked(dep);
        }
    }
    if waiting {
        Needs::Waiting
    } else {
        Needs::Ready
    }
}

/// The terminal phase, reason and message of a Workflow whose steps are all terminal.
fn outcome(
    spec: &WorkflowSpec,
    steps: &[StepStatus],
    stop: Option<Stop>,
    output_errors: &[String],
) -> (WorkflowPhase, &'static str, String) {
    let all_succeeded = steps.iter().all(|s| s.phase == WorkflowPhase::Succeeded);
    if all_succeeded && output_errors.is_empty() {
        let message = format!("all {} steps succeeded", spec.steps.len());
        return (WorkflowPhase::Succeeded, reasons::SUCCEEDED, message);
    }
    let summary = failures(steps);
    match stop {
        Some(Stop::Cancelled) => (
            WorkflowPhase::Cancelled,
            reasons::CANCELLED,
            format!("{}: {summary}", Stop::Cancelled.describe()),
        ),
        Some(stop @ Stop::Timeout { .. }) => (
            WorkflowPhase::Failed,
            reasons::TIMEOUT,
            format!("{}: {summary}", stop.describe()),
        ),
        None if !all_succeeded => (WorkflowPhase::Failed, reasons::STEP_FAILED, summary),
        None => (
            WorkflowPhase::Failed,
            reasons::EXPRESSION_FAILED,
            output_errors.join("; "),
        ),
    }
}

/// `step "b" Failed (ExitCode): ...; skipped: c, d`: the steps that did not succeed.
fn failures(steps: &[StepStatus]) -> String {
    let mut parts: Vec<String> = steps
        .iter()
        .filter(|s| !matches!(s.phase, WorkflowPhase::Succeeded | WorkflowPhase::Skipped))
        .map(|s| {
            let mut part = format!("step {:?} {:?}", s.id, s.phase);
            if let Some(reason) = &s.reason {
                part.push_str(&format!(" ({reason})"));
            }
            if let Some(message) = &s.message {
                part.push_str(&format!(": {message}"));
            }
            part
        })
        .collect();
    let skipped: Vec<&str> = steps
        .iter()
        .filter(|s| s.phase == WorkflowPhase::Skipped)
        .map(|s| s.id.as_str())
        .collect();
    if !skipped.is_empty() {
        parts.push(format!("skipped: {}", skipped.join(", ")));
    }
    if parts.is_empty() {
        parts.push("no step failed".to_owned());
    }
    parts.join("; ")
}

/// `2 of 5 steps finished; running: b, c`, and what the Workflow waits for when stopping.
fn progress(steps: &[StepStatus], stop: Option<Stop>) -> String {
    let done = steps.iter().filter(|s| s.phase.is_terminal()).count();
    let running: Vec<&str> = steps
        .iter()
        .filter(|s| s.phase == WorkflowPhase::Running)
        .map(|s| s.id.as_str())
        .collect();
    let mut message = format!("{done} of {} steps finished", steps.len());
    if !running.is_empty() {
        message.push_str(&format!("; running: {}", running.join(", ")));
    }
    if let Some(stop) = stop {
        message.push_str(&format!(
            "; {}, waiting for the running steps to stop",
            stop.describe()
        ));
    }
    message
}

mod resolve;
#[cfg(test)]
mod tests;
