//! Security headers on every response, as the production edge function adds them.
//!
//! Every response gets `X-Content-Type-Options`, `X-Frame-Options: SAMEORIGIN` (the demo's
//! watch-party check embeds the demo itself), `Referrer-Policy` and `Permissions-Policy`;
//! `Strict-Transport-Security` when the request came over HTTPS (a TLS-terminating proxy in
//! front says so with `X-Forwarded-Proto: https`); and the demo's HTML page a
//! `Content-Security-Policy` that lets it instantiate wasm (`'wasm-unsafe-eval'`) and play
//! media from any HTTP(S) origin (the page plays any deployed API's presigned URLs).

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// `Content-Security-Policy` of the demo page.
pub const DEMO_CSP: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; \
    media-src 'self' blob: http: https:; \
    connect-src 'self' http: https: ws: wss:; \
    frame-src 'self'; frame-ancestors 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'";
/// `Strict-Transport-Security` sent over HTTPS: one year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";
/// `Permissions-Policy`: no sensors, camera, microphone or payment; fullscreen and
/// picture-in-picture for this origin only.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
    usb=(), accelerometer=(), gyroscope=(), magnetometer=(), fullscreen=(self), \
    picture-in-picture=(self)";
/// `Referrer-Policy`: the origin only, and nothing when going from HTTPS to HTTP.
pub const REFERRER: &str = "strict-origin-when-cross-origin";

const PERMISSIONS_POLICY_HEADER: HeaderName = HeaderName::from_static("permissions-policy");
const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Middleware adding the headers (see the module doc); headers a handler set are kept.
pub async fn add(request: Request, next: Next) -> Response {
    let https = request.uri().scheme_str() == Some("https")
        || request
            .headers()
            .get(FORWARDED_PROTO)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let demo_page = is_demo_page(request.uri().path());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let headers = response.headers_mut();
    set(headers, X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, X_FRAME_OPTIONS, "SAMEORIGIN");
    set(headers, REFERRER_POLICY, REFERRER);
    set(headers, PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY);
    if https {
        set(headers, STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if demo_page && html {
        set(headers, CONTENT_SECURITY_POLICY, DEMO_CSP);
    }
    response
}

/// The demo's document: the root mount's `/` or `/index.html`. Other mounts (test pages,
/// the www app) keep their own inline scripts and get no policy from here.
fn is_demo_page(path: &str) -> bool {
    path == "/" || path == "/index.html"
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert(HeaderValue::from_static(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request as HttpRequest, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    fn app() -> Router {
        Router::new()
            .route(
                "/",
                get(|| async { ([(CONTENT_TYPE, "text/html; charset=utf-8")], "<p>demo</p>") }),
            )
            .route("/media/a.m3u8", get(|| async { "#EXTM3U\n" }))
            .layer(axum::middleware::from_fn(add))
    }

    async fn headers(path: &str, proto: Option<&str>) -> HeaderMap {
        let mut request = HttpRequest::get(path);
        if let Some(p) = proto {
            request = request.header(FORWARDED_PROTO, p);
        }
        let response = app()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        response.headers().clone()
    }

    #[tokio::test]
    async fn demo_page_gets_every_header_and_a_wasm_csp() {
        let h = headers("/", Some("https")).await;
        assert_eq!(h[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[X_FRAME_OPTIONS], "SAMEORIGIN");
        assert_eq!(h[REFERRER_POLICY], REFERRER);
        assert_eq!(h[PERMISSIONS_POLICY_HEADER], PERMISSIONS_POLICY);
        assert_eq!(h[STRICT_TRANSPORT_SECURITY], HSTS);
        let csp = h[CONTENT_SECURITY_POLICY].to_str().expect("ascii");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    }

    #[tokio::test]
    async fn no_hsts_over_plain_http_and_no_csp_on_media() {
        let h = headers("/", None).await;
        assert!(h.get(STRICT_TRANSPORT_SECURITY).is_none());
        assert!(h.get(CONTENT_SECURITY_POLICY).is_some());
        let m = headers("/media/a.m3u8", Some("http")).await;
        assert!(m.get(STRICT_TRANSPORT_SECURITY).is_none());
        assert!(m.get(CONTENT_SECURITY_POLICY).is_none());
        assert_eq!(m[X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
