//! A real S3-compatible server for tests: `moto_server` from the project virtualenv (`.venv`, filled from
//! `tools/requirements.txt` by `cargo xtask test`), on loopback. Shared by the artifact tests and `krt`'s
//! (`#[path]`-included there). Without it a test fails and says how to install it: skipping would hide that the
//! S3 path is untested.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// A running `moto_server`, killed on drop.
#[allow(dead_code, reason = "each including test crate uses a part")]
pub(crate) struct Moto {
    pub(crate) child: Child,
    pub(crate) endpoint: String,
    addr: String,
}

fn moto_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server")
}

/// Credentials for moto (it accepts any), as an artifact store's secrets.
#[allow(dead_code, reason = "each including test crate uses a part")]
pub(crate) fn secrets() -> kruntimes_artifacts::StoreSecrets {
    kruntimes_artifacts::StoreSecrets {
        s3: Some(kruntimes_artifacts::S3Credentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: None,
        }),
        ..kruntimes_artifacts::StoreSecrets::default()
    }
}

impl Moto {
    /// Starts moto on `127.0.0.1` with a port the OS picks (`-p 0`); werkzeug prints the port it bound
    /// (`Running on http://127.0.0.1:PORT`) on stderr once it listens.
    pub(crate) async fn start() -> Moto {
        let binary = moto_binary();
        assert!(
            binary.exists(),
            "{} is missing: run `cargo xtask test` (or `.venv/bin/pip install -r tools/requirements.txt`) to \
             install moto, the S3-compatible server of the artifact tests",
            binary.display()
        );
        let mut child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some((_, rest)) = line.split_once("Running on http://") {
                    return rest.trim().to_owned();
                }
            }
            panic!("moto_server exited without listening");
        })
        .await
        .expect("moto_server did not start listening within 60 s");
        // Keep draining stderr so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Moto {
            child,
            endpoint: format!("http://{addr}"),
            addr,
        }
    }

    /// Creates a bucket with a plain `PUT /<bucket>` (object_store cannot create buckets); moto does not check
    /// signatures.
    pub(crate) async fn create_bucket(&self, bucket: &str) {
        let mut stream = TcpStream::connect(&self.addr).await.unwrap();
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
}
