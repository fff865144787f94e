//! Property: random DAGs with random step outcomes, random cancellation and random deadlines always
//! converge to a terminal phase within a bounded number of reconciles, and never create a step's Run
//! twice.
//!
//! The world advances one second per reconcile. Each round, active Runs finish (with their step's
//! drawn outcome) or, once asked to cancel, end Cancelled, each with probability 1/2, but at least
//! one active Run always ends, as time always moves on. Then the bound: each step's Run ends once,
//! and a reconcile that finds no active Run either starts one or ends the Workflow, so at most
//! `2 × steps + 2` reconciles are needed.

use std::collections::BTreeSet;

use kruntimes_api::consts::reasons;
use kruntimes_api::v1alpha1::{RunPhase, RunStatus, WorkflowPhase};
use proptest::prelude::*;

use super::super::reconcile;
use crate::fixtures::{Sim, StepExt, label, step, workflow};

/// One generated Workflow and world.
#[derive(Debug, Clone)]
struct Case {
    /// For each step (by creation index), the earlier steps it needs.
    needs: Vec<Vec<usize>>,
    /// Spec order: a permutation of the steps, so spec order is not dependency order.
    order: Vec<usize>,
    /// The phase each step's Run ends with.
    outcomes: Vec<RunPhase>,
    continue_on_error: Vec<bool>,
    /// Round at which `cancelRequested` is set.
    cancel_at: Option<usize>,
    timeout_seconds: Option<i64>,
    /// Seed of the per-round choices.
    seed: u64,
}

fn outcome() -> impl Strategy<Value = RunPhase> {
    prop_oneof![
        6 => Just(RunPhase::Succeeded),
        2 => Just(RunPhase::Failed),
        1 => Just(RunPhase::Timeout),
        1 => Just(RunPhase::Cancelled),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=24)
        .prop_flat_map(|n| {
            let needs = (0..n)
                .map(|i| proptest::sample::subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(4)))
                .collect::<Vec<_>>();
            (
                needs,
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                proptest::collection::vec(outcome(), n),
                proptest::collection::vec(proptest::bool::weighted(0.2), n),
                proptest::option::weighted(0.3, 0..(2 * n + 2)),
                proptest::option::weighted(0.3, 1..(2 * n as i64 + 2)),
                any::<u64>(),
            )
        })
        .prop_map(
            |(needs, order, outcomes, continue_on_error, cancel_at, timeout_seconds, seed)| Case {
                needs,
                order,
                outcomes,
                continue_on_error,
                cancel_at,
                timeout_seconds,
                seed,
            },
        )
}

fn id(i: usize) -> String {
    format!("s{i}")
}

/// xorshift64: the per-round coin flips, reproducible from the case's seed.
fn coin(state: &mut u64) -> bool {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state & 1 == 1
}

fn index_of(label: &str) -> usize {
    label
        .strip_prefix('s')
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// See the module docs.
    #[test]
    fn random_workflows_converge_and_never_create_a_run_twice(case in case()) {
        let n = case.needs.len();
        let steps = case
            .order
            .iter()
            .map(|&i| {
                let needs: Vec<String> = case.needs[i].iter().map(|&j| id(j)).collect();
                let needs: Vec<&str> = needs.iter().map(String::as_str).collect();
                let s = step(&id(i), &needs);
                if case.continue_on_error[i] { s.continue_on_error() } else { s }
            })
            .collect();
        let mut wf = workflow(steps);
        wf.spec.timeout_seconds = case.timeout_seconds;
        let mut sim = Sim::new(wf);
        let mut rng = case.seed | 1;
        let mut ever_created = BTreeSet::new();
        let mut cancelled_before_end = false;
        let bound = 2 * n + 2;

        let mut done = false;
        for round in 0..bound {
            let plan = reconcile(&sim.wf, &sim.children, sim.now);
            let observed: BTreeSet<String> =
                sim.children.iter().filter_map(|r| r.metadata.name.clone()).collect();
            for child in &plan.create {
                prop_assert!(!observed.contains(&child.name), "create of an observed Run {}", child.name);
                prop_assert!(ever_created.insert(child.name.clone()), "{} created twice", child.name);
                prop_assert_eq!(&child.name, &crate::child_run_name("wf", Some("uid-1"), &child.step));
                // Started only with every need satisfied.
                for &j in &case.needs[index_of(&child.step)] {
                    let dep = plan.status.steps.iter().find(|s| s.id == id(j)).map(|s| s.phase);
                    let tolerated = case.continue_on_error[j]
                        && matches!(dep, Some(WorkflowPhase::Failed | WorkflowPhase::Cancelled));
                    prop_assert!(dep == Some(WorkflowPhase::Succeeded) || tolerated, "{} started before {}", child.step, id(j));
                }
            }
            sim.apply(&plan);
            if plan.is_done() {
                done = true;
                break;
            }

            if case.cancel_at == Some(round) {
                sim.wf.spec.cancel_requested = Some(true);
                cancelled_before_end = true;
            }
            let mut ended_one = false;
            let active: Vec<usize> = sim
                .children
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.phase().is_terminal())
                .map(|(k, _)| k)
                .collect();
            for (nth, &k) in active.iter().enumerate() {
                let last_chance = nth + 1 == active.len() && !ended_one;
                if !(coin(&mut rng) || last_chance) {
                    continue;
                }
                let run = &mut sim.children[k];
                let phase = if run.spec.cancel_requested == Some(true) {
                    RunPhase::Cancelled
                } else {
                    case.outcomes[index_of(label(run))]
                };
                run.status = Some(RunStatus {
                    phase,
                    reason: Some(phase.as_str().to_owned()),
                    ..RunStatus::default()
                });
                ended_one = true;
            }
            sim.advance(1);
        }
        prop_assert!(done, "not terminal after {} reconciles: {:#?}", bound, sim.wf.status);

        let status = sim.wf.status.clone().unwrap_or_default();
        prop_assert!(status.phase.is_terminal());
        prop_assert!(status.steps.iter().all(|s| s.phase.is_terminal()));
        prop_assert!(sim.children.iter().all(|r| r.phase().is_terminal()), "a Run left active");
        let with_run: BTreeSet<String> = status.steps.iter().filter_map(|s| s.run_name.clone()).collect();
        prop_assert_eq!(&with_run, &ever_created);
        let all_succeeded = status.steps.iter().all(|s| s.phase == WorkflowPhase::Succeeded);
        let expected = if all_succeeded {
            WorkflowPhase::Succeeded
        } else if cancelled_before_end {
            WorkflowPhase::Cancelled
        } else {
            WorkflowPhase::Failed
        };
        prop_assert_eq!(status.phase, expected);
        for s in &status.steps {
            if s.phase == WorkflowPhase::Skipped {
                prop_assert!(s.run_name.is_none());
                let r = s.reason.as_deref().unwrap_or_default();
                prop_assert!([reasons::DEPENDENCY_FAILED, reasons::CANCELLED, reasons::TIMEOUT].contains(&r), "{}", r);
            }
        }
    }
}
