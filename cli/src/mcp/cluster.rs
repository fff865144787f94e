//! `krt mcp --cluster`: every call is a Run on a kruntimes cluster, in the namespace of the user's kubeconfig
//! (`--kubeconfig`, `--context`, `-n` as for every krt command), with the user's own permissions.
//!
//! A call becomes the Run `krt run` would create (`generateName: mcp-`, labelled
//! `app.kubernetes.io/created-by: krt-mcp`), checked by the same validation first; the server waits for it by watch,
//! reads its output from runtimed the way `krt logs` does (a port-forward to its pod), copies its artifacts into
//! the server's store the way `krt artifact download` reads them (they go with the Run), and deletes it before
//! answering. A call the client abandons, or one that has not ended by its timeout plus [`QUEUE_GRACE`], has its
//! Run cancelled and deleted. The Runtime's grants and limits apply as for any Run: the cluster admits, schedules
//! and runs it. What only the embedded engine can do is refused by name: `files` and `session` (a Run's inputs are
//! its code, args and env). `run_workflow` creates a Workflow the same way (`mcp-`, the label); the controller runs
//! its steps, and each step's output is read from its Run once the Workflow has ended.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use anyhow::Result;
use k8s_openapi::NamespaceResourceScope;
use kruntimes_api::v1alpha1::run::ArtifactRef;
use kruntimes_api::v1alpha1::{Run, Runtime, Workflow};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use kube::runtime::wait::await_condition;
use rmcp::ErrorData;
use std::io::Write;
use tokio_util::sync::CancellationToken;

use super::RunResult;
use super::artifacts::Artifacts;
use super::output::{Bounded, Output};
use super::workflow::Driven;
use crate::cluster::{Cluster, ClusterArgs};
use crate::local_workflow::write_prefixed;
use crate::logs;

/// How long past its timeout a call waits for its Run: time to be admitted, scheduled and reported.
pub(crate) const QUEUE_GRACE: Duration = Duration::from_secs(120);
/// The label every Run of a call carries.
pub(crate) const CREATED_BY: (&str, &str) = ("app.kubernetes.io/created-by", "krt-mcp");

/// The cluster the calls run on.
pub(crate) struct Remote {
    cluster: Cluster,
    /// The clean-up of every object of a call in flight, so that a server told to stop removes them too.
    cleanups: Arc<Mutex<Cleanups>>,
}

/// Clean-ups not yet started (their call is in flight) and started (their call is over).
#[derive(Default)]
struct Cleanups {
    /// The server is stopping: an object created from now on is removed at once.
    closed: bool,
    next: u64,
    pending: BTreeMap<u64, BoxFuture<'static, ()>>,
    started: Vec<tokio::task::JoinHandle<()>>,
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
        let cleanups = Arc::default();
        Ok((Self { cluster, cleanups }, names))
    }

    /// When the server stops: cancels and deletes the objects of the calls still in flight, and waits (up to
    /// `within`) for every clean-up to be done, so that no Run or Workflow of this server is left behind.
    pub(crate) async fn finish(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            // Calls that were creating their object when this began add theirs to `started`: taken on the next turn.
            let tasks: Vec<_> = {
                let mut cleanups = lock(&self.cleanups);
                cleanups.closed = true;
                let pending = std::mem::take(&mut cleanups.pending);
                let mut tasks = std::mem::take(&mut cleanups.started);
                tasks.extend(pending.into_values().map(tokio::spawn));
                tasks
            };
            if tasks.is_empty() {
                return;
            }
            let all = futures::future::join_all(tasks);
            if tokio::time::timeout_at(deadline, all).await.is_err() {
                eprintln!(
                    "krt mcp: some Runs or Workflows of this server were not deleted within {} s (label {}={})",
                    within.as_secs(),
                    CREATED_BY.0,
                    CREATED_BY.1
                );
                return;
            }
        }
    }

    /// The namespace calls run in.
    pub(crate) fn namespace(&self) -> &str {
        &self.cluster.namespace
    }

    /// Runs `run` (already validated) on the cluster and reports it; its output is cut at `max_output`.
    pub(crate) async fn execute(
        &self,
        run: Run,
        timeout: Duration,
        max_output: usize,
        artifacts: &Artifacts,
        cancelled: &CancellationToken,
    ) -> Result<RunResult, ErrorData> {
        let started = Instant::now();
        let (done, _remove) = self
            .run_to_end(run, timeout, cancelled, |run: &Run| {
                run.phase().is_terminal()
            })
            .await?;
        let status = done.status.clone().unwrap_or_default();
        let (mut stdout, mut stderr) = (Bounded::new(max_output), Bounded::new(max_output));
        let mut message = status.message.unwrap_or_default();
        if let Err(e) = logs::print(
            &self.cluster,
            &done,
            &logs::Options::default(),
            &mut stdout,
            &mut stderr,
        )
        .await
        {
            // The Run's phase, exit code and outputs are in its status; only the output is missing.
            message = join(&message, &format!("(output not available: {e:#})"));
        }
        // Deleting the Run deletes its artifacts from the store: what the call returns is a copy of the server's.
        let mut copies = Vec::new();
        for artifact in status.artifact_refs {
            match self.copy(&done, artifact, artifacts).await {
                Ok(copy) => copies.push(copy),
                Err(e) => message = join(&message, &format!("({e:#})")),
            }
        }
        artifacts.add(&copies);
        Ok(RunResult {
            phase: status.phase.as_str().to_owned(),
            reason: status.reason.unwrap_or_default(),
            exit_code: status.exit_code,
            message,
            output: Output::of(stdout, stderr),
            outputs: status.outputs,
            artifacts: copies,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            session: None,
        })
    }

    /// Copies `artifact` of `run` into the server's store (as `krt artifact download` reads it, SHA-256 verified)
    /// and returns the copy's reference, readable as a resource.
    async fn copy(
        &self,
        run: &Run,
        artifact: ArtifactRef,
        artifacts: &Artifacts,
    ) -> anyhow::Result<ArtifactRef> {
        let most = artifacts.limits().max_artifact_bytes;
        let name = artifact.name.clone();
        anyhow::ensure!(
            u64::try_from(artifact.size_bytes).unwrap_or(u64::MAX) <= most,
            "artifact {name}: {} bytes, more than the {most} this server keeps; it was deleted with its Run",
            artifact.size_bytes
        );
        let file = artifact.uri.rsplit('/').next().unwrap_or(&name).to_owned();
        let dir = artifacts.dir().join(run.uid().unwrap_or_default());
        std::fs::create_dir_all(&dir)?;
        let dest = dir.join(file);
        let read = crate::artifacts::fetch(&self.cluster, run, artifact, None, &dest)
            .await
            .with_context(|| format!("artifact {name} not copied before its Run was deleted"))?;
        let dest = std::fs::canonicalize(&dest)?;
        Ok(ArtifactRef {
            uri: format!("file://{}", dest.display()),
            ..read
        })
    }

    /// Runs `workflow` (already validated) on the cluster: the controller creates its steps' Runs; when it has
    /// ended, each step's output is read from its Run, every line prefixed with `[step-id] ` as `krt local`
    /// prints it, and cut at `max_output` in all. The Workflow, and with it its Runs, is deleted before the
    /// call answers.
    pub(crate) async fn workflow(
        &self,
        workflow: Workflow,
        timeout: Duration,
        max_output: usize,
        artifacts: &Artifacts,
        cancelled: &CancellationToken,
    ) -> Result<Driven, ErrorData> {
        let (done, _remove) = self
            .run_to_end(workflow, timeout, cancelled, |w: &Workflow| {
                w.status.as_ref().is_some_and(|s| s.phase.is_terminal())
            })
            .await?;
        let (mut stdout, mut stderr) = (Bounded::new(max_output), Bounded::new(max_output));
        let runs: Api<Run> = Api::namespaced(self.cluster.client.clone(), &self.cluster.namespace);
        let steps = done.status.as_ref().map_or(&[][..], |s| &s.steps[..]);
        let mut stored = BTreeMap::new();
        for step in steps {
            let Some(name) = &step.run_name else {
                continue; // skipped: it never had a Run
            };
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let run = match runs.get(name).await {
                Ok(run) => run,
                Err(e) => {
                    let e = self.cluster.explain(&format!("get Run {name}"), e);
                    writeln!(err, "(output and artifacts not available: {e:#})")
                        .unwrap_or_default();
                    write_prefixed(&mut stderr, &step.id, &err).map_err(|e| failed(&e))?;
                    continue;
                }
            };
            let read = logs::print(
                &self.cluster,
                &run,
                &logs::Options::default(),
                &mut out,
                &mut err,
            )
            .await;
            if let Err(e) = read {
                writeln!(err, "(output not available: {e:#})").unwrap_or_default();
            }
            let refs = run.status.clone().unwrap_or_default().artifact_refs;
            let mut copies = Vec::new();
            for artifact in refs {
                match self.copy(&run, artifact, artifacts).await {
                    Ok(copy) => copies.push(copy),
                    Err(e) => writeln!(err, "({e:#})").unwrap_or_default(),
                }
            }
            artifacts.add(&copies);
            if !copies.is_empty() {
                stored.insert(step.id.clone(), copies);
            }
            write_prefixed(&mut stdout, &step.id, &out)
                .and_then(|()| write_prefixed(&mut stderr, &step.id, &err))
                .map_err(|e| failed(&e))?;
        }
        Ok((done, Output::of(stdout, stderr), stored))
    }

    /// Creates `object` in the namespace under a generated `mcp-` name and waits by watch until `ended` says so,
    /// the call is cancelled, or `timeout` and [`QUEUE_GRACE`] have passed. Whatever happens, the object is
    /// cancelled and deleted when the returned guard goes (on error, before this returns).
    async fn run_to_end<K>(
        &self,
        mut object: K,
        timeout: Duration,
        cancelled: &CancellationToken,
        ended: impl Fn(&K) -> bool + Send + 'static,
    ) -> Result<(K, Remove), ErrorData>
    where
        K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
            + Clone
            + Debug
            + Serialize
            + DeserializeOwned
            + Send
            + Sync
            + 'static,
    {
        let kind = K::kind(&());
        let meta = object.meta_mut();
        meta.name = None;
        meta.generate_name = Some("mcp-".to_owned());
        meta.namespace = Some(self.cluster.namespace.clone());
        meta.labels = Some(BTreeMap::from([(
            CREATED_BY.0.to_owned(),
            CREATED_BY.1.to_owned(),
        )]));
        let api: Api<K> = Api::namespaced(self.cluster.client.clone(), &self.cluster.namespace);
        let created = api
            .create(&PostParams::default(), &object)
            .await
            .map_err(|e| failed(&self.cluster.explain(&format!("create {kind}"), e)))?;
        let name = created.name_any();
        let remove = {
            let mut cleanups = lock(&self.cleanups);
            if cleanups.closed {
                let task = tokio::spawn(remove(api, name.clone()));
                cleanups.started.push(task);
                return Err(ErrorData::internal_error(
                    format!("the server is stopping; {kind} {name} was deleted"),
                    None,
                ));
            }
            let id = cleanups.next;
            cleanups.next += 1;
            cleanups
                .pending
                .insert(id, Box::pin(remove(api.clone(), name.clone())));
            Remove {
                id,
                cleanups: Arc::clone(&self.cleanups),
            }
        };
        let ended = await_condition(api, &name, move |object: Option<&K>| {
            object.is_some_and(&ended)
        });
        let namespace = &self.cluster.namespace;
        let done = tokio::select! {
            ended = ended => ended.map_err(|e| failed(&anyhow::Error::new(e).context(format!("watching {kind} {name}"))))?,
            () = tokio::time::sleep(timeout + QUEUE_GRACE) => {
                return Err(ErrorData::internal_error(
                    format!(
                        "{kind} {namespace}/{name} did not end within its timeout and {} s more (not scheduled? \
                         `kubectl get runtimes -n {namespace}`); it was cancelled and deleted",
                        QUEUE_GRACE.as_secs(),
                    ),
                    None,
                ));
            }
            () = cancelled.cancelled() => {
                return Err(ErrorData::internal_error(
                    format!("the call was cancelled; its {kind} was cancelled and deleted"),
                    None,
                ));
            }
        };
        match done {
            Some(done) => Ok((done, remove)),
            None => Err(ErrorData::internal_error(
                format!("{kind} {name} was deleted before it ended"),
                None,
            )),
        }
    }
}

/// Starts the clean-up of a call's Run or Workflow when the call is over, on a task of its own (the call's future
/// may be gone).
struct Remove {
    id: u64,
    cleanups: Arc<Mutex<Cleanups>>,
}

impl Drop for Remove {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut cleanups = lock(&self.cleanups);
        if let Some(cleanup) = cleanups.pending.remove(&self.id) {
            let task = runtime.spawn(cleanup);
            cleanups.started.retain(|task| !task.is_finished());
            cleanups.started.push(task);
        }
    }
}

/// Cancels (`spec.cancelRequested`) and deletes `name`: one that already ended ignores the request, one that runs
/// is stopped first. Deleting a Workflow deletes its Runs with it (they are its children).
async fn remove<K>(api: Api<K>, name: String)
where
    K: Resource + Clone + Debug + DeserializeOwned,
{
    let cancel = serde_json::json!({"spec": {"cancelRequested": true}});
    let _ = api
        .patch(&name, &PatchParams::default(), &Patch::Merge(&cancel))
        .await;
    let _ = api.delete(&name, &DeleteParams::background()).await;
}

fn lock(cleanups: &Mutex<Cleanups>) -> std::sync::MutexGuard<'_, Cleanups> {
    cleanups
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn join(message: &str, more: &str) -> String {
    [message, more].join(" ").trim().to_owned()
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
