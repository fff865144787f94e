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
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use bytes::Bytes;
use cap_fs_ext::DirExt;
use cap_std::fs::Dir;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
pub use crate::spool::SPOOL_IN_MEMORY_BYTES;
use crate::spool::{Content, Spool, spool_err};
use crate::tree::{EntryKind, entry_kind, open_dir, open_file, sorted_names};
use crate::{media, pack};

/// Longest artifact name, the limit of `ArtifactRef.name`.
pub const MAX_NAME_BYTES: usize = 255;

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
