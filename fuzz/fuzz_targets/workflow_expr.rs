//! `${{ ... }}` expressions in a Workflow's step args, env and source: parsed, and their references listed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kruntimes_workflow::expr::parse(text);
        let _ = kruntimes_workflow::expr::references(text);
    }
});
