//! URLs signed by AWS's own SDK (boto3's `generate_presigned_url`, botocore's
//! `CloudFrontSigner`), committed in `tests/fixtures/presign/` by
//! `scripts/fixtures/make-presign-fixtures.py`: the origin accepts them while they are valid
//! and refuses them after, with "now" given to the origin rather than read from the clock.

mod presign_media;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use flodrama_server::app::AppState;
use flodrama_server::origin;
use flodrama_server::signing::SigningMode;
use flodrama_server::signing::config::{DEV_ACCESS_KEY, DEV_SECRET_KEY};
use player_core::hls::{Playlist, parse_playlist};
use serde_json::Value;
use url::Url;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/presign/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn state(mode: SigningMode) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    presign_media::write_title(dir.path());
    let mut config = presign_media::config(dir.path());
    config.presign.mode = mode;
    (AppState::new(config), dir)
}

/// GET of the fixture's URL at the origin, as if the time were `now`.
async fn fetch(state: &AppState, fixture: &Value, now: i64) -> (StatusCode, Vec<u8>) {
    let url = Url::parse(fixture["url"].as_str().unwrap()).unwrap();
    let target = format!("{}?{}", url.path(), url.query().unwrap());
    let request = Request::get(target)
        .header("host", fixture["host"].as_str().unwrap())
        .body(Body::empty())
        .unwrap();
    let response: Response = origin::handle(state, request, now).await;
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

fn times(fixture: &Value) -> (i64, i64) {
    (
        fixture["generated_at"].as_i64().unwrap(),
        fixture["expires_at"].as_i64().unwrap(),
    )
}

const EXPIRED: &str =
    "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";

#[tokio::test]
async fn boto3_sigv4_master_is_accepted_while_valid_and_rewritten() {
    let f = fixture("boto3-sigv4-master");
    assert_eq!(f["access_key"], DEV_ACCESS_KEY);
    assert_eq!(f["secret_key"], DEV_SECRET_KEY);
    let (state, _dir) = state(SigningMode::Sigv4);
    let (generated, expires) = times(&f);
    let (status, body) = fetch(&state, &f, generated + 5).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let text = String::from_utf8(body).unwrap();
    let url = f["url"].as_str().unwrap();
    let Playlist::Multivariant(master) = parse_playlist(&text, url).unwrap() else {
        panic!("not a multivariant playlist");
    };
    let date = Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == "X-Amz-Date")
        .map(|(_, v)| v.into_owned());
    for variant in &master.variants {
        assert!(variant.uri.starts_with("http://media.test/secure/vod/"));
        let child = Url::parse(&variant.uri).unwrap();
        let child_date = child
            .query_pairs()
            .find(|(n, _)| n == "X-Amz-Date")
            .map(|(_, v)| v.into_owned());
        assert_eq!(child_date, date);
    }
    assert_eq!(fetch(&state, &f, expires - 1).await.0, StatusCode::OK);

    let (status, body) = fetch(&state, &f, expires).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains(EXPIRED));
}

#[tokio::test]
async fn boto3_sigv4_escaped_key_is_accepted_then_expires() {
    let f = fixture("boto3-sigv4-escaped-key");
    let (state, _dir) = state(SigningMode::Sigv4);
    let (generated, expires) = times(&f);
    let (status, body) = fetch(&state, &f, generated + 1).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, presign_media::object_bytes("720p", "seg 001+a=b.m4s"));
    let (status, body) = fetch(&state, &f, expires + 3600).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains(EXPIRED));
}

#[tokio::test]
async fn tampered_boto3_url_does_not_match() {
    let mut f = fixture("boto3-sigv4-master");
    let url = f["url"]
        .as_str()
        .unwrap()
        .replace("master.m3u8", "MASTER.m3u8");
    f["url"] = Value::String(url);
    let (state, _dir) = state(SigningMode::Sigv4);
    let (status, body) = fetch(&state, &f, times(&f).0 + 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
}

#[tokio::test]
async fn sigv2_urls_are_not_accepted_by_the_sigv4_origin() {
    let f = fixture("boto3-sigv2-segment");
    assert!(f["url"].as_str().unwrap().contains("Expires="));
    let (state, _dir) = state(SigningMode::Sigv4);
    let (status, body) = fetch(&state, &f, times(&f).0 + 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
}

#[tokio::test]
async fn cloudfront_signer_custom_policy_is_accepted_then_expires() {
    let f = fixture("cloudfront-custom-policy");
    let (state, _dir) = state(SigningMode::Cloudfront);
    let (generated, expires) = times(&f);
    let (status, body) = fetch(&state, &f, generated + 5).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(String::from_utf8(body).unwrap(), presign_media::MEDIA);
    // The policy covers the whole title: a segment with the same query plays.
    let mut segment = f.clone();
    segment["url"] = Value::String(
        f["url"]
            .as_str()
            .unwrap()
            .replace("index.m3u8", "seg_000.m4s"),
    );
    let (status, body) = fetch(&state, &segment, generated + 5).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, presign_media::object_bytes("720p", "seg_000.m4s"));
    let (status, body) = fetch(&state, &f, expires).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains(EXPIRED));
}

#[tokio::test]
async fn cloudfront_signer_canned_policy_is_accepted_then_expires() {
    let f = fixture("cloudfront-canned-policy");
    let (state, _dir) = state(SigningMode::Cloudfront);
    let (generated, expires) = times(&f);
    let (status, body) = fetch(&state, &f, generated + 5).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(String::from_utf8(body).unwrap(), presign_media::MASTER);
    // A canned policy is for that one URL.
    let mut other = f.clone();
    other["url"] = Value::String(
        f["url"]
            .as_str()
            .unwrap()
            .replace("master.m3u8", "360p/index.m3u8"),
    );
    assert_eq!(
        fetch(&state, &other, generated + 5).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = fetch(&state, &f, expires + 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains(EXPIRED));
}
