//! Object storage for artifacts: building the client from a Runtime's `artifactStore`, uploading with rollback,
//! and deleting a Run's objects.
//!
//! # Object keys
//!
//! `<prefix>/<namespace>/<run-name>/<run-uid>/<attempt>/<object-name>`, where the object name is the artifact's
//! name, plus `.tar.gz` for a directory. Each segment is one `object_store` path part: a `/` inside a value is
//! percent-encoded, never a new level. The run UID and attempt make keys unique per execution, so a retried
//! attempt never overwrites what an earlier one stored.
//!
//! A store made [`Store::keyed_by_name`] (an output directory chosen for one Run, `krt local --artifacts-dir`)
//! uses `<prefix>/<object-name>`: a later Run's artifact of the same name replaces the earlier one.
//!
//! # URIs
//!
//! `ArtifactRef.uri` is the store's base URI plus the key: `s3://<bucket>/<key>`, `gs://<bucket>/<key>`,
//! `https://<account>.blob.core.windows.net/<container>/<key>`, `file://<root>/<key>`. A [`Store`] only acts on
//! URIs under its own base ([`Error::ForeignUri`]), so a forged reference cannot make it touch other objects.
//!
//! # Guarantees
//!
//! - [`Store::upload`] either returns a reference for every artifact or deletes every object it wrote (including
//!   the one that failed, which a timed-out request may still have created) and returns [`Error::Upload`], which
//!   lists any object the rollback could not delete.
//! - [`Store::delete_run_artifacts`] is idempotent: an object that is already gone counts as deleted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Secret;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use object_store::path::{Path as ObjectPath, PathPart};
use object_store::{
    Attribute, Attributes, ObjectMeta, ObjectStore, ObjectStoreExt, PutMultipartOptions,
    PutOptions, RetryConfig, WriteMultipart,
};

use crate::error::{Error, OpenError, Result};
use crate::harvest::Harvested;

/// Artifacts up to this size are sent in one request; larger ones as a multipart upload.
pub const SINGLE_PUT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Part size of multipart uploads (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight per multipart upload: bounds memory to about `PART_BYTES * (this + 1)`.
const PARTS_IN_FLIGHT: usize = 2;

/// Which execution the artifacts belong to; every field becomes one segment of the object keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunIdentity {
    /// Namespace of the Run.
    pub namespace: String,
    /// Name of the Run.
    pub name: String,
    /// UID of the Run.
    pub uid: String,
    /// Attempt number (`status.attempt`).
    pub attempt: u32,
}

/// S3 credentials, read by the caller from the Runtime's `credentialsSecretName`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What the API object cannot hold: secret values and local paths, resolved by the caller.
///
/// A backend without credentials here uses the ambient identity from the environment (IRSA / workload
/// identity / the `AWS_*`, `GOOGLE_*`, `AZURE_*` variables).
#[derive(Clone, Debug, Default)]
pub struct StoreSecrets {
    /// Credentials for `s3`.
    pub s3: Option<S3Credentials>,
    /// Service-account key JSON for `gcs`.
    pub gcs_service_account_key: Option<String>,
    /// Account key for `azure`.
    pub azure_account_key: Option<String>,
    /// Where the `filesystem` store's volume is mounted in this process (required for `filesystem`).
    pub filesystem_root: Option<PathBuf>,
}

impl StoreSecrets {
    /// The Secret (in the Run's namespace) the store's credentials are read from, if it names one.
    pub fn secret_name(config: &ArtifactStore) -> Option<&str> {
        config
            .s3
            .as_ref()
            .and_then(|s| s.credentials_secret_name.as_deref())
            .or_else(|| {
                config
                    .gcs
                    .as_ref()
                    .and_then(|g| g.credentials_secret_name.as_deref())
            })
            .or_else(|| {
                config
                    .azure
                    .as_ref()
                    .and_then(|a| a.credentials_secret_name.as_deref())
            })
    }

    /// [`StoreSecrets::from_secret_data`] of a Secret object as the API returns it (`data`, base64-decoded).
    pub fn from_secret(
        config: &ArtifactStore,
        secret: &k8s_openapi::api::core::v1::Secret,
    ) -> Result<Self> {
        let data: std::collections::BTreeMap<String, Vec<u8>> = secret
            .data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect();
        Self::from_secret_data(config, &data)
    }

    /// The credentials in `data`, the Secret [`StoreSecrets::secret_name`] names, under the keys the API
    /// documents: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and optional `AWS_SESSION_TOKEN`) for `s3`,
    /// `service-account.json` for `gcs`, `AZURE_STORAGE_ACCOUNT_KEY` for `azure`. A missing key is an error
    /// naming the Secret and the key.
    pub fn from_secret_data(
        config: &ArtifactStore,
        data: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<Self> {
        let name = Self::secret_name(config).unwrap_or_default();
        let get = |key: &str| -> Result<String> {
            let bytes = data
                .get(key)
                .ok_or_else(|| Error::Config(format!("Secret {name:?} has no key {key:?}")))?;
            String::from_utf8(bytes.clone())
                .map(|v| v.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|_| Error::Config(format!("Secret {name:?}: {key:?} is not UTF-8")))
        };
        let mut secrets = StoreSecrets::default();
        if config.s3.is_some() {
            secrets.s3 = Some(S3Credentials {
                access_key_id: get("AWS_ACCESS_KEY_ID")?,
                secret_access_key: get("AWS_SECRET_ACCESS_KEY")?,
                session_token: get("AWS_SESSION_TOKEN").ok(),
            });
        } else if config.gcs.is_some() {
            secrets.gcs_service_account_key = Some(get("service-account.json")?);
        } else if config.azure.is_some() {
            secrets.azure_account_key = Some(get("AZURE_STORAGE_ACCOUNT_KEY")?);
        }
        Ok(secrets)
    }
}

/// An artifact store: an `object_store` client, the key prefix and the URI base.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: Vec<String>,
    base_uri: String,
    /// Whether the backend stores attributes (content type); the local filesystem does not.
    attributes: bool,
    /// Whether keys name the execution (module docs); false for [`Store::keyed_by_name`].
    per_execution: bool,
}

impl Store {
    /// Wraps an existing client. `base_uri` (no trailing `/`) is what [`ArtifactRef::uri`] values start with;
    /// `prefix` is split on `/` into key segments.
    pub fn new(
        inner: Arc<dyn ObjectStore>,
        base_uri: impl Into<String>,
        prefix: Option<&str>,
        attributes: bool,
    ) -> Self {
        Store {
            inner,
            prefix: split_prefix(prefix),
            base_uri: base_uri.into().trim_end_matches('/').to_owned(),
            attributes,
            per_execution: true,
        }
    }

    /// This store with keys that are the object name alone (module docs).
    #[must_use]
    pub fn keyed_by_name(mut self) -> Self {
        self.per_execution = false;
        self
    }

    /// Opens the store of `config` for a Run in `namespace`: reads the credentials Secret it names (if any) with
    /// `read_secret`, which returns the Secret, `None` when it does not exist, or why it cannot be read. What the
    /// controller, runtimed and `krt` each do with their own Kubernetes client. `filesystem_root` is where a
    /// `filesystem` store's volume is mounted in this process.
    ///
    /// # Errors
    ///
    /// [`OpenError`]: the Secret cannot be read or does not exist, a key is missing, or the client cannot be built.
    pub async fn open(
        config: &ArtifactStore,
        namespace: &str,
        filesystem_root: Option<PathBuf>,
        read_secret: impl AsyncFnOnce(&str) -> std::result::Result<Option<Secret>, String>,
    ) -> std::result::Result<Self, OpenError> {
        let mut secrets = match StoreSecrets::secret_name(config) {
            Some(name) => {
                let secret = read_secret(name)
                    .await
                    .map_err(|reason| OpenError::ReadSecret {
                        namespace: namespace.to_owned(),
                        name: name.to_owned(),
                        reason,
                    })?
                    .ok_or_else(|| OpenError::NoSecret {
                        namespace: namespace.to_owned(),
                        name: name.to_owned(),
                    })?;
                StoreSecrets::from_secret(config, &secret)?
            }
            None => StoreSecrets::default(),
        };
        secrets.filesystem_root = filesystem_root;
        Ok(Self::from_config(config, &secrets)?)
    }

    /// Builds the client for a Runtime's `artifactStore`.
    ///
    /// Exactly one backend must be set (the CRD enforces it; this re-checks). `filesystem` needs
    /// [`StoreSecrets::filesystem_root`]; its `prefix` is a directory below that root, created if missing.
    pub fn from_config(config: &ArtifactStore, secrets: &StoreSecrets) -> Result<Self> {
        let set = [
            config.s3.is_some(),
            config.gcs.is_some(),
            config.azure.is_some(),
            config.filesystem.is_some(),
        ];
        if set.iter().filter(|set| **set).count() != 1 {
            return Err(Error::Config(
                "exactly one of s3, gcs, azure and filesystem must be set".to_owned(),
            ));
        }
        if config.filesystem.is_none() {
            install_crypto_provider();
        }
        if let Some(s3) = &config.s3 {
            let mut builder = match &secrets.s3 {
                Some(creds) => {
                    let builder = object_store::aws::AmazonS3Builder::new()
                        .with_access_key_id(&creds.access_key_id)
                        .with_secret_access_key(&creds.secret_access_key);
                    match &creds.session_token {
                        Some(token) => builder.with_token(token),
                        None => builder,
                    }
                }
                None => object_store::aws::AmazonS3Builder::from_env(),
            };
            builder = builder
                .with_bucket_name(&s3.bucket)
                .with_region(s3.region.as_deref().unwrap_or("us-east-1"))
                .with_retry(retry());
            if let Some(endpoint) = &s3.endpoint {
                // object_store addresses buckets by path (`endpoint/bucket`) unless told the endpoint already
                // names the bucket, so `forcePathStyle` needs no setting here.
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"));
            }
            let client = builder.build().map_err(|source| Error::Client {
                backend: "s3",
                source: Box::new(source),
            })?;
            return Ok(Store::new(
                Arc::new(client),
                format!("s3://{}", s3.bucket),
                s3.prefix.as_deref(),
                true,
            ));
        }
        if let Some(gcs) = &config.gcs {
            let mut builder = match &secrets.gcs_service_account_key {
                Some(key) => object_store::gcp::GoogleCloudStorageBuilder::new()
                    .with_service_account_key(key),
                None => object_store::gcp::GoogleCloudStorageBuilder::from_env(),
            };
            builder = builder.with_bucket_name(&gcs.bucket).with_retry(retry());
            let client = builder.build().map_err(|source| Error::Client {
                backend: "gcs",
                source: Box::new(source),
            })?;
            return Ok(Store::new(
                Arc::new(client),
                format!("gs://{}", gcs.bucket),
                gcs.prefix.as_deref(),
                true,
            ));
        }
        if let Some(azure) = &config.azure {
            let mut builder = match &secrets.azure_account_key {
                Some(key) => object_store::azure::MicrosoftAzureBuilder::new().with_access_key(key),
                None => object_store::azure::MicrosoftAzureBuilder::from_env(),
            };
            builder = builder
                .with_account(&azure.account)
                .with_container_name(&azure.container)
                .with_retry(retry());
            let client = builder.build().map_err(|source| Error::Client {
                backend: "azure",
                source: Box::new(source),
            })?;
            return Ok(Store::new(
                Arc::new(client),
                format!(
                    "https://{}.blob.core.windows.net/{}",
                    azure.account, azure.container
                ),
                azure.prefix.as_deref(),
                true,
            ));
        }
        let fs = config.filesystem.as_ref();
        let Some(root) = &secrets.filesystem_root else {
            return Err(Error::Config(
                "the filesystem store needs the path its volume is mounted at".to_owned(),
            ));
        };
        let mut root = root.clone();
        for part in split_prefix(fs.and_then(|fs| fs.prefix.as_deref())) {
            if part == "." || part == ".." {
                return Err(Error::Config(format!(
                    "filesystem prefix may not contain {part}"
                )));
            }
            root.push(part);
        }
        Store::filesystem(root)
    }

    /// A store in a local directory (created if missing), with `file://` URIs and no key prefix.
    pub fn filesystem(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let config_err = |err: std::io::Error| {
            Error::Config(format!(
                "cannot use {} as filesystem store: {err}",
                root.display()
            ))
        };
        std::fs::create_dir_all(&root).map_err(config_err)?;
        let root = std::fs::canonicalize(&root).map_err(config_err)?;
        let client = object_store::local::LocalFileSystem::new_with_prefix(&root)
            .map_err(|source| Error::Client {
                backend: "filesystem",
                source: Box::new(source),
            })?
            // Removes directories left empty by deletes, so cleaned-up Runs leave no trace.
            .with_automatic_cleanup(true);
        let base = format!("file://{}", root.display());
        Ok(Store::new(Arc::new(client), base, None, false))
    }

    /// The underlying `object_store` client.
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// The key of `object_name` for `run`.
    pub fn key(&self, run: &RunIdentity, object_name: &str) -> Result<ObjectPath> {
        let attempt = run.attempt.to_string();
        let execution = [run.namespace.as_str(), &run.name, &run.uid, &attempt];
        let execution = if self.per_execution {
            &execution[..]
        } else {
            &[]
        };
        let segments: Vec<&str> = execution.iter().copied().chain([object_name]).collect();
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(Error::Config(format!(
                "cannot build an object key from {run:?} and {object_name:?}: empty, `.` or `..` segment"
            )));
        }
        Ok(self
            .prefix
            .iter()
            .map(String::as_str)
            .chain(segments)
            .map(PathPart::from)
            .collect())
    }

    /// The URI of `key` in this store.
    pub fn uri(&self, key: &ObjectPath) -> String {
        format!("{}/{key}", self.base_uri)
    }

    /// The key of a URI of this store.
    pub fn key_of(&self, uri: &str) -> Result<ObjectPath> {
        let foreign = || Error::ForeignUri {
            uri: uri.to_owned(),
            base: self.base_uri.clone(),
        };
        let key = uri
            .strip_prefix(&self.base_uri)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(foreign)?;
        let key = ObjectPath::parse(key).map_err(|_| foreign())?;
        if key.as_ref().is_empty() {
            return Err(foreign());
        }
        Ok(key)
    }

    /// Uploads every artifact of one execution and returns their references, in the order given.
    ///
    /// On any failure, deletes what this call stored and returns [`Error::Upload`] (see the module's
    /// Guarantees).
    pub async fn upload(
        &self,
        run: &RunIdentity,
        artifacts: &[Harvested],
    ) -> Result<Vec<ArtifactRef>> {
        let mut stored: Vec<ObjectPath> = Vec::with_capacity(artifacts.len());
        let mut refs = Vec::with_capacity(artifacts.len());
        for artifact in artifacts {
            let key = self.key(run, &artifact.object_name())?;
            let uri = self.uri(&key);
            if let Err(source) = self.put(&key, artifact).await {
                stored.push(key);
                let leftover = self.rollback(&stored).await;
                return Err(Error::Upload {
                    name: artifact.name.clone(),
                    uri,
                    leftover,
                    source: Box::new(source),
                });
            }
            stored.push(key);
            refs.push(ArtifactRef {
                name: artifact.name.clone(),
                uri,
                sha256: artifact.sha256.clone(),
                size_bytes: i64::try_from(artifact.size).unwrap_or(i64::MAX),
                media_type: Some(artifact.media_type.to_owned()),
            });
        }
        Ok(refs)
    }

    /// Deletes the objects of `refs` (for example a Run's `status.artifactRefs`). Idempotent: objects already
    /// gone are fine. Tries every reference and returns the first error.
    pub async fn delete_run_artifacts(&self, refs: &[ArtifactRef]) -> Result<()> {
        let mut first_error = None;
        for artifact in refs {
            let result = match self.key_of(&artifact.uri) {
                Ok(key) => self.delete(&key).await.map_err(|source| Error::Delete {
                    uri: artifact.uri.clone(),
                    source: Box::new(source),
                }),
                Err(err) => Err(err),
            };
            if let Err(err) = result {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The key prefix under which every attempt of one Run stores its artifacts.
    pub fn run_prefix(&self, namespace: &str, name: &str, uid: &str) -> Result<ObjectPath> {
        if [namespace, name, uid]
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(Error::Config(format!(
                "cannot build a key prefix from {namespace:?}/{name:?}/{uid:?}: empty, `.` or `..` segment"
            )));
        }
        Ok(self
            .prefix
            .iter()
            .map(String::as_str)
            .chain([namespace, name, uid])
            .map(PathPart::from)
            .collect())
    }

    /// Deletes every object one Run stored, in any attempt: everything under [`Store::run_prefix`], so
    /// also objects whose references never reached the Run's status (runtimed stopped between the upload
    /// and the status write). Idempotent; returns how many objects it deleted. Tries every object and
    /// returns the first error.
    pub async fn delete_run(&self, namespace: &str, name: &str, uid: &str) -> Result<usize> {
        let prefix = self.run_prefix(namespace, name, uid)?;
        let listed: Vec<ObjectMeta> = match self.inner.list(Some(&prefix)).try_collect().await {
            Ok(listed) => listed,
            // A filesystem store without the prefix directory holds nothing for this Run.
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(source) => {
                return Err(Error::Delete {
                    uri: self.uri(&prefix),
                    source: Box::new(source),
                });
            }
        };
        let mut first_error = None;
        let mut deleted = 0;
        for object in &listed {
            match self.delete(&object.location).await {
                Ok(()) => deleted += 1,
                Err(source) => {
                    first_error.get_or_insert(Error::Delete {
                        uri: self.uri(&object.location),
                        source: Box::new(source),
                    });
                }
            }
        }
        first_error.map_or(Ok(deleted), Err)
    }

    async fn delete(&self, key: &ObjectPath) -> object_store::Result<()> {
        match self.inner.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Deletes `keys`; returns the URIs that could not be deleted.
    async fn rollback(&self, keys: &[ObjectPath]) -> Vec<String> {
        let mut leftover = Vec::new();
        for key in keys {
            if self.delete(key).await.is_err() {
                leftover.push(self.uri(key));
            }
        }
        leftover
    }

    fn attributes(&self, media_type: &str) -> Attributes {
        let mut attributes = Attributes::new();
        if self.attributes {
            attributes.insert(Attribute::ContentType, media_type.to_owned().into());
        }
        attributes
    }

    async fn put(&self, key: &ObjectPath, artifact: &Harvested) -> object_store::Result<()> {
        let attributes = self.attributes(artifact.media_type);
        if let Some(bytes) = artifact.memory() {
            let options = PutOptions::from(attributes);
            self.inner
                .put_opts(key, bytes.clone().into(), options)
                .await?;
            return Ok(());
        }
        if artifact.size <= SINGLE_PUT_MAX_BYTES {
            let bytes = read_part(artifact, 0, artifact.size).await?;
            self.inner
                .put_opts(key, bytes.into(), PutOptions::from(attributes))
                .await?;
            return Ok(());
        }
        let upload = self
            .inner
            .put_multipart_opts(key, PutMultipartOptions::from(attributes))
            .await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut offset = 0;
        while offset < artifact.size {
            let len = (artifact.size - offset).min(PART_BYTES as u64);
            let part = match read_part(artifact, offset, len).await {
                Ok(part) => part,
                Err(err) => {
                    // Best effort: the upload is abandoned either way; the caller also deletes the key.
                    let _aborted = writer.abort().await;
                    return Err(err);
                }
            };
            if let Err(err) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _aborted = writer.abort().await;
                return Err(err);
            }
            writer.write(&part);
            offset += len;
        }
        writer.finish().await?;
        Ok(())
    }
}

/// Reads `len` bytes at `offset` of a spooled artifact on a blocking thread.
async fn read_part(artifact: &Harvested, offset: u64, len: u64) -> object_store::Result<Bytes> {
    let generic = |source: Box<dyn std::error::Error + Send + Sync>| object_store::Error::Generic {
        store: "kruntimes-artifacts spool",
        source,
    };
    let len = usize::try_from(len).map_err(|err| generic(Box::new(err)))?;
    let Some(file) = artifact.file() else {
        return artifact
            .read_range(offset, len)
            .map_err(|err| generic(Box::new(err)));
    };
    let file = file.map_err(|err| generic(Box::new(err)))?;
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0; len];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut buf, offset)?;
        Ok::<_, std::io::Error>(Bytes::from(buf))
    })
    .await
    .map_err(|err| generic(Box::new(err)))?
    .map_err(|err| generic(Box::new(err)))
}

/// Makes ring rustls's process-wide crypto provider, unless one is installed already.
///
/// object_store's reqwest client is built with `rustls-no-provider` and panics without a process default.
/// ring is the provider kube uses in this workspace; installing it only when none is set mirrors what kube-client
/// does for aws-lc-rs, so whichever component comes first wins and both keep working.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Fails only if another thread installed one in between, which is just as good.
        let _installed = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Retries bounded well below the default three minutes: a Run's terminal status waits on the upload.
fn retry() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        retry_timeout: Duration::from_secs(60),
        ..RetryConfig::default()
    }
}

fn split_prefix(prefix: Option<&str>) -> Vec<String> {
    prefix
        .unwrap_or_default()
        .split('/')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn config(json: serde_json::Value) -> ArtifactStore {
        serde_json::from_value(json).unwrap()
    }

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
            .collect()
    }

    /// Keys name the execution unless the store is keyed by name; either way `.` and `..` are refused.
    #[test]
    fn keys_name_the_execution_or_only_the_object() {
        let client: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let store = Store::new(client, "mem://", Some("team/a"), false);
        let run = RunIdentity {
            namespace: "ns".into(),
            name: "job".into(),
            uid: "u-1".into(),
            attempt: 2,
        };
        assert_eq!(
            store.key(&run, "report.json").unwrap().to_string(),
            "team/a/ns/job/u-1/2/report.json"
        );
        let store = store.keyed_by_name();
        assert_eq!(
            store.key(&run, "report.json").unwrap().to_string(),
            "team/a/report.json"
        );
        assert!(store.key(&run, "..").is_err());
    }

    /// Each backend reads its documented keys from its Secret; a trailing newline (as `kubectl create secret
    /// --from-file` leaves) is dropped; a missing key names the Secret and the key.
    #[test]
    fn secrets_come_from_the_documented_keys() {
        let s3 =
            config(serde_json::json!({"s3": {"bucket": "b", "credentialsSecretName": "creds"}}));
        assert_eq!(StoreSecrets::secret_name(&s3), Some("creds"));
        let secrets = StoreSecrets::from_secret_data(
            &s3,
            &data(&[
                ("AWS_ACCESS_KEY_ID", "id\n"),
                ("AWS_SECRET_ACCESS_KEY", "key"),
            ]),
        )
        .unwrap();
        let creds = secrets.s3.unwrap();
        assert_eq!(
            (
                creds.access_key_id.as_str(),
                creds.secret_access_key.as_str()
            ),
            ("id", "key")
        );
        assert_eq!(creds.session_token, None);
        let err =
            StoreSecrets::from_secret_data(&s3, &data(&[("AWS_ACCESS_KEY_ID", "id")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            Error::Config("Secret \"creds\" has no key \"AWS_SECRET_ACCESS_KEY\"".to_owned())
                .to_string()
        );

        let gcs = config(serde_json::json!({"gcs": {"bucket": "b", "credentialsSecretName": "g"}}));
        let secrets =
            StoreSecrets::from_secret_data(&gcs, &data(&[("service-account.json", "{}")])).unwrap();
        assert_eq!(secrets.gcs_service_account_key.as_deref(), Some("{}"));
        let azure = config(serde_json::json!({"azure": {"account": "a", "container": "c"}}));
        assert_eq!(StoreSecrets::secret_name(&azure), None);
    }
}
