//! PURE: the objects a Runtime needs (Deployment, ServiceAccount, Role, RoleBinding, NetworkPolicy), all named
//! `runtime-<name>` in the Runtime's namespace and owned by it (ADR 0007, "Pods").
//!
//! # Reserved fields of the pod template
//!
//! The Runtime's `spec.template` is the starting point; the controller then sets or overrides:
//!
//! - `metadata.labels`: `kruntimes.io/runtime`, `app.kubernetes.io/name`, `app.kubernetes.io/managed-by`
//!   (other user labels are kept);
//! - `metadata.annotations`: every `kruntimes.io/capacity.<resource>` (user annotations with that prefix are
//!   dropped, others kept);
//! - `spec.serviceAccountName` (`runtime-<name>`), `spec.automountServiceAccountToken` (`false`) and the
//!   deprecated `spec.serviceAccount` (cleared);
//! - `spec.readinessGates`: `kruntimes.io/RuntimedReady` is always present (user gates are kept);
//! - the container `runtimed`: image, command, args, ports, env, volume mounts, probes and security context
//!   (a user container of that name is replaced; its `resources` are kept, so users can size runtimed, and its
//!   mounts of user volumes are kept read-only, so `spec.capabilities.mounts` can show them to guests; mounts
//!   of reserved volumes or over runtimed's own directories are dropped);
//! - the volumes `workspaces`, `cache`, `runtimed-token` and `component` (user volumes of those names are
//!   replaced).
//!
//! The ServiceAccount token is mounted ONLY into `runtimed` (a projected volume at
//! `/var/run/secrets/kubernetes.io/serviceaccount`), unlike the Go original where user code shared it
//! (reference section 12, item 18). So that no other container can reach it, user containers and init
//! containers lose every mount of a reserved volume, and user volumes that project a service-account token
//! are dropped. Guests only ever see `/workspace`, never the token.
//!
//! Everything else of the template (user containers, init containers, volumes, node selector, tolerations,
//! affinity, pod security context, ...) is kept as written.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities as ContainerCapabilities, ConfigMapProjection, Container, ContainerPort,
    DownwardAPIProjection, DownwardAPIVolumeFile, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    GRPCAction, ImageVolumeSource, KeyToPath, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, PodReadinessGate, PodTemplateSpec, Probe,
    ProjectedVolumeSource, SeccompProfile, SecurityContext, ServiceAccount,
    ServiceAccountTokenProjection, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kruntimes_api::consts::{
    DEFAULT_POD_RUNS, RUNS_RESOURCE, annotations, conditions, labels as platform_labels,
};
use kruntimes_api::quantity;
use kruntimes_api::runtimed::{Limit, PodComponent, PodConfig};
use kruntimes_api::v1alpha1::{ComponentSource, Runtime};
use kube::{Resource, ResourceExt};

/// Name of the runtimed container.
pub const RUNTIMED_CONTAINER: &str = "runtimed";
/// runtimed's gRPC port (named `grpc`).
pub const GRPC_PORT: i32 = kruntimes_api::consts::RUNTIMED_GRPC_PORT as i32;
/// runtimed's admin port (`/metrics`, `/healthz`, `/readyz`) in the pod.
pub const METRICS_PORT: i32 = kruntimes_api::consts::RUNTIMED_METRICS_PORT as i32;
/// Where runtimed keeps per-Run workspaces (an emptyDir).
pub const WORKSPACE_ROOT: &str = "/var/lib/runtimed/workspaces";
/// Where runtimed keeps precompiled components (an emptyDir).
pub const CACHE_DIR: &str = "/var/lib/runtimed/cache";
/// Directory of the built-in runtimes in the runtimed image.
pub const BUILTINS_DIR: &str = "/opt/kruntimes/builtins";
/// Where an `image` component's image volume is mounted.
pub const COMPONENT_DIR: &str = "/opt/kruntimes/component";
/// Where a `filesystem` artifact store's claim is mounted, in runtimed only.
pub const ARTIFACT_STORE_MOUNT: &str = kruntimes_api::consts::artifact_store::MOUNT_PATH;
/// Where the projected ServiceAccount token is mounted, in runtimed only.
pub const TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Label value of `app.kubernetes.io/name` on Runtime pods.
pub const APP_NAME: &str = "kruntimes-runtime";
/// Label of the platform's own pods (scheduler, controller, krt proxies) allowed to reach runtimed.
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
/// Recommended label naming the application.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

const VOLUME_WORKSPACES: &str = "workspaces";
const VOLUME_CACHE: &str = "cache";
const VOLUME_TOKEN: &str = "runtimed-token";
const VOLUME_COMPONENT: &str = "component";
const VOLUME_ARTIFACTS: &str = "artifact-store";
const RESERVED_VOLUMES: [&str; 5] = [
    VOLUME_WORKSPACES,
    VOLUME_CACHE,
    VOLUME_TOKEN,
    VOLUME_COMPONENT,
    VOLUME_ARTIFACTS,
];
/// Lifetime the kubelet gives the projected token (it rotates it before expiry), as for `kube-api-access-*`.
const TOKEN_EXPIRATION_SECONDS: i64 = 3607;

/// Controller settings the objects depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// runtimed image of Runtimes that name no `daemonImage`.
    pub default_daemon_image: String,
}

/// Every object a Runtime needs, ready for server-side apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    /// The warm pool.
    pub deployment: Deployment,
    /// The identity of the pool's runtimed.
    pub service_account: ServiceAccount,
    /// What runtimed may do in the namespace.
    pub role: Role,
    /// Binds [`Desired::role`] to [`Desired::service_account`].
    pub role_binding: RoleBinding,
    /// Lets only kruntimes pods reach runtimed's gRPC port.
    pub network_policy: NetworkPolicy,
}

/// `runtime-<name>`: the name of every object of a Runtime.
pub fn object_name(runtime: &Runtime) -> String {
    format!("runtime-{}", runtime.name_any())
}

/// The selector labels of a Runtime's pods: `kruntimes.io/runtime` and `app.kubernetes.io/name`.
pub fn selector_labels(runtime: &Runtime) -> BTreeMap<String, String> {
    BTreeMap::from([
        (platform_labels::RUNTIME.to_owned(), runtime.name_any()),
        (NAME_LABEL.to_owned(), APP_NAME.to_owned()),
    ])
}

/// The selector labels plus `app.kubernetes.io/managed-by=kruntimes`.
pub fn object_labels(runtime: &Runtime) -> BTreeMap<String, String> {
    let mut labels = selector_labels(runtime);
    labels.insert(
        platform_labels::MANAGED_BY.to_owned(),
        "kruntimes".to_owned(),
    );
    labels
}

/// The capacity a Runtime's pods advertise, as whole quantities: `spec.capacity.resources`, with `runs`
/// defaulting to [`DEFAULT_POD_RUNS`] (every Run requests `runs`, so a pod without it could take nothing).
/// Entries that are not whole non-negative quantities are left out (the CRD should have rejected them).
pub fn capacity(runtime: &Runtime) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = runtime
        .spec
        .capacity
        .iter()
        .flat_map(|c| c.resources.iter())
        .filter_map(|(name, q)| quantity::parse_whole(&q.0).ok().map(|v| (name.clone(), v)))
        .collect();
    out.entry(RUNS_RESOURCE.to_owned())
        .or_insert(DEFAULT_POD_RUNS);
    out
}

/// The objects `runtime` needs; see the module documentation for the reserved pod template fields.
pub fn desired(runtime: &Runtime, cfg: &PoolConfig) -> Desired {
    Desired {
        deployment: deployment(runtime, cfg),
        service_account: service_account(runtime),
        role: role(runtime),
        role_binding: role_binding(runtime),
        network_policy: network_policy(runtime),
    }
}

fn metadata(runtime: &Runtime) -> ObjectMeta {
    ObjectMeta {
        name: Some(object_name(runtime)),
        namespace: runtime.namespace(),
        labels: Some(object_labels(runtime)),
        owner_references: Some(owner_reference(runtime).into_iter().collect()),
        ..ObjectMeta::default()
    }
}

/// The controller owner reference to `runtime` (none when the Runtime has no UID yet, i.e. was never stored).
fn owner_reference(runtime: &Runtime) -> Option<OwnerReference> {
    let mut owner = runtime.controller_owner_ref(&())?;
    owner.controller = Some(true);
    owner.block_owner_deletion = Some(true);
    Some(owner)
}

fn deployment(runtime: &Runtime, cfg: &PoolConfig) -> Deployment {
    Deployment {
        metadata: metadata(runtime),
        spec: Some(DeploymentSpec {
            replicas: Some(runtime.spec.replicas.unwrap_or(1)),
            selector: LabelSelector {
                match_labels: Some(selector_labels(runtime)),
                match_expressions: None,
            },
            template: pod_template(runtime, cfg),
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

fn pod_template(runtime: &Runtime, cfg: &PoolConfig) -> PodTemplateSpec {
    let template = runtime.spec.template.clone().unwrap_or_default();
    let mut meta = template.metadata.unwrap_or_default();
    let mut spec = template.spec.unwrap_or_default();

    let mut labels = meta.labels.take().unwrap_or_default();
    labels.extend(object_labels(runtime));
    meta.labels = Some(labels);
    let mut pod_annotations = meta.annotations.take().unwrap_or_default();
    pod_annotations.retain(|k, _| !k.starts_with(annotations::CAPACITY_PREFIX));
    for (resource, value) in capacity(runtime) {
        pod_annotations.insert(
            format!("{}{resource}", annotations::CAPACITY_PREFIX),
            value.to_string(),
        );
    }
    meta.annotations = Some(pod_annotations);
    // The API server sets these on the pods; in a template they would only confuse.
    meta.name = None;
    meta.namespace = None;
    meta.owner_references = None;

    spec.service_account_name = Some(object_name(runtime));
    spec.service_account = None;
    spec.automount_service_account_token = Some(false);

    let mut gates = spec.readiness_gates.take().unwrap_or_default();
    if !gates
        .iter()
        .any(|g| g.condition_type == conditions::RUNTIMED_READY)
    {
        gates.push(PodReadinessGate {
            condition_type: conditions::RUNTIMED_READY.to_owned(),
        });
    }
    spec.readiness_gates = Some(gates);

    // User volumes: reserved names are ours, and no user volume may project a service-account token.
    let user_volumes = spec.volumes.take().unwrap_or_default();
    let dropped_token_volumes: Vec<String> = user_volumes
        .iter()
        .filter(|v| projects_token(v))
        .map(|v| v.name.clone())
        .collect();
    let mut volumes: Vec<Volume> = user_volumes
        .into_iter()
        .filter(|v| !RESERVED_VOLUMES.contains(&v.name.as_str()) && !projects_token(v))
        .collect();
    volumes.extend(reserved_volumes(runtime));
    spec.volumes = Some(volumes);

    let mut containers = spec.containers;
    let user_runtimed = containers
        .iter()
        .position(|c| c.name == RUNTIMED_CONTAINER)
        .map(|i| containers.remove(i));
    for c in containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        if let Some(mounts) = &mut c.volume_mounts {
            mounts.retain(|m| {
                !RESERVED_VOLUMES.contains(&m.name.as_str())
                    && !dropped_token_volumes.contains(&m.name)
            });
        }
    }
    let mut runtimed = runtimed_container(runtime, cfg);
    if let Some(user) = user_runtimed {
        runtimed.resources = user.resources;
        // Mounts of the user's volumes, read-only: what `spec.capabilities.mounts` shows to guests.
        let own = runtimed.volume_mounts.get_or_insert_default();
        let taken: Vec<String> = own.iter().map(|m| m.mount_path.clone()).collect();
        own.extend(
            user.volume_mounts
                .into_iter()
                .flatten()
                .filter(|m| {
                    !RESERVED_VOLUMES.contains(&m.name.as_str())
                        && !dropped_token_volumes.contains(&m.name)
                        && !taken.iter().any(|t| overlaps(t, &m.mount_path))
                })
                .map(|m| VolumeMount {
                    read_only: Some(true),
                    ..m
                }),
        );
    }
    containers.insert(0, runtimed);
    spec.containers = containers;

    PodTemplateSpec {
        metadata: Some(meta),
        spec: Some(spec),
    }
}

fn projects_token(v: &Volume) -> bool {
    v.projected
        .iter()
        .flat_map(|p| p.sources.iter().flatten())
        .any(|s| s.service_account_token.is_some())
}

fn reserved_volumes(runtime: &Runtime) -> Vec<Volume> {
    let empty_dir = |name: &str| Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    };
    let mut volumes = vec![
        empty_dir(VOLUME_WORKSPACES),
        empty_dir(VOLUME_CACHE),
        token_volume(),
    ];
    if let Some(image) = &runtime.spec.component.image {
        volumes.push(Volume {
            name: VOLUME_COMPONENT.to_owned(),
            image: Some(ImageVolumeSource {
                reference: Some(image.reference.clone()),
                pull_policy: Some("IfNotPresent".to_owned()),
            }),
            ..Volume::default()
        });
    }
    if let Some(fs) = runtime
        .spec
        .artifact_store
        .as_ref()
        .and_then(|s| s.filesystem.as_ref())
    {
        volumes.push(Volume {
            name: VOLUME_ARTIFACTS.to_owned(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: fs.volume_claim_name.clone(),
                read_only: None,
            }),
            ..Volume::default()
        });
    }
    volumes
}

/// The same projection the kubelet mounts as `kube-api-access-*`: token, cluster CA and namespace.
fn token_volume() -> Volume {
    Volume {
        name: VOLUME_TOKEN.to_owned(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(0o444),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        path: "token".to_owned(),
                        expiration_seconds: Some(TOKEN_EXPIRATION_SECONDS),
                        audience: None,
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "kube-root-ca.crt".to_owned(),
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".to_owned(),
                            path: "ca.crt".to_owned(),
                            mode: None,
                        }]),
                        optional: None,
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            path: "namespace".to_owned(),
                            field_ref: Some(field_ref("metadata.namespace")),
                            ..DownwardAPIVolumeFile::default()
                        }]),
                    }),
                    ..VolumeProjection::default()
                },
            ]),
        }),
        ..Volume::default()
    }
}

/// Whether one of two absolute paths is the other or lies inside it.
fn overlaps(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
    let inside = |outer: &str, inner: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

fn field_ref(path: &str) -> ObjectFieldSelector {
    ObjectFieldSelector {
        api_version: Some("v1".to_owned()),
        field_path: path.to_owned(),
    }
}

/// runtimed's default `--max-memory` (4 GiB) and `--max-output` (16 MiB): a Runtime's limit above them raises them.
const RUNTIMED_MAX_MEMORY: u64 = 4 << 30;
const RUNTIMED_MAX_OUTPUT: u64 = 16 << 20;

/// What `status.component.source` says of `component`: `builtin:bash`, `image:<reference>#<path>` or the URL.
fn component_source(component: &ComponentSource) -> String {
    if let Some(builtin) = component.builtin {
        format!("builtin:{}", builtin.as_str())
    } else if let Some(image) = &component.image {
        format!("image:{}#{}", image.reference, image.path)
    } else {
        component.url.clone().unwrap_or_default()
    }
}

fn runtimed_container(runtime: &Runtime, cfg: &PoolConfig) -> Container {
    let runs = capacity(runtime)
        .get(RUNS_RESOURCE)
        .copied()
        .unwrap_or(DEFAULT_POD_RUNS);
    let env: Vec<EnvVar> = [
        ("POD_NAME", "metadata.name"),
        ("POD_NAMESPACE", "metadata.namespace"),
        ("POD_UID", "metadata.uid"),
    ]
    .into_iter()
    .map(|(name, path)| EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(field_ref(path)),
            ..EnvVarSource::default()
        }),
        value: None,
    })
    // An environment variable, not a flag: a Runtime whose `daemonImage` pins a runtimed from before
    // `--metrics-addr` ignores it instead of refusing to start.
    .chain([EnvVar {
        name: "RUNTIMED_METRICS_ADDR".to_owned(),
        value: Some(format!("0.0.0.0:{METRICS_PORT}")),
        value_from: None,
    }])
    .collect();
    let mut mounts = vec![
        mount(VOLUME_WORKSPACES, WORKSPACE_ROOT, false),
        mount(VOLUME_CACHE, CACHE_DIR, false),
        mount(VOLUME_TOKEN, TOKEN_DIR, true),
    ];

    let name = runtime.name_any();
    let component = &runtime.spec.component;
    let pod_component = if let Some(builtin) = component.builtin {
        Some(PodComponent::Builtin {
            dir: BUILTINS_DIR.to_owned(),
            name: builtin.as_str().to_owned(),
        })
    } else if let Some(image) = &component.image {
        mounts.push(mount(VOLUME_COMPONENT, COMPONENT_DIR, true));
        Some(PodComponent::File {
            name: name.clone(),
            path: format!("{COMPONENT_DIR}/{}", image.path.trim_start_matches('/')),
        })
    } else {
        // runtimed downloads it into its cache (an emptyDir, so once per pod), verifies the sha256 and exits at
        // start if it cannot: the pod then never becomes ready.
        component.url.as_ref().map(|url| PodComponent::Url {
            name: name.clone(),
            url: url.clone(),
            sha256: component.sha256.clone().unwrap_or_default(),
        })
    };
    let artifact_store = runtime.spec.artifact_store.clone();
    // A change of store changes the pod template, so pods roll onto it.
    if artifact_store
        .as_ref()
        .is_some_and(|s| s.filesystem.is_some())
    {
        mounts.push(mount(VOLUME_ARTIFACTS, ARTIFACT_STORE_MOUNT, false));
    }
    let limits = runtime.spec.limits.as_ref();
    let config = PodConfig {
        listen: format!("0.0.0.0:{GRPC_PORT}"),
        workspace_root: WORKSPACE_ROOT.to_owned(),
        cache_dir: CACHE_DIR.to_owned(),
        capacity: runs,
        component: pod_component,
        instance_slots: runtime.spec.pool.as_ref().and_then(|p| p.instance_slots),
        capabilities: runtime
            .spec
            .capabilities
            .clone()
            .filter(|c| !c.network.is_empty() || !c.mounts.is_empty()),
        runtime_name: name,
        component_source: component_source(component),
        artifact_store,
        // runtimed refuses a default above its maximum: a Runtime's limit raises the maximum with it.
        memory_bytes: limits
            .and_then(|l| l.memory.as_ref())
            .and_then(|q| quantity::parse_whole(&q.0).ok())
            .map(|bytes| Limit {
                default: bytes,
                max: bytes.max(RUNTIMED_MAX_MEMORY),
            }),
        timeout_seconds: limits
            .and_then(|l| l.max_timeout_seconds)
            .map(|secs| Limit {
                default: secs.unsigned_abs(),
                max: secs.unsigned_abs(),
            }),
        output_bytes: limits.and_then(|l| l.output_bytes).map(|bytes| Limit {
            default: bytes.unsigned_abs(),
            max: bytes.unsigned_abs().max(RUNTIMED_MAX_OUTPUT),
        }),
    };
    let args = config.to_args();

    Container {
        name: RUNTIMED_CONTAINER.to_owned(),
        image: Some(
            runtime
                .spec
                .daemon_image
                .clone()
                .unwrap_or_else(|| cfg.default_daemon_image.clone()),
        ),
        args: Some(args),
        ports: Some(vec![
            ContainerPort {
                name: Some("grpc".to_owned()),
                container_port: GRPC_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
            ContainerPort {
                name: Some("metrics".to_owned()),
                container_port: METRICS_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
        ]),
        env: Some(env),
        volume_mounts: Some(mounts),
        readiness_probe: Some(Probe {
            grpc: Some(GRPCAction {
                port: GRPC_PORT,
                service: None,
            }),
            period_seconds: Some(5),
            ..Probe::default()
        }),
        security_context: Some(restricted_security_context()),
        ..Container::default()
    }
}

/// The container security context of Pod Security Standards "restricted", with a read-only root.
pub(crate) fn restricted_security_context() -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(true),
        read_only_root_filesystem: Some(true),
        allow_privilege_escalation: Some(false),
        capabilities: Some(ContainerCapabilities {
            drop: Some(vec!["ALL".to_owned()]),
            add: None,
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            localhost_profile: None,
        }),
        ..SecurityContext::default()
    }
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

fn service_account(runtime: &Runtime) -> ServiceAccount {
    ServiceAccount {
        metadata: metadata(runtime),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    }
}

/// Secrets runtimed reads: the credentials of the Runtime's artifact store, if any.
pub fn referenced_secrets(runtime: &Runtime) -> Vec<String> {
    let Some(store) = &runtime.spec.artifact_store else {
        return Vec::new();
    };
    let mut names: Vec<String> = [
        store
            .s3
            .as_ref()
            .and_then(|s| s.credentials_secret_name.clone()),
        store
            .gcs
            .as_ref()
            .and_then(|s| s.credentials_secret_name.clone()),
        store
            .azure
            .as_ref()
            .and_then(|s| s.credentials_secret_name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    names.sort();
    names.dedup();
    names
}

fn rule(group: &str, resource: &str, verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(vec![resource.to_owned()]),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    }
}

fn role(runtime: &Runtime) -> Role {
    let group = kruntimes_api::GROUP;
    let mut rules = vec![
        // `patch` adds the artifact-cleanup finalizer before artifacts are uploaded.
        rule(group, "runs", &["get", "list", "watch", "patch"]),
        rule(group, "runs/status", &["get", "patch"]),
        // runtimed reports the component it loaded (`status.component`) of its own Runtime only.
        PolicyRule {
            resource_names: Some(vec![runtime.name_any()]),
            ..rule(group, "runtimes/status", &["patch"])
        },
        rule("", "pods", &["get"]),
        rule("", "pods/status", &["get", "patch"]),
        rule("", "events", &["create", "patch"]),
        rule("events.k8s.io", "events", &["create", "patch"]),
    ];
    let secrets = referenced_secrets(runtime);
    if !secrets.is_empty() {
        rules.push(PolicyRule {
            resource_names: Some(secrets),
            ..rule("", "secrets", &["get"])
        });
    }
    Role {
        metadata: metadata(runtime),
        rules: Some(rules),
    }
}

fn role_binding(runtime: &Runtime) -> RoleBinding {
    RoleBinding {
        metadata: metadata(runtime),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Role".to_owned(),
            name: object_name(runtime),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: object_name(runtime),
            namespace: runtime.namespace(),
            api_group: None,
        }]),
    }
}

fn network_policy(runtime: &Runtime) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata(runtime),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(selector_labels(runtime)),
                match_expressions: None,
            }),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector::default()),
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            PART_OF_LABEL.to_owned(),
                            "kruntimes".to_owned(),
                        )])),
                        match_expressions: None,
                    }),
                    ip_block: None,
                }]),
                ports: Some(vec![NetworkPolicyPort {
                    protocol: Some("TCP".to_owned()),
                    port: Some(IntOrString::Int(GRPC_PORT)),
                    end_port: None,
                }]),
            }]),
            egress: None,
        }),
    }
}

#[cfg(test)]
mod tests;
