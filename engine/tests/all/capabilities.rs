//! Capabilities: what a guest can see and reach (args, env, stdin, files, mounts, network), and the escape attempts
//! that must fail with the host left untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kruntimes_engine::{Mount, RuntimeCapabilities, RuntimeLimits, RuntimePolicy};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::guests;
use crate::harness::Host;

fn env_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("env "))
        .collect()
}

/// The guest sees exactly its argv and the granted environment: the Run's variables plus the four host-set ones,
/// and nothing from the host process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_sees_only_granted_args_and_env() {
    let host = Host::new().await;
    let run = host
        .run(guests::HELLO)
        .args(&["two words", "--flag"])
        .env("GREETING", "hi=there")
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed");
    let args: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("arg["))
        .collect();
    assert_eq!(args, ["arg[0]=hello", "arg[1]=two words", "arg[2]=--flag"]);
    assert_eq!(
        env_lines(&run.stdout),
        [
            "GREETING=hi=there",
            "HOME=/workspace",
            "KRUNTIME_ARTIFACTS_DIR=/workspace/.kruntimes/artifacts",
            "KRUNTIME_OUTPUTS=/workspace/.kruntimes/outputs",
            "PWD=/workspace",
        ]
    );
    assert!(
        std::env::var_os("PATH").is_some(),
        "the host has a PATH the guest must not see"
    );
    assert_eq!(run.outcome.grants.args, ["hello", "two words", "--flag"]);
}

/// stdin is empty: reading it returns EOF at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_empty() {
    let host = Host::new().await;
    let run = host.run(guests::READ_STDIN).finish().await;
    assert_eq!(run.result(), "Succeeded/Completed");
    assert_eq!(run.stdout, "stdin bytes: 0\n");
}

/// The workspace is readable and writable with absolute and relative paths, contains the inline source at the
/// entrypoint, and its files land in the Run's host directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_is_read_write_and_holds_the_source() {
    let host = Host::new().await;
    let run = host
        .run(guests::WORKSPACE_IO)
        .source("scripts/input.txt", "inline source\n")
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    for line in [
        "read back: alpha",
        "relative read: relative",
        "entrypoint scripts/input.txt: inline source",
        "listing: .kruntimes,data,relative.txt,scripts",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in:\n{}",
            run.stdout
        );
    }
    let ws = host.workspace_path(&run.id);
    assert_eq!(
        std::fs::read_to_string(ws.join("data/nested/a.txt")).unwrap(),
        "alpha\n"
    );
    assert!(!ws.join("relative.txt").exists());
    host.manager.forget(&run.id).await.unwrap();
    assert!(!ws.exists());
}

/// A read-only mount is visible at its guest path and cannot be written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mount_is_visible_and_not_writable() {
    let host = Host::new().await;
    let data = host.dir().join("ro-data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("hello.txt"), "from the host\n").unwrap();
    let policy = RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: RuntimeCapabilities {
            network: Vec::new(),
            mounts: vec![Mount {
                host_path: data.clone(),
                guest_path: "/mnt/data".into(),
            }],
            ..RuntimeCapabilities::default()
        },
    };
    let run = host
        .run(guests::WORKSPACE_IO)
        .policy("workspace-io-mount", policy)
        .env("READ_DIR", "/mnt/data")
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert!(
        run.stdout.contains("/mnt/data/hello.txt: from the host"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("write to /mnt/data: denied"),
        "{}",
        run.stdout
    );
    assert!(!data.join("written.txt").exists());
}

/// Every file (not directory) under `root`, with its contents, skipping `skip`.
fn snapshot(root: &Path, skip: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.starts_with(skip) {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                let contents = std::fs::read(&path).unwrap_or_default();
                files.insert(path, contents);
            }
        }
    }
    files
}

/// Writing outside /workspace (absolute, `..`, renames, through a guest-made `up -> ..` symlink), reading host files,
/// seeing the host's `/`, absolute symlinks and TCP to loopback all fail; the host filesystem around the workspace is
/// unchanged and no connection reaches the host's listener. Removing the workspace does not follow `up`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_attempts_all_fail_and_host_is_untouched() {
    let host = Host::new().await;
    std::fs::write(host.dir().join("sentinel.txt"), "host file").unwrap();
    std::fs::create_dir_all(host.dir().join("workspaces/neighbour-1")).unwrap();
    std::fs::write(host.dir().join("workspaces/neighbour-1/data"), "neighbour").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();

    let builder = host.run(guests::ESCAPE_ATTEMPTS).args(&[&port.to_string()]);
    let ws = host.workspace_path(&builder.spec().id);
    let before = snapshot(host.dir(), &ws);
    let run = builder.finish().await;

    assert_eq!(
        run.result(),
        "Succeeded/Completed",
        "stdout:\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains("ALLOWED"), "{}", run.stdout);
    let attempts = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("attempt "))
        .count();
    assert_eq!(attempts, 11, "{}", run.stdout);
    assert!(run.stdout.ends_with("escape attempts allowed: 0\n"));
    assert!(!Path::new("/etc/kruntimes-escape").exists());
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "the guest reached the host listener");
    assert_eq!(
        snapshot(host.dir(), &ws),
        before,
        "host files changed outside the workspace"
    );

    // The guest's `up -> ..` link exists on the host (wasmtime-wasi creates it); removal must not follow it.
    let up = ws.join("up");
    if let Ok(meta) = std::fs::symlink_metadata(&up) {
        assert!(meta.file_type().is_symlink());
    }
    host.manager.forget(&run.id).await.unwrap();
    assert!(!ws.exists());
    assert_eq!(
        snapshot(host.dir(), &ws),
        before,
        "removing the workspace touched the host"
    );
}

/// With an allow-list entry, the guest can connect to exactly that address; other ports and Runtimes without the
/// entry cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_allow_list_permits_only_listed_addresses() {
    let host = Host::new().await;
    let allowed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let allowed_port = allowed.local_addr().unwrap().port().to_string();
    let other_port = other.local_addr().unwrap().port().to_string();
    let policy = RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: RuntimeCapabilities {
            network: vec![format!("127.0.0.1:{allowed_port}")],
            ..RuntimeCapabilities::default()
        },
    };

    let accept = tokio::spawn(async move {
        let (mut socket, _) = allowed.accept().await.unwrap();
        let mut line = String::new();
        socket.read_to_string(&mut line).await.unwrap();
        line
    });
    let run = host
        .run(guests::CONNECT)
        .policy("connect-allowed", policy.clone())
        .args(&["127.0.0.1", &allowed_port])
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stdout);
    assert_eq!(run.stdout, "connected\n");
    assert_eq!(accept.await.unwrap(), "ping\n");
    assert_eq!(run.outcome.grants.network.len(), 1);

    let run = host
        .run(guests::CONNECT)
        .policy("connect-allowed", policy)
        .args(&["127.0.0.1", &other_port])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/ExitCode");
    assert!(run.stdout.starts_with("failed: "), "{}", run.stdout);

    let run = host
        .run(guests::CONNECT)
        .args(&["127.0.0.1", &allowed_port])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/ExitCode");
    let accepted = tokio::time::timeout(Duration::from_millis(100), other.accept()).await;
    assert!(accepted.is_err(), "a denied connection reached the host");
}

/// A request over the Runtime's limits is refused before anything is created, with a message naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_violations_are_refused_before_running() {
    let host = Host::new().await;
    let policy = RuntimePolicy {
        limits: RuntimeLimits {
            max_timeout: Some(Duration::from_secs(3600)),
            ..RuntimeLimits::default()
        },
        ..RuntimePolicy::default()
    };
    let err = host
        .run(guests::HELLO)
        .policy("hello-1h", policy)
        .timeout(Duration::from_secs(7200))
        .start()
        .await
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "timeoutSeconds 7200 exceeds the Runtime's limit of 3600"
    );
    assert_eq!(err.reason(), "LimitExceeded");

    let err = host
        .run(guests::HELLO)
        .source("../outside.sh", "echo")
        .start()
        .await
        .err()
        .unwrap();
    assert_eq!(err.reason(), "InvalidSpec");
    assert!(host.manager.workspace_entries().unwrap().is_empty());
    assert!(host.manager.list().is_empty());
}
