//! The filesystem store: upload, keys and URIs, download with verification, idempotent delete.

use std::path::Path;

use kruntimes_api::v1alpha1::runtime::{ArtifactStore, FilesystemStore};
use kruntimes_artifacts::{Error, RunIdentity, Store, StoreSecrets, download, harvest};

use crate::fixtures::{ARTIFACTS, run, workspace, write_tree};

fn store_in(root: &Path) -> Store {
    let config = ArtifactStore {
        filesystem: Some(FilesystemStore {
            volume_claim_name: "artifacts".to_owned(),
            prefix: Some("runtime-a".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    let secrets = StoreSecrets {
        filesystem_root: Some(root.to_owned()),
        ..StoreSecrets::default()
    };
    Store::from_config(&config, &secrets).unwrap()
}

/// Files and a directory go up under `<ns>/<run>/<uid>/<attempt>/`, come back byte for byte, and are deleted
/// idempotently, leaving no directories behind.
#[tokio::test]
async fn filesystem_store_round_trip() {
    let (ws, dir) = workspace();
    write_tree(
        &dir,
        &[("log.txt", b"hello\n"), ("out/a", b"a"), ("out/b/c", b"c")],
    );
    let artifacts = harvest(ws.path(), Path::new(ARTIFACTS), &Default::default()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let store = store_in(root.path());

    let refs = store.upload(&run(), &artifacts).await.unwrap();
    let base = format!(
        "file://{}/runtime-a",
        root.path().canonicalize().unwrap().display()
    );
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].name, "log.txt");
    assert_eq!(
        refs[0].uri,
        format!("{base}/team-a/build-1/0b7c-uid/2/log.txt")
    );
    assert_eq!(refs[0].size_bytes, 6);
    assert_eq!(refs[0].media_type.as_deref(), Some("text/plain"));
    assert_eq!(refs[1].name, "out");
    assert_eq!(
        refs[1].uri,
        format!("{base}/team-a/build-1/0b7c-uid/2/out.tar.gz")
    );
    assert_eq!(refs[1].media_type.as_deref(), Some("application/gzip"));
    let on_disk = root
        .path()
        .join("runtime-a/team-a/build-1/0b7c-uid/2/log.txt");
    assert_eq!(std::fs::read(on_disk).unwrap(), b"hello\n");

    let dest = tempfile::tempdir().unwrap();
    for (artifact, reference) in artifacts.iter().zip(&refs) {
        let path = dest.path().join(&reference.name);
        download(&store, reference, &path).await.unwrap();
        let expected = artifact
            .read_range(0, usize::try_from(artifact.size).unwrap())
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), expected);
    }

    store.delete_run_artifacts(&refs).await.unwrap();
    store.delete_run_artifacts(&refs).await.unwrap();
    let left: Vec<_> = std::fs::read_dir(root.path().join("runtime-a"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let err = download(&store, &refs[0], &dest.path().join("gone"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");
}

/// `delete_run` removes every attempt of one Run (recorded or not) and nothing of another Run; a Run with
/// nothing stored deletes nothing, without error.
#[tokio::test]
async fn delete_run_removes_every_attempt_of_that_run_only() {
    let (ws, dir) = workspace();
    write_tree(&dir, &[("log.txt", b"hello\n")]);
    let artifacts = harvest(ws.path(), Path::new(ARTIFACTS), &Default::default()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let store = store_in(root.path());
    assert_eq!(
        store
            .delete_run("team-a", "build-1", "0b7c-uid")
            .await
            .unwrap(),
        0
    );
    let first = RunIdentity {
        attempt: 1,
        ..run()
    };
    let other = RunIdentity {
        uid: "other-uid".to_owned(),
        ..run()
    };
    store.upload(&first, &artifacts).await.unwrap();
    store.upload(&run(), &artifacts).await.unwrap();
    let kept = store.upload(&other, &artifacts).await.unwrap();

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
    let dest = tempfile::tempdir().unwrap();
    download(&store, &kept[0], &dest.path().join("kept"))
        .await
        .unwrap();
    assert!(
        !root
            .path()
            .join("runtime-a/team-a/build-1/0b7c-uid")
            .exists()
    );
    let err = store.delete_run("team-a", "..", "x").await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

/// A reference whose digest or size does not match what is stored fails and leaves no file, not even a temp.
#[tokio::test]
async fn download_with_wrong_digest_leaves_no_file() {
    let (ws, dir) = workspace();
    write_tree(&dir, &[("f", b"contents")]);
    let artifacts = harvest(ws.path(), Path::new(ARTIFACTS), &Default::default()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let store = store_in(root.path());
    let refs = store.upload(&run(), &artifacts).await.unwrap();
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("f");

    let mut wrong_digest = refs[0].clone();
    wrong_digest.sha256 = "0".repeat(64);
    let err = download(&store, &wrong_digest, &target).await.unwrap_err();
    assert!(matches!(err, Error::Mismatch { .. }), "{err}");
    let mut wrong_size = refs[0].clone();
    wrong_size.size_bytes = 3;
    let err = download(&store, &wrong_size, &target).await.unwrap_err();
    assert!(matches!(err, Error::Mismatch { .. }), "{err}");
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);

    // An existing destination is replaced only by verified bytes.
    std::fs::write(&target, "old").unwrap();
    assert!(download(&store, &wrong_digest, &target).await.is_err());
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    download(&store, &refs[0], &target).await.unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"contents");
}

/// References pointing outside the store are refused for download and delete.
#[tokio::test]
async fn foreign_uris_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let store = store_in(root.path());
    let reference = kruntimes_api::v1alpha1::run::ArtifactRef {
        name: "x".to_owned(),
        uri: "file:///etc/passwd".to_owned(),
        sha256: "0".repeat(64),
        size_bytes: 1,
        media_type: None,
    };
    let err = store
        .delete_run_artifacts(std::slice::from_ref(&reference))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignUri { .. }), "{err}");
    let dest = root.path().join("x");
    let err = download(&store, &reference, &dest).await.unwrap_err();
    assert!(matches!(err, Error::ForeignUri { .. }), "{err}");
}

/// An artifact above the single-request size goes up as a multipart upload and reads back intact.
#[tokio::test]
async fn large_artifacts_use_multipart_upload() {
    let (ws, dir) = workspace();
    let size = usize::try_from(kruntimes_artifacts::store::SINGLE_PUT_MAX_BYTES).unwrap() + 12_345;
    let data: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
    std::fs::write(dir.join("big.bin"), &data).unwrap();
    let artifacts = harvest(ws.path(), Path::new(ARTIFACTS), &Default::default()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let store = store_in(root.path());
    let refs = store.upload(&run(), &artifacts).await.unwrap();
    let dest = root.path().join("big.bin");
    download(&store, &refs[0], &dest).await.unwrap();
    assert!(std::fs::read(&dest).unwrap() == data);
}

/// The configuration must name exactly one backend, and a filesystem store needs its mount path.
#[test]
fn invalid_configurations_are_rejected() {
    let err = Store::from_config(&ArtifactStore::default(), &StoreSecrets::default()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let config = ArtifactStore {
        filesystem: Some(FilesystemStore {
            volume_claim_name: "v".to_owned(),
            prefix: Some("../escape".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    let err = Store::from_config(&config, &StoreSecrets::default()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let root = tempfile::tempdir().unwrap();
    let secrets = StoreSecrets {
        filesystem_root: Some(root.path().to_owned()),
        ..StoreSecrets::default()
    };
    let err = Store::from_config(&config, &secrets).unwrap_err();
    assert!(err.to_string().contains(".."), "{err}");
    assert_eq!(err.reason(), "ArtifactUploadFailed");
}

/// GCS and Azure configurations build clients (no request is made) and name objects with their URI schemes.
#[test]
fn cloud_configurations_build_with_their_uris() {
    use kruntimes_api::v1alpha1::runtime::{AzureStore, GcsStore};
    let gcs = ArtifactStore {
        gcs: Some(GcsStore {
            bucket: "bkt".to_owned(),
            prefix: Some("a/b".to_owned()),
            credentials_secret_name: None,
        }),
        ..ArtifactStore::default()
    };
    let store = Store::from_config(&gcs, &StoreSecrets::default()).unwrap();
    let key = store.key(&run(), "x.txt").unwrap();
    assert_eq!(
        store.uri(&key),
        "gs://bkt/a/b/team-a/build-1/0b7c-uid/2/x.txt"
    );
    assert_eq!(store.key_of(&store.uri(&key)).unwrap(), key);

    let azure = ArtifactStore {
        azure: Some(AzureStore {
            account: "acct".to_owned(),
            container: "cont".to_owned(),
            prefix: None,
            credentials_secret_name: Some("azure".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    let secrets = StoreSecrets {
        azure_account_key: Some("dGVzdC1rZXk=".to_owned()),
        ..StoreSecrets::default()
    };
    let store = Store::from_config(&azure, &secrets).unwrap();
    let key = store.key(&run(), "x y/z").unwrap();
    let uri = store.uri(&key);
    assert!(
        uri.starts_with("https://acct.blob.core.windows.net/cont/team-a/build-1/0b7c-uid/2/"),
        "{uri}"
    );
    // A `/` inside a name is one encoded segment, never a new level.
    assert_eq!(key.parts().count(), 5, "{key}");
}
