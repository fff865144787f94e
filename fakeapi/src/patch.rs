//! Patch formats: JSON merge patch, JSON patch, strategic merge patch and the apply merge.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Server-side apply as approximated here: objects merge recursively, everything else (lists
/// included) is replaced by the applied value; explicit nulls remove.
pub(crate) fn apply_merge(target: &mut Value, applied: &Value) {
    merge_patch(target, applied);
}

/// The merge key of a list field in a strategic merge patch, when known.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "conditions" => Some("type"),
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "volumeMounts" => Some("name"),
        "ports" => Some("containerPort"),
        "ownerReferences" => Some("uid"),
        "imagePullSecrets" => Some("name"),
        _ => None,
    }
}

/// Strategic merge patch: a merge patch where lists with a known merge key merge by key
/// (`$patch: delete` removes an element); `$`-directives are otherwise ignored.
pub(crate) fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut p = p.clone();
        p.remove("$patch");
        *target = Value::Object(p);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (merge_key(k), v, t.get_mut(k)) {
            (Some(key), Value::Array(items), Some(Value::Array(existing))) => {
                for item in items {
                    let id = item.get(key).cloned();
                    let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                    let pos = id
                        .as_ref()
                        .and_then(|id| existing.iter().position(|e| e.get(key) == Some(id)));
                    match (pos, delete) {
                        (Some(i), true) => {
                            existing.remove(i);
                        }
                        (None, true) => {}
                        (Some(i), false) => strategic_merge(&mut existing[i], item),
                        (None, false) => {
                            let mut fresh = Value::Object(Map::new());
                            strategic_merge(&mut fresh, item);
                            existing.push(fresh);
                        }
                    }
                }
            }
            _ => strategic_merge(t.entry(k.clone()).or_insert(Value::Null), v),
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(String, String), ApiError> {
    let Some(idx) = path.rfind('/') else {
        return Err(ApiError::unprocessable(format!(
            "invalid JSON pointer {path:?}"
        )));
    };
    Ok((path[..idx].to_owned(), unescape(&path[idx + 1..])))
}

fn pointer_mut<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, ApiError> {
    doc.pointer_mut(path).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "the server rejected our request due to an error in our request: missing path {path:?}"
        ))
    })
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), ApiError> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split_pointer(path)?;
    match pointer_mut(doc, &parent)? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| ApiError::unprocessable(format!("invalid array index {last:?}")))?;
            if i > a.len() {
                return Err(ApiError::unprocessable(format!(
                    "array index {i} out of bounds"
                )));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(ApiError::unprocessable(format!("cannot add at {path:?}"))),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, ApiError> {
    let (parent, last) = split_pointer(path)?;
    let missing = || ApiError::unprocessable(format!("unable to remove nonexistent key: {path}"));
    match pointer_mut(doc, &parent)? {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| missing())?;
            if i < a.len() {
                Ok(a.remove(i))
            } else {
                Err(missing())
            }
        }
        _ => Err(missing()),
    }
}

/// RFC 6902 JSON patch; a failed `test` is a 422.
pub(crate) fn json_patch(doc: &mut Value, patch: &Value) -> Result<(), ApiError> {
    let Some(ops) = patch.as_array() else {
        return Err(ApiError::bad_request(
            "a JSON patch must be an array".to_owned(),
        ));
    };
    for op in ops {
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match op.get("op").and_then(Value::as_str).unwrap_or_default() {
            "add" => add(doc, path, value)?,
            "remove" => {
                remove(doc, path)?;
            }
            "replace" => {
                let slot = doc.pointer_mut(path).ok_or_else(|| {
                    ApiError::unprocessable(format!(
                        "replace operation does not apply: doc is missing key: {path}"
                    ))
                })?;
                *slot = value;
            }
            "move" => {
                let from = op.get("from").and_then(Value::as_str).unwrap_or_default();
                let v = remove(doc, from)?;
                add(doc, path, v)?;
            }
            "copy" => {
                let from = op.get("from").and_then(Value::as_str).unwrap_or_default();
                let v = doc.pointer(from).cloned().ok_or_else(|| {
                    ApiError::unprocessable(format!("copy from missing path {from}"))
                })?;
                add(doc, path, v)?;
            }
            "test" => {
                if doc.pointer(path) != Some(&value) {
                    return Err(ApiError::unprocessable(format!(
                        "the server rejected our request due to an error in our request: testing value {path} failed"
                    )));
                }
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown JSON patch op {other:?}"
                )));
            }
        }
    }
    Ok(())
}
