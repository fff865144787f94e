//! Exercises its workspace: writes, reads back and lists files under /workspace, with absolute and relative paths,
//! and prints the entrypoint it was given (argv[1]) if any. Exits 1 on the first failure.
//!
//! With `RELATIVE_ONLY=1` it only writes `relative.txt` (relative to its working directory) and exits.
//!
//! With `READ_DIR=<dir>` it also lists that directory, prints `<dir>/hello.txt` and tries to write into it
//! (printing `write to <dir>: denied: <error>` or `write to <dir>: ALLOWED`), for read-only mount tests.

use std::io;

fn main() {
    if let Err(err) = run() {
        eprintln!("workspace_io failed: {err}");
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    if std::env::var_os("RELATIVE_ONLY").is_some() {
        std::fs::write("relative.txt", "relative\n")?;
        println!("wrote relative.txt");
        return Ok(());
    }
    std::fs::create_dir_all("/workspace/data/nested")?;
    std::fs::write("/workspace/data/nested/a.txt", "alpha\n")?;
    let back = std::fs::read_to_string("/workspace/data/nested/a.txt")?;
    println!("read back: {}", back.trim_end());
    std::fs::write("relative.txt", "relative\n")?;
    println!(
        "relative read: {}",
        std::fs::read_to_string("/workspace/relative.txt")?.trim_end()
    );
    if let Some(entrypoint) = std::env::args().nth(1) {
        println!(
            "entrypoint {entrypoint}: {}",
            std::fs::read_to_string(&entrypoint)?.trim_end()
        );
    }
    let mut names: Vec<String> = std::fs::read_dir("/workspace")?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    names.sort();
    println!("listing: {}", names.join(","));
    std::fs::remove_file("/workspace/relative.txt")?;
    println!("cwd: {}", std::env::current_dir()?.display());
    if let Ok(dir) = std::env::var("READ_DIR") {
        let mut names: Vec<String> = std::fs::read_dir(&dir)?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        names.sort();
        println!("{dir} listing: {}", names.join(","));
        println!(
            "{dir}/hello.txt: {}",
            std::fs::read_to_string(format!("{dir}/hello.txt"))?.trim_end()
        );
        match std::fs::write(format!("{dir}/written.txt"), "x") {
            Ok(()) => println!("write to {dir}: ALLOWED"),
            Err(err) => println!("write to {dir}: denied: {err}"),
        }
    }
    Ok(())
}
