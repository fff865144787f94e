//! Exits with the code given as the first argument (default 0), after one line on stdout and stderr.

fn main() {
    let code: i32 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(0);
    println!("exiting with {code}");
    eprintln!("exit_code: exiting with {code}");
    std::process::exit(code);
}
