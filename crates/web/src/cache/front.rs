//! Pages the cache holds, answered before routing.
//!
//! A hit used to pass the router's path lookup and, per request, a clone
//! of every middleware layer (each boxed) and the moves of their nested
//! futures: most of what Kiosque spent per cached page beyond the kernel's
//! part (see bench/README.md). Here a hit is answered at once, counted as
//! a view and timed as the layers would have, and everything else goes on
//! to the router unchanged.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::Response;
use futures_util::future::Either;
use tower::Service;

use crate::AppState;

/// The router, with the cache's hits answered in front of it.
#[derive(Clone)]
pub(crate) struct Front {
    pub(crate) state: Arc<AppState>,
    pub(crate) router: Router,
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, <Router as Service<Request>>::Future>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // A router is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match hit(&self.state, &request) {
            Some(response) => Either::Left(ready(Ok(response))),
            None => Either::Right(self.router.call(request)),
        }
    }
}

/// The cached answer to `request`, when it is one the cache layer
/// (`super::serve`) would give from the cache.
fn hit(state: &AppState, request: &Request) -> Option<Response> {
    let cache = state.cache.as_ref()?;
    let method = request.method();
    if (method != Method::GET && method != Method::HEAD) || request.uri().query().is_some() {
        return None;
    }
    let headers = request.headers();
    if !super::layer::anonymous(headers) || headers.contains_key(header::ORIGIN) {
        return None;
    }
    let started = Instant::now();
    let page = cache.find(request.uri().path())?;
    let mut response = page.respond(method, headers, "hit");
    crate::stats::count_hit(state, request, &response);
    crate::metrics::observed_hit(state, request, &mut response, started);
    Some(response)
}
