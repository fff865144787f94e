//! The built-in bash runtime: scripts through the engine, with its tool components and the python runtime as
//! children. The differential corpus (`bash_corpus`) covers breadth; these tests pin the runtime's own contracts.
//!
//! Needs `cargo xtask build-guests` (it builds `runtimes/target/builtins/bash`).

use std::time::Duration;

use crate::guests::BASH;
use crate::harness::{Finished, Host};

async fn bash(host: &Host, script: &str) -> Finished {
    host.run(BASH).source("main.sh", script).finish().await
}

/// The Run's arguments: an entrypoint gets positional parameters; without one, a single argument is a command
/// line and several are the lines of one script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_follow_the_run_conventions() {
    let host = Host::new().await;
    let run = host
        .run(BASH)
        .source("main.sh", "echo \"$0 $# [$1] [$2]\"\n")
        .args(&["a b", "c"])
        .finish()
        .await;
    assert_eq!(run.stdout, "main.sh 2 [a b] [c]\n", "{}", run.stderr);

    let run = host
        .run(BASH)
        .args(&["x=4; echo $((x * 2))"])
        .finish()
        .await;
    assert_eq!(run.stdout, "8\n", "{}", run.stderr);

    let run = host.run(BASH).args(&["x=4", "echo $x$x"]).finish().await;
    assert_eq!(run.stdout, "44\n", "{}", run.stderr);

    let run = host.run(BASH).finish().await;
    assert_eq!(run.outcome.exit_code, Some(2));
    assert!(run.stderr.contains("nothing to run"), "{}", run.stderr);
}

/// Exit statuses are exact: `exit N`, `set -e` on a failing command, the EXIT trap's view of `$?`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_are_exact() {
    let host = Host::new().await;
    let run = bash(&host, "trap 'echo \"trap $?\"' EXIT\nexit 42\n").await;
    assert_eq!(run.outcome.exit_code, Some(42));
    assert_eq!(run.stdout, "trap 42\n");

    let run = bash(&host, "set -e\ngrep -q x /dev/null\necho unreachable\n").await;
    assert_eq!(run.outcome.exit_code, Some(1));
    assert_eq!(run.stdout, "");

    // A child's exact code (grep's 2 for a missing file) reaches `$?`.
    let run = bash(&host, "grep x missing.txt 2>/dev/null; echo $?\n").await;
    assert_eq!(run.stdout, "2\n", "{}", run.stderr);
}

/// Pipelines stream through host pipes: an endless producer stops when its reader exits (status 141, as under
/// SIGPIPE, and silently), and a million lines flow through without piling up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_stream_and_end_promptly() {
    let host = Host::new().await;
    let run = host
        .run(BASH)
        .source(
            "main.sh",
            "yes | head -n 3\necho \"${PIPESTATUS[*]}\"\nseq 1 1000000 | tail -n 1\n\
             seq 1 100 | grep 7 | wc -l\n",
        )
        .timeout(Duration::from_secs(30))
        .finish()
        .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "y\ny\ny\n141 0\n1000000\n19\n");
    assert_eq!(run.stderr, "");
}

/// Stages that run inside the shell (functions, loops, builtins) connect to children both ways; `2>&1`
/// interleaves a child's streams in write order; `$(...)` captures a child's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_stages_children_and_redirections_connect() {
    let host = Host::new().await;
    let script = r#"
upper() { tr a-z A-Z; }
printf 'b\na\n' | sort | upper | while read -r l; do echo "<$l>"; done
n=$(seq 3 | wc -l)
echo "n=$n"
{ echo out; echo err >&2; } 2>&1 | cat
ls missing 2>&1 | sed 's/^ls: //' | grep -c 'missing'
echo to-file > f.txt; cat f.txt >> f.txt 2>/dev/null; wc -l < f.txt
"#;
    let run = bash(&host, script).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "<A>\n<B>\nn=3\nout\nerr\n1\n2\n");
}

/// Commands are found through `$PATH` (placeholders in /usr/bin); unknown ones fail with 127 and bash's message;
/// a script in the workspace runs with its `#!` interpreter; python3 is the python runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_are_found_through_path() {
    let host = Host::new().await;
    let script = r#"
command -v grep
nosuch --flag
echo "status $?"
printf '#!/usr/bin/env python3\nimport sys\nprint("py", sys.argv[1:])\n' > tool.py
./tool.py one two
printf 'echo "sub $1 $SHLVL"\n' > sub.sh
bash sub.sh x
PATH=/nowhere
sed 2>/dev/null
echo "no path $?"
"#;
    let run = bash(&host, script).await;
    assert_eq!(
        run.stdout, "/usr/bin/grep\nstatus 127\npy ['one', 'two']\nsub x 2\nno path 127\n",
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr, "main.sh: line 3: nosuch: command not found\n");
}

/// `exec` with redirections rewires the shell; with a command it ends the shell with the command's status.
/// Process substitutions reach children as files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_and_process_substitution() {
    let host = Host::new().await;
    let script = r#"
exec 3>log.txt
echo logged >&3
exec 3>&-
cat log.txt
diff <(printf 'a\nb\n') <(printf 'a\nc\n') | grep -c '^[<>]'
exec sh -c 'exit 9'
echo never
"#;
    let run = bash(&host, script).await;
    assert_eq!(run.outcome.exit_code, Some(9), "{}", run.stderr);
    assert_eq!(run.stdout, "logged\n2\n");
}

/// Children work in the shell's directory, relative paths (including `..`) resolve inside the workspace, and the
/// Run's environment is the script's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_share_directory_and_environment() {
    let host = Host::new().await;
    let run = host
        .run(BASH)
        .source(
            "main.sh",
            "mkdir -p a/b && echo top > a/f\ncd a/b\ncat ../f\npwd\nls .. | sort | tr '\\n' ' '\necho\n\
             export GREETING\nenv | grep '^GREETING='\n",
        )
        .env("GREETING", "hi there")
        .finish()
        .await;
    assert_eq!(
        run.stdout, "top\n/workspace/a/b\nb f \nGREETING=hi there\n",
        "{}",
        run.stderr
    );
}

/// Process-related parameters work without processes: `$$` is a fixed number (temporary names built from it
/// work), and a background job's status reaches `wait $!`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_parameters_and_background_jobs() {
    let host = Host::new().await;
    let script = r#"
tmp="out.$$"
echo data > "$tmp"
cat "$tmp"
( exit 5 ) &
wait $!
echo "job $?"
"#;
    let run = bash(&host, script).await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "data\njob 5\n");
}

/// Shell functions recurse 350 deep, and past the depth limit (400) the call fails with bash's message instead
/// of trapping the Run: recursion used to die at depth 142 with `MemoryOutOfBounds`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_function_recursion_works_and_ends_with_a_clear_error() {
    let host = Host::new().await;
    let run = bash(
        &host,
        "f() { local n=$1; if [ \"$n\" -lt \"$2\" ]; then f $((n + 1)) $2; else echo \"reached $n\"; fi; }\n\
         f 1 350\nf 1 5000\necho \"status $?\"\n",
    )
    .await;
    assert_eq!(run.result(), "Succeeded/Completed", "{}", run.stderr);
    assert_eq!(run.stdout, "reached 350\nstatus 1\n", "{}", run.stderr);
    assert!(
        run.stderr.contains("maximum function call depth exceeded"),
        "{}",
        run.stderr
    );
}
