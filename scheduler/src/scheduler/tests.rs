use kruntimes_api::v1alpha1::{RunStatus, Time};

use super::*;
use crate::fixtures::{mk_pod, mk_run, now, with_requests};

#[test]
fn cancel_and_invalid_requests_come_before_placement() {
    let mut ix = Index::new();
    let mut r = mk_run("r");
    r.spec.cancel_requested = Some(true);
    assert_eq!(decide(&mut ix, &r, now()), Decision::Cancel);
    let r = with_requests(mk_run("r"), &[("runs", "0.5")]);
    assert_eq!(
        decide(&mut ix, &r, now()),
        Decision::Invalid(
            r#"spec.resources.requests.runs: must be a whole non-negative number, got "0.5""#
                .into()
        )
    );
}

#[test]
fn a_run_in_backoff_waits_for_its_instant() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let at = now()
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(5))
        .unwrap();
    let mut r = mk_run("r");
    r.status = Some(RunStatus {
        next_attempt_time: Some(Time(at)),
        attempt: Some(2),
        ..Default::default()
    });
    assert_eq!(decide(&mut ix, &r, now()), Decision::Wait(at));
    assert!(!ix.is_reserved("r"));
    assert!(matches!(decide(&mut ix, &r, at), Decision::Bind(_)));
}

#[test]
fn unschedulable_is_written_only_when_the_condition_changes() {
    let mut ix = Index::new();
    let r = mk_run("r");
    let Decision::Unschedulable { message, write } = decide(&mut ix, &r, now()) else {
        panic!("expected unschedulable");
    };
    assert!(write);
    let mut r2 = r.clone();
    let mut status = RunStatus::default();
    lifecycle::set_condition(
        &mut status.conditions,
        conditions::SCHEDULED,
        false,
        reasons::UNSCHEDULABLE,
        &message,
        now(),
    );
    r2.status = Some(status);
    assert_eq!(
        decide(&mut ix, &r2, now()),
        Decision::Unschedulable {
            message,
            write: false
        }
    );
}

#[test]
fn a_reserved_run_is_not_placed_twice() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let r = mk_run("r");
    assert!(matches!(decide(&mut ix, &r, now()), Decision::Bind(_)));
    assert_eq!(decide(&mut ix, &r, now()), Decision::Skip);
    assert_eq!(ix.load("uid-p1", "runs"), 1);
}

#[test]
fn the_bind_patch_is_guarded_and_complete() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let mut r = mk_run("r");
    r.metadata.resource_version = Some("42".into());
    r.status = Some(RunStatus {
        attempt: Some(3),
        next_attempt_time: Some(Time(now())),
        ..Default::default()
    });
    let Decision::Bind(p) = decide(&mut ix, &r, now()) else {
        panic!("expected bind");
    };
    let patch = bind_patch(&r, &p, now());
    assert_eq!(patch["metadata"]["resourceVersion"], "42");
    let s = &patch["status"];
    assert_eq!(s["phase"], "Scheduled");
    assert_eq!(s["assignedPod"], "p1");
    assert_eq!(s["assignedPodUid"], "uid-p1");
    assert_eq!(s["attempt"], 3);
    assert!(s["nextAttemptTime"].is_null());
    assert_eq!(s["conditions"][0]["type"], "Scheduled");
    assert_eq!(s["conditions"][0]["status"], "True");
    assert_eq!(s["conditions"][0]["reason"], "Assigned");
    let fresh = bind_patch(&mk_run("n"), &p, now());
    assert_eq!(fresh["status"]["attempt"], 1);
}

#[test]
fn resource_versions_compare_numerically() {
    assert!(newer(Some("10"), Some("9")));
    assert!(!newer(Some("9"), Some("10")));
    assert!(newer(Some("x"), Some("9")));
}
