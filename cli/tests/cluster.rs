//! The cluster commands of the real `krt` binary against the in-process API server substitute
//! (`kruntimes-fakeapi`; no real API server runs in CI). The test plays runtimed: it ends the Runs it sees.
//! `krt workflow run` runs against the real controller, in-process.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;
#[path = "../../artifacts/tests/all/moto.rs"]
mod moto;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::{krt_command, text};
use kruntimes_api::v1alpha1::{Run, RunPhase, Workflow};
use kruntimes_fakeapi::{FakeApiServer, Verb};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;

const NS: &str = "team-a";

/// A kubeconfig whose current context points at `url` with namespace `team-a`.
fn kubeconfig(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters: [{{name: fake, cluster: {{server: \"{url}\"}}}}]\n\
             users: [{{name: me, user: {{}}}}]\n\
             contexts: [{{name: fake, context: {{cluster: fake, user: me, namespace: {NS}}}}}]\n"
        ),
    )
    .unwrap();
    path
}

struct Env {
    server: FakeApiServer,
    client: Client,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn start() -> Self {
        let server = FakeApiServer::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = kubeconfig(dir.path(), &server.url());
        Self {
            client: server.client(),
            server,
            config,
            _dir: dir,
        }
    }

    /// Runs `krt args...` with `KUBECONFIG` pointing at ours, to completion, off the async runtime.
    async fn krt(&self, args: &[&str]) -> Output {
        let mut command = krt_command();
        command.args(args).env("KUBECONFIG", &self.config);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// Creates Run `name` (runtime bash) and, given one, writes its status as runtimed would.
    async fn run_with_status(&self, name: &str, status: Option<serde_json::Value>) -> Run {
        let run: Run = serde_json::from_value(json!({
            "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
            "metadata": {"name": name}, "spec": {"runtime": "bash"}}))
        .unwrap();
        let run = self
            .runs()
            .create(&PostParams::default(), &run)
            .await
            .unwrap();
        match status {
            Some(status) => self
                .runs()
                .patch_status(
                    name,
                    &PatchParams::default(),
                    &Patch::Merge(json!({ "status": status })),
                )
                .await
                .unwrap(),
            None => run,
        }
    }

    fn runs(&self) -> Api<Run> {
        Api::namespaced(self.client.clone(), NS)
    }

    fn creates(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.verb == Verb::Create)
            .count()
    }
}

/// Plays runtimed (without pods, so the controller's reaper leaves these Runs alone): every Run not ended
/// moves to Running, then ends with `phase` and `greeting=<first arg>`;
/// a Run asked to cancel ends Cancelled. Runs named `hold-*` stay Running until cancelled.
fn executor(client: Client, phase: RunPhase) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let runs: Api<Run> = Api::namespaced(client, NS);
        loop {
            for run in runs
                .list(&ListParams::default())
                .await
                .map(|l| l.items)
                .unwrap_or_default()
            {
                let status = if run.phase().is_terminal() {
                    continue;
                } else if run.spec.cancel_requested == Some(true) {
                    json!({"phase": "Cancelled", "reason": "Cancelled"})
                } else if run.phase() == RunPhase::Pending || run.name_any().starts_with("hold-") {
                    if run.phase() == RunPhase::Running {
                        continue;
                    }
                    json!({"phase": "Running", "attempt": 1})
                } else {
                    let arg = run.spec.template.args.first().cloned().unwrap_or_default();
                    json!({"phase": phase.as_str(), "reason": phase.as_str(), "attempt": 1,
                           "exitCode": i32::from(phase != RunPhase::Succeeded),
                           "outputs": {"greeting": arg}})
                };
                let _ = runs
                    .patch_status(
                        &run.name_any(),
                        &PatchParams::default(),
                        &Patch::Merge(json!({"status": status})),
                    )
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    })
}

/// `krt run --wait` creates a Run with a generated name in the context's namespace, with every flag mapped to
/// its field, follows it to its end, prints its phase and outputs, and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_wait_creates_the_run_follows_it_and_exits_by_phase() {
    let env = Env::start().await;
    let exec = executor(env.client.clone(), RunPhase::Succeeded);
    let out = env
        .krt(&[
            "run",
            "--runtime",
            "bash",
            "--env",
            "MODE=fast",
            "--timeout",
            "1m30s",
            "--retries",
            "2",
            "--wait",
            "--",
            "hi there",
        ])
        .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("phase:    Succeeded"), "{stdout}");
    assert!(stdout.contains("output:   greeting=hi there"), "{stdout}");
    // Progress went to stderr as lines (not a terminal).
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("created") && stderr.contains(": Succeeded"),
        "{stderr}"
    );

    let runs = env.runs().list(&ListParams::default()).await.unwrap().items;
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert!(run.name_any().starts_with("run-"), "{}", run.name_any());
    let t = &run.spec.template;
    assert_eq!(
        (t.runtime.as_str(), t.args.as_slice()),
        ("bash", &["hi there".to_owned()][..])
    );
    assert_eq!(t.timeout_seconds, Some(90));
    assert_eq!(
        t.retry_policy.as_ref().and_then(|r| r.max_attempts),
        Some(3)
    );
    assert_eq!(
        (t.env[0].name.as_str(), t.env[0].value.as_deref()),
        ("MODE", Some("fast"))
    );

    // A failing Run: the summary says so and the exit status is 1.
    exec.abort();
    let exec = executor(env.client.clone(), RunPhase::Failed);
    let out = env.krt(&["run", "-r", "bash", "--wait", "--", "x"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("phase:    Failed"),
        "{}",
        text(&out.stdout)
    );
    exec.abort();
}

/// Bad flags are refused before any request: conflicting flags by the parser (exit 2), a bad duration or an
/// invalid Run by name of the field (exit 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_before_anything_is_created() {
    let env = Env::start().await;
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["run", "-f", "run.yaml", "--runtime", "bash"],
            2,
            "cannot be used with",
        ),
        (
            &["run", "--runtime", "bash", "--timeout", "soon"],
            1,
            "--timeout \"soon\": expected a positive duration",
        ),
        (&["run", "--runtime", "Not A Name"], 1, "spec.runtime"),
        (
            &["run", "--runtime", "bash", "--env", "KRT_SURELY_UNSET_HERE"],
            1,
            "--env \"KRT_SURELY_UNSET_HERE\": KRT_SURELY_UNSET_HERE is not set here",
        ),
    ];
    for (args, code, message) in cases {
        let out = env.krt(args).await;
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(env.creates(), 0);
}

/// `krt get` prints a table, `-o name`, `-o json` of one object; a missing one is an error naming it and the
/// namespace; an empty namespace says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_lists_and_shows_runs() {
    let env = Env::start().await;
    let out = env.krt(&["get", "runs"]).await;
    assert!(out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        "No resources found in team-a namespace."
    );
    for name in ["alpha", "beta"] {
        let run: Run = serde_json::from_value(json!({
            "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
            "metadata": {"name": name, "labels": {"team": name}}, "spec": {"runtime": "bash"}}))
        .unwrap();
        env.runs()
            .create(&PostParams::default(), &run)
            .await
            .unwrap();
    }
    let out = env.krt(&["get", "runs"]).await;
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("NAME    RUNTIME   PHASE"), "{lines:?}");
    assert!(
        lines[1].starts_with("alpha   bash      Pending"),
        "{lines:?}"
    );

    let out = env
        .krt(&["get", "r", "-l", "team=beta", "-o", "name"])
        .await;
    assert_eq!(text(&out.stdout), "run.kruntimes.io/beta\n");
    let out = env.krt(&["get", "run", "alpha", "-o", "json"]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["metadata"]["name"], "alpha");
    let out = env.krt(&["get", "run", "gamma"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Run \"gamma\": not found in namespace \"team-a\""),
        "{}",
        text(&out.stderr)
    );
    let out = env.krt(&["get", "runs", "-A", "-n", "elsewhere"]).await;
    assert!(
        text(&out.stdout).starts_with("NAMESPACE   NAME"),
        "{}",
        text(&out.stdout)
    );
    let out = env.krt(&["get", "runs", "-n", "elsewhere"]).await;
    assert_eq!(
        text(&out.stderr).trim(),
        "No resources found in elsewhere namespace."
    );
}

/// `krt cancel` asks a running Run (or Workflow) to cancel, says when there is nothing to cancel, and
/// `krt wait` returns with the phase reached: 0 when it is the one asked for, 1 otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_wait() {
    let env = Env::start().await;
    let exec = executor(env.client.clone(), RunPhase::Succeeded);
    let out = env.krt(&["run", "-r", "bash", "--name", "hold-1"]).await;
    assert_eq!(
        text(&out.stdout),
        "run.kruntimes.io/hold-1 created\n",
        "{}",
        text(&out.stderr)
    );
    let out = env
        .krt(&["wait", "hold-1", "--for", "running", "--timeout", "20s"])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hold-1 Running\n");

    let out = env.krt(&["cancel", "run/hold-1"]).await;
    assert_eq!(
        text(&out.stdout),
        "run.kruntimes.io/hold-1 cancel requested\n"
    );
    assert_eq!(
        env.runs()
            .get("hold-1")
            .await
            .unwrap()
            .spec
            .cancel_requested,
        Some(true)
    );
    let out = env
        .krt(&["wait", "hold-1", "--for", "Succeeded", "--timeout", "20s"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "hold-1 Cancelled\n");
    assert!(text(&out.stderr).contains("ended Cancelled, not Succeeded"));
    let out = env.krt(&["cancel", "hold-1"]).await;
    assert_eq!(
        text(&out.stdout),
        "run.kruntimes.io/hold-1 already ended Cancelled; nothing to cancel\n"
    );

    let out = env.krt(&["wait", "hold-1", "--for", "Done"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--for \"Done\": expected one of Pending, Scheduled"),
        "{}",
        text(&out.stderr)
    );
    let out = env.krt(&["cancel", "job/x"]).await;
    assert!(
        text(&out.stderr).contains("\"job\" is not run or workflow"),
        "{}",
        text(&out.stderr)
    );

    let out = env.krt(&["delete", "run", "hold-1", "missing"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "run.kruntimes.io/hold-1 deleted\n");
    assert!(
        text(&out.stderr).contains("\"missing\": not found"),
        "{}",
        text(&out.stderr)
    );
    exec.abort();
}

/// `krt workflow run -f --set --wait` submits a Workflow that the real controller runs (the test plays
/// runtimed), and prints its steps; `krt describe workflow` shows the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_run_submits_and_follows_a_workflow() {
    let env = Env::start().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let controller = tokio::spawn(kruntimes_controller::run(
        env.client.clone(),
        kruntimes_controller::Config {
            pool: kruntimes_controller::PoolConfig {
                default_daemon_image: "runtimed:test".to_owned(),
            },
            stale_threshold: Duration::from_secs(30),
            artifact_cleanup_timeout: kruntimes_controller::cleanup::DEFAULT_TIMEOUT,
            namespace: Some(NS.to_owned()),
            leader_election: None,
            metrics: kruntimes_controller::Metrics::default(),
            ready: Default::default(),
        },
        async {
            let _ = stopped.await;
        },
    ));
    let exec = executor(env.client.clone(), RunPhase::Succeeded);
    let manifest = env._dir.path().join("wf.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: kruntimes.io/v1alpha1\nkind: Workflow\nmetadata: {name: greet}\nspec:\n  \
         inputs: [{name: who, required: true}]\n  steps:\n  \
         - {id: first, runtime: bash, args: [\"${{ inputs.who }}\"]}\n  \
         - {id: second, needs: [first], runtime: bash, args: [\"${{ steps.first.outputs.greeting }}!\"]}\n  \
         outputs: [{name: final, value: \"${{ steps.second.outputs.greeting }}\"}]\n",
    )
    .unwrap();
    let path = manifest.to_string_lossy().into_owned();
    let out = env.krt(&["workflow", "run", "-f", &path]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("spec.arguments.who: is required"),
        "{}",
        text(&out.stderr)
    );

    let out = env
        .krt(&["workflow", "run", "-f", &path, "--set", "who=ann", "--wait"])
        .await;
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Phase:     Succeeded"), "{stdout}");
    assert!(stdout.contains("final=ann!"), "{stdout}");
    let wf: Workflow = Api::namespaced(env.client.clone(), NS)
        .get("greet")
        .await
        .unwrap();
    assert_eq!(wf.spec.arguments["who"], "ann");

    let out = env.krt(&["workflow", "get", "greet"]).await;
    assert!(
        text(&out.stdout).contains("second   Succeeded"),
        "{}",
        text(&out.stdout)
    );
    exec.abort();
    let _ = stop.send(());
    controller.await.unwrap().unwrap();
}

/// An unreachable cluster is reported with its URL and what to check; nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), "http://127.0.0.1:9");
    let out = tokio::task::spawn_blocking(move || {
        krt_command()
            .args(["get", "runs", "--kubeconfig"])
            .arg(&config)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot reach the Kubernetes API at http://127.0.0.1:9/")
            && stderr.contains("--kubeconfig"),
        "{stderr}"
    );
}

/// A runtimed serving on a free loopback port with only the bash built-in (no agent), until dropped.
struct Runtimed {
    address: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Runtimed {
    async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Runtimed::start`], with more flags.
    async fn start_with(extra: &[String]) -> Self {
        use clap::Parser as _;
        let dir = tempfile::tempdir().unwrap();
        let source =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtimes/target/builtins/bash");
        assert!(
            source.join("component.wasm").is_file(),
            "run `cargo xtask build-guests`"
        );
        let builtins = dir.path().join("builtins");
        copy_tree(&source, &builtins.join("bash"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kruntimes-component-cache");
        let args = kruntimes_runtimed::daemon::Args::try_parse_from(
            [
                "runtimed".to_owned(),
                "--listen".to_owned(),
                address.clone(),
                "--builtins".to_owned(),
                builtins.display().to_string(),
                "--workspace-root".to_owned(),
                dir.path().join("ws").display().to_string(),
                "--cache-dir".to_owned(),
                cache.display().to_string(),
            ]
            .into_iter()
            .chain(extra.iter().cloned()),
        )
        .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(kruntimes_runtimed::daemon::run_with_client(
            args,
            None,
            async {
                let _ = stopped.await;
            },
        ));
        // Serving once it accepts connections (compiling bash into an empty cache takes a while).
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        while tokio::net::TcpStream::connect(&address).await.is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "runtimed did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            address,
            stop: Some(stop),
            _dir: dir,
        }
    }

    async fn client(
        &self,
    ) -> kruntimes_proto::v1::runtime_client::RuntimeClient<tonic::transport::Channel> {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", self.address))
            .unwrap()
            .connect()
            .await
            .unwrap();
        kruntimes_proto::v1::runtime_client::RuntimeClient::new(channel)
    }
}

impl Drop for Runtimed {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `krt logs -f` follows a Run's output live from a real runtimed (at --address: the port-forward to a pod
/// needs a real API server), stdout to stdout and stderr to stderr; `--tail` and `--stdout` select; the
/// output is still there after runtimed forgot the execution.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_a_run_from_runtimed() {
    use kruntimes_proto::v1::{ExecuteRequest, ExecutionId, ForgetRequest, StatusRequest};
    let env = Env::start().await;
    let runtimed = Runtimed::start().await;
    let status = json!({"phase": "Running", "attempt": 1, "assignedPod": "runtime-bash-0"});
    let uid = env
        .run_with_status("logged", Some(status))
        .await
        .uid()
        .unwrap();
    let mut client = runtimed.client().await;
    let id = ExecutionId {
        run_uid: uid,
        attempt: 1,
    };
    client
        .execute(ExecuteRequest {
            id: Some(id.clone()),
            runtime: "bash".to_owned(),
            args: vec![
                "for i in 1 2 3; do echo line $i; sleep 0.3; done; echo oops >&2".to_owned(),
            ],
            spec_digest: "sha256:logged".to_owned(),
            ..ExecuteRequest::default()
        })
        .await
        .unwrap();
    let address = runtimed.address.clone();
    let out = env
        .krt(&["logs", "logged", "-f", "--address", &address])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "line 1\nline 2\nline 3\n");
    assert_eq!(text(&out.stderr), "oops\n");
    // Following returned only once the execution ended.
    let state = client
        .status(StatusRequest {
            id: Some(id.clone()),
        })
        .await
        .unwrap()
        .into_inner()
        .status
        .unwrap()
        .state();
    assert!(state.is_terminal(), "{state:?}");

    let out = env
        .krt(&[
            "logs",
            "logged",
            "--tail",
            "1",
            "--stdout",
            "--address",
            &address,
        ])
        .await;
    assert_eq!(text(&out.stdout), "line 3\n");
    assert_eq!(text(&out.stderr), "");

    client.forget(ForgetRequest { id: Some(id) }).await.unwrap();
    let out = env.krt(&["logs", "logged", "--address", &address]).await;
    assert_eq!(
        text(&out.stdout),
        "line 1\nline 2\nline 3\n",
        "{}",
        text(&out.stderr)
    );

    // A Run not placed yet has no logs to show, and says why.
    env.run_with_status("waiting", None).await;
    let out = env.krt(&["logs", "waiting"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Run waiting is Pending and has no pod yet"),
        "{}",
        text(&out.stderr)
    );
}

/// `krt version` shows the API server's version and the kruntimes resources it serves; `--client` asks
/// nothing; a configured but unreachable cluster is an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_reports_client_and_server() {
    let env = Env::start().await;
    let out = env.krt(&["version"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("krt:            {}\n", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    assert!(stdout.contains("Kubernetes API: v"), "{stdout}");
    assert!(
        stdout.contains("kruntimes API:  kruntimes.io/v1alpha1 (runs, runtimes, workflows)"),
        "{stdout}"
    );
    let out = env.krt(&["version", "--client"]).await;
    assert_eq!(text(&out.stdout).lines().count(), 1);

    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), "http://127.0.0.1:9");
    let out = tokio::task::spawn_blocking(move || {
        krt_command()
            .args(["version"])
            .env("KUBECONFIG", &config)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot reach the Kubernetes API"),
        "{}",
        text(&out.stderr)
    );
}

/// `krt artifact list` shows a Run's artifactRefs; `download` fetches one from its store (here a filesystem
/// store on this machine, as `krt local` writes), verifies digest and size, and refuses a tampered object
/// without writing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_are_listed_and_downloaded_with_their_digest_checked() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = kruntimes_artifacts::Store::filesystem(dir.path().join("store")).unwrap();
    let content: &'static [u8] = b"{\"ok\":true}\n";
    let identity = kruntimes_artifacts::RunIdentity {
        namespace: NS.to_owned(),
        name: "made".to_owned(),
        uid: "u-1".to_owned(),
        attempt: 1,
    };
    let refs = store
        .upload(
            &identity,
            &[kruntimes_artifacts::Harvested::from_bytes(
                "report.json",
                content,
            )],
        )
        .await
        .unwrap();
    env.run_with_status(
        "made",
        Some(json!({"phase": "Succeeded", "artifactRefs": refs})),
    )
    .await;

    let out = env.krt(&["artifact", "list", "made"]).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("NAME          SIZE   MEDIA TYPE"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "report.json   12     application/json   {}",
            refs[0].sha256
        )),
        "{stdout}"
    );

    let to = dir.path().join("out.json");
    let to_arg = to.to_string_lossy().into_owned();
    let out = env
        .krt(&[
            "artifact",
            "download",
            "made",
            "report.json",
            "--to",
            &to_arg,
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&to).unwrap(), content);
    assert!(text(&out.stdout).contains("sha256 verified"));

    // Someone changed the stored object: the download fails and writes nothing.
    let stored = refs[0].uri.strip_prefix("file://").unwrap();
    std::fs::write(stored, b"{\"ok\":false}\n").unwrap();
    let bad = dir.path().join("bad.json");
    let bad_arg = bad.to_string_lossy().into_owned();
    let out = env
        .krt(&[
            "artifact",
            "download",
            "made",
            "report.json",
            "--to",
            &bad_arg,
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("does not match its reference"),
        "{}",
        text(&out.stderr)
    );
    assert!(!bad.exists());

    let out = env.krt(&["artifact", "download", "made", "nope"]).await;
    assert!(
        text(&out.stderr).contains("Run made has no artifact \"nope\" (it has: report.json)"),
        "{}",
        text(&out.stderr)
    );
}

/// An artifact in a `filesystem` store (a claim only the Runtime's pods mount) is read through runtimed's
/// `ReadArtifact` (`--address` here; a port-forward to a pod of the Runtime by default) and verified like any
/// download; a changed object is refused and nothing is written; runtimed refuses URIs outside its store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filesystem_artifact_is_downloaded_through_runtimed() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let claim = dir.path().join("claim");
    std::fs::create_dir_all(&claim).unwrap();
    let store_json = r#"{"filesystem": {"volumeClaimName": "pvc", "prefix": "team"}}"#;
    let config: kruntimes_api::v1alpha1::runtime::ArtifactStore =
        serde_json::from_str(store_json).unwrap();
    let store = kruntimes_artifacts::Store::from_config(
        &config,
        &kruntimes_artifacts::StoreSecrets {
            filesystem_root: Some(claim.clone()),
            ..kruntimes_artifacts::StoreSecrets::default()
        },
    )
    .unwrap();
    // More than one gRPC message (64 KiB each).
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let identity = kruntimes_artifacts::RunIdentity {
        namespace: NS.to_owned(),
        name: "on-claim".to_owned(),
        uid: "u-3".to_owned(),
        attempt: 1,
    };
    let refs = store
        .upload(
            &identity,
            &[kruntimes_artifacts::Harvested::from_bytes(
                "model.bin",
                content.clone(),
            )],
        )
        .await
        .unwrap();
    env.run_with_status(
        "on-claim",
        Some(json!({"phase": "Succeeded", "artifactRefs": refs, "artifactStore": config})),
    )
    .await;
    let runtimed = Runtimed::start_with(&[
        "--artifact-store".to_owned(),
        store_json.to_owned(),
        "--artifact-store-root".to_owned(),
        claim.display().to_string(),
    ])
    .await;

    let to = dir.path().join("model.bin");
    let to_arg = to.to_string_lossy().into_owned();
    let download = |to: String| {
        let address = runtimed.address.clone();
        let env = &env;
        async move {
            env.krt(&[
                "artifact",
                "download",
                "on-claim",
                "model.bin",
                "--address",
                &address,
                "--to",
                &to,
            ])
            .await
        }
    };
    let out = download(to_arg).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&to).unwrap(), content);

    let stored = refs[0].uri.strip_prefix("file://").unwrap();
    std::fs::write(stored, b"changed").unwrap();
    let bad = dir.path().join("bad.bin");
    let out = download(bad.to_string_lossy().into_owned()).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("does not match its reference"),
        "{}",
        text(&out.stderr)
    );
    assert!(!bad.exists());

    let mut client = runtimed.client().await;
    let err = client
        .read_artifact(kruntimes_proto::v1::ReadArtifactRequest {
            uri: "file:///etc/passwd".to_owned(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    let plain = Runtimed::start().await;
    let err = plain
        .client()
        .await
        .read_artifact(kruntimes_proto::v1::ReadArtifactRequest {
            uri: refs[0].uri.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
}

/// An artifact in S3 (moto) is downloaded through the Run's Runtime's `artifactStore`, with the credentials
/// of the Secret it names, read with the user's access.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_artifact_is_downloaded_through_the_runtimes_store_and_secret() {
    kruntimes_artifacts::store::install_crypto_provider();
    let env = Env::start().await;
    let moto = moto::Moto::start().await;
    moto.create_bucket("artifacts").await;
    let store_json = json!({"s3": {"bucket": "artifacts", "prefix": "runs", "region": "eu-west-1",
        "endpoint": moto.endpoint, "forcePathStyle": true, "credentialsSecretName": "s3-credentials"}});
    let runtime: kruntimes_api::v1alpha1::Runtime = serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Runtime", "metadata": {"name": "bash"},
        "spec": {"component": {"builtin": "bash"}, "artifactStore": store_json}}))
    .unwrap();
    Api::<kruntimes_api::v1alpha1::Runtime>::namespaced(env.client.clone(), NS)
        .create(&PostParams::default(), &runtime)
        .await
        .unwrap();
    let secret: k8s_openapi::api::core::v1::Secret = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s3-credentials"},
        "stringData": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}}))
    .unwrap();
    Api::<k8s_openapi::api::core::v1::Secret>::namespaced(env.client.clone(), NS)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();

    let config: kruntimes_api::v1alpha1::runtime::ArtifactStore =
        serde_json::from_value(store_json).unwrap();
    let secrets = moto::secrets();
    let store = kruntimes_artifacts::Store::from_config(&config, &secrets).unwrap();
    let identity = kruntimes_artifacts::RunIdentity {
        namespace: NS.to_owned(),
        name: "in-s3".to_owned(),
        uid: "u-2".to_owned(),
        attempt: 1,
    };
    let refs = store
        .upload(
            &identity,
            &[kruntimes_artifacts::Harvested::from_bytes(
                "data.csv",
                &b"a,b\n1,2\n"[..],
            )],
        )
        .await
        .unwrap();
    env.run_with_status(
        "in-s3",
        Some(json!({"phase": "Succeeded", "artifactRefs": refs})),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("data.csv");
    let to_arg = to.to_string_lossy().into_owned();
    let out = env
        .krt(&["artifact", "download", "in-s3", "data.csv", "--to", &to_arg])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&to).unwrap(), b"a,b\n1,2\n");

    // Without the Secret, the error names it.
    Api::<k8s_openapi::api::core::v1::Secret>::namespaced(env.client.clone(), NS)
        .delete("s3-credentials", &Default::default())
        .await
        .unwrap();
    let out = env
        .krt(&["artifact", "download", "in-s3", "data.csv", "--to", &to_arg])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!(
            "the credentials Secret {NS}/s3-credentials does not exist"
        )),
        "{}",
        text(&out.stderr)
    );
}
