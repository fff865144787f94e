//! The Workflow reconciler against the in-process API server substitute (`kruntimes-fakeapi`; no real API
//! server can run here, `e2e/tests/control_plane.rs` holds the opt-in real-cluster tests). The test plays the
//! Runs' executors: it ends every child Run it sees, as runtimed would.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{NS, config, eventually};
use kruntimes_api::consts::{labels, reasons};
use kruntimes_api::v1alpha1::{Run, RunPhase, Workflow, WorkflowPhase};
use kruntimes_fakeapi::{FakeApiServer, Verb};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;

/// The controller, running until the returned sender is dropped or sent to.
struct Controller {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Controller {
    fn start(client: &Client) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(kruntimes_controller::run(client.clone(), config(), async {
            let _ = stopped.await;
        }));
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Dies where it stands: in-flight requests are dropped, nothing is flushed.
    fn kill(self) {
        self.task.abort();
    }

    async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        self.task.await.unwrap().unwrap();
    }
}

/// Plays the executors of the Workflows' Runs: a Run asked to cancel ends Cancelled; any other ends with
/// `outcome(step)` and the output `out=<step>:<first arg>`. Runs whose step `hold` names stay Running.
fn executor(
    client: Client,
    hold: &'static [&'static str],
    outcome: fn(&str) -> RunPhase,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let runs: Api<Run> = Api::namespaced(client, NS);
        loop {
            let list = runs
                .list(&ListParams::default().labels(labels::WORKFLOW))
                .await;
            for run in list.map(|l| l.items).unwrap_or_default() {
                if run.phase().is_terminal() {
                    continue;
                }
                let step = run.labels()[labels::WORKFLOW_STEP].clone();
                let cancel = run.spec.cancel_requested == Some(true);
                let status = if cancel {
                    json!({"phase": "Cancelled", "reason": "Cancelled"})
                } else if hold.contains(&step.as_str()) {
                    if run.phase() == RunPhase::Running {
                        continue;
                    }
                    json!({"phase": "Running"})
                } else {
                    let phase = outcome(&step);
                    let arg = run.spec.template.args.first().cloned().unwrap_or_default();
                    json!({"phase": phase.as_str(), "reason": phase.as_str(),
                           "outputs": {"out": format!("{step}:{arg}")}})
                };
                let _ = runs
                    .patch_status(
                        &run.name_any(),
                        &PatchParams::default(),
                        &Patch::Merge(json!({ "status": status })),
                    )
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

fn succeed(_: &str) -> RunPhase {
    RunPhase::Succeeded
}

fn workflow(name: &str, steps: serde_json::Value) -> Workflow {
    serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"steps": steps},
    }))
    .unwrap()
}

fn step(id: &str, needs: &[&str], args: &[&str]) -> serde_json::Value {
    json!({"id": id, "needs": needs, "runtime": "bash", "args": args})
}

async fn wait_phase(client: &Client, name: &str, phase: WorkflowPhase) -> Workflow {
    let api: Api<Workflow> = Api::namespaced(client.clone(), NS);
    eventually(30, &format!("workflow {name} {phase:?}"), || async {
        let wf = api.get(name).await.ok()?;
        let now = wf.status.as_ref().map(|s| s.phase).unwrap_or_default();
        assert!(
            !now.is_terminal() || now == phase,
            "ended {now:?}, expected {phase:?}: {:#?}",
            wf.status
        );
        (now == phase).then_some(wf)
    })
    .await
}

async fn children(client: &Client, workflow: &str) -> Vec<Run> {
    Api::<Run>::namespaced(client.clone(), NS)
        .list(&ListParams::default().labels(&format!("{}={workflow}", labels::WORKFLOW)))
        .await
        .unwrap()
        .items
}

/// A chain passes an output to the next step's args; each child has the Workflow as controller owner and
/// the step labels; the Workflow ends Succeeded with its outputs, and a Normal Event says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_runs_in_order_and_passes_outputs() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let controller = Controller::start(&client);
    let exec = executor(client.clone(), &[], succeed);

    let mut wf = workflow(
        "chain",
        json!([
            step("a", &[], &["first"]),
            step("b", &["a"], &["${{ steps.a.outputs.out }}"]),
        ]),
    );
    wf.spec.outputs =
        serde_json::from_value(json!([{"name": "result", "value": "${{ steps.b.outputs.out }}"}]))
            .unwrap();
    let created = Api::<Workflow>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &wf)
        .await
        .unwrap();
    let done = wait_phase(&client, "chain", WorkflowPhase::Succeeded).await;
    let status = done.status.unwrap();
    assert_eq!(status.outputs["result"], "b:a:first");
    assert_eq!(status.steps.len(), 2);
    assert_eq!(status.steps[1].outputs["out"], "b:a:first");

    let runs = children(&client, "chain").await;
    assert_eq!(runs.len(), 2);
    for run in &runs {
        let owners = run.owner_references();
        assert_eq!(owners.len(), 1, "{owners:?}");
        assert_eq!(owners[0].uid, created.uid().unwrap());
        assert_eq!(owners[0].controller, Some(true));
    }
    let b = runs
        .iter()
        .find(|r| r.labels()[labels::WORKFLOW_STEP] == "b")
        .unwrap();
    // Created after a ended: its argument is a's output.
    assert_eq!(b.spec.template.args, ["a:first"]);

    let events = eventually(10, "the Workflow's Event", || async {
        let list = Api::<k8s_openapi::api::events::v1::Event>::namespaced(client.clone(), NS)
            .list(&ListParams::default())
            .await
            .ok()?;
        let ours: Vec<_> = list
            .items
            .into_iter()
            .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("chain"))
            .collect();
        (!ours.is_empty()).then_some(ours)
    })
    .await;
    assert_eq!(events[0].type_.as_deref(), Some("Normal"));
    exec.abort();
    controller.stop().await;
}

/// A cycle is refused at the first reconcile with its path; no Run is ever created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_workflow_fails_and_creates_no_run() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let controller = Controller::start(&client);
    let wf = workflow(
        "cyclic",
        json!([step("a", &["b"], &[]), step("b", &["a"], &[])]),
    );
    Api::<Workflow>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &wf)
        .await
        .unwrap();
    let failed = wait_phase(&client, "cyclic", WorkflowPhase::Failed).await;
    let message = failed.status.unwrap().message.unwrap_or_default();
    assert!(message.contains("a -> b -> a"), "{message}");
    assert!(children(&client, "cyclic").await.is_empty());
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.resource == "runs" && r.verb == Verb::Create)
        .count();
    assert_eq!(creates, 0);
    controller.stop().await;
}

/// `cancelRequested` on a running Workflow cancels its active children, skips the steps not started, and the
/// Workflow ends Cancelled once the children settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_workflow_cancels_its_children_and_ends_cancelled() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let controller = Controller::start(&client);
    let exec = executor(client.clone(), &["slow"], succeed);
    let wf = workflow(
        "cancel-me",
        json!([
            step("quick", &[], &[]),
            step("slow", &[], &[]),
            step("after", &["slow"], &[]),
        ]),
    );
    let api: Api<Workflow> = Api::namespaced(client.clone(), NS);
    api.create(&PostParams::default(), &wf).await.unwrap();
    eventually(30, "the slow step running", || async {
        let running = children(&client, "cancel-me")
            .await
            .into_iter()
            .any(|r| r.labels()[labels::WORKFLOW_STEP] == "slow" && r.phase() == RunPhase::Running);
        running.then_some(())
    })
    .await;
    api.patch(
        "cancel-me",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"cancelRequested": true}})),
    )
    .await
    .unwrap();
    let done = wait_phase(&client, "cancel-me", WorkflowPhase::Cancelled).await;
    let steps: BTreeMap<String, (WorkflowPhase, Option<String>)> = done
        .status
        .unwrap()
        .steps
        .into_iter()
        .map(|s| (s.id, (s.phase, s.reason)))
        .collect();
    assert_eq!(steps["quick"].0, WorkflowPhase::Succeeded);
    assert_eq!(steps["slow"].0, WorkflowPhase::Cancelled);
    assert_eq!(
        steps["after"],
        (WorkflowPhase::Skipped, Some(reasons::CANCELLED.to_owned()))
    );
    let slow = children(&client, "cancel-me")
        .await
        .into_iter()
        .find(|r| r.labels()[labels::WORKFLOW_STEP] == "slow")
        .unwrap();
    assert_eq!(slow.spec.cancel_requested, Some(true));
    assert_eq!(children(&client, "cancel-me").await.len(), 2);
    exec.abort();
    controller.stop().await;
}

/// A failed step skips what needs it while the independent branch finishes; the Workflow ends Failed and a
/// Warning Event says which step failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_skips_its_dependents_and_the_workflow_fails() {
    fn outcome(step: &str) -> RunPhase {
        if step == "bad" {
            RunPhase::Failed
        } else {
            RunPhase::Succeeded
        }
    }
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let controller = Controller::start(&client);
    let exec = executor(client.clone(), &[], outcome);
    let wf = workflow(
        "partial",
        json!([
            step("bad", &[], &[]),
            step("needs-bad", &["bad"], &[]),
            step("other", &[], &[]),
            step("needs-other", &["other"], &[]),
        ]),
    );
    Api::<Workflow>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &wf)
        .await
        .unwrap();
    let done = wait_phase(&client, "partial", WorkflowPhase::Failed).await;
    let status = done.status.unwrap();
    let phase = |id: &str| status.steps.iter().find(|s| s.id == id).unwrap().phase;
    assert_eq!(phase("bad"), WorkflowPhase::Failed);
    assert_eq!(phase("needs-bad"), WorkflowPhase::Skipped);
    assert_eq!(phase("other"), WorkflowPhase::Succeeded);
    assert_eq!(phase("needs-other"), WorkflowPhase::Succeeded);
    assert!(
        status
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("bad"),
        "{:?}",
        status.message
    );
    assert_eq!(children(&client, "partial").await.len(), 3);
    exec.abort();
    controller.stop().await;
}

/// The controller is killed over and over while a 40-step Workflow runs (fan-out of 36 between two
/// chains): every kill lands at a different point between creating children and writing the status. The
/// Workflow still succeeds with exactly one Run per step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_killed_at_any_point_never_duplicates_a_child() {
    let server = FakeApiServer::start().await.unwrap();
    let client = server.client();
    let exec = executor(client.clone(), &[], succeed);
    let mut steps = vec![step("start", &[], &[]), step("prepare", &["start"], &[])];
    let wide: Vec<String> = (0..36).map(|i| format!("w{i}")).collect();
    for id in &wide {
        steps.push(step(
            id,
            &["prepare"],
            &["${{ steps.prepare.outputs.out }}"],
        ));
    }
    let refs: Vec<&str> = wide.iter().map(String::as_str).collect();
    steps.push(step("join", &refs, &[]));
    steps.push(step("end", &["join"], &[]));
    let wf = workflow("chaos", serde_json::Value::Array(steps));
    Api::<Workflow>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &wf)
        .await
        .unwrap();

    let api: Api<Workflow> = Api::namespaced(client.clone(), NS);
    let mut kills = 0;
    let mut lifetime_ms = 15;
    loop {
        let controller = Controller::start(&client);
        tokio::time::sleep(Duration::from_millis(lifetime_ms)).await;
        let phase = api
            .get("chaos")
            .await
            .unwrap()
            .status
            .map(|s| s.phase)
            .unwrap_or_default();
        if phase.is_terminal() {
            controller.stop().await;
            break;
        }
        controller.kill();
        kills += 1;
        lifetime_ms = 15 + (lifetime_ms * 7 + 13) % 60;
        assert!(kills < 1000, "not done after {kills} controller kills");
    }
    let done = wait_phase(&client, "chaos", WorkflowPhase::Succeeded).await;
    let adopted = server
        .requests()
        .iter()
        .filter(|r| r.resource == "runs" && r.verb == Verb::Create && r.status == 409)
        .count();
    eprintln!("{kills} controller kills; {adopted} creates answered AlreadyExists");
    assert!(
        kills >= 3,
        "only {kills} kills: the test did not test restarts"
    );
    let runs = children(&client, "chaos").await;
    assert_eq!(runs.len(), 40, "one Run per step");
    let steps: std::collections::BTreeSet<&str> = runs
        .iter()
        .map(|r| r.labels()[labels::WORKFLOW_STEP].as_str())
        .collect();
    assert_eq!(steps.len(), 40, "{steps:?}");
    for s in &done.status.unwrap().steps {
        assert_eq!(s.phase, WorkflowPhase::Succeeded, "{}", s.id);
        assert!(s.run_name.is_some(), "{}", s.id);
    }
    let w7 = runs
        .iter()
        .find(|r| r.labels()[labels::WORKFLOW_STEP] == "w7")
        .unwrap();
    assert_eq!(w7.spec.template.args, ["prepare:"]);
    exec.abort();
}
