//! An in-process substitute for a Kubernetes API server, for tests of the controller, scheduler
//! and runtimed agent.
//!
//! [`FakeApiServer::start`] serves the Kubernetes REST API on `127.0.0.1:<random port>`;
//! [`FakeApiServer::client`] is a [`kube::Client`] for it, so code under test uses the real
//! `kube::Api`, `kube::runtime::watcher`/`Controller` and `kube-lease-manager` code paths over HTTP.
//!
//! # What is served
//!
//! - Kinds: core `v1` pods, services, serviceaccounts, secrets, configmaps, events, namespaces
//!   (cluster-scoped); `apps/v1` deployments, replicasets; `coordination.k8s.io/v1` leases;
//!   `rbac.authorization.k8s.io/v1` roles, rolebindings; `networking.k8s.io/v1` networkpolicies;
//!   `events.k8s.io/v1` events; and the CRDs of [`kruntimes_api::v1alpha1::crds`]. Pods,
//!   services, namespaces, deployments, replicasets and our CRDs have a `status` subresource.
//! - Verbs: get, list (with `limit`/`continue`), watch, create (with `generateName`), update,
//!   patch (JSON merge, JSON patch, strategic merge, server-side apply), delete and
//!   deletecollection; `dryRun=All`. Discovery (`/api`, `/apis`, `/api/v1`, `/apis/{g}/{v}`) and
//!   `/version`.
//! - A global resourceVersion counter; no-op writes keep the object and its resourceVersion and
//!   emit no event; optimistic concurrency (409 `Conflict`) on PUT and on patches carrying
//!   `metadata.resourceVersion`; `metadata.generation` bumps on any change outside `metadata`
//!   and `status`.
//! - Status subresource isolation: writes to the main resource keep the stored `.status`; writes
//!   to `/status` change only `.status`. Creates drop `.status` for kinds with the subresource.
//! - Label selectors (equality and set-based) and field selectors (`metadata.name`,
//!   `metadata.namespace`, the pod fields the real server supports, a CRD's `selectableFields`);
//!   an unknown field label is a 400.
//! - Watches: replay from a resourceVersion out of a 10 000-event history, `410 Gone` (as an
//!   `ERROR` event) below it (see [`FakeApiServer::compact_history`]), initial `ADDED` events for
//!   `resourceVersion` `0`/absent, `sendInitialEvents` with the `k8s.io/initial-events-end`
//!   bookmark, bookmarks every 5 s with `allowWatchBookmarks`, `timeoutSeconds`, and the real
//!   server's selector semantics (an object leaving the selection is `DELETED`, one entering it
//!   `ADDED`).
//! - Deletion: `preconditions` (409), finalizers (`deletionTimestamp` then removal when the last
//!   finalizer goes; adding a finalizer to a deleting object is a 422), `Orphan` propagation, and
//!   ownerReference garbage collection (transitive, background).
//! - Admission of our CRDs: pruning of unknown fields, schema defaults, the structural schema
//!   (through `jsonschema`) and the CEL rules including transition rules (through `kube-cel`), with
//!   422 `Invalid` messages naming the field (`Run.kruntimes.io "x" is invalid: spec.args: Too many: ...`).
//! - Pods created through the API start with `status.phase: Pending` (nothing runs them unless
//!   the simulation created them).
//! - [`FakeApiServer::simulate_workloads`]: Deployments get `spec.replicas` running pods on node
//!   `fake-node` (named `<deployment>-<5 chars>`, owned by the Deployment, `podIP` 127.0.0.1),
//!   replaced when they vanish; `Ready` is recomputed on every change as "every
//!   `readinessGates` condition is `True`" (and not forced down by
//!   [`FakeApiServer::set_pod_ready`]); Deployment `status` counts replicas; with the simulation
//!   on, deleting a pod sets `deletionTimestamp` and removes it ~200 ms later (kubelet grace;
//!   `gracePeriodSeconds=0` removes at once).
//!
//! # Fidelity gaps
//!
//! - Server-side apply is a merge of the applied object into the stored one (objects merge, lists
//!   are atomic and replaced, nulls remove). Field ownership is a reduced model kept out of the
//!   object (no `managedFields` are returned): each leaf field has one owner, the manager that
//!   last applied or changed it (`fieldManager`, `unknown` when absent); an apply without `force`
//!   that changes a field owned by another manager is a 409 `Conflict` (what
//!   `kube-lease-manager` relies on). No shared ownership, no granular list ownership, and fields a
//!   manager stops applying are not removed. Apply bodies must be JSON (kube sends JSON); YAML is
//!   not parsed.
//! - Strategic merge patch knows merge keys only for `conditions`, `containers`, `initContainers`,
//!   `ephemeralContainers`, `volumes`, `volumeMounts`, `env`, `imagePullSecrets`, `ports`
//!   (`containerPort`) and `ownerReferences`; other lists are replaced; `$setElementOrder` and
//!   `$retainKeys` are ignored.
//! - Built-in kinds are not validated or defaulted at all (a Pod without containers is accepted);
//!   only our CRDs are admitted. Unknown fields of built-in kinds are kept, not pruned. Metadata
//!   (names, labels) is not validated.
//! - Namespaces need not exist, and deleting a Namespace does not delete its content.
//! - `Foreground` propagation behaves like `Background`; GC ignores `blockOwnerDeletion` and does
//!   not check that owners exist when a dependent is created.
//! - No authentication, authorization, admission webhooks, quotas, `Table` output, protobuf, or
//!   `resourceVersionMatch`; list `continue` tokens are offsets into the current state, not a
//!   snapshot. A watch from a resourceVersion newer than the current one just waits.
//! - `Lease` objects are plain objects; timing-based semantics are entirely the client's.
//! - The workload simulation skips ReplicaSets (pods are owned by the Deployment directly),
//!   replaces all pods on a template change at once (no rolling update, no `maxSurge`), runs no
//!   containers, never restarts anything and ignores scheduling constraints.

mod error;
mod http;
mod kinds;
mod ownership;
mod patch;
mod select;
mod sim;
mod store;
mod validate;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::store::Inner;

/// The kind of API request, as the API server's audit log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// GET of one object.
    Get,
    /// GET of a collection.
    List,
    /// GET of a collection with `watch=true`.
    Watch,
    /// POST.
    Create,
    /// PUT.
    Update,
    /// PATCH (including server-side apply).
    Patch,
    /// DELETE of one object or of a collection.
    Delete,
}

/// One request the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// URL path.
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    /// The API verb (`Get` for paths that are not resources).
    pub verb: Verb,
    /// API group (`""` for core).
    pub group: String,
    /// Resource (plural), `""` for discovery and `/version`.
    pub resource: String,
    /// Subresource (`status`).
    pub subresource: Option<String>,
    /// Namespace from the path.
    pub namespace: Option<String>,
    /// Object name from the path.
    pub name: Option<String>,
    /// HTTP status of the response.
    pub status: u16,
}

impl RequestRecord {
    /// Whether the request was a create, update, patch or delete.
    pub fn is_write(&self) -> bool {
        matches!(
            self.verb,
            Verb::Create | Verb::Update | Verb::Patch | Verb::Delete
        )
    }
}

/// The fake API server; stops serving when dropped.
pub struct FakeApiServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for FakeApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeApiServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeApiServer {
    /// Binds `127.0.0.1:0` and serves in a tokio task (needs a tokio runtime).
    pub async fn start() -> anyhow::Result<FakeApiServer> {
        let inner = Arc::new(Inner::new(kinds::registry()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(http::handle)
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fakeapi: server stopped");
            }
        });
        Ok(FakeApiServer {
            addr,
            inner,
            tasks: Mutex::new(vec![server]),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client for this server: default namespace `default`, no authentication.
    ///
    /// # Panics
    ///
    /// Never in practice: the URL is always valid.
    pub fn client(&self) -> kube::Client {
        let uri = match self.url().parse::<axum::http::Uri>() {
            Ok(u) => u,
            Err(e) => panic!("fakeapi: invalid URL {}: {e}", self.url()),
        };
        let config = kube::Config::new(uri);
        match kube::Client::try_from(config) {
            Ok(c) => c,
            Err(e) => panic!("fakeapi: cannot build a client: {e}"),
        }
    }

    /// Every request served so far, in order of completion.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Starts the in-process Deployment controller and kubelet (idempotent).
    pub fn simulate_workloads(&self) {
        {
            let mut st = self.inner.lock();
            if st.simulate {
                return;
            }
            st.simulate = true;
        }
        let handle = tokio::spawn(sim::run(self.inner.clone()));
        self.tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(handle);
    }

    /// Removes a pod at once, finalizers and grace period notwithstanding, like a node dying.
    pub async fn delete_pod_now(&self, ns: &str, name: &str) {
        let Some(pk) = self.inner.kind_index("", "v1", "pods") else {
            return;
        };
        let mut st = self.inner.lock();
        self.inner.remove(&mut st, pk, ns, name);
    }

    /// Forces a pod's `Ready` condition down (`false`) or lets it follow its readiness gates
    /// again (`true`; without [`Self::simulate_workloads`], just sets it `True`).
    pub fn set_pod_ready(&self, ns: &str, name: &str, ready: bool) {
        let Some(pk) = self.inner.kind_index("", "v1", "pods") else {
            return;
        };
        let mut st = self.inner.lock();
        st.ready_overrides
            .insert((ns.to_owned(), name.to_owned()), ready);
        let Some(pod) = st.objects[pk]
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
        else {
            return;
        };
        let mut new = pod.clone();
        sim::set_condition(&mut new, "Ready", ready);
        self.inner.put(&mut st, pk, new, Some(&pod));
    }

    /// The stored object, by resource plural (core kinds first: `"events"` is core `v1`).
    pub fn get(&self, resource: &str, ns: &str, name: &str) -> Option<Value> {
        let k = self
            .inner
            .kinds
            .iter()
            .position(|k| k.resource == resource)?;
        let ns = if self.inner.kinds[k].namespaced {
            ns
        } else {
            ""
        };
        self.inner.lock().objects[k]
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
    }

    /// Forgets the watch event history, like an etcd compaction: watches resuming from an older
    /// resourceVersion get `410 Gone`.
    pub fn compact_history(&self) {
        self.inner.compact();
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            t.abort();
        }
    }
}
