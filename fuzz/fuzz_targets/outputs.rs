//! The `$KRUNTIME_OUTPUTS` file a guest writes, parsed by runtimed after the guest ends (the guest controls every
//! byte). The parser is included by path: the host crate itself would bring wasmtime into the fuzz build.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub, reason = "only `parse` is fuzzed")]
#[path = "../../engine/src/outputs.rs"]
mod outputs;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = outputs::parse(data) {
        assert!(parsed.len() <= outputs::MAX_KEYS);
    }
});
