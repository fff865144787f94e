//! `kruntimes:runtime`: spawning children with streamed stdio, their statuses, their end with the Run, and the
//! `outputs` and `log` interfaces, driven by the `spawn_pipeline` guest.

use std::collections::BTreeMap;
use std::time::Duration;

use kruntimes_engine::{Load, RunId, RunSpec, RuntimeCapabilities, RuntimePolicy};

use crate::guests;
use crate::harness::{Finished, Host};

/// Programs the shell may spawn (program name = runtime name).
const PROGRAMS: [guests::Guest; 7] = [
    guests::WRITE_OUTPUT,
    guests::CAT,
    guests::HELLO,
    guests::EXIT_CODE,
    guests::TRAP,
    guests::SLEEP_FOREVER,
    guests::WORKSPACE_IO,
];

fn shell_policy() -> RuntimePolicy {
    RuntimePolicy {
        capabilities: RuntimeCapabilities {
            programs: PROGRAMS
                .iter()
                .map(|g| (g.0.to_owned(), g.0.to_owned()))
                .collect::<BTreeMap<_, _>>(),
            ..RuntimeCapabilities::default()
        },
        ..RuntimePolicy::default()
    }
}

/// Registers the programs and runs the shell guest with `args`.
pub(crate) async fn shell(host: &Host, args: &[&str]) -> Finished {
    for program in PROGRAMS {
        host.register(program.0, program, RuntimePolicy::default())
            .await;
    }
    host.run(guests::SPAWN_PIPELINE)
        .policy("shell", shell_policy())
        .args(args)
        .timeout(Duration::from_secs(30))
        .finish()
        .await
}

fn assert_lines(run: &Finished, lines: &[&str]) {
    for line in lines {
        assert!(
            run.stdout.lines().any(|l| l == *line),
            "missing line {line:?} in stdout:\n{}\nstderr:\n{}\nmessage: {}",
            run.stdout,
            run.stderr,
            run.outcome.message
        );
    }
}

/// The shell sees exactly the programs its Runtime grants, and spawns them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_lists_and_spawns_granted_programs() {
    let host = Host::new().await;
    let run = shell(&host, &["programs"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "programs: cat,exit_code,hello,sleep_forever,trap,workspace_io,write_output",
            "spawn hello: exited(0)",
        ],
    );
    assert_eq!(run.outcome.grants.programs.len(), PROGRAMS.len());
}

/// Without granted programs, `programs` is empty and `spawn` is denied (no trap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawning_is_denied_without_programs() {
    let host = Host::new().await;
    let run = host
        .run(guests::SPAWN_PIPELINE)
        .args(&["programs"])
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(&run, &["programs: ", "spawn hello: SpawnError::Denied"]);
}

/// `write_output | cat`, read by the shell through a pipe: 3 MB stream through 64 KiB pipes with backpressure, in
/// order, and both children exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_streams_between_children() {
    let host = Host::new().await;
    let run = shell(&host, &["pipeline", "3000000"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "pipeline bytes: 3000000",
            "pipeline first line: 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
            "pipeline statuses: exited(0) exited(0)",
            "child ids: 1 2",
        ],
    );
    // 3 MB went through the pipes; the Run's memory stayed far below that.
    eprintln!(
        "pipeline peak memory: {} bytes",
        run.outcome.usage.peak_memory_bytes
    );
}

/// Inherited stdout lands in the Run's stdout; a stdin pipe feeds a child and its stdout/stderr pipes are read
/// back; `to-stream` hands the shell's own stdout to a child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_inherit_pipes_and_streams() {
    let host = Host::new().await;
    let run = shell(&host, &["inherit"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "hello from test-guests",
            "arg[0]=hello",
            "arg[1]=a",
            "arg[2]=b",
            "inherit status: exited(0)",
        ],
    );
    // The child's environment is exactly what the shell passed (nothing): no reserved variable is added.
    assert!(
        !run.stdout.contains("env KRUNTIME_OUTPUTS="),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("env HOME="), "{}", run.stdout);

    let run = shell(&host, &["stdin-pipe"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "stdin-pipe stdout: piped text",
            "stdin-pipe stderr: cat: 11 bytes",
            "stdin-pipe status: exited(0)",
        ],
    );

    let run = shell(&host, &["to-stream"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &["arg[1]=via", "arg[2]=stream", "to-stream status: exited(0)"],
    );
}

/// Exit codes, traps, kill and unknown programs come back as statuses and errors, not traps of the shell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_statuses_and_errors() {
    let host = Host::new().await;
    let run = shell(&host, &["statuses"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "exit_code 1: exited(1)",
            "trap: trapped(wasm trap: wasm `unreachable` instruction executed)",
            "sleeper running: true",
            "sleeper after kill: killed",
            "unknown program: SpawnError::NotFound(\"no-such-program\")",
        ],
    );
}

/// A child still running when the shell exits is killed with the Run: the Run ends at once and nothing keeps
/// running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_end_with_the_run() {
    let host = Host::new().await;
    let run = shell(&host, &["orphan"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(&run, &["orphan started"]);
    assert!(
        run.elapsed < Duration::from_secs(5),
        "the Run waited for its child: {:?}",
        run.elapsed
    );
    assert_eq!(host.manager.running(), 0);
    host.manager.forget(&run.id).await.unwrap();
}

/// Outputs set through the interface merge over the file's (the interface wins); bad keys and oversize values
/// are refused to the guest without failing the Run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interface_outputs_merge_over_the_file() {
    let host = Host::new().await;
    let run = shell(&host, &["outputs"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "set a: Ok(())",
            "set bad key: Err(\"key must match ^[A-Za-z_][A-Za-z0-9_.-]*$\")",
            "set big: true",
        ],
    );
    let outputs: Vec<(&str, &str)> = run
        .outcome
        .outputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(outputs, [("a", "from-interface"), ("b", "from-file")]);
}

/// A child's `cwd` inside the workspace becomes its working directory (relative paths resolve there); a cwd
/// through a guest-made `up -> ..` symlink, outside the workspace or missing is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_cwd_stays_inside_the_workspace() {
    let host = Host::new().await;
    std::fs::write(host.dir().join("outside.txt"), "outside").unwrap();
    let run = shell(&host, &["cwd"]).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(
        &run,
        &[
            "cwd sub: exited(0)",
            "sub/relative.txt: relative",
            "cwd /workspace/up: refused: true",
            "cwd /etc: refused: true",
            "cwd /workspace/../etc: refused: true",
            "cwd /workspace/missing: refused: true",
        ],
    );
    assert!(
        host.workspace_path(&run.id)
            .join("sub/relative.txt")
            .is_file()
    );
    assert!(!host.dir().join("workspaces/relative.txt").exists());
}

/// A shell blocked waiting for a child that never ends is stopped by the Run's deadline, child included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_ends_shell_and_children() {
    let host = Host::new().await;
    for program in PROGRAMS {
        host.register(program.0, program, RuntimePolicy::default())
            .await;
    }
    let run = host
        .run(guests::SPAWN_PIPELINE)
        .policy("shell", shell_policy())
        .args(&["wait-sleeper"])
        .timeout(Duration::from_millis(300))
        .finish()
        .await;
    assert_eq!(run.result(), "Timeout/Timeout");
    assert_lines(&run, &["waiting"]);
    assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);
    assert_eq!(host.manager.running(), 0);
}

/// Programs registered from files with [`Load::OnFirstSpawn`] cost nothing until a Run spawns one: only the
/// spawned program is loaded, a Run cannot name one as its runtime, and a program whose file is not a component
/// fails its spawn with the reason instead of the registration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_from_files_load_on_first_spawn() {
    let host = Host::new().await;
    for program in PROGRAMS {
        host.manager
            .register_runtime_file(
                program.0,
                program.path(),
                RuntimePolicy::default(),
                Load::OnFirstSpawn,
            )
            .await
            .unwrap();
    }
    assert_eq!(host.manager.cache().len(), 0, "nothing loaded before a Run");
    let refused = host
        .manager
        .execute(RunSpec::new(
            RunId::new("names-a-program", 1).unwrap(),
            "hello",
        ))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(refused.reason(), "UnknownRuntime", "{refused}");

    let run = host
        .run(guests::SPAWN_PIPELINE)
        .policy("shell", shell_policy())
        .args(&["programs"])
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_lines(&run, &["spawn hello: exited(0)"]);
    // The shell and `hello`; the six other programs were never needed.
    assert_eq!(host.manager.cache().len(), 2);

    let broken = host.dir().join("hello.wasm");
    std::fs::write(&broken, b"\0asm but not a component").unwrap();
    host.manager
        .register_runtime_file(
            "hello",
            broken,
            RuntimePolicy::default(),
            Load::OnFirstSpawn,
        )
        .await
        .unwrap();
    let run = host
        .run(guests::SPAWN_PIPELINE)
        .policy("shell", shell_policy())
        .args(&["programs"])
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("spawn hello: "))
        .unwrap_or_else(|| panic!("no spawn line in {}", run.stdout));
    assert!(
        line.contains("cannot load hello: runtime \\\"hello\\\": the component cannot run here: not a valid WebAssembly binary"),
        "{line}"
    );
}
