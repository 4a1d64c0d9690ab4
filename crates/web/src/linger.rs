//! Reading the rest of a refused request body before answering.
//!
//! When a handler stops reading a body half-way (an upload over the size
//! limit), the server would answer and close the connection with the rest
//! of the body still arriving. The kernel then resets the connection, and
//! the sender may lose the answer — a browser shows "connection reset"
//! instead of "this file is too large". nginx solves this with its
//! "lingering close"; this layer does the same: after the handler, what is
//! left of the body is read and thrown away, within a bound of bytes and
//! time, so the answer arrives intact. No tower or tower-http layer does
//! this, hence these few lines.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// At most this much of a refused body is read before giving up and
/// letting the connection close.
const MAX_DRAIN: usize = 128 * 1024 * 1024;

/// At most this long is spent reading it.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// The request body, shared between the handler (which reads as much as
/// it wants) and this layer (which reads the rest afterwards).
#[derive(Clone)]
struct Shared(Arc<Mutex<Body>>);

impl HttpBody for Shared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let mut body = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Pin::new(&mut *body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .lock()
            .map(|body| body.is_end_stream())
            .unwrap_or(true)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0
            .lock()
            .map(|body| body.size_hint())
            .unwrap_or_default()
    }
}

/// Runs the handler on a shared body, then reads whatever it left.
pub(crate) async fn drain_unread_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let shared = Shared(Arc::new(Mutex::new(body)));
    let response = next
        .run(Request::from_parts(parts, Body::new(shared.clone())))
        .await;
    let mut rest = shared;
    let mut read = 0usize;
    let drain = async {
        while let Some(Ok(frame)) =
            std::future::poll_fn(|cx| Pin::new(&mut rest).poll_frame(cx)).await
        {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > MAX_DRAIN {
                break;
            }
        }
    };
    if tokio::time::timeout(MAX_WAIT, drain).await.is_err() {
        tracing::debug!("gave up reading the rest of a refused request body");
    }
    response
}
