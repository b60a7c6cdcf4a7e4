//! The signed-in API over HTTP: JWT auth, dev tokens, resume positions, sessions, erasure,
//! isolation between users, bad input, `/metrics`.

mod common;

use common::TestServer;
use flodrama_server::auth::JwtAuth;
use flodrama_server::config::{Config, JwtKeySource};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const SECRET: &[u8] = b"api-test-secret";

async fn server(dev: bool) -> TestServer {
    let mut config = Config::for_mounts(std::path::Path::new("/nonexistent"), Vec::new());
    config.jwt = JwtKeySource::Secret(SECRET.to_vec());
    config.dev = dev;
    TestServer::start(config).await
}

fn token(user: &str) -> String {
    JwtAuth::hs256(SECRET).mint(user, 600).unwrap()
}

/// Sends a request with an optional bearer token and raw body; returns status and JSON body
/// (`Value::Null` when the body is empty or not JSON).
async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Client::new().request(method, server.url(path));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn resume_round_trip_with_last_writer_wins() {
    let server = server(false).await;
    let alice = token("alice");
    let path = "/api/resume/movie-1";
    let (status, body) = call(&server, Method::GET, path, Some(&alice), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string());

    let put = r#"{"position":30.5,"duration":600,"updatedAt":1700000000000}"#;
    let (status, body) = call(&server, Method::PUT, path, Some(&alice), Some(put)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["position"], 30.5);

    // An older write loses: the answer is the stored, newer record.
    let older = r#"{"position":99,"updatedAt":1600000000000.0}"#;
    let (_, body) = call(&server, Method::PUT, path, Some(&alice), Some(older)).await;
    assert_eq!(body["position"], 30.5);

    let (status, body) = call(&server, Method::GET, path, Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"position": 30.5, "duration": 600.0, "completed": false, "updatedAt": 1700000000000i64})
    );
}

#[tokio::test]
async fn users_cannot_see_or_touch_each_others_rows() {
    let server = server(false).await;
    let (alice, bob) = (token("alice"), token("bob"));
    let put = r#"{"position":42,"updatedAt":1700000000000}"#;
    call(
        &server,
        Method::PUT,
        "/api/resume/m",
        Some(&alice),
        Some(put),
    )
    .await;

    // Bob sees nothing of Alice's, and his write lands in his own row only.
    let (status, _) = call(&server, Method::GET, "/api/resume/m", Some(&bob), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bobs = r#"{"position":77,"updatedAt":1750000000000}"#;
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/resume/m",
        Some(&bob),
        Some(bobs),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = call(&server, Method::GET, "/api/resume/m", Some(&alice), None).await;
    assert_eq!(body["position"], 42.0);

    let (status, session) = call(
        &server,
        Method::POST,
        "/api/sessions",
        Some(&alice),
        Some(r#"{"contentId":"m"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = session["sessionId"].as_str().unwrap().to_owned();
    let beat = r#"{"qoe":{"watchTimeS":5,"rebufferCount":1,"rebufferS":0.5,
        "bitrateHistogram":{"800000":5},"meanBitrate":800000,"startupMs":420,"errors":[]}}"#;
    let heartbeat = format!("/api/sessions/{id}/heartbeat");
    let (status, _) = call(&server, Method::POST, &heartbeat, Some(&bob), Some(beat)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &server,
        Method::GET,
        &format!("/api/sessions/{id}"),
        Some(&bob),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(&server, Method::POST, &heartbeat, Some(&alice), Some(beat)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["qoe"]["rebufferCount"], 1);
    let end = format!("/api/sessions/{id}/end");
    let (_, body) = call(&server, Method::POST, &end, Some(&alice), Some(beat)).await;
    assert!(body["endedAt"].is_i64());

    // Bob erasing his data leaves Alice's; Alice erasing hers removes both her rows.
    let (_, erased) = call(&server, Method::DELETE, "/api/me/data", Some(&bob), None).await;
    assert_eq!(erased, json!({"resumePositions": 1, "sessions": 0}));
    let (_, erased) = call(&server, Method::DELETE, "/api/me/data", Some(&alice), None).await;
    assert_eq!(erased, json!({"resumePositions": 1, "sessions": 1}));
    let (status, _) = call(&server, Method::GET, "/api/resume/m", Some(&alice), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_get_401_json() {
    let server = server(false).await;
    let forged = JwtAuth::hs256(b"not-the-secret")
        .mint("alice", 600)
        .unwrap();
    for token in [None, Some(forged.as_str()), Some("garbage")] {
        let (status, body) = call(&server, Method::GET, "/api/resume/m", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_json_and_nothing_is_stored() {
    let server = server(false).await;
    let alice = token("alice");
    let oversized = format!(r#"{{"position":30,"pad":"{}"}}"#, "x".repeat(20_000));
    let bodies = [
        "{not json",
        r#"{"position":-1}"#,
        r#"{"position":NaN}"#,
        r#"{"position":1e400}"#,
        r#"{"position":"30"}"#,
        r#"{"position":30,"updatedAt":99999999999999}"#,
        r#"{"position":30,"extra":1}"#,
        oversized.as_str(),
    ];
    for body in bodies {
        let (status, json) = call(
            &server,
            Method::PUT,
            "/api/resume/m",
            Some(&alice),
            Some(body),
        )
        .await;
        assert!(status.is_client_error(), "{status} for {:.40}", body);
        assert!(json["error"].is_string(), "no JSON error for {:.40}", body);
    }
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/resume/bad%20id",
        Some(&alice),
        Some(r#"{"position":30}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let bad_qoe = r#"{"contentId":"m","qoe":{"watchTimeS":-3}}"#;
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/sessions",
        Some(&alice),
        Some(bad_qoe),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&server, Method::GET, "/api/resume/m", Some(&alice), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a refused write was stored");
}

#[tokio::test]
async fn dev_token_endpoint_exists_only_in_dev_mode() {
    let dev = server(true).await;
    let (status, body) = call(
        &dev,
        Method::POST,
        "/api/dev/token",
        None,
        Some(r#"{"sub":"carol"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().unwrap();
    assert_eq!(JwtAuth::hs256(SECRET).verify(token).unwrap(), "carol");
    let put = r#"{"position":12}"#;
    let (status, _) = call(&dev, Method::PUT, "/api/resume/m", Some(token), Some(put)).await;
    assert_eq!(status, StatusCode::OK);

    let prod = server(false).await;
    let (status, _) = call(
        &prod,
        Method::POST,
        "/api/dev/token",
        None,
        Some(r#"{"sub":"carol"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_count_requests_per_route() {
    let server = server(false).await;
    let alice = token("alice");
    call(
        &server,
        Method::PUT,
        "/api/resume/m",
        Some(&alice),
        Some(r#"{"position":20}"#),
    )
    .await;
    let text = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total")
                && l.contains(r#"route="/api/resume/{content_id}""#)
                && l.contains(r#"method="PUT""#)
        })
        .unwrap_or_else(|| panic!("no request counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0);
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("party_rooms"));
}

#[tokio::test]
async fn rs256_tokens_are_checked_against_the_jwks_file() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut config = Config::for_mounts(std::path::Path::new("/nonexistent"), Vec::new());
    config.jwt = JwtKeySource::Jwks(fixtures.join("jwt-test-jwks.json"));
    let server = TestServer::start(config).await;
    let pem = std::fs::read(fixtures.join("jwt-test-rsa.pem")).unwrap();
    let key = EncodingKey::from_rsa_pem(&pem).unwrap();
    let sign = |kid: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let claims = json!({"sub": "dave", "exp": 4_000_000_000u64});
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    let put = Some(r#"{"position":15}"#);
    let (status, _) = call(
        &server,
        Method::PUT,
        "/api/resume/m",
        Some(&sign("test-1")),
        put,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/resume/m",
        Some(&sign("test-1")),
        None,
    )
    .await;
    assert_eq!(
        (status, body["position"].as_f64()),
        (StatusCode::OK, Some(15.0))
    );
    // Unknown key id, and an HS256 token (algorithm confusion), are refused.
    let (status, _) = call(
        &server,
        Method::GET,
        "/api/resume/m",
        Some(&sign("other")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &server,
        Method::GET,
        "/api/resume/m",
        Some(&token("dave")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_past_retention_are_purged() {
    use flodrama_server::app::AppState;
    use flodrama_server::store::{Qoe, Session};
    let mut config = Config::for_mounts(std::path::Path::new("/nonexistent"), Vec::new());
    config.session_retention = std::time::Duration::from_secs(86_400);
    let state = AppState::new(config);
    let now = flodrama_server::api::unix_now_ms();
    let session = |id: &str, at: i64| Session {
        session_id: id.into(),
        content_id: "m".into(),
        started_at: at,
        last_seen_at: at,
        ended_at: None,
        qoe: Qoe::default(),
    };
    state
        .store
        .start_session("a", &session("old", now - 2 * 86_400_000))
        .unwrap();
    state
        .store
        .start_session("a", &session("new", now - 3_600_000))
        .unwrap();
    let purged = flodrama_server::api::sessions::purge_expired(&state)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(state.store.get_session("a", "old").unwrap().is_none());
    assert!(state.store.get_session("a", "new").unwrap().is_some());
}
