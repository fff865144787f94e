//! The object store: objects, resourceVersions, the watch event history, deletion and GC.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::RequestRecord;
use crate::error::ApiError;
use crate::kinds::Kind;
use crate::select::{FieldSelector, LabelSelector};
use crate::validate;

/// How many events the watch history keeps (etcd's compaction window, in events).
const HISTORY: usize = 10_000;
/// How long the simulated kubelet takes to terminate a pod deleted with a grace period.
pub(crate) const POD_TERMINATION: Duration = Duration::from_millis(200);

/// A watch event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, as kept in the history and broadcast to watches.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) rv: u64,
    pub(crate) kind: usize,
    pub(crate) ty: EventType,
    pub(crate) object: Value,
    /// The object before a modification (to decide selector transitions).
    pub(crate) old: Option<Value>,
}

/// Mutable state, behind one lock.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) objects: Vec<BTreeMap<(String, String), Value>>,
    pub(crate) rv: u64,
    pub(crate) history: VecDeque<Arc<Event>>,
    /// Watches from a resourceVersion below this get 410 Gone.
    pub(crate) compacted: u64,
    pub(crate) simulate: bool,
    pub(crate) ready_overrides: HashMap<(String, String), bool>,
    /// Field ownership per object.
    pub(crate) owners: HashMap<(usize, String, String), crate::ownership::Owners>,
}

/// Shared by the HTTP handlers, the simulation and [`crate::FakeApiServer`].
pub(crate) struct Inner {
    pub(crate) kinds: Vec<Kind>,
    pub(crate) state: Mutex<State>,
    pub(crate) tx: broadcast::Sender<Arc<Event>>,
    pub(crate) requests: Mutex<Vec<RequestRecord>>,
}

/// Options of a delete.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeleteOpts {
    pub(crate) propagation: Option<String>,
    pub(crate) grace: Option<i64>,
    pub(crate) uid: Option<String>,
    pub(crate) rv: Option<String>,
    pub(crate) dry_run: bool,
}

pub(crate) fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub(crate) fn meta_str<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(key)?.as_str()
}

pub(crate) fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    let Value::Object(o) = obj else {
        unreachable!("just made an object")
    };
    let m = o.entry("metadata").or_insert_with(|| json!({}));
    if !m.is_object() {
        *m = json!({});
    }
    match m {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

fn finalizers(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn owner_uids(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("uid")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The object without the fields that change on every write, to detect no-ops.
fn comparable(obj: &Value) -> Value {
    let mut o = obj.clone();
    meta_mut(&mut o).remove("resourceVersion");
    o
}

/// The part of an object whose change bumps `metadata.generation`.
fn generation_relevant(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    o
}

impl Inner {
    pub(crate) fn new(kinds: Vec<Kind>) -> Self {
        let (tx, _) = broadcast::channel(65_536);
        let state = State {
            objects: vec![BTreeMap::new(); kinds.len()],
            ..State::default()
        };
        Self {
            kinds,
            state: Mutex::new(state),
            tx,
            requests: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn kind_index(&self, group: &str, version: &str, resource: &str) -> Option<usize> {
        self.kinds
            .iter()
            .position(|k| k.group == group && k.version == version && k.resource == resource)
    }

    fn is_pod(&self, k: usize) -> bool {
        self.kinds[k].group.is_empty() && self.kinds[k].resource == "pods"
    }

    fn emit(&self, st: &mut State, kind: usize, ty: EventType, object: Value, old: Option<Value>) {
        let ev = Arc::new(Event {
            rv: st.rv,
            kind,
            ty,
            object,
            old,
        });
        st.history.push_back(ev.clone());
        while st.history.len() > HISTORY {
            if let Some(e) = st.history.pop_front() {
                st.compacted = e.rv;
            }
        }
        // No receiver is fine.
        let _ = self.tx.send(ev);
    }

    /// Drops the event history, like an etcd compaction.
    pub(crate) fn compact(&self) {
        let mut st = self.lock();
        st.history.clear();
        st.compacted = st.rv;
    }

    pub(crate) fn list(
        &self,
        st: &State,
        k: usize,
        ns: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
    ) -> Vec<Value> {
        st.objects[k]
            .iter()
            .filter(|((o_ns, _), _)| ns.is_none_or(|n| n == o_ns))
            .map(|(_, v)| v)
            .filter(|v| labels.matches(v) && fields.matches(v))
            .cloned()
            .collect()
    }

    /// Stores `obj` (a create when `old` is `None`), bumping the resourceVersion and emitting an
    /// event, unless nothing changed. Removes an object whose deletion no longer waits on anything.
    pub(crate) fn put(
        self: &Arc<Self>,
        st: &mut State,
        k: usize,
        mut obj: Value,
        old: Option<&Value>,
    ) -> Value {
        if let Some(old) = old
            && comparable(old) == comparable(&obj)
        {
            return old.clone();
        }
        st.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), Value::String(st.rv.to_string()));
        let ns = meta_str(&obj, "namespace").unwrap_or_default().to_owned();
        let name = meta_str(&obj, "name").unwrap_or_default().to_owned();
        st.objects[k].insert((ns.clone(), name.clone()), obj.clone());
        let ty = if old.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.emit(st, k, ty, obj.clone(), old.cloned());
        let deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
        let grace = obj
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let terminating_pod = self.is_pod(k) && st.simulate && grace > 0;
        if deleting && finalizers(&obj).is_empty() && !terminating_pod {
            self.remove(st, k, &ns, &name);
        }
        obj
    }

    /// Removes an object now (DELETED event) and garbage-collects its dependents.
    pub(crate) fn remove(
        self: &Arc<Self>,
        st: &mut State,
        k: usize,
        ns: &str,
        name: &str,
    ) -> Option<Value> {
        let mut obj = st.objects[k].remove(&(ns.to_owned(), name.to_owned()))?;
        st.owners.remove(&(k, ns.to_owned(), name.to_owned()));
        st.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), Value::String(st.rv.to_string()));
        self.emit(st, k, EventType::Deleted, obj.clone(), None);
        if let Some(uid) = meta_str(&obj, "uid").map(str::to_owned) {
            for (dk, dns, dname) in self.dependents(st, &uid) {
                let _ = self.delete(st, dk, &dns, &dname, &DeleteOpts::default());
            }
        }
        Some(obj)
    }

    fn dependents(&self, st: &State, uid: &str) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (k, objs) in st.objects.iter().enumerate() {
            for ((ns, name), v) in objs {
                if owner_uids(v).iter().any(|u| u == uid) {
                    out.push((k, ns.clone(), name.clone()));
                }
            }
        }
        out
    }

    /// A DELETE: finalizers and graceful pod termination defer the removal.
    pub(crate) fn delete(
        self: &Arc<Self>,
        st: &mut State,
        k: usize,
        ns: &str,
        name: &str,
        opts: &DeleteOpts,
    ) -> Result<Value, ApiError> {
        let kind = &self.kinds[k];
        let Some(obj) = st.objects[k]
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
        else {
            return Err(ApiError::not_found(kind, name));
        };
        if let Some(uid) = &opts.uid
            && meta_str(&obj, "uid") != Some(uid)
        {
            return Err(ApiError::conflict(
                kind,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta_str(&obj, "uid").unwrap_or_default()
                ),
            ));
        }
        if let Some(rv) = &opts.rv
            && meta_str(&obj, "resourceVersion") != Some(rv)
        {
            return Err(ApiError::conflict(
                kind,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    meta_str(&obj, "resourceVersion").unwrap_or_default()
                ),
            ));
        }
        if opts.dry_run {
            return Ok(obj);
        }
        if opts.propagation.as_deref() == Some("Orphan")
            && let Some(uid) = meta_str(&obj, "uid").map(str::to_owned)
        {
            for (dk, dns, dname) in self.dependents(st, &uid) {
                if let Some(dep) = st.objects[dk].get(&(dns, dname)).cloned() {
                    let mut new = dep.clone();
                    if let Some(Value::Array(refs)) = meta_mut(&mut new).get_mut("ownerReferences")
                    {
                        refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(&uid));
                    }
                    self.put(st, dk, new, Some(&dep));
                }
            }
        }
        let graceful_pod = self.is_pod(k) && st.simulate && opts.grace != Some(0);
        let has_finalizers = !finalizers(&obj).is_empty();
        if !has_finalizers && !graceful_pod {
            return Ok(self.remove(st, k, ns, name).unwrap_or(obj));
        }
        if obj.pointer("/metadata/deletionTimestamp").is_some() {
            // Already terminating; a zero grace period finishes a pod's termination now.
            if opts.grace == Some(0) && self.is_pod(k) {
                let mut new = obj.clone();
                meta_mut(&mut new).insert("deletionGracePeriodSeconds".into(), json!(0));
                return Ok(self.put(st, k, new, Some(&obj)));
            }
            return Ok(obj);
        }
        let grace = if graceful_pod {
            opts.grace.unwrap_or(30).max(1)
        } else {
            0
        };
        let mut new = obj.clone();
        let m = meta_mut(&mut new);
        m.insert("deletionTimestamp".into(), Value::String(now()));
        m.insert("deletionGracePeriodSeconds".into(), json!(grace));
        let stored = self.put(st, k, new, Some(&obj));
        if graceful_pod {
            let inner = self.clone();
            let (ns, name) = (ns.to_owned(), name.to_owned());
            let uid = meta_str(&obj, "uid").map(str::to_owned);
            tokio::spawn(async move {
                tokio::time::sleep(POD_TERMINATION).await;
                inner.finish_pod_termination(k, &ns, &name, uid.as_deref());
            });
        }
        Ok(stored)
    }

    /// The simulated kubelet is done: the pod goes once its finalizers are gone.
    fn finish_pod_termination(self: &Arc<Self>, k: usize, ns: &str, name: &str, uid: Option<&str>) {
        let mut st = self.lock();
        let Some(obj) = st.objects[k]
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
        else {
            return;
        };
        if meta_str(&obj, "uid") != uid {
            return;
        }
        let mut new = obj.clone();
        meta_mut(&mut new).insert("deletionGracePeriodSeconds".into(), json!(0));
        if finalizers(&obj).is_empty() {
            self.remove(&mut st, k, ns, name);
        } else {
            self.put(&mut st, k, new, Some(&obj));
        }
    }

    /// Fills server-set metadata and admits a new object.
    pub(crate) fn create(
        self: &Arc<Self>,
        st: &mut State,
        k: usize,
        ns: Option<&str>,
        mut obj: Value,
        dry_run: bool,
        keep_status: bool,
    ) -> Result<Value, ApiError> {
        let kind = self.kinds[k].clone();
        if !obj.is_object() {
            return Err(ApiError::bad_request(
                "the body must be a JSON object".into(),
            ));
        }
        obj["apiVersion"] = Value::String(kind.api_version());
        obj["kind"] = Value::String(kind.kind.clone());
        fold_string_data(&kind, &mut obj);
        let m = meta_mut(&mut obj);
        let mut name = m
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if name.is_empty() {
            let Some(prefix) = m.get("generateName").and_then(Value::as_str) else {
                return Err(ApiError::invalid(
                    &kind,
                    "",
                    &[
                        "metadata.name: Required value: name or generateName is required"
                            .to_owned(),
                    ],
                ));
            };
            name = format!("{prefix}{}", random_suffix());
            m.insert("name".into(), Value::String(name.clone()));
        }
        if kind.namespaced {
            let path_ns = ns.unwrap_or("default");
            match m.get("namespace").and_then(Value::as_str) {
                Some(n) if !n.is_empty() && n != path_ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request".into(),
                    ));
                }
                _ => {
                    m.insert("namespace".into(), Value::String(path_ns.to_owned()));
                }
            }
        } else {
            m.remove("namespace");
        }
        for f in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
            "selfLink",
        ] {
            m.remove(f);
        }
        m.insert(
            "uid".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        m.insert("creationTimestamp".into(), Value::String(now()));
        m.insert("generation".into(), json!(1));
        let key_ns = m
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if st.objects[k].contains_key(&(key_ns, name.clone())) {
            return Err(ApiError::already_exists(&kind, &name));
        }
        if kind.status
            && !keep_status
            && let Some(o) = obj.as_object_mut()
        {
            o.remove("status");
            if self.is_pod(k) {
                // What the real pod strategy sets on create.
                o.insert(
                    "status".into(),
                    json!({"phase": "Pending", "qosClass": "BestEffort"}),
                );
            }
        }
        if let Some(schema) = &kind.schema {
            validate::prune_and_default(&mut obj, schema, true);
            let causes = validate::validate(schema, &obj, None);
            if !causes.is_empty() {
                return Err(ApiError::invalid(&kind, &name, &causes));
            }
        }
        if dry_run {
            return Ok(obj);
        }
        Ok(self.put(st, k, obj, None))
    }

    /// An update of `existing` to `candidate` (PUT, or the result of a patch), on the main
    /// resource (`sub` = `None`) or the `status` subresource.
    #[allow(clippy::too_many_arguments, reason = "internal plumbing")]
    pub(crate) fn update(
        self: &Arc<Self>,
        st: &mut State,
        k: usize,
        name: &str,
        sub: Option<&str>,
        candidate: Value,
        existing: &Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let kind = self.kinds[k].clone();
        if !candidate.is_object() {
            return Err(ApiError::bad_request(
                "the body must be a JSON object".into(),
            ));
        }
        let mut candidate = candidate;
        fold_string_data(&kind, &mut candidate);
        if let Some(n) = meta_str(&candidate, "name")
            && n != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        if let Some(rv) = meta_str(&candidate, "resourceVersion")
            && !rv.is_empty()
            && Some(rv) != meta_str(existing, "resourceVersion")
        {
            return Err(ApiError::stale(&kind, name));
        }
        let mut new = match sub {
            Some("status") if kind.status => {
                let mut new = existing.clone();
                match candidate.get("status") {
                    Some(s) => new["status"] = s.clone(),
                    None => {
                        if let Some(o) = new.as_object_mut() {
                            o.remove("status");
                        }
                    }
                }
                new
            }
            None => {
                let mut new = candidate;
                if kind.status {
                    match existing.get("status") {
                        Some(s) => new["status"] = s.clone(),
                        None => {
                            if let Some(o) = new.as_object_mut() {
                                o.remove("status");
                            }
                        }
                    }
                }
                new
            }
            Some(other) => {
                return Err(ApiError::not_found_path(&format!(
                    "{}/{other}",
                    kind.resource
                )));
            }
        };
        new["apiVersion"] = Value::String(kind.api_version());
        new["kind"] = Value::String(kind.kind.clone());
        {
            let old_meta = existing
                .get("metadata")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let m = meta_mut(&mut new);
            for f in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
                "namespace",
                "name",
                "resourceVersion",
            ] {
                match old_meta.get(f) {
                    Some(v) => {
                        m.insert(f.into(), v.clone());
                    }
                    None => {
                        m.remove(f);
                    }
                }
            }
            m.remove("managedFields");
        }
        if let Some(schema) = &kind.schema {
            validate::prune_and_default(&mut new, schema, true);
        }
        if existing.pointer("/metadata/deletionTimestamp").is_some() {
            let before = finalizers(existing);
            let added: Vec<String> = finalizers(&new)
                .into_iter()
                .filter(|f| !before.contains(f))
                .collect();
            if !added.is_empty() {
                return Err(ApiError::invalid(
                    &kind,
                    name,
                    &[format!(
                        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {added:?}"
                    )],
                ));
            }
        }
        if generation_relevant(&new) != generation_relevant(existing) {
            let g = existing
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            meta_mut(&mut new).insert("generation".into(), json!(g + 1));
        }
        if let Some(schema) = &kind.schema {
            let causes = validate::validate(schema, &new, Some(existing));
            if !causes.is_empty() {
                return Err(ApiError::invalid(&kind, name, &causes));
            }
        }
        if dry_run {
            return Ok(new);
        }
        Ok(self.put(st, k, new, Some(existing)))
    }
}

/// Five lowercase alphanumerics, as in generated names.
pub(crate) fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(5)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// A Secret's write-only `stringData` merged into `data` (base64), as the API server does; it is never stored.
fn fold_string_data(kind: &crate::kinds::Kind, obj: &mut Value) {
    use base64::Engine as _;
    if !kind.group.is_empty() || kind.resource != "secrets" {
        return;
    }
    let Some(Value::Object(strings)) = obj.as_object_mut().and_then(|o| o.remove("stringData"))
    else {
        return;
    };
    let data = obj
        .as_object_mut()
        .map(|o| o.entry("data").or_insert_with(|| json!({})));
    if let Some(Value::Object(data)) = data {
        for (key, value) in strings {
            let text = value.as_str().unwrap_or_default().to_owned();
            data.insert(
                key,
                Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
}
