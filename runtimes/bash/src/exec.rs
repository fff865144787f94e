//! The `exec` builtin (brush's needs Unix `execvp`): there is no process image to replace in a component.
//!
//! - `exec` with only redirections (`exec >log 2>&1`, `exec 3<input`) applies them to the shell itself, for the
//!   rest of the script.
//! - `exec COMMAND ARGS...` runs the command (builtins and functions are not looked up, as with `exec`) and the
//!   shell then exits with its status, which is what a replaced process looks like from outside: nothing after
//!   `exec` runs, and the Run's status is the command's.

use brush_core::{ExecutionControlFlow, ExecutionResult, builtins, commands};
use clap::Parser;

/// Replace the shell with a command, or apply redirections to the shell.
#[derive(Parser)]
#[clap(disable_help_flag = true, disable_version_flag = true)]
pub(crate) struct Exec {
    /// Pass NAME as the command's zeroth argument.
    #[arg(short = 'a', value_name = "NAME")]
    argv0: Option<String>,

    /// Run the command with an empty environment (not supported: refused).
    #[arg(short = 'c')]
    empty_environment: bool,

    /// Run the command as a login shell (accepted and ignored).
    #[arg(short = 'l')]
    login: bool,

    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub(crate) fn registration<SE: brush_core::ShellExtensions>() -> builtins::Registration<SE> {
    builtins::builtin::<Exec, SE>().special()
}

impl builtins::Command for Exec {
    type Error = brush_core::Error;

    async fn execute<SE: brush_core::ShellExtensions>(
        &self,
        mut context: brush_core::ExecutionContext<'_, SE>,
    ) -> Result<ExecutionResult, Self::Error> {
        let Some(program) = self.args.first() else {
            let fds: Vec<_> = context.iter_fds().collect();
            context.shell.replace_open_files(fds.into_iter());
            return Ok(ExecutionResult::success());
        };
        if self.empty_environment {
            use std::io::Write as _;
            writeln!(context.stderr(), "exec: -c is not supported")?;
            return Ok(ExecutionResult::new(2));
        }
        let _ = self.login;
        program.clone_into(&mut context.command_name);
        let args = self.args.iter().map(Into::into).collect();
        let mut cmd = commands::SimpleCommand::new(
            commands::ShellForCommand::ParentShell(context.shell),
            context.params,
            context.command_name,
            args,
        );
        cmd.use_functions = false;
        cmd.argv0.clone_from(&self.argv0);
        let wait = cmd.execute().await?.wait().await?;
        let mut result: ExecutionResult = wait.into();
        result.next_control_flow = ExecutionControlFlow::ExitShell;
        Ok(result)
    }
}
