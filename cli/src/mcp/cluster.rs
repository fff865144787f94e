//! `krt mcp --cluster`: every call is a Run on a kruntimes cluster, in the namespace of the user's kubeconfig
//! (`--kubeconfig`, `--context`, `-n` as for every krt command), with the user's own permissions.
//!
//! A call becomes the Run `krt run` would create (`generateName: mcp-`, labelled
//! `app.kubernetes.io/created-by: krt-mcp`), checked by the same validation first; the server waits for it by watch,
//! reads its output from runtimed the way `krt logs` does (a port-forward to its pod), and deletes it before
//! answering. A call the client abandons, or one that has not ended by its timeout plus [`QUEUE_GRACE`], has its
//! Run cancelled and deleted. The Runtime's grants and limits apply as for any Run: the cluster admits, schedules
//! and runs it. What only the embedded engine can do is refused by name: `files` and `session` (a Run's inputs are
//! its code, args and env) and `run_workflow` (not yet).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use kruntimes_api::v1alpha1::{Run, Runtime};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::wait::await_condition;
use rmcp::ErrorData;
use tokio_util::sync::CancellationToken;

use super::RunResult;
use super::output::{Bounded, Output};
use crate::cluster::{Cluster, ClusterArgs};
use crate::logs;

/// How long past its timeout a call waits for its Run: time to be admitted, scheduled and reported.
pub(crate) const QUEUE_GRACE: Duration = Duration::from_secs(120);
/// The label every Run of a call carries.
pub(crate) const CREATED_BY: (&str, &str) = ("app.kubernetes.io/created-by", "krt-mcp");

/// The cluster the calls run on.
pub(crate) struct Remote {
    cluster: Cluster,
}

impl Remote {
    /// The cluster and namespace the flags choose; contacts it to list the Runtimes there.
    pub(crate) async fn connect(args: &ClusterArgs) -> Result<(Self, Vec<String>)> {
        let cluster = Cluster::connect(args).await?;
        let runtimes: Api<Runtime> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let names = runtimes
            .list(&ListParams::default())
            .await
            .map_err(|e| cluster.explain("list Runtimes", e))?
            .items
            .iter()
            .map(ResourceExt::name_any)
            .collect();
        Ok((Self { cluster }, names))
    }

    /// The namespace calls run in.
    pub(crate) fn namespace(&self) -> &str {
        &self.cluster.namespace
    }

    /// Runs `run` (already validated) on the cluster and reports it; its output is cut at `max_output`.
    pub(crate) async fn execute(
        &self,
        mut run: Run,
        timeout: Duration,
        max_output: usize,
        cancelled: &CancellationToken,
    ) -> Result<RunResult, ErrorData> {
        let started = Instant::now();
        run.metadata.name = None;
        run.metadata.generate_name = Some("mcp-".to_owned());
        run.metadata.namespace = Some(self.cluster.namespace.clone());
        run.metadata.labels = Some(BTreeMap::from([(
            CREATED_BY.0.to_owned(),
            CREATED_BY.1.to_owned(),
        )]));
        let api: Api<Run> = Api::namespaced(self.cluster.client.clone(), &self.cluster.namespace);
        let created = api
            .create(&PostParams::default(), &run)
            .await
            .map_err(|e| failed(&self.cluster.explain("create Run", e)))?;
        let name = created.name_any();
        // Whatever happens from here, the Run does not outlive the call.
        let _remove = Remove {
            api: api.clone(),
            name: name.clone(),
        };
        let ended = await_condition(api.clone(), &name, |run: Option<&Run>| {
            run.is_some_and(|run| run.phase().is_terminal())
        });
        let done = tokio::select! {
            ended = ended => ended.map_err(|e| failed(&anyhow::Error::new(e).context(format!("watching Run {name}"))))?,
            () = tokio::time::sleep(timeout + QUEUE_GRACE) => {
                return Err(ErrorData::internal_error(
                    format!(
                        "Run {}/{name} did not end within its timeout and {} s more (not scheduled? `kubectl get \
                         runtimes -n {}`); it was cancelled and deleted",
                        self.cluster.namespace,
                        QUEUE_GRACE.as_secs(),
                        self.cluster.namespace
                    ),
                    None,
                ));
            }
            () = cancelled.cancelled() => {
                return Err(ErrorData::internal_error("the call was cancelled; its Run was cancelled and deleted", None));
            }
        };
        let Some(done) = done else {
            return Err(ErrorData::internal_error(
                format!("Run {name} was deleted before it ended"),
                None,
            ));
        };
        let status = done.status.clone().unwrap_or_default();
        let (mut stdout, mut stderr) = (Bounded::new(max_output), Bounded::new(max_output));
        let options = logs::Options::default();
        let mut message = status.message.unwrap_or_default();
        if let Err(e) = logs::print(&self.cluster, &done, &options, &mut stdout, &mut stderr).await
        {
            // The Run's phase, exit code and outputs are in its status; only the output is missing.
            message = [message.as_str(), &format!("(output not available: {e:#})")]
                .join(" ")
                .trim()
                .to_owned();
        }
        Ok(RunResult {
            phase: status.phase.as_str().to_owned(),
            reason: status.reason.unwrap_or_default(),
            exit_code: status.exit_code,
            message,
            output: Output::of(stdout, stderr),
            outputs: status.outputs,
            artifacts: status.artifact_refs,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            session: None,
        })
    }
}

/// Cancels and deletes a call's Run when the call is over, on a task of its own (the call's future may be gone).
struct Remove {
    api: Api<Run>,
    name: String,
}

impl Drop for Remove {
    fn drop(&mut self) {
        let (api, name) = (self.api.clone(), std::mem::take(&mut self.name));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            // A Run that already ended ignores the request; one that runs is stopped first, then its object goes.
            let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
            let _ = api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&cancel))
                .await;
            let _ = api.delete(&name, &DeleteParams::default()).await;
        });
    }
}

fn failed(error: &anyhow::Error) -> ErrorData {
    ErrorData::internal_error(format!("{error:#}"), None)
}

/// `--allow-runtime` against the Runtimes of the namespace: each allowed one must exist; none given allows all.
pub(crate) fn allowed(
    asked: &[String],
    present: &[String],
    namespace: &str,
) -> Result<Vec<String>> {
    if asked.is_empty() {
        anyhow::ensure!(
            !present.is_empty(),
            "namespace {namespace:?} has no Runtime: create one (see the Helm chart's `runtimes` value) or choose \
             another namespace with -n"
        );
        return Ok(present.to_vec());
    }
    for name in asked {
        anyhow::ensure!(
            present.contains(name),
            "--allow-runtime {name}: namespace {namespace:?} has no Runtime of that name (it has: {})",
            present.join(", ")
        );
    }
    Ok(asked.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_names_runtimes_of_the_namespace() {
        let present = vec!["bash".to_owned(), "python".to_owned()];
        assert_eq!(allowed(&[], &present, "ns").unwrap(), present);
        assert_eq!(
            allowed(&["bash".to_owned()], &present, "ns").unwrap(),
            ["bash"]
        );
        let err = allowed(&["ruby".to_owned()], &present, "ns").unwrap_err();
        assert!(
            err.to_string()
                .contains("has no Runtime of that name (it has: bash, python)"),
            "{err}"
        );
        let err = allowed(&[], &[], "ns").unwrap_err();
        assert!(err.to_string().contains("has no Runtime"), "{err}");
    }
}
