//! Unknown fields and wrong types, found against the CRD's own structural schema.
//!
//! The API server prunes or (with strict field validation, kubectl's default) rejects fields its
//! schema does not know. serde would silently ignore them, so a typo such as `entrypiont` would be
//! lost; `krt` and local mode use this walk to name such fields instead, with the field that was
//! probably meant. The same walk names every value of the wrong type at once (`timeoutSeconds: 30s`,
//! `env: {FOO: bar}`), where serde stops at the first with a message that names no field.

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

/// What is wrong with one field of an object, by its CRD schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaProblem {
    /// The schema has no such field.
    Unknown {
        /// Path of the field, e.g. `spec.env[0].valeu`.
        path: String,
        /// A field of that object with a close name (`value`), if there is one.
        did_you_mean: Option<String>,
    },
    /// The value is not of the schema's type.
    WrongType {
        /// Path of the field.
        path: String,
        /// What the schema wants, in words with an example: `a whole number, e.g. 30`.
        expected: String,
        /// What was given: `the string "30s"`.
        found: String,
    },
}

impl SchemaProblem {
    /// The field's path.
    pub fn path(&self) -> &str {
        match self {
            Self::Unknown { path, .. } | Self::WrongType { path, .. } => path,
        }
    }
}

impl std::fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown {
                path,
                did_you_mean: Some(known),
            } => write!(f, "{path}: unknown field; did you mean `{known}`?"),
            Self::Unknown { path, .. } => write!(f, "{path}: unknown field"),
            Self::WrongType {
                path,
                expected,
                found,
            } => write!(f, "{path}: expected {expected}; found {found}"),
        }
    }
}

/// Paths of the fields of `object` (a whole `kind` object as JSON) that its CRD schema does not
/// define, e.g. `spec.entrypiont` or `spec.env[0].valeu`. Metadata is left to the API server.
pub fn unknown_fields(kind: &str, object: &Value) -> Vec<String> {
    schema_problems(kind, object)
        .into_iter()
        .filter_map(|p| match p {
            SchemaProblem::Unknown { path, .. } => Some(path),
            SchemaProblem::WrongType { .. } => None,
        })
        .collect()
}

/// Every unknown field and every value of the wrong type in `object` (a whole `kind` object as JSON), in
/// document order. Metadata is left to the API server.
pub fn schema_problems(kind: &str, object: &Value) -> Vec<SchemaProblem> {
    let mut found = Vec::new();
    if let (Some(schema), Value::Object(map)) = (schemas().get(kind), object) {
        for (key, value) in map {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match schema.get("properties").and_then(|p| p.get(key)) {
                Some(sub) => walk(sub, value, key, &mut found),
                None => found.push(unknown(schema, key, key.clone())),
            }
        }
    }
    found
}

fn unknown(schema: &Value, key: &str, path: String) -> SchemaProblem {
    let known = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    SchemaProblem::Unknown {
        path,
        did_you_mean: closest(key, &known).map(str::to_owned),
    }
}

/// The known name closest to `key`: equal but for case, or at most two edits away (one for short names).
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    if let Some(same) = known.iter().find(|k| k.to_ascii_lowercase() == lower) {
        return Some(same);
    }
    let budget = if key.len() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= budget)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance, adjacent transpositions counting one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

/// `value` described for a message: `the string "30s"`, `a map`, `the number 3`.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a string".to_owned(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a map".to_owned(),
    }
}

/// What `schema` wants, with an example of the field `name`.
fn expected(schema: &Value, name: &str) -> String {
    let of_type = |t: &str| schema.get("type").and_then(Value::as_str) == Some(t);
    if of_type("integer") {
        format!("a whole number, e.g. `{name}: 30`")
    } else if of_type("number") {
        format!("a number, e.g. `{name}: 1.5`")
    } else if of_type("boolean") {
        format!("true or false, e.g. `{name}: true`")
    } else if of_type("string") {
        format!("a string, e.g. `{name}: \"...\"`")
    } else if of_type("array") {
        let item = schema.get("items").map(example_item).unwrap_or_default();
        format!("a list, e.g. `{name}: [{item}]`")
    } else if of_type("object") {
        format!("a map of fields, e.g. `{name}: {}`", example_item(schema))
    } else {
        "another kind of value".to_owned()
    }
}

/// A flow-style example of a value of `schema`: `{name: ..., value: ...}` for an object (its required fields, else
/// its first two), `...` otherwise.
fn example_item(schema: &Value) -> String {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return "...".to_owned();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut keys: Vec<&str> = required;
    for key in props.keys() {
        if keys.len() >= 2 {
            break;
        }
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let fields: Vec<String> = keys.iter().map(|k| format!("{k}: ...")).collect();
    format!("{{{}}}", fields.join(", "))
}

/// Whether `value` has the type `schema` asks for (`int-or-string` takes either; a schema without a type, any).
fn type_matches(schema: &Value, value: &Value) -> bool {
    if value.is_null() {
        // Kubernetes drops a null field; serde takes it as absent for optional ones.
        return true;
    }
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return value.is_string() || value.is_i64() || value.is_u64();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("string") => value.is_string(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    }
}

fn walk(schema: &Value, value: &Value, path: &str, found: &mut Vec<SchemaProblem>) {
    if !type_matches(schema, value) {
        let name = path
            .rsplit(['.', '['])
            .next()
            .unwrap_or(path)
            .trim_end_matches(']');
        found.push(SchemaProblem::WrongType {
            path: path.to_owned(),
            expected: expected(schema, name),
            found: describe(value),
        });
        return;
    }
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
                    (None, None) => found.push(unknown(schema, key, format!("{path}.{key}"))),
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
    use super::{SchemaProblem, schema_problems, unknown_fields};
    use serde_json::json;

    #[test]
    fn wrong_types_are_all_named_with_an_example_and_typos_get_a_suggestion() {
        let bad = json!({"kind": "Run", "spec": {"runtime": "bash", "timeoutSeconds": "30s",
            "env": {"FOO": "bar"}, "args": "echo hi", "entrypoint": "x", "timeoutseconds": 3, "retryPolicy": {"maxAtempts": 2}}});
        let problems: Vec<String> = schema_problems("Run", &bad)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(problems.contains(&"spec.timeoutSeconds: expected a whole number, e.g. `timeoutSeconds: 30`; found the string \"30s\"".to_owned()), "{problems:#?}");
        assert!(
            problems.contains(
                &"spec.env: expected a list, e.g. `env: [{name: ..., value: ...}]`; found a map"
                    .to_owned()
            ),
            "{problems:#?}"
        );
        assert!(
            problems.contains(
                &"spec.args: expected a list, e.g. `args: [...]`; found the string \"echo hi\""
                    .to_owned()
            ),
            "{problems:#?}"
        );
        assert!(
            problems.contains(
                &"spec.timeoutseconds: unknown field; did you mean `timeoutSeconds`?".to_owned()
            ),
            "{problems:#?}"
        );
        assert!(
            problems.contains(
                &"spec.retryPolicy.maxAtempts: unknown field; did you mean `maxAttempts`?"
                    .to_owned()
            ),
            "{problems:#?}"
        );
        assert_eq!(problems.len(), 5, "{problems:#?}");
        let far = json!({"kind": "Run", "spec": {"runtime": "bash", "zzz": 1}});
        assert_eq!(
            schema_problems("Run", &far),
            [SchemaProblem::Unknown {
                path: "spec.zzz".into(),
                did_you_mean: None
            }]
        );
    }

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
