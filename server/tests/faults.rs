//! Fault injection over a real socket: each kind by query parameter, and seeded rules.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use clap::Parser;
use common::TestServer;
use flodrama_server::config::{Cli, Config, Mount};
use flodrama_server::faults::{FaultKind, FaultTarget};

const SEGMENT_LEN: usize = 100_000;

fn segment_bytes() -> Vec<u8> {
    (0..SEGMENT_LEN).map(|i| (i * 7 % 251) as u8).collect()
}

/// A server for a folder holding `s/seg_000.ts` and `s/index.m3u8`, with `args` as its
/// command line options.
async fn server(args: &[&str]) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("s")).unwrap();
    std::fs::write(dir.path().join("s/seg_000.ts"), segment_bytes()).unwrap();
    std::fs::write(dir.path().join("s/index.m3u8"), "#EXTM3U\n").unwrap();
    let cli = Cli::try_parse_from(["flodrama-server"].iter().chain(args)).unwrap();
    let mut config = Config::for_mounts(
        dir.path(),
        vec![Mount {
            prefix: "/m".into(),
            dir: dir.path().to_owned(),
        }],
    );
    config.faults = cli.options.faults;
    config.fault_seed = cli.options.fault_seed;
    (TestServer::start(config).await, dir)
}

/// What came back on the wire: every byte until EOF or an error, and whether it ended in
/// an error (a reset) rather than EOF.
struct Wire {
    bytes: Vec<u8>,
    errored: bool,
}

impl Wire {
    fn head_and_body(&self) -> (String, &[u8]) {
        let split = self
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of headers");
        (
            String::from_utf8_lossy(&self.bytes[..split]).into_owned(),
            &self.bytes[split + 4..],
        )
    }
}

fn wire_get(addr: SocketAddr, target: &str) -> Wire {
    wire_get_with(addr, target, "")
}

/// `GET target` with `extra` header lines (each ending in CRLF).
fn wire_get_with(addr: SocketAddr, target: &str, extra: &str) -> Wire {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => {
                return Wire {
                    bytes,
                    errored: false,
                };
            }
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(_) => {
                return Wire {
                    bytes,
                    errored: true,
                };
            }
        }
    }
}

async fn wire_get_async(addr: SocketAddr, target: &str) -> Wire {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || wire_get(addr, &target))
        .await
        .unwrap()
}

fn status(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line")
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn query_404_and_500_answer_that_status() {
    let (server, _dir) = server(&[]).await;
    for (fault, code) in [("404", 404), ("500", 500)] {
        let wire = wire_get_async(server.addr, &format!("/m/s/seg_000.ts?fault={fault}")).await;
        let (head, body) = wire.head_and_body();
        assert_eq!(status(&head), code);
        assert_eq!(body, format!("injected fault: {code}\n").as_bytes());
    }
    let clean = wire_get_async(server.addr, "/m/s/seg_000.ts").await;
    let (head, body) = clean.head_and_body();
    assert_eq!(status(&head), 200);
    assert_eq!(body, segment_bytes());
}

#[tokio::test]
async fn injected_errors_carry_cors_headers() {
    let (server, _dir) = server(&[]).await;
    let addr = server.addr;
    let wire = tokio::task::spawn_blocking(move || {
        wire_get_with(
            addr,
            "/m/s/seg_000.ts?fault=500",
            "Origin: https://app.example\r\n",
        )
    })
    .await
    .unwrap();
    let (head, _) = wire.head_and_body();
    assert_eq!(status(&head), 500);
    assert_eq!(header(&head, "access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn unknown_fault_is_a_bad_request() {
    let (server, _dir) = server(&[]).await;
    let wire = wire_get_async(server.addr, "/m/s/seg_000.ts?fault=teapot").await;
    let (head, body) = wire.head_and_body();
    assert_eq!(status(&head), 400);
    assert!(String::from_utf8_lossy(body).contains("unknown fault \"teapot\""));
}

#[tokio::test]
async fn slow_sends_the_whole_body_over_several_ticks() {
    let (server, _dir) = server(&[]).await;
    let started = Instant::now();
    // 200,000 B/s: chunks of 20,000 bytes, one every 100 ms, so 5 chunks.
    let wire = wire_get_async(server.addr, "/m/s/seg_000.ts?fault=slow=200000").await;
    let elapsed = started.elapsed();
    let (head, body) = wire.head_and_body();
    assert_eq!(status(&head), 200);
    assert_eq!(header(&head, "content-length"), Some("100000"));
    assert_eq!(body, segment_bytes());
    assert!(!wire.errored);
    // A lower bound only: each chunk waits a full tick first, however idle the machine.
    assert!(elapsed.as_millis() >= 500, "{elapsed:?}");
}

#[tokio::test]
async fn truncate_promises_the_length_then_closes_at_half() {
    let (server, _dir) = server(&[]).await;
    let wire = wire_get_async(server.addr, "/m/s/seg_000.ts?fault=truncate").await;
    let (head, body) = wire.head_and_body();
    assert_eq!(status(&head), 200);
    assert_eq!(header(&head, "content-length"), Some("100000"));
    assert_eq!(body, &segment_bytes()[..SEGMENT_LEN / 2]);
}

#[tokio::test]
async fn reset_closes_before_any_byte() {
    let (server, _dir) = server(&[]).await;
    let wire = wire_get_async(server.addr, "/m/s/seg_000.ts?fault=reset").await;
    assert!(
        wire.bytes.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&wire.bytes)
    );
}

/// Statuses of 40 requests for the segment and 10 for the playlist.
async fn statuses(args: &[&str]) -> (Vec<u16>, Vec<u16>) {
    let (server, _dir) = server(args).await;
    let mut segments = Vec::new();
    for _ in 0..40 {
        let wire = wire_get_async(server.addr, "/m/s/seg_000.ts").await;
        segments.push(status(&wire.head_and_body().0));
    }
    let mut playlists = Vec::new();
    for _ in 0..10 {
        let wire = wire_get_async(server.addr, "/m/s/index.m3u8").await;
        playlists.push(status(&wire.head_and_body().0));
    }
    (segments, playlists)
}

#[tokio::test]
async fn rules_fail_a_seeded_share_of_matching_requests() {
    let args = ["--fault", "segments:50%:500", "--fault-seed", "7"];
    let (segments, playlists) = statuses(&args).await;
    assert_eq!(playlists, [200; 10], "playlists are not targeted");
    assert!(
        segments.contains(&500) && segments.contains(&200),
        "{segments:?}"
    );
    assert!(segments.iter().all(|&s| s == 500 || s == 200));
    assert_eq!(statuses(&args).await.0, segments, "same seed, same faults");
    let other = statuses(&["--fault", "segments:50%:500", "--fault-seed", "8"]).await;
    assert_ne!(other.0, segments, "another seed, other faults");

    let (all, _) = statuses(&["--fault", "/m/s/seg:100%:404"]).await;
    assert_eq!(all, [404; 40]);
}

#[test]
fn cli_takes_repeated_rules_and_refuses_bad_ones() {
    let cli = Cli::try_parse_from([
        "flodrama-server",
        "--fault",
        "playlists:10%:slow=5000",
        "--fault",
        "keys:100%:reset",
    ])
    .unwrap();
    assert_eq!(cli.options.faults.len(), 2);
    assert_eq!(cli.options.faults[0].target, FaultTarget::Playlists);
    assert_eq!(
        cli.options.faults[0].kind,
        FaultKind::Slow { bytes_per_s: 5000 }
    );
    assert_eq!(cli.options.faults[1].kind, FaultKind::Reset);
    assert!(Cli::try_parse_from(["flodrama-server", "--fault", "segments:20%:418"]).is_err());
}
