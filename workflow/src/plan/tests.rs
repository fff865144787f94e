//! The engine's rules, each as a plain test of [`reconcile`] driven by the [`Sim`] fixture.

mod property;

use kruntimes_api::consts::{conditions, labels, reasons};
use kruntimes_api::v1alpha1::{RunPhase, WorkflowPhase};

use super::*;
use crate::fixtures::{Sim, StepExt, T0, WorkflowExt, step, workflow};

fn ok(_: &str) -> (RunPhase, Vec<(&'static str, &'static str)>) {
    (RunPhase::Succeeded, vec![("out", "v")])
}

fn reason(s: &StepStatus) -> &str {
    s.reason.as_deref().unwrap_or_default()
}

fn message(s: &StepStatus) -> &str {
    s.message.as_deref().unwrap_or_default()
}

fn condition<'a>(
    status: &'a WorkflowStatus,
    type_: &str,
) -> &'a kruntimes_api::v1alpha1::Condition {
    status
        .conditions
        .iter()
        .find(|c| c.type_ == type_)
        .unwrap_or_else(|| panic!("no {type_} condition: {status:#?}"))
}

// === validation ===

/// A cycle fails the Workflow at the first reconcile with the cycle's path, and creates no Run.
#[test]
fn a_cycle_fails_the_workflow_with_its_path_and_creates_nothing() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &["b"]),
        step("b", &["a"]),
        step("c", &[]),
    ]));
    let plan = sim.tick();
    assert!(plan.create.is_empty() && plan.is_done());
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    let msg = plan.status.message.clone().unwrap_or_default();
    assert!(msg.contains("dependency cycle: a -> b -> a"), "{msg}");
    let ready = condition(&plan.status, conditions::READY);
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("False", reasons::WORKFLOW_INVALID)
    );
    assert_eq!(
        condition(&plan.status, conditions::COMPLETED).status,
        "False"
    );
    assert!(plan.status.completion_time.is_some());
    // And it stays that way: terminal phases never change.
    assert_eq!(sim.tick().status, plan.status);
}

/// Each graph and name rule fails the Workflow with a message naming the field, before any Run.
#[test]
fn graph_and_name_rules_fail_the_workflow_naming_the_field() {
    let cases: Vec<(Workflow, &str)> = vec![
        (
            workflow(vec![step("a", &["nope"])]),
            "spec.steps[0].needs[0]: unknown step \"nope\"",
        ),
        (
            workflow(vec![step("a", &["a"])]),
            "step \"a\" cannot need itself",
        ),
        (
            workflow(vec![step("a", &[]), step("a", &[])]),
            "duplicate step id \"a\"",
        ),
        (workflow(vec![step("Bad_Id", &[])]), "spec.steps[0].id"),
        (
            {
                let mut wf = workflow(vec![step("a", &[])]);
                wf.metadata.name = Some("Not.A.Label".to_owned());
                wf
            },
            "metadata.name",
        ),
        (
            workflow(vec![step("a", &[])]).input("who", None, true),
            "spec.arguments.who: is required and has no value",
        ),
        (
            workflow(vec![step("a", &[]).args(&["${{ inputs.who }}"])]),
            "spec.steps[0].args[0]: ${{ inputs.who }}: no input \"who\" is declared",
        ),
        (
            workflow(vec![
                step("a", &[]),
                step("b", &[]).env("X", "${{ steps.a.outputs.k }}"),
            ]),
            "spec.steps[1].env[0].value: ${{ steps.a.outputs.k }}: step \"b\" does not need step \"a\"",
        ),
        (
            workflow(vec![step("a", &[]).inline("echo ${{ steps.a.outputs.k }}")]),
            "spec.steps[0].source.inline: ${{ steps.a.outputs.k }}: step \"a\" does not need step \"a\"",
        ),
        (
            workflow(vec![step("a", &[]).args(&["${{ inputs.x"])]),
            "spec.steps[0].args[0]: ${{ inputs.x: unclosed expression",
        ),
        (
            workflow(vec![step("a", &[])]).output("o", "${{ steps.zz.outputs.k }}"),
            "spec.outputs[0].value: ${{ steps.zz.outputs.k }}: unknown step \"zz\"",
        ),
    ];
    for (wf, expected) in cases {
        let plan = reconcile(&wf, &[], Timestamp::UNIX_EPOCH);
        let msg = plan.status.message.clone().unwrap_or_default();
        assert_eq!(plan.status.phase, WorkflowPhase::Failed, "{expected}");
        assert!(plan.create.is_empty(), "{expected}");
        assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
        assert!(
            plan.status.steps.is_empty(),
            "no step list for an invalid Workflow"
        );
    }
}

/// A Workflow that passed validation is not validated again for the same generation (conditions
/// carry it as observedGeneration); a new generation is validated again.
#[test]
fn validation_is_recorded_per_generation() {
    let mut wf = workflow(vec![step("a", &[])]);
    wf.metadata.generation = Some(1);
    let mut sim = Sim::new(wf);
    let plan = sim.tick();
    assert_eq!(
        condition(&plan.status, conditions::READY).observed_generation,
        Some(1)
    );
    // A spec admitted by an older, looser CRD, seen under a new generation, fails then.
    sim.wf.spec.steps[0].needs = vec!["ghost".to_owned()];
    assert_eq!(
        sim.tick().status.phase,
        WorkflowPhase::Running,
        "same generation: not re-checked"
    );
    sim.wf.metadata.generation = Some(2);
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    assert!(
        plan.status
            .message
            .unwrap_or_default()
            .contains("unknown step \"ghost\"")
    );
}

/// An output of a step needed only transitively may be used: it always exists before the step starts.
#[test]
fn outputs_of_transitive_needs_are_allowed() {
    let wf = workflow(vec![
        step("a", &[]),
        step("b", &["a"]),
        step("c", &["b"]).args(&["${{ steps.a.outputs.out }}"]),
    ]);
    assert_eq!(crate::validate(&wf), Ok(()));
}

// === starting steps ===

/// Roots start at once; each child carries a deterministic name, the Workflow and step labels, and
/// the step's template; dependents wait.
#[test]
fn roots_start_at_once_with_deterministic_names_and_labels() {
    let mut wf = workflow(vec![step("b", &["a"]), step("a", &[]), step("c", &[])]);
    wf.spec.steps[1].run.timeout_seconds = Some(7);
    let mut sim = Sim::new(wf);
    let plan = sim.tick();
    let created: Vec<&str> = plan.create.iter().map(|c| c.step.as_str()).collect();
    assert_eq!(created, ["a", "c"], "dependency order, ties in spec order");
    let a = &plan.create[0];
    assert_eq!(a.name, crate::child_run_name("wf", Some("uid-1"), "a"));
    assert_eq!(a.labels[labels::WORKFLOW], "wf");
    assert_eq!(a.labels[labels::WORKFLOW_STEP], "a");
    assert_eq!(a.spec.template.timeout_seconds, Some(7));
    assert_eq!(a.spec.cancel_requested, None);
    let run = a.to_run(Some("ns"));
    assert_eq!(run.metadata.name.as_deref(), Some(a.name.as_str()));
    assert_eq!(run.metadata.namespace.as_deref(), Some("ns"));

    assert_eq!(plan.status.phase, WorkflowPhase::Running);
    assert_eq!(plan.status.step_count, Some(3));
    assert_eq!(plan.status.start_time, Some(Time(sim.now)));
    assert_eq!(sim.step("a").phase, WorkflowPhase::Running);
    assert_eq!(sim.step("a").run_name.as_deref(), Some(a.name.as_str()));
    assert_eq!(sim.step("b").phase, WorkflowPhase::Pending);
    let ready = condition(&plan.status, conditions::READY);
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("True", reasons::WORKFLOW_VALID)
    );
    assert!(
        plan.status
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .eq(["b", "a", "c"]),
        "spec order"
    );
}

/// A step starts only once every step it needs succeeded.
#[test]
fn a_step_starts_only_after_all_its_needs_succeeded() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &[]),
        step("c", &["a", "b"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[]);
    sim.start("b");
    let plan = sim.tick();
    assert!(plan.create.is_empty());
    assert_eq!(sim.step("a").phase, WorkflowPhase::Succeeded);
    assert_eq!(sim.step("c").phase, WorkflowPhase::Pending);
    assert_eq!(
        plan.status.message.as_deref(),
        Some("1 of 3 steps finished; running: b")
    );
    sim.finish("b", RunPhase::Succeeded, &[]);
    let plan = sim.tick();
    assert_eq!(plan.create.len(), 1);
    assert_eq!(plan.create[0].step, "c");
}

/// Inputs (argument, default, optional and empty) and outputs of needed steps are substituted in
/// args, env values and inline source; other fields are copied as written.
#[test]
fn expressions_are_resolved_in_args_env_and_inline_source() {
    let wf = workflow(vec![
        step("a", &[]),
        step("b", &["a"])
            .args(&[
                "${{ inputs.who }}",
                "${{inputs.greeting}}-${{ inputs.opt }}!",
                "$HOME",
            ])
            .env("FROM_A", "${{ steps.a.outputs.image.tag }}")
            .inline("echo ${{ steps.a.outputs.image.tag }} > out"),
    ])
    .input("who", None, true)
    .input("greeting", Some("Hello"), false)
    .input("opt", None, false)
    .argument("who", "world");
    let mut sim = Sim::new(wf);
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[("image.tag", "v1.2")]);
    let plan = sim.tick();
    let t = &plan.create[0].spec.template;
    assert_eq!(t.args, ["world", "Hello-!", "$HOME"]);
    assert_eq!(t.env[0].value.as_deref(), Some("v1.2"));
    assert_eq!(
        t.source.as_ref().and_then(|s| s.inline.as_deref()),
        Some("echo v1.2 > out")
    );
    assert_eq!(t.runtime, "rt");
}

/// An expression that cannot be resolved fails its step with ExpressionFailed naming the field and
/// the expression, creates no Run, and skips the steps that need it.
#[test]
fn an_unresolvable_expression_fails_the_step_without_a_run() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &["a"]).args(&["x", "${{ steps.a.outputs.missing }}"]),
        step("c", &["b"]),
        step("d", &["a"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[("present", "1")]);
    let plan = sim.tick();
    assert_eq!(
        plan.create
            .iter()
            .map(|c| c.step.as_str())
            .collect::<Vec<_>>(),
        ["d"]
    );
    let b = sim.step("b");
    assert_eq!(
        (b.phase, reason(&b)),
        (WorkflowPhase::Failed, reasons::EXPRESSION_FAILED)
    );
    assert_eq!(
        message(&b),
        "spec.steps[1].args[1]: ${{ steps.a.outputs.missing }}: step \"a\" has no output \"missing\""
    );
    assert_eq!(b.run_name, None);
    assert!(!sim.has_run("b"));
    assert_eq!(sim.step("c").phase, WorkflowPhase::Skipped);
    sim.finish("d", RunPhase::Succeeded, &[]);
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    assert_eq!(
        condition(&plan.status, conditions::COMPLETED).reason,
        reasons::STEP_FAILED
    );
}

/// A value that makes a field exceed its limit once substituted fails the step the same way,
/// naming the field and the limit.
#[test]
fn a_substituted_value_over_a_limit_fails_the_step() {
    let big = "x".repeat(5000);
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &["a"]).args(&["${{ steps.a.outputs.k }}${{ steps.a.outputs.k }}"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[("k", &big)]);
    sim.tick();
    let b = sim.step("b");
    assert_eq!(reason(&b), reasons::EXPRESSION_FAILED);
    assert!(
        message(&b).contains("spec.steps[1].args[0]: is 10000 bytes, over the limit of 8192 bytes"),
        "{}",
        message(&b)
    );
    assert!(!sim.has_run("b"));
}

/// Reconciling twice with the same observations gives the same plan; once the plan's effects are
/// observed, another reconcile asks for nothing new.
#[test]
fn reconcile_is_deterministic_and_idempotent_once_observed() {
    let wf = workflow(vec![step("a", &[]), step("b", &[]), step("c", &["a", "b"])]);
    let first = reconcile(&wf, &[], Timestamp::UNIX_EPOCH);
    assert_eq!(first, reconcile(&wf, &[], Timestamp::UNIX_EPOCH));
    let mut sim = Sim::new(wf);
    let plan = sim.tick();
    assert_eq!(plan.create.len(), 2);
    let again = sim.tick();
    assert!(again.create.is_empty() && again.cancel.is_empty());
    assert_eq!(again.status, plan.status);
}

/// A Run the status records but the observed children lack (a cache behind the last create) is
/// asked for again under the same name and with the same spec, so AlreadyExists makes it a no-op.
#[test]
fn a_recorded_run_not_yet_observed_is_requested_again_identically() {
    let mut sim = Sim::new(workflow(vec![step("a", &[]).args(&["x"])]));
    let first = sim.tick();
    let lagging = reconcile(&sim.wf, &[], sim.now);
    assert_eq!(lagging.create, first.create);
    assert_eq!(lagging.status, first.status);
}

/// A Run created by a reconcile whose status write was lost (a controller restarting in between)
/// is found by its deterministic name and adopted, never created a second time.
#[test]
fn a_run_whose_status_write_was_lost_is_adopted_not_recreated() {
    let mut sim = Sim::new(workflow(vec![step("a", &[]), step("b", &["a"])]));
    let first = sim.tick();
    sim.wf.status = None;
    sim.start("a");
    let plan = sim.tick();
    assert!(plan.create.is_empty());
    assert_eq!(sim.step("a").phase, WorkflowPhase::Running);
    assert_eq!(
        sim.step("a").run_name.as_deref(),
        Some(first.create[0].name.as_str())
    );
    assert_eq!(sim.created.len(), 1);
}

/// A finished step keeps its status and outputs even when its Run is deleted later, and a
/// dependent still resolves them from the status.
#[test]
fn finished_steps_survive_the_deletion_of_their_run() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &["a"]).args(&["${{ steps.a.outputs.k }}"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[("k", "kept")]);
    // The Run is observed finished once, then deleted before b is reconciled again.
    let mut status = reconcile(&sim.wf, &sim.children, sim.now).status;
    status.steps[1] = StepStatus {
        id: "b".to_owned(),
        ..StepStatus::default()
    };
    sim.wf.status = Some(status);
    sim.children.clear();
    let plan = sim.tick();
    assert_eq!(sim.step("a").outputs["k"], "kept");
    assert_eq!(plan.create.len(), 1);
    assert_eq!(plan.create[0].spec.template.args, ["kept"]);
}

// === propagation ===

/// A failed step skips everything downstream of it, transitively, with DependencyFailed naming the
/// step; an independent branch still runs to the end; the Workflow ends Failed, never Running.
#[test]
fn a_failure_skips_its_dependents_while_other_branches_finish() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &["a"]),
        step("c", &["b"]),
        step("x", &[]),
        step("y", &["x"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Failed, &[]);
    sim.start("x");
    let plan = sim.tick();
    assert!(plan.create.is_empty());
    let b = sim.step("b");
    assert_eq!(
        (b.phase, reason(&b)),
        (WorkflowPhase::Skipped, reasons::DEPENDENCY_FAILED)
    );
    assert_eq!(
        message(&b),
        "needs step \"a\", which ended Failed (ExitCode)"
    );
    let c = sim.step("c");
    assert_eq!(
        message(&c),
        "needs step \"b\", which ended Skipped (DependencyFailed)"
    );
    assert_eq!(
        plan.status.phase,
        WorkflowPhase::Running,
        "x is still running"
    );

    sim.finish("x", RunPhase::Succeeded, &[]);
    assert_eq!(sim.tick().create[0].step, "y");
    sim.finish("y", RunPhase::Succeeded, &[]);
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    assert_eq!(
        plan.status.message.as_deref(),
        Some("step \"a\" Failed (ExitCode): exit code 1; skipped: b, c")
    );
    let completed = condition(&plan.status, conditions::COMPLETED);
    assert_eq!(
        (completed.status.as_str(), completed.reason.as_str()),
        ("False", reasons::STEP_FAILED)
    );
    assert_eq!(plan.status.completion_time, Some(Time(sim.now)));
    assert!(plan.is_done());
}

/// A Run that timed out or was cancelled on its own also skips its dependents; a Run's Timeout is
/// the step's Failed with reason Timeout.
#[test]
fn timeouts_and_cancelled_runs_skip_their_dependents() {
    for (phase, step_phase) in [
        (RunPhase::Timeout, WorkflowPhase::Failed),
        (RunPhase::Cancelled, WorkflowPhase::Cancelled),
    ] {
        let mut sim = Sim::new(workflow(vec![step("a", &[]), step("b", &["a"])]));
        sim.tick();
        sim.finish("a", phase, &[]);
        let plan = sim.tick();
        let a = sim.step("a");
        assert_eq!((a.phase, reason(&a)), (step_phase, phase.as_str()));
        assert_eq!(sim.step("b").phase, WorkflowPhase::Skipped);
        assert_eq!(plan.status.phase, WorkflowPhase::Failed, "{phase}");
    }
}

/// With continueOnError, the steps that need a failed step run anyway, and may read the outputs it
/// wrote; the Workflow still reports the failure.
#[test]
fn continue_on_error_lets_dependents_run_but_the_workflow_still_fails() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]).continue_on_error(),
        step("b", &["a"]).args(&["${{ steps.a.outputs.partial }}"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Failed, &[("partial", "p")]);
    let plan = sim.tick();
    assert_eq!(plan.create[0].step, "b");
    assert_eq!(plan.create[0].spec.template.args, ["p"]);
    sim.finish("b", RunPhase::Succeeded, &[]);
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    assert!(
        plan.status
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with("step \"a\" Failed")
    );
}

/// continueOnError covers a step's own failure, not a skip: a skipped step's dependents are skipped.
#[test]
fn continue_on_error_does_not_unskip() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &["a"]).continue_on_error(),
        step("c", &["b"]),
    ]));
    sim.tick();
    sim.finish("a", RunPhase::Failed, &[]);
    let plan = sim.tick();
    assert!(plan.create.is_empty());
    assert_eq!(sim.step("c").phase, WorkflowPhase::Skipped);
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
}

// === cancellation and deadline ===

/// cancelRequested cancels the active Runs, skips the steps not started, creates nothing more, and
/// the Workflow ends Cancelled only once the cancelled Runs settled.
#[test]
fn cancellation_reaches_active_runs_and_ends_once_they_settle() {
    let mut sim = Sim::new(workflow(vec![
        step("a", &[]),
        step("b", &[]),
        step("c", &["a"]),
    ]));
    sim.tick();
    sim.finish("b", RunPhase::Succeeded, &[]);
    sim.wf.spec.cancel_requested = Some(true);
    let plan = sim.tick();
    assert!(plan.create.is_empty());
    assert_eq!(
        plan.cancel,
        [crate::child_run_name("wf", Some("uid-1"), "a")]
    );
    assert_eq!(
        plan.status.phase,
        WorkflowPhase::Running,
        "a has not stopped yet"
    );
    let c = sim.step("c");
    assert_eq!(
        (c.phase, reason(&c)),
        (WorkflowPhase::Skipped, reasons::CANCELLED)
    );
    assert_eq!(
        message(&c),
        "the Workflow was cancelled before this step started"
    );

    // Asked once: a Run already marked is not asked again.
    assert!(sim.tick().cancel.is_empty());
    sim.settle_cancelled();
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Cancelled);
    assert_eq!(sim.step("a").phase, WorkflowPhase::Cancelled);
    assert_eq!(sim.step("b").phase, WorkflowPhase::Succeeded);
    let completed = condition(&plan.status, conditions::COMPLETED);
    assert_eq!(completed.reason, reasons::CANCELLED);
    assert!(plan.is_done());
}

/// A Workflow cancelled before its first reconcile creates nothing and ends Cancelled at once.
#[test]
fn a_workflow_cancelled_before_it_started_creates_nothing() {
    let mut wf = workflow(vec![step("a", &[]), step("b", &["a"])]);
    wf.spec.cancel_requested = Some(true);
    let plan = Sim::new(wf).tick();
    assert!(plan.create.is_empty());
    assert_eq!(plan.status.phase, WorkflowPhase::Cancelled);
    assert!(
        plan.status
            .steps
            .iter()
            .all(|s| s.phase == WorkflowPhase::Skipped)
    );
}

/// A recorded Run the caller does not see when the Workflow stops is cancelled by name and the step
/// counted as Cancelled, so the Workflow cannot wait forever for a Run that may not exist.
#[test]
fn a_recorded_but_unseen_run_is_cancelled_by_name_when_stopping() {
    let mut sim = Sim::new(workflow(vec![step("a", &[])]));
    sim.tick();
    sim.children.clear();
    sim.wf.spec.cancel_requested = Some(true);
    let plan = sim.tick();
    assert_eq!(
        plan.cancel,
        [crate::child_run_name("wf", Some("uid-1"), "a")]
    );
    assert_eq!(plan.status.phase, WorkflowPhase::Cancelled);
    // If it shows up later, still active, the terminal Workflow asks again for it to stop.
    let late = kruntimes_api::v1alpha1::Run::new(&plan.cancel[0], Default::default());
    assert_eq!(reconcile(&sim.wf, &[late], sim.now).cancel, plan.cancel);
}

/// timeoutSeconds counts from the first reconcile; the plan asks to be woken at the deadline; past
/// it, active Runs are cancelled, pending steps skipped, and the Workflow ends Failed with Timeout.
#[test]
fn the_workflow_deadline_cancels_active_runs_and_fails_with_timeout() {
    let mut sim = Sim::new(workflow(vec![step("a", &[]), step("b", &["a"])]).timeout(60));
    let plan = sim.tick();
    assert_eq!(plan.requeue_after, Some(Duration::from_secs(60)));
    sim.advance(59);
    sim.start("a");
    assert_eq!(sim.tick().requeue_after, Some(Duration::from_secs(1)));
    sim.advance(1);
    let plan = sim.tick();
    assert_eq!(plan.cancel.len(), 1);
    assert_eq!(plan.requeue_after, None);
    assert_eq!(plan.status.phase, WorkflowPhase::Running);
    let b = sim.step("b");
    assert_eq!(
        (b.phase, reason(&b)),
        (WorkflowPhase::Skipped, reasons::TIMEOUT)
    );
    assert_eq!(
        message(&b),
        "the Workflow's deadline (timeoutSeconds: 60) passed before this step started"
    );
    sim.settle_cancelled();
    let plan = sim.tick();
    assert_eq!(plan.status.phase, WorkflowPhase::Failed);
    assert_eq!(
        condition(&plan.status, conditions::COMPLETED).reason,
        reasons::TIMEOUT
    );
    assert!(
        plan.status
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with(
                "the Workflow's deadline (timeoutSeconds: 60) passed: step \"a\" Cancelled"
            )
    );
}

// === status ===

/// 64 steps each with 64 KiB of outputs would make the Workflow bigger than the API server accepts:
/// the status keeps at most STEP_OUTPUTS_MAX_BYTES of them, always keeps the outputs a later step
/// or the Workflow's outputs refer to, and marks every step whose outputs it left out.
#[test]
fn step_outputs_in_the_status_stay_within_the_budget_and_say_what_they_left_out() {
    let mut steps: Vec<_> = (0..64).map(|i| step(&format!("s{i}"), &[])).collect();
    steps.push(step("last", &["s63"]).args(&["${{ steps.s63.outputs.k7 }}"]));
    let wf = workflow(steps).output("o", "${{ steps.s62.outputs.k0 }}");
    let value = "x".repeat(8 * 1024 - 2);
    let keys: Vec<String> = (0..8).map(|k| format!("k{k}")).collect();
    let mut sim = Sim::new(wf);
    sim.tick();
    for i in 0..64 {
        let outputs: Vec<(&str, &str)> =
            keys.iter().map(|k| (k.as_str(), value.as_str())).collect();
        sim.finish(&format!("s{i}"), RunPhase::Succeeded, &outputs);
    }
    sim.tick();
    sim.finish("last", RunPhase::Succeeded, &[]);
    sim.run_to_end(10, ok);
    let status = sim.wf.status.clone().unwrap_or_default();
    assert_eq!(
        status.phase,
        WorkflowPhase::Succeeded,
        "{:?}",
        status.message
    );
    let held: usize = status
        .steps
        .iter()
        .flat_map(|s| &s.outputs)
        .map(|(k, v)| k.len() + v.len())
        .sum();
    // The referenced outputs may go past the budget by at most their own size.
    assert!(held <= STEP_OUTPUTS_MAX_BYTES + 2 * 8 * 1024, "{held}");
    assert!(held >= STEP_OUTPUTS_MAX_BYTES - 8 * 1024, "{held}");
    // The referenced outputs were kept and resolved.
    assert_eq!(sim.step("s63").outputs.get("k7"), Some(&value));
    assert_eq!(status.outputs.get("o"), Some(&value));
    let last = sim
        .children
        .iter()
        .find(|r| crate::fixtures::label(r) == "last")
        .expect("last's Run");
    assert_eq!(last.spec.template.args, std::slice::from_ref(&value));
    // Every step that lost outputs says how many and where to find them; the others say nothing.
    for s in &status.steps[..64] {
        let kept = s.outputs.len();
        if kept == 8 {
            assert_eq!(s.message, None, "{}", s.id);
        } else {
            let m = message(s);
            assert!(
                m.starts_with(&format!("{} output(s) not copied here", 8 - kept))
                    && m.ends_with(s.run_name.as_deref().unwrap_or("?")),
                "{}: {m}",
                s.id
            );
        }
    }
    assert!(status.steps[0].message.is_none() && status.steps[63].outputs.len() < 8);
}

/// A Workflow whose steps all succeed ends Succeeded with its outputs resolved, its start and
/// completion times, and Completed=True.
#[test]
fn success_resolves_the_workflow_outputs() {
    let wf = workflow(vec![step("a", &[]), step("b", &["a"])])
        .input("who", Some("me"), false)
        .output("summary", "${{ inputs.who }}: ${{ steps.b.outputs.out }}");
    let mut sim = Sim::new(wf);
    sim.tick();
    sim.finish("a", RunPhase::Succeeded, &[("out", "v")]);
    sim.advance(3);
    sim.run_to_end(10, ok);
    let status = sim.wf.status.clone().unwrap_or_default();
    assert_eq!(status.phase, WorkflowPhase::Succeeded);
    assert_eq!(status.outputs["summary"], "me: v");
    assert_eq!(
        status.start_time,
        Some(Time(Timestamp::from_second(T0).unwrap()))
    );
    assert_eq!(status.completion_time, Some(Time(sim.now)));
    assert_eq!(status.message.as_deref(), Some("all 2 steps succeeded"));
    let completed = condition(&status, conditions::COMPLETED);
    assert_eq!(
        (completed.status.as_str(), completed.reason.as_str()),
        ("True", reasons::SUCCEEDED)
    );
    for s in &status.steps {
        assert_eq!(
            (s.phase, reason(s)),
            (WorkflowPhase::Succeeded, "Succeeded")
        );
        assert_eq!(s.outputs["out"], "v");
    }
}

/// An output expression that cannot be resolved fails an otherwise successful Workflow with
/// ExpressionFailed naming the output; the outputs that resolve are still reported.
#[test]
fn an_unresolvable_workflow_output_fails_the_workflow() {
    let wf = workflow(vec![step("a", &[])])
        .output("good", "${{ steps.a.outputs.out }}")
        .output("bad", "${{ steps.a.outputs.nope }}");
    let mut sim = Sim::new(wf);
    sim.run_to_end(10, ok);
    let status = sim.wf.status.clone().unwrap_or_default();
    assert_eq!(status.phase, WorkflowPhase::Failed);
    assert_eq!(
        condition(&status, conditions::COMPLETED).reason,
        reasons::EXPRESSION_FAILED
    );
    assert_eq!(
        status.message.as_deref(),
        Some(
            "spec.outputs[1].value: ${{ steps.a.outputs.nope }}: step \"a\" has no output \"nope\""
        )
    );
    assert_eq!(status.outputs.get("good").map(String::as_str), Some("v"));
}

/// A terminal Workflow never changes, whatever its children or spec do next.
#[test]
fn terminal_phases_never_change() {
    let mut sim = Sim::new(workflow(vec![step("a", &[])]));
    sim.run_to_end(10, ok);
    let done = sim.wf.status.clone();
    sim.finish("a", RunPhase::Failed, &[]);
    sim.wf.spec.cancel_requested = Some(true);
    sim.advance(1000);
    let plan = sim.tick();
    assert_eq!(Some(plan.status.clone()), done);
    assert!(plan.is_done());
}

/// Run messages are cut to the step message limit; the Workflow message to its own.
#[test]
fn messages_are_bounded() {
    let mut sim = Sim::new(workflow(vec![step("a", &[])]));
    sim.tick();
    sim.finish("a", RunPhase::Failed, &[]);
    if let Some(status) = sim.children[0].status.as_mut() {
        status.message = Some("é".repeat(3000));
    }
    let plan = sim.tick();
    assert!(message(&sim.step("a")).len() <= crate::status::STEP_MESSAGE_MAX_BYTES);
    assert!(
        plan.status.message.unwrap_or_default().len() <= crate::status::WORKFLOW_MESSAGE_MAX_BYTES
    );
}
