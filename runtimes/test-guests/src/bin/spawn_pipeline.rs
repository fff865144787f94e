//! A tiny "shell" exercising `kruntimes:runtime/spawn` (plus `outputs` and `log`); the scenario is argv[1]:
//!
//! - `programs`: prints the programs it may spawn, then tries to spawn `hello` (quietly);
//! - `pipeline <bytes>`: `write_output <bytes> chunks | cat`, reading cat's stdout through a pipe and counting it;
//! - `inherit`: runs `hello a b` with inherited stdout (it lands in the Run's stdout);
//! - `stdin-pipe`: writes "piped text" into `cat`'s stdin pipe and reads it back from its stdout;
//! - `to-stream`: hands its own stdout stream to `hello` (`to-stream`);
//! - `statuses`: `exit_code 1`, `trap unreachable`, `sleep_forever` killed, an unknown program;
//! - `orphan`: starts `sleep_forever` and exits without waiting (the host must kill it);
//! - `wait-sleeper`: starts `sleep_forever` and waits for it (the Run's deadline must end both);
//! - `cwd`: runs `workspace_io` (relative write) in `/workspace/sub`, then tries a symlink to `..` and `/etc`;
//! - `outputs`: sets outputs through the interface and writes one to `$KRUNTIME_OUTPUTS`, and logs.
//!
//! Every result is printed as one line; the host test compares them.

wit_bindgen::generate!({
    inline: r#"
        package test-guests:spawn;
        world spawner {
            import kruntimes:runtime/spawn@0.1.0;
            import kruntimes:runtime/outputs@0.1.0;
            import kruntimes:runtime/log@0.1.0;
            import wasi:cli/stdout@0.2.12;
        }
    "#,
    path: "../../wit",
    world: "test-guests:spawn/spawner",
    generate_all,
});

use kruntimes::runtime::log::{self, Level};
use kruntimes::runtime::outputs;
use kruntimes::runtime::spawn::{
    self, Child, Command, ExitStatus, StderrTarget, StdinSource, StdoutTarget,
};
use wasi::io::streams::{InputStream, StreamError};

fn command(program: &str, args: &[&str]) -> Command {
    Command {
        program: program.to_owned(),
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        cwd: None,
        stdin: StdinSource::Null,
        stdout: StdoutTarget::Inherit,
        stderr: StderrTarget::Inherit,
    }
}

fn start(cmd: Command) -> Child {
    let program = cmd.program.clone();
    spawn::spawn(cmd).unwrap_or_else(|err| panic!("spawn {program}: {err:?}"))
}

fn status(status: &ExitStatus) -> String {
    match status {
        ExitStatus::Exited(code) => format!("exited({code})"),
        ExitStatus::Trapped(message) => format!("trapped({message})"),
        ExitStatus::Killed => "killed".to_owned(),
    }
}

/// Reads a stream to its end (blocking reads), returning the bytes.
fn read_all(stream: &InputStream) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return out,
            Err(StreamError::LastOperationFailed(err)) => {
                panic!("read failed: {}", err.to_debug_string())
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str).unwrap_or("") {
        "programs" => {
            println!("programs: {}", spawn::programs().join(","));
            let mut quiet = command("hello", &[]);
            quiet.stdout = StdoutTarget::Null;
            match spawn::spawn(quiet) {
                Ok(child) => println!("spawn hello: {}", status(&child.wait())),
                Err(err) => println!("spawn hello: {err:?}"),
            }
        }
        "pipeline" => {
            let bytes = args.get(2).cloned().unwrap_or_else(|| "100000".to_owned());
            let mut producer = command("write_output", &[&bytes, "chunks"]);
            producer.stdout = StdoutTarget::Pipe;
            let producer = start(producer);
            let upstream = producer.take_stdout().expect("producer stdout");
            let mut filter = command("cat", &[]);
            filter.stdin = StdinSource::FromStream(upstream);
            filter.stdout = StdoutTarget::Pipe;
            filter.stderr = StderrTarget::Null;
            let filter = start(filter);
            let output = filter.take_stdout().expect("cat stdout");
            let data = read_all(&output);
            println!("pipeline bytes: {}", data.len());
            println!(
                "pipeline first line: {}",
                String::from_utf8_lossy(data.split(|&b| b == b'\n').next().unwrap_or(&[]))
            );
            println!(
                "pipeline statuses: {} {}",
                status(&producer.wait()),
                status(&filter.wait())
            );
            println!("child ids: {} {}", producer.id(), filter.id());
        }
        "inherit" => {
            let child = start(command("hello", &["a", "b"]));
            println!("inherit status: {}", status(&child.wait()));
        }
        "stdin-pipe" => {
            let mut cmd = command("cat", &[]);
            cmd.stdin = StdinSource::Pipe;
            cmd.stdout = StdoutTarget::Pipe;
            cmd.stderr = StderrTarget::Pipe;
            let child = start(cmd);
            let stdin = child.take_stdin().expect("stdin pipe");
            assert!(child.take_stdin().is_none(), "take-stdin twice");
            stdin
                .blocking_write_and_flush(b"piped text\n")
                .expect("write to child");
            drop(stdin);
            let out = child.take_stdout().expect("stdout pipe");
            let err = child.take_stderr().expect("stderr pipe");
            print!(
                "stdin-pipe stdout: {}",
                String::from_utf8_lossy(&read_all(&out))
            );
            print!(
                "stdin-pipe stderr: {}",
                String::from_utf8_lossy(&read_all(&err))
            );
            println!("stdin-pipe status: {}", status(&child.wait()));
        }
        "to-stream" => {
            let mut cmd = command("hello", &["via", "stream"]);
            cmd.stdout = StdoutTarget::ToStream(wasi::cli::stdout::get_stdout());
            let child = start(cmd);
            println!("to-stream status: {}", status(&child.wait()));
        }
        "statuses" => {
            let failing = start(command("exit_code", &["1"]));
            println!("exit_code 1: {}", status(&failing.wait()));
            let mut trapping = command("trap", &["unreachable"]);
            trapping.stderr = StderrTarget::Null;
            let trapping = start(trapping);
            println!("trap: {}", status(&trapping.wait()));
            let sleeper = start(command("sleep_forever", &[]));
            let ready = sleeper.subscribe();
            println!(
                "sleeper running: {}",
                sleeper.try_wait().is_none() && !ready.ready()
            );
            sleeper.kill();
            ready.block();
            println!("sleeper after kill: {}", status(&sleeper.wait()));
            match spawn::spawn(command("no-such-program", &[])) {
                Ok(_) => println!("unknown program: spawned?!"),
                Err(err) => println!("unknown program: {err:?}"),
            }
        }
        "wait-sleeper" => {
            let child = start(command("sleep_forever", &[]));
            println!("waiting");
            println!("sleeper: {}", status(&child.wait()));
        }
        "cwd" => {
            std::fs::create_dir_all("/workspace/sub").expect("mkdir sub");
            let _ = test_guests::symlink("..", "/workspace/up");
            let mut writer = command("workspace_io", &[]);
            writer.env = vec![("RELATIVE_ONLY".to_owned(), "1".to_owned())];
            writer.cwd = Some("/workspace/sub".to_owned());
            println!("cwd sub: {}", status(&start(writer).wait()));
            println!(
                "sub/relative.txt: {}",
                std::fs::read_to_string("/workspace/sub/relative.txt")
                    .unwrap_or_else(|e| e.to_string())
                    .trim_end()
            );
            for cwd in [
                "/workspace/up",
                "/etc",
                "/workspace/../etc",
                "/workspace/missing",
            ] {
                let mut escape = command("workspace_io", &[]);
                escape.cwd = Some(cwd.to_owned());
                match spawn::spawn(escape) {
                    Ok(child) => println!("cwd {cwd}: spawned, {}", status(&child.wait())),
                    Err(err) => println!(
                        "cwd {cwd}: refused: {}",
                        matches!(err, spawn::SpawnError::Other(_))
                    ),
                }
            }
        }
        "orphan" => {
            let child = start(command("sleep_forever", &[]));
            std::mem::forget(child);
            println!("orphan started");
        }
        "outputs" => {
            log::log(Level::Info, "setting outputs");
            println!("set a: {:?}", outputs::set_output("a", "from-interface"));
            println!("set bad key: {:?}", outputs::set_output("1bad", "x"));
            println!(
                "set big: {:?}",
                outputs::set_output("big", &"x".repeat(9000)).is_err()
            );
            let path = std::env::var("KRUNTIME_OUTPUTS").expect("KRUNTIME_OUTPUTS");
            std::fs::write(path, "a=from-file\nb=from-file\n").expect("write outputs file");
        }
        other => {
            eprintln!("unknown scenario {other:?}");
            std::process::exit(2);
        }
    }
}
