//! The chart's RBAC against the code: the controller's rules (charts/kruntimes/files/controller-rules.yaml, which
//! the chart grants as a ClusterRole or a namespaced Role) must cover every call the controller makes and every
//! permission of the Role it generates for runtimed. The API server refuses to let a subject create a Role granting
//! more than it holds (RBAC escalation prevention), so a gap here breaks every Runtime on a real cluster while
//! every in-process test still passes.

use k8s_openapi::api::rbac::v1::PolicyRule;
use kruntimes_api::v1alpha1::{
    ArtifactStore, BuiltinRuntime, ComponentSource, Runtime, RuntimeSpec, S3Store,
};
use kruntimes_controller::{PoolConfig, runtime_objects};

fn chart_rules(component: &str) -> Vec<PolicyRule> {
    let path = format!(
        "{}/../charts/kruntimes/files/{component}-rules.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Whether `rules` allow `verb` on `group`/`resource` (for the object `name`, or for every object).
fn allows(
    rules: &[PolicyRule],
    group: &str,
    resource: &str,
    verb: &str,
    name: Option<&str>,
) -> bool {
    rules.iter().any(|r| {
        let has = |list: &Option<Vec<String>>, item: &str| {
            list.as_ref()
                .is_some_and(|l| l.iter().any(|x| x == item || x == "*"))
        };
        let names_ok = match (&r.resource_names, name) {
            (None, _) => true,
            (Some(names), _) if names.is_empty() => true,
            (Some(names), Some(name)) => names.iter().any(|n| n == name),
            (Some(_), None) => false,
        };
        has(&r.api_groups, group)
            && has(&r.resources, resource)
            && r.verbs.iter().any(|v| v == verb || v == "*")
            && names_ok
    })
}

/// Asserts that `rules` let `who` make every call of `calls`: (group, resource, verbs).
fn assert_allows(rules: &[PolicyRule], who: &str, calls: &[(&str, &str, &[&str])]) {
    for (group, resource, verbs) in calls {
        for verb in *verbs {
            assert!(
                allows(rules, group, resource, verb, None),
                "the chart does not let the {who} {verb} {group}/{resource}"
            );
        }
    }
}

/// A Runtime whose runtimed Role is as wide as any: it names an artifact store Secret.
fn widest_runtime() -> Runtime {
    let mut runtime = Runtime::new(
        "wide",
        RuntimeSpec {
            component: ComponentSource {
                builtin: Some(BuiltinRuntime::Bash),
                ..ComponentSource::default()
            },
            artifact_store: Some(ArtifactStore {
                s3: Some(S3Store {
                    bucket: "b".to_owned(),
                    credentials_secret_name: Some("store-creds".to_owned()),
                    ..S3Store::default()
                }),
                ..ArtifactStore::default()
            }),
            ..RuntimeSpec::default()
        },
    );
    runtime.metadata.namespace = Some("team".to_owned());
    runtime.metadata.uid = Some("uid".to_owned());
    runtime
}

#[test]
fn controller_holds_everything_it_grants_runtimed() {
    let controller = chart_rules("controller");
    let desired = runtime_objects::desired(
        &widest_runtime(),
        &PoolConfig {
            default_daemon_image: "runtimed:test".to_owned(),
        },
    );
    let granted = desired.role.rules.expect("runtimed's Role has rules");
    assert!(
        granted.iter().any(|r| r.resource_names.is_some()),
        "the Secret rule is part of the check"
    );
    for rule in &granted {
        let names: Vec<Option<&str>> = match &rule.resource_names {
            Some(names) => names.iter().map(|n| Some(n.as_str())).collect(),
            None => vec![None],
        };
        for group in rule.api_groups.iter().flatten() {
            for resource in rule.resources.iter().flatten() {
                for verb in &rule.verbs {
                    for name in &names {
                        assert!(
                            allows(&controller, group, resource, verb, *name),
                            "runtimed's Role grants {verb} on {group}/{resource} ({name:?}), which the chart does \
                             not grant the controller: add it to charts/kruntimes/files/controller-rules.yaml"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn controller_rules_cover_every_call_the_controller_makes() {
    let controller = chart_rules("controller");
    // (group, resource, verbs): the watches of lib.rs, the server-side applies of reconcile/runtime.rs, the status
    // patches, the Workflow engine's creates, the reaper and TTL deletes, the artifact-cleanup pods and Secret reads,
    // the Events, and owner references with blockOwnerDeletion (update on the owner's finalizers).
    let calls: &[(&str, &str, &[&str])] = &[
        ("kruntimes.io", "runtimes", &["get", "list", "watch"]),
        ("kruntimes.io", "runtimes/status", &["patch"]),
        ("kruntimes.io", "runtimes/finalizers", &["update"]),
        (
            "kruntimes.io",
            "runs",
            &["get", "list", "watch", "create", "patch", "delete"],
        ),
        ("kruntimes.io", "runs/status", &["patch"]),
        ("kruntimes.io", "runs/finalizers", &["update"]),
        (
            "kruntimes.io",
            "workflows",
            &["get", "list", "watch", "patch"],
        ),
        ("kruntimes.io", "workflows/status", &["patch"]),
        ("kruntimes.io", "workflows/finalizers", &["update"]),
        (
            "apps",
            "deployments",
            &["get", "list", "watch", "create", "patch"],
        ),
        (
            "",
            "serviceaccounts",
            &["get", "list", "watch", "create", "patch"],
        ),
        (
            "rbac.authorization.k8s.io",
            "roles",
            &["get", "list", "watch", "create", "patch"],
        ),
        (
            "rbac.authorization.k8s.io",
            "rolebindings",
            &["get", "list", "watch", "create", "patch"],
        ),
        (
            "networking.k8s.io",
            "networkpolicies",
            &["get", "list", "watch", "create", "patch"],
        ),
        ("", "pods", &["get", "list", "watch", "create", "delete"]),
        ("", "secrets", &["get"]),
        ("events.k8s.io", "events", &["create", "patch"]),
    ];
    assert_allows(&controller, "controller", calls);
    // Least privilege: nothing cluster-wide beyond what is listed, no wildcards, no Secret listing.
    for rule in &controller {
        for list in [&rule.api_groups, &rule.resources] {
            assert!(
                !list.iter().flatten().any(|x| x == "*"),
                "wildcard in {rule:?}"
            );
        }
        assert!(
            !rule.verbs.iter().any(|v| v == "*"),
            "wildcard verb in {rule:?}"
        );
    }
    assert!(
        !allows(&controller, "", "secrets", "list", None),
        "the controller never lists Secrets"
    );
    assert!(
        !allows(&controller, "", "secrets", "watch", None),
        "the controller never watches Secrets"
    );
}

#[test]
fn scheduler_rules_are_read_pods_and_bind_runs() {
    let scheduler = chart_rules("scheduler");
    assert_allows(
        &scheduler,
        "scheduler",
        &[
            ("kruntimes.io", "runs", &["get", "list", "watch"]),
            ("kruntimes.io", "runs/status", &["patch"]),
            ("", "pods", &["get", "list", "watch"]),
            ("events.k8s.io", "events", &["create", "patch"]),
        ],
    );
    for (group, resource, verb) in [
        ("kruntimes.io", "runs", "patch"),
        ("", "pods", "create"),
        ("", "secrets", "get"),
        ("kruntimes.io", "runtimes", "get"),
    ] {
        assert!(
            !allows(&scheduler, group, resource, verb, None),
            "scheduler may {verb} {group}/{resource}, which it never does"
        );
    }
}
