//! Rules for Runs and for the Run templates of Workflow steps.

use super::{
    ValidationErrors, check_items, check_len, check_relative_path, check_unchanged, is_dns_label,
    is_dns_subdomain, is_env_name,
};
use crate::limits::*;
use crate::quantity;
use crate::v1alpha1::{Run, RunTemplate};

/// Validates a Run as the API server would at creation, plus the rules CEL cannot express.
pub fn validate_run(run: &Run) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::default();
    if let Some(name) = run.metadata.name.as_deref()
        && !is_dns_subdomain(name)
    {
        errs.push(
            "metadata.name",
            format!("{name:?} must be a DNS subdomain (lowercase alphanumerics, '-' and '.', at most 253)"),
        );
    }
    template_into(&mut errs, "spec", &run.spec.template);
    if let Some(ttl) = run.spec.ttl_seconds_after_finished
        && ttl < 0
    {
        errs.push("spec.ttlSecondsAfterFinished", "must be 0 or more");
    }
    errs.into_result()
}

/// Validates an update of a Run: the new object must be valid, its inputs unchanged, and
/// `cancelRequested` may not go back from true to false.
pub fn validate_run_update(new: &Run, old: &Run) -> Result<(), ValidationErrors> {
    let mut errs = validate_run(new).err().unwrap_or_default();
    let (n, o) = (&new.spec.template, &old.spec.template);
    check_unchanged(&mut errs, "spec.runtime", &n.runtime, &o.runtime);
    check_unchanged(&mut errs, "spec.args", &n.args, &o.args);
    check_unchanged(&mut errs, "spec.env", &n.env, &o.env);
    check_unchanged(&mut errs, "spec.source", &n.source, &o.source);
    check_unchanged(&mut errs, "spec.entrypoint", &n.entrypoint, &o.entrypoint);
    check_unchanged(
        &mut errs,
        "spec.timeoutSeconds",
        &n.timeout_seconds,
        &o.timeout_seconds,
    );
    check_unchanged(
        &mut errs,
        "spec.retryPolicy",
        &n.retry_policy,
        &o.retry_policy,
    );
    check_unchanged(&mut errs, "spec.resources", &n.resources, &o.resources);
    if old.spec.cancel_requested == Some(true) && new.spec.cancel_requested != Some(true) {
        errs.push("spec.cancelRequested", "cannot go back to false once true");
    }
    errs.into_result()
}

/// Validates a Run template (a Run's inputs or a Workflow step) at `prefix` (`spec`, `spec.steps[2]`).
pub fn validate_run_template(prefix: &str, t: &RunTemplate) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::default();
    template_into(&mut errs, prefix, t);
    errs.into_result()
}

pub(super) fn template_into(errs: &mut ValidationErrors, prefix: &str, t: &RunTemplate) {
    let f = |name: &str| format!("{prefix}.{name}");

    if t.runtime.is_empty() {
        errs.push(
            f("runtime"),
            "must not be empty: name the Runtime that executes this Run",
        );
    } else if !is_dns_label(&t.runtime) {
        errs.push(
            f("runtime"),
            format!(
                "{:?} must be a Runtime name (lowercase alphanumerics and '-', at most 63)",
                t.runtime
            ),
        );
    }

    let mut total = 0usize;
    check_items(errs, &f("args"), t.args.len(), ARGS_MAX_ITEMS);
    for (i, a) in t.args.iter().enumerate() {
        check_len(errs, &format!("{prefix}.args[{i}]"), a, 0, ARG_MAX_BYTES);
        total += a.len();
    }

    check_items(errs, &f("env"), t.env.len(), ENV_MAX_ITEMS);
    let mut seen = std::collections::BTreeSet::new();
    for (i, e) in t.env.iter().enumerate() {
        let field = format!("{prefix}.env[{i}]");
        if !is_env_name(&e.name) {
            errs.push(
                format!("{field}.name"),
                format!("{:?} must be letters, digits, '_', '-' or '.', not starting with a digit, at most {ENV_NAME_MAX_BYTES} bytes", e.name),
            );
        } else if e.name.starts_with(RESERVED_ENV_PREFIX) {
            errs.push(
                format!("{field}.name"),
                format!(
                    "{:?}: names starting with {RESERVED_ENV_PREFIX} are reserved for the platform",
                    e.name
                ),
            );
        }
        if !seen.insert(e.name.as_str()) {
            errs.push(
                format!("{field}.name"),
                format!("{:?} is set twice", e.name),
            );
        }
        if let Some(v) = &e.value {
            check_len(errs, &format!("{field}.value"), v, 0, ENV_VALUE_MAX_BYTES);
            total += v.len();
        }
        match (&e.value, &e.value_from) {
            (Some(_), Some(_)) => {
                errs.push(field.clone(), "value and valueFrom are mutually exclusive")
            }
            (_, Some(from)) => {
                // Nothing resolves a reference yet: refused here, as by admission, not when the Run starts.
                errs.push(
                    field.clone(),
                    "valueFrom (Secret and ConfigMap references) is not supported yet; use value",
                );
                let refs = [
                    ("secretKeyRef", &from.secret_key_ref),
                    ("configMapKeyRef", &from.config_map_key_ref),
                ];
                let set: Vec<_> = refs.iter().filter(|(_, r)| r.is_some()).collect();
                if set.len() != 1 {
                    errs.push(
                        format!("{field}.valueFrom"),
                        "exactly one of secretKeyRef and configMapKeyRef must be set",
                    );
                }
                for (what, r) in refs {
                    if let Some(r) = r {
                        if !is_dns_subdomain(&r.name) {
                            errs.push(
                                format!("{field}.valueFrom.{what}.name"),
                                format!("{:?} is not a valid object name", r.name),
                            );
                        }
                        check_len(
                            errs,
                            &format!("{field}.valueFrom.{what}.key"),
                            &r.key,
                            1,
                            253,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    if let Some(src) = &t.source {
        if let Some(inline) = &src.inline {
            check_len(
                errs,
                &f("source.inline"),
                inline,
                0,
                INLINE_SOURCE_MAX_BYTES,
            );
            total += inline.len();
        }
        if src.inline.is_some() && src.repo_url.is_some() {
            errs.push(f("source"), "inline and repoURL are mutually exclusive");
        }
        if src.revision.is_some() && src.repo_url.is_none() {
            errs.push(f("source.revision"), "requires repoURL");
        }
        if let Some(url) = &src.repo_url {
            // Nothing clones a repository yet: refused here, as by admission, not when the Run starts.
            errs.push(
                f("source"),
                "repoURL (git sources) is not supported yet; use inline",
            );
            check_len(errs, &f("source.repoURL"), url, 1, REPO_URL_MAX_BYTES);
            if !url.starts_with("https://") {
                errs.push(
                    f("source.repoURL"),
                    format!("{url:?} must be an https:// URL"),
                );
            }
        }
        if let Some(rev) = &src.revision {
            check_len(errs, &f("source.revision"), rev, 1, REVISION_MAX_BYTES);
        }
    }

    if let Some(ep) = &t.entrypoint {
        check_len(errs, &f("entrypoint"), ep, 1, ENTRYPOINT_MAX_BYTES);
        check_relative_path(errs, &f("entrypoint"), ep);
    }

    if let Some(secs) = t.timeout_seconds
        && !(TIMEOUT_SECONDS_MIN..=TIMEOUT_SECONDS_MAX).contains(&secs)
    {
        errs.push(
            f("timeoutSeconds"),
            format!("{secs} is outside {TIMEOUT_SECONDS_MIN}..={TIMEOUT_SECONDS_MAX}"),
        );
    }

    if let Some(rp) = &t.retry_policy {
        if let Some(n) = rp.max_attempts
            && !(1..=MAX_ATTEMPTS_MAX).contains(&n)
        {
            errs.push(
                f("retryPolicy.maxAttempts"),
                format!("{n} is outside 1..={MAX_ATTEMPTS_MAX}"),
            );
        }
        if let Some(b) = rp.backoff_seconds
            && !(0..=BACKOFF_SECONDS_MAX).contains(&b)
        {
            errs.push(
                f("retryPolicy.backoffSeconds"),
                format!("{b} is outside 0..={BACKOFF_SECONDS_MAX}"),
            );
        }
        check_items(
            errs,
            &f("retryPolicy.retryableReasons"),
            rp.retryable_reasons.len(),
            RETRYABLE_REASONS_MAX_ITEMS,
        );
        for (i, r) in rp.retryable_reasons.iter().enumerate() {
            let ok = r.len() <= REASON_MAX_BYTES
                && r.starts_with(|c: char| c.is_ascii_uppercase())
                && r.chars().all(|c| c.is_ascii_alphabetic());
            if !ok {
                errs.push(
                    format!("{prefix}.retryPolicy.retryableReasons[{i}]"),
                    format!(
                        "{r:?} is not a reason (CamelCase letters, at most {REASON_MAX_BYTES})"
                    ),
                );
            }
        }
    }

    if let Some(res) = &t.resources {
        check_items(
            errs,
            &f("resources.requests"),
            res.requests.len(),
            RESOURCE_LIST_MAX_ITEMS,
        );
        for (k, v) in &res.requests {
            if let Err(e) = quantity::parse(&v.0) {
                errs.push(format!("{prefix}.resources.requests.{k}"), e.to_string());
            }
        }
    }

    if total > RUN_INPUTS_MAX_BYTES {
        errs.push(
            prefix.to_owned(),
            format!("args, env values and inline source add up to {total} bytes, over the limit of {RUN_INPUTS_MAX_BYTES} bytes"),
        );
    }
}
