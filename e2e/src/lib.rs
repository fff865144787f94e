//! End-to-end tests of the control plane: the same scenarios ([`scenarios`]) in-process on the API server
//! substitute (always run), and against a real Kubernetes cluster (opt-in).
//!
//! Every real-cluster test is `#[ignore]`d with the reason and runs only when asked, against the loopback cluster of
//! `cargo xtask cluster up --with-kruntimes` (as `cargo xtask test` does) or any disposable cluster:
//! `KRUNTIMES_E2E_KUBECONFIG=~/.kube/config cargo test -p kruntimes-e2e -- --ignored`. Each works in a temporary
//! namespace (`kruntimes-e2e-<random>`) that it deletes afterwards.

pub mod metrics;
pub mod node;
pub mod scenarios;
pub mod soak;

use std::path::PathBuf;

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

/// The variable that names the kubeconfig of the cluster to test against.
pub const KUBECONFIG_ENV: &str = "KRUNTIMES_E2E_KUBECONFIG";

/// A client for the cluster named by [`KUBECONFIG_ENV`], or a clear error when it is not set.
pub async fn client() -> Result<Client> {
    let path: PathBuf = std::env::var_os(KUBECONFIG_ENV)
        .with_context(|| format!("{KUBECONFIG_ENV} is not set: point it at the kubeconfig of a disposable test cluster"))?
        .into();
    let kubeconfig =
        Kubeconfig::read_from(&path).with_context(|| format!("reading {}", path.display()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

/// A namespace that exists for the duration of one test.
pub struct TempNamespace {
    /// Its name.
    pub name: String,
    client: Client,
}

impl TempNamespace {
    /// Creates `kruntimes-e2e-<suffix>` labelled `kruntimes.io/e2e=true`.
    pub async fn create(client: &Client) -> Result<Self> {
        let suffix = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos()
                & 0xff_ffff
        );
        let name = format!("kruntimes-e2e-{suffix}");
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"kruntimes.io/e2e": "true"}}
        }))?;
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await?;
        Ok(Self {
            name,
            client: client.clone(),
        })
    }

    /// Deletes the namespace (and everything in it).
    pub async fn delete(self) -> Result<()> {
        Api::<Namespace>::all(self.client)
            .delete(&self.name, &DeleteParams::default())
            .await?;
        Ok(())
    }
}

/// The variable that names the directory of a cluster started by `cargo xtask cluster up` (`target/cluster`):
/// the fault tests restart its processes. Unset on other clusters, where those tests say so and fail.
pub const CLUSTER_DIR_ENV: &str = "KRUNTIMES_E2E_CLUSTER_DIR";

/// A process of the loopback cluster (`etcd`, `kube-apiserver`, ...), found through its pid file.
pub struct ClusterProcess {
    dir: PathBuf,
    name: String,
}

/// The directory of the loopback cluster, from [`CLUSTER_DIR_ENV`].
fn cluster_dir() -> Result<PathBuf> {
    Ok(std::env::var_os(CLUSTER_DIR_ENV)
        .with_context(|| {
            format!("{CLUSTER_DIR_ENV} is not set: fault tests need a cluster from `cargo xtask cluster up`")
        })?
        .into())
}

/// Compacts the loopback cluster's etcd history up to its current revision (`kcluster compact`), as the API
/// server's periodic compaction does, and returns that revision: a watch resumed from an older resourceVersion
/// then gets 410 Gone.
pub async fn compact_etcd() -> Result<i64> {
    let dir = cluster_dir()?;
    let endpoint = std::fs::read_to_string(dir.join("etcd-endpoint"))
        .with_context(|| format!("reading {}", dir.join("etcd-endpoint").display()))?;
    // etcd runs as `<kcluster> etcd ...`: the multi-call binary that has the `compact` command too (its path,
    // not /proc's exe link, so that a rebuilt binary is the one run).
    let pid = std::fs::read_to_string(dir.join("pids").join("etcd.pid"))?;
    let cmdline =
        std::fs::read(format!("/proc/{}/cmdline", pid.trim())).context("etcd is not running")?;
    let kcluster =
        String::from_utf8_lossy(cmdline.split(|b| *b == 0).next().unwrap_or_default()).into_owned();
    let out = tokio::process::Command::new(kcluster)
        .args(["compact", "--endpoint", endpoint.trim()])
        .output()
        .await?;
    anyhow::ensure!(
        out.status.success(),
        "kcluster compact failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

impl ClusterProcess {
    /// The process `name` of the cluster in [`CLUSTER_DIR_ENV`].
    pub fn new(name: &str) -> Result<Self> {
        Ok(Self {
            dir: cluster_dir()?,
            name: name.to_owned(),
        })
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.join("pids").join(format!("{}.pid", self.name))
    }

    /// Kills the process at once (SIGKILL, like a crash) and starts it again with the same command line after
    /// `down_for`; its output goes on in the same log. Returns once the new process runs.
    pub async fn crash_and_restart(&self, down_for: std::time::Duration) -> Result<()> {
        use std::os::unix::process::CommandExt;
        let pid = std::fs::read_to_string(self.pid_file())
            .with_context(|| format!("reading {}", self.pid_file().display()))?;
        let pid = pid.trim();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .with_context(|| format!("{} (pid {pid}) is not running", self.name))?;
        let mut argv = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let program = argv.next().context("empty command line")?;
        let args: Vec<String> = argv.collect();
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))?;
        let status = std::process::Command::new("kill")
            .args(["-KILL", pid])
            .status()?;
        anyhow::ensure!(status.success(), "kill -KILL {pid} failed");
        while std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or_default()
                .trim_start()
                .starts_with('Z')
        }) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(down_for).await;
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.join("logs").join(format!("{}.log", self.name)))?;
        let child = std::process::Command::new(program)
            .args(args)
            .current_dir(cwd)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()?;
        std::fs::write(self.pid_file(), child.id().to_string())?;
        Ok(())
    }
}

/// The process of container `container` of pod `pod`, on a node of the stand-in `kruntimes-node`, which names the
/// process in the container ID (`kruntimes-node://<pid>`).
pub async fn container_pid(client: &Client, ns: &str, pod: &str, container: &str) -> Result<u32> {
    use k8s_openapi::api::core::v1::Pod;
    let pod: Pod = Api::namespaced(client.clone(), ns).get(pod).await?;
    let id = pod
        .status
        .and_then(|s| s.container_statuses)
        .into_iter()
        .flatten()
        .find(|c| c.name == container)
        .and_then(|c| c.container_id)
        .with_context(|| {
            format!(
                "container {container} of pod {ns}/{} has no ID",
                pod.metadata.name.unwrap_or_default()
            )
        })?;
    id.strip_prefix("kruntimes-node://")
        .and_then(|p| p.parse().ok())
        .with_context(|| {
            format!("container ID {id} is not a running process of the node stand-in (`kruntimes-node://<pid>`)")
        })
}

/// Kills (SIGKILL, like a crash or the OOM killer) the process of container `container` of pod `pod`
/// ([`container_pid`]); the stand-in then restarts the container as a kubelet would. Returns the killed pid.
pub async fn kill_container(client: &Client, ns: &str, pod: &str, container: &str) -> Result<u32> {
    let pid = container_pid(client, ns, pod, container).await?;
    let status = tokio::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .await?;
    anyhow::ensure!(status.success(), "kill -KILL {pid} failed");
    Ok(pid)
}
