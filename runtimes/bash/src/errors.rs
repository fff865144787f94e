//! Error messages in bash's format: `NAME: line N: MESSAGE`, where NAME is `$0` (the script, or `bash` for a
//! command line), so scripts that parse or compare diagnostics see what bash prints.

use brush_core::{Error, ErrorKind, Shell, extensions};

/// brush's extensions with bash-style error messages.
pub(crate) type Extensions = extensions::ShellExtensionsImpl<BashErrors>;

/// Formats shell errors as bash does.
#[derive(Clone, Default)]
pub(crate) struct BashErrors;

impl extensions::ErrorFormatter for BashErrors {
    fn format_error(
        &self,
        error: &Error,
        shell: &Shell<impl extensions::ShellExtensions>,
    ) -> String {
        let name = shell
            .current_shell_name()
            .map_or_else(|| "bash".to_owned(), |n| n.into_owned());
        if let ErrorKind::ParseError(parse_error, source) = error.kind() {
            // An `eval` string's source starts where the `eval` command is.
            let first_line = source.start.as_ref().map_or(1, |start| start.line);
            return syntax_error(
                &name,
                &source.source,
                first_line,
                parse_error,
                shell.syntax_error_input(),
            );
        }
        // An error that escaped a function body carries the line inside the body it was raised on.
        let line = error.line().map_or_else(
            || {
                shell
                    .env()
                    .get_str("LINENO", shell)
                    .map_or_else(|| "1".to_owned(), |l| l.into_owned())
            },
            |l| l.to_string(),
        );
        format!("{name}: line {line}: {}\n", message(error.kind()))
    }
}

/// A syntax error as bash reports it: `main.sh: line 3: syntax error: unexpected end of file`. A script or
/// sourced file is named by its path as given; an `eval` string or `-c` command by the shell's name and its
/// source (`main.sh: eval: line 1: `), an `eval` string's lines counted on from the line of the `eval`
/// (`first_line`).
fn syntax_error(
    name: &str,
    source: &str,
    first_line: usize,
    error: &brush_parser::ParseError,
    text: Option<&str>,
) -> String {
    let described = crate::syntax_errors::describe(error, text);
    let (prefix, line) = match source {
        "eval" => (
            format!("{name}: eval: "),
            first_line + described.line.saturating_sub(1),
        ),
        "-c" => (format!("{name}: -c: "), described.line),
        path => (format!("{path}: "), described.line),
    };
    let mut report = format!("{prefix}line {line}: {}\n", described.message);
    if let Some(quoted) = described.quoted {
        report.push_str(&format!("{prefix}line {line}: `{quoted}'\n"));
    }
    report
}

/// Whether the shell runs a command string (`bash -c`, a Run's command line) rather than a script file: bash's
/// builtins then name no line in their messages.
pub(crate) static COMMAND_STRING: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// What bash puts before a message of its own about a command: `NAME: ` for a command string, `NAME: line N: `
/// in a script.
pub(crate) fn shell_prefix(shell: &Shell<impl extensions::ShellExtensions>) -> String {
    let name = shell
        .current_shell_name()
        .map_or_else(|| "bash".to_owned(), |n| n.into_owned());
    if COMMAND_STRING.load(std::sync::atomic::Ordering::Relaxed) {
        return format!("{name}: ");
    }
    let line = shell
        .env()
        .get_str("LINENO", shell)
        .map_or_else(|| "1".to_owned(), |l| l.into_owned());
    format!("{name}: line {line}: ")
}

/// What bash puts before a builtin's own message: `bash: kill: ` for a command string, `NAME: line N: kill: `
/// in a script.
pub(crate) fn builtin_prefix(
    shell: &Shell<impl extensions::ShellExtensions>,
    builtin: &str,
) -> String {
    format!("{}{builtin}: ", shell_prefix(shell))
}

/// bash's complaint about an option `builtin` does not have, with its usage line:
/// `pwd: -z: invalid option` and `pwd: usage: pwd [-LP]` (without the prefix and final newline).
pub(crate) fn invalid_option(builtin: &str, option: &str) -> String {
    match crate::usage::usage(builtin) {
        Some(usage) => format!("{builtin}: {option}: invalid option\n{builtin}: usage: {usage}"),
        None => format!("{builtin}: {option}: invalid option"),
    }
}

/// The message of an error, worded as bash words it where the two differ.
pub(crate) fn message(kind: &ErrorKind) -> String {
    match kind {
        // A name with a slash is a path, not searched for: bash says the file is missing.
        ErrorKind::CommandNotFound(name) if name.contains('/') => {
            format!("{name}: No such file or directory")
        }
        ErrorKind::CommandNotFound(name) => format!("{name}: command not found"),
        ErrorKind::ExpandingUnsetVariable(name) => {
            // brush names the expansion (`${b}`); bash names the parameter (`b`, `$1`).
            let name = name
                .strip_prefix("${")
                .and_then(|n| n.strip_suffix('}'))
                .unwrap_or(name);
            format!("{name}: unbound variable")
        }
        ErrorKind::RedirectionFailure(file, problem) => {
            format!("{file}: {}", strip_os_error(problem))
        }
        ErrorKind::FailedToExecuteCommand(name, err) => {
            format!("{name}: {}", strip_os_error(&err.to_string()))
        }
        ErrorKind::NoMatch(pattern) => format!("no match: {pattern}"),
        ErrorKind::EvalError(error) => crate::arith_errors::describe(error),
        ErrorKind::BadFileDescriptor(fd) => format!("{fd}: Bad file descriptor"),
        ErrorKind::InvalidBuiltinOption(builtin, option) => invalid_option(builtin, option),
        ErrorKind::BuiltinError(inner, builtin) => {
            let inner: &(dyn std::error::Error + 'static) = inner.as_ref();
            match inner.downcast_ref::<Error>().map(Error::kind) {
                // `command nosuch` reports the command as the shell would, `exec nosuch` as bash's exec does.
                Some(kind @ ErrorKind::CommandNotFound(_)) if builtin == "command" => message(kind),
                Some(ErrorKind::CommandNotFound(name)) if builtin == "exec" => {
                    format!("exec: {name}: not found")
                }
                Some(ErrorKind::BuiltinNotFound(name)) => {
                    format!("{builtin}: {name}: not a shell builtin")
                }
                Some(kind) => format!("{builtin}: {}", message(kind)),
                None => kind.to_string(),
            }
        }
        // `${v:?word}`: the (patched) message already reads `v: word`, as bash prints it.
        ErrorKind::CheckedExpansionError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// `No such file or directory (os error 44)` → `No such file or directory` (WASI's errno numbers mean nothing
/// to users, and bash prints none).
pub(crate) fn strip_os_error(message: &str) -> &str {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_bash() {
        assert_eq!(
            message(&ErrorKind::CommandNotFound("frob".into())),
            "frob: command not found"
        );
        assert_eq!(
            message(&ErrorKind::RedirectionFailure(
                "in.txt".into(),
                "No such file or directory (os error 44)".into()
            )),
            "in.txt: No such file or directory"
        );
        assert_eq!(
            message(&ErrorKind::ExpandingUnsetVariable("${b}".into())),
            "b: unbound variable"
        );
        assert_eq!(
            message(&ErrorKind::CheckedExpansionError("v: must be set".into())),
            "v: must be set"
        );
    }
}
