//! Reading `$KRUNTIME_ARTIFACTS_DIR` back after the guest exited.
//!
//! # Rules
//!
//! - Each top-level entry is one artifact, named after the entry: a regular file is stored as is, a directory as
//!   a deterministic tar.gz (see `pack`) whose entries are prefixed with the directory's name.
//! - Symlinks and special files (FIFOs, sockets, devices) are rejected with their path, wherever they are: the
//!   directory is opened component by component with `O_NOFOLLOW` through cap-std, like the host's outputs file,
//!   so nothing outside the artifacts directory is ever read.
//! - Names must be UTF-8 (they become `ArtifactRef.name`) and at most [`MAX_NAME_BYTES`] bytes.
//! - [`Limits`] are checked before anything is uploaded: the count first, then each artifact's size while it is
//!   copied (a sparse or growing file is never read past its limit), then the running total.
//!
//! Each artifact is copied to a host-side spool (memory up to [`SPOOL_IN_MEMORY_BYTES`], then an anonymous
//! temporary file) while its digest is computed, so the bytes uploaded are exactly the bytes hashed even if the
//! workspace changes afterwards. Everything here is blocking file I/O: async callers use `spawn_blocking`.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use bytes::Bytes;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::{media, pack};

/// Longest artifact name, the limit of `ArtifactRef.name`.
pub const MAX_NAME_BYTES: usize = 255;
/// Spooled artifacts stay in memory up to this size, then move to an anonymous temporary file.
pub const SPOOL_IN_MEMORY_BYTES: usize = 1024 * 1024;

/// Limits on what one Run may store. Checked during [`harvest`], before any upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most artifacts (top-level entries); `status.artifactRefs` holds at most 32.
    pub max_count: usize,
    /// Largest artifact in bytes: a file's size, or for a directory both the bytes of its files and the size of
    /// its tar.gz (so a highly compressible tree cannot make us read without bound).
    pub max_artifact_bytes: u64,
    /// Largest sum of stored sizes.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    /// 32 artifacts (the API's `artifactRefs` limit), 1 GiB each, 4 GiB in all.
    fn default() -> Self {
        Limits {
            max_count: kruntimes_api::limits::ARTIFACT_REFS_MAX_ITEMS,
            max_artifact_bytes: 1 << 30,
            max_total_bytes: 4 << 30,
        }
    }
}

/// What kind of entry an artifact came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A regular file, stored as is.
    File,
    /// A directory, stored as a tar.gz.
    Directory,
}

/// One artifact ready to upload: metadata plus a private, immutable copy of its bytes.
#[derive(Debug)]
pub struct Harvested {
    /// Entry name in the artifacts directory (becomes `ArtifactRef.name`).
    pub name: String,
    /// File or directory.
    pub kind: ArtifactKind,
    /// Stored size in bytes (the tar.gz for a directory).
    pub size: u64,
    /// Hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// Media type (`application/gzip` for a directory).
    pub media_type: &'static str,
    content: Content,
}

/// The spooled bytes of an artifact.
#[derive(Debug)]
enum Content {
    Memory(Bytes),
    /// An anonymous temporary file, read by position only (never through its shared offset).
    File(File),
}

impl Harvested {
    /// An artifact from bytes already in memory (a file named `name`).
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let name = name.into();
        let bytes = bytes.into();
        Harvested {
            media_type: media::for_file(&name),
            name,
            kind: ArtifactKind::File,
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            content: Content::Memory(bytes),
        }
    }

    /// The last component of its object key: the name, plus `.tar.gz` for a directory.
    pub fn object_name(&self) -> String {
        match self.kind {
            ArtifactKind::File => self.name.clone(),
            ArtifactKind::Directory => format!("{}.tar.gz", self.name),
        }
    }

    /// Reads `len` bytes at `offset` of the stored bytes. Blocking for a spooled file.
    pub fn read_range(&self, offset: u64, len: usize) -> io::Result<Bytes> {
        match &self.content {
            Content::Memory(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = start.saturating_add(len).min(bytes.len());
                Ok(bytes.slice(start..end))
            }
            Content::File(file) => {
                let mut buf = vec![0; len];
                file.read_exact_at(&mut buf, offset)?;
                Ok(buf.into())
            }
        }
    }

    /// The stored bytes in memory, if they were small enough to stay there.
    pub(crate) fn memory(&self) -> Option<&Bytes> {
        match &self.content {
            Content::Memory(bytes) => Some(bytes),
            Content::File(_) => None,
        }
    }

    /// A second handle on the spooled file, for reads on a blocking thread.
    pub(crate) fn file(&self) -> Option<io::Result<File>> {
        match &self.content {
            Content::Memory(_) => None,
            Content::File(file) => Some(file.try_clone()),
        }
    }
}

/// Harvests `root/relative`, where `root` is trusted (the host's workspace directory) and every component of
/// `relative` (for example `.kruntimes/artifacts`) is opened without following symlinks.
///
/// A missing artifacts directory means no artifacts.
pub fn harvest(root: &Path, relative: &Path, limits: &Limits) -> Result<Vec<Harvested>> {
    let read_err = |source| Error::Read {
        path: ".".to_owned(),
        source,
    };
    let mut dir = Dir::open_ambient_dir(root, cap_std::ambient_authority()).map_err(read_err)?;
    for component in relative.components() {
        let std::path::Component::Normal(name) = component else {
            return Err(Error::Config(format!(
                "artifacts directory {} must be a plain relative path",
                relative.display()
            )));
        };
        dir = match dir.open_dir_nofollow(name) {
            Ok(next) => next,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(_) if is_symlink(&dir, name) => {
                return Err(Error::Invalid {
                    path: ".".to_owned(),
                    problem: format!(
                        "{} is a symlink; symlinks are never followed",
                        name.to_string_lossy()
                    ),
                });
            }
            Err(err) => return Err(read_err(err)),
        };
    }
    harvest_dir(&dir, limits)
}

fn is_symlink(dir: &Dir, name: &std::ffi::OsStr) -> bool {
    dir.symlink_metadata(name)
        .is_ok_and(|meta| meta.file_type().is_symlink())
}

/// Harvests an already opened artifacts directory. See the module docs for the rules.
pub fn harvest_dir(dir: &Dir, limits: &Limits) -> Result<Vec<Harvested>> {
    let names = sorted_names(dir, ".")?;
    if names.len() > limits.max_count {
        return Err(Error::Limit {
            path: ".".to_owned(),
            problem: format!(
                "{} artifacts exceed the limit of {}",
                names.len(),
                limits.max_count
            ),
        });
    }
    let mut harvested: Vec<Harvested> = Vec::with_capacity(names.len());
    let mut total: u64 = 0;
    for name in names {
        if name.len() > MAX_NAME_BYTES {
            return Err(Error::Invalid {
                path: name,
                problem: format!("names are limited to {MAX_NAME_BYTES} bytes"),
            });
        }
        // The spool stops at whichever limit comes first; which one it was is decided after.
        let allowance = limits
            .max_artifact_bytes
            .min(limits.max_total_bytes.saturating_sub(total));
        let mut spool = Spool::new(allowance);
        let kind = match entry_kind(dir, &name, &name)? {
            EntryKind::File => {
                let file = open_file(dir, &name, &name)?;
                copy_file(file, &mut spool, &name)?;
                ArtifactKind::File
            }
            EntryKind::Dir => {
                let sub = open_dir(dir, &name, &name)?;
                pack::pack(sub, &name, limits.max_artifact_bytes, &mut spool)?;
                ArtifactKind::Directory
            }
        };
        let size = spool.size;
        let (content, sha256) = spool.finish().map_err(|source| spool_err(&name, source))?;
        total += size;
        let media_type = match kind {
            ArtifactKind::File => media::for_file(&name),
            ArtifactKind::Directory => media::DIRECTORY,
        };
        let artifact = Harvested {
            name,
            kind,
            size,
            sha256,
            media_type,
            content,
        };
        if let Some(other) = harvested
            .iter()
            .find(|other| other.object_name() == artifact.object_name())
        {
            return Err(Error::Invalid {
                problem: format!(
                    "would be stored under the same name as {} ({})",
                    other.name,
                    artifact.object_name()
                ),
                path: artifact.name,
            });
        }
        harvested.push(artifact);
    }
    Ok(harvested)
}

/// Regular file or directory; anything else is an error naming `path`.
pub(crate) enum EntryKind {
    File,
    Dir,
}

pub(crate) fn entry_kind(dir: &Dir, name: &str, path: &str) -> Result<EntryKind> {
    let meta = dir.symlink_metadata(name).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let file_type = meta.file_type();
    if file_type.is_file() {
        Ok(EntryKind::File)
    } else if file_type.is_dir() {
        Ok(EntryKind::Dir)
    } else if file_type.is_symlink() {
        Err(Error::Invalid {
            path: path.to_owned(),
            problem: "is a symlink; symlinks are never followed".to_owned(),
        })
    } else {
        Err(Error::Invalid {
            path: path.to_owned(),
            problem: "is not a regular file or directory (FIFO, socket or device)".to_owned(),
        })
    }
}

/// Opens a regular file with `O_NOFOLLOW` and re-checks its type on the handle.
pub(crate) fn open_file(dir: &Dir, name: &str, path: &str) -> Result<cap_std::fs::File> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).follow(FollowSymlinks::No);
    let file = dir.open_with(name, &options).map_err(read_err)?;
    if !file.metadata().map_err(read_err)?.is_file() {
        return Err(Error::Invalid {
            path: path.to_owned(),
            problem: "is not a regular file".to_owned(),
        });
    }
    Ok(file)
}

/// Opens a directory with `O_NOFOLLOW`.
pub(crate) fn open_dir(dir: &Dir, name: &str, path: &str) -> Result<Dir> {
    dir.open_dir_nofollow(name).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// Entry names of `dir`, sorted bytewise; a name that is not UTF-8 is an error naming it.
pub(crate) fn sorted_names(dir: &Dir, path: &str) -> Result<Vec<String>> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for entry in dir.entries().map_err(read_err)? {
        let name = entry.map_err(read_err)?.file_name();
        let Some(name) = name.to_str() else {
            return Err(Error::Invalid {
                path: join(path, &name.to_string_lossy()),
                problem: "name is not valid UTF-8".to_owned(),
            });
        };
        names.push(name.to_owned());
    }
    names.sort_unstable();
    Ok(names)
}

/// `parent/name`, with `.` as the artifacts directory itself.
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent == "." {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

fn copy_file(file: cap_std::fs::File, spool: &mut Spool, path: &str) -> Result<()> {
    let limit = spool.limit;
    // Refused from its size before a byte is read (a sparse file of any size costs the guest nothing to make);
    // `take` below still stops a file that grows while it is read.
    let size = file
        .metadata()
        .map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > limit {
        return Err(Error::Limit {
            path: path.to_owned(),
            problem: format!(
                "{size} bytes, more than {limit} bytes (the per-artifact limit, or what is left of the total)"
            ),
        });
    }
    let mut reader = file.take(limit.saturating_add(1));
    match io::copy(&mut reader, spool) {
        Ok(_) => Ok(()),
        Err(err) => Err(spool.classify(path, err)),
    }
}

fn spool_err(path: &str, source: io::Error) -> Error {
    Error::Spool {
        path: path.to_owned(),
        source,
    }
}

/// A size-limited, hashing sink: memory first, an anonymous temporary file past [`SPOOL_IN_MEMORY_BYTES`].
pub(crate) struct Spool {
    memory: Vec<u8>,
    file: Option<File>,
    hasher: Sha256,
    pub(crate) size: u64,
    limit: u64,
    over_limit: bool,
    write_failed: bool,
}

impl Spool {
    pub(crate) fn new(limit: u64) -> Self {
        Spool {
            memory: Vec::new(),
            file: None,
            hasher: Sha256::new(),
            size: 0,
            limit,
            over_limit: false,
            write_failed: false,
        }
    }

    /// Turns an I/O error seen while filling the spool into the right [`Error`] for `path`.
    pub(crate) fn classify(&self, path: &str, err: io::Error) -> Error {
        if self.over_limit {
            Error::Limit {
                path: path.to_owned(),
                problem: format!(
                    "more than {} bytes (the per-artifact limit, or what is left of the total)",
                    self.limit
                ),
            }
        } else if self.write_failed {
            spool_err(path, err)
        } else {
            Error::Read {
                path: path.to_owned(),
                source: err,
            }
        }
    }

    fn finish(mut self) -> io::Result<(Content, String)> {
        let sha256 = hex::encode(self.hasher.finalize());
        let content = match self.file.take() {
            Some(mut file) => {
                file.flush()?;
                file.rewind()?;
                Content::File(file)
            }
            None => Content::Memory(Bytes::from(self.memory)),
        };
        Ok((content, sha256))
    }

    fn store(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(file) = &mut self.file {
            return file.write_all(buf);
        }
        self.memory.extend_from_slice(buf);
        if self.memory.len() > SPOOL_IN_MEMORY_BYTES {
            let mut file = tempfile::tempfile()?;
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size.saturating_add(buf.len() as u64) > self.limit {
            self.over_limit = true;
            return Err(io::Error::other("artifact is over its size limit"));
        }
        if let Err(err) = self.store(buf) {
            self.write_failed = true;
            return Err(err);
        }
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
