//! The real `krt` binary's cluster commands against a real API server with kruntimes installed: what a user types
//! after `helm install`. The same commands run against the API server substitute in `cli/tests/cluster.rs`, where
//! the test plays runtimed; here the real controller, scheduler and runtimed do the work.
//!
//! Not here: `krt logs` and `krt artifact download` of a filesystem store, which reach runtimed through a pod
//! port-forward. The loopback cluster's node stand-in has no kubelet streaming server, so the API server cannot
//! forward to its pods (ADR 0010); `cli/tests/cluster.rs` tests both against runtimed's real gRPC server.
//!
//! Opt-in: `KRUNTIMES_E2E_KUBECONFIG=... cargo test -p kruntimes-e2e --test krt -- --ignored` (needs
//! `target/debug/krt`, which `cargo xtask cluster up --with-kruntimes` builds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use kruntimes_e2e::{KUBECONFIG_ENV, TempNamespace, client, scenarios};

#[path = "../../artifacts/tests/all/moto.rs"]
mod moto;

/// The `krt` of this build, beside this test's executable (`target/debug/deps/krt-<hash>` → `target/debug/krt`).
fn krt_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("krt"))
        .unwrap();
    assert!(
        path.is_file(),
        "{} is missing: `cargo build -p krt` (cargo xtask cluster up --with-kruntimes builds it)",
        path.display()
    );
    path
}

/// Runs `krt args...` in namespace `ns` (`-n` goes before a `--`, after which everything is the Run's) with the
/// test cluster's kubeconfig, to completion, off the async runtime.
async fn krt(ns: &str, args: &[&str]) -> Output {
    let at = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let mut command = std::process::Command::new(krt_path());
    command
        .args(&args[..at])
        .args(["-n", ns])
        .args(&args[at..])
        .env("KUBECONFIG", std::env::var_os(KUBECONFIG_ENV).unwrap());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `krt run --wait` creates a Run that really executes and prints its result and output; `krt get` and `krt
/// describe` show it; `krt wait`/`krt cancel` follow and end a long Run; `krt version` names the real API server.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn krt_runs_follows_and_cancels_runs_on_a_real_cluster() {
    let (client, temp) = namespace_with_bash().await;
    let ns = &temp.name.clone();

    let script = r#"echo "greeting=$(echo hi there)" >> "$KRUNTIME_OUTPUTS"; echo to-stdout"#;
    let out = krt(
        ns,
        &[
            "run",
            "--runtime",
            "bash",
            "--name",
            "greet",
            "--wait",
            "--",
            script,
        ],
    )
    .await;
    let stdout = succeeded(&out);
    assert!(stdout.contains("phase:    Succeeded"), "{stdout}");
    assert!(stdout.contains("output:   greeting=hi there"), "{stdout}");

    let stdout = succeeded(&krt(ns, &["get", "runs"]).await);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("greet "))
        .unwrap_or_else(|| panic!("no line for greet in:\n{stdout}"));
    assert!(line.contains("Succeeded"), "{line}");
    let stdout = succeeded(&krt(ns, &["describe", "run", "greet"]).await);
    assert!(stdout.contains("Succeeded"), "{stdout}");
    assert!(stdout.contains("greeting"), "{stdout}");

    let out = krt(
        ns,
        &["run", "-r", "bash", "--name", "hold", "--", "sleep 60"],
    )
    .await;
    assert_eq!(succeeded(&out), "run.kruntimes.io/hold created\n");
    let out = krt(
        ns,
        &["wait", "hold", "--for", "running", "--timeout", "60s"],
    )
    .await;
    assert_eq!(succeeded(&out), "hold Running\n");
    let out = krt(ns, &["cancel", "run/hold"]).await;
    assert_eq!(succeeded(&out), "run.kruntimes.io/hold cancel requested\n");
    let out = krt(
        ns,
        &["wait", "hold", "--for", "Succeeded", "--timeout", "60s"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hold Cancelled\n");
    assert!(
        text(&out.stderr).contains("ended Cancelled, not Succeeded"),
        "{}",
        text(&out.stderr)
    );

    let server = client.apiserver_version().await.unwrap().git_version;
    let stdout = succeeded(&krt(ns, &["version"]).await);
    assert!(
        stdout.contains(&server),
        "krt version does not name {server}:\n{stdout}"
    );

    let out = krt(ns, &["delete", "run", "greet", "hold"]).await;
    assert_eq!(
        succeeded(&out),
        "run.kruntimes.io/greet deleted\nrun.kruntimes.io/hold deleted\n"
    );
    temp.delete().await.unwrap();
}

/// `krt mcp --cluster` as an agent's tool server on the real cluster: a call is a Run in the namespace, created,
/// watched to its end and deleted; results carry phase, exit code and outputs from the Run's status; what only the
/// embedded engine can do is refused by field; the process ends when its client closes stdin.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn krt_mcp_serves_tool_calls_as_runs_on_a_real_cluster() {
    use kruntimes_api::v1alpha1::{Run, Workflow};
    use kube::ResourceExt;
    use kube::api::{Api, ListParams};
    use serde_json::json;

    let (client, temp) = namespace_with_bash().await;
    let ns = &temp.name.clone();

    let (mut server, mut mcp) = McpClient::start(ns).await;
    let tools = mcp.request("tools/list", json!({})).await;
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"run_bash") && names.contains(&"run"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"run_python"),
        "the namespace has no python Runtime: {names:?}"
    );

    let call = |code: &str| json!({"name": "run_bash", "arguments": {"code": code, "timeout_seconds": 60}});
    let ok = mcp
        .request(
            "tools/call",
            call(r#"echo "n=$((6 * 7))" >> "$KRUNTIME_OUTPUTS"; echo hi"#),
        )
        .await;
    let result = &ok["result"]["structuredContent"];
    assert_eq!(result["phase"], "Succeeded", "{ok}");
    assert_eq!(result["exit_code"], 0, "{ok}");
    assert_eq!(result["outputs"], json!({"n": "42"}), "{ok}");
    // The output comes from runtimed through a port-forward of the Run's pod, which the loopback cluster's node
    // stand-in cannot serve (ADR 0010): then the result says so instead of returning nothing silently.
    let stdout_read = result["stdout"] == "hi\n";
    let said = result["message"]
        .as_str()
        .unwrap()
        .contains("output not available");
    assert!(stdout_read || said, "{ok}");

    let failed = mcp
        .request("tools/call", call("echo bad >&2; exit 3"))
        .await;
    let result = &failed["result"]["structuredContent"];
    assert_eq!(
        (&result["phase"], &result["reason"], &result["exit_code"]),
        (&json!("Failed"), &json!("ExitCode"), &json!(3)),
        "{failed}"
    );

    let refused = mcp
        .request(
            "tools/call",
            json!({"name": "run_bash", "arguments": {"code": "true", "files": {"a": "b"}}}),
        )
        .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("files: not available with --cluster"),
        "{refused}"
    );

    // A Workflow: the controller runs its steps as Runs; one step's output feeds the next one's argument.
    let workflow = mcp
        .request(
            "tools/call",
            json!({"name": "run_workflow", "arguments": {"spec": {"steps": [
                {"id": "make", "runtime": "bash", "source": {"inline": "echo \"n=21\" >> \"$KRUNTIME_OUTPUTS\""}},
                {"id": "double", "needs": ["make"], "runtime": "bash", "args": ["${{ steps.make.outputs.n }}"],
                 "source": {"inline": "echo \"n=$(( $1 * 2 ))\" >> \"$KRUNTIME_OUTPUTS\""}},
            ]}}}),
        )
        .await;
    let result = &workflow["result"]["structuredContent"];
    assert_eq!(result["phase"], "Succeeded", "{workflow}");
    let steps = result["steps"].as_array().unwrap();
    assert_eq!(
        steps
            .iter()
            .map(|s| (&s["id"], &s["phase"]))
            .collect::<Vec<_>>(),
        [
            (&json!("make"), &json!("Succeeded")),
            (&json!("double"), &json!("Succeeded"))
        ],
        "{workflow}"
    );
    assert_eq!(steps[1]["outputs"], json!({"n": "42"}), "{workflow}");

    // Every call's Run and Workflow is deleted once it has answered, the Workflow's step Runs with it (they carry
    // no label of ours: the namespace is this test's own, so none may be left at all).
    let runs: Api<Run> = Api::namespaced(client.clone(), ns);
    let workflows: Api<Workflow> = Api::namespaced(client.clone(), ns);
    let label = ListParams::default().labels("app.kubernetes.io/created-by=krt-mcp");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = runs.list(&ListParams::default()).await.unwrap().items.len()
            + workflows.list(&label).await.unwrap().items.len();
        if left == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left} Runs or Workflows of krt mcp are left"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // A server told to stop (SIGTERM) deletes the Run of a call still in flight before it exits.
    let in_flight = call("sleep 55");
    mcp.send(
        &json!({"jsonrpc": "2.0", "id": "in-flight", "method": "tools/call", "params": in_flight}),
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while runs.list(&label).await.unwrap().items.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the call's Run was not created"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pid = server.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("krt mcp ends on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    // Deleted, not only asked to be: a Run's finalizer may hold it a moment while its execution stops.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = runs.list(&label).await.unwrap().items;
        if left.is_empty() {
            break;
        }
        assert!(
            left.iter()
                .all(|run| run.metadata.deletion_timestamp.is_some()),
            "a Run of the stopped server was not deleted: {:?}",
            left.iter().map(ResourceExt::name_any).collect::<Vec<_>>()
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the in-flight call's Run is still there"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(mcp);
}

/// `krt mcp --cluster` returns a Run's and a Workflow step's artifacts as resources: the Runtime stores them in a
/// real S3-compatible server (moto); the call copies them, verified, before its Run (and with it the stored
/// objects) is deleted, and `resources/read` returns the copy.
#[tokio::test]
#[ignore = "needs cluster: set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn krt_mcp_returns_a_runs_artifacts_as_resources() {
    use kruntimes_api::v1alpha1::Runtime;
    use kube::api::{Api, PostParams};
    use serde_json::json;

    let client = client().await.unwrap();
    let temp = TempNamespace::create(&client).await.unwrap();
    let ns = &temp.name.clone();
    let moto = moto::Moto::start().await;
    moto.create_bucket(scenarios::S3_BUCKET).await;
    scenarios::create_s3_secret(&client, ns).await.unwrap();
    let mut runtime = scenarios::bash_runtime("bash", 1, 4).unwrap();
    runtime.spec.artifact_store = Some(scenarios::moto_s3_store(&moto.endpoint));
    Api::<Runtime>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &runtime)
        .await
        .unwrap();
    scenarios::wait_runtime_ready(&client, ns, "bash", 1, Duration::from_secs(300))
        .await
        .unwrap();

    let (_server, mut mcp) = McpClient::start(ns).await;
    let code = r#"echo '{"ok": true}' > "$KRUNTIME_ARTIFACTS_DIR/result.json""#;
    let called = mcp
        .request(
            "tools/call",
            json!({"name": "run_bash", "arguments": {"code": code, "timeout_seconds": 60}}),
        )
        .await;
    let result = &called["result"]["structuredContent"];
    assert_eq!(result["phase"], "Succeeded", "{called}");
    let artifacts = result["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1, "{called}");
    let uri = artifacts[0]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file://"),
        "a copy of the server's: {called}"
    );
    assert_eq!(artifacts[0]["name"], "result.json", "{called}");

    let listed = mcp.request("resources/list", json!({})).await;
    assert_eq!(listed["result"]["resources"][0]["uri"], uri, "{listed}");
    let read = mcp.request("resources/read", json!({"uri": uri})).await;
    assert_eq!(
        read["result"]["contents"][0]["text"], "{\"ok\": true}\n",
        "{read}"
    );

    // A Workflow step's artifacts too, from its Run, before the Workflow and its Runs are deleted.
    let flow = mcp
        .request(
            "tools/call",
            json!({"name": "run_workflow", "arguments": {"spec": {"steps": [
                {"id": "write", "runtime": "bash",
                 "source": {"inline": "echo step > \"$KRUNTIME_ARTIFACTS_DIR/step.txt\""}},
            ]}}}),
        )
        .await;
    let step = &flow["result"]["structuredContent"]["steps"][0];
    assert_eq!(step["phase"], "Succeeded", "{flow}");
    let uri = step["artifacts"][0]["uri"].as_str().unwrap();
    let read = mcp.request("resources/read", json!({"uri": uri})).await;
    assert_eq!(read["result"]["contents"][0]["text"], "step\n", "{read}");
}

/// A Model Context Protocol client over a child's stdin and stdout: newline-delimited JSON-RPC.
struct McpClient {
    stdin: tokio::process::ChildStdin,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    next_id: u64,
}

impl McpClient {
    /// `krt mcp --cluster -n ns` with the test cluster's kubeconfig, initialized.
    async fn start(ns: &str) -> (tokio::process::Child, Self) {
        use tokio::io::AsyncBufReadExt as _;
        let mut server = tokio::process::Command::new(krt_path())
            .args(["mcp", "--cluster", "-n", ns])
            .env("KUBECONFIG", std::env::var_os(KUBECONFIG_ENV).unwrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut mcp = Self {
            stdin: server.stdin.take().unwrap(),
            stdout: tokio::io::BufReader::new(server.stdout.take().unwrap()).lines(),
            next_id: 0,
        };
        let init = mcp
            .request(
                "initialize",
                serde_json::json!({"protocolVersion": "2025-06-18", "capabilities": {},
                                   "clientInfo": {"name": "e2e", "version": "0"}}),
            )
            .await;
        assert!(init.get("result").is_some(), "{init}");
        mcp.send(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        (server, mcp)
    }

    async fn send(&mut self, message: &serde_json::Value) {
        use tokio::io::AsyncWriteExt;
        self.stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    }

    /// Sends a request and waits (up to 5 minutes) for its answer, skipping notifications.
    async fn request(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(
            &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .await;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(300), self.stdout.next_line())
                .await
                .expect("an answer within 5 minutes")
                .unwrap()
                .expect("krt mcp closed its stdout");
            let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
            if answer["id"] == serde_json::json!(id) {
                return answer;
            }
        }
    }
}

/// A client of the test cluster, and a temporary namespace with a ready bash Runtime named `bash`.
async fn namespace_with_bash() -> (kube::Client, TempNamespace) {
    let client = client().await.unwrap();
    let temp = TempNamespace::create(&client).await.unwrap();
    scenarios::create_bash_runtime(&client, &temp.name, "bash", 1, 4, Duration::from_secs(300))
        .await
        .unwrap();
    (client, temp)
}
