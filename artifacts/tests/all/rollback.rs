//! Rollback: a failure part-way through an upload deletes what was already stored.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use futures::stream::BoxStream;
use kruntimes_artifacts::{Error, Harvested, Store};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use crate::fixtures::run;

/// Delegates to an in-memory store, failing the `fail_put`-th put (1-based) and, if set, every delete.
#[derive(Debug)]
struct Failing {
    inner: Arc<InMemory>,
    fail_put: usize,
    fail_deletes: bool,
    puts: AtomicUsize,
}

impl fmt::Display for Failing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failing({})", self.inner)
    }
}

fn injected() -> object_store::Error {
    object_store::Error::Generic {
        store: "Failing",
        source: "injected failure".into(),
    }
}

#[async_trait::async_trait]
impl ObjectStore for Failing {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        if self.puts.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_put {
            return Err(injected());
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        if self.fail_deletes {
            return locations.map(|_| Err(injected())).boxed();
        }
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

fn three() -> Vec<Harvested> {
    vec![
        Harvested::from_bytes("a.txt", "a"),
        Harvested::from_bytes("b.txt", "b"),
        Harvested::from_bytes("c.txt", "c"),
    ]
}

async fn keys(store: &InMemory) -> Vec<String> {
    let mut keys: Vec<String> = store
        .list(None)
        .map(|meta| meta.unwrap().location.to_string())
        .collect()
        .await;
    keys.sort();
    keys
}

/// When the second put fails, the first object is deleted and the error says the upload was rolled back.
#[tokio::test]
async fn failed_upload_rolls_back_stored_objects() {
    let inner = Arc::new(InMemory::new());
    let failing = Failing {
        inner: inner.clone(),
        fail_put: 2,
        fail_deletes: false,
        puts: AtomicUsize::new(0),
    };
    let store = Store::new(Arc::new(failing), "mem://bucket", Some("p/"), true);
    let err = store.upload(&run(), &three()).await.unwrap_err();
    assert!(
        matches!(err, Error::Upload { ref name, .. } if name == "b.txt"),
        "{err}"
    );
    assert_eq!(err.reason(), "ArtifactUploadFailed");
    let message = err.to_string();
    assert!(
        message.contains("mem://bucket/p/team-a/build-1/0b7c-uid/2/b.txt"),
        "{message}"
    );
    assert!(message.contains("rolled back"), "{message}");
    assert!(keys(&inner).await.is_empty());

    // Without failures all three are stored.
    let ok = Store::new(inner.clone(), "mem://bucket", Some("p"), true);
    assert_eq!(ok.upload(&run(), &three()).await.unwrap().len(), 3);
    assert_eq!(keys(&inner).await.len(), 3);
}

/// When the rollback cannot delete either, the error lists the objects left behind.
#[tokio::test]
async fn failed_rollback_reports_leftover_objects() {
    let inner = Arc::new(InMemory::new());
    let failing = Failing {
        inner: inner.clone(),
        fail_put: 3,
        fail_deletes: true,
        puts: AtomicUsize::new(0),
    };
    let store = Store::new(Arc::new(failing), "mem://bucket", None, true);
    let err = store.upload(&run(), &three()).await.unwrap_err();
    let Error::Upload { leftover, .. } = &err else {
        panic!("{err}");
    };
    // a and b were stored; c failed but may exist server-side, so its delete was tried as well.
    assert_eq!(leftover.len(), 3, "{leftover:?}");
    assert!(
        err.to_string().contains("rollback failed, 3 objects left"),
        "{err}"
    );
    assert_eq!(keys(&inner).await.len(), 2);
}
