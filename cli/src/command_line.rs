//! The Run's `args` from `krt run` / `krt local run` flags: what a user of `docker run` or `kubectl run` means by
//! `-- echo hello world` (see ADR 0011).
//!
//! The API keeps the Go original's meaning of `args` for a `bash` Run without an entrypoint (one argument is a
//! command line, several are the lines of one script): manifests written for it run unchanged. On the command
//! line, though, `-- echo hello world` is a command and its arguments, so krt writes the Run with the one
//! command line `echo hello world`, each word quoted as the shell needs; the Run object shows exactly that.

use std::path::Path;

use anyhow::{Result, bail};

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
