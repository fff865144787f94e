//! Sleeps for an hour inside one host call (`wasi:io/poll`): no wasm runs, so epochs cannot fire and only the
//! host-side timeout (or cancellation) can end it.

fn main() {
    println!("sleeping");
    std::thread::sleep(std::time::Duration::from_secs(3600));
    println!("woke up");
}
