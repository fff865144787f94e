//! Copies stdin to stdout until end-of-stream, then prints the byte count on stderr. A filter for pipelines.

use std::io::{Read, Write};

fn main() {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0usize;
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                if let Err(err) = stdout.write_all(&buf[..n]) {
                    eprintln!("cat: write failed: {err}");
                    std::process::exit(1);
                }
            }
            Err(err) => {
                eprintln!("cat: read failed: {err}");
                std::process::exit(1);
            }
        }
    }
    let _ = stdout.flush();
    eprintln!("cat: {total} bytes");
}
