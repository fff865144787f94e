//! `Runtime`: a warm pool of pods that execute Runs with one wasm component.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Condition, ResourceList};

/// Desired state of a Runtime.
///
/// The controller turns a Runtime into a Deployment `runtime-<name>` whose pods run runtimed with the
/// Runtime's component. Fields of `template` that kruntimes needs (the runtimed container, its
/// labels, its service account and security context) are reserved and set by the controller; a
/// container named `runtimed` in the template may set only `resources` and `volumeMounts`.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "kruntimes.io",
    version = "v1alpha1",
    kind = "Runtime",
    namespaced,
    status = "RuntimeStatus",
    shortname = "rt",
    category = "kruntimes",
    printcolumn = r#"{"name":"Component","type":"string","jsonPath":".status.component.source"}"#,
    printcolumn = r#"{"name":"Replicas","type":"integer","jsonPath":".spec.replicas"}"#,
    printcolumn = r#"{"name":"Ready","type":"integer","jsonPath":".status.readyReplicas"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    validation = Rule::new("self.metadata.name.size() <= 55").message("Runtime names are at most 55 characters: the controller names its Deployment runtime-<name>")
)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeSpec {
    /// The wasm component every Run of this Runtime executes.
    pub component: ComponentSource,
    /// Number of warm pods (0 to 1000; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: Option<i32>,
    /// Logical capacity of each pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// Pod template for the Runtime's pods; reserved fields are overwritten by the controller. A
    /// container named `runtimed` may set only `resources` (to size runtimed) and `volumeMounts` (of
    /// the template's volumes, shown to guests through `capabilities.mounts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<PodTemplateSpec>,
    /// runtimed image (default: the one the Helm chart configures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 2048))]
    pub daemon_image: Option<String>,
    /// Per-Run limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<RuntimeLimits>,
    /// Capabilities granted to Runs beyond their own workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    /// Where Run artifacts are stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_store: Option<ArtifactStore>,
    /// Tuning of the instance pool in each pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolTuning>,
}

/// Where a Runtime's component comes from. Exactly one of `builtin`, `image` and `url`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "[has(self.builtin), has(self.image), has(self.url)].filter(x, x).size() == 1", "message": "exactly one of builtin, image and url must be set"},
    {"rule": "has(self.url) == has(self.sha256)", "message": "url and sha256 go together"}
]))]
pub struct ComponentSource {
    /// A runtime shipped with runtimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<BuiltinRuntime>,
    /// An OCI image holding the component, mounted read-only into the pods as an image volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageComponent>,
    /// An https URL runtimed downloads the component from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 2048), extend("x-kubernetes-validations" = [
        {"rule": "self.startsWith('https://')", "message": "url must be an https:// URL"}
    ]))]
    pub url: Option<String>,
    /// Hex SHA-256 the downloaded component must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-f0-9]{64}$"))]
    pub sha256: Option<String>,
}

/// Runtimes shipped with runtimed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BuiltinRuntime {
    /// A bash-compatible shell with coreutils and other tools as components.
    Bash,
    /// CPython 3.14.
    Python,
}

impl BuiltinRuntime {
    /// The name as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Python => "python",
        }
    }
}

/// A component inside an OCI image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageComponent {
    /// Image reference; pin it by digest (`repo@sha256:...`) for reproducible Runs.
    #[schemars(length(min = 1, max = 2048))]
    pub reference: String,
    /// Path of the `.wasm` file inside the image.
    #[schemars(length(min = 1, max = 4096), extend("x-kubernetes-validations" = [
        {"rule": "self.startsWith('/')", "message": "path must be absolute within the image"}
    ]))]
    pub path: String,
}

/// Logical capacity of a pod.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    /// Quantities each pod offers; `runs` is the number of concurrent Runs (default `runs: 4`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 16))]
    pub resources: ResourceList,
}

/// Limits applied to every Run of a Runtime.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeLimits {
    /// Linear memory each instance may use (default 256Mi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
    /// Longest `timeoutSeconds` a Run may ask for, and the timeout of Runs that set none. Without it,
    /// Runs may ask for up to 86400 s and those that set none get 600 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 86400))]
    pub max_timeout_seconds: Option<i64>,
    /// Bytes of stdout and of stderr kept per Run, each (1 KiB to 64 MiB; default 1 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1024, max = 67108864))]
    pub output_bytes: Option<i64>,
}

/// Capabilities granted to every Run of a Runtime. Everything not listed is denied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Outbound TCP destinations guests may connect to, as `host:port`: `host` is a DNS name
    /// (`pypi.org`, allowed at the addresses it resolves to when the guest connects), an IP address,
    /// a CIDR (`10.0.0.0/8`, `[fd00::]/8`) or `*`; `port` is a number or `*`. Wildcard names
    /// (`*.example.com`) are refused. Empty: no network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 64),
        inner(
            length(min = 3, max = 261),
            regex(
                pattern = r"^(\*|\[[0-9A-Fa-f:.]+\](/[0-9]{1,3})?|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(/[0-9]{1,2})?):([0-9]{1,5}|\*)$"
            )
        )
    )]
    pub network: Vec<String>,
    /// Directories of the runtimed container shown read-only to guests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 16),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["guestPath"])
    )]
    pub mounts: Vec<ReadOnlyMount>,
}

/// A read-only directory visible to guests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "self.guestPath.startsWith('/') && self.path.startsWith('/')", "message": "path and guestPath must be absolute"},
    {"rule": "self.guestPath != '/workspace' && !self.guestPath.startsWith('/workspace/')", "message": "guestPath must not be inside /workspace"},
    {"rule": "!self.guestPath.matches('(^|/)[.][.](/|$)') && !self.path.matches('(^|/)[.][.](/|$)')", "message": "paths must not contain '..' segments"}
]))]
pub struct ReadOnlyMount {
    /// Directory in the runtimed container (typically a volume from `template`).
    #[schemars(length(min = 1, max = 4096))]
    pub path: String,
    /// Where guests see it.
    #[schemars(length(min = 1, max = 4096))]
    pub guest_path: String,
}

/// Where artifacts are stored. Exactly one backend.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {"rule": "[has(self.s3), has(self.gcs), has(self.azure), has(self.filesystem)].filter(x, x).size() == 1", "message": "exactly one of s3, gcs, azure and filesystem must be set"}
]))]
pub struct ArtifactStore {
    /// An S3-compatible bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Store>,
    /// A Google Cloud Storage bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcs: Option<GcsStore>,
    /// An Azure Blob Storage container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureStore>,
    /// A PersistentVolumeClaim mounted into the Runtime pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<FilesystemStore>,
}

/// An S3-compatible bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct S3Store {
    /// Bucket name.
    #[schemars(
        length(min = 3, max = 63),
        regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
    )]
    pub bucket: String,
    /// Key prefix for every object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub prefix: Option<String>,
    /// Region (default `us-east-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub region: Option<String>,
    /// Endpoint of an S3-compatible server (default: AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub endpoint: Option<String>,
    /// Address buckets by path (`endpoint/bucket`) rather than virtual host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_path_style: Option<bool>,
    /// Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (default: the pod's identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret_name: Option<String>,
}

/// A Google Cloud Storage bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GcsStore {
    /// Bucket name.
    #[schemars(length(min = 3, max = 222))]
    pub bucket: String,
    /// Key prefix for every object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub prefix: Option<String>,
    /// Secret with a service-account key under `service-account.json` (default: workload identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret_name: Option<String>,
}

/// An Azure Blob Storage container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzureStore {
    /// Storage account.
    #[schemars(length(min = 3, max = 24))]
    pub account: String,
    /// Container name.
    #[schemars(length(min = 3, max = 63))]
    pub container: String,
    /// Key prefix for every object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub prefix: Option<String>,
    /// Secret with `AZURE_STORAGE_ACCOUNT_KEY` (default: workload identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret_name: Option<String>,
}

/// A PersistentVolumeClaim used as artifact store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilesystemStore {
    /// Name of the claim, in the Runtime's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub volume_claim_name: String,
    /// Directory within the volume for this Runtime's artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub prefix: Option<String>,
}

/// Tuning of the wasm instance pool in each Runtime pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoolTuning {
    /// Instance slots reserved by the pooling allocator (Runs plus the tools they spawn);
    /// default: 2 per unit of `runs` capacity. runtimed rounds up to a whole number per Run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub instance_slots: Option<i32>,
}

/// Observed state of a Runtime, written by the controller.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeStatus {
    /// Generation of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Pods the Deployment has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Pods ready to take Runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i32>,
    /// The component runtimed loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentStatus>,
    /// Conditions: Ready.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(
        length(max = 16),
        extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"])
    )]
    pub conditions: Vec<Condition>,
}

/// What runtimed found when it loaded a Runtime's component.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentStatus {
    /// `builtin:bash`, `image:<reference>#<path>` or the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub source: Option<String>,
    /// Hex SHA-256 of the component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 64))]
    pub sha256: Option<String>,
    /// Interfaces the component imports (`wasi:cli/environment@0.2.6`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 256), inner(length(max = 256)))]
    pub imports: Vec<String>,
    /// Why runtimed refused the component (an import it cannot provide, no `wasi:cli/run` export);
    /// empty when it runs. A refused component makes the Runtime `Ready=False/ComponentRefused`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16), inner(length(max = 1024)))]
    pub problems: Vec<String>,
    /// What will not work under the Runtime's grants though the component runs (it imports
    /// `wasi:sockets` but no network is granted, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16), inner(length(max = 1024)))]
    pub notes: Vec<String>,
}
