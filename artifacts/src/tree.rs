//! Entries of the artifacts directory, opened one component at a time without following symlinks.

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};

use crate::error::{Error, Result};

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
