//! Signed URLs over HTTP: `POST /api/stream-url` (auth, hotlink and geo rules, contents,
//! qualities, lifetime, access log, metrics) and the `/secure/` origin (verification, S3-style
//! refusals, playlist rewriting, path confinement), in both signing modes.

mod common;
mod presign_media;

use common::{TestServer, raw_get_async};
use flodrama_server::auth::JwtAuth;
use flodrama_server::config::Config;
use flodrama_server::signing::SigningMode;
use flodrama_server::signing::config::GeoBlock;
use flodrama_server::signing::sigv4::{self, Validity};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use url::Url;

const EXPIRED_XML: &str =
    "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";

struct Fixture {
    server: TestServer,
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
}

async fn start(configure: impl FnOnce(&mut Config)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    presign_media::write_title(&data);
    let mut config = presign_media::config(&data);
    configure(&mut config);
    Fixture {
        server: TestServer::start(config).await,
        _dir: dir,
        data,
    }
}

fn token(user: &str) -> String {
    JwtAuth::hs256(flodrama_server::auth::DEV_SECRET)
        .mint(user, 600)
        .unwrap()
}

/// `POST /api/stream-url` with a token for alice, `body` and extra headers.
async fn stream_url(
    server: &TestServer,
    body: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut request = Client::new()
        .post(server.url("/api/stream-url"))
        .header("authorization", format!("Bearer {}", token("alice")))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(url: &str) -> (StatusCode, String, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn query_param(url: &str, name: &str) -> Option<String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

fn ms_of(rfc3339: &Value) -> i64 {
    let text = rfc3339.as_str().unwrap();
    let secs = sigv4::parse_amz_date(&format!(
        "{}{}{}T{}{}{}Z",
        &text[0..4],
        &text[5..7],
        &text[8..10],
        &text[11..13],
        &text[14..16],
        &text[17..19]
    ))
    .unwrap();
    secs * 1000 + text[20..23].parse::<i64>().unwrap()
}

#[tokio::test]
async fn stream_url_requires_a_sign_in_token() {
    let f = start(|_| {}).await;
    let response = Client::new()
        .post(f.server.url("/api/stream-url"))
        .header("content-type", "application/json")
        .body(json!({"contentId": "vod", "sessionId": "s-1"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"], "unauthorized");
    assert!(body["message"].is_string());
    let response = Client::new()
        .post(f.server.url("/api/stream-url"))
        .header("authorization", "Bearer not.a.jwt")
        .header("content-type", "application/json")
        .body(json!({"contentId": "vod", "sessionId": "s-1"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn stream_url_refuses_origins_not_on_the_allow_list() {
    let f = start(|c| {
        c.presign.allowed_origins = vec!["https://app.example.com".parse().unwrap()];
    })
    .await;
    let body = json!({"contentId": "vod", "sessionId": "s-1"});
    let (status, json) = stream_url(
        &f.server,
        body.clone(),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json["error"], "origin_not_allowed");
    for allowed in ["https://app.example.com", &f.server.url("")] {
        let (status, json) = stream_url(&f.server, body.clone(), &[("origin", allowed)]).await;
        assert_eq!(status, StatusCode::OK, "{allowed}: {json}");
    }
    // No Origin: a server-to-server call.
    let (status, _) = stream_url(&f.server, body, &[]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn stream_url_blocks_countries_per_content() {
    let f = start(|c| {
        c.presign.geo_blocks = vec!["vod=FR,DE".parse::<GeoBlock>().unwrap()];
        c.presign.geo_header = "x-country".parse().unwrap();
    })
    .await;
    let body = json!({"contentId": "vod", "sessionId": "s-1"});
    let (status, json) = stream_url(&f.server, body.clone(), &[("x-country", "fr")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json["error"], "geo_blocked");
    let (status, _) = stream_url(&f.server, body.clone(), &[("x-country", "US")]).await;
    assert_eq!(status, StatusCode::OK);
    // The default header name is not the configured one: not read.
    let (status, _) = stream_url(&f.server, body, &[("cloudfront-viewer-country", "FR")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn stream_url_refuses_unknown_content_and_bad_bodies() {
    let f = start(|_| {}).await;
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "nope", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"], "unknown_content");
    for bad in [
        json!({"contentId": "../etc", "sessionId": "s-1"}),
        json!({"sessionId": "s-1"}),
        json!({"contentId": "vod", "sessionId": "s-1", "quality": "4320p"}),
    ] {
        let (status, json) = stream_url(&f.server, bad.clone(), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json["error"], "bad_request", "{bad}");
    }
}

#[tokio::test]
async fn stream_url_issues_a_playable_sigv4_url() {
    let f = start(|_| {}).await;
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "vod", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["signing"], "sigv4");
    assert_eq!(json["qualities"], json!(["360p", "720p"]));
    assert_eq!(json["duration"], 8.0);
    assert_eq!(
        ms_of(&json["expiresAt"]) / 1000 - ms_of(&json["serverTime"]) / 1000,
        3600
    );
    let url = json["url"].as_str().unwrap();
    assert!(
        url.starts_with(&f.server.url("/secure/vod/master.m3u8?")),
        "{url}"
    );
    assert_eq!(query_param(url, "X-Amz-Expires").as_deref(), Some("3600"));

    // The master: every variant is an absolute URL presigned with the same date and expiry.
    let (status, content_type, body) = get(url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/vnd.apple.mpegurl");
    let master = presign_media::multivariant_playlist(body, url);
    assert_eq!(master.variants.len(), 2);
    let date = query_param(url, "X-Amz-Date");
    for variant in &master.variants {
        assert!(
            variant.uri.starts_with(&f.server.url("/secure/vod/")),
            "{}",
            variant.uri
        );
        assert_eq!(query_param(&variant.uri, "X-Amz-Date"), date);
        assert_eq!(
            query_param(&variant.uri, "X-Amz-Expires").as_deref(),
            Some("3600")
        );
    }

    // The media playlist: segments, map and key all presigned, and they play.
    let media_url = &master.variants[1].uri;
    let (status, _, body) = get(media_url).await;
    assert_eq!(status, StatusCode::OK);
    let media = presign_media::media_playlist(body, media_url);
    let map = media.segments[0].map.clone().unwrap();
    let key = media.segments[0].key.clone().unwrap();
    let mut uris: Vec<String> = media.segments.iter().map(|s| s.uri.clone()).collect();
    uris.push(map.uri.clone());
    uris.push(key.uri.clone().unwrap());
    for uri in &uris {
        assert!(query_param(uri, "X-Amz-Signature").is_some(), "{uri}");
        assert_eq!(query_param(uri, "X-Amz-Date"), date, "{uri}");
    }
    let (status, content_type, body) = get(&media.segments[1].uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "video/iso.segment");
    assert_eq!(body, presign_media::object_bytes("720p", "seg_001.m4s"));
    let (_, _, body) = get(&map.uri).await;
    assert_eq!(body, presign_media::object_bytes("720p", "init.mp4"));
    let (_, _, body) = get(key.uri.as_deref().unwrap()).await;
    assert_eq!(body, [7u8; 16]);
}

#[tokio::test]
async fn stream_url_quality_gives_the_media_playlist() {
    let f = start(|_| {}).await;
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "vod", "quality": "360p", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let url = json["url"].as_str().unwrap();
    assert!(
        url.starts_with(&f.server.url("/secure/vod/360p/index.m3u8?")),
        "{url}"
    );
    let (status, _, body) = get(url).await;
    assert_eq!(status, StatusCode::OK);
    let media = presign_media::media_playlist(body, url);
    let (status, _, body) = get(&media.segments[0].uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, presign_media::object_bytes("360p", "seg_000.m4s"));
    // Byte ranges work through the signature.
    let response = Client::new()
        .get(&media.segments[0].uri)
        .header("range", "bytes=4-13")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        bytes,
        presign_media::object_bytes("360p", "seg_000.m4s")[4..14]
    );
}

#[tokio::test]
async fn stream_url_ttl_is_configurable_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("issued.jsonl");
    let log_path = log.clone();
    let f = start(move |c| {
        c.presign.ttl_s = 20;
        c.presign.url_log = Some(log_path);
    })
    .await;
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "vod", "quality": "720p", "sessionId": "s-42"}),
        &[
            ("origin", &f.server.url("")),
            ("cloudfront-viewer-country", "US"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ms_of(&json["expiresAt"]) / 1000 - ms_of(&json["serverTime"]) / 1000,
        20
    );
    assert_eq!(
        query_param(json["url"].as_str().unwrap(), "X-Amz-Expires").as_deref(),
        Some("20")
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let entry = &lines[0];
    assert_eq!(entry["user"], "alice");
    assert_eq!(entry["contentId"], "vod");
    assert_eq!(entry["quality"], "720p");
    assert_eq!(entry["sessionId"], "s-42");
    assert_eq!(entry["origin"], f.server.url(""));
    assert_eq!(entry["country"], "US");
    assert_eq!(entry["issued"], json["serverTime"]);
    assert_eq!(entry["expiresAt"], json["expiresAt"]);
}

#[tokio::test]
async fn origin_refuses_unsigned_tampered_and_expired_requests_like_s3() {
    let f = start(|_| {}).await;
    let (status, _, body) = get(&f.server.url("/secure/vod/master.m3u8")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));

    let (_, json) = stream_url(
        &f.server,
        json!({"contentId": "vod", "sessionId": "s"}),
        &[],
    )
    .await;
    let url = json["url"].as_str().unwrap();
    let signature = query_param(url, "X-Amz-Signature").unwrap();
    let mut flipped = signature.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let tampered = url.replace(&signature, std::str::from_utf8(&flipped).unwrap());
    let (status, content_type, body) = get(&tampered).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(content_type, "application/xml");
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
    // Another object under the same signature.
    let moved = url.replace("/master.m3u8", "/360p/index.m3u8");
    assert_eq!(get(&moved).await.0, StatusCode::FORBIDDEN);

    // Signed properly, but 100 s ago for 10 s.
    let now = flodrama_server::signing::unix_now_s();
    let credentials = flodrama_server::signing::config::PresignConfig::dev().credentials;
    let target = Url::parse(&f.server.url("/secure/vod/360p/seg_000.m4s")).unwrap();
    let expired = sigv4::presign(
        &credentials,
        "GET",
        &target,
        Validity {
            signed_at: now - 100,
            expires_s: 10,
        },
    );
    let (status, content_type, body) = get(expired.as_str()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(content_type, "application/xml");
    assert!(String::from_utf8_lossy(&body).contains(EXPIRED_XML));

    let week = sigv4::presign(
        &credentials,
        "GET",
        &target,
        Validity {
            signed_at: now,
            expires_s: 604_801,
        },
    );
    let (status, _, body) = get(week.as_str()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("AuthorizationQueryParametersError"));

    let metrics = reqwest::get(f.server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("stream_urls_issued_total"), "{metrics}");
    assert!(
        metrics.contains("signed_url_rejections_total{reason=\"expired\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("signed_url_rejections_total{reason=\"signature\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn origin_never_serves_outside_the_media_root() {
    let f = start(|_| {}).await;
    assert!(f.data.join("secret.txt").is_file());
    let credentials = flodrama_server::signing::config::PresignConfig::dev().credentials;
    let now = flodrama_server::signing::unix_now_s();
    for target in [
        "/secure/../secret.txt",
        "/secure/vod/../../secret.txt",
        "/secure/%2e%2e/secret.txt",
        "/secure/vod%2f..%2f..%2fsecret.txt",
        "/secure/..%5csecret.txt",
    ] {
        // Even a correctly signed request for the raw path is refused.
        let host = f.server.addr.to_string();
        let url = Url::parse(&format!("http://{host}/secure/x")).unwrap();
        let signed = sigv4::presign(
            &credentials,
            "GET",
            &url,
            Validity {
                signed_at: now,
                expires_s: 60,
            },
        );
        let query = signed.query().unwrap();
        let response = raw_get_async(f.server.addr, &format!("{target}?{query}")).await;
        assert!(
            response.status == 400 || response.status == 404,
            "{target}: {}",
            response.status
        );
        assert!(!String::from_utf8_lossy(&response.body).contains("must not be served"));
    }
}

#[tokio::test]
async fn cloudfront_urls_cover_the_content_prefix() {
    let f = start(|c| c.presign.mode = SigningMode::Cloudfront).await;
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "vod", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["signing"], "cloudfront");
    let url = json["url"].as_str().unwrap();
    let query = Url::parse(url).unwrap().query().unwrap().to_owned();
    assert!(
        query.contains("Policy=") && query.contains("Key-Pair-Id=") && query.contains("Signature=")
    );
    let policy = query_param(url, "Policy").unwrap();
    let policy = flodrama_server::signing::cloudfront::decode(&policy).unwrap();
    let policy: Value = serde_json::from_slice(&policy).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        f.server.url("/secure/vod/*")
    );
    assert_eq!(
        policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"]
            .as_i64()
            .unwrap()
            * 1000,
        ms_of(&json["expiresAt"])
    );

    // The playlist is served as is; the client carries the query to its children.
    let (status, _, body) = get(url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(String::from_utf8(body).unwrap(), presign_media::MASTER);
    let child = f
        .server
        .url(&format!("/secure/vod/720p/seg_001.m4s?{query}"));
    let (status, _, body) = get(&child).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, presign_media::object_bytes("720p", "seg_001.m4s"));
    let elsewhere = f.server.url(&format!("/secure/other/x.m4s?{query}"));
    let (status, _, body) = get(&elsewhere).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("SignatureDoesNotMatch"));
    // SigV4 URLs are not accepted in CloudFront mode.
    assert_eq!(
        get(&f.server.url("/secure/vod/master.m3u8")).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn live_keys_get_a_url_without_duration() {
    let f = start(|c| c.live = vec!["cam".into()]).await;
    let live = f.data.join("live/cam");
    std::fs::create_dir_all(&live).unwrap();
    let playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n\
        #EXTINF:2.000,\nseg_000007.ts\n#EXTINF:2.000,\nseg_000008.ts\n";
    std::fs::write(live.join("index.m3u8"), playlist).unwrap();
    std::fs::write(live.join("seg_000008.ts"), b"live bytes").unwrap();
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "cam", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["duration"], Value::Null);
    assert_eq!(json["qualities"], json!([]));
    let url = json["url"].as_str().unwrap();
    assert!(
        url.starts_with(&f.server.url("/secure/live/cam/index.m3u8?")),
        "{url}"
    );
    let (status, _, body) = get(url).await;
    assert_eq!(status, StatusCode::OK);
    let media = presign_media::media_playlist(body, url);
    assert_eq!(media.media_sequence, 7);
    let (status, _, body) = get(&media.segments[1].uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"live bytes");
    // A live folder of a key that is not published stays out of reach.
    let other = f.data.join("live/other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("index.m3u8"), playlist).unwrap();
    let signed = sigv4::presign(
        &flodrama_server::signing::config::PresignConfig::dev().credentials,
        "GET",
        &Url::parse(&f.server.url("/secure/live/other/index.m3u8")).unwrap(),
        Validity {
            signed_at: flodrama_server::signing::unix_now_s(),
            expires_s: 60,
        },
    );
    assert_eq!(get(signed.as_str()).await.0, StatusCode::NOT_FOUND);
    let (status, json) = stream_url(
        &f.server,
        json!({"contentId": "other", "sessionId": "s-1"}),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
}
