//! Label and field selectors.

use serde_json::Value;

use crate::error::ApiError;
use crate::kinds::Kind;

#[derive(Clone, Debug)]
enum LabelReq {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed `labelSelector` (equality and set-based).
#[derive(Clone, Debug, Default)]
pub(crate) struct LabelSelector(Vec<LabelReq>);

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn set_values(s: &str) -> Option<Vec<String>> {
    let s = s.trim();
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

impl LabelSelector {
    pub(crate) fn parse(s: &str) -> Result<Self, ApiError> {
        let bad = |r: &str| ApiError::bad_request(format!("unable to parse requirement: {r:?}"));
        let mut reqs = Vec::new();
        for r in split_top(s) {
            if let Some(k) = r.strip_prefix('!') {
                reqs.push(LabelReq::NotExists(k.trim().to_owned()));
            } else if let Some((k, v)) = r.split_once("!=") {
                reqs.push(LabelReq::Ne(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some((k, v)) = r.split_once("==") {
                reqs.push(LabelReq::Eq(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some((k, v)) = r.split_once('=') {
                reqs.push(LabelReq::Eq(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some((k, v)) = r.split_once(" notin ") {
                reqs.push(LabelReq::NotIn(
                    k.trim().to_owned(),
                    set_values(v).ok_or_else(|| bad(&r))?,
                ));
            } else if let Some((k, v)) = r.split_once(" in ") {
                reqs.push(LabelReq::In(
                    k.trim().to_owned(),
                    set_values(v).ok_or_else(|| bad(&r))?,
                ));
            } else if r.contains(char::is_whitespace) || r.contains('(') {
                return Err(bad(&r));
            } else {
                reqs.push(LabelReq::Exists(r.clone()));
            }
        }
        Ok(Self(reqs))
    }

    pub(crate) fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            LabelReq::Eq(k, v) => get(k) == Some(v.as_str()),
            LabelReq::Ne(k, v) => get(k) != Some(v.as_str()),
            LabelReq::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            LabelReq::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            LabelReq::Exists(k) => get(k).is_some(),
            LabelReq::NotExists(k) => get(k).is_none(),
        })
    }
}

/// Value at a dotted path, as a field selector compares it ("" when absent).
pub(crate) fn field_value(obj: &Value, path: &str) -> String {
    let mut cur = obj;
    for seg in path.split('.') {
        match cur.get(seg) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A parsed `fieldSelector`: (path, value, equal?).
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldSelector(Vec<(String, String, bool)>);

impl FieldSelector {
    pub(crate) fn parse(s: &str, kind: &Kind) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for r in split_top(s) {
            let (path, value, eq) = if let Some((k, v)) = r.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = r.split_once("==") {
                (k, v, true)
            } else if let Some((k, v)) = r.split_once('=') {
                (k, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{s}'; can't understand '{r}'"
                )));
            };
            let path = path.trim();
            let known = path == "metadata.name"
                || path == "metadata.namespace"
                || kind.selectable.iter().any(|p| p == path);
            if !known {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {path}"
                )));
            }
            reqs.push((path.to_owned(), value.trim().to_owned(), eq));
        }
        Ok(Self(reqs))
    }

    pub(crate) fn matches(&self, obj: &Value) -> bool {
        self.0
            .iter()
            .all(|(path, value, eq)| (field_value(obj, path) == *value) == *eq)
    }
}
