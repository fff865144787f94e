//! The kruntimes scheduler: a watch-driven index of Runtime pods and active Runs, a pure placement
//! function, and binding by one resourceVersion-guarded status patch (DESIGN.md section 5).
//!
//! Not implemented yet: this crate reserves its place in the workspace. The control-plane issue
//! builds it.
