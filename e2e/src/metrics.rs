//! The API server's own count of requests (`apiserver_request_total` on its `/metrics`), for the benchmarks'
//! writes-per-Run figure.

use std::collections::BTreeMap;

/// PURE: parses Prometheus text: `apiserver_request_total{...verb="PATCH",resource="runs",subresource="status"...} 3`
/// → `"runs/status PATCH" → 3`.
pub fn write_counts(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("apiserver_request_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let label = |key: &str| {
            labels
                .split(',')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix("=\""))
                .map(|v| v.trim_end_matches('"'))
                .unwrap_or_default()
        };
        let verb = label("verb");
        if !matches!(verb, "POST" | "PUT" | "PATCH" | "DELETE" | "APPLY") {
            continue;
        }
        let mut key = label("resource").to_owned();
        if !label("subresource").is_empty() {
            key = format!("{key}/{}", label("subresource"));
        }
        *out.entry(format!("{key} {verb}")).or_default() +=
            value.trim().parse::<f64>().unwrap_or(0.0);
    }
    out
}

/// Writes per Run between two counts, by `resource verb`, less the benchmark's own `n` creates of Runs.
pub fn per_run_writes(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
    n: usize,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (key, value) in after {
        let mut delta = value - before.get(key).copied().unwrap_or(0.0);
        if key == "runs POST" {
            delta -= n as f64;
        }
        if delta > 0.0 {
            out.insert(key.clone(), delta / n as f64);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_counts_sum_write_verbs_by_resource() {
        let text = r#"# HELP apiserver_request_total x
apiserver_request_total{code="201",component="apiserver",dry_run="",group="kruntimes.io",resource="runs",scope="resource",subresource="",verb="POST",version="v1alpha1"} 5
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kruntimes.io",resource="runs",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="409",component="apiserver",dry_run="",group="kruntimes.io",resource="runs",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="kruntimes.io",resource="runs",scope="namespace",subresource="",verb="LIST",version="v1alpha1"} 9
"#;
        let counts = write_counts(text);
        assert_eq!(counts.get("runs POST"), Some(&5.0));
        assert_eq!(counts.get("runs/status PATCH"), Some(&8.0));
        assert_eq!(counts.len(), 2, "{counts:?}");
        let after = BTreeMap::from([
            ("runs POST".to_owned(), 15.0),
            ("runs/status PATCH".to_owned(), 28.0),
        ]);
        let per = per_run_writes(&counts, &after, 10);
        assert_eq!(per.get("runs/status PATCH"), Some(&2.0));
        assert_eq!(
            per.get("runs POST"),
            None,
            "the benchmark's own creates are not counted"
        );
    }
}
