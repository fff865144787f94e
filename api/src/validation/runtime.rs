//! Rules for Runtimes.

use super::{ValidationErrors, check_items, check_len, is_dns_label, parse_network_rule};
use crate::limits::*;
use crate::quantity;
use crate::v1alpha1::Runtime;

/// Containers the controller adds to every Runtime pod; a template may not define them.
pub const RESERVED_CONTAINER: &str = "runtimed";

/// The fields a template's `runtimed` container may set: its size, and mounts of the template's volumes (for
/// `spec.capabilities.mounts`). The controller sets the rest.
const RESERVED_CONTAINER_FIELDS: &[&str] = &["name", "resources", "volumeMounts"];

/// Validates a Runtime as the API server would, plus the rules CEL cannot express cheaply
/// (quantities, reserved container names).
pub fn validate_runtime(rt: &Runtime) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::default();
    if let Some(name) = rt.metadata.name.as_deref()
        && !(is_dns_label(name) && name.len() <= RUNTIME_NAME_MAX)
    {
        errs.push(
            "metadata.name",
            format!("{name:?} must be a DNS label of at most {RUNTIME_NAME_MAX} characters (the controller names its Deployment runtime-<name>)"),
        );
    }
    let spec = &rt.spec;
    let c = &spec.component;
    let set = [c.builtin.is_some(), c.image.is_some(), c.url.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if set != 1 {
        errs.push(
            "spec.component",
            "exactly one of builtin, image and url must be set",
        );
    }
    if c.url.is_some() != c.sha256.is_some() {
        errs.push("spec.component", "url and sha256 go together");
    }
    if let Some(url) = &c.url
        && !url.starts_with("https://")
    {
        errs.push(
            "spec.component.url",
            format!("{url:?} must be an https:// URL"),
        );
    }
    if let Some(sha) = &c.sha256
        && !super::is_sha256(sha)
    {
        errs.push("spec.component.sha256", "must be 64 lowercase hex digits");
    }
    if let Some(img) = &c.image {
        check_len(
            &mut errs,
            "spec.component.image.reference",
            &img.reference,
            1,
            IMAGE_MAX_BYTES,
        );
        if !img.path.starts_with('/') {
            errs.push(
                "spec.component.image.path",
                "must be absolute within the image",
            );
        }
    }
    if let Some(r) = spec.replicas
        && !(0..=REPLICAS_MAX).contains(&r)
    {
        errs.push(
            "spec.replicas",
            format!("{r} is outside 0..={REPLICAS_MAX}"),
        );
    }
    if let Some(cap) = &spec.capacity {
        check_items(
            &mut errs,
            "spec.capacity.resources",
            cap.resources.len(),
            RESOURCE_LIST_MAX_ITEMS,
        );
        for (k, v) in &cap.resources {
            if let Err(e) = quantity::parse_whole(&v.0) {
                errs.push(
                    format!("spec.capacity.resources.{k}"),
                    format!("{e}; capacity must be a whole, non-negative number"),
                );
            }
        }
    }
    if let Some(limits) = &spec.limits {
        if let Some(mem) = &limits.memory {
            match quantity::parse_whole(&mem.0) {
                Ok(b) if b < 1 << 20 => errs.push(
                    "spec.limits.memory",
                    format!("{:?} is below the minimum of 1Mi", mem.0),
                ),
                Ok(b) if b > 16 << 30 => errs.push(
                    "spec.limits.memory",
                    format!("{:?} is above the maximum of 16Gi", mem.0),
                ),
                Ok(_) => {}
                Err(e) => errs.push("spec.limits.memory", e.to_string()),
            }
        }
        if let Some(t) = limits.max_timeout_seconds
            && !(TIMEOUT_SECONDS_MIN..=TIMEOUT_SECONDS_MAX).contains(&t)
        {
            errs.push(
                "spec.limits.maxTimeoutSeconds",
                format!("{t} is outside {TIMEOUT_SECONDS_MIN}..={TIMEOUT_SECONDS_MAX}"),
            );
        }
        if let Some(b) = limits.output_bytes
            && !(OUTPUT_BYTES_MIN..=OUTPUT_BYTES_MAX).contains(&b)
        {
            errs.push(
                "spec.limits.outputBytes",
                format!("{b} is outside {OUTPUT_BYTES_MIN}..={OUTPUT_BYTES_MAX}"),
            );
        }
    }
    if let Some(caps) = &spec.capabilities {
        check_items(
            &mut errs,
            "spec.capabilities.network",
            caps.network.len(),
            NETWORK_ALLOW_MAX_ITEMS,
        );
        for (i, n) in caps.network.iter().enumerate() {
            if let Err(why) = parse_network_rule(n) {
                errs.push(
                    format!("spec.capabilities.network[{i}]"),
                    format!("{n:?}: {why}"),
                );
            }
        }
        check_items(
            &mut errs,
            "spec.capabilities.mounts",
            caps.mounts.len(),
            MOUNTS_MAX_ITEMS,
        );
        let mut guest_paths = std::collections::BTreeSet::new();
        for (i, m) in caps.mounts.iter().enumerate() {
            let f = format!("spec.capabilities.mounts[{i}]");
            // The CRD keys the list by guestPath: the API server refuses a second mount at the same place.
            if !guest_paths.insert(m.guest_path.as_str()) {
                errs.push(
                    format!("{f}.guestPath"),
                    format!("{:?} is mounted twice", m.guest_path),
                );
            }
            for (what, p) in [("path", &m.path), ("guestPath", &m.guest_path)] {
                check_len(&mut errs, &format!("{f}.{what}"), p, 1, PATH_MAX_BYTES);
                if !p.starts_with('/') || p.split('/').any(|s| s == "..") {
                    errs.push(
                        format!("{f}.{what}"),
                        format!("{p:?} must be absolute with no '..' segment"),
                    );
                }
            }
            if m.guest_path == "/workspace" || m.guest_path.starts_with("/workspace/") {
                errs.push(format!("{f}.guestPath"), "must not be inside /workspace");
            }
        }
    }
    if let Some(store) = &spec.artifact_store {
        let n = [
            store.s3.is_some(),
            store.gcs.is_some(),
            store.azure.is_some(),
            store.filesystem.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if n != 1 {
            errs.push(
                "spec.artifactStore",
                "exactly one of s3, gcs, azure and filesystem must be set",
            );
        }
    }
    if let Some(pod) = spec.template.as_ref().and_then(|t| t.spec.as_ref()) {
        for (i, c) in pod.containers.iter().enumerate() {
            if c.name != RESERVED_CONTAINER {
                continue;
            }
            // The controller builds runtimed's container; the template may only size it and add mounts.
            let mut fields = serde_json::to_value(c).unwrap_or_default();
            if let Some(fields) = fields.as_object_mut() {
                for allowed in RESERVED_CONTAINER_FIELDS {
                    fields.remove(*allowed);
                }
                for field in fields.keys() {
                    errs.push(
                        format!("spec.template.spec.containers[{i}].{field}"),
                        format!(
                            "the controller sets the {RESERVED_CONTAINER:?} container; the template may set only \
                             {}",
                            RESERVED_CONTAINER_FIELDS[1..].join(" and ")
                        ),
                    );
                }
            }
        }
    }
    errs.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template's `runtimed` container may size runtimed and add mounts; anything else is refused by name.
    #[test]
    fn the_runtimed_container_may_set_only_resources_and_mounts() {
        let runtime = |container: serde_json::Value| -> Runtime {
            serde_json::from_value(serde_json::json!({
                "apiVersion": "kruntimes.io/v1alpha1", "kind": "Runtime", "metadata": {"name": "r"},
                "spec": {"component": {"builtin": "bash"},
                         "template": {"spec": {"containers": [container]}}}
            }))
            .unwrap()
        };
        let ok = runtime(serde_json::json!({
            "name": "runtimed", "resources": {"limits": {"memory": "1Gi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}]
        }));
        assert_eq!(validate_runtime(&ok), Ok(()));
        let bad =
            runtime(serde_json::json!({"name": "runtimed", "image": "x:1", "args": ["--listen"]}));
        let errs = validate_runtime(&bad).unwrap_err();
        assert!(
            errs.has_field("spec.template.spec.containers[0].image"),
            "{errs}"
        );
        assert!(
            errs.has_field("spec.template.spec.containers[0].args"),
            "{errs}"
        );
        assert!(
            errs.to_string()
                .contains("may set only resources and volumeMounts"),
            "{errs}"
        );
    }
}
