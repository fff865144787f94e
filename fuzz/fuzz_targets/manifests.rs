//! Run, Runtime and Workflow manifests as users write them: YAML parsed into the API types, then validated; a valid
//! Workflow is also reconciled with no children (the controller's first pass). Nothing may panic.
#![no_main]

use kruntimes_api::v1alpha1::{Run, Runtime, Workflow};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(run) = serde_yaml::from_str::<Run>(text) {
        let _ = kruntimes_api::validation::validate_run(&run);
    }
    if let Ok(runtime) = serde_yaml::from_str::<Runtime>(text) {
        let _ = kruntimes_api::validation::validate_runtime(&runtime);
    }
    if let Ok(workflow) = serde_yaml::from_str::<Workflow>(text)
        && kruntimes_api::validation::validate_workflow(&workflow).is_ok()
    {
        let now = jiff::Timestamp::from_second(1_800_000_000).expect("a valid timestamp");
        let _ = kruntimes_workflow::reconcile(&workflow, &[], now);
    }
});
