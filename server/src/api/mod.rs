//! The signed-in JSON API: resume positions ([`resume`]), viewing sessions ([`sessions`]),
//! signed stream URLs ([`stream_url`]) and the user's own data ([`me`]). Every route takes an
//! [`AuthUser`](crate::auth::AuthUser); errors are `{"error": "..."}` with a 4xx/5xx status
//! (`stream_url` adds a `message`); bodies are capped at [`MAX_BODY`].

pub mod me;
pub mod resume;
pub mod sessions;
pub mod stream_url;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::store::{Store, StoreError};

/// Largest accepted request body.
pub const MAX_BODY: usize = 16 * 1024;

/// The API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/resume/{content_id}",
            get(resume::get_position).put(resume::put_position),
        )
        .route("/api/sessions", post(sessions::start))
        .route("/api/sessions/{id}", get(sessions::get_one))
        .route("/api/sessions/{id}/heartbeat", post(sessions::heartbeat))
        .route("/api/sessions/{id}/end", post(sessions::end))
        .route("/api/me/data", delete(me::erase))
        .route("/api/stream-url", post(stream_url::issue))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// An API failure: a status and a message sent as `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable reason.
    pub message: String,
}

impl ApiError {
    /// A `400 Bad Request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A `404 Not Found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!("storage failed: {error}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "storage failed".into(),
        }
    }
}

/// `Json<T>` whose rejections (bad syntax, wrong types, wrong content type, too large) are
/// [`ApiError`]s with a JSON body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    ApiError {
        status: rejection.status(),
        message: rejection.body_text(),
    }
}

/// Runs a blocking storage call off the async workers.
pub async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    call: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(store.as_ref()))
        .await
        .map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("storage task failed: {e}"),
        })?
        .map_err(ApiError::from)
}

/// Server time, ms since the Unix epoch.
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Longest content or session id, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// Checks an id taken from the path: 1–128 of `[A-Za-z0-9_.:~-]`.
pub fn check_id(kind: &str, id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:~-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{kind} must be 1-{MAX_ID_LEN} of A-Z a-z 0-9 _ . : ~ -"
        )))
    }
}

/// Checks a number is finite and in `0..=max`.
pub fn check_range(name: &str, value: f64, max: f64) -> Result<(), ApiError> {
    if value.is_finite() && (0.0..=max).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{name} must be a number from 0 to {max}"
        )))
    }
}
