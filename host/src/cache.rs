//! The component cache: compile each component once, keep it on disk and in memory.
//!
//! A component is identified by the sha256 of its bytes. Compiling it (Cranelift, seconds for a Python runtime)
//! happens once per digest *and engine configuration*: the artefact is written to
//! `<cache-dir>/<sha256>-<engine-hash>.cwasm`, where the engine hash is wasmtime's
//! [`precompile_compatibility_hash`](wasmtime::Engine::precompile_compatibility_hash) (version, target, settings)
//! hashed with sha256. A restarted daemon maps the file back with `Component::deserialize_file` in about 2 ms
//! instead of recompiling. In memory, each digest keeps one [`Runtime`]: the component and its `InstancePre`
//! (imports resolved once), so a Run only instantiates.
//!
//! Writes go to a temporary file renamed into place, so a crash never leaves a partial `.cwasm` under a final name.
//! An artefact that fails to load (corrupt, or from another wasmtime) is removed and recompiled.
//!
//! Loaded artefacts are memory-mapped: a file is never modified in place, only replaced by rename, because
//! rewriting a mapped file under a running process makes it fault (`SIGBUS`). The cache directory must therefore
//! belong to runtimed alone.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::run::Pre;

/// Interface-name prefix of our own host imports (`kruntimes:runtime/spawn@0.1.0`, ...).
pub const KRUNTIMES_IMPORT_PREFIX: &str = "kruntimes:runtime/";

/// A compiled component ready to instantiate. Shared by every Run of every Runtime that uses the same bytes.
pub struct Runtime {
    digest: String,
    component: Component,
    pre: Pre,
    imports_kruntimes: bool,
}

impl Runtime {
    /// sha256 of the component bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Whether the component imports `kruntimes:runtime` interfaces (and so needs our host implementations).
    pub fn imports_kruntimes(&self) -> bool {
        self.imports_kruntimes
    }

    /// Names of the component's imports (`wasi:cli/environment@0.2.x`, ...).
    pub fn imports(&self, engine: &Engine) -> Vec<String> {
        self.component
            .component_type()
            .imports(engine.wasmtime())
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    pub(crate) fn pre(&self) -> &Pre {
        &self.pre
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("digest", &self.digest)
            .field("imports_kruntimes", &self.imports_kruntimes)
            .finish_non_exhaustive()
    }
}

/// What the cache reports around compiling a component, so that a slow first start can say why.
#[derive(Debug, Clone)]
pub enum CompileEvent {
    /// No precompiled artefact: compiling `bytes` of component into `artefact`.
    Started {
        /// The component's sha256.
        digest: String,
        /// The component's size.
        bytes: usize,
        /// Where the compiled artefact will be kept.
        artefact: PathBuf,
    },
    /// The artefact is written.
    Finished {
        /// The component's sha256.
        digest: String,
        /// Time the compilation took.
        elapsed: std::time::Duration,
    },
}

/// A function told of every [`CompileEvent`].
#[derive(Clone)]
pub struct CompileObserver(pub Arc<dyn Fn(&CompileEvent) + Send + Sync>);

impl std::fmt::Debug for CompileObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompileObserver(..)")
    }
}

/// Precompiled components on disk plus loaded [`Runtime`]s in memory.
pub struct ComponentCache {
    engine: Engine,
    dir: PathBuf,
    engine_hash: String,
    observer: Option<CompileObserver>,
    // A std mutex held only for map lookups and inserts, never across compilation.
    loaded: Mutex<HashMap<String, Arc<Runtime>>>,
}

impl ComponentCache {
    /// A cache in `dir` (created if missing) for components compiled by `engine`.
    pub fn new(engine: Engine, dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| Error::CacheIo {
            path: dir.clone(),
            source,
        })?;
        let engine_hash = engine_hash(engine.wasmtime());
        Ok(Self {
            engine,
            dir,
            engine_hash,
            observer: None,
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// Tells `observer` when a component is compiled (not when a precompiled one is loaded).
    #[must_use]
    pub fn with_observer(mut self, observer: Option<CompileObserver>) -> Self {
        self.observer = observer;
        self
    }

    fn notify(&self, event: CompileEvent) {
        if let Some(observer) = &self.observer {
            (observer.0)(&event);
        }
    }

    /// The engine compatibility hash used in file names (16 hex digits).
    pub fn engine_hash(&self) -> &str {
        &self.engine_hash
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads a component from bytes: from memory, else from the on-disk artefact, else by compiling it.
    ///
    /// Blocking (compilation takes seconds): call it from `spawn_blocking` in async code.
    ///
    /// # Errors
    ///
    /// [`Error::CompileComponent`] for invalid wasm, [`Error::PrepareComponent`] if its imports cannot be
    /// satisfied or it is not a `wasi:cli/command`, [`Error::CacheIo`] / [`Error::LoadComponent`] for cache
    /// trouble.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<Runtime>> {
        let digest = hex::encode(Sha256::digest(bytes));
        if let Some(runtime) = self.lookup(&digest) {
            return Ok(runtime);
        }
        let path = self.artefact_path(&digest);
        let component = match self.deserialize(&path) {
            Ok(Some(component)) => component,
            Ok(None) => self.compile(&digest, bytes, &path)?,
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "discarding unusable precompiled component");
                let _ = std::fs::remove_file(&path);
                self.compile(&digest, bytes, &path)?
            }
        };
        let runtime = Arc::new(self.prepare(digest.clone(), component)?);
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have loaded the same digest meanwhile; keep the first so all Runs share one.
        Ok(Arc::clone(loaded.entry(digest).or_insert(runtime)))
    }

    /// [`load`](Self::load) from a file.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Arc<Runtime>> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::CacheIo {
            path: path.to_owned(),
            source,
        })?;
        self.load(&bytes)
    }

    /// Number of loaded components.
    pub fn len(&self) -> usize {
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lookup(&self, digest: &str) -> Option<Arc<Runtime>> {
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(digest)
            .cloned()
    }

    fn artefact_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join(format!("{digest}-{}.cwasm", self.engine_hash))
    }

    /// Maps an existing artefact, `Ok(None)` if there is none.
    fn deserialize(&self, path: &Path) -> Result<Option<Component>> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Ok(None),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::CacheIo {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        #[expect(
            unsafe_code,
            reason = "deserializing trusts the file to be wasmtime output that is never modified while mapped: we \
                      only pass files this module wrote (temp file + rename, never rewritten in place) into our own \
                      cache directory, named by the component's sha256 and this engine's compatibility hash, and \
                      checked to be a regular file, not a symlink"
        )]
        // SAFETY: see the `expect` reason above; wasmtime additionally checks the header and engine settings.
        let component = unsafe { Component::deserialize_file(self.engine.wasmtime(), path) };
        component.map(Some).map_err(|source| Error::LoadComponent {
            path: path.to_owned(),
            source,
        })
    }

    fn compile(&self, digest: &str, bytes: &[u8], path: &Path) -> Result<Component> {
        self.notify(CompileEvent::Started {
            digest: digest.to_owned(),
            bytes: bytes.len(),
            artefact: path.to_owned(),
        });
        let started = std::time::Instant::now();
        let compiled = self
            .engine
            .wasmtime()
            .precompile_component(bytes)
            .map_err(|source| Error::CompileComponent {
                digest: digest.to_owned(),
                source,
            })?;
        let io_err = |source| Error::CacheIo {
            path: path.to_owned(),
            source,
        };
        let mut tmp = tempfile_in(&self.dir).map_err(io_err)?;
        tmp.as_file_mut().write_all(&compiled).map_err(io_err)?;
        tmp.as_file_mut().sync_all().map_err(io_err)?;
        tmp.persist(path).map_err(|err| io_err(err.error))?;
        tracing::info!(
            digest,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = compiled.len(),
            "compiled component"
        );
        self.notify(CompileEvent::Finished {
            digest: digest.to_owned(),
            elapsed: started.elapsed(),
        });
        self.deserialize(path)?.ok_or_else(|| Error::CacheIo {
            path: path.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
    }

    fn prepare(&self, digest: String, component: Component) -> Result<Runtime> {
        let prepare_err = |source| Error::PrepareComponent {
            digest: digest.clone(),
            source,
        };
        let instance_pre = self
            .engine
            .linker()
            .instantiate_pre(&component)
            .map_err(prepare_err)?;
        let pre = Pre::new(instance_pre).map_err(prepare_err)?;
        let imports_kruntimes = component
            .component_type()
            .imports(self.engine.wasmtime())
            .any(|(name, _)| name.starts_with(KRUNTIMES_IMPORT_PREFIX));
        Ok(Runtime {
            digest,
            component,
            pre,
            imports_kruntimes,
        })
    }
}

impl std::fmt::Debug for ComponentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentCache")
            .field("dir", &self.dir)
            .field("engine_hash", &self.engine_hash)
            .field("loaded", &self.len())
            .finish()
    }
}

/// A named temporary file in `dir` (same filesystem, so the final rename is atomic).
fn tempfile_in(dir: &Path) -> std::io::Result<TempFile> {
    TempFile::new_in(dir)
}

/// sha256 of wasmtime's compatibility hash input, 16 hex digits. Stable across processes, unlike `DefaultHasher`
/// with random keys.
fn engine_hash(engine: &wasmtime::Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..8])
}

/// Feeds `Hash` input into sha256.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Only `write` is used; the digest is read from the inner state.
        let digest = self.0.clone().finalize();
        u64::from_le_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ])
    }
}

/// A temporary file removed on drop unless persisted.
pub(crate) struct TempFile {
    path: PathBuf,
    file: std::fs::File,
    persisted: bool,
}

/// Error of [`TempFile::persist`].
pub(crate) struct PersistError {
    pub(crate) error: std::io::Error,
}

impl TempFile {
    fn new_in(dir: &Path) -> std::io::Result<Self> {
        Self::with_suffix(dir, "cwasm")
    }

    /// A new `.tmp-<pid>-<n>.<suffix>` file in `dir`.
    pub(crate) fn with_suffix(dir: &Path, suffix: &str) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".tmp-{}-{n}.{suffix}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Self {
            path,
            file,
            persisted: false,
        })
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn as_file_mut(&mut self) -> &mut std::fs::File {
        &mut self.file
    }

    /// Renames the file to `to` (atomically replacing a file there).
    pub(crate) fn persist(mut self, to: &Path) -> std::result::Result<(), PersistError> {
        std::fs::rename(&self.path, to).map_err(|error| PersistError { error })?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine hash is stable for one configuration and differs when the configuration differs.
    #[test]
    fn engine_hash_is_stable_and_config_sensitive() {
        let a = wasmtime::Engine::default();
        let b = wasmtime::Engine::default();
        assert_eq!(engine_hash(&a), engine_hash(&b));
        assert_eq!(engine_hash(&a).len(), 16);
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let c = wasmtime::Engine::new(&config).unwrap();
        assert_ne!(engine_hash(&a), engine_hash(&c));
    }

    /// A temporary file disappears unless persisted; persisting renames it into place.
    #[test]
    fn temp_files_are_atomic() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut tmp = TempFile::new_in(dir.path()).unwrap();
            tmp.as_file_mut().write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut tmp = TempFile::new_in(dir.path()).unwrap();
        tmp.as_file_mut().write_all(b"done").unwrap();
        tmp.persist(&dir.path().join("final"))
            .map_err(|e| e.error)
            .unwrap();
        assert_eq!(std::fs::read(dir.path().join("final")).unwrap(), b"done");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Invalid bytes fail to compile with the digest in the error, and nothing is cached.
    #[test]
    fn invalid_component_fails_to_compile() {
        let engine = Engine::new(crate::EngineConfig {
            pooling: false,
            ..crate::EngineConfig::default()
        })
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cache = ComponentCache::new(engine, dir.path()).unwrap();
        let err = cache.load(b"not wasm").unwrap_err();
        assert_eq!(err.reason(), "CompileComponent");
        assert!(err.to_string().starts_with("failed to compile component "));
        assert!(cache.is_empty());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
