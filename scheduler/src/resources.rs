//! Logical resources: what a Run requests and what a Runtime pod offers, as whole numbers.
//!
//! A Run's `resources.requests` and a pod's `kruntimes.io/capacity.<name>` annotations are Kubernetes
//! quantities; the scheduler compares them as `u64`s. Every Run holds `runs: 1` unless it says otherwise, and
//! a pod without a `runs` annotation offers [`DEFAULT_POD_RUNS`].

use std::collections::BTreeMap;

use kruntimes_api::consts::{DEFAULT_POD_RUNS, RUNS_RESOURCE, annotations};
use kruntimes_api::quantity;
use kruntimes_api::v1alpha1::Run;

/// Resource names to whole quantities.
pub type Resources = BTreeMap<String, u64>;

/// A request the scheduler cannot use: negative, fractional or not a quantity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("spec.resources.requests.{name}: must be a whole non-negative number, got {value:?}")]
pub struct InvalidRequest {
    /// The resource name.
    pub name: String,
    /// The quantity as written.
    pub value: String,
}

/// The whole quantities a Run requests; `runs` is 1 unless the Run names it.
pub fn requests(run: &Run) -> Result<Resources, InvalidRequest> {
    let mut out = Resources::new();
    if let Some(resources) = &run.spec.template.resources {
        for (name, q) in &resources.requests {
            let v = quantity::parse_whole(&q.0).map_err(|_| InvalidRequest {
                name: name.clone(),
                value: q.0.clone(),
            })?;
            out.insert(name.clone(), v);
        }
    }
    out.entry(RUNS_RESOURCE.to_owned()).or_insert(1);
    Ok(out)
}

/// The capacity a pod advertises in its annotations; `runs` is [`DEFAULT_POD_RUNS`] when not annotated.
///
/// An annotation that is not a whole non-negative quantity is ignored (the resource is then not advertised,
/// so Runs requesting it do not land there), except `runs`, which falls back to the default.
pub fn capacity(annotations: Option<&BTreeMap<String, String>>) -> Resources {
    let mut out = Resources::new();
    for (key, value) in annotations.into_iter().flatten() {
        if let Some(name) = key.strip_prefix(annotations::CAPACITY_PREFIX)
            && !name.is_empty()
            && let Ok(v) = quantity::parse_whole(value)
        {
            out.insert(name.to_owned(), v);
        }
    }
    out.entry(RUNS_RESOURCE.to_owned())
        .or_insert(DEFAULT_POD_RUNS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use kruntimes_api::v1alpha1::{RunResources, RunSpec, RunTemplate};

    fn run_with(requests: &[(&str, &str)]) -> Run {
        Run::new(
            "r",
            RunSpec {
                template: RunTemplate {
                    runtime: "bash".into(),
                    resources: Some(RunResources {
                        requests: requests
                            .iter()
                            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                            .collect(),
                    }),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
    }

    #[test]
    fn a_run_without_requests_holds_one_run() {
        let run = Run::new("r", RunSpec::default());
        assert_eq!(requests(&run), Ok(Resources::from([("runs".into(), 1)])));
    }

    #[test]
    fn named_requests_are_parsed_and_runs_defaults_to_one() {
        let r = requests(&run_with(&[("gpu", "2"), ("mem", "1Ki")])).unwrap();
        assert_eq!(r["gpu"], 2);
        assert_eq!(r["mem"], 1024);
        assert_eq!(r["runs"], 1);
        let r = requests(&run_with(&[("runs", "3")])).unwrap();
        assert_eq!(r["runs"], 3);
    }

    #[test]
    fn fractional_negative_or_garbage_requests_name_the_field() {
        let err = requests(&run_with(&[("runs", "0.5")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"spec.resources.requests.runs: must be a whole non-negative number, got "0.5""#
        );
        let err = requests(&run_with(&[("gpu", "-1")])).unwrap_err();
        assert_eq!(err.name, "gpu");
        assert!(requests(&run_with(&[("gpu", "500m")])).is_err());
        assert!(requests(&run_with(&[("gpu", "lots")])).is_err());
    }

    #[test]
    fn pod_capacity_comes_from_annotations_with_a_runs_default() {
        assert_eq!(capacity(None), Resources::from([("runs".into(), 4)]));
        let a = BTreeMap::from([
            ("kruntimes.io/capacity.runs".to_string(), "8".to_string()),
            ("kruntimes.io/capacity.gpu".to_string(), "1".to_string()),
            ("kruntimes.io/capacity.bad".to_string(), "0.5".to_string()),
            ("other".to_string(), "1".to_string()),
        ]);
        let c = capacity(Some(&a));
        assert_eq!(c, Resources::from([("gpu".into(), 1), ("runs".into(), 8)]));
    }
}
