//! Reading kruntimes objects from files and stdin.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use kruntimes_api::v1alpha1::{Run, Runtime, Workflow};
use kruntimes_api::validation::schema_problems;
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

/// A manifest read once and sorted by what `krt` does with it.
#[derive(Debug)]
pub(crate) enum Manifest {
    /// Exactly one Workflow, with the `--set` inputs applied.
    Workflow(Box<Workflow>),
    /// Anything else, for the caller to check against what it takes.
    Objects {
        /// The file, as errors name it.
        origin: String,
        /// Every object, in order.
        objects: Vec<Object>,
    },
}

/// Reads and parses the manifest at `path` (`-` for stdin). `set` (`--set NAME=VALUE`) gives a Workflow's
/// inputs; given for anything but a single Workflow, it is refused.
pub(crate) fn load(path: &Path, set: &[String]) -> Result<Manifest> {
    let origin = path.display().to_string();
    let mut objects = parse(&origin, &read_text(path)?)?;
    match objects.pop() {
        Some(Object::Workflow(mut workflow)) if objects.is_empty() => {
            apply_set(&mut workflow, set)?;
            Ok(Manifest::Workflow(workflow))
        }
        last => {
            if !set.is_empty() {
                bail!(
                    "--set gives the inputs of a Workflow, and {origin} does not hold exactly one Workflow"
                );
            }
            objects.extend(last);
            Ok(Manifest::Objects { origin, objects })
        }
    }
}

/// `--set NAME=VALUE` flags as the Workflow's `arguments` (over the manifest's).
pub(crate) fn apply_set(workflow: &mut Workflow, set: &[String]) -> Result<()> {
    for pair in set {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--set {pair:?}: expected NAME=VALUE"))?;
        workflow
            .spec
            .arguments
            .insert(name.to_owned(), value.to_owned());
    }
    Ok(())
}

/// Reads a file (`-` for stdin) holding one or more `---`-separated YAML or JSON documents.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading stdin")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Parses every document of `text`; `origin` names the source in errors.
pub(crate) fn parse(origin: &str, text: &str) -> Result<Vec<Object>> {
    let mut objects = Vec::new();
    let starts = document_starts(text);
    let all_lines = text_lines(text);
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_json::Value::deserialize(doc)
            .with_context(|| format!("{origin}: document {} is not valid YAML", i + 1))?;
        if value.is_null() {
            continue;
        }
        let at = format!("{origin} (document {})", i + 1);
        let lines = starts
            .get(i)
            .map(|&(start, end)| (start, &all_lines[start..end]));
        objects.push(parse_value(&at, value, lines)?);
    }
    if objects.is_empty() {
        bail!("{origin}: no objects found");
    }
    Ok(objects)
}

fn text_lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Line ranges `[start, end)` of the `---`-separated documents of `text`, as serde_yaml counts them (a leading
/// `---` opens the first document rather than ending an empty one).
fn document_starts(text: &str) -> Vec<(usize, usize)> {
    let lines = text_lines(text);
    let is_separator = |l: &str| l == "---" || l.starts_with("--- ") || l.starts_with("---\t");
    let mut starts = Vec::new();
    let mut start = 0;
    let mut seen_content = false;
    for (i, line) in lines.iter().enumerate() {
        if is_separator(line) {
            if seen_content {
                starts.push((start, i));
            }
            start = i + 1;
            seen_content = true;
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            seen_content = true;
        }
    }
    starts.push((start, lines.len()));
    starts
}

/// The line (0-based, within `lines`) of the field at `path` (`spec.env[0].valeu`) in block-style YAML, or of
/// the deepest part of the path found (a flow-style `{...}` value is not searched).
fn locate(lines: &[&str], path: &str) -> Option<usize> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let meaningful = |l: &str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let mut found = None;
    let (mut from, mut parent): (usize, Option<usize>) = (0, None);
    let mut first_line_open = false;
    for segment in path.split('.').flat_map(|part| {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        std::iter::once(key.to_owned()).chain(
            rest.split('[')
                .filter(|s| !s.is_empty())
                .map(|i| format!("[{}", i.trim_end_matches(']'))),
        )
    }) {
        let deeper = |col: usize| parent.is_none_or(|p| col > p);
        let mut hit = None;
        if let Some(index) = segment.strip_prefix('[') {
            let wanted: usize = index.parse().ok()?;
            let mut count = 0;
            for (n, line) in lines.iter().enumerate().skip(from) {
                if !meaningful(line) {
                    continue;
                }
                let col = indent(line);
                if !(deeper(col) || first_line_open && n == from) {
                    break;
                }
                if line.trim_start().starts_with("- ") || line.trim() == "-" {
                    if count == wanted {
                        hit = Some((n, col));
                        break;
                    }
                    count += 1;
                }
            }
            let (n, col) = hit?;
            (from, parent, first_line_open) = (n, Some(col), true);
            found = Some(n);
        } else {
            for (n, line) in lines.iter().enumerate().skip(from) {
                if !meaningful(line) {
                    continue;
                }
                let col = indent(line);
                if !(deeper(col) || first_line_open && n == from) {
                    break;
                }
                let content = line.trim_start();
                let (key_col, content) = match content.strip_prefix("- ") {
                    Some(rest) => (
                        col + 2 + (rest.len() - rest.trim_start().len()),
                        rest.trim_start(),
                    ),
                    None => (col, content),
                };
                if deeper(key_col)
                    && content
                        .strip_prefix(segment.as_str())
                        .is_some_and(|r| r.starts_with(':'))
                {
                    hit = Some((n, key_col));
                    break;
                }
            }
            let Some((n, col)) = hit else {
                return found;
            };
            (from, parent, first_line_open) = (n + 1, Some(col), false);
            found = Some(n);
        }
    }
    found
}

fn parse_value(
    at: &str,
    value: serde_json::Value,
    lines: Option<(usize, &[&str])>,
) -> Result<Object> {
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
    let problems = schema_problems(kind, &value);
    if !problems.is_empty() {
        let listed: Vec<String> = problems
            .iter()
            .map(|p| {
                match lines.and_then(|(start, lines)| Some(start + locate(lines, p.path())? + 1)) {
                    Some(line) => format!("  line {line}: {p}"),
                    None => format!("  {p}"),
                }
            })
            .collect();
        let count = match problems.len() {
            1 => "1 problem".to_owned(),
            n => format!("{n} problems"),
        };
        bail!("{at}: {count} in the {kind}:\n{}", listed.join("\n"));
    }
    let object = match kind {
        "Run" => Object::Run(Box::new(from_value(at, value)?)),
        "Runtime" => Object::Runtime(Box::new(from_value(at, value)?)),
        "Workflow" => Object::Workflow(Box::new(from_value(at, value)?)),
        other => bail!("{at}: kind {other:?} is not a kruntimes kind (Run, Runtime, Workflow)"),
    };
    Ok(object)
}

/// The typed object; an error (after the schema check, an enum value or a missing field) names its field's path.
fn from_value<T: serde::de::DeserializeOwned>(at: &str, value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        match path.as_str() {
            "." | "" => anyhow::anyhow!("{at}: {}", err.inner()),
            _ => anyhow::anyhow!("{at}: {path}: {}", err.inner()),
        }
    })
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
        assert!(
            err.contains("spec.entrypiont: unknown field; did you mean `entrypoint`?"),
            "{err}"
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_line() {
        let text = "# a comment\n---\napiVersion: kruntimes.io/v1alpha1\nkind: Run\nmetadata:\n  name: a\nspec:\n  runtime: bash\n  timeoutSeconds: 30s\n  env:\n    - name: A\n      valeu: x\n  retryPolicy: {maxAtempts: 2}\n";
        let err = parse("run.yaml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("run.yaml (document 1): 3 problems in the Run:\n"),
            "{err}"
        );
        assert!(
            err.contains("\n  line 9: spec.timeoutSeconds: expected a whole number"),
            "{err}"
        );
        assert!(
            err.contains("\n  line 12: spec.env[0].valeu: unknown field; did you mean `value`?"),
            "{err}"
        );
        // Inside a flow-style map: the line of the deepest block-style part.
        assert!(
            err.contains("\n  line 13: spec.retryPolicy.maxAtempts: unknown field"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_enum_value_names_its_field() {
        let text = "apiVersion: kruntimes.io/v1alpha1\nkind: Runtime\nmetadata: {name: a}\nspec: {component: {builtin: ruby}}\n";
        let err = parse("rt.yaml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("rt.yaml (document 1): spec.component.builtin: unknown variant `ruby`"),
            "{err}"
        );
    }

    #[test]
    fn documents_are_located_after_separators() {
        let text = "a: 1\n---\nkind: Run\nspec:\n  x: 1\n";
        assert_eq!(document_starts(text), [(0, 1), (2, 5)]);
        let lines = text_lines(text);
        assert_eq!(locate(&lines[2..5], "spec.x"), Some(2));
        assert_eq!(document_starts("---\nkind: Run\n"), [(1, 2)]);
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
