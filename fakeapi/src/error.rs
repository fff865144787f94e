//! `metav1.Status` failures.

use serde_json::{Value, json};

use crate::kinds::Kind;

/// A failed request, rendered as a `metav1.Status`.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
    pub(crate) details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: String) -> Self {
        Self {
            code,
            reason,
            message,
            details: None,
        }
    }

    fn with_details(mut self, kind: &Kind, name: &str) -> Self {
        self.details = Some(json!({"name": name, "group": kind.group, "kind": kind.resource}));
        self
    }

    pub(crate) fn bad_request(message: String) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub(crate) fn not_found(kind: &Kind, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", kind.qualified_resource()),
        )
        .with_details(kind, name)
    }

    pub(crate) fn not_found_path(path: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    pub(crate) fn already_exists(kind: &Kind, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", kind.qualified_resource()),
        )
        .with_details(kind, name)
    }

    pub(crate) fn conflict(kind: &Kind, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                kind.qualified_resource()
            ),
        )
        .with_details(kind, name)
    }

    pub(crate) fn stale(kind: &Kind, name: &str) -> Self {
        Self::conflict(
            kind,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    pub(crate) fn invalid(kind: &Kind, name: &str, causes: &[String]) -> Self {
        let message = if causes.len() == 1 {
            causes.join("")
        } else {
            format!("[{}]", causes.join(", "))
        };
        Self::new(
            422,
            "Invalid",
            format!("{} \"{name}\" is invalid: {message}", kind.qualified_kind()),
        )
        .with_details(kind, name)
    }

    pub(crate) fn unprocessable(message: String) -> Self {
        Self::new(422, "Invalid", message)
    }

    pub(crate) fn method_not_allowed(message: String) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    pub(crate) fn unsupported_media_type(message: String) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    pub(crate) fn gone(message: String) -> Self {
        Self::new(410, "Expired", message)
    }

    /// The `metav1.Status` body.
    pub(crate) fn to_status(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }
}
