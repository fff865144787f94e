//! What a spawn request alone must satisfy before anything is reserved for it: arguments and environment a
//! program can receive, and a working directory inside the workspace. Pure, and free of wasmtime: the fuzz
//! target `spawn_request` includes this file by path.

use std::path::{Component, Path};

/// The guest's path of its workspace (`crate::workspace::GUEST_WORKSPACE`; a test keeps the two equal).
pub(crate) const GUEST_WORKSPACE: &str = "/workspace";

/// Why a request's arguments or environment cannot reach a program, if they cannot.
pub(crate) fn check_args_env(
    args: &[String],
    env: &[(String, String)],
) -> Result<(), &'static str> {
    let bad_env = |(name, value): &(String, String)| {
        name.is_empty() || name.contains(['=', '\0']) || value.contains('\0')
    };
    if args.iter().any(|a| a.contains('\0')) || env.iter().any(bad_env) {
        return Err(
            "args and env must not contain NUL, and env names must be non-empty without `=`",
        );
    }
    Ok(())
}

/// The child's working directory relative to the workspace: empty for the workspace itself. Only plain names
/// are accepted (no `..`, `.` or root after the prefix), so the result can only be opened beneath the workspace
/// handle; symlinks met on the way are cap-std's to refuse.
pub(crate) fn relative_cwd(cwd: &str) -> Result<&Path, String> {
    let invalid = || format!("cwd {cwd:?} must be {GUEST_WORKSPACE} or a directory inside it");
    let rel = Path::new(cwd)
        .strip_prefix(GUEST_WORKSPACE)
        .map_err(|_| invalid())?;
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(invalid());
    }
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_constant_is_the_workspace_modules() {
        assert_eq!(GUEST_WORKSPACE, crate::workspace::GUEST_WORKSPACE);
    }

    #[test]
    fn cwd_is_the_workspace_or_a_plain_path_beneath_it() {
        assert_eq!(relative_cwd("/workspace").unwrap(), Path::new(""));
        assert_eq!(relative_cwd("/workspace/").unwrap(), Path::new(""));
        assert_eq!(relative_cwd("/workspace/a/b").unwrap(), Path::new("a/b"));
        for bad in [
            "/",
            "/tmp",
            "workspace",
            "/workspace/../etc",
            "/workspace/a/../..",
            "/workspaces",
            "",
        ] {
            let err = relative_cwd(bad).unwrap_err();
            assert!(
                err.contains("must be /workspace or a directory inside it"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn nul_and_malformed_env_names_are_refused() {
        let s = |v: &str| v.to_owned();
        assert!(check_args_env(&[s("a b"), s("")], &[(s("K"), s("v=w"))]).is_ok());
        assert!(check_args_env(&[s("a\0b")], &[]).is_err());
        assert!(check_args_env(&[], &[(s(""), s("v"))]).is_err());
        assert!(check_args_env(&[], &[(s("A=B"), s("v"))]).is_err());
        assert!(check_args_env(&[], &[(s("A"), s("v\0"))]).is_err());
    }
}
