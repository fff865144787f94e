use kruntimes_api::v1alpha1::RunPhase;

use super::*;
use crate::fixtures::{bound, mk_pod, mk_run, now, with_requests};

fn group() -> GroupKey {
    GroupKey::new("default", "bash")
}

fn runs_request(index: &Index, n: u64) -> Request {
    index.request(group(), &Resources::from([("runs".to_owned(), n)]))
}

#[test]
fn active_runs_hold_capacity_until_they_finish_or_are_deleted() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let r = bound(mk_run("r1"), RunPhase::Scheduled, "p1");
    assert_eq!(ix.apply_run(&r), RunUpdate::default());
    assert_eq!(ix.load("uid-p1", "runs"), 1);
    // Scheduled -> Running: same holding.
    let r = bound(mk_run("r1"), RunPhase::Running, "p1");
    assert_eq!(ix.apply_run(&r).freed, None);
    assert_eq!(ix.load("uid-p1", "runs"), 1);
    // Running -> Succeeded frees the pod and wakes its group.
    let r = bound(mk_run("r1"), RunPhase::Succeeded, "p1");
    assert_eq!(ix.apply_run(&r).freed, Some(group()));
    assert_eq!(ix.load("uid-p1", "runs"), 0);
    let r2 = bound(mk_run("r2"), RunPhase::Running, "p1");
    ix.apply_run(&r2);
    assert_eq!(ix.delete_run("r2"), Some(group()));
    assert_eq!(ix.load("uid-p1", "runs"), 0);
}

#[test]
fn a_run_seen_before_its_pod_still_counts() {
    let mut ix = Index::new();
    ix.apply_run(&with_requests(
        bound(mk_run("r1"), RunPhase::Running, "p1"),
        &[("runs", "3")],
    ));
    ix.apply_pod(mk_pod("p1", 4), now());
    assert_eq!(ix.load("uid-p1", "runs"), 3);
    let req = runs_request(&ix, 2);
    assert!(crate::place(&req, ix.candidates(&group()), now()).is_err());
}

#[test]
fn pending_runs_are_reported_and_deleting_ones_are_not() {
    let mut ix = Index::new();
    assert!(ix.apply_run(&mk_run("r1")).pending);
    let mut deleting = mk_run("r2");
    deleting.metadata.deletion_timestamp = Some(kruntimes_api::v1alpha1::Time(now()));
    assert!(!ix.apply_run(&deleting).pending);
}

#[test]
fn a_reservation_is_dropped_once_the_binding_is_observed_and_load_is_not_doubled() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let req = runs_request(&ix, 1);
    let p = crate::place(&req, ix.candidates(&group()), now()).unwrap();
    ix.reserve("r1", &p, &req);
    assert!(ix.is_reserved("r1"));
    assert_eq!(ix.load("uid-p1", "runs"), 1);
    // The watch still shows it Pending and unassigned: the reservation stays.
    ix.apply_run(&mk_run("r1"));
    assert!(ix.is_reserved("r1"));
    // The binding arrives: reservation becomes the active holding.
    ix.apply_run(&bound(mk_run("r1"), RunPhase::Scheduled, "p1"));
    assert!(!ix.is_reserved("r1"));
    assert_eq!(ix.load("uid-p1", "runs"), 1);
}

#[test]
fn a_failed_bind_drops_its_reservation() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 1), now());
    let req = runs_request(&ix, 1);
    let p = crate::place(&req, ix.candidates(&group()), now()).unwrap();
    ix.reserve("r1", &p, &req);
    assert!(crate::place(&req, ix.candidates(&group()), now()).is_err());
    assert_eq!(ix.unreserve("r1"), Some(group()));
    assert!(crate::place(&req, ix.candidates(&group()), now()).is_ok());
}

#[test]
fn reservations_prevent_overcommit_in_a_burst() {
    let mut ix = Index::new();
    for i in 0..10 {
        ix.apply_pod(mk_pod(format!("p{i}"), 4), now());
    }
    let mut placed = 0;
    for i in 0..100 {
        let run = mk_run(format!("r{i}"));
        match crate::scheduler::decide(&mut ix, &run, now()) {
            crate::scheduler::Decision::Bind(_) => placed += 1,
            crate::scheduler::Decision::Unschedulable { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(placed, 40);
    assert_eq!(ix.reservations(), 40);
    assert!(ix.overcommitted().is_empty());
    for i in 0..10 {
        assert_eq!(ix.load(&format!("uid-p{i}"), "runs"), 4);
    }
}

#[test]
fn pod_changes_wake_the_group_only_when_fitness_or_capacity_changes() {
    let mut ix = Index::new();
    assert_eq!(ix.apply_pod(mk_pod("p1", 4), now()), Some(group()));
    // A heartbeat on a fresh pod: no wake.
    let mut p = mk_pod("p1", 4);
    p.heartbeat = Some(now());
    assert_eq!(ix.apply_pod(p.clone(), now()), None);
    // Capacity change wakes.
    p.capacity.insert("runs".into(), 8);
    assert_eq!(ix.apply_pod(p.clone(), now()), Some(group()));
    // Not ready -> ready wakes.
    p.ready = false;
    assert_eq!(ix.apply_pod(p.clone(), now()), Some(group()));
    p.ready = true;
    assert_eq!(ix.apply_pod(p.clone(), now()), Some(group()));
    // A stale heartbeat turning fresh wakes.
    let later = now()
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(60))
        .unwrap();
    p.heartbeat = Some(later);
    assert_eq!(ix.apply_pod(p, later), Some(group()));
}

#[test]
fn deleted_pods_leave_their_group_and_slots_are_reused() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    ix.apply_pod(mk_pod("p2", 4), now());
    ix.apply_pod(mk_pod("p3", 4), now());
    assert_eq!(ix.delete_pod("uid-p1"), Some(group()));
    let names: Vec<&str> = ix.candidates(&group()).map(|c| c.name()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"p2") && names.contains(&"p3"));
    ix.apply_pod(mk_pod("p4", 4), now());
    assert_eq!(ix.candidates(&group()).count(), 3);
    assert_eq!(ix.slots.len(), 3);
    assert_eq!(ix.pod_uids().len(), 3);
}

#[test]
fn a_pod_moving_to_another_runtime_changes_group() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    let mut p = mk_pod("p1", 4);
    p.group = GroupKey::new("default", "python");
    ix.apply_pod(p, now());
    assert_eq!(ix.candidates(&group()).count(), 0);
    assert_eq!(
        ix.candidates(&GroupKey::new("default", "python")).count(),
        1
    );
}

#[test]
fn clearing_reservations_keeps_observed_assignments() {
    let mut ix = Index::new();
    ix.apply_pod(mk_pod("p1", 4), now());
    ix.apply_run(&bound(mk_run("r0"), RunPhase::Running, "p1"));
    let req = runs_request(&ix, 2);
    let p = crate::place(&req, ix.candidates(&group()), now()).unwrap();
    ix.reserve("r1", &p, &req);
    assert_eq!(ix.load("uid-p1", "runs"), 3);
    ix.clear_reservations();
    assert_eq!(ix.load("uid-p1", "runs"), 1);
}

#[test]
fn pod_info_reads_conditions_labels_and_annotations() {
    use k8s_openapi::api::core::v1::{Pod, PodCondition, PodStatus};
    let mut pod = Pod::default();
    pod.metadata.name = Some("p".into());
    pod.metadata.namespace = Some("ns".into());
    pod.metadata.uid = Some("u".into());
    pod.metadata.labels = Some([(labels::RUNTIME.to_owned(), "bash".to_owned())].into());
    pod.metadata.annotations =
        Some([("kruntimes.io/capacity.runs".to_owned(), "2".to_owned())].into());
    pod.status = Some(PodStatus {
        phase: Some("Running".into()),
        conditions: Some(vec![
            PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            },
            PodCondition {
                type_: conditions::RUNTIMED_READY.into(),
                status: "True".into(),
                last_probe_time: Some(kruntimes_api::v1alpha1::Time(now())),
                ..Default::default()
            },
        ]),
        ..Default::default()
    });
    let info = PodInfo::from_pod(&pod).unwrap();
    assert_eq!(info.group, GroupKey::new("ns", "bash"));
    assert!(info.running && info.ready && info.runtimed_ready && !info.deleting);
    assert_eq!(info.heartbeat, Some(now()));
    assert_eq!(info.capacity["runs"], 2);
    pod.metadata.labels = None;
    assert!(PodInfo::from_pod(&pod).is_none());
}
