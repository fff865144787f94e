//! The generated CRDs, checked the way the API server would use them.
//!
//! Admission is reproduced offline from its parts: the CRD's OpenAPI schema (limits, patterns, required fields)
//! through a JSON Schema validator, the `x-kubernetes-list-type` uniqueness rules, and the CEL rules through
//! kube-rs's `kube-cel`, which reimplements the Kubernetes CEL libraries. Errors are reported as the API server
//! reports them (field path and wording), including its rule that a broken schema limit skips every CEL rule.
//! Each case is also run through the plain-Rust validators of `kruntimes_api::validation`.
//!
//! The cases are data (`admission/cases.yaml` plus every object of `examples/`); `e2e/tests/crds.rs` sends the
//! same table to a real API server, so an offline prediction that the real one contradicts fails there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

mod admission;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use admission::{Case, Kind, ROOT, cases, mismatches};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use kruntimes_api::v1alpha1::crds;
use kruntimes_api::validation::{
    ValidationErrors, validate_run, validate_run_update, validate_runtime, validate_workflow,
    validate_workflow_update,
};
use serde_json::{Value, json};

/// The `openAPIV3Schema` of each kind.
fn schemas() -> BTreeMap<String, Value> {
    crds()
        .into_iter()
        .map(|crd| {
            let v = &crd.spec.versions[0];
            let schema = serde_json::to_value(
                v.schema
                    .as_ref()
                    .unwrap()
                    .open_api_v3_schema
                    .as_ref()
                    .unwrap(),
            )
            .unwrap();
            (crd.spec.names.kind.clone(), schema)
        })
        .collect()
}

static SCHEMAS: LazyLock<BTreeMap<String, Value>> = LazyLock::new(schemas);

/// One error as the API server reports it: the field path (`spec.env[0].name`, [`ROOT`] for the object) and
/// the message.
type Reported = (String, String);

/// What the API server adds when a blocking schema error made it skip the CEL rules.
const CEL_SKIPPED: &str = "Invalid value: null: some validation rules were not checked because the object was \
                           invalid; correct the existing errors to complete validation";

/// Admission as reproduced here, in the API server's order: the OpenAPI schema, list uniqueness, then the CEL
/// rules unless a schema error blocks them (kube-apiserver's `hasBlockingErr`: a CEL rule's cost bound relies on
/// the limits, so a broken maxLength, maxItems, maxProperties, required, enum or type skips every rule).
fn admit(kind: &str, object: &Value, old: Option<&Value>) -> Vec<Reported> {
    let schema = &SCHEMAS[kind];
    let (mut errors, blocking) = schema_errors(schema, object);
    list_errors(schema, object, ROOT, &mut errors);
    if blocking {
        errors.push((ROOT.to_owned(), CEL_SKIPPED.to_owned()));
    } else if let Err(cel) = kube_cel::Validator::new().validate(schema, object, old) {
        for e in cel.as_slice() {
            errors.push((e.field_path.clone(), e.message.clone()));
        }
    }
    errors
}

/// The JSON-schema errors worded as kube-openapi words them, and whether one of them blocks the CEL rules.
fn schema_errors(schema: &Value, object: &Value) -> (Vec<Reported>, bool) {
    let validator =
        jsonschema::validator_for(schema).expect("the CRD schema is a valid JSON schema");
    let mut errors = Vec::new();
    // kube-openapi checks a string's maxLength, minLength and pattern in that order and stops at the first
    // failure; JSON Schema reports all three.
    let mut length_failed = BTreeSet::new();
    let mut patterns = Vec::new();
    let mut blocking = false;
    for e in validator.iter_errors(object) {
        let field = field_path(object, &e.instance_path().to_string());
        let value = go_value(e.instance());
        let (message, blocks) = match e.kind() {
            ValidationErrorKind::MaxLength { limit } => {
                length_failed.insert(field.clone());
                (
                    format!("Too long: may not be more than {limit} bytes"),
                    true,
                )
            }
            ValidationErrorKind::MinLength { limit } => {
                length_failed.insert(field.clone());
                (
                    format!(
                        "Invalid value: {value}: {field} in body should be at least {limit} chars long"
                    ),
                    false,
                )
            }
            ValidationErrorKind::Pattern { pattern } => {
                patterns.push((
                    field.clone(),
                    format!("Invalid value: {value}: {field} in body should match '{pattern}'"),
                ));
                continue;
            }
            ValidationErrorKind::Minimum { limit } => (
                format!(
                    "Invalid value: {value}: {field} in body should be greater than or equal to {}",
                    go_value(limit)
                ),
                false,
            ),
            ValidationErrorKind::Maximum { limit } => (
                format!(
                    "Invalid value: {value}: {field} in body should be less than or equal to {}",
                    go_value(limit)
                ),
                false,
            ),
            ValidationErrorKind::MaxItems { limit }
            | ValidationErrorKind::MaxProperties { limit } => {
                let n = e
                    .instance()
                    .as_array()
                    .map(Vec::len)
                    .or_else(|| e.instance().as_object().map(|o| o.len()))
                    .unwrap_or_default();
                (
                    format!("Too many: {n}: must have at most {limit} items"),
                    true,
                )
            }
            ValidationErrorKind::Required { property } => {
                let property = property.as_str().unwrap_or_default();
                let field = if field.is_empty() {
                    property.to_owned()
                } else {
                    format!("{field}.{property}")
                };
                errors.push((field, "Required value".to_owned()));
                blocking = true;
                continue;
            }
            ValidationErrorKind::Enum { options } => {
                let supported: Vec<String> = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(go_value)
                    .collect();
                (
                    format!(
                        "Unsupported value: {value}: supported values: {}",
                        supported.join(", ")
                    ),
                    true,
                )
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => t.to_string(),
                    TypeKind::Multiple(set) => format!("{set:?}"),
                };
                (
                    format!("Invalid value: {value}: {field} in body must be of type {expected}"),
                    true,
                )
            }
            // No case meets another keyword yet: keep JSON Schema's wording, which a case would show to differ.
            _ => (e.to_string(), false),
        };
        blocking |= blocks;
        errors.push((field, message));
    }
    errors.extend(
        patterns
            .into_iter()
            .filter(|(field, _)| !length_failed.contains(field)),
    );
    (errors, blocking)
}

/// Duplicate keys of `x-kubernetes-list-type: map` lists and duplicate items of `set` lists, which the API
/// server refuses (`Duplicate value`) and JSON Schema does not know.
fn list_errors(schema: &Value, value: &Value, path: &str, out: &mut Vec<Reported>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let sub = schema["properties"]
                    .get(key)
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub {
                    let p = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    list_errors(sub, v, &p, out);
                }
            }
        }
        Value::Array(items) => {
            let mut seen = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                let key = match schema["x-kubernetes-list-type"].as_str() {
                    Some("map") => {
                        let keys = schema["x-kubernetes-list-map-keys"].as_array().unwrap();
                        let key: serde_json::Map<String, Value> = keys
                            .iter()
                            .map(|k| {
                                let k = k.as_str().unwrap();
                                (k.to_owned(), item.get(k).cloned().unwrap_or(Value::Null))
                            })
                            .collect();
                        Some(Value::Object(key))
                    }
                    Some("set") => Some(item.clone()),
                    _ => None,
                };
                if let Some(key) = key
                    && !seen.insert(key.to_string())
                {
                    out.push((format!("{path}[{i}]"), format!("Duplicate value: {key}")));
                }
                list_errors(&schema["items"], item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A JSON pointer into `object` (`/spec/args/0`) as the API server writes a field path (`spec.args[0]`).
fn field_path(object: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut at = object;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        match at {
            Value::Array(items) => {
                out.push_str(&format!("[{segment}]"));
                at = segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .unwrap_or(&Value::Null);
            }
            _ => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&segment);
                at = at.get(&segment).unwrap_or(&Value::Null);
            }
        }
    }
    out
}

/// A value as Go's validation messages print it: strings quoted, whole numbers without a fraction.
fn go_value(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Object(_) => "object".to_owned(),
        Value::Array(_) => "array".to_owned(),
        other => other.to_string(),
    }
}

/// The Rust validators' verdict on a case, or why the object cannot be read into the typed API.
fn rust_verdict(case: &Case) -> Result<Result<(), ValidationErrors>, serde_json::Error> {
    let (new, old) = (case.object.clone(), case.old.clone());
    Ok(match (case.kind, old) {
        (Kind::Run, None) => validate_run(&serde_json::from_value(new)?),
        (Kind::Run, Some(old)) => {
            validate_run_update(&serde_json::from_value(new)?, &serde_json::from_value(old)?)
        }
        (Kind::Workflow, None) => validate_workflow(&serde_json::from_value(new)?),
        (Kind::Workflow, Some(old)) => {
            validate_workflow_update(&serde_json::from_value(new)?, &serde_json::from_value(old)?)
        }
        // A Runtime has no update rules.
        (Kind::Runtime, _) => validate_runtime(&serde_json::from_value(new)?),
    })
}

/// Everything the offline check and the Rust validators get wrong about one case.
fn offline_problems(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let reported = admit(case.kind.as_str(), &case.object, case.old.as_ref());
    if case.admitted {
        for (field, message) in &reported {
            problems.push(format!("must be admitted, refused: {field:?}: {message}"));
        }
    } else {
        problems.extend(mismatches(&case.errors, &reported));
    }

    let rust = case.rust.clone().unwrap_or_default();
    match rust_verdict(case) {
        Err(e) if rust.unrepresentable => drop(e),
        Err(e) => problems.push(format!("the typed API cannot read it: {e}")),
        Ok(_) if rust.unrepresentable => {
            problems.push("the typed API reads it, but the case says it cannot".into());
        }
        Ok(verdict) => {
            let fields = case.rust_fields();
            match verdict {
                Ok(()) if fields.is_empty() => {}
                Ok(()) => problems.push(format!(
                    "the Rust validators accept it; expected errors on {fields:?}"
                )),
                Err(errs) if fields.is_empty() => {
                    problems.push(format!("the Rust validators refuse it: {errs}"));
                }
                Err(errs) => {
                    for f in &fields {
                        if !errs.has_field(f) {
                            problems.push(format!("the Rust errors do not name {f}: {errs}"));
                        }
                    }
                    if let Some(m) = &rust.message
                        && !errs.to_string().contains(m.as_str())
                    {
                        problems.push(format!("the Rust errors do not say {m:?}: {errs}"));
                    }
                }
            }
        }
    }
    problems
}

// === structure ===

#[test]
fn crds_are_structural_with_descriptions_for_kubectl_explain() {
    fn walk(path: &str, s: &Value, missing_desc: &mut Vec<String>, problems: &mut Vec<String>) {
        let obj = s.as_object().unwrap();
        let typed = obj.contains_key("type")
            || obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true))
            || obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        if !typed {
            problems.push(format!("{path}: no type"));
        }
        if obj.contains_key("properties")
            && obj
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false))
        {
            problems.push(format!("{path}: both properties and additionalProperties"));
        }
        for junctor in ["anyOf", "oneOf", "allOf"] {
            for branch in obj
                .get(junctor)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for forbidden in [
                    "type",
                    "description",
                    "default",
                    "additionalProperties",
                    "nullable",
                ] {
                    if branch.get(forbidden).is_some() {
                        problems.push(format!("{path}.{junctor}: sets {forbidden}"));
                    }
                }
            }
        }
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                let p = format!("{path}.{k}");
                if v.get("description")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    missing_desc.push(p.clone());
                }
                walk(&p, v, missing_desc, problems);
            }
        }
        if let Some(items) = obj.get("items") {
            walk(&format!("{path}[]"), items, missing_desc, problems);
        }
        if let Some(add) = obj.get("additionalProperties").filter(|a| a.is_object()) {
            walk(&format!("{path}{{}}"), add, missing_desc, problems);
        }
    }
    for (kind, schema) in SCHEMAS.iter() {
        let (mut missing, mut problems) = (Vec::new(), Vec::new());
        walk(kind, schema, &mut missing, &mut problems);
        assert!(
            problems.is_empty(),
            "{kind} schema is not structural: {problems:#?}"
        );
        assert!(
            missing.is_empty(),
            "{kind} fields without a description: {missing:#?}"
        );
    }
}

#[test]
fn crds_have_status_subresources_short_names_and_printer_columns() {
    let by_kind: BTreeMap<_, _> = crds()
        .into_iter()
        .map(|c| (c.spec.names.kind.clone(), c))
        .collect();
    for (kind, short, plural) in [
        ("Run", "rn", "runs"),
        ("Runtime", "rt", "runtimes"),
        ("Workflow", "wf", "workflows"),
    ] {
        let crd = &by_kind[kind];
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some(&*format!("{plural}.kruntimes.io"))
        );
        assert_eq!(crd.spec.scope, "Namespaced");
        assert_eq!(
            crd.spec.names.short_names.as_deref(),
            Some(&[short.to_owned()][..])
        );
        let v = &crd.spec.versions[0];
        assert_eq!(v.name, "v1alpha1");
        assert!(v.served && v.storage);
        assert!(
            v.subresources
                .as_ref()
                .and_then(|s| s.status.as_ref())
                .is_some(),
            "{kind} has no status subresource"
        );
        let columns: Vec<_> = v
            .additional_printer_columns
            .iter()
            .flatten()
            .map(|c| c.name.as_str())
            .collect();
        assert!(columns.contains(&"Age"), "{kind}: {columns:?}");
    }
    let run = &by_kind["Run"].spec.versions[0].additional_printer_columns;
    let names: Vec<_> = run.iter().flatten().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Phase", "Runtime", "Pod", "Attempt", "Reason", "Age"]
    );
}

#[test]
fn conditions_are_list_maps_keyed_by_type() {
    for (kind, schema) in SCHEMAS.iter() {
        let conditions = &schema["properties"]["status"]["properties"]["conditions"];
        assert_eq!(conditions["x-kubernetes-list-type"], "map", "{kind}");
        assert_eq!(
            conditions["x-kubernetes-list-map-keys"],
            json!(["type"]),
            "{kind}"
        );
        assert_eq!(conditions["maxItems"], 16, "{kind}");
    }
}

#[test]
fn every_cel_rule_compiles_and_fits_the_cost_budget() {
    fn walk(path: &str, s: &Value, out: &mut Vec<String>) {
        if let Some(rules) = s.get("x-kubernetes-validations").and_then(Value::as_array) {
            let compiled = kube_cel::compile_schema(s);
            for e in compiled.compilation_errors() {
                out.push(format!("{path}: does not compile: {e:?}"));
            }
            for r in rules {
                let rule = r["rule"].as_str().unwrap();
                assert!(
                    r["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{path}: rule {rule:?} has no message"
                );
                for w in kube_cel::estimate_rule_cost(rule, &compiled) {
                    if matches!(w.kind, kube_cel::WarningKind::CostExceeded) {
                        out.push(format!("{path}: {}: {}", w.rule, w.message));
                    }
                }
            }
        }
        for key in ["properties"] {
            if let Some(props) = s.get(key).and_then(Value::as_object) {
                for (k, v) in props {
                    walk(&format!("{path}.{k}"), v, out);
                }
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(sub) = s.get(key).filter(|v| v.is_object()) {
                walk(&format!("{path}.{key}"), sub, out);
            }
        }
    }
    let mut problems = Vec::new();
    let mut rules = 0;
    for (kind, schema) in SCHEMAS.iter() {
        walk(kind, schema, &mut problems);
        rules += serde_json::to_string(&schema)
            .unwrap()
            .matches("\"rule\"")
            .count();
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        rules >= 25,
        "expected the CEL rules of all three kinds, found {rules}"
    );
}

// === admission cases ===

/// Every case of the table, and every example, gets its verdict from the offline admission (with exactly the
/// errors the table predicts for the API server) and from the Rust validators.
#[test]
fn every_admission_case_gets_its_predicted_verdict_offline() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let problems = offline_problems(case);
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({}):\n  {}",
                case.name,
                case.origin,
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the table:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The table holds every example, and admitted and refused cases, creations and updates, of every kind.
#[test]
fn the_table_covers_examples_kinds_and_updates() {
    let cases = cases();
    let examples = cases
        .iter()
        .filter(|c| c.origin.starts_with("examples/"))
        .count();
    assert!(
        examples >= 11,
        "expected every object of examples/ (11 when this was written), found {examples}"
    );
    for kind in [Kind::Run, Kind::Runtime, Kind::Workflow] {
        for admitted in [true, false] {
            assert!(
                cases
                    .iter()
                    .any(|c| c.kind == kind && c.admitted == admitted),
                "no {kind:?} case with admitted: {admitted}"
            );
        }
    }
    for kind in [Kind::Run, Kind::Workflow] {
        for admitted in [true, false] {
            assert!(
                cases
                    .iter()
                    .any(|c| c.kind == kind && c.old.is_some() && c.admitted == admitted),
                "no {kind:?} update case with admitted: {admitted}"
            );
        }
    }
}

/// Every CEL rule of the CRDs is broken by at least one case of the table, which names its message.
#[test]
fn every_cel_rule_is_broken_by_a_case() {
    fn messages(s: &Value, out: &mut BTreeSet<String>) {
        match s {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "x-kubernetes-validations" {
                        for rule in v.as_array().unwrap() {
                            out.insert(rule["message"].as_str().unwrap().to_owned());
                        }
                    } else {
                        messages(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| messages(v, out)),
            _ => {}
        }
    }
    let mut rules = BTreeSet::new();
    for schema in SCHEMAS.values() {
        messages(schema, &mut rules);
    }
    let cases = cases();
    let untested: Vec<_> = rules
        .iter()
        .filter(|rule| {
            !cases
                .iter()
                .flat_map(|c| &c.errors)
                .any(|e| !e.message.is_empty() && rule.contains(&e.message))
        })
        .collect();
    assert!(
        untested.is_empty(),
        "no case of admission/cases.yaml breaks these rules: {untested:#?}"
    );
}
