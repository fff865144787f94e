//! HTTP routing and the REST verbs.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::error::ApiError;
use crate::ownership;
use crate::patch;
use crate::select::{FieldSelector, LabelSelector};
use crate::store::{DeleteOpts, Event, EventType, Inner, State, meta_str};
use crate::{RequestRecord, Verb};

/// Decoded query parameters (last value wins).
struct Query(HashMap<String, String>);

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                    Some(Ok(b)) => {
                        out.push(b);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Query {
    fn parse(q: &str) -> Self {
        Self(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect(),
        )
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1"))
    }
}

fn json_response(code: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

fn error_response(e: &ApiError) -> Response {
    json_response(e.code, &e.to_status())
}

/// The one handler: records the request and dispatches it.
pub(crate) async fn handle(AxState(inner): AxState<Arc<Inner>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let mut record = RequestRecord {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        verb: Verb::Get,
        group: String::new(),
        resource: String::new(),
        subresource: None,
        namespace: None,
        name: None,
        status: 0,
    };
    // The log is locked across the (synchronous) dispatch, so a change is never visible to another request
    // before its record is in the log: a test that sees the change and then reads the log finds the write.
    let mut log = inner
        .requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let resp = route(&inner, &mut record, &content_type, &bytes);
    record.status = resp.status().as_u16();
    tracing::debug!(method = %record.method, path = %record.path, query = %record.query, status = record.status, "fakeapi");
    log.push(record);
    drop(log);
    resp
}

fn route(inner: &Arc<Inner>, rec: &mut RequestRecord, content_type: &str, body: &[u8]) -> Response {
    let path = rec.path.clone();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => json_response(
            200,
            &json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-fakeapi", "platform": "linux/amd64"}),
        ),
        ["api"] => json_response(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        ["apis"] => json_response(200, &group_list(inner)),
        ["api", "v1"] => json_response(200, &resource_list(inner, "", "v1")),
        ["apis", g, v] => json_response(200, &resource_list(inner, g, v)),
        ["api", "v1", rest @ ..] => resource(inner, rec, "", "v1", rest, content_type, body),
        ["apis", g, v, rest @ ..] => resource(inner, rec, g, v, rest, content_type, body),
        _ => error_response(&ApiError::not_found_path(&path)),
    }
}

fn group_list(inner: &Inner) -> Value {
    let mut groups: Vec<(String, String)> = inner
        .kinds
        .iter()
        .filter(|k| !k.group.is_empty())
        .map(|k| (k.group.clone(), k.version.clone()))
        .collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(inner: &Inner, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for k in inner
        .kinds
        .iter()
        .filter(|k| k.group == group && k.version == version)
    {
        resources.push(json!({
            "name": k.resource, "singularName": k.kind.to_lowercase(), "namespaced": k.namespaced, "kind": k.kind,
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        }));
        if k.status {
            resources.push(json!({"name": format!("{}/status", k.resource), "singularName": "", "namespaced": k.namespaced, "kind": k.kind, "verbs": ["get", "patch", "update"]}));
        }
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

#[allow(clippy::too_many_arguments, reason = "internal plumbing")]
fn resource(
    inner: &Arc<Inner>,
    rec: &mut RequestRecord,
    group: &str,
    version: &str,
    rest: &[&str],
    content_type: &str,
    body: &[u8],
) -> Response {
    rec.group = group.to_owned();
    let namespaced_res = |r: &str| {
        inner
            .kind_index(group, version, r)
            .is_some_and(|k| inner.kinds[k].namespaced)
    };
    let (ns, rest) = if rest.len() >= 3 && rest[0] == "namespaces" && namespaced_res(rest[2]) {
        (Some(rest[1].to_owned()), &rest[2..])
    } else {
        (None, rest)
    };
    let (res, name, sub) = match rest {
        [r] => (*r, None, None),
        [r, n] => (*r, Some((*n).to_owned()), None),
        [r, n, s] => (*r, Some((*n).to_owned()), Some((*s).to_owned())),
        _ => return error_response(&ApiError::not_found_path(&rec.path)),
    };
    rec.resource = res.to_owned();
    rec.namespace = ns.clone();
    rec.name = name.clone();
    rec.subresource = sub.clone();
    let q = Query::parse(&rec.query);
    rec.verb = match (rec.method.as_str(), &name) {
        ("GET", Some(_)) => Verb::Get,
        ("GET", None) if q.flag("watch") => Verb::Watch,
        ("GET", None) => Verb::List,
        ("POST", _) => Verb::Create,
        ("PUT", _) => Verb::Update,
        ("PATCH", _) => Verb::Patch,
        ("DELETE", _) => Verb::Delete,
        _ => {
            return error_response(&ApiError::method_not_allowed(format!(
                "method {} not allowed",
                rec.method
            )));
        }
    };
    let Some(k) = inner.kind_index(group, version, res) else {
        return error_response(&ApiError::not_found_path(&rec.path));
    };
    let kind = &inner.kinds[k];
    if kind.namespaced && ns.is_none() && name.is_some() {
        return error_response(&ApiError::not_found_path(&rec.path));
    }
    if sub
        .as_deref()
        .is_some_and(|s| s != "status" || !kind.status)
    {
        return error_response(&ApiError::not_found_path(&rec.path));
    }
    let ns_key = if kind.namespaced {
        ns.clone().unwrap_or_default()
    } else {
        String::new()
    };
    let dry_run = q.get("dryRun") == Some("All");
    let result = match (rec.verb, name) {
        (Verb::Get, Some(name)) => {
            let st = inner.lock();
            st.objects[k]
                .get(&(ns_key, name.clone()))
                .cloned()
                .ok_or_else(|| ApiError::not_found(kind, &name))
        }
        (Verb::List, None) => list(inner, k, ns.as_deref(), &q),
        (Verb::Watch, None) => return watch(inner, k, ns, &q),
        (Verb::Create, None) => parse_body(body).and_then(|obj| {
            let mut st = inner.lock();
            let created = inner.create(&mut st, k, ns.as_deref(), obj, dry_run, false)?;
            if !dry_run {
                record_write(&mut st, k, manager(&q), &Value::Null, &created);
            }
            Ok(created)
        }),
        (Verb::Update, Some(name)) => parse_body(body).and_then(|obj| {
            let mut st = inner.lock();
            let existing = st.objects[k].get(&(ns_key, name.clone())).cloned();
            match existing {
                Some(existing) => {
                    let new =
                        inner.update(&mut st, k, &name, sub.as_deref(), obj, &existing, dry_run)?;
                    if !dry_run {
                        record_write(&mut st, k, manager(&q), &existing, &new);
                    }
                    Ok(new)
                }
                None => Err(ApiError::not_found(kind, &name)),
            }
        }),
        (Verb::Patch, Some(name)) => patch(
            inner,
            k,
            &ns_key,
            ns.as_deref(),
            &name,
            sub.as_deref(),
            &q,
            content_type,
            body,
            dry_run,
        ),
        (Verb::Delete, Some(name)) => {
            let opts = delete_opts(&q, body, dry_run);
            let mut st = inner.lock();
            inner.delete(&mut st, k, &ns_key, &name, &opts)
        }
        (Verb::Delete, None) => {
            let opts = delete_opts(&q, body, dry_run);
            list(inner, k, ns.as_deref(), &q).map(|mut listing| {
                let mut st = inner.lock();
                let mut items = Vec::new();
                for item in listing["items"].as_array().cloned().unwrap_or_default() {
                    let ins = meta_str(&item, "namespace").unwrap_or_default().to_owned();
                    let iname = meta_str(&item, "name").unwrap_or_default().to_owned();
                    if let Ok(v) = inner.delete(&mut st, k, &ins, &iname, &opts) {
                        items.push(v);
                    }
                }
                listing["items"] = Value::Array(items);
                listing
            })
        }
        _ => Err(ApiError::method_not_allowed(format!(
            "{} is not allowed on this path",
            rec.method
        ))),
    };
    match result {
        Ok(v) => json_response(if rec.verb == Verb::Create { 201 } else { 200 }, &v),
        Err(e) => error_response(&e),
    }
}

fn manager(q: &Query) -> &str {
    q.get("fieldManager")
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
}

fn owner_key(obj: &Value, k: usize) -> (usize, String, String) {
    (
        k,
        meta_str(obj, "namespace").unwrap_or_default().to_owned(),
        meta_str(obj, "name").unwrap_or_default().to_owned(),
    )
}

/// Ownership bookkeeping after a successful non-apply write.
fn record_write(st: &mut State, k: usize, manager: &str, old: &Value, new: &Value) {
    let key = owner_key(new, k);
    if !st.objects[k].contains_key(&(key.1.clone(), key.2.clone())) {
        return;
    }
    let owners = st.owners.entry(key).or_default();
    ownership::record_update(owners, manager, old, new);
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

fn delete_opts(q: &Query, body: &[u8], dry_run: bool) -> DeleteOpts {
    let b: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    DeleteOpts {
        propagation: s(b.get("propagationPolicy"))
            .or_else(|| q.get("propagationPolicy").map(str::to_owned)),
        grace: b
            .get("gracePeriodSeconds")
            .and_then(Value::as_i64)
            .or_else(|| q.get("gracePeriodSeconds").and_then(|g| g.parse().ok())),
        uid: s(b.pointer("/preconditions/uid")),
        rv: s(b.pointer("/preconditions/resourceVersion")),
        dry_run: dry_run
            || b.get("dryRun")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|d| d == "All")),
    }
}

fn selectors(
    inner: &Inner,
    k: usize,
    q: &Query,
) -> Result<(LabelSelector, FieldSelector), ApiError> {
    Ok((
        LabelSelector::parse(q.get("labelSelector").unwrap_or_default())?,
        FieldSelector::parse(q.get("fieldSelector").unwrap_or_default(), &inner.kinds[k])?,
    ))
}

fn list(inner: &Inner, k: usize, ns: Option<&str>, q: &Query) -> Result<Value, ApiError> {
    let (labels, fields) = selectors(inner, k, q)?;
    let st = inner.lock();
    let items = inner.list(&st, k, ns, &labels, &fields);
    let kind = &inner.kinds[k];
    let offset: usize = q.get("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let mut metadata = json!({"resourceVersion": st.rv.to_string()});
    let next = offset.saturating_add(page.len());
    if next < total {
        metadata["continue"] = Value::String(next.to_string());
        metadata["remainingItemCount"] = json!(total - next);
    }
    Ok(
        json!({"apiVersion": kind.api_version(), "kind": format!("{}List", kind.kind), "metadata": metadata, "items": page}),
    )
}

#[allow(clippy::too_many_arguments, reason = "internal plumbing")]
fn patch(
    inner: &Arc<Inner>,
    k: usize,
    ns_key: &str,
    ns: Option<&str>,
    name: &str,
    sub: Option<&str>,
    q: &Query,
    content_type: &str,
    body: &[u8],
    dry_run: bool,
) -> Result<Value, ApiError> {
    let kind = &inner.kinds[k];
    let ct = content_type.split(';').next().unwrap_or_default().trim();
    let p: Value = parse_body(body)?;
    let mut st = inner.lock();
    let existing = st.objects[k]
        .get(&(ns_key.to_owned(), name.to_owned()))
        .cloned();
    let candidate = match ct {
        "application/apply-patch+yaml" => {
            if q.get("fieldManager").is_none_or(str::is_empty) {
                return Err(ApiError::unprocessable(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into(),
                ));
            }
            let Some(existing) = &existing else {
                if sub.is_some() {
                    return Err(ApiError::not_found(kind, name));
                }
                if meta_str(&p, "name").is_some_and(|n| n != name) {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object does not match the name on the URL ({name})"
                    )));
                }
                let mut obj = p.clone();
                crate::store::meta_mut(&mut obj)
                    .insert("name".into(), Value::String(name.to_owned()));
                let created = inner.create(&mut st, k, ns, obj, dry_run, false)?;
                if !dry_run {
                    let key = owner_key(&created, k);
                    ownership::record_apply(st.owners.entry(key).or_default(), manager(q), &p);
                }
                return Ok(created);
            };
            if !q.flag("force") {
                let owners = st
                    .owners
                    .get(&owner_key(existing, k))
                    .cloned()
                    .unwrap_or_default();
                let found = ownership::conflicts(&owners, manager(q), existing, &p);
                if !found.is_empty() {
                    let list: Vec<String> = found
                        .iter()
                        .map(|(path, owner)| format!("conflict with \"{owner}\": {path}"))
                        .collect();
                    return Err(ApiError::conflict(
                        kind,
                        name,
                        &format!(
                            "Apply failed with {} conflict(s): {}",
                            found.len(),
                            list.join(", ")
                        ),
                    ));
                }
            }
            let mut c = existing.clone();
            patch::apply_merge(&mut c, &p);
            c
        }
        "application/merge-patch+json"
        | "application/strategic-merge-patch+json"
        | "application/json-patch+json" => {
            let Some(existing) = &existing else {
                return Err(ApiError::not_found(kind, name));
            };
            let mut c = existing.clone();
            match ct {
                "application/merge-patch+json" => patch::merge_patch(&mut c, &p),
                "application/strategic-merge-patch+json" => patch::strategic_merge(&mut c, &p),
                _ => patch::json_patch(&mut c, &p)?,
            }
            c
        }
        other => {
            return Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml ({other})"
            )));
        }
    };
    let Some(existing) = existing else {
        return Err(ApiError::not_found(kind, name));
    };
    let new = inner.update(&mut st, k, name, sub, candidate, &existing, dry_run)?;
    if !dry_run {
        if ct == "application/apply-patch+yaml" {
            let key = owner_key(&new, k);
            if st.objects[k].contains_key(&(key.1.clone(), key.2.clone())) {
                let owners = st.owners.entry(key).or_default();
                // What the apply changed or set is the applier's, whoever held it before.
                ownership::record_update(owners, manager(q), &existing, &new);
                ownership::record_apply(owners, manager(q), &p);
            }
        } else {
            record_write(&mut st, k, manager(q), &existing, &new);
        }
    }
    Ok(new)
}

fn event_line(ty: &str, object: &Value) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": ty, "object": object})).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

fn bookmark(inner: &Inner, k: usize, rv: u64, initial_end: bool) -> Bytes {
    let kind = &inner.kinds[k];
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    event_line(
        "BOOKMARK",
        &json!({"apiVersion": kind.api_version(), "kind": kind.kind, "metadata": meta}),
    )
}

fn gone(rv: &str) -> Bytes {
    let e = ApiError::gone(format!("too old resource version: {rv}"));
    event_line("ERROR", &e.to_status())
}

/// What a filtered watch sends for an event, following the real server: an object entering the
/// selection is ADDED, one leaving it is DELETED.
fn filter_event(
    ev: &Event,
    k: usize,
    ns: Option<&str>,
    labels: &LabelSelector,
    fields: &FieldSelector,
) -> Option<&'static str> {
    if ev.kind != k {
        return None;
    }
    let matches = |o: &Value| {
        ns.is_none_or(|n| meta_str(o, "namespace") == Some(n))
            && labels.matches(o)
            && fields.matches(o)
    };
    let now = matches(&ev.object);
    match ev.ty {
        EventType::Added | EventType::Deleted => now.then(|| ev.ty.as_str()),
        EventType::Modified => {
            let before = ev.old.as_ref().is_some_and(matches);
            match (before, now) {
                (true, true) => Some("MODIFIED"),
                (false, true) => Some("ADDED"),
                (true, false) => Some("DELETED"),
                (false, false) => None,
            }
        }
    }
}

fn watch(inner: &Arc<Inner>, k: usize, ns: Option<String>, q: &Query) -> Response {
    let (labels, fields) = match selectors(inner, k, q) {
        Ok(s) => s,
        Err(e) => return error_response(&e),
    };
    let bookmarks = q.flag("allowWatchBookmarks");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|t| *t > 0);
    let send_initial = q.flag("sendInitialEvents");
    let rv_param = q.get("resourceVersion").unwrap_or_default().to_owned();
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(1024);
    let mut initial: Vec<Bytes> = Vec::new();
    let (mut events, start_rv) = {
        let st = inner.lock();
        let start_rv = st.rv;
        if rv_param.is_empty() || rv_param == "0" || send_initial {
            for obj in inner.list(&st, k, ns.as_deref(), &labels, &fields) {
                initial.push(event_line("ADDED", &obj));
            }
            if send_initial {
                initial.push(bookmark(inner, k, start_rv, true));
            }
        } else {
            let Ok(from) = rv_param.parse::<u64>() else {
                return error_response(&ApiError::bad_request(format!(
                    "invalid resource version {rv_param:?}"
                )));
            };
            if from < st.compacted {
                initial.push(gone(&rv_param));
                let _ = tx.try_send(Ok(initial.remove(0)));
                drop(tx);
                return stream_response(rx);
            }
            for ev in st.history.iter().filter(|e| e.rv > from) {
                if let Some(ty) = filter_event(ev, k, ns.as_deref(), &labels, &fields) {
                    initial.push(event_line(ty, &ev.object));
                }
            }
        }
        (inner.tx.subscribe(), start_rv)
    };
    let inner = inner.clone();
    tokio::spawn(async move {
        for line in initial {
            if tx.send(Ok(line)).await.is_err() {
                return;
            }
        }
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(timeout.unwrap_or(86_400 * 365));
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last_rv = start_rv;
        let mut since_bookmark = 0u32;
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= start_rv {
                            continue;
                        }
                        last_rv = ev.rv;
                        if let Some(ty) = filter_event(&ev, k, ns.as_deref(), &labels, &fields)
                            && tx.send(Ok(event_line(ty, &ev.object))).await.is_err()
                        {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(Ok(gone(&last_rv.to_string()))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                () = tokio::time::sleep_until(deadline) => {
                    if bookmarks {
                        let _ = tx.send(Ok(bookmark(&inner, k, last_rv, false))).await;
                    }
                    return;
                }
                _ = tick.tick() => {
                    if tx.is_closed() {
                        return;
                    }
                    since_bookmark += 1;
                    if bookmarks && since_bookmark >= 5 {
                        since_bookmark = 0;
                        if tx.send(Ok(bookmark(&inner, k, last_rv, false))).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    });
    stream_response(rx)
}

fn stream_response(rx: mpsc::Receiver<Result<Bytes, Infallible>>) -> Response {
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}
