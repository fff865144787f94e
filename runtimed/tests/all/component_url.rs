//! `--component-url NAME=URL --component-sha256 HEX`: runtimed downloads a real component from an axum server on
//! 127.0.0.1 (counting every request), verifies it, caches it as `<cache>/components/<sha256>.wasm` and runs Runs
//! on it; bad digests, over-size bodies and HTTP errors fail the start with a message naming what went wrong.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use clap::Parser;
use kruntimes_engine::{Reason, RunId, RunSpec};
use kruntimes_runtimed::daemon::{self, Args};
use kruntimes_runtimed::fetch::{self, FetchOptions};
use sha2::{Digest, Sha256};

use crate::guests::{BASH, HELLO};

/// An HTTP server on loopback serving one component at a few paths; counts every request.
struct Server {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves `component` at `/c.wasm` (with a `Content-Length`), `/chunked.wasm` (streamed, no length) and
    /// `/flaky.wasm` (503 on the first request, then the component); 404 elsewhere.
    async fn start(component: Vec<u8>) -> Self {
        let component = Bytes::from(component);
        let requests = Arc::new(AtomicUsize::new(0));
        let flaky = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let component = component.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            let flaky = Arc::clone(&flaky);
            async move {
                match uri.path() {
                    "/c.wasm" => component.into_response(),
                    "/chunked.wasm" => {
                        let chunks: Vec<Result<Bytes, std::io::Error>> = component
                            .chunks(4096)
                            .map(|c| Ok(Bytes::copy_from_slice(c)))
                            .collect();
                        Response::new(Body::from_stream(futures::stream::iter(chunks)))
                    }
                    "/flaky.wasm" if flaky.fetch_add(1, Ordering::SeqCst) == 0 => {
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                    "/flaky.wasm" => component.into_response(),
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// runtimed's flags for runtime `remote` from `url`, with its own workspaces and cache under `dir`.
fn args(dir: &Path, url: &str, sha256: &str, extra: &[&str]) -> Args {
    let dir = dir.to_str().unwrap();
    let workspaces = format!("{dir}/workspaces");
    let cache = format!("{dir}/cache");
    let component = format!("remote={url}");
    let mut argv = vec![
        "runtimed",
        "--workspace-root",
        &workspaces,
        "--cache-dir",
        &cache,
        "--capacity",
        "4",
        "--component-url",
        &component,
        "--component-sha256",
        sha256,
        "--allow-insecure-component-url",
    ];
    argv.extend_from_slice(extra);
    Args::try_parse_from(argv).unwrap()
}

/// Every file under `dir`, recursively (the cache must hold nothing after a failed download).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A component served on loopback, its sha256, and a fresh directory for runtimed's workspaces and cache.
struct Served {
    bytes: Vec<u8>,
    digest: String,
    server: Server,
    dir: tempfile::TempDir,
}

impl Served {
    async fn start(bytes: Vec<u8>) -> Self {
        Self {
            digest: sha256(&bytes),
            server: Server::start(bytes.clone()).await,
            bytes,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// runtimed's flags for the component at `path` on the server, expected to have `digest`.
    fn args_with(&self, path: &str, digest: &str, extra: &[&str]) -> Args {
        args(self.dir.path(), &self.server.url(path), digest, extra)
    }

    fn args(&self, path: &str, extra: &[&str]) -> Args {
        self.args_with(path, &self.digest, extra)
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Nothing at all in the cache (no component, no temporary file).
    fn assert_cache_empty(&self) {
        assert_eq!(files(&self.cache()), Vec::<PathBuf>::new());
    }
}

/// The component is downloaded once, verified, cached by digest, and a Run on it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_component_is_downloaded_verified_and_run() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(HELLO.bytes()).await;
    let manager = daemon::start_manager(&served.args("/c.wasm", &[]))
        .await
        .unwrap();
    assert_eq!(served.server.requests(), 1);
    let cached = served
        .cache()
        .join(format!("components/{}.wasm", served.digest));
    assert_eq!(std::fs::read(&cached).unwrap(), served.bytes);
    assert_eq!(
        files(&served.cache().join("components")),
        [cached],
        "only the verified file, no temporary one"
    );

    let mut spec = RunSpec::new(RunId::new("url-hello", 1).unwrap(), "remote");
    spec.args = vec!["from-url".into()];
    let mut handle = manager.execute(spec).unwrap();
    let outcome = handle.wait().await;
    let stdout = String::from_utf8_lossy(&handle.stdout().contents()).into_owned();
    assert_eq!(outcome.reason, Reason::Completed, "{stdout}");
    assert!(
        stdout.starts_with("hello from test-guests\narg[0]=remote\narg[1]=from-url\n"),
        "{stdout}"
    );
}

/// With the component cached, a second start makes no request at all; a cached file with the wrong digest is
/// downloaded again and replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_url_component_is_not_downloaded_again() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(HELLO.bytes()).await;
    let args = served.args("/c.wasm", &[]);
    drop(daemon::start_manager(&args).await.unwrap());
    assert_eq!(served.server.requests(), 1);
    let manager = daemon::start_manager(&args).await.unwrap();
    assert_eq!(
        served.server.requests(),
        1,
        "the cached component is not fetched"
    );
    let mut handle = manager
        .execute(RunSpec::new(RunId::new("url-cached", 1).unwrap(), "remote"))
        .unwrap();
    assert_eq!(handle.wait().await.reason, Reason::Completed);
    drop(manager);

    // Damage the cached file (by rename, as nothing in the cache is rewritten in place): it is fetched again.
    let cached = fetch::cached_path(&served.cache(), &served.digest);
    let damaged = cached.with_extension("damaged");
    std::fs::write(&damaged, b"not the component").unwrap();
    std::fs::rename(&damaged, &cached).unwrap();
    drop(daemon::start_manager(&args).await.unwrap());
    assert_eq!(served.server.requests(), 2);
    assert_eq!(std::fs::read(&cached).unwrap(), served.bytes);
}

/// A body whose sha256 differs fails the start naming the URL and both digests, and nothing is cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_sha256_fails_naming_both_digests_and_keeps_nothing() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(HELLO.bytes()).await;
    let (url, actual) = (served.server.url("/c.wasm"), served.digest.clone());
    let expected = sha256(b"some other component");
    let err = daemon::start_manager(&served.args_with("/c.wasm", &expected, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "FetchComponent");
    let message = err.to_string();
    for part in [&url, &expected, &actual] {
        assert!(message.contains(part.as_str()), "{part} in {message}");
    }
    assert_eq!(served.server.requests(), 1, "a wrong digest is not retried");
    served.assert_cache_empty();
}

/// A body over `--component-max-bytes` fails naming the limit, whether the server announces its length or
/// streams it; nothing is cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_component_fails_naming_the_limit() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(HELLO.bytes()).await;
    assert!(served.bytes.len() > 1024);
    for path in ["/c.wasm", "/chunked.wasm"] {
        let url = served.server.url(path);
        let args = served.args(path, &["--component-max-bytes", "1Ki"]);
        let message = daemon::start_manager(&args).await.unwrap_err().to_string();
        assert!(
            message.contains(&url) && message.contains("limit of 1024 bytes"),
            "{message}"
        );
    }
    assert_eq!(
        served.server.requests(),
        2,
        "an over-size body is not retried"
    );
    served.assert_cache_empty();
}

/// An HTTP error status fails naming the URL and the status, without retrying a 404; a 503 is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_errors_fail_naming_the_status_and_transient_ones_are_retried() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(HELLO.bytes()).await;
    let url = served.server.url("/missing.wasm");
    let message = daemon::start_manager(&served.args("/missing.wasm", &[]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&url) && message.contains("HTTP status 404 Not Found"),
        "{message}"
    );
    assert_eq!(served.server.requests(), 1, "a 404 is not retried");
    served.assert_cache_empty();

    let path = fetch::fetch_component(
        &served.cache(),
        &served.server.url("/flaky.wasm"),
        &served.digest,
        &FetchOptions {
            allow_insecure: true,
            ..FetchOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(served.server.requests(), 3, "the 503 was retried once");
    assert_eq!(std::fs::read(path).unwrap(), served.bytes);
}

/// The `runtimed` binary exits non-zero at start with the download's message (the pod never becomes ready), and
/// refuses an http URL without `--allow-insecure-component-url`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtimed_exits_at_start_when_the_component_cannot_be_fetched() {
    let _guard = crate::harness::shared().await;
    let server = Server::start(Vec::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/missing.wasm");
    let digest = sha256(b"");
    let runtimed = |insecure: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_runtimed"));
        command
            .args(["--listen", "127.0.0.1:0", "--cache-dir"])
            .arg(dir.path().join("cache"))
            .arg("--workspace-root")
            .arg(dir.path().join("workspaces"))
            .args(["--component-url", &format!("remote={url}")])
            .args(["--component-sha256", &digest])
            .env_remove("POD_NAME");
        if insecure {
            command.arg("--allow-insecure-component-url");
        }
        command
    };
    let (mut missing, mut insecure) = (runtimed(true), runtimed(false));
    let output = tokio::task::spawn_blocking(move || {
        (missing.output().unwrap(), insecure.output().unwrap())
    })
    .await
    .unwrap();
    let (missing, insecure) = output;
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(
        stderr.contains(&url) && stderr.contains("HTTP status 404"),
        "{stderr}"
    );
    let stderr = String::from_utf8_lossy(&insecure.stderr);
    assert!(!insecure.status.success());
    assert!(
        stderr.contains("--allow-insecure-component-url"),
        "{stderr}"
    );
    assert_eq!(server.requests(), 1);
}

/// Download and verification time of the built-in bash component (about 5.5 MB) over loopback, printed for
/// `--nocapture`; the file is the component, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_component_downloads_over_loopback() {
    let _guard = crate::harness::shared().await;
    let served = Served::start(BASH.bytes()).await;
    let (server, digest, dir) = (&served.server, &served.digest, served.dir.path());
    let options = FetchOptions {
        allow_insecure: true,
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let path = fetch::fetch_component(dir, &server.url("/c.wasm"), digest, &options)
        .await
        .unwrap();
    let downloaded = started.elapsed();
    let started = Instant::now();
    fetch::fetch_component(dir, &server.url("/c.wasm"), digest, &options)
        .await
        .unwrap();
    let cached = started.elapsed();
    eprintln!(
        "bash component ({} bytes): downloaded and verified in {downloaded:?}, cache hit verified in {cached:?}",
        served.bytes.len()
    );
    assert_eq!(server.requests(), 1);
    assert_eq!(std::fs::read(path).unwrap(), served.bytes);
}

/// runtimed's flags as the controller writes them for a Runtime with `spec.capabilities`: the network rule of
/// `--capabilities` reaches the agent's runtime (a Run connects to the allowed port), and [`daemon::start`]
/// reports the component (source, digest, imports) with no note about sockets, since network is granted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_flag_reaches_runs_and_the_component_is_reported() {
    use tokio::io::AsyncReadExt;
    let _guard = crate::harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let caps = format!(r#"{{"network":["127.0.0.1:{port}"]}}"#);
    let component = format!("net={}", crate::guests::CONNECT.path().display());
    let args = Args::try_parse_from([
        "runtimed",
        "--workspace-root",
        &dir.path().join("ws").display().to_string(),
        "--cache-dir",
        &crate::harness::cache_dir().display().to_string(),
        "--component",
        &component,
        "--agent-runtime",
        "net",
        "--capabilities",
        &caps,
        "--component-source",
        "image:example.com/net@sha256:00#/net.wasm",
    ])
    .unwrap();
    let started = daemon::start(&args).await;
    let report = started.component.expect("a report for the agent's runtime");
    assert_eq!(
        report.source.as_deref(),
        Some("image:example.com/net@sha256:00#/net.wasm")
    );
    let bytes = std::fs::read(crate::guests::CONNECT.path()).unwrap();
    assert_eq!(report.sha256, Some(hex::encode(Sha256::digest(&bytes))));
    assert!(
        report
            .imports
            .iter()
            .any(|i| i.starts_with("wasi:sockets/tcp@")),
        "{report:?}"
    );
    assert!(
        report.problems.is_empty() && report.notes.is_empty(),
        "{report:?}"
    );

    let manager = started.manager.unwrap();
    let accept = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut line = String::new();
        socket.read_to_string(&mut line).await.unwrap();
        line
    });
    let mut spec = RunSpec::new(RunId::new("granted", 1).unwrap(), "net");
    spec.args = vec!["127.0.0.1".into(), port];
    let mut handle = manager.execute(spec).unwrap();
    let outcome = handle.wait().await;
    let stdout = String::from_utf8_lossy(&handle.stdout().contents()).into_owned();
    assert_eq!(outcome.reason, Reason::Completed, "{stdout}");
    assert_eq!(accept.await.unwrap(), "ping\n");
}

/// A component runtimed cannot run fails the start, and the report still says why, with its digest, so the
/// Runtime's status can show it; a network rule in a form the API refuses fails the flag, naming the rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_component_is_reported_with_its_problems() {
    let _guard = crate::harness::shared().await;
    let dir = tempfile::tempdir().unwrap();
    // The smallest valid component: no imports, and no wasi:cli/run export.
    let empty = dir.path().join("empty.wasm");
    std::fs::write(&empty, [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]).unwrap();
    let component = format!("lib={}", empty.display());
    let base = [
        "runtimed",
        "--workspace-root",
        &dir.path().join("ws").display().to_string(),
        "--cache-dir",
        &dir.path().join("cache").display().to_string(),
        "--component",
        &component,
        "--agent-runtime",
        "lib",
    ]
    .map(str::to_owned);
    let args = Args::try_parse_from(&base).unwrap();
    let started = daemon::start(&args).await;
    let Err(err) = started.manager else {
        panic!("a component without wasi:cli/run was registered");
    };
    let message = err.to_string();
    assert!(message.contains("exports no wasi:cli/run"), "{message}");
    let report = started.component.expect("report");
    assert_eq!(report.source, Some(empty.display().to_string()));
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(
        report.problems[0].starts_with("exports no wasi:cli/run"),
        "{report:?}"
    );
    assert!(report.sha256.is_some());

    let mut bad = base.to_vec();
    bad.extend([
        "--capabilities".to_owned(),
        r#"{"network":["*.example.com:443"]}"#.to_owned(),
    ]);
    let err = Args::try_parse_from(&bad).unwrap_err().to_string();
    assert!(
        err.contains(r#"network[0] "*.example.com:443": host must be *, an IP address"#),
        "{err}"
    );
}
