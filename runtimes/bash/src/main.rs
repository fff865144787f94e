//! The `bash` runtime of kruntimes: brush, a bash-compatible shell, as a `wasi:cli/command` component.
//!
//! Builtins run in the shell's instance; every other command is a tool component started through
//! `kruntimes:runtime/spawn` as a fresh instance sharing the Run's workspace and deadline ([`process`]), connected
//! through host pipes ([`io`]).
//!
//! Command line:
//!
//! - As a Run (the Run's arguments, `SHLVL` unset): `ENTRYPOINT ARGS...` runs the entrypoint file with positional
//!   parameters when it exists in the workspace; otherwise one argument is a command line (`bash -c ARG`) and
//!   several are consecutive lines of one script; `-c ...` and `bash|sh -c ...` are passed through.
//! - As a program started by a script (`bash x.sh`, `sh -c ...`, a `#!/bin/bash` script; `SHLVL` set): bash's
//!   own command line, `bash [-euxvn] [-o OPT]... [-c COMMAND [NAME [ARGS...]] | FILE [ARGS...]]`.

mod bindings {
    wit_bindgen::generate!({
        inline: r#"
            package kruntimes:bash;
            world bash {
                import kruntimes:runtime/spawn@0.1.0;
                import wasi:cli/stdout@0.2.12;
                import wasi:cli/stderr@0.2.12;
                import wasi:cli/exit@0.2.12;
                import wasi:clocks/monotonic-clock@0.2.12;
            }
        "#,
        path: "../../wit",
        world: "kruntimes:bash/bash",
        generate_all,
    });
}

mod arith_errors;
mod cd;
mod declare;
mod dirstack;
mod dot;
mod errors;
mod exec;
mod exit;
mod export;
mod history;
mod jobctl;
mod kill;
mod options;
// Pipes and processes over the host's WASI streams and spawn: wasm only (the rest also builds natively, for
// unit tests).
#[cfg(target_family = "wasm")]
mod io;
mod per_depth;
mod printf;
#[cfg(target_family = "wasm")]
mod process;
mod return_;
mod shebang;
mod shift;
mod signals;
mod strftime;
mod syntax_errors;
mod timeout;
mod trap;
mod ulimit;
mod umask;
mod unset;
mod usage;
mod wrapped;

use std::path::PathBuf;
use std::process::ExitCode;

use brush_builtins::{BuiltinSet, default_builtins};
use brush_core::{ProfileLoadBehavior, RcLoadBehavior, Shell};

/// What to run.
#[derive(Debug, PartialEq, Eq)]
enum Program {
    /// `-c COMMAND`, with `$0` and positional parameters.
    Command {
        command: String,
        name: String,
        args: Vec<String>,
    },
    /// A script file with positional parameters.
    Script { path: String, args: Vec<String> },
}

/// Shell options from the command line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    errexit: bool,
    nounset: bool,
    xtrace: bool,
    verbose: bool,
    noexec: bool,
    enabled: Vec<String>,
    disabled: Vec<String>,
    shopt: Vec<String>,
}

/// Parses bash's own command line (after argv[0]).
fn parse_bash_args(mut args: Vec<String>) -> Result<(Options, Option<Program>), String> {
    let mut options = Options::default();
    let mut command = false;
    let mut rest = args.drain(..);
    let mut operands = Vec::new();
    while let Some(arg) = rest.next() {
        if arg == "--" || arg == "-" {
            break;
        }
        let long = arg.strip_prefix("--");
        match long {
            Some("norc" | "noprofile" | "posix" | "login" | "noediting") => continue,
            Some(other) => return Err(format!("--{other}: invalid option")),
            None => {}
        }
        let (on, flags) = if let Some(flags) = arg.strip_prefix('-') {
            (true, flags)
        } else if let Some(flags) = arg.strip_prefix('+') {
            (false, flags)
        } else {
            operands.push(arg);
            break;
        };
        if flags.is_empty() {
            operands.push(arg);
            break;
        }
        for flag in flags.chars() {
            match flag {
                'c' if on => command = true,
                'e' => options.errexit = on,
                'u' => options.nounset = on,
                'x' => options.xtrace = on,
                'v' => options.verbose = on,
                'n' => options.noexec = on,
                's' | 'l' | 'i' | 'h' | 'B' | 'H' | 'p' | 'P' | 'T' | 'E' => {}
                'o' | 'O' => {
                    let name = rest
                        .next()
                        .ok_or_else(|| format!("-{flag}: option requires an argument"))?;
                    match (flag, on) {
                        ('o', true) => options.enabled.push(name),
                        ('o', false) => options.disabled.push(name),
                        _ => options.shopt.push(name),
                    }
                }
                other => return Err(format!("-{other}: invalid option")),
            }
        }
    }
    operands.extend(rest);
    let mut operands = operands.into_iter();
    let program = if command {
        let command = operands.next().ok_or("-c: option requires an argument")?;
        let name = operands.next().unwrap_or_else(|| "bash".to_owned());
        Some(Program::Command {
            command,
            name,
            args: operands.collect(),
        })
    } else {
        operands.next().map(|path| Program::Script {
            path,
            args: operands.collect(),
        })
    };
    Ok((options, program))
}

/// Interprets a Run's arguments (see the module docs).
fn parse_run_args(
    args: Vec<String>,
    is_file: impl Fn(&str) -> bool,
) -> Result<(Options, Program), String> {
    match args.first().map(String::as_str) {
        None => Err(
            "nothing to run: give the Run an entrypoint with its source, or arguments \
                     (one argument is a command line; several are the lines of a script)"
                .to_owned(),
        ),
        Some(first) if is_file(first) => {
            let mut args = args;
            let path = args.remove(0);
            Ok((Options::default(), Program::Script { path, args }))
        }
        Some("-c") => match parse_bash_args(args)? {
            (options, Some(program)) => Ok((options, program)),
            (_, None) => Err("-c: option requires an argument".to_owned()),
        },
        Some("bash" | "sh") if args.get(1).is_some_and(|a| a.starts_with('-')) => {
            match parse_bash_args(args[1..].to_vec())? {
                (options, Some(program)) => Ok((options, program)),
                (_, None) => Err("nothing to run".to_owned()),
            }
        }
        Some(_) => {
            let mut command = args.join("\n");
            if args.len() > 1 {
                command.push('\n');
            }
            Ok((
                Options::default(),
                Program::Command {
                    command,
                    name: "bash".to_owned(),
                    args: Vec::new(),
                },
            ))
        }
    }
}

/// Deepest shell function recursion: past it, the call fails with "maximum function call depth exceeded" (bash's
/// `FUNCNEST`) before either stack runs out: the host's wasm stack (`kruntimes_engine::engine::MAX_WASM_STACK`, 2 MiB:
/// 2.4 to 4.5 KiB per call, so 465 to 847 calls deep for the bodies measured) and the shadow stack in linear memory
/// (`.cargo/config.toml`: 8 MiB, about 7 KiB per call). With 1 MiB of each, recursion trapped at depth 142 with
/// `MemoryOutOfBounds`.
const MAX_FUNCTION_DEPTH: usize = 400;

async fn run(options: Options, program: Program) -> Result<u8, brush_core::Error> {
    printf::record_start_time();
    let mut builtins = default_builtins::<errors::Extensions>(BuiltinSet::BashMode);
    builtins.insert("printf".to_owned(), printf::registration());
    builtins.insert("umask".to_owned(), umask::registration());
    builtins.insert("ulimit".to_owned(), ulimit::registration());
    builtins.insert("exec".to_owned(), exec::registration());
    builtins.insert("shift".to_owned(), shift::registration());
    builtins.insert("kill".to_owned(), kill::registration());
    builtins.insert("cd".to_owned(), cd::registration());
    builtins.insert("exit".to_owned(), exit::registration());
    builtins.insert("return".to_owned(), return_::registration());
    builtins.insert(".".to_owned(), dot::registration(true));
    builtins.insert("source".to_owned(), dot::registration(false));
    builtins.insert("unset".to_owned(), unset::registration());
    builtins.insert("trap".to_owned(), trap::registration());
    builtins.insert("disown".to_owned(), jobctl::disown());
    builtins.insert("suspend".to_owned(), jobctl::suspend());
    for name in ["history", "fc", "logout"] {
        builtins.insert(name.to_owned(), history::registration());
    }
    for name in ["dirs", "pushd", "popd"] {
        builtins.insert(name.to_owned(), dirstack::registration());
    }
    for name in ["declare", "typeset", "local"] {
        if let Some(brush) = builtins.remove(name) {
            builtins.insert(name.to_owned(), declare::registration(brush));
        }
    }
    if let Some(brush_export) = builtins.remove("export") {
        builtins.insert("export".to_owned(), export::registration(brush_export));
    }
    #[cfg(target_family = "wasm")]
    builtins.insert("timeout".to_owned(), timeout::registration());
    let (name, positional) = match &program {
        Program::Command { name, args, .. } => (name.clone(), args.clone()),
        Program::Script { path, args } => (path.clone(), args.clone()),
    };
    // wasi-libc ignores `wasi:cli/environment.initial-cwd` (relative paths resolve through the `.` preopen, which
    // is that directory): the directory's name comes from `PWD`, which runtimed sets to it.
    let working_dir = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| PathBuf::from("/workspace"));
    // So that std's relative paths (brush opens some with them) resolve against it, not `/`.
    let _ = std::env::set_current_dir(&working_dir);
    // bash reports a script it cannot open as the shell, before running anything: 127 when it is missing, 126
    // when it is a directory.
    if let Program::Script { path, .. } = &program {
        let problem = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Some(("Is a directory".to_owned(), 126)),
            Ok(_) => None,
            Err(e) => Some((errors::strip_os_error(&e.to_string()).to_owned(), 127)),
        };
        if let Some((problem, code)) = problem {
            eprintln!("bash: {path}: {problem}");
            return Ok(code);
        }
    }

    let command_string_mode = matches!(program, Program::Command { .. });
    errors::COMMAND_STRING.store(command_string_mode, std::sync::atomic::Ordering::Relaxed);
    let mut shell = Shell::builder_with_extensions::<errors::Extensions>()
        .builtins(builtins)
        .working_dir(working_dir)
        .profile(ProfileLoadBehavior::Skip)
        .rc(RcLoadBehavior::Skip)
        .shell_name(name)
        .shell_args(positional)
        .exit_on_nonzero_command_exit(options.errexit)
        .treat_unset_variables_as_error(options.nounset)
        .print_commands_and_arguments(options.xtrace)
        .verbose(options.verbose)
        .do_not_execute_commands(options.noexec)
        .enable_options(options.enabled)
        .disable_options(options.disabled)
        .enable_shopt_options(options.shopt)
        .command_string_mode(command_string_mode)
        .max_function_call_depth(MAX_FUNCTION_DEPTH)
        .build()
        .await?;
    // extglob stays on (brush's default; bash's is off): brush parses a whole script before running it, so a
    // script that turns extglob on and then uses `@(a|b)` would not parse with it off.
    let result = match program {
        Program::Command { command, .. } => shell.run_dash_c_command(command).await?,
        Program::Script { path, args } => shell.run_script(path, args.iter()).await?,
    };
    Ok(u8::from(result.exit_code))
}

fn main() -> ExitCode {
    #[cfg(target_family = "wasm")]
    brush_core::sys::host::set_host(Box::new(process::WasiHost));

    let mut argv: Vec<String> = std::env::args().collect();
    let args = argv.split_off(1.min(argv.len()));
    // A Run starts bash with SHLVL unset; a script starting bash has exported it.
    let top_level = std::env::var_os("SHLVL").is_none();
    let parsed = if top_level {
        parse_run_args(args, |p| std::path::Path::new(p).is_file())
    } else {
        parse_bash_args(args).and_then(|(options, program)| {
            program
                .map(|p| (options, p))
                .ok_or_else(|| "reading commands from standard input is not supported".to_owned())
        })
    };
    let (options, program) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("bash: {message}");
            return exit(2);
        }
    };

    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("bash: cannot start: {err}");
            return exit(1);
        }
    };
    let code = match runtime.block_on(run(options, program)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("bash: {err}");
            1
        }
    };
    exit(code)
}

/// Ends the component with exactly `code`: std's exit carries only success or failure on WASI 0.2.
fn exit(code: u8) -> ExitCode {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    if code != 0 {
        bindings::wasi::cli::exit::exit_with_code(code);
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn run_arguments_follow_the_seed() {
        let file = |p: &str| p == "main.sh";
        assert_eq!(
            parse_run_args(strings(&["main.sh", "a", "b"]), file)
                .unwrap()
                .1,
            Program::Script {
                path: "main.sh".into(),
                args: strings(&["a", "b"])
            }
        );
        assert_eq!(
            parse_run_args(strings(&["echo hi | wc -c"]), file)
                .unwrap()
                .1,
            Program::Command {
                command: "echo hi | wc -c".into(),
                name: "bash".into(),
                args: vec![]
            }
        );
        assert_eq!(
            parse_run_args(strings(&["x=1", "echo $x"]), file)
                .unwrap()
                .1,
            Program::Command {
                command: "x=1\necho $x\n".into(),
                name: "bash".into(),
                args: vec![]
            }
        );
        let (options, program) = parse_run_args(
            strings(&["bash", "-eu", "-c", "echo $0 $1", "me", "one"]),
            file,
        )
        .unwrap();
        assert!(options.errexit && options.nounset);
        assert_eq!(
            program,
            Program::Command {
                command: "echo $0 $1".into(),
                name: "me".into(),
                args: strings(&["one"])
            }
        );
        assert!(parse_run_args(vec![], file).is_err());
    }

    #[test]
    fn bash_command_line_options() {
        let (options, program) =
            parse_bash_args(strings(&["-e", "-o", "pipefail", "x.sh", "-u"])).unwrap();
        assert!(options.errexit && !options.nounset);
        assert_eq!(options.enabled, ["pipefail"]);
        assert_eq!(
            program,
            Some(Program::Script {
                path: "x.sh".into(),
                args: strings(&["-u"])
            })
        );
        assert!(parse_bash_args(strings(&["-q"])).is_err());
        assert_eq!(parse_bash_args(vec![]).unwrap().1, None);
    }
}
