//! Our SigV4 URLs against a real S3 implementation: `s3s-fs` (installed by
//! `scripts/setup.sh`) serving a temporary folder as buckets. It accepts our presigned GETs
//! and refuses tampered and expired ones; then the server, with `s3_endpoint` set, issues URLs
//! whose rewritten playlists send the player straight to s3s-fs for the media.
//!
//! Skipped, with a printed reason, only when the `s3s-fs` binary is not installed.

mod common;
mod presign_media;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TestServer;
use flodrama_server::auth::JwtAuth;
use flodrama_server::signing::SigningMode;
use flodrama_server::signing::config::{PresignConfig, S3Config};
use flodrama_server::signing::sigv4::{self, Validity};
use flodrama_server::signing::unix_now_s;
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;

/// The bucket: `<root>/media` holds `vod/...` as `presign_media` writes it.
const BUCKET: &str = "media";

/// Held by each test for its whole run. Each picks a free port for s3s-fs by binding and
/// releasing it; run in parallel, another test's server could take that port first, and this
/// test would then talk to it instead of its own store.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A running s3s-fs, killed on drop.
struct S3sFs {
    child: Child,
    addr: SocketAddr,
    _root: tempfile::TempDir,
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed() -> bool {
    Command::new("s3s-fs")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts s3s-fs over a fresh root holding the test title, with the dev credentials.
fn start_s3s_fs() -> S3sFs {
    let root = tempfile::tempdir().unwrap();
    presign_media::write_title(root.path());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let credentials = PresignConfig::dev().credentials;
    let child = Command::new("s3s-fs")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", &credentials.access_key])
        .args(["--secret-key", &credentials.secret_key])
        .arg(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let server = S3sFs {
        child,
        addr,
        _root: root,
    };
    // Bounded wait for the listening socket (s3s-fs prints nothing we rely on).
    let mut server = server;
    for _ in 0..200 {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("s3s-fs on {addr} exited at start: {status}");
        }
        if TcpStream::connect(addr).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("s3s-fs did not listen on {addr} within 10 s");
}

fn presigned(addr: SocketAddr, key: &str, signed_at: i64, expires_s: u64) -> Url {
    let url = Url::parse(&format!("http://{addr}/{BUCKET}/{key}")).unwrap();
    sigv4::presign(
        &PresignConfig::dev().credentials,
        "GET",
        &url,
        Validity {
            signed_at,
            expires_s,
        },
    )
}

async fn get(url: &str) -> (StatusCode, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn s3s_fs_accepts_our_sigv4_urls_and_refuses_tampered_and_expired_ones() {
    let _serial = SERIAL.lock().await;
    if !installed() {
        eprintln!("skipped: s3s-fs is not installed (bash scripts/setup.sh installs it)");
        return;
    }
    let s3 = start_s3s_fs();
    let now = unix_now_s();
    for (rendition, name) in [("720p", "seg_001.m4s"), ("360p", "seg 001+a=b.m4s")] {
        let url = presigned(s3.addr, &format!("vod/{rendition}/{name}"), now, 60);
        let (status, body) = get(url.as_str()).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{url}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(body, presign_media::object_bytes(rendition, name));
    }

    let url = presigned(s3.addr, "vod/720p/seg_001.m4s", now, 60);
    let tampered = url.as_str().replace("seg_001", "seg_000");
    let (status, body) = get(&tampered).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        String::from_utf8_lossy(&body).contains("SignatureDoesNotMatch"),
        "{}",
        String::from_utf8_lossy(&body)
    );

    let expired = presigned(s3.addr, "vod/720p/seg_001.m4s", now - 100, 10);
    let (status, body) = get(expired.as_str()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    // The same answer as our origin's (and AWS S3's).
    assert!(
        String::from_utf8_lossy(&body)
            .contains("<Code>AccessDenied</Code><Message>Request has expired</Message>"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

async fn issue(server: &TestServer, body: Value) -> Value {
    let token = JwtAuth::hs256(flodrama_server::auth::DEV_SECRET)
        .mint("alice", 600)
        .unwrap();
    let response = reqwest::Client::new()
        .post(server.url("/api/stream-url"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

async fn start_server(s3: &S3sFs, mode: SigningMode) -> TestServer {
    // The server's own folder has no media: everything comes from the S3 store.
    let mut config = presign_media::config(std::path::Path::new("/nonexistent"));
    config.dev = true;
    config.presign.mode = mode;
    config.presign.s3 = Some(S3Config {
        endpoint: Url::parse(&format!("http://{}", s3.addr)).unwrap(),
        bucket: BUCKET.into(),
    });
    TestServer::start(config).await
}

#[tokio::test]
async fn server_with_an_s3_store_plays_through_s3s_fs() {
    let _serial = SERIAL.lock().await;
    if !installed() {
        eprintln!("skipped: s3s-fs is not installed (bash scripts/setup.sh installs it)");
        return;
    }
    let s3 = start_s3s_fs();
    let server = start_server(&s3, SigningMode::Sigv4).await;
    let json = issue(&server, json!({"contentId": "vod", "sessionId": "s-1"})).await;
    assert_eq!(json["qualities"], json!(["360p", "720p"]));
    assert_eq!(json["duration"], 8.0);
    let url = json["url"].as_str().unwrap();
    let (status, body) = get(url).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let master = presign_media::multivariant_playlist(body, url);
    // Child playlists stay on the server (rewritten there); media goes to S3.
    let media_url = &master.variants[0].uri;
    assert!(media_url.starts_with(&server.url("/secure/vod/360p/index.m3u8?")));
    let (status, body) = get(media_url).await;
    assert_eq!(status, StatusCode::OK);
    let media = presign_media::media_playlist(body, media_url);
    let s3_prefix = format!("http://{}/{BUCKET}/vod/", s3.addr);
    let segment = &media.segments[1].uri;
    assert!(segment.starts_with(&s3_prefix), "{segment}");
    let (status, body) = get(segment).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, presign_media::object_bytes("360p", "seg_001.m4s"));
    let map = media.segments[0].map.clone().unwrap();
    assert!(map.uri.starts_with(&s3_prefix));
    assert_eq!(
        get(&map.uri).await.1,
        presign_media::object_bytes("360p", "init.mp4")
    );
    let key = media.segments[0].key.clone().unwrap();
    assert_eq!(get(key.uri.as_deref().unwrap()).await.1, [7u8; 16]);
    // A tampered S3 URL is refused by S3 itself.
    let tampered = segment.replace("seg_001", "seg_000");
    assert_eq!(get(&tampered).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cloudfront_mode_proxies_the_s3_store() {
    let _serial = SERIAL.lock().await;
    if !installed() {
        eprintln!("skipped: s3s-fs is not installed (bash scripts/setup.sh installs it)");
        return;
    }
    let s3 = start_s3s_fs();
    let server = start_server(&s3, SigningMode::Cloudfront).await;
    let json = issue(&server, json!({"contentId": "vod", "sessionId": "s-1"})).await;
    let url = Url::parse(json["url"].as_str().unwrap()).unwrap();
    let (status, body) = get(url.as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(String::from_utf8(body).unwrap(), presign_media::MASTER);
    let query = url.query().unwrap();
    let segment = server.url(&format!("/secure/vod/720p/seg_000.m4s?{query}"));
    let (status, body) = get(&segment).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, presign_media::object_bytes("720p", "seg_000.m4s"));
    let response = reqwest::Client::new()
        .get(&segment)
        .header("range", "bytes=4-13")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let bytes = response.bytes().await.unwrap();
    assert_eq!(
        bytes,
        presign_media::object_bytes("720p", "seg_000.m4s")[4..14]
    );
    let missing = server.url(&format!("/secure/vod/720p/seg_999.m4s?{query}"));
    assert_eq!(get(&missing).await.0, StatusCode::NOT_FOUND);
}
