//! Finding a runtime's component for `krt local`: `--component FILE.wasm`, or a built-in runtime.
//!
//! Built-in runtimes (`bash`, `python`) live in a directory laid out as runtimed's
//! (`<name>/component.wasm`, read-only mounts under `<name>/root/`). It is, in order: `--builtins DIR`,
//! `$KRUNTIMES_BUILTINS`, `<dir of krt>/../share/kruntimes/runtimes` (an installed `krt`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kruntimes_host::builtins::BUILTINS_ENV;
use kruntimes_host::{Builtin, RuntimePolicy};

/// A component to register, with the policy it runs under.
pub(crate) struct Resolved {
    /// The runtime name to register it as.
    pub(crate) name: String,
    /// The component's bytes.
    pub(crate) component: Vec<u8>,
    /// Its policy (a built-in runtime's read-only mounts and programs).
    pub(crate) policy: RuntimePolicy,
}

/// The built-ins directory: the flag, the environment, then next to an installed `krt`.
pub(crate) fn builtins_dir(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(BUILTINS_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok()?;
    let installed = exe.parent()?.parent()?.join("share/kruntimes/runtimes");
    installed.is_dir().then_some(installed)
}

/// What to register for runtime `name`: `component` when given, else the built-in runtime of that name with the
/// tool components and other built-in runtimes its programs need.
pub(crate) fn resolve(
    name: &str,
    component: Option<&Path>,
    builtins: Option<&Path>,
) -> Result<Vec<Resolved>> {
    if let Some(path) = component {
        let component = std::fs::read(path)
            .with_context(|| format!("reading the component {}", path.display()))?;
        return Ok(vec![Resolved {
            name: name.to_owned(),
            component,
            policy: RuntimePolicy::default(),
        }]);
    }
    let Some(dir) = builtins_dir(builtins) else {
        bail!(
            "runtime {name:?}: no built-in runtimes found (give --builtins DIR or set ${BUILTINS_ENV}), \
             and no --component FILE.wasm was given"
        );
    };
    match Builtin::find(&dir, name)? {
        Some(builtin) => builtin
            .registrations(&dir, &RuntimePolicy::default())?
            .into_iter()
            .map(|r| {
                let component = std::fs::read(&r.component)
                    .with_context(|| format!("reading the component {}", r.component.display()))?;
                Ok(Resolved {
                    name: r.name,
                    component,
                    policy: r.policy,
                })
            })
            .collect(),
        None => {
            let known: Vec<String> = Builtin::all(&dir)
                .map(|all| all.into_iter().map(|b| b.name).collect())
                .unwrap_or_default();
            bail!(
                "runtime {name:?} is not a built-in runtime in {} (built-in: {}); give its component with --component FILE.wasm",
                dir.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        }
    }
}
