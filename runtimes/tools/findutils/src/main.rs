//! `find`, `xargs` and `env` for the bash runtime, one multicall component dispatching on
//! argv[0]'s base name (anything other than `xargs` and `env` runs `find`). Commands run by
//! `find -exec`, `xargs` and `env` are started through the host import `kruntimes:runtime/spawn`
//! (stdout and stderr inherited; stdin inherited for `find -exec` and `env`, empty for `xargs`
//! like GNU's `/dev/null`) in our working directory, with the caller's environment (`env`: the one
//! it made). Programs are spawned by name (one of the Run's programs); `/bin/NAME`,
//! `/usr/bin/NAME`, `/usr/local/bin/NAME`, `/sbin/NAME` and `/usr/sbin/NAME` are taken to mean
//! `NAME`. On the host target (unit tests) they run through `std::process::Command`.
//!
//! `find PATH... [EXPRESSION]` supports:
//! - options `-maxdepth N`, `-mindepth N`, `-depth`, and accepted `-P`, `-xdev`, `-mount`,
//!   `-noleaf`, `-ignore_readdir_race`;
//! - tests `-name`, `-iname`, `-path`/`-wholename`, `-ipath`, `-regex`/`-iregex` (emacs syntax,
//!   or `-regextype posix-extended`), `-type` (`f d l p s b c`, comma
//!   lists), `-size [+-]N[bcwkMG]`, `-empty`, `-newer FILE`, `-mtime`/`-mmin [+-]N`, `-true`,
//!   `-false`;
//! - actions `-print`, `-print0`, `-printf` (`%p %f %h %P %s %d %y %%` and `\n \t \0 \\`),
//!   `-delete` (implies `-depth`), `-prune`, `-quit`, `-exec CMD {} ;` and `-exec CMD {} +`;
//! - operators `!`/`-not`, `-a`/`-and` (also implicit), `-o`/`-or`, `,`, and `( … )`.
//!
//! Without an action the whole expression is followed by `-print`. Exit status 1 after any error
//! (missing start path, unreadable directory, failed `-delete`, failing `-exec … +`).
//!
//! Differences from GNU find: entries of each directory are visited in byte-wise sorted name
//! order (GNU uses directory-read order, which is unspecified; sort the output to compare). Symbolic
//! links are never followed (`-L`/`-H` are rejected). Not supported: `-perm`,
//! `-user`/`-group`/`-uid`/`-gid`, `-links`, `-inum`, `-samefile`, `-ls`, `-fprint*`, `-ok`,
//! `-execdir`, `-newerXY`, `-atime`/`-ctime` and the other `-printf` directives. With `,` and no
//! action, the implicit `-print` applies to the whole list (GNU differs). `-size` of directories
//! is whatever the platform reports (WASI hosts may differ from Linux's 4096).
//!
//! `xargs [OPTIONS] [COMMAND [ARGS...]]` supports `-n N`/`--max-args`, `-L N`/`--max-lines`,
//! `-I REPL`/`-i`/`--replace`, `-0`/`--null`, `-d DELIM`/`--delimiter`, `-a FILE`/`--arg-file`,
//! `-r`/`--no-run-if-empty`, `-t`/`--verbose`, `-E EOF`, `-s N`, `-x`, and accepts `-P N`
//! (commands still run one at a time). The default command is `echo`. Input is split at blanks
//! and newlines with `'…'`, `"…"` and backslash quoting, or at the `-0`/`-d` delimiter. Exit
//! status: 0; 123 if any command exited 1–125; 124 if a command exited 255 (xargs stops); 125 if a
//! command trapped or was killed; 126 if it could not be started; 127 if the program does not
//! exist (`xargs: NAME: No such file or directory`). Not supported: `-p`/`--interactive`, `-o`,
//! `--process-slot-var`.
//!
//! `env [-i] [-u NAME]... [-0] [NAME=VALUE]... [COMMAND [ARG]...]` (also `-`,
//! `--ignore-environment`, `--unset=NAME`, `--null`) starts from our environment (empty with `-i`), removes the `-u`
//! names and applies the assignments (replacing in place, else appending). Without a command it
//! prints the result, one `NAME=VALUE` per line (NUL-terminated with `-0`); with one it runs it
//! with that environment, stdin inherited, and exits with its status: 127 if it does not exist
//! (`env: 'NAME': No such file or directory`), 126 if it cannot be started, 125 for usage errors.
//! Not supported: `-C`/`--chdir`, `-S`/`--split-string`, `-v`, signal options.

mod env;
mod find;
mod glob;
mod run;
mod xargs;

use std::sync::OnceLock;

fn main() {
    enter_pwd();
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_default();
    let prog = argv0.rsplit('/').next().unwrap_or("find");
    let args: Vec<String> = argv.collect();
    let code = match prog {
        "xargs" => xargs::main(&args),
        "env" => env::main(&args),
        _ => find::main(&args),
    };
    exit(code)
}

/// The directory entered by [`enter_pwd`], given to spawned children as their `cwd`.
static CWD: OnceLock<String> = OnceLock::new();

/// Makes `$PWD` the current directory. wasi-libc ignores `wasi:cli/environment.initial-cwd` and
/// resolves relative paths through the `.` preopen, so `../x` would fail; after `chdir($PWD)` it
/// resolves them against `$PWD` through the `/workspace` preopen. Natively the process already
/// runs in its working directory.
fn enter_pwd() {
    #[cfg(target_family = "wasm")]
    {
        if let Ok(pwd) = std::env::var("PWD")
            && pwd.starts_with('/')
            && std::env::set_current_dir(&pwd).is_ok()
        {
            let _ = CWD.set(pwd);
        }
    }
}

/// The working directory for spawned children: the one [`enter_pwd`] entered (`None`, the
/// caller's, if it did not). Natively the current directory.
fn cwd() -> Option<String> {
    if let Some(dir) = CWD.get() {
        return Some(dir.clone());
    }
    #[cfg(not(target_family = "wasm"))]
    if let Ok(dir) = std::env::current_dir() {
        return Some(dir.to_string_lossy().into_owned());
    }
    None
}

/// Exits with `code`. On wasm32-wasip2 `std::process::exit` reports every non-zero code as 1, so the
/// exact code goes through `wasi:cli/exit.exit-with-code`.
fn exit(code: i32) -> ! {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let _ = std::io::Write::flush(&mut std::io::stderr());
    #[cfg(all(target_os = "wasi", target_env = "p2"))]
    wasip2::cli::exit::exit_with_code((code & 0xff) as u8);
    std::process::exit(code)
}
