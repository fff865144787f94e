//! The kruntimes controller: Runtime pools, the stale-Run reaper, TTL garbage collection, artifact
//! cleanup and Workflows (DESIGN.md section 5).
//!
//! Not implemented yet: this crate reserves its place in the workspace. The control-plane issue
//! builds it as observe → pure plan → apply reconcilers on kube-rs.
