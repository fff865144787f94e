//! Helpers shared by the test guests. Each guest is one binary in `src/bin/`, std only.

#[cfg(not(target_os = "wasi"))]
compile_error!(
    "test-guests are wasm32-wasip2 programs: build from runtimes/ (its .cargo/config.toml sets the target) or pass \
     --target wasm32-wasip2"
);

use std::ffi::CString;
use std::io;

unsafe extern "C" {
    /// wasi-libc's `symlink(2)`, linked into every wasm32-wasip2 std binary. std exposes it only behind the
    /// unstable `wasi_ext` feature, and the guests build on stable.
    #[link_name = "symlink"]
    fn libc_symlink(
        target: *const std::ffi::c_char,
        linkpath: *const std::ffi::c_char,
    ) -> std::ffi::c_int;
}

/// Creates the symlink `link` pointing at `target` (which is not resolved).
pub fn symlink(target: &str, link: &str) -> io::Result<()> {
    let target = CString::new(target).map_err(io::Error::other)?;
    let link = CString::new(link).map_err(io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let rc = unsafe { libc_symlink(target.as_ptr(), link.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
