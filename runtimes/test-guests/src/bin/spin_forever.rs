//! Loops forever without calling the host: only epoch interruption can stop it.

fn main() {
    println!("spinning");
    let mut counter: u64 = 0;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}
