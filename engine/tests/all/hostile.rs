//! Hostile and exhausting Runs: each case asserts how the Run ends and that the host, and the Runs beside it, are
//! unaffected. Each case here reproduces a way a guest used to crash the host or break an innocent Run.

use std::time::Duration;

use kruntimes_engine::{Engine, EngineConfig, RunPhase};

use crate::guests::{BASH, PYTHON};
use crate::harness::{Finished, Host};

/// The Run beside a hostile one succeeded, printing `stdout` if given.
fn assert_succeeded_with(run: &Finished, stdout: Option<&str>) {
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    if let Some(stdout) = stdout {
        assert_eq!(run.stdout, stdout);
    }
}

/// A guest nests directories 20,000 deep by renaming (deeper than any `mkdir` path could name): the Run
/// succeeds, forgetting it removes the whole tree, and the process is still here. Removal used to recurse one
/// stack frame and one descriptor per level, overflowed the reaper thread's stack and aborted the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_nested_20000_deep_is_removed_and_the_host_survives() {
    let host = Host::new().await;
    let run = host
        .run(PYTHON)
        .source(
            "main.py",
            "import os\nos.mkdir('t')\nfor _ in range(20000):\n    os.mkdir('n')\n    os.rename('t', 'n/t')\n    \
             os.rename('n', 't')\nprint('nested')\n",
        )
        .timeout(Duration::from_secs(50))
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "nested\n");
    let workspace = host.workspace_path(&run.id);
    assert!(workspace.join("t/t/t/t").is_dir());
    host.manager.forget(&run.id).await.unwrap();
    assert!(!workspace.exists(), "the workspace is removed");
}

/// One Run keeps a 16-stage pipeline of `sleep` alive on a pod with 2 Runs and 4 instances: its spawns beyond the
/// 2 instances kept for children fail with a message naming the pool, and a second Run still starts and
/// succeeds. The children used to take the instance the second Run needed (`InstantiateFailed: maximum
/// concurrent limit of ... component instances reached`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_of_one_run_never_take_another_runs_instance() {
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 2,
        instances_per_run: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    assert_eq!(engine.config().child_instances(), 2);
    let host = Host::on_engine(engine).await;
    let stages = vec!["sleep 3"; 16].join(" | ");
    let hog = host
        .run(BASH)
        .source("main.sh", &format!("{stages}\necho hog done\n"))
        .timeout(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    // Let the hog's pipeline take every instance it can.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let innocent = host
        .run(BASH)
        .source("main.sh", "echo innocent ran\n")
        .finish()
        .await;
    assert_succeeded_with(&innocent, Some("innocent ran\n"));

    let hog = hog.finish().await;
    assert_eq!(hog.outcome.phase, RunPhase::Succeeded, "{}", hog.stderr);
    assert!(
        hog.stderr.contains(
            "the 2 instances this pod keeps for spawned programs stayed in use for 1000 ms"
        ),
        "{}",
        hog.stderr
    );
    assert!(hog.stderr.contains("pool.instanceSlots"), "{}", hog.stderr);
}

/// A spawn that finds every child instance in use waits for one (up to a second) instead of failing at once: with
/// one instance for children, the second stage of `sleep 0.3 | sleep 0.3` starts when the first ends. It used to
/// fail with exit code 126, which a soak of 30,000 pipeline Runs at full capacity hit 8 times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_waits_briefly_for_a_child_instance() {
    let engine = Engine::new(EngineConfig {
        max_concurrent_runs: 1,
        instances_per_run: 2,
        ..EngineConfig::default()
    })
    .unwrap();
    assert_eq!(engine.config().child_instances(), 1);
    let host = Host::on_engine(engine).await;
    let run = host
        .run(BASH)
        .source("main.sh", "sleep 0.3 | sleep 0.3\necho both ran\n")
        .finish()
        .await;
    assert_succeeded_with(&run, Some("both ran\n"));
    assert_eq!(run.stderr, "");
}

/// A guest opens files until it cannot: it stops at the per-instance resource limit, its Run fails naming that
/// limit, and a Run beside it opens and writes its file normally. Nothing capped descriptors per Run before: such
/// a guest took the process's last descriptors and a concurrent Run's `open()` failed with EIO.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_opening_files_without_end_stops_at_its_limit_and_spares_the_others() {
    let host = Host::new().await;
    let hog = host
        .run(PYTHON)
        .source(
            "main.py",
            "fs = []\nwhile True:\n    fs.append(open('f%d' % len(fs), 'w'))\n",
        )
        .timeout(Duration::from_secs(50))
        .start()
        .await
        .unwrap();
    let innocent = host
        .run(PYTHON)
        .source(
            "main.py",
            "with open('mine', 'w') as f:\n    f.write('kept')\nprint(open('mine').read())\n",
        )
        .finish()
        .await;
    assert_succeeded_with(&innocent, Some("kept\n"));
    let hog = hog.finish().await;
    assert_eq!(hog.result(), "Failed/Trap", "{}", hog.outcome.message);
    assert!(
        hog.outcome.message.starts_with(
            "too many open resources: an instance may hold at most 1024 (a spawned program 256) open files"
        ),
        "{}",
        hog.outcome.message
    );
    // The table also holds the preopens and stdio: somewhat fewer than 1024 files were opened.
    let opened = std::fs::read_dir(host.workspace_path(&hog.id))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('f')
        })
        .count();
    assert!((900..1024).contains(&opened), "{opened} files opened");
}

/// A program whose start needs more memory than the Run has left fails to start with a message naming the Run's
/// memory limit (wasmtime's own words were "memory minimum size of 488 pages exceeds memory limits"), and the
/// shell goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_too_big_for_the_memory_left_names_the_runs_limit() {
    let host = Host::new().await;
    let run = host
        .run(BASH)
        .source("main.sh", "python3 -c 'print(1)'\necho status $?\n")
        .memory(24 << 20)
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "starting it needs more memory than is left of the Run's memory limit of 24 MiB"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("status "), "{}", run.stdout);
    assert_ne!(run.stdout, "status 0\n");
}

/// Archives with hostile members (`../escape`, `/etc/evil`, a symlink to `..` then a member through it, a symlink
/// to `/etc` then a member through it, a hard link to `/etc/passwd`), extracted without any filter by Python's
/// `tarfile` and by the bash runtime's `tar`: every file lands inside the workspace or is refused, and the host
/// has nothing new beside the workspaces or in `/etc`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archives_with_hostile_members_extract_only_inside_the_workspace() {
    const MAKE: &str = "import io, tarfile\n\
        def tar(path, members):\n\
        \x20   with tarfile.open(path, 'w') as t:\n\
        \x20       for name, kind, link in members:\n\
        \x20           info = tarfile.TarInfo(name); info.type = kind; info.linkname = link\n\
        \x20           t.addfile(info, io.BytesIO(b'') if kind == tarfile.REGTYPE else None)\n\
        F, S, H = tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE\n\
        tar('evil.tar', [('../escape', F, ''), ('/etc/evil', F, ''), ('up', S, '..'), ('up/through', F, ''), \
        ('etc', S, '/etc'), ('etc/passwd-new', F, ''), ('hard', H, '/etc/passwd'), ('ok/file', F, '')])\n";
    let host = Host::new().await;
    let python = host
        .run(PYTHON)
        .source(
            "main.py",
            &format!(
                "{MAKE}import os\n\
                 with tarfile.open('evil.tar') as t:\n\
                 \x20   for m in t.getmembers():\n\
                 \x20       try:\n\
                 \x20           t.extract(m, '/workspace', filter='fully_trusted')\n\
                 \x20           print(m.name, 'extracted')\n\
                 \x20       except Exception as e:\n\
                 \x20           print(m.name, 'refused', type(e).__name__)\n\
                 for d, dirs, files in sorted(os.walk('/workspace')):\n\
                 \x20   for n in sorted(dirs + files):\n\
                 \x20       p = os.path.join(d, n)\n\
                 \x20       if '.kruntimes' not in p and not p.endswith(('.py', '.tar')):\n\
                 \x20           print(p, 'link' if os.path.islink(p) else 'dir' if os.path.isdir(p) else 'file')\n"
            ),
        )
        .finish()
        .await;
    assert_succeeded_with(
        &python,
        Some(
            "../escape refused PermissionError\n/etc/evil extracted\nup extracted\nup/through refused \
             FileExistsError\netc extracted\netc/passwd-new extracted\nhard refused KeyError\nok/file extracted\n\
             /workspace/etc dir\n/workspace/ok dir\n/workspace/up link\n/workspace/etc/evil file\n\
             /workspace/etc/passwd-new file\n/workspace/ok/file file\n",
        ),
    );
    let bash = host
        .run(BASH)
        .source(
            "main.sh",
            &format!("python3 - <<'PY'\n{MAKE}PY\ntar -xf evil.tar; echo \"tar status $?\"\nfind . -path ./.kruntimes -prune -o -print | sort\n"),
        )
        .finish()
        .await;
    assert_succeeded_with(
        &bash,
        Some(
            "tar status 2\n.\n./etc\n./etc/passwd-new\n./evil.tar\n./main.sh\n./ok\n./ok/file\n./up\n./up/through\n",
        ),
    );
    assert!(
        bash.stderr
            .contains("../escape: Member name contains '..' or is absolute; not extracted"),
        "{}",
        bash.stderr
    );
    let root = host.workspace_path(&bash.id);
    let beside = root.parent().unwrap();
    for outside in [
        beside.join("escape"),
        beside.parent().unwrap().join("escape"),
    ] {
        assert!(!outside.exists(), "{} was created", outside.display());
    }
    for host_file in ["/etc/evil", "/etc/passwd-new", "/etc/through"] {
        assert!(
            !std::path::Path::new(host_file).exists(),
            "{host_file} was created"
        );
    }
    for run in [&python, &bash] {
        host.manager.forget(&run.id).await.unwrap();
    }
    assert!(host.manager.workspace_entries().unwrap().is_empty());
}

/// One hostile Run of the corpus: what it does, and how it must end.
struct Case {
    /// Class and intent, for the failure report.
    name: &'static str,
    /// `python` or `bash`.
    runtime: &'static str,
    source: &'static str,
    /// `phase/reason` it must end with.
    result: &'static str,
    /// What stdout must be exactly (`None`: not checked).
    stdout: Option<&'static str>,
    /// What stdout + stderr + the status message must contain.
    contains: &'static str,
    timeout_secs: u64,
}

const fn case(
    name: &'static str,
    runtime: &'static str,
    source: &'static str,
    result: &'static str,
    stdout: Option<&'static str>,
    contains: &'static str,
) -> Case {
    Case {
        name,
        runtime,
        source,
        result,
        stdout,
        contains,
        timeout_secs: 30,
    }
}

/// Python: print "denied" when `body` raises, "allowed" when it does not.
macro_rules! py_denied {
    ($body:literal) => {
        concat!(
            "import os, socket\ntry:\n    ",
            $body,
            "\n    print('allowed')\nexcept Exception as e:\n    print('denied')\n"
        )
    };
}

/// The hostile corpus: escapes, leaks, network, spawn abuse and exhaustion, each with its exact ending. After
/// all of them, a plain Run on the same host succeeds and no workspace is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_corpus_ends_as_expected_and_leaves_the_host_intact() {
    const DENIED: Option<&str> = Some("denied\n");
    let cases = [
        // Filesystem escape.
        case(
            "fs: absolute host path",
            "python",
            py_denied!("open('/etc/passwd').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: parent of the workspace",
            "python",
            py_denied!("open('../escape', 'w').write('x')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: deep parent path",
            "python",
            py_denied!("os.listdir('/workspace/../../..')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: symlink to /etc",
            "python",
            py_denied!("os.symlink('/etc', 'etc'); open('etc/passwd').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: relative symlink out",
            "python",
            py_denied!("os.symlink('../../../../etc', 'etc2'); open('etc2/passwd').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: symlink to ..",
            "python",
            py_denied!("os.symlink('..', 'up'); os.listdir('up/..')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: write into a read-only mount",
            "python",
            py_denied!("open('/usr/local/lib/pwned', 'w').write('x')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: bash reads /etc/passwd",
            "bash",
            "cat /etc/passwd && echo allowed || echo denied\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: bash cd above the workspace",
            "bash",
            "cd /workspace/../.. 2>/dev/null && ls /workspace/../.. >/dev/null 2>&1 && ls -d /root 2>/dev/null; echo done\n",
            "Succeeded/Completed",
            Some("done\n"),
            "",
        ),
        case(
            "fs: list /etc",
            "python",
            py_denied!("os.listdir('/etc')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: rename the workspace itself",
            "python",
            py_denied!("os.rename('/workspace', '/workspace2')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: NUL in a path",
            "python",
            py_denied!("open('a\\x00b', 'w')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: name over 255 bytes",
            "python",
            py_denied!("open('n' * 300, 'w')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: /proc of the host",
            "python",
            py_denied!("open('/proc/self/environ').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // Stricter than Linux: `..` above the preopen is refused even when the path comes back inside.
        case(
            "fs: .. above the root, coming back",
            "python",
            py_denied!("open('/workspace/../workspace/main.py').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: .. inside the workspace is allowed",
            "python",
            py_denied!("os.mkdir('sub'); open('sub/../main.py').read()"),
            "Succeeded/Completed",
            Some("allowed\n"),
            "",
        ),
        case(
            "fs: bash writes to /etc",
            "bash",
            "(echo x > /etc/pwned) 2>/dev/null && echo allowed || echo denied\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: bash writes into /usr",
            "bash",
            "(echo x > /usr/pwned) 2>/dev/null && echo allowed || echo denied\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: bash symlink to /",
            "bash",
            "ln -s / root 2>/dev/null; cat root/etc/passwd 2>/dev/null && echo allowed || echo denied\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: bash reads /proc",
            "bash",
            "cat /proc/self/environ 2>/dev/null && echo allowed || echo denied\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: hard link to a host file",
            "python",
            py_denied!("os.link('/etc/passwd', 'pw')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "fs: write through a symlink out",
            "python",
            py_denied!(
                "os.symlink('../../../tmp/kruntimes-pwned', 'w'); open('w', 'w').write('x')"
            ),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // wasi-libc resolves a path under no other preopen through the `.` preopen: `/evil` lands in the workspace.
        case(
            "fs: mkdir at the root lands in the workspace",
            "python",
            "import os\nos.mkdir('/evil')\nprint(os.path.isdir('/workspace/evil'))\n",
            "Succeeded/Completed",
            Some("True\n"),
            "",
        ),
        case(
            "fs: remove the workspace",
            "python",
            py_denied!("os.rmdir('/workspace')"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "leak: host name file",
            "python",
            py_denied!("open('/etc/hostname').read()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // Information leaks.
        case(
            "leak: host environment",
            "python",
            "import os\nprint(sorted(k for k in os.environ if k.startswith(('CARGO', 'RUST', 'KUBE'))))\n",
            "Succeeded/Completed",
            Some("[]\n"),
            "",
        ),
        case(
            "leak: host paths in errors",
            "python",
            "try:\n    open('/nope/x')\nexcept Exception as e:\n    print('tmp' in str(e), 'target' in str(e))\n",
            "Succeeded/Completed",
            Some("False False\n"),
            "",
        ),
        case(
            "leak: working directory",
            "python",
            "import os\nprint(os.getcwd())\n",
            "Succeeded/Completed",
            Some("/workspace\n"),
            "",
        ),
        case(
            "leak: host paths in sys.path",
            "python",
            "import sys\nprint(any('/tmp' in p or 'target' in p or '/root' in p for p in sys.path))\n",
            "Succeeded/Completed",
            Some("False\n"),
            "",
        ),
        case(
            "leak: bash environment",
            "bash",
            "env | grep -c -E '^(CARGO|RUST|KUBE)' || true\n",
            "Succeeded/Completed",
            Some("0\n"),
            "",
        ),
        // Network (this Runtime allows none).
        case(
            "net: TCP connect",
            "python",
            py_denied!("socket.create_connection(('127.0.0.1', 1), timeout=2)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: name lookup",
            "python",
            py_denied!("socket.getaddrinfo('example.com', 80)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: UDP socket",
            "python",
            py_denied!(
                "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 53))"
            ),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: IPv6 loopback",
            "python",
            py_denied!("socket.create_connection(('::1', 80), timeout=2)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: urllib to loopback",
            "python",
            py_denied!(
                "import urllib.request; urllib.request.urlopen('http://127.0.0.1:1', timeout=2)"
            ),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: listen",
            "python",
            py_denied!("s = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: cloud metadata address",
            "python",
            py_denied!("socket.create_connection(('169.254.169.254', 80), timeout=2)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "net: name lookup without rules",
            "python",
            py_denied!("socket.getaddrinfo('example.com', 80)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // An address needs no lookup (the runtime answers it without the network), but it cannot be reached.
        case(
            "net: an address resolves without rules but cannot be reached",
            "python",
            py_denied!(
                "socket.getaddrinfo('127.0.0.1', 80); socket.create_connection(('127.0.0.1', 80), timeout=2)"
            ),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // Spawn abuse.
        case(
            "spawn: unknown program",
            "bash",
            "no-such-program\necho \"status $?\"\n",
            "Succeeded/Completed",
            Some("status 127\n"),
            "",
        ),
        case(
            "spawn: /bin/sh is the sandboxed shell",
            "bash",
            "/bin/sh -c 'cat /etc/passwd 2>/dev/null || echo denied'\n",
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "spawn: runaway recursion",
            "bash",
            "f() { f; }\nf\necho \"status $?\"\n",
            "Succeeded/Completed",
            Some("status 1\n"),
            "maximum function call depth exceeded",
        ),
        // A shell fork bomb: each call recurses twice, to bash's depth limit, until the deadline.
        case(
            "spawn: fork bomb of functions",
            "bash",
            ":(){ :|:& };:\necho survived\n",
            "Timeout/Timeout",
            None,
            "maximum function call depth exceeded",
        )
        .timeout(3),
        // A fork bomb of programs: every level starts two shells, until the Run's shared memory budget refuses.
        case(
            "spawn: fork bomb of programs",
            "bash",
            "bash main.sh | bash main.sh\necho level done\n",
            "Succeeded/Completed",
            None,
            "needs more memory than is left of the Run's memory limit of 256 MiB",
        ),
        case(
            "spawn: a 40-stage pipeline",
            "bash",
            concat!(
                "sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                " | sleep 1",
                "\necho done\n"
            ),
            "Succeeded/Completed",
            Some("done\n"),
            "too many programs running at once in this Run",
        ),
        case(
            "spawn: python fork",
            "python",
            py_denied!("os.fork()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "spawn: python subprocess",
            "python",
            py_denied!("import subprocess; subprocess.run(['ls'])"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "spawn: python threads",
            "python",
            py_denied!("import threading; t = threading.Thread(target=print); t.start(); t.join()"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        case(
            "spawn: python ctypes",
            "python",
            py_denied!("import ctypes; ctypes.CDLL(None)"),
            "Succeeded/Completed",
            DENIED,
            "",
        ),
        // Exhaustion.
        case(
            "cpu: busy loop",
            "python",
            "while True:\n    pass\n",
            "Timeout/Timeout",
            None,
            "",
        )
        .timeout(2),
        case(
            "cpu: bash busy loop",
            "bash",
            "while true; do :; done\n",
            "Timeout/Timeout",
            None,
            "",
        )
        .timeout(2),
        case(
            "memory: one allocation over the limit",
            "python",
            "x = bytearray(512 << 20)\n",
            "Failed/OutOfMemory",
            None,
            "MemoryError",
        ),
        // 2 GiB: wasm32's malloc refuses it without asking the host to grow memory; the guest's own error ends it.
        case(
            "memory: one allocation past the address space",
            "python",
            "x = bytearray((1 << 31) - 1)\n",
            "Failed/ExitCode",
            None,
            "MemoryError",
        ),
        case(
            "memory: growing list",
            "python",
            "x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n",
            "Failed/OutOfMemory",
            None,
            "",
        ),
        case(
            "stack: python recursion",
            "python",
            "def f():\n    f()\nf()\n",
            "Failed/ExitCode",
            None,
            "RecursionError",
        ),
        case(
            "output: flood",
            "python",
            "import sys\nfor _ in range(64):\n    sys.stdout.write('x' * (1 << 20))\n",
            "Succeeded/Completed",
            None,
            "output truncated after",
        ),
        case(
            "outputs: file too large",
            "python",
            "import os\nopen(os.environ['KRUNTIME_OUTPUTS'], 'w').write('k=' + 'v' * 100000 + '\\n')\n",
            "Failed/OutputsTooLarge",
            None,
            "",
        ),
        case(
            "outputs: invalid file",
            "python",
            "import os\nopen(os.environ['KRUNTIME_OUTPUTS'], 'w').write('not a key value\\n')\n",
            "Failed/OutputsInvalid",
            None,
            "",
        ),
        case(
            "outputs: symlink to a host file",
            "python",
            "import os\nos.remove(os.environ['KRUNTIME_OUTPUTS']) if os.path.exists(os.environ['KRUNTIME_OUTPUTS']) else None\nos.symlink('../../../../etc/passwd', os.environ['KRUNTIME_OUTPUTS'])\n",
            "Failed/OutputsInvalid",
            None,
            "",
        ),
    ];
    let host = Host::new().await;
    let mut failures = Vec::new();
    for c in &cases {
        let guest = if c.runtime == "bash" { BASH } else { PYTHON };
        let entry = if c.runtime == "bash" {
            "main.sh"
        } else {
            "main.py"
        };
        let run = host
            .run(guest)
            .source(entry, c.source)
            .timeout(Duration::from_secs(c.timeout_secs))
            .memory(256 << 20)
            .finish()
            .await;
        let all = format!("{}{}{}", run.stdout, run.stderr, run.outcome.message);
        let stdout_ok = c.stdout.is_none_or(|want| run.stdout == want);
        if run.result() != c.result || !stdout_ok || !all.contains(c.contains) {
            failures.push(format!(
                "{}: {} (want {}), stdout {:?}\nstderr: {}\nmessage: {}",
                c.name,
                run.result(),
                c.result,
                run.stdout.chars().take(200).collect::<String>(),
                run.stderr.chars().take(400).collect::<String>(),
                run.outcome.message
            ));
        }
        host.manager.forget(&run.id).await.unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );

    let innocent = host
        .run(PYTHON)
        .source("main.py", "print('fine')\n")
        .finish()
        .await;
    assert_succeeded_with(&innocent, None);
    host.manager.forget(&innocent.id).await.unwrap();
    assert!(host.manager.workspace_entries().unwrap().is_empty());
}

impl Case {
    const fn timeout(mut self, secs: u64) -> Self {
        self.timeout_secs = secs;
        self
    }
}
