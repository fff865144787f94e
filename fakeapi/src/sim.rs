//! The workload simulation: Deployment controller + kubelet, in one reconcile loop.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::store::{DeleteOpts, Inner, State, meta_mut, meta_str, now};

/// The node every simulated pod runs on.
pub(crate) const NODE: &str = "fake-node";
/// The label marking a simulated pod (as the ReplicaSet controller sets it).
const HASH_LABEL: &str = "pod-template-hash";

fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")[..10].to_owned()
}

/// Runs the simulation until the task is aborted.
pub(crate) async fn run(inner: Arc<Inner>) {
    let mut rx = inner.tx.subscribe();
    loop {
        reconcile(&inner);
        tokio::select! {
            r = rx.recv() => if let Err(RecvError::Closed) = r { return },
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        // Coalesce a burst of events into one pass.
        tokio::time::sleep(Duration::from_millis(5)).await;
        while rx.try_recv().is_ok() {}
    }
}

/// Sets a condition; returns whether it changed.
pub(crate) fn set_condition(pod: &mut Value, ty: &str, status: bool) -> bool {
    let status = if status { "True" } else { "False" };
    if !pod.get("status").is_some_and(Value::is_object) {
        pod["status"] = json!({});
    }
    let conds = pod["status"]
        .as_object_mut()
        .map(|s| s.entry("conditions").or_insert_with(|| json!([])));
    let Some(Value::Array(conds)) = conds else {
        return false;
    };
    match conds
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(ty))
    {
        Some(c) if c.get("status").and_then(Value::as_str) == Some(status) => false,
        Some(c) => {
            c["status"] = json!(status);
            c["lastTransitionTime"] = json!(now());
            true
        }
        None => {
            conds.push(json!({"type": ty, "status": status, "lastTransitionTime": now()}));
            true
        }
    }
}

fn condition_true(pod: &Value, ty: &str) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(ty)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

fn gates_ok(pod: &Value) -> bool {
    pod.pointer("/spec/readinessGates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("conditionType").and_then(Value::as_str))
        .all(|t| condition_true(pod, t))
}

fn desired_ready(st: &State, pod: &Value) -> bool {
    let key = (
        meta_str(pod, "namespace").unwrap_or_default().to_owned(),
        meta_str(pod, "name").unwrap_or_default().to_owned(),
    );
    st.ready_overrides.get(&key).copied().unwrap_or(true) && gates_ok(pod)
}

fn is_controlled_by(pod: &Value, uid: &str) -> bool {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter().any(|r| {
                r.get("uid").and_then(Value::as_str) == Some(uid)
                    && r.get("controller").and_then(Value::as_bool) == Some(true)
            })
        })
}

fn new_pod(st: &State, d: &Value, hash: &str) -> Value {
    let template = d
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let name = meta_str(d, "name").unwrap_or_default();
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    labels[HASH_LABEL] = json!(hash);
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    spec["nodeName"] = json!(NODE);
    let started = now();
    let container_statuses: Vec<Value> = spec
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            json!({
                "name": c.get("name").cloned().unwrap_or(Value::Null),
                "image": c.get("image").cloned().unwrap_or(Value::Null),
                "imageID": "", "containerID": format!("fake://{}", uuid::Uuid::new_v4()),
                "ready": true, "started": true, "restartCount": 0,
                "state": {"running": {"startedAt": started}},
            })
        })
        .collect();
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": format!("{name}-"),
            "namespace": meta_str(d, "namespace").unwrap_or_default(),
            "labels": labels,
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                "uid": meta_str(d, "uid").unwrap_or_default(), "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
        "status": {
            "phase": "Running", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}], "hostIP": "127.0.0.1",
            "startTime": started, "qosClass": "BestEffort", "conditions": [], "containerStatuses": container_statuses,
        },
    });
    if let Some(a) = template.pointer("/metadata/annotations") {
        meta_mut(&mut pod).insert("annotations".into(), a.clone());
    }
    for t in ["PodScheduled", "Initialized", "ContainersReady"] {
        set_condition(&mut pod, t, true);
    }
    let ready = desired_ready(st, &pod);
    set_condition(&mut pod, "Ready", ready);
    pod
}

/// One pass over every Deployment and simulated pod.
pub(crate) fn reconcile(inner: &Arc<Inner>) {
    let (Some(dk), Some(pk)) = (
        inner.kind_index("apps", "v1", "deployments"),
        inner.kind_index("", "v1", "pods"),
    ) else {
        return;
    };
    let mut st = inner.lock();
    // kubelet: readiness of the pods it runs.
    let pods: Vec<Value> = st.objects[pk].values().cloned().collect();
    for pod in pods {
        if pod.pointer("/spec/nodeName").and_then(Value::as_str) != Some(NODE) {
            continue;
        }
        let mut new = pod.clone();
        let ready = desired_ready(&st, &pod);
        if set_condition(&mut new, "Ready", ready) {
            inner.put(&mut st, pk, new, Some(&pod));
        }
    }
    // Deployment controller.
    let deployments: Vec<Value> = st.objects[dk].values().cloned().collect();
    for d in deployments {
        if d.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        let (Some(uid), Some(ns)) = (
            meta_str(&d, "uid").map(str::to_owned),
            meta_str(&d, "namespace").map(str::to_owned),
        ) else {
            continue;
        };
        let replicas = d
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            .max(0);
        let replicas = usize::try_from(replicas).unwrap_or(0);
        let hash = fnv(&d
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(Value::Null)
            .to_string());
        let owned = |st: &State| -> Vec<Value> {
            st.objects[pk]
                .iter()
                .filter(|((pns, _), p)| *pns == ns && is_controlled_by(p, &uid))
                .map(|(_, p)| p.clone())
                .collect()
        };
        let mut current = Vec::new();
        for p in owned(&st) {
            if p.pointer("/metadata/deletionTimestamp").is_some() {
                continue;
            }
            let pname = meta_str(&p, "name").unwrap_or_default().to_owned();
            if p.pointer(&format!("/metadata/labels/{HASH_LABEL}"))
                .and_then(Value::as_str)
                == Some(hash.as_str())
            {
                current.push(pname);
            } else {
                let _ = inner.delete(&mut st, pk, &ns, &pname, &DeleteOpts::default());
            }
        }
        while current.len() > replicas {
            if let Some(pname) = current.pop() {
                let _ = inner.delete(&mut st, pk, &ns, &pname, &DeleteOpts::default());
            }
        }
        while current.len() < replicas {
            let pod = new_pod(&st, &d, &hash);
            match inner.create(&mut st, pk, Some(&ns), pod, false, true) {
                Ok(p) => current.push(meta_str(&p, "name").unwrap_or_default().to_owned()),
                Err(e) => {
                    tracing::warn!(error = %e.message, "fakeapi: cannot create a simulated pod");
                    break;
                }
            }
        }
        let live: Vec<Value> = owned(&st)
            .into_iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .collect();
        let ready = live.iter().filter(|p| condition_true(p, "Ready")).count();
        let updated = live
            .iter()
            .filter(|p| {
                p.pointer(&format!("/metadata/labels/{HASH_LABEL}"))
                    .and_then(Value::as_str)
                    == Some(hash.as_str())
            })
            .count();
        let Some(stored) = st.objects[dk]
            .get(&(
                ns.clone(),
                meta_str(&d, "name").unwrap_or_default().to_owned(),
            ))
            .cloned()
        else {
            continue;
        };
        let mut new = stored.clone();
        new["status"] = json!({
            "observedGeneration": stored.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
            "replicas": live.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "updatedReplicas": updated,
            "unavailableReplicas": live.len().saturating_sub(ready),
        });
        inner.put(&mut st, dk, new, Some(&stored));
    }
}
