//! The capability policy: what a Run may do, decided before any wasm runs.
//!
//! [`grant`] is a pure function from the request ([`RunSpec`]), the Runtime's declared policy ([`RuntimePolicy`])
//! and the host's defaults and ceilings ([`HostConfig`]) to a [`Grants`] value, or a [`PolicyError`] naming the
//! field and the limit it broke. [`crate::sandbox::wasi_ctx`] is the only place a `WasiCtx` is built, from `Grants` alone. `Grants`
//! is serialisable: it is reported back as `status.grants`, so users see exactly what their Run received.
//!
//! # Deny by default
//!
//! | capability | granted |
//! |---|---|
//! | filesystem | the Run's own directory read-write at `/workspace`, also preopened as `.` so relative paths work (wasi-libc then resolves other absolute paths, even `/`, inside it too); read-only mounts the Runtime declares |
//! | environment | the Run's variables, plus `HOME`/`PWD` (`/workspace`), `KRUNTIME_OUTPUTS`, `KRUNTIME_ARTIFACTS_DIR`; never the host's |
//! | arguments | `[runtime name, entrypoint?, args...]` |
//! | stdin | empty (EOF) |
//! | stdout, stderr | bounded buffers ([`crate::output`]) |
//! | network | none; with a Runtime allow-list, outbound TCP to matching `host:port` only (no listen, no UDP) |
//! | programs | none; a Runtime may name programs (other registered components) its shell can `spawn` |
//! | memory | one budget for all linear memories of the Run (default from the host, set by the Runtime) |
//! | time | a wall-clock deadline (`timeoutSeconds`, bounded by the Runtime's and the host's maximum) |
//!
//! # Threat model
//!
//! The guest is arbitrary code (user scripts run by our runtimes, or custom runtimes) and is assumed hostile.
//! Protected: the host filesystem outside the Run's workspace and mounts (WASI preopens, resolved by cap-std; a
//! symlink a guest creates, even `up -> ..`, exists on the host but is followed neither by WASI nor by the host),
//! other Runs' workspaces and memory (separate directories, separate Stores), the
//! daemon's environment and credentials (never inherited), the network (no address is reachable unless
//! allow-listed), the daemon's memory and CPU time beyond the Run's limits (memory budget, epoch deadline; host-side
//! buffers are bounded too: output caps, 64 KiB pipes, outputs and log limits), the host after the Run (the
//! workspace is hostile when read back: see [`crate::workspace`]).
//! Not protected: disk usage inside the workspace (no quota), CPU share between concurrent Runs (they share the
//! tokio workers fairly via epoch yields, not by quota), side channels (timing, cache), bugs in wasmtime or
//! cranelift, DNS as an exfiltration channel once a Runtime allow-lists a host name (name lookup is then enabled
//! for the guest), and address-based rules for names that resolve differently over time (each connect is
//! checked against a fresh host-side lookup).
//!
//! Spawned children ([`Grants::for_child`]) get the same grants with their own argv, environment and working
//! directory: never more than the Run.

mod error;
mod network;

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::layout::{self, ARTIFACTS_DIR, GUEST_WORKSPACE, KRUNTIMES_DIR, OUTPUTS_FILE};
use crate::output::DEFAULT_OUTPUT_LIMIT;
use crate::spec::RunSpec;

pub use self::error::PolicyError;
pub use self::network::NetworkRule;
pub(crate) use self::network::configure_network;

/// Variables the host sets; a Run may not set them itself.
pub const RESERVED_ENV: [&str; 4] = ["HOME", "PWD", "KRUNTIME_OUTPUTS", "KRUNTIME_ARTIFACTS_DIR"];
// The engine's own ceilings. They are deliberately above the API's (`kruntimes_api::limits`): a cluster Run meets
// the API's limits at admission and runtimed's gRPC requests in `convert`, while `krt local` passes a command
// line (`krt local run -- ...`) and a `--script` file, which may be larger. What the engine bounds here is what
// it can hold safely in guest memory and in a status.

/// Most arguments a Run may pass (the API: `limits::ARGS_MAX_ITEMS`, 256).
pub const MAX_ARGS: usize = 4096;
/// Most environment variables a Run may set (the API: `limits::ENV_MAX_ITEMS`, 256).
pub const MAX_ENV_VARS: usize = 1024;
/// Most bytes of arguments plus environment (both end up in guest memory and in status).
pub const MAX_ARGS_ENV_BYTES: usize = 256 * 1024;
/// Largest inline source (the API: `limits::INLINE_SOURCE_MAX_BYTES`, 256 KiB).
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

/// Host-wide defaults and ceilings, from runtimed's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    /// Timeout of a Run that does not ask for one (still bounded by the Runtime's maximum).
    pub default_timeout: Duration,
    /// No Runtime may allow longer Runs than this.
    pub max_timeout: Duration,
    /// Memory budget of a Run whose Runtime does not set one.
    pub default_memory_bytes: u64,
    /// No Runtime may allow more memory per Run than this. Keep it at most [`crate::EngineConfig::max_memory_bytes`].
    pub max_memory_bytes: u64,
    /// Bytes kept per stdout/stderr stream when the Runtime does not say.
    pub default_output_bytes: usize,
    /// No Runtime may keep more output per stream than this.
    pub max_output_bytes: usize,
    /// When `false`, any Runtime network allow-list is refused (an air-gapped node).
    pub allow_network: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            default_timeout: Duration::from_secs(600),
            max_timeout: Duration::from_secs(24 * 3600),
            default_memory_bytes: 256 << 20,
            max_memory_bytes: 4 << 30,
            default_output_bytes: DEFAULT_OUTPUT_LIMIT,
            max_output_bytes: 16 << 20,
            allow_network: true,
        }
    }
}

/// What a Runtime declares (its `limits` and `capabilities`). Everything optional falls back to [`HostConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimePolicy {
    /// Per-Run limits.
    pub limits: RuntimeLimits,
    /// Extra capabilities beyond the workspace.
    pub capabilities: RuntimeCapabilities,
}

impl RuntimePolicy {
    /// Adds what a Runtime object declares (`spec.limits`, `spec.capabilities`) to this policy: its limits
    /// replace the policy's, its network rules and mounts are granted on top of the policy's own. Limits the API
    /// rules would refuse (an unparsable memory quantity) are left out; validate the Runtime first.
    pub fn apply(
        &mut self,
        limits: Option<&kruntimes_api::v1alpha1::RuntimeLimits>,
        capabilities: Option<&kruntimes_api::v1alpha1::Capabilities>,
    ) {
        if let Some(limits) = limits {
            if let Some(bytes) = limits
                .memory
                .as_ref()
                .and_then(|q| kruntimes_api::quantity::parse_whole(&q.0).ok())
            {
                self.limits.memory_bytes = Some(bytes);
            }
            if let Some(secs) = limits
                .max_timeout_seconds
                .and_then(|s| u64::try_from(s).ok())
            {
                self.limits.max_timeout = Some(Duration::from_secs(secs));
            }
            if let Some(bytes) = limits.output_bytes.and_then(|b| usize::try_from(b).ok()) {
                self.limits.output_bytes = Some(bytes);
            }
        }
        if let Some(caps) = capabilities {
            let granted = &mut self.capabilities;
            granted.network.extend(caps.network.iter().cloned());
            granted.mounts.extend(caps.mounts.iter().map(|m| Mount {
                host_path: PathBuf::from(&m.path),
                guest_path: m.guest_path.clone(),
            }));
        }
    }
}

/// A Runtime's per-Run limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeLimits {
    /// Memory budget per Run (all linear memories together).
    pub memory_bytes: Option<u64>,
    /// Longest `timeoutSeconds` a Run may ask for.
    pub max_timeout: Option<Duration>,
    /// Bytes kept per stdout/stderr stream.
    pub output_bytes: Option<usize>,
}

/// A Runtime's extra capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeCapabilities {
    /// Outbound TCP allow-list, `host:port` patterns; see [`NetworkRule`].
    pub network: Vec<String>,
    /// Read-only directories mounted into every Run.
    pub mounts: Vec<Mount>,
    /// Programs a shell may `spawn`: program name (what the guest asks for) → registered runtime name (the
    /// component that runs). Empty: spawning is denied.
    pub programs: BTreeMap<String, String>,
}

/// A read-only host directory made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Absolute host directory.
    pub host_path: PathBuf,
    /// Absolute guest path, outside `/workspace`.
    pub guest_path: String,
}

/// Seconds without a trailing `.0` (`7200`, `0.25`).
pub(super) fn secs(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}

/// Bytes in the largest binary unit that divides them exactly (`64 MiB`, `1536 KiB`, `100 bytes`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// Read-only or read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    /// Read-only.
    ReadOnly,
    /// Read-write.
    ReadWrite,
}

/// One preopened directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preopen {
    /// Host directory.
    pub host_path: PathBuf,
    /// Name the guest sees.
    pub guest_path: String,
    /// Permissions enforced by wasmtime-wasi.
    pub access: Access,
}

/// An environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// What a Run received. Computed by [`grant`], turned into a `WasiCtx` by [`crate::sandbox::wasi_ctx`], reported as
/// `status.grants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grants {
    /// Directories the guest can open, with their permissions.
    pub preopens: Vec<Preopen>,
    /// `argv`, including `argv[0]`.
    pub args: Vec<String>,
    /// The complete environment.
    pub env: Vec<EnvVar>,
    /// Outbound TCP allow-list; empty means no network.
    pub network: Vec<NetworkRule>,
    /// Programs the Run may spawn (`kruntimes:runtime/spawn`), sorted; empty means spawning is denied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    /// Memory budget for all linear memories of the Run.
    pub memory_bytes: u64,
    /// Wall-clock limit in milliseconds, from the start of instantiation.
    pub timeout_ms: u64,
    /// Bytes of stdout kept.
    pub stdout_bytes: usize,
    /// Bytes of stderr kept.
    pub stderr_bytes: usize,
}

impl Grants {
    /// The wall-clock limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The grants of a child spawned by this Run: the same directories, network, programs and limits, with the
    /// child's own `argv` (`program` then `args`) and environment (the reserved `KRUNTIME_*` variables it has forced
    /// to the Run's values). `cwd_dir`, if given, replaces the host directory behind the `.` preopen (the child's working
    /// directory, a directory inside the workspace).
    pub fn for_child(
        &self,
        program: &str,
        args: &[String],
        env: &[(String, String)],
        cwd_dir: Option<PathBuf>,
    ) -> Grants {
        let mut child = self.clone();
        child.args = std::iter::once(program.to_owned())
            .chain(args.iter().cloned())
            .collect();
        let run_value = |name: &str| {
            self.env
                .iter()
                .find(|v| v.name == name)
                .map(|v| v.value.clone())
        };
        // The reserved variables a child is given always hold the Run's values (a child cannot point its outputs
        // elsewhere); one left out stays out, so `env -i cmd` gives `cmd` an empty environment as on Linux.
        let reserved = ["KRUNTIME_OUTPUTS", "KRUNTIME_ARTIFACTS_DIR"];
        child.env = env
            .iter()
            .map(|(name, value)| EnvVar {
                name: name.clone(),
                value: if reserved.contains(&name.as_str()) {
                    run_value(name).unwrap_or_else(|| value.clone())
                } else {
                    value.clone()
                },
            })
            .collect();
        if let Some(dir) = cwd_dir {
            for preopen in child.preopens.iter_mut().filter(|p| p.guest_path == ".") {
                preopen.host_path = dir.clone();
            }
        }
        child
    }
}

/// Decides what `spec` may do under `policy` and `host`, with its workspace at `workspace` on the host.
///
/// # Errors
///
/// A [`PolicyError`] naming the first field that breaks a rule or limit.
pub fn grant(
    spec: &RunSpec,
    policy: &RuntimePolicy,
    host: &HostConfig,
    workspace: &Path,
) -> std::result::Result<Grants, PolicyError> {
    let env = run_env(&spec.env)?;
    check_args(&spec.args)?;
    if spec.args.iter().map(String::len).sum::<usize>()
        + env
            .iter()
            .map(|v| v.name.len() + v.value.len() + 2)
            .sum::<usize>()
        > MAX_ARGS_ENV_BYTES
    {
        return Err(PolicyError::TooLarge {
            field: "args and env",
            limit: MAX_ARGS_ENV_BYTES,
            unit: "bytes",
        });
    }
    if let Some(entrypoint) = &spec.entrypoint {
        layout::validate_entrypoint(entrypoint).map_err(|problem| {
            PolicyError::InvalidEntrypoint {
                entrypoint: entrypoint.clone(),
                problem,
            }
        })?;
    }
    if let Some(source) = &spec.source {
        if spec.entrypoint.is_none() {
            return Err(PolicyError::SourceWithoutEntrypoint);
        }
        if source.len() > MAX_SOURCE_BYTES {
            return Err(PolicyError::SourceTooLarge {
                bytes: source.len(),
            });
        }
    }

    let timeout = timeout(spec.timeout, &policy.limits, host)?;
    let memory_bytes = bounded(
        "memory limit",
        policy.limits.memory_bytes,
        host.default_memory_bytes,
        host.max_memory_bytes,
    )?;
    let memory_bytes = requested(
        "memory limit",
        spec.memory_bytes,
        memory_bytes,
        policy.limits.memory_bytes,
        host.max_memory_bytes,
    )?;
    let output_bytes = bounded(
        "output limit",
        policy.limits.output_bytes.map(|b| b as u64),
        host.default_output_bytes as u64,
        host.max_output_bytes as u64,
    )?;
    let output_limit = |field, request: Option<usize>| {
        requested(
            field,
            request.map(|b| b as u64),
            output_bytes,
            policy.limits.output_bytes.map(|b| b as u64),
            host.max_output_bytes as u64,
        )
        .map(|bytes| usize::try_from(bytes).unwrap_or(usize::MAX))
    };
    let stdout_bytes = output_limit("stdout limit", spec.stdout_bytes)?;
    let stderr_bytes = output_limit("stderr limit", spec.stderr_bytes)?;

    let network = policy
        .capabilities
        .network
        .iter()
        .map(|rule| rule.parse::<NetworkRule>())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if !network.is_empty() && !host.allow_network {
        return Err(PolicyError::NetworkDisabled);
    }

    let mut preopens = vec![
        Preopen {
            host_path: workspace.to_owned(),
            guest_path: GUEST_WORKSPACE.to_owned(),
            access: Access::ReadWrite,
        },
        // wasi-libc (Rust 1.95, wasi-sdk) starts with cwd "/" and ignores `initial-cwd`, so relative paths only
        // resolve through a preopen named ".". Same directory, same permissions.
        Preopen {
            host_path: workspace.to_owned(),
            guest_path: ".".to_owned(),
            access: Access::ReadWrite,
        },
    ];
    let mut seen = HashSet::new();
    for mount in &policy.capabilities.mounts {
        check_mount(mount)?;
        if !seen.insert(mount.guest_path.trim_end_matches('/')) {
            return Err(PolicyError::InvalidMount {
                guest_path: mount.guest_path.clone(),
                problem: "is mounted twice",
            });
        }
        preopens.push(Preopen {
            host_path: mount.host_path.clone(),
            guest_path: mount.guest_path.clone(),
            access: Access::ReadOnly,
        });
    }

    let programs: Vec<String> = policy.capabilities.programs.keys().cloned().collect();

    let mut args = Vec::with_capacity(spec.args.len() + 2);
    args.push(spec.runtime.clone());
    args.extend(spec.entrypoint.iter().cloned());
    args.extend(spec.args.iter().cloned());

    let mut full_env = env;
    let host_dir = format!("{GUEST_WORKSPACE}/{KRUNTIMES_DIR}");
    for (name, value) in [
        ("HOME", GUEST_WORKSPACE.to_owned()),
        ("PWD", GUEST_WORKSPACE.to_owned()),
        ("KRUNTIME_OUTPUTS", format!("{host_dir}/{OUTPUTS_FILE}")),
        (
            "KRUNTIME_ARTIFACTS_DIR",
            format!("{host_dir}/{ARTIFACTS_DIR}"),
        ),
    ] {
        full_env.push(EnvVar {
            name: name.to_owned(),
            value,
        });
    }

    Ok(Grants {
        preopens,
        args,
        env: full_env,
        network,
        programs,
        memory_bytes,
        timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        stdout_bytes,
        stderr_bytes,
    })
}

/// Validates the Run's variables; duplicates keep the last value at the first position (like Kubernetes).
fn run_env(env: &[(String, String)]) -> std::result::Result<Vec<EnvVar>, PolicyError> {
    if env.len() > MAX_ENV_VARS {
        return Err(PolicyError::TooLarge {
            field: "env",
            limit: MAX_ENV_VARS,
            unit: "entries",
        });
    }
    let mut out: Vec<EnvVar> = Vec::with_capacity(env.len());
    for (name, value) in env {
        let problem = if name.is_empty() {
            Some("name must not be empty")
        } else if name.contains('=') {
            Some("name must not contain `=`")
        } else if name.contains('\0') || value.contains('\0') {
            Some("must not contain NUL")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(PolicyError::InvalidEnv {
                name: name.clone(),
                problem,
            });
        }
        if RESERVED_ENV.contains(&name.as_str()) {
            return Err(PolicyError::ReservedEnv { name: name.clone() });
        }
        match out.iter_mut().find(|v| v.name == *name) {
            Some(existing) => existing.value.clone_from(value),
            None => out.push(EnvVar {
                name: name.clone(),
                value: value.clone(),
            }),
        }
    }
    Ok(out)
}

fn check_args(args: &[String]) -> std::result::Result<(), PolicyError> {
    if args.len() > MAX_ARGS {
        return Err(PolicyError::TooLarge {
            field: "args",
            limit: MAX_ARGS,
            unit: "entries",
        });
    }
    match args.iter().position(|a| a.contains('\0')) {
        Some(index) => Err(PolicyError::InvalidArg { index }),
        None => Ok(()),
    }
}

fn timeout(
    requested: Option<Duration>,
    limits: &RuntimeLimits,
    host: &HostConfig,
) -> std::result::Result<Duration, PolicyError> {
    let runtime_max = match limits.max_timeout {
        Some(max) if max.is_zero() => {
            return Err(PolicyError::RuntimeLimitZero {
                field: "maxTimeoutSeconds",
            });
        }
        Some(max) if max > host.max_timeout => {
            return Err(PolicyError::RuntimeLimitTooHigh {
                field: "maxTimeoutSeconds",
                requested: secs(max),
                limit: secs(host.max_timeout),
            });
        }
        Some(max) => max,
        None => host.max_timeout,
    };
    match requested {
        Some(t) if t.is_zero() => Err(PolicyError::TimeoutZero),
        Some(t) if t > runtime_max => Err(PolicyError::TimeoutTooLong {
            requested: t,
            limit: runtime_max,
            by: if limits.max_timeout.is_some() {
                "Runtime's"
            } else {
                "host's"
            },
        }),
        Some(t) => Ok(t),
        None => Ok(host.default_timeout.min(runtime_max)),
    }
}

fn bounded(
    field: &'static str,
    declared: Option<u64>,
    default: u64,
    ceiling: u64,
) -> std::result::Result<u64, PolicyError> {
    match declared {
        Some(0) => Err(PolicyError::RuntimeLimitZero { field }),
        Some(value) if value > ceiling => Err(PolicyError::RuntimeLimitTooHigh {
            field,
            requested: format_bytes(value),
            limit: format_bytes(ceiling),
        }),
        Some(value) => Ok(value),
        None => Ok(default.min(ceiling)),
    }
}

/// A limit the Run requests: at most the Runtime's declared value, or the host's ceiling when it declares none.
fn requested(
    field: &'static str,
    request: Option<u64>,
    default: u64,
    runtime: Option<u64>,
    host_max: u64,
) -> std::result::Result<u64, PolicyError> {
    let (limit, by) = match runtime {
        Some(limit) => (limit, "Runtime's"),
        None => (host_max, "host's"),
    };
    match request {
        None => Ok(default),
        Some(0) => Err(PolicyError::RequestedLimitZero { field }),
        Some(value) if value > limit => Err(PolicyError::RequestedLimitTooHigh {
            field,
            requested: format_bytes(value),
            limit: format_bytes(limit),
            by,
        }),
        Some(value) => Ok(value),
    }
}

fn check_mount(mount: &Mount) -> std::result::Result<(), PolicyError> {
    let invalid = |problem| PolicyError::InvalidMount {
        guest_path: mount.guest_path.clone(),
        problem,
    };
    if !mount.host_path.is_absolute() {
        return Err(invalid("host path must be absolute"));
    }
    let guest = Path::new(&mount.guest_path);
    let mut components = guest.components();
    if components.next() != Some(Component::RootDir) {
        return Err(invalid("guest path must be absolute"));
    }
    let mut depth = 0;
    for component in components {
        match component {
            Component::Normal(_) => depth += 1,
            _ => return Err(invalid("guest path must not contain `.` or `..`")),
        }
    }
    if depth == 0 {
        return Err(invalid("guest path must not be `/`"));
    }
    if guest.starts_with(GUEST_WORKSPACE) {
        return Err(invalid("guest path must be outside /workspace"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
