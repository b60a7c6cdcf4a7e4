//! The `flodrama-server` binary: the `listening on` line, signals, and the missing-ffmpeg error.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_flodrama-server");

/// Starts the server on a free port with media preparation off; returns it and its port.
fn start(data_dir: &std::path::Path) -> (Child, BufReader<std::process::ChildStdout>, u16) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--no-prepare", "--root"])
        .arg(data_dir)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/\n"))
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, stdout, port)
}

/// Sends `signal` to the child with the system's `kill` command.
fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit; panics if it is still running after a generous bound.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn health(port: u16) -> String {
    let body = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            })
    });
    body.join().unwrap()
}

#[test]
fn announces_its_port_serves_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut child, mut stdout, port) = start(tmp.path());
    assert_ne!(port, 0);
    assert_eq!(health(port), "ok\n");
    send(&child, "-TERM");
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "stdout holds only the listening line");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("GET /healthz 200"), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}

#[test]
fn stops_on_sigint() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut child, _stdout, _port) = start(tmp.path());
    send(&child, "-INT");
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status}");
}

#[test]
fn a_stalled_download_does_not_block_shutdown() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("media/big.mp4");
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    std::fs::write(&big, vec![7u8; 64 * 1024 * 1024]).unwrap();
    let (mut child, _stdout, port) = start(tmp.path());
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stalled, "GET /media/big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    stalled.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    send(&child, "-TERM");
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("connections still open"), "{stderr}");
}

#[test]
fn missing_ffmpeg_is_one_clear_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    // Work folders of a generation killed midway (no such pid) and of a live one (pid 1).
    let abandoned = tmp.path().join("media/.vod.tmp-999999999");
    let live = tmp.path().join("media/.vod.tmp-1");
    std::fs::create_dir_all(abandoned.join("720p")).unwrap();
    std::fs::create_dir_all(&live).unwrap();
    let output = Command::new(BIN)
        .args(["prepare-media", "--data-dir"])
        .arg(tmp.path())
        .env("PATH", tmp.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: ffmpeg not found: install it with `apt-get install ffmpeg`\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("media"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        left,
        [".vod.tmp-1"],
        "only the live generation's folder stays"
    );
}

#[test]
fn bad_mount_is_a_usage_error() {
    let output = Command::new(BIN)
        .args(["--mount", "pages", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expected PREFIX=DIR"), "{stderr}");
}
