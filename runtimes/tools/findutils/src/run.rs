//! Running a child program and waiting for it.

use std::io::Write;

/// How running a child ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It exited with this status.
    Exited(u8),
    /// It trapped or was killed; the text says how.
    Crashed(String),
    /// No program of that name.
    NotFound,
    /// It could not be started; the text says why.
    CannotRun(String),
}

/// Where the child's stdin comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stdin {
    Inherit,
    Null,
}

/// Runs `program` with `args` (stdout and stderr inherited, the caller's environment) and
/// waits for it. Our own stdout is flushed first so output stays in order.
pub fn run(program: &str, args: &[String], stdin: Stdin) -> Outcome {
    let env: Vec<(String, String)> = std::env::vars().collect();
    run_with_env(program, args, stdin, &env)
}

/// Like [`run`], with exactly the environment `env`. The child starts in our current directory
/// (see `crate::cwd`).
pub fn run_with_env(
    program: &str,
    args: &[String],
    stdin: Stdin,
    env: &[(String, String)],
) -> Outcome {
    let _ = std::io::stdout().flush();
    imp::run(program_name(program), args, stdin, env)
}

/// Programs are spawned by name: `/bin/rm`, `/usr/bin/env` etc. mean `rm`, `env`. Other paths
/// are passed on as given (and are not found).
pub fn program_name(program: &str) -> &str {
    for dir in [
        "/bin/",
        "/usr/bin/",
        "/usr/local/bin/",
        "/sbin/",
        "/usr/sbin/",
    ] {
        if let Some(name) = program.strip_prefix(dir)
            && !name.is_empty()
            && !name.contains('/')
        {
            return name;
        }
    }
    program
}

#[cfg(target_family = "wasm")]
mod imp {
    use super::{Outcome, Stdin};

    wit_bindgen::generate!({
        inline: r#"
            package kruntimes-tools:findutils;
            world findutils {
                import kruntimes:runtime/spawn@0.1.0;
            }
        "#,
        path: "../../../wit",
        world: "kruntimes-tools:findutils/findutils",
        generate_all,
    });

    use kruntimes::runtime::spawn::{
        self, Command, ExitStatus, SpawnError, StderrTarget, StdinSource, StdoutTarget,
    };

    pub fn run(program: &str, args: &[String], stdin: Stdin, env: &[(String, String)]) -> Outcome {
        let cmd = Command {
            program: program.to_owned(),
            args: args.to_vec(),
            env: env.to_vec(),
            cwd: crate::cwd(),
            stdin: match stdin {
                Stdin::Inherit => StdinSource::Inherit,
                Stdin::Null => StdinSource::Null,
            },
            stdout: StdoutTarget::Inherit,
            stderr: StderrTarget::Inherit,
        };
        match spawn::spawn(cmd) {
            Ok(child) => match child.wait() {
                ExitStatus::Exited(code) => Outcome::Exited(code),
                ExitStatus::Trapped(msg) => Outcome::Crashed(format!("trapped: {msg}")),
                ExitStatus::Killed => Outcome::Crashed("killed".into()),
            },
            Err(SpawnError::NotFound(_)) => Outcome::NotFound,
            Err(SpawnError::Denied) => Outcome::CannotRun("Permission denied".into()),
            Err(SpawnError::Limit) => Outcome::CannotRun("Resource temporarily unavailable".into()),
            Err(SpawnError::Other(msg)) => Outcome::CannotRun(msg),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_names() {
        assert_eq!(super::program_name("/bin/rm"), "rm");
        assert_eq!(super::program_name("/usr/bin/env"), "env");
        assert_eq!(super::program_name("echo"), "echo");
        assert_eq!(super::program_name("./x.sh"), "./x.sh");
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use super::{Outcome, Stdin};
    use std::process::{Command, Stdio};

    pub fn run(program: &str, args: &[String], stdin: Stdin, env: &[(String, String)]) -> Outcome {
        let mut cmd = Command::new(program);
        cmd.args(args).env_clear().envs(env.iter().cloned());
        if let Some(dir) = crate::cwd() {
            cmd.current_dir(dir);
        }
        if stdin == Stdin::Null {
            cmd.stdin(Stdio::null());
        }
        match cmd.status() {
            Ok(st) => match st.code() {
                Some(c) => Outcome::Exited(c as u8),
                None => Outcome::Crashed("killed".into()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::NotFound,
            Err(e) => Outcome::CannotRun(e.to_string()),
        }
    }
}
