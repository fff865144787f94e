//! The cluster commands: `krt run`, `get`, `describe`, `cancel`, `delete`, `wait`, `workflow run|get`.
//!
//! Each builds its request from the flags (refusing bad input before anything is sent), makes it through
//! [`Cluster`], and prints with [`crate::output`]. Waiting watches the one object (a watch with a
//! `metadata.name` field selector), so a long wait costs the API server one connection, not a poll.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use futures::StreamExt;
use k8s_openapi::api::events::v1::Event;
use kruntimes_api::v1alpha1::{
    RetryPolicy, Run, RunSpec, RunTemplate, Runtime, Source, Workflow, WorkflowPhase,
};
use kruntimes_api::validation::validate_run;
use kruntimes_daemon::errors;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;

use crate::args::{
    CancelArgs, DeleteArgs, DescribeArgs, GetArgs, Kind, LogsArgs, OutputFormat, RunArgs,
    VersionArgs, WaitArgs, WorkflowRunArgs,
};
use crate::cluster::{Cluster, ClusterArgs, block_on};
use crate::command_line::parse_duration;
use crate::logs::{self, Streams};
use crate::manifest::{self, Object};
use crate::output::{self, Listed, phase_name};

/// Run phases, for `--for`.
const RUN_PHASES: [&str; 7] = [
    "Pending",
    "Scheduled",
    "Running",
    "Succeeded",
    "Failed",
    "Timeout",
    "Cancelled",
];
/// Workflow phases, for `--for`.
const WORKFLOW_PHASES: [&str; 5] = ["Pending", "Running", "Succeeded", "Failed", "Cancelled"];

/// The Run `krt run` creates, from a manifest or from the flags, validated by the API's rules.
pub(crate) fn run_from_args(args: &RunArgs, namespace: &str) -> Result<Run> {
    let mut run = if let Some(path) = &args.file {
        let origin = path.display().to_string();
        let mut objects = manifest::parse(&origin, &manifest::read_text(path)?)?;
        match (objects.len(), objects.pop()) {
            (1, Some(Object::Run(run))) => *run,
            (1, Some(other)) => bail!("{origin}: {} is not a Run", other.describe()),
            (n, _) => bail!("{origin}: holds {n} objects; krt run takes exactly one Run"),
        }
    } else {
        let runtime = args
            .runtime
            .clone()
            .context("--runtime is required without -f")?;
        let source = match &args.script {
            Some(path) => Some(Source {
                inline: Some(manifest::read_text(path)?),
                ..Source::default()
            }),
            None => None,
        };
        let retry_policy = args.retries.map(|n| RetryPolicy {
            max_attempts: Some(i32::try_from(n).unwrap_or(i32::MAX).saturating_add(1)),
            ..RetryPolicy::default()
        });
        Run::new(
            "",
            RunSpec {
                template: RunTemplate {
                    args: crate::command_line::run_args(
                        &runtime,
                        source.is_some() || args.entrypoint.is_some(),
                        &args.args,
                    )?,
                    runtime,
                    source,
                    entrypoint: args
                        .script
                        .as_deref()
                        .and_then(crate::command_line::script_entrypoint),
                    retry_policy,
                    ..RunTemplate::default()
                },
                ..RunSpec::default()
            },
        )
    };
    crate::command_line::Overrides {
        env_files: &args.env_file,
        env: &args.env,
        timeout: args.timeout.as_deref(),
        entrypoint: args.entrypoint.as_deref(),
    }
    .apply(&mut run.spec.template)?;
    if args.file.is_some() && !args.args.is_empty() {
        run.spec.template.args.clone_from(&args.args);
    }
    run.metadata.namespace = Some(namespace.to_owned());
    run.status = None;
    match &args.name {
        Some(name) => run.metadata.name = Some(name.clone()),
        None if run.metadata.name.as_deref().unwrap_or_default().is_empty() => {
            run.metadata.name = None;
            run.metadata.generate_name = Some("run-".to_owned());
        }
        None => {}
    }
    // Validation needs a name; a generated one is checked with a stand-in of the longest generated length.
    let mut check = run.clone();
    if check.metadata.name.is_none() {
        check.metadata.name = Some("run-xxxxx".to_owned());
    }
    if let Err(errors) = validate_run(&check) {
        bail!("the Run is invalid:\n{errors}");
    }
    Ok(run)
}

/// `krt run`.
pub(crate) fn run(args: &RunArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let wait_timeout = match &args.wait_timeout {
        Some(t) => Some(parse_duration("--wait-timeout", t)?),
        None => None,
    };
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let run = run_from_args(args, &cluster.namespace)?;
        let api: Api<Run> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let created = api
            .create(&PostParams::default(), &run)
            .await
            .map_err(|e| cluster.explain("create Run", e))?;
        let name = created.name_any();
        if args.follow {
            return run_follow(&cluster, &api, &name, wait_timeout, out).await;
        }
        if !args.wait {
            match args.output {
                Some(format) => print_object(out, &created, format)?,
                None => writeln!(out, "{}/{name} created", Run::QUALIFIED)?,
            }
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{}/{name} created", Run::QUALIFIED);
        let Some(done) = follow(
            &cluster,
            &api,
            &name,
            wait_timeout,
            |r: &Run| run_line(r),
            |r| r.phase().is_terminal(),
        )
        .await?
        else {
            bail!(
                "Run {name} has not ended after {}; it goes on (krt wait {name})",
                output::human(wait_timeout.map_or(0, |d| d.as_secs() as i64))
            );
        };
        match args.output {
            Some(format) => print_object(out, &done, format)?,
            None => {
                writeln!(out, "{}/{name}", Run::QUALIFIED)?;
                crate::status::print_fields(out, &done.status.clone().unwrap_or_default())?;
            }
        }
        Ok(exit_for(
            done.phase() == kruntimes_api::v1alpha1::RunPhase::Succeeded,
        ))
    })
}

/// `krt run --follow`: waits for the Run to start, streams its output, then prints the summary to stderr.
async fn run_follow(
    cluster: &Cluster,
    api: &Api<Run>,
    name: &str,
    timeout: Option<Duration>,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    eprintln!("{}/{name} created", Run::QUALIFIED);
    let started = |r: &Run| {
        r.phase().is_terminal()
            || (r.phase() == kruntimes_api::v1alpha1::RunPhase::Running
                && r.status.as_ref().is_some_and(|s| s.assigned_pod.is_some()))
    };
    let Some(run) = follow(cluster, api, name, timeout, run_line, started).await? else {
        bail!("Run {name} has not started yet; it goes on (krt logs -f {name})");
    };
    let options = logs::Options {
        follow: true,
        ..logs::Options::default()
    };
    if let Err(e) = logs::print(cluster, &run, &options, out, &mut std::io::stderr()).await {
        eprintln!("warning: no output: {e:#}");
    }
    let Some(done) = follow(cluster, api, name, timeout, run_line, |r: &Run| {
        r.phase().is_terminal()
    })
    .await?
    else {
        bail!("Run {name} has not ended yet; it goes on (krt wait {name})");
    };
    let mut err = std::io::stderr().lock();
    writeln!(err, "{}/{name}", Run::QUALIFIED)?;
    crate::status::print_fields(&mut err, &done.status.clone().unwrap_or_default())?;
    Ok(exit_for(
        done.phase() == kruntimes_api::v1alpha1::RunPhase::Succeeded,
    ))
}

/// `krt logs`.
pub(crate) fn logs(args: &LogsArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let options = logs::Options {
        follow: args.follow,
        tail_lines: args.tail,
        streams: match (args.stdout, args.stderr) {
            (true, _) => Streams::Stdout,
            (_, true) => Streams::Stderr,
            _ => Streams::Both,
        },
        attempt: args.attempt,
        address: args.address.clone(),
    };
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let run: Run = cluster.get(&args.run).await?;
        logs::print(&cluster, &run, &options, out, &mut std::io::stderr()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `krt version`: krt's version; with a configured cluster, the Kubernetes version and whether (and which
/// resources of) the kruntimes API is served. A configured cluster that cannot be reached is an error, as in
/// kubectl; no configuration at all is not.
pub(crate) fn version(args: &VersionArgs, out: &mut dyn Write) -> Result<ExitCode> {
    writeln!(out, "krt:            {}", env!("CARGO_PKG_VERSION"))?;
    let configured = args.cluster.kubeconfig.is_some()
        || args.cluster.context.is_some()
        || std::env::var_os("KUBECONFIG").is_some()
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        || dirs_home().is_some_and(|h| h.join(".kube/config").is_file());
    if args.client || !configured {
        return Ok(ExitCode::SUCCESS);
    }
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let server =
            tokio::time::timeout(Duration::from_secs(10), cluster.client.apiserver_version())
                .await
                .map_err(|_| {
                    anyhow::anyhow!(
                        "the Kubernetes API at {} did not answer within 10s",
                        cluster.url
                    )
                })?
                .map_err(|e| cluster.explain("version", e))?;
        writeln!(
            out,
            "Kubernetes API: {} at {}",
            server.git_version, cluster.url
        )?;
        let group = format!("{}/{}", Run::group(&()), Run::version(&()));
        match cluster.client.list_api_group_resources(&group).await {
            Ok(list) => {
                let mut names: Vec<String> = list
                    .resources
                    .iter()
                    .map(|r| r.name.clone())
                    .filter(|n| !n.contains('/'))
                    .collect();
                names.sort();
                writeln!(out, "kruntimes API:  {group} ({})", names.join(", "))?;
            }
            Err(e) if errors::is_not_found(&e) => {
                writeln!(
                    out,
                    "kruntimes API:  not installed ({group} is not served; install the chart)"
                )?;
            }
            Err(e) => return Err(cluster.explain("discovery", e)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn dirs_home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(std::path::PathBuf::from)
}

fn exit_for(succeeded: bool) -> ExitCode {
    if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One progress line of a Run: `Pending`, `Scheduled on <pod>`, `Running on <pod> (attempt 2)`.
fn run_line(run: &Run) -> String {
    let s = run.status.clone().unwrap_or_default();
    let mut line = s.phase.to_string();
    if let Some(pod) = &s.assigned_pod {
        line.push_str(&format!(" on {pod}"));
    }
    if let Some(a) = s.attempt.filter(|a| *a > 1) {
        line.push_str(&format!(" (attempt {a})"));
    }
    if let (false, Some(reason)) = (s.phase.is_terminal(), &s.reason) {
        line.push_str(&format!(": {reason}"));
    }
    line
}

/// One progress line of a Workflow: its phase and its status message.
fn workflow_line(wf: &Workflow) -> String {
    let s = wf.status.clone().unwrap_or_default();
    match &s.message {
        Some(m) if !s.phase.is_terminal() => format!("{}: {m}", phase_name(&s.phase)),
        _ => phase_name(&s.phase),
    }
}

/// Watches object `name` until `done`, showing `line` of it on stderr: a spinner with the elapsed time on a
/// terminal, a line per change otherwise. `None` when `timeout` passed first.
async fn follow<K>(
    cluster: &Cluster,
    api: &Api<K>,
    name: &str,
    timeout: Option<Duration>,
    line: impl Fn(&K) -> String,
    done: impl Fn(&K) -> bool,
) -> Result<Option<K>>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let config = kruntimes_daemon::watch::config().fields(&format!("metadata.name={name}"));
    let stream = watcher(api.clone(), config)
        .backoff(kruntimes_daemon::watch::backoff())
        .applied_objects();
    let mut stream = std::pin::pin!(stream);
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut shown = String::new();
    let mut frame = 0usize;
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            next = stream.next() => {
                let object = match next {
                    Some(Ok(o)) => o,
                    Some(Err(e)) => {
                        let what = format!("watch {name}");
                        return Err(match e {
                            watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => cluster.explain(&what, e),
                            other => anyhow::Error::new(other).context(what),
                        });
                    }
                    None => bail!("the watch of {name} ended"),
                };
                let now = line(&object);
                if now != shown {
                    shown = now;
                    if !terminal {
                        eprintln!("{name}: {shown}");
                    }
                }
                if done(&object) {
                    if terminal {
                        eprint!("\r\x1b[2K");
                    }
                    return Ok(Some(object));
                }
            }
            _ = tick.tick(), if terminal => {
                const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                frame = (frame + 1) % FRAMES.len();
                let elapsed = started.elapsed().as_secs_f64();
                eprint!("\r\x1b[2K{} {name} {shown} {elapsed:.1}s", FRAMES[frame]);
                let _ = std::io::stderr().flush();
            }
            () = sleep => {
                if terminal {
                    eprint!("\r\x1b[2K");
                }
                return Ok(None);
            }
        }
    }
}

fn print_object<K: serde::Serialize>(
    out: &mut dyn Write,
    object: &K,
    format: OutputFormat,
) -> Result<()> {
    let mut value = serde_json::to_value(object)?;
    if let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.remove("managedFields");
    }
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?,
        OutputFormat::Yaml => write!(out, "{}", serde_yaml::to_string(&value)?)?,
    }
    Ok(())
}

/// `krt get`.
pub(crate) fn get(args: &GetArgs, out: &mut dyn Write) -> Result<ExitCode> {
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let text = match args.kind {
            Kind::Run => list::<Run>(&cluster, args).await?,
            Kind::Runtime => list::<Runtime>(&cluster, args).await?,
            Kind::Workflow => list::<Workflow>(&cluster, args).await?,
        };
        match text {
            Some(text) => write!(out, "{text}")?,
            None if args.all_namespaces => eprintln!("No resources found"),
            None => eprintln!("No resources found in {} namespace.", cluster.namespace),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The rendered objects, or `None` for an empty table.
async fn list<K>(cluster: &Cluster, args: &GetArgs) -> Result<Option<String>>
where
    K: Listed
        + Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let kind = K::kind(&());
    let now = jiff::Timestamp::now();
    if let Some(name) = &args.name {
        let object: K = cluster.get(name).await?;
        return output::render(&[object], args.output, true, false, now).map(Some);
    }
    let api: Api<K> = if args.all_namespaces {
        Api::all(cluster.client.clone())
    } else {
        Api::namespaced(cluster.client.clone(), &cluster.namespace)
    };
    let mut params = ListParams::default();
    if let Some(selector) = &args.selector {
        params = params.labels(selector);
    }
    let mut items = api
        .list(&params)
        .await
        .map_err(|e| cluster.explain(&format!("list {kind}s"), e))?
        .items;
    items.sort_by_key(|o| (o.namespace(), o.name_any()));
    let table = matches!(
        args.output,
        crate::output::ListFormat::Table | crate::output::ListFormat::Wide
    );
    if items.is_empty() && table {
        return Ok(None);
    }
    output::render(&items, args.output, false, args.all_namespaces, now).map(Some)
}

/// Events about the object with `uid`, oldest first. Read from `events.k8s.io/v1` in the namespace and
/// filtered here: field selectors on that API differ between server versions.
async fn events(cluster: &Cluster, uid: Option<String>) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let Ok(list) = api.list(&ListParams::default()).await else {
        return Vec::new();
    };
    let mut events: Vec<Event> = list
        .items
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.uid.clone()) == uid)
        .collect();
    events.sort_by_key(|e| e.event_time.as_ref().map(|t| t.0));
    events
}

/// `krt describe` and `krt workflow get`.
pub(crate) fn describe(args: &DescribeArgs, out: &mut dyn Write) -> Result<ExitCode> {
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let now = jiff::Timestamp::now();
        let name = &args.name;
        let text = match args.kind {
            Kind::Run => {
                let run: Run = cluster.get(name).await?;
                output::describe_run(&run, &events(&cluster, run.uid()).await, now)
            }
            Kind::Runtime => {
                let rt: Runtime = cluster.get(name).await?;
                output::describe_runtime(&rt, &events(&cluster, rt.uid()).await, now)
            }
            Kind::Workflow => {
                let wf: Workflow = cluster.get(name).await?;
                output::describe_workflow(&wf, &events(&cluster, wf.uid()).await, now)
            }
        };
        write!(out, "{text}")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `NAME`, `run/NAME` or `workflow/NAME` (also `runs/`, `r/`, `workflows/`, `wf/`).
pub(crate) fn target(text: &str) -> Result<(Kind, String)> {
    let (kind, name) = match text.split_once('/') {
        None => (Kind::Run, text),
        Some(("run" | "runs" | "r" | "run.kruntimes.io", name)) => (Kind::Run, name),
        Some(("workflow" | "workflows" | "wf" | "workflow.kruntimes.io", name)) => {
            (Kind::Workflow, name)
        }
        Some((kind, _)) => bail!(
            "{text:?}: {kind:?} is not run or workflow (write NAME, run/NAME or workflow/NAME)"
        ),
    };
    if name.is_empty() {
        bail!("{text:?}: the name is empty");
    }
    Ok((kind, name.to_owned()))
}

/// `krt cancel`.
pub(crate) fn cancel(args: &CancelArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let (kind, name) = target(&args.target)?;
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let (qualified, ended) = match kind {
            Kind::Workflow => {
                let api: Api<Workflow> =
                    Api::namespaced(cluster.client.clone(), &cluster.namespace);
                let wf: Workflow = cluster.get(&name).await?;
                let phase = wf.status.map(|s| s.phase).unwrap_or_default();
                let ended = phase.is_terminal().then(|| phase_name(&phase));
                if ended.is_none() {
                    request_cancel(&cluster, &api, &name).await?;
                }
                (Workflow::QUALIFIED, ended)
            }
            _ => {
                let api: Api<Run> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
                let run: Run = cluster.get(&name).await?;
                let ended = run.phase().is_terminal().then(|| run.phase().to_string());
                if ended.is_none() {
                    request_cancel(&cluster, &api, &name).await?;
                }
                (Run::QUALIFIED, ended)
            }
        };
        match ended {
            Some(phase) => writeln!(
                out,
                "{qualified}/{name} already ended {phase}; nothing to cancel"
            )?,
            None => writeln!(out, "{qualified}/{name} cancel requested")?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn request_cancel<K>(cluster: &Cluster, api: &Api<K>, name: &str) -> Result<()>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let patch = serde_json::json!({"spec": {"cancelRequested": true}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| cluster.explain(&format!("cancel {name:?}"), e))?;
    Ok(())
}

/// `krt delete`.
pub(crate) fn delete(args: &DeleteArgs, out: &mut dyn Write) -> Result<ExitCode> {
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let mut failed = false;
        for name in &args.names {
            let result = match args.kind {
                Kind::Run => delete_one::<Run>(&cluster, name).await,
                Kind::Runtime => delete_one::<Runtime>(&cluster, name).await,
                Kind::Workflow => delete_one::<Workflow>(&cluster, name).await,
            };
            match result {
                Ok(qualified) => writeln!(out, "{qualified}/{name} deleted")?,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    failed = true;
                }
            }
        }
        Ok(exit_for(!failed))
    })
}

async fn delete_one<K>(cluster: &Cluster, name: &str) -> Result<&'static str>
where
    K: Listed
        + Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    api.delete(name, &DeleteParams::background())
        .await
        .map_err(|e| cluster.explain(&format!("delete {} {name:?}", K::kind(&())), e))?;
    Ok(K::QUALIFIED)
}

/// `krt wait`.
pub(crate) fn wait(args: &WaitArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let (kind, name) = target(&args.target)?;
    let timeout = parse_duration("--timeout", &args.timeout)?;
    let known: &[&str] = if kind == Kind::Workflow {
        &WORKFLOW_PHASES
    } else {
        &RUN_PHASES
    };
    let wanted = match &args.phase {
        Some(p) => Some(
            known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(p))
                .copied()
                .with_context(|| format!("--for {p:?}: expected one of {}", known.join(", ")))?,
        ),
        None => None,
    };
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        let ns = cluster.namespace.clone();
        let (phase, terminal) = if kind == Kind::Workflow {
            let api: Api<Workflow> = Api::namespaced(cluster.client.clone(), &ns);
            let phase_of = |w: &Workflow| w.status.as_ref().map(|s| s.phase).unwrap_or_default();
            let done = |w: &Workflow| {
                phase_of(w).is_terminal() || wanted == Some(phase_name(&phase_of(w)).as_str())
            };
            match follow(&cluster, &api, &name, Some(timeout), workflow_line, done).await? {
                Some(w) => (phase_name(&phase_of(&w)), phase_of(&w).is_terminal()),
                None => bail!(
                    "{name} did not get there within {}",
                    output::human(timeout.as_secs() as i64)
                ),
            }
        } else {
            let api: Api<Run> = Api::namespaced(cluster.client.clone(), &ns);
            let done = |r: &Run| r.phase().is_terminal() || wanted == Some(r.phase().as_str());
            match follow(&cluster, &api, &name, Some(timeout), run_line, done).await? {
                Some(r) => (r.phase().to_string(), r.phase().is_terminal()),
                None => bail!(
                    "{name} did not get there within {}",
                    output::human(timeout.as_secs() as i64)
                ),
            }
        };
        writeln!(out, "{name} {phase}")?;
        let reached = match wanted {
            Some(w) => w == phase,
            None => terminal,
        };
        if !reached {
            eprintln!(
                "error: {name} ended {phase}, not {}",
                wanted.unwrap_or("terminal")
            );
        }
        Ok(exit_for(reached))
    })
}

/// `krt workflow run`.
pub(crate) fn workflow_run(args: &WorkflowRunArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let manifest::Manifest::Workflow(wf) = manifest::load(&args.file, &args.set)? else {
        bail!("{}: holds no single Workflow", args.file.display());
    };
    let mut wf = *wf;
    wf.status = None;
    if let Some(name) = &args.name {
        wf.metadata.name = Some(name.clone());
    }
    if wf.metadata.name.is_none() && wf.metadata.generate_name.is_none() {
        wf.metadata.generate_name = Some("wf-".to_owned());
    }
    let mut check = wf.clone();
    if check.metadata.name.is_none() {
        check.metadata.name = Some(format!(
            "{}xxxxx",
            wf.metadata.generate_name.as_deref().unwrap_or_default()
        ));
    }
    if let Err(errors) = kruntimes_workflow::validate(&check) {
        bail!("the Workflow is invalid:\n{errors}");
    }
    block_on(async {
        let cluster = Cluster::connect(&args.cluster).await?;
        wf.metadata.namespace = Some(cluster.namespace.clone());
        let api: Api<Workflow> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
        let created = api
            .create(&PostParams::default(), &wf)
            .await
            .map_err(|e| cluster.explain("create Workflow", e))?;
        let name = created.name_any();
        if !args.wait {
            writeln!(out, "{}/{name} created", Workflow::QUALIFIED)?;
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{}/{name} created", Workflow::QUALIFIED);
        let done = |w: &Workflow| w.status.as_ref().is_some_and(|s| s.phase.is_terminal());
        let Some(done) = follow(&cluster, &api, &name, None, workflow_line, done).await? else {
            bail!("the watch of {name} ended");
        };
        let events = events(&cluster, done.uid()).await;
        write!(
            out,
            "{}",
            output::describe_workflow(&done, &events, jiff::Timestamp::now())
        )?;
        let phase = done.status.map(|s| s.phase).unwrap_or_default();
        Ok(exit_for(phase == WorkflowPhase::Succeeded))
    })
}

/// `krt workflow get`.
pub(crate) fn workflow_get(
    name: &str,
    cluster: &ClusterArgs,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    describe(
        &DescribeArgs {
            kind: Kind::Workflow,
            name: name.to_owned(),
            cluster: cluster.clone(),
        },
        out,
    )
}
