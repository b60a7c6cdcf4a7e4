//! One log line per request: method, path, status, body bytes and latency.
//!
//! The query string is left out on purpose: signed URLs and tokens travel there.

use std::fmt;
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;

/// Middleware (for `axum::middleware::from_fn`) logging each request once its response
/// headers are ready.
pub async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let bytes = response.body().size_hint().exact().or_else(|| {
        response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    });
    tracing::info!(
        target: "flodrama_server::access",
        "{method} {path} {status} {bytes} {latency:.1}ms",
        status = response.status().as_u16(),
        bytes = Bytes(bytes),
        latency = started.elapsed().as_secs_f64() * 1000.0,
    );
    response
}

/// A byte count, or `-` when the body length is not known up front.
struct Bytes(Option<u64>);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}B"),
            None => f.write_str("-"),
        }
    }
}
