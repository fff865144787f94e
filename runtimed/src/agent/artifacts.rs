//! Storing a finished Run's artifacts, after the guest exited and before the result is written.
//!
//! 1. Harvest `$KRUNTIME_ARTIFACTS_DIR` (never following links; limits enforced). Nothing there: done.
//! 2. No `artifactStore` on the Runtime: the files are discarded and the status message says how many.
//! 3. Hold the Run with the `kruntimes.io/artifact-cleanup` finalizer, before anything is uploaded, so no
//!    object can outlive a deleted Run unnoticed (the controller deletes everything under the Run's key
//!    prefix before it releases the finalizer, also objects whose references never reached the status).
//! 4. Read the credentials Secret the store names (in the Run's namespace), upload (rolled back on failure)
//!    and record `artifactRefs` plus the store snapshot `artifactStore` in the result.
//!
//! Only the final attempt's artifacts are stored: a retried attempt's workspace is dropped with its files.

use std::path::Path;

use k8s_openapi::api::core::v1::Secret;
use kruntimes_api::consts::{finalizers, reasons};
use kruntimes_api::lifecycle;
use kruntimes_api::v1alpha1::runtime::ArtifactStore;
use kruntimes_api::v1alpha1::{Run, RunStatus};
use kruntimes_artifacts::{Limits, RunIdentity, Store, record};
use kruntimes_daemon::errors;
use kube::ResourceExt;
use kube::api::{Patch, PatchParams};

use super::Agent;
use kruntimes_engine::spec::RunId;
use kruntimes_engine::workspace::{ARTIFACTS_DIR, KRUNTIMES_DIR};

impl Agent {
    /// Stores the artifacts of the finished execution `id` of `run` and records them in `status` (a terminal
    /// status). Returns the Run to write the result over: `run` itself, or the Run after the finalizer was added.
    pub(super) async fn store_artifacts(
        &self,
        run: Run,
        id: &RunId,
        status: &mut RunStatus,
    ) -> Run {
        let harvested = match self.manager.workspace_path(id) {
            Ok(workspace) => {
                let relative = Path::new(KRUNTIMES_DIR).join(ARTIFACTS_DIR);
                tokio::task::spawn_blocking(move || {
                    kruntimes_artifacts::harvest(&workspace, &relative, &Limits::default())
                })
                .await
                .unwrap_or_else(|e| {
                    Err(kruntimes_artifacts::Error::Config(format!(
                        "harvest task: {e}"
                    )))
                })
            }
            Err(err) => Err(kruntimes_artifacts::Error::Config(format!(
                "the Run's workspace is gone: {err}"
            ))),
        };
        let harvested = match harvested {
            Ok(h) if h.is_empty() => return run,
            Ok(h) => h,
            Err(err) => {
                record(status, Err(err));
                return run;
            }
        };
        let Some(config) = self.config.artifact_store.clone() else {
            record::note(
                status,
                &format!(
                    "artifacts: {} discarded: the Runtime has no artifactStore",
                    harvested.len()
                ),
            );
            return run;
        };
        let run = match self.hold(&run).await {
            Ok(held) => held,
            Err(why) => {
                record::fail(
                    status,
                    reasons::ARTIFACT_UPLOAD_FAILED,
                    &format!("artifacts: not stored: {why}"),
                );
                return run;
            }
        };
        // From here on the Run holds the finalizer: the snapshot tells the controller where to clean up,
        // even if the upload fails half-way and its rollback leaves objects behind.
        status.artifact_store = Some(config.clone());
        let identity = RunIdentity {
            namespace: run.namespace().unwrap_or_default(),
            name: run.name_any(),
            uid: run.uid().unwrap_or_default(),
            attempt: id.attempt(),
        };
        let store = match self.open_store(&config, &identity.namespace).await {
            Ok(store) => store,
            Err(why) => {
                record::fail(
                    status,
                    reasons::ARTIFACT_UPLOAD_FAILED,
                    &format!("artifacts: not stored: {why}"),
                );
                return run;
            }
        };
        record(status, store.upload(&identity, &harvested).await);
        run
    }

    /// The store `config` describes, with the credentials of the Secret it names (read now, so a rotated
    /// Secret is used at once). The error is the message for the Run's status: a missing Secret is said in the
    /// words of the controller's cleanup, not as an API error dump.
    async fn open_store(&self, config: &ArtifactStore, namespace: &str) -> Result<Store, String> {
        let secrets = kube::Api::<Secret>::namespaced(self.client.clone(), namespace);
        let root = Some(self.config.artifact_store_root.clone());
        Store::open(config, namespace, root, async |name| {
            secrets.get_opt(name).await.map_err(|e| match &e {
                // The API server's own message (`... is forbidden: ...`), not kube's dump of the Status.
                kube::Error::Api(status) => status.message.clone(),
                other => lifecycle::error_chain(other),
            })
        })
        .await
        .map_err(|e| lifecycle::error_chain(&e))
    }

    /// Adds the artifact-cleanup finalizer to `run` (guarded by its resourceVersion, re-read on a conflict)
    /// and returns the updated Run. Refuses a Run that is being deleted or was replaced.
    async fn hold(&self, run: &Run) -> Result<Run, String> {
        let name = run.name_any();
        let mut current = run.clone();
        for _ in 0..5 {
            if current.metadata.deletion_timestamp.is_some() {
                return Err("the Run is being deleted".to_owned());
            }
            if current
                .finalizers()
                .iter()
                .any(|f| f == finalizers::ARTIFACT_CLEANUP)
            {
                return Ok(current);
            }
            let mut held = current.finalizers().to_vec();
            held.push(finalizers::ARTIFACT_CLEANUP.to_owned());
            let patch = serde_json::json!({
                "metadata": {
                    "finalizers": held,
                    "resourceVersion": current.resource_version(),
                }
            });
            match self
                .runs
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(updated) => return Ok(updated),
                Err(e) if errors::is_conflict(&e) => {
                    current = match self.runs.get_opt(&name).await {
                        Ok(Some(fresh)) if fresh.metadata.uid == run.metadata.uid => fresh,
                        Ok(_) => return Err("the Run was deleted".to_owned()),
                        Err(err) => return Err(format!("cannot re-read the Run: {err}")),
                    };
                }
                Err(err) => {
                    return Err(format!(
                        "cannot add the {} finalizer: {err}",
                        finalizers::ARTIFACT_CLEANUP
                    ));
                }
            }
        }
        Err(format!(
            "adding the {} finalizer kept conflicting",
            finalizers::ARTIFACT_CLEANUP
        ))
    }
}
