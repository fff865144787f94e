#!/usr/bin/env python3
"""An independent client of runtimed's gRPC API: Python grpcio (gRPC C-core), not tonic.

Usage: client.py HOST:PORT

Stubs are generated at run time from proto/kruntimes/runtime/v1/runtime.proto (grpc_tools.protoc into a
temporary directory), so this checks the committed contract, not a copy of it. The server must have the test
guests `hello` and `sleep_forever` registered under those names (runtimed/tests/all/grpc.rs starts one). Every check
prints one line; the first mismatch exits 1 with a message saying what was expected and what came back.
Run from the repository root (the Rust test does).
"""

import os
import subprocess
import sys
import tempfile
import time

import grpc

PROTO_ROOT = "proto"
PROTO_FILE = "kruntimes/runtime/v1/runtime.proto"
TIMEOUT = 20  # seconds per call; far above anything these guests need
REASON_KEY = "kruntimes-reason"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok: {message}")


def generate_stubs(out_dir):
    """Runs protoc (grpc_tools) on the contract and makes the modules importable."""
    command = [
        sys.executable, "-m", "grpc_tools.protoc", "-I", PROTO_ROOT,
        f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", PROTO_FILE,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"grpc_tools.protoc failed ({result.returncode}):\n{result.stderr}")
    sys.path.insert(0, out_dir)
    from kruntimes.runtime.v1 import runtime_pb2, runtime_pb2_grpc  # noqa: E402 (generated just now)
    return runtime_pb2, runtime_pb2_grpc


def expect_error(call, code, mentions, what):
    """Calls `call()`, which must fail with `code` and a message mentioning `mentions`; returns the error."""
    try:
        result = call()
        # A server-streaming call fails on its first message.
        if hasattr(result, "__next__"):
            next(result)
    except grpc.RpcError as err:
        check(err.code() == code, f"{what}: {code.name} (got {err.code().name}: {err.details()!r})")
        check(mentions in (err.details() or ""), f"{what}: message mentions {mentions!r} ({err.details()!r})")
        reasons = [value for key, value in (err.trailing_metadata() or ()) if key == REASON_KEY]
        check(len(reasons) == 1, f"{what}: carries the {REASON_KEY} metadata ({reasons})")
        return err
    fail(f"{what}: expected {code.name}, but the call succeeded")


def main():
    if len(sys.argv) != 2:
        fail("usage: client.py HOST:PORT")
    address = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="kruntimes-grpc-compat-") as out_dir:
        pb, pb_grpc = generate_stubs(out_dir)
        with grpc.insecure_channel(address) as channel:
            grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
            run_checks(pb, pb_grpc.RuntimeStub(channel))
    print("all checks passed")


def run_checks(pb, stub):
    State = pb.ExecutionState
    suffix = str(os.getpid())

    def eid(uid, attempt=1):
        return pb.ExecutionId(run_uid=uid, attempt=attempt)

    def status_of(uid, attempt=1):
        return stub.Status(pb.StatusRequest(id=eid(uid, attempt)), timeout=TIMEOUT).status

    def wait_terminal(uid):
        deadline = time.monotonic() + TIMEOUT
        while True:
            status = status_of(uid)
            if status.state in (State.Value("EXECUTION_STATE_SUCCEEDED"), State.Value("EXECUTION_STATE_FAILED"),
                                State.Value("EXECUTION_STATE_TIMEOUT"), State.Value("EXECUTION_STATE_CANCELLED")):
                return status
            if time.monotonic() > deadline:
                fail(f"{uid} did not end: {status}")
            time.sleep(0.01)

    def name(state):
        return State.Name(state)

    # Health.
    health = stub.Health(pb.HealthRequest(), timeout=TIMEOUT)
    check(health.serving, f"Health: serving ({health.message!r})")
    check(health.engine_version.startswith("wasmtime "), f"Health: engine {health.engine_version!r}")
    check(health.capacity > 0, f"Health: capacity {health.capacity}")

    # Execute hello; duplicates; a different digest.
    hello = f"py-hello-{suffix}"
    request = pb.ExecuteRequest(id=eid(hello), runtime="hello", args=["grpcio"], env={"FROM": "python"},
                                spec_digest="sha256:py-hello", labels={"client": "grpcio"})
    accepted = stub.Execute(request, timeout=TIMEOUT).status
    check(name(accepted.state) in ("EXECUTION_STATE_PENDING", "EXECUTION_STATE_RUNNING",
                                   "EXECUTION_STATE_SUCCEEDED"), f"Execute: accepted as {name(accepted.state)}")
    check(accepted.HasField("accept_time"), "Execute: accept_time is set")
    duplicate = stub.Execute(request, timeout=TIMEOUT).status
    check(duplicate.accept_time == accepted.accept_time, "Execute: a duplicate is the same execution")
    conflicting = pb.ExecuteRequest()
    conflicting.CopyFrom(request)
    conflicting.spec_digest = "sha256:something-else"
    expect_error(lambda: stub.Execute(conflicting, timeout=TIMEOUT), grpc.StatusCode.ALREADY_EXISTS, hello,
                 "Execute with a different digest")

    # Status until terminal.
    done = wait_terminal(hello)
    check(name(done.state) == "EXECUTION_STATE_SUCCEEDED", f"Status: SUCCEEDED ({name(done.state)}, {done.message!r})")
    check(done.reason == "Succeeded", f"Status: reason Succeeded ({done.reason!r})")
    check(done.HasField("exit_code") and done.exit_code == 0,
          f"Status: exit code 0 ({done.exit_code if done.HasField('exit_code') else 'unset'})")
    check("FROM" in done.grants.env_names, f"Status: grants list env names ({list(done.grants.env_names)})")
    check(dict(done.labels) == {"client": "grpcio"}, f"Status: labels ({dict(done.labels)})")

    # Logs without follow.
    stdout, end = b"", None
    for message in stub.Logs(pb.LogsRequest(id=eid(hello)), timeout=TIMEOUT):
        if message.WhichOneof("event") == "chunk":
            check(message.chunk.offset == len(stdout), f"Logs: chunk at offset {message.chunk.offset}")
            stdout += message.chunk.data
        else:
            end = message.end
    text = stdout.decode()
    check("hello from test-guests" in text and "arg[1]=grpcio" in text, f"Logs: stdout of hello ({text[:60]!r}...)")
    check(end is not None and name(end.state) == "EXECUTION_STATE_SUCCEEDED",
          f"Logs: ends with LogsEnd ({name(end.state) if end else 'missing'})")
    check(end.stdout_bytes == len(stdout), f"Logs: stdout_bytes {end.stdout_bytes}")

    # List.
    listed = stub.List(pb.ListRequest(run_uid=hello), timeout=TIMEOUT).executions
    check([e.id.run_uid for e in listed] == [hello], f"List: filters by run_uid ({len(listed)} found)")

    # A sleeping guest: Forget while running, Logs follow, Cancel.
    sleeper = f"py-sleep-{suffix}"
    stub.Execute(pb.ExecuteRequest(id=eid(sleeper), runtime="sleep_forever", spec_digest="sha256:py-sleep"),
                 timeout=TIMEOUT)
    expect_error(lambda: stub.Forget(pb.ForgetRequest(id=eid(sleeper)), timeout=TIMEOUT),
                 grpc.StatusCode.FAILED_PRECONDITION, "still running", "Forget while running")
    follow = stub.Logs(pb.LogsRequest(id=eid(sleeper), follow=True,
                                      streams=pb.LogSelector.Value("LOG_SELECTOR_STDOUT")), timeout=TIMEOUT)
    first = next(follow)
    check(first.WhichOneof("event") == "chunk" and first.chunk.data == b"sleeping\n",
          f"Logs follow: live output ({first.WhichOneof('event')}: {first.chunk.data!r})")
    check(name(status_of(sleeper).state) == "EXECUTION_STATE_RUNNING", "Logs follow: the guest is still running")
    cancelled = stub.Cancel(pb.CancelRequest(id=eid(sleeper)), timeout=TIMEOUT).status
    check(name(cancelled.state) == "EXECUTION_STATE_CANCELLED" and cancelled.reason == "Cancelled",
          f"Cancel: terminal before it returns ({name(cancelled.state)}, {cancelled.reason!r})")
    rest = list(follow)
    check(len(rest) == 1 and rest[0].WhichOneof("event") == "end"
          and name(rest[0].end.state) == "EXECUTION_STATE_CANCELLED",
          f"Logs follow: ends with LogsEnd CANCELLED ({[m.WhichOneof('event') for m in rest]})")

    # Forget both, then the ids are unknown.
    for uid in (hello, sleeper):
        stub.Forget(pb.ForgetRequest(id=eid(uid)), timeout=TIMEOUT)
        expect_error(lambda: status_of(uid), grpc.StatusCode.NOT_FOUND, uid, f"Status after Forget of {uid}")
    expect_error(lambda: stub.Cancel(pb.CancelRequest(id=eid("py-unknown")), timeout=TIMEOUT),
                 grpc.StatusCode.NOT_FOUND, "py-unknown", "Cancel of an unknown id")
    expect_error(lambda: stub.Logs(pb.LogsRequest(id=eid("py-unknown")), timeout=TIMEOUT),
                 grpc.StatusCode.NOT_FOUND, "py-unknown", "Logs of an unknown id")

    # Invalid requests name the field.
    expect_error(lambda: stub.Execute(pb.ExecuteRequest(id=eid("py-bad", 0), runtime="hello", spec_digest="d"),
                                      timeout=TIMEOUT),
                 grpc.StatusCode.INVALID_ARGUMENT, "id.attempt", "Execute with attempt 0")
    expect_error(lambda: stub.Execute(pb.ExecuteRequest(id=eid("py-bad"), runtime="hello", spec_digest="d",
                                                        entrypoint="/abs.py"), timeout=TIMEOUT),
                 grpc.StatusCode.INVALID_ARGUMENT, "entrypoint", "Execute with an absolute entrypoint")

    health = stub.Health(pb.HealthRequest(), timeout=TIMEOUT)
    check(health.active_executions == 0, f"Health: nothing active at the end ({health.active_executions})")


if __name__ == "__main__":
    main()
