//! What every long-running kruntimes process that talks to Kubernetes shares (the controller, the scheduler,
//! runtimed's agent): for now, how its Kubernetes client is built.

pub mod client;
