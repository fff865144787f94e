//! Admission of our CRDs: pruning, defaulting, the structural schema and the CEL rules.

use serde_json::{Map, Value};

/// Turns an OpenAPI v3 structural schema into a JSON Schema the `jsonschema` crate checks like
/// the API server would (`nullable`, `x-kubernetes-int-or-string`, `x-kubernetes-*` dropped).
fn to_json_schema(s: &Value) -> Value {
    let Value::Object(m) = s else {
        return s.clone();
    };
    let mut out = Map::new();
    let nullable = m.get("nullable") == Some(&Value::Bool(true));
    if m.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return serde_json::json!({"type": ["integer", "string"]});
    }
    for (k, v) in m {
        if k.starts_with("x-kubernetes-") || k == "nullable" || k == "description" || k == "default"
        {
            continue;
        }
        let v = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => Value::Object(
                v.as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(k, v)| (k.clone(), to_json_schema(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(v),
            "anyOf" | "oneOf" | "allOf" => Value::Array(
                v.as_array()
                    .map(|a| a.iter().map(to_json_schema).collect())
                    .unwrap_or_default(),
            ),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    if nullable && let Some(Value::String(t)) = out.get("type").cloned() {
        out.insert("type".to_owned(), serde_json::json!([t, "null"]));
    }
    Value::Object(out)
}

/// Drops fields the schema does not know (unless `x-kubernetes-preserve-unknown-fields`) and
/// fills `default`s, as the API server does before validation. `metadata` is left alone.
pub(crate) fn prune_and_default(obj: &mut Value, schema: &Value, root: bool) {
    match obj {
        Value::Object(o) => {
            let preserve =
                schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                if !preserve {
                    o.retain(|k, _| {
                        props.contains_key(k)
                            || (root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"))
                    });
                }
                for (k, ps) in props {
                    if root && k == "metadata" {
                        continue;
                    }
                    if !o.contains_key(k)
                        && let Some(d) = ps.get("default")
                    {
                        o.insert(k.clone(), d.clone());
                    }
                    if let Some(child) = o.get_mut(k) {
                        prune_and_default(child, ps, false);
                    }
                }
            } else if let Some(add) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for v in o.values_mut() {
                    prune_and_default(v, add, false);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = schema.get("items") {
                for v in a {
                    prune_and_default(v, items, false);
                }
            }
        }
        _ => {}
    }
}

/// `/spec/args/3` → `spec.args[3]`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    if out.is_empty() {
        "<root>".to_owned()
    } else {
        out
    }
}

/// Validation causes in the API server's wording (`spec.args: Too many: 300: must have at most 256 items`).
pub(crate) fn validate(schema: &Value, obj: &Value, old: Option<&Value>) -> Vec<String> {
    use jsonschema::error::ValidationErrorKind as K;
    let mut causes = Vec::new();
    // metadata is validated by the generic ObjectMeta rules, not the CRD schema.
    let mut checked = obj.clone();
    if let Some(o) = checked.as_object_mut() {
        o.remove("metadata");
    }
    match jsonschema::validator_for(&to_json_schema(schema)) {
        Ok(v) => {
            for e in v.iter_errors(&checked) {
                let path = dotted(e.instance_path().as_str());
                let msg = match e.kind() {
                    K::MaxItems { limit } => format!(
                        "Too many: {}: must have at most {limit} items",
                        e.instance().as_array().map_or(0, Vec::len)
                    ),
                    K::MaxLength { limit } => {
                        format!("Too long: may not be more than {limit} bytes")
                    }
                    K::Required { property } => {
                        let p = property.as_str().unwrap_or_default();
                        causes.push(format!(
                            "{}: Required value",
                            dotted(&format!("{}/{p}", e.instance_path().as_str()))
                        ));
                        continue;
                    }
                    _ => format!("Invalid value: {}: {e}", e.instance()),
                };
                causes.push(format!("{path}: {msg}"));
            }
        }
        Err(e) => causes.push(format!("<schema>: Internal error: {e}")),
    }
    if let Err(cel) = kube_cel::Validator::new().validate(schema, obj, old) {
        for e in cel.as_slice() {
            let path = if e.field_path.is_empty() {
                "<root>".to_owned()
            } else {
                e.field_path.clone()
            };
            causes.push(format!("{path}: Invalid value: \"object\": {}", e.message));
        }
    }
    causes
}
