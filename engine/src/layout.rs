//! The workspace as the guest sees it: where it is mounted, the directory the host keeps in it, and which
//! entrypoint paths are allowed. Shared by the capability policy (which grants them) and [`crate::workspace`]
//! (which creates them); depends on nothing else in the crate.
//!
//! ```text
//! /workspace/                     the Run's directory (read-write)
//! /workspace/<entrypoint>         inline source, if any
//! /workspace/.kruntimes/outputs   $KRUNTIME_OUTPUTS (written by the guest, optional)
//! /workspace/.kruntimes/artifacts $KRUNTIME_ARTIFACTS_DIR (created empty by the host)
//! ```

use std::path::{Component, Path};

/// Where the workspace is mounted in the guest.
pub const GUEST_WORKSPACE: &str = "/workspace";
/// Host-managed directory inside the workspace; entrypoints may not live under it.
pub const KRUNTIMES_DIR: &str = ".kruntimes";
/// File name of the outputs file inside [`KRUNTIMES_DIR`].
pub const OUTPUTS_FILE: &str = "outputs";
/// Directory name of the artifacts directory inside [`KRUNTIMES_DIR`].
pub const ARTIFACTS_DIR: &str = "artifacts";
/// Longest accepted entrypoint path; the same limit as the API's `spec.entrypoint`.
pub const MAX_ENTRYPOINT_BYTES: usize = kruntimes_api::limits::ENTRYPOINT_MAX_BYTES;

/// Checks that `entrypoint` is a plain relative path inside the workspace: not empty, not absolute, no `..` or
/// `.` components, no trailing `/`, no NUL, not under [`KRUNTIMES_DIR`].
pub fn validate_entrypoint(entrypoint: &str) -> std::result::Result<(), &'static str> {
    if entrypoint.is_empty() {
        return Err("must not be empty");
    }
    if entrypoint.len() > MAX_ENTRYPOINT_BYTES {
        return Err("must be at most 4096 bytes");
    }
    if entrypoint.contains('\0') {
        return Err("must not contain NUL");
    }
    if entrypoint.starts_with('/') {
        return Err("must be relative to /workspace");
    }
    if entrypoint.ends_with('/') {
        return Err("must name a file, not a directory");
    }
    let mut components = Path::new(entrypoint).components().peekable();
    if components.peek() == Some(&Component::Normal(KRUNTIMES_DIR.as_ref())) {
        return Err("must not be under .kruntimes (reserved for the host)");
    }
    for component in components {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return Err("must not contain `..`"),
            Component::CurDir => return Err("must not contain `.` components"),
            Component::RootDir | Component::Prefix(_) => {
                return Err("must be relative to /workspace");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only plain relative paths inside the workspace are accepted as entrypoints.
    #[test]
    fn entrypoint_validation() {
        for good in [
            "main.py",
            "src/app/main.sh",
            "a//b",
            ".hidden",
            "x.kruntimes/y",
        ] {
            assert_eq!(validate_entrypoint(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/..",
            "./x",
            "dir/",
            "a\0b",
            ".kruntimes/outputs",
        ] {
            assert!(
                validate_entrypoint(bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
        assert!(validate_entrypoint(&"a".repeat(MAX_ENTRYPOINT_BYTES + 1)).is_err());
    }
}
