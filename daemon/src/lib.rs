//! What every long-running kruntimes process that talks to Kubernetes shares (the controller, the scheduler,
//! runtimed's agent): how its Kubernetes client is built, how it watches, how it publishes Events, and the admin
//! HTTP server.

pub mod admin;
pub mod client;
pub mod events;
pub mod watch;
