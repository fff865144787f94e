//! `cargo xtask cluster up|down|env`: a real Kubernetes control plane on loopback, without containers.
//!
//! etcd, kube-apiserver, kube-controller-manager and kube-scheduler are the upstream Go code, built from the Go
//! module proxy into one multi-call binary (`e2e/cluster`, pinned in its go.mod). They listen on free loopback
//! ports, with RBAC authorization, client-certificate and ServiceAccount-token authentication, and keep their
//! state in `target/cluster/`. `--with-kruntimes` adds the node stand-in (`kruntimes-node`, which runs each pod
//! bound to it as a process of this machine), and installs both Helm charts with the real Helm SDK: the
//! controller and the scheduler then run as the chart's pods, each with its own ServiceAccount's token, so the
//! chart's RBAC is what is tested.
//!
//! `--kubernetes v1.34` builds the same sources against an older, separately pinned dependency set
//! (`e2e/cluster/compat/v1.34.mod`) into `target/kcluster-v1.34`, with its state in `target/cluster-v1.34/`: it runs
//! beside the default cluster and never touches it. `cargo xtask compat-kubernetes` uses it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::setup::{self, run_command};

/// The Go module of the control plane.
const MODULE_DIR: &str = "e2e/cluster";
/// Name of the node stand-in's Node.
const NODE_NAME: &str = "kruntimes-node";

/// Which Kubernetes a control plane is built from. Each has its own binary and state directory, so an older one
/// can run beside the default cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum Kubernetes {
    /// The release `e2e/cluster/go.mod` pins: what the suite runs against.
    #[default]
    #[value(skip)]
    Pinned,
    /// Kubernetes 1.34.x (etcd 3.6.x) from `e2e/cluster/compat/v1.34.mod`: the oldest minor the compatibility
    /// check runs.
    #[value(name = "v1.34")]
    V1_34,
}

impl Kubernetes {
    /// The older minors `cargo xtask compat-kubernetes` checks.
    pub(crate) const OLDER: &[Self] = &[Self::V1_34];

    /// The go.mod of this build, relative to `e2e/cluster`. An older minor's go.sum sits beside its modfile
    /// (`compat/v1.34.sum`), where `go build -modfile` looks for it.
    fn modfile(self) -> &'static str {
        match self {
            Self::Pinned => "go.mod",
            Self::V1_34 => "compat/v1.34.mod",
        }
    }

    /// What the binary's and the state directory's names end with.
    fn suffix(self) -> &'static str {
        match self {
            Self::Pinned => "",
            Self::V1_34 => "-v1.34",
        }
    }

    /// The `--kubernetes` flag that selects this build, for messages (empty for the default).
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Self::Pinned => "",
            Self::V1_34 => " --kubernetes v1.34",
        }
    }

    /// Where a running cluster of this build keeps everything: `target/cluster`, `target/cluster-v1.34`.
    pub(crate) fn state_dir(self, root: &Path) -> PathBuf {
        target_dir(root).join(format!("cluster{}", self.suffix()))
    }

    /// The admin kubeconfig of the running cluster.
    pub(crate) fn kubeconfig(self, root: &Path) -> PathBuf {
        self.state_dir(root).join("pki").join("admin.kubeconfig")
    }

    /// The exact k8s.io/kubernetes version the modfile pins (`v1.34.4`).
    pub(crate) fn version(self, root: &Path) -> Result<String> {
        let file = root.join(MODULE_DIR).join(self.modfile());
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        kubernetes_version(&text).with_context(|| file.display().to_string())
    }

    /// Where [`Kubernetes::build`] puts the control-plane binary.
    pub(crate) fn binary(self, root: &Path) -> PathBuf {
        target_dir(root).join(format!("kcluster{}", self.suffix()))
    }

    /// Builds the control-plane binary, `target/kcluster` or `target/kcluster-v1.34` (seconds when the Go build
    /// cache is warm).
    pub(crate) fn build(self, root: &Path) -> Result<PathBuf> {
        self.build_with(root, &[])
    }

    /// [`Kubernetes::build`] with more environment for `go` (e.g. where its caches go).
    pub(crate) fn build_with(self, root: &Path, env: &[(&str, &Path)]) -> Result<PathBuf> {
        if Command::new("go").arg("version").output().is_err() {
            bail!(
                "`go` is not on PATH: the loopback control plane is built from Go modules (Go >= 1.26)"
            );
        }
        let out = self.binary(root);
        let module = root.join(MODULE_DIR);
        let version = self.version(root)?;
        let mut go = Command::new("go");
        go.arg("build");
        for (name, value) in env {
            go.env(name, value);
        }
        if self != Self::Pinned {
            // The same sources against another dependency set; without `-mod=mod` the build only reads the
            // modfile, so a missing pin fails instead of being resolved anew.
            go.arg(format!("-modfile={}", self.modfile()));
        }
        run_command(
            go.args(["-trimpath", "-ldflags", &version_ldflags(&version), "-o"])
                .arg(&out)
                .arg(".")
                .current_dir(module),
        )?;
        Ok(out)
    }
}

/// Where the default cluster keeps everything: `target/cluster`.
pub(crate) fn state_dir(root: &Path) -> PathBuf {
    Kubernetes::Pinned.state_dir(root)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// The admin kubeconfig of the default cluster.
pub(crate) fn kubeconfig(root: &Path) -> PathBuf {
    Kubernetes::Pinned.kubeconfig(root)
}

/// Builds the default control-plane binary, `target/kcluster`.
pub(crate) fn build(root: &Path) -> Result<PathBuf> {
    Kubernetes::Pinned.build(root)
}

/// The k8s.io/kubernetes version a go.mod pins (`v1.37.2`).
fn kubernetes_version(go_mod: &str) -> Result<String> {
    go_mod
        .lines()
        .find_map(|l| l.trim().strip_prefix("k8s.io/kubernetes v"))
        .map(|v| format!("v{}", v.split_whitespace().next().unwrap_or(v)))
        .context("go.mod pins no k8s.io/kubernetes version")
}

/// What the Kubernetes release build stamps into its binaries: without it the API server reports
/// `v0.0.0-master`, and Helm refuses charts whose `kubeVersion` asks for a real release.
fn version_ldflags(version: &str) -> String {
    let mut parts = version.trim_start_matches('v').split('.');
    let major = parts.next().unwrap_or("0");
    let minor = parts.next().unwrap_or("0");
    let pkg = "k8s.io/component-base/version";
    format!(
        "-X {pkg}.gitVersion={version} -X {pkg}.gitMajor={major} -X {pkg}.gitMinor={minor} \
         -X {pkg}.gitTreeState=clean"
    )
}

/// What `up` starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Up {
    /// Which Kubernetes.
    pub(crate) kubernetes: Kubernetes,
    /// Also the node stand-in and both charts.
    pub(crate) with_kruntimes: bool,
    /// The control-plane binary and the workspace's test build are there already (the suite built them and may
    /// have removed the build caches since): build nothing, use them.
    pub(crate) built: bool,
}

/// Starts the control plane (and, with `--with-kruntimes`, kruntimes on it) and leaves it running. Returns its
/// processes, for a caller that stays to reap them once they are stopped.
pub(crate) fn up(root: &Path, options: Up) -> Result<Vec<Child>> {
    let kubernetes = options.kubernetes;
    let dir = kubernetes.state_dir(root);
    if dir.join("pids").is_dir() && any_alive(&dir)? {
        bail!(
            "a cluster is already up in {}: `cargo xtask cluster down{}` first",
            dir.display(),
            kubernetes.flag()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["pids", "logs", "pki"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let kcluster = if options.built {
        kubernetes.binary(root)
    } else {
        kubernetes.build(root)?
    };
    let started = Instant::now();
    let mut children = Vec::new();
    let result = start_control_plane(&kcluster, &dir, &mut children).and_then(|()| {
        if options.with_kruntimes {
            start_kruntimes(root, &dir, options.built, &mut children)
        } else {
            Ok(())
        }
    });
    if let Err(e) = result {
        eprintln!(
            "cluster up failed; the logs are in {}",
            dir.join("logs").display()
        );
        let _ = stop(&dir, false);
        reap(children);
        return Err(e);
    }
    eprintln!(
        "cluster up in {:.1}s; `export KUBECONFIG={}` (or `eval $(cargo xtask cluster env{})`)",
        started.elapsed().as_secs_f64(),
        kubernetes.kubeconfig(root).display(),
        kubernetes.flag()
    );
    Ok(children)
}

fn reap(children: Vec<Child>) {
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn start_control_plane(kcluster: &Path, dir: &Path, children: &mut Vec<Child>) -> Result<()> {
    let pki = dir.join("pki");
    let etcd_port = free_port()?;
    let peer_port = free_port()?;
    let api_port = free_port()?;
    let server = format!("https://127.0.0.1:{api_port}");
    std::fs::write(dir.join("server"), &server)?;
    run_command(
        Command::new(kcluster)
            .args(["pki", "--dir"])
            .arg(&pki)
            .args(["--server", &server]),
    )?;
    let p = |name: &str| pki.join(name).display().to_string();

    let etcd_url = format!("http://127.0.0.1:{etcd_port}");
    let peer_url = format!("http://127.0.0.1:{peer_port}");
    children.push(spawn(
        dir,
        "etcd",
        Command::new(kcluster).args([
            "etcd",
            "--name=default",
            &format!("--data-dir={}", dir.join("etcd").display()),
            &format!("--listen-client-urls={etcd_url}"),
            &format!("--advertise-client-urls={etcd_url}"),
            &format!("--listen-peer-urls={peer_url}"),
            &format!("--initial-advertise-peer-urls={peer_url}"),
            &format!("--initial-cluster=default={peer_url}"),
            // A test cluster: losing it on a power cut is fine, an fsync per write is not.
            "--unsafe-no-fsync",
            "--log-level=warn",
        ]),
    )?);
    wait_http(
        &format!("127.0.0.1:{etcd_port}"),
        "/health",
        Duration::from_secs(30),
    )
    .context("etcd did not become healthy")?;
    // For the fault tests, which compact etcd's history (`kcluster compact`).
    std::fs::write(dir.join("etcd-endpoint"), &etcd_url)?;

    children.push(spawn(
        dir,
        "kube-apiserver",
        Command::new(kcluster).args([
            "kube-apiserver",
            &format!("--etcd-servers={etcd_url}"),
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            &format!("--secure-port={api_port}"),
            &format!("--cert-dir={}", dir.join("apiserver").display()),
            &format!("--tls-cert-file={}", p("apiserver.crt")),
            &format!("--tls-private-key-file={}", p("apiserver.key")),
            &format!("--client-ca-file={}", p("ca.crt")),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            &format!("--service-account-key-file={}", p("sa.pub")),
            &format!("--service-account-signing-key-file={}", p("sa.key")),
            "--authorization-mode=RBAC",
            "--service-cluster-ip-range=10.0.0.0/24",
            // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation refuses.
            "--endpoint-reconciler-type=none",
        ]),
    )?);
    run_command(
        Command::new(kcluster)
            .args(["wait", "--timeout", "120s", "--kubeconfig"])
            .arg(pki.join("admin.kubeconfig")),
    )
    .context("kube-apiserver did not become ready")?;

    children.push(spawn(
        dir,
        "kube-controller-manager",
        Command::new(kcluster).args([
            "kube-controller-manager",
            &format!("--kubeconfig={}", p("kube-controller-manager.kubeconfig")),
            "--secure-port=0",
            "--leader-elect=false",
            // Each controller as its own ServiceAccount, with the bootstrap roles a real cluster gives them.
            "--use-service-account-credentials=true",
            &format!("--service-account-private-key-file={}", p("sa.key")),
            &format!("--root-ca-file={}", p("ca.crt")),
            // Garbage collection, namespaces, Deployments, ServiceAccounts, Jobs... everything a cluster has.
            "--controllers=*",
        ]),
    )?);
    children.push(spawn(
        dir,
        "kube-scheduler",
        Command::new(kcluster).args([
            "kube-scheduler",
            &format!("--kubeconfig={}", p("kube-scheduler.kubeconfig")),
            "--secure-port=0",
            "--leader-elect=false",
        ]),
    )?);
    Ok(())
}

/// The node stand-in, then both charts through the Helm SDK (`e2e/cluster/install.py`).
fn start_kruntimes(root: &Path, dir: &Path, built: bool, children: &mut Vec<Child>) -> Result<()> {
    // The binaries of the workspace test build: `cargo test --workspace --no-run` builds them into target/debug, and
    // building them with other feature sets would compile much of the tree a second time.
    if !built {
        let mut build = Command::new("cargo");
        build
            .args(["test", "--workspace", "--locked", "--no-run"])
            .current_dir(root);
        if std::env::var_os("CARGO_INCREMENTAL").is_none() {
            build.env("CARGO_INCREMENTAL", "0");
        }
        run_command(&mut build)?;
    }
    let bin = target_dir(root).join("debug");
    for name in [
        "runtimed",
        "kruntimes-controller",
        "kruntimes-scheduler",
        "kruntimes-node",
    ] {
        if !bin.join(name).is_file() {
            bail!("{} was not built", bin.join(name).display());
        }
    }
    // The built-in runtimes, as the runtimed image holds them: bash (required) and python (the benchmark's Python
    // Runs, and bash scripts that call `python`). runtimed compiles each once into the node's shared cache.
    let builtins = dir.join("builtins");
    for name in ["bash", "python"] {
        let from = root.join(crate::BUILTINS_DIR).join(name);
        if from.join("component.wasm").is_file() {
            copy_tree(&from, &builtins.join(name))?;
        } else if name == "bash" {
            bail!(
                "{} is missing: build it with `cargo xtask build-guests --builtins-only`",
                from.display()
            );
        }
    }
    let pki = dir.join("pki");
    let server = std::fs::read_to_string(dir.join("server"))?;
    let node_dir = dir.join("node");
    let image =
        |name: &str, program: &str| format!("--image={name}={}", bin.join(program).display());
    children.push(spawn(
        dir,
        "kruntimes-node",
        Command::new(bin.join("kruntimes-node"))
            .arg("--kubeconfig")
            .arg(pki.join("admin.kubeconfig"))
            .arg("--dir")
            .arg(&node_dir)
            .args(["--server", server.trim(), "--node-name", NODE_NAME])
            .arg("--ca-file")
            .arg(pki.join("ca.crt"))
            .arg(image("runtimed", "runtimed"))
            .arg(image("controller", "kruntimes-controller"))
            .arg(image("scheduler", "kruntimes-scheduler"))
            .arg(format!(
                "--image-path=/opt/kruntimes/builtins={}",
                builtins.display()
            ))
            // Every pod compiling the same components into its own emptyDir would take minutes on 2 cores.
            .arg(format!(
                "--shared-volume=cache={}",
                node_dir.join("shared-cache").display()
            )),
    )?);
    let venv = setup::ensure_venv(root)?;
    run_command(
        Command::new(venv.join("bin").join("python"))
            .arg(root.join(MODULE_DIR).join("install.py"))
            .arg(pki.join("admin.kubeconfig"))
            .current_dir(root),
    )
    .context("installing the charts")
}

/// Stops every process of the cluster and removes its directory.
pub(crate) fn down(root: &Path, kubernetes: Kubernetes) -> Result<()> {
    let dir = kubernetes.state_dir(root);
    if !dir.exists() {
        eprintln!("no cluster in {}", dir.display());
        return Ok(());
    }
    stop(&dir, true)
}

/// Prints the environment of the running cluster, for `eval $(cargo xtask cluster env)`.
pub(crate) fn env(root: &Path, kubernetes: Kubernetes) -> Result<()> {
    let config = kubernetes.kubeconfig(root);
    if !config.is_file() {
        bail!(
            "no cluster is up in {}: `cargo xtask cluster up{}` first",
            kubernetes.state_dir(root).display(),
            kubernetes.flag()
        );
    }
    println!("export KUBECONFIG={}", config.display());
    Ok(())
}

/// A running cluster that is stopped when dropped: for the test suite.
pub(crate) struct Running {
    root: PathBuf,
    kubernetes: Kubernetes,
    children: Vec<Child>,
}

impl Running {
    /// `up --with-kruntimes`, stopped again on drop whatever happens in between. `built`: as [`Up::built`].
    pub(crate) fn start(root: &Path, built: bool) -> Result<Self> {
        Self::up(
            root,
            Up {
                kubernetes: Kubernetes::Pinned,
                with_kruntimes: true,
                built,
            },
        )
    }

    /// The bare control plane of `kubernetes` (no kruntimes), stopped and removed again on drop.
    pub(crate) fn control_plane(root: &Path, kubernetes: Kubernetes) -> Result<Self> {
        Self::up(
            root,
            Up {
                kubernetes,
                with_kruntimes: false,
                built: false,
            },
        )
    }

    fn up(root: &Path, options: Up) -> Result<Self> {
        let children = up(root, options)?;
        Ok(Self {
            root: root.to_path_buf(),
            kubernetes: options.kubernetes,
            children,
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Err(e) = down(&self.root, self.kubernetes) {
            eprintln!("stopping the cluster: {e:#}");
        }
        reap(std::mem::take(&mut self.children));
    }
}

/// Order of shutdown: workloads first, then the control plane, etcd last.
const STOP_ORDER: &[&str] = &[
    "kruntimes-node",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-apiserver",
    "etcd",
];

fn stop(dir: &Path, remove: bool) -> Result<()> {
    for name in STOP_ORDER {
        let file = dir.join("pids").join(format!("{name}.pid"));
        let Ok(pid) = std::fs::read_to_string(&file) else {
            continue;
        };
        let pid = pid.trim().to_owned();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(&pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if alive(&pid) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        let _ = std::fs::remove_file(&file);
    }
    if remove {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    Ok(())
}

fn alive(pid: &str) -> bool {
    // A zombie (exited, not yet reaped by its parent) counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z")
        })
        .unwrap_or(false)
}

fn any_alive(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir.join("pids"))? {
        let pid = std::fs::read_to_string(entry?.path())?;
        if alive(pid.trim()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Starts a component in its own process group (a Ctrl-C of `cargo xtask` does not reach it), its output in
/// `logs/<name>.log`, its pid in `pids/<name>.pid`.
fn spawn(dir: &Path, name: &str, command: &mut Command) -> Result<Child> {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create(dir.join("logs").join(format!("{name}.log")))?;
    let child = command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {name}"))?;
    std::fs::write(
        dir.join("pids").join(format!("{name}.pid")),
        child.id().to_string(),
    )?;
    eprintln!("started {name} (pid {})", child.id());
    Ok(child)
}

/// Polls `GET path` on `addr` (plain HTTP) until it answers 200.
fn wait_http(addr: &str, path: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let answered = (|| -> std::io::Result<bool> {
            let mut stream = TcpStream::connect(addr)?;
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
            let mut head = String::new();
            stream.take(64).read_to_string(&mut head)?;
            Ok(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"))
        })();
        if matches!(answered, Ok(true)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{addr}{path} did not answer 200 within {timeout:?}: {answered:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_comes_from_go_mod() {
        let go_mod = "module x\n\nrequire (\n\tgo.etcd.io/etcd/server/v3 v3.7.0\n\tk8s.io/kubernetes v1.37.2\n)\n";
        assert_eq!(kubernetes_version(go_mod).ok().as_deref(), Some("v1.37.2"));
        assert!(kubernetes_version("module x\n").is_err());
        let flags = version_ldflags("v1.37.2");
        assert!(
            flags.contains("gitVersion=v1.37.2")
                && flags.contains("gitMajor=1")
                && flags.contains("gitMinor=37")
        );
    }

    #[test]
    fn each_older_minor_builds_from_its_own_pinned_modfile() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for kubernetes in Kubernetes::OLDER {
            let minor = clap::ValueEnum::to_possible_value(kubernetes).unwrap();
            let version = kubernetes.version(root).unwrap();
            assert!(
                version.starts_with(&format!("{}.", minor.get_name())),
                "{kubernetes:?} pins k8s.io/kubernetes {version}"
            );
            let modfile = root.join(MODULE_DIR).join(kubernetes.modfile());
            assert!(modfile.with_extension("sum").is_file(), "{modfile:?}");
        }
    }

    #[test]
    fn an_older_minor_never_shares_the_default_cluster_s_directory() {
        let root = Path::new("/repo");
        for kubernetes in Kubernetes::OLDER {
            assert_ne!(kubernetes.state_dir(root), state_dir(root));
            assert!(!kubernetes.state_dir(root).starts_with(state_dir(root)));
            assert!(!kubernetes.suffix().is_empty() && !kubernetes.flag().is_empty());
        }
    }
}
