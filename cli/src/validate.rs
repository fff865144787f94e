//! `krt validate`: the API's rules, applied offline.

use std::process::ExitCode;

use anyhow::Result;
use kruntimes_api::validation::{validate_run, validate_runtime};

use crate::args::ValidateArgs;
use crate::manifest::{self, Object};

pub(crate) fn run(args: &ValidateArgs, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    let mut failed = 0;
    for path in &args.files {
        let origin = path.display().to_string();
        let mut objects = manifest::parse(&origin, &manifest::read_text(path)?)?;
        let workflows = objects
            .iter()
            .filter(|o| matches!(o, Object::Workflow(_)))
            .count();
        if !args.set.is_empty() && workflows == 0 {
            anyhow::bail!("--set gives a Workflow's inputs, and {origin} holds no Workflow");
        }
        for object in &mut objects {
            if let Object::Workflow(w) = object {
                crate::manifest::apply_set(w, &args.set)?;
            }
        }
        for object in &objects {
            let result = match object {
                Object::Run(r) => validate_run(r),
                Object::Runtime(r) => validate_runtime(r),
                // The API's rules plus the expression rules, which need the step graph.
                Object::Workflow(w) => kruntimes_workflow::validate(w),
            };
            match result {
                Ok(()) => writeln!(out, "{origin}: {} is valid", object.describe())?,
                Err(errors) => {
                    failed += 1;
                    writeln!(out, "{origin}: {} is invalid:", object.describe())?;
                    for e in errors.iter() {
                        writeln!(out, "  {e}")?;
                    }
                }
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
