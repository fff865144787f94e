//! The rules an `ExecuteRequest`'s fields must meet on their own: sizes, counts, names and NUL, each failing with an
//! [`InvalidRequest`] that names the proto field. Pure and independent of runtimed's other modules (only the proto
//! types and the API's limits): the fuzz target `grpc_request` includes this file by path and runs every request it
//! decodes through it.
//! The id, the entrypoint and the ceilings that depend on the Runtime are checked by `convert` and the policy.

use std::collections::BTreeMap;

use kruntimes_api::limits;
use kruntimes_proto::v1;

/// Most arguments of one request: the Run API's.
pub const MAX_ARGS: usize = limits::ARGS_MAX_ITEMS;
/// Longest argument: the Run API's.
pub const MAX_ARG_BYTES: usize = limits::ARG_MAX_BYTES;
/// Most environment variables of one request: the Run API's.
pub const MAX_ENV: usize = limits::ENV_MAX_ITEMS;
/// Longest environment variable name: the Run API's.
pub const MAX_ENV_NAME_BYTES: usize = limits::ENV_NAME_MAX_BYTES;
/// Longest environment variable value: the Run API's.
pub const MAX_ENV_VALUE_BYTES: usize = limits::ENV_VALUE_MAX_BYTES;
/// Largest inline source: the Run API's (256 KiB).
pub const MAX_SOURCE_BYTES: usize = limits::INLINE_SOURCE_MAX_BYTES;
/// Prefix of the variables runtimed sets itself; requests may not set them.
pub const RESERVED_ENV_PREFIX: &str = limits::RESERVED_ENV_PREFIX;
/// Longest `runtime` name (a DNS subdomain, as an object name).
pub const MAX_RUNTIME_BYTES: usize = limits::OBJECT_NAME_MAX;
/// Longest `spec_digest` (`sha256:` and 64 hex digits is 71).
pub const MAX_DIGEST_BYTES: usize = 256;
/// Most `labels`; they are copied into every status, so they stay small.
pub const MAX_LABELS: usize = 64;
/// Longest label key.
pub const MAX_LABEL_KEY_BYTES: usize = 317;
/// Longest label value.
pub const MAX_LABEL_VALUE_BYTES: usize = 1024;

/// A request field that cannot be accepted; becomes `INVALID_ARGUMENT` with the text `<field> <problem>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct InvalidRequest {
    /// The proto field path, for example `id.attempt` or `args[3]`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

pub(super) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> InvalidRequest {
    InvalidRequest {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Checks every field of `request` but its `id` and `entrypoint`, in the order of the proto.
pub(super) fn check_execute(request: &v1::ExecuteRequest) -> Result<(), InvalidRequest> {
    if request.runtime.is_empty() {
        return Err(invalid("runtime", "must not be empty"));
    }
    if request.runtime.len() > MAX_RUNTIME_BYTES {
        return Err(invalid(
            "runtime",
            format!("must be at most {MAX_RUNTIME_BYTES} bytes"),
        ));
    }
    if request.spec_digest.is_empty() {
        return Err(invalid("spec_digest", "must not be empty"));
    }
    if request.spec_digest.len() > MAX_DIGEST_BYTES {
        return Err(invalid(
            "spec_digest",
            format!("must be at most {MAX_DIGEST_BYTES} bytes"),
        ));
    }
    check_args(&request.args)?;
    check_env(&request.env)?;
    check_labels(&request.labels)?;
    if let Some(source) = &request.source
        && source.len() > MAX_SOURCE_BYTES
    {
        return Err(invalid(
            "source",
            format!("must be at most {MAX_SOURCE_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn check_args(args: &[String]) -> Result<(), InvalidRequest> {
    if args.len() > MAX_ARGS {
        return Err(invalid(
            "args",
            format!("must have at most {MAX_ARGS} entries"),
        ));
    }
    for (index, arg) in args.iter().enumerate() {
        if arg.len() > MAX_ARG_BYTES {
            return Err(invalid(
                format!("args[{index}]"),
                format!("must be at most {MAX_ARG_BYTES} bytes"),
            ));
        }
        if arg.contains('\0') {
            return Err(invalid(format!("args[{index}]"), "must not contain NUL"));
        }
    }
    Ok(())
}

fn check_env(env: &BTreeMap<String, String>) -> Result<(), InvalidRequest> {
    if env.len() > MAX_ENV {
        return Err(invalid(
            "env",
            format!("must have at most {MAX_ENV} entries"),
        ));
    }
    for (name, value) in env {
        let field = || format!("env[{name:?}]");
        let problem = if name.is_empty() {
            Some("name must not be empty".to_owned())
        } else if name.len() > MAX_ENV_NAME_BYTES {
            Some(format!("name must be at most {MAX_ENV_NAME_BYTES} bytes"))
        } else if name.starts_with(|c: char| c.is_ascii_digit()) {
            Some("name must not start with a digit".to_owned())
        } else if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            Some("name may only contain ASCII letters, digits, `_`, `-` and `.`".to_owned())
        } else if name.starts_with(RESERVED_ENV_PREFIX) {
            Some(format!("name is reserved ({RESERVED_ENV_PREFIX}*)"))
        } else if value.len() > MAX_ENV_VALUE_BYTES {
            Some(format!("value must be at most {MAX_ENV_VALUE_BYTES} bytes"))
        } else if value.contains('\0') {
            Some("value must not contain NUL".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(invalid(field(), problem));
        }
    }
    Ok(())
}

fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), InvalidRequest> {
    if labels.len() > MAX_LABELS {
        return Err(invalid(
            "labels",
            format!("must have at most {MAX_LABELS} entries"),
        ));
    }
    for (key, value) in labels {
        let problem = if key.is_empty() {
            Some(String::from("key must not be empty"))
        } else if key.len() > MAX_LABEL_KEY_BYTES {
            Some(format!("key must be at most {MAX_LABEL_KEY_BYTES} bytes"))
        } else if value.len() > MAX_LABEL_VALUE_BYTES {
            Some(format!(
                "value must be at most {MAX_LABEL_VALUE_BYTES} bytes"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(invalid(format!("labels[{key:?}]"), problem));
        }
    }
    Ok(())
}
