//! object_store's own conformance checks (`object_store::integration`) against moto, through the client our
//! `Store` builds from an `artifactStore`: if moto or our client configuration (path style, endpoint, region,
//! credentials) diverged from what object_store expects of S3, these fail before any artifact test does.

use kruntimes_api::v1alpha1::runtime::{ArtifactStore, S3Store};
use kruntimes_artifacts::Store;
use object_store::integration;

use crate::moto::Moto;

#[tokio::test]
async fn object_store_conformance_against_moto() {
    let mut moto = Moto::start().await;
    moto.create_bucket("conformance").await;
    let config = ArtifactStore {
        s3: Some(S3Store {
            bucket: "conformance".to_owned(),
            region: Some("us-east-1".to_owned()),
            endpoint: Some(moto.endpoint.clone()),
            force_path_style: Some(true),
            ..S3Store::default()
        }),
        ..ArtifactStore::default()
    };
    let secrets = crate::moto::secrets();
    let store = Store::from_config(&config, &secrets).unwrap();
    let storage = store.object_store().as_ref();
    integration::put_get_delete_list(storage).await;
    integration::get_opts(storage).await;
    integration::list_uses_directories_correctly(storage).await;
    integration::list_with_delimiter(storage).await;
    integration::stream_get(storage).await;
    integration::put_get_attributes(storage).await;
    moto.child.kill().await.unwrap();
}
