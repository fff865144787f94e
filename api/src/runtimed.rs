//! How the controller configures runtimed: one description both sides share.
//!
//! The controller builds a [`PodConfig`] for every Runtime pod (and a [`CleanupConfig`] for an artifact clean-up
//! pod) and passes it as runtimed's command-line flags, written by [`PodConfig::to_args`] alone. Flags, not one
//! serialized blob, because `kubectl describe pod` shows them as they are, a runtimed pinned by an older
//! `daemonImage` still reads them, and a test kubelet can rewrite the paths in them one by one. runtimed's tests
//! parse `to_args()` of a config with every field set and check that each value arrives, so a flag renamed on one
//! side fails there and not in a cluster.

use crate::v1alpha1::runtime::{ArtifactStore, Capabilities};

/// The component a Runtime pod's runtimed registers and runs Runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodComponent {
    /// A built-in runtime (`bash`, `python`) from the daemon image's built-ins directory.
    Builtin {
        /// The built-ins directory in the daemon image.
        dir: String,
        /// The built-in's name.
        name: String,
    },
    /// A `.wasm` file in the pod (an image volume), registered as `name`.
    File {
        /// The Runtime's name.
        name: String,
        /// The file's path in the pod.
        path: String,
    },
    /// A component runtimed downloads at start and verifies against `sha256`.
    Url {
        /// The Runtime's name.
        name: String,
        /// Where to download it.
        url: String,
        /// Its sha256, hex.
        sha256: String,
    },
}

impl PodComponent {
    /// The runtime the agent executes Runs on.
    pub fn runtime(&self) -> &str {
        match self {
            PodComponent::Builtin { name, .. }
            | PodComponent::File { name, .. }
            | PodComponent::Url { name, .. } => name,
        }
    }
}

/// A per-Run limit: what a Run gets when it asks for nothing, and the most it may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The default.
    pub default: u64,
    /// The maximum.
    pub max: u64,
}

/// runtimed's settings in a Runtime's pod.
#[derive(Clone, Debug, PartialEq)]
pub struct PodConfig {
    /// gRPC listen address.
    pub listen: String,
    /// Where Run workspaces are created.
    pub workspace_root: String,
    /// Where compiled components are cached.
    pub cache_dir: String,
    /// Runs the pod executes at once.
    pub capacity: u64,
    /// The Runtime's component (admission requires one).
    pub component: Option<PodComponent>,
    /// Instances kept for spawned programs (`pool.instanceSlots`).
    pub instance_slots: Option<i32>,
    /// Network and mounts the Runtime grants its Runs, when it grants any.
    pub capabilities: Option<Capabilities>,
    /// The Runtime's name, as reported in its status.
    pub runtime_name: String,
    /// Where the component came from, as `status.component.source` says it.
    pub component_source: String,
    /// Where Run artifacts are uploaded.
    pub artifact_store: Option<ArtifactStore>,
    /// Memory per Run, in bytes.
    pub memory_bytes: Option<Limit>,
    /// Timeout per Run, in seconds.
    pub timeout_seconds: Option<Limit>,
    /// Retained output per stream, in bytes.
    pub output_bytes: Option<Limit>,
}

impl PodConfig {
    /// runtimed's command line for this configuration.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Args::default();
        args.flag("--listen", &self.listen);
        args.flag("--workspace-root", &self.workspace_root);
        args.flag("--cache-dir", &self.cache_dir);
        args.flag("--capacity", self.capacity);
        match &self.component {
            None => {}
            Some(PodComponent::Builtin { dir, name }) => {
                args.flag("--builtins", dir);
                args.flag("--agent-runtime", name);
            }
            Some(PodComponent::File { name, path }) => {
                args.flag("--component", format!("{name}={path}"));
                args.flag("--agent-runtime", name);
            }
            Some(PodComponent::Url { name, url, sha256 }) => {
                args.flag("--component-url", format!("{name}={url}"));
                args.flag("--component-sha256", sha256);
                args.flag("--agent-runtime", name);
            }
        }
        if let Some(slots) = self.instance_slots {
            args.flag("--instance-slots", slots);
        }
        if let Some(caps) = &self.capabilities {
            args.flag("--capabilities", json(caps));
        }
        args.flag("--runtime-name", &self.runtime_name);
        args.flag("--component-source", &self.component_source);
        if let Some(store) = &self.artifact_store {
            args.flag("--artifact-store", json(store));
        }
        if let Some(memory) = self.memory_bytes {
            args.flag("--memory-limit", memory.default);
            args.flag("--max-memory", memory.max);
        }
        if let Some(timeout) = self.timeout_seconds {
            args.flag("--default-timeout-seconds", timeout.default);
            args.flag("--max-timeout-seconds", timeout.max);
        }
        if let Some(output) = self.output_bytes {
            args.flag("--output-limit", output.default);
            args.flag("--max-output", output.max);
        }
        args.0
    }
}

/// runtimed's settings in a pod that deletes one Run's artifacts and exits.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanupConfig {
    /// The Run, as `namespace/name/uid`.
    pub run: String,
    /// The store holding its artifacts.
    pub artifact_store: ArtifactStore,
}

impl CleanupConfig {
    /// runtimed's command line for this clean-up.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Args::default();
        args.flag("--cleanup-artifacts", &self.run);
        args.flag("--artifact-store", json(&self.artifact_store));
        args.0
    }
}

#[derive(Default)]
struct Args(Vec<String>);

impl Args {
    fn flag(&mut self, name: &str, value: impl ToString) {
        self.0.push(name.to_owned());
        self.0.push(value.to_string());
    }
}

/// A CRD type as a flag value. These types hold strings, numbers and string-keyed maps only, which always
/// serialize.
#[expect(clippy::expect_used, reason = "serializing these types cannot fail")]
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("a CRD type serializes to JSON")
}
