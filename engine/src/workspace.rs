//! Per-Run workspaces: `<workspace-root>/<run-uid>-<attempt>`, preopened in the guest as `/workspace`.
//!
//! The host creates the directory, writes the inline source to the entrypoint, reads outputs back and removes it
//! after Forget. After the guest has run, the directory is **hostile**: the guest can create symlinks (wasmtime-wasi
//! lets it create `up -> ..`, and the link really exists on the host) and odd file types. So every host access goes
//! through a cap-std [`Dir`] rooted at the workspace: paths cannot resolve outside it, outputs are opened with
//! `O_NOFOLLOW` ([`crate::outputs::read`]), and removal ([`WorkspaceRoot::remove`]) deletes symlinks as links and
//! never descends through them.
//!
//! The layout the guest sees is [`crate::layout`]'s.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

use crate::error::{Error, Result};
use crate::outputs::{self, Outputs, OutputsError};
use crate::spec::RunId;

pub use crate::layout::{
    ARTIFACTS_DIR, GUEST_WORKSPACE, KRUNTIMES_DIR, MAX_ENTRYPOINT_BYTES, OUTPUTS_FILE,
    validate_entrypoint,
};

/// The directory holding every Run's workspace.
#[derive(Debug)]
pub struct WorkspaceRoot {
    path: PathBuf,
    dir: Dir,
}

impl WorkspaceRoot {
    /// Creates `path` if needed and opens it.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let root_err = |source| Error::WorkspaceRoot {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&path).map_err(root_err)?;
        let dir = Dir::open_ambient_dir(&path, ambient_authority()).map_err(root_err)?;
        Ok(Self { path, dir })
    }

    /// The root's host path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates a fresh workspace for `id` with its `.kruntimes/artifacts` directory. A leftover directory of the
    /// same name (from a crashed daemon) is removed first.
    pub fn create(&self, id: &RunId) -> Result<Workspace> {
        let name = id.workspace_name();
        let ws_err = |op, source| Error::Workspace {
            op,
            name: name.clone(),
            source,
        };
        match self.dir.create_dir(&name) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                self.remove(&name)?;
                self.dir
                    .create_dir(&name)
                    .map_err(|e| ws_err("create", e))?;
            }
            Err(err) => return Err(ws_err("create", err)),
        }
        let dir = self.dir.open_dir(&name).map_err(|e| ws_err("open", e))?;
        dir.create_dir_all(Path::new(KRUNTIMES_DIR).join(ARTIFACTS_DIR))
            .map_err(|e| ws_err("prepare", e))?;
        Ok(Workspace {
            host_path: self.path.join(&name),
            name,
            dir,
        })
    }

    /// Removes the workspace directory `name` and everything in it without following any symlink: links the guest
    /// made are deleted as links, never traversed. A missing directory is not an error.
    ///
    /// The guest decides the shape of the tree, so removal is iterative ([`remove_tree`]): no recursion, at most
    /// three descriptors open whatever the depth (a guest nested directories 16,000 deep; a recursive removal
    /// overflowed its thread's stack and aborted the process).
    pub fn remove(&self, name: &str) -> Result<()> {
        match remove_tree(&self.dir, name) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Workspace {
                op: "remove",
                name: name.to_owned(),
                source,
            }),
        }
    }

    /// Names of the workspaces currently present (for diagnostics and leak tests).
    pub fn entries(&self) -> Result<Vec<String>> {
        let root_err = |source| Error::WorkspaceRoot {
            path: self.path.clone(),
            source,
        };
        let mut names = Vec::new();
        for entry in self.dir.entries().map_err(root_err)? {
            let entry = entry.map_err(root_err)?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

/// One directory on the way down: its name in its parent and its identity, to check the way back up.
struct Level {
    name: std::ffi::CString,
    dev: u64,
    ino: u64,
}

/// Removes `name` in `root` and everything under it, iteratively and without following symlinks.
///
/// It keeps one descriptor for the directory being emptied (plus one to read it and one for its parent on the way
/// up): it descends with `openat(O_NOFOLLOW | O_DIRECTORY)`, deletes every non-directory it reads, and climbs back
/// with `openat("..")`, checking that the parent is the directory it came from (device and inode), so a tree moved
/// during removal is an error, never a way out. Memory grows with the depth by one name per level.
pub fn remove_tree(root: &Dir, name: &str) -> io::Result<()> {
    use rustix::fs::{AtFlags, Mode, OFlags};

    let nofollow_dir = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let stat = rustix::fs::statat(root, name, AtFlags::SYMLINK_NOFOLLOW)?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::Directory {
        return Ok(rustix::fs::unlinkat(root, name, AtFlags::empty())?);
    }
    let mut cur = rustix::fs::openat(root, name, nofollow_dir, Mode::empty())?;
    let top = rustix::fs::fstat(&cur)?;
    let mut levels = vec![Level {
        name: std::ffi::CString::new(name).map_err(io::Error::other)?,
        dev: top.st_dev,
        ino: top.st_ino,
    }];
    loop {
        if let Some(sub) = delete_files_until_a_directory(&cur)? {
            let child = match rustix::fs::openat(&cur, sub.as_c_str(), nofollow_dir, Mode::empty())
            {
                Ok(child) => child,
                // Not a directory after all (replaced since it was read): delete it as a file.
                Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                    rustix::fs::unlinkat(&cur, sub.as_c_str(), AtFlags::empty())?;
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            let stat = rustix::fs::fstat(&child)?;
            levels.push(Level {
                name: sub,
                dev: stat.st_dev,
                ino: stat.st_ino,
            });
            cur = child;
            continue;
        }
        // `cur` is empty: remove it from its parent and go on there.
        let Some(done) = levels.pop() else {
            return Err(io::Error::other("workspace removal lost its place"));
        };
        let Some(parent) = levels.last() else {
            drop(cur);
            return Ok(rustix::fs::unlinkat(
                root,
                done.name.as_c_str(),
                AtFlags::REMOVEDIR,
            )?);
        };
        let up = rustix::fs::openat(&cur, "..", nofollow_dir, Mode::empty())?;
        let stat = rustix::fs::fstat(&up)?;
        if (stat.st_dev, stat.st_ino) != (parent.dev, parent.ino) {
            return Err(io::Error::other(
                "the workspace was moved while it was being removed",
            ));
        }
        rustix::fs::unlinkat(&up, done.name.as_c_str(), AtFlags::REMOVEDIR)?;
        cur = up;
    }
}

/// Deletes the non-directories of `dir` as it reads them and returns the first subdirectory found, or `None` once
/// only `.` and `..` are left.
fn delete_files_until_a_directory(
    dir: &rustix::fd::OwnedFd,
) -> io::Result<Option<std::ffi::CString>> {
    use rustix::fs::{AtFlags, FileType};

    let mut entries = rustix::fs::Dir::read_from(dir)?;
    while let Some(entry) = entries.read() {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let is_dir = match entry.file_type() {
            FileType::Directory => true,
            FileType::Unknown => {
                let stat = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
                FileType::from_raw_mode(stat.st_mode) == FileType::Directory
            }
            _ => false,
        };
        if is_dir {
            return Ok(Some(name.to_owned()));
        }
        rustix::fs::unlinkat(dir, name, AtFlags::empty())?;
    }
    Ok(None)
}

/// Removes workspaces on one dedicated thread (`kruntimes-reaper`).
///
/// Removal can take long (a Run may leave many files), so it must not run on an async worker; a dedicated thread
/// rather than `spawn_blocking` keeps the daemon's thread count constant. The thread ends when the reaper is
/// dropped.
#[derive(Debug)]
pub struct Reaper {
    jobs: mpsc::Sender<ReapJob>,
}

struct ReapJob {
    name: String,
    done: Option<tokio::sync::oneshot::Sender<Result<()>>>,
}

impl Reaper {
    /// Starts the reaper thread for `root`.
    pub fn start(root: Arc<WorkspaceRoot>) -> Result<Self> {
        let (jobs, queue) = mpsc::channel::<ReapJob>();
        std::thread::Builder::new()
            .name("kruntimes-reaper".to_owned())
            .spawn(move || {
                for job in queue {
                    let result = root.remove(&job.name);
                    match job.done {
                        Some(done) => {
                            let _ = done.send(result);
                        }
                        None => {
                            if let Err(err) = result {
                                tracing::warn!(workspace = job.name, error = %err, "failed to remove workspace");
                            }
                        }
                    }
                }
            })
            .map_err(|source| Error::Workspace {
                op: "start the reaper for",
                name: String::new(),
                source,
            })?;
        Ok(Self { jobs })
    }

    /// Removes workspace `name` and waits for it.
    pub async fn remove(&self, name: String) -> Result<()> {
        let (done, result) = tokio::sync::oneshot::channel();
        let gone = || Error::Workspace {
            op: "remove",
            name: name.clone(),
            source: io::Error::other("the reaper thread has stopped"),
        };
        self.jobs
            .send(ReapJob {
                name: name.clone(),
                done: Some(done),
            })
            .map_err(|_| gone())?;
        result.await.map_err(|_| gone())?
    }

    /// Removes workspace `name` in the background (failures are logged).
    pub fn remove_later(&self, name: String) {
        if self.jobs.send(ReapJob { name, done: None }).is_err() {
            tracing::warn!("the workspace reaper has stopped");
        }
    }
}

/// One Run's workspace. Dropping it keeps the directory; [`WorkspaceRoot::remove`] deletes it.
#[derive(Debug)]
pub struct Workspace {
    name: String,
    host_path: PathBuf,
    dir: Dir,
}

impl Workspace {
    /// Directory name (`<uid>-<attempt>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Host path, preopened as [`GUEST_WORKSPACE`].
    pub fn host_path(&self) -> &Path {
        &self.host_path
    }

    /// Writes `source` to `entrypoint` (validated with [`validate_entrypoint`]), creating parent directories.
    /// Called before the guest runs, so nothing in the workspace is guest-made yet.
    pub fn write_source(&self, entrypoint: &str, source: &[u8]) -> Result<()> {
        let ws_err = |source| Error::Workspace {
            op: "write source to",
            name: self.name.clone(),
            source,
        };
        // Checked when the Run was granted; this guards the workspace against any other caller.
        validate_entrypoint(entrypoint).map_err(|problem| {
            ws_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("entrypoint {entrypoint:?} {problem}"),
            ))
        })?;
        let path = Path::new(entrypoint);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            self.dir.create_dir_all(parent).map_err(ws_err)?;
        }
        self.dir.write(path, source).map_err(ws_err)
    }

    /// The directory handle (a cap-std sandbox rooted at the workspace).
    pub(crate) fn dir(&self) -> &Dir {
        &self.dir
    }

    /// Reads `$KRUNTIME_OUTPUTS` back without following symlinks. `Ok(None)` if the guest wrote none.
    pub fn read_outputs(&self) -> std::result::Result<Option<Outputs>, OutputsError> {
        outputs::read(&self.dir, KRUNTIMES_DIR, OUTPUTS_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, WorkspaceRoot) {
        let tmp = tempfile::tempdir().unwrap();
        let root = WorkspaceRoot::open(tmp.path().join("workspaces")).unwrap();
        (tmp, root)
    }

    /// A workspace is created with its host directory, source file and artifacts directory.
    #[test]
    fn create_writes_source_and_prepares_layout() {
        let (_tmp, root) = root();
        let ws = root.create(&RunId::new("uid", 2).unwrap()).unwrap();
        assert_eq!(ws.name(), "uid-2");
        ws.write_source("scripts/run.sh", b"echo hi\n").unwrap();
        assert_eq!(
            std::fs::read(ws.host_path().join("scripts/run.sh")).unwrap(),
            b"echo hi\n"
        );
        assert!(ws.host_path().join(".kruntimes/artifacts").is_dir());
        assert!(ws.write_source("../escape", b"x").is_err());
        assert_eq!(root.entries().unwrap(), ["uid-2"]);
    }

    /// A leftover directory with the same name is replaced by a fresh one.
    #[test]
    fn create_replaces_leftover_directory() {
        let (_tmp, root) = root();
        let id = RunId::new("uid", 1).unwrap();
        let first = root.create(&id).unwrap();
        std::fs::write(first.host_path().join("stale"), "x").unwrap();
        let second = root.create(&id).unwrap();
        assert!(!second.host_path().join("stale").exists());
    }

    /// Removing a workspace deletes guest-made symlinks (`up -> ..`, links to absolute host paths, a link in
    /// place of a subdirectory) as links and never touches their targets.
    #[test]
    fn remove_never_follows_symlinks() {
        let (tmp, root) = root();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("precious"), "keep me").unwrap();
        let sibling = root.create(&RunId::new("sibling", 1).unwrap()).unwrap();
        std::fs::write(sibling.host_path().join("data"), "sibling data").unwrap();

        let ws = root.create(&RunId::new("victim", 1).unwrap()).unwrap();
        let p = ws.host_path();
        std::fs::create_dir_all(p.join("nested/deeper")).unwrap();
        std::os::unix::fs::symlink("..", p.join("up")).unwrap();
        std::os::unix::fs::symlink("../..", p.join("nested/deeper/up2")).unwrap();
        std::os::unix::fs::symlink(&outside, p.join("abs")).unwrap();
        std::os::unix::fs::symlink("../sibling-1", p.join("nested/sib")).unwrap();
        root.remove(ws.name()).unwrap();

        assert!(!p.exists());
        assert_eq!(
            std::fs::read_to_string(outside.join("precious")).unwrap(),
            "keep me"
        );
        assert_eq!(
            std::fs::read_to_string(sibling.host_path().join("data")).unwrap(),
            "sibling data"
        );
        assert_eq!(root.entries().unwrap(), ["sibling-1"]);
        // Removing again is fine.
        root.remove("victim-1").unwrap();
    }

    /// Makes `depth` nested directories `d/d/d/...` under `dir`, each holding a file, a symlink to `..` and a FIFO,
    /// without ever holding more than two descriptors (a path that long cannot be named at once).
    fn nest(dir: &Path, depth: usize) {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let mut cur = rustix::fs::open(dir, flags, Mode::empty()).unwrap();
        for _ in 0..depth {
            rustix::fs::mkdirat(&cur, "d", Mode::from_raw_mode(0o755)).unwrap();
            let file = rustix::fs::openat(
                &cur,
                "f",
                OFlags::WRONLY | OFlags::CREATE | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o644),
            )
            .unwrap();
            drop(file);
            rustix::fs::symlinkat("..", &cur, "up").unwrap();
            rustix::fs::mknodat(
                &cur,
                "fifo",
                rustix::fs::FileType::Fifo,
                Mode::from_raw_mode(0o644),
                0,
            )
            .unwrap();
            cur = rustix::fs::openat(&cur, "d", flags, Mode::empty()).unwrap();
        }
    }

    /// A tree nested deeper than any stack could recurse (the guest's `mkdir -p` + `mv` trick reached 16,000
    /// levels and aborted the process) is removed on a thread with a 128 KiB stack, and nothing beside it is
    /// touched.
    #[test]
    fn a_tree_nested_20000_deep_is_removed_without_recursion() {
        let (_tmp, root) = root();
        let root = Arc::new(root);
        let sibling = root.create(&RunId::new("sibling", 1).unwrap()).unwrap();
        std::fs::write(sibling.host_path().join("data"), "sibling data").unwrap();
        let ws = root.create(&RunId::new("deep", 1).unwrap()).unwrap();
        nest(ws.host_path(), 20_000);
        let name = ws.name().to_owned();
        let remover = Arc::clone(&root);
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || remover.remove(&name))
            .unwrap()
            .join()
            .expect("removal must not overflow a small stack")
            .unwrap();
        assert_eq!(root.entries().unwrap(), ["sibling-1"]);
        assert_eq!(
            std::fs::read_to_string(sibling.host_path().join("data")).unwrap(),
            "sibling data"
        );
    }

    /// A workspace that is a plain file (or a FIFO) where a directory was expected is removed as such.
    #[test]
    fn a_workspace_entry_that_is_not_a_directory_is_removed() {
        let (_tmp, root) = root();
        std::fs::write(root.path().join("file-1"), "x").unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            root.path().join("fifo-1"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        root.remove("file-1").unwrap();
        root.remove("fifo-1").unwrap();
        assert!(root.entries().unwrap().is_empty());
    }

    /// A wide directory (more entries than one read of the directory returns) is emptied completely.
    #[test]
    fn a_wide_directory_is_emptied() {
        let (_tmp, root) = root();
        let ws = root.create(&RunId::new("wide", 1).unwrap()).unwrap();
        for i in 0..3000 {
            std::fs::write(
                ws.host_path().join(format!("file-with-a-long-name-{i:05}")),
                "x",
            )
            .unwrap();
            if i % 100 == 0 {
                std::fs::create_dir(ws.host_path().join(format!("dir-{i}"))).unwrap();
                std::fs::write(ws.host_path().join(format!("dir-{i}/inner")), "y").unwrap();
            }
        }
        root.remove(ws.name()).unwrap();
        assert!(root.entries().unwrap().is_empty());
    }

    /// If the workspace entry itself has been replaced by a symlink, only the link is removed.
    #[test]
    fn remove_of_a_symlinked_workspace_removes_only_the_link() {
        let (tmp, root) = root();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("precious"), "keep me").unwrap();
        std::os::unix::fs::symlink(&outside, root.path().join("evil-1")).unwrap();
        root.remove("evil-1").unwrap();
        assert!(outside.join("precious").exists());
        assert!(root.entries().unwrap().is_empty());
    }
}
