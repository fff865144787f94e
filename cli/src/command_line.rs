//! The Run's `args` from `krt run` / `krt local run` flags: what a user of `docker run` or `kubectl run` means by
//! `-- echo hello world` (see ADR 0011).
//!
//! The API keeps the Go original's meaning of `args` for a `bash` Run without an entrypoint (one argument is a
//! command line, several are the lines of one script): manifests written for it run unchanged. On the command
//! line, though, `-- echo hello world` is a command and its arguments, so krt writes the Run with the one
//! command line `echo hello world`, each word quoted as the shell needs; the Run object shows exactly that.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use kruntimes_api::v1alpha1::{EnvVar, RunTemplate};

/// The Run's `args` for `--runtime runtime [--script] -- args`. Refuses a first argument that names a file on
/// this machine when no `--script` is given: the Run's workspace does not have it.
pub(crate) fn run_args(runtime: &str, script: bool, args: &[String]) -> Result<Vec<String>> {
    let interprets_files = matches!(runtime, "bash" | "python");
    if let Some(first) = args.first()
        && interprets_files
        && !script
        && !first.starts_with('-')
        && !first.contains(char::is_whitespace)
        && Path::new(first).is_file()
    {
        bail!(
            "{first} is a file on this machine, and the Run sees only its own workspace: give it with \
             --script {first} (the arguments after -- are then its arguments)"
        );
    }
    if runtime == "bash"
        && !script
        && args.len() > 1
        && !matches!(args[0].as_str(), "-c" | "bash" | "sh")
    {
        return Ok(vec![
            args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" "),
        ]);
    }
    Ok(args.to_vec())
}

/// The entrypoint `--script FILE` gets: the file's own name, so tracebacks and error messages name it
/// (`bad.py`, `build.sh: line 2`); `script`, the default, for stdin or a name that is not plain (a leading `.` or
/// `-`, which a runtime could read as an option, spaces).
pub(crate) fn script_entrypoint(path: &std::path::Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !name.starts_with(['.', '-']);
    plain.then(|| name.to_owned())
}

/// The Run's env from `--env-file FILE` (each, in order) then `--env` flags, as `docker run` reads them:
/// `NAME=VALUE` is literal (no quotes or `$` processed), a bare `NAME` takes this process's value of NAME and is
/// an error when it has none. In a file, blank lines and lines starting with `#` are skipped. A later entry of a
/// name replaces an earlier one; `base` (a manifest's env) comes first.
pub(crate) fn env_vars(
    base: Vec<EnvVar>,
    files: &[PathBuf],
    flags: &[String],
) -> Result<Vec<EnvVar>> {
    let mut env = base;
    let mut set = |name: &str, value: String, origin: &dyn Fn() -> String| -> Result<()> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            bail!("{}: {name:?} is not an environment variable name", origin());
        }
        env.retain(|e| e.name != name);
        env.push(EnvVar {
            name: name.to_owned(),
            value: Some(value),
            value_from: None,
        });
        Ok(())
    };
    let entry = |text: &str, origin: &dyn Fn() -> String| -> Result<(String, String)> {
        match text.split_once('=') {
            Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
            None => {
                let value = std::env::var(text).map_err(|_| {
                    anyhow::anyhow!(
                        "{}: {text} is not set here, so there is no value to pass (give NAME=VALUE)",
                        origin()
                    )
                })?;
                Ok((text.to_owned(), value))
            }
        }
    };
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("--env-file {}: cannot read it", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let origin = || format!("--env-file {}, line {}", file.display(), n + 1);
            let (name, value) = entry(line, &origin)?;
            set(&name, value, &origin)?;
        }
    }
    for flag in flags {
        let origin = || format!("--env {flag:?}");
        let (name, value) = entry(flag, &origin)?;
        set(&name, value, &origin)?;
    }
    Ok(env)
}

/// Flags that set a Run's fields, given alone or over a manifest's (a flag wins).
pub(crate) struct Overrides<'a> {
    /// `--env-file`, in order.
    pub(crate) env_files: &'a [PathBuf],
    /// `--env`, in order, after the files.
    pub(crate) env: &'a [String],
    /// `--timeout`.
    pub(crate) timeout: Option<&'a str>,
    /// `--entrypoint`.
    pub(crate) entrypoint: Option<&'a str>,
}

impl Overrides<'_> {
    /// Sets the fields given on `template`.
    pub(crate) fn apply(&self, template: &mut RunTemplate) -> Result<()> {
        template.env = env_vars(std::mem::take(&mut template.env), self.env_files, self.env)?;
        if let Some(timeout) = self.timeout {
            let seconds = parse_duration("--timeout", timeout)?.as_secs();
            template.timeout_seconds = Some(i64::try_from(seconds).context("--timeout: too long")?);
        }
        if let Some(entrypoint) = self.entrypoint {
            template.entrypoint = Some(entrypoint.to_owned());
        }
        Ok(())
    }
}

/// `30s`, `5m`, `1h30m`, `2h 5m` or plain seconds, for the flag named `flag`.
pub(crate) fn parse_duration(flag: &str, text: &str) -> Result<Duration> {
    let text = text.trim();
    let parsed = match text.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => text
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| Duration::try_from(d).ok()),
    };
    match parsed {
        Some(d) if !d.is_zero() => Ok(d),
        _ => {
            bail!("{flag} {text:?}: expected a positive duration such as 30s, 5m, 1h30m or seconds")
        }
    }
}

/// `word` as one shell word: as it is when it holds no character the shell treats specially, else single-quoted.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn bash_words_after_dashes_are_one_command() {
        assert_eq!(
            run_args(
                "bash",
                false,
                &args(&["echo", "hello world", "it's", "$HOME"])
            )
            .unwrap(),
            ["echo 'hello world' 'it'\\''s' '$HOME'"]
        );
        // One argument stays a command line; `-c` and `bash -c` keep bash's own meaning; a script takes arguments.
        assert_eq!(
            run_args("bash", false, &args(&["echo hi | wc -c"])).unwrap(),
            ["echo hi | wc -c"]
        );
        let c = args(&["-c", "echo $1", "name", "x"]);
        assert_eq!(run_args("bash", false, &c).unwrap(), c);
        let script = args(&["--release", "fast"]);
        assert_eq!(run_args("bash", true, &script).unwrap(), script);
        // Other runtimes get the words as they are.
        let py = args(&["-c", "print(1)"]);
        assert_eq!(run_args("python", false, &py).unwrap(), py);
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a=b,c"), "a=b,c");
    }

    #[test]
    fn env_comes_from_files_then_flags_with_host_values() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ci.env");
        std::fs::write(&file, "# comment\n\nA=from file\nB=\"quoted\"\nPATH\n").unwrap();
        let base = vec![EnvVar {
            name: "A".into(),
            value: Some("manifest".into()),
            value_from: None,
        }];
        let env = env_vars(
            base,
            std::slice::from_ref(&file),
            &args(&["C=x=y", "A=flag"]),
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref().unwrap()))
            .collect();
        let path = std::env::var("PATH").unwrap();
        assert_eq!(
            pairs,
            [
                ("B", "\"quoted\""),
                ("PATH", path.as_str()),
                ("C", "x=y"),
                ("A", "flag")
            ]
        );
        let err = env_vars(vec![], &[], &args(&["KRT_TEST_SURELY_UNSET"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("KRT_TEST_SURELY_UNSET is not set here"),
            "{err}"
        );
        std::fs::write(&file, "OK=1\nBAD NAME=2\n").unwrap();
        let err = env_vars(vec![], &[file], &[]).unwrap_err().to_string();
        assert!(err.contains("ci.env, line 2"), "{err}");
    }

    #[test]
    fn a_script_keeps_its_file_name() {
        use std::path::Path;
        assert_eq!(
            script_entrypoint(Path::new("dir/bad.py")).as_deref(),
            Some("bad.py")
        );
        assert_eq!(script_entrypoint(Path::new("-")), None);
        assert_eq!(script_entrypoint(Path::new("my job.sh")), None);
        assert_eq!(script_entrypoint(Path::new(".hidden")), None);
    }

    #[test]
    fn a_host_file_as_the_program_is_refused_with_the_flag_to_use() {
        let dir = tempfile::tempdir().unwrap();
        let job = dir.path().join("job.py");
        std::fs::write(&job, "print(1)\n").unwrap();
        let job = job.to_string_lossy().into_owned();
        let err = run_args("python", false, &[job.clone(), "x".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("--script {job}")), "{err}");
        // With --script the words are the script's arguments, whatever they name.
        assert!(run_args("python", true, std::slice::from_ref(&job)).is_ok());
        assert!(run_args("greet", false, &[job]).is_ok());
    }
}
