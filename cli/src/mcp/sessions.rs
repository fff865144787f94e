//! Sessions of `krt mcp`: named workspaces that keep their files between the calls of one conversation.
//!
//! A call that names a session still runs in a fresh instance with a fresh workspace. Before the program starts,
//! the session's files are hard-linked into that workspace (no data is copied; the program's own file, written
//! from the call's code, wins over a kept one). When the Run has ended, what the workspace then holds (but the
//! engine's `.kruntimes` directory and the program's own file) becomes the session's new state, moved, not
//! copied. Calls of one session run one after another; calls of different sessions run concurrently.
//!
//! A session is known by the name the client gives it, on this server (one `krt mcp` process): a call sees the
//! files of the session it names and of no other, and a call naming none sees only its own new workspace. Each
//! session has a directory of its own, named by a counter (never by the client's name), outside every workspace.
//! A session idle longer than the TTL is removed; one whose files grow beyond the size limit is ended by the call
//! that grew it, and that call's result says so; everything is removed when the server stops.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

/// Longest session name.
pub(crate) const MAX_NAME_BYTES: usize = 64;

/// What bounds the sessions of a server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// A session idle this long is removed.
    pub(crate) ttl: Duration,
    /// Most bytes of files a session may keep.
    pub(crate) max_bytes: u64,
    /// Most sessions open at once.
    pub(crate) max_sessions: usize,
}

/// The sessions of one server.
pub(crate) struct Sessions {
    /// The sessions' directory; each session has a subdirectory named by a counter, never by its name.
    root: PathBuf,
    limits: Limits,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    open: BTreeMap<String, Arc<Entry>>,
    /// The next session's directory name.
    next: u64,
}

struct Entry {
    dir: PathBuf,
    /// Held by the call running in the session.
    busy: Arc<tokio::sync::Mutex<()>>,
    last_used: Mutex<Instant>,
}

/// A session a call is running in: held until the call has saved the workspace (or given up).
pub(crate) struct Lease {
    name: String,
    entry: Arc<Entry>,
    _busy: tokio::sync::OwnedMutexGuard<()>,
}

/// What became of a session's files after a call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, rmcp::schemars::JsonSchema)]
pub(crate) struct Kept {
    /// The session's name.
    pub(crate) name: String,
    /// Whether the session goes on (false: it was ended, `note` says why).
    pub(crate) open: bool,
    /// Bytes of files the session keeps.
    #[schemars(schema_with = "super::count")]
    pub(crate) bytes: u64,
    /// Why the session was ended, when it was.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) note: String,
}

/// Why a call cannot use the session it names.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SessionError {
    #[error(
        "session: {0:?} is not a session name: 1 to {MAX_NAME_BYTES} letters, digits, '-', '_' or '.', \
         starting with a letter or digit"
    )]
    BadName(String),
    #[error(
        "session: {open} sessions are open, the most this server keeps; end one with end_session or wait for \
         one to expire"
    )]
    TooMany { open: usize },
    #[error("session {name:?}: {message}")]
    Io { name: String, message: String },
}

impl Sessions {
    /// Sessions under `root` (created), with a task that removes expired ones while the table lives.
    pub(crate) fn start(root: PathBuf, limits: Limits) -> io::Result<Arc<Self>> {
        std::fs::create_dir_all(&root)?;
        let sessions = Arc::new(Self {
            root,
            limits,
            table: Mutex::new(Table::default()),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(expire(Arc::downgrade(&sessions)));
        }
        Ok(sessions)
    }

    /// The session `name`, opened if it is not: waits while another call of it runs, then holds it.
    pub(crate) async fn lease(&self, name: &str) -> Result<Lease, SessionError> {
        check_name(name)?;
        loop {
            let entry = self.open(name)?;
            let guard = Arc::clone(&entry.busy).lock_owned().await;
            // Ended (by end_session or the TTL) while this call waited: it opens the session anew.
            if self
                .table()
                .open
                .get(name)
                .is_some_and(|current| Arc::ptr_eq(current, &entry))
            {
                *lock(&entry.last_used) = Instant::now();
                return Ok(Lease {
                    name: name.to_owned(),
                    entry,
                    _busy: guard,
                });
            }
        }
    }

    /// The table's entry of `name`, created with its directory if there is none.
    fn open(&self, name: &str) -> Result<Arc<Entry>, SessionError> {
        let mut table = self.table();
        if let Some(entry) = table.open.get(name) {
            return Ok(Arc::clone(entry));
        }
        if table.open.len() >= self.limits.max_sessions {
            return Err(SessionError::TooMany {
                open: table.open.len(),
            });
        }
        let dir = self.root.join(table.next.to_string());
        table.next += 1;
        std::fs::create_dir(&dir).map_err(|e| SessionError::Io {
            name: name.to_owned(),
            message: format!("creating its directory: {e}"),
        })?;
        let entry = Arc::new(Entry {
            dir,
            busy: Arc::new(tokio::sync::Mutex::new(())),
            last_used: Mutex::new(Instant::now()),
        });
        table.open.insert(name.to_owned(), Arc::clone(&entry));
        Ok(entry)
    }

    /// Ends the session `name` (after the call running in it, if any): its files are removed. False when there
    /// was no such session.
    pub(crate) async fn end(&self, name: &str) -> Result<bool, SessionError> {
        check_name(name)?;
        let Some(entry) = self.table().open.remove(name) else {
            return Ok(false);
        };
        let _busy = Arc::clone(&entry.busy).lock_owned().await;
        remove_dir(entry.dir.clone()).await;
        Ok(true)
    }

    /// Names of the open sessions.
    pub(crate) fn names(&self) -> Vec<String> {
        self.table().open.keys().cloned().collect()
    }

    /// After a call in `lease`: the ended Run's workspace becomes the session's state, or the session is ended when
    /// the workspace holds more than the limit. `program` (the file written from the call's code) is not kept.
    pub(crate) async fn save(
        &self,
        lease: Lease,
        workspace: PathBuf,
        program: Option<String>,
    ) -> Kept {
        let max_bytes = self.limits.max_bytes;
        let dir = lease.entry.dir.clone();
        // The lease goes with the work: even if this call's future is dropped meanwhile, no other call of the
        // session starts before the files are in place.
        let (lease, saved) = match tokio::task::spawn_blocking(move || {
            let saved = replace_with(&dir, &workspace, program.as_deref(), max_bytes);
            (lease, saved)
        })
        .await
        {
            Ok(done) => done,
            Err(e) => {
                // The task panicked: the session's directory is in an unknown state.
                return Kept {
                    name: String::new(),
                    open: false,
                    bytes: 0,
                    note: format!("keeping the session's files failed: {e}"),
                };
            }
        };
        *lock(&lease.entry.last_used) = Instant::now();
        let note = match saved {
            Ok(Saved::Kept { bytes }) if self.is_current(&lease) => {
                return Kept {
                    name: lease.name.clone(),
                    open: true,
                    bytes,
                    note: String::new(),
                };
            }
            Ok(Saved::Kept { .. }) => {
                "end_session ended the session while this call ran".to_owned()
            }
            Ok(Saved::TooLarge(why)) => {
                format!("the session was ended and its files removed: {why}")
            }
            Err(e) => {
                format!("the session was ended and its files removed: keeping them failed: {e}")
            }
        };
        self.forget(&lease.name, &lease.entry);
        remove_dir(lease.entry.dir.clone()).await;
        Kept {
            name: lease.name.clone(),
            open: false,
            bytes: 0,
            note,
        }
    }

    /// After a call in `lease` that was cancelled: its workspace is not kept; the session goes on with its files of
    /// before the call (but for files the program changed in place: they are shared).
    pub(crate) async fn unchanged(&self, lease: Lease) -> Kept {
        let dir = lease.entry.dir.clone();
        let bytes = tokio::task::spawn_blocking(move || measure(&dir, 0).map(|m| m.bytes))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(0);
        *lock(&lease.entry.last_used) = Instant::now();
        Kept {
            name: lease.name.clone(),
            open: self.is_current(&lease),
            bytes,
            note: "the call was cancelled: the session keeps its files of before the call"
                .to_owned(),
        }
    }

    /// Whether `lease` is still the table's entry of its session (end_session or the TTL may have ended it).
    fn is_current(&self, lease: &Lease) -> bool {
        self.table()
            .open
            .get(&lease.name)
            .is_some_and(|entry| Arc::ptr_eq(entry, &lease.entry))
    }

    /// After a call in `lease` whose workspace cannot be read: the session is ended, saying why.
    pub(crate) async fn fail(&self, lease: Lease, why: &str) -> Kept {
        self.forget(&lease.name, &lease.entry);
        remove_dir(lease.entry.dir.clone()).await;
        Kept {
            name: lease.name,
            open: false,
            bytes: 0,
            note: format!("the session was ended and its files removed: {why}"),
        }
    }

    /// Removes `name` from the table if it is still `entry`.
    fn forget(&self, name: &str, entry: &Arc<Entry>) {
        let mut table = self.table();
        if table.open.get(name).is_some_and(|e| Arc::ptr_eq(e, entry)) {
            table.open.remove(name);
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        lock(&self.table)
    }
}

impl Lease {
    /// The session's files as a workspace filler: hard links into the new workspace, directories recreated; an
    /// entry already there (the program's own file) is left as it is.
    pub(crate) fn restore(&self) -> impl Fn(&Dir) -> io::Result<()> + Send + Sync + 'static {
        let dir = self.entry.dir.clone();
        move |workspace: &Dir| {
            let kept = Dir::open_ambient_dir(&dir, ambient_authority())?;
            link_tree(&kept, workspace)
        }
    }
}

impl Drop for Sessions {
    fn drop(&mut self) {
        // The server is stopping: nothing of its sessions stays behind.
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn check_name(name: &str) -> Result<(), SessionError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(SessionError::BadName(name.to_owned()))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single assignment or map operation.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every minute, removes the sessions idle longer than the TTL and not in use; stops when the table is gone.
async fn expire(sessions: Weak<Sessions>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60).min(
        sessions.upgrade().map_or(Duration::from_secs(60), |s| {
            s.limits.ttl.max(Duration::from_secs(1))
        }),
    ));
    loop {
        tick.tick().await;
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        let expired: Vec<(String, Arc<Entry>)> = {
            let mut table = sessions.table();
            let names: Vec<String> = table
                .open
                .iter()
                .filter(|(_, e)| {
                    e.busy.try_lock().is_ok() && lock(&e.last_used).elapsed() >= sessions.limits.ttl
                })
                .map(|(name, _)| name.clone())
                .collect();
            names
                .into_iter()
                .filter_map(|name| table.open.remove(&name).map(|e| (name, e)))
                .collect()
        };
        for (_, entry) in expired {
            remove_dir(entry.dir.clone()).await;
        }
    }
}

async fn remove_dir(dir: PathBuf) {
    let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
}

/// Hard-links every file of `from` into `to`, recreating directories; entries `to` has already are skipped.
fn link_tree(from: &Dir, to: &Dir) -> io::Result<()> {
    for entry in from.entries()? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            match to.create_dir(&name) {
                Ok(()) => {}
                // The call's own file (its program) where the session kept a directory: the call's wins.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if !to.symlink_metadata(&name)?.is_dir() {
                        continue;
                    }
                }
                Err(e) => return Err(e),
            }
            let (from, to) = (from.open_dir(&name)?, to.open_dir(&name)?);
            link_tree(&from, &to)?;
        } else {
            match from.hard_link(&name, to, &name) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

enum Saved {
    Kept {
        bytes: u64,
    },
    /// Why the workspace is more than a session keeps.
    TooLarge(String),
}

/// Most files and directories a session keeps: restoring them runs while the engine admits the next call.
pub(crate) const MAX_ENTRIES: u64 = 10_000;
/// Deepest directory nesting a session keeps.
pub(crate) const MAX_DEPTH: usize = 64;

/// Makes `dir` hold what `workspace` holds (moved), but the engine's directory and `program`.
fn replace_with(
    dir: &Path,
    workspace: &Path,
    program: Option<&str>,
    max_bytes: u64,
) -> io::Result<Saved> {
    if let Some(program) = program {
        // Through the workspace's capability, not a host path: the guest may have made a directory on the way a
        // symbolic link, and the host must never follow one out of the workspace.
        // When it cannot be removed (gone, a directory now, behind a link out), it is kept like any other file.
        let _ = Dir::open_ambient_dir(workspace, ambient_authority())?.remove_file(program);
    }
    let mut total = Measure::default();
    for entry in std::fs::read_dir(workspace)? {
        let entry = entry?;
        if entry.file_name() != kruntimes_engine::layout::KRUNTIMES_DIR {
            let part = measure(&entry.path(), 1)?;
            total.bytes += part.bytes;
            total.entries += part.entries;
            total.depth = total.depth.max(part.depth);
        }
    }
    std::fs::remove_dir_all(dir)?;
    std::fs::create_dir(dir)?;
    if total.bytes > max_bytes {
        return Ok(Saved::TooLarge(format!(
            "the workspace held {} bytes, more than the limit of {max_bytes}",
            total.bytes
        )));
    }
    if total.entries > MAX_ENTRIES {
        return Ok(Saved::TooLarge(format!(
            "the workspace held {} files and directories, more than the limit of {MAX_ENTRIES}",
            total.entries
        )));
    }
    if total.depth > MAX_DEPTH {
        return Ok(Saved::TooLarge(format!(
            "the workspace nests directories more than {MAX_DEPTH} deep"
        )));
    }
    for entry in std::fs::read_dir(workspace)? {
        let entry = entry?;
        let name = entry.file_name();
        if name != kruntimes_engine::layout::KRUNTIMES_DIR {
            std::fs::rename(entry.path(), dir.join(&name))?;
        }
    }
    Ok(Saved::Kept { bytes: total.bytes })
}

/// Bytes of files, entries and nesting depth under a path.
#[derive(Default)]
struct Measure {
    bytes: u64,
    entries: u64,
    depth: usize,
}

/// Measures `path` (symbolic links counted, never followed), `depth` levels below the workspace. Stops going
/// deeper past [`MAX_DEPTH`]: the answer is then already "too deep".
fn measure(path: &Path, depth: usize) -> io::Result<Measure> {
    let metadata = std::fs::symlink_metadata(path)?;
    let mut total = Measure {
        bytes: if metadata.is_dir() { 0 } else { metadata.len() },
        entries: 1,
        depth,
    };
    if metadata.is_dir() && depth <= MAX_DEPTH {
        for entry in std::fs::read_dir(path)? {
            let part = measure(&entry?.path(), depth + 1)?;
            total.bytes += part.bytes;
            total.entries += part.entries;
            total.depth = total.depth.max(part.depth);
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_bytes: u64, max_sessions: usize) -> Limits {
        Limits {
            ttl: Duration::from_secs(3600),
            max_bytes,
            max_sessions,
        }
    }

    #[test]
    fn names_are_plain_words() {
        for good in ["a", "agent-1", "conv_2.b", &"x".repeat(MAX_NAME_BYTES)] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "../x",
            ".hidden",
            "a/b",
            "a b",
            &"x".repeat(MAX_NAME_BYTES + 1),
        ] {
            assert!(
                check_name(bad)
                    .unwrap_err()
                    .to_string()
                    .starts_with("session: "),
                "{bad}"
            );
        }
    }

    /// A call's workspace becomes the session's state: files moved, the engine's directory and the program's own
    /// file left out; the next workspace gets them as links, and its own program file is not replaced.
    #[tokio::test]
    async fn a_workspace_is_kept_and_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let sessions = Sessions::start(tmp.path().join("sessions"), limits(1024, 4)).unwrap();
        let workspace = tmp.path().join("ws1");
        std::fs::create_dir_all(workspace.join("d")).unwrap();
        std::fs::create_dir_all(workspace.join(".kruntimes")).unwrap();
        std::fs::write(workspace.join("d/kept.txt"), "12345").unwrap();
        std::fs::write(workspace.join("main.py"), "print(1)").unwrap();
        std::fs::write(workspace.join(".kruntimes/outputs"), "a=1").unwrap();

        let lease = sessions.lease("s").await.unwrap();
        let kept = sessions
            .save(lease, workspace.clone(), Some("main.py".into()))
            .await;
        assert_eq!(
            kept,
            Kept {
                name: "s".into(),
                open: true,
                bytes: 5,
                note: String::new()
            }
        );

        let next = tmp.path().join("ws2");
        std::fs::create_dir(&next).unwrap();
        std::fs::write(next.join("main.py"), "new").unwrap();
        let lease = sessions.lease("s").await.unwrap();
        let dir = Dir::open_ambient_dir(&next, ambient_authority()).unwrap();
        lease.restore()(&dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(next.join("d/kept.txt")).unwrap(),
            "12345"
        );
        assert_eq!(
            std::fs::read_to_string(next.join("main.py")).unwrap(),
            "new"
        );
        assert!(!next.join(".kruntimes").exists());
        assert_eq!(sessions.names(), ["s"]);
    }

    /// The program's file is removed through the workspace's capability: a guest that made a directory on its path
    /// a link to a host directory does not make the host delete a file there.
    #[tokio::test]
    async fn saving_never_follows_a_link_out_of_the_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("app.py"), "host file").unwrap();
        let workspace = tmp.path().join("ws");
        std::fs::create_dir(&workspace).unwrap();
        std::os::unix::fs::symlink(&outside, workspace.join("src")).unwrap();
        let sessions = Sessions::start(tmp.path().join("sessions"), limits(1 << 20, 4)).unwrap();
        let lease = sessions.lease("s").await.unwrap();
        let kept = sessions
            .save(lease, workspace, Some("src/app.py".into()))
            .await;
        assert!(kept.open, "{kept:?}");
        assert_eq!(
            std::fs::read_to_string(outside.join("app.py")).unwrap(),
            "host file"
        );
    }

    /// A directory kept where the next call writes its program file is left out of that call's workspace; a
    /// workspace with more entries than a session keeps ends it.
    #[tokio::test]
    async fn odd_workspaces_neither_break_nor_bloat_a_session() {
        let tmp = tempfile::tempdir().unwrap();
        let sessions = Sessions::start(tmp.path().join("sessions"), limits(1 << 20, 4)).unwrap();
        let workspace = tmp.path().join("ws");
        std::fs::create_dir_all(workspace.join("main.sh")).unwrap();
        std::fs::write(workspace.join("main.sh/inside"), "x").unwrap();
        let lease = sessions.lease("s").await.unwrap();
        assert!(sessions.save(lease, workspace, None).await.open);
        let next = tmp.path().join("next");
        std::fs::create_dir(&next).unwrap();
        std::fs::write(next.join("main.sh"), "echo new").unwrap();
        let lease = sessions.lease("s").await.unwrap();
        lease.restore()(&Dir::open_ambient_dir(&next, ambient_authority()).unwrap()).unwrap();
        assert_eq!(
            std::fs::read_to_string(next.join("main.sh")).unwrap(),
            "echo new"
        );
        drop(lease);

        let crowded = tmp.path().join("crowded");
        std::fs::create_dir(&crowded).unwrap();
        for i in 0..=MAX_ENTRIES {
            std::fs::write(crowded.join(i.to_string()), "").unwrap();
        }
        let lease = sessions.lease("s").await.unwrap();
        let kept = sessions.save(lease, crowded, None).await;
        assert!(!kept.open, "{kept:?}");
        assert!(
            kept.note
                .contains("files and directories, more than the limit of 10000"),
            "{kept:?}"
        );
    }

    /// A workspace over the limit ends its session; a full table refuses a new session; ending frees a place.
    #[tokio::test]
    async fn limits_end_and_refuse_sessions() {
        let tmp = tempfile::tempdir().unwrap();
        let sessions = Sessions::start(tmp.path().join("sessions"), limits(4, 1)).unwrap();
        let workspace = tmp.path().join("ws");
        std::fs::create_dir(&workspace).unwrap();
        std::fs::write(workspace.join("big"), "12345").unwrap();
        let lease = sessions.lease("s").await.unwrap();
        assert_eq!(
            sessions.lease("t").await.err(),
            Some(SessionError::TooMany { open: 1 })
        );
        let kept = sessions.save(lease, workspace, None).await;
        assert!(!kept.open, "{kept:?}");
        assert!(
            kept.note.contains("5 bytes, more than the limit of 4"),
            "{kept:?}"
        );
        assert!(sessions.names().is_empty());
        let lease = sessions.lease("t").await.unwrap();
        drop(lease);
        assert!(sessions.end("t").await.unwrap());
        assert!(!sessions.end("t").await.unwrap());
        drop(sessions);
        assert!(
            !tmp.path().join("sessions").exists(),
            "a stopped server leaves no sessions behind"
        );
    }
}
