//! Panics. wasm32-wasip2 panics abort, so the host sees the message on stderr and then an `unreachable` trap.

fn main() {
    println!("about to panic");
    panic!("test-guests panic: boom");
}
