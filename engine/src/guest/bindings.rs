//! Generated host bindings for our WIT package `kruntimes:runtime` (`../wit`).
//!
//! The single `bindgen!` of the crate. WASI types come from wasmtime-wasi's own bindings (`with`), so streams and
//! pollables are the same resources the WASI implementation uses. The host implementations live in
//! [`crate::guest`], one file per interface.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "kruntimes:runtime/shell",
    imports: { default: async | trappable },
    with: {
        "wasi": wasmtime_wasi::p2::bindings,
        "kruntimes:runtime/spawn.child": crate::guest::spawn::Child,
    },
});
