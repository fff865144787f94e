//! The generated CRDs, checked the way the API server would use them.
//!
//! No kube-apiserver can run on our machines, so admission is reproduced from its parts: the CRD's
//! OpenAPI schema (limits, patterns, required fields) through a JSON Schema validator, and its CEL
//! rules through kube-rs's `kube-cel`, which reimplements the Kubernetes CEL libraries. Each case is
//! also run through the plain-Rust validators of `kruntimes_api::validation`, so the three can never
//! silently disagree. Residual gaps (cel-go's exact cost model and wording) are listed in
//! docs/testing.md; the e2e suite covers them on a real cluster.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::collections::BTreeMap;

use kruntimes_api::v1alpha1::{Run, Runtime, Workflow, crds};
use kruntimes_api::validation::{
    validate_run, validate_run_update, validate_runtime, validate_workflow,
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

/// Admission as reproduced here: schema errors then CEL errors, each as "path: message".
fn admit(kind: &str, object: &Value, old: Option<&Value>) -> Vec<String> {
    let schema = &schemas()[kind];
    let mut errors = Vec::new();
    let validator =
        jsonschema::validator_for(schema).expect("the CRD schema is a valid JSON schema");
    for e in validator.iter_errors(object) {
        errors.push(format!("{}: {e}", e.instance_path()));
    }
    if let Err(cel) = kube_cel::Validator::new().validate(schema, object, old) {
        for e in cel.as_slice() {
            errors.push(format!("{}: {}", e.field_path, e.message));
        }
    }
    errors
}

fn run(spec: Value) -> Value {
    json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Run", "metadata": {"name": "r", "namespace": "ns"}, "spec": spec})
}

/// Asserts that the schema+CEL admission and the Rust validator both reject `object`, that the
/// admission error mentions `needle`, and that the Rust error names `field`.
fn assert_rejected_run(object: &Value, old: Option<&Value>, needle: &str, field: &str) {
    let admission = admit("Run", object, old);
    assert!(
        admission.iter().any(|e| e.contains(needle)),
        "admission should reject with {needle:?}, got {admission:#?}"
    );
    let typed: Run = serde_json::from_value(object.clone()).unwrap();
    let rust = match old {
        Some(old) => validate_run_update(&typed, &serde_json::from_value(old.clone()).unwrap()),
        None => validate_run(&typed),
    }
    .expect_err("the Rust validator should reject it too");
    assert!(
        rust.has_field(field),
        "Rust errors should name {field}: {rust}"
    );
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
    for (kind, schema) in schemas() {
        let (mut missing, mut problems) = (Vec::new(), Vec::new());
        walk(&kind, &schema, &mut missing, &mut problems);
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
    for (kind, schema) in schemas() {
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
    for (kind, schema) in schemas() {
        walk(&kind, &schema, &mut problems);
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

// === examples ===

#[test]
fn every_example_passes_schema_cel_and_rust_validation() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value: Value = serde::Deserialize::deserialize(doc).unwrap();
            let kind = value["kind"].as_str().unwrap().to_owned();
            let admission = admit(&kind, &value, None);
            assert!(admission.is_empty(), "{}: {admission:#?}", path.display());
            let rust = match kind.as_str() {
                "Run" => validate_run(&serde_json::from_value(value).unwrap()),
                "Runtime" => validate_runtime(&serde_json::from_value(value).unwrap()),
                "Workflow" => validate_workflow(&serde_json::from_value(value).unwrap()),
                other => panic!("unexpected kind {other}"),
            };
            assert!(rust.is_ok(), "{}: {}", path.display(), rust.unwrap_err());
            seen += 1;
        }
    }
    assert!(
        seen >= 3,
        "expected the bash, python and Runtime examples, saw {seen}"
    );
}

#[test]
fn the_seed_minimal_run_is_accepted() {
    let seed = run(
        json!({"runtime": "bash", "source": {"inline": "echo hello\n"}, "entrypoint": "script"}),
    );
    assert!(admit("Run", &seed, None).is_empty());
    assert!(validate_run(&serde_json::from_value(seed).unwrap()).is_ok());
}

// === Run: creation ===

#[test]
fn an_absolute_entrypoint_is_rejected() {
    let r = run(json!({"runtime": "bash", "entrypoint": "/etc/passwd"}));
    assert_rejected_run(
        &r,
        None,
        "entrypoint must be a relative path",
        "spec.entrypoint",
    );
}

#[test]
fn a_dotdot_entrypoint_is_rejected() {
    for ep in ["../x", "a/../../x", ".."] {
        let r = run(json!({"runtime": "bash", "entrypoint": ep}));
        assert_rejected_run(
            &r,
            None,
            "must not contain a '..' segment",
            "spec.entrypoint",
        );
    }
    // A name that merely contains dots is fine.
    let ok = run(json!({"runtime": "bash", "entrypoint": "a..b/..c"}));
    assert!(admit("Run", &ok, None).is_empty());
}

#[test]
fn an_empty_or_missing_runtime_is_rejected() {
    let r = run(json!({"runtime": ""}));
    assert_rejected_run(&r, None, "/spec/runtime", "spec.runtime");
    let missing = run(json!({"args": ["x"]}));
    assert!(
        admit("Run", &missing, None)
            .iter()
            .any(|e| e.contains("\"runtime\" is a required property"))
    );
}

#[test]
fn over_long_args_env_and_inline_source_are_rejected() {
    let long_arg = "a".repeat(8193);
    assert_rejected_run(
        &run(json!({"runtime": "bash", "args": [long_arg]})),
        None,
        "/spec/args/0",
        "spec.args[0]",
    );
    let many: Vec<String> = (0..257).map(|i| i.to_string()).collect();
    assert_rejected_run(
        &run(json!({"runtime": "bash", "args": many})),
        None,
        "/spec/args",
        "spec.args",
    );
    let long_value = "v".repeat(8193);
    assert_rejected_run(
        &run(json!({"runtime": "bash", "env": [{"name": "A", "value": long_value}]})),
        None,
        "/spec/env/0/value",
        "spec.env[0].value",
    );
    let big = "x".repeat(256 * 1024 + 1);
    assert_rejected_run(
        &run(json!({"runtime": "bash", "source": {"inline": big}})),
        None,
        "/spec/source/inline",
        "spec.source.inline",
    );
}

#[test]
fn reserved_and_malformed_env_names_are_rejected() {
    assert_rejected_run(
        &run(json!({"runtime": "bash", "env": [{"name": "KRUNTIME_OUTPUTS", "value": "x"}]})),
        None,
        "reserved for the platform",
        "spec.env[0].name",
    );
    assert_rejected_run(
        &run(json!({"runtime": "bash", "env": [{"name": "1A"}]})),
        None,
        "/spec/env/0/name",
        "spec.env[0].name",
    );
}

#[test]
fn source_fields_are_checked() {
    assert_rejected_run(
        &run(json!({"runtime": "bash", "source": {"inline": "x", "repoURL": "https://g/x"}})),
        None,
        "mutually exclusive",
        "spec.source",
    );
    assert_rejected_run(
        &run(json!({"runtime": "bash", "source": {"repoURL": "http://g/x"}})),
        None,
        "https://",
        "spec.source.repoURL",
    );
    assert_rejected_run(
        &run(json!({"runtime": "bash", "source": {"revision": "main"}})),
        None,
        "requires repoURL",
        "spec.source.revision",
    );
}

#[test]
fn numeric_limits_are_enforced() {
    assert_rejected_run(
        &run(json!({"runtime": "bash", "timeoutSeconds": 0})),
        None,
        "/spec/timeoutSeconds",
        "spec.timeoutSeconds",
    );
    assert_rejected_run(
        &run(json!({"runtime": "bash", "timeoutSeconds": 86401})),
        None,
        "/spec/timeoutSeconds",
        "spec.timeoutSeconds",
    );
    assert_rejected_run(
        &run(json!({"runtime": "bash", "retryPolicy": {"maxAttempts": 101}})),
        None,
        "/spec/retryPolicy/maxAttempts",
        "spec.retryPolicy.maxAttempts",
    );
}

// === Run: updates ===

#[test]
fn cancel_requested_cannot_go_back_to_false() {
    let old = run(json!({"runtime": "bash", "cancelRequested": true}));
    for new in [
        run(json!({"runtime": "bash", "cancelRequested": false})),
        run(json!({"runtime": "bash"})),
    ] {
        assert_rejected_run(
            &new,
            Some(&old),
            "cancelRequested cannot go back to false",
            "spec.cancelRequested",
        );
    }
    // false -> true is the one allowed change, as is a TTL change.
    let before = run(json!({"runtime": "bash", "cancelRequested": false}));
    let after =
        run(json!({"runtime": "bash", "cancelRequested": true, "ttlSecondsAfterFinished": 60}));
    assert!(admit("Run", &after, Some(&before)).is_empty());
    let (a, b): (Run, Run) = (
        serde_json::from_value(after).unwrap(),
        serde_json::from_value(before).unwrap(),
    );
    assert!(validate_run_update(&a, &b).is_ok());
}

#[test]
fn changed_inputs_are_rejected() {
    let old = run(
        json!({"runtime": "bash", "args": ["a"], "env": [{"name": "A", "value": "1"}], "source": {"inline": "x"}}),
    );
    let cases = [
        (
            json!({"runtime": "python", "args": ["a"], "env": [{"name": "A", "value": "1"}], "source": {"inline": "x"}}),
            "runtime is immutable",
            "spec.runtime",
        ),
        (
            json!({"runtime": "bash", "args": ["b"], "env": [{"name": "A", "value": "1"}], "source": {"inline": "x"}}),
            "args are immutable",
            "spec.args",
        ),
        (
            json!({"runtime": "bash", "args": ["a"], "env": [{"name": "A", "value": "2"}], "source": {"inline": "x"}}),
            "env is immutable",
            "spec.env",
        ),
        (
            json!({"runtime": "bash", "args": ["a"], "env": [{"name": "A", "value": "1"}], "source": {"inline": "y"}}),
            "source is immutable",
            "spec.source",
        ),
        (
            json!({"runtime": "bash", "args": ["a"], "env": [{"name": "A", "value": "1"}]}),
            "cannot be added or removed",
            "spec.source",
        ),
        (
            json!({"runtime": "bash", "args": ["a"], "env": [{"name": "A", "value": "1"}], "source": {"inline": "x"}, "timeoutSeconds": 5}),
            "cannot be added or removed",
            "spec.timeoutSeconds",
        ),
    ];
    for (spec, needle, field) in cases {
        assert_rejected_run(&run(spec), Some(&old), needle, field);
    }
}

// === Runtime and Workflow ===

fn runtime(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Runtime", "metadata": {"name": name}, "spec": spec})
}

#[test]
fn runtime_component_needs_exactly_one_source() {
    for (spec, needle) in [
        (
            json!({"component": {}}),
            "exactly one of builtin, image and url",
        ),
        (
            json!({"component": {"builtin": "bash", "url": "https://x/c.wasm", "sha256": "a".repeat(64)}}),
            "exactly one of builtin, image and url",
        ),
        (
            json!({"component": {"url": "https://x/c.wasm"}}),
            "url and sha256 go together",
        ),
        (
            json!({"component": {"builtin": "ruby"}}),
            "/spec/component/builtin",
        ),
    ] {
        let obj = runtime("rt", spec);
        let admission = admit("Runtime", &obj, None);
        assert!(
            admission.iter().any(|e| e.contains(needle)),
            "{needle}: {admission:#?}"
        );
        if let Ok(typed) = serde_json::from_value::<Runtime>(obj) {
            assert!(validate_runtime(&typed).is_err());
        }
    }
}

#[test]
fn runtime_names_leave_room_for_the_deployment_name() {
    let obj = runtime(&"a".repeat(56), json!({"component": {"builtin": "bash"}}));
    assert!(
        admit("Runtime", &obj, None)
            .iter()
            .any(|e| e.contains("at most 55 characters"))
    );
    assert!(
        validate_runtime(&serde_json::from_value(obj).unwrap())
            .unwrap_err()
            .has_field("metadata.name")
    );
}

#[test]
fn runtime_mounts_stay_out_of_the_workspace() {
    let obj = runtime(
        "rt",
        json!({"component": {"builtin": "bash"}, "capabilities": {"mounts": [{"path": "/data", "guestPath": "/workspace/data"}]}}),
    );
    assert!(
        admit("Runtime", &obj, None)
            .iter()
            .any(|e| e.contains("must not be inside /workspace"))
    );
    assert!(
        validate_runtime(&serde_json::from_value(obj).unwrap())
            .unwrap_err()
            .has_field("spec.capabilities.mounts[0].guestPath")
    );
}

fn workflow(spec: Value) -> Value {
    json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "wf"}, "spec": spec})
}

#[test]
fn workflow_graph_rules_are_checked_at_admission_and_in_rust() {
    // Unknown needs pass admission (too costly for CEL) and are caught at first reconcile.
    let unknown = workflow(json!({"steps": [{"id": "a", "runtime": "bash", "needs": ["zzz"]}]}));
    assert!(admit("Workflow", &unknown, None).is_empty());
    assert!(
        validate_workflow(&serde_json::from_value(unknown).unwrap())
            .unwrap_err()
            .has_field("spec.steps[0].needs[0]")
    );

    let own = workflow(json!({"steps": [{"id": "a", "runtime": "bash", "needs": ["a"]}]}));
    assert!(
        admit("Workflow", &own, None)
            .iter()
            .any(|e| e.contains("cannot need itself"))
    );

    // A cycle passes admission (CEL cannot find it cheaply) and is caught by the Rust rules with its path.
    let cycle = workflow(json!({"steps": [
        {"id": "a", "runtime": "bash", "needs": ["b"]},
        {"id": "b", "runtime": "bash", "needs": ["a"]}]}));
    assert!(admit("Workflow", &cycle, None).is_empty());
    let err = validate_workflow(&serde_json::from_value(cycle).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("dependency cycle: a -> b -> a"), "{err}");
}

#[test]
fn workflow_steps_are_immutable_and_cancellation_sticky() {
    let old = workflow(json!({"steps": [{"id": "a", "runtime": "bash"}], "cancelRequested": true}));
    let new = workflow(json!({"steps": [{"id": "a", "runtime": "python"}]}));
    let admission = admit("Workflow", &new, Some(&old));
    assert!(
        admission.iter().any(|e| e.contains("steps are immutable")),
        "{admission:#?}"
    );
    assert!(
        admission
            .iter()
            .any(|e| e.contains("cancelRequested cannot go back to false")),
        "{admission:#?}"
    );
    let (n, o): (Workflow, Workflow) = (
        serde_json::from_value(new).unwrap(),
        serde_json::from_value(old).unwrap(),
    );
    let rust = validate_workflow_update(&n, &o).unwrap_err();
    assert!(
        rust.has_field("spec.steps") && rust.has_field("spec.cancelRequested"),
        "{rust}"
    );
}
