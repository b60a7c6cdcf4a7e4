//! `/metrics` in the Prometheus text format, through the `metrics` facade.
//!
//! Recorded: `http_requests_total` and `http_request_duration_seconds` per method, matched
//! route and status; `party_rooms` (sampled at scrape time); `viewing_sessions_started_total`,
//! `viewing_sessions_ended_total`, `viewing_sessions_purged_total`; `resume_writes_total`.
//! Other modules record their own figures (e.g. URLs issued and refreshed) with the
//! `metrics::counter!` macros and they appear here too.
//!
//! The recorder is process-global: the first [`handle`] call installs it, later calls (other
//! servers in the same test process) share it.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

/// Route label of requests no route matched (static files fall back here too).
const UNMATCHED: &str = "unmatched";

/// The process's Prometheus recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            handle
        })
        .clone()
}

/// Middleware counting requests and timing them per matched route.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    metrics::gauge!("party_rooms").set(state.party.hub.room_count() as f64);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}
