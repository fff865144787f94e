//! Traps on purpose: `trap unreachable` executes `unreachable`, `trap stack-overflow` recurses until the wasm stack
//! is exhausted.

fn main() {
    let kind = std::env::args().nth(1).unwrap_or_default();
    println!("trapping: {kind}");
    match kind.as_str() {
        "unreachable" => core::arch::wasm32::unreachable(),
        "stack-overflow" => {
            let depth = recurse(1);
            println!("recursion returned {depth}");
        }
        other => {
            eprintln!("unknown trap kind {other:?}; use unreachable or stack-overflow");
            std::process::exit(2);
        }
    }
}

/// Recurses without address-taken locals, so each frame lives on the wasm call stack (limited by the host) and
/// not on LLVM's shadow stack in linear memory (whose overflow is an out-of-bounds access instead). The indirect
/// call keeps LLVM from turning the recursion into a loop; `n` only returns to 0 after 2^32 calls.
#[inline(never)]
fn recurse(n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let next: fn(u32) -> u32 = std::hint::black_box(recurse);
    next(n.wrapping_add(1)).wrapping_mul(31).wrapping_add(n)
}
