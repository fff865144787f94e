//! Conversions between the `kruntimes.runtime.v1` messages and the engine's domain types. Pure: no I/O, no
//! manager.
//!
//! Requests become domain values through functions ([`run_spec`], [`list_filter`], ...) that check what the
//! request alone can tell (required fields, sizes, names) and fail with an [`InvalidRequest`] naming the proto
//! field (`id.attempt`, `env["1X"]`, ...). What depends on the Runtime or the host (timeout and limit ceilings) is checked by the
//! capability policy when the manager accepts the execution. Domain values become messages through functions
//! named for the message (`execution_status`, `grants`...). Functions, not `From` impls: both sides are other
//! crates' types (the engine's and the proto's).
//!
//! Only this module and [`crate::service`] see proto types.

use std::time::Duration;

use kruntimes_proto::v1;

use kruntimes_api::v1alpha1::RunPhase;
use kruntimes_engine::api::api_reason;
use kruntimes_engine::capabilities::{Access, Grants};
use kruntimes_engine::logs::{LogEnd, LogEvent, LogQuery, LogSelection, StdStream};
use kruntimes_engine::manager::{Health, ListFilter, RunStatus};
use kruntimes_engine::outcome::Usage;
use kruntimes_engine::spec::{MAX_RUN_UID_BYTES, RunId, RunSpec};
use kruntimes_engine::workspace;

/// Longest accepted entrypoint (the workspace's rule, which matches the API's `spec.entrypoint`).
pub use kruntimes_engine::workspace::MAX_ENTRYPOINT_BYTES;

mod fields;

use fields::invalid;
pub use fields::{
    InvalidRequest, MAX_ARG_BYTES, MAX_ARGS, MAX_DIGEST_BYTES, MAX_ENV, MAX_ENV_NAME_BYTES,
    MAX_ENV_VALUE_BYTES, MAX_LABEL_KEY_BYTES, MAX_LABEL_VALUE_BYTES, MAX_LABELS, MAX_RUNTIME_BYTES,
    MAX_SOURCE_BYTES, RESERVED_ENV_PREFIX,
};

/// Entrypoint used when a request has `source` but no `entrypoint` (as in the Run API).
pub const DEFAULT_ENTRYPOINT: &str = "script";

// === requests ===

/// A Run id from its message.
pub fn run_id(id: v1::ExecutionId) -> Result<RunId, InvalidRequest> {
    if id.run_uid.is_empty() {
        return Err(invalid("id.run_uid", "must not be empty"));
    }
    if id.run_uid.len() > MAX_RUN_UID_BYTES {
        return Err(invalid(
            "id.run_uid",
            format!("must be at most {MAX_RUN_UID_BYTES} bytes"),
        ));
    }
    if id.attempt == 0 {
        return Err(invalid("id.attempt", "must be at least 1"));
    }
    RunId::new(id.run_uid, id.attempt).map_err(|err| invalid("id.run_uid", err.problem))
}

/// A request's `id`, which every request but `List` and `Health` requires.
pub fn required_id(id: Option<v1::ExecutionId>) -> Result<RunId, InvalidRequest> {
    run_id(id.ok_or_else(|| invalid("id", "is required"))?)
}

/// The spec an `Execute` request asks for.
pub fn run_spec(mut request: v1::ExecuteRequest) -> Result<RunSpec, InvalidRequest> {
    let id = required_id(request.id.take())?;
    fields::check_execute(&request)?;
    let entrypoint = match (request.entrypoint.is_empty(), &request.source) {
        (false, _) => Some(check_entrypoint(request.entrypoint)?),
        (true, Some(_)) => Some(DEFAULT_ENTRYPOINT.to_owned()),
        (true, None) => None,
    };
    let limits = request.limits.unwrap_or_default();
    let nonzero = |value: u64| (value != 0).then_some(value);
    let output = |value: u64| nonzero(value).map(|v| usize::try_from(v).unwrap_or(usize::MAX));

    let mut spec = RunSpec::new(id, request.runtime);
    spec.args = request.args;
    // Sorted by name, as the map is.
    spec.env = request.env.into_iter().collect();
    spec.entrypoint = entrypoint;
    spec.source = request.source;
    spec.timeout = nonzero(request.timeout_ms).map(Duration::from_millis);
    spec.memory_bytes = nonzero(limits.memory_bytes);
    spec.stdout_bytes = output(limits.stdout_max_bytes);
    spec.stderr_bytes = output(limits.stderr_max_bytes);
    spec.digest = Some(request.spec_digest);
    spec.labels = request.labels;
    Ok(spec)
}

fn check_entrypoint(entrypoint: String) -> Result<String, InvalidRequest> {
    if entrypoint.len() > MAX_ENTRYPOINT_BYTES {
        return Err(invalid(
            "entrypoint",
            format!("must be at most {MAX_ENTRYPOINT_BYTES} bytes"),
        ));
    }
    workspace::validate_entrypoint(&entrypoint)
        .map_err(|problem| invalid("entrypoint", problem))?;
    Ok(entrypoint)
}

/// The filter a `List` request asks for.
pub fn list_filter(request: v1::ListRequest) -> Result<ListFilter, InvalidRequest> {
    let mut states = Vec::new();
    for (index, &value) in request.states.iter().enumerate() {
        let state = v1::ExecutionState::try_from(value)
            .map_err(|_| invalid(format!("states[{index}]"), format!("unknown state {value}")))?;
        if let Some(state) = run_state(state) {
            states.push(state);
        }
    }
    Ok(ListFilter {
        states,
        uid: (!request.run_uid.is_empty()).then_some(request.run_uid),
    })
}

/// The query a `Logs` request asks for.
pub fn log_query(request: v1::LogsRequest) -> Result<LogQuery, InvalidRequest> {
    let id = required_id(request.id)?;
    let streams = match v1::LogSelector::try_from(request.streams) {
        Ok(v1::LogSelector::Stdout) => LogSelection::Stdout,
        Ok(v1::LogSelector::Stderr) => LogSelection::Stderr,
        Ok(v1::LogSelector::Both | v1::LogSelector::Unspecified) => LogSelection::Both,
        Err(_) => {
            return Err(invalid(
                "streams",
                format!("unknown selector {}", request.streams),
            ));
        }
    };
    Ok(LogQuery {
        id,
        follow: request.follow,
        streams,
        tail_bytes: request.tail_bytes,
    })
}

/// The domain state of a proto state; `None` for UNSPECIFIED.
fn run_state(state: v1::ExecutionState) -> Option<RunPhase> {
    Some(match state {
        v1::ExecutionState::Unspecified => return None,
        v1::ExecutionState::Pending => RunPhase::Pending,
        v1::ExecutionState::Running => RunPhase::Running,
        v1::ExecutionState::Succeeded => RunPhase::Succeeded,
        v1::ExecutionState::Failed => RunPhase::Failed,
        v1::ExecutionState::Timeout => RunPhase::Timeout,
        v1::ExecutionState::Cancelled => RunPhase::Cancelled,
    })
}

// === responses ===

/// The contract's state of an execution's phase. The engine never reports `Scheduled` (that phase is the
/// scheduler's, before runtimed hears of the Run); it would be `Pending` here.
pub fn execution_state(state: RunPhase) -> v1::ExecutionState {
    match state {
        RunPhase::Pending | RunPhase::Scheduled => v1::ExecutionState::Pending,
        RunPhase::Running => v1::ExecutionState::Running,
        RunPhase::Succeeded => v1::ExecutionState::Succeeded,
        RunPhase::Failed => v1::ExecutionState::Failed,
        RunPhase::Timeout => v1::ExecutionState::Timeout,
        RunPhase::Cancelled => v1::ExecutionState::Cancelled,
    }
}

/// The message of a Run id.
pub fn execution_id(id: &RunId) -> v1::ExecutionId {
    v1::ExecutionId::new(id.uid(), id.attempt())
}

/// What a Run was granted, as the contract reports it (env values left out).
pub fn grants(grants: &Grants) -> v1::Grants {
    let mut env_names: Vec<String> = grants.env.iter().map(|var| var.name.clone()).collect();
    env_names.sort();
    v1::Grants {
        preopens: grants
            .preopens
            .iter()
            .map(|preopen| v1::Preopen {
                guest_path: preopen.guest_path.clone(),
                read_only: preopen.access == Access::ReadOnly,
            })
            .collect(),
        env_names,
        network_allow: grants.network.iter().map(ToString::to_string).collect(),
        memory_bytes: grants.memory_bytes,
        timeout_ms: grants.timeout_ms,
        stdout_max_bytes: grants.stdout_bytes as u64,
        stderr_max_bytes: grants.stderr_bytes as u64,
    }
}

/// A Run's resource usage.
pub fn usage(usage: &Usage) -> v1::Usage {
    let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    v1::Usage {
        wall_time_us: micros(usage.wall),
        peak_memory_bytes: usage.peak_memory_bytes,
        instantiate_us: usage.instantiate.map_or(0, micros),
    }
}

/// An execution's status.
pub fn execution_status(status: &RunStatus) -> v1::ExecutionStatus {
    let outcome = status.outcome.as_deref();
    let succeeded = status.state == RunPhase::Succeeded;
    v1::ExecutionStatus {
        id: Some(execution_id(&status.id)),
        runtime: status.runtime.clone(),
        spec_digest: status.digest.clone().unwrap_or_default(),
        labels: status.labels.clone(),
        state: execution_state(status.state).into(),
        exit_code: outcome.and_then(|o| o.exit_code),
        // The Run API's `status.reason` values: `Completed` is `Succeeded`, every trap kind is `Trap`.
        reason: outcome.map_or_else(String::new, |o| api_reason(o.reason).to_owned()),
        message: outcome.map_or_else(String::new, |o| o.message.clone()),
        outputs: match outcome {
            Some(o) if succeeded => o.outputs.clone(),
            _ => Default::default(),
        },
        grants: (status.state != RunPhase::Pending).then(|| grants(&status.grants)),
        usage: status.usage.as_ref().map(usage),
        accept_time: Some(status.accepted_at.into()),
        start_time: status.started_at.map(Into::into),
        finish_time: status.finished_at.map(Into::into),
        stdout_bytes: status.stdout.written,
        stderr_bytes: status.stderr.written,
        stdout_truncated: status.stdout.truncated,
        stderr_truncated: status.stderr.truncated,
    }
}

/// The contract's name of a stream.
pub fn log_stream(stream: StdStream) -> v1::LogStream {
    match stream {
        StdStream::Stdout => v1::LogStream::Stdout,
        StdStream::Stderr => v1::LogStream::Stderr,
    }
}

/// The last event of a log read.
pub fn logs_end(end: LogEnd) -> v1::LogsEnd {
    v1::LogsEnd {
        state: execution_state(end.state).into(),
        stdout_bytes: end.stdout.written,
        stderr_bytes: end.stderr.written,
        stdout_truncated: end.stdout.truncated,
        stderr_truncated: end.stderr.truncated,
    }
}

/// One log event as a `Logs` response.
pub fn logs_response(event: LogEvent) -> v1::LogsResponse {
    let event = match event {
        LogEvent::Chunk(chunk) => v1::logs_response::Event::Chunk(v1::LogChunk {
            stream: log_stream(chunk.stream).into(),
            data: chunk.data,
            offset: chunk.offset,
        }),
        LogEvent::End(end) => v1::logs_response::Event::End(logs_end(end)),
    };
    v1::LogsResponse { event: Some(event) }
}

/// The `Health` answer for `health` on an engine named `engine_version`.
pub fn health_response(health: &Health, engine_version: &str) -> v1::HealthResponse {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let message = if health.serving {
        format!("serving: {} of {} active", health.active, health.capacity)
    } else {
        "draining: runtimed is shutting down".to_owned()
    };
    v1::HealthResponse {
        serving: health.serving,
        message,
        engine_version: engine_version.to_owned(),
        active_executions: count(health.active),
        capacity: count(health.capacity),
        retained_executions: count(health.retained),
    }
}

#[cfg(test)]
mod tests;
