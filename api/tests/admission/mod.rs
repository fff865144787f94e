//! The admission cases of our CRDs, as data: the table in `cases.yaml` plus every object of `examples/`.
//!
//! One table drives two checks: `api/tests/crd.rs` predicts each verdict offline (JSON schema, kube-cel and the
//! Rust validators), and `e2e/tests/crds.rs` asks a real API server, which includes this module with `#[path]`.
//! A case says whether its object is admitted and, if not, every error admission reports, each as a field path
//! and a substring of its message. Both checks compare the errors one to one, so a rule that only one of them
//! enforces, or words differently, fails the case.

#![allow(
    dead_code,
    reason = "each of the two test crates that include this module uses a different part of it"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// The API version of every object of the table.
pub(crate) const API_VERSION: &str = "kruntimes.io/v1alpha1";

/// The field path of an error about the whole object (the API server writes `<nil>`).
pub(crate) const ROOT: &str = "";

/// The kinds the table covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub(crate) enum Kind {
    /// `Run`
    Run,
    /// `Runtime`
    Runtime,
    /// `Workflow`
    Workflow,
}

impl Kind {
    /// The kind's name, as in `kind:`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Run => "Run",
            Self::Runtime => "Runtime",
            Self::Workflow => "Workflow",
        }
    }

    /// The kind's resource name (`runs`), for URLs.
    pub(crate) fn plural(self) -> &'static str {
        match self {
            Self::Run => "runs",
            Self::Runtime => "runtimes",
            Self::Workflow => "workflows",
        }
    }
}

/// One error admission must report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedError {
    /// The field path as the API server names it (`spec.env[0].name`), or [`ROOT`].
    pub(crate) field: String,
    /// A substring of the message, the same offline and on the API server.
    pub(crate) message: String,
}

impl std::fmt::Display for ExpectedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: …{}…", self.field, self.message)
    }
}

/// What the plain-Rust validators of `kruntimes_api::validation` say about a case.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RustExpectation {
    /// The fields the Rust errors name, where they differ from the admission errors' fields, or for an admitted
    /// object the Rust rules refuse (what CEL cannot check cheaply; the controller refuses it at first reconcile).
    #[serde(default)]
    pub(crate) fields: Vec<String>,
    /// A substring of the Rust error text.
    pub(crate) message: Option<String>,
    /// The object cannot even be read into the typed API (a missing required field, an unknown enum value).
    #[serde(default)]
    pub(crate) unrepresentable: bool,
}

/// One admission case.
#[derive(Clone, Debug)]
pub(crate) struct Case {
    /// Unique, a DNS label; also the object's name unless the case sets `metadata.name`.
    pub(crate) name: String,
    /// Where the case comes from (`cases.yaml` or `examples/<file>`).
    pub(crate) origin: String,
    /// Its kind.
    pub(crate) kind: Kind,
    /// The object created, or the object after the update.
    pub(crate) object: Value,
    /// For an update: the object created first.
    pub(crate) old: Option<Value>,
    /// For an update: the JSON merge patch that turns `old` into `object`.
    pub(crate) patch: Option<Value>,
    /// Whether admission accepts it.
    pub(crate) admitted: bool,
    /// For a rejection: every error admission reports.
    pub(crate) errors: Vec<ExpectedError>,
    /// What the Rust validators say, when it is not simply "the same fields as admission".
    pub(crate) rust: Option<RustExpectation>,
}

impl Case {
    /// The object's name.
    pub(crate) fn object_name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The fields the Rust validators must name, or none when they must accept the object.
    pub(crate) fn rust_fields(&self) -> Vec<String> {
        match &self.rust {
            Some(r) if !r.fields.is_empty() => r.fields.clone(),
            _ if self.admitted => Vec::new(),
            _ => self
                .errors
                .iter()
                .filter(|e| e.field != ROOT)
                .map(|e| e.field.clone())
                .collect(),
        }
    }
}

/// The file `cases.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    bases: BTreeMap<Kind, Value>,
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    kind: Kind,
    /// For a create: a merge patch of the kind's base. For an update: a merge patch of `old`.
    #[serde(default)]
    patch: Option<Value>,
    /// For an update: a merge patch of the kind's base that gives the object created first.
    #[serde(default)]
    old: Option<Value>,
    admitted: bool,
    #[serde(default)]
    errors: Vec<ExpectedError>,
    #[serde(default)]
    rust: Option<RustExpectation>,
}

/// The repository's root (both crates that include this module sit one level below it).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is inside the repository")
        .to_owned()
}

/// Every case: the table's, then one must-admit case per object of `examples/`. Panics on a malformed table.
pub(crate) fn cases() -> Vec<Case> {
    let table: Table =
        serde_yaml::from_str(include_str!("cases.yaml")).expect("cases.yaml is a valid table");
    let mut out = Vec::new();
    for raw in table.cases {
        let base = table
            .bases
            .get(&raw.kind)
            .unwrap_or_else(|| panic!("cases.yaml has no base for {:?}", raw.kind));
        let name = raw.name.clone();
        let start = |patch: Option<&Value>| {
            let mut object = serde_json::json!({
                "apiVersion": API_VERSION,
                "kind": raw.kind.as_str(),
                "metadata": {"name": name},
            });
            merge_patch(&mut object, base);
            if let Some(patch) = patch {
                merge_patch(&mut object, patch);
            }
            object
        };
        let (object, old, patch) = match &raw.old {
            None => (expand(start(raw.patch.as_ref())), None, None),
            Some(old_patch) => {
                let old = start(Some(old_patch));
                let patch = raw
                    .patch
                    .clone()
                    .unwrap_or_else(|| panic!("{name}: an update case needs a patch"));
                let mut new = old.clone();
                merge_patch(&mut new, &patch);
                (expand(new), Some(expand(old)), Some(expand(patch)))
            }
        };
        out.push(Case {
            name: raw.name,
            origin: "cases.yaml".into(),
            kind: raw.kind,
            object,
            old,
            patch,
            admitted: raw.admitted,
            errors: raw.errors,
            rust: raw.rust,
        });
    }
    out.extend(examples());
    check_table(&out);
    out
}

/// One must-admit case per object of `examples/*.yaml`, named `example-<file>-<object>`.
fn examples() -> Vec<Case> {
    let dir = repo_root().join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("an example is readable");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let object = Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
            let kind = match object["kind"].as_str() {
                Some("Run") => Kind::Run,
                Some("Runtime") => Kind::Runtime,
                Some("Workflow") => Kind::Workflow,
                other => panic!("{}: unexpected kind {other:?}", path.display()),
            };
            let name = object["metadata"]["name"].as_str().unwrap_or_default();
            out.push(Case {
                name: format!("example-{stem}-{name}"),
                origin: format!("examples/{stem}.yaml"),
                kind,
                object,
                old: None,
                patch: None,
                admitted: true,
                errors: Vec::new(),
                rust: None,
            });
        }
    }
    out
}

/// The table's own rules: unique DNS-label names, one object name per kind, errors exactly for rejections.
fn check_table(cases: &[Case]) {
    let mut names = BTreeSet::new();
    let mut objects = BTreeSet::new();
    for case in cases {
        let n = &case.name;
        assert!(is_dns_label(n), "case name {n:?} is not a DNS label");
        assert!(names.insert(n.clone()), "case name {n:?} is used twice");
        assert!(
            objects.insert((case.kind, case.object_name().to_owned())),
            "{n}: another {:?} case already uses the object name {:?}",
            case.kind,
            case.object_name()
        );
        assert_eq!(
            case.admitted,
            case.errors.is_empty(),
            "{n}: a rejected case lists its errors, an admitted one none"
        );
        let unrepresentable = case.rust.as_ref().is_some_and(|r| r.unrepresentable);
        assert!(
            case.admitted || unrepresentable || !case.rust_fields().is_empty(),
            "{n}: say which fields the Rust validators name (`rust: {{fields: [...]}}`)"
        );
    }
}

/// A Kubernetes object name that is a DNS label (RFC 1123).
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Applies a JSON merge patch (RFC 7386): objects merge key by key, `null` removes, anything else replaces.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Expands the table's generators: `{$repeat: [s, n]}` is the string `s` repeated `n` times, and
/// `{$repeatList: [v, n]}` a list of `n` copies of `v` (over-long values stay readable in the table).
fn expand(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$repeat") => {
            let (s, n) = generator(&map["$repeat"]);
            Value::String(s.as_str().expect("$repeat takes a string").repeat(n))
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("$repeatList") => {
            let (v, n) = generator(&map["$repeatList"]);
            Value::Array(vec![expand(v); n])
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

fn generator(args: &Value) -> (Value, usize) {
    match args.as_array().map(Vec::as_slice) {
        Some([v, Value::Number(n)]) => (
            v.clone(),
            usize::try_from(n.as_u64().expect("a count")).expect("a small count"),
        ),
        _ => panic!("a generator takes [value, count], got {args}"),
    }
}

/// Compares the errors admission reported, as `(field, message)`, with a case's expected errors, one to one:
/// every reported error must match an expectation and every expectation a reported error. Returns the
/// differences, empty when they agree.
pub(crate) fn mismatches(expected: &[ExpectedError], reported: &[(String, String)]) -> Vec<String> {
    let matches = |e: &ExpectedError, (field, message): &(String, String)| {
        e.field == *field && message.contains(&e.message)
    };
    let mut out = Vec::new();
    for e in expected {
        if !reported.iter().any(|r| matches(e, r)) {
            out.push(format!("expected but not reported: {e}"));
        }
    }
    for r in reported {
        if !expected.iter().any(|e| matches(e, r)) {
            out.push(format!("reported but not expected: {:?}: {}", r.0, r.1));
        }
    }
    out
}
