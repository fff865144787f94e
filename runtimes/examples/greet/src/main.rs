//! An example custom runtime: any `wasm32-wasip2` binary is a valid kruntimes runtime.
//!
//! It greets each argument (`$GREETING`, default "Hello"), counts the files in its workspace, and
//! reports `greeted=<names>` as an output through `$KRUNTIME_OUTPUTS`. Given no argument it prints its
//! usage and fails; WASI 0.2's `exit` carries only success or failure, so the Run's exit code is 1.

use std::io::Write;

fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() {
        eprintln!("usage: greet NAME...");
        std::process::exit(2);
    }
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "Hello".to_owned());
    for name in &names {
        println!("{greeting}, {name}!");
    }
    let files = std::fs::read_dir("/workspace")
        .map(|d| d.count())
        .unwrap_or(0);
    println!("my workspace holds {files} entries; nothing else of the host is visible");
    if let Ok(path) = std::env::var("KRUNTIME_OUTPUTS") {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| writeln!(f, "greeted={}", names.join(",")));
        if let Err(e) = written {
            eprintln!("could not write outputs to {path}: {e}");
            std::process::exit(1);
        }
    }
}
