//! A guest's spawn request (`kruntimes:runtime/spawn`): its arguments and environment, and its working directory,
//! which is opened beneath the Run's workspace handle. The canonical-ABI decoding before it is wasmtime's (and
//! fuzzed there); this is what runtimed decides from the decoded values. The checks are included by path (the host
//! crate would bring wasmtime into the fuzz build); the directory is opened with cap-std as runtimed opens it, in a
//! workspace holding symlinks that point out of it, and whatever opens must lie inside the workspace.
#![no_main]

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::OnceLock;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "the tests module refers to the engine crate")]
#[path = "../../engine/src/guest/spawn/request.rs"]
mod request;

/// A workspace with nested directories and symlinks out of it (`/`, `..`, an absolute path, a loop).
fn workspace() -> &'static (PathBuf, Dir) {
    static WORKSPACE: OnceLock<(PathBuf, Dir)> = OnceLock::new();
    WORKSPACE.get_or_init(|| {
        // One fixed directory, made idempotently: libFuzzer exits without running destructors, and a directory
        // per process would pile up.
        let root = std::env::temp_dir().join("kruntimes-fuzz-spawn");
        let ws = root.join("ws");
        std::fs::create_dir_all(ws.join("a/b/c")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        for (link, target) in [
            ("root", "/"),
            ("up", ".."),
            ("a/b/up2", "../../.."),
            ("abs", "/tmp"),
            ("loop", "loop"),
            ("in", "a/b"),
        ] {
            let _ = std::os::unix::fs::symlink(target, ws.join(link));
        }
        let real = ws.canonicalize().unwrap();
        let dir = Dir::open_ambient_dir(&real, ambient_authority()).unwrap();
        (real, dir)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let cwd = parts.next().unwrap_or_default();
    let args: Vec<String> = parts
        .next()
        .unwrap_or_default()
        .split('\u{2}')
        .map(str::to_owned)
        .collect();
    let env: Vec<(String, String)> = parts
        .map(|p| match p.split_once('\u{3}') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect();

    if request::check_args_env(&args, &env).is_ok() {
        assert!(args.iter().all(|a| !a.contains('\0')));
        assert!(
            env.iter()
                .all(|(k, v)| !k.is_empty() && !k.contains(['=', '\0']) && !v.contains('\0'))
        );
    }

    let Ok(rel) = request::relative_cwd(&cwd) else {
        return;
    };
    assert!(
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_))),
        "{cwd:?}"
    );
    if rel.as_os_str().is_empty() {
        return;
    }
    let (real, dir) = workspace();
    if let Ok(opened) = dir.open_dir(rel) {
        let at = std::fs::read_link(format!("/proc/self/fd/{}", opened.as_raw_fd())).unwrap();
        assert!(
            at.starts_with(real),
            "cwd {cwd:?} opened {} outside the workspace {}",
            at.display(),
            real.display()
        );
    }
});
