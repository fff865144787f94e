//! `connect <host> <port>`: opens a TCP connection, sends "ping\n" and prints `connected` or `failed: <error>`.
//! Exits 0 on success, 1 on failure. Used to test the network allow-list.

use std::io::Write;
use std::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let host = args.get(1).map(String::as_str).unwrap_or("127.0.0.1");
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(1);
    match TcpStream::connect((host, port)).and_then(|mut s| s.write_all(b"ping\n")) {
        Ok(()) => println!("connected"),
        Err(err) => {
            println!("failed: {err}");
            std::process::exit(1);
        }
    }
}
