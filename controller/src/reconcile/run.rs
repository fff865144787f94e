//! Run reconciler: the stale-Run reaper (bound Runs), TTL garbage collection (finished Runs) and artifact
//! cleanup (deleted Runs holding `kruntimes.io/artifact-cleanup`).

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::Run;
use kruntimes_daemon::errors;
use kruntimes_daemon::events::{Event, EventType};
use kube::Resource;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams, Preconditions};
use kube::runtime::controller::Action;
use kube::runtime::reflector::{ObjectRef, Store};

use super::{Context, ERROR_REQUEUE};
use crate::error::{Error, Result};
use crate::metrics::ReapLabels;
use crate::reaper::{self, Verdict};
use crate::ttl;

/// Wait before re-reading a Run whose status write lost a race (409 Conflict).
const CONFLICT_REQUEUE: Duration = Duration::from_secs(1);

/// Reaps a Run whose pod cannot finish it, or deletes a finished Run whose TTL passed.
#[tracing::instrument(skip_all, fields(ns = run.namespace(), name = run.name_any()))]
pub async fn reconcile(run: Arc<Run>, ctx: Arc<Context>) -> Result<Action> {
    let result = reconcile_inner(&run, &ctx).await;
    ctx.metrics.reconciled(
        "Run",
        result.as_ref().map_or_else(Error::metric_label, |_| "ok"),
    );
    result
}

async fn reconcile_inner(run: &Run, ctx: &Context) -> Result<Action> {
    let ns = run.namespace().ok_or(Error::MissingNamespace)?;
    if crate::cleanup::pending(run) {
        return super::cleanup::reconcile(run, &ns, ctx).await;
    }
    let now = Timestamp::now();
    if let Some(at) = ttl::expiry(run) {
        return collect(run, &ns, at, now, ctx).await;
    }
    let Some(pod_name) = run.status.as_ref().and_then(|s| s.assigned_pod.clone()) else {
        return Ok(Action::await_change());
    };
    // Observe through the pod cache; a stale verdict is confirmed with a fresh read before acting, so a
    // cache that lags (a pod created just now, a watch restart) never fails a healthy Run.
    let cached = ctx.pods.get(&ObjectRef::<Pod>::new(&pod_name).within(&ns));
    let mut verdict = reaper::judge(run, cached.as_deref(), now, ctx.stale_threshold);
    if matches!(verdict, Verdict::Stale { .. }) {
        let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &ns);
        let fresh = pods
            .get_opt(&pod_name)
            .await
            .map_err(|source| Error::GetPod {
                ns: ns.clone(),
                name: pod_name.clone(),
                source,
            })?;
        verdict = reaper::judge(run, fresh.as_ref(), now, ctx.stale_threshold);
    }
    match verdict {
        Verdict::NotWatched => Ok(Action::await_change()),
        Verdict::Healthy { recheck_after } => Ok(Action::requeue(recheck_after)),
        Verdict::Stale { reason, message } => {
            let status = reaper::stale_status(run, reason, &message, now);
            let patch = lifecycle::status_patch(
                run.status.as_ref(),
                &status,
                run.metadata.resource_version.as_deref(),
            );
            let api: Api<Run> = Api::namespaced(ctx.client.clone(), &ns);
            match api
                .patch_status(
                    &run.name_any(),
                    &PatchParams::default(),
                    &Patch::Merge(patch),
                )
                .await
            {
                Ok(_) => {
                    ctx.metrics
                        .reaped_runs
                        .get_or_create(&ReapLabels { reason })
                        .inc();
                    tracing::info!(reason, %message, phase = %status.phase, attempt = status.attempt, "reaped stale run");
                    let event = Event {
                        type_: EventType::Warning,
                        reason: reason.to_owned(),
                        note: status.message.clone(),
                        action: if status.phase.is_terminal() {
                            "Fail"
                        } else {
                            "Retry"
                        }
                        .to_owned(),
                        secondary: None,
                    };
                    // Best effort: the status is what matters.
                    if let Err(e) = ctx.recorder.publish(&event, &run.object_ref(&())).await {
                        tracing::debug!(error = %e, "cannot publish the reap event");
                    }
                    Ok(Action::await_change())
                }
                Err(e) if errors::is_conflict(&e) => Ok(Action::requeue(CONFLICT_REQUEUE)),
                Err(source) => Err(Error::PatchStatus {
                    kind: "Run",
                    ns,
                    name: run.name_any(),
                    source,
                }),
            }
        }
    }
}

/// Deletes `run` once `at` has passed (guarded by its UID), else waits until then.
async fn collect(
    run: &Run,
    ns: &str,
    at: Timestamp,
    now: Timestamp,
    ctx: &Context,
) -> Result<Action> {
    if now < at {
        let wait = Duration::try_from(now.duration_until(at)).unwrap_or(Duration::ZERO);
        return Ok(Action::requeue(
            wait.saturating_add(Duration::from_millis(100)),
        ));
    }
    let api: Api<Run> = Api::namespaced(ctx.client.clone(), ns);
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: run.uid(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    match api.delete(&run.name_any(), &params).await {
        Ok(_) => {
            ctx.metrics.ttl_deleted.inc();
            tracing::info!("deleted finished run after its ttl");
            Ok(Action::await_change())
        }
        // Already gone, or a new Run of the same name (the UID precondition failed).
        Err(e) if errors::is_not_found(&e) || errors::is_conflict(&e) => Ok(Action::await_change()),
        Err(source) => Err(Error::DeleteRun {
            ns: ns.to_owned(),
            name: run.name_any(),
            source,
        }),
    }
}

/// The Runs bound to `pod`, to reconcile when the pod changes or disappears.
pub fn runs_on_pod(runs: &Store<Run>, pod: &Pod) -> Vec<ObjectRef<Run>> {
    let (Some(ns), Some(name)) = (pod.namespace(), pod.metadata.name.as_deref()) else {
        return Vec::new();
    };
    runs.state()
        .iter()
        .filter(|r| r.namespace().as_deref() == Some(ns.as_str()))
        .filter(|r| r.phase().is_active())
        .filter(|r| r.status.as_ref().and_then(|s| s.assigned_pod.as_deref()) == Some(name))
        .map(|r| ObjectRef::from_obj(r.as_ref()))
        .collect()
}

/// Logs the error and retries after a bounded delay.
pub fn error_policy(run: Arc<Run>, err: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(ns = run.namespace(), name = run.name_any(), error = %crate::error_chain(err), "run reconcile failed");
    Action::requeue(ERROR_REQUEUE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kruntimes_api::v1alpha1::{RunPhase, RunSpec, RunStatus};
    use kube::runtime::{reflector, watcher};

    fn mk_run(name: &str, ns: &str, phase: RunPhase, pod: &str) -> Run {
        let mut run = Run::new(name, RunSpec::default());
        run.metadata.namespace = Some(ns.to_owned());
        run.status = Some(RunStatus {
            phase,
            assigned_pod: Some(pod.to_owned()),
            ..RunStatus::default()
        });
        run
    }

    /// A pod event wakes exactly the active Runs bound to that pod in its namespace.
    #[test]
    fn a_pod_event_triggers_the_active_runs_bound_to_it() {
        let (store, mut writer) = reflector::store::<Run>();
        for run in [
            mk_run("a", "ns", RunPhase::Running, "p"),
            mk_run("b", "ns", RunPhase::Scheduled, "p"),
            mk_run("c", "ns", RunPhase::Succeeded, "p"),
            mk_run("d", "ns", RunPhase::Running, "q"),
            mk_run("e", "other", RunPhase::Running, "p"),
        ] {
            writer.apply_watcher_event(&watcher::Event::Apply(run));
        }
        let mut pod = Pod::default();
        pod.metadata.name = Some("p".to_owned());
        pod.metadata.namespace = Some("ns".to_owned());
        let mut names: Vec<String> = runs_on_pod(&store, &pod)
            .into_iter()
            .map(|r| r.name)
            .collect();
        names.sort();
        assert_eq!(names, ["a", "b"]);
    }
}
