//! End-to-end tests of the control plane: the same scenarios ([`scenarios`]) in-process on the API server
//! substitute (always run), and against a real Kubernetes cluster (opt-in).
//!
//! No cluster can run on our build machines, so every real-cluster test is `#[ignore]`d with the reason and
//! runs only when asked: `KRUNTIMES_E2E_KUBECONFIG=~/.kube/config cargo test -p kruntimes-e2e -- --ignored`.
//! Each works in a temporary namespace (`kruntimes-e2e-<random>`) that it deletes afterwards.

pub mod node;
pub mod scenarios;

use std::path::PathBuf;

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

/// The variable that names the kubeconfig of the cluster to test against.
pub const KUBECONFIG_ENV: &str = "KRUNTIMES_E2E_KUBECONFIG";

/// A client for the cluster named by [`KUBECONFIG_ENV`], or a clear error when it is not set.
pub async fn client() -> Result<Client> {
    let path: PathBuf = std::env::var_os(KUBECONFIG_ENV)
        .with_context(|| format!("{KUBECONFIG_ENV} is not set: point it at the kubeconfig of a disposable test cluster"))?
        .into();
    let kubeconfig =
        Kubeconfig::read_from(&path).with_context(|| format!("reading {}", path.display()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

/// A namespace that exists for the duration of one test.
pub struct TempNamespace {
    /// Its name.
    pub name: String,
    client: Client,
}

impl TempNamespace {
    /// Creates `kruntimes-e2e-<suffix>` labelled `kruntimes.io/e2e=true`.
    pub async fn create(client: &Client) -> Result<Self> {
        let suffix = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos()
                & 0xff_ffff
        );
        let name = format!("kruntimes-e2e-{suffix}");
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"kruntimes.io/e2e": "true"}}
        }))?;
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await?;
        Ok(Self {
            name,
            client: client.clone(),
        })
    }

    /// Deletes the namespace (and everything in it).
    pub async fn delete(self) -> Result<()> {
        Api::<Namespace>::all(self.client)
            .delete(&self.name, &DeleteParams::default())
            .await?;
        Ok(())
    }
}
