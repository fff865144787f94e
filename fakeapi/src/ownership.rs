//! A reduced model of server-side apply field ownership: which field manager last set each leaf
//! field, so an apply without `force` that changes a field another manager owns is a conflict.

use std::collections::BTreeMap;

use serde_json::Value;

/// Leaf field path (`.spec.holderIdentity`) → manager.
pub(crate) type Owners = BTreeMap<String, String>;

/// Leaf fields of an object; lists are atomic; only labels, annotations, finalizers and
/// ownerReferences of `metadata` are tracked.
fn leaves(v: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, c) in m {
                    walk(&format!("{prefix}.{k}"), c, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    let Some(m) = v.as_object() else { return out };
    for (k, c) in m {
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => {
                for f in ["labels", "annotations", "finalizers", "ownerReferences"] {
                    if let Some(x) = c.get(f) {
                        walk(&format!(".metadata.{f}"), x, &mut out);
                    }
                }
            }
            _ => walk(&format!(".{k}"), c, &mut out),
        }
    }
    out
}

/// Fields `applied` would change that another manager owns: (path, owner).
pub(crate) fn conflicts(
    owners: &Owners,
    manager: &str,
    existing: &Value,
    applied: &Value,
) -> Vec<(String, String)> {
    let current = leaves(existing);
    leaves(applied)
        .into_iter()
        .filter_map(|(path, value)| {
            let owner = owners.get(&path)?;
            (owner != manager && current.get(&path) != Some(&value)).then(|| (path, owner.clone()))
        })
        .collect()
}

/// An apply by `manager` owns every field it applied.
pub(crate) fn record_apply(owners: &mut Owners, manager: &str, applied: &Value) {
    for path in leaves(applied).into_keys() {
        owners.insert(path, manager.to_owned());
    }
}

/// Any other write by `manager` owns the fields it changed; removed fields lose their owner.
pub(crate) fn record_update(owners: &mut Owners, manager: &str, old: &Value, new: &Value) {
    let (before, after) = (leaves(old), leaves(new));
    for (path, value) in &after {
        if before.get(path) != Some(value) {
            owners.insert(path.clone(), manager.to_owned());
        }
    }
    owners.retain(|p, _| after.contains_key(p));
}
