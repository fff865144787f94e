// Drives `krt mcp` with the official TypeScript MCP SDK (@modelcontextprotocol/sdk, installed here by
// `cargo xtask test`), over stdio and over streamable HTTP, as a Node.js agent framework would.
//
// Usage: node client.mjs KRT BUILTINS CACHE_HOME TMPDIR. Prints one line per check; exits non-zero on the first
// failure. Run by cli/tests/mcp.rs.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

const [krt, builtins, cacheHome, tmpdir] = process.argv.slice(2);
const serverArgs = ["mcp", "--builtins", builtins, "--max-output", "1Ki"];
const serverEnv = { ...process.env, XDG_CACHE_HOME: cacheHome, TMPDIR: tmpdir };
let transportName = "stdio";

const say = (check) => console.log(`ok [${transportName}]: ${check}`);

/** The structured result of a call that ran. */
function resultOf(call) {
  assert.ok(!call.isError, `tool call failed: ${JSON.stringify(call.content)}`);
  return call.structuredContent ?? JSON.parse(call.content[0].text);
}

/** The run workspaces that exist now under the server's temporary directory. */
function workspaces() {
  return readdirSync(tmpdir)
    .filter((name) => name.startsWith("krt-local-"))
    .flatMap((name) => {
      const dir = join(tmpdir, name, "workspaces");
      return existsSync(dir) ? readdirSync(dir) : [];
    });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function checks(client) {
  const call = (name, args, options) => client.callTool({ name, arguments: args }, undefined, options);
  const bash = async (code, more = {}) => resultOf(await call("run_bash", { code, ...more }));

  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const name of ["run_bash", "run_python", "run", "end_session"]) assert.ok(byName[name], name);
  assert.equal(byName.run_bash.inputSchema.properties.args.maxItems, 256);
  say("tools listed with the Run API's limits");

  const failed = await bash('echo "hi $1 $GREETING"; echo oops >&2; exit 3', {
    args: ["there"],
    env: { GREETING: "hello" },
  });
  assert.deepEqual(
    [failed.phase, failed.reason, failed.exit_code, failed.stdout, failed.stderr],
    ["Failed", "ExitCode", 3, "hi there hello\n", "oops\n"],
  );
  say("run_bash returns exit code, stdout and stderr apart");

  const py = resultOf(
    await call("run_python", {
      code: "import os\nprint(open('in.txt').read())\nopen(os.environ['KRUNTIME_OUTPUTS'], 'w').write('n=7\\n')\n",
      files: { "in.txt": "hello" },
    }),
  );
  assert.deepEqual([py.phase, py.stdout, py.outputs], ["Succeeded", "hello\n", { n: "7" }]);
  const big = resultOf(await call("run_python", { code: "print('x' * 5000, end='')" }));
  assert.ok(big.stdout.startsWith("x".repeat(1024) + "\n[kruntimes: output truncated"), big.stdout.slice(-120));
  assert.equal(big.stdout_dropped, 5000 - 1024);
  say("run_python reads files, sets outputs; output is bounded and the cut is said");

  await assert.rejects(call("run_bash", { code: "true", timeout_seconds: 0 }), (err) => {
    assert.ok(err instanceof McpError, String(err));
    assert.match(err.message, /timeout_seconds/);
    return true;
  });
  await assert.rejects(call("run", { runtime: "ruby", code: "puts 1" }), /not allowed/);
  say("bad calls are refused naming the field");

  const started = Date.now();
  const spin = call("run_python", { code: "while True:\n    pass\n", timeout_seconds: 2 });
  await sleep(200);
  const quick = await bash("echo quick");
  const quickMs = Date.now() - started;
  const spun = resultOf(await spin);
  assert.equal(quick.stdout, "quick\n");
  assert.deepEqual([spun.phase, spun.reason], ["Timeout", "Timeout"]);
  assert.ok(quickMs < 1500, `the quick call waited for the hostile one (${quickMs} ms)`);
  say(`a spinning call times out while another returns in ${quickMs} ms`);

  const outs = await Promise.all([...Array(8).keys()].map((i) => bash(`echo ${i}`)));
  assert.deepEqual(
    outs.map((r) => r.stdout),
    [...Array(8).keys()].map((i) => `${i}\n`),
  );
  say("8 concurrent calls each get their own result");

  await bash("echo mine > notes.txt", { session: "ts-a" });
  assert.equal((await bash("cat notes.txt", { session: "ts-a" })).stdout, "mine\n");
  const other = await bash("ls; cat notes.txt", { session: "ts-b" });
  assert.deepEqual([other.stdout, other.exit_code !== 0], ["main.sh\n", true]);
  const ended = resultOf(await call("end_session", { session: "ts-a" }));
  assert.equal(ended.ended, true);
  assert.equal((await bash("ls", { session: "ts-a" })).stdout, "main.sh\n");
  say("sessions keep files between their calls, apart from each other, until end_session");

  const made = await bash('echo "from ts" > "$KRUNTIME_ARTIFACTS_DIR/note.txt"');
  assert.deepEqual(made.artifacts.map((a) => a.name), ["note.txt"]);
  const { contents } = await client.readResource({ uri: made.artifacts[0].uri });
  assert.equal(contents[0].text, "from ts\n");
  const { resources } = await client.listResources();
  assert.ok(resources.some((r) => r.uri === made.artifacts[0].uri));
  await assert.rejects(client.readResource({ uri: "file:///etc/passwd" }), /not an artifact this server keeps/);
  say("artifacts are listed and read as resources");

  const flow = resultOf(
    await call("run_workflow", {
      spec: {
        steps: [
          { id: "one", runtime: "bash", source: { inline: 'echo "n=20" > $KRUNTIME_OUTPUTS' } },
          { id: "two", needs: ["one"], runtime: "python", entrypoint: "two.py", args: ["${{ steps.one.outputs.n }}"],
            source: { inline: "import sys\nprint(int(sys.argv[1]) + 1)\n" } },
        ],
      },
    }),
  );
  assert.equal(flow.phase, "Succeeded", JSON.stringify(flow));
  assert.equal(flow.stdout, "[two] 21\n");
  say("run_workflow passes a step's outputs to the next");

  const abandon = new AbortController();
  const slow = call("run_python", { code: "import time\ntime.sleep(30)\n", timeout_seconds: 60 }, {
    signal: abandon.signal,
  });
  await sleep(500);
  assert.equal(workspaces().length, 1, JSON.stringify(workspaces()));
  abandon.abort();
  await assert.rejects(slow);
  const deadline = Date.now() + 5000;
  while (workspaces().length && Date.now() < deadline) await sleep(50);
  assert.deepEqual(workspaces(), []);
  say("an abandoned call is cancelled and its workspace removed");
}

async function overStdio() {
  const client = new Client({ name: "kruntimes-tests", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({ command: krt, args: serverArgs, env: serverEnv, stderr: "inherit" }),
  );
  await checks(client);
  await client.close();
}

async function overHttp() {
  transportName = "http";
  const token = randomBytes(16).toString("hex");
  const server = spawn(krt, [...serverArgs, "--listen", "127.0.0.1:0"], {
    env: { ...serverEnv, KRT_MCP_TOKEN: token },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: server.stderr });
      lines.on("line", (line) => {
        const found = /serving MCP at (http:\/\/\S+)/.exec(line);
        if (found) resolve(found[1]);
      });
      server.on("exit", () => reject(new Error("krt mcp --listen exited before serving")));
    });
    const request = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };
    for (const headers of [{}, { Authorization: `Bearer ${"0".repeat(32)}` }]) {
      const answer = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(request),
      });
      assert.equal(answer.status, 401);
    }
    say("requests without the bearer token are refused (401)");
    const client = new Client({ name: "kruntimes-tests", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    await checks(client);
    await client.close();
  } finally {
    server.kill("SIGTERM");
  }
  assert.equal(await exited, 0);
  say("SIGTERM stops the HTTP server");
}

await overStdio();
await overHttp();
