//! `--component-url NAME=URL --component-sha256 HEX`: a Runtime's `url` component, downloaded once into the cache
//! directory and verified before runtimed registers it like a `--component NAME=PATH`.
//!
//! The file lives at `<cache-dir>/components/<sha256>.wasm` ([`cached_path`]). At start, [`fetch_component`]:
//!
//! 1. refuses a URL that is not `https://` unless [`FetchOptions::allow_insecure`] (the API admits only https;
//!    http exists for tests on loopback). Redirects to a non-https URL are refused the same way;
//! 2. hashes the cached file if there is one: when its sha256 is the expected one nothing is downloaded; a file
//!    with another digest is removed;
//! 3. otherwise streams the body into a temporary file in `<cache-dir>/components/`, hashing as it goes and
//!    stopping at [`FetchOptions::max_bytes`] (a larger `Content-Length` fails before any byte is read), within
//!    [`FetchOptions::timeout`] per attempt; only a body whose sha256 matches is renamed into place. A failed or
//!    cancelled attempt leaves nothing behind (the temporary file is removed on drop);
//! 4. retries transient failures (connection errors, timeouts, HTTP 408, 429 and 5xx) up to
//!    [`FetchOptions::attempts`] times with exponential backoff. A wrong digest, another HTTP status or an
//!    over-size body fails at once.
//!
//! Files are only ever replaced by rename, never rewritten in place, like the rest of the cache
//! ([`kruntimes_engine::cache`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use kruntimes_engine::cache::TempFile;

/// Subdirectory of the cache directory holding downloaded components.
pub const COMPONENTS_DIR: &str = "components";

/// A `--component-url NAME=URL` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlComponent {
    /// The runtime name requests use (`ExecuteRequest.runtime`).
    pub name: String,
    /// Where to download the component from.
    pub url: String,
}

/// Parses `NAME=URL` (the URL must be http:// or https://; which of the two is allowed is decided at fetch time).
///
/// # Errors
///
/// A message for clap when there is no `=`, an empty name, or a URL of another scheme.
pub fn parse_url_component(value: &str) -> Result<UrlComponent, String> {
    match value.split_once('=') {
        Some((name, url))
            if !name.is_empty() && (url.starts_with("https://") || url.starts_with("http://")) =>
        {
            Ok(UrlComponent {
                name: name.to_owned(),
                url: url.to_owned(),
            })
        }
        _ => Err(format!(
            "expected NAME=https://HOST/PATH.wasm, got {value:?}"
        )),
    }
}

/// Parses a sha256 as the API admits it: 64 lowercase hex digits.
///
/// # Errors
///
/// A message for clap otherwise.
pub fn parse_sha256(value: &str) -> Result<String, String> {
    if kruntimes_api::validation::is_sha256(value) {
        Ok(value.to_owned())
    } else {
        Err(format!("expected 64 lowercase hex digits, got {value:?}"))
    }
}

/// Where the component with this sha256 is cached: `<cache-dir>/components/<sha256>.wasm`.
pub fn cached_path(cache_dir: &Path, sha256: &str) -> PathBuf {
    cache_dir
        .join(COMPONENTS_DIR)
        .join(format!("{sha256}.wasm"))
}

/// Limits of [`fetch_component`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Time allowed for one attempt (connect, headers and the whole body).
    pub timeout: Duration,
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub backoff: Duration,
    /// Accept `http://` URLs (tests on loopback).
    pub allow_insecure: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            max_bytes: 256 << 20,
            timeout: Duration::from_secs(300),
            attempts: 4,
            backoff: Duration::from_millis(500),
            allow_insecure: false,
        }
    }
}

/// Why a `url` component could not be fetched. Every message names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an https URL (or a redirect to one), and insecure URLs are not allowed.
    #[error(
        "component URL {url} is not https:// (runtimed accepts http:// only with --allow-insecure-component-url)"
    )]
    Insecure {
        /// The URL.
        url: String,
    },
    /// The server answered with an error status.
    #[error("downloading component {url} failed: HTTP status {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: reqwest::StatusCode,
    },
    /// The body is larger than the limit.
    #[error(
        "downloading component {url} failed: it is larger than the limit of {limit} bytes (--component-max-bytes)"
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The body's sha256 is not the expected one; nothing was kept.
    #[error(
        "component downloaded from {url} has sha256 {actual}, expected {expected}; it was not kept"
    )]
    Digest {
        /// The URL.
        url: String,
        /// The expected sha256 (`--component-sha256`).
        expected: String,
        /// The sha256 of what was downloaded.
        actual: String,
    },
    /// Connecting, sending or reading failed.
    #[error("downloading component {url} failed: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// The error and its causes.
        message: String,
    },
    /// One attempt took longer than the timeout.
    #[error("downloading component {url} failed: no complete response within {}s", timeout.as_secs_f64())]
    Timeout {
        /// The URL.
        url: String,
        /// The per-attempt timeout.
        timeout: Duration,
    },
    /// Reading or writing the cache directory failed.
    #[error("component cache I/O failed on {} (fetching {url})", path.display())]
    Io {
        /// The URL.
        url: String,
        /// File or directory involved.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl FetchError {
    /// Whether another attempt may succeed.
    fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Status { status, .. } => {
                status.is_server_error()
                    || *status == reqwest::StatusCode::TOO_MANY_REQUESTS
                    || *status == reqwest::StatusCode::REQUEST_TIMEOUT
            }
            Self::Insecure { .. }
            | Self::TooLarge { .. }
            | Self::Digest { .. }
            | Self::Io { .. } => false,
        }
    }
}

/// Makes sure the component `sha256` from `url` is in `cache_dir` and returns its path ([`cached_path`]); see the
/// module documentation for the steps.
///
/// # Errors
///
/// Any [`FetchError`], after the retries for transient ones.
pub async fn fetch_component(
    cache_dir: &Path,
    url: &str,
    sha256: &str,
    options: &FetchOptions,
) -> Result<PathBuf, FetchError> {
    if !options.allow_insecure && !url.starts_with("https://") {
        return Err(FetchError::Insecure {
            url: url.to_owned(),
        });
    }
    let path = cached_path(cache_dir, sha256);
    let dir = path.parent().unwrap_or(cache_dir).to_owned();
    let io = |path: &Path| io_error(url, path);
    tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
    match hash_file(&path).await.map_err(io(&path))? {
        Some(actual) if actual == sha256 => {
            tracing::info!(url, sha256, path = %path.display(), "component already cached, not downloading");
            return Ok(path);
        }
        Some(actual) => {
            tracing::warn!(path = %path.display(), actual, "cached component has the wrong digest, replacing it");
            tokio::fs::remove_file(&path).await.map_err(io(&path))?;
        }
        None => {}
    }
    let client = client(options).map_err(|err| FetchError::Transport {
        url: url.to_owned(),
        message: kruntimes_api::lifecycle::error_chain(&err),
    })?;
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let result = tokio::time::timeout(
            options.timeout,
            download(&client, url, sha256, &dir, options.max_bytes),
        )
        .await
        .unwrap_or_else(|_| {
            Err(FetchError::Timeout {
                url: url.to_owned(),
                timeout: options.timeout,
            })
        });
        match result {
            Ok((tmp, bytes)) => {
                tmp.persist(&path).map_err(|err| FetchError::Io {
                    url: url.to_owned(),
                    path: path.clone(),
                    source: err.error,
                })?;
                tracing::info!(
                    url,
                    sha256,
                    bytes,
                    attempt,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "component downloaded and verified"
                );
                return Ok(path);
            }
            Err(err) if err.is_transient() && attempt < options.attempts => {
                let wait = options.backoff.saturating_mul(1 << (attempt - 1).min(16));
                tracing::warn!(%err, attempt, retry_in_ms = wait.as_millis() as u64, "component download failed, retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The HTTP client: rustls (ring, the workspace's provider), redirects followed only to https unless insecure URLs
/// are allowed.
fn client(options: &FetchOptions) -> reqwest::Result<reqwest::Client> {
    kruntimes_artifacts::store::install_crypto_provider();
    let allow_insecure = options.allow_insecure;
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if !allow_insecure && attempt.url().scheme() != "https" {
            let url = attempt.url().to_string();
            attempt.error(FetchError::Insecure { url })
        } else if attempt.previous().len() >= 10 {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .user_agent(concat!("runtimed/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(options.timeout.min(Duration::from_secs(30)))
        .redirect(redirect)
        .build()
}

/// One attempt: the verified body in a temporary file in `dir`, and its size.
async fn download(
    client: &reqwest::Client,
    url: &str,
    sha256: &str,
    dir: &Path,
    max_bytes: u64,
) -> Result<(TempFile, u64), FetchError> {
    let transport = |err: reqwest::Error| {
        // A refused redirect carries our own error: report it as such.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(cause) = source {
            if let Some(FetchError::Insecure { url }) = cause.downcast_ref::<FetchError>() {
                return FetchError::Insecure { url: url.clone() };
            }
            source = cause.source();
        }
        FetchError::Transport {
            url: url.to_owned(),
            message: kruntimes_api::lifecycle::error_chain(&err.without_url()),
        }
    };
    let mut response = client.get(url).send().await.map_err(transport)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status,
        });
    }
    let too_large = || FetchError::TooLarge {
        url: url.to_owned(),
        limit: max_bytes,
    };
    if response.content_length().is_some_and(|len| len > max_bytes) {
        return Err(too_large());
    }
    let io = |path: &Path| io_error(url, path);
    let mut tmp = TempFile::with_suffix(dir, "wasm").map_err(io(dir))?;
    let tmp_path = tmp.path().to_owned();
    let std_file = tmp.as_file_mut().try_clone().map_err(io(&tmp_path))?;
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        bytes = bytes.saturating_add(chunk.len() as u64);
        if bytes > max_bytes {
            return Err(too_large());
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io(&tmp_path))?;
    }
    let actual = hex::encode(hasher.finalize());
    if actual != sha256 {
        return Err(FetchError::Digest {
            url: url.to_owned(),
            expected: sha256.to_owned(),
            actual,
        });
    }
    file.flush().await.map_err(io(&tmp_path))?;
    file.sync_all().await.map_err(io(&tmp_path))?;
    Ok((tmp, bytes))
}

/// sha256 of a regular file, `None` if there is none at `path`.
async fn hash_file(path: &Path) -> std::io::Result<Option<String>> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        if !file.metadata()?.is_file() {
            return Ok(None);
        }
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(Some(hex::encode(hasher.finalize())))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Maps an I/O error on `path` while fetching `url`.
fn io_error(url: &str, path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + use<> {
    let (url, path) = (url.to_owned(), path.to_owned());
    move |source| FetchError::Io { url, path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `NAME=URL` splits at the first `=` and takes only http(s) URLs.
    #[test]
    fn url_components_parse() {
        assert_eq!(
            parse_url_component("tool=https://example.com/t.wasm?v=1"),
            Ok(UrlComponent {
                name: "tool".into(),
                url: "https://example.com/t.wasm?v=1".into()
            })
        );
        assert!(parse_url_component("tool=http://127.0.0.1:1/t.wasm").is_ok());
        for bad in [
            "tool",
            "=https://example.com/t.wasm",
            "tool=",
            "tool=ftp://example.com/t.wasm",
            "tool=/local/t.wasm",
        ] {
            assert!(parse_url_component(bad).is_err(), "{bad:?}");
        }
    }

    /// A sha256 is 64 lowercase hex digits, as the API validates it.
    #[test]
    fn sha256_is_64_lowercase_hex() {
        let ok = "a".repeat(64);
        assert_eq!(parse_sha256(&ok), Ok(ok.clone()));
        for bad in ["", "abc", &"A".repeat(64), &"g".repeat(64), &"a".repeat(65)] {
            assert!(parse_sha256(bad).is_err(), "{bad:?}");
        }
    }

    /// Components are cached by digest under `components/`, apart from the `.cwasm` artefacts.
    #[test]
    fn cached_path_is_named_by_digest() {
        assert_eq!(
            cached_path(Path::new("/var/lib/runtimed/cache"), "ab12"),
            Path::new("/var/lib/runtimed/cache/components/ab12.wasm")
        );
    }

    /// Only connection trouble, timeouts and 408/429/5xx are retried.
    #[test]
    fn only_transient_failures_are_retried() {
        let url = || "https://x/c.wasm".to_owned();
        let status = |code: u16| FetchError::Status {
            url: url(),
            status: reqwest::StatusCode::from_u16(code).unwrap(),
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(status(408).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(403).is_transient());
        assert!(
            FetchError::Timeout {
                url: url(),
                timeout: Duration::from_secs(1)
            }
            .is_transient()
        );
        assert!(
            !FetchError::TooLarge {
                url: url(),
                limit: 1
            }
            .is_transient()
        );
        assert!(
            !FetchError::Digest {
                url: url(),
                expected: "a".into(),
                actual: "b".into()
            }
            .is_transient()
        );
    }

    /// A plain http URL is refused before anything is touched unless insecure URLs are allowed.
    #[tokio::test]
    async fn http_urls_need_the_insecure_flag() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetch_component(
            dir.path(),
            "http://127.0.0.1:9/c.wasm",
            &"a".repeat(64),
            &FetchOptions::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, FetchError::Insecure { .. }), "{err}");
        assert!(
            err.to_string().contains("--allow-insecure-component-url"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
