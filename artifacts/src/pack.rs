//! The deterministic tar.gz of a directory artifact.
//!
//! The same tree always gives the same bytes, so its digest identifies its contents:
//! - entries in bytewise name order, each directory before its contents, all under `<artifact-name>/`;
//! - mtime 0, uid/gid 0, no user or group names, mode `0755` for directories and `0644` for files;
//! - GNU headers (long names as GNU extensions), gzip with a zero mtime and a fixed level.
//!
//! Symlinks and special files anywhere in the tree are errors naming their path; nothing is followed.

use std::io::{self, Read, Write};

use cap_std::fs::Dir;
use flate2::{Compression, GzBuilder};

use crate::error::{Error, Result};
use crate::spool::Spool;
use crate::tree::{EntryKind, entry_kind, join, open_dir, open_file, sorted_names};

/// Deepest directory nesting inside one artifact.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most entries (files and directories) inside one directory artifact.
pub(crate) const MAX_ENTRIES: usize = 100_000;

struct Walk {
    /// Bytes of the files added so far, checked against the per-artifact limit before reading each file.
    raw_bytes: u64,
    max_raw_bytes: u64,
    entries: usize,
}

/// Packs `dir` (the artifact `name`) into `spool` as a tar.gz.
pub(crate) fn pack(dir: Dir, name: &str, max_raw_bytes: u64, spool: &mut Spool) -> Result<()> {
    let encoder = GzBuilder::new().write(&mut *spool, Compression::new(6));
    let mut builder = tar::Builder::new(encoder);
    let mut walk = Walk {
        raw_bytes: 0,
        max_raw_bytes,
        entries: 0,
    };
    let packed = add_dir(&mut builder, &dir, name, 0, &mut walk).and_then(|()| {
        builder
            .into_inner()
            .and_then(|encoder| encoder.finish())
            .map(drop)
            .map_err(|err| Failure::Io(name.to_owned(), err))
    });
    match packed {
        Ok(()) => Ok(()),
        Err(Failure::Io(path, err)) => Err(spool.classify(&path, err)),
        Err(Failure::Other(err)) => Err(err),
    }
}

enum Failure {
    /// An I/O error while writing the archive: a read of the workspace, the spool's limit or its temp file.
    Io(String, io::Error),
    Other(Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Other(err)
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn add_dir<W: Write>(
    builder: &mut tar::Builder<W>,
    dir: &Dir,
    path: &str,
    depth: usize,
    walk: &mut Walk,
) -> std::result::Result<(), Failure> {
    if depth > MAX_DEPTH {
        return Err(Error::Limit {
            path: path.to_owned(),
            problem: format!("directories nest deeper than {MAX_DEPTH} levels"),
        }
        .into());
    }
    count(path, walk)?;
    let mut dir_header = header(tar::EntryType::Directory, 0o755, 0);
    builder
        .append_data(&mut dir_header, format!("{path}/"), io::empty())
        .map_err(|err| Failure::Io(path.to_owned(), err))?;
    for name in sorted_names(dir, path)? {
        let child = join(path, &name);
        match entry_kind(dir, &name, &child)? {
            EntryKind::Dir => {
                let sub = open_dir(dir, &name, &child)?;
                add_dir(builder, &sub, &child, depth + 1, walk)?;
            }
            EntryKind::File => {
                count(&child, walk)?;
                let file = open_file(dir, &name, &child)?;
                let len = file
                    .metadata()
                    .map_err(|source| Error::Read {
                        path: child.clone(),
                        source,
                    })?
                    .len();
                walk.raw_bytes = walk.raw_bytes.saturating_add(len);
                if walk.raw_bytes > walk.max_raw_bytes {
                    return Err(Error::Limit {
                        path: child,
                        problem: format!(
                            "the directory's files exceed the per-artifact limit of {} bytes",
                            walk.max_raw_bytes
                        ),
                    }
                    .into());
                }
                let mut file_header = header(tar::EntryType::Regular, 0o644, len);
                let mut reader = ExactReader {
                    inner: file.take(len),
                    left: len,
                };
                builder
                    .append_data(&mut file_header, &child, &mut reader)
                    .map_err(|err| Failure::Io(child.clone(), err))?;
                if reader.left != 0 {
                    return Err(Failure::Io(
                        child,
                        io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank while packing"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn count(path: &str, walk: &mut Walk) -> Result<()> {
    walk.entries += 1;
    if walk.entries > MAX_ENTRIES {
        return Err(Error::Limit {
            path: path.to_owned(),
            problem: format!("a directory artifact holds at most {MAX_ENTRIES} entries"),
        });
    }
    Ok(())
}

/// Counts what is read so a file that shrank between `stat` and read is detected (the header promised `len`).
struct ExactReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left -= n as u64;
        Ok(n)
    }
}
