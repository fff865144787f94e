//! PURE: the pod status a kubelet would write, from what the stand-in knows of its containers.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// What one container is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Not started: `reason` says why (e.g. `ErrImagePull`, `CreateContainerConfigError`).
    Waiting {
        /// The kubelet's reason word.
        reason: String,
        /// What went wrong.
        message: String,
    },
    /// Its process `pid` runs since `started_at` (RFC 3339).
    Running {
        /// When the process started.
        started_at: String,
        /// The process id: the container ID says it (`kruntimes-node://<pid>`), so that a test can kill the
        /// container's process as a crash would.
        pid: u32,
    },
    /// Its process ended.
    Terminated {
        /// Exit code (128 + signal when killed).
        exit_code: i32,
        /// When it ended (RFC 3339).
        finished_at: String,
    },
}

/// One container as the status reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerView {
    /// Container name.
    pub name: String,
    /// Its image, as the pod names it.
    pub image: String,
    /// Current state.
    pub state: State,
    /// The state before the last restart, if any.
    pub last: Option<State>,
    /// Restarts so far.
    pub restarts: i32,
    /// Whether its readiness probe (or, without one, its being up) holds.
    pub ready: bool,
}

/// Pod phase from its containers and restart policy, as the kubelet computes it.
pub fn phase(containers: &[ContainerView], restart_policy: &str) -> &'static str {
    let terminated: Vec<i32> = containers
        .iter()
        .filter_map(|c| match c.state {
            State::Terminated { exit_code, .. } => Some(exit_code),
            _ => None,
        })
        .collect();
    let all_done = !containers.is_empty() && terminated.len() == containers.len();
    if all_done && restart_policy != "Always" {
        if terminated.iter().all(|&c| c == 0) {
            return "Succeeded";
        }
        if restart_policy == "Never" {
            return "Failed";
        }
    }
    if containers
        .iter()
        .any(|c| matches!(c.state, State::Running { .. } | State::Terminated { .. }))
    {
        "Running"
    } else {
        "Pending"
    }
}

fn state_json(state: &State) -> Value {
    match state {
        State::Waiting { reason, message } => {
            json!({"waiting": {"reason": reason, "message": message}})
        }
        State::Running { started_at, .. } => json!({"running": {"startedAt": started_at}}),
        State::Terminated {
            exit_code,
            finished_at,
        } => json!({"terminated": {
            "exitCode": exit_code,
            "reason": if *exit_code == 0 { "Completed" } else { "Error" },
            "finishedAt": finished_at,
        }}),
    }
}

fn condition(kind: &str, holds: bool, now: &str) -> Value {
    json!({
        "type": kind,
        "status": if holds { "True" } else { "False" },
        "lastTransitionTime": now,
    })
}

/// The status patch (strategic merge: conditions merge by type, so conditions others write, such as a readiness
/// gate's, are kept). `gates` are the pod's readiness gates with whether each holds now.
pub fn status_patch(
    containers: &[ContainerView],
    restart_policy: &str,
    gates: &BTreeMap<String, bool>,
    ip: &str,
    start_time: &str,
    now: &str,
) -> Value {
    let phase = phase(containers, restart_policy);
    let containers_ready = !containers.is_empty() && containers.iter().all(|c| c.ready);
    let ready = containers_ready && gates.values().all(|&g| g);
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let mut s = json!({
                "name": c.name,
                "image": c.image,
                "imageID": format!("kruntimes-node://{}", c.image),
                "containerID": container_id(c),
                "ready": c.ready,
                "started": matches!(c.state, State::Running { .. }),
                "restartCount": c.restarts,
                "state": state_json(&c.state),
            });
            if let Some(last) = &c.last {
                s["lastState"] = state_json(last);
            }
            s
        })
        .collect();
    json!({"status": {
        "phase": phase,
        "hostIP": ip,
        "hostIPs": [{"ip": ip}],
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": start_time,
        "conditions": [
            condition("PodReadyToStartContainers", true, now),
            condition("Initialized", true, now),
            condition("ContainersReady", containers_ready, now),
            condition("Ready", ready && phase == "Running", now),
        ],
        "containerStatuses": statuses,
    }})
}

/// The part of a status patch that says something changed (everything but the transition times).
pub fn fingerprint(patch: &Value) -> Value {
    let mut p = patch.clone();
    if let Some(conditions) = p["status"]["conditions"].as_array_mut() {
        for c in conditions {
            if let Some(o) = c.as_object_mut() {
                o.remove("lastTransitionTime");
            }
        }
    }
    p
}

/// `kruntimes-node://<pid>` while the container's process runs, else `kruntimes-node://<name>`.
fn container_id(c: &ContainerView) -> String {
    match &c.state {
        State::Running { pid, .. } => format!("kruntimes-node://{pid}"),
        _ => format!("kruntimes-node://{}", c.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(ready: bool) -> ContainerView {
        ContainerView {
            name: "runtimed".into(),
            image: "runtimed:1".into(),
            state: State::Running {
                started_at: "t".into(),
                pid: 42,
            },
            last: None,
            restarts: 0,
            ready,
        }
    }

    fn ended(code: i32) -> ContainerView {
        ContainerView {
            state: State::Terminated {
                exit_code: code,
                finished_at: "t".into(),
            },
            ..running(false)
        }
    }

    fn ready_of(patch: &Value) -> &str {
        patch["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == "Ready")
            .and_then(|c| c["status"].as_str())
            .unwrap_or_default()
    }

    #[test]
    fn ready_needs_every_container_and_every_gate() {
        let gate = |v| BTreeMap::from([("kruntimes.io/RuntimedReady".to_owned(), v)]);
        let p = status_patch(
            &[running(true)],
            "Always",
            &gate(false),
            "127.0.0.1",
            "s",
            "n",
        );
        assert_eq!(ready_of(&p), "False");
        let p = status_patch(
            &[running(true)],
            "Always",
            &gate(true),
            "127.0.0.1",
            "s",
            "n",
        );
        assert_eq!(ready_of(&p), "True");
        let p = status_patch(
            &[running(false)],
            "Always",
            &gate(true),
            "127.0.0.1",
            "s",
            "n",
        );
        assert_eq!(ready_of(&p), "False");
    }

    #[test]
    fn the_container_id_names_the_running_process() {
        let p = status_patch(&[running(true)], "Always", &BTreeMap::new(), "ip", "s", "n");
        assert_eq!(
            p["status"]["containerStatuses"][0]["containerID"],
            "kruntimes-node://42"
        );
        let p = status_patch(&[ended(1)], "Always", &BTreeMap::new(), "ip", "s", "n");
        assert_eq!(
            p["status"]["containerStatuses"][0]["containerID"],
            "kruntimes-node://runtimed"
        );
    }

    #[test]
    fn phase_follows_restart_policy() {
        assert_eq!(phase(&[ended(0)], "Never"), "Succeeded");
        assert_eq!(phase(&[ended(1)], "Never"), "Failed");
        assert_eq!(phase(&[ended(1)], "OnFailure"), "Running");
        assert_eq!(phase(&[ended(0)], "Always"), "Running");
        let waiting = ContainerView {
            state: State::Waiting {
                reason: "ErrImagePull".into(),
                message: "m".into(),
            },
            ..running(false)
        };
        assert_eq!(phase(&[waiting], "Always"), "Pending");
    }

    #[test]
    fn fingerprints_ignore_times_only() {
        let a = status_patch(
            &[running(true)],
            "Always",
            &BTreeMap::new(),
            "ip",
            "s",
            "n1",
        );
        let b = status_patch(
            &[running(true)],
            "Always",
            &BTreeMap::new(),
            "ip",
            "s",
            "n2",
        );
        let c = status_patch(
            &[running(false)],
            "Always",
            &BTreeMap::new(),
            "ip",
            "s",
            "n2",
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}
