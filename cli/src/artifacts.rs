//! Artifacts in local mode: after a Run ends, the files it left in `$KRUNTIME_ARTIFACTS_DIR` are harvested
//! (the same checks and limits as runtimed) and stored in a filesystem store, by default
//! `$XDG_DATA_HOME/kruntimes/artifacts` (else `~/.local/share/kruntimes/artifacts`), and reported in
//! `status.artifactRefs` exactly as on a cluster. A Run that succeeded but whose artifacts cannot be stored
//! ends `Failed` with reason `ArtifactInvalid` or `ArtifactUploadFailed`; a Run that had already failed keeps
//! its reason and the message says what happened to its artifacts.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use kruntimes_api::v1alpha1::{RunPhase, RunStatus};
use kruntimes_artifacts::{Limits, RunIdentity, Store};
use kruntimes_host::Manager;
use kruntimes_host::spec::RunId;

/// The local artifact store: `flag`, else the default directory.
pub(crate) fn store(flag: Option<&Path>) -> Result<Store> {
    let dir = match flag {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(std::env::temp_dir)
            .join("kruntimes")
            .join("artifacts"),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the artifact store {}", dir.display()))?;
    Store::filesystem(&dir).with_context(|| format!("opening the artifact store {}", dir.display()))
}

/// Harvests and stores the artifacts of the terminal execution `id` (before it is forgotten) into `status`.
pub(crate) async fn collect(
    manager: &Manager,
    id: &RunId,
    run: &RunIdentity,
    store: &Store,
    status: &mut RunStatus,
) -> Result<()> {
    let workspace = manager.workspace_path(id)?;
    let relative = Path::new(kruntimes_host::workspace::KRUNTIMES_DIR)
        .join(kruntimes_host::workspace::ARTIFACTS_DIR);
    let result = match kruntimes_artifacts::harvest(&workspace, &relative, &Limits::default()) {
        Ok(harvested) if harvested.is_empty() => Ok(Vec::new()),
        Ok(harvested) => store.upload(run, &harvested).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(refs) => status.artifact_refs = refs,
        Err(e) => {
            let message = format!("artifacts: {}", crate::error_chain(&e));
            if status.phase == RunPhase::Succeeded {
                let at = status
                    .completion_time
                    .as_ref()
                    .map_or_else(jiff::Timestamp::now, |t| t.0);
                kruntimes_api::lifecycle::finish(
                    status,
                    RunPhase::Failed,
                    e.reason(),
                    &message,
                    at,
                );
            } else {
                let joined = match status.message.take() {
                    Some(m) => format!("{m}; {message}"),
                    None => message,
                };
                status.message = Some(kruntimes_api::lifecycle::bounded(&joined));
            }
        }
    }
    Ok(())
}
