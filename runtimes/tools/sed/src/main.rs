//! `sed`: uutils sed 0.3 (a GNU-compatible stream editor) as a `wasi:cli/command` component.
//!
//! Supports the POSIX commands and the usual GNU extensions: `-n`, `-e`, `-f`, `-E`/`-r`, `-i[SUFFIX]`,
//! `-s`, `-z`, `--posix`, addresses `first~step`, `addr,+N`, `0,/re/`, the `I`/`M` flags, `\+ \? \|` and
//! `\w \s` in basic regexes, `\n` and `\t` in replacements. Known gaps of upstream: the word boundaries `\b`,
//! `\<`, `\>` never match; the case conversions `\U \L \u \l \E` of replacements are inserted literally; a
//! missing input file exits 1 (GNU 2). Commands that run processes (`e`, `s///e`) cannot work here.
//! `sed sed ARGS...` is accepted like upstream's multicall form.

use std::ffi::OsString;

/// Exits with `code`. On wasm32-wasip2 `std::process::exit` reports every non-zero code as 1, so the
/// exact code goes through `wasi:cli/exit.exit-with-code`.
fn exit(code: i32) -> ! {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    #[cfg(all(target_os = "wasi", target_env = "p2"))]
    wasip2::cli::exit::exit_with_code((code & 0xff) as u8);
    std::process::exit(code)
}

/// Makes `$PWD` the current directory. wasi-libc (as linked by Rust's wasm32-wasip2 std) ignores
/// `wasi:cli/environment.initial-cwd` and resolves relative paths through the `.` preopen, so `../x` fails
/// and `pwd` prints `/`. The shell passes the child's directory in `$PWD` (inside the `/workspace`
/// preopen); after `chdir` wasi-libc resolves relative paths, `..` included, against it.
fn enter_pwd() {
    #[cfg(target_os = "wasi")]
    if let Some(pwd) = std::env::var_os("PWD")
        && pwd.as_encoded_bytes().starts_with(b"/")
    {
        let _ = std::env::set_current_dir(pwd);
    }
}

fn main() {
    enter_pwd();
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.len() > 1 && args[1] == "sed" {
        uucore::set_utility_is_second_arg();
        args.remove(1);
    }
    uucore::panic::mute_sigpipe_panic();
    exit(uutils_sed::sed::uumain(args.into_iter()));
}
