"""Drives `krt mcp` over stdio with the official Python MCP SDK, as an agent framework would.

Usage: client.py KRT BUILTINS CACHE_HOME TMPDIR (the server's temporary directory, where its workspaces live). Asserts the tool server's behaviour and prints one line per check;
exits non-zero on the first failure. Run by cli/tests/mcp.rs.
"""

import asyncio
import base64
import glob
import json
import os
import re
import secrets
import signal
import sys
import time

import httpx2

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


TRANSPORT = "stdio"


def say(check):
    """One passed check, with the transport it ran on."""
    print(f"ok [{TRANSPORT}]: {check}", flush=True)


def result_of(call):
    """The structured result of a tool call (also given as JSON text)."""
    assert not call.is_error, f"tool call failed: {call.content}"
    if call.structured_content is not None:
        return call.structured_content
    return json.loads(call.content[0].text)


async def refused(session, tool, arguments, words):
    """The call is refused as invalid params, and the message names `words`."""
    try:
        call = await session.call_tool(tool, arguments)
    except MCPError as err:
        message = str(err)
    else:
        assert call.is_error, f"{tool} {arguments} was accepted: {call.content}"
        message = call.content[0].text
    for word in words:
        assert word in message, f"{tool} {arguments}: {word!r} not in {message!r}"
    say(f"{tool} refused: {message.splitlines()[0]}")


def workspaces(tmpdir):
    """The Run workspaces that exist now under the server's temporary directory."""
    return glob.glob(os.path.join(tmpdir, "krt-local-*", "workspaces", "*"))


SERVER_ARGS = ["--max-output", "1Ki", "--session-max-bytes", "64Ki"]


async def main(krt, builtins, cache_home, tmpdir):
    global TRANSPORT
    params = StdioServerParameters(
        command=krt,
        args=["mcp", "--builtins", builtins, *SERVER_ARGS],
        env={"XDG_CACHE_HOME": cache_home, "TMPDIR": tmpdir},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await checks(session, tmpdir)
    await sessions_expire(krt, builtins, cache_home, tmpdir)

    TRANSPORT = "http"
    await over_http(krt, builtins, cache_home, tmpdir)


async def over_http(krt, builtins, cache_home, tmpdir):
    """The same checks over streamable HTTP, after requests without the bearer token are refused."""
    token = secrets.token_hex(16)
    server = await asyncio.create_subprocess_exec(
        krt, "mcp", "--builtins", builtins, *SERVER_ARGS, "--listen", "127.0.0.1:0",
        env={**os.environ, "XDG_CACHE_HOME": cache_home, "TMPDIR": tmpdir, "KRT_MCP_TOKEN": token},
        stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        url = None
        while url is None:
            line = (await asyncio.wait_for(server.stderr.readline(), 120)).decode()
            assert line, "krt mcp --listen exited before serving"
            found = re.search(r"serving MCP at (http://\S+)", line)
            url = found and found.group(1)
        asyncio.create_task(drain(server.stderr))
        async with httpx2.AsyncClient() as plain:
            request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
            for headers in [{}, {"Authorization": "Bearer " + "0" * 32}, {"Authorization": token}]:
                answer = await plain.post(url, json=request, headers=headers)
                assert answer.status_code == 401, (headers, answer.status_code, answer.text)
            assert answer.headers["www-authenticate"].startswith("Bearer"), answer.headers
        say("requests without the bearer token are refused (401)")
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with client, streamable_http_client(url, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await checks(session, tmpdir)
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(server.wait(), 30)
    assert code == 0, f"krt mcp --listen exited {code}"
    left = glob.glob(os.path.join(tmpdir, "krt-local-*"))
    assert not left, left
    say("SIGTERM stops the HTTP server; nothing is left")


async def drain(stream):
    while await stream.readline():
        pass


async def checks(session, tmpdir):
    """The tool checks, on a session of either transport."""
    init = await session.initialize()
    assert "bash" in (init.instructions or ""), init.instructions
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert {"run_bash", "run_python", "run", "end_session"} <= set(tools), sorted(tools)
    schema = tools["run_bash"].input_schema
    assert schema["properties"]["args"]["maxItems"] == 256, schema
    assert "code" in schema.get("required", []), schema
    say("tools listed with the Run API's limits")

    bash = result_of(await session.call_tool(
        "run_bash", {"code": 'echo "hi $1 $GREETING"; echo oops >&2; exit 3',
                     "args": ["there"], "env": {"GREETING": "hello"}}))
    assert bash["phase"] == "Failed" and bash["reason"] == "ExitCode", bash
    assert bash["exit_code"] == 3, bash
    assert bash["stdout"] == "hi there hello\n", bash
    assert bash["stderr"] == "oops\n", bash
    say("run_bash returns exit code, stdout and stderr apart")

    py = result_of(await session.call_tool(
        "run_python", {"code": "import os, sys\n"
                               "print(open('data/in.txt').read(), sys.argv[1:])\n"
                               "open(os.environ['KRUNTIME_OUTPUTS'], 'w').write('answer=42\\n')\n",
                       "args": ["a", "b"], "files": {"data/in.txt": "hello"}}))
    assert py["phase"] == "Succeeded" and py["exit_code"] == 0, py
    assert py["stdout"] == "hello ['a', 'b']\n", py
    assert py["outputs"] == {"answer": "42"}, py
    say("run_python reads files in and sets outputs")

    big = result_of(await session.call_tool("run_python", {"code": "print('x' * 5000, end='')"}))
    assert big["stdout"].startswith("x" * 1024 + "\n[kruntimes: output truncated"), big
    assert big["stdout_dropped"] == 5000 - 1024, big
    say("output is bounded and the cut is said")

    left = result_of(await session.call_tool("run_bash", {"code": "echo secret > mine.txt; ls"}))
    assert left["stdout"] == "main.sh\nmine.txt\n", left
    fresh = result_of(await session.call_tool("run_bash", {"code": "ls; cat mine.txt"}))
    assert fresh["stdout"] == "main.sh\n" and fresh["exit_code"] != 0, fresh
    say("every call starts from an empty workspace")

    generic = result_of(await session.call_tool(
        "run", {"runtime": "python", "code": "print(6 * 7)", "entrypoint": "calc.py"}))
    assert generic["stdout"] == "42\n", generic
    from_files = result_of(await session.call_tool(
        "run", {"runtime": "python", "entrypoint": "app/calc.py",
                "files": {"app/calc.py": "import helper\nprint(helper.X)\n", "app/helper.py": "X = 7\n"}}))
    assert from_files["stdout"] == "7\n", from_files
    say("run takes any allowed runtime, with code or with a file of files as its entrypoint")

    made = result_of(await session.call_tool("run_python", {"code": (
        "import os\n"
        "d = os.environ['KRUNTIME_ARTIFACTS_DIR']\n"
        "open(os.path.join(d, 'report.txt'), 'w').write('report line\\n')\n"
        "open(os.path.join(d, 'data.bin'), 'wb').write(bytes([0, 1, 255]))\n")}))
    assert made["phase"] == "Succeeded", made
    stored = {a["name"]: a for a in made["artifacts"]}
    assert set(stored) == {"report.txt", "data.bin"}, made
    assert stored["report.txt"]["sizeBytes"] == 12 and len(stored["report.txt"]["sha256"]) == 64, made
    listed = {r.uri for r in (await session.list_resources()).resources}
    assert {a["uri"] for a in stored.values()} <= listed, (listed, stored)
    text = (await session.read_resource(stored["report.txt"]["uri"])).contents[0]
    assert text.text == "report line\n" and text.mime_type == "text/plain", text
    blob = (await session.read_resource(stored["data.bin"]["uri"])).contents[0]
    assert base64.b64decode(blob.blob) == bytes([0, 1, 255]), blob
    try:
        await session.read_resource("file:///etc/passwd")
    except MCPError as err:
        assert "not an artifact this server keeps" in str(err), err
    else:
        raise AssertionError("a file the server did not store was read")
    say("artifacts come back with the result and as resources (text and binary); nothing else can be read")

    flow = result_of(await session.call_tool("run_workflow", {"spec": {"steps": [
        {"id": "make", "runtime": "python", "entrypoint": "make.py",
         "source": {"inline": "import os\nprint('made')\nopen(os.environ['KRUNTIME_OUTPUTS'], 'w').write('n=21\\n')\n"}},
        {"id": "double", "needs": ["make"], "runtime": "bash", "args": ["${{ steps.make.outputs.n }}"],
         "source": {"inline": "echo $(( $1 * 2 )); echo \"n=$(( $1 * 2 ))\" > $KRUNTIME_OUTPUTS; "
                              "echo $(( $1 * 2 )) > $KRUNTIME_ARTIFACTS_DIR/answer.txt"}},
        {"id": "broken", "runtime": "bash", "source": {"inline": "echo bad >&2; exit 4"}},
        {"id": "after", "needs": ["broken"], "runtime": "bash", "source": {"inline": "echo never"}},
    ], "outputs": [{"name": "answer", "value": "${{ steps.double.outputs.n }}"}]}}))
    steps = {step["id"]: step for step in flow["steps"]}
    assert flow["phase"] == "Failed", flow
    assert steps["make"]["phase"] == "Succeeded" and steps["make"]["outputs"] == {"n": "21"}, flow
    assert steps["double"]["phase"] == "Succeeded" and steps["double"]["outputs"] == {"n": "42"}, flow
    assert steps["broken"]["phase"] == "Failed" and steps["broken"]["reason"] == "ExitCode", flow
    assert steps["after"]["phase"] == "Skipped", flow
    assert "[make] made\n" in flow["stdout"] and "[double] 42\n" in flow["stdout"], flow
    assert flow["stderr"] == "[broken] bad\n", flow
    assert "never" not in flow["stdout"], flow
    assert steps["make"]["artifacts"] == [], flow
    [answer] = steps["double"]["artifacts"]
    assert answer["name"] == "answer.txt" and answer["sizeBytes"] == 3, flow
    read = await session.read_resource(answer["uri"])
    assert read.contents[0].text == "42\n", read
    say("run_workflow runs steps in order of needs, passes outputs on, skips what a failure blocks")
    await refused(session, "run_workflow", {"spec": {"steps": [{"id": "x", "runtime": "ruby"}]}},
                  ["spec.steps[0].runtime", "not allowed"])
    await refused(session, "run_workflow", {"spec": {"steps": [
        {"id": "a", "needs": ["b"], "runtime": "bash", "source": {"inline": "true"}},
        {"id": "b", "needs": ["a"], "runtime": "bash", "source": {"inline": "true"}}]}}, ["invalid", "cycle"])

    await refused(session, "run_bash", {"code": "true", "timeout_seconds": 0}, ["timeout_seconds"])
    await refused(session, "run_bash", {"code": "true", "env": {"KRUNTIME_X": "1"}}, ["env"])
    await refused(session, "run_bash", {"code": "true", "files": {"../escape": "x"}}, ["files"])
    await refused(session, "run", {"runtime": "ruby", "code": "puts 1"}, ["ruby", "not allowed"])
    await refused(session, "run_bash", {"code": "true", "files": {"main.sh": "x"}}, ["files", "main.sh"])

    # A hostile call spins until its timeout while another call runs and returns at once.
    start = time.monotonic()
    spin = asyncio.create_task(session.call_tool(
        "run_python", {"code": "while True:\n    pass\n", "timeout_seconds": 2}))
    await asyncio.sleep(0.2)
    quick = result_of(await session.call_tool("run_bash", {"code": "echo quick"}))
    quick_done = time.monotonic() - start
    spun = result_of(await spin)
    assert quick["stdout"] == "quick\n", quick
    assert spun["phase"] == "Timeout" and spun["reason"] == "Timeout", spun
    assert quick_done < 1.5, f"the quick call waited for the hostile one ({quick_done:.2f} s)"
    say(f"a spinning call times out ({spun['duration_ms']} ms) while another returns "
          f"in {quick_done * 1000:.0f} ms")

    calls = [session.call_tool("run_bash", {"code": f"echo {i}"}) for i in range(8)]
    outs = [result_of(c)["stdout"] for c in await asyncio.gather(*calls)]
    assert outs == [f"{i}\n" for i in range(8)], outs
    say("8 concurrent calls each get their own result")

    await sessions(session)

    # A call the client abandons is cancelled on the server (notifications/cancelled), and its workspace
    # goes with it.
    slow = asyncio.create_task(session.call_tool(
        "run_python", {"code": "import time\ntime.sleep(30)\n", "timeout_seconds": 60}))
    await asyncio.sleep(0.5)
    assert len(workspaces(tmpdir)) == 1, workspaces(tmpdir)
    slow.cancel()
    try:
        await slow
    except asyncio.CancelledError:
        pass
    deadline = time.monotonic() + 5
    while workspaces(tmpdir) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not workspaces(tmpdir), workspaces(tmpdir)
    say("an abandoned call is cancelled and its workspace removed; no workspace is left")


async def sessions(session):
    """Files persist between the calls of one session, and never reach another session or a stateless call."""
    def bash(code, **more):
        return session.call_tool("run_bash", {"code": code, **more})

    first = result_of(await bash("echo secret-a > notes.txt; mkdir -p d; echo 1 > d/n", session="a"))
    assert first["session"]["name"] == "a" and first["session"]["open"], first
    assert first["session"]["bytes"] == len("secret-a\n1\n"), first
    again = result_of(await session.call_tool(
        "run_python", {"code": "print(open('notes.txt').read().strip(), open('d/n').read().strip())",
                       "session": "a"}))
    assert again["stdout"] == "secret-a 1\n", again
    listed = result_of(await bash("ls", session="a"))
    assert listed["stdout"] == "d\nmain.sh\nnotes.txt\n", listed  # the earlier calls' programs are not kept
    say("a session's files persist between its calls, whatever the runtime")

    other = result_of(await bash("ls; cat notes.txt", session="b"))
    assert other["stdout"] == "main.sh\n" and other["exit_code"] != 0, other
    stateless = result_of(await bash("ls; cat notes.txt"))
    assert stateless["stdout"] == "main.sh\n" and stateless["exit_code"] != 0, stateless
    assert "session" not in stateless, stateless
    escape = result_of(await bash("cat ../*/notes.txt ../../sessions/*/notes.txt /workspace/../*/notes.txt",
                                  session="b"))
    assert "secret-a" not in escape["stdout"] and escape["exit_code"] != 0, escape
    say("no other session and no stateless call can read a session's files")

    # Calls of one session run one after another: neither sees the other half-done.
    racing = [bash(f"n=$(cat count 2>/dev/null || echo 0); sleep 0.2; echo $((n + 1)) > count", session="a")
              for _ in range(3)]
    await asyncio.gather(*racing)
    count = result_of(await bash("cat count", session="a"))
    assert count["stdout"] == "3\n", count
    removed = result_of(await bash("rm notes.txt; ls", session="a"))
    assert "notes.txt" not in result_of(await bash("ls", session="a"))["stdout"], removed
    say("calls of one session run one after another, and removals persist too")

    big = result_of(await session.call_tool(
        "run_python", {"code": "open('big.bin', 'w').write('x' * 70000)", "session": "c"}))
    assert big["phase"] == "Succeeded" and not big["session"]["open"], big
    assert "more than the limit of 65536" in big["session"]["note"], big
    assert result_of(await bash("ls", session="c"))["stdout"] == "main.sh\n"
    say(f"a session over its size limit is ended and said: {big['session']['note']}")

    ended = result_of(await session.call_tool("end_session", {"session": "a"}))
    assert ended["ended"] is True and "a" not in ended["open"], ended
    assert result_of(await session.call_tool("end_session", {"session": "a"}))["ended"] is False
    assert result_of(await bash("ls", session="a"))["stdout"] == "main.sh\n"
    await refused(session, "run_bash", {"code": "true", "session": "../x"}, ["session", "not a session name"])
    say("end_session removes a session's files; a later call starts anew")


async def sessions_expire(krt, builtins, cache_home, tmpdir):
    """A session idle beyond --session-ttl is removed; when the server stops, no session directory is left."""
    params = StdioServerParameters(
        command=krt,
        args=["mcp", "--builtins", builtins, "--session-ttl", "1s"],
        env={"XDG_CACHE_HOME": cache_home, "TMPDIR": tmpdir},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            kept = result_of(await session.call_tool("run_bash", {"code": "echo x > f", "session": "s"}))
            assert kept["session"]["open"], kept
            await asyncio.sleep(2.5)
            gone = result_of(await session.call_tool("run_bash", {"code": "ls", "session": "s"}))
            assert gone["stdout"] == "main.sh\n", gone
    left = glob.glob(os.path.join(tmpdir, "krt-local-*"))
    assert not left, left
    say("an idle session expires after its TTL; nothing is left when the server stops")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
