//! What every long-running kruntimes process that talks to Kubernetes shares (the controller, the scheduler,
//! runtimed's agent): how its Kubernetes client is built, how it watches, and how it publishes Events.

pub mod client;
pub mod events;
pub mod watch;
