//! Workflow reconciler: observe the Workflow and its child Runs → [`kruntimes_workflow::reconcile`] (pure) →
//! create, cancel, write status.
//!
//! Every effect is idempotent, so a controller that dies between any two of them repeats nothing harmful when
//! it starts again:
//! - children have deterministic names ([`kruntimes_workflow::child_run_name`]): a second create answers 409
//!   AlreadyExists, which is success; they carry a controller owner reference, so deleting the Workflow deletes
//!   them;
//! - a cancel is a merge patch of `spec.cancelRequested: true`; a child already gone (404) is success;
//! - the status is written last, with the Workflow's resourceVersion: if the object moved on since it was read
//!   (our own earlier write not yet seen, or a `cancelRequested` edit), the API server answers 409 and the
//!   reconcile runs again on the newer object.
//!
//! Children are read from a cache of the Runs labelled `kruntimes.io/workflow`, which may lag the creates just
//! made; the engine is built for that (it asks again for a child its status records but the cache does not
//! show, and never for one the cache shows).

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::{Run, Workflow, WorkflowPhase};
use kruntimes_daemon::errors;
use kruntimes_daemon::events::{Event, EventType};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};

use super::{Context, ERROR_REQUEUE, FIELD_MANAGER};
use crate::error::{Error, Result};

/// Wait before re-reading a Workflow whose status write lost a race (409 Conflict).
const CONFLICT_REQUEUE: Duration = Duration::from_millis(200);
/// Safety-net resync of a running Workflow whose children did not change (child events wake it before).
const RESYNC: Duration = Duration::from_secs(300);

/// Starts, cancels and records the steps of a Workflow.
#[tracing::instrument(skip_all, fields(ns = wf.namespace(), name = wf.name_any()))]
pub async fn reconcile(wf: Arc<Workflow>, ctx: Arc<Context>) -> Result<Action> {
    let result = reconcile_inner(&wf, &ctx).await;
    ctx.metrics.reconciled(
        "Workflow",
        result.as_ref().map_or_else(Error::metric_label, |_| "ok"),
    );
    result
}

async fn reconcile_inner(wf: &Workflow, ctx: &Context) -> Result<Action> {
    let ns = wf.namespace().ok_or(Error::MissingNamespace)?;
    if wf.metadata.deletion_timestamp.is_some() {
        // Owner references delete the children.
        return Ok(Action::await_change());
    }
    let uid = wf.uid();
    let children: Vec<Run> = ctx
        .workflow_runs
        .state()
        .iter()
        .filter(|r| r.namespace().as_deref() == Some(ns.as_str()))
        .filter(|r| {
            r.owner_references()
                .iter()
                .any(|o| Some(&o.uid) == uid.as_ref())
        })
        .map(|r| Run::clone(r))
        .collect();
    let plan = kruntimes_workflow::reconcile(wf, &children, Timestamp::now());

    let runs: Api<Run> = Api::namespaced(ctx.client.clone(), &ns);
    let owner = wf.controller_owner_ref(&());
    let post = PostParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PostParams::default()
    };
    let patch_params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    for child in &plan.create {
        let mut run = child.to_run(Some(&ns));
        run.metadata.owner_references = owner.clone().map(|o| vec![o]);
        match runs.create(&post, &run).await {
            Ok(_) => tracing::debug!(step = child.step, run = child.name, "created step Run"),
            Err(e) if errors::is_already_exists(&e) => {}
            Err(source) => {
                return Err(Error::CreateRun {
                    ns: ns.clone(),
                    name: child.name.clone(),
                    source,
                });
            }
        }
    }
    for name in &plan.cancel {
        let patch = serde_json::json!({ "spec": { "cancelRequested": true } });
        match runs.patch(name, &patch_params, &Patch::Merge(&patch)).await {
            Ok(_) => tracing::debug!(run = name, "asked step Run to cancel"),
            Err(e) if errors::is_not_found(&e) => {}
            Err(source) => {
                return Err(Error::CancelRun {
                    ns: ns.clone(),
                    name: name.clone(),
                    source,
                });
            }
        }
    }

    let old = wf.status.as_ref();
    if old != Some(&plan.status) {
        let api: Api<Workflow> = Api::namespaced(ctx.client.clone(), &ns);
        let patch = lifecycle::status_patch(old, &plan.status, wf.resource_version().as_deref());
        match api
            .patch_status(&wf.name_any(), &patch_params, &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {}
            Err(e) if errors::is_conflict(&e) => {
                return Ok(Action::requeue(CONFLICT_REQUEUE));
            }
            Err(source) => {
                return Err(Error::PatchStatus {
                    kind: "Workflow",
                    ns,
                    name: wf.name_any(),
                    source,
                });
            }
        }
        let was_terminal = old.is_some_and(|s| s.phase.is_terminal());
        if plan.status.phase.is_terminal() && !was_terminal {
            publish_end(wf, &plan.status, ctx).await;
        }
    }
    Ok(if plan.is_done() {
        Action::await_change()
    } else {
        Action::requeue(plan.requeue_after.map_or(RESYNC, |d| d.min(RESYNC)))
    })
}

/// A Normal Event when the Workflow succeeded, a Warning when it did not.
async fn publish_end(
    wf: &Workflow,
    status: &kruntimes_api::v1alpha1::WorkflowStatus,
    ctx: &Context,
) {
    let succeeded = status.phase == WorkflowPhase::Succeeded;
    let reason = status
        .conditions
        .iter()
        .find(|c| c.type_ == kruntimes_api::consts::conditions::COMPLETED)
        .map_or_else(|| format!("{:?}", status.phase), |c| c.reason.clone());
    let event = Event {
        type_: if succeeded {
            EventType::Normal
        } else {
            EventType::Warning
        },
        reason,
        note: status.message.clone(),
        action: "Complete".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &wf.object_ref(&())).await {
        tracing::debug!(error = %e, "cannot publish the workflow event");
    }
}

/// Logs the error and retries after a bounded delay.
pub fn error_policy(wf: Arc<Workflow>, err: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(ns = wf.namespace(), name = wf.name_any(), error = %crate::error_chain(err), "workflow reconcile failed");
    Action::requeue(ERROR_REQUEUE)
}
