//! `krt local`: Runs on this machine, without a cluster.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kruntimes_api::consts::DEFAULT_ENTRYPOINT;
use kruntimes_api::v1alpha1::{Run, RunSpec, RunTemplate, Source};
use kruntimes_api::validation::validate_run;

use crate::args::LocalRunArgs;
use crate::manifest::{self, Object};

/// Builds the Run that `krt local run` executes, from a manifest or from flags.
pub(crate) fn run_from_args(args: &LocalRunArgs) -> Result<Run> {
    let run = if let Some(path) = &args.file {
        let origin = path.display().to_string();
        let mut objects = manifest::parse(&origin, &manifest::read_text(path)?)?;
        if objects.len() != 1 {
            bail!(
                "{origin}: holds {} objects; krt local run takes exactly one Run",
                objects.len()
            );
        }
        match objects.remove(0) {
            Object::Run(run) => *run,
            other => bail!("{origin}: {} is not a Run", other.describe()),
        }
    } else {
        let runtime = args
            .runtime
            .clone()
            .context("--runtime is required without -f")?;
        let inline = match &args.script {
            Some(path) => Some(manifest::read_text(path)?),
            None => None,
        };
        let mut run = Run::new(
            "local",
            RunSpec {
                template: RunTemplate {
                    runtime,
                    args: args.args.clone(),
                    source: inline.map(|inline| Source {
                        inline: Some(inline),
                        ..Source::default()
                    }),
                    ..RunTemplate::default()
                },
                ..RunSpec::default()
            },
        );
        run.metadata.namespace = Some("local".to_owned());
        run
    };
    if let Err(errors) = validate_run(&run) {
        bail!("the Run is invalid:\n{errors}");
    }
    Ok(run)
}

/// `krt local run`: validates the Run and prints what would execute.
pub(crate) fn run(args: &LocalRunArgs, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    let run = run_from_args(args)?;
    let t = &run.spec.template;
    let inline = t.source.as_ref().and_then(|s| s.inline.as_ref());
    writeln!(
        out,
        "Run {} is valid",
        run.metadata.name.as_deref().unwrap_or("<unnamed>")
    )?;
    writeln!(out, "  runtime:    {}", t.runtime)?;
    match inline {
        Some(src) => writeln!(
            out,
            "  source:     inline, {} bytes, written to /workspace/{}",
            src.len(),
            t.entrypoint.as_deref().unwrap_or(DEFAULT_ENTRYPOINT)
        )?,
        None => writeln!(
            out,
            "  entrypoint: {}",
            t.entrypoint
                .as_deref()
                .unwrap_or("(none: args are the command)")
        )?,
    }
    writeln!(out, "  args:       {:?}", t.args)?;
    let env: Vec<&str> = t.env.iter().map(|e| e.name.as_str()).collect();
    writeln!(out, "  env:        {env:?}")?;
    writeln!(
        out,
        "  timeout:    {}",
        t.timeout_seconds
            .map_or("the Runtime's limit".to_owned(), |s| format!("{s}s"))
    )?;
    writeln!(
        out,
        "The embedded engine does not execute Runs yet; nothing was run."
    )?;
    Ok(ExitCode::SUCCESS)
}
