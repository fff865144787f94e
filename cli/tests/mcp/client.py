"""Drives `krt mcp` over stdio with the official Python MCP SDK, as an agent framework would.

Usage: client.py KRT BUILTINS CACHE_HOME TMPDIR (the server's temporary directory, where its workspaces live). Asserts the tool server's behaviour and prints one line per check;
exits non-zero on the first failure. Run by cli/tests/mcp.rs.
"""

import asyncio
import glob
import json
import os
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError


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
    print(f"ok: {tool} refused: {message.splitlines()[0]}")


def workspaces(tmpdir):
    """The Run workspaces that exist now under the server's temporary directory."""
    return glob.glob(os.path.join(tmpdir, "krt-local-*", "workspaces", "*"))


async def main(krt, builtins, cache_home, tmpdir):
    params = StdioServerParameters(
        command=krt,
        args=["mcp", "--builtins", builtins, "--max-output", "1Ki"],
        env={"XDG_CACHE_HOME": cache_home, "TMPDIR": tmpdir},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert "bash" in (init.instructions or ""), init.instructions
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert {"run_bash", "run_python", "run"} <= set(tools), sorted(tools)
            schema = tools["run_bash"].input_schema
            assert schema["properties"]["args"]["maxItems"] == 256, schema
            assert "code" in schema.get("required", []), schema
            print("ok: tools listed with the Run API's limits")

            bash = result_of(await session.call_tool(
                "run_bash", {"code": 'echo "hi $1 $GREETING"; echo oops >&2; exit 3',
                             "args": ["there"], "env": {"GREETING": "hello"}}))
            assert bash["phase"] == "Failed" and bash["reason"] == "ExitCode", bash
            assert bash["exit_code"] == 3, bash
            assert bash["stdout"] == "hi there hello\n", bash
            assert bash["stderr"] == "oops\n", bash
            print("ok: run_bash returns exit code, stdout and stderr apart")

            py = result_of(await session.call_tool(
                "run_python", {"code": "import os, sys\n"
                                       "print(open('data/in.txt').read(), sys.argv[1:])\n"
                                       "open(os.environ['KRUNTIME_OUTPUTS'], 'w').write('answer=42\\n')\n",
                               "args": ["a", "b"], "files": {"data/in.txt": "hello"}}))
            assert py["phase"] == "Succeeded" and py["exit_code"] == 0, py
            assert py["stdout"] == "hello ['a', 'b']\n", py
            assert py["outputs"] == {"answer": "42"}, py
            print("ok: run_python reads files in and sets outputs")

            big = result_of(await session.call_tool("run_python", {"code": "print('x' * 5000, end='')"}))
            assert big["stdout"].startswith("x" * 1024 + "\n[kruntimes: output truncated"), big
            assert big["stdout_dropped"] == 5000 - 1024, big
            print("ok: output is bounded and the cut is said")

            left = result_of(await session.call_tool("run_bash", {"code": "echo secret > mine.txt; ls"}))
            assert left["stdout"] == "main.sh\nmine.txt\n", left
            fresh = result_of(await session.call_tool("run_bash", {"code": "ls; cat mine.txt"}))
            assert fresh["stdout"] == "main.sh\n" and fresh["exit_code"] != 0, fresh
            print("ok: every call starts from an empty workspace")

            generic = result_of(await session.call_tool(
                "run", {"runtime": "python", "code": "print(6 * 7)", "entrypoint": "calc.py"}))
            assert generic["stdout"] == "42\n", generic
            from_files = result_of(await session.call_tool(
                "run", {"runtime": "python", "entrypoint": "app/calc.py",
                        "files": {"app/calc.py": "import helper\nprint(helper.X)\n", "app/helper.py": "X = 7\n"}}))
            assert from_files["stdout"] == "7\n", from_files
            print("ok: run takes any allowed runtime, with code or with a file of files as its entrypoint")

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
            print(f"ok: a spinning call times out ({spun['duration_ms']} ms) while another returns "
                  f"in {quick_done * 1000:.0f} ms")

            calls = [session.call_tool("run_bash", {"code": f"echo {i}"}) for i in range(8)]
            outs = [result_of(c)["stdout"] for c in await asyncio.gather(*calls)]
            assert outs == [f"{i}\n" for i in range(8)], outs
            print("ok: 8 concurrent calls each get their own result")

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
            print("ok: an abandoned call is cancelled and its workspace removed; no workspace is left")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
