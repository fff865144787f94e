//! Run outputs: the `KEY=VALUE` file a guest leaves at `$KRUNTIME_OUTPUTS`.
//!
//! # Format
//!
//! - One `KEY=VALUE` per line, split at the first `=`; the value is taken verbatim (it may contain `=`).
//!   A trailing `\r` is removed, so files written with CRLF line ends parse the same.
//! - Keys match `^[A-Za-z_][A-Za-z0-9_.-]*$` and are at most [`MAX_KEY_BYTES`] bytes.
//! - Blank (empty or whitespace-only) lines are ignored.
//! - A key given twice keeps its **last** value, like a shell assignment; the key counts once.
//! - Limits: [`MAX_KEYS`] distinct keys, [`MAX_VALUE_BYTES`] per value, [`MAX_TOTAL_BYTES`] for the file.
//!
//! A malformed file is [`OutputsError::Invalid`] naming the line; an oversize one is [`OutputsError::TooLarge`].
//! Both fail the Run (reasons `OutputsInvalid` / `OutputsTooLarge`) and are not worth retrying.
//!
//! # Reading
//!
//! [`read`] treats the workspace as hostile: it opens the directory and the file without following symlinks
//! (cap-std, `O_NOFOLLOW`), refuses anything that is not a regular file, and never reads more than
//! `MAX_TOTAL_BYTES + 1` bytes.

use std::collections::BTreeMap;
use std::io::{self, Read};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};

/// Maximum distinct keys.
pub const MAX_KEYS: usize = 64;
/// Maximum key length in bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Maximum value length in bytes.
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// Maximum file size in bytes.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024;

/// Parsed outputs, sorted by key.
pub type Outputs = BTreeMap<String, String>;

/// Why an outputs file was rejected. Messages are short and safe to show users (they never quote values).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputsError {
    /// The file is malformed or is not a regular file.
    #[error("outputs file is invalid: {0}")]
    Invalid(String),
    /// The file, a value, a key or the key count exceeds its limit.
    #[error("outputs file is too large: {0}")]
    TooLarge(String),
}

impl OutputsError {
    /// The Run reason for this error.
    pub fn reason(&self) -> &'static str {
        match self {
            OutputsError::Invalid(_) => "OutputsInvalid",
            OutputsError::TooLarge(_) => "OutputsTooLarge",
        }
    }
}

/// Parses the contents of an outputs file. See the module docs for the format.
pub fn parse(bytes: &[u8]) -> Result<Outputs, OutputsError> {
    if bytes.len() > MAX_TOTAL_BYTES {
        // The file is read only up to one byte past the limit: its whole size is not known here.
        return Err(OutputsError::TooLarge(format!(
            "the file is larger than the limit of {MAX_TOTAL_BYTES} bytes"
        )));
    }
    let mut outputs = Outputs::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw)
            .map_err(|_| OutputsError::Invalid(format!("line {line_no} is not valid UTF-8")))?;
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(OutputsError::Invalid(format!(
                "line {line_no} is not KEY=VALUE (no `=`)"
            )));
        };
        if key.len() > MAX_KEY_BYTES {
            return Err(OutputsError::TooLarge(format!(
                "line {line_no}: key of {} bytes exceeds the limit of {MAX_KEY_BYTES} bytes",
                key.len()
            )));
        }
        if !valid_key(key) {
            return Err(OutputsError::Invalid(format!(
                "line {line_no}: key must match ^[A-Za-z_][A-Za-z0-9_.-]*$"
            )));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(OutputsError::TooLarge(format!(
                "line {line_no}: value of {key} has {} bytes, over the limit of {MAX_VALUE_BYTES} bytes",
                value.len()
            )));
        }
        if !outputs.contains_key(key) && outputs.len() == MAX_KEYS {
            return Err(OutputsError::TooLarge(format!(
                "line {line_no}: more than {MAX_KEYS} keys"
            )));
        }
        outputs.insert(key.to_owned(), value.to_owned());
    }
    Ok(outputs)
}

/// Checks one key/value pair set through the `outputs` interface; the error names the limit.
pub(crate) fn check_entry(key: &str, value: &str) -> Result<(), String> {
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "key of {} bytes exceeds the limit of {MAX_KEY_BYTES} bytes",
            key.len()
        ));
    }
    if !valid_key(key) {
        return Err("key must match ^[A-Za-z_][A-Za-z0-9_.-]*$".to_owned());
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "value of {key} has {} bytes, over the limit of {MAX_VALUE_BYTES} bytes",
            value.len()
        ));
    }
    Ok(())
}

/// Bytes of keys plus values in `outputs`.
pub(crate) fn set_bytes(outputs: &Outputs) -> usize {
    outputs.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Checks a whole set (the file merged with interface outputs): at most [`MAX_KEYS`] keys and
/// [`MAX_TOTAL_BYTES`] of keys plus values.
pub(crate) fn check_set(outputs: &Outputs) -> Result<(), OutputsError> {
    if outputs.len() > MAX_KEYS {
        return Err(OutputsError::TooLarge(format!(
            "{} keys exceed the limit of {MAX_KEYS}",
            outputs.len()
        )));
    }
    let total = set_bytes(outputs);
    if total > MAX_TOTAL_BYTES {
        return Err(OutputsError::TooLarge(format!(
            "{total} bytes of keys and values exceed the limit of {MAX_TOTAL_BYTES} bytes"
        )));
    }
    Ok(())
}

fn valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    match bytes.next() {
        Some(first) if first.is_ascii_alphabetic() || first == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Reads and parses `dir_name/file_name` inside `workspace`, never following a symlink in either component.
///
/// Returns `Ok(None)` when the file (or its directory) does not exist: the guest produced no outputs.
pub fn read(
    workspace: &Dir,
    dir_name: &str,
    file_name: &str,
) -> Result<Option<Outputs>, OutputsError> {
    let dir = match workspace.open_dir_nofollow(dir_name) {
        Ok(dir) => dir,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(not_readable(dir_name, &err)),
    };
    match dir.symlink_metadata(file_name) {
        Ok(meta) if meta.is_file() => {}
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(OutputsError::Invalid(
                "$KRUNTIME_OUTPUTS is a symlink; write a regular file".to_owned(),
            ));
        }
        Ok(_) => {
            return Err(OutputsError::Invalid(
                "$KRUNTIME_OUTPUTS is not a regular file".to_owned(),
            ));
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(not_readable(file_name, &err)),
    }
    let mut options = OpenOptions::new();
    options.read(true).follow(FollowSymlinks::No);
    // Re-checked after opening: the guest is gone by now, but the type check above and this open are two steps.
    let file = dir
        .open_with(file_name, &options)
        .map_err(|err| not_readable(file_name, &err))?;
    if !file
        .metadata()
        .map_err(|err| not_readable(file_name, &err))?
        .is_file()
    {
        return Err(OutputsError::Invalid(
            "$KRUNTIME_OUTPUTS is not a regular file".to_owned(),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_TOTAL_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| not_readable(file_name, &err))?;
    parse(&bytes).map(Some)
}

fn not_readable(name: &str, err: &io::Error) -> OutputsError {
    // Symlink loops (ELOOP from O_NOFOLLOW) and the like: the guest made something we will not read.
    OutputsError::Invalid(format!("cannot read {name}: {}", err.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes()).unwrap().into_iter().collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Values are verbatim after the first `=`; blank lines and CRLF are tolerated; the last duplicate wins.
    #[test]
    fn parses_pairs_blank_lines_crlf_and_duplicates() {
        assert_eq!(
            ok("a=1\r\n\n   \nurl=https://x/?q=1\nA.b-c_d=\na=2"),
            pairs(&[("A.b-c_d", ""), ("a", "2"), ("url", "https://x/?q=1")])
        );
        assert!(ok("").is_empty());
    }

    /// A line without `=` and bad keys are invalid, naming the line.
    #[test]
    fn malformed_lines_are_invalid_with_line_number() {
        for (text, line) in [
            ("a=1\nnope\n", 2),
            ("=x", 1),
            ("1a=x", 1),
            ("a b=x", 1),
            ("ok=1\n\nkey with space=1", 3),
        ] {
            let err = parse(text.as_bytes()).unwrap_err();
            assert_eq!(err.reason(), "OutputsInvalid", "{text:?}");
            assert!(err.to_string().contains(&format!("line {line}")), "{err}");
        }
        let err = parse(b"a=\xff").unwrap_err();
        assert!(err.to_string().contains("UTF-8"));
    }

    /// Every limit is enforced at exactly one past its value, and exactly at it is fine.
    #[test]
    fn limits_are_exact() {
        let key = "k".repeat(MAX_KEY_BYTES);
        assert!(parse(format!("{key}=v").as_bytes()).is_ok());
        let err = parse(format!("{key}k=v").as_bytes()).unwrap_err();
        assert_eq!(err.reason(), "OutputsTooLarge");

        let value = "v".repeat(MAX_VALUE_BYTES);
        assert!(parse(format!("k={value}").as_bytes()).is_ok());
        let err = parse(format!("k={value}v").as_bytes()).unwrap_err();
        assert_eq!(err.reason(), "OutputsTooLarge");
        assert!(err.to_string().contains("value of k"), "{err}");

        let many: String = (0..MAX_KEYS).map(|i| format!("k{i}=v\n")).collect();
        assert_eq!(parse(many.as_bytes()).unwrap().len(), MAX_KEYS);
        assert!(parse(format!("{many}k0=again\n").as_bytes()).is_ok());
        let err = parse(format!("{many}extra=1\n").as_bytes()).unwrap_err();
        assert_eq!(err.reason(), "OutputsTooLarge");

        let big = vec![b'\n'; MAX_TOTAL_BYTES + 1];
        let err = parse(&big).unwrap_err();
        assert_eq!(err.reason(), "OutputsTooLarge");
        assert_eq!(
            err.to_string(),
            "outputs file is too large: the file is larger than the limit of 65536 bytes"
        );
        assert!(parse(&big[1..]).unwrap().is_empty());
    }

    fn workspace() -> (tempfile::TempDir, Dir) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
        dir.create_dir(".kruntimes").unwrap();
        (tmp, dir)
    }

    /// A regular file is read and parsed; a missing file or directory is "no outputs".
    #[test]
    fn reads_regular_file_and_treats_missing_as_none() {
        let (_tmp, dir) = workspace();
        assert_eq!(read(&dir, ".kruntimes", "outputs").unwrap(), None);
        assert_eq!(read(&dir, "absent", "outputs").unwrap(), None);
        dir.write(".kruntimes/outputs", "x=1\n").unwrap();
        let outputs = read(&dir, ".kruntimes", "outputs").unwrap().unwrap();
        assert_eq!(outputs["x"], "1");
    }

    /// Symlinks are refused, whether the file or its directory is the link, and even when the target is inside.
    #[test]
    fn symlinks_are_never_followed() {
        let (tmp, dir) = workspace();
        std::fs::write(tmp.path().join("decoy"), "stolen=yes\n").unwrap();
        std::os::unix::fs::symlink("../decoy", tmp.path().join(".kruntimes/outputs")).unwrap();
        let err = read(&dir, ".kruntimes", "outputs").unwrap_err();
        assert_eq!(err.reason(), "OutputsInvalid");
        assert!(err.to_string().contains("symlink"), "{err}");

        std::fs::remove_file(tmp.path().join(".kruntimes/outputs")).unwrap();
        std::os::unix::fs::symlink("..", tmp.path().join(".kruntimes/outputs")).unwrap();
        assert_eq!(
            read(&dir, ".kruntimes", "outputs").unwrap_err().reason(),
            "OutputsInvalid"
        );

        std::fs::remove_dir_all(tmp.path().join(".kruntimes")).unwrap();
        std::fs::create_dir(tmp.path().join("elsewhere")).unwrap();
        std::fs::write(tmp.path().join("elsewhere/outputs"), "stolen=yes\n").unwrap();
        std::os::unix::fs::symlink("elsewhere", tmp.path().join(".kruntimes")).unwrap();
        assert_eq!(
            read(&dir, ".kruntimes", "outputs").unwrap_err().reason(),
            "OutputsInvalid"
        );
    }

    /// A directory in place of the file is invalid; a huge file is too large without being read whole.
    #[test]
    fn non_regular_and_huge_files_are_rejected() {
        let (tmp, dir) = workspace();
        dir.create_dir(".kruntimes/outputs").unwrap();
        assert_eq!(
            read(&dir, ".kruntimes", "outputs").unwrap_err().reason(),
            "OutputsInvalid"
        );
        std::fs::remove_dir(tmp.path().join(".kruntimes/outputs")).unwrap();
        let file = std::fs::File::create(tmp.path().join(".kruntimes/outputs")).unwrap();
        file.set_len(1 << 30).unwrap(); // sparse: 1 GiB that must not be read
        assert_eq!(
            read(&dir, ".kruntimes", "outputs").unwrap_err().reason(),
            "OutputsTooLarge"
        );
    }
}
