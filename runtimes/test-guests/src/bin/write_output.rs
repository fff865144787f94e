//! Writes a deterministic pattern to stdout or stderr.
//!
//! `write_output <bytes> <chunks|huge> [stdout|stderr]`: `chunks` writes 4 KiB at a time, `huge` issues a single
//! `write_all` of everything. The pattern is the repeated line "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"
//! (64 bytes), so a test can predict every kept byte. Any write error is reported and exits 2: the host must never
//! return one.

use std::io::Write;

const LINE: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(4 << 20);
    let mode = args.get(2).map(String::as_str).unwrap_or("chunks");
    let to_stderr = args.get(3).map(String::as_str) == Some("stderr");
    let data: Vec<u8> = LINE.iter().copied().cycle().take(total).collect();

    let result = if to_stderr {
        write(&mut std::io::stderr().lock(), &data, mode)
    } else {
        write(&mut std::io::stdout().lock(), &data, mode)
    };
    if let Err(err) = result {
        // Goes to the other stream so the message survives a full one.
        if to_stderr {
            println!("write failed: {err}");
        } else {
            eprintln!("write failed: {err}");
        }
        std::process::exit(2);
    }
}

fn write(out: &mut impl Write, data: &[u8], mode: &str) -> std::io::Result<()> {
    match mode {
        "huge" => out.write_all(data)?,
        _ => {
            for chunk in data.chunks(4096) {
                out.write_all(chunk)?;
            }
        }
    }
    out.flush()
}
