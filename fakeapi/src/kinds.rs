//! The registry of served kinds.

use serde_json::Value;

/// One served resource type.
#[derive(Clone, Debug)]
pub(crate) struct Kind {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) resource: String,
    pub(crate) kind: String,
    pub(crate) namespaced: bool,
    pub(crate) status: bool,
    /// Extra field-selector paths (without the leading dot), e.g. `status.assignedPod`.
    pub(crate) selectable: Vec<String>,
    /// The CRD's `openAPIV3Schema`, for our CRDs only.
    pub(crate) schema: Option<Value>,
}

impl Kind {
    fn builtin(
        group: &str,
        version: &str,
        resource: &str,
        kind: &str,
        namespaced: bool,
        status: bool,
    ) -> Self {
        let selectable = match (group, resource) {
            ("", "pods") => [
                "spec.nodeName",
                "status.phase",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "status.podIP",
                "status.nominatedNodeName",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            ("", "secrets") => vec!["type".to_owned()],
            ("", "events") => [
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            _ => Vec::new(),
        };
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource.to_owned(),
            kind: kind.to_owned(),
            namespaced,
            status,
            selectable,
            schema: None,
        }
    }

    /// `v1` or `group/version`.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `runs.kruntimes.io` or `pods`, as used in error messages.
    pub(crate) fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// `Run.kruntimes.io` or `Pod`, as used in Invalid messages.
    pub(crate) fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

/// All kinds served: built-ins and `kruntimes_api::v1alpha1::crds()`.
pub(crate) fn registry() -> Vec<Kind> {
    let mut kinds = vec![
        Kind::builtin("", "v1", "pods", "Pod", true, true),
        Kind::builtin("", "v1", "services", "Service", true, true),
        Kind::builtin("", "v1", "serviceaccounts", "ServiceAccount", true, false),
        Kind::builtin("", "v1", "secrets", "Secret", true, false),
        Kind::builtin("", "v1", "configmaps", "ConfigMap", true, false),
        Kind::builtin("", "v1", "events", "Event", true, false),
        Kind::builtin("", "v1", "namespaces", "Namespace", false, true),
        Kind::builtin("apps", "v1", "deployments", "Deployment", true, true),
        Kind::builtin("apps", "v1", "replicasets", "ReplicaSet", true, true),
        Kind::builtin("coordination.k8s.io", "v1", "leases", "Lease", true, false),
        Kind::builtin(
            "rbac.authorization.k8s.io",
            "v1",
            "roles",
            "Role",
            true,
            false,
        ),
        Kind::builtin(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "RoleBinding",
            true,
            false,
        ),
        Kind::builtin(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "NetworkPolicy",
            true,
            false,
        ),
        Kind::builtin("events.k8s.io", "v1", "events", "Event", true, false),
    ];
    for crd in kruntimes_api::v1alpha1::crds() {
        let Some(version) = crd.spec.versions.first() else {
            continue;
        };
        let schema = version
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .and_then(|s| serde_json::to_value(s).ok());
        let selectable = version
            .selectable_fields
            .iter()
            .flatten()
            .map(|f| f.json_path.trim_start_matches('.').to_owned())
            .collect();
        kinds.push(Kind {
            group: crd.spec.group.clone(),
            version: version.name.clone(),
            resource: crd.spec.names.plural.clone(),
            kind: crd.spec.names.kind.clone(),
            namespaced: crd.spec.scope == "Namespaced",
            status: version
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some()),
            selectable,
            schema,
        });
    }
    kinds
}
