//! Reading kruntimes objects from files and stdin.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use kruntimes_api::v1alpha1::{Run, Runtime, Workflow};
use kruntimes_api::validation::unknown_fields;
use serde::Deserialize;

/// One kruntimes object.
#[derive(Debug)]
pub(crate) enum Object {
    Run(Box<Run>),
    Runtime(Box<Runtime>),
    Workflow(Box<Workflow>),
}

impl Object {
    pub(crate) fn describe(&self) -> String {
        let (kind, name) = match self {
            Object::Run(o) => ("Run", o.metadata.name.as_deref()),
            Object::Runtime(o) => ("Runtime", o.metadata.name.as_deref()),
            Object::Workflow(o) => ("Workflow", o.metadata.name.as_deref()),
        };
        format!("{kind}/{}", name.unwrap_or("<unnamed>"))
    }
}

/// Stdin's text, once read: `krt local run -f -` looks at the manifest's kind (Run or Workflow)
/// before the path that runs it reads the manifest again.
static STDIN: OnceLock<String> = OnceLock::new();

/// Reads a file (`-` for stdin) holding one or more `---`-separated YAML or JSON documents.
/// Stdin is read once; later calls return the same text.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        if let Some(s) = STDIN.get() {
            return Ok(s.clone());
        }
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading stdin")?;
        Ok(STDIN.get_or_init(|| s).clone())
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Parses every document of `text`; `origin` names the source in errors.
pub(crate) fn parse(origin: &str, text: &str) -> Result<Vec<Object>> {
    let mut objects = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_json::Value::deserialize(doc)
            .with_context(|| format!("{origin}: document {} is not valid YAML", i + 1))?;
        if value.is_null() {
            continue;
        }
        let at = format!("{origin} (document {})", i + 1);
        objects.push(parse_value(&at, value)?);
    }
    if objects.is_empty() {
        bail!("{origin}: no objects found");
    }
    Ok(objects)
}

fn parse_value(at: &str, value: serde_json::Value) -> Result<Object> {
    let api_version = value
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let kind = value
        .get("kind")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let expected = format!("{}/{}", kruntimes_api::GROUP, kruntimes_api::VERSION);
    if api_version != expected {
        bail!("{at}: apiVersion is {api_version:?}, expected {expected:?}");
    }
    let unknown = unknown_fields(kind, &value);
    if !unknown.is_empty() {
        bail!("{at}: unknown field(s): {}", unknown.join(", "));
    }
    let object = match kind {
        "Run" => Object::Run(Box::new(from_value(at, value)?)),
        "Runtime" => Object::Runtime(Box::new(from_value(at, value)?)),
        "Workflow" => Object::Workflow(Box::new(from_value(at, value)?)),
        other => bail!("{at}: kind {other:?} is not a kruntimes kind (Run, Runtime, Workflow)"),
    };
    Ok(object)
}

fn from_value<T: serde::de::DeserializeOwned>(at: &str, value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).with_context(|| format!("{at}: invalid object"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_several_documents_and_skips_empty_ones() {
        let text = "---\napiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: a}\nspec: {runtime: bash}\n---\n---\napiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {name: bash}\nspec: {component: {builtin: bash}}\n";
        let objects = parse("t.yaml", text).unwrap();
        let names: Vec<_> = objects.iter().map(Object::describe).collect();
        assert_eq!(names, ["Run/a", "Runtime/bash"]);
    }

    #[test]
    fn unknown_fields_are_named_not_ignored() {
        let text = "apiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata: {name: a}\nspec: {runtime: bash, entrypiont: x}\n";
        let err = parse("t.yaml", text).unwrap_err().to_string();
        assert!(err.contains("spec.entrypiont"), "{err}");
    }

    #[test]
    fn foreign_kinds_and_versions_are_rejected() {
        let err = parse("t", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected \"kruntimes.io/v1alpha1\"")
        );
        let err = parse("t", "apiVersion: kruntimes.io/v1alpha1\nkind: Job\n").unwrap_err();
        assert!(err.to_string().contains("not a kruntimes kind"), "{err}");
    }
}
