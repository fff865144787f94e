//! Rules for Workflows, including the graph rules (unknown needs, self-dependency, duplicate ids,
//! cycles) that admission can only partly check.

use std::collections::{BTreeMap, BTreeSet};

use super::run::template_into;
use super::{
    ValidationErrors, check_items, check_len, check_unchanged, is_dns_label, is_output_key,
};
use crate::limits::*;
use crate::v1alpha1::Workflow;

/// Validates a Workflow: names, limits, every step's Run template, and the graph.
pub fn validate_workflow(wf: &Workflow) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::default();
    if let Some(name) = wf.metadata.name.as_deref()
        && !(is_dns_label(name) && name.len() <= WORKFLOW_NAME_MAX)
    {
        errs.push(
            "metadata.name",
            format!("{name:?} must be a DNS label of at most {WORKFLOW_NAME_MAX} characters (child Runs carry it in a label)"),
        );
    }
    let spec = &wf.spec;
    check_items(
        &mut errs,
        "spec.inputs",
        spec.inputs.len(),
        WORKFLOW_PARAMS_MAX_ITEMS,
    );
    let mut inputs = BTreeSet::new();
    for (i, input) in spec.inputs.iter().enumerate() {
        let f = format!("spec.inputs[{i}]");
        if !is_output_key(&input.name) || input.name.contains('.') {
            errs.push(
                format!("{f}.name"),
                format!(
                    "{:?} must be letters, digits, '_' or '-', not starting with a digit",
                    input.name
                ),
            );
        }
        if !inputs.insert(input.name.as_str()) {
            errs.push(
                format!("{f}.name"),
                format!("{:?} is declared twice", input.name),
            );
        }
        if input.required && input.default.is_some() {
            errs.push(f.clone(), "a required input cannot have a default");
        }
        if let Some(d) = &input.default {
            check_len(
                &mut errs,
                &format!("{f}.default"),
                d,
                0,
                WORKFLOW_VALUE_MAX_BYTES,
            );
        }
    }
    check_items(
        &mut errs,
        "spec.arguments",
        spec.arguments.len(),
        WORKFLOW_PARAMS_MAX_ITEMS,
    );
    for (k, v) in &spec.arguments {
        if !inputs.contains(k.as_str()) {
            errs.push(format!("spec.arguments.{k}"), "is not a declared input");
        }
        check_len(
            &mut errs,
            &format!("spec.arguments.{k}"),
            v,
            0,
            WORKFLOW_VALUE_MAX_BYTES,
        );
    }
    for input in spec.inputs.iter().filter(|i| i.required) {
        if !spec.arguments.contains_key(&input.name) {
            errs.push(
                format!("spec.arguments.{}", input.name),
                "is required and has no value",
            );
        }
    }

    if spec.steps.is_empty() {
        errs.push("spec.steps", "must have at least one step");
    }
    check_items(&mut errs, "spec.steps", spec.steps.len(), STEPS_MAX_ITEMS);
    let ids: BTreeSet<&str> = spec.steps.iter().map(|s| s.id.as_str()).collect();
    let mut seen = BTreeSet::new();
    for (i, step) in spec.steps.iter().enumerate() {
        let f = format!("spec.steps[{i}]");
        if !is_dns_label(&step.id) {
            errs.push(
                format!("{f}.id"),
                format!(
                    "{:?} must be a DNS label (lowercase alphanumerics and '-', at most 63)",
                    step.id
                ),
            );
        }
        if !seen.insert(step.id.as_str()) {
            errs.push(
                format!("{f}.id"),
                format!("duplicate step id {:?}", step.id),
            );
        }
        check_items(
            &mut errs,
            &format!("{f}.needs"),
            step.needs.len(),
            NEEDS_MAX_ITEMS,
        );
        for (j, n) in step.needs.iter().enumerate() {
            if n == &step.id {
                errs.push(
                    format!("{f}.needs[{j}]"),
                    format!("step {:?} cannot need itself", step.id),
                );
            } else if !ids.contains(n.as_str()) {
                errs.push(format!("{f}.needs[{j}]"), format!("unknown step {n:?}"));
            }
        }
        template_into(&mut errs, &f, &step.run);
    }
    if let Some(cycle) = find_cycle(
        spec.steps
            .iter()
            .map(|s| (s.id.as_str(), s.needs.iter().map(String::as_str))),
    ) {
        errs.push(
            "spec.steps",
            format!("dependency cycle: {}", cycle.join(" -> ")),
        );
    }

    check_items(
        &mut errs,
        "spec.outputs",
        spec.outputs.len(),
        WORKFLOW_PARAMS_MAX_ITEMS,
    );
    for (i, o) in spec.outputs.iter().enumerate() {
        if !is_output_key(&o.name) {
            errs.push(
                format!("spec.outputs[{i}].name"),
                format!("{:?} is not a valid output name", o.name),
            );
        }
        check_len(
            &mut errs,
            &format!("spec.outputs[{i}].value"),
            &o.value,
            1,
            WORKFLOW_VALUE_MAX_BYTES,
        );
    }
    if let Some(t) = spec.timeout_seconds
        && !(TIMEOUT_SECONDS_MIN..=TIMEOUT_SECONDS_MAX).contains(&t)
    {
        errs.push(
            "spec.timeoutSeconds",
            format!("{t} is outside {TIMEOUT_SECONDS_MIN}..={TIMEOUT_SECONDS_MAX}"),
        );
    }
    errs.into_result()
}

/// Validates an update: only `cancelRequested` may change, and only from false to true.
pub fn validate_workflow_update(new: &Workflow, old: &Workflow) -> Result<(), ValidationErrors> {
    let mut errs = validate_workflow(new).err().unwrap_or_default();
    let (n, o) = (&new.spec, &old.spec);
    check_unchanged(&mut errs, "spec.steps", &n.steps, &o.steps);
    check_unchanged(&mut errs, "spec.inputs", &n.inputs, &o.inputs);
    check_unchanged(&mut errs, "spec.arguments", &n.arguments, &o.arguments);
    check_unchanged(&mut errs, "spec.outputs", &n.outputs, &o.outputs);
    check_unchanged(
        &mut errs,
        "spec.timeoutSeconds",
        &n.timeout_seconds,
        &o.timeout_seconds,
    );
    if o.cancel_requested == Some(true) && n.cancel_requested != Some(true) {
        errs.push("spec.cancelRequested", "cannot go back to false once true");
    }
    errs.into_result()
}

/// Finds a dependency cycle in a graph given as `(id, needs)` pairs, returning its path with the
/// first node repeated at the end (`["a", "b", "a"]`), or `None` for a DAG. Needs naming unknown
/// ids are ignored (they are reported separately). Deterministic: nodes are visited in id order.
pub fn find_cycle<'a, I, N>(graph: I) -> Option<Vec<String>>
where
    I: IntoIterator<Item = (&'a str, N)>,
    N: IntoIterator<Item = &'a str>,
{
    let edges: BTreeMap<&str, Vec<&str>> = graph
        .into_iter()
        .map(|(id, needs)| (id, needs.into_iter().collect()))
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = edges.keys().map(|k| (*k, Mark::New)).collect();
    for &start in edges.keys() {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, index of the next edge to follow); `path` mirrors the stack.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::OnPath);
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let deps = &edges[node];
            if *next < deps.len() {
                let dep = deps[*next];
                *next += 1;
                match mark.get(dep) {
                    Some(Mark::New) => {
                        mark.insert(dep, Mark::OnPath);
                        stack.push((dep, 0));
                    }
                    Some(Mark::OnPath) => {
                        let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            stack[from..].iter().map(|(n, _)| (*n).to_owned()).collect();
                        cycle.push(dep.to_owned());
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                mark.insert(node, Mark::Done);
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    fn cycle(g: &[(&'static str, &[&'static str])]) -> Option<Vec<String>> {
        find_cycle(g.iter().map(|(id, needs)| (*id, needs.iter().copied())))
    }

    #[test]
    fn a_dag_has_no_cycle() {
        assert_eq!(
            cycle(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"])]),
            None
        );
    }

    #[test]
    fn a_two_step_cycle_shows_its_path() {
        assert_eq!(
            cycle(&[("a", &["b"]), ("b", &["a"])]).unwrap(),
            ["a", "b", "a"]
        );
    }

    #[test]
    fn a_cycle_behind_a_tail_shows_only_the_loop() {
        let c = cycle(&[("a", &["b"]), ("b", &["c"]), ("c", &["d"]), ("d", &["b"])]).unwrap();
        assert_eq!(c, ["b", "c", "d", "b"]);
    }

    #[test]
    fn unknown_needs_are_ignored_here() {
        assert_eq!(cycle(&[("a", &["zzz"])]), None);
    }
}
