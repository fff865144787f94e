//! The rules a Workflow must pass before any of its Runs is created.
//!
//! [`validate`] is the API crate's [`validate_workflow`] (names, limits, step templates, unknown
//! `needs`, self-dependency, duplicate ids, cycles with their path) plus the expression rules, which
//! need the graph:
//!
//! - every `${{ ... }}` parses (see [`crate::expr`]);
//! - `inputs.<name>` names a declared input;
//! - in a step, `steps.<id>.outputs.<key>` names a step it needs, directly or through its needs, so the
//!   value always exists before the step starts (no race with a sibling);
//! - in a Workflow output, it names any step.
//!
//! A missing output *key* cannot be known in advance; it fails the step at run time
//! ([`kruntimes_api::consts::reasons::EXPRESSION_FAILED`]).

use std::collections::{BTreeMap, BTreeSet};

use kruntimes_api::v1alpha1::{Workflow, WorkflowStep};
use kruntimes_api::validation::{FieldError, ValidationErrors, validate_workflow};

use crate::expr::{self, Reference, Segment};

/// Validates `workflow`: the API's rules, then the expression rules.
///
/// # Errors
///
/// Every broken rule, each naming its field (`spec.steps[1].args[0]`).
pub fn validate(workflow: &Workflow) -> Result<(), ValidationErrors> {
    let mut errs = validate_workflow(workflow).err().unwrap_or_default();
    check_expressions(workflow, &mut errs);
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

fn check_expressions(workflow: &Workflow, errs: &mut ValidationErrors) {
    let spec = &workflow.spec;
    let inputs: BTreeSet<&str> = spec.inputs.iter().map(|i| i.name.as_str()).collect();
    let steps: BTreeMap<&str, &WorkflowStep> =
        spec.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    // `needed`: the steps whose outputs the text may use; `None` for Workflow outputs (any step).
    let check = |errs: &mut ValidationErrors,
                 field: String,
                 text: &str,
                 needed: Option<(&str, &BTreeSet<&str>)>| {
        let segments = match expr::parse(text) {
            Ok(segments) => segments,
            Err(e) => return push(errs, field, e.to_string()),
        };
        for segment in segments {
            let Segment::Expr { raw, reference } = segment else {
                continue;
            };
            let problem = match (&reference, needed) {
                (Reference::Input(name), _) if !inputs.contains(name.as_str()) => {
                    format!("no input {name:?} is declared")
                }
                (Reference::StepOutput { step, .. }, _) if !steps.contains_key(step.as_str()) => {
                    format!("unknown step {step:?}")
                }
                (Reference::StepOutput { step, .. }, Some((me, needed)))
                    if !needed.contains(step.as_str()) =>
                {
                    format!(
                        "step {me:?} does not need step {step:?} (directly or through its needs), \
                         so that output may not exist when {me:?} starts"
                    )
                }
                _ => continue,
            };
            push(errs, &field, format!("{raw}: {problem}"));
        }
    };

    for (i, step) in spec.steps.iter().enumerate() {
        let needed = ancestors(&steps, step);
        for (field, text) in step_texts(step) {
            check(
                errs,
                format!("spec.steps[{i}].{field}"),
                text,
                Some((&step.id, &needed)),
            );
        }
    }
    for (i, output) in spec.outputs.iter().enumerate() {
        check(
            errs,
            format!("spec.outputs[{i}].value"),
            &output.value,
            None,
        );
    }
}

/// The texts of a step in which expressions are resolved, with their field paths relative to the step.
pub(crate) fn step_texts(step: &WorkflowStep) -> impl Iterator<Item = (String, &str)> {
    let t = &step.run;
    let args = t
        .args
        .iter()
        .enumerate()
        .map(|(j, a)| (format!("args[{j}]"), a.as_str()));
    let env = t
        .env
        .iter()
        .enumerate()
        .filter_map(|(j, e)| e.value.as_deref().map(|v| (format!("env[{j}].value"), v)));
    let inline = t
        .source
        .as_ref()
        .and_then(|s| s.inline.as_deref())
        .map(|s| ("source.inline".to_owned(), s));
    args.chain(env).chain(inline)
}

/// Every step `step` needs, directly or transitively. Unknown ids are ignored (reported elsewhere);
/// cycles terminate thanks to the visited set.
fn ancestors<'a>(
    steps: &BTreeMap<&'a str, &'a WorkflowStep>,
    step: &'a WorkflowStep,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = step.needs.iter().map(String::as_str).collect();
    while let Some(id) = todo.pop() {
        if seen.insert(id)
            && let Some(s) = steps.get(id)
        {
            todo.extend(s.needs.iter().map(String::as_str));
        }
    }
    seen
}

fn push(errs: &mut ValidationErrors, field: impl Into<String>, message: impl Into<String>) {
    errs.0.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}
