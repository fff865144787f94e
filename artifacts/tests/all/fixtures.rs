//! Shared helpers: trees of files in temporary directories, tar.gz listing, a Run identity.

use std::io::Read;
use std::path::Path;

use kruntimes_artifacts::RunIdentity;

/// Writes `files` (relative path, contents) under `root`, creating parent directories.
pub(crate) fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// A workspace with an empty artifacts directory at `.kruntimes/artifacts`.
pub(crate) fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let artifacts = tmp.path().join(".kruntimes/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    (tmp, artifacts)
}

/// The artifacts directory relative to the workspace.
pub(crate) const ARTIFACTS: &str = ".kruntimes/artifacts";

/// One tar entry: path, type flag, mode, mtime, uid, gid and contents.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) dir: bool,
    pub(crate) mode: u32,
    pub(crate) mtime: u64,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    pub(crate) contents: Vec<u8>,
}

/// Lists a tar.gz.
pub(crate) fn untar(bytes: &[u8]) -> Vec<Entry> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut contents = Vec::new();
            entry.read_to_end(&mut contents).unwrap();
            Entry {
                path: entry.path().unwrap().to_string_lossy().into_owned(),
                dir: header.entry_type().is_dir(),
                mode: header.mode().unwrap(),
                mtime: header.mtime().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                contents,
            }
        })
        .collect()
}

/// The identity every store test uploads under.
pub(crate) fn run() -> RunIdentity {
    RunIdentity {
        namespace: "team-a".to_owned(),
        name: "build-1".to_owned(),
        uid: "0b7c-uid".to_owned(),
        attempt: 2,
    }
}
