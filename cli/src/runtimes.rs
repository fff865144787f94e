//! Finding a runtime's component for `krt local`: `--component [NAME=]FILE.wasm`, or a built-in runtime.
//!
//! Built-in runtimes (`bash`, `python`) live in a directory laid out as runtimed's
//! (`<name>/component.wasm`, read-only mounts under `<name>/root/`). It is, in order: `--builtins DIR`,
//! `$KRUNTIMES_BUILTINS`, `<dir of krt>/../share/kruntimes/runtimes` (an installed `krt`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kruntimes_api::v1alpha1::Runtime;
use kruntimes_engine::builtins::BUILTINS_ENV;
use kruntimes_engine::{Builtin, Load, RuntimePolicy};
use kube::ResourceExt;

/// A component to register, with the policy it runs under.
pub(crate) struct Resolved {
    /// The runtime name to register it as.
    pub(crate) name: String,
    /// The component's file.
    pub(crate) component: PathBuf,
    /// Its policy (a built-in runtime's read-only mounts and programs).
    pub(crate) policy: RuntimePolicy,
    /// Loaded before the Run starts (a runtime the Run names), or when first spawned (a program of it).
    pub(crate) load: Load,
}

/// The `--component` flags: `NAME=FILE` gives runtime NAME's component; a bare `FILE` is the component of the one
/// runtime the Run (or every step of the Workflow) names. A component never replaces a runtime the user did not
/// name: a bare `FILE` for a Workflow whose steps use several runtimes is refused, not applied to all of them.
#[derive(Debug, Default)]
pub(crate) struct Components {
    named: BTreeMap<String, PathBuf>,
    bare: Option<PathBuf>,
}

impl Components {
    /// Parses the flags. `NAME=FILE` needs NAME to be a runtime name (lowercase letters, digits and `-`) and FILE
    /// not to exist as a whole (a file whose name holds `=` is a bare `FILE`).
    pub(crate) fn parse(flags: &[String]) -> Result<Self> {
        let mut components = Self::default();
        for flag in flags {
            let named = flag.split_once('=').filter(|(name, _)| {
                !Path::new(flag).exists()
                    && !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
            match named {
                Some((name, file)) => {
                    if file.is_empty() {
                        bail!(
                            "--component {flag}: no file after {name:?}=; expected NAME=FILE.wasm"
                        );
                    }
                    if let Some(before) = components
                        .named
                        .insert(name.to_owned(), PathBuf::from(file))
                    {
                        bail!(
                            "--component: runtime {name:?} is given twice ({} and {file})",
                            before.display()
                        );
                    }
                }
                None if components.bare.is_some() => bail!(
                    "--component {flag}: a second component without a runtime name; give each as \
                     --component NAME=FILE.wasm"
                ),
                None => components.bare = Some(PathBuf::from(flag)),
            }
        }
        Ok(components)
    }

    /// The component given for each runtime of `used` (the runtimes a Run or a Workflow's steps name); runtimes
    /// without one are absent (they are built-in or declared ones). Refuses a flag that names an unused runtime and
    /// a bare `FILE` when `used` holds more than one runtime or names are also given.
    pub(crate) fn assign(&self, used: &BTreeSet<&str>) -> Result<BTreeMap<String, PathBuf>> {
        let list = || used.iter().copied().collect::<Vec<_>>().join(", ");
        for name in self.named.keys() {
            if !used.contains(name.as_str()) {
                bail!(
                    "--component {name}=…: nothing here runs on runtime {name:?} (runtimes used: {})",
                    list()
                );
            }
        }
        let mut assigned = self.named.clone();
        if let Some(file) = &self.bare {
            match used.iter().next() {
                Some(only) if used.len() == 1 && self.named.is_empty() => {
                    assigned.insert((*only).to_owned(), file.clone());
                }
                _ => bail!(
                    "--component {}: ambiguous, the steps run on several runtimes ({}); say which one it \
                     implements with --component NAME={}",
                    file.display(),
                    list(),
                    file.display()
                ),
            }
        }
        Ok(assigned)
    }
}

/// Reads a component file, refusing one that is not WebAssembly with the file's name (not its bytes).
fn check_component(path: &Path) -> Result<PathBuf> {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut magic))
        .with_context(|| format!("reading the component {}", path.display()))?;
    if &magic != b"\0asm" {
        bail!(
            "{} is not a WebAssembly component (it does not start with \"\\0asm\"); give a .wasm file built for \
             wasm32-wasip2 (a wasi:cli/command)",
            path.display()
        );
    }
    Ok(path.to_owned())
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
        return Ok(vec![Resolved {
            name: name.to_owned(),
            component: check_component(path)?,
            policy: RuntimePolicy::default(),
            load: Load::Now,
        }]);
    }
    let Some(dir) = builtins_dir(builtins) else {
        bail!(
            "runtime {name:?}: no built-in runtimes found (give --builtins DIR or set ${BUILTINS_ENV}), \
             and no --component {name}=FILE.wasm was given"
        );
    };
    match Builtin::find(&dir, name)? {
        Some(builtin) => builtin
            .registrations(&dir, &RuntimePolicy::default())?
            .into_iter()
            .map(|r| {
                Ok(Resolved {
                    load: if r.name == name {
                        Load::Now
                    } else {
                        Load::OnFirstSpawn
                    },
                    name: r.name,
                    component: r.component,
                    policy: r.policy,
                })
            })
            .collect(),
        None => {
            let known: Vec<String> = Builtin::all(&dir)
                .map(|all| all.into_iter().map(|b| b.name).collect())
                .unwrap_or_default();
            bail!(
                "runtime {name:?} is not a built-in runtime in {} (built-in: {}); give its component with --component {name}=FILE.wasm",
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

/// [`resolve_declared`] for each of `names`, with the component `--component` gave it in `components`, if any.
pub(crate) fn resolve_all(
    names: &BTreeSet<&str>,
    components: &BTreeMap<String, PathBuf>,
    builtins: Option<&Path>,
    declared: &[Runtime],
) -> Result<Vec<Resolved>> {
    let mut resolved = Vec::new();
    for name in names {
        resolved.extend(resolve_declared(
            name,
            components.get(*name).map(PathBuf::as_path),
            builtins,
            declared,
        )?);
    }
    Ok(resolved)
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
                    .iter_mut()
                    .find(|r| r.name == builtin.as_str())
                    .map(|r| {
                        r.load = Load::OnFirstSpawn;
                        Resolved {
                            name: name.to_owned(),
                            component: r.component.clone(),
                            policy: r.policy.clone(),
                            load: Load::Now,
                        }
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
                 give the .wasm file with --component {name}=FILE.wasm"
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

/// `krt runtime check`: what runtimed would say of a component (see `kruntimes_engine::imports`).
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
        None => kruntimes_engine::RuntimeCapabilities::default(),
    };
    let sha256 = hex_digest(&sha2::Sha256::digest(&bytes));
    let (interface, verdict) = kruntimes_engine::imports::examine(&bytes, &grants);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(list: &[&str]) -> Result<Components> {
        Components::parse(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn a_bare_component_serves_the_only_runtime_used() {
        let c = flags(&["greet.wasm"]).unwrap();
        let one = c.assign(&["greet"].into()).unwrap();
        assert_eq!(one["greet"], Path::new("greet.wasm"));
        let err = c.assign(&["bash", "greet"].into()).unwrap_err().to_string();
        assert!(
            err.contains("ambiguous") && err.contains("--component NAME=greet.wasm"),
            "{err}"
        );
    }

    #[test]
    fn named_components_serve_their_runtime_only() {
        let c = flags(&["greet=out/greet.wasm", "tool-2=t.wasm"]).unwrap();
        let got = c.assign(&["bash", "greet", "tool-2"].into()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got["greet"], Path::new("out/greet.wasm"));
        assert!(!got.contains_key("bash"));
        let err = c.assign(&["greet"].into()).unwrap_err().to_string();
        assert!(err.contains("runtime \"tool-2\""), "{err}");
        // A bare file beside named ones is ambiguous even when one runtime is left over.
        let mixed = flags(&["greet=g.wasm", "x.wasm"]).unwrap();
        assert!(mixed.assign(&["greet", "bash"].into()).is_err());
    }

    #[test]
    fn malformed_flags_are_refused() {
        assert!(flags(&["a.wasm", "b.wasm"]).is_err());
        assert!(flags(&["greet=a.wasm", "greet=b.wasm"]).is_err());
        assert!(flags(&["greet="]).is_err());
        // Not a runtime name before `=`: a path.
        let c = flags(&["./out/x=1.wasm"]).unwrap();
        assert_eq!(
            c.assign(&["x"].into()).unwrap()["x"],
            Path::new("./out/x=1.wasm")
        );
    }

    #[test]
    fn a_file_that_is_not_wasm_is_named_not_dumped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("greet.py");
        std::fs::write(&path, "print('hi')\n").unwrap();
        let err = check_component(&path).unwrap_err().to_string();
        assert!(
            err.contains("greet.py is not a WebAssembly component"),
            "{err}"
        );
        assert!(!err.contains("112"), "no bytes in the message: {err}");
    }
}
