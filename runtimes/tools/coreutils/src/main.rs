//! `coreutils`: the uutils coreutils 0.12 utilities that build for wasm32-wasip2 (upstream's `feat_wasm`
//! set) in one multicall `wasi:cli/command` component.
//!
//! The utility is chosen by the basename of argv[0] (`ls`, `cat`, `[`, ...). When argv[0] is not a known
//! utility (e.g. `coreutils`), the first argument names it instead: `coreutils ls -l`. `coreutils --list`
//! prints the utilities. Besides upstream's wasm set it has `tac` (our own, see `tac.rs`); `sort` is
//! upstream's behind a wrapper that keeps it off threads (see `sort.rs`). `env`, `stat`, `du` and `chmod`
//! do not build for WASI; `id`, `chown`, `timeout`, `stdbuf` and the others that need processes, users or
//! terminals are left out.

mod sort;
mod tac;

use std::ffi::OsString;
use std::io::Write;

type UuMain = fn(std::vec::IntoIter<OsString>) -> i32;

/// Every utility in the build, sorted by name. `[` is `test`.
const UTILITIES: &[(&str, UuMain)] = &[
    ("[", uu_test::uumain),
    ("arch", uu_arch::uumain),
    ("b2sum", uu_b2sum::uumain),
    ("base32", uu_base32::uumain),
    ("base64", uu_base64::uumain),
    ("basename", uu_basename::uumain),
    ("basenc", uu_basenc::uumain),
    ("cat", uu_cat::uumain),
    ("cksum", uu_cksum::uumain),
    ("comm", uu_comm::uumain),
    ("cp", uu_cp::uumain),
    ("csplit", uu_csplit::uumain),
    ("cut", uu_cut::uumain),
    ("date", uu_date::uumain),
    ("dd", uu_dd::uumain),
    ("dir", uu_dir::uumain),
    ("dircolors", uu_dircolors::uumain),
    ("dirname", uu_dirname::uumain),
    ("echo", uu_echo::uumain),
    ("expand", uu_expand::uumain),
    ("expr", uu_expr::uumain),
    ("factor", uu_factor::uumain),
    ("false", uu_false::uumain),
    ("fmt", uu_fmt::uumain),
    ("fold", uu_fold::uumain),
    ("head", uu_head::uumain),
    ("hostid", uu_hostid::uumain),
    ("join", uu_join::uumain),
    ("link", uu_link::uumain),
    ("ln", uu_ln::uumain),
    ("ls", uu_ls::uumain),
    ("md5sum", uu_md5sum::uumain),
    ("mkdir", uu_mkdir::uumain),
    ("mktemp", uu_mktemp::uumain),
    ("mv", uu_mv::uumain),
    ("nice", uu_nice::uumain),
    ("nl", uu_nl::uumain),
    ("nproc", uu_nproc::uumain),
    ("numfmt", uu_numfmt::uumain),
    ("od", uu_od::uumain),
    ("paste", uu_paste::uumain),
    ("pathchk", uu_pathchk::uumain),
    ("pr", uu_pr::uumain),
    ("printenv", uu_printenv::uumain),
    ("printf", uu_printf::uumain),
    ("ptx", uu_ptx::uumain),
    ("pwd", uu_pwd::uumain),
    ("readlink", uu_readlink::uumain),
    ("realpath", uu_realpath::uumain),
    ("rm", uu_rm::uumain),
    ("rmdir", uu_rmdir::uumain),
    ("seq", uu_seq::uumain),
    ("sha1sum", uu_sha1sum::uumain),
    ("sha224sum", uu_sha224sum::uumain),
    ("sha256sum", uu_sha256sum::uumain),
    ("sha384sum", uu_sha384sum::uumain),
    ("sha512sum", uu_sha512sum::uumain),
    ("shred", uu_shred::uumain),
    ("shuf", uu_shuf::uumain),
    ("sleep", uu_sleep::uumain),
    ("sort", sort::uumain),
    ("split", uu_split::uumain),
    ("sum", uu_sum::uumain),
    ("tac", tac::uumain),
    ("tail", uu_tail::uumain),
    ("tee", uu_tee::uumain),
    ("test", uu_test::uumain),
    ("touch", uu_touch::uumain),
    ("tr", uu_tr::uumain),
    ("true", uu_true::uumain),
    ("truncate", uu_truncate::uumain),
    ("tsort", uu_tsort::uumain),
    ("tty", uu_tty::uumain),
    ("uname", uu_uname::uumain),
    ("unexpand", uu_unexpand::uumain),
    ("uniq", uu_uniq::uumain),
    ("unlink", uu_unlink::uumain),
    ("vdir", uu_vdir::uumain),
    ("wc", uu_wc::uumain),
    ("yes", uu_yes::uumain),
];

fn find(name: &str) -> Option<UuMain> {
    UTILITIES
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| UTILITIES[i].1)
}

/// The basename of a path-like argv[0].
fn basename(arg0: &OsString) -> String {
    let s = arg0.to_string_lossy();
    s.rsplit('/').next().unwrap_or_default().to_string()
}

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
    let arg0 = args.first().map(basename).unwrap_or_default();
    let (name, uumain) = if let Some(f) = find(&arg0) {
        (arg0, f)
    } else {
        // Multicall form `coreutils UTILITY ARGS...`: drop argv[0] so the utility sees its own name there.
        let Some(first) = args.get(1).map(|a| a.to_string_lossy().into_owned()) else {
            let _ = writeln!(std::io::stderr(), "coreutils: missing argument");
            exit(1);
        };
        if first == "--list" {
            let mut out = std::io::stdout().lock();
            for (n, _) in UTILITIES {
                let _ = writeln!(out, "{n}");
            }
            exit(0);
        }
        let Some(f) = find(&first) else {
            let _ = writeln!(std::io::stderr(), "coreutils: unknown program '{first}'");
            exit(1);
        };
        uucore::set_utility_is_second_arg();
        args.remove(0);
        (first, f)
    };
    args[0] = OsString::from(&name);
    let canonical = match name.as_str() {
        "[" => "test",
        "dir" | "vdir" => "ls",
        other => other,
    };
    if let Err(e) = uucore::locale::setup_localization(canonical) {
        let _ = writeln!(
            std::io::stderr(),
            "{name}: could not initialise messages: {e}"
        );
        exit(99);
    }
    exit(uumain(args.into_iter()));
}
