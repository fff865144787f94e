//! Finding a runtime's component for `krt local`: `--component FILE.wasm`, or a built-in runtime.
//!
//! Built-in runtimes (`bash`, `python`) live in a directory laid out as runtimed's
//! (`<name>/component.wasm`, read-only mounts under `<name>/root/`). It is, in order: `--builtins DIR`,
//! `$KRUNTIMES_BUILTINS`, `<dir of krt>/../share/kruntimes/runtimes` (an installed `krt`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kruntimes_api::v1alpha1::Runtime;
use kruntimes_host::builtins::BUILTINS_ENV;
use kruntimes_host::{Builtin, RuntimePolicy};
use kube::ResourceExt;

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

/// Runtimes declared with `--runtime-file`: every object of the manifest must be a valid Runtime.
pub(crate) fn declared(file: Option<&Path>) -> Result<Vec<Runtime>> {
    let Some(file) = file else {
        return Ok(Vec::new());
    };
    let origin = file.display().to_string();
    let mut runtimes = Vec::new();
    for object in crate::manifest::parse(&origin, &crate::manifest::read_text(file)?)? {
        match object {
            crate::manifest::Object::Runtime(rt) => {
                if let Err(errors) = kruntimes_api::validation::validate_runtime(&rt) {
                    bail!(
                        "{origin}: Runtime {:?} is invalid:\n{errors}",
                        rt.name_any()
                    );
                }
                runtimes.push(*rt);
            }
            other => bail!("{origin}: {} is not a Runtime", other.describe()),
        }
    }
    Ok(runtimes)
}

/// [`resolve`] for runtime `name` as a Runtime of `declared` describes it, if one is named so: its
/// `component.builtin` when no `--component` is given, and its `limits` and `capabilities` on the component
/// that runs the Run. `url` and `image` components are not fetched: they need `--component`, or a runtime of
/// that name laid out as a built-in one under `--builtins`.
pub(crate) fn resolve_declared(
    name: &str,
    component: Option<&Path>,
    builtins: Option<&Path>,
    declared: &[Runtime],
) -> Result<Vec<Resolved>> {
    let Some(rt) = declared.iter().find(|r| r.name_any() == name) else {
        return resolve(name, component, builtins);
    };
    let source = &rt.spec.component;
    let mut resolved = match (component, source.builtin) {
        (Some(_), _) => resolve(name, component, builtins)?,
        (None, Some(builtin)) => {
            let mut all = resolve(builtin.as_str(), None, builtins)?;
            if builtin.as_str() != name {
                // The Runtime's name runs the built-in component; the built-in names stay for its programs.
                let main = all
                    .iter()
                    .find(|r| r.name == builtin.as_str())
                    .map(|r| Resolved {
                        name: name.to_owned(),
                        component: r.component.clone(),
                        policy: r.policy.clone(),
                    });
                all.extend(main);
            }
            all
        }
        // A runtime laid out as a built-in one under --builtins (a custom Python runtime) stands in locally.
        (None, None)
            if builtins_dir(builtins)
                .is_some_and(|dir| matches!(Builtin::find(&dir, name), Ok(Some(_)))) =>
        {
            resolve(name, None, builtins)?
        }
        (None, None) => {
            let what = match (&source.url, &source.image) {
                (Some(url), _) => format!("downloaded from {url}"),
                (None, Some(image)) => format!("in the image {}", image.reference),
                (None, None) => "not set".to_owned(),
            };
            bail!(
                "Runtime {name:?}: its component is {what}; krt local neither downloads nor pulls components: \
                 give the .wasm file with --component FILE.wasm"
            )
        }
    };
    if let Some(main) = resolved.iter_mut().find(|r| r.name == name) {
        // A mount the local layout already provides at that guest path (a custom Python runtime's
        // `root/python` at /python) stands in for the Runtime's, whose `path` exists only in its pods.
        let mut capabilities = rt.spec.capabilities.clone();
        if let Some(caps) = &mut capabilities {
            let provided = &main.policy.capabilities.mounts;
            caps.mounts
                .retain(|m| provided.iter().all(|p| p.guest_path != m.guest_path));
        }
        main.policy
            .apply(rt.spec.limits.as_ref(), capabilities.as_ref());
    }
    Ok(resolved)
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
                    let mut policy = RuntimePolicy::default();
                    policy.apply(None, rt.spec.capabilities.as_ref());
                    policy.capabilities
                }
                _ => bail!("{origin}: expected exactly one Runtime"),
            }
        }
        None => kruntimes_host::RuntimeCapabilities::default(),
    };
    let sha256 = hex_digest(&sha2::Sha256::digest(&bytes));
    let (interface, verdict) = kruntimes_host::imports::examine(&bytes, &grants);
    let ok = verdict.problems.is_empty();
    let (imports, exports) = (interface.imports, interface.exports);
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
