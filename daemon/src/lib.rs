//! What every long-running kruntimes process that talks to Kubernetes shares (the controller, the scheduler,
//! runtimed): how its Kubernetes client is built, how it watches, how it publishes Events, the admin HTTP server,
//! leader election, and its process shell (logging flags, the shutdown signal).

pub mod admin;
pub mod client;
pub mod errors;
pub mod events;
pub mod leader;
pub mod shell;
pub mod watch;
