//! runtimed's `Execute` request as it arrives from the network: protobuf bytes decoded by prost into the generated
//! `kruntimes.runtime.v1` types, then the field rules every request meets before runtimed acts on it. The rules are
//! included by path (the runtimed crate would bring wasmtime into the fuzz build); an accepted request must be within
//! every limit the rules name, and a refused one must name its field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;

use kruntimes_proto::v1;

#[path = "../../runtimed/src/convert/fields.rs"]
mod fields;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = v1::ExecuteRequest::decode(data) else {
        return;
    };
    match fields::check_execute(&request) {
        Ok(()) => {
            assert!(
                !request.runtime.is_empty() && request.runtime.len() <= fields::MAX_RUNTIME_BYTES
            );
            assert!(
                !request.spec_digest.is_empty()
                    && request.spec_digest.len() <= fields::MAX_DIGEST_BYTES
            );
            assert!(request.args.len() <= fields::MAX_ARGS);
            assert!(
                request
                    .args
                    .iter()
                    .all(|a| a.len() <= fields::MAX_ARG_BYTES && !a.contains('\0'))
            );
            assert!(request.env.len() <= fields::MAX_ENV);
            for (name, value) in &request.env {
                assert!(
                    !name.is_empty() && name.len() <= fields::MAX_ENV_NAME_BYTES,
                    "{name:?}"
                );
                assert!(!name.starts_with(fields::RESERVED_ENV_PREFIX), "{name:?}");
                assert!(
                    !name.contains(['=', '\0']) && !value.contains('\0'),
                    "{name:?}"
                );
                assert!(value.len() <= fields::MAX_ENV_VALUE_BYTES);
            }
            assert!(request.labels.len() <= fields::MAX_LABELS);
            assert!(
                request
                    .source
                    .as_ref()
                    .is_none_or(|s| s.len() <= fields::MAX_SOURCE_BYTES)
            );
        }
        Err(err) => {
            assert!(!err.field.is_empty() && !err.problem.is_empty(), "{err:?}");
        }
    }
    // The same request encoded again decodes to itself: what runtimed checked is what a client sent.
    let again = v1::ExecuteRequest::decode(request.encode_to_vec().as_slice()).expect("re-decode");
    assert_eq!(again, request);
});
