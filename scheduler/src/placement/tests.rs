use k8s_openapi::jiff::SignedDuration;
use kruntimes_api::v1alpha1::RunPhase;

use super::*;
use crate::fixtures::{bound, mk_pod, mk_run, now, with_requests};
use crate::index::{GroupKey, Index, PodInfo};
use crate::resources::Resources;

fn group() -> GroupKey {
    GroupKey::new("default", "bash")
}

fn index(pods: impl IntoIterator<Item = PodInfo>) -> Index {
    let mut ix = Index::new();
    for p in pods {
        ix.apply_pod(p, now());
    }
    ix
}

fn req(ix: &Index, items: &[(&str, u64)]) -> Request {
    ix.request(
        group(),
        &items
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<Resources>(),
    )
}

fn place_in(ix: &Index, items: &[(&str, u64)]) -> Result<Placement, Unschedulable> {
    place(&req(ix, items), ix.candidates(&group()), now())
}

fn only(f: impl FnOnce(&mut PodInfo)) -> Index {
    let mut p = mk_pod("p1", 4);
    f(&mut p);
    index([p])
}

#[test]
fn each_filter_rejects_with_its_reason() {
    type Case = (fn(&mut PodInfo), &'static str);
    let cases: [Case; 6] = [
        (|p| p.running = false, "0/1 pods fit: 1 not running"),
        (|p| p.deleting = true, "0/1 pods fit: 1 deleting"),
        (|p| p.ready = false, "0/1 pods fit: 1 not ready"),
        (
            |p| p.runtimed_ready = false,
            "0/1 pods fit: 1 runtimed not ready",
        ),
        (
            |p| p.heartbeat = now().checked_sub(SignedDuration::from_secs(16)).ok(),
            "0/1 pods fit: 1 heartbeat stale",
        ),
        (|p| p.heartbeat = None, "0/1 pods fit: 1 heartbeat stale"),
    ];
    for (f, want) in cases {
        let ix = only(f);
        assert_eq!(place_in(&ix, &[("runs", 1)]).unwrap_err().message, want);
    }
}

#[test]
fn a_heartbeat_exactly_15s_old_is_fresh() {
    let ix = only(|p| p.heartbeat = now().checked_sub(SignedDuration::from_secs(15)).ok());
    assert!(place_in(&ix, &[("runs", 1)]).is_ok());
}

#[test]
fn capacity_is_checked_for_every_requested_resource() {
    let mut ix = index([mk_pod("p1", 2)]);
    assert!(place_in(&ix, &[("runs", 2)]).is_ok());
    assert_eq!(
        place_in(&ix, &[("runs", 3)]).unwrap_err().message,
        "0/1 pods fit: 1 full (runs)"
    );
    ix.apply_run(&with_requests(
        bound(mk_run("r"), RunPhase::Running, "p1"),
        &[("runs", "2")],
    ));
    assert_eq!(
        place_in(&ix, &[("runs", 1)]).unwrap_err().message,
        "0/1 pods fit: 1 full (runs)"
    );
}

#[test]
fn a_resource_the_pod_does_not_advertise_is_infeasible() {
    let ix = index([mk_pod("p1", 4)]);
    assert_eq!(
        place_in(&ix, &[("gpu", 1), ("runs", 1)])
            .unwrap_err()
            .message,
        "0/1 pods fit: 1 without gpu"
    );
    let mut p = mk_pod("p2", 4);
    p.capacity.insert("gpu".into(), 1);
    let ix = index([mk_pod("p1", 4), p]);
    assert_eq!(
        place_in(&ix, &[("gpu", 1), ("runs", 1)]).unwrap().pod_name,
        "p2"
    );
}

#[test]
fn the_least_loaded_pod_wins_by_max_utilisation_then_sum() {
    let mut ix = index([mk_pod("a", 4), mk_pod("b", 8)]);
    // a: 2/4 after one more = 3/4; b: 3/8 after one more = 4/8: b wins.
    for (i, pod) in ["a", "a", "b", "b", "b"].iter().enumerate() {
        ix.apply_run(&bound(mk_run(format!("r{i}")), RunPhase::Running, pod));
    }
    assert_eq!(place_in(&ix, &[("runs", 1)]).unwrap().pod_name, "b");
    // Equal max: the sum decides.
    let mut x = mk_pod("x", 4);
    x.capacity.insert("gpu".into(), 4);
    let mut y = mk_pod("y", 4);
    y.capacity.insert("gpu".into(), 4);
    let mut ix = index([x, y]);
    ix.apply_run(&with_requests(
        bound(mk_run("g"), RunPhase::Running, "x"),
        &[("gpu", "1"), ("runs", "0")],
    ));
    ix.apply_run(&with_requests(
        bound(mk_run("h"), RunPhase::Running, "y"),
        &[("gpu", "2"), ("runs", "0")],
    ));
    // x: runs 1/4, gpu 1/4 (sum 2/4); y: runs 1/4, gpu 2/4 (max 2/4) → x.
    assert_eq!(place_in(&ix, &[("runs", 1)]).unwrap().pod_name, "x");
}

#[test]
fn ties_break_by_pod_name_whatever_the_order() {
    let names = ["p3", "p1", "p2", "p0"];
    let ix = index(names.iter().map(|n| mk_pod(n, 4)));
    assert_eq!(place_in(&ix, &[("runs", 1)]).unwrap().pod_name, "p0");
    let ix = index(names.iter().rev().map(|n| mk_pod(n, 4)));
    assert_eq!(place_in(&ix, &[("runs", 1)]).unwrap().pod_name, "p0");
}

#[test]
fn the_message_counts_rejections_per_reason() {
    let mut pods: Vec<PodInfo> = (0..3).map(|i| mk_pod(format!("full{i}"), 0)).collect();
    for i in 0..2 {
        let mut p = mk_pod(format!("stale{i}"), 4);
        p.heartbeat = None;
        pods.push(p);
    }
    let ix = index(pods);
    assert_eq!(
        place_in(&ix, &[("runs", 1)]).unwrap_err().message,
        "0/5 pods fit: 3 full (runs), 2 heartbeat stale"
    );
}

#[test]
fn no_pods_names_the_runtime_and_namespace() {
    let ix = Index::new();
    assert_eq!(
        place_in(&ix, &[("runs", 1)]).unwrap_err().message,
        r#"no pods for Runtime "bash" in namespace "default""#
    );
}

#[test]
fn the_message_is_bounded() {
    let mut p = mk_pod("p", 1);
    p.running = false;
    let ix = index([p]);
    let many: Vec<(String, u64)> = (0..40)
        .map(|i| (format!("{}{i}", "r".repeat(30)), 1))
        .collect();
    let items: Vec<(&str, u64)> = many.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let m = place_in(&ix, &items).unwrap_err().message;
    assert!(m.len() <= UNSCHEDULABLE_MESSAGE_MAX_BYTES);
    let ix = index((0..40).map(|i| mk_pod(format!("p{i}"), 0)));
    let m = place_in(&ix, &items).unwrap_err().message;
    assert!(m.len() <= UNSCHEDULABLE_MESSAGE_MAX_BYTES, "{m}");
}

#[test]
fn sums_compare_exactly_and_fall_back_when_huge() {
    let a = Sum::Exact(Ratio { num: 0, den: 1 })
        .add(Ratio { num: 1, den: 3 })
        .add(Ratio { num: 1, den: 3 });
    let b = Sum::Exact(Ratio { num: 2, den: 3 });
    assert_eq!(a.cmp(b), Ordering::Equal);
    let big = u128::from(u64::MAX);
    let h = Sum::Exact(Ratio { num: 1, den: big })
        .add(Ratio {
            num: 1,
            den: big - 1,
        })
        .add(Ratio {
            num: 1,
            den: big - 2,
        });
    assert!(matches!(h, Sum::Approx(_)));
    assert_eq!(h.cmp(Sum::Exact(Ratio { num: 1, den: 1 })), Ordering::Less);
}
