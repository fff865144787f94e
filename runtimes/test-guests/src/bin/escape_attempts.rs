//! Tries to reach outside its sandbox and prints one line per attempt: `attempt <name>: denied: <error>` or
//! `attempt <name>: ALLOWED`. Exits 0 only if every attempt was denied.
//!
//! `escape_attempts [port]`: the TCP attempt connects to 127.0.0.1:<port> (default 1), so a test can listen there
//! and check that no connection arrives.

use std::io::Read;
use std::net::TcpStream;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let mut allowed = 0;
    let mut attempt = |name: &str, result: std::io::Result<()>| match result {
        Ok(()) => {
            println!("attempt {name}: ALLOWED");
            allowed += 1;
        }
        Err(err) => println!("attempt {name}: denied: {err}"),
    };

    attempt(
        "write-absolute-outside",
        std::fs::write("/etc/kruntimes-escape", "x"),
    );
    attempt(
        "write-dotdot-from-workspace",
        std::fs::write("/workspace/../kruntimes-escape.txt", "x"),
    );
    attempt(
        "write-relative-dotdot",
        std::fs::write("../kruntimes-escape.txt", "x"),
    );
    attempt("read-etc-passwd", std::fs::read("/etc/passwd").map(drop));
    attempt(
        "read-proc-environ",
        std::fs::read("/proc/self/environ").map(drop),
    );
    // With the workspace also preopened as ".", wasi-libc resolves "/" to the workspace; what must never show up
    // is the host's root.
    attempt("list-host-root", list_host_root());
    attempt(
        "symlink-absolute",
        test_guests::symlink("/etc", "/workspace/etc-link"),
    );
    // Creating `up -> ..` may succeed on the host (the link is only text); following it must not.
    let _ = test_guests::symlink("..", "/workspace/up");
    attempt(
        "read-through-up-symlink",
        std::fs::read_dir("/workspace/up").map(drop),
    );
    attempt(
        "write-through-up-symlink",
        std::fs::write("/workspace/up/kruntimes-escape.txt", "x"),
    );
    attempt(
        "rename-out",
        std::fs::write("/workspace/inside.txt", "x").and_then(|()| {
            std::fs::rename(
                "/workspace/inside.txt",
                "/workspace/../kruntimes-escape.txt",
            )
        }),
    );
    attempt(
        "tcp-connect-loopback",
        TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| s.read(&mut [0u8; 1]).map(drop)),
    );

    println!("escape attempts allowed: {allowed}");
    std::process::exit(if allowed == 0 { 0 } else { 1 });
}

/// Succeeds only if `/` shows host directories.
fn list_host_root() -> std::io::Result<()> {
    let names: Vec<String> = std::fs::read_dir("/")?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    if names
        .iter()
        .any(|n| matches!(n.as_str(), "etc" | "proc" | "usr" | "bin" | "root"))
    {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "`/` is not the host root: [{}]",
            names.join(",")
        )))
    }
}
