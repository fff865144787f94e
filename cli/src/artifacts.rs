//! Artifacts: `krt artifact list|download` for Runs on a cluster, and local mode's store.
//!
//! `download` reads the artifact from the store its URI names: a `file://` URI where it is (the store of
//! `krt local`, or a volume mounted on this machine), any other through the Run's Runtime's `artifactStore`
//! with the credentials of the Secret it names, read with the user's own access. It verifies the digest and
//! size and writes the file atomically (the artifacts crate's `download`).
//!
//! Artifacts in local mode: after a Run ends, the files it left in `$KRUNTIME_ARTIFACTS_DIR` are harvested
//! (the same checks and limits as runtimed) and stored in a filesystem store ([`LocalStore`]), and reported in
//! `status.artifactRefs` exactly as on a cluster. A Run that succeeded but whose artifacts cannot be stored
//! ends `Failed` with reason `ArtifactInvalid` or `ArtifactUploadFailed`; a Run that had already failed keeps
//! its reason and the message says what happened to its artifacts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use k8s_openapi::api::core::v1::Secret;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::{Run, RunStatus, Runtime};
use kruntimes_artifacts::{Limits, RunIdentity, Store};
use kruntimes_engine::Manager;
use kruntimes_engine::spec::RunId;
use kube::Api;

use crate::args::{ArtifactDownloadArgs, ArtifactListArgs, OutputFormat};
use crate::cluster::{Cluster, block_on};

/// Where `krt local` keeps artifacts. Nothing is created until a Run has artifacts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocalStore {
    /// The default store, `$XDG_DATA_HOME/kruntimes/artifacts` (else `~/.local/share/kruntimes/artifacts`), with
    /// the cluster's key layout (`local/<run>/<uid>/1/<name>`), so that no Run overwrites another's.
    Shared(PathBuf),
    /// `--artifacts-dir DIR`: an output directory holding the files under their own names (a Workflow's step
    /// in `DIR/<step>/`); a later Run's file of the same name replaces the earlier one.
    Chosen(PathBuf),
}

impl LocalStore {
    /// The store `--artifacts-dir` (`flag`) asks for.
    pub(crate) fn from_flag(flag: Option<&Path>) -> Self {
        match flag {
            Some(dir) => Self::Chosen(dir.to_path_buf()),
            None => Self::Shared(
                std::env::var_os("XDG_DATA_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share"))
                    })
                    .unwrap_or_else(std::env::temp_dir)
                    .join("kruntimes")
                    .join("artifacts"),
            ),
        }
    }

    /// Where the artifacts of a Workflow's step `step` go.
    pub(crate) fn for_step(&self, step: &str) -> Self {
        match self {
            Self::Shared(_) => self.clone(),
            Self::Chosen(dir) => Self::Chosen(dir.join(step)),
        }
    }

    fn open(&self) -> kruntimes_artifacts::Result<Store> {
        match self {
            Self::Shared(dir) => Store::filesystem(dir),
            Self::Chosen(dir) => Store::filesystem(dir).map(Store::keyed_by_name),
        }
    }
}

/// Harvests the artifacts of the terminal execution `id` (before it is forgotten), stores them in `store`, and
/// records them in `status`, with the cluster's limits.
pub(crate) async fn collect(
    manager: &Manager,
    id: &RunId,
    run: &RunIdentity,
    store: &LocalStore,
    status: &mut RunStatus,
) -> Result<()> {
    collect_within(manager, id, run, store, status, &Limits::default()).await
}

/// [`collect`] within `limits`.
pub(crate) async fn collect_within(
    manager: &Manager,
    id: &RunId,
    run: &RunIdentity,
    store: &LocalStore,
    status: &mut RunStatus,
    limits: &Limits,
) -> Result<()> {
    let workspace = manager.workspace_path(id)?;
    let relative = Path::new(kruntimes_engine::workspace::KRUNTIMES_DIR)
        .join(kruntimes_engine::workspace::ARTIFACTS_DIR);
    let result = match kruntimes_artifacts::harvest(&workspace, &relative, limits) {
        Ok(harvested) if harvested.is_empty() => Ok(Vec::new()),
        Ok(harvested) => match store.open() {
            Ok(store) => store.upload(run, &harvested).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    kruntimes_artifacts::record(status, result);
    Ok(())
}

/// `krt artifact list`: the Run's `status.artifactRefs`.
pub(crate) fn list(args: &ArtifactListArgs, out: &mut dyn Write) -> Result<ExitCode> {
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let run = get_run(&cluster, &args.run).await?;
        let refs = run.status.map(|s| s.artifact_refs).unwrap_or_default();
        match args.output {
            Some(OutputFormat::Json) => writeln!(out, "{}", serde_json::to_string_pretty(&refs)?)?,
            Some(OutputFormat::Yaml) => write!(out, "{}", serde_yaml::to_string(&refs)?)?,
            None if refs.is_empty() => eprintln!("Run {} has no artifacts.", args.run),
            None => {
                let rows = std::iter::once(
                    ["NAME", "SIZE", "MEDIA TYPE", "SHA256", "URI"]
                        .map(str::to_owned)
                        .to_vec(),
                )
                .chain(refs.iter().map(|a| {
                    vec![
                        a.name.clone(),
                        a.size_bytes.to_string(),
                        a.media_type.clone().unwrap_or_default(),
                        a.sha256.clone(),
                        a.uri.clone(),
                    ]
                }))
                .collect();
                write!(out, "{}", crate::output::table(rows))?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `krt artifact download`: streams one artifact from its store to a file, verifying its digest and size;
/// the file appears (atomically) only when both match.
pub(crate) fn download(args: &ArtifactDownloadArgs, out: &mut dyn Write) -> Result<ExitCode> {
    kruntimes_artifacts::store::install_crypto_provider();
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let run = get_run(&cluster, &args.run).await?;
        let refs = run
            .status
            .clone()
            .map(|s| s.artifact_refs)
            .unwrap_or_default();
        let Some(artifact) = refs.iter().find(|a| a.name == args.name).cloned() else {
            let names: Vec<&str> = refs.iter().map(|a| a.name.as_str()).collect();
            bail!(
                "Run {} has no artifact {:?} (it has: {})",
                args.run,
                args.name,
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            );
        };
        let dest = match &args.to {
            Some(path) => path.clone(),
            None => PathBuf::from(artifact.uri.rsplit('/').next().unwrap_or(&artifact.name)),
        };
        let artifact = fetch(&cluster, &run, artifact, args.address.as_deref(), &dest).await?;
        writeln!(
            out,
            "{} ({} bytes, sha256 verified) -> {}",
            artifact.name,
            artifact.size_bytes,
            dest.display()
        )?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Downloads `artifact` of `run` to `dest`, its SHA-256 verified, from wherever it is (see [`source_for`]);
/// returns the reference as read (a `file://` one this machine has is read where it is).
pub(crate) async fn fetch(
    cluster: &Cluster,
    run: &Run,
    artifact: ArtifactRef,
    address: Option<&str>,
    dest: &Path,
) -> Result<ArtifactRef> {
    let (source, artifact) = source_for(cluster, run, artifact, address).await?;
    let fetched = match source {
        Source::Store(store) => kruntimes_artifacts::download(&store, &artifact, dest).await,
        Source::Runtimed(channel) => through_runtimed(channel, &artifact, dest).await?,
    };
    fetched.map_err(|e| anyhow::anyhow!("{}", crate::error_chain(&e)))?;
    Ok(artifact)
}

async fn get_run(cluster: &Cluster, name: &str) -> Result<Run> {
    cluster.get(name).await
}

/// Where an artifact is read from.
enum Source {
    /// A store this machine reaches itself.
    Store(Store),
    /// runtimed in a pod that mounts the `filesystem` store's claim.
    Runtimed(tonic::transport::Channel),
}

/// Reads `artifact` through runtimed's `ReadArtifact` and writes it to `dest`, verified like any download.
/// The outer error is reaching runtimed; the inner one is the download itself.
async fn through_runtimed(
    channel: tonic::transport::Channel,
    artifact: &ArtifactRef,
    dest: &Path,
) -> Result<kruntimes_artifacts::Result<()>> {
    use futures::StreamExt;
    let mut client = kruntimes_proto::v1::runtime_client::RuntimeClient::new(channel);
    let stream = client
        .read_artifact(kruntimes_proto::v1::ReadArtifactRequest {
            uri: artifact.uri.clone(),
        })
        .await
        .map_err(|status| {
            anyhow::anyhow!(
                "runtimed cannot serve {}: {}",
                artifact.uri,
                status.message()
            )
        })?
        .into_inner()
        .map(|piece| {
            piece.map(|p| bytes::Bytes::from(p.data)).map_err(|status| {
                kruntimes_artifacts::object_store::Error::Generic {
                    store: "runtimed",
                    source: Box::new(status),
                }
            })
        });
    Ok(kruntimes_artifacts::write_verified(stream, artifact, dest).await)
}

/// Where `artifact` is read from. A `file://` URI is read through runtimed at `address` if given, else where
/// it is if this machine has it (the store of `krt local`, or a volume mounted here), else through runtimed in
/// a pod of the Run's Runtime, which mounts the claim (a port-forward). Any other URI is read from the store the Run recorded
/// (`status.artifactStore`, else its Runtime's `artifactStore`), with credentials from the Secret it names
/// (read with your access).
async fn source_for(
    cluster: &Cluster,
    run: &Run,
    artifact: ArtifactRef,
    address: Option<&str>,
) -> Result<(Source, ArtifactRef)> {
    if let Some(path) = artifact.uri.strip_prefix("file://") {
        let path = Path::new(path);
        if address.is_some() || !path.is_file() {
            let channel = match address {
                Some(address) => crate::logs::direct(address).await?,
                None => {
                    let pod = pod_with_claim(cluster, run).await?;
                    crate::logs::port_forward(cluster, &pod).await?
                }
            };
            return Ok((Source::Runtimed(channel), artifact));
        }
        let file = std::fs::canonicalize(path)?;
        let dir = file.parent().context("the artifact's directory")?;
        let store = Store::filesystem(dir)?;
        let artifact = ArtifactRef {
            uri: format!("file://{}", file.display()),
            ..artifact
        };
        return Ok((Source::Store(store), artifact));
    }
    let (store, artifact) = store_for(cluster, run, artifact).await?;
    Ok((Source::Store(store), artifact))
}

/// A running pod of the Run's Runtime, which mounts its `filesystem` store: the Run's own pod if it still runs.
async fn pod_with_claim(cluster: &Cluster, run: &Run) -> Result<String> {
    let runtime = &run.spec.template.runtime;
    let pods = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(
        cluster.client.clone(),
        &cluster.namespace,
    )
    .list(&kube::api::ListParams::default().labels(&format!(
        "{}={runtime}",
        kruntimes_api::consts::labels::RUNTIME
    )))
    .await
    .map_err(|e| cluster.explain(&format!("the pods of Runtime {runtime:?}"), e))?;
    let running: Vec<String> = pods
        .items
        .iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    let own = run.status.as_ref().and_then(|s| s.assigned_pod.clone());
    match own
        .filter(|p| running.contains(p))
        .or_else(|| running.first().cloned())
    {
        Some(pod) => Ok(pod),
        None => bail!(
            "the artifact is in a filesystem store (a PersistentVolumeClaim of Runtime {runtime:?}) and no pod of \
             that Runtime is running to read it; copy it from a pod that mounts the claim"
        ),
    }
}

/// The store of a non-`file://` artifact: the one the Run recorded, else its Runtime's, with the credentials of
/// the Secret it names.
async fn store_for(
    cluster: &Cluster,
    run: &Run,
    artifact: ArtifactRef,
) -> Result<(Store, ArtifactRef)> {
    let recorded = run.status.as_ref().and_then(|s| s.artifact_store.clone());
    let runtime_name = &run.spec.template.runtime;
    let config = match recorded {
        Some(config) => config,
        None => Api::<Runtime>::namespaced(cluster.client.clone(), &cluster.namespace)
            .get(runtime_name)
            .await
            .map_err(|e| {
                cluster.explain(
                    &format!("the Run's Runtime {runtime_name:?} (it holds the store)"),
                    e,
                )
            })?
            .spec
            .artifact_store
            .with_context(|| format!("Runtime {runtime_name:?} has no artifactStore"))?,
    };
    let secrets = Api::<Secret>::namespaced(cluster.client.clone(), &cluster.namespace);
    let store = Store::open(&config, &cluster.namespace, None, async |name| {
        secrets.get_opt(name).await.map_err(|e| match e {
            kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
            other => cluster.explain("reading it", other).to_string(),
        })
    })
    .await?;
    Ok((store, artifact))
}
