//! Writes `$KRUNTIME_OUTPUTS` in one of several shapes chosen by the first argument:
//!
//! - `valid`: two keys, a blank line and a duplicate (the last value wins);
//! - `malformed`: a line without `=` on line 2;
//! - `too-large`: one value of 9000 bytes (over the 8 KiB value limit);
//! - `symlink`: makes `$KRUNTIME_OUTPUTS` a symlink to a valid-looking file (the host must refuse to follow it);
//! - `up-symlink`: makes `$KRUNTIME_OUTPUTS` a symlink to `..`;
//! - `none`: writes nothing.

fn main() {
    let path = std::env::var("KRUNTIME_OUTPUTS").unwrap_or_else(|_| {
        eprintln!("KRUNTIME_OUTPUTS is not set");
        std::process::exit(2)
    });
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "valid".to_owned());
    let result = match mode.as_str() {
        "valid" => std::fs::write(
            &path,
            "greeting=hello world\n\nanswer=42\nanswer=43\nurl=https://x.test/?a=b\n",
        ),
        "malformed" => std::fs::write(&path, "ok=1\nthis line has no equals sign\n"),
        "too-large" => std::fs::write(&path, format!("big={}\n", "x".repeat(9000))),
        "symlink" => std::fs::write("/workspace/decoy.txt", "stolen=yes\n")
            .and_then(|()| test_guests::symlink("../decoy.txt", &path)),
        "up-symlink" => test_guests::symlink("..", &path),
        "none" => Ok(()),
        other => {
            eprintln!("unknown mode {other:?}");
            std::process::exit(2)
        }
    };
    match result {
        Ok(()) => println!("outputs: wrote {mode} to {path}"),
        Err(err) => {
            eprintln!("outputs: {mode} failed: {err}");
            std::process::exit(1)
        }
    }
}
