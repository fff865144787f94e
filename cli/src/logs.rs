//! `krt logs` (and `krt run --follow`): a Run's output from runtimed's `Logs` RPC.
//!
//! runtimed's gRPC port is not exposed outside the pod (its NetworkPolicy admits no one), so krt reaches it the
//! way `kubectl port-forward` does: a port-forward of the Run's pod through the API server (the user needs
//! `create` on `pods/portforward`). `--address` connects to a runtimed directly instead (a local one, or your
//! own `kubectl port-forward`). runtimed keeps the output of recently finished Runs after it forgets them, so
//! the logs of a Run that just ended are still there; once its pod is gone, they are too.

use std::io::Write;

use anyhow::{Context as _, Result, anyhow, bail};
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use kruntimes_api::consts::RUNTIMED_GRPC_PORT;
use kruntimes_api::v1alpha1::Run;
use kruntimes_proto::v1::runtime_client::RuntimeClient;
use kruntimes_proto::v1::{
    ExecutionId, LogSelector, LogStream, LogsEnd, LogsRequest, logs_response,
};
use kube::ResourceExt;
use kube::api::Api;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::cluster::Cluster;

/// What to read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Keep reading until the execution ends.
    pub follow: bool,
    /// Only the last this many lines of each stream's retained output.
    pub tail_lines: Option<usize>,
    /// Which streams.
    pub streams: Streams,
    /// The attempt (default: the Run's current one).
    pub attempt: Option<u32>,
    /// runtimed's address, instead of a port-forward to the Run's pod.
    pub address: Option<String>,
}

/// `--stdout` / `--stderr`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Streams {
    #[default]
    Both,
    Stdout,
    Stderr,
}

/// Prints `run`'s output: stdout to `out`, stderr to `err`. Returns how the stream ended.
pub(crate) async fn print(
    cluster: &Cluster,
    run: &Run,
    options: &Options,
    out: &mut (impl Write + ?Sized),
    err: &mut (impl Write + ?Sized),
) -> Result<LogsEnd> {
    let name = run.name_any();
    let status = run.status.clone().unwrap_or_default();
    let uid = run.uid().context("the Run has no uid")?;
    let attempt = options
        .attempt
        .or_else(|| status.attempt.and_then(|a| u32::try_from(a).ok()))
        .unwrap_or(1);
    let mut client = match &options.address {
        Some(address) => RuntimeClient::new(direct(address).await?),
        None => {
            let Some(pod) = status.assigned_pod.clone() else {
                bail!(
                    "Run {name} is {} and has no pod yet: no output to show (krt wait {name} --for Running)",
                    status.phase
                );
            };
            RuntimeClient::new(port_forward(cluster, &pod).await?)
        }
    };
    let id = ExecutionId {
        run_uid: uid,
        attempt,
    };
    let mut printer = Printer::new(out, err, options.tail_lines);
    if options.follow && options.tail_lines.is_some() {
        // The last lines of what is retained now, then everything after it, live.
        read(&mut client, &id, options, false, &mut printer).await?;
        printer.flush_tail()?;
        printer.tail = None;
        return read(&mut client, &id, options, true, &mut printer).await;
    }
    let end = read(&mut client, &id, options, options.follow, &mut printer).await?;
    printer.flush_tail()?;
    Ok(end)
}

async fn read(
    client: &mut RuntimeClient<Channel>,
    id: &ExecutionId,
    options: &Options,
    follow: bool,
    printer: &mut Printer<'_, impl Write + ?Sized, impl Write + ?Sized>,
) -> Result<LogsEnd> {
    let streams = match options.streams {
        Streams::Both => LogSelector::Both,
        Streams::Stdout => LogSelector::Stdout,
        Streams::Stderr => LogSelector::Stderr,
    };
    let request = LogsRequest {
        id: Some(id.clone()),
        follow,
        streams: streams.into(),
        tail_bytes: None,
    };
    let mut stream = client
        .logs(request)
        .await
        .map_err(|status| match status.code() {
            tonic::Code::NotFound => anyhow!(
                "runtimed has no output of attempt {} any more (it keeps the last runs it finished; the pod may \
                 have restarted)",
                id.attempt
            ),
            _ => anyhow!("runtimed's Logs failed: {}", status.message()),
        })?
        .into_inner();
    while let Some(message) = stream
        .message()
        .await
        .map_err(|s| anyhow!("the log stream broke: {}", s.message()))?
    {
        match message.event {
            Some(logs_response::Event::Chunk(chunk)) => {
                printer.chunk(chunk.stream(), chunk.offset, &chunk.data)?;
            }
            Some(logs_response::Event::End(end)) => {
                if end.stdout_truncated || end.stderr_truncated {
                    eprintln!(
                        "[krt: output over the Run's limit was dropped by runtimed: {} of {} stdout bytes, {} of {} \
                         stderr bytes kept]",
                        printer.seen[0].min(end.stdout_bytes),
                        end.stdout_bytes,
                        printer.seen[1].min(end.stderr_bytes),
                        end.stderr_bytes
                    );
                }
                return Ok(end);
            }
            None => {}
        }
    }
    bail!("the log stream ended without its end marker (runtimed stopped?)")
}

/// Writes chunks once each (by offset, so a second read of the same output prints only what is new), or keeps
/// the last lines for `--tail`.
struct Printer<'a, O: Write + ?Sized, E: Write + ?Sized> {
    out: &'a mut O,
    err: &'a mut E,
    /// Bytes of stdout and stderr already printed (or held for the tail).
    seen: [u64; 2],
    /// With `--tail N`: the retained output so far, per stream, and N.
    tail: Option<(usize, [Vec<u8>; 2])>,
}

impl<'a, O: Write + ?Sized, E: Write + ?Sized> Printer<'a, O, E> {
    fn new(out: &'a mut O, err: &'a mut E, tail: Option<usize>) -> Self {
        Self {
            out,
            err,
            seen: [0, 0],
            tail: tail.map(|n| (n, [Vec::new(), Vec::new()])),
        }
    }

    fn chunk(&mut self, stream: LogStream, offset: u64, data: &[u8]) -> Result<()> {
        let i = usize::from(stream == LogStream::Stderr);
        let end = offset + data.len() as u64;
        if end <= self.seen[i] {
            return Ok(());
        }
        let skip = usize::try_from(self.seen[i].saturating_sub(offset)).unwrap_or(data.len());
        let new = &data[skip.min(data.len())..];
        self.seen[i] = end;
        match &mut self.tail {
            Some((_, held)) => held[i].extend_from_slice(new),
            None => self.write(i, new)?,
        }
        Ok(())
    }

    fn write(&mut self, stream: usize, data: &[u8]) -> Result<()> {
        if stream == 0 {
            self.out.write_all(data)?;
            self.out.flush()?;
        } else {
            self.err.write_all(data)?;
            self.err.flush()?;
        }
        Ok(())
    }

    /// Prints the last lines held for `--tail`.
    fn flush_tail(&mut self) -> Result<()> {
        let Some((n, held)) = self.tail.take() else {
            return Ok(());
        };
        for (i, bytes) in held.iter().enumerate() {
            let start = last_lines_start(bytes, n);
            self.write(i, &bytes[start..])?;
        }
        self.tail = Some((n, [Vec::new(), Vec::new()]));
        Ok(())
    }
}

/// Where the last `n` lines of `bytes` begin (a final line without newline counts as a line).
pub(crate) fn last_lines_start(bytes: &[u8], n: usize) -> usize {
    if n == 0 {
        return bytes.len();
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut count = 0;
    for (i, b) in body.iter().enumerate().rev() {
        if *b == b'\n' {
            count += 1;
            if count == n {
                return i + 1;
            }
        }
    }
    0
}

/// A gRPC channel to runtimed at `address` (`host:port` or a URI).
pub(crate) async fn direct(address: &str) -> Result<Channel> {
    let uri = if address.contains("://") {
        address.to_owned()
    } else {
        format!("http://{address}")
    };
    Endpoint::from_shared(uri)
        .with_context(|| format!("--address {address:?}: not an address"))?
        .connect()
        .await
        .with_context(|| format!("cannot connect to runtimed at {address}"))
}

/// A gRPC channel to runtimed in `pod`, through a port-forward of the API server.
pub(crate) async fn port_forward(cluster: &Cluster, pod: &str) -> Result<Channel> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let name = pod.to_owned();
    let connector = tower::service_fn(move |_: Uri| {
        let pods = pods.clone();
        let name = name.clone();
        async move {
            let mut forwarder = pods.portforward(&name, &[RUNTIMED_GRPC_PORT]).await?;
            let stream = forwarder
                .take_stream(RUNTIMED_GRPC_PORT)
                .ok_or("the port-forward has no stream")?;
            // The forwarder's task carries the bytes; let it run until the stream closes.
            tokio::spawn(async move {
                let _ = forwarder.join().await;
            });
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(TokioIo::new(stream))
        }
    });
    Endpoint::from_static("http://runtimed.port-forward")
        .connect_with_connector(connector)
        .await
        .map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message = format!("{message}: {s}");
                source = s.source();
            }
            anyhow!(
                "cannot port-forward to runtimed in pod {pod} (port {RUNTIMED_GRPC_PORT}; you need create on \
                 pods/portforward): {message}"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines() {
        assert_eq!(last_lines_start(b"a\nb\nc\n", 2), 2);
        assert_eq!(last_lines_start(b"a\nb\nc", 2), 2);
        assert_eq!(last_lines_start(b"a\nb\nc\n", 5), 0);
        assert_eq!(last_lines_start(b"a\nb\n", 0), 4);
        assert_eq!(last_lines_start(b"", 3), 0);
    }

    /// Chunks are printed once by offset: a second read that starts over prints only what is new.
    #[test]
    fn a_second_read_prints_only_new_bytes() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut p = Printer::new(&mut out, &mut err, None);
        p.chunk(LogStream::Stdout, 0, b"hello ").unwrap();
        p.chunk(LogStream::Stdout, 0, b"hello wor").unwrap();
        p.chunk(LogStream::Stdout, 9, b"ld\n").unwrap();
        drop(p);
        assert_eq!(out, b"hello world\n");
    }
}
