//! Grants → `WasiCtx`: the one place WASI capabilities are handed to a guest. It reads [`Grants`] only, so what
//! a guest can reach is decided by [`crate::capabilities::grant`] alone.

use std::sync::Arc;

use wasmtime_wasi::cli::{StdinStream, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::capabilities::{Access, Grants, configure_network};
use crate::error::{Error, Result};
use crate::output::OutputBuffer;
use crate::passthrough::PassThrough;
use crate::spec::Input;
use crate::workspace::GUEST_WORKSPACE;

/// Where the guest's stdin comes from and its stdout and stderr go.
#[derive(Debug, Clone)]
pub struct Stdio {
    /// Guest stdin; `None` is empty.
    pub stdin: Option<Input>,
    /// Where guest stdout goes instead of [`Stdio::stdout`], which then stays empty.
    pub stdout_to: Option<PassThrough>,
    /// Where guest stderr goes instead of [`Stdio::stderr`], which then stays empty.
    pub stderr_to: Option<PassThrough>,
    /// Guest stdout.
    pub stdout: OutputBuffer,
    /// Guest stderr.
    pub stderr: OutputBuffer,
}

impl Stdio {
    /// An empty stdin and fresh buffers sized by the grants.
    pub fn for_grants(grants: &Grants) -> Self {
        Self {
            stdin: None,
            stdout_to: None,
            stderr_to: None,
            stdout: OutputBuffer::new(grants.stdout_bytes),
            stderr: OutputBuffer::new(grants.stderr_bytes),
        }
    }
}

impl Stdio {
    /// The same streams as trait objects, for [`wasi_ctx_with`].
    pub(crate) fn guest(&self) -> GuestStdio {
        GuestStdio {
            stdin: match &self.stdin {
                Some(input) => Arc::clone(&input.0),
                None => Arc::new(tokio::io::empty()),
            },
            stdout: match &self.stdout_to {
                Some(through) => Arc::new(through.clone()),
                None => Arc::new(self.stdout.clone()),
            },
            stderr: match &self.stderr_to {
                Some(through) => Arc::new(through.clone()),
                None => Arc::new(self.stderr.clone()),
            },
        }
    }
}

/// A guest's stdio as shareable trait objects: the Run's buffers, pipes to or from other children, or nothing.
/// Kept in the guest's state too, so its children can inherit them.
#[derive(Clone)]
pub(crate) struct GuestStdio {
    pub(crate) stdin: Arc<dyn StdinStream + Sync>,
    pub(crate) stdout: Arc<dyn StdoutStream + Sync>,
    pub(crate) stderr: Arc<dyn StdoutStream + Sync>,
}

/// Builds the Run's `WasiCtx` from `grants` and `stdio`.
///
/// # Errors
///
/// [`Error::Preopen`] if a preopened directory cannot be opened on the host.
pub fn wasi_ctx(grants: &Grants, stdio: &Stdio) -> Result<WasiCtx> {
    wasi_ctx_with(grants, &stdio.guest(), GUEST_WORKSPACE)
}

/// Builds a guest's `WasiCtx` from `grants` and `stdio`, reporting `initial_cwd` as its working directory: the one
/// place WASI capabilities are handed out.
pub(crate) fn wasi_ctx_with(
    grants: &Grants,
    stdio: &GuestStdio,
    initial_cwd: &str,
) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .args(&grants.args)
        .stdin(Arc::clone(&stdio.stdin))
        .stdout(Arc::clone(&stdio.stdout))
        .stderr(Arc::clone(&stdio.stderr))
        .initial_cwd(initial_cwd)
        // Filesystem calls run inline on the worker already running this guest's wasm, instead of a
        // `spawn_blocking` hop per call: cheaper, and no thread churn. Must precede the preopens (captured there).
        .allow_blocking_current_thread(true);
    for var in &grants.env {
        builder.env(&var.name, &var.value);
    }
    for preopen in &grants.preopens {
        let perms = match preopen.access {
            Access::ReadOnly => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        builder
            .preopened_dir(&preopen.host_path, &preopen.guest_path, perms)
            .map_err(|source| Error::Preopen {
                guest_path: preopen.guest_path.clone(),
                source,
            })?;
    }
    configure_network(&mut builder, &grants.network);
    Ok(builder.build())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::capabilities::{HostConfig, Preopen, RuntimePolicy, grant};
    use crate::spec::{RunId, RunSpec};

    /// Grants turn into a WASI context when every preopen exists; a missing directory names the guest path.
    #[test]
    fn wasi_ctx_preopens_granted_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = RunSpec::new(RunId::new("uid", 1).unwrap(), "python");
        let policy = RuntimePolicy::default();
        let mut grants = grant(&spec, &policy, &HostConfig::default(), tmp.path()).unwrap();
        for preopen in &mut grants.preopens {
            preopen.host_path = tmp.path().to_owned();
        }
        let stdio = Stdio::for_grants(&grants);
        assert!(wasi_ctx(&grants, &stdio).is_ok());

        grants.preopens.push(Preopen {
            host_path: tmp.path().join("missing"),
            guest_path: "/data".into(),
            access: Access::ReadOnly,
        });
        let err = wasi_ctx(&grants, &stdio).err().unwrap();
        assert_eq!(err.to_string(), "failed to preopen /data");
        assert_eq!(err.reason(), "Preopen");
    }
}
