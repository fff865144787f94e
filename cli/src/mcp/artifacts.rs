//! A call's artifacts, as MCP resources.
//!
//! A program writes files (or directories) into `$KRUNTIME_ARTIFACTS_DIR`. When its Run has ended they are
//! harvested with the same checks as on a cluster (`krt local`'s [`crate::artifacts::collect`]: names, sizes,
//! a directory as a `.tar.gz`) into the server's store; the call's result lists them (name, `uri`, SHA-256, size,
//! media type) and `resources/read` of such a `uri` returns the bytes: as text when the media type is a text one
//! and the bytes are UTF-8, else base64. Only artifacts this server stored can be read; any other URI is refused.
//!
//! The store is bounded: when its artifacts hold more than `--max-artifact-bytes`, the oldest are removed (a
//! later read of one says it was). Everything is removed when the server stops.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use rmcp::ErrorData;
use rmcp::model::{Resource, ResourceContents};

use crate::artifacts::LocalStore;

/// Largest artifact a `resources/read` returns; larger ones are listed but must be read some other way.
pub(crate) const MAX_READ_BYTES: u64 = 16 << 20;

/// The artifacts the server stored, oldest first.
pub(crate) struct Artifacts {
    store: LocalStore,
    max_bytes: u64,
    kept: Mutex<VecDeque<ArtifactRef>>,
}

impl Artifacts {
    /// A store in `dir` keeping at most `max_bytes` of artifacts.
    pub(crate) fn new(dir: &Path, max_bytes: u64) -> Self {
        Self {
            store: LocalStore::Shared(dir.to_path_buf()),
            max_bytes,
            kept: Mutex::new(VecDeque::new()),
        }
    }

    /// Where calls' artifacts are stored.
    pub(crate) fn store(&self) -> &LocalStore {
        &self.store
    }

    /// The store's directory (created).
    pub(crate) fn dir(&self) -> &Path {
        let (LocalStore::Shared(dir) | LocalStore::Chosen(dir)) = &self.store;
        let _ = std::fs::create_dir_all(dir);
        dir
    }

    /// The harvest limits of one call: the cluster's, but never more than the whole store keeps.
    pub(crate) fn limits(&self) -> kruntimes_artifacts::Limits {
        let defaults = kruntimes_artifacts::Limits::default();
        kruntimes_artifacts::Limits {
            max_artifact_bytes: defaults.max_artifact_bytes.min(self.max_bytes),
            max_total_bytes: defaults.max_total_bytes.min(self.max_bytes),
            ..defaults
        }
    }

    /// Records a call's stored artifacts, then removes the oldest while the store holds more than its limit.
    pub(crate) fn add(&self, stored: &[ArtifactRef]) {
        let mut kept = self.kept();
        kept.extend(stored.iter().cloned());
        let mut total: u64 = kept.iter().map(size).sum();
        while total > self.max_bytes {
            let Some(oldest) = kept.pop_front() else {
                break;
            };
            total -= size(&oldest);
            if let Some(path) = local_path(&oldest.uri) {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Every artifact the store holds, as resources.
    pub(crate) fn resources(&self) -> Vec<Resource> {
        self.kept()
            .iter()
            .map(|a| {
                let resource = Resource::new(a.uri.clone(), a.name.clone())
                    .with_size(size(a))
                    .with_description(format!("artifact {} (sha256 {})", a.name, a.sha256));
                match &a.media_type {
                    Some(media) => resource.with_mime_type(media.clone()),
                    None => resource,
                }
            })
            .collect()
    }

    /// The contents of the artifact at `uri`.
    pub(crate) async fn read(&self, uri: &str) -> Result<ResourceContents, ErrorData> {
        let Some(artifact) = self.kept().iter().find(|a| a.uri == uri).cloned() else {
            return Err(ErrorData::resource_not_found(
                format!(
                    "{uri}: not an artifact this server keeps (it lists them in resources/list; the oldest are \
                     removed beyond --max-artifact-bytes)"
                ),
                None,
            ));
        };
        if size(&artifact) > MAX_READ_BYTES {
            return Err(ErrorData::invalid_params(
                format!(
                    "{uri}: {} bytes, more than the {MAX_READ_BYTES} a resource read returns",
                    size(&artifact)
                ),
                None,
            ));
        }
        let path = local_path(uri)
            .ok_or_else(|| ErrorData::internal_error(format!("{uri}: not a file URI"), None))?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| ErrorData::internal_error(format!("reading {uri}: {e}"), None))?;
        let media = artifact
            .media_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let contents = match String::from_utf8(bytes) {
            Ok(text) if is_text(&media) => ResourceContents::text(text, uri),
            Ok(text) => ResourceContents::blob(
                base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
                uri,
            ),
            Err(binary) => ResourceContents::blob(
                base64::engine::general_purpose::STANDARD.encode(binary.as_bytes()),
                uri,
            ),
        };
        Ok(contents.with_mime_type(media))
    }

    fn kept(&self) -> MutexGuard<'_, VecDeque<ArtifactRef>> {
        // Every critical section is a push, a pop or a scan.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn size(artifact: &ArtifactRef) -> u64 {
    u64::try_from(artifact.size_bytes).unwrap_or(0)
}

/// The file a `file://` URI of the local store names.
fn local_path(uri: &str) -> Option<PathBuf> {
    uri.strip_prefix("file://").map(PathBuf::from)
}

/// Media types whose bytes are text.
fn is_text(media: &str) -> bool {
    media.starts_with("text/")
        || matches!(
            media.split(';').next().unwrap_or_default().trim(),
            "application/json"
                | "application/jsonl"
                | "application/x-ndjson"
                | "application/yaml"
                | "application/toml"
                | "application/xml"
                | "image/svg+xml"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(dir: &Path, name: &str, bytes: &[u8], media: &str) -> ArtifactRef {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        ArtifactRef {
            name: name.to_owned(),
            uri: format!("file://{}", path.display()),
            sha256: "0".repeat(64),
            size_bytes: i64::try_from(bytes.len()).unwrap(),
            media_type: Some(media.to_owned()),
        }
    }

    /// Beyond the limit the oldest artifacts go, files and all; the rest stay listed and readable.
    #[tokio::test]
    async fn the_oldest_artifacts_go_beyond_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = Artifacts::new(dir.path(), 10);
        let first = artifact(dir.path(), "a.txt", b"123456", "text/plain");
        let second = artifact(
            dir.path(),
            "b.bin",
            &[0xff, 0, 1],
            "application/octet-stream",
        );
        artifacts.add(std::slice::from_ref(&first));
        artifacts.add(std::slice::from_ref(&second));
        assert_eq!(artifacts.resources().len(), 2);
        let third = artifact(dir.path(), "c.txt", b"7890", "text/plain");
        artifacts.add(std::slice::from_ref(&third));
        let uris: Vec<String> = artifacts.resources().into_iter().map(|r| r.uri).collect();
        assert_eq!(uris, [second.uri.clone(), third.uri.clone()]);
        assert!(!dir.path().join("a.txt").exists());
        let err = artifacts.read(&first.uri).await.unwrap_err();
        assert!(
            err.message.contains("not an artifact this server keeps"),
            "{}",
            err.message
        );
        match artifacts.read(&third.uri).await.unwrap() {
            ResourceContents::TextResourceContents { text, .. } => assert_eq!(text, "7890"),
            other => panic!("{other:?}"),
        }
        match artifacts.read(&second.uri).await.unwrap() {
            ResourceContents::BlobResourceContents { blob, .. } => assert_eq!(blob, "/wAB"),
            other => panic!("{other:?}"),
        }
    }

    /// A URI the server did not store is refused, however it is spelled.
    #[tokio::test]
    async fn only_stored_artifacts_can_be_read() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = Artifacts::new(dir.path(), 1 << 20);
        for uri in ["file:///etc/passwd", "file://relative", "krt://x"] {
            assert!(artifacts.read(uri).await.is_err(), "{uri}");
        }
    }
}
