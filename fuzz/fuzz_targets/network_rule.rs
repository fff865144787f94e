//! A Runtime's `capabilities.network` rules: parsed as the admission check and runtimed parse them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rule) = std::str::from_utf8(data) {
        let _ = kruntimes_api::validation::parse_network_rule(rule);
    }
});
