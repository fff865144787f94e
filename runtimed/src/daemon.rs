//! runtimed's wiring: the command line ([`Args`]) and [`run`], which builds the engine and the run manager,
//! registers the runtimes named on the command line and serves the gRPC API until shutdown.
//!
//! `main.rs` only parses [`Args`], initialises tracing and calls [`run`] with the shell's shutdown signal; tests call
//! [`run`] or [`crate::server::serve`] with their own shutdown future. The shutdown protocol (stop accepting,
//! drain for `--drain-timeout-seconds`, cancel the rest, close) is documented in [`crate::server`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kruntimes_api::v1alpha1::ComponentStatus;
use kruntimes_api::v1alpha1::runtime::{ArtifactStore, Capabilities};
use tokio::net::TcpListener;

use crate::agent::{self, AgentConfig, PodIdentity};
use crate::error::{Error, Result};
use crate::fetch::{self, FetchOptions, UrlComponent};
use crate::server::{self, ServeOptions};
use kruntimes_engine::builtins::Builtin;
use kruntimes_engine::capabilities::{HostConfig, RuntimePolicy};
use kruntimes_engine::engine::{Engine, EngineConfig};
use kruntimes_engine::manager::{Manager, ManagerConfig};
use kruntimes_engine::metrics::Metrics;
use prometheus_client::registry::Registry;

/// runtimed's command line. Every flag can also be set through the environment variable shown in `--help`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "runtimed",
    version,
    about = "runtimed: runs every Run as a fresh WebAssembly component instance and serves kruntimes.runtime.v1"
)]
pub struct Args {
    /// Address of the gRPC API (Runtime, grpc.health.v1, reflection).
    #[arg(long, env = "RUNTIMED_LISTEN", default_value = "127.0.0.1:9093")]
    pub listen: SocketAddr,
    /// Address of /metrics (Prometheus text), /healthz and /readyz (ready while the gRPC API serves and has not
    /// started draining). Not served when unset.
    #[arg(long, env = "RUNTIMED_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    /// `--log-json`, as every kruntimes daemon has it.
    pub logging: kruntimes_daemon::shell::Logging,
    /// Directory of the per-Run workspaces (created if missing; runtimed must own it).
    #[arg(
        long,
        env = "RUNTIMED_WORKSPACE_ROOT",
        default_value = "/var/lib/runtimed/workspaces"
    )]
    pub workspace_root: PathBuf,
    /// Directory of precompiled components, kept across restarts.
    #[arg(
        long,
        env = "RUNTIMED_CACHE_DIR",
        default_value = "/var/lib/runtimed/cache"
    )]
    pub cache_dir: PathBuf,
    /// Most executions active at once; Execute beyond it is RESOURCE_EXHAUSTED. Also sizes the instance pools.
    #[arg(long, env = "RUNTIMED_CAPACITY", default_value_t = 64)]
    pub capacity: u32,
    /// Component instances the pooling allocator reserves (Runs plus the programs they spawn; a Runtime's
    /// `pool.instanceSlots`). Default: 2 per unit of `--capacity`.
    #[arg(long, env = "RUNTIMED_INSTANCE_SLOTS", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub instance_slots: Option<u32>,
    /// Directory of built-in runtimes to load at start (`<name>/component.wasm`, read-only mounts in
    /// `<name>/root/`; see the `builtins` module). A `--component` of the same name wins.
    #[arg(long, env = "KRUNTIMES_BUILTINS", value_name = "DIR")]
    pub builtins: Option<PathBuf>,
    /// A runtime to load at start, as NAME=PATH.wasm; repeat for several.
    #[arg(long = "component", value_name = "NAME=PATH", value_parser = parse_component)]
    pub components: Vec<Component>,
    /// A runtime to download at start, as NAME=URL (a Runtime's `component.url`); needs `--component-sha256`.
    /// Cached as `<cache-dir>/components/<sha256>.wasm` and not downloaded again while that file is intact.
    /// Loaded like a `--component` of that name; a failed download, a wrong digest or an over-size body makes
    /// runtimed exit at start.
    #[arg(long, value_name = "NAME=URL", requires = "component_sha256", value_parser = fetch::parse_url_component)]
    pub component_url: Option<UrlComponent>,
    /// The sha256 `--component-url`'s body must have (64 lowercase hex digits).
    #[arg(long, value_name = "HEX", requires = "component_url", value_parser = fetch::parse_sha256)]
    pub component_sha256: Option<String>,
    /// Largest `--component-url` body accepted (bytes, a whole quantity: 1048576, 64Ki, 256Mi, 2G).
    #[arg(long, env = "RUNTIMED_COMPONENT_MAX_BYTES", default_value = "256Mi", value_parser = parse_bytes)]
    pub component_max_bytes: u64,
    /// Time allowed for one `--component-url` download attempt, in seconds (transient failures are retried
    /// three more times with backoff).
    #[arg(
        long,
        env = "RUNTIMED_COMPONENT_DOWNLOAD_TIMEOUT_SECONDS",
        default_value_t = 300
    )]
    pub component_download_timeout_seconds: u64,
    /// Accept an http:// `--component-url` (for tests on loopback; the API admits only https).
    #[arg(long)]
    pub allow_insecure_component_url: bool,
    /// Default memory budget per Run (bytes, a whole quantity: 1048576, 64Ki, 256Mi, 2G).
    #[arg(long, env = "RUNTIMED_MEMORY_LIMIT", default_value = "256Mi", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Largest memory budget a Run may request (bytes, a whole quantity: 1048576, 64Ki, 256Mi, 2G).
    #[arg(long, env = "RUNTIMED_MAX_MEMORY", default_value = "4Gi", value_parser = parse_bytes)]
    pub max_memory: u64,
    /// Timeout of a Run that asks for none, in seconds.
    #[arg(long, env = "RUNTIMED_DEFAULT_TIMEOUT_SECONDS", default_value_t = 600)]
    pub default_timeout_seconds: u64,
    /// Longest timeout a Run may ask for, in seconds.
    #[arg(long, env = "RUNTIMED_MAX_TIMEOUT_SECONDS", default_value_t = 86_400)]
    pub max_timeout_seconds: u64,
    /// Default bytes of stdout and of stderr retained per Run (a whole quantity: 1048576, 64Ki, 1Mi).
    #[arg(long, env = "RUNTIMED_OUTPUT_LIMIT", default_value = "1Mi", value_parser = parse_bytes)]
    pub output_limit: u64,
    /// Most bytes of stdout or stderr a Run may ask to retain (a whole quantity: 1048576, 64Ki, 1Mi).
    #[arg(long, env = "RUNTIMED_MAX_OUTPUT", default_value = "16Mi", value_parser = parse_bytes)]
    pub max_output: u64,
    /// Serve the gRPC `Execute`, `Cancel` and `Forget` RPCs even when the Kubernetes agent executes this pod's Runs
    /// (without the agent they are always served: they are the only way to run anything). Off by default: anyone
    /// who can port-forward to the pod could then run code in it and cancel or forget other users' Runs.
    #[arg(long, env = "RUNTIMED_GRPC_EXECUTION")]
    pub grpc_execution: bool,
    /// Seconds active Runs may keep running after SIGTERM before they are cancelled (reason Shutdown).
    #[arg(long, env = "RUNTIMED_DRAIN_TIMEOUT_SECONDS", default_value_t = 25)]
    pub drain_timeout_seconds: u64,
    /// Name of runtimed's pod. With `--pod-namespace` and `--pod-uid` it turns on the Kubernetes agent, which
    /// executes the Runs the scheduler binds to this pod (the controller sets all three from the downward API).
    #[arg(long, env = "POD_NAME", requires_all = ["pod_namespace", "pod_uid", "agent_runtime"])]
    pub pod_name: Option<String>,
    /// Namespace of runtimed's pod (and of the Runs it executes).
    #[arg(long, env = "POD_NAMESPACE")]
    pub pod_namespace: Option<String>,
    /// UID of runtimed's pod: Runs bound to another pod of the same name are not executed here.
    #[arg(long, env = "POD_UID")]
    pub pod_uid: Option<String>,
    /// The registered runtime that executes every Run bound to this pod (a pod serves one Runtime), e.g. `bash`.
    #[arg(long, env = "RUNTIMED_AGENT_RUNTIME")]
    pub agent_runtime: Option<String>,
    /// The Runtime's `capabilities` (outbound network allow-list, read-only mounts), as JSON; granted to the
    /// runtime `--agent-runtime` names, on top of what a built-in runtime grants itself. The controller sets it.
    #[arg(long, env = "RUNTIMED_CAPABILITIES", requires = "agent_runtime", value_parser = parse_capabilities)]
    pub capabilities: Option<Capabilities>,
    /// Name of the Runtime this pod serves: with the agent, runtimed writes what it found in the component
    /// (digest, imports, problems) to that Runtime's `status.component`.
    #[arg(long, env = "RUNTIMED_RUNTIME_NAME", requires = "agent_runtime")]
    pub runtime_name: Option<String>,
    /// Where the component came from, as `status.component.source` reports it (`builtin:bash`, an image or a
    /// URL). Default: `builtin:NAME`, the URL, or the file of the runtime `--agent-runtime` names.
    #[arg(long, env = "RUNTIMED_COMPONENT_SOURCE", requires = "agent_runtime")]
    pub component_source: Option<String>,
    /// The Runtime's `artifactStore`, as JSON (the controller sets it). Without one, files a Run leaves in
    /// `$KRUNTIME_ARTIFACTS_DIR` are discarded and its status message says so.
    #[arg(long, env = kruntimes_api::consts::artifact_store::ENV, value_parser = parse_artifact_store)]
    pub artifact_store: Option<ArtifactStore>,
    /// Instead of serving: delete every artifact one Run stored in the `filesystem` store `--artifact-store`
    /// (mounted at `--artifact-store-root`), then exit. The controller's cleanup pod runs this.
    #[arg(long, value_name = "NAMESPACE/NAME/UID", requires = "artifact_store")]
    pub cleanup_artifacts: Option<String>,
    /// Where a `filesystem` artifact store's volume is mounted.
    #[arg(long, env = "RUNTIMED_ARTIFACT_STORE_ROOT", default_value = kruntimes_api::consts::artifact_store::MOUNT_PATH)]
    pub artifact_store_root: PathBuf,
}

/// A `--component NAME=PATH.wasm` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The runtime name requests use (`ExecuteRequest.runtime`).
    pub name: String,
    /// The component file.
    pub path: PathBuf,
}

fn parse_component(value: &str) -> std::result::Result<Component, String> {
    match value.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok(Component {
            name: name.to_owned(),
            path: PathBuf::from(path),
        }),
        _ => Err(format!("expected NAME=PATH.wasm, got {value:?}")),
    }
}

/// `1048576`, `64Ki`, `256Mi`, `4Gi`.
fn parse_capabilities(value: &str) -> std::result::Result<Capabilities, String> {
    let caps: Capabilities =
        serde_json::from_str(value).map_err(|e| format!("not a capabilities object: {e}"))?;
    for (i, rule) in caps.network.iter().enumerate() {
        if let Err(why) = kruntimes_api::validation::parse_network_rule(rule) {
            return Err(format!("network[{i}] {rule:?}: {why}"));
        }
    }
    Ok(caps)
}

fn parse_artifact_store(value: &str) -> std::result::Result<ArtifactStore, String> {
    serde_json::from_str(value).map_err(|e| format!("not an artifactStore object: {e}"))
}

/// A byte count written as the Runtime's quantities are (`1048576`, `64Ki`, `1.5Gi`, `2G`): the controller
/// passes them on as they are.
fn parse_bytes(value: &str) -> std::result::Result<u64, String> {
    kruntimes_api::quantity::parse_whole(value).map_err(|_| {
        format!("expected a whole byte count such as 1048576, 64Ki, 256Mi or 4Gi, got {value:?}")
    })
}

impl Args {
    /// Whether gRPC serves `Execute`, `Cancel` and `Forget`: always without the Kubernetes agent (the only way to
    /// run anything), with it only under `--grpc-execution` (Runs come from the Kubernetes API and its RBAC).
    pub fn serves_grpc_execution(&self, agent_runs: bool) -> bool {
        !agent_runs || self.grpc_execution
    }

    /// The engine configuration these flags ask for.
    pub fn engine_config(&self) -> EngineConfig {
        let defaults = EngineConfig::default();
        EngineConfig {
            max_concurrent_runs: self.capacity,
            max_memory_bytes: self.max_memory,
            instances_per_run: self
                .instance_slots
                .map_or(defaults.instances_per_run, |slots| {
                    slots.div_ceil(self.capacity.max(1)).max(1)
                }),
            ..defaults
        }
    }

    /// The Kubernetes agent's configuration, when `--pod-name` (and its companions) are set.
    pub fn agent_config(&self) -> Option<AgentConfig> {
        let pod = PodIdentity {
            name: self.pod_name.clone()?,
            namespace: self.pod_namespace.clone()?,
            uid: self.pod_uid.clone()?,
        };
        let mut config = AgentConfig::new(pod, self.agent_runtime.clone()?);
        config.artifact_store.clone_from(&self.artifact_store);
        config
            .artifact_store_root
            .clone_from(&self.artifact_store_root);
        Some(config)
    }

    /// The download limits of `--component-url`.
    pub fn fetch_options(&self) -> FetchOptions {
        FetchOptions {
            max_bytes: self.component_max_bytes,
            timeout: Duration::from_secs(self.component_download_timeout_seconds),
            allow_insecure: self.allow_insecure_component_url,
            ..FetchOptions::default()
        }
    }

    /// Every `--component` plus the downloaded `--component-url` (fetched into `--cache-dir` first).
    ///
    /// # Errors
    ///
    /// [`Error::FetchComponent`].
    pub async fn resolve_components(&self) -> Result<Vec<Component>> {
        let mut components = self.components.clone();
        if let (Some(remote), Some(sha256)) = (&self.component_url, &self.component_sha256) {
            let path =
                fetch::fetch_component(&self.cache_dir, &remote.url, sha256, &self.fetch_options())
                    .await?;
            components.push(Component {
                name: remote.name.clone(),
                path,
            });
        }
        Ok(components)
    }

    /// The run manager configuration these flags ask for.
    pub fn manager_config(&self) -> ManagerConfig {
        let bytes = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        ManagerConfig {
            workspace_root: self.workspace_root.clone(),
            cache_dir: self.cache_dir.clone(),
            host: HostConfig {
                default_timeout: Duration::from_secs(self.default_timeout_seconds),
                max_timeout: Duration::from_secs(self.max_timeout_seconds),
                default_memory_bytes: self.memory_limit,
                max_memory_bytes: self.max_memory,
                default_output_bytes: bytes(self.output_limit),
                max_output_bytes: bytes(self.max_output),
                ..HostConfig::default()
            },
            max_concurrent_runs: Some(self.capacity as usize),
            on_compile: None,
        }
    }
}

/// What [`start`] produced.
pub struct Started {
    /// The manager with every runtime registered, or why runtimed cannot start.
    pub manager: Result<Manager>,
    /// What runtimed found in the component of the runtime `--agent-runtime` names (None when there is no such
    /// flag, or runtimed failed before reading that component), also when the component was refused.
    pub component: Option<ComponentStatus>,
    /// The registry of the manager's metrics, for `--metrics-addr`.
    pub registry: Registry,
}

/// Builds the engine and the run manager and registers the built-in runtimes (`--builtins`), every
/// `--component` and the `--component-url` (downloaded first, see [`crate::fetch`]): everything of [`run`] but
/// serving. The runtime `--agent-runtime` names gets `--capabilities` on top of its own grants.
///
/// # Errors
///
/// [`Error::FetchComponent`], engine or manager construction, and the engine's (in [`Error::Engine`])
/// [`Builtin`](kruntimes_engine::Error::Builtin), [`ReadComponent`](kruntimes_engine::Error::ReadComponent),
/// [`ComponentRefused`](kruntimes_engine::Error::ComponentRefused), or a component that does not compile.
pub async fn start_manager(args: &Args) -> Result<Manager> {
    start(args).await.manager
}

/// [`start_manager`], also reporting the agent's component (see [`Started`]).
pub async fn start(args: &Args) -> Started {
    let mut component = None;
    let mut registry = Registry::default();
    let metrics = Metrics::register(&mut registry);
    let manager = register_all(args, metrics, &mut component).await;
    Started {
        manager,
        component,
        registry,
    }
}

async fn register_all(
    args: &Args,
    metrics: Metrics,
    report: &mut Option<ComponentStatus>,
) -> Result<Manager> {
    let components = args.resolve_components().await?;
    let engine = Engine::new(args.engine_config())?;
    let manager = Manager::new(engine, args.manager_config(), metrics)?;
    // Built-in runtimes first, each with its read-only mounts and the tool components its programs need; a
    // `--component` of the same name replaces one.
    let mut runtimes: Vec<(String, PathBuf, RuntimePolicy, String)> = Vec::new();
    if let Some(dir) = &args.builtins {
        for builtin in Builtin::all(dir)? {
            for registration in builtin.registrations(dir, &RuntimePolicy::default())? {
                let replaced = components.iter().any(|c| c.name == registration.name);
                let seen = runtimes.iter().any(|(name, ..)| *name == registration.name);
                if !replaced && !seen {
                    let source = format!("builtin:{}", registration.name);
                    runtimes.push((
                        registration.name,
                        registration.component,
                        registration.policy,
                        source,
                    ));
                }
            }
        }
    }
    for component in &components {
        let source = match &args.component_url {
            Some(remote) if remote.name == component.name => remote.url.clone(),
            _ => component.path.display().to_string(),
        };
        runtimes.push((
            component.name.clone(),
            component.path.clone(),
            RuntimePolicy::default(),
            source,
        ));
    }
    for (name, path, mut policy, source) in runtimes {
        let bytes = tokio::fs::read(&path).await.map_err(|source| {
            kruntimes_engine::Error::ReadComponent {
                path: path.clone(),
                source,
            }
        })?;
        if args.agent_runtime.as_deref() == Some(name.as_str()) {
            policy.apply(None, args.capabilities.as_ref());
            let source = args.component_source.clone().unwrap_or(source);
            *report = Some(kruntimes_engine::imports::describe(
                &source,
                &bytes,
                &policy.capabilities,
            ));
        }
        let mounts = policy.capabilities.mounts.len();
        let network = policy.capabilities.network.len();
        let runtime = manager.register_runtime(&name, bytes, policy).await?;
        tracing::info!(
            name,
            digest = runtime.digest(),
            mounts,
            network,
            "runtime registered"
        );
    }
    Ok(manager)
}

/// The `filesystem` artifact store of `--artifact-store`, mounted at `--artifact-store-root`, if that is the
/// kind of store this pod has.
fn filesystem_store(args: &Args) -> Result<Option<kruntimes_artifacts::Store>> {
    let Some(config) = args
        .artifact_store
        .as_ref()
        .filter(|s| s.filesystem.is_some())
    else {
        return Ok(None);
    };
    let secrets = kruntimes_artifacts::StoreSecrets {
        filesystem_root: Some(args.artifact_store_root.clone()),
        ..kruntimes_artifacts::StoreSecrets::default()
    };
    kruntimes_artifacts::Store::from_config(config, &secrets)
        .map(Some)
        .map_err(|e| Error::ArtifactStore(e.to_string()))
}

/// `--cleanup-artifacts NAMESPACE/NAME/UID`: deletes everything that Run stored in the `filesystem` store of
/// `--artifact-store`, mounted at `--artifact-store-root`, and returns how many objects went. Idempotent.
///
/// # Errors
///
/// No such flag, a malformed Run, a store that is not `filesystem`, or a failed deletion.
pub async fn cleanup_artifacts(args: &Args) -> anyhow::Result<usize> {
    let run = args
        .cleanup_artifacts
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--cleanup-artifacts is not set"))?;
    let [namespace, name, uid] = run.splitn(3, '/').collect::<Vec<_>>()[..] else {
        anyhow::bail!("--cleanup-artifacts: expected NAMESPACE/NAME/UID, got {run:?}");
    };
    let Some(config) = args
        .artifact_store
        .as_ref()
        .filter(|s| s.filesystem.is_some())
    else {
        anyhow::bail!("--cleanup-artifacts needs a filesystem --artifact-store");
    };
    let secrets = kruntimes_artifacts::StoreSecrets {
        filesystem_root: Some(args.artifact_store_root.clone()),
        ..kruntimes_artifacts::StoreSecrets::default()
    };
    let store = kruntimes_artifacts::Store::from_config(config, &secrets)?;
    Ok(store.delete_run(namespace, name, uid).await?)
}

/// Serves `/metrics`, `/healthz` and `/readyz` on `addr` for as long as the process lives: ready while the
/// manager accepts Runs (it stops when draining starts).
async fn serve_admin(addr: SocketAddr, registry: Registry, manager: Manager) -> Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    tracing::info!(addr = %listener.local_addr().unwrap_or(addr), "runtimed serving /metrics");
    tokio::spawn(kruntimes_daemon::admin::serve(
        listener,
        kruntimes_daemon::admin::registry(registry),
        Arc::new(move || manager.health().serving),
        std::future::pending(),
    ));
    Ok(())
}

/// Runs runtimed: builds the engine and the manager, loads the built-in runtimes, every `--component` and the
/// `--component-url` ([`start_manager`]), binds `--listen` and serves until `shutdown` resolves, then drains (see
/// [`crate::server`]).
///
/// # Errors
///
/// [`Error::FetchComponent`], engine or manager construction, the engine's
/// [`ReadComponent`](kruntimes_engine::Error::ReadComponent), a component that does
/// not compile, [`Error::Bind`], or a server failure.
pub async fn run(args: Args, shutdown: impl Future<Output = ()>) -> Result<()> {
    let client = match args.agent_config() {
        Some(_) => Some(
            kruntimes_daemon::client::infer()
                .await
                .map_err(|source| Error::KubeClient { source })?,
        ),
        None => None,
    };
    run_with_client(args, client, shutdown).await
}

/// [`run`] with the Kubernetes client of the agent given (in-cluster configuration is what [`run`] uses); the
/// agent runs when the pod flags are set and `client` is `Some`.
///
/// # Errors
///
/// As [`run`].
pub async fn run_with_client(
    args: Args,
    client: Option<kube::Client>,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let Started {
        manager,
        component,
        registry,
    } = start(&args).await;
    if let (Some(config), Some(client), Some(runtime), Some(component)) =
        (args.agent_config(), &client, &args.runtime_name, &component)
    {
        agent::report_component(client, &config.pod.namespace, runtime, component).await;
    }
    let manager = manager?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(args.listen);
    tracing::info!(%addr, capacity = args.capacity, "runtimed serving kruntimes.runtime.v1");
    if let Some(addr) = args.metrics_addr {
        serve_admin(addr, registry, manager.clone()).await?;
    }
    let agent = args.agent_config().is_some() && client.is_some();
    let options = ServeOptions {
        drain_timeout: Duration::from_secs(args.drain_timeout_seconds),
        artifact_store: filesystem_store(&args)?,
        execution: args.serves_grpc_execution(agent),
        ..ServeOptions::default()
    };
    match (args.agent_config(), client) {
        (Some(config), Some(client)) => {
            tracing::info!(pod = %config.pod.name, runtime = %config.runtime, "Kubernetes agent enabled");
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let agent_stopped = {
                let mut stopped = stopped.clone();
                async move {
                    let _ = stopped.wait_for(|s| *s).await;
                }
            };
            let agent = tokio::spawn(agent::run(client, manager.clone(), config, agent_stopped));
            let serving = server::serve(listener, manager, options, async move {
                shutdown.await;
                let _ = stop.send(true);
            });
            serving.await?;
            match agent.await {
                Ok(Err(err)) => tracing::error!(%err, "Kubernetes agent failed"),
                Err(err) => tracing::error!(%err, "Kubernetes agent panicked"),
                Ok(Ok(())) => {}
            }
        }
        _ => server::serve(listener, manager, options, shutdown).await?,
    }
    tracing::info!("runtimed stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::Parser;

    use super::*;

    /// Every setting the controller gives runtimed ([`kruntimes_api::runtimed::PodConfig`]) arrives in its flags:
    /// a flag renamed or re-typed on one side fails here, not in a cluster.
    #[test]
    fn the_controllers_pod_config_arrives_field_by_field() {
        use kruntimes_api::runtimed::{CleanupConfig, Limit, PodComponent, PodConfig};

        let capabilities: Capabilities =
            serde_json::from_str(r#"{"network": ["api.example.com:443"]}"#).unwrap();
        let store: ArtifactStore =
            serde_json::from_str(r#"{"filesystem": {"volumeClaimName": "pvc"}}"#).unwrap();
        let config = PodConfig {
            listen: "0.0.0.0:9091".into(),
            workspace_root: "/var/lib/runtimed/workspaces".into(),
            cache_dir: "/var/lib/runtimed/cache".into(),
            capacity: 12,
            component: Some(PodComponent::Builtin {
                dir: "/opt/kruntimes/builtins".into(),
                name: "python".into(),
            }),
            instance_slots: Some(40),
            capabilities: Some(capabilities.clone()),
            runtime_name: "py".into(),
            component_source: "builtin:python".into(),
            artifact_store: Some(store.clone()),
            memory_bytes: Some(Limit {
                default: 8 << 30,
                max: 16 << 30,
            }),
            timeout_seconds: Some(Limit {
                default: 30,
                max: 60,
            }),
            output_bytes: Some(Limit {
                default: 2 << 20,
                max: 32 << 20,
            }),
        };
        let parse = |config: &PodConfig| {
            Args::try_parse_from(std::iter::once("runtimed".to_owned()).chain(config.to_args()))
                .unwrap()
        };
        let args = parse(&config);
        assert_eq!(args.listen, "0.0.0.0:9091".parse().unwrap());
        assert_eq!(
            args.workspace_root,
            Path::new("/var/lib/runtimed/workspaces")
        );
        assert_eq!(args.cache_dir, Path::new("/var/lib/runtimed/cache"));
        assert_eq!(args.capacity, 12);
        assert_eq!(
            args.builtins.as_deref(),
            Some(Path::new("/opt/kruntimes/builtins"))
        );
        assert_eq!(args.agent_runtime.as_deref(), Some("python"));
        assert_eq!(args.instance_slots, Some(40));
        assert_eq!(args.capabilities, Some(capabilities));
        assert_eq!(args.runtime_name.as_deref(), Some("py"));
        assert_eq!(args.component_source.as_deref(), Some("builtin:python"));
        assert_eq!(args.artifact_store, Some(store.clone()));
        assert_eq!((args.memory_limit, args.max_memory), (8 << 30, 16 << 30));
        assert_eq!(
            (args.default_timeout_seconds, args.max_timeout_seconds),
            (30, 60)
        );
        assert_eq!((args.output_limit, args.max_output), (2 << 20, 32 << 20));

        let file = parse(&PodConfig {
            component: Some(PodComponent::File {
                name: "greet".into(),
                path: "/var/lib/kruntimes/component/greet.wasm".into(),
            }),
            ..config.clone()
        });
        assert_eq!(file.components.len(), 1);
        assert_eq!(file.components[0].name, "greet");
        assert_eq!(
            file.components[0].path,
            Path::new("/var/lib/kruntimes/component/greet.wasm")
        );
        assert_eq!(file.agent_runtime.as_deref(), Some("greet"));

        let sha256 = "ab".repeat(32);
        let url = parse(&PodConfig {
            component: Some(PodComponent::Url {
                name: "greet".into(),
                url: "https://example.com/greet.wasm".into(),
                sha256: sha256.clone(),
            }),
            ..config
        });
        let fetched = url.component_url.unwrap();
        assert_eq!(
            (fetched.name.as_str(), fetched.url.as_str()),
            ("greet", "https://example.com/greet.wasm")
        );
        assert_eq!(url.component_sha256, Some(sha256));

        let cleanup = CleanupConfig {
            run: "ns/r/u".into(),
            artifact_store: store.clone(),
        };
        let args =
            Args::try_parse_from(std::iter::once("runtimed".to_owned()).chain(cleanup.to_args()))
                .unwrap();
        assert_eq!(args.cleanup_artifacts.as_deref(), Some("ns/r/u"));
        assert_eq!(args.artifact_store, Some(store));
    }

    /// `--cleanup-artifacts` deletes one Run's objects from a filesystem store and refuses bad input.
    #[tokio::test]
    async fn cleanup_artifacts_deletes_one_runs_objects() {
        let root = tempfile::tempdir().unwrap();
        let store_json = r#"{"filesystem": {"volumeClaimName": "pvc", "prefix": "team"}}"#;
        let root_arg = root.path().to_string_lossy().into_owned();
        let args = |run: &str| {
            Args::try_parse_from([
                "runtimed",
                "--artifact-store",
                store_json,
                "--artifact-store-root",
                &root_arg,
                "--cleanup-artifacts",
                run,
            ])
            .unwrap()
        };
        let store = kruntimes_artifacts::Store::from_config(
            args("ns/r/u").artifact_store.as_ref().unwrap(),
            &kruntimes_artifacts::StoreSecrets {
                filesystem_root: Some(root.path().to_owned()),
                ..kruntimes_artifacts::StoreSecrets::default()
            },
        )
        .unwrap();
        for (name, uid) in [("r", "u"), ("r", "other")] {
            let run = kruntimes_artifacts::RunIdentity {
                namespace: "ns".into(),
                name: name.into(),
                uid: uid.into(),
                attempt: 1,
            };
            let file = kruntimes_artifacts::Harvested::from_bytes("a.txt", &b"a"[..]);
            store.upload(&run, &[file]).await.unwrap();
        }
        assert_eq!(cleanup_artifacts(&args("ns/r/u")).await.unwrap(), 1);
        assert_eq!(cleanup_artifacts(&args("ns/r/u")).await.unwrap(), 0);
        assert!(root.path().join("team/ns/r/other/1/a.txt").exists());
        let err = cleanup_artifacts(&args("ns/r")).await.unwrap_err();
        assert!(err.to_string().contains("NAMESPACE/NAME/UID"), "{err}");
        let s3 = Args::try_parse_from([
            "runtimed",
            "--artifact-store",
            r#"{"s3": {"bucket": "b"}}"#,
            "--cleanup-artifacts",
            "ns/r/u",
        ])
        .unwrap();
        let err = cleanup_artifacts(&s3).await.unwrap_err();
        assert!(err.to_string().contains("filesystem"), "{err}");
        assert!(
            Args::try_parse_from(["runtimed", "--cleanup-artifacts", "ns/r/u"]).is_err(),
            "--cleanup-artifacts requires --artifact-store"
        );
    }

    /// Defaults match the documented ones, and the limits reach the host config.
    #[test]
    fn flags_parse_into_engine_and_manager_config() {
        let args = Args::try_parse_from([
            "runtimed",
            "--component",
            "hello=/x/hello.wasm",
            "--component",
            "bash=b.wasm",
            "--memory-limit",
            "64Mi",
            "--output-limit",
            "4096",
            "--capacity",
            "8",
        ])
        .unwrap();
        assert_eq!(args.listen, "127.0.0.1:9093".parse().unwrap());
        assert_eq!(
            args.components,
            [
                Component {
                    name: "hello".into(),
                    path: "/x/hello.wasm".into()
                },
                Component {
                    name: "bash".into(),
                    path: "b.wasm".into()
                }
            ]
        );
        let config = args.manager_config();
        assert_eq!(config.host.default_memory_bytes, 64 << 20);
        assert_eq!(config.host.default_output_bytes, 4096);
        assert_eq!(config.host.max_memory_bytes, 4 << 30);
        assert_eq!(config.max_concurrent_runs, Some(8));
        assert_eq!(args.engine_config().max_concurrent_runs, 8);
        assert_eq!(args.engine_config().instances_per_run, 2);
        let slots = |n: &str| {
            Args::try_parse_from(["runtimed", "--capacity", "8", "--instance-slots", n])
                .map(|a| a.engine_config().instances_per_run)
        };
        assert_eq!(slots("40").unwrap(), 5);
        assert_eq!(
            slots("41").unwrap(),
            6,
            "rounded up: never fewer slots than asked"
        );
        assert_eq!(slots("3").unwrap(), 1);
        assert!(slots("0").is_err());
    }

    /// `--component-url` and `--component-sha256` go together; the download limits have their defaults.
    #[test]
    fn component_url_flags_go_together() {
        let sha = "0".repeat(64);
        let args = Args::try_parse_from([
            "runtimed",
            "--component-url",
            "tool=https://example.com/tool.wasm",
            "--component-sha256",
            &sha,
        ])
        .unwrap();
        assert_eq!(
            args.component_url,
            Some(UrlComponent {
                name: "tool".into(),
                url: "https://example.com/tool.wasm".into()
            })
        );
        assert_eq!(args.component_sha256.as_deref(), Some(sha.as_str()));
        let options = args.fetch_options();
        assert_eq!(options.max_bytes, 256 << 20);
        assert_eq!(options.timeout, Duration::from_secs(300));
        assert!(!options.allow_insecure);
        for argv in [
            &[
                "runtimed",
                "--component-url",
                "tool=https://example.com/tool.wasm",
            ][..],
            &["runtimed", "--component-sha256", &sha],
            &[
                "runtimed",
                "--component-url",
                "tool=https://x/t.wasm",
                "--component-sha256",
                "ABC",
            ],
        ] {
            assert!(Args::try_parse_from(argv).is_err(), "{argv:?}");
        }
    }

    /// gRPC execution: on without the agent, off with it unless `--grpc-execution` (or its env var) asks for it.
    #[test]
    fn grpc_execution_is_off_beside_the_agent_unless_asked_for() {
        let plain = Args::try_parse_from(["runtimed"]).unwrap();
        assert!(plain.serves_grpc_execution(false));
        assert!(!plain.serves_grpc_execution(true));
        let asked = Args::try_parse_from(["runtimed", "--grpc-execution"]).unwrap();
        assert!(asked.serves_grpc_execution(true));
    }

    /// Byte counts are whole Kubernetes quantities, as in the Runtime they come from.
    #[test]
    fn byte_counts_are_whole_quantities() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("64Ki"), Ok(64 << 10));
        assert_eq!(parse_bytes("4Gi"), Ok(4 << 30));
        assert_eq!(parse_bytes("1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_bytes("2G"), Ok(2_000_000_000));
        for bad in ["", "Mi", "12MB", "-1", "0.5", "1m"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
        }
        assert!(parse_component("noequals").is_err());
        assert!(parse_component("=x.wasm").is_err());
    }
}
