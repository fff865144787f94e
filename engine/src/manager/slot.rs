//! A registered runtime's component: loaded at registration, or from its file the first time a Run spawns it.
//!
//! `krt local run --runtime bash` registers the shell and every program it may spawn (ten tool components and the
//! Python runtime); a Run that only says `echo hi` needs the shell alone. Programs registered with
//! [`Load::OnFirstSpawn`] cost a `stat` of nothing at start: their file is opened, checked, and compiled (or mapped
//! from the cache) by the first spawn that names them, once for all later spawns.

use std::path::PathBuf;
use std::sync::Arc;

use crate::cache::ComponentCache;
use crate::capabilities::RuntimeCapabilities;
use crate::error::{Error, Result};
use crate::guest::Slot;
use crate::imports::ComponentInterface;

/// When a component registered from a file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// At registration: a component that cannot run is refused there, and Runs may name it.
    Now,
    /// When a Run first spawns it as a program (`kruntimes:runtime/spawn`); until then Runs cannot name it.
    OnFirstSpawn,
}

/// A slot that loads the component in `file` the first time a Run asks for it, refusing it with [`admit`].
pub(crate) fn from_file(
    name: &str,
    grants: RuntimeCapabilities,
    cache: Arc<ComponentCache>,
    file: PathBuf,
) -> Slot {
    let name = name.to_owned();
    Slot::lazy(Arc::new(move || {
        cache.load_file(&file, &|interface| admit(&name, &grants, interface))
    }))
}

/// Whether runtime `name`'s component, of `interface` (or unreadable for the reason given), can run under
/// `grants`: every problem at once in [`Error::ComponentRefused`]; what will not work under these grants is logged.
pub(crate) fn admit(
    name: &str,
    grants: &RuntimeCapabilities,
    interface: std::result::Result<&ComponentInterface, String>,
) -> Result<()> {
    let refused = |problems| Error::ComponentRefused {
        name: name.to_owned(),
        problems,
    };
    let verdict = crate::imports::check(interface.map_err(|p| refused(vec![p]))?, grants);
    if !verdict.problems.is_empty() {
        return Err(refused(verdict.problems));
    }
    for note in &verdict.notes {
        tracing::info!(runtime = name, "{note}");
    }
    Ok(())
}
