//! Artifacts end to end: real runtimed agents store what a bash Run leaves in `$KRUNTIME_ARTIFACTS_DIR` in a
//! real S3-compatible server (moto, on loopback), and the real controller deletes it with the Run.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kruntimes_api::consts::{conditions, finalizers};
use kruntimes_api::v1alpha1::runtime::{ArtifactStore, FilesystemStore};
use kruntimes_api::v1alpha1::{Run, Runtime};
use kruntimes_artifacts::Store;
use kruntimes_e2e::scenarios;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, PostParams};

use crate::harness::{self, Cluster};
use crate::moto::Moto;
use crate::{NS, ONE_AT_A_TIME};

const SECRET: &str = scenarios::S3_SECRET;

async fn runtime_with(cluster: &Cluster, name: &str, store: Option<ArtifactStore>) {
    let mut runtime = scenarios::bash_runtime(name, 1, 4).unwrap();
    runtime.spec.artifact_store = store;
    Api::<Runtime>::namespaced(cluster.client.clone(), NS)
        .create(&PostParams::default(), &runtime)
        .await
        .unwrap();
    scenarios::wait_runtime_ready(&cluster.client, NS, name, 1, Duration::from_secs(120))
        .await
        .unwrap();
}

/// Keys stored under the store's `runs/` prefix, sorted.
async fn stored_keys(store: &Store) -> Vec<String> {
    use futures::TryStreamExt;
    let mut keys: Vec<String> = store
        .object_store()
        .list(Some(&"runs".into()))
        .map_ok(|o| o.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

const WRITES_ARTIFACTS: &str = "echo report > \"$KRUNTIME_ARTIFACTS_DIR/report.txt\"; \
     mkdir -p \"$KRUNTIME_ARTIFACTS_DIR/logs\"; echo one > \"$KRUNTIME_ARTIFACTS_DIR/logs/a.log\"";

/// A Run's file and directory go to S3 with their digests in `artifactRefs`, the store snapshot in
/// `artifactStore`, and the Run held by the cleanup finalizer. Deleting the Run while its credentials Secret is
/// missing leaves it deleting with `ArtifactsCleanedUp=False` saying why and how to recover; once the Secret is
/// back the controller deletes every object of the Run and releases it. Another Run's objects stay. A Run of a
/// Runtime without a store says its artifacts were discarded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_go_to_s3_and_are_deleted_with_their_run() {
    let _serial = ONE_AT_A_TIME.lock().await;
    kruntimes_artifacts::store::install_crypto_provider();
    let moto = Moto::start().await;
    moto.create_bucket("artifacts").await;
    let cluster = Cluster::start(harness::Options::default()).await;
    let client = cluster.client.clone();
    scenarios::create_s3_secret(&client, NS).await.unwrap();
    let config = scenarios::moto_s3_store(&moto.endpoint);
    runtime_with(&cluster, "bash", Some(config.clone())).await;
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    for name in ["keeps", "other"] {
        let run = scenarios::bash_run(name, "bash", WRITES_ARTIFACTS, 1).unwrap();
        runs.create(&PostParams::default(), &run).await.unwrap();
    }
    let timeout = Duration::from_secs(60);
    let status = scenarios::wait_succeeded(&client, NS, "keeps", timeout)
        .await
        .unwrap();
    scenarios::wait_succeeded(&client, NS, "other", timeout)
        .await
        .unwrap();
    let run = runs.get("keeps").await.unwrap();
    let uid = run.uid().unwrap();
    let names: Vec<&str> = status
        .artifact_refs
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["logs", "report.txt"], "{status:?}");
    let report = &status.artifact_refs[1];
    assert_eq!(
        report.uri,
        format!("s3://artifacts/runs/{NS}/keeps/{uid}/1/report.txt")
    );
    assert_eq!(
        report.sha256, "331d26d6d8f862e46ba900811be8a7a1e4dbaa229b14c99becfd5e5151490d95",
        "sha256 of \"report\\n\""
    );
    assert_eq!(report.size_bytes, 7);
    assert_eq!(status.artifact_store.as_ref(), Some(&config));
    assert!(
        run.finalizers()
            .iter()
            .any(|f| f == finalizers::ARTIFACT_CLEANUP)
    );

    let secrets = crate::moto::secrets();
    let store = Store::from_config(&config, &secrets).unwrap();
    let dest = tempfile::tempdir().unwrap();
    kruntimes_artifacts::download(&store, report, &dest.path().join("report.txt"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dest.path().join("report.txt")).unwrap(),
        b"report\n"
    );
    assert_eq!(stored_keys(&store).await.len(), 4);

    // Credentials gone: the Run stays, deleting, and says why.
    Api::<Secret>::namespaced(client.clone(), NS)
        .delete(SECRET, &DeleteParams::default())
        .await
        .unwrap();
    runs.delete("keeps", &DeleteParams::default())
        .await
        .unwrap();
    let stuck = scenarios::wait_run(&client, NS, "keeps", timeout, |r| {
        r.status.as_ref().is_some_and(|s| {
            s.conditions
                .iter()
                .any(|c| c.type_ == conditions::ARTIFACTS_CLEANED_UP && c.status == "False")
        })
    })
    .await
    .unwrap();
    assert!(stuck.metadata.deletion_timestamp.is_some());
    let condition = stuck
        .status
        .unwrap()
        .conditions
        .into_iter()
        .find(|c| c.type_ == conditions::ARTIFACTS_CLEANED_UP)
        .unwrap();
    assert_eq!(condition.reason, "ArtifactCleanupFailed");
    assert!(
        condition
            .message
            .contains("Secret default/s3-credentials does not exist")
            && condition.message.contains("kubectl patch run keeps"),
        "{}",
        condition.message
    );
    assert_eq!(stored_keys(&store).await.len(), 4, "nothing deleted yet");

    // The Secret is back: the next retry deletes the objects and releases the Run.
    scenarios::create_s3_secret(&client, NS).await.unwrap();
    let deadline = tokio::time::Instant::now() + timeout;
    while runs.get_opt("keeps").await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the Run was never released"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let left = stored_keys(&store).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left.iter().all(|k| k.starts_with("runs/default/other/")),
        "{left:?}"
    );

    // No store: the files are discarded, and the status says so.
    runtime_with(&cluster, "plain", None).await;
    let run = scenarios::bash_run("no-store", "plain", WRITES_ARTIFACTS, 1).unwrap();
    runs.create(&PostParams::default(), &run).await.unwrap();
    let status = scenarios::wait_succeeded(&client, NS, "no-store", timeout)
        .await
        .unwrap();
    assert!(status.artifact_refs.is_empty());
    assert!(
        status
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("artifacts: 2 discarded: the Runtime has no artifactStore"),
        "{status:?}"
    );
    let held = runs.get("no-store").await.unwrap();
    assert!(held.finalizers().is_empty());
    cluster.stop().await;
}

/// A `filesystem` store (a claim every Runtime pod mounts): runtimed writes the artifacts there with `file://`
/// URIs; deleting the Run makes the controller start a cleanup pod mounting the claim (here the harness plays
/// its kubelet, running runtimed's `--cleanup-artifacts` with the pod's arguments), and once it succeeded the
/// controller deletes the pod and releases the Run. The other Run's files stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filesystem_stores_artifacts_are_deleted_by_a_cleanup_pod() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let cluster = Cluster::start(harness::Options::default()).await;
    let client = cluster.client.clone();
    let config = ArtifactStore {
        filesystem: Some(FilesystemStore {
            volume_claim_name: "artifacts-pvc".to_owned(),
            prefix: Some("team".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    runtime_with(&cluster, "files", Some(config)).await;
    let runs: Api<Run> = Api::namespaced(client.clone(), NS);
    for name in ["goes", "stays"] {
        let run = scenarios::bash_run(name, "files", WRITES_ARTIFACTS, 1).unwrap();
        runs.create(&PostParams::default(), &run).await.unwrap();
    }
    let timeout = Duration::from_secs(60);
    let status = scenarios::wait_succeeded(&client, NS, "goes", timeout)
        .await
        .unwrap();
    scenarios::wait_succeeded(&client, NS, "stays", timeout)
        .await
        .unwrap();
    let uid = runs.get("goes").await.unwrap().uid().unwrap();
    let root = cluster.artifact_store.canonicalize().unwrap();
    let report = root.join(format!("team/{NS}/goes/{uid}/1/report.txt"));
    assert_eq!(
        status.artifact_refs[1].uri,
        format!("file://{}", report.display())
    );
    assert_eq!(std::fs::read(&report).unwrap(), b"report\n");

    runs.delete("goes", &DeleteParams::default()).await.unwrap();
    let deadline = tokio::time::Instant::now() + timeout;
    while runs.get_opt("goes").await.unwrap().is_some() {
        if tokio::time::Instant::now() > deadline {
            let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
            let list = pods.list(&Default::default()).await.unwrap();
            let names: Vec<_> = list
                .items
                .iter()
                .map(|p| (p.name_any(), p.status.clone().and_then(|s| s.phase)))
                .collect();
            panic!(
                "the Run was never released: {:?}; pods {names:?}",
                runs.get("goes").await.unwrap()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!report.exists(), "the cleanup pod deleted the files");
    assert!(root.join(format!("team/{NS}/stays")).is_dir());
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let cleanup = pods
        .get_opt(&format!("artifact-cleanup-{uid}"))
        .await
        .unwrap();
    assert!(
        cleanup.is_none_or(|p| p.metadata.deletion_timestamp.is_some()),
        "the cleanup pod is deleted"
    );
    let created_pod = cluster
        .server
        .requests()
        .into_iter()
        .any(|r| r.resource == "pods" && r.method == "POST" && r.status == 201);
    assert!(created_pod, "a cleanup pod was created");
    cluster.stop().await;
}
