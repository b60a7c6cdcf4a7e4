//! Live streams: ffmpeg publishes a sliding-window playlist whose media sequence advances,
//! and no ffmpeg outlives its stream or the server. Uses the test media folder of `media.rs`
//! (`$FLODRAMA_TEST_DATA_DIR` or `target/tmp/flodrama-test-media`).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::TestServer;
use flodrama_server::config::{Config, Mount};
use flodrama_server::live::{self, LiveStream};
use flodrama_server::media::{self, VOD_TS};
use player_core::hls::{MediaPlaylist, Playlist, parse_playlist};
use player_core::mux::{Container, sniff};

const BIN: &str = env!("CARGO_BIN_EXE_flodrama-server");
/// Bound on waits for ffmpeg; generous, the machine is shared.
const PATIENCE: Duration = Duration::from_secs(60);

fn data_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let data = std::env::var_os("FLODRAMA_TEST_DATA_DIR").map_or_else(
            || Path::new(env!("CARGO_TARGET_TMPDIR")).join("flodrama-test-media"),
            PathBuf::from,
        );
        media::prepare(&data.join("media"), &VOD_TS).expect("vod-ts generation");
        data
    })
}

/// A stream key no other test run uses at the same time.
fn key(name: &str) -> String {
    format!("test-{name}-{}", std::process::id())
}

/// The playlist at `url` once it exists and parses.
async fn live_playlist(url: &str) -> MediaPlaylist {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let response = reqwest::get(url).await.unwrap();
        if response.status() == 200 {
            let text = response.text().await.unwrap();
            match parse_playlist(&text, url) {
                Ok(Playlist::Media(media)) => return media,
                other => panic!("{url}: {other:?}\n{text}"),
            }
        }
        assert!(Instant::now() < deadline, "{url} never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would still be listed.
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn live_playlist_slides_and_stop_reaps_ffmpeg() {
    let data = data_dir();
    let key = key("slide");
    let stream = LiveStream::start(data, &key).unwrap();
    let pid = stream.pid().expect("ffmpeg runs");
    let server = TestServer::start(Config::for_mounts(
        data,
        vec![Mount {
            prefix: "/live".into(),
            dir: live::live_dir(data),
        }],
    ))
    .await;
    let url = server.url(&format!("/live/{key}/index.m3u8"));

    let first = live_playlist(&url).await;
    assert!(!first.end_list, "a live playlist has no ENDLIST");
    assert_eq!(first.target_duration, 2.0);
    assert!(first.segments.len() <= 6);
    assert!(
        first.segments[0].program_date_time.is_some(),
        "segments carry EXT-X-PROGRAM-DATE-TIME"
    );
    let segment = reqwest::get(&first.segments[0].url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sniff(&segment), Ok(Container::MpegTs { offset: 0 }));

    // Once the window is full, every new 2 s segment moves the media sequence on.
    let deadline = Instant::now() + PATIENCE;
    let mut latest = first.clone();
    while latest.media_sequence < first.media_sequence + 2 || latest.segments.len() < 6 {
        assert!(
            Instant::now() < deadline,
            "media sequence stuck at {}",
            latest.media_sequence
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        latest = live_playlist(&url).await;
        assert!(!latest.end_list);
    }
    assert_eq!(latest.segments.len(), 6, "the window holds 6 segments");
    let uris: Vec<&str> = latest.segments.iter().map(|s| s.uri.as_str()).collect();
    let expected: Vec<String> = (0..6)
        .map(|i| format!("seg_{:06}.ts", latest.media_sequence + i))
        .collect();
    assert_eq!(uris, expected);
    // ffmpeg keeps one segment past the window for players still fetching it.
    let gone = format!("seg_{:06}.ts", latest.media_sequence - 2);
    assert!(
        !live::live_dir(data).join(&key).join(&gone).exists(),
        "{gone} left the window and is deleted"
    );

    assert!(alive(pid));
    stream.stop().await;
    assert!(!alive(pid), "ffmpeg {pid} is gone after stop");
    std::fs::remove_dir_all(live::live_dir(data).join(&key)).unwrap();
}

#[test]
fn bad_keys_are_refused_before_ffmpeg_starts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let error = LiveStream::start(data_dir(), "../escape").unwrap_err();
    assert!(matches!(error, live::LiveError::BadKey(_)), "{error}");
}

/// Children of `pid` whose command is ffmpeg, from `/proc/*/stat`.
fn ffmpeg_children(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let ppid = rest.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) && head.ends_with("(ffmpeg") {
            children.extend(head.split(' ').next().and_then(|p| p.parse::<u32>().ok()));
        }
    }
    children
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `--live` starts one ffmpeg per key; SIGTERM stops them with the server, and SIGKILL of
/// the server takes them down too (no orphans either way).
#[test]
fn cli_live_streams_die_with_the_server() {
    let data = data_dir();
    for signal in ["-TERM", "-KILL"] {
        let (a, b) = (key("cli-a"), key("cli-b"));
        let mut server = Command::new(BIN)
            .args([
                "serve",
                "--port",
                "0",
                "--no-prepare",
                "--live",
                &a,
                "--live",
                &b,
            ])
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on http://"), "{line:?}");
        let children = ffmpeg_children(server.id());
        assert_eq!(children.len(), 2, "one ffmpeg per --live key");
        wait_until("both playlists", || {
            [&a, &b]
                .iter()
                .all(|k| live::live_dir(data).join(k).join("index.m3u8").is_file())
        });
        let status = Command::new("kill")
            .args([signal, &server.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        server.wait().unwrap();
        // The server reaps them on SIGTERM; after SIGKILL the kernel kills them
        // (PR_SET_PDEATHSIG) and whoever adopts them reaps them.
        wait_until("ffmpeg gone", || {
            children.iter().all(|&pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map_or(true, |stat| stat.contains(") Z "))
            })
        });
        for k in [&a, &b] {
            std::fs::remove_dir_all(live::live_dir(data).join(k)).unwrap();
        }
    }
}
