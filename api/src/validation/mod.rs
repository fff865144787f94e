//! Validation as plain functions: the rules of the CRD schema and its CEL rules, plus the ones CEL
//! cannot express (aggregate sizes, graph cycles, quantities).
//!
//! `krt` and local mode call these before anything is created or run; the controller calls them on
//! admitted objects too, because an object admitted by an older CRD may not satisfy today's rules.
//! Every error names the field (`spec.args[3]`) and the rule or limit it broke.

mod names;
mod network;
mod run;
mod runtime;
mod schema;
mod workflow;

use std::fmt;

pub use names::{is_dns_label, is_dns_subdomain, is_env_name, is_output_key, is_sha256};
pub use network::{NetworkHost, NetworkTarget, parse_network_rule};
pub use run::{validate_run, validate_run_template, validate_run_update};
pub use runtime::{RESERVED_CONTAINER, validate_runtime};
pub use schema::{SchemaProblem, schema_problems, unknown_fields};
pub use workflow::{find_cycle, validate_workflow, validate_workflow_update};

/// One rule broken by one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, as in the API (`spec.env[2].name`).
    pub field: String,
    /// What rule or limit it broke.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every rule an object broke, in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Whether no rule was broken.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// Whether some error is about exactly this field.
    pub fn has_field(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks that a string is at most `max` bytes, naming the field and limit otherwise.
fn check_len(errs: &mut ValidationErrors, field: &str, value: &str, min: usize, max: usize) {
    let len = value.len();
    if len < min {
        if min == 1 {
            errs.push(field, "must not be empty");
        } else {
            errs.push(field, format!("must be at least {min} bytes"));
        }
    } else if len > max {
        errs.push(
            field,
            format!("is {len} bytes, over the limit of {max} bytes"),
        );
    }
}

/// Checks a list length.
fn check_items(errs: &mut ValidationErrors, field: &str, len: usize, max: usize) {
    if len > max {
        errs.push(field, format!("has {len} items, over the limit of {max}"));
    }
}

/// Checks a relative path inside the workspace: not absolute, no `..` segment, no NUL.
fn check_relative_path(errs: &mut ValidationErrors, field: &str, path: &str) {
    if path.starts_with('/') {
        errs.push(
            field,
            format!("{path:?} must be a relative path inside the workspace, not an absolute path"),
        );
    }
    if path.split('/').any(|s| s == "..") {
        errs.push(field, format!("{path:?} must not contain a '..' segment"));
    }
    if path.contains('\0') {
        errs.push(field, "must not contain a NUL byte");
    }
}

/// Checks a field that becomes immutable once the object exists.
fn check_unchanged<T: PartialEq>(errs: &mut ValidationErrors, field: &str, new: &T, old: &T) {
    if new != old {
        errs.push(field, "is immutable after creation");
    }
}
