//! Artifact cleanup of deleted Runs: the I/O around [`crate::cleanup`].

use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::consts::{conditions, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use kruntimes_api::v1alpha1::{Run, Runtime};
use kruntimes_artifacts::Store;
use kruntimes_daemon::errors;
use kruntimes_daemon::events::{Event, EventType};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};

use super::Context;
use crate::cleanup::{self, AfterFailure, Source};
use crate::error::{Error, Result};

/// Why nothing could be deleted.
enum Failure {
    /// Worth retrying: credentials, network, the store itself.
    Transient(String),
    /// The controller cannot reach these objects at all: release at once and say where they are.
    Unreachable(String),
    /// A cleanup pod is on it: look again shortly (until the cleanup timeout).
    Waiting(String),
}

/// How often a cleanup pod is looked at while it runs.
const POD_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Deletes the stored artifacts of the deleted `run`, then releases its finalizer; on failure shows
/// `ArtifactsCleanedUp=False` and retries, until the cleanup timeout.
pub(super) async fn reconcile(run: &Run, ns: &str, ctx: &Context) -> Result<Action> {
    let name = run.name_any();
    let uid = run.uid().unwrap_or_default();
    let result = match store_config(run, ns, ctx).await {
        Ok(config) => delete(run, &config, ns, ctx).await,
        Err(failure) => Err(failure),
    };
    match result {
        Ok(deleted) => {
            tracing::info!(deleted, "deleted the run's artifacts");
            ctx.metrics.artifacts_cleaned.inc();
            release(run, ns, ctx).await
        }
        Err(Failure::Unreachable(message)) => give_up(run, ns, ctx, &message).await,
        Err(Failure::Waiting(what)) => {
            match cleanup::after_failure(run, Timestamp::now(), ctx.artifact_cleanup_timeout) {
                AfterFailure::GiveUp => {
                    let _ = delete_cleanup_pod(run, ns, ctx).await;
                    let message = format!(
                        "gave up deleting the Run's artifacts after {}s: {what}; objects may remain under \
                         {ns}/{name}/{uid}/ in the filesystem store of status.artifactStore",
                        ctx.artifact_cleanup_timeout.as_secs()
                    );
                    give_up(run, ns, ctx, &message).await
                }
                AfterFailure::Retry(after) => Ok(Action::requeue(after.min(POD_POLL))),
            }
        }
        Err(Failure::Transient(error)) => {
            match cleanup::after_failure(run, Timestamp::now(), ctx.artifact_cleanup_timeout) {
                AfterFailure::GiveUp => {
                    let message = format!(
                        "gave up deleting the Run's artifacts after {}s: {error}; objects may remain under \
                         {ns}/{name}/{uid}/ in the store of status.artifactStore",
                        ctx.artifact_cleanup_timeout.as_secs()
                    );
                    give_up(run, ns, ctx, &message).await
                }
                AfterFailure::Retry(after) => {
                    tracing::warn!(%error, retry_in = ?after, "artifact cleanup failed");
                    let message =
                        cleanup::failure_message(run, &error, ctx.artifact_cleanup_timeout);
                    show_failure(run, ns, ctx, &message).await?;
                    Ok(Action::requeue(after))
                }
            }
        }
    }
}

/// The store of `run`'s artifacts: the recorded snapshot, else its Runtime's current store.
async fn store_config(run: &Run, ns: &str, ctx: &Context) -> Result<ArtifactStore, Failure> {
    match cleanup::source(run) {
        Source::Recorded(config) => Ok(*config),
        Source::Runtime(runtime) => {
            let api: Api<Runtime> = Api::namespaced(ctx.client.clone(), ns);
            match api.get_opt(&runtime).await {
                Ok(Some(rt)) => rt.spec.artifact_store.ok_or_else(|| {
                    Failure::Unreachable(format!(
                        "runtimed stopped before recording where it stored this Run's artifacts, and Runtime \
                         {runtime} has no artifactStore now; objects may remain under {ns}/{}/{}/ in the store \
                         it had",
                        run.name_any(),
                        run.uid().unwrap_or_default()
                    ))
                }),
                Ok(None) => Err(Failure::Unreachable(format!(
                    "runtimed stopped before recording where it stored this Run's artifacts, and Runtime \
                     {runtime} is gone; objects may remain under {ns}/{}/{}/ in the store it had",
                    run.name_any(),
                    run.uid().unwrap_or_default()
                ))),
                Err(e) => Err(Failure::Transient(format!(
                    "cannot read Runtime {ns}/{runtime}: {e}"
                ))),
            }
        }
    }
}

/// Deletes everything under the Run's key prefix; returns how many objects went.
async fn delete(
    run: &Run,
    config: &ArtifactStore,
    ns: &str,
    ctx: &Context,
) -> Result<usize, Failure> {
    if config.filesystem.is_some() {
        return by_pod(run, ns, config, ctx).await;
    }
    let secrets: Api<Secret> = Api::namespaced(ctx.client.clone(), ns);
    let store = Store::open(config, ns, None, async |name| {
        secrets.get_opt(name).await.map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| Failure::Transient(crate::error_chain(&e)))?;
    store
        .delete_run(ns, &run.name_any(), &run.uid().unwrap_or_default())
        .await
        .map_err(|e| Failure::Transient(crate::error_chain(&e)))
}

/// A `filesystem` store, which the controller does not mount: a pod that mounts its claim deletes the objects
/// (`runtimed --cleanup-artifacts`). Creates it, waits for it, and deletes it when it succeeded; a failed pod is
/// deleted so the next attempt starts a new one.
async fn by_pod(
    run: &Run,
    ns: &str,
    config: &ArtifactStore,
    ctx: &Context,
) -> Result<usize, Failure> {
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), ns);
    let name = cleanup::cleanup_pod_name(run);
    let found = pods
        .get_opt(&name)
        .await
        .map_err(|e| Failure::Transient(format!("cannot read the cleanup pod {ns}/{name}: {e}")))?;
    let Some(pod) = found else {
        let Some(pod) = cleanup::cleanup_pod(run, config, &ctx.pool.default_daemon_image) else {
            return Err(Failure::Unreachable("not a filesystem store".to_owned()));
        };
        return match pods.create(&PostParams::default(), &pod).await {
            Ok(_) => Err(Failure::Waiting(format!("cleanup pod {ns}/{name} created"))),
            Err(e) if errors::is_already_exists(&e) => {
                Err(Failure::Waiting(format!("cleanup pod {ns}/{name} exists")))
            }
            Err(e) => Err(Failure::Transient(format!(
                "cannot create the cleanup pod {ns}/{name}: {e}"
            ))),
        };
    };
    let status = pod.status.unwrap_or_default();
    match status.phase.as_deref() {
        Some("Succeeded") => {
            let _ = delete_cleanup_pod(run, ns, ctx).await;
            Ok(0)
        }
        Some("Failed") => {
            let _ = delete_cleanup_pod(run, ns, ctx).await;
            let why = status
                .container_statuses
                .iter()
                .flatten()
                .find_map(|c| c.state.as_ref()?.terminated.as_ref()?.message.clone())
                .or(status.message)
                .unwrap_or_else(|| "no message".to_owned());
            Err(Failure::Transient(format!(
                "the cleanup pod {ns}/{name} failed: {why}"
            )))
        }
        phase => Err(Failure::Waiting(format!(
            "the cleanup pod {ns}/{name} is {}",
            phase.unwrap_or("Pending")
        ))),
    }
}

/// Deletes the Run's cleanup pod, if any (best effort: it also goes with the Run, its owner).
async fn delete_cleanup_pod(run: &Run, ns: &str, ctx: &Context) -> Result<(), kube::Error> {
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), ns);
    match pods
        .delete(&cleanup::cleanup_pod_name(run), &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if errors::is_not_found(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes the finalizer (guarded by the resourceVersion; a conflict reconciles again).
async fn release(run: &Run, ns: &str, ctx: &Context) -> Result<Action> {
    let patch = serde_json::json!({
        "metadata": {
            "finalizers": cleanup::released(run),
            "resourceVersion": run.resource_version(),
        }
    });
    let api: Api<Run> = Api::namespaced(ctx.client.clone(), ns);
    match api
        .patch(
            &run.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
    {
        Ok(_) => Ok(Action::await_change()),
        Err(e) if errors::is_not_found(&e) => Ok(Action::await_change()),
        Err(e) if errors::is_conflict(&e) => Ok(Action::requeue(std::time::Duration::from_secs(1))),
        Err(source) => Err(Error::Release {
            ns: ns.to_owned(),
            name: run.name_any(),
            source,
        }),
    }
}

/// Releases the Run without deleting its objects, after a Warning Event saying where they are.
async fn give_up(run: &Run, ns: &str, ctx: &Context, message: &str) -> Result<Action> {
    tracing::warn!(%message, "releasing the run without deleting its artifacts");
    ctx.metrics.artifacts_abandoned.inc();
    let event = Event {
        type_: EventType::Warning,
        reason: reasons::ARTIFACT_CLEANUP_ABANDONED.to_owned(),
        note: Some(lifecycle::bounded_to(message, 1024)),
        action: "Release".to_owned(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, &run.object_ref(&())).await {
        tracing::warn!(error = %e, "cannot publish the abandoned-cleanup event");
    }
    release(run, ns, ctx).await
}

/// Writes `ArtifactsCleanedUp=False` with `message`, unless the Run already shows exactly that.
async fn show_failure(run: &Run, ns: &str, ctx: &Context, message: &str) -> Result<()> {
    let current = run.status.clone().unwrap_or_default();
    let shown = current.conditions.iter().any(|c| {
        c.type_ == conditions::ARTIFACTS_CLEANED_UP
            && c.status == "False"
            && c.message == lifecycle::bounded(message)
    });
    if shown {
        return Ok(());
    }
    let mut status = current.clone();
    lifecycle::set_condition(
        &mut status.conditions,
        conditions::ARTIFACTS_CLEANED_UP,
        false,
        reasons::ARTIFACT_CLEANUP_FAILED,
        message,
        Timestamp::now(),
    );
    let patch = lifecycle::status_patch(
        Some(&current),
        &status,
        run.metadata.resource_version.as_deref(),
    );
    let api: Api<Run> = Api::namespaced(ctx.client.clone(), ns);
    match api
        .patch_status(
            &run.name_any(),
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        // Gone, or changed since read: the next reconcile shows it on the newer object.
        Err(e) if errors::is_not_found(&e) || errors::is_conflict(&e) => Ok(()),
        Err(source) => Err(Error::PatchStatus {
            kind: "Run",
            ns: ns.to_owned(),
            name: run.name_any(),
            source,
        }),
    }
}
