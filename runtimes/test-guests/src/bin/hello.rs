//! Prints a greeting, its arguments, its sorted environment and its working directory, one per line.
//! The baseline guest: a Run that works, and a witness of what the host passed in.

fn main() {
    println!("hello from test-guests");
    for (i, arg) in std::env::args().enumerate() {
        println!("arg[{i}]={arg}");
    }
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    for (key, value) in env {
        println!("env {key}={value}");
    }
}
