//! Names users and tools can see: condition types, reasons, labels, annotations, finalizers.
//!
//! Reasons are stable, low-cardinality strings: they appear in `status.reason`, condition reasons,
//! Event reasons, metric labels and `retryPolicy.retryableReasons`. Changing one is an API change.

/// Condition types on Runs, Runtimes and Workflows.
pub mod conditions {
    /// A Run was bound to a Runtime pod.
    pub const SCHEDULED: &str = "Scheduled";
    /// A Run is executing (True), or waiting for a retry (False).
    pub const RUNNING: &str = "Running";
    /// A Run or Workflow reached a terminal phase; True only for success.
    pub const COMPLETED: &str = "Completed";
    /// A Runtime has all its pods ready, or a Workflow passed validation.
    pub const READY: &str = "Ready";
    /// On a deleted Run holding `kruntimes.io/artifact-cleanup`: False while its stored artifacts could not
    /// be deleted (the message says why and how to recover).
    pub const ARTIFACTS_CLEANED_UP: &str = "ArtifactsCleanedUp";
    /// The pod condition runtimed heartbeats; the scheduler only places Runs on pods where it is fresh.
    pub const RUNTIMED_READY: &str = "kruntimes.io/RuntimedReady";
}

/// `status.reason` values and condition reasons.
pub mod reasons {
    /// The guest exited with status 0.
    pub const SUCCEEDED: &str = "Succeeded";
    /// The guest exited with a non-zero status.
    pub const EXIT_CODE: &str = "ExitCode";
    /// The deadline (`timeoutSeconds`) passed.
    pub const TIMEOUT: &str = "Timeout";
    /// A user asked to cancel (`cancelRequested: true`).
    pub const CANCELLED: &str = "Cancelled";
    /// The guest needed more memory than its limit.
    pub const OUT_OF_MEMORY: &str = "OutOfMemory";
    /// The guest trapped (unreachable, stack overflow, ...); the message names the trap.
    pub const TRAP: &str = "Trap";
    /// The component could not be instantiated (missing import, bad component).
    pub const INSTANTIATE_FAILED: &str = "InstantiateFailed";
    /// The source (inline or git) could not be prepared in the workspace.
    pub const PREPARE_SOURCE: &str = "PrepareSource";
    /// runtimed lost the execution (restart) before it finished.
    pub const EXECUTION_LOST: &str = "ExecutionLost";
    /// A newer attempt of the same Run replaced this one on runtimed.
    pub const SUPERSEDED: &str = "Superseded";
    /// runtimed shut down before the execution finished; worth retrying elsewhere.
    pub const SHUTDOWN: &str = "Shutdown";
    /// runtimed itself failed while running the execution; worth retrying.
    pub const HOST_ERROR: &str = "HostError";
    /// The assigned pod was deleted or replaced.
    pub const POD_GONE: &str = "PodGone";
    /// `$KRUNTIME_OUTPUTS` is malformed.
    pub const OUTPUTS_INVALID: &str = "OutputsInvalid";
    /// `$KRUNTIME_OUTPUTS` is over a limit.
    pub const OUTPUTS_TOO_LARGE: &str = "OutputsTooLarge";
    /// An artifact is invalid (symlink, special file, over a limit).
    pub const ARTIFACT_INVALID: &str = "ArtifactInvalid";
    /// Uploading artifacts failed; what was uploaded was rolled back.
    pub const ARTIFACT_UPLOAD_FAILED: &str = "ArtifactUploadFailed";
    /// `resources.requests` holds a negative or fractional quantity.
    pub const INVALID_RESOURCES: &str = "InvalidResources";
    /// The Run is invalid for its Runtime (e.g. a timeout above the Runtime's limit).
    pub const INVALID_SPEC: &str = "InvalidSpec";
    /// The Run was bound to a pod.
    pub const ASSIGNED: &str = "Assigned";
    /// No Runtime pod can take the Run yet.
    pub const UNSCHEDULABLE: &str = "Unschedulable";
    /// A Workflow failed validation.
    pub const WORKFLOW_INVALID: &str = "WorkflowInvalid";
    /// A Workflow passed validation (reason of its `Ready` condition).
    pub const WORKFLOW_VALID: &str = "WorkflowValid";
    /// A Workflow ended Failed because a step failed, was cancelled or was skipped (even a step with
    /// `continueOnError`); the message names those steps.
    pub const STEP_FAILED: &str = "StepFailed";
    /// A Workflow step was skipped because a step it needs did not succeed.
    pub const DEPENDENCY_FAILED: &str = "DependencyFailed";
    /// A `${{ ... }}` expression could not be resolved.
    pub const EXPRESSION_FAILED: &str = "ExpressionFailed";

    /// The stored artifacts of a deleted Run could not be deleted yet (reason of `ArtifactsCleanedUp=False`).
    pub const ARTIFACT_CLEANUP_FAILED: &str = "ArtifactCleanupFailed";
    /// The controller gave up deleting a deleted Run's artifacts and released it; the Warning Event lists
    /// what was left in the store.
    pub const ARTIFACT_CLEANUP_ABANDONED: &str = "ArtifactCleanupAbandoned";

    /// A failed attempt waits for its retry (condition reason).
    pub const RETRYING: &str = "Retrying";
    /// runtimed took a bound Run (condition reason of `Running=True`).
    pub const CLAIMED: &str = "Claimed";
    /// A Run's pod was deleting when the reaper looked.
    pub const POD_TERMINATING: &str = "PodTerminating";
    /// A Run's pod was not ready, or its runtimed heartbeat was stale.
    pub const POD_UNHEALTHY: &str = "PodUnhealthy";

    /// Reasons that are never retried whatever a retry policy says: the same inputs would fail the same way.
    pub const NEVER_RETRIED: &[&str] = &[
        CANCELLED,
        OUTPUTS_INVALID,
        OUTPUTS_TOO_LARGE,
        ARTIFACT_INVALID,
        INVALID_RESOURCES,
        INVALID_SPEC,
    ];
}

/// Labels the platform sets.
pub mod labels {
    /// On Runtime pods: the Runtime they serve.
    pub const RUNTIME: &str = "kruntimes.io/runtime";
    /// On child Runs of a Workflow: the Workflow's name.
    pub const WORKFLOW: &str = "kruntimes.io/workflow";
    /// On child Runs of a Workflow: the step id.
    pub const WORKFLOW_STEP: &str = "kruntimes.io/workflow-step";
    /// Kubernetes recommended label naming the managing tool.
    pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
}

/// Annotations the platform sets.
pub mod annotations {
    /// Prefix of the capacity annotations on Runtime pods: `kruntimes.io/capacity.runs: "4"` is the
    /// quantity of `runs` the pod offers. The controller writes them from `Runtime.spec.capacity`; the
    /// scheduler reads them, so it needs only Pods and Runs to place.
    pub const CAPACITY_PREFIX: &str = "kruntimes.io/capacity.";
}

/// Finalizers.
pub mod finalizers {
    /// Held by a Run whose artifacts are stored outside the cluster, until the controller deleted them.
    pub const ARTIFACT_CLEANUP: &str = "kruntimes.io/artifact-cleanup";
}

/// Environment variables the platform sets for every guest.
pub mod env {
    /// Path of the file a guest writes `KEY=VALUE` outputs to.
    pub const OUTPUTS: &str = "KRUNTIME_OUTPUTS";
    /// Directory whose files become the Run's artifacts.
    pub const ARTIFACTS_DIR: &str = "KRUNTIME_ARTIFACTS_DIR";
}

/// How the controller tells runtimed about the Runtime's artifact store.
pub mod artifact_store {
    /// Env var of the runtimed container: the Runtime's `artifactStore`, as JSON.
    pub const ENV: &str = "KRUNTIMES_ARTIFACT_STORE";
    /// Where a `filesystem` store's claim is mounted in the runtimed container.
    pub const MOUNT_PATH: &str = "/var/lib/kruntimes/artifacts";
}

/// Seconds a `kruntimes.io/RuntimedReady` heartbeat (its `lastProbeTime`) stays fresh for the scheduler.
pub const HEARTBEAT_FRESH_SECONDS: i64 = 15;
/// runtimed's gRPC port in a Runtime pod (container port `grpc`); `krt logs` port-forwards to it.
pub const RUNTIMED_GRPC_PORT: u16 = 9093;
/// runtimed's `/metrics`, `/healthz` and `/readyz` port in a Runtime pod (container port `metrics`).
pub const RUNTIMED_METRICS_PORT: u16 = 9094;
/// Seconds between two heartbeats of runtimed.
pub const HEARTBEAT_INTERVAL_SECONDS: i64 = 5;
/// Default logical capacity of a Runtime pod in `runs`.
pub const DEFAULT_POD_RUNS: u64 = 4;

/// The logical resource every Run requests by default, and every pod offers as its concurrency.
pub const RUNS_RESOURCE: &str = "runs";
/// The entrypoint inline source is written to when the Run names none.
pub const DEFAULT_ENTRYPOINT: &str = "script";
