//! Unknown-field detection against the CRD's own structural schema.
//!
//! The API server prunes or (with strict field validation, kubectl's default) rejects fields its
//! schema does not know. serde would silently ignore them, so a typo such as `entrypiont` would be
//! lost; `krt` and local mode use this walk to name such fields instead.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

/// The `openAPIV3Schema` of each kind, generated once.
fn schemas() -> &'static BTreeMap<String, Value> {
    static SCHEMAS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        crate::v1alpha1::crds()
            .into_iter()
            .filter_map(|crd| {
                let kind = crd.spec.names.kind.clone();
                let schema = crd
                    .spec
                    .versions
                    .first()?
                    .schema
                    .as_ref()?
                    .open_api_v3_schema
                    .as_ref()?;
                Some((kind, serde_json::to_value(schema).ok()?))
            })
            .collect()
    })
}

/// Paths of the fields of `object` (a whole `kind` object as JSON) that its CRD schema does not
/// define, e.g. `spec.entrypiont` or `spec.env[0].valeu`. Metadata is left to the API server.
pub fn unknown_fields(kind: &str, object: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let (Some(schema), Value::Object(map)) = (schemas().get(kind), object) {
        for (key, value) in map {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match schema.get("properties").and_then(|p| p.get(key)) {
                Some(sub) => walk(sub, value, key, &mut found),
                None => found.push(key.clone()),
            }
        }
    }
    found
}

fn walk(schema: &Value, value: &Value, path: &str, found: &mut Vec<String>) {
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties");
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, v) in map {
                match (props.and_then(|p| p.get(key)), additional) {
                    (Some(sub), _) | (None, Some(sub)) => {
                        walk(sub, v, &format!("{path}.{key}"), found)
                    }
                    (None, None) => found.push(format!("{path}.{key}")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    walk(item_schema, v, &format!("{path}[{i}]"), found);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::unknown_fields;
    use serde_json::json;

    #[test]
    fn known_fields_pass_and_typos_are_named() {
        let ok = json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Run", "metadata": {"name": "a", "labels": {"x": "y"}},
            "spec": {"runtime": "bash", "env": [{"name": "A", "value": "1"}], "source": {"inline": "echo"}}});
        assert!(unknown_fields("Run", &ok).is_empty());
        let bad = json!({"kind": "Run", "spec": {"runtime": "bash", "entrypiont": "x", "env": [{"name": "A", "valeu": "1"}]}, "extra": 1});
        let mut found = unknown_fields("Run", &bad);
        found.sort();
        assert_eq!(found, ["extra", "spec.entrypiont", "spec.env[0].valeu"]);
    }

    #[test]
    fn maps_accept_any_key() {
        let wf = json!({"spec": {"arguments": {"anything": "v"}, "steps": [{"id": "a", "runtime": "bash"}]}});
        assert!(unknown_fields("Workflow", &wf).is_empty());
    }
}
