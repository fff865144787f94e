//! What every long-running kruntimes process that talks to Kubernetes shares (the controller, the scheduler,
//! runtimed's agent): how its Kubernetes client is built and how it watches.

pub mod client;
pub mod watch;
