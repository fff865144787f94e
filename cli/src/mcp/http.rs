//! `krt mcp --listen ADDR`: the same tools over MCP's streamable HTTP transport, at `http://ADDR/mcp`.
//!
//! Every request must carry `Authorization: Bearer TOKEN` with the server's token (from `--token-file` or
//! `KRT_MCP_TOKEN`); any other request is answered 401 before it reaches MCP. Listening on loopback, the `Host`
//! header must be a loopback name (rmcp's protection against DNS rebinding); listening on any other address (a
//! pod's `0.0.0.0`), clients name the server as they please and the token alone guards it. A request body is at
//! most [`MAX_REQUEST_BYTES`], a request's headers must arrive within [`HEADER_TIMEOUT`], and at most
//! [`MAX_CONNECTIONS`] connections are served at once (more wait to be accepted). The tools are the stdio
//! server's: one engine, one table of sessions, whatever the number of clients.

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::header::{
    AUTHORIZATION, CONNECTION, CONTENT_TYPE, HeaderMap, HeaderValue, WWW_AUTHENTICATE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Tools;

/// The path of the MCP endpoint.
pub(crate) const PATH: &str = "/mcp";
/// Shortest token accepted: a guessable token would guard nothing.
pub(crate) const MIN_TOKEN_BYTES: usize = 16;
/// Largest request body: a call's code (256 KiB) and files (4 MiB) as JSON, with room for escaping.
pub(crate) const MAX_REQUEST_BYTES: usize = 12 << 20;
/// Time a client has to send a request's headers: an idle connection does not hold a place for ever.
pub(crate) const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Most connections served at once.
pub(crate) const MAX_CONNECTIONS: usize = 256;

type Body = BoxBody<Bytes, Infallible>;

/// The bearer token: `--token-file`'s first line, else `KRT_MCP_TOKEN`; required, and at least
/// [`MIN_TOKEN_BYTES`] long.
pub(crate) fn token(file: Option<&std::path::Path>) -> Result<String> {
    let token = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("--token-file {}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        None => std::env::var("KRT_MCP_TOKEN")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if token.is_empty() {
        bail!(
            "--listen serves MCP over HTTP only with a bearer token: give --token-file FILE or set KRT_MCP_TOKEN \
             (e.g. `openssl rand -hex 32`)"
        );
    }
    if token.len() < MIN_TOKEN_BYTES {
        bail!(
            "the bearer token has {} bytes, fewer than the minimum of {MIN_TOKEN_BYTES}",
            token.len()
        );
    }
    Ok(token)
}

/// Serves `tools` on `listener` until `stop` is cancelled.
pub(crate) async fn serve(
    tools: Tools,
    listener: TcpListener,
    token: String,
    stop: CancellationToken,
) -> Result<()> {
    let addr = listener.local_addr()?;
    let mut config = StreamableHttpServerConfig::default();
    config.cancellation_token = stop.child_token();
    config.max_request_body_bytes = MAX_REQUEST_BYTES;
    if !addr.ip().is_loopback() {
        config = config.disable_allowed_hosts();
    }
    let mcp = StreamableHttpService::new(
        move || Ok(tools.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let token: Arc<[u8]> = token.into_bytes().into();
    eprintln!("krt mcp: serving MCP at http://{addr}{PATH} (bearer token required)");
    let places = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let place = tokio::select! {
            place = Arc::clone(&places).acquire_owned() => place.context("the connection limit")?,
            () = stop.cancelled() => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, a connection reset before it was accepted: the server goes on.
                    eprintln!("krt mcp: accepting a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stop.cancelled() => return Ok(()),
        };
        let (mcp, token) = (mcp.clone(), Arc::clone(&token));
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (mut mcp, token) = (mcp.clone(), Arc::clone(&token));
            async move { Ok::<_, Infallible>(route(request, &token, &mut mcp).await) }
        });
        let stop = stop.clone();
        tokio::spawn(async move {
            let _place = place;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = stop.cancelled() => {}
            }
        });
    }
}

/// The MCP endpoint for an authorized request; 404 elsewhere, 401 without the token.
async fn route(
    request: Request<Incoming>,
    token: &[u8],
    mcp: &mut StreamableHttpService<Tools, LocalSessionManager>,
) -> Response<Body> {
    if request.uri().path() != PATH {
        return plain(
            StatusCode::NOT_FOUND,
            &format!("not found: the MCP endpoint is {PATH}"),
        );
    }
    if !authorized(request.headers(), token) {
        let mut response = plain(
            StatusCode::UNAUTHORIZED,
            "unauthorized: give the server's token as `Authorization: Bearer TOKEN`",
        );
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"krt mcp\""),
        );
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    match tower::Service::call(mcp, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Whether `headers` carry `Authorization: Bearer <token>`, compared in time independent of where they differ.
fn authorized(headers: &HeaderMap, token: &[u8]) -> bool {
    // The scheme is case-insensitive (RFC 9110); the token is not.
    let Some(given) = headers
        .get(AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .filter(|value| value.len() > 7 && value[..7].eq_ignore_ascii_case(b"bearer "))
        .map(|value| &value[7..])
    else {
        return false;
    };
    given.len() == token.len()
        && given
            .iter()
            .zip(token)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{text}\n"))).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_authorized() {
        let token = b"0123456789abcdef";
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            authorized(&headers, token)
        };
        assert!(with("Bearer 0123456789abcdef"));
        assert!(with("bearer 0123456789abcdef"));
        for wrong in [
            "Bearer 0123456789abcdeF",
            "Bearer 0123456789abcde",
            "Bearer 0123456789abcdef0",
            "Bearer  0123456789abcdef",
            "Basic 0123456789abcdef",
            "0123456789abcdef",
        ] {
            assert!(!with(wrong), "{wrong}");
        }
        assert!(!authorized(&HeaderMap::new(), token));
    }

    #[test]
    fn a_token_is_required_and_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short");
        std::fs::write(&short, "abc\n").unwrap();
        let err = token(Some(&short)).unwrap_err().to_string();
        assert!(
            err.contains("3 bytes, fewer than the minimum of 16"),
            "{err}"
        );
        let good = dir.path().join("good");
        std::fs::write(&good, "0123456789abcdef0123\nignored\n").unwrap();
        assert_eq!(token(Some(&good)).unwrap(), "0123456789abcdef0123");
        let missing = token(Some(&dir.path().join("none"))).unwrap_err();
        assert!(
            format!("{missing:#}").starts_with("--token-file"),
            "{missing:#}"
        );
    }
}
