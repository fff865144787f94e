//! `harvest`: what becomes an artifact, limits, and the hostile-directory rules.

use std::os::unix::fs::symlink;
use std::path::Path;

use kruntimes_artifacts::{ArtifactKind, Error, Harvested, Limits, harvest};
use sha2::{Digest, Sha256};

use crate::fixtures::{ARTIFACTS, untar, workspace, write_tree};

fn harvest_ws(ws: &Path, limits: &Limits) -> Result<Vec<Harvested>, Error> {
    harvest(ws, Path::new(ARTIFACTS), limits)
}

fn all(artifact: &Harvested) -> Vec<u8> {
    artifact
        .read_range(0, usize::try_from(artifact.size).unwrap())
        .unwrap()
        .to_vec()
}

const BIG: Limits = Limits {
    max_count: 32,
    max_artifact_bytes: 1 << 30,
    max_total_bytes: 1 << 31,
};

/// Top-level files are stored as is and directories as a tar.gz, sorted by name, with digests and media types.
#[test]
fn files_and_directories_become_artifacts() {
    let (tmp, dir) = workspace();
    write_tree(
        &dir,
        &[
            ("report.json", b"{}"),
            ("blob", b"\x00\x01"),
            ("site/index.html", b"<p>hi</p>"),
            ("site/css/a.css", b"p{}"),
        ],
    );
    std::fs::create_dir(dir.join("site/empty")).unwrap();
    let artifacts = harvest_ws(tmp.path(), &BIG).unwrap();
    let names: Vec<_> = artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["blob", "report.json", "site"]);

    let json = &artifacts[1];
    assert_eq!(json.kind, ArtifactKind::File);
    assert_eq!(json.media_type, "application/json");
    assert_eq!(json.size, 2);
    assert_eq!(json.sha256, hex::encode(Sha256::digest(b"{}")));
    assert_eq!(json.object_name(), "report.json");
    assert_eq!(artifacts[0].media_type, "application/octet-stream");

    let site = &artifacts[2];
    assert_eq!(site.kind, ArtifactKind::Directory);
    assert_eq!(site.media_type, "application/gzip");
    assert_eq!(site.object_name(), "site.tar.gz");
    let bytes = all(site);
    assert_eq!(site.sha256, hex::encode(Sha256::digest(&bytes)));
    let entries = untar(&bytes);
    let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "site/",
            "site/css/",
            "site/css/a.css",
            "site/empty/",
            "site/index.html"
        ]
    );
    for entry in &entries {
        assert_eq!((entry.mtime, entry.uid, entry.gid), (0, 0, 0), "{entry:?}");
        assert_eq!(entry.mode, if entry.dir { 0o755 } else { 0o644 });
    }
    assert_eq!(entries[4].contents, b"<p>hi</p>");
}

/// The same tree gives the same tar.gz bytes, whatever the creation order, times and permissions.
#[test]
fn directory_archives_are_deterministic() {
    let files: [(&str, &[u8]); 3] = [("d/b.txt", b"b"), ("d/a/x", b"x"), ("d/c", b"c")];
    let (tmp1, dir1) = workspace();
    write_tree(&dir1, &files);
    let (tmp2, dir2) = workspace();
    let mut reversed = files;
    reversed.reverse();
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a different mtime second
    write_tree(&dir2, &reversed);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir2.join("d/c"), std::fs::Permissions::from_mode(0o700)).unwrap();

    let first = harvest_ws(tmp1.path(), &BIG).unwrap();
    let second = harvest_ws(tmp2.path(), &BIG).unwrap();
    assert_eq!(first[0].sha256, second[0].sha256);
    assert_eq!(all(&first[0]), all(&second[0]));
}

/// A missing artifacts directory (or `.kruntimes`) means no artifacts; an empty one too.
#[test]
fn missing_or_empty_directory_has_no_artifacts() {
    let (tmp, _dir) = workspace();
    assert!(harvest_ws(tmp.path(), &BIG).unwrap().is_empty());
    let empty = tempfile::tempdir().unwrap();
    assert!(harvest_ws(empty.path(), &BIG).unwrap().is_empty());
}

/// Each limit is enforced exactly, and the error names the path and the limit.
#[test]
fn limits_on_count_size_and_total_are_exact() {
    let (tmp, dir) = workspace();
    write_tree(&dir, &[("a", b"12345"), ("b", b"123456"), ("c", b"1")]);
    let limits = Limits {
        max_count: 3,
        max_artifact_bytes: 6,
        max_total_bytes: 12,
    };
    assert_eq!(harvest_ws(tmp.path(), &limits).unwrap().len(), 3);

    let err = harvest_ws(
        tmp.path(),
        &Limits {
            max_count: 2,
            ..limits
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Limit { ref path, .. } if path == "."),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("3 artifacts exceed the limit of 2"),
        "{err}"
    );
    assert_eq!(err.reason(), "ArtifactInvalid");

    let err = harvest_ws(
        tmp.path(),
        &Limits {
            max_artifact_bytes: 5,
            ..limits
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Limit { ref path, .. } if path == "b"),
        "{err}"
    );
    assert!(err.to_string().contains("more than 5 bytes"), "{err}");

    // a (5) + b (6) = 11; c would make 12 > 11.
    let err = harvest_ws(
        tmp.path(),
        &Limits {
            max_total_bytes: 11,
            ..limits
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Limit { ref path, .. } if path == "c"),
        "{err}"
    );
}

/// A huge sparse file is rejected from its size without being read, and a directory's file bytes count against the limit.
#[test]
fn oversize_files_are_not_read_whole() {
    let (tmp, dir) = workspace();
    let file = std::fs::File::create(dir.join("sparse")).unwrap();
    file.set_len(1 << 40).unwrap(); // 1 TiB of nothing
    let limits = Limits {
        max_count: 8,
        max_artifact_bytes: 1 << 20,
        max_total_bytes: 1 << 21,
    };
    let err = harvest_ws(tmp.path(), &limits).unwrap_err();
    assert!(
        matches!(err, Error::Limit { ref path, .. } if path == "sparse"),
        "{err}"
    );
    // Refused from its size, before reading: the message gives the whole size, which no read reached.
    assert!(
        err.to_string()
            .contains("1099511627776 bytes, more than 1048576 bytes"),
        "{err}"
    );

    std::fs::remove_file(dir.join("sparse")).unwrap();
    std::fs::create_dir(dir.join("tree")).unwrap();
    std::fs::File::create(dir.join("tree/zeros"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let err = harvest_ws(tmp.path(), &limits).unwrap_err();
    assert!(
        matches!(err, Error::Limit { ref path, .. } if path == "tree/zeros"),
        "{err}"
    );
}

/// Spooled artifacts past the in-memory threshold read back exactly.
#[test]
fn large_artifacts_spool_to_a_temporary_file() {
    let (tmp, dir) = workspace();
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 7).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), &data).unwrap();
    let artifacts = harvest_ws(tmp.path(), &BIG).unwrap();
    assert_eq!(all(&artifacts[0]), data);
    assert_eq!(artifacts[0].sha256, hex::encode(Sha256::digest(&data)));
}

/// Symlinks are rejected with their path wherever they are, even pointing inside, and never followed.
#[test]
fn symlinks_are_rejected_and_never_followed() {
    let (tmp, dir) = workspace();
    std::fs::write(tmp.path().join("secret"), "s3cr3t").unwrap();
    symlink("../../secret", dir.join("leak")).unwrap();
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref path, .. } if path == "leak"),
        "{err}"
    );
    assert!(err.to_string().contains("symlink"), "{err}");
    assert_eq!(err.reason(), "ArtifactInvalid");
    std::fs::remove_file(dir.join("leak")).unwrap();

    write_tree(&dir, &[("out/sub/ok.txt", b"ok")]);
    symlink("ok.txt", dir.join("out/sub/link")).unwrap();
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref path, .. } if path == "out/sub/link"),
        "{err}"
    );
    std::fs::remove_file(dir.join("out/sub/link")).unwrap();
    symlink("..", dir.join("out/sub/up")).unwrap();
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref path, .. } if path == "out/sub/up"),
        "{err}"
    );

    // The artifacts directory itself, or `.kruntimes`, replaced by a link.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir(tmp.path().join("elsewhere")).unwrap();
    std::fs::write(tmp.path().join("elsewhere/f"), "x").unwrap();
    symlink("../elsewhere", &dir).unwrap();
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert_eq!(err.reason(), "ArtifactInvalid", "{err}");
    assert!(err.to_string().contains("symlink"), "{err}");
    std::fs::remove_dir_all(tmp.path().join(".kruntimes")).unwrap();
    symlink("elsewhere", tmp.path().join(".kruntimes")).unwrap();
    assert_eq!(
        harvest_ws(tmp.path(), &BIG).unwrap_err().reason(),
        "ArtifactInvalid"
    );
}

/// Sockets and FIFOs are rejected by type, without being opened (opening a FIFO would block).
#[test]
fn special_files_are_rejected() {
    let (tmp, dir) = workspace();
    let _listener = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref path, .. } if path == "sock"),
        "{err}"
    );
    std::fs::remove_file(dir.join("sock")).unwrap();

    std::fs::create_dir(dir.join("d")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.join("d/fifo"))
        .status()
        .expect("mkfifo (coreutils) is needed to create a FIFO");
    assert!(status.success());
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref path, .. } if path == "d/fifo"),
        "{err}"
    );
    assert!(err.to_string().contains("FIFO"), "{err}");
}

/// A file `x.tar.gz` and a directory `x` would share an object name: rejected rather than overwritten.
#[test]
fn colliding_object_names_are_rejected() {
    let (tmp, dir) = workspace();
    write_tree(&dir, &[("x.tar.gz", b"file"), ("x/inner", b"dir")]);
    let err = harvest_ws(tmp.path(), &BIG).unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("x.tar.gz"), "{err}");
}
