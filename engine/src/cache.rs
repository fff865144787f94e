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
use wasmtime::component::{Component, Linker};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::guest::{self, GuestState, Pre};
use crate::imports::ComponentInterface;

/// Interface-name prefix of our own host imports (`kruntimes:runtime/spawn@0.1.0`, ...).
pub const KRUNTIMES_IMPORT_PREFIX: &str = "kruntimes:runtime/";

pub use crate::guest::Runtime;

/// Decides whether a component may be loaded, given its interface or why its binary could not be read; refuses
/// with an error. Called before anything is compiled or prepared.
pub type Admit<'a> =
    &'a (dyn Fn(std::result::Result<&ComponentInterface, String>) -> Result<()> + Sync);

/// Directory of the cache holding what [`ComponentCache::load_file`] remembers of source files.
pub const SOURCES_DIR: &str = "sources";

/// The top-level imports and exports of a compiled component, as [`crate::imports::inspect`] reads them from its
/// binary.
fn interface_of(component: &Component, engine: &Engine) -> ComponentInterface {
    let ty = component.component_type();
    let engine = engine.wasmtime();
    ComponentInterface {
        imports: ty
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .collect(),
        exports: ty
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect(),
    }
}

/// What identifies one version of a file: device, inode, size, mtime and ctime (ns), in hex.
fn source_key(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{:x}-{:x}-{:x}-{:x}.{:x}-{:x}.{:x}",
        meta.dev(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

/// How long after its last change a file's digest may be remembered.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether the file of `meta` last changed at least [`SETTLE`] before `now`.
fn settled(meta: &std::fs::Metadata, now: std::time::SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    let changed = std::time::UNIX_EPOCH
        + std::time::Duration::new(
            u64::try_from(meta.ctime()).unwrap_or(0),
            u32::try_from(meta.ctime_nsec()).unwrap_or(0),
        );
    now.duration_since(changed).is_ok_and(|age| age >= SETTLE)
}

/// The digest a memo file says, if it is one.
fn read_memo(memo: &Path) -> Option<String> {
    let text = std::fs::read_to_string(memo).ok()?;
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())).then_some(text)
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
    /// Resolves every component's imports once, when it is loaded.
    linker: Linker<GuestState>,
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
        let linker =
            guest::linker(engine.wasmtime()).map_err(|source| Error::BuildLinker { source })?;
        Ok(Self {
            engine,
            linker,
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
        self.load_with(bytes, &|_| Ok(()))
    }

    /// [`load`](Self::load), asking `admit` about the component's interface before it is compiled or prepared
    /// (and again for each caller when it is already loaded): `admit` refuses by returning an error.
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load), and whatever `admit` returns.
    pub fn load_with(&self, bytes: &[u8], admit: Admit<'_>) -> Result<Arc<Runtime>> {
        self.load_bytes(hex::encode(Sha256::digest(bytes)), bytes, admit)
    }

    /// [`load_with`](Self::load_with) from a file, without reading it when it is unchanged since a previous load.
    ///
    /// A file is known by its device, inode, size, mtime and ctime (a write or a replacement changes at least one;
    /// ctime cannot be set back by a user). The first load hashes the bytes and remembers
    /// `<cache-dir>/sources/<that key>` → sha256; a later load with the same key maps the precompiled artefact of
    /// that digest directly: no read, no hash. A changed file has a new key, so it is read and hashed again. A file
    /// changed less than [`SETTLE`] before it is hashed is not remembered: a second write within the filesystem's
    /// timestamp granularity could keep the key (git's "racy clean" problem).
    ///
    /// # Errors
    ///
    /// [`Error::ReadComponent`] when the file cannot be read, else as [`load_with`](Self::load_with).
    pub fn load_file(&self, path: &Path, admit: Admit<'_>) -> Result<Arc<Runtime>> {
        let read_err = |source| Error::ReadComponent {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(read_err)?;
        let meta = file.metadata().map_err(read_err)?;
        let key = source_key(&meta);
        let memo = self.dir.join(SOURCES_DIR).join(&key);
        if let Some(digest) = read_memo(&memo) {
            if let Some(runtime) = self.lookup(&digest) {
                admit(Ok(runtime.interface()))?;
                return Ok(runtime);
            }
            if let Ok(Some(component)) = self.deserialize(&self.artefact_path(&digest)) {
                admit(Ok(&interface_of(&component, &self.engine)))?;
                return self.insert(digest, component);
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(read_err)?;
        let digest = hex::encode(Sha256::digest(&bytes));
        let runtime = self.load_bytes(digest.clone(), &bytes, admit)?;
        if !settled(&meta, std::time::SystemTime::now()) {
            return Ok(runtime);
        }
        if let Err(err) = self.remember(&memo, &digest) {
            // Only the next start is slower: it hashes the file again.
            tracing::warn!(path = %memo.display(), error = %err, "cannot remember a component's digest");
        }
        Ok(runtime)
    }

    fn load_bytes(&self, digest: String, bytes: &[u8], admit: Admit<'_>) -> Result<Arc<Runtime>> {
        if let Some(runtime) = self.lookup(&digest) {
            admit(Ok(runtime.interface()))?;
            return Ok(runtime);
        }
        let path = self.artefact_path(&digest);
        let component = match self.deserialize(&path) {
            Ok(Some(component)) => {
                admit(Ok(&interface_of(&component, &self.engine)))?;
                component
            }
            found => {
                if let Err(err) = found {
                    tracing::warn!(path = %path.display(), error = %err, "discarding unusable precompiled component");
                    let _ = std::fs::remove_file(&path);
                }
                // Before compiling: a component that cannot run is refused without paying for it.
                admit(
                    crate::imports::inspect(bytes)
                        .as_ref()
                        .map_err(String::clone),
                )?;
                self.compile(&digest, bytes, &path)?
            }
        };
        self.insert(digest, component)
    }

    /// Prepares `component` and keeps it under `digest`, unless another thread was first: all Runs share one.
    fn insert(&self, digest: String, component: Component) -> Result<Arc<Runtime>> {
        let runtime = Arc::new(self.prepare(digest.clone(), component)?);
        let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(loaded.entry(digest).or_insert(runtime)))
    }

    /// Writes `memo` (a file under [`SOURCES_DIR`]) saying `digest`, atomically.
    fn remember(&self, memo: &Path, digest: &str) -> std::io::Result<()> {
        let dir = self.dir.join(SOURCES_DIR);
        std::fs::create_dir_all(&dir)?;
        let mut tmp = TempFile::with_suffix(&dir, "digest")?;
        tmp.as_file_mut().write_all(digest.as_bytes())?;
        tmp.persist(memo).map_err(|e| e.error)
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
            .linker
            .instantiate_pre(&component)
            .map_err(prepare_err)?;
        let pre = Pre::new(instance_pre).map_err(prepare_err)?;
        let interface = interface_of(&component, &self.engine);
        let imports_kruntimes = interface
            .imports
            .iter()
            .any(|name| name.starts_with(KRUNTIMES_IMPORT_PREFIX));
        Ok(Runtime::new(digest, pre, imports_kruntimes, interface))
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

/// A temporary file removed on drop unless persisted (the cache's, and runtimed's component downloads).
pub struct TempFile {
    path: PathBuf,
    file: std::fs::File,
    persisted: bool,
}

/// Error of [`TempFile::persist`].
pub struct PersistError {
    /// Why the rename failed.
    pub error: std::io::Error,
}

impl TempFile {
    fn new_in(dir: &Path) -> std::io::Result<Self> {
        Self::with_suffix(dir, "cwasm")
    }

    /// A new `.tmp-<pid>-<n>.<suffix>` file in `dir`.
    pub fn with_suffix(dir: &Path, suffix: &str) -> std::io::Result<Self> {
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
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, to write to.
    pub fn as_file_mut(&mut self) -> &mut std::fs::File {
        &mut self.file
    }

    /// Renames the file to `to` (atomically replacing a file there).
    pub fn persist(mut self, to: &Path) -> std::result::Result<(), PersistError> {
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

    /// A file's digest is remembered only once its last change is at least `SETTLE` old.
    #[test]
    fn only_settled_files_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.wasm");
        std::fs::write(&path, b"x").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let changed = meta.created().or_else(|_| meta.modified()).unwrap();
        assert!(!settled(&meta, changed));
        assert!(!settled(&meta, changed + SETTLE / 2));
        assert!(settled(&meta, changed + SETTLE * 2));
        // A clock before the change (set back) is never settled.
        assert!(!settled(&meta, std::time::UNIX_EPOCH));
    }

    /// The key of a file changes with its content and its replacement, not with reading it.
    #[test]
    fn source_keys_follow_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.wasm");
        std::fs::write(&path, b"one").unwrap();
        let key = || source_key(&std::fs::metadata(&path).unwrap());
        let first = key();
        std::fs::read(&path).unwrap();
        assert_eq!(key(), first);
        std::fs::write(&path, b"three").unwrap();
        assert_ne!(key(), first, "size and ctime changed");
        let replaced = dir.path().join("new");
        std::fs::write(&replaced, b"three").unwrap();
        let before = key();
        std::fs::rename(&replaced, &path).unwrap();
        assert_ne!(key(), before, "another inode");
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
