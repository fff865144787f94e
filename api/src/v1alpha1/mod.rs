//! `kruntimes.io/v1alpha1`: the first, experimental version of the API.
//!
//! - [`Run`]: one short task executed on one warm Runtime pod.
//! - [`Runtime`]: a warm pool of pods that execute Runs with one wasm component.
//! - [`Workflow`]: a DAG of Runs.
//!
//! Shared pieces (env vars, sources, retry policies, conditions) live in [`common`].

pub mod common;
pub mod run;
pub mod runtime;
pub mod workflow;

pub use common::*;
pub use run::*;
pub use runtime::*;
pub use workflow::*;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use kube::core::crd::merge_crds;

/// The CRDs of this version, as `cargo xtask codegen` writes them into the Helm chart.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let mut crds = vec![Run::crd(), Runtime::crd(), Workflow::crd()];
    for crd in &mut crds {
        // A single served version today; merge_crds keeps the multi-version path honest.
        if let Ok(merged) = merge_crds(vec![crd.clone()], crate::VERSION) {
            *crd = merged;
        }
    }
    crds
}
