//! Unit tests of the proto ↔ domain conversions, as pure functions.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kruntimes_proto::v1;

use super::*;
use kruntimes_api::v1alpha1::RunPhase;
use kruntimes_engine::capabilities::{EnvVar, Preopen};
use kruntimes_engine::manager::StreamTotals;
use kruntimes_engine::outcome::{Outcome, Reason, TrapKind};

fn execute_request() -> v1::ExecuteRequest {
    v1::ExecuteRequest {
        id: Some(v1::ExecutionId::new("6f1c1e9e-0001", 2)),
        runtime: "python".to_owned(),
        args: vec!["--verbose".to_owned()],
        env: [
            ("B".to_owned(), "2".to_owned()),
            ("A".to_owned(), "1".to_owned()),
        ]
        .into(),
        entrypoint: "main.py".to_owned(),
        source: Some("print('hi')".to_owned()),
        timeout_ms: 30_000,
        limits: Some(v1::ExecutionLimits {
            memory_bytes: 64 << 20,
            stdout_max_bytes: 0,
            stderr_max_bytes: 4096,
        }),
        spec_digest: format!("sha256:{}", "ab".repeat(32)),
        labels: [("namespace".to_owned(), "default".to_owned())].into(),
    }
}

/// Changes one field of a valid request.
type Mutation = Box<dyn Fn(&mut v1::ExecuteRequest)>;

fn field_of(request: v1::ExecuteRequest) -> String {
    run_spec(request).unwrap_err().field
}

/// A full request maps field by field; zero limits mean "default" (None), env is sorted by name.
#[test]
fn execute_request_becomes_a_run_spec() {
    let spec = run_spec(execute_request()).unwrap();
    assert_eq!(spec.id, RunId::new("6f1c1e9e-0001", 2).unwrap());
    assert_eq!(spec.runtime, "python");
    assert_eq!(spec.args, ["--verbose"]);
    assert_eq!(
        spec.env,
        [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(spec.entrypoint.as_deref(), Some("main.py"));
    assert_eq!(spec.source.as_deref(), Some("print('hi')"));
    assert_eq!(spec.timeout, Some(Duration::from_secs(30)));
    assert_eq!(spec.memory_bytes, Some(64 << 20));
    assert_eq!((spec.stdout_bytes, spec.stderr_bytes), (None, Some(4096)));
    assert_eq!(
        spec.digest.as_deref(),
        Some(&*format!("sha256:{}", "ab".repeat(32)))
    );
    assert_eq!(spec.labels["namespace"], "default");
}

/// Without an entrypoint, inline source goes to `script`; without both there is no entry file; timeout 0 and
/// missing limits mean defaults.
#[test]
fn entrypoint_defaults_follow_the_run_api() {
    let mut request = execute_request();
    request.entrypoint.clear();
    request.timeout_ms = 0;
    request.limits = None;
    let spec = run_spec(request.clone()).unwrap();
    assert_eq!(spec.entrypoint.as_deref(), Some(DEFAULT_ENTRYPOINT));
    assert_eq!(spec.timeout, None);
    assert_eq!(spec.memory_bytes, None);
    request.source = None;
    assert_eq!(run_spec(request).unwrap().entrypoint, None);
}

/// Each invalid part of the id names its field.
#[test]
fn invalid_ids_name_the_field() {
    let mut request = execute_request();
    request.id = None;
    assert_eq!(field_of(request.clone()), "id");
    request.id = Some(v1::ExecutionId::new("", 1));
    assert_eq!(
        run_spec(request.clone()).unwrap_err().to_string(),
        "id.run_uid must not be empty"
    );
    request.id = Some(v1::ExecutionId::new("x".repeat(129), 1));
    assert_eq!(field_of(request.clone()), "id.run_uid");
    request.id = Some(v1::ExecutionId::new("a/b", 1));
    assert_eq!(field_of(request.clone()), "id.run_uid");
    request.id = Some(v1::ExecutionId::new("ok", 0));
    assert_eq!(
        run_spec(request).unwrap_err().to_string(),
        "id.attempt must be at least 1"
    );
    for result in [
        required_id(v1::StatusRequest { id: None }.id),
        required_id(v1::CancelRequest { id: None }.id),
        required_id(v1::ForgetRequest { id: None }.id),
    ] {
        assert_eq!(result.unwrap_err().to_string(), "id is required");
    }
}

/// Required strings, sizes, entrypoint rules, env names and labels are checked with the field named.
#[test]
fn invalid_execute_fields_are_named() {
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|r| r.runtime.clear()), "runtime"),
        (Box::new(|r| r.spec_digest.clear()), "spec_digest"),
        (
            Box::new(|r| r.entrypoint = "/etc/passwd".into()),
            "entrypoint",
        ),
        (
            Box::new(|r| r.entrypoint = "a/../../b".into()),
            "entrypoint",
        ),
        (Box::new(|r| r.entrypoint = "a\0b".into()), "entrypoint"),
        (Box::new(|r| r.entrypoint = "x".repeat(4097)), "entrypoint"),
        (Box::new(|r| r.args = vec![String::new(); 257]), "args"),
        (
            Box::new(|r| r.args = vec!["ok".into(), "x".repeat(8193)]),
            "args[1]",
        ),
        (Box::new(|r| r.args = vec!["a\0".into()]), "args[0]"),
        (
            Box::new(|r| {
                r.env.insert("1X".into(), String::new());
            }),
            "env[\"1X\"]",
        ),
        (
            Box::new(|r| {
                r.env.insert("A B".into(), String::new());
            }),
            "env[\"A B\"]",
        ),
        (
            Box::new(|r| {
                r.env.insert("KRUNTIME_OUTPUTS".into(), String::new());
            }),
            "env[\"KRUNTIME_OUTPUTS\"]",
        ),
        (
            Box::new(|r| {
                r.env.insert("V".into(), "x".repeat(8193));
            }),
            "env[\"V\"]",
        ),
        (
            Box::new(|r| r.source = Some("x".repeat(256 * 1024 + 1))),
            "source",
        ),
        (
            Box::new(|r| {
                r.labels.insert(String::new(), "v".into());
            }),
            "labels[\"\"]",
        ),
        (
            Box::new(|r| r.labels = (0..65).map(|i| (i.to_string(), String::new())).collect()),
            "labels",
        ),
    ];
    for (mutate, field) in cases {
        let mut request = execute_request();
        mutate(&mut request);
        assert_eq!(field_of(request), field);
    }
}

/// List filters ignore UNSPECIFIED, refuse unknown enum values, and treat an empty UID as "any Run".
#[test]
fn list_request_becomes_a_filter() {
    let filter = list_filter(v1::ListRequest {
        states: vec![
            v1::ExecutionState::Unspecified.into(),
            v1::ExecutionState::Running.into(),
            v1::ExecutionState::Cancelled.into(),
        ],
        run_uid: String::new(),
    })
    .unwrap();
    assert_eq!(filter.states, [RunPhase::Running, RunPhase::Cancelled]);
    assert_eq!(filter.uid, None);
    let err = list_filter(v1::ListRequest {
        states: vec![42],
        run_uid: "u".into(),
    })
    .unwrap_err();
    assert_eq!(err.field, "states[0]");
}

/// Logs requests: UNSPECIFIED means both streams; unknown selectors are refused; tail is passed through.
#[test]
fn logs_request_becomes_a_query() {
    let request = v1::LogsRequest {
        id: Some(v1::ExecutionId::new("u", 1)),
        follow: true,
        streams: v1::LogSelector::Unspecified.into(),
        tail_bytes: Some(0),
    };
    let query = log_query(request.clone()).unwrap();
    assert_eq!(query.streams, LogSelection::Both);
    assert!(query.follow);
    assert_eq!(query.tail_bytes, Some(0));
    let query = log_query(v1::LogsRequest {
        streams: v1::LogSelector::Stderr.into(),
        ..request.clone()
    })
    .unwrap();
    assert_eq!(query.streams, LogSelection::Stderr);
    let err = log_query(v1::LogsRequest {
        streams: 9,
        ..request
    })
    .unwrap_err();
    assert_eq!(err.field, "streams");
}

fn grants() -> Grants {
    Grants {
        preopens: vec![
            Preopen {
                host_path: "/w/u-1".into(),
                guest_path: "/workspace".into(),
                access: Access::ReadWrite,
            },
            Preopen {
                host_path: "/opt/lib".into(),
                guest_path: "/lib".into(),
                access: Access::ReadOnly,
            },
        ],
        args: vec!["python".into()],
        env: vec![
            EnvVar {
                name: "SECRET".into(),
                value: "hunter2".into(),
            },
            EnvVar {
                name: "HOME".into(),
                value: "/workspace".into(),
            },
        ],
        network: vec![],
        programs: vec![],
        memory_bytes: 64 << 20,
        timeout_ms: 1500,
        stdout_bytes: 100,
        stderr_bytes: 200,
    }
}

fn status(state: RunPhase, outcome: Option<Outcome>) -> RunStatus {
    RunStatus {
        id: RunId::new("u", 3).unwrap(),
        runtime: "python".into(),
        digest: Some("sha256:x".into()),
        labels: [("k".to_owned(), "v".to_owned())].into(),
        state,
        grants: grants(),
        outcome: outcome.map(Arc::new),
        usage: None,
        accepted_at: SystemTime::UNIX_EPOCH + Duration::from_secs(10),
        started_at: None,
        finished_at: None,
        stdout: StreamTotals {
            written: 150,
            truncated: true,
        },
        stderr: StreamTotals::default(),
    }
}

fn outcome(phase: RunPhase, reason: Reason, exit_code: Option<i32>) -> Outcome {
    let mut outcome = Outcome::not_started(phase, reason, "message", grants());
    outcome.exit_code = exit_code;
    outcome.outputs.insert("answer".into(), "42".into());
    outcome.usage.wall = Duration::from_micros(1234);
    outcome.usage.instantiate = Some(Duration::from_micros(56));
    outcome
}

/// A pending status has no grants, reason or usage; counters and times are reported.
#[test]
fn pending_status_has_no_grants_or_reason() {
    let proto = execution_status(&status(RunPhase::Pending, None));
    assert_eq!(proto.state(), v1::ExecutionState::Pending);
    assert_eq!(proto.id, Some(v1::ExecutionId::new("u", 3)));
    assert_eq!(
        (proto.spec_digest.as_str(), proto.runtime.as_str()),
        ("sha256:x", "python")
    );
    assert_eq!(proto.labels["k"], "v");
    assert!(proto.grants.is_none() && proto.usage.is_none() && proto.exit_code.is_none());
    assert!(proto.reason.is_empty() && proto.message.is_empty());
    assert_eq!(proto.accept_time.unwrap().seconds, 10);
    assert!(proto.start_time.is_none() && proto.finish_time.is_none());
    assert_eq!((proto.stdout_bytes, proto.stdout_truncated), (150, true));
}

/// Grants report guest paths, sorted env names (never values) and the applied limits.
#[test]
fn grants_report_names_not_values() {
    let proto = super::grants(&grants());
    assert_eq!(proto.env_names, ["HOME", "SECRET"]);
    assert_eq!(
        proto
            .preopens
            .iter()
            .map(|p| (p.guest_path.as_str(), p.read_only))
            .collect::<Vec<_>>(),
        [("/workspace", false), ("/lib", true)]
    );
    assert_eq!((proto.memory_bytes, proto.timeout_ms), (64 << 20, 1500));
    assert_eq!((proto.stdout_max_bytes, proto.stderr_max_bytes), (100, 200));
    assert!(!format!("{proto:?}").contains("hunter2"));
}

/// Terminal statuses carry the contract's reason strings; outputs only for SUCCEEDED.
#[test]
fn terminal_statuses_use_contract_reasons() {
    let succeeded = execution_status(&status(
        RunPhase::Succeeded,
        Some(outcome(RunPhase::Succeeded, Reason::Completed, Some(0))),
    ));
    assert_eq!(succeeded.state(), v1::ExecutionState::Succeeded);
    assert_eq!(succeeded.reason, "Succeeded");
    assert_eq!(succeeded.exit_code, Some(0));
    assert_eq!(succeeded.outputs["answer"], "42");
    assert!(succeeded.grants.is_some());

    let trapped = execution_status(&status(
        RunPhase::Failed,
        Some(outcome(
            RunPhase::Failed,
            Reason::Trap(TrapKind::StackOverflow),
            None,
        )),
    ));
    assert_eq!(trapped.reason, "Trap");
    assert_eq!(trapped.message, "message");
    assert!(trapped.outputs.is_empty(), "outputs only for SUCCEEDED");
    assert_eq!(trapped.exit_code, None);

    for (domain, wire) in [
        (Reason::ExitCode, "ExitCode"),
        (Reason::Timeout, "Timeout"),
        (Reason::Cancelled, "Cancelled"),
        (Reason::Superseded, "Superseded"),
        (Reason::Shutdown, "Shutdown"),
        (Reason::OutOfMemory, "OutOfMemory"),
        (Reason::OutputsInvalid, "OutputsInvalid"),
        (Reason::InstantiateFailed, "InstantiateFailed"),
    ] {
        assert_eq!(api_reason(domain), wire);
    }
}

/// Usage is converted to microseconds; instantiation is 0 when unknown.
#[test]
fn usage_is_in_microseconds() {
    let usage = usage(&Usage {
        wall: Duration::from_millis(3),
        instantiate: None,
        peak_memory_bytes: 7,
    });
    assert_eq!(
        (
            usage.wall_time_us,
            usage.instantiate_us,
            usage.peak_memory_bytes
        ),
        (3000, 0, 7)
    );
}

/// Log events become chunks and the end marker.
#[test]
fn log_events_become_responses() {
    let chunk = logs_response(LogEvent::Chunk(kruntimes_engine::logs::LogChunk {
        stream: StdStream::Stderr,
        offset: 64,
        data: bytes::Bytes::from_static(b"oops"),
    }));
    let Some(v1::logs_response::Event::Chunk(chunk)) = chunk.event else {
        panic!("not a chunk: {chunk:?}")
    };
    assert_eq!(
        (chunk.stream(), chunk.offset, &chunk.data[..]),
        (v1::LogStream::Stderr, 64, &b"oops"[..])
    );

    let end = logs_response(LogEvent::End(LogEnd {
        state: RunPhase::Running,
        stdout: StreamTotals {
            written: 9,
            truncated: false,
        },
        stderr: StreamTotals {
            written: 2000,
            truncated: true,
        },
    }));
    let Some(v1::logs_response::Event::End(end)) = end.event else {
        panic!("not an end: {end:?}")
    };
    assert_eq!(end.state(), v1::ExecutionState::Running);
    assert_eq!(
        (end.stdout_bytes, end.stderr_bytes, end.stderr_truncated),
        (9, 2000, true)
    );
}

/// Health reports counts, the engine and a message that says why it is not serving.
#[test]
fn health_reports_counts_and_draining() {
    let health = Health {
        serving: false,
        active: 2,
        capacity: 8,
        retained: 5,
    };
    let response = health_response(&health, "wasmtime 48.0.8");
    assert!(!response.serving);
    assert!(response.message.contains("shutting down"));
    assert_eq!(
        (
            response.active_executions,
            response.capacity,
            response.retained_executions
        ),
        (2, 8, 5)
    );
    assert_eq!(response.engine_version, "wasmtime 48.0.8");
}
