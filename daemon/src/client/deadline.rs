//! The client side of a watch's `timeoutSeconds`.
//!
//! A watch request asks the API server to end the response after `timeoutSeconds`. After a kube-apiserver restart we
//! saw a watch whose response had started stay silent and open far past that: the controller's watch of Runtimes,
//! with `timeoutSeconds=60`, delivered nothing for over 5 minutes while kubectl watches saw the same events at once,
//! and the controller never learnt of a new Runtime. [`WatchDeadlineLayer`] ends such a response itself: the body of a
//! watch fails [`WATCH_GRACE`] after the server should have ended it, so kube's watcher starts the next watch (on a
//! new connection: a body dropped before its end closes its connection).
//!
//! (That silence turned out to be ours: the watch's consumer was paused in a backoff, see `crate::watch`, and the
//! response sat unread in the socket. So a body read late, past its deadline, first gets [`SETTLE`] to deliver
//! what the server has already sent, its end included, before it is failed.)

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tower::{BoxError, Layer, Service};

/// How long past its `timeoutSeconds` a watch response may stay open before the client ends it.
pub const WATCH_GRACE: Duration = Duration::from_secs(15);

/// How long a watch body first read after its deadline may still deliver what the server sent meanwhile.
pub const SETTLE: Duration = Duration::from_secs(1);

/// The time a request may stream its response for: `timeoutSeconds` plus `grace` for a watch (`watch=true` or
/// `watch=1` with `timeoutSeconds`), `None` (no limit here) for anything else.
pub fn watch_limit(uri: &Uri, grace: Duration) -> Option<Duration> {
    let query = uri.query()?;
    let mut watch = false;
    let mut timeout = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("watch", "true" | "1")) => watch = true,
            Some(("timeoutSeconds", seconds)) => timeout = seconds.parse::<u64>().ok(),
            _ => {}
        }
    }
    let seconds = timeout.filter(|_| watch)?;
    Some(Duration::from_secs(seconds).saturating_add(grace))
}

/// Ends watch responses that outlive their `timeoutSeconds` by more than the grace (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct WatchDeadlineLayer {
    grace: Duration,
}

impl WatchDeadlineLayer {
    /// A layer that allows watches `grace` past their `timeoutSeconds`.
    pub fn new(grace: Duration) -> Self {
        WatchDeadlineLayer { grace }
    }
}

impl<S> Layer<S> for WatchDeadlineLayer {
    type Service = WatchDeadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WatchDeadline {
            inner,
            grace: self.grace,
        }
    }
}

/// The service of [`WatchDeadlineLayer`].
#[derive(Clone, Debug)]
pub struct WatchDeadline<S> {
    inner: S,
    grace: Duration,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for WatchDeadline<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<DeadlineBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // Counted from the request, as the API server counts it.
        let deadline = watch_limit(request.uri(), self.grace).map(|limit| Instant::now() + limit);
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|inner| DeadlineBody {
                inner,
                deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
                settling: false,
            }))
        })
    }
}

pin_project! {
    /// A response body that fails once its deadline (if any) has passed and [`SETTLE`] more has gone by since
    /// it was first read past it.
    pub struct DeadlineBody<B> {
        #[pin]
        inner: B,
        deadline: Option<Pin<Box<Sleep>>>,
        settling: bool,
    }
}

/// The error of a watch body that outlived its deadline.
#[derive(Debug)]
pub struct WatchOverran;

impl std::fmt::Display for WatchOverran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the watch was not ended by the API server {}s after its timeoutSeconds; ending it",
            WATCH_GRACE.as_secs()
        )
    }
}

impl std::error::Error for WatchOverran {}

impl<B> Body for DeadlineBody<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let Some(deadline) = this.deadline.as_mut() else {
            return Poll::Pending;
        };
        if deadline.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        if !*this.settling {
            *this.settling = true;
            deadline.as_mut().reset(Instant::now() + SETTLE);
            if deadline.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        Poll::Ready(Some(Err(Box::new(WatchOverran))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(uri: &str) -> Option<Duration> {
        watch_limit(&uri.parse().expect("uri"), Duration::from_secs(15))
    }

    /// Only a watch with a timeoutSeconds gets a limit: the timeout plus the grace.
    #[test]
    fn only_watches_with_a_timeout_are_limited() {
        assert_eq!(
            limit(
                "/apis/kruntimes.io/v1alpha1/runtimes?&watch=true&timeoutSeconds=60&allowWatchBookmarks=true"
            ),
            Some(Duration::from_secs(75))
        );
        assert_eq!(
            limit("/api/v1/pods?timeoutSeconds=290&watch=1"),
            Some(Duration::from_secs(305))
        );
        assert_eq!(limit("/api/v1/pods?watch=true"), None);
        assert_eq!(limit("/api/v1/pods?timeoutSeconds=60"), None);
        assert_eq!(limit("/api/v1/pods?watch=false&timeoutSeconds=60"), None);
        assert_eq!(limit("/api/v1/pods"), None);
        assert_eq!(limit("/api/v1/pods?watch=true&timeoutSeconds=soon"), None);
    }
}
