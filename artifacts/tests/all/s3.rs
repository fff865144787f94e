//! Rung 5: the S3 store against a real S3-compatible server, moto, on loopback.
//!
//! `moto_server` comes from the project virtualenv (`.venv`, filled from `tools/requirements.txt` by
//! `cargo xtask test`). Without it the test fails and says how to install it: skipping would hide that the S3
//! path is untested.

use std::path::Path;

use kruntimes_api::v1alpha1::runtime::{ArtifactStore, S3Store};
use kruntimes_artifacts::{Error, RunIdentity, Store, download, harvest};
use object_store::ObjectStoreExt;

use crate::fixtures::{ARTIFACTS, run, workspace, write_tree};
use crate::moto::Moto;

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
    let secrets = crate::moto::secrets();
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

    // Deleting by Run: every attempt of this Run goes, whether or not its references were recorded; another
    // Run (same name, another UID) keeps its objects.
    let first = RunIdentity {
        attempt: 1,
        ..run()
    };
    let other = RunIdentity {
        uid: "0b7c-uid-2".to_owned(),
        ..run()
    };
    store.upload(&first, &artifacts[..1]).await.unwrap();
    store.upload(&run(), &artifacts[..1]).await.unwrap();
    let kept = store.upload(&other, &artifacts[..1]).await.unwrap();
    assert_eq!(
        store
            .delete_run("team-a", "build-1", "0b7c-uid")
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .delete_run("team-a", "build-1", "0b7c-uid")
            .await
            .unwrap(),
        0
    );
    download(&store, &kept[0], &dest.path().join("kept"))
        .await
        .unwrap();

    let missing = Store::from_config(&config("no-such-bucket"), &secrets).unwrap();
    let err = missing.upload(&run(), &artifacts).await.unwrap_err();
    assert_eq!(err.reason(), "ArtifactUploadFailed", "{err}");

    moto.child.kill().await.unwrap();
}
