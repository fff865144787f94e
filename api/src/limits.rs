//! Size and count limits of the API.
//!
//! Each limit exists for one of three reasons: an object must stay far below etcd's 1.5 MiB request
//! limit, a status must stay small enough to list thousands of Runs, or a guest must not be able to
//! make the host do unbounded work. The CRD schema and the [`crate::validation`] functions both read
//! these constants, so the two can never disagree.

/// Longest Kubernetes label value, and so the longest Runtime reference or step id.
pub const LABEL_VALUE_MAX: usize = 63;
/// Longest Runtime name: the controller names its Deployment and ServiceAccount `runtime-<name>`,
/// which must stay a valid DNS label (63 characters).
pub const RUNTIME_NAME_MAX: usize = 55;
/// Longest Workflow name: child Runs carry it in a label value.
pub const WORKFLOW_NAME_MAX: usize = 63;
/// Longest name of any object (DNS subdomain).
pub const OBJECT_NAME_MAX: usize = 253;

/// Most arguments a Run may pass.
pub const ARGS_MAX_ITEMS: usize = 256;
/// Longest single argument, in bytes.
pub const ARG_MAX_BYTES: usize = 8 * 1024;
/// Most environment variables a Run may set.
pub const ENV_MAX_ITEMS: usize = 256;
/// Longest environment variable name.
pub const ENV_NAME_MAX_BYTES: usize = 256;
/// Longest environment variable value, in bytes.
pub const ENV_VALUE_MAX_BYTES: usize = 8 * 1024;
/// Prefix of environment variables the platform sets itself (`KRUNTIME_OUTPUTS`, ...); users may not.
pub const RESERVED_ENV_PREFIX: &str = "KRUNTIME_";
/// Largest inline source, in bytes (256 KiB).
pub const INLINE_SOURCE_MAX_BYTES: usize = 256 * 1024;
/// Longest entrypoint path.
pub const ENTRYPOINT_MAX_BYTES: usize = 4096;
/// Longest git repository URL.
pub const REPO_URL_MAX_BYTES: usize = 2048;
/// Longest git revision (a commit SHA, tag or branch).
pub const REVISION_MAX_BYTES: usize = 256;
/// Largest sum of all args, env values and inline source of one Run: keeps a Run object, and a
/// Workflow holding many step templates, well below etcd's 1.5 MiB request limit.
pub const RUN_INPUTS_MAX_BYTES: usize = 512 * 1024;

/// Shortest timeout.
pub const TIMEOUT_SECONDS_MIN: i64 = 1;
/// Longest timeout (24 h): kruntimes runs short tasks.
pub const TIMEOUT_SECONDS_MAX: i64 = 86_400;
/// Most attempts a retry policy may ask for.
pub const MAX_ATTEMPTS_MAX: i32 = 100;
/// Longest retry backoff.
pub const BACKOFF_SECONDS_MAX: i32 = 3600;
/// Most retryable reasons a retry policy may list.
pub const RETRYABLE_REASONS_MAX_ITEMS: usize = 32;
/// Longest reason string.
pub const REASON_MAX_BYTES: usize = 128;
/// Most entries in a resource list (`resources.requests`, `capacity.resources`).
pub const RESOURCE_LIST_MAX_ITEMS: usize = 16;

/// Longest `status.message`, as the CRD allows it.
pub const STATUS_MESSAGE_MAX_BYTES: usize = 4096;
/// Longest message runtimed writes (it truncates on a UTF-8 boundary and marks the cut).
pub const MESSAGE_WRITE_MAX_BYTES: usize = 1024;
/// Most conditions on any object.
pub const CONDITIONS_MAX_ITEMS: usize = 16;
/// Most `$KRUNTIME_OUTPUTS` keys.
pub const OUTPUTS_MAX_KEYS: usize = 64;
/// Longest output key.
pub const OUTPUT_KEY_MAX_BYTES: usize = 128;
/// Longest output value (8 KiB).
pub const OUTPUT_VALUE_MAX_BYTES: usize = 8 * 1024;
/// Largest total of all output keys and values (64 KiB).
pub const OUTPUTS_MAX_TOTAL_BYTES: usize = 64 * 1024;
/// Most artifact references in one Run's status.
pub const ARTIFACT_REFS_MAX_ITEMS: usize = 32;

/// Most replicas of one Runtime.
pub const REPLICAS_MAX: i32 = 1000;
/// Most network allow-list entries of one Runtime.
pub const NETWORK_ALLOW_MAX_ITEMS: usize = 64;
/// Most read-only mounts of one Runtime.
pub const MOUNTS_MAX_ITEMS: usize = 16;
/// Longest path in a mount or store.
pub const PATH_MAX_BYTES: usize = 4096;
/// Smallest per-stream output cap a Runtime may set (1 KiB).
pub const OUTPUT_BYTES_MIN: i64 = 1024;
/// Largest per-stream output cap a Runtime may set (64 MiB).
pub const OUTPUT_BYTES_MAX: i64 = 64 * 1024 * 1024;
/// Longest image reference or URL.
pub const IMAGE_MAX_BYTES: usize = 2048;

/// Most steps in one Workflow.
pub const STEPS_MAX_ITEMS: usize = 128;
/// Most `needs` entries of one step.
pub const NEEDS_MAX_ITEMS: usize = 64;
/// Most declared Workflow inputs or outputs.
pub const WORKFLOW_PARAMS_MAX_ITEMS: usize = 64;
/// Longest Workflow input value, default or output expression.
pub const WORKFLOW_VALUE_MAX_BYTES: usize = 8 * 1024;
