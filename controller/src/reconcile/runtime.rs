//! Runtime reconciler: observe the Runtime → plan its objects and status (pure) → apply.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::jiff::Timestamp;
use kruntimes_api::v1alpha1::Runtime;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Context, ERROR_REQUEUE, FIELD_MANAGER};
use crate::error::{Error, Result};
use crate::runtime_objects::desired;
use crate::runtime_status::{desired_status, status_patch};

/// Safety-net resync of a Runtime whose objects did not change.
const RESYNC: Duration = Duration::from_secs(300);

/// Applies the Runtime's objects and writes its status when it changed.
#[tracing::instrument(skip_all, fields(ns = rt.namespace(), name = rt.name_any()))]
pub async fn reconcile(rt: Arc<Runtime>, ctx: Arc<Context>) -> Result<Action> {
    let result = reconcile_inner(&rt, &ctx).await;
    ctx.metrics.reconciled(
        "Runtime",
        result.as_ref().map_or_else(Error::metric_label, |_| "ok"),
    );
    result
}

async fn reconcile_inner(rt: &Runtime, ctx: &Context) -> Result<Action> {
    let ns = rt.namespace().ok_or(Error::MissingNamespace)?;
    if rt.metadata.deletion_timestamp.is_some() {
        // Owner references delete the objects.
        return Ok(Action::await_change());
    }
    let objects = desired(rt, &ctx.pool);
    apply(&ctx.client, &ns, &objects.service_account).await?;
    apply(&ctx.client, &ns, &objects.role).await?;
    apply(&ctx.client, &ns, &objects.role_binding).await?;
    apply(&ctx.client, &ns, &objects.network_policy).await?;
    let deployment = apply(&ctx.client, &ns, &objects.deployment).await?;

    let status = desired_status(rt, Some(&deployment), Timestamp::now());
    if rt.status.as_ref() != Some(&status) {
        let api: Api<Runtime> = Api::namespaced(ctx.client.clone(), &ns);
        api.patch_status(
            &rt.name_any(),
            &PatchParams::default(),
            &Patch::Merge(status_patch(&status)),
        )
        .await
        .map_err(|source| Error::PatchStatus {
            kind: "Runtime",
            ns: ns.clone(),
            name: rt.name_any(),
            source,
        })?;
        tracing::debug!(ready = status.ready_replicas, "runtime status written");
    }
    Ok(Action::requeue(RESYNC))
}

/// Server-side applies `obj` with the controller's field manager, taking over conflicting fields.
async fn apply<K>(client: &kube::Client, ns: &str, obj: &K) -> Result<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    let name = obj.meta().name.clone().unwrap_or_default();
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(obj),
    )
    .await
    .map_err(|source| Error::Apply {
        kind: K::kind(&()).into_owned(),
        ns: ns.to_owned(),
        name,
        source,
    })
}

/// Logs the error and retries after a bounded delay.
pub fn error_policy(rt: Arc<Runtime>, err: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(ns = rt.namespace(), name = rt.name_any(), error = %crate::error_chain(err), "runtime reconcile failed");
    Action::requeue(ERROR_REQUEUE)
}
