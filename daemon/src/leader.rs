//! Leader election over a `coordination.k8s.io` Lease, one behaviour for the controller and the scheduler:
//! a 15 s Lease renewed with 5 s to spare, leadership seen as a watch of "this replica holds the Lease", the
//! Lease released on shutdown, and the process ending with an error when the election itself ends (nothing can
//! confirm leadership any more; its Deployment starts it again).

use std::time::Duration;

use kube::Client;
use kube_lease_manager::{LeaseManager, LeaseManagerBuilder};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Seconds a Lease is held without renewal: how long a crashed leader keeps the others waiting.
pub const LEASE_DURATION_SECONDS: u64 = 15;
/// Seconds before expiry at which the holder renews.
pub const LEASE_GRACE_SECONDS: u64 = 5;

/// Where the Lease is and who this replica is.
#[derive(Debug, Clone)]
pub struct LeaderElection {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease: one per installation, so two releases in one namespace do not share a leader.
    pub lease_name: String,
    /// This replica's identity in the Lease (the pod name).
    pub identity: String,
}

/// A running election.
pub struct Leadership {
    leader: watch::Receiver<bool>,
    task: JoinHandle<kube_lease_manager::Result<LeaseManager>>,
}

impl LeaderElection {
    /// Starts campaigning for the Lease.
    ///
    /// # Errors
    ///
    /// When the Lease cannot be created or read.
    pub async fn start(&self, client: Client) -> kube_lease_manager::Result<Leadership> {
        let manager = LeaseManagerBuilder::new(client, &self.lease_name)
            .with_namespace(&self.namespace)
            .with_identity(&self.identity)
            .with_duration(LEASE_DURATION_SECONDS)
            .with_grace(LEASE_GRACE_SECONDS)
            .build()
            .await?;
        let (leader, task) = manager.watch().await;
        Ok(Leadership { leader, task })
    }
}

impl Leadership {
    /// A watch of "this replica holds the Lease"; it closes when the election ends.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.leader.clone()
    }

    /// Releases the Lease and waits (at most 5 s) for the election to end. Every receiver from
    /// [`watch`](Self::watch) must be dropped first: the election stops when the last one is.
    pub async fn release(self) {
        drop(self.leader);
        match tokio::time::timeout(Duration::from_secs(5), self.task).await {
            Ok(Ok(Ok(_))) => tracing::info!("lease released"),
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "releasing the lease failed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "the leader-election task failed"),
            Err(_) => tracing::warn!("the leader-election task did not stop in time"),
        }
    }
}

/// Resolves when this replica stops holding the Lease: `false`, or `true` when the election ended.
pub async fn lost(leader: &mut watch::Receiver<bool>) -> bool {
    loop {
        if leader.changed().await.is_err() {
            return true;
        }
        if !*leader.borrow_and_update() {
            return false;
        }
    }
}

/// Resolves when the election ends (the watch closes), whoever leads.
pub async fn ended(mut leader: watch::Receiver<bool>) {
    while leader.changed().await.is_ok() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lost_tells_a_lost_lease_from_an_ended_election() {
        let (tx, mut rx) = watch::channel(true);
        let waiting = tokio::spawn(async move {
            let lost = lost(&mut rx).await;
            (lost, rx)
        });
        tx.send(true).unwrap();
        tx.send(false).unwrap();
        let (ended_election, mut rx) = waiting.await.unwrap();
        assert!(
            !ended_election,
            "losing the Lease is not the election ending"
        );

        let waiting = tokio::spawn(async move { lost(&mut rx).await });
        drop(tx);
        assert!(
            waiting.await.unwrap(),
            "a closed watch is the election ending"
        );
    }

    #[tokio::test]
    async fn ended_waits_for_the_watch_to_close() {
        let (tx, rx) = watch::channel(false);
        let waiting = tokio::spawn(ended(rx));
        tx.send(true).unwrap();
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(tx);
        waiting.await.unwrap();
    }
}
