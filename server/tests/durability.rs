//! Crash durability: `kill -9` the real server during 1,000 concurrent PUTs; after a restart
//! on the same database every write acknowledged with a 2xx is present.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flodrama_server::auth::JwtAuth;
use reqwest::Client;

const BIN: &str = env!("CARGO_BIN_EXE_flodrama-server");
const SECRET: &str = "durability-secret";
const WRITES: usize = 1_000;
/// Acknowledged writes after which the server is killed.
const KILL_AFTER: usize = 250;

/// Starts the server on `db`; returns it and its port.
fn start(dir: &Path) -> (Child, u16) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--no-prepare",
            "--jwt-secret",
            SECRET,
        ])
        .arg("--root")
        .arg(dir)
        .arg("--data-dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .env_remove("HOST")
        .env_remove("DATABASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/\n"))
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = start(dir.path());
    let pid = child.id();
    let auth = JwtAuth::hs256(SECRET.as_bytes());
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..4)
            .map(|u| auth.mint(&format!("user{u}"), 600).unwrap())
            .collect(),
    );
    let client = Client::new();
    let acked = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(std::sync::Once::new());

    let mut tasks = Vec::with_capacity(WRITES);
    for i in 0..WRITES {
        let (client, tokens, acked, killed) = (
            client.clone(),
            tokens.clone(),
            acked.clone(),
            killed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = format!(r#"{{"position":{},"updatedAt":1700000000000}}"#, 10 + i);
            let sent = client
                .put(format!("http://127.0.0.1:{port}/api/resume/title-{i}"))
                .header("authorization", format!("Bearer {}", tokens[i % 4]))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let ok = matches!(&sent, Ok(r) if r.status().is_success());
            if ok && acked.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                killed.call_once(|| {
                    let status = Command::new("kill").args(["-9", &pid.to_string()]).status();
                    assert!(status.is_ok_and(|s| s.success()));
                });
            }
            ok.then_some(i)
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    let _ = child.wait();
    assert!(acknowledged.len() >= KILL_AFTER);
    eprintln!(
        "{} of {WRITES} writes acknowledged before the kill",
        acknowledged.len()
    );

    let (mut child, port) = start(dir.path());
    for &i in &acknowledged {
        let response = client
            .get(format!("http://127.0.0.1:{port}/api/resume/title-{i}"))
            .header("authorization", format!("Bearer {}", tokens[i % 4]))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "write {i} was lost");
        let body: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["position"], (10 + i) as f64, "write {i}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}
