//! The Kubernetes API of kruntimes: `Run`, `Runtime` and `Workflow` in `kruntimes.io/v1alpha1`.
//!
//! This crate is a contract, kept dependency-light on purpose: serde, schemars, k8s-openapi and kube's
//! `derive` feature, nothing that talks to a cluster. The controller, the scheduler, runtimed, `krt`
//! and `krt local` all depend on it, so they agree on one shape and one set of rules.
//!
//! # Layout
//! - [`v1alpha1`]: the CRD types, one module per kind. `cargo xtask codegen` writes their CRDs into
//!   `charts/kruntimes/crds/`, with the schema limits and CEL rules (`x-kubernetes-validations`) that the
//!   API server enforces at admission.
//! - [`validation`]: the same rules as plain functions, so `krt` and local mode reject bad input before
//!   anything is sent or run, and the controller can re-check objects admitted by an older CRD.
//! - [`limits`]: every size and count limit, as named constants shared by the schema and the validators.
//! - [`lifecycle`]: how a Run's status moves (retry decisions, terminal results, conditions), shared by
//!   the scheduler, runtimed and the controller.
//! - [`consts`]: condition types, reasons, labels, annotations and finalizer names users can see.
//! - [`runtimed`]: the settings the controller gives runtimed in a Runtime's pod, as one shared struct.
//!
//! Start with [`v1alpha1::Run`].

pub mod consts;
pub mod lifecycle;
pub mod limits;
pub mod quantity;
pub mod runtimed;
pub mod v1alpha1;
pub mod validation;

/// The exact `kube` and `k8s-openapi` versions the workspace builds against.
pub use k8s_openapi;
pub use kube;

/// The API group of every kruntimes kind.
pub const GROUP: &str = "kruntimes.io";
/// The served and stored API version.
pub const VERSION: &str = "v1alpha1";
