//! Artifacts on a real control plane: the charted controller and scheduler, runtimed in the Runtime's pods, a
//! real S3-compatible server (moto) on loopback. A Run's files reach the bucket and go with the Run; the store's
//! credentials Secret deleted and recreated ends every Run with a message that names it, and leaks no object.
//!
//! The same flow runs on the API server substitute in `tests/in_process/artifacts.rs`; here the API server's
//! RBAC (the Runtime's Role reads its Secret by name), finalizers and watches are the real ones.
//!
//! Opt-in, and only on the loopback cluster of `cargo xtask cluster up --with-kruntimes`, whose pods are processes
//! of this machine and so reach moto on `127.0.0.1`:
//! `KRUNTIMES_E2E_KUBECONFIG=... cargo test -p kruntimes-e2e --test artifacts -- --ignored`. Needs
//! `.venv/bin/moto_server` (`cargo xtask test` installs it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

#[path = "../../artifacts/tests/all/moto.rs"]
mod moto;

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Secret;
use kruntimes_api::consts::{conditions, finalizers, reasons};
use kruntimes_api::v1alpha1::common::Condition;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use kruntimes_api::v1alpha1::{Run, RunPhase, RunStatus, Runtime};
use kruntimes_artifacts::Store;
use kruntimes_e2e::{TempNamespace, client, scenarios};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};

use moto::Moto;

/// The credentials Secret the Runtime's store names.
const SECRET: &str = scenarios::S3_SECRET;
const BUCKET: &str = scenarios::S3_BUCKET;

/// Leaves `report.txt` (7 bytes) and a directory `logs` (stored as a tar.gz) in the artifacts directory.
const WRITES_ARTIFACTS: &str = "echo report > \"$KRUNTIME_ARTIFACTS_DIR/report.txt\"; \
     mkdir -p \"$KRUNTIME_ARTIFACTS_DIR/logs\"; echo one > \"$KRUNTIME_ARTIFACTS_DIR/logs/a.log\"";

/// sha256 of `report\n`, what [`WRITES_ARTIFACTS`] puts in `report.txt`.
const REPORT_SHA256: &str = "331d26d6d8f862e46ba900811be8a7a1e4dbaa229b14c99becfd5e5151490d95";

/// Guards against a hang only: pods start as processes, Runs take a second.
const RUNTIME_READY: Duration = Duration::from_secs(300);
const RUN_ENDS: Duration = Duration::from_secs(120);
/// The controller retries a failed cleanup after 5 s, then longer: generous, against a hang only.
const RUN_RELEASED: Duration = Duration::from_secs(180);

/// The client the test reads the bucket with (moto accepts any credentials).
fn store_client(config: &ArtifactStore) -> Store {
    kruntimes_artifacts::store::install_crypto_provider();
    Store::from_config(config, &moto::secrets()).unwrap()
}

/// moto on loopback with an empty bucket, and the store a Runtime points at it with.
async fn moto_with_bucket() -> (Moto, ArtifactStore) {
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let config = scenarios::moto_s3_store(&moto.endpoint);
    (moto, config)
}

async fn delete_secret(client: &Client, ns: &str) {
    Api::<Secret>::namespaced(client.clone(), ns)
        .delete(SECRET, &DeleteParams::default())
        .await
        .unwrap();
}

/// Creates the bash Runtime `bash` (one pod, 4 Runs) storing artifacts in `store`, and waits until it is ready.
async fn runtime_with_store(client: &Client, ns: &str, store: &ArtifactStore) {
    let mut runtime = scenarios::bash_runtime("bash", 1, 4).unwrap();
    runtime.spec.artifact_store = Some(store.clone());
    Api::<Runtime>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &runtime)
        .await
        .unwrap();
    scenarios::wait_runtime_ready(client, ns, "bash", 1, RUNTIME_READY)
        .await
        .unwrap();
}

async fn create_run(client: &Client, ns: &str, name: &str, script: &str) {
    let run = scenarios::bash_run(name, "bash", script, 1).unwrap();
    Api::<Run>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &run)
        .await
        .unwrap();
}

/// Every key in the bucket (not only under the store's prefix), sorted.
async fn bucket_keys(store: &Store) -> Vec<String> {
    let mut keys: Vec<String> = store
        .object_store()
        .list(None)
        .map_ok(|o| o.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

/// Waits until Run `name` is terminal and returns its status.
async fn wait_terminal(client: &Client, ns: &str, name: &str) -> RunStatus {
    scenarios::wait_run(client, ns, name, RUN_ENDS, scenarios::terminal)
        .await
        .unwrap()
        .status
        .unwrap()
}

/// Waits until Run `name` is gone from the API server (its finalizers released).
async fn wait_gone(client: &Client, ns: &str, name: &str) {
    let runs: Api<Run> = Api::namespaced(client.clone(), ns);
    let deadline = Instant::now() + RUN_RELEASED;
    while let Some(run) = runs.get_opt(name).await.unwrap() {
        assert!(
            Instant::now() < deadline,
            "Run {name} was never released (finalizers {:?}): {:?}",
            run.finalizers(),
            run.status
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Deletes Run `name` and waits until it is gone.
async fn delete_run(client: &Client, ns: &str, name: &str) {
    Api::<Run>::namespaced(client.clone(), ns)
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(client, ns, name).await;
}

/// Checks that `status` lists the two artifacts of [`WRITES_ARTIFACTS`] for attempt 1 of Run `name` (uid `uid`),
/// that the bucket holds exactly those bytes, and returns the objects' keys.
async fn check_stored(
    store: &Store,
    config: &ArtifactStore,
    ns: &str,
    name: &str,
    uid: &str,
    status: &RunStatus,
) -> Vec<String> {
    let names: Vec<&str> = status
        .artifact_refs
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["logs", "report.txt"], "{status:?}");
    let key = |artifact: &str| format!("runs/{ns}/{name}/{uid}/1/{artifact}");
    let (logs, report) = (&status.artifact_refs[0], &status.artifact_refs[1]);
    assert_eq!(report.uri, format!("s3://{BUCKET}/{}", key("report.txt")));
    assert_eq!(report.sha256, REPORT_SHA256, "sha256 of \"report\\n\"");
    assert_eq!(report.size_bytes, 7);
    assert_eq!(logs.uri, format!("s3://{BUCKET}/{}", key("logs.tar.gz")));
    assert_eq!(logs.media_type.as_deref(), Some("application/gzip"));
    assert_eq!(status.artifact_store.as_ref(), Some(config));

    // Read back through the store: `download` checks each object's size and sha256 against its reference.
    let dest = tempfile::tempdir().unwrap();
    for artifact in [report, logs] {
        let path = dest.path().join(&artifact.name);
        kruntimes_artifacts::download(store, artifact, &path)
            .await
            .unwrap_or_else(|e| panic!("downloading {}: {e:#}", artifact.uri));
    }
    assert_eq!(
        std::fs::read(dest.path().join("report.txt")).unwrap(),
        b"report\n"
    );
    let tarball = std::fs::read(dest.path().join("logs")).unwrap();
    assert!(
        tarball.starts_with(&[0x1f, 0x8b]),
        "the directory is stored as gzip"
    );
    vec![key("logs.tar.gz"), key("report.txt")]
}

/// A Run's file and directory go to moto: the Run ends Succeeded listing both in `artifactRefs` with the store
/// it used, holds the cleanup finalizer, and the bucket holds exactly those bytes. Deleting the Run makes the
/// controller delete its objects (and only its) before it lets the Run go; once both Runs are deleted the bucket
/// is empty.
#[tokio::test]
#[ignore = "needs the loopback cluster (pods reach moto on 127.0.0.1): set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn artifacts_go_to_moto_and_are_deleted_with_their_run() {
    let client = client().await.unwrap();
    let (_moto, config) = moto_with_bucket().await;
    let store = store_client(&config);
    let ns = TempNamespace::create(&client).await.unwrap();
    let ns_name = ns.name.clone();
    let ns_name = ns_name.as_str();
    scenarios::create_s3_secret(&client, ns_name).await.unwrap();
    runtime_with_store(&client, ns_name, &config).await;

    let runs: Api<Run> = Api::namespaced(client.clone(), ns_name);
    let mut keys = Vec::new();
    let mut uids = Vec::new();
    for name in ["keeps", "goes"] {
        create_run(&client, ns_name, name, WRITES_ARTIFACTS).await;
    }
    for name in ["keeps", "goes"] {
        let status = scenarios::wait_succeeded(&client, ns_name, name, RUN_ENDS)
            .await
            .unwrap();
        let run = runs.get(name).await.unwrap();
        assert!(
            run.finalizers()
                .iter()
                .any(|f| f == finalizers::ARTIFACT_CLEANUP),
            "Run {name} is held until its objects are deleted: {:?}",
            run.finalizers()
        );
        let uid = run.uid().unwrap();
        keys.push(check_stored(&store, &config, ns_name, name, &uid, &status).await);
        uids.push(uid);
    }
    let mut all: Vec<String> = keys.concat();
    all.sort();
    assert_eq!(bucket_keys(&store).await, all, "exactly the Runs' objects");

    delete_run(&client, ns_name, "goes").await;
    assert_eq!(
        bucket_keys(&store).await,
        keys[0],
        "the deleted Run's objects are gone, the other Run's stay"
    );
    delete_run(&client, ns_name, "keeps").await;
    assert_eq!(bucket_keys(&store).await, Vec::<String>::new());
    ns.delete().await.unwrap();
}

/// The `ArtifactsCleanedUp=False` condition of a Run held by a cleanup that cannot finish.
fn cleanup_condition(run: &Run) -> Option<Condition> {
    run.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == conditions::ARTIFACTS_CLEANED_UP && c.status == "False")
        .cloned()
}

/// The store's credentials Secret is deleted while Runs are in flight and before a Run starts, then recreated.
///
/// runtimed reads the Secret at each upload, so a Runtime that stored artifacts a moment ago cannot any more:
/// Runs stopped after it went (a cancel, after their guests wrote artifacts) end Cancelled, and a Run that exits 0
/// ends Failed `ArtifactUploadFailed`; each message says the Secret does not exist. A Run without artifacts does
/// not need it and succeeds. Deleting Runs then waits with `ArtifactsCleanedUp=False` naming the Secret, their
/// objects kept. Once the Secret is back those deletions finish and take the objects, the next Run's artifacts
/// are uploaded again, and deleting every Run leaves the bucket empty: no Run left non-terminal, no object
/// leaked.
#[tokio::test]
#[ignore = "needs the loopback cluster (pods reach moto on 127.0.0.1): set KRUNTIMES_E2E_KUBECONFIG and run with --ignored"]
async fn a_deleted_and_recreated_secret_ends_every_run_and_leaks_no_object() {
    let client = client().await.unwrap();
    let (_moto, config) = moto_with_bucket().await;
    let store = store_client(&config);
    let ns = TempNamespace::create(&client).await.unwrap();
    let ns_name = ns.name.clone();
    let ns_name = ns_name.as_str();
    let secret = format!("Secret {ns_name}/{SECRET}");
    let not_stored = format!("artifacts: not stored: the credentials {secret} does not exist");
    scenarios::create_s3_secret(&client, ns_name).await.unwrap();
    runtime_with_store(&client, ns_name, &config).await;
    let runs: Api<Run> = Api::namespaced(client.clone(), ns_name);

    // With the Secret: stored.
    create_run(&client, ns_name, "first", WRITES_ARTIFACTS).await;
    let status = scenarios::wait_succeeded(&client, ns_name, "first", RUN_ENDS)
        .await
        .unwrap();
    let uid = runs.get("first").await.unwrap().uid().unwrap();
    let first_keys = check_stored(&store, &config, ns_name, "first", &uid, &status).await;

    // In flight: the guests write their artifacts and wait; the Secret goes; the Runs are cancelled.
    let in_flight = ["in-flight-0", "in-flight-1"];
    let waits = format!("{WRITES_ARTIFACTS}; sleep 600");
    for name in in_flight {
        create_run(&client, ns_name, name, &waits).await;
    }
    for name in in_flight {
        scenarios::wait_run(&client, ns_name, name, RUN_ENDS, |r| {
            r.phase() == RunPhase::Running
        })
        .await
        .unwrap();
    }
    delete_secret(&client, ns_name).await;
    let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
    for name in in_flight {
        runs.patch(name, &PatchParams::default(), &Patch::Merge(&cancel))
            .await
            .unwrap();
    }
    for name in in_flight {
        let status = wait_terminal(&client, ns_name, name).await;
        assert_eq!(status.phase, RunPhase::Cancelled, "{name}: {status:?}");
        assert!(status.artifact_refs.is_empty(), "{name}: {status:?}");
        // A guest cancelled before it wrote its files has nothing to store: runtimed neither holds the Run nor
        // mentions artifacts. One that wrote them (the usual case: Running is reported 250 ms into the guest)
        // is held and says why they were not stored.
        let held = runs
            .get(name)
            .await
            .unwrap()
            .finalizers()
            .iter()
            .any(|f| f == finalizers::ARTIFACT_CLEANUP);
        let message = status.message.clone().unwrap_or_default();
        if held {
            assert!(
                message.contains(&not_stored),
                "{name}'s message says its artifacts were not stored for want of the {secret}: {status:?}"
            );
        } else {
            assert!(!message.contains("artifacts"), "{name}: {status:?}");
        }
    }

    // Before a Run: it writes its artifacts and exits 0, but cannot store them.
    create_run(&client, ns_name, "before", WRITES_ARTIFACTS).await;
    create_run(&client, ns_name, "no-artifacts", "echo no files").await;
    let status = wait_terminal(&client, ns_name, "before").await;
    assert_eq!(status.phase, RunPhase::Failed, "{status:?}");
    assert_eq!(
        status.reason.as_deref(),
        Some(reasons::ARTIFACT_UPLOAD_FAILED),
        "{status:?}"
    );
    let message = status.message.clone().unwrap_or_default();
    assert!(
        message.contains(&not_stored) && status.artifact_refs.is_empty(),
        "the message says the {secret} is missing: {status:?}"
    );
    scenarios::wait_succeeded(&client, ns_name, "no-artifacts", RUN_ENDS)
        .await
        .unwrap();
    let plain = runs.get("no-artifacts").await.unwrap();
    assert!(plain.finalizers().is_empty(), "{:?}", plain.finalizers());
    assert_eq!(
        bucket_keys(&store).await,
        first_keys,
        "nothing was stored without credentials"
    );

    // Deleting Runs while the Secret is missing: they wait, say why, and their objects stay.
    for name in ["first", "before"] {
        runs.delete(name, &DeleteParams::default()).await.unwrap();
        let stuck = scenarios::wait_run(&client, ns_name, name, RUN_RELEASED, |r| {
            cleanup_condition(r).is_some()
        })
        .await
        .unwrap();
        let condition = cleanup_condition(&stuck).unwrap();
        assert_eq!(condition.reason, reasons::ARTIFACT_CLEANUP_FAILED);
        assert!(
            condition
                .message
                .contains(&format!("the credentials {secret} does not exist")),
            "{name}: {}",
            condition.message
        );
    }
    assert_eq!(bucket_keys(&store).await, first_keys, "nothing deleted yet");

    // The Secret is back: the deletions finish, and the next Run stores its artifacts again.
    scenarios::create_s3_secret(&client, ns_name).await.unwrap();
    for name in ["first", "before"] {
        wait_gone(&client, ns_name, name).await;
    }
    assert_eq!(
        bucket_keys(&store).await,
        Vec::<String>::new(),
        "the deleted Runs' objects are gone"
    );
    create_run(&client, ns_name, "after", WRITES_ARTIFACTS).await;
    let status = scenarios::wait_succeeded(&client, ns_name, "after", RUN_ENDS)
        .await
        .unwrap();
    let uid = runs.get("after").await.unwrap().uid().unwrap();
    let keys = check_stored(&store, &config, ns_name, "after", &uid, &status).await;
    assert_eq!(bucket_keys(&store).await, keys);

    // Every Run is terminal; deleting them all leaves nothing in the bucket.
    let left = runs.list(&ListParams::default()).await.unwrap().items;
    let live: Vec<String> = left
        .iter()
        .filter(|r| !scenarios::terminal(r))
        .map(|r| format!("{} {}", r.name_any(), r.phase()))
        .collect();
    assert!(live.is_empty(), "Runs left non-terminal: {live:?}");
    for run in &left {
        delete_run(&client, ns_name, &run.name_any()).await;
    }
    assert_eq!(
        bucket_keys(&store).await,
        Vec::<String>::new(),
        "no object leaked"
    );
    ns.delete().await.unwrap();
}
