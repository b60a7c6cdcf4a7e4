//! The static and media origin over a real loopback socket: ranges, content types, caching,
//! CORS, mounts and path traversal.

mod common;

use std::path::Path;

use common::{TestServer, raw_get_async};
use flodrama_server::config::{Config, Mount};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

/// Bytes of the test segment: every value 0..=255 repeated, so any range is recognizable.
fn segment_bytes() -> Vec<u8> {
    (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

const SECRET: &str = "top secret: outside every static root";

/// A data dir with media files, a site root, an extra mount, and a secret file beside them.
fn fixture() -> (tempfile::TempDir, Config) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let write = |rel: &str, bytes: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("secret.txt", SECRET.as_bytes());
    write("data/secret.txt", SECRET.as_bytes());
    write("data/media/vod/seg_000.m4s", &segment_bytes());
    write("data/media/vod/index.m3u8", b"#EXTM3U\n#EXT-X-ENDLIST\n");
    for name in [
        "init.mp4", "a.ts", "a.aac", "en.vtt", "k.key", "m.wasm", "m.js", "m.mjs", "p.html",
    ] {
        write(&format!("data/media/files/{name}"), b"0123456789");
    }
    write("site/index.html", b"<!doctype html><title>demo</title>");
    write("site/app.js", b"console.log(1)");
    write(
        "pages/index.html",
        b"<!doctype html><title>test page</title>",
    );
    let mounts = vec![
        mount("", &root.join("site")),
        mount("/www", &root.join("www/dist-missing")),
        mount("/media", &root.join("data/media")),
        mount("/test-pages", &root.join("pages")),
    ];
    let config = Config::for_mounts(&root.join("data"), mounts);
    (tmp, config)
}

fn mount(prefix: &str, dir: &Path) -> Mount {
    Mount {
        prefix: prefix.to_owned(),
        dir: dir.to_owned(),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

async fn get_range(server: &TestServer, path: &str, range: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url(path))
        .header("Range", range)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn range_requests_return_exactly_the_requested_bytes() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let data = segment_bytes();
    let cases: [(&str, std::ops::Range<usize>); 4] = [
        ("bytes=100-199", 100..200),
        ("bytes=0-0", 0..1),
        ("bytes=9990-", 9990..10_000),
        ("bytes=-25", 9975..10_000),
    ];
    for (range, expected) in cases {
        let response = get_range(&server, "/media/vod/seg_000.m4s", range).await;
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        let headers = response.headers().clone();
        assert_eq!(
            header(&headers, "content-range"),
            format!("bytes {}-{}/10000", expected.start, expected.end - 1),
            "{range}"
        );
        assert_eq!(
            header(&headers, "content-length"),
            expected.len().to_string()
        );
        assert_eq!(header(&headers, "content-type"), "video/iso.segment");
        let body = response.bytes().await.unwrap();
        assert_eq!(&body[..], &data[expected], "{range}");
    }

    let whole = reqwest::get(server.url("/media/vod/seg_000.m4s"))
        .await
        .unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(header(whole.headers(), "accept-ranges"), "bytes");
    assert_eq!(&whole.bytes().await.unwrap()[..], &data[..]);
}

#[tokio::test]
async fn unsatisfiable_ranges_are_416() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    for range in ["bytes=10000-", "bytes=20000-20010"] {
        let response = get_range(&server, "/media/vod/seg_000.m4s", range).await;
        assert_eq!(
            response.status(),
            StatusCode::RANGE_NOT_SATISFIABLE,
            "{range}"
        );
        assert_eq!(header(response.headers(), "content-range"), "bytes */10000");
    }
}

#[tokio::test]
async fn streaming_files_get_their_content_types() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let cases = [
        ("/media/vod/index.m3u8", "application/vnd.apple.mpegurl"),
        ("/media/vod/seg_000.m4s", "video/iso.segment"),
        ("/media/files/init.mp4", "video/mp4"),
        ("/media/files/a.ts", "video/mp2t"),
        ("/media/files/a.aac", "audio/aac"),
        ("/media/files/en.vtt", "text/vtt"),
        ("/media/files/k.key", "application/octet-stream"),
        ("/media/files/m.wasm", "application/wasm"),
        ("/media/files/m.js", "text/javascript"),
        ("/media/files/m.mjs", "text/javascript"),
        ("/media/files/p.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript"),
        ("/", "text/html; charset=utf-8"),
    ];
    for (path, content_type) in cases {
        let response = reqwest::get(server.url(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(response.headers(), "content-type"),
            content_type,
            "{path}"
        );
    }
}

#[tokio::test]
async fn playlists_are_not_cached_and_segments_may_be() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let playlist = reqwest::get(server.url("/media/vod/index.m3u8"))
        .await
        .unwrap();
    assert_eq!(header(playlist.headers(), "cache-control"), "no-cache");
    let segment = reqwest::get(server.url("/media/vod/seg_000.m4s"))
        .await
        .unwrap();
    assert!(segment.headers().get("cache-control").is_none());
}

#[tokio::test]
async fn cors_preflight_allows_range_and_authorization() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            server.url("/media/vod/seg_000.m4s"),
        )
        .header("Origin", "https://player.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "range, authorization")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), "*");
    let allowed = header(headers, "access-control-allow-headers").to_ascii_lowercase();
    assert!(allowed.contains("range"), "{allowed}");
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(header(headers, "access-control-allow-methods").contains("GET"));
}

#[tokio::test]
async fn cors_exposes_range_headers_on_media() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let response = reqwest::Client::new()
        .get(server.url("/media/vod/seg_000.m4s"))
        .header("Origin", "https://player.example")
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), "*");
    let exposed = header(headers, "access-control-expose-headers").to_ascii_lowercase();
    for name in ["content-length", "content-range", "accept-ranges"] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}

#[tokio::test]
async fn cors_origin_list_restricts_origins() {
    let (_tmp, mut config) = fixture();
    config.cors_origins = vec![HeaderValue::from_static("https://ok.example")];
    let server = TestServer::start(config).await;
    let client = reqwest::Client::new();
    let allowed = client
        .get(server.url("/media/vod/index.m3u8"))
        .header("Origin", "https://ok.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(allowed.headers(), "access-control-allow-origin"),
        "https://ok.example"
    );
    let refused = client
        .get(server.url("/media/vod/index.m3u8"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn paths_cannot_escape_the_static_roots() {
    let (tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let secret_path = tmp.path().join("secret.txt");
    let absolute = secret_path.to_str().unwrap();
    let targets = [
        "/media/../secret.txt".to_owned(),
        "/media/vod/../../secret.txt".to_owned(),
        "/media/%2e%2e/secret.txt".to_owned(),
        "/media/%2E%2E/%2e%2e/secret.txt".to_owned(),
        "/media/..%2fsecret.txt".to_owned(),
        "/media/vod/..%2f..%2fsecret.txt".to_owned(),
        "/media/%2e%2e%2f%2e%2e%2fsecret.txt".to_owned(),
        "/../secret.txt".to_owned(),
        "/%2e%2e/secret.txt".to_owned(),
        "/test-pages/%2e%2e/secret.txt".to_owned(),
        format!("/media/{absolute}"),
        format!("/media/%2f{}", absolute.trim_start_matches('/')),
        format!("/{}", absolute.replace('/', "%2f")),
        format!("/media//{}", absolute.trim_start_matches('/')),
        "/media/vod/%5c..%5c..%5csecret.txt".to_owned(),
    ];
    for target in &targets {
        let response = raw_get_async(server.addr, target).await;
        let body = String::from_utf8_lossy(&response.body);
        assert!(!body.contains(SECRET), "{target} leaked the secret");
        assert!(
            (400..500).contains(&response.status),
            "{target}: status {}",
            response.status
        );
    }
    // The same server does serve files inside the roots through raw requests.
    let inside = raw_get_async(server.addr, "/media/vod/./index.m3u8").await;
    assert_eq!(inside.status, 200);
}

#[tokio::test]
async fn extra_mounts_and_missing_folders() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let page = reqwest::get(server.url("/test-pages/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("test page"));

    let redirect = raw_get_async(server.addr, "/test-pages").await;
    assert_eq!(redirect.status, 308);
    assert!(
        redirect
            .headers
            .contains(&("location".to_owned(), "/test-pages/".to_owned()))
    );

    let missing = reqwest::get(server.url("/www/index.html")).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let absent = reqwest::get(server.url("/media/vod/nope.m4s"))
        .await
        .unwrap();
    assert_eq!(absent.status(), StatusCode::NOT_FOUND);
    assert!(
        absent
            .headers()
            .get("content-type")
            .is_none_or(|v| v != "video/iso.segment")
    );

    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok\n");
}

#[tokio::test]
async fn later_mounts_replace_earlier_ones() {
    let (tmp, mut config) = fixture();
    config
        .mounts
        .push(mount("/media", &tmp.path().join("pages")));
    let server = TestServer::start(config).await;
    let replaced = reqwest::get(server.url("/media/index.html")).await.unwrap();
    assert!(replaced.text().await.unwrap().contains("test page"));
    let old = reqwest::get(server.url("/media/vod/index.m3u8"))
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn head_reports_length_without_body() {
    let (_tmp, config) = fixture();
    let server = TestServer::start(config).await;
    let response = reqwest::Client::new()
        .head(server.url("/media/vod/seg_000.m4s"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), "content-length"), "10000");
    assert!(response.bytes().await.unwrap().is_empty());
}
