//! Rung 5: the S3 store against a real S3-compatible server, moto, on loopback.
//!
//! `moto_server` comes from the project virtualenv (`.venv`, filled from `tools/requirements.txt` by
//! `cargo xtask test`). Without it the test fails and says how to install it: skipping would hide that the S3
//! path is untested.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kruntimes_api::v1alpha1::runtime::{ArtifactStore, S3Store};
use kruntimes_artifacts::{Error, S3Credentials, Store, StoreSecrets, download, harvest};
use object_store::ObjectStoreExt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::fixtures::{ARTIFACTS, run, workspace, write_tree};

/// A running `moto_server`, killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
    addr: String,
}

fn moto_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server")
}

impl Moto {
    /// Starts moto on `127.0.0.1` with a port the OS picks (`-p 0`); werkzeug prints the port it bound
    /// (`Running on http://127.0.0.1:PORT`) on stderr once it listens.
    async fn start() -> Moto {
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
    async fn create_bucket(&self, bucket: &str) {
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

/// Harvested files and a directory go up to S3, come back verified, and are deleted idempotently; a failed
/// upload to a missing bucket fails with the upload reason.
#[tokio::test]
async fn s3_store_round_trip_against_moto() {
    let mut moto = Moto::start().await;
    moto.create_bucket("artifacts").await;
    let config = |bucket: &str| ArtifactStore {
        s3: Some(S3Store {
            bucket: bucket.to_owned(),
            prefix: Some("runs".to_owned()),
            region: Some("eu-west-1".to_owned()),
            endpoint: Some(moto.endpoint.clone()),
            force_path_style: Some(true),
            credentials_secret_name: Some("s3-credentials".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    let secrets = StoreSecrets {
        s3: Some(S3Credentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: None,
        }),
        ..StoreSecrets::default()
    };
    let store = Store::from_config(&config("artifacts"), &secrets).unwrap();

    let (ws, dir) = workspace();
    write_tree(&dir, &[("result.csv", b"a,b\n1,2\n"), ("logs/x.log", b"x")]);
    // Over the single-request size: exercises the multipart upload (three parts, the last one short).
    let big_size = usize::try_from(kruntimes_artifacts::store::SINGLE_PUT_MAX_BYTES).unwrap() + 1;
    let big: Vec<u8> = (0..big_size).map(|i| (i % 241) as u8).collect();
    std::fs::write(dir.join("model.bin"), &big).unwrap();
    let artifacts = harvest(ws.path(), Path::new(ARTIFACTS), &Default::default()).unwrap();
    let refs = store.upload(&run(), &artifacts).await.unwrap();
    assert_eq!(refs[0].name, "logs");
    assert_eq!(
        refs[0].uri,
        "s3://artifacts/runs/team-a/build-1/0b7c-uid/2/logs.tar.gz"
    );
    assert_eq!(refs[1].name, "model.bin");
    assert_eq!(
        refs[2].uri,
        "s3://artifacts/runs/team-a/build-1/0b7c-uid/2/result.csv"
    );
    let head = store
        .object_store()
        .get(&store.key_of(&refs[2].uri).unwrap())
        .await
        .unwrap();
    assert_eq!(
        head.attributes
            .get(&object_store::Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("text/csv")
    );

    let dest = tempfile::tempdir().unwrap();
    for reference in &refs {
        let path = dest.path().join(&reference.name);
        download(&store, reference, &path).await.unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            u64::try_from(reference.size_bytes).unwrap()
        );
    }
    assert_eq!(
        std::fs::read(dest.path().join("result.csv")).unwrap(),
        b"a,b\n1,2\n"
    );
    assert!(std::fs::read(dest.path().join("model.bin")).unwrap() == big);

    store.delete_run_artifacts(&refs).await.unwrap();
    store.delete_run_artifacts(&refs).await.unwrap();
    let err = download(&store, &refs[2], &dest.path().join("again"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");

    let missing = Store::from_config(&config("no-such-bucket"), &secrets).unwrap();
    let err = missing.upload(&run(), &artifacts).await.unwrap_err();
    assert_eq!(err.reason(), "ArtifactUploadFailed", "{err}");

    moto.child.kill().await.unwrap();
}
