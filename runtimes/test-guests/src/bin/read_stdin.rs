//! Reads stdin to the end and reports the byte count; exits 0 only if stdin was empty (the host's default).

use std::io::Read;

fn main() {
    let mut input = Vec::new();
    match std::io::stdin().read_to_end(&mut input) {
        Ok(n) => {
            println!("stdin bytes: {n}");
            std::process::exit(if n == 0 { 0 } else { 1 });
        }
        Err(err) => {
            println!("stdin error: {err}");
            std::process::exit(2);
        }
    }
}
