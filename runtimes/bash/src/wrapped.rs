//! Builtins of brush's that this crate runs with checks around them (`export`, `declare`): the wrapper keeps
//! brush's registration (help text, flags) and replaces its execution, calling brush's own when its checks pass.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use brush_core::builtins::{CommandExecuteFunc, Registration};

use crate::errors::Extensions;

/// What a wrapper's execution returns (the shape of [`CommandExecuteFunc`]'s future).
pub(crate) type Outcome<'a> = Pin<
    Box<dyn Future<Output = Result<brush_core::ExecutionResult, brush_core::Error>> + Send + 'a>,
>;

/// brush's execution of one wrapped builtin, kept when the wrapper is registered.
pub(crate) struct Wrapped {
    name: &'static str,
    brush: OnceLock<CommandExecuteFunc<Extensions>>,
}

impl Wrapped {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self {
            name,
            brush: OnceLock::new(),
        }
    }

    /// brush's `registration` with `execute` in place of its execution (which `execute` reaches through
    /// [`Self::brush`]). Builtins sharing one implementation (`declare`, `typeset`, `local`) share one `Wrapped`.
    pub(crate) fn wrap(
        &self,
        registration: Registration<Extensions>,
        execute: CommandExecuteFunc<Extensions>,
    ) -> Registration<Extensions> {
        let _ = self.brush.set(registration.execute_func);
        Registration {
            execute_func: execute,
            ..registration
        }
    }

    /// brush's execution (an error if the wrapper was never registered over it).
    pub(crate) fn brush(&self) -> Result<CommandExecuteFunc<Extensions>, brush_core::Error> {
        self.brush
            .get()
            .copied()
            .ok_or_else(|| brush_core::ErrorKind::Unimplemented(self.name).into())
    }
}
