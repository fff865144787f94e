//! A node stand-in for a real control plane on loopback: it registers a Node, and for each pod the real
//! kube-scheduler binds to it, it does the kubelet's part for the images it knows: it starts each container as a
//! process of this machine (the image's program with the pod's own args and env), backs the pod's volumes with
//! directories (its ServiceAccount token from a real TokenRequest bound to the pod), probes readiness and writes
//! the pod's status the way a kubelet does (Running; Ready only when every container is ready and every readiness
//! gate holds; a process that exits is restarted and counted).
//!
//! What it does not do, and why: no containers or images (nothing is isolated; an image is a program named by
//! `--image`), no port-forward, exec or logs endpoints (they need the kubelet's streaming server; container output
//! goes to files under `<dir>/logs`), gRPC readiness probes are TCP connects, and liveness probes are not run.

pub mod spec;
pub mod status;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::StreamExt;
use k8s_openapi::api::authentication::v1::{BoundObjectReference, TokenRequest, TokenRequestSpec};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Node, Pod, Probe, Secret, ServiceAccount, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;
use kruntimes_daemon::errors;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, ResourceExt};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use spec::{Lookup, PathMap, ProcessSpec};
use status::{ContainerView, State};

/// The address every pod has: all pods share this machine's loopback.
pub const POD_IP: &str = "127.0.0.1";

/// What the stand-in runs and where.
#[derive(Debug, Clone)]
pub struct Config {
    /// Name of the Node it registers.
    pub node_name: String,
    /// Its directory: pods' volumes, logs, shared claims.
    pub dir: PathBuf,
    /// Image name (see [`spec::image_name`]) → the program that stands for it.
    pub images: BTreeMap<String, PathBuf>,
    /// Paths of the images' file systems → host directories (e.g. `/opt/kruntimes/builtins`).
    pub image_paths: Vec<(String, PathBuf)>,
    /// `emptyDir` volumes, by volume name, that every pod shares instead of getting its own (a compile cache).
    pub shared_volumes: BTreeMap<String, PathBuf>,
    /// The API server's URL, written into the pods' kubeconfigs.
    pub server: String,
    /// The CA the API server's certificate is signed by.
    pub ca_file: PathBuf,
}

struct Ctx {
    client: Client,
    config: Config,
}

/// Registers the Node and runs its pods until `shutdown`; then kills every container (pods stay as they are, like
/// a node that went away).
pub async fn run(
    client: Client,
    config: Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    for dir in ["pods", "logs", "claims"] {
        std::fs::create_dir_all(config.dir.join(dir))?;
    }
    register(&client, &config.node_name).await?;
    let ctx = Arc::new(Ctx { client, config });
    let heartbeat = tokio::spawn(heartbeat(ctx.clone()));
    let result = tokio::select! {
        result = watch_pods(ctx.clone()) => result,
        () = shutdown => Ok(()),
    };
    heartbeat.abort();
    result
}

async fn watch_pods(ctx: Arc<Ctx>) -> Result<()> {
    let pods: Api<Pod> = Api::all(ctx.client.clone());
    let config = kruntimes_daemon::watch::config()
        .fields(&format!("spec.nodeName={}", ctx.config.node_name));
    // The watcher re-lists after a lost watch or an API server restart; errors are reported, never fatal.
    let mut stream =
        std::pin::pin!(watcher(pods, config).backoff(kruntimes_daemon::watch::backoff()));
    let mut running: HashMap<String, (watch::Sender<Pod>, tokio::task::JoinHandle<()>)> =
        HashMap::new();
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                eprintln!("kruntimes-node: watching pods: {e}");
                continue;
            }
        };
        match event {
            watcher::Event::Apply(pod) | watcher::Event::InitApply(pod) => {
                let uid = pod.uid().unwrap_or_default();
                match running.get(&uid) {
                    Some((tx, _)) => {
                        let _ = tx.send(pod);
                    }
                    None => {
                        let (tx, rx) = watch::channel(pod);
                        let task = tokio::spawn(PodWorker::run(ctx.clone(), rx));
                        running.insert(uid, (tx, task));
                    }
                }
            }
            watcher::Event::Delete(pod) => {
                // Dropping the sender tells the worker the pod is gone: it kills what is left and cleans up.
                running.remove(&pod.uid().unwrap_or_default());
            }
            watcher::Event::Init | watcher::Event::InitDone => {}
        }
        running.retain(|_, (_, task)| !task.is_finished());
    }
    Ok(())
}

/// Creates the Node (or takes over one of that name) and marks it Ready.
async fn register(client: &Client, name: &str) -> Result<()> {
    let nodes: Api<Node> = Api::all(client.clone());
    let node: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "kruntimes.io/node-stand-in": "true",
        }},
    }))?;
    match nodes.create(&PostParams::default(), &node).await {
        Ok(_) => {}
        Err(e) if errors::is_already_exists(&e) => {}
        Err(e) => return Err(e).context("registering the Node"),
    }
    node_status(client, name).await
}

async fn node_status(client: &Client, name: &str) -> Result<()> {
    let now = Timestamp::now().to_string();
    let capacity =
        json!({"cpu": "16", "memory": "64Gi", "pods": "250", "ephemeral-storage": "100Gi"});
    let patch = json!({"status": {
        "capacity": capacity, "allocatable": capacity,
        "addresses": [{"type": "InternalIP", "address": POD_IP}, {"type": "Hostname", "address": name}],
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kruntimes node stand-in",
             "lastHeartbeatTime": now, "lastTransitionTime": now},
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
             "lastHeartbeatTime": now, "lastTransitionTime": now},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
             "lastHeartbeatTime": now, "lastTransitionTime": now},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
             "lastHeartbeatTime": now, "lastTransitionTime": now},
        ],
        "nodeInfo": {"kubeletVersion": "kruntimes-node", "containerRuntimeVersion": "process://",
                     "operatingSystem": "linux", "architecture": "amd64", "kernelVersion": "", "osImage": "",
                     "machineID": "", "systemUUID": "", "bootID": "", "kubeProxyVersion": ""},
    }});
    Api::<Node>::all(client.clone())
        .patch_status(name, &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .context("writing the Node's status")?;
    Ok(())
}

/// Renews the node's Lease every 10 s and its Ready condition every 40 s, as a kubelet does, so the node lifecycle
/// controller keeps it Ready.
async fn heartbeat(ctx: Arc<Ctx>) {
    let name = &ctx.config.node_name;
    let leases: Api<Lease> = Api::namespaced(ctx.client.clone(), "kube-node-lease");
    let mut tick = 0u32;
    loop {
        let now = MicroTime(Timestamp::now());
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": now},
        });
        if let Err(e) = leases
            .patch(
                name,
                &PatchParams::apply("kruntimes-node").force(),
                &Patch::Apply(&lease),
            )
            .await
        {
            eprintln!("kruntimes-node: renewing the node Lease: {e}");
        }
        if tick % 4 == 3
            && let Err(e) = node_status(&ctx.client, name).await
        {
            eprintln!("kruntimes-node: {e:#}");
        }
        tick = tick.wrapping_add(1);
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

/// One container's process and what the status says of it.
struct Running {
    container: Container,
    spec: Option<ProcessSpec>,
    child: Option<Child>,
    view: ContainerView,
    restart_at: Option<Instant>,
}

/// The kubelet's work for one pod.
struct PodWorker {
    ctx: Arc<Ctx>,
    pods: Api<Pod>,
    namespace: String,
    name: String,
    uid: String,
    dir: PathBuf,
    restart_policy: String,
    start_time: String,
    containers: Vec<Running>,
    tokens: Vec<TokenVolume>,
    last_status: Option<serde_json::Value>,
    terminating: bool,
}

/// A projected ServiceAccount token the worker keeps fresh.
struct TokenVolume {
    path: PathBuf,
    audiences: Option<Vec<String>>,
    expiration: i64,
    refresh_at: Instant,
}

impl PodWorker {
    async fn run(ctx: Arc<Ctx>, mut rx: watch::Receiver<Pod>) {
        let pod = rx.borrow_and_update().clone();
        let namespace = pod.namespace().unwrap_or_default();
        let name = pod.name_any();
        let uid = pod.uid().unwrap_or_default();
        let dir = ctx
            .config
            .dir
            .join("pods")
            .join(format!("{namespace}_{name}_{uid}"));
        let spec = pod.spec.clone().unwrap_or_default();
        let mut worker = Self {
            pods: Api::namespaced(ctx.client.clone(), &namespace),
            namespace,
            ctx,
            name,
            uid,
            dir,
            restart_policy: spec
                .restart_policy
                .clone()
                .unwrap_or_else(|| "Always".to_owned()),
            start_time: Timestamp::now().to_string(),
            containers: Vec::new(),
            tokens: Vec::new(),
            last_status: None,
            terminating: false,
        };
        if pod.metadata.deletion_timestamp.is_none() {
            worker.start(&pod).await;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        break; // the pod is gone
                    }
                    let pod = rx.borrow_and_update().clone();
                    if pod.metadata.deletion_timestamp.is_some() && !worker.terminating {
                        worker.terminating = true;
                        let grace = pod.metadata.deletion_grace_period_seconds.unwrap_or(30);
                        worker.terminate(grace).await;
                    }
                    worker.sync(&pod).await;
                }
                _ = tick.tick() => {
                    let pod = rx.borrow().clone();
                    if !worker.terminating && worker.nothing_could_start() {
                        // As a kubelet does: a missing ConfigMap, Secret or ServiceAccount may appear (e.g. the
                        // namespace's kube-root-ca.crt, published by kube-controller-manager after the pod).
                        worker.containers.clear();
                        worker.tokens.clear();
                        worker.start(&pod).await;
                    }
                    worker.sync(&pod).await;
                }
            }
        }
        worker.kill_all().await;
        let _ = tokio::fs::remove_dir_all(&worker.dir).await;
    }

    /// No container has a process, and each waits on its configuration (a volume or an env source missing).
    fn nothing_could_start(&self) -> bool {
        !self.containers.is_empty()
            && self.containers.iter().all(|c| {
                c.child.is_none()
                    && matches!(&c.view.state, State::Waiting { reason, .. } if reason == "CreateContainerConfigError")
            })
    }

    /// Volumes, then each container's process.
    async fn start(&mut self, pod: &Pod) {
        let dirs = match self.volumes(pod).await {
            Ok(dirs) => dirs,
            Err(e) => {
                self.containers = containers(pod)
                    .into_iter()
                    .map(|c| waiting(c, "CreateContainerConfigError", &format!("{e:#}")))
                    .collect();
                return;
            }
        };
        let mut lookup = ApiLookup::fetch(&self.ctx.client, pod).await;
        let mut host_ports = BTreeMap::new();
        for container in containers(pod) {
            let image = container.image.clone().unwrap_or_default();
            let Some(program) = self
                .ctx
                .config
                .images
                .get(spec::image_name(&image))
                .cloned()
            else {
                let known: Vec<&String> = self.ctx.config.images.keys().collect();
                let message =
                    format!("this node stand-in runs only the images {known:?}, not {image}");
                self.containers
                    .push(waiting(container, "ErrImagePull", &message));
                continue;
            };
            let mut env = match spec::environment(pod, &container, POD_IP, &mut lookup) {
                Ok(env) => env,
                Err(e) => {
                    self.containers
                        .push(waiting(container, "CreateContainerConfigError", &e));
                    continue;
                }
            };
            let mut container_paths = PathMap::default();
            for (from, to) in &self.ctx.config.image_paths {
                container_paths.insert(from, to.clone());
            }
            for m in container.volume_mounts.iter().flatten() {
                if let Some(dir) = dirs.get(&m.name) {
                    let dir = match m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                        Some(sub) => dir.join(sub),
                        None => dir.clone(),
                    };
                    container_paths.insert(&m.mount_path, dir);
                }
            }
            if let Some(kubeconfig) = self.kubeconfig(pod, &container, &container_paths) {
                env.insert("KUBECONFIG".to_owned(), kubeconfig.display().to_string());
            }
            let spec = spec::process(&program, &container, env, &container_paths, &mut |p| {
                *host_ports
                    .entry((container.name.clone(), p))
                    .or_insert_with(free_port)
            });
            let mut running = Running {
                view: ContainerView {
                    name: container.name.clone(),
                    image,
                    state: State::Waiting {
                        reason: "ContainerCreating".to_owned(),
                        message: String::new(),
                    },
                    last: None,
                    restarts: 0,
                    ready: false,
                },
                container,
                spec: Some(spec),
                child: None,
                restart_at: None,
            };
            self.launch(&mut running);
            self.containers.push(running);
        }
    }

    /// Starts (or restarts) a container's process.
    fn launch(&self, running: &mut Running) {
        let Some(spec) = &running.spec else { return };
        let log = self.ctx.config.dir.join("logs").join(format!(
            "{}_{}_{}.log",
            self.namespace, self.name, running.view.name
        ));
        let spawned = (|| -> std::io::Result<Child> {
            let out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)?;
            let err = out.try_clone()?;
            let mut command = Command::new(&spec.program);
            command
                .args(&spec.args)
                .env_clear()
                .envs(&spec.env)
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &self.dir)
                .current_dir(&self.dir)
                .stdin(std::process::Stdio::null())
                .stdout(out)
                .stderr(err)
                .kill_on_drop(true);
            if let Some(level) = std::env::var_os("KRUNTIMES_NODE_RUST_LOG")
                && !spec.env.contains_key("RUST_LOG")
            {
                command.env("RUST_LOG", level);
            }
            die_with_parent(&mut command);
            command.spawn()
        })();
        match spawned {
            Ok(child) => {
                running.view.state = State::Running {
                    started_at: Timestamp::now().to_string(),
                    pid: child.id().unwrap_or_default(),
                };
                running.child = Some(child);
            }
            Err(e) => {
                running.view.state = State::Waiting {
                    reason: "RunContainerError".to_owned(),
                    message: format!("starting {}: {e}", spec.program.display()),
                };
                // The kubelet keeps trying.
                running.restart_at = Some(Instant::now() + Duration::from_secs(2));
            }
        }
    }

    /// Exits, restarts, readiness, tokens; then the status if it changed.
    async fn sync(&mut self, pod: &Pod) {
        let now = Instant::now();
        let policy = self.restart_policy.clone();
        for i in 0..self.containers.len() {
            let exited = match self.containers[i].child.as_mut().map(Child::try_wait) {
                Some(Ok(Some(status))) => Some(exit_code(status)),
                _ => None,
            };
            if let Some(code) = exited {
                let running = &mut self.containers[i];
                running.child = None;
                running.view.ready = false;
                running.view.state = State::Terminated {
                    exit_code: code,
                    finished_at: Timestamp::now().to_string(),
                };
                let restart = !self.terminating
                    && (policy == "Always" || (policy == "OnFailure" && code != 0));
                if restart {
                    // The kubelet's back-off, shortened: 1 s doubling up to 10 s.
                    let delay = Duration::from_secs(1 << running.view.restarts.clamp(0, 3))
                        .min(Duration::from_secs(10));
                    running.restart_at = Some(now + delay);
                }
            }
            if let Some(at) = self.containers[i].restart_at
                && at <= now
                && !self.terminating
            {
                let mut running = std::mem::replace(&mut self.containers[i], placeholder());
                running.restart_at = None;
                running.view.last = Some(running.view.state.clone());
                running.view.restarts += 1;
                self.launch(&mut running);
                self.containers[i] = running;
            }
        }
        for running in &mut self.containers {
            running.view.ready = running.child.is_some()
                && match (&running.container.readiness_probe, &running.spec) {
                    (Some(probe), Some(spec)) => probe_ok(probe, &running.container, spec).await,
                    _ => true,
                };
        }
        self.refresh_tokens(pod).await;
        self.write_status(pod).await;
        if self.terminating && self.containers.iter().all(|c| c.child.is_none()) {
            // The kubelet's last word: the pod's containers are gone, the API server may forget it.
            let params = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: Some(self.uid.clone()),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            let _ = self.pods.delete(&self.name, &params).await;
        }
    }

    async fn write_status(&mut self, pod: &Pod) {
        if self.containers.is_empty() {
            return;
        }
        let conditions = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let gates: BTreeMap<String, bool> = pod
            .spec
            .iter()
            .flat_map(|s| s.readiness_gates.iter().flatten())
            .map(|g| {
                let holds = conditions
                    .iter()
                    .any(|c| c.type_ == g.condition_type && c.status == "True");
                (g.condition_type.clone(), holds)
            })
            .collect();
        let views: Vec<ContainerView> = self.containers.iter().map(|c| c.view.clone()).collect();
        let patch = status::status_patch(
            &views,
            &self.restart_policy,
            &gates,
            POD_IP,
            &self.start_time,
            &Timestamp::now().to_string(),
        );
        let fingerprint = status::fingerprint(&patch);
        if self.last_status.as_ref() == Some(&fingerprint) {
            return;
        }
        match self
            .pods
            .patch_status(
                &self.name,
                &PatchParams::default(),
                &Patch::Strategic(&patch),
            )
            .await
        {
            Ok(_) => self.last_status = Some(fingerprint),
            Err(e) if errors::is_not_found(&e) => {}
            Err(e) => eprintln!("kruntimes-node: status of pod {}: {e}", self.name),
        }
    }

    /// SIGTERM to every process, SIGKILL to those still running after `grace` seconds.
    async fn terminate(&mut self, grace: i64) {
        for running in &self.containers {
            if let Some(pid) = running.child.as_ref().and_then(Child::id) {
                terminate(pid);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(u64::try_from(grace).unwrap_or(0));
        while Instant::now() < deadline
            && self.containers.iter_mut().any(|c| {
                c.child
                    .as_mut()
                    .is_some_and(|ch| matches!(ch.try_wait(), Ok(None)))
            })
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn kill_all(&mut self) {
        for running in &mut self.containers {
            if let Some(mut child) = running.child.take() {
                let _ = child.kill().await;
            }
        }
    }

    /// Backs every volume of the pod with a directory: volume name → directory.
    async fn volumes(&mut self, pod: &Pod) -> Result<BTreeMap<String, PathBuf>> {
        let namespace = pod.namespace().unwrap_or_default();
        let mut dirs = BTreeMap::new();
        for volume in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            let dir = self.volume(pod, &namespace, volume).await?;
            dirs.insert(volume.name.clone(), dir);
        }
        Ok(dirs)
    }

    async fn volume(&mut self, pod: &Pod, namespace: &str, volume: &Volume) -> Result<PathBuf> {
        let own = self.dir.join("volumes").join(&volume.name);
        if volume.empty_dir.is_some() {
            let dir = self
                .ctx
                .config
                .shared_volumes
                .get(&volume.name)
                .cloned()
                .unwrap_or(own);
            tokio::fs::create_dir_all(&dir).await?;
            return Ok(dir);
        }
        if let Some(claim) = &volume.persistent_volume_claim {
            // Every pod that names a claim sees the same directory, like a ReadWriteMany volume.
            let dir = self
                .ctx
                .config
                .dir
                .join("claims")
                .join(namespace)
                .join(&claim.claim_name);
            tokio::fs::create_dir_all(&dir).await?;
            return Ok(dir);
        }
        tokio::fs::create_dir_all(&own).await?;
        if let Some(projected) = &volume.projected {
            for source in projected.sources.iter().flatten() {
                if let Some(token) = &source.service_account_token {
                    let path = own.join(&token.path);
                    let expiration = token.expiration_seconds.unwrap_or(3600);
                    let audiences = token.audience.clone().map(|a| vec![a]);
                    self.write_token(pod, &path, audiences.clone(), expiration)
                        .await?;
                    self.tokens.push(TokenVolume {
                        path,
                        audiences,
                        expiration,
                        refresh_at: refresh_time(expiration),
                    });
                }
                if let Some(cm) = &source.config_map {
                    let data = config_map_data(&self.ctx.client, namespace, &cm.name).await?;
                    write_items(&own, &data, cm.items.as_deref()).await?;
                }
                if let Some(secret) = &source.secret {
                    let data = secret_data(&self.ctx.client, namespace, &secret.name).await?;
                    write_items(&own, &data, secret.items.as_deref()).await?;
                }
                if let Some(downward) = &source.downward_api {
                    for item in downward.items.iter().flatten() {
                        if let Some(field) = &item.field_ref {
                            let value = spec::field_value(pod, &field.field_path, POD_IP)
                                .unwrap_or_default();
                            tokio::fs::write(own.join(&item.path), value).await?;
                        }
                    }
                }
            }
            return Ok(own);
        }
        if let Some(cm) = &volume.config_map {
            let data = config_map_data(&self.ctx.client, namespace, &cm.name).await?;
            write_items(&own, &data, cm.items.as_deref()).await?;
            return Ok(own);
        }
        if let Some(secret) = &volume.secret {
            let name = secret.secret_name.clone().unwrap_or_default();
            let data = secret_data(&self.ctx.client, namespace, &name).await?;
            write_items(&own, &data, secret.items.as_deref()).await?;
            return Ok(own);
        }
        anyhow::bail!(
            "volume {}: this node stand-in backs emptyDir, persistentVolumeClaim, projected, configMap and secret \
             volumes only",
            volume.name
        )
    }

    /// A TokenRequest for the pod's ServiceAccount, bound to the pod, written to `path`.
    async fn write_token(
        &self,
        pod: &Pod,
        path: &Path,
        audiences: Option<Vec<String>>,
        expiration: i64,
    ) -> Result<()> {
        let sa = pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".to_owned());
        let api: Api<ServiceAccount> = Api::namespaced(
            self.ctx.client.clone(),
            &pod.namespace().unwrap_or_default(),
        );
        let request = TokenRequest {
            spec: TokenRequestSpec {
                audiences: audiences.unwrap_or_default(),
                expiration_seconds: Some(expiration),
                bound_object_ref: Some(BoundObjectReference {
                    api_version: Some("v1".to_owned()),
                    kind: Some("Pod".to_owned()),
                    name: Some(pod.name_any()),
                    uid: pod.uid(),
                }),
            },
            ..TokenRequest::default()
        };
        let issued = api
            .create_token_request(&sa, &PostParams::default(), &request)
            .await
            .with_context(|| format!("TokenRequest for ServiceAccount {sa}"))?;
        let token = issued.status.map(|s| s.token).unwrap_or_default();
        let tmp = path.with_extension("tmp");
        tokio::fs::write(&tmp, token).await?;
        tokio::fs::rename(&tmp, path).await?;
        Ok(())
    }

    async fn refresh_tokens(&mut self, pod: &Pod) {
        let due: Vec<usize> = (0..self.tokens.len())
            .filter(|&i| self.tokens[i].refresh_at <= Instant::now())
            .collect();
        for i in due {
            let (path, audiences, expiration) = (
                self.tokens[i].path.clone(),
                self.tokens[i].audiences.clone(),
                self.tokens[i].expiration,
            );
            match self.write_token(pod, &path, audiences, expiration).await {
                Ok(()) => self.tokens[i].refresh_at = refresh_time(expiration),
                Err(e) => eprintln!(
                    "kruntimes-node: refreshing a token of pod {}: {e:#}",
                    self.name
                ),
            }
        }
    }

    /// A kubeconfig for a container that mounts a ServiceAccount token: the in-cluster configuration, as a file,
    /// since every pod here shares this machine's `/var/run/secrets`.
    fn kubeconfig(&self, pod: &Pod, container: &Container, volumes: &PathMap) -> Option<PathBuf> {
        let token_dir = container.volume_mounts.iter().flatten().find_map(|m| {
            let volume = pod
                .spec
                .as_ref()?
                .volumes
                .as_ref()?
                .iter()
                .find(|v| v.name == m.name)?;
            let projects_token = volume
                .projected
                .iter()
                .flat_map(|p| p.sources.iter().flatten())
                .any(|s| s.service_account_token.is_some());
            projects_token
                .then(|| volumes.rewrite(&m.mount_path))
                .flatten()
        })?;
        let path = self.dir.join(format!("kubeconfig-{}", container.name));
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: in-cluster\n  cluster:\n    server: {}\n    \
             certificate-authority: {}\nusers:\n- name: sa\n  user:\n    tokenFile: {token_dir}/token\ncontexts:\n\
             - name: in-cluster\n  context:\n    cluster: in-cluster\n    user: sa\n    namespace: {}\n\
             current-context: in-cluster\n",
            self.ctx.config.server,
            self.ctx.config.ca_file.display(),
            pod.namespace().unwrap_or_default(),
        );
        std::fs::write(&path, config).ok()?;
        Some(path)
    }
}

fn refresh_time(expiration: i64) -> Instant {
    Instant::now() + Duration::from_secs(u64::try_from(expiration).unwrap_or(3600) * 4 / 5)
}

async fn write_items(
    dir: &Path,
    data: &BTreeMap<String, Vec<u8>>,
    items: Option<&[k8s_openapi::api::core::v1::KeyToPath]>,
) -> Result<()> {
    match items {
        Some(items) => {
            for item in items {
                if let Some(v) = data.get(&item.key) {
                    tokio::fs::write(dir.join(&item.path), v).await?;
                }
            }
        }
        None => {
            for (k, v) in data {
                tokio::fs::write(dir.join(k), v).await?;
            }
        }
    }
    Ok(())
}

fn containers(pod: &Pod) -> Vec<Container> {
    pod.spec
        .as_ref()
        .map(|s| s.containers.clone())
        .unwrap_or_default()
}

fn waiting(container: Container, reason: &str, message: &str) -> Running {
    Running {
        view: ContainerView {
            name: container.name.clone(),
            image: container.image.clone().unwrap_or_default(),
            state: State::Waiting {
                reason: reason.to_owned(),
                message: message.to_owned(),
            },
            last: None,
            restarts: 0,
            ready: false,
        },
        container,
        spec: None,
        child: None,
        restart_at: None,
    }
}

fn placeholder() -> Running {
    waiting(Container::default(), "", "")
}

/// Secrets and ConfigMaps the containers' `env` reads, fetched once before they start.
struct ApiLookup {
    secrets: BTreeMap<String, BTreeMap<String, String>>,
    config_maps: BTreeMap<String, BTreeMap<String, String>>,
}

impl ApiLookup {
    async fn fetch(client: &Client, pod: &Pod) -> Self {
        let namespace = pod.namespace().unwrap_or_default();
        let mut lookup = Self {
            secrets: BTreeMap::new(),
            config_maps: BTreeMap::new(),
        };
        let refs = containers(pod)
            .into_iter()
            .flat_map(|c| c.env.unwrap_or_default());
        for from in refs.filter_map(|e| e.value_from) {
            if let Some(r) = from.secret_key_ref
                && !lookup.secrets.contains_key(&r.name)
            {
                // A Secret that cannot be read has no keys: a required reference to it then fails by name.
                let data = secret_data(client, &namespace, &r.name)
                    .await
                    .unwrap_or_default();
                lookup.secrets.insert(r.name, utf8(data));
            }
            if let Some(r) = from.config_map_key_ref
                && !lookup.config_maps.contains_key(&r.name)
            {
                let data = config_map_data(client, &namespace, &r.name)
                    .await
                    .unwrap_or_default();
                lookup.config_maps.insert(r.name, utf8(data));
            }
        }
        lookup
    }
}

fn utf8(data: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    data.into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect()
}

/// The data of ConfigMap `name` (a missing one is an error naming it, as the kubelet reports it).
async fn config_map_data(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let cm = api
        .get(name)
        .await
        .with_context(|| format!("ConfigMap {name}"))?;
    Ok(cm
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect())
}

/// The data of Secret `name` (a missing one is an error naming it).
async fn secret_data(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let s = api
        .get(name)
        .await
        .with_context(|| format!("Secret {name}"))?;
    Ok(s.data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect())
}

impl Lookup for ApiLookup {
    fn secret(&mut self, name: &str, key: &str) -> Option<String> {
        self.secrets.get(name)?.get(key).cloned()
    }

    fn config_map(&mut self, name: &str, key: &str) -> Option<String> {
        self.config_maps.get(name)?.get(key).cloned()
    }
}

/// Whether `probe` holds now: an HTTP GET answering 2xx/3xx, or a TCP connect for tcpSocket and gRPC probes.
async fn probe_ok(probe: &Probe, container: &Container, spec: &ProcessSpec) -> bool {
    let port_of = |port: &IntOrString| -> Option<u16> {
        let container_port = match port {
            IntOrString::Int(p) => u16::try_from(*p).ok()?,
            IntOrString::String(name) => container
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(name))
                .and_then(|p| u16::try_from(p.container_port).ok())?,
        };
        spec.ports.get(&container_port).copied()
    };
    let timeout = Duration::from_secs(1);
    if let Some(http) = &probe.http_get {
        let Some(port) = port_of(&http.port) else {
            return false;
        };
        let path = http.path.clone().unwrap_or_else(|| "/".to_owned());
        let get = async {
            let mut stream = tokio::net::TcpStream::connect((POD_IP, port)).await.ok()?;
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {POD_IP}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut head = [0u8; 12];
            stream.read_exact(&mut head).await.ok()?;
            let code: u16 = std::str::from_utf8(&head[9..12]).ok()?.parse().ok()?;
            Some((200..400).contains(&code))
        };
        return tokio::time::timeout(timeout, get)
            .await
            .ok()
            .flatten()
            .unwrap_or(false);
    }
    let port = if let Some(tcp) = &probe.tcp_socket {
        port_of(&tcp.port)
    } else if let Some(grpc) = &probe.grpc {
        u16::try_from(grpc.port)
            .ok()
            .and_then(|p| spec.ports.get(&p).copied())
    } else {
        // exec probes cannot run here: a running process counts as ready.
        return true;
    };
    let Some(port) = port else { return false };
    matches!(
        tokio::time::timeout(timeout, tokio::net::TcpStream::connect((POD_IP, port))).await,
        Ok(Ok(_))
    )
}

/// A free loopback port (the kernel's pick; released at once, so another process could take it first: good
/// enough for one test machine).
fn free_port() -> u16 {
    std::net::TcpListener::bind((POD_IP, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

#[allow(
    unsafe_code,
    reason = "kill(2) has no safe wrapper in std; the pid is our own child's"
)]
fn terminate(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    // SAFETY: kill(2) with a pid of our own child process and a valid signal number.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

/// The child is killed when this process dies, however it dies: no container outlives its node.
#[allow(
    unsafe_code,
    reason = "prctl(2) in pre_exec: std has no safe way to set a parent-death signal"
)]
fn die_with_parent(command: &mut Command) {
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
