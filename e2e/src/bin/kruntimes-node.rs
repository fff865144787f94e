//! `kruntimes-node`: the node stand-in of the loopback control plane (see `kruntimes_e2e::node`).
//!
//! ```text
//! kruntimes-node --kubeconfig admin.kubeconfig --dir DIR --server https://127.0.0.1:PORT --ca-file ca.crt \
//!     --image runtimed=target/debug/runtimed --image controller=target/debug/kruntimes-controller \
//!     --image-path /opt/kruntimes/builtins=runtimes/target/builtins --shared-volume cache=DIR/cache
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use kruntimes_e2e::node::{self, Config};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// A node for a control plane on loopback: runs the pods bound to it as processes of this machine.
#[derive(Parser)]
#[command(name = "kruntimes-node")]
struct Args {
    /// The kubeconfig it uses (the kubelet's credentials).
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Its working directory: pods' volumes, logs, claims.
    #[arg(long)]
    dir: PathBuf,
    /// The API server URL written into pods' kubeconfigs.
    #[arg(long)]
    server: String,
    /// The CA pods trust for the API server.
    #[arg(long)]
    ca_file: PathBuf,
    /// Name of the Node.
    #[arg(long, default_value = "kruntimes-node")]
    node_name: String,
    /// NAME=PROGRAM: the program that stands for images named NAME (the last path segment, without tag).
    #[arg(long = "image", value_parser = pair)]
    images: Vec<(String, PathBuf)>,
    /// PATH=DIR: a path of the images' file system and the directory that holds it here.
    #[arg(long = "image-path", value_parser = pair)]
    image_paths: Vec<(String, PathBuf)>,
    /// VOLUME=DIR: emptyDir volumes of that name share DIR across pods (e.g. a compile cache).
    #[arg(long = "shared-volume", value_parser = pair)]
    shared_volumes: Vec<(String, PathBuf)>,
}

fn pair(s: &str) -> Result<(String, PathBuf)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_owned(), PathBuf::from(v))),
        _ => bail!("expected NAME=PATH, got {s:?}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let kubeconfig = Kubeconfig::read_from(&args.kubeconfig)
        .with_context(|| format!("reading {}", args.kubeconfig.display()))?;
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    let client = kruntimes_daemon::client::from_config(config)?;
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let config = Config {
        node_name: args.node_name,
        dir: absolute(args.dir),
        images: args
            .images
            .into_iter()
            .map(|(k, v)| (k, absolute(v)))
            .collect::<BTreeMap<_, _>>(),
        image_paths: args
            .image_paths
            .into_iter()
            .map(|(k, v)| (k, absolute(v)))
            .collect(),
        shared_volumes: args
            .shared_volumes
            .into_iter()
            .map(|(k, v)| (k, absolute(v)))
            .collect(),
        server: args.server,
        ca_file: absolute(args.ca_file),
    };
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .unwrap_or_else(|e| panic!("SIGTERM handler: {e}"));
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    node::run(client, config, shutdown).await
}
