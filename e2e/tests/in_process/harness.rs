//! A cluster in one process: the API server substitute, the controller, the scheduler, and one runtimed per
//! Runtime pod, each in its own OS thread and tokio runtime so it can be killed without a goodbye.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use clap::Parser;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_fakeapi::FakeApiServer;
use kruntimes_runtimed::daemon::{self, Args};
use kube::api::{Patch, PatchParams};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use tokio::sync::oneshot;

use super::NS;

/// Directory, under the workspaces, that stands for a `filesystem` artifact store's claim in every pod.
const ARTIFACT_STORE_DIR: &str = "artifact-store";

/// What to start.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The controller's stale-pod threshold.
    pub(crate) stale_threshold: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            // The controller's default. A threshold near the 5 s heartbeat interval reaps healthy pods whose
            // heartbeat is a little late on a loaded machine (seen in CI with 5 s).
            stale_threshold: Duration::from_secs(30),
        }
    }
}

type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A component in its own thread and tokio runtime.
struct Process {
    stop: Option<oneshot::Sender<()>>,
    kill: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Process {
    /// Starts `main(client, stop)` with a client of its own (its connection tasks live in its runtime).
    fn spawn<F, Fut>(name: &str, url: String, main: F) -> Self
    where
        F: FnOnce(Client, Stop) -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (kill, kill_rx) = oneshot::channel::<()>();
        let label = name.to_owned();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(async move {
                    let client = client_for(&url);
                    let stopped: Stop = Box::pin(async move {
                        let _ = stop_rx.await;
                    });
                    tokio::select! {
                        result = main(client, stopped) => {
                            if let Err(err) = result {
                                eprintln!("{label} failed: {err:#}");
                            }
                        }
                        _ = kill_rx => {}
                    }
                });
                // Like SIGKILL: every task of this "process" is dropped where it stands.
                rt.shutdown_background();
            })
            .expect("thread");
        Self {
            stop: Some(stop),
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A running in-process cluster.
pub(crate) struct Cluster {
    /// The API server substitute (its request log, direct object access).
    pub(crate) server: FakeApiServer,
    /// A client for the tests themselves.
    pub(crate) client: Client,
    controller: Process,
    scheduler: Process,
    pods: Arc<Mutex<HashMap<String, Process>>>,
    /// The flags each pod's runtimed was started with, to restart it like a container restart.
    pod_args: Arc<Mutex<HashMap<String, Args>>>,
    url: String,
    supervisor: tokio::task::JoinHandle<()>,
    /// The directory every pod sees as the claim of a `filesystem` artifact store (like a ReadWriteMany volume).
    pub(crate) artifact_store: PathBuf,
    _workspaces: tempfile::TempDir,
}

impl Cluster {
    /// Starts the API server with the workload simulation, the controller, the scheduler and the pod supervisor
    /// (which starts runtimed for every Running Runtime pod and kills it when the pod goes).
    pub(crate) async fn start(options: Options) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("KRUNTIMES_TEST_LOG")
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let server = FakeApiServer::start().await.expect("API server substitute");
        server.simulate_workloads();
        let url = server.url();
        let client = server.client();

        let stale = options.stale_threshold;
        let controller =
            Process::spawn("controller", url.clone(), move |client, stop| async move {
                let config = kruntimes_controller::Config {
                    pool: kruntimes_controller::PoolConfig {
                        default_daemon_image: "kruntimes-runtimed:test".to_owned(),
                    },
                    stale_threshold: stale,
                    artifact_cleanup_timeout: kruntimes_controller::cleanup::DEFAULT_TIMEOUT,
                    namespace: Some(NS.to_owned()),
                    leader_election: None,
                    metrics: kruntimes_controller::Metrics::default(),
                    ready: Default::default(),
                };
                kruntimes_controller::run(client, config, stop).await
            });

        let scheduler = Process::spawn("scheduler", url.clone(), |client, stop| async move {
            let config = kruntimes_scheduler::Config {
                namespace: Some(NS.to_owned()),
                // One scheduler: nothing to elect.
                leader_elect: false,
                ..kruntimes_scheduler::Config::default()
            };
            kruntimes_scheduler::run(client, config, stop).await
        });

        let workspaces = tempfile::tempdir().expect("tempdir");
        let pods: Arc<Mutex<HashMap<String, Process>>> = Arc::default();
        let pod_args: Arc<Mutex<HashMap<String, Args>>> = Arc::default();
        let artifact_store = workspaces.path().join(ARTIFACT_STORE_DIR);
        let supervisor = tokio::spawn({
            let runtime_pods = supervise(
                client.clone(),
                url.clone(),
                pods.clone(),
                pod_args.clone(),
                workspaces.path().to_path_buf(),
            );
            let cleanup_pods = run_cleanup_pods(client.clone(), artifact_store.clone());
            async move {
                futures::join!(runtime_pods, cleanup_pods);
            }
        });
        Self {
            server,
            client,
            controller,
            scheduler,
            pods,
            pod_args,
            url,
            supervisor,
            artifact_store,
            _workspaces: workspaces,
        }
    }

    /// Kills runtimed in `pod` and starts it again in the same pod (a container restart): the new runtimed
    /// knows nothing of what the old one was executing.
    pub(crate) fn restart_runtimed(&self, pod: &str) {
        let args = self
            .pod_args
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(pod)
            .cloned()
            .expect("the pod's runtimed flags");
        // Under the lock, so the supervisor cannot start a runtimed of its own in between (the kill takes
        // a few milliseconds: the old runtime is dropped where it stands).
        let mut pods = self.pods.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = pods.get_mut(pod) {
            old.kill();
        }
        pods.insert(pod.to_owned(), start_runtimed(pod, &self.url, args));
    }

    /// Stops everything.
    pub(crate) async fn stop(self) {
        self.supervisor.abort();
        let Self {
            mut controller,
            mut scheduler,
            pods,
            ..
        } = self;
        tokio::task::spawn_blocking(move || {
            controller.stop();
            controller.kill();
            scheduler.kill();
            let pods: Vec<Process> = pods
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .drain()
                .map(|(_, p)| p)
                .collect();
            for mut p in pods {
                p.kill();
            }
        })
        .await
        .expect("stop");
    }
}

fn client_for(url: &str) -> Client {
    let config = kube::Config::new(url.parse().expect("url"));
    Client::try_from(config).expect("client")
}

/// The kubelet's part: runtimed for every Running Runtime pod, stopped when the pod is deleting, killed when it
/// is gone.
async fn supervise(
    client: Client,
    url: String,
    pods: Arc<Mutex<HashMap<String, Process>>>,
    pod_args: Arc<Mutex<HashMap<String, Args>>>,
    workspaces: PathBuf,
) {
    let api: Api<Pod> = Api::namespaced(client, NS);
    let config = watcher::Config::default().labels(kruntimes_api::consts::labels::RUNTIME);
    let stream = watcher(api, config);
    let mut stream = std::pin::pin!(stream);
    let mut warm = false;
    while let Ok(Some(event)) = stream.try_next().await {
        match event {
            watcher::Event::Apply(pod) | watcher::Event::InitApply(pod) => {
                let name = pod.name_any();
                if pod.metadata.deletion_timestamp.is_some() {
                    if let Some(p) = pods
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get_mut(&name)
                    {
                        p.stop();
                    }
                    continue;
                }
                let running =
                    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
                if running && !warm {
                    warm_cache(&pod, &workspaces.join("warm-up")).await;
                    warm = true;
                }
                let mut pods = pods.lock().unwrap_or_else(PoisonError::into_inner);
                if running && !pods.contains_key(&name) {
                    let args = runtimed_args(&pod, &workspaces.join(&name));
                    pod_args
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(name.clone(), args.clone());
                    pods.insert(name.clone(), start_runtimed(&name, &url, args));
                }
            }
            watcher::Event::Delete(pod) => {
                let process = pods
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&pod.name_any());
                if let Some(mut p) = process {
                    tokio::task::spawn_blocking(move || p.kill());
                }
            }
            _ => {}
        }
    }
}

/// Plays the kubelet for the controller's artifact-cleanup pods: runs runtimed's `--cleanup-artifacts` with the
/// pod's own arguments (its claim is `store_root`, the directory every Runtime pod mounts too) and reports the
/// pod `Succeeded`, or `Failed` with runtimed's error.
async fn run_cleanup_pods(client: Client, store_root: PathBuf) {
    let api: Api<Pod> = Api::namespaced(client, NS);
    let config =
        watcher::Config::default().labels(kruntimes_controller::cleanup::CLEANUP_POD_LABEL);
    let stream = watcher(api.clone(), config);
    let mut stream = std::pin::pin!(stream);
    let mut ran = std::collections::HashSet::new();
    while let Ok(Some(event)) = stream.try_next().await {
        let (watcher::Event::Apply(pod) | watcher::Event::InitApply(pod)) = event else {
            continue;
        };
        // The API server creates pods `Pending`; a pod runs once.
        let pending = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_none_or(|p| p == "Pending");
        if !pending || pod.metadata.deletion_timestamp.is_some() || !ran.insert(pod.uid()) {
            continue;
        }
        let mut argv = vec!["runtimed".to_owned()];
        argv.extend(
            pod.spec
                .iter()
                .flat_map(|s| s.containers.first())
                .flat_map(|c| c.args.clone().unwrap_or_default()),
        );
        argv.extend([
            "--artifact-store-root".to_owned(),
            store_root.display().to_string(),
        ]);
        let result = match Args::try_parse_from(&argv) {
            Ok(args) => daemon::cleanup_artifacts(&args)
                .await
                .map_err(|e| format!("{e:#}")),
            Err(e) => Err(e.to_string()),
        };
        let (phase, message) = match result {
            Ok(deleted) => ("Succeeded", format!("deleted {deleted} objects")),
            Err(e) => ("Failed", e),
        };
        let patch = serde_json::json!({"status": {"phase": phase, "message": message}});
        let _ = api
            .patch_status(
                &pod.name_any(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await;
    }
}

/// Compiles the pods' components into the shared cache once, before the first pod starts. A cold cache would
/// otherwise have every pod of the pool compile the same component at once: on CI's 2 cores, a fresh clone's
/// 5-pod pool was not Ready within 120 s.
async fn warm_cache(pod: &Pod, workspace: &Path) {
    let args = runtimed_args(pod, workspace);
    daemon::start_manager(&args)
        .await
        .unwrap_or_else(|e| panic!("compile the pods' components: {e}"));
}

/// runtimed for one pod, in a process of its own.
fn start_runtimed(pod: &str, url: &str, args: Args) -> Process {
    Process::spawn(pod, url.to_owned(), move |client, stop| async move {
        daemon::run_with_client(args, Some(client), stop).await?;
        Ok(())
    })
}

/// runtimed's flags exactly as the controller wrote them into the pod, with the paths a pod would have mapped
/// to this machine, the listen address on a free loopback port, and the downward API values as flags.
fn runtimed_args(pod: &Pod, workspace: &Path) -> Args {
    let container = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == "runtimed"))
        .expect("the controller's pod has a runtimed container");
    let mut args = vec!["runtimed".to_owned()];
    let mut given = container.args.clone().unwrap_or_default().into_iter();
    while let Some(flag) = given.next() {
        let value = given.next().unwrap_or_default();
        let value = match flag.as_str() {
            "--listen" => "127.0.0.1:0".to_owned(),
            "--workspace-root" => workspace.display().to_string(),
            "--cache-dir" => cache_dir().display().to_string(),
            "--builtins" => builtins_dir().display().to_string(),
            _ => value,
        };
        args.extend([flag, value]);
    }
    let store_root = workspace
        .parent()
        .expect("workspaces are under the cluster's directory")
        .join(ARTIFACT_STORE_DIR);
    args.extend([
        "--artifact-store-root".to_owned(),
        store_root.display().to_string(),
    ]);
    let meta = &pod.metadata;
    args.extend([
        "--pod-name".to_owned(),
        meta.name.clone().unwrap_or_default(),
        "--pod-namespace".to_owned(),
        meta.namespace.clone().unwrap_or_else(|| NS.to_owned()),
        "--pod-uid".to_owned(),
        meta.uid.clone().unwrap_or_default(),
    ]);
    Args::try_parse_from(&args).unwrap_or_else(|e| panic!("runtimed {args:?}: {e}"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo")
        .to_path_buf()
}

/// The component cache the host tests share (keyed by digest and engine).
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kruntimes-component-cache")
}

/// A built-ins directory holding only bash (and its tools): pods of a bash Runtime need nothing else, and
/// compiling the python runtime would only slow every pod's start.
fn builtins_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let source = repo().join("runtimes/target/builtins/bash");
        assert!(
            source.join("component.wasm").is_file(),
            "{} is missing: build it with `cargo xtask build-guests`",
            source.display()
        );
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-builtins");
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(&source, &dir.join("bash")).expect("copy the bash built-in");
        dir
    })
    .clone()
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
