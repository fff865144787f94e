//! `krt mcp` driven by independent clients: the official TypeScript SDK (`tests/mcp/client.mjs`) and the official
//! Python SDK (`mcp` in `.venv`, `tests/mcp/client.py`) each run the real `krt` binary over stdio and over
//! streamable HTTP and check the tools on both: listing with the Run API's limits, results, files, outputs, bounded
//! output, isolation between calls, refusals naming the field, a hostile call timing out while another returns,
//! concurrent calls, an abandoned call cancelled with its workspace removed, sessions (persistence, isolation, size
//! limit, `end_session`, TTL), the bearer token.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::PathBuf;

/// The official TypeScript SDK (`@modelcontextprotocol/sdk`, installed in `tests/mcp/node_modules`), on both
/// transports (`tests/mcp/client.mjs`).
#[test]
fn the_typescript_mcp_sdk_drives_the_tools_over_stdio_and_http() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mcp");
    assert!(
        dir.join("node_modules/@modelcontextprotocol/sdk").is_dir(),
        "the TypeScript MCP SDK is missing: run `cargo xtask test` (or `npm ci` in {})",
        dir.display()
    );
    let mut node = std::process::Command::new("node");
    node.arg(dir.join("client.mjs")).current_dir(&dir);
    let (stdout, stderr) = drive(node);
    assert!(
        !stderr.contains("unknown format"),
        "the SDK's schema validator warned:\n{stderr}"
    );
    for transport in ["stdio", "http"] {
        for check in [
            "run_bash returns exit code",
            "bad calls are refused naming the field",
            "a spinning call times out",
            "8 concurrent calls",
            "sessions keep files between their calls",
            "run_workflow passes a step's outputs to the next",
            "artifacts are listed and read as resources",
            "an abandoned call is cancelled",
        ] {
            let line = format!("ok [{transport}]: {check}");
            assert!(stdout.contains(&line), "{line:?} missing:\n{stdout}");
        }
    }
    assert!(stdout.contains("ok [http]: requests without the bearer token are refused (401)"));
    eprintln!("{stdout}");
}

#[test]
fn the_python_mcp_sdk_drives_the_tools_over_stdio_and_http() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask test` (or create .venv from tools/requirements.txt)",
        python.display()
    );
    let mut client = std::process::Command::new(python);
    client.arg(root.join("cli/tests/mcp/client.py"));
    let (stdout, _) = drive(client);
    for transport in ["stdio", "http"] {
        for check in [
            "run_bash returns exit code",
            "every call starts from an empty workspace",
            "a spinning call times out",
            "8 concurrent calls",
            "an abandoned call is cancelled",
            "a session's files persist between its calls",
            "no other session and no stateless call can read a session's files",
            "a session over its size limit is ended",
            "run_workflow runs steps in order of needs",
            "artifacts come back with the result and as resources",
        ] {
            let line = format!("ok [{transport}]: {check}");
            assert!(stdout.contains(&line), "{line:?} missing:\n{stdout}");
        }
    }
    for check in [
        "ok [stdio]: an idle session expires after its TTL",
        "ok [http]: requests without the bearer token are refused (401)",
        "ok [http]: SIGTERM stops the HTTP server; nothing is left",
    ] {
        assert!(stdout.contains(check), "{check:?} missing:\n{stdout}");
    }
    eprintln!("{stdout}");
}

/// Runs a client script with its arguments `KRT BUILTINS CACHE_HOME TMPDIR`; asserts it succeeded and returns its
/// stdout and stderr.
fn drive(mut client: std::process::Command) -> (String, String) {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("krt-cache");
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let output = client
        .arg(env!("CARGO_BIN_EXE_krt"))
        .arg(common::builtins())
        .arg(&cache)
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = common::text(&output.stdout);
    let stderr = common::text(&output.stderr);
    assert!(
        output.status.success(),
        "{:?} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        client.get_args().next(),
        output.status
    );
    (stdout, stderr)
}
