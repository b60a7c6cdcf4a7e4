//! Static folders (front-ends, SDK package, generated media) served under URL prefixes.
//!
//! `tower_http::services::ServeDir` does the file work: byte ranges (206 / 416), conditional
//! requests, and refusal of paths that leave the folder (`..`, `%2e%2e`, absolute paths). This
//! module sets the content types players and browsers expect for streaming files, which the
//! generic MIME table gets wrong for some (`.m4s`, `.ts`), and marks playlists `no-cache`.

use std::collections::HashSet;
use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::config::Mount;

/// The content type for a file path, by its extension, for the types this server insists on.
pub fn content_type_for(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = name.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "m4s" => "video/iso.segment",
        "mp4" => "video/mp4",
        "ts" => "video/mp2t",
        "aac" => "audio/aac",
        "vtt" => "text/vtt",
        "key" => "application/octet-stream",
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript",
        "html" => "text/html; charset=utf-8",
        _ => return None,
    })
}

/// Whether a path names a playlist, which must not be cached (live playlists change).
fn is_playlist(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("m3u8"))
}

/// Adds every mount to `router`. When two mounts share a prefix, the later one wins; the
/// prefix `""` becomes the fallback for paths no route or other mount takes, and `/prefix`
/// redirects to `/prefix/` so that relative links in an `index.html` resolve.
pub fn mount_all<S>(mut router: Router<S>, mounts: &[Mount]) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut seen = HashSet::new();
    for mount in mounts.iter().rev() {
        if !seen.insert(mount.prefix.as_str()) {
            continue;
        }
        let prefix = mount.prefix.clone();
        let dir = ServeDir::new(&mount.dir).redirect_path_prefix(prefix.as_str());
        let service = tower::service_fn(move |req: Request| serve(prefix.len(), dir.clone(), req));
        if mount.prefix.is_empty() {
            router = router.fallback_service(service);
        } else {
            let with_slash = format!("{}/", mount.prefix);
            let redirect_to = with_slash.clone();
            router = router
                .route(
                    &mount.prefix,
                    get(move || async move { Redirect::permanent(&redirect_to) }),
                )
                .route_service(&with_slash, service.clone())
                .route_service(&format!("{with_slash}{{*path}}"), service);
        }
    }
    router
}

/// Serves one request from `dir`, given the length of the URL prefix to strip, and fixes the
/// headers of the response.
async fn serve(prefix_len: usize, dir: ServeDir, mut req: Request) -> Result<Response, Infallible> {
    let path = req.uri().path().to_owned();
    let rest = path.get(prefix_len..).unwrap_or("/");
    let rest_and_query = match req.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    match Uri::try_from(rest_and_query) {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => return Ok(StatusCode::BAD_REQUEST.into_response()),
    }
    let response = match dir.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let mut response = response.map(Body::new);
    fix_headers(&path, &mut response);
    Ok(response)
}

fn fix_headers(path: &str, response: &mut Response) {
    // ServeDir answers a folder path with its index.html.
    let index;
    let path = if path.ends_with('/') {
        index = format!("{path}index.html");
        &index
    } else {
        path
    };
    let status = response.status();
    let headers = response.headers_mut();
    if status.is_success()
        && let Some(content_type) = content_type_for(path)
    {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if (status.is_success() || status == StatusCode::NOT_MODIFIED) && is_playlist(path) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        let cases = [
            ("/vod/master.m3u8", Some("application/vnd.apple.mpegurl")),
            ("/vod/720p/seg_000.m4s", Some("video/iso.segment")),
            ("/a/init.MP4", Some("video/mp4")),
            ("/ts/seg.ts", Some("video/mp2t")),
            ("/x.aac", Some("audio/aac")),
            ("/subs/en.vtt", Some("text/vtt")),
            ("/k/1.key", Some("application/octet-stream")),
            ("/pkg/sdk_bg.wasm", Some("application/wasm")),
            ("/pkg/sdk.js", Some("text/javascript")),
            ("/pkg/sdk.mjs", Some("text/javascript")),
            ("/index.html", Some("text/html; charset=utf-8")),
            ("/style.css", None),
            ("/noext", None),
            ("/dir.m3u8/file", None),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type_for(path), expected, "{path}");
        }
    }

    #[test]
    fn playlists_are_recognized() {
        assert!(is_playlist("/vod/index.m3u8"));
        assert!(is_playlist("/vod/INDEX.M3U8"));
        assert!(!is_playlist("/vod/seg.m4s"));
        assert!(!is_playlist("/m3u8"));
    }
}
