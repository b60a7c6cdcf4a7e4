//! `/metrics` in the Prometheus text format, through the `metrics` facade.
//!
//! Recorded: `http_requests_total` and `http_request_duration_seconds` per method, matched
//! route and status; `party_rooms` (sampled at scrape time) and `party_members` (joined
//! connections); `viewing_sessions_started_total`,
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
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

/// Upper bounds of the request latency buckets, in seconds.
const LATENCY_BUCKETS_S: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Route label of requests no route matched (static files fall back here too).
const UNMATCHED: &str = "unmatched";

/// The process's Prometheus recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            // Latencies as a histogram (aggregatable across instances) rather than a summary;
            // the only error is an empty bucket list, which a constant rules out.
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &LATENCY_BUCKETS_S,
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
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

/// Adds one to the gauge `name` while alive (e.g. `party_members` per joined connection).
#[derive(Debug)]
pub struct GaugeGuard(&'static str);

impl GaugeGuard {
    /// Increments `name` now; the drop decrements it.
    pub fn new(name: &'static str) -> Self {
        metrics::gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        metrics::gauge!(self.0).decrement(1.0);
    }
}
