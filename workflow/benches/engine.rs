//! Workflow engine benchmark: the orchestration overhead of `reconcile` alone, with child Runs that
//! complete instantly, on a 20-step chain and a 100-wide fan-out (a root and 100 parallel steps that
//! each read the root's output), beside the baseline of cloning the Workflow (the least any caller
//! does per reconcile).
//!
//! ```text
//! cargo bench -p kruntimes-workflow --bench engine
//! ```
//!
//! Each iteration drives one Workflow from nothing to its terminal phase: reconcile, create the
//! requested Runs, mark them Succeeded with one output, reconcile again. Prints one table; takes a
//! few seconds.

#![expect(
    clippy::expect_used,
    reason = "a benchmark has nothing better to do with a failure than stop"
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use kruntimes_api::v1alpha1::{
    Run, RunPhase, RunStatus, RunTemplate, Workflow, WorkflowOutput, WorkflowPhase, WorkflowSpec,
    WorkflowStep,
};
use kruntimes_workflow::reconcile;

const ITERATIONS: usize = 200;

fn step(id: String, needs: Vec<String>, args: Vec<String>) -> WorkflowStep {
    WorkflowStep {
        id,
        needs,
        continue_on_error: None,
        run: RunTemplate {
            runtime: "noop".to_owned(),
            args,
            ..RunTemplate::default()
        },
    }
}

fn workflow(steps: Vec<WorkflowStep>, output: &str) -> Workflow {
    let mut wf = Workflow::new(
        "bench",
        WorkflowSpec {
            steps,
            outputs: vec![WorkflowOutput {
                name: "result".to_owned(),
                value: output.to_owned(),
            }],
            ..WorkflowSpec::default()
        },
    );
    wf.metadata.uid = Some("0b5e".to_owned());
    wf
}

/// s0 -> s1 -> ... -> s19, each passing its predecessor's output on.
fn chain(n: usize) -> Workflow {
    let steps = (0..n)
        .map(|i| {
            let (needs, args) = if i == 0 {
                (vec![], vec!["start".to_owned()])
            } else {
                (
                    vec![format!("s{}", i - 1)],
                    vec![format!("${{{{ steps.s{}.outputs.out }}}}", i - 1)],
                )
            };
            step(format!("s{i}"), needs, args)
        })
        .collect();
    workflow(steps, &format!("${{{{ steps.s{}.outputs.out }}}}", n - 1))
}

/// root -> w0..w{n-1}.
fn fan_out(n: usize) -> Workflow {
    let mut steps = vec![step("root".to_owned(), vec![], vec![])];
    for i in 0..n {
        steps.push(step(
            format!("w{i}"),
            vec!["root".to_owned()],
            vec!["${{ steps.root.outputs.out }}".to_owned()],
        ));
    }
    workflow(steps, &format!("${{{{ steps.w{}.outputs.out }}}}", n - 1))
}

/// Drives `wf` to its end; returns the time of each reconcile.
fn converge(mut wf: Workflow) -> Vec<Duration> {
    let mut children: Vec<Run> = Vec::new();
    let mut times = Vec::new();
    let now = jiff::Timestamp::UNIX_EPOCH;
    loop {
        let start = Instant::now();
        let plan = reconcile(&wf, &children, now);
        times.push(start.elapsed());
        wf.status = Some(plan.status.clone());
        if plan.is_done() {
            assert_eq!(
                plan.status.phase,
                WorkflowPhase::Succeeded,
                "{:?}",
                plan.status.message
            );
            return black_box(times);
        }
        for child in &plan.create {
            let mut run = child.to_run(None);
            run.status = Some(RunStatus {
                phase: RunPhase::Succeeded,
                outputs: BTreeMap::from([("out".to_owned(), "value".to_owned())]),
                ..RunStatus::default()
            });
            children.push(run);
        }
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    println!(
        "| workload | steps | reconciles to converge | per reconcile p50 | per reconcile p95 | total to converge p50 | per step | clone of the Workflow (baseline) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, wf) in [
        ("20-step chain", chain(20)),
        ("100-wide fan-out", fan_out(100)),
    ] {
        let steps = wf.spec.steps.len();
        // Warm up.
        for _ in 0..10 {
            converge(wf.clone());
        }
        let mut per_reconcile = Vec::new();
        let mut totals = Vec::new();
        let mut reconciles = 0;
        for _ in 0..ITERATIONS {
            let times = converge(wf.clone());
            reconciles = times.len();
            totals.push(times.iter().sum::<Duration>());
            per_reconcile.extend(times);
        }
        let mut clones = Vec::new();
        for _ in 0..ITERATIONS {
            let start = Instant::now();
            black_box(wf.clone());
            clones.push(start.elapsed());
        }
        per_reconcile.sort();
        totals.sort();
        clones.sort();
        let total = percentile(&totals, 0.5);
        println!(
            "| {name} | {steps} | {reconciles} | {} | {} | {} | {} | {} |",
            micros(percentile(&per_reconcile, 0.5)),
            micros(percentile(&per_reconcile, 0.95)),
            micros(total),
            micros(total / u32::try_from(steps).expect("few steps")),
            micros(percentile(&clones, 0.5)),
        );
    }
}
