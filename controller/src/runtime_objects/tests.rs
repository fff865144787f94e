//! Unit tests of the Runtime objects.

use super::*;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kruntimes_api::v1alpha1::{
    ArtifactStore, BuiltinRuntime, Capabilities, Capacity, ComponentSource, FilesystemStore,
    ImageComponent, PoolTuning, ReadOnlyMount, RuntimeLimits, RuntimeSpec, S3Store,
};

fn cfg() -> PoolConfig {
    PoolConfig {
        default_daemon_image: "ghcr.io/kruntimes/runtimed:test".to_owned(),
    }
}

fn mk_runtime(name: &str) -> Runtime {
    let mut rt = Runtime::new(
        name,
        RuntimeSpec {
            component: ComponentSource {
                builtin: Some(BuiltinRuntime::Bash),
                ..ComponentSource::default()
            },
            ..RuntimeSpec::default()
        },
    );
    rt.metadata.namespace = Some("team".to_owned());
    rt.metadata.uid = Some("uid-1".to_owned());
    rt
}

fn pod_spec(d: &Desired) -> &PodSpec {
    d.deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("pod spec")
}

fn container<'a>(spec: &'a PodSpec, name: &str) -> &'a Container {
    spec.containers
        .iter()
        .find(|c| c.name == name)
        .expect("container")
}

fn args(c: &Container) -> Vec<&str> {
    c.args.iter().flatten().map(String::as_str).collect()
}

/// Every object is named runtime-<name>, labelled and owned by the Runtime as its controller.
#[test]
fn objects_are_named_labelled_and_owned() {
    let d = desired(&mk_runtime("bash"), &cfg());
    let metas = [
        &d.deployment.metadata,
        &d.service_account.metadata,
        &d.role.metadata,
        &d.role_binding.metadata,
        &d.network_policy.metadata,
    ];
    for m in metas {
        assert_eq!(m.name.as_deref(), Some("runtime-bash"));
        assert_eq!(m.namespace.as_deref(), Some("team"));
        let labels = m.labels.as_ref().expect("labels");
        assert_eq!(labels["kruntimes.io/runtime"], "bash");
        assert_eq!(labels["app.kubernetes.io/name"], "kruntimes-runtime");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "kruntimes");
        let owners = m.owner_references.as_ref().expect("owners");
        assert_eq!(owners.len(), 1);
        assert_eq!(owners[0].kind, "Runtime");
        assert_eq!(owners[0].uid, "uid-1");
        assert_eq!(owners[0].controller, Some(true));
        assert_eq!(owners[0].block_owner_deletion, Some(true));
    }
    let spec = d.deployment.spec.as_ref().expect("spec");
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(
        spec.selector.match_labels.as_ref().map(BTreeMap::len),
        Some(2)
    );
}

/// runtimed gets the default image, the fixed flags, the builtins dir and the downward-API env.
#[test]
fn runtimed_is_configured_for_a_builtin() {
    let d = desired(&mk_runtime("bash"), &cfg());
    let spec = pod_spec(&d);
    let c = container(spec, RUNTIMED_CONTAINER);
    assert_eq!(c.image.as_deref(), Some("ghcr.io/kruntimes/runtimed:test"));
    assert_eq!(
        args(c),
        [
            "--listen",
            "0.0.0.0:9093",
            "--workspace-root",
            "/var/lib/runtimed/workspaces",
            "--cache-dir",
            "/var/lib/runtimed/cache",
            "--capacity",
            "4",
            "--builtins",
            "/opt/kruntimes/builtins",
            "--agent-runtime",
            "bash",
            "--runtime-name",
            "bash",
            "--component-source",
            "builtin:bash"
        ]
    );
    let env: Vec<_> = c
        .env
        .iter()
        .flatten()
        .map(|e| {
            (
                e.name.as_str(),
                e.value_from
                    .as_ref()
                    .and_then(|v| v.field_ref.as_ref())
                    .map(|f| f.field_path.as_str())
                    .or(e.value.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        env,
        [
            ("POD_NAME", Some("metadata.name")),
            ("POD_NAMESPACE", Some("metadata.namespace")),
            ("POD_UID", Some("metadata.uid")),
            ("RUNTIMED_METRICS_ADDR", Some("0.0.0.0:9094"))
        ]
    );
    let ports: Vec<_> = c
        .ports
        .iter()
        .flatten()
        .map(|p| (p.name.as_deref(), p.container_port))
        .collect();
    assert_eq!(ports, [(Some("grpc"), 9093), (Some("metrics"), 9094)]);
    let probe = c.readiness_probe.as_ref().and_then(|p| p.grpc.as_ref());
    assert_eq!(probe.map(|g| g.port), Some(9093));
    let sc = c.security_context.as_ref().expect("security context");
    assert_eq!(sc.run_as_non_root, Some(true));
    assert_eq!(sc.read_only_root_filesystem, Some(true));
    assert_eq!(sc.allow_privilege_escalation, Some(false));
    assert_eq!(
        sc.seccomp_profile.as_ref().map(|s| s.type_.as_str()),
        Some("RuntimeDefault")
    );
    assert_eq!(
        spec.readiness_gates
            .as_ref()
            .map(|g| g[0].condition_type.as_str()),
        Some("kruntimes.io/RuntimedReady")
    );
    assert_eq!(spec.service_account_name.as_deref(), Some("runtime-bash"));
    assert_eq!(spec.automount_service_account_token, Some(false));
}

/// An image component is mounted as an image volume and named on the command line.
#[test]
fn image_components_are_mounted_as_image_volumes() {
    let mut rt = mk_runtime("img");
    rt.spec.component = ComponentSource {
        image: Some(ImageComponent {
            reference: "ghcr.io/acme/tool@sha256:abc".to_owned(),
            path: "/component.wasm".to_owned(),
        }),
        ..ComponentSource::default()
    };
    rt.spec.daemon_image = Some("custom:1".to_owned());
    let d = desired(&rt, &cfg());
    let spec = pod_spec(&d);
    let c = container(spec, RUNTIMED_CONTAINER);
    assert_eq!(c.image.as_deref(), Some("custom:1"));
    let a = args(c);
    assert!(a.ends_with(&[
        "--component",
        "img=/opt/kruntimes/component/component.wasm",
        "--agent-runtime",
        "img",
        "--runtime-name",
        "img",
        "--component-source",
        "image:ghcr.io/acme/tool@sha256:abc#/component.wasm"
    ]));
    let vol = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == "component")
        .and_then(|v| v.image.as_ref())
        .and_then(|i| i.reference.as_deref());
    assert_eq!(vol, Some("ghcr.io/acme/tool@sha256:abc"));
}

/// A url component is passed to runtimed as flags (it downloads and verifies it); nothing is mounted for it and
/// no env var carries it.
#[test]
fn url_components_are_passed_as_flags() {
    let mut rt = mk_runtime("remote");
    let sha = "ab".repeat(32);
    rt.spec.component = ComponentSource {
        url: Some("https://example.com/tool.wasm".to_owned()),
        sha256: Some(sha.clone()),
        ..ComponentSource::default()
    };
    let d = desired(&rt, &cfg());
    let spec = pod_spec(&d);
    let c = container(spec, RUNTIMED_CONTAINER);
    let a = args(c);
    assert!(a.ends_with(&[
        "--component-url",
        "remote=https://example.com/tool.wasm",
        "--component-sha256",
        sha.as_str(),
        "--agent-runtime",
        "remote",
        "--runtime-name",
        "remote",
        "--component-source",
        "https://example.com/tool.wasm"
    ]));
    assert!(!a.contains(&"--builtins"));
    assert!(spec.volumes.iter().flatten().all(|v| v.name != "component"));
    assert!(
        c.env
            .iter()
            .flatten()
            .all(|e| !e.name.starts_with("KRUNTIMES_COMPONENT"))
    );
}

/// Reserved fields win over the user's template; everything else of it is kept.
#[test]
fn reserved_fields_override_the_template_and_user_fields_are_kept() {
    let mut rt = mk_runtime("bash");
    let template: PodTemplateSpec = serde_json::from_value(serde_json::json!({
        "metadata": {
            "labels": {"team": "a", "kruntimes.io/runtime": "evil"},
            "annotations": {"note": "x", "kruntimes.io/capacity.runs": "99"}
        },
        "spec": {
            "serviceAccountName": "admin",
            "automountServiceAccountToken": true,
            "nodeSelector": {"pool": "wasm"},
            "tolerations": [{"key": "wasm", "operator": "Exists"}],
            "containers": [
                {"name": "runtimed", "image": "evil", "args": ["--listen", "0.0.0.0:1"],
                 "resources": {"limits": {"memory": "1Gi"}},
                 "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": false},
                                  {"name": "stolen", "mountPath": "/s"},
                                  {"name": "workspaces", "mountPath": "/w"},
                                  {"name": "data", "mountPath": "/var/lib/runtimed/cache/x"}]},
                {"name": "sidecar", "image": "side:1",
                 "volumeMounts": [{"name": "runtimed-token", "mountPath": "/t"},
                                  {"name": "stolen", "mountPath": "/s"},
                                  {"name": "data", "mountPath": "/d"}]}
            ],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {"name": "workspaces", "hostPath": {"path": "/"}},
                {"name": "stolen", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}}
            ]
        }
    }))
    .expect("template");
    rt.spec.template = Some(template);
    let d = desired(&rt, &cfg());
    let tpl = &d.deployment.spec.as_ref().expect("spec").template;
    let meta = tpl.metadata.as_ref().expect("meta");
    let labels = meta.labels.as_ref().expect("labels");
    assert_eq!(labels["kruntimes.io/runtime"], "bash");
    assert_eq!(labels["team"], "a");
    let ann = meta.annotations.as_ref().expect("annotations");
    assert_eq!(ann["kruntimes.io/capacity.runs"], "4");
    assert_eq!(ann["note"], "x");
    let spec = pod_spec(&d);
    assert_eq!(spec.service_account_name.as_deref(), Some("runtime-bash"));
    assert_eq!(spec.automount_service_account_token, Some(false));
    assert_eq!(
        spec.node_selector.as_ref().map(|n| n["pool"].as_str()),
        Some("wasm")
    );
    assert_eq!(spec.tolerations.as_ref().map(Vec::len), Some(1));
    assert_eq!(spec.containers.len(), 2);
    let rd = container(spec, RUNTIMED_CONTAINER);
    assert_eq!(rd.image.as_deref(), Some("ghcr.io/kruntimes/runtimed:test"));
    assert_eq!(args(rd)[1], "0.0.0.0:9093");
    assert!(
        rd.resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .is_some_and(|l| l.contains_key("memory"))
    );
    // runtimed keeps its mounts of user volumes, read-only; token, reserved and overlapping ones are dropped.
    let user_mounts: Vec<_> = rd
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| m.name == "data" || m.name == "stolen" || m.mount_path == "/w")
        .map(|m| (m.name.as_str(), m.mount_path.as_str(), m.read_only))
        .collect();
    assert_eq!(user_mounts, [("data", "/data", Some(true))]);
    let side = container(spec, "sidecar");
    let mounts: Vec<_> = side
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(mounts, ["data"]);
    let volumes: Vec<_> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(volumes, ["data", "workspaces", "cache", "runtimed-token"]);
    let ws = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == "workspaces")
        .expect("workspaces");
    assert!(ws.empty_dir.is_some() && ws.host_path.is_none());
}

/// Only runtimed mounts the service-account token; no other container or volume can reach it.
#[test]
fn the_token_is_mounted_only_into_runtimed() {
    let mut rt = mk_runtime("bash");
    rt.spec.template = Some(PodTemplateSpec {
        metadata: None,
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "helper".to_owned(),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
    });
    let d = desired(&rt, &cfg());
    let spec = pod_spec(&d);
    let token_volumes: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| projects_token(v))
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(token_volumes, [VOLUME_TOKEN]);
    for c in &spec.containers {
        let has_token = c
            .volume_mounts
            .iter()
            .flatten()
            .any(|m| m.name == VOLUME_TOKEN || m.mount_path.starts_with("/var/run/secrets"));
        assert_eq!(
            has_token,
            c.name == RUNTIMED_CONTAINER,
            "container {}",
            c.name
        );
    }
    assert_eq!(
        d.service_account.automount_service_account_token,
        Some(false)
    );
}

/// Capacity annotations follow spec.capacity, with runs defaulting to 4, and --capacity follows runs.
#[test]
fn capacity_annotations_follow_the_spec() {
    let mut rt = mk_runtime("bash");
    rt.spec.capacity = Some(Capacity {
        resources: BTreeMap::from([
            ("runs".to_owned(), Quantity("8".to_owned())),
            ("gpu".to_owned(), Quantity("2".to_owned())),
        ]),
    });
    let d = desired(&rt, &cfg());
    let ann = d
        .deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.annotations.clone())
        .expect("annotations");
    assert_eq!(ann["kruntimes.io/capacity.runs"], "8");
    assert_eq!(ann["kruntimes.io/capacity.gpu"], "2");
    let a = args(container(pod_spec(&d), RUNTIMED_CONTAINER)).join(" ");
    assert!(a.contains("--capacity 8"), "{a}");
}

/// `spec.capabilities` reaches runtimed as one JSON flag (nothing when empty); limits above runtimed's default
/// maximums raise them, so a Runtime's `outputBytes: 64Mi` is not silently capped at 16 MiB; `pool.instanceSlots`
/// becomes `--instance-slots`.
#[test]
fn capabilities_and_large_limits_reach_runtimed() {
    let mut rt = mk_runtime("net");
    let a = args(container(
        pod_spec(&desired(&rt, &cfg())),
        RUNTIMED_CONTAINER,
    ))
    .join(" ");
    assert!(!a.contains("--capabilities"), "{a}");
    rt.spec.capabilities = Some(Capabilities {
        network: vec!["pypi.org:443".to_owned()],
        mounts: vec![ReadOnlyMount {
            path: "/data".to_owned(),
            guest_path: "/data".to_owned(),
        }],
    });
    rt.spec.pool = Some(PoolTuning {
        instance_slots: Some(40),
    });
    rt.spec.limits = Some(RuntimeLimits {
        memory: Some(Quantity("8Gi".to_owned())),
        output_bytes: Some(64 << 20),
        ..RuntimeLimits::default()
    });
    let d = desired(&rt, &cfg());
    let a = args(container(pod_spec(&d), RUNTIMED_CONTAINER));
    let value = |flag: &str| {
        let i = a
            .iter()
            .position(|x| *x == flag)
            .unwrap_or_else(|| panic!("{flag} in {a:?}"));
        a[i + 1].to_owned()
    };
    assert_eq!(
        value("--capabilities"),
        r#"{"network":["pypi.org:443"],"mounts":[{"path":"/data","guestPath":"/data"}]}"#
    );
    assert_eq!(value("--memory-limit"), (8u64 << 30).to_string());
    assert_eq!(value("--max-memory"), (8u64 << 30).to_string());
    assert_eq!(value("--output-limit"), (64u64 << 20).to_string());
    assert_eq!(value("--max-output"), (64u64 << 20).to_string());
    assert_eq!(value("--instance-slots"), "40");
}

/// runtimed may report the component of its own Runtime only.
#[test]
fn runtimed_may_patch_only_its_own_runtime_status() {
    let d = desired(&mk_runtime("bash"), &cfg());
    let rules = d.role.rules.as_ref().expect("rules");
    let rule = rules
        .iter()
        .find(|r| r.resources.iter().flatten().any(|x| x == "runtimes/status"))
        .expect("runtimes/status rule");
    assert_eq!(rule.verbs, ["patch"]);
    assert_eq!(
        rule.resource_names.as_deref(),
        Some(&["bash".to_owned()][..])
    );
}

/// Without an artifact store the Role grants no secrets; with one, only its credentials Secret.
#[test]
fn secrets_are_granted_only_for_the_artifact_store() {
    let rt = mk_runtime("bash");
    let d = desired(&rt, &cfg());
    let rules = d.role.rules.as_ref().expect("rules");
    assert!(
        !rules
            .iter()
            .any(|r| r.resources.iter().flatten().any(|x| x == "secrets"))
    );
    assert!(rules.iter().all(|r| !r.verbs.iter().any(|v| v == "*")));

    let mut rt = mk_runtime("bash");
    rt.spec.artifact_store = Some(ArtifactStore {
        s3: Some(S3Store {
            bucket: "b".to_owned(),
            credentials_secret_name: Some("s3-creds".to_owned()),
            ..S3Store::default()
        }),
        ..ArtifactStore::default()
    });
    let d = desired(&rt, &cfg());
    let secrets: Vec<_> = d
        .role
        .rules
        .iter()
        .flatten()
        .filter(|r| r.resources.iter().flatten().any(|x| x == "secrets"))
        .collect();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].verbs, ["get"]);
    assert_eq!(
        secrets[0].resource_names.as_deref(),
        Some(&["s3-creds".to_owned()][..])
    );
}

/// runtimed gets the artifact store as `--artifact-store` JSON (so a new store rolls the pods), may patch Runs
/// (the cleanup finalizer), and mounts a `filesystem` store's claim read-write where it looks for it.
#[test]
fn runtimed_is_told_the_artifact_store() {
    let d = desired(&mk_runtime("bash"), &cfg());
    assert!(!args(container(pod_spec(&d), RUNTIMED_CONTAINER)).contains(&"--artifact-store"));

    let mut rt = mk_runtime("bash");
    let store = ArtifactStore {
        filesystem: Some(FilesystemStore {
            volume_claim_name: "artifacts-pvc".to_owned(),
            prefix: Some("team".to_owned()),
        }),
        ..ArtifactStore::default()
    };
    rt.spec.artifact_store = Some(store.clone());
    let d = desired(&rt, &cfg());
    let spec = pod_spec(&d);
    let runtimed = container(spec, RUNTIMED_CONTAINER);
    let given = args(runtimed);
    let at = given
        .iter()
        .position(|a| *a == "--artifact-store")
        .expect("--artifact-store");
    let parsed: ArtifactStore = serde_json::from_str(given[at + 1]).expect("JSON");
    assert_eq!(parsed, store);
    let volume = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == VOLUME_ARTIFACTS)
        .expect("artifact volume");
    assert_eq!(
        volume
            .persistent_volume_claim
            .as_ref()
            .map(|c| c.claim_name.as_str()),
        Some("artifacts-pvc")
    );
    let mount = runtimed
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == VOLUME_ARTIFACTS)
        .expect("artifact mount");
    assert_eq!(mount.mount_path, ARTIFACT_STORE_MOUNT);
    assert_eq!(mount.read_only, None);
    let runs = d
        .role
        .rules
        .iter()
        .flatten()
        .find(|r| r.resources.as_deref() == Some(&["runs".to_owned()][..]))
        .expect("runs rule");
    assert!(runs.verbs.iter().any(|v| v == "patch"), "{runs:?}");
}

/// The NetworkPolicy admits only kruntimes pods, on TCP 9093, to this Runtime's pods.
#[test]
fn network_policy_admits_only_kruntimes_pods_on_grpc() {
    let d = desired(&mk_runtime("bash"), &cfg());
    let spec = d.network_policy.spec.as_ref().expect("spec");
    assert_eq!(
        spec.policy_types.as_deref(),
        Some(&["Ingress".to_owned()][..])
    );
    let ingress = spec.ingress.as_ref().expect("ingress");
    assert_eq!(ingress.len(), 1);
    let peer = &ingress[0].from.as_ref().expect("from")[0];
    assert_eq!(peer.namespace_selector, Some(LabelSelector::default()));
    assert_eq!(
        peer.pod_selector
            .as_ref()
            .and_then(|s| s.match_labels.as_ref())
            .map(|l| l["app.kubernetes.io/part-of"].as_str()),
        Some("kruntimes")
    );
    let port = &ingress[0].ports.as_ref().expect("ports")[0];
    assert_eq!(port.port, Some(IntOrString::Int(9093)));
    let rb = &d.role_binding;
    assert_eq!(rb.role_ref.name, "runtime-bash");
    assert_eq!(
        rb.subjects.as_ref().map(|s| s[0].name.as_str()),
        Some("runtime-bash")
    );
}
