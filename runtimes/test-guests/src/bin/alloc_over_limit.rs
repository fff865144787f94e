//! Allocates (and touches) 1 MiB blocks until allocation fails.
//!
//! `alloc_over_limit` (no argument): a plain `Vec` allocation, so failure aborts the guest (a trap).
//! `alloc_over_limit try`: `try_reserve`, so failure is handled: it prints how far it got and exits 3.

const BLOCK: usize = 1 << 20;

fn main() {
    let handle = std::env::args().nth(1).as_deref() == Some("try");
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut block = Vec::new();
        if handle {
            if block.try_reserve_exact(BLOCK).is_err() {
                println!("allocation failed after {} MiB", blocks.len());
                std::process::exit(3);
            }
        } else {
            block.reserve_exact(BLOCK);
        }
        block.resize(BLOCK, 0xA5);
        blocks.push(block);
        if blocks.len().is_multiple_of(16) {
            println!("allocated {} MiB", blocks.len());
        }
    }
}
