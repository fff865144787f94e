//! Cluster access the way kubectl does it: `--kubeconfig` (else `$KUBECONFIG`, else `~/.kube/config`, else the
//! pod's service account), `--context`, `-n/--namespace` (else the context's namespace, else `default`), and
//! errors that say which cluster could not be reached and how to choose another.

use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow};
use clap::Args;
use kruntimes_daemon::errors;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Flags that choose the cluster and namespace (the kubectl ones).
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Path of the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace (default: the context's namespace, else `default`).
    #[arg(short = 'n', long, value_name = "NAME")]
    pub namespace: Option<String>,
}

/// A client and the namespace commands act in.
pub(crate) struct Cluster {
    pub client: Client,
    pub namespace: String,
    /// The API server's URL, for error messages.
    pub url: String,
}

impl Cluster {
    /// Loads the configuration the flags choose. Does not contact the cluster: the first request does, and
    /// [`Cluster::explain`] words its failure.
    pub(crate) async fn connect(args: &ClusterArgs) -> Result<Self> {
        let options = KubeConfigOptions {
            context: args.context.clone(),
            ..KubeConfigOptions::default()
        };
        let config = match &args.kubeconfig {
            Some(path) => {
                let kubeconfig = Kubeconfig::read_from(path)
                    .with_context(|| format!("--kubeconfig {}: cannot read it", path.display()))?;
                Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .with_context(|| format!("--kubeconfig {}: cannot use it", path.display()))?
            }
            None if args.context.is_some() => Config::from_kubeconfig(&options)
                .await
                .context("--context: cannot load it from ~/.kube/config")?,
            None => Config::infer().await.map_err(|e| {
                anyhow!(
                    "no cluster configured ({e}); give --kubeconfig, set KUBECONFIG, or use \
                     `krt local` to run without a cluster"
                )
            })?,
        };
        let namespace = args
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        let url = config.cluster_url.to_string();
        let client = kruntimes_daemon::client::from_config(config)
            .context("cannot build a Kubernetes client")?;
        Ok(Self {
            client,
            namespace,
            url,
        })
    }

    /// The namespaced object `name` of kind `K` in the namespace, or an error that says what is missing.
    pub(crate) async fn get<K>(&self, name: &str) -> Result<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug,
    {
        kube::Api::<K>::namespaced(self.client.clone(), &self.namespace)
            .get(name)
            .await
            .map_err(|e| self.explain(&format!("{} {name:?}", K::kind(&())), e))
    }

    /// `err` from a request about `what`, worded for a user: the API's own message for an API error, else
    /// which cluster could not be reached.
    pub(crate) fn explain(&self, what: &str, err: kube::Error) -> anyhow::Error {
        match err {
            err if errors::is_not_found(&err) => {
                anyhow!("{what}: not found in namespace {:?}", self.namespace)
            }
            kube::Error::Api(status) => anyhow!("{what}: {} ({})", status.message, status.code),
            other => anyhow!(
                "{what}: cannot reach the Kubernetes API at {}: {other}; check --kubeconfig and \
                 --context, or use `krt local` to run without a cluster",
                self.url
            ),
        }
    }
}

/// Runs `future` on a fresh single-threaded runtime: the cluster commands are one request or one watch.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(future)
}
