//! The fake API server, driven through kube's real client, watcher and patch code paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is the failure report"
)]

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kruntimes_api::v1alpha1::Run;
use kruntimes_fakeapi::{FakeApiServer, Verb};
use kube::api::{
    DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use serde_json::{Value, json};

async fn server() -> (FakeApiServer, Client) {
    let s = FakeApiServer::start().await.unwrap();
    let c = s.client();
    (s, c)
}

fn run(name: &str) -> Run {
    serde_json::from_value(json!({
        "apiVersion": "kruntimes.io/v1alpha1", "kind": "Run",
        "metadata": {"name": name},
        "spec": {"runtime": "bash", "args": ["echo hi"]}
    }))
    .unwrap()
}

fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    serde_json::from_value(
        json!({"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}),
    )
    .unwrap()
}

fn api_err(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls `f` until it returns `Some`, for at most 5 s.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn crud_not_found_and_already_exists() {
    let (_s, c) = server().await;
    let runs: Api<Run> = Api::default_namespaced(c);
    let created = runs
        .create(&PostParams::default(), &run("a"))
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    assert!(created.metadata.creation_timestamp.is_some());
    assert_eq!(created.metadata.generation, Some(1));
    assert_eq!(created.namespace().as_deref(), Some("default"));
    let got = runs.get("a").await.unwrap();
    assert_eq!(got.spec.template.args, vec!["echo hi".to_owned()]);
    assert_eq!(got.resource_version(), created.resource_version());

    let dup = api_err(
        runs.create(&PostParams::default(), &run("a"))
            .await
            .unwrap_err(),
    );
    assert_eq!((dup.code, dup.reason.as_str()), (409, "AlreadyExists"));
    let missing = api_err(runs.get("nope").await.unwrap_err());
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
    assert!(
        missing
            .message
            .contains("runs.kruntimes.io \"nope\" not found"),
        "{}",
        missing.message
    );

    let mut gen_named = run("");
    gen_named.metadata.name = None;
    gen_named.metadata.generate_name = Some("gen-".into());
    let g = runs
        .create(&PostParams::default(), &gen_named)
        .await
        .unwrap();
    assert!(
        g.name_any().starts_with("gen-") && g.name_any().len() == 9,
        "{}",
        g.name_any()
    );

    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    runs.create(&dry, &run("dry")).await.unwrap();
    assert!(
        runs.get_opt("dry").await.unwrap().is_none(),
        "dryRun must not persist"
    );

    assert_eq!(
        runs.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );
    runs.delete("a", &DeleteParams::default()).await.unwrap();
    assert!(runs.get_opt("a").await.unwrap().is_none());
    let e = api_err(
        runs.delete("a", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 404);
    // Another namespace is another object.
    let other: Api<Run> = Api::namespaced(runs.clone().into_client(), "other");
    other
        .create(&PostParams::default(), &run("g"))
        .await
        .unwrap();
    let all: Api<Run> = Api::all(Client::clone(&other.clone().into_client()));
    assert_eq!(
        all.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );
}

#[tokio::test]
async fn optimistic_concurrency_and_no_op_writes() {
    let (s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    let v1 = cms
        .create(&PostParams::default(), &cm("c", &[]))
        .await
        .unwrap();
    let mut edit = v1.clone();
    edit.data = Some([("k".to_owned(), "2".to_owned())].into());
    let v2 = cms
        .replace("c", &PostParams::default(), &edit)
        .await
        .unwrap();
    assert_ne!(v2.resource_version(), v1.resource_version());
    // The same stale object again: Conflict.
    let stale = api_err(
        cms.replace("c", &PostParams::default(), &edit)
            .await
            .unwrap_err(),
    );
    assert_eq!((stale.code, stale.reason.as_str()), (409, "Conflict"));
    // A merge patch carrying a stale resourceVersion: Conflict; the current one: fine.
    let p = json!({"metadata": {"resourceVersion": v1.resource_version()}, "data": {"k": "3"}});
    let e = api_err(
        cms.patch("c", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 409);
    let p = json!({"metadata": {"resourceVersion": v2.resource_version()}, "data": {"k": "3"}});
    let v3 = cms
        .patch("c", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    assert_eq!(v3.data.as_ref().unwrap()["k"], "3");
    // A no-op patch keeps the resourceVersion.
    let v4 = cms
        .patch(
            "c",
            &PatchParams::default(),
            &Patch::Merge(&json!({"data": {"k": "3"}})),
        )
        .await
        .unwrap();
    assert_eq!(v4.resource_version(), v3.resource_version());
    // JSON patch with a failing test op is a 422; a passing one applies.
    let url = format!("{}/api/v1/namespaces/default/configmaps/c", s.url());
    let jp = json!([{"op": "test", "path": "/data/k", "value": "nope"}, {"op": "add", "path": "/data/j", "value": "x"}]);
    assert_eq!(
        raw_patch(
            &url,
            "application/json-patch+json",
            &serde_json::to_vec(&jp).unwrap()
        )
        .await,
        422
    );
    assert!(!cms.get("c").await.unwrap().data.unwrap().contains_key("j"));
    let jp = json!([{"op": "test", "path": "/data/k", "value": "3"}, {"op": "add", "path": "/data/j", "value": "x"}]);
    assert_eq!(
        raw_patch(
            &url,
            "application/json-patch+json",
            &serde_json::to_vec(&jp).unwrap()
        )
        .await,
        200
    );
    assert_eq!(cms.get("c").await.unwrap().data.unwrap()["j"], "x");
}

#[tokio::test]
async fn status_subresource_isolation_and_generation() {
    let (_s, c) = server().await;
    let runs: Api<Run> = Api::default_namespaced(c);
    let mut with_status = run("r");
    with_status.status = Some(serde_json::from_value(json!({"phase": "Running"})).unwrap());
    let r = runs
        .create(&PostParams::default(), &with_status)
        .await
        .unwrap();
    assert!(r.status.is_none(), "create drops status");

    let r = runs
        .patch_status("r", &PatchParams::default(), &Patch::Merge(&json!({"status": {"phase": "Scheduled", "assignedPod": "pod-1"}, "spec": {"ttlSecondsAfterFinished": 5}})))
        .await
        .unwrap();
    assert_eq!(
        r.status.as_ref().unwrap().assigned_pod.as_deref(),
        Some("pod-1")
    );
    assert_eq!(
        r.spec.ttl_seconds_after_finished, None,
        "a status write ignores spec"
    );
    assert_eq!(
        r.metadata.generation,
        Some(1),
        "a status write keeps the generation"
    );

    let r = runs
        .patch(
            "r",
            &PatchParams::default(),
            &Patch::Merge(
                &json!({"status": {"phase": "Failed"}, "spec": {"ttlSecondsAfterFinished": 5}}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.status.as_ref().unwrap().phase.as_str(),
        "Scheduled",
        "a main write ignores status"
    );
    assert_eq!(r.spec.ttl_seconds_after_finished, Some(5));
    assert_eq!(r.metadata.generation, Some(2));

    let mut put = r.clone();
    put.status = None;
    let r = runs
        .replace("r", &PostParams::default(), &put)
        .await
        .unwrap();
    assert!(r.status.is_some(), "PUT on the main resource keeps status");

    let mut put = r.clone();
    put.spec.ttl_seconds_after_finished = Some(9);
    put.status.as_mut().unwrap().assigned_pod = Some("pod-2".into());
    let r = runs
        .replace_status("r", &PostParams::default(), &put)
        .await
        .unwrap();
    assert_eq!(r.spec.ttl_seconds_after_finished, Some(5));
    assert_eq!(r.status.unwrap().assigned_pod.as_deref(), Some("pod-2"));
}

#[tokio::test]
async fn label_and_field_selectors() {
    let (_s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c.clone());
    cms.create(
        &PostParams::default(),
        &cm("a", &[("app", "a"), ("tier", "web")]),
    )
    .await
    .unwrap();
    cms.create(&PostParams::default(), &cm("b", &[("app", "b")]))
        .await
        .unwrap();
    cms.create(&PostParams::default(), &cm("c", &[("app", "c")]))
        .await
        .unwrap();
    let names = |sel: &'static str| {
        let cms = cms.clone();
        async move {
            let mut n: Vec<String> = cms
                .list(&ListParams::default().labels(sel))
                .await
                .unwrap()
                .items
                .iter()
                .map(ResourceExt::name_any)
                .collect();
            n.sort();
            n.join(",")
        }
    };
    assert_eq!(names("app=a").await, "a");
    assert_eq!(names("app==b").await, "b");
    assert_eq!(names("app!=a").await, "b,c");
    assert_eq!(names("app in (a, b)").await, "a,b");
    assert_eq!(names("app notin (a,b)").await, "c");
    assert_eq!(names("tier").await, "a");
    assert_eq!(names("!tier").await, "b,c");
    assert_eq!(names("app in (a,b),!tier").await, "b");

    // Pod fields: spec.nodeName and status.phase (a new pod is Pending).
    let pods: Api<Pod> = Api::default_namespaced(c.clone());
    for (name, node) in [("p1", "n1"), ("p2", "n2")] {
        let p: Pod = serde_json::from_value(json!({"metadata": {"name": name}, "spec": {"nodeName": node, "containers": [{"name": "c"}]}})).unwrap();
        let p = pods.create(&PostParams::default(), &p).await.unwrap();
        assert_eq!(p.status.unwrap().phase.as_deref(), Some("Pending"));
    }
    pods.patch_status(
        "p2",
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": {"phase": "Running"}})),
    )
    .await
    .unwrap();
    let on_n1 = pods
        .list(&ListParams::default().fields("spec.nodeName=n1"))
        .await
        .unwrap();
    assert_eq!(
        on_n1
            .items
            .iter()
            .map(ResourceExt::name_any)
            .collect::<Vec<_>>(),
        ["p1"]
    );
    let running = pods
        .list(&ListParams::default().fields("status.phase=Running"))
        .await
        .unwrap();
    assert_eq!(
        running
            .items
            .iter()
            .map(ResourceExt::name_any)
            .collect::<Vec<_>>(),
        ["p2"]
    );

    let by_name = cms
        .list(&ListParams::default().fields("metadata.name=b"))
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1);
    let not_name = cms
        .list(&ListParams::default().fields("metadata.name!=b"))
        .await
        .unwrap();
    assert_eq!(not_name.items.len(), 2);
    let e = api_err(
        cms.list(&ListParams::default().fields("data.k=v"))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 400);

    let runs: Api<Run> = Api::default_namespaced(c);
    for name in ["r1", "r2", "r3"] {
        runs.create(&PostParams::default(), &run(name))
            .await
            .unwrap();
    }
    for (name, pod) in [("r1", "pod-1"), ("r2", "pod-2"), ("r3", "pod-1")] {
        runs.patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"phase": "Scheduled", "assignedPod": pod}})),
        )
        .await
        .unwrap();
    }
    let bound = runs
        .list(&ListParams::default().fields("status.assignedPod=pod-1"))
        .await
        .unwrap();
    let mut n: Vec<String> = bound.items.iter().map(ResourceExt::name_any).collect();
    n.sort();
    assert_eq!(n, ["r1", "r3"]);
    let by_runtime = runs
        .list(&ListParams::default().fields("spec.runtime==bash,status.assignedPod!=pod-1"))
        .await
        .unwrap();
    assert_eq!(by_runtime.items.len(), 1);
    let e = api_err(
        runs.list(&ListParams::default().fields("status.phase=Scheduled"))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 400, "status.phase is not a selectable field of Run");

    // Paging.
    let page = cms.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let rest = cms
        .list(
            &ListParams::default()
                .limit(2)
                .continue_token(page.metadata.continue_.as_deref().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
}

#[tokio::test]
async fn watcher_sees_creates_modifications_and_deletions() {
    let (_s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    cms.create(&PostParams::default(), &cm("before", &[]))
        .await
        .unwrap();
    let mut stream = watcher(
        cms.clone(),
        watcher::Config::default().labels("w=1").timeout(2),
    )
    .boxed();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    };
    assert!(matches!(next().await, watcher::Event::Init));
    assert!(
        matches!(next().await, watcher::Event::InitDone),
        "`before` has no w=1 label"
    );
    cms.create(&PostParams::default(), &cm("x", &[("w", "1")]))
        .await
        .unwrap();
    match next().await {
        watcher::Event::Apply(o) => assert_eq!(o.name_any(), "x"),
        e => panic!("{e:?}"),
    }
    cms.patch(
        "x",
        &PatchParams::default(),
        &Patch::Merge(&json!({"data": {"k": "changed"}})),
    )
    .await
    .unwrap();
    match next().await {
        watcher::Event::Apply(o) => assert_eq!(o.data.unwrap()["k"], "changed"),
        e => panic!("{e:?}"),
    }
    // Leaving the selection is a deletion for the watch.
    cms.patch(
        "x",
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": {"labels": {"w": "0"}}})),
    )
    .await
    .unwrap();
    assert!(matches!(next().await, watcher::Event::Delete(o) if o.name_any() == "x"));
    cms.patch(
        "before",
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": {"labels": {"w": "1"}}})),
    )
    .await
    .unwrap();
    assert!(matches!(next().await, watcher::Event::Apply(o) if o.name_any() == "before"));
    cms.delete("before", &DeleteParams::default())
        .await
        .unwrap();
    assert!(matches!(next().await, watcher::Event::Delete(o) if o.name_any() == "before"));
    // After the 2 s server timeout the watcher re-watches and keeps delivering.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    cms.create(&PostParams::default(), &cm("late", &[("w", "1")]))
        .await
        .unwrap();
    loop {
        match next().await {
            watcher::Event::Apply(o) if o.name_any() == "late" => break,
            watcher::Event::Apply(_)
            | watcher::Event::Init
            | watcher::Event::InitApply(_)
            | watcher::Event::InitDone => {}
            e => panic!("{e:?}"),
        }
    }
}

#[tokio::test]
async fn watch_resumes_from_a_resource_version_and_expires() {
    let (s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    let a = cms
        .create(&PostParams::default(), &cm("a", &[]))
        .await
        .unwrap();
    cms.create(&PostParams::default(), &cm("b", &[]))
        .await
        .unwrap();
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    let wp = WatchParams::default().timeout(1);
    let events: Vec<_> = cms
        .watch(&wp, &a.resource_version().unwrap())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let summary: Vec<String> = events
        .iter()
        .filter(|e| !matches!(e, WatchEvent::Bookmark(_)))
        .map(|e| match e {
            WatchEvent::Added(o) => format!("ADDED {}", o.name_any()),
            WatchEvent::Modified(o) => format!("MODIFIED {}", o.name_any()),
            WatchEvent::Deleted(o) => format!("DELETED {}", o.name_any()),
            WatchEvent::Bookmark(_) => "BOOKMARK".into(),
            WatchEvent::Error(e) => format!("ERROR {}", e.code),
        })
        .collect();
    assert_eq!(summary, ["ADDED b", "DELETED a"]);

    s.compact_history();
    let events: Vec<_> = cms
        .watch(&wp, &a.resource_version().unwrap())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(
        matches!(events.as_slice(), [WatchEvent::Error(e)] if e.code == 410 && e.reason == "Expired"),
        "a too-old resourceVersion expires: {events:?}"
    );
    let bookmarks = WatchParams::default().timeout(1).disable_bookmarks();
    let from_now: Vec<_> = cms
        .watch(&bookmarks, "0")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(
        matches!(from_now.as_slice(), [WatchEvent::Added(b)] if b.name_any() == "b"),
        "resourceVersion 0 starts with the current objects: {from_now:?}"
    );
    // A watcher given that old version relists instead of failing.
    let mut w = watcher(cms.clone(), watcher::Config::default()).boxed();
    let first = tokio::time::timeout(Duration::from_secs(5), w.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(first, watcher::Event::Init));
}

#[tokio::test]
async fn finalizers_defer_deletion() {
    let (_s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    let mut obj = cm("f", &[]);
    obj.metadata.finalizers = Some(vec!["example.com/keep".into()]);
    cms.create(&PostParams::default(), &obj).await.unwrap();
    cms.delete("f", &DeleteParams::default()).await.unwrap();
    let deleting = cms.get("f").await.unwrap();
    assert!(deleting.metadata.deletion_timestamp.is_some());
    let e = api_err(
        cms.patch(
            "f",
            &PatchParams::default(),
            &Patch::Merge(
                &json!({"metadata": {"finalizers": ["example.com/keep", "example.com/new"]}}),
            ),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(e.code, 422, "{}", e.message);
    // Other updates still work while deleting.
    cms.patch(
        "f",
        &PatchParams::default(),
        &Patch::Merge(&json!({"data": {"k": "2"}})),
    )
    .await
    .unwrap();
    cms.patch(
        "f",
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert!(
        cms.get_opt("f").await.unwrap().is_none(),
        "removing the last finalizer removes the object"
    );
}

#[tokio::test]
async fn owner_references_are_garbage_collected() {
    let (_s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c.clone());
    let secrets: Api<Secret> = Api::default_namespaced(c);
    let owner_ref = |o: &ConfigMap| json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": o.name_any(), "uid": o.uid().unwrap()}]);
    let parent = cms
        .create(&PostParams::default(), &cm("parent", &[]))
        .await
        .unwrap();
    let mut child: ConfigMap = cm("child", &[]);
    child.metadata.owner_references = Some(serde_json::from_value(owner_ref(&parent)).unwrap());
    let child = cms.create(&PostParams::default(), &child).await.unwrap();
    let grandchild: Secret = serde_json::from_value(
        json!({"metadata": {"name": "gc", "ownerReferences": owner_ref(&child)}}),
    )
    .unwrap();
    secrets
        .create(&PostParams::default(), &grandchild)
        .await
        .unwrap();
    let unrelated: Secret = serde_json::from_value(json!({"metadata": {"name": "free"}})).unwrap();
    secrets
        .create(&PostParams::default(), &unrelated)
        .await
        .unwrap();

    cms.delete("parent", &DeleteParams::background())
        .await
        .unwrap();
    assert!(cms.get_opt("child").await.unwrap().is_none());
    assert!(
        secrets.get_opt("gc").await.unwrap().is_none(),
        "GC is transitive"
    );
    assert!(secrets.get_opt("free").await.unwrap().is_some());

    let p2 = cms
        .create(&PostParams::default(), &cm("p2", &[]))
        .await
        .unwrap();
    let mut kept = cm("kept", &[]);
    kept.metadata.owner_references = Some(serde_json::from_value(owner_ref(&p2)).unwrap());
    cms.create(&PostParams::default(), &kept).await.unwrap();
    cms.delete("p2", &DeleteParams::orphan()).await.unwrap();
    let kept = cms.get("kept").await.unwrap();
    assert!(
        kept.metadata
            .owner_references
            .unwrap_or_default()
            .is_empty(),
        "orphaned"
    );
}

#[tokio::test]
async fn crd_schema_and_cel_validation() {
    let (_s, c) = server().await;
    let runs: Api<Run> = Api::default_namespaced(c);
    let mut big = run("big");
    big.spec.template.args = (0..300).map(|i| i.to_string()).collect();
    let e = api_err(runs.create(&PostParams::default(), &big).await.unwrap_err());
    assert_eq!((e.code, e.reason.as_str()), (422, "Invalid"));
    assert!(
        e.message
            .starts_with("Run.kruntimes.io \"big\" is invalid: "),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("spec.args: Too many: 300"),
        "{}",
        e.message
    );

    let mut bad_name = run("bad");
    bad_name.spec.template.runtime = "Not_A_Name".into();
    let e = api_err(
        runs.create(&PostParams::default(), &bad_name)
            .await
            .unwrap_err(),
    );
    assert!(e.message.contains("spec.runtime"), "{}", e.message);

    runs.create(&PostParams::default(), &run("ok"))
        .await
        .unwrap();
    let e = api_err(
        runs.patch(
            "ok",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"runtime": "python"}})),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(e.code, 422);
    assert!(e.message.contains("runtime is immutable"), "{}", e.message);
    // A mutable field passes the transition rules.
    runs.patch(
        "ok",
        &PatchParams::default(),
        &Patch::Merge(&json!({"spec": {"cancelRequested": true}})),
    )
    .await
    .unwrap();
    let e = api_err(
        runs.patch(
            "ok",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"cancelRequested": false}})),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        e.message
            .contains("cancelRequested cannot go back to false"),
        "{}",
        e.message
    );
    // Unknown fields are pruned, not stored.
    let r = runs
        .patch(
            "ok",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"bogus": 1}})),
        )
        .await
        .unwrap();
    assert_eq!(
        r.metadata.generation,
        Some(2),
        "pruned to a no-op on spec after the cancel bump"
    );
}

#[tokio::test]
async fn server_side_apply_creates_and_updates() {
    let (s, c) = server().await;
    let runs: Api<Run> = Api::default_namespaced(c);
    let pp = PatchParams::apply("test").force();
    let created = runs
        .patch("ssa", &pp, &Patch::Apply(&run("ssa")))
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    let mut next = run("ssa");
    next.spec.ttl_seconds_after_finished = Some(60);
    let updated = runs.patch("ssa", &pp, &Patch::Apply(&next)).await.unwrap();
    assert_eq!(updated.spec.ttl_seconds_after_finished, Some(60));
    assert_eq!(updated.uid(), created.uid());
    assert_eq!(updated.metadata.generation, Some(2));
    // Status apply needs the object to exist.
    let status = json!({"apiVersion": "kruntimes.io/v1alpha1", "kind": "Run", "status": {"phase": "Scheduled"}});
    let e = api_err(
        runs.patch_status("missing", &pp, &Patch::Apply(&status))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 404);
    let r = runs
        .patch_status("ssa", &pp, &Patch::Apply(&status))
        .await
        .unwrap();
    assert_eq!(r.status.unwrap().phase.as_str(), "Scheduled");
    // Without a field manager the server refuses an apply.
    let url = format!(
        "{}/apis/kruntimes.io/v1alpha1/namespaces/default/runs/ssa",
        s.url()
    );
    let status = raw_patch(
        &url,
        "application/apply-patch+yaml",
        &serde_json::to_vec(&next).unwrap(),
    )
    .await;
    assert_eq!(status, 422);
}

/// A PATCH over a raw HTTP/1.1 connection, for what kube's typed API cannot send.
async fn raw_patch(url: &str, content_type: &str, body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap().to_owned();
    let (content_type, body) = (content_type.to_owned(), body.to_vec());
    tokio::task::spawn_blocking(move || {
        let (host, path) = rest.split_once('/').unwrap();
        let mut conn = std::net::TcpStream::connect(host).unwrap();
        let head = format!(
            "PATCH /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).unwrap();
        conn.write_all(&body).unwrap();
        let mut out = String::new();
        conn.read_to_string(&mut out).unwrap();
        out.split_whitespace().nth(1).unwrap().parse().unwrap()
    })
    .await
    .unwrap()
}

fn deployment(name: &str, replicas: i32, gates: &[&str]) -> Deployment {
    let gates: Vec<Value> = gates.iter().map(|g| json!({"conditionType": g})).collect();
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "img"}], "readinessGates": gates}
            }
        }
    }))
    .unwrap()
}

fn is_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

async fn live_pods(pods: &Api<Pod>, app: &str) -> Vec<Pod> {
    pods.list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .collect()
}

#[tokio::test]
async fn workload_simulation_keeps_replicas_running() {
    let (s, c) = server().await;
    s.simulate_workloads();
    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    let pods: Api<Pod> = Api::default_namespaced(c);
    let d = deployments
        .create(&PostParams::default(), &deployment("web", 3, &[]))
        .await
        .unwrap();
    let first = eventually("3 ready pods", || async {
        let ps = live_pods(&pods, "web").await;
        (ps.len() == 3 && ps.iter().all(is_ready)).then_some(ps)
    })
    .await;
    for p in &first {
        assert!(
            p.name_any().starts_with("web-") && p.name_any().len() == 9,
            "{}",
            p.name_any()
        );
        let owner = &p.owner_references()[0];
        assert_eq!(
            (owner.uid.as_str(), owner.controller),
            (d.uid().unwrap().as_str(), Some(true))
        );
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.node_name.as_deref(), Some("fake-node"));
        assert_eq!(p.annotations().get("a").map(String::as_str), Some("b"));
        let status = p.status.as_ref().unwrap();
        assert_eq!(
            (status.phase.as_deref(), status.pod_ip.as_deref()),
            (Some("Running"), Some("127.0.0.1"))
        );
    }
    eventually("deployment status", || async {
        let st = deployments
            .get("web")
            .await
            .unwrap()
            .status
            .unwrap_or_default();
        (st.ready_replicas == Some(3)
            && st.replicas == Some(3)
            && st.observed_generation == Some(1))
        .then_some(())
    })
    .await;

    // A node dies: the pod vanishes and is replaced under a new name.
    let victim = first[0].name_any();
    s.delete_pod_now("default", &victim).await;
    assert!(s.get("pods", "default", &victim).is_none());
    eventually("a replacement", || async {
        let ps = live_pods(&pods, "web").await;
        (ps.len() == 3 && ps.iter().all(|p| p.name_any() != victim)).then_some(())
    })
    .await;

    // A normal delete goes through a termination grace period.
    let graceful = live_pods(&pods, "web").await[0].name_any();
    pods.delete(&graceful, &DeleteParams::default())
        .await
        .unwrap();
    let terminating = pods.get(&graceful).await.unwrap();
    assert!(terminating.metadata.deletion_timestamp.is_some());
    eventually("the terminated pod to go", || async {
        pods.get_opt(&graceful)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;

    // A template change replaces every pod.
    let before: Vec<String> = live_pods(&pods, "web")
        .await
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    let bump = json!({"spec": {"template": {"metadata": {"annotations": {"a": "c"}}}}});
    let d2 = deployments
        .patch("web", &PatchParams::default(), &Patch::Merge(&bump))
        .await
        .unwrap();
    assert_eq!(d2.metadata.generation, Some(2));
    eventually("new pods", || async {
        let ps = live_pods(&pods, "web").await;
        (ps.len() == 3
            && ps
                .iter()
                .all(|p| !before.contains(&p.name_any()) && p.annotations()["a"] == "c"))
        .then_some(())
    })
    .await;
    eventually("observedGeneration 2", || async {
        (deployments
            .get("web")
            .await
            .unwrap()
            .status
            .unwrap_or_default()
            .observed_generation
            == Some(2))
        .then_some(())
    })
    .await;

    // Scale down, then delete the deployment: its pods are collected.
    deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"replicas": 1}})),
        )
        .await
        .unwrap();
    eventually("1 pod", || async {
        (live_pods(&pods, "web").await.len() == 1).then_some(())
    })
    .await;
    deployments
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    eventually("no pods", || async {
        pods.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn readiness_gates_drive_the_ready_condition() {
    let (s, c) = server().await;
    s.simulate_workloads();
    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    let pods: Api<Pod> = Api::default_namespaced(c);
    deployments
        .create(
            &PostParams::default(),
            &deployment("rt", 1, &["kruntimes.io/RuntimedReady"]),
        )
        .await
        .unwrap();
    let pod = eventually("a pod", || async { live_pods(&pods, "rt").await.pop() }).await;
    assert!(
        !is_ready(&pod),
        "a gate without its condition keeps the pod unready"
    );
    let name = pod.name_any();
    let heartbeat = |v: &str| json!({"status": {"conditions": [{"type": "kruntimes.io/RuntimedReady", "status": v}]}});
    pods.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Strategic(heartbeat("True")),
    )
    .await
    .unwrap();
    let p = eventually("ready", || async {
        let p = pods.get(&name).await.unwrap();
        is_ready(&p).then_some(p)
    })
    .await;
    // The strategic merge kept the other conditions.
    let types: Vec<String> = p
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .map(|c| c.type_)
        .collect();
    assert!(
        types.contains(&"PodScheduled".to_owned()) && types.len() == 5,
        "{types:?}"
    );
    eventually("deployment ready", || async {
        (deployments
            .get("rt")
            .await
            .unwrap()
            .status
            .unwrap_or_default()
            .ready_replicas
            == Some(1))
        .then_some(())
    })
    .await;
    pods.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Strategic(heartbeat("False")),
    )
    .await
    .unwrap();
    eventually("unready", || async {
        (!is_ready(&pods.get(&name).await.unwrap())).then_some(())
    })
    .await;
    pods.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Strategic(heartbeat("True")),
    )
    .await
    .unwrap();
    eventually("ready again", || async {
        is_ready(&pods.get(&name).await.unwrap()).then_some(())
    })
    .await;
    s.set_pod_ready("default", &name, false);
    assert!(
        !is_ready(&pods.get(&name).await.unwrap()),
        "forced down at once"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !is_ready(&pods.get(&name).await.unwrap()),
        "stays down across reconciles"
    );
    s.set_pod_ready("default", &name, true);
    assert!(is_ready(&pods.get(&name).await.unwrap()));
}

#[tokio::test]
async fn request_log_records_verbs() {
    let (s, c) = server().await;
    let runs: Api<Run> = Api::namespaced(c, "ns1");
    runs.create(&PostParams::default(), &run("a"))
        .await
        .unwrap();
    runs.get("a").await.unwrap();
    runs.list(&ListParams::default()).await.unwrap();
    runs.patch_status(
        "a",
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": {"phase": "Scheduled"}})),
    )
    .await
    .unwrap();
    let _ = runs.get("missing").await.unwrap_err();
    runs.delete("a", &DeleteParams::default()).await.unwrap();
    let log = s.requests();
    let verbs: Vec<Verb> = log.iter().map(|r| r.verb).collect();
    assert_eq!(
        verbs,
        [
            Verb::Create,
            Verb::Get,
            Verb::List,
            Verb::Patch,
            Verb::Get,
            Verb::Delete
        ]
    );
    assert_eq!(log.iter().filter(|r| r.is_write()).count(), 3);
    let patch = &log[3];
    assert_eq!(
        (
            patch.group.as_str(),
            patch.resource.as_str(),
            patch.subresource.as_deref(),
            patch.namespace.as_deref(),
            patch.name.as_deref(),
            patch.status
        ),
        (
            "kruntimes.io",
            "runs",
            Some("status"),
            Some("ns1"),
            Some("a"),
            200
        )
    );
    assert_eq!(log[4].status, 404);
    assert_eq!(log[0].status, 201);
}

#[tokio::test]
async fn discovery_and_version() {
    let (_s, c) = server().await;
    let v = c.apiserver_version().await.unwrap();
    assert_eq!(v.minor, "33");
    let groups = c.list_api_groups().await.unwrap();
    assert!(groups.groups.iter().any(|g| g.name == "kruntimes.io"));
    let res = c
        .list_api_group_resources("kruntimes.io/v1alpha1")
        .await
        .unwrap();
    assert!(res.resources.iter().any(|r| r.name == "runs/status"));
}

#[tokio::test]
async fn apply_conflicts_on_fields_owned_by_another_manager() {
    use k8s_openapi::api::coordination::v1::Lease;
    let (_s, c) = server().await;
    let leases: Api<Lease> = Api::default_namespaced(c);
    let lease = |holder: &str| {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
               "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15}})
    };
    let pa = PatchParams::apply("a");
    let pb = PatchParams::apply("b");
    leases
        .patch("leader", &pa, &Patch::Apply(lease("a")))
        .await
        .unwrap();
    let e = api_err(
        leases
            .patch("leader", &pb, &Patch::Apply(lease("b")))
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
    assert!(e.message.contains(".spec.holderIdentity"), "{}", e.message);
    // Applying a value equal to the current one is no conflict, but makes the field shared: now
    // the first owner conflicts when changing it, as with the real server.
    leases
        .patch("leader", &pb, &Patch::Apply(lease("a")))
        .await
        .unwrap();
    let e = api_err(
        leases
            .patch("leader", &pa, &Patch::Apply(lease("a2")))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 409);
    // A manager may change a field only it owns.
    for transitions in [1, 2] {
        let mut more = lease("a");
        more["spec"]["leaseTransitions"] = json!(transitions);
        leases
            .patch("leader", &pa, &Patch::Apply(more))
            .await
            .unwrap();
    }
    // Force takes ownership; then the former owner conflicts.
    let got = leases
        .patch("leader", &pb.clone().force(), &Patch::Apply(lease("b")))
        .await
        .unwrap();
    assert_eq!(got.spec.unwrap().holder_identity.as_deref(), Some("b"));
    let e = api_err(
        leases
            .patch("leader", &pa, &Patch::Apply(lease("a")))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 409);
    // Non-apply writes never conflict, and clearing a field frees it.
    let clear = json!({"spec": {"holderIdentity": null}});
    leases
        .patch("leader", &PatchParams::default(), &Patch::Strategic(clear))
        .await
        .unwrap();
    leases
        .patch("leader", &pa, &Patch::Apply(lease("a")))
        .await
        .unwrap();
}

#[tokio::test]
async fn streaming_list_watcher_gets_initial_events() {
    let (_s, c) = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(c);
    cms.create(&PostParams::default(), &cm("one", &[]))
        .await
        .unwrap();
    let mut stream = watcher(cms.clone(), watcher::Config::default().streaming_lists()).boxed();
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match ev {
            watcher::Event::Init => seen.push("init".to_owned()),
            watcher::Event::InitApply(o) => seen.push(o.name_any()),
            watcher::Event::InitDone => break,
            e => panic!("{e:?}"),
        }
    }
    assert_eq!(seen, ["init", "one"]);
    cms.create(&PostParams::default(), &cm("two", &[]))
        .await
        .unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(ev, watcher::Event::Apply(o) if o.name_any() == "two"));
}

/// A Secret's `stringData` is folded into `data` (base64) and never stored, as the API server does.
#[tokio::test]
async fn secret_string_data_is_folded_into_data() {
    let (_s, c) = server().await;
    let secrets: Api<Secret> = Api::namespaced(c, "default");
    let secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": "creds"},
        "data": {"A": "YQ=="},
        "stringData": {"B": "b", "A": "override"}
    }))
    .unwrap();
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
    let stored = secrets.get("creds").await.unwrap();
    let data = stored.data.unwrap();
    assert_eq!(data["A"].0, b"override");
    assert_eq!(data["B"].0, b"b");
    assert!(stored.string_data.is_none());
}
