//! The signed origin: `GET /secure/<path>` serves the media root (`<data-dir>/media`, or the
//! S3 store) and the running live streams (`/secure/live/<key>/…`), verifying every request
//! and answering refusals the way S3 does (403 with an XML `<Error>`).
//!
//! In SigV4 mode playlists are rewritten ([`rewrite`]): each URI becomes an absolute URL
//! presigned with the request's own `X-Amz-Date` and `X-Amz-Expires`, so everything expires
//! with the URL the API issued; media objects point straight at the S3 store when there is
//! one. In CloudFront mode playlists are served as they are: the client carries the policy
//! query to the children.

pub mod rewrite;

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, HOST,
    LAST_MODIFIED, RANGE,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::percent_decode_str;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use url::Url;

use crate::app::AppState;
use crate::s3::S3Error;
use crate::signing::signer::Verified;
use crate::signing::{VerifyError, unix_now_s};
use crate::static_files::content_type_for;

/// URL prefix of the signed origin.
pub const PREFIX: &str = "/secure/";

/// The `/secure/` route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/secure/{*path}", get(serve))
}

/// `GET /secure/<path>`, verified at the system clock's now.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    handle(&state, req, unix_now_s()).await
}

/// Where an object lives.
enum Source {
    /// A file on disk.
    File(PathBuf),
    /// An object of the S3 store.
    S3(String),
}

/// Serves `req` as if the time were `now` (Unix seconds).
pub async fn handle(state: &AppState, req: Request, now: i64) -> Response {
    let path = req.uri().path().to_owned();
    let Some(segments) = path.strip_prefix(PREFIX).and_then(safe_segments) else {
        metrics::counter!("signed_url_rejections_total", "reason" => "bad_path").increment(1);
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidURI",
            "Couldn't parse the specified URI.",
        );
    };
    let Some(host) = request_host(&req) else {
        return s3_error(StatusCode::BAD_REQUEST, "InvalidRequest", "Missing Host");
    };
    let scheme = request_scheme(&req);
    let query = req.uri().query().unwrap_or("").to_owned();
    let verified =
        match state
            .signer
            .verify(req.method().as_str(), scheme, &host, &path, &query, now)
        {
            Ok(verified) => verified,
            Err(error) => return refusal(&error),
        };
    let key = segments.join("/");
    let source = source_of(state, &segments, &key);
    if is_playlist(&key) {
        let playlist_url = format!("{scheme}://{host}{path}");
        return serve_playlist(state, &source, verified, &playlist_url, now).await;
    }
    match source {
        Source::File(file) => serve_file(file, req, &key).await,
        Source::S3(object) => proxy_s3(state, &object, req, now).await,
    }
}

/// A playlist: as stored in CloudFront mode, rewritten with every URI presigned in SigV4 mode.
async fn serve_playlist(
    state: &AppState,
    source: &Source,
    verified: Verified,
    playlist_url: &str,
    now: i64,
) -> Response {
    let text = match load_text(state, source, now).await {
        Ok(text) => text,
        Err(response) => return response,
    };
    let body = match verified {
        Verified::CloudFront(_) => text,
        Verified::Sigv4(validity) => {
            let Ok(base) = Url::parse(playlist_url) else {
                return s3_error(StatusCode::BAD_REQUEST, "InvalidURI", "Bad Host");
            };
            let signer = &state.signer;
            // Same-origin `/secure/` URIs are presigned: media objects against the S3 store
            // when there is one, playlists (and live media) against this origin.
            let sign = |url: &Url| -> Option<Url> {
                let child = url.path().strip_prefix(PREFIX)?;
                if url.origin() != base.origin() {
                    return None;
                }
                match &signer.s3 {
                    Some(store) if !is_playlist(child) && !child.starts_with("live/") => {
                        let key = percent_decode_str(child).decode_utf8_lossy();
                        Some(store.presign(&key, validity))
                    }
                    _ => Some(signer.presign_like(url, validity)),
                }
            };
            match rewrite::rewrite(&text, playlist_url, &sign) {
                Ok(body) => body,
                Err(e) => {
                    tracing::error!("cannot rewrite playlist {playlist_url}: {e}");
                    return s3_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalError",
                        "The playlist could not be read.",
                    );
                }
            }
        }
    };
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.apple.mpegurl"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// Percent-decoded path segments, or `None` when one could leave the media root (`..`,
/// `.`, empty, separators or NUL after decoding).
fn safe_segments(rest: &str) -> Option<Vec<String>> {
    rest.split('/')
        .map(|raw| {
            let segment = percent_decode_str(raw).decode_utf8().ok()?;
            let bad = segment.is_empty()
                || segment == "."
                || segment == ".."
                || segment.contains(['/', '\\', '\0']);
            (!bad).then(|| segment.into_owned())
        })
        .collect()
}

fn request_host(req: &Request) -> Option<String> {
    req.headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
}

/// `https` behind a TLS-terminating proxy that says so, else `http`.
pub fn request_scheme(req: &Request) -> &'static str {
    scheme_of(req.headers())
}

/// The scheme the client used, from `X-Forwarded-Proto` (`http` when absent).
pub fn scheme_of(headers: &axum::http::HeaderMap) -> &'static str {
    match headers.get("x-forwarded-proto").map(HeaderValue::as_bytes) {
        Some(b"https") => "https",
        _ => "http",
    }
}

fn source_of(state: &AppState, segments: &[String], key: &str) -> Source {
    if let [first, live_key, rest @ ..] = segments
        && first == "live"
        && state.config.live.contains(live_key)
    {
        let mut path = crate::live::live_dir(&state.config.data_dir).join(live_key);
        path.extend(rest);
        return Source::File(path);
    }
    match &state.signer.s3 {
        Some(_) => Source::S3(key.to_owned()),
        None => {
            let mut path = state.config.media_dir();
            path.extend(segments);
            Source::File(path)
        }
    }
}

fn is_playlist(key: &str) -> bool {
    key.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("m3u8"))
}

fn no_such_key() -> Response {
    s3_error(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist.",
    )
}

async fn load_text(state: &AppState, source: &Source, now: i64) -> Result<String, Response> {
    match source {
        Source::File(path) => {
            let too_large = tokio::fs::metadata(path)
                .await
                .map_err(|_| no_such_key())?
                .len()
                > crate::s3::MAX_PLAYLIST_BYTES as u64;
            if too_large {
                return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
            tokio::fs::read_to_string(path)
                .await
                .map_err(|_| no_such_key())
        }
        Source::S3(key) => match &state.signer.s3 {
            Some(store) => store.get_text(key, now).await.map_err(|e| s3_failure(&e)),
            None => Err(no_such_key()),
        },
    }
}

async fn serve_file(file: PathBuf, req: Request, key: &str) -> Response {
    let response = match ServeFile::new(file).oneshot(req).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        return no_such_key();
    }
    let mut response = response;
    if response.status().is_success()
        && let Some(content_type) = content_type_for(key)
    {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

/// An object of the S3 store through this origin (CloudFront mode, or a direct request),
/// `Range` passed on; the body is buffered (media segments are small).
async fn proxy_s3(state: &AppState, key: &str, req: Request, now: i64) -> Response {
    let Some(store) = &state.signer.s3 else {
        return no_such_key();
    };
    let upstream = match store.get(key, req.headers().get(RANGE), now).await {
        Ok(upstream) => upstream,
        Err(e) => return s3_failure(&e),
    };
    let status = StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::OK);
    let mut headers = axum::http::HeaderMap::new();
    for name in [CONTENT_RANGE, ACCEPT_RANGES, ETAG, LAST_MODIFIED] {
        if let Some(value) = upstream.headers().get(name.as_str()) {
            headers.insert(name, value.clone());
        }
    }
    let content_type = content_type_for(key).unwrap_or("application/octet-stream");
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    match upstream.bytes().await {
        Ok(bytes) => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            (status, headers, bytes).into_response()
        }
        Err(e) => {
            tracing::warn!("S3 body of {key:?} failed: {e}");
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

fn s3_failure(error: &S3Error) -> Response {
    match error {
        S3Error::NotFound(_) => no_such_key(),
        other => {
            tracing::warn!("{other}");
            s3_error(
                StatusCode::BAD_GATEWAY,
                "InternalError",
                "The media store did not answer.",
            )
        }
    }
}

/// The S3-style answer to a refused signature.
fn refusal(error: &VerifyError) -> Response {
    let (status, code, reason) = match error {
        VerifyError::Expired => (StatusCode::FORBIDDEN, "AccessDenied", "expired"),
        VerifyError::NotYetValid => (StatusCode::FORBIDDEN, "AccessDenied", "not_yet_valid"),
        VerifyError::BadSignature(_) => {
            (StatusCode::FORBIDDEN, "SignatureDoesNotMatch", "signature")
        }
        VerifyError::BadExpiry(_) => (
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "bad_expiry",
        ),
    };
    metrics::counter!("signed_url_rejections_total", "reason" => reason).increment(1);
    s3_error(status, code, &error.to_string())
}

/// `<Error><Code>…</Code><Message>…</Message></Error>` as S3 writes it.
pub fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message></Error>",
        escape(code),
        escape(message)
    );
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/xml"))],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_never_leave_the_root() {
        assert_eq!(
            safe_segments("vod/720p/a%20b.m4s"),
            Some(vec!["vod".into(), "720p".into(), "a b.m4s".into()])
        );
        for bad in [
            "../x",
            "vod/%2e%2e/x",
            "a//b",
            "a/./b",
            "a%2fb",
            "a%5cb",
            "a%00",
            "",
        ] {
            assert_eq!(safe_segments(bad), None, "{bad}");
        }
    }
}
