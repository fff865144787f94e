//! The host-side copy of one artifact: size-limited and hashed while it is written, in memory first and in an
//! anonymous temporary file past [`SPOOL_IN_MEMORY_BYTES`], so the bytes uploaded are exactly the bytes hashed.

use std::fs::File;
use std::io::{self, Seek, Write};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// Artifacts up to this size are spooled in memory; larger ones go to an anonymous temporary file.
pub const SPOOL_IN_MEMORY_BYTES: usize = 1024 * 1024;

/// The spooled bytes of an artifact.
#[derive(Debug)]
pub(crate) enum Content {
    Memory(Bytes),
    /// An anonymous temporary file, read by position only (never through its shared offset).
    File(File),
}

pub(crate) fn spool_err(path: &str, source: io::Error) -> Error {
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
    pub(crate) limit: u64,
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

    pub(crate) fn finish(mut self) -> io::Result<(Content, String)> {
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
