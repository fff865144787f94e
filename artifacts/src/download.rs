//! Fetching one stored artifact to a local file.
//!
//! The bytes are streamed into a temporary file next to the destination while their SHA-256 and size are
//! computed; only when both match the [`ArtifactRef`] is the file renamed over the destination (atomic on one
//! filesystem). On a mismatch or any error the temporary file is removed and the destination is untouched.

use std::path::Path;

use futures::StreamExt;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::store::Store;

/// Downloads `artifact` from `store` to `dest`, verifying its digest and size. See the module docs.
pub async fn download(store: &Store, artifact: &ArtifactRef, dest: &Path) -> Result<()> {
    let key = store.key_of(&artifact.uri)?;
    let download_err = |source| Error::Download {
        uri: artifact.uri.clone(),
        source: Box::new(source),
    };
    let stream = store
        .object_store()
        .get(&key)
        .await
        .map_err(download_err)?
        .into_stream();
    write_verified(stream, artifact, dest).await
}

/// Writes the bytes of `stream`, `artifact`'s content from wherever it is read (a store, runtimed), to `dest`,
/// verifying its digest and size. See the module docs.
pub async fn write_verified(
    stream: impl futures::Stream<Item = object_store::Result<bytes::Bytes>>,
    artifact: &ArtifactRef,
    dest: &Path,
) -> Result<()> {
    let mut stream = std::pin::pin!(stream);
    let write_err = |source| Error::Write {
        path: dest.display().to_string(),
        source,
    };
    let dir = match dest.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".krt-download-")
        .tempfile_in(dir)
        .map_err(write_err)?;
    let mut file = tokio::fs::File::from_std(temp.reopen().map_err(write_err)?);
    let download_err = |source| Error::Download {
        uri: artifact.uri.clone(),
        source: Box::new(source),
    };
    let expected_size = u64::try_from(artifact.size_bytes).unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(download_err)?;
        size += chunk.len() as u64;
        if size > expected_size {
            // Stop early: a larger object can never match, and it must not fill the disk.
            return Err(mismatch(
                artifact,
                &format!("more than {expected_size} bytes"),
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(write_err)?;
    }
    let sha256 = hex::encode(hasher.finalize());
    if size != expected_size || sha256 != artifact.sha256 {
        return Err(mismatch(
            artifact,
            &format!("sha256 {sha256}, {size} bytes"),
        ));
    }
    file.sync_all().await.map_err(write_err)?;
    drop(file);
    temp.persist(dest).map_err(|err| write_err(err.error))?;
    Ok(())
}

fn mismatch(artifact: &ArtifactRef, actual: &str) -> Error {
    Error::Mismatch {
        uri: artifact.uri.clone(),
        expected: format!("sha256 {}, {} bytes", artifact.sha256, artifact.size_bytes),
        actual: actual.to_owned(),
    }
}
