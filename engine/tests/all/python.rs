//! The built-in python runtime: real Python scripts through the engine, each in a fresh CPython 3.14 instance.
//!
//! Needs `cargo xtask build-guests` (it builds `runtimes/target/builtins/python`).

use std::time::Duration;

use kruntimes_engine::{Reason, RunPhase, RuntimeLimits, RuntimePolicy};
use tokio::net::TcpListener;

use crate::guests::{PYTHON, PYTHON_DATEUTIL, builtins_dir};
use crate::harness::{Finished, Host};

async fn py_source(host: &Host, source: &str, args: &[&str]) -> Finished {
    host.run(PYTHON)
        .source("main.py", source)
        .args(args)
        .finish()
        .await
}

async fn py_args(host: &Host, args: &[&str]) -> Finished {
    host.run(PYTHON).args(args).finish().await
}

fn assert_ok(run: &Finished) {
    assert_eq!(
        run.result(),
        "Succeeded/Completed",
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
}

/// An entrypoint runs as `python main.py args...`: `sys.argv`, `__name__`, `__file__`, the script's directory on
/// `sys.path`, the working directory and an environment made of the Run's variables only (nothing captured when
/// the interpreter was snapshotted at build time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_sees_argv_name_cwd_and_only_the_runs_environment() {
    let host = Host::new().await;
    let run = host
        .run(PYTHON)
        .source(
            "main.py",
            "import os, sys\n\
             print(__name__, sys.argv, __file__)\n\
             print(os.getcwd(), sys.path[0])\n\
             print(sorted(os.environ))\n\
             print(os.environ['GREETING'], os.getenv('HOME'))\n",
        )
        .args(&["a b", "--flag"])
        .env("GREETING", "héllo")
        .finish()
        .await;
    assert_ok(&run);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "__main__ ['main.py', 'a b', '--flag'] /workspace/main.py",
            "/workspace /workspace",
            "['GREETING', 'HOME', 'KRUNTIME_ARTIFACTS_DIR', 'KRUNTIME_OUTPUTS', 'PWD']",
            "héllo /workspace",
        ]
    );
}

/// `sys.exit(n)` is the exit code; `sys.exit("message")` prints it and exits 1; falling off the end is 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_exit_sets_the_exit_code() {
    let host = Host::new().await;
    for (code, phase, exit) in [
        ("import sys; sys.exit(3)", RunPhase::Failed, 3),
        ("raise SystemExit(255)", RunPhase::Failed, 255),
        ("import sys; sys.exit(0)", RunPhase::Succeeded, 0),
        ("import sys; sys.exit(None)", RunPhase::Succeeded, 0),
        ("import sys; sys.exit(True)", RunPhase::Failed, 1),
        ("pass", RunPhase::Succeeded, 0),
    ] {
        let run = py_args(&host, &["-c", code]).await;
        assert_eq!(run.outcome.phase, phase, "{code}: {}", run.stderr);
        assert_eq!(run.outcome.exit_code, Some(exit), "{code}");
    }
    let run = py_args(&host, &["-c", "import sys; sys.exit('bad input: x')"]).await;
    assert_eq!(run.outcome.exit_code, Some(1));
    assert_eq!(run.stderr, "bad input: x\n");
    assert_eq!(run.outcome.reason, Reason::ExitCode);
}

/// An uncaught exception prints the traceback (the user's frames and source lines, none of the runner's) on
/// stderr and exits 1; the failure message quotes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncaught_exception_prints_traceback_and_exits_1() {
    let host = Host::new().await;
    let run = py_source(
        &host,
        "def parse(x):\n    return int(x)\n\nparse('forty-two')\n",
        &[],
    )
    .await;
    assert_eq!(run.result(), "Failed/ExitCode");
    assert_eq!(run.outcome.exit_code, Some(1));
    assert_eq!(
        run.stderr,
        "Traceback (most recent call last):\n  \
         File \"/workspace/main.py\", line 4, in <module>\n    parse('forty-two')\n    ~~~~~^^^^^^^^^^^^^\n  \
         File \"/workspace/main.py\", line 2, in parse\n    return int(x)\n\
         ValueError: invalid literal for int() with base 10: 'forty-two'\n"
    );
    assert!(
        run.outcome.message.contains("ValueError: invalid literal"),
        "{}",
        run.outcome.message
    );
}

/// `python -c CODE args` and `python -m MODULE args` work like the real command line; bad options exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_c_and_dash_m_forms() {
    let host = Host::new().await;
    let run = py_args(&host, &["-c", "import sys; print(sys.argv)", "x", "-y"]).await;
    assert_ok(&run);
    assert_eq!(run.stdout, "['-c', 'x', '-y']\n");

    let run = py_args(&host, &["-u", "-B", "-c", "print(__name__)"]).await;
    assert_ok(&run);
    assert_eq!(run.stdout, "__main__\n");

    let run = py_args(&host, &["-m", "calendar", "2026", "2"]).await;
    assert_ok(&run);
    assert!(run.stdout.contains("February 2026"), "{}", run.stdout);
    assert!(run.stdout.contains("23 24 25 26 27 28"), "{}", run.stdout);

    let run = py_args(&host, &["-m", "no_such_module"]).await;
    assert_eq!(run.outcome.exit_code, Some(1));
    assert!(
        run.stderr
            .starts_with("python: No module named no_such_module"),
        "{}",
        run.stderr
    );

    let run = py_args(&host, &["-Z"]).await;
    assert_eq!(run.outcome.exit_code, Some(2));
    assert!(run.stderr.starts_with("Unknown option: -Z\nusage: python"));

    let run = py_args(&host, &["missing.py"]).await;
    assert_eq!(run.outcome.exit_code, Some(2));
    assert!(
        run.stderr
            .starts_with("python: can't open file '/workspace/missing.py': [Errno 44]"),
        "{}",
        run.stderr
    );

    let run = py_args(&host, &["--version"]).await;
    assert_ok(&run);
    assert!(run.stdout.starts_with("Python 3.14."), "{}", run.stdout);
}

/// stdin is empty: `input()` raises EOFError and `sys.stdin.read()` returns "". With no program at all, the
/// (empty) stdin is the program.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_is_empty() {
    let host = Host::new().await;
    let run = py_args(
        &host,
        &[
            "-c",
            "import sys\nprint(repr(sys.stdin.read()))\ntry:\n    input()\nexcept EOFError:\n    print('EOF')",
        ],
    )
    .await;
    assert_ok(&run);
    assert_eq!(run.stdout, "''\nEOF\n");
    let run = py_args(&host, &[]).await;
    assert_ok(&run);
    assert_eq!(run.stdout, "");
}

/// The stdlib modules scripts use most are preloaded and work; others import from the read-only stdlib mount.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_library_works() {
    let host = Host::new().await;
    let script = r#"
import argparse, base64, collections, csv, dataclasses, datetime, decimal, fractions, functools, hashlib
import io, itertools, json, logging, pathlib, random, re, statistics, string, sys, tempfile, textwrap
import typing, unittest, uuid

@dataclasses.dataclass
class Point:
    x: int
    y: int

assert json.loads(json.dumps({"a": [1, 2.5, None]})) == {"a": [1, 2.5, None]}
assert re.sub(r"(\d+)", r"<\1>", "a1b22") == "a<1>b<22>"
p = pathlib.Path("data/out.txt"); p.parent.mkdir(); p.write_text("x,y\n1,2\n")
assert list(csv.DictReader(p.open())) == [{"x": "1", "y": "2"}]
assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2}
assert datetime.date(2026, 11, 21).isoformat() == "2026-11-21"
assert datetime.datetime.now().year >= 2025
assert collections.Counter("abca").most_common(1) == [("a", 2)]
assert list(itertools.pairwise([1, 2, 3])) == [(1, 2), (2, 3)]
assert functools.reduce(lambda a, b: a * b, range(1, 6)) == 120
assert typing.get_type_hints(Point) == {"x": int, "y": int}
assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf")
assert base64.b64decode(base64.b64encode(b"\x00\xff")) == b"\x00\xff"
assert textwrap.shorten("hello brave new world", 12) == "hello [...]"
assert string.Template("$a!").substitute(a="hi") == "hi!"
assert statistics.median([3, 1, 2]) == 2
assert decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3")
assert fractions.Fraction(1, 3) * 3 == 1
assert 0 <= random.random() < 1 and uuid.uuid4().version == 4
ns = argparse.ArgumentParser().add_argument("--n", type=int) and None
parser = argparse.ArgumentParser(); parser.add_argument("--n", type=int)
assert parser.parse_args(["--n", "5"]).n == 5
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
logging.info("logged")
fd, tmp = tempfile.mkstemp(); assert tmp.startswith("/workspace/"), tmp
with tempfile.TemporaryDirectory() as d: assert d.startswith("/workspace/"), d

class T(unittest.TestCase):
    def test_ok(self): self.assertEqual(1 + 1, 2)
result = unittest.TextTestRunner(stream=io.StringIO()).run(unittest.defaultTestLoader.loadTestsFromTestCase(T))
assert result.wasSuccessful()

import email.mime.text, http.client, xml.dom.minidom, wave, mailbox
assert email.mime.text.MIMEText("hi")["Content-Type"].startswith("text/plain")
assert xml.dom.minidom.parseString("<a><b/></a>").documentElement.tagName == "a"
# Not preloaded: imported from the read-only mount at run time, from its precompiled .pyc.
assert "pydoc_data.topics" not in sys.modules
import pydoc_data.topics
assert pydoc_data.topics.__file__ == "/python/pydoc_data/topics.py", pydoc_data.topics.__file__
assert pydoc_data.topics.__cached__.endswith(".cpython-314.pyc")
print("ok")
"#;
    let run = py_source(&host, script, &[]).await;
    assert_ok(&run);
    assert_eq!(run.stdout, "ok\n");
    assert_eq!(run.stderr, "INFO logged\n");
}

/// Every module of the shipped standard library imports, except those that need what WebAssembly/WASI does not
/// have (listed here with the reason); those fail with a Python exception, not a trap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stdlib_module_imports() {
    // Modules that cannot import in this runtime, and why: each must fail with ImportError, never trap.
    const CANNOT: &[(&str, &str)] = &[
        ("ctypes", "no _ctypes: no native code loading"),
        ("ssl", "no _ssl: no TLS"),
        ("lzma", "no _lzma"),
        ("bz2", "no _bz2"),
        ("compression.bz2", "no _bz2"),
        ("compression.lzma", "no _lzma"),
        ("compression.zstd", "no _zstd"),
        ("encodings.bz2_codec", "no _bz2"),
        ("encodings.mbcs", "Windows only"),
        ("encodings.oem", "Windows only"),
        ("concurrent.interpreters", "no subinterpreters"),
        ("concurrent.futures.interpreter", "no subinterpreters"),
        ("curses", "no _curses: no terminal"),
        ("readline", "no terminal"),
        ("tkinter", "no _tkinter: no GUI"),
        ("turtle", "no _tkinter: no GUI"),
        ("dbm.gnu", "no _gdbm"),
        ("dbm.ndbm", "no _dbm"),
        ("pty", "no termios: no terminal"),
        ("tty", "no termios: no terminal"),
        ("asyncio.tools", "no _remote_debugging"),
        ("asyncio.windows_events", "Windows only"),
        ("asyncio.windows_utils", "Windows only"),
    ];
    // Packages whose modules need a terminal, a GUI or processes: each module may import or raise.
    const PARTLY: &[&str] = &["_pyrepl", "idlelib", "turtledemo", "multiprocessing"];
    let root = builtins_dir().join("python/root/python");
    let mut modules = Vec::new();
    collect_modules(&root, &root, &mut modules);
    modules.sort();
    assert!(modules.len() > 400, "only {} modules found", modules.len());
    let script = format!(
        "import importlib\n\
         MODULES = {modules:?}\n\
         CANNOT = {cannot:?}\n\
         PARTLY = {partly:?}\n\
         print(len(MODULES))\n\
         for m in MODULES:\n\
         \x20   if m.split('.')[-1] == '__main__' or m in ('this', 'antigravity') or m.startswith(('test.', '__phello__', 'idlelib.idle_test')):\n\
         \x20       continue\n\
         \x20   cannot = any(m == c or m.startswith(c + '.') for c in CANNOT)\n\
         \x20   partly = any(m == p or m.startswith(p + '.') for p in PARTLY)\n\
         \x20   try:\n\
         \x20       importlib.import_module(m)\n\
         \x20       if cannot: print('IMPORTED', m)\n\
         \x20   except ImportError as e:\n\
         \x20       if not (cannot or partly): print('FAILED', m, e)\n\
         \x20   except BaseException as e:\n\
         \x20       if not partly: print('FAILED', m, type(e).__name__, e)\n",
        modules = modules,
        cannot = CANNOT.iter().map(|(m, _)| *m).collect::<Vec<_>>(),
        partly = PARTLY,
    );
    let run = host_run_long(&script).await;
    assert_ok(&run);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some(modules.len().to_string().as_str()));
    let unexpected: Vec<&str> = lines.collect();
    assert!(
        unexpected.is_empty(),
        "{} modules broke the expectation:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

async fn host_run_long(script: &str) -> Finished {
    let host = Host::new().await;
    host.run(PYTHON)
        .source("main.py", script)
        .timeout(Duration::from_secs(50))
        .finish()
        .await
}

fn collect_modules(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path.strip_prefix(root).unwrap();
        let name = rel.with_extension("");
        let parts: Vec<&str> = name.iter().map(|p| p.to_str().unwrap()).collect();
        if !parts.iter().all(|p| is_identifier(p)) {
            continue;
        }
        if path.is_dir() {
            if path.join("__init__.py").exists() {
                out.push(parts.join("."));
            }
            collect_modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "py") && parts.last() != Some(&"__init__") {
            out.push(parts.join("."));
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What WASI cannot do fails as a clear Python exception the script can catch: processes, threads, TLS,
/// sockets without a grant, files outside the workspace, writes to the read-only stdlib.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_features_raise_python_exceptions() {
    let host = Host::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        r#"
import os, socket, subprocess, threading
def attempt(name, f):
    try:
        f()
        print(name, "ALLOWED")
    except BaseException as e:
        print(name, type(e).__name__, str(e))
attempt("subprocess", lambda: subprocess.run(["ls"]))
attempt("thread", lambda: threading.Thread(target=print).start())
attempt("ssl", lambda: __import__("ssl"))
attempt("connect", lambda: socket.socket().connect(("127.0.0.1", {port})))
attempt("resolve", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2))
attempt("lookup", lambda: socket.getaddrinfo("example.com", 80))
try:
    socket.getaddrinfo("example.com", 80)
except socket.gaierror:
    print("lookup caught as gaierror")
attempt("etc", lambda: open("/etc/passwd").read())
attempt("up", lambda: open("../escape.txt", "w"))
attempt("stdlib-write", lambda: open("/python/json/__init__.py", "a"))
attempt("stdlib-read", lambda: open("/python/json/__init__.py").read(10))
"#
    );
    let run = py_source(&host, &script, &[]).await;
    assert_ok(&run);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "subprocess OSError [Errno 58] wasi does not support processes.",
            "thread RuntimeError can't start new thread",
            "ssl ModuleNotFoundError No module named '_ssl': TLS (ssl) is not available in the kruntimes Python \
             runtime (CPython on WebAssembly/WASI has no such native module)",
            "connect PermissionError [Errno 2] sockets are not allowed in this Run: it has no network grant \
             (host:port rules in its Runtime's spec.capabilities.network)",
            "resolve PermissionError [Errno 2] sockets are not allowed in this Run: it has no network grant \
             (host:port rules in its Runtime's spec.capabilities.network)",
            "lookup NetworkNotGranted [Errno 2] name lookup of 'example.com' is not allowed in this Run: it needs a \
             network grant naming the host (host:port rules in its Runtime's spec.capabilities.network)",
            "lookup caught as gaierror",
            "etc FileNotFoundError [Errno 44] No such file or directory: '/etc/passwd'",
            "up PermissionError [Errno 63] Operation not permitted: '../escape.txt'",
            "stdlib-write PermissionError [Errno 63] Operation not permitted: '/python/json/__init__.py'",
            "stdlib-read ALLOWED",
        ],
        "stderr: {}",
        run.stderr
    );
    assert!(
        !host.dir().join("workspaces/escape.txt").exists(),
        "wrote outside the workspace"
    );
}

/// With a rule naming only an address, Python resolves that address without a lookup (the host allows none
/// without a rule naming a host) and connects; a port no rule covers is refused naming the missing grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_rule_lets_python_connect_and_names_what_it_refuses() {
    use tokio::io::AsyncReadExt as _;

    let host = Host::new().await;
    let allowed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = allowed.local_addr().unwrap().port();
    let other_port = other.local_addr().unwrap().port();
    let policy = RuntimePolicy {
        limits: RuntimeLimits::default(),
        capabilities: kruntimes_engine::RuntimeCapabilities {
            network: vec![format!("127.0.0.1:{port}")],
            ..kruntimes_engine::RuntimeCapabilities::default()
        },
    };
    let accept = tokio::spawn(async move {
        let (mut socket, _) = allowed.accept().await.unwrap();
        let mut line = String::new();
        socket.read_to_string(&mut line).await.unwrap();
        line
    });
    let script = format!(
        r#"
import socket
with socket.create_connection(("127.0.0.1", {port}), timeout=5) as s:
    s.sendall(b"ping\n")
print("connected")
try:
    socket.create_connection(("127.0.0.1", {other_port}), timeout=5)
except PermissionError as e:
    print(e)
"#
    );
    let run = host
        .run(PYTHON)
        .policy("python-127", policy)
        .source("main.py", &script)
        .finish()
        .await;
    assert_ok(&run);
    assert_eq!(accept.await.unwrap(), "ping\n");
    assert_eq!(
        run.stdout,
        format!(
            "connected\n[Errno 2] connecting to ('127.0.0.1', {other_port}) is not allowed in this Run: no network \
             grant covers it (host:port rules in its Runtime's spec.capabilities.network)\n"
        )
    );
}

/// Outputs from the `$KRUNTIME_OUTPUTS` file and from the `kruntimes` helper are merged; the helper rejects a bad
/// key with an exception naming the rule, without failing the Run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_from_file_and_helper() {
    let host = Host::new().await;
    let script = r#"
import os, kruntimes
with open(os.environ["KRUNTIME_OUTPUTS"], "a") as f:
    f.write("from_file=1\nshared=file\n")
kruntimes.set_output("rows", 42)
kruntimes.set_output("shared", "helper")
try:
    kruntimes.set_output("bad key", "x")
except kruntimes.OutputError as e:
    print("refused:", e)
kruntimes.log("info", "not on stdout")
print(kruntimes.artifacts_dir())
"#;
    let run = py_source(&host, script, &[]).await;
    assert_ok(&run);
    let outputs: Vec<(&str, &str)> = run
        .outcome
        .outputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        outputs,
        [("from_file", "1"), ("rows", "42"), ("shared", "helper")]
    );
    let mut lines = run.stdout.lines();
    let refused = lines.next().unwrap();
    assert!(
        refused.starts_with("refused: key must match ^[A-Za-z_][A-Za-z0-9_.-]*$"),
        "{refused}"
    );
    assert_eq!(lines.next(), Some("/workspace/.kruntimes/artifacts"));
}

/// Files written in the workspace persist through the Run and are the host's to read afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_file_io() {
    let host = Host::new().await;
    let run = py_source(
        &host,
        "import os, shutil\n\
         os.makedirs('a/b')\n\
         open('a/b/f.txt', 'w').write('data')\n\
         shutil.copy('a/b/f.txt', 'g.txt')\n\
         os.rename('g.txt', 'h.txt')\n\
         print(sorted(os.listdir('.')), open('/workspace/h.txt').read())\n",
        &[],
    )
    .await;
    assert_ok(&run);
    assert_eq!(run.stdout, "['.kruntimes', 'a', 'h.txt', 'main.py'] data\n");
    let ws = host.workspace_path(&run.id);
    assert_eq!(std::fs::read_to_string(ws.join("h.txt")).unwrap(), "data");
}

/// Each Run is a fresh interpreter: module state set by one Run is not seen by the next, and random seeds differ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_run_is_a_fresh_interpreter() {
    let host = Host::new().await;
    let code = "import json, random, sys\n\
                print(hasattr(json, 'leak'), 'mine' in sys.modules, random.random())\n\
                json.leak = 1\n\
                sys.modules['mine'] = json\n";
    let a = py_args(&host, &["-c", code]).await;
    let b = py_args(&host, &["-c", code]).await;
    assert_ok(&a);
    assert_ok(&b);
    assert!(a.stdout.starts_with("False False "), "{}", a.stdout);
    assert!(b.stdout.starts_with("False False "), "{}", b.stdout);
    assert_ne!(a.stdout, b.stdout, "both Runs drew the same random numbers");
}

/// Allocating beyond the Run's memory limit raises MemoryError in Python; the Run fails OutOfMemory naming the
/// limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limit_raises_memory_error() {
    let host = Host::new().await;
    let mut policy = PYTHON.default_policy();
    policy.limits = RuntimeLimits {
        memory_bytes: Some(64 << 20),
        ..RuntimeLimits::default()
    };
    let run = host
        .run(PYTHON)
        .policy("python-64mib", policy)
        .args(&[
            "-c",
            "chunks = []\ntry:\n    while True: chunks.append(bytearray(1 << 20))\nexcept MemoryError:\n    \
             n = len(chunks); chunks.clear(); print('MemoryError after', n, 'MiB'); raise",
        ])
        .finish()
        .await;
    assert_eq!(run.result(), "Failed/OutOfMemory", "{}", run.stderr);
    assert!(
        run.stdout.starts_with("MemoryError after"),
        "{}",
        run.stdout
    );
    assert!(
        run.outcome
            .message
            .contains("memory limit of 64 MiB exceeded"),
        "{}",
        run.outcome.message
    );
}

/// A busy loop and a long `time.sleep` both end at the deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_end_busy_loops_and_sleeps() {
    let host = Host::new().await;
    for code in ["while True: pass", "import time; time.sleep(3600)"] {
        let run = host
            .run(PYTHON)
            .args(&["-c", code])
            .timeout(Duration::from_millis(300))
            .finish()
            .await;
        assert_eq!(run.result(), "Timeout/Timeout", "{code}: {}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{code}: {:?}",
            run.elapsed
        );
    }
}

/// A program can read its own source through `inspect` and `linecache` (tracebacks need it), and `__file__` of an
/// entrypoint in a subdirectory puts that directory first on `sys.path`, so sibling modules import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subdirectory_entrypoint_imports_sibling_modules() {
    let host = Host::new().await;
    let run = host
        .run(PYTHON)
        .source(
            "tools/main.py",
            "import os, sys\n\
             open(os.path.join(os.path.dirname(__file__), 'helper.py'), 'w').write('VALUE = 7\\n')\n\
             import helper\n\
             print(sys.path[0], helper.VALUE)\n",
        )
        .finish()
        .await;
    assert_ok(&run);
    assert_eq!(run.stdout, "/workspace/tools 7\n");
}

/// The Runtime's policy (mounts, limits) is what the Run reports as granted.
#[test]
fn python_runtime_mounts_its_standard_library() {
    let policy: RuntimePolicy = PYTHON.default_policy();
    let mounts: Vec<&str> = policy
        .capabilities
        .mounts
        .iter()
        .map(|m| m.guest_path.as_str())
        .collect();
    assert_eq!(mounts, ["/python"]);
}

/// A custom Python runtime built with `cargo xtask python-runtime` from local wheels
/// (`runtimes/examples/python-dateutil`) imports its bundled packages, submodules included; the built-in one
/// does not have them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundled_pure_python_packages_import() {
    let host = Host::new().await;
    let script = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../runtimes/examples/python-dateutil/next_friday.py"),
    )
    .unwrap();
    let run = host
        .run(PYTHON_DATEUTIL)
        .source("main.py", &script)
        .args(&["2026-12-24"])
        .finish()
        .await;
    assert_ok(&run);
    assert_eq!(run.stdout, "2026-12-25\n");

    let run = py_args(&host, &["-c", "import dateutil"]).await;
    assert_eq!(run.outcome.exit_code, Some(1));
    assert!(
        run.stderr.contains("No module named 'dateutil'"),
        "{}",
        run.stderr
    );
}
