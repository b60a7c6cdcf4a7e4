//! `GET/PUT /api/resume/{contentId}`: the signed-in user's position in a title.
//!
//! `PUT` body: `{"position": s, "duration"?: s, "completed"?: bool, "updatedAt"?: ms}`;
//! `updatedAt` is when the client took the position (server time when absent) and decides
//! between concurrent writers: the later one wins. Both answer the record stored afterwards.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::{ApiError, ApiJson, blocking, check_id, check_range, unix_now_ms};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::store::ResumeRecord;

/// Longest accepted position or duration: 30 days, in seconds.
pub const MAX_SECONDS: f64 = 30.0 * 86_400.0;

/// How far in the future a client's `updatedAt` may be (clock skew), in ms.
pub const MAX_CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;

/// Body of `PUT /api/resume/{contentId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PutResume {
    /// Playhead in seconds.
    pub position: f64,
    /// Duration in seconds, when known.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Watched to the end.
    #[serde(default)]
    pub completed: bool,
    /// Client time of the position, ms since the Unix epoch (a JSON number; fractions are
    /// rounded to whole ms).
    #[serde(default)]
    pub updated_at: Option<f64>,
}

impl PutResume {
    /// The record to store, or why the body is refused.
    pub fn validate(self, now_ms: i64) -> Result<ResumeRecord, ApiError> {
        check_range("position", self.position, MAX_SECONDS)?;
        if let Some(duration) = self.duration {
            check_range("duration", duration, MAX_SECONDS)?;
        }
        let latest = now_ms.saturating_add(MAX_CLOCK_SKEW_MS);
        let updated_at = match self.updated_at {
            None => now_ms,
            // In range, so the conversion is exact after rounding.
            Some(at) if at.is_finite() && (0.0..=latest as f64).contains(&at) => at.round() as i64,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "updatedAt must be ms since the Unix epoch, not in the future",
                ));
            }
        };
        Ok(ResumeRecord {
            position: self.position,
            duration: self.duration,
            completed: self.completed,
            updated_at,
        })
    }
}

/// `GET /api/resume/{contentId}`: `200` with the record, or `404`.
pub async fn get_position(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(content): Path<String>,
) -> Result<Json<ResumeRecord>, ApiError> {
    check_id("contentId", &content)?;
    blocking(&state.store, move |s| s.get_resume(&user, &content))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no saved position"))
}

/// `PUT /api/resume/{contentId}`: stores the position (last writer wins), answers the record
/// now stored.
pub async fn put_position(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(content): Path<String>,
    ApiJson(body): ApiJson<PutResume>,
) -> Result<Json<ResumeRecord>, ApiError> {
    check_id("contentId", &content)?;
    let record = body.validate(unix_now_ms())?;
    let stored = blocking(&state.store, move |s| {
        s.put_resume(&user, &content, &record)
    })
    .await?;
    metrics::counter!("resume_writes_total").increment(1);
    Ok(Json(stored))
}
