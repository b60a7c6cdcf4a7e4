//! Viewing sessions: `POST /api/sessions {contentId, qoe?}` starts one (`201 {sessionId, ...}`),
//! `POST /api/sessions/{id}/heartbeat {qoe}` and `POST /api/sessions/{id}/end {qoe}` report
//! the latest QoE figures, `GET /api/sessions/{id}` reads one back. Only the user who started
//! a session can see or update it; anyone else gets `404`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{ApiError, ApiJson, blocking, check_id, check_range, unix_now_ms};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::store::{Qoe, Session};

/// Largest figure accepted for a duration in seconds or milliseconds, or a bitrate.
const MAX_FIGURE: f64 = 1e12;
/// Longest error code kept.
const MAX_ERROR_LEN: usize = 128;

/// Body of `POST /api/sessions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartSession {
    /// The title being watched.
    pub content_id: String,
    /// Figures so far (usually none).
    #[serde(default)]
    pub qoe: Qoe,
}

/// Body of the heartbeat and end calls.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Report {
    /// The latest figures (cumulative since the start).
    pub qoe: Qoe,
}

/// Checks every figure is finite, non-negative and bounded, and the lists are short.
pub fn check_qoe(qoe: &Qoe) -> Result<(), ApiError> {
    check_range("qoe.watchTimeS", qoe.watch_time_s, MAX_FIGURE)?;
    check_range("qoe.rebufferS", qoe.rebuffer_s, MAX_FIGURE)?;
    if let Some(v) = qoe.startup_ms {
        check_range("qoe.startupMs", v, MAX_FIGURE)?;
    }
    if let Some(v) = qoe.mean_bitrate {
        check_range("qoe.meanBitrate", v, MAX_FIGURE)?;
    }
    if qoe.bitrate_histogram.len() > Qoe::MAX_BUCKETS {
        return Err(ApiError::bad_request(format!(
            "qoe.bitrateHistogram has more than {} buckets",
            Qoe::MAX_BUCKETS
        )));
    }
    for (bitrate, seconds) in &qoe.bitrate_histogram {
        if bitrate.parse::<u64>().is_err() {
            return Err(ApiError::bad_request(
                "qoe.bitrateHistogram keys are bitrates in bits/s",
            ));
        }
        check_range("qoe.bitrateHistogram value", *seconds, MAX_FIGURE)?;
    }
    if qoe.errors.len() > Qoe::MAX_ERRORS
        || qoe
            .errors
            .iter()
            .any(|e| e.is_empty() || e.len() > MAX_ERROR_LEN)
    {
        return Err(ApiError::bad_request(format!(
            "qoe.errors holds at most {} codes of 1-{MAX_ERROR_LEN} bytes",
            Qoe::MAX_ERRORS
        )));
    }
    Ok(())
}

fn new_session_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("no randomness for a session id: {e}"),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `POST /api/sessions`.
pub async fn start(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<StartSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    check_id("contentId", &body.content_id)?;
    check_qoe(&body.qoe)?;
    let now = unix_now_ms();
    let session = Session {
        session_id: new_session_id()?,
        content_id: body.content_id,
        started_at: now,
        last_seen_at: now,
        ended_at: None,
        qoe: body.qoe,
    };
    let stored = session.clone();
    blocking(&state.store, move |s| s.start_session(&user, &stored)).await?;
    metrics::counter!("viewing_sessions_started_total").increment(1);
    Ok((StatusCode::CREATED, Json(session)))
}

async fn report(
    state: AppState,
    user: String,
    id: String,
    qoe: Qoe,
    end: bool,
) -> Result<Json<Session>, ApiError> {
    check_id("session id", &id)?;
    check_qoe(&qoe)?;
    let now = unix_now_ms();
    let session = blocking(&state.store, move |s| {
        let found = s.update_session(&user, &id, &qoe, now, end.then_some(now))?;
        if found {
            s.get_session(&user, &id)
        } else {
            Ok(None)
        }
    })
    .await?
    .ok_or_else(|| ApiError::not_found("no such session"))?;
    if end {
        metrics::counter!("viewing_sessions_ended_total").increment(1);
    }
    Ok(Json(session))
}

/// `POST /api/sessions/{id}/heartbeat`.
pub async fn heartbeat(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Report>,
) -> Result<Json<Session>, ApiError> {
    report(state, user, id, body.qoe, false).await
}

/// `POST /api/sessions/{id}/end`.
pub async fn end(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Report>,
) -> Result<Json<Session>, ApiError> {
    report(state, user, id, body.qoe, true).await
}

/// `GET /api/sessions/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Session>, ApiError> {
    check_id("session id", &id)?;
    blocking(&state.store, move |s| s.get_session(&user, &id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such session"))
}

/// How often [`purge_forever`] looks for expired sessions.
pub const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the sessions last seen more than the configured retention ago; returns how many.
pub async fn purge_expired(state: &AppState) -> Result<usize, ApiError> {
    let retention = i64::try_from(state.config.session_retention.as_millis()).unwrap_or(i64::MAX);
    let before = unix_now_ms().saturating_sub(retention);
    let purged = blocking(&state.store, move |s| s.purge_sessions(before)).await?;
    if purged > 0 {
        metrics::counter!("viewing_sessions_purged_total").increment(purged as u64);
        tracing::info!("purged {purged} viewing sessions past retention");
    }
    Ok(purged)
}

/// Runs [`purge_expired`] now and then every [`PURGE_INTERVAL`], forever.
pub async fn purge_forever(state: AppState) {
    let mut ticks = tokio::time::interval(PURGE_INTERVAL);
    loop {
        ticks.tick().await;
        // Failures are logged by the store conversion; the next tick retries.
        let _ = purge_expired(&state).await;
    }
}
