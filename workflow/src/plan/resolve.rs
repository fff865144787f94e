//! Resolving expressions for the engine: input values, a step's Run with its expressions
//! substituted, and the Workflow's outputs.

use std::collections::BTreeMap;

use kruntimes_api::limits::WORKFLOW_VALUE_MAX_BYTES;
use kruntimes_api::v1alpha1::{
    RunSpec, RunTemplate, StepStatus, Workflow, WorkflowPhase, WorkflowSpec,
};
use kruntimes_api::validation::validate_run_template;

use super::ChildRun;
use crate::expr::{self, Reference};
use crate::naming::{child_labels, child_run_name};

/// The value of every declared input: its argument, else its default, else empty.
pub(super) fn input_values(spec: &WorkflowSpec) -> BTreeMap<String, String> {
    spec.inputs
        .iter()
        .map(|input| {
            let value = spec
                .arguments
                .get(&input.name)
                .or(input.default.as_ref())
                .cloned()
                .unwrap_or_default();
            (input.name.clone(), value)
        })
        .collect()
}

/// Resolves one reference against the inputs and the recorded outputs of the steps.
pub(super) fn lookup(
    reference: &Reference,
    inputs: &BTreeMap<String, String>,
    steps: &[StepStatus],
    index: &BTreeMap<&str, usize>,
) -> Result<String, String> {
    match reference {
        Reference::Input(name) => inputs
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no input {name:?} is declared")),
        Reference::StepOutput { step, key } => {
            let st = index
                .get(step.as_str())
                .map(|&j| &steps[j])
                .ok_or_else(|| format!("unknown step {step:?}"))?;
            st.outputs.get(key).cloned().ok_or_else(|| {
                if st.phase == WorkflowPhase::Succeeded {
                    format!("step {step:?} has no output {key:?}")
                } else {
                    format!("step {step:?} ended {:?} without output {key:?}", st.phase)
                }
            })
        }
    }
}

/// The Run of step `i`, its expressions resolved, or the message of the first one that cannot be.
pub(super) fn child_run(
    workflow: &Workflow,
    i: usize,
    inputs: &BTreeMap<String, String>,
    steps: &[StepStatus],
    index: &BTreeMap<&str, usize>,
) -> Result<ChildRun, String> {
    let name = workflow.metadata.name.as_deref().unwrap_or_default();
    let step = &workflow.spec.steps[i];
    let look = |r: &Reference| lookup(r, inputs, steps, index);
    let at = |field: String| move |e: expr::ExprError| format!("spec.steps[{i}].{field}: {e}");

    let mut t: RunTemplate = step.run.clone();
    for (j, arg) in t.args.iter_mut().enumerate() {
        *arg = expr::resolve(arg, &look).map_err(at(format!("args[{j}]")))?;
    }
    for (j, env) in t.env.iter_mut().enumerate() {
        if let Some(value) = &mut env.value {
            *value = expr::resolve(value, &look).map_err(at(format!("env[{j}].value")))?;
        }
    }
    if let Some(inline) = t.source.as_mut().and_then(|s| s.inline.as_mut()) {
        *inline = expr::resolve(inline, &look).map_err(at("source.inline".to_owned()))?;
    }
    // Substituted values can push a field over its limit, which the API server would refuse.
    validate_run_template(&format!("spec.steps[{i}]"), &t).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("after substituting expressions: {}", lines.join("; "))
    })?;
    Ok(ChildRun {
        step: step.id.clone(),
        name: child_run_name(name, workflow.metadata.uid.as_deref(), &step.id),
        labels: child_labels(name, &step.id),
        spec: RunSpec {
            template: t,
            ..RunSpec::default()
        },
    })
}

/// The Workflow's outputs that resolve, and an error for each that does not (or is too long).
pub(super) fn workflow_outputs(
    spec: &WorkflowSpec,
    inputs: &BTreeMap<String, String>,
    steps: &[StepStatus],
    index: &BTreeMap<&str, usize>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let look = |r: &Reference| lookup(r, inputs, steps, index);
    let mut outputs = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, output) in spec.outputs.iter().enumerate() {
        match expr::resolve(&output.value, &look) {
            Ok(value) if value.len() > WORKFLOW_VALUE_MAX_BYTES => errors.push(format!(
                "spec.outputs[{i}].value: is {} bytes after substituting expressions, over the limit of {WORKFLOW_VALUE_MAX_BYTES} bytes",
                value.len()
            )),
            Ok(value) => {
                outputs.insert(output.name.clone(), value);
            }
            Err(e) => errors.push(format!("spec.outputs[{i}].value: {e}")),
        }
    }
    (outputs, errors)
}
