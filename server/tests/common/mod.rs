//! Helpers shared by the integration tests: a server on a loopback port and raw HTTP.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use flodrama_server::app::{AppState, router};
use flodrama_server::config::Config;

/// A server running on `127.0.0.1:<free port>` for the rest of the test's runtime.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl TestServer {
    /// Serves `config` on a free loopback port.
    pub async fn start(config: Config) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(AppState::new(config));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer { addr }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A response read off the wire.
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Sends `GET <target>` exactly as written (no client-side normalization of `..` or
/// percent-escapes) and reads the whole response.
pub fn raw_get(addr: SocketAddr, target: &str) -> RawResponse {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

/// Runs the blocking [`raw_get`] off the async runtime.
pub async fn raw_get_async(addr: SocketAddr, target: &str) -> RawResponse {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || raw_get(addr, &target))
        .await
        .unwrap()
}
