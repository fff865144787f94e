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

/// `krt runtime check`: what runtimed would say of a component (see `kruntimes_host::imports`).
pub(crate) fn check(
    args: &crate::args::RuntimeCheckArgs,
    out: &mut dyn std::io::Write,
) -> Result<std::process::ExitCode> {
    use sha2::Digest as _;
    let path = &args.component;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let grants = match &args.file {
        Some(file) => {
            let origin = file.display().to_string();
            let mut objects = crate::manifest::parse(&origin, &crate::manifest::read_text(file)?)?;
            match (objects.len(), objects.pop()) {
                (1, Some(crate::manifest::Object::Runtime(rt))) => {
                    kruntimes_host::RuntimeCapabilities {
                        network: rt.spec.capabilities.map(|c| c.network).unwrap_or_default(),
                        ..kruntimes_host::RuntimeCapabilities::default()
                    }
                }
                _ => bail!("{origin}: expected exactly one Runtime"),
            }
        }
        None => kruntimes_host::RuntimeCapabilities::default(),
    };
    let sha256 = hex_digest(&sha2::Sha256::digest(&bytes));
    let (interface, verdict) = match kruntimes_host::imports::inspect(&bytes) {
        Ok(interface) => {
            let verdict = kruntimes_host::imports::check(&interface, &grants);
            (Some(interface), verdict)
        }
        Err(problem) => (
            None,
            kruntimes_host::imports::Verdict {
                problems: vec![problem],
                notes: Vec::new(),
            },
        ),
    };
    let ok = verdict.problems.is_empty();
    let (imports, exports) = interface
        .map(|i| (i.imports, i.exports))
        .unwrap_or_default();
    match args.output {
        Some(format) => {
            let report = serde_json::json!({
                "component": path.display().to_string(),
                "sha256": sha256,
                "sizeBytes": bytes.len(),
                "imports": imports,
                "exports": exports,
                "ok": ok,
                "problems": verdict.problems,
                "notes": verdict.notes,
            });
            match format {
                crate::args::OutputFormat::Json => {
                    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
                }
                crate::args::OutputFormat::Yaml => {
                    write!(out, "{}", serde_yaml::to_string(&report)?)?
                }
            }
        }
        None => {
            writeln!(out, "component: {} ({} bytes)", path.display(), bytes.len())?;
            writeln!(out, "sha256:    {sha256}")?;
            writeln!(out, "exports:   {}", exports.join(", "))?;
            writeln!(out, "imports:")?;
            for import in &imports {
                writeln!(out, "  {import}")?;
            }
            for note in &verdict.notes {
                writeln!(out, "note:      {note}")?;
            }
            if ok {
                writeln!(out, "result:    runtimed can run it")?;
            } else {
                for problem in &verdict.problems {
                    writeln!(out, "refused:   {problem}")?;
                }
            }
        }
    }
    Ok(if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

fn hex_digest(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
