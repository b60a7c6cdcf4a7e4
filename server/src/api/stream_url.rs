//! `POST /api/stream-url {contentId, quality?, sessionId}`: a short-lived signed URL for a
//! title, as a production API (a Lambda signing S3 objects, or CloudFront) would issue it.
//!
//! Checks, in order: the bearer JWT (401), the page `Origin` against the allow list (403
//! `origin_not_allowed`: hotlink protection), the body (400), the viewer's country from the
//! configured header against the content's block list (403 `geo_blocked`), the content
//! (404 `unknown_content`). Each issued URL is logged (who, what, when, expiry) and counted.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use player_core::hls::{Playlist, parse_playlist};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use url::Url;

use super::{check_id, unix_now_ms};
use crate::app::AppState;
use crate::auth::{AuthUser, Unauthorized};
use crate::origin::{PREFIX, scheme_of};
use crate::signing::rfc3339_ms;

/// Body of `POST /api/stream-url`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamUrlRequest {
    /// A title (`vod`, `vod-ts`, …) or a live stream key.
    pub content_id: String,
    /// A rendition name from `qualities`: the URL is then its media playlist.
    #[serde(default)]
    pub quality: Option<String>,
    /// The player's viewing session, for the access log.
    pub session_id: String,
}

/// Answer of `POST /api/stream-url`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamUrlResponse {
    /// The signed URL to play.
    pub url: String,
    /// When it stops working, RFC 3339 UTC with ms.
    pub expires_at: String,
    /// The server's clock when it answered (clients derive their clock skew).
    pub server_time: String,
    /// `sigv4` or `cloudfront`.
    pub signing: &'static str,
    /// Rendition names of the content.
    pub qualities: Vec<String>,
    /// Duration in seconds; `null` for live.
    pub duration: Option<f64>,
}

/// A refusal: status, code and message, sent as `{"error": code, "message": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamUrlError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (`bad_request`, `unauthorized`, …).
    pub code: &'static str,
    /// Human-readable reason.
    pub message: String,
}

impl StreamUrlError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for StreamUrlError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// A title as the API describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// Path under `/secure/` of its multivariant (or live) playlist.
    pub playlist: String,
    /// Path under `/secure/` of each rendition's media playlist, by name.
    pub renditions: Vec<(String, String)>,
    /// Seconds; `None` for live.
    pub duration: Option<f64>,
}

/// `POST /api/stream-url`.
pub async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Result<AuthUser, Unauthorized>,
    body: Result<Json<StreamUrlRequest>, JsonRejection>,
) -> Result<Json<StreamUrlResponse>, StreamUrlError> {
    let AuthUser(user) = user.map_err(|Unauthorized(e)| {
        StreamUrlError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string())
    })?;
    let host = header(&headers, HOST.as_str())
        .ok_or_else(|| StreamUrlError::new(StatusCode::BAD_REQUEST, "bad_request", "no Host"))?;
    let base = format!("{}://{host}", scheme_of(&headers));
    let origin = header(&headers, ORIGIN.as_str());
    if let Some(origin) = &origin
        && !origin_allowed(&state, origin, &base)
    {
        return Err(StreamUrlError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("pages from {origin} may not request stream URLs"),
        ));
    }
    let Json(request) = body.map_err(|rejection| {
        StreamUrlError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    })?;
    check_id("contentId", &request.content_id)
        .and_then(|()| check_id("sessionId", &request.session_id))
        .map_err(|e| StreamUrlError::new(StatusCode::BAD_REQUEST, "bad_request", e.message))?;
    let presign = &state.signer.config;
    let country = header(&headers, presign.geo_header.as_str()).map(|c| c.to_ascii_uppercase());
    if let Some(country) = &country
        && presign
            .blocked_countries(&request.content_id)
            .any(|blocked| blocked == country)
    {
        return Err(StreamUrlError::new(
            StatusCode::FORBIDDEN,
            "geo_blocked",
            format!("{} is not available in {country}", request.content_id),
        ));
    }
    let now_ms = unix_now_ms();
    let now_s = now_ms.div_euclid(1000);
    let content = lookup(&state, &request.content_id, now_s)
        .await
        .ok_or_else(|| {
            StreamUrlError::new(
                StatusCode::NOT_FOUND,
                "unknown_content",
                format!("no content {:?}", request.content_id),
            )
        })?;
    let path = match &request.quality {
        None => content.playlist.clone(),
        Some(quality) => content
            .renditions
            .iter()
            .find(|(name, _)| name == quality)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| {
                StreamUrlError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("{} has no quality {quality:?}", request.content_id),
                )
            })?,
    };
    let url = Url::parse(&format!("{base}{PREFIX}{path}")).map_err(|_| {
        StreamUrlError::new(StatusCode::BAD_REQUEST, "bad_request", "unusable Host")
    })?;
    let content_prefix = format!("{base}{PREFIX}{}/", content_root(&content.playlist));
    let (signed, expires_s) = state
        .signer
        .issue(&url, &content_prefix, now_s, presign.ttl_s);
    let response = StreamUrlResponse {
        url: signed.into(),
        expires_at: rfc3339_ms(expires_s.saturating_mul(1000)),
        server_time: rfc3339_ms(now_ms),
        signing: presign.mode.as_str(),
        qualities: content
            .renditions
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
        duration: content.duration,
    };
    let entry = serde_json::json!({
        "user": user,
        "contentId": request.content_id,
        "quality": request.quality,
        "sessionId": request.session_id,
        "origin": origin,
        "country": country,
        "issued": response.server_time,
        "expiresAt": response.expires_at,
        "signing": response.signing,
    });
    log_issued(&state, &entry).await;
    metrics::counter!("stream_urls_issued_total", "signing" => response.signing).increment(1);
    Ok(Json(response))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Allowed: the server's own origin, or one on the allow list.
fn origin_allowed(state: &AppState, origin: &str, own: &str) -> bool {
    origin.eq_ignore_ascii_case(own)
        || state
            .signer
            .config
            .allowed_origins
            .iter()
            .any(|p| p.matches(origin))
}

/// `vod` for `vod/master.m3u8`, `live/k` for `live/k/index.m3u8`.
fn content_root(playlist: &str) -> &str {
    playlist.rsplit_once('/').map_or(playlist, |(dir, _)| dir)
}

/// The content `id`: a title of the media root, or a running live stream.
pub async fn lookup(state: &AppState, id: &str, now: i64) -> Option<Content> {
    if state.config.live.iter().any(|k| k == id) {
        return Some(Content {
            playlist: format!("live/{id}/index.m3u8"),
            renditions: Vec::new(),
            duration: None,
        });
    }
    let master_key = format!("{id}/master.m3u8");
    let text = read_media_text(state, &master_key, now).await?;
    let base = format!("http://media{PREFIX}{master_key}");
    let Ok(Playlist::Multivariant(master)) = parse_playlist(&text, &base) else {
        return None;
    };
    let mut renditions: Vec<(String, String)> = Vec::new();
    for variant in &master.variants {
        let Some(path) = variant.url.split_once(PREFIX).map(|(_, p)| p.to_owned()) else {
            continue;
        };
        let name = match variant.resolution {
            Some(r) => format!("{}p", r.height),
            None => path.split('/').nth(1).unwrap_or(&path).to_owned(),
        };
        if !renditions.iter().any(|(n, _)| *n == name) {
            renditions.push((name, path));
        }
    }
    let duration = match renditions.first() {
        Some((_, path)) => match read_media_text(state, path, now).await {
            Some(text) => match parse_playlist(&text, &base) {
                Ok(Playlist::Media(m)) if m.end_list => Some(m.total_duration()),
                _ => None,
            },
            None => None,
        },
        None => None,
    };
    Some(Content {
        playlist: master_key,
        renditions,
        duration,
    })
}

async fn read_media_text(state: &AppState, key: &str, now: i64) -> Option<String> {
    match &state.signer.s3 {
        Some(store) => store.get_text(key, now).await.ok(),
        None => {
            let path = state.config.media_dir().join(key);
            let size = tokio::fs::metadata(&path).await.ok()?.len();
            if size > crate::s3::MAX_PLAYLIST_BYTES as u64 {
                return None;
            }
            tokio::fs::read_to_string(path).await.ok()
        }
    }
}

/// Writes the access-log line of an issued URL: to the log (target
/// `flodrama_server::stream_url`) and, with `--url-log`, appended to that file.
async fn log_issued(state: &AppState, entry: &serde_json::Value) {
    tracing::info!(target: "flodrama_server::stream_url", "issued {entry}");
    let Some(path) = &state.signer.config.url_log else {
        return;
    };
    let line = format!("{entry}\n");
    let result = async {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .await?;
        file.write_all(line.as_bytes()).await?;
        file.flush().await
    }
    .await;
    if let Err(e) = result {
        tracing::error!("cannot append to the URL log {}: {e}", path.display());
    }
}
