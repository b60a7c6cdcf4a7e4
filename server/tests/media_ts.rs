//! The MPEG-TS titles remuxed from the fMP4 title: `vod-ts` in the clear and `vod-aes` under
//! AES-128, served over HTTP and checked with player-core's parser, sniffer and decryption,
//! and ffprobe. The media is prepared as in `media.rs` (`$FLODRAMA_TEST_DATA_DIR/media` or
//! `target/tmp/flodrama-test-media`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::TestServer;
use flodrama_server::config::{Config, Mount};
use flodrama_server::media::{self, Outcome, TEST_IV, TEST_KEY, VOD_AES, VOD_TS};
use player_core::hls::{KeyMethod, MediaPlaylist, MultivariantPlaylist, Playlist, parse_playlist};
use player_core::mux::{Container, decrypt, sniff};

fn media_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let data = std::env::var_os("FLODRAMA_TEST_DATA_DIR").map_or_else(
            || Path::new(env!("CARGO_TARGET_TMPDIR")).join("flodrama-test-media"),
            PathBuf::from,
        );
        let dir = data.join("media");
        media::prepare(&dir, &VOD_TS).expect("vod-ts generation");
        media::prepare(&dir, &VOD_AES).expect("vod-aes generation");
        dir
    })
}

async fn server() -> TestServer {
    let media = media_dir();
    let mounts = vec![Mount {
        prefix: "/media".into(),
        dir: media.to_owned(),
    }];
    TestServer::start(Config::for_mounts(media.parent().unwrap(), mounts)).await
}

async fn get(url: &str) -> Vec<u8> {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

async fn playlist(url: &str) -> Playlist {
    let text = String::from_utf8(get(url).await).unwrap();
    parse_playlist(&text, url).unwrap_or_else(|e| panic!("{url}: {e}\n{text}"))
}

async fn master(server: &TestServer, title: &str) -> MultivariantPlaylist {
    match playlist(&server.url(&format!("/media/{title}/master.m3u8"))).await {
        Playlist::Multivariant(master) => master,
        Playlist::Media(_) => panic!("{title}/master.m3u8 is a media playlist"),
    }
}

async fn media_playlist(url: &str) -> MediaPlaylist {
    match playlist(url).await {
        Playlist::Media(media) => media,
        Playlist::Multivariant(_) => panic!("{url} is a multivariant playlist"),
    }
}

/// Runs ffprobe on `bytes` written to a temporary `.ts` file.
fn ffprobe(bytes: &[u8], args: &[&str]) -> String {
    let file = tempfile::Builder::new().suffix(".ts").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let output = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(file.path())
        .output()
        .expect("ffprobe runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The CODECS value built from what ffprobe reports of a TS segment: H.264 profile name and
/// level, AAC profile.
fn codecs_from_ffprobe(segment: &[u8]) -> String {
    let text = ffprobe(
        segment,
        &[
            "-show_entries",
            "stream=codec_name,profile,level",
            "-of",
            "csv=p=0",
        ],
    );
    let mut video = None;
    let mut audio = None;
    for line in text.lines().filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        match fields.as_slice() {
            ["h264", profile, level] => {
                let (idc, compat) = match *profile {
                    "Main" => (0x4d, 0x40),
                    "High" => (0x64, 0x00),
                    other => panic!("unexpected H.264 profile {other}"),
                };
                let level: u8 = level.parse().unwrap();
                video = Some(format!("avc1.{idc:02x}{compat:02x}{level:02x}"));
            }
            ["aac", "LC", ..] => audio = Some("mp4a.40.2".to_owned()),
            other => panic!("unexpected stream {other:?}"),
        }
    }
    format!("{},{}", video.expect("video"), audio.expect("audio"))
}

#[tokio::test]
async fn ts_master_codecs_match_ffprobe_and_the_fmp4_title() {
    let server = server().await;
    let ts = master(&server, "vod-ts").await;
    let fmp4 = master(&server, "vod").await;
    assert!(ts.independent_segments);
    assert_eq!(ts.variants.len(), 4);
    for (variant, source) in ts.variants.iter().zip(&fmp4.variants) {
        assert_eq!(variant.codecs, source.codecs);
        assert_eq!(variant.resolution, source.resolution);
        assert_eq!(variant.frame_rate, Some(30.0));
        let playlist = media_playlist(&variant.url).await;
        let first = get(&playlist.segments[0].url).await;
        assert_eq!(
            variant.codecs.as_deref(),
            Some(codecs_from_ffprobe(&first).as_str()),
            "{}",
            variant.url
        );
        let size = ffprobe(
            &first,
            &[
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height",
                "-of",
                "csv=p=0:s=x",
            ],
        );
        let resolution = variant.resolution.unwrap();
        // The stream is listed under its program and on its own.
        assert_eq!(
            size.lines().find(|l| !l.is_empty()).unwrap_or_default(),
            format!("{}x{}", resolution.width, resolution.height)
        );
    }
}

#[tokio::test]
async fn ts_rungs_have_fifteen_four_second_ts_segments() {
    let server = server().await;
    for variant in master(&server, "vod-ts").await.variants {
        let playlist = media_playlist(&variant.url).await;
        assert!(playlist.end_list, "{}", variant.url);
        assert_eq!(playlist.segments.len(), 15, "{}", variant.url);
        assert!((playlist.total_duration() - 60.0).abs() < 0.05);
        let mut whole = Vec::new();
        for segment in &playlist.segments {
            assert!((segment.duration - 4.0).abs() < 0.05, "{}", segment.url);
            assert!(segment.key.is_none());
            assert!(segment.uri.ends_with(".ts"), "{}", segment.uri);
            let bytes = get(&segment.url).await;
            assert_eq!(sniff(&bytes), Ok(Container::MpegTs { offset: 0 }));
            whole.extend(bytes);
        }
        // Every frame of the source, a keyframe every 60: 30 fps, 2 s GOPs.
        let flags = ffprobe(
            &whole,
            &[
                "-select_streams",
                "v:0",
                "-show_entries",
                "packet=flags",
                "-of",
                "csv=p=0",
            ],
        );
        // One line per packet; ffprobe adds an empty line after packets with side data.
        let packets: Vec<&str> = flags.lines().filter(|l| !l.is_empty()).collect();
        let keyframes: Vec<usize> = packets
            .iter()
            .enumerate()
            .filter(|(_, f)| f.starts_with('K'))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(packets.len(), 1800, "{}", variant.url);
        assert_eq!(
            keyframes,
            (0..30).map(|i| i * 60).collect::<Vec<_>>(),
            "{}",
            variant.url
        );
    }
}

#[tokio::test]
async fn aes_segments_decrypt_with_the_served_key_to_the_clear_ts() {
    let server = server().await;
    let key_url = server.url("/media/vod-aes/key.bin");
    let key: [u8; 16] = get(&key_url).await.try_into().expect("16-byte key");
    assert_eq!(key, TEST_KEY);
    let clear = master(&server, "vod-ts").await;
    let encrypted = master(&server, "vod-aes").await;
    assert_eq!(encrypted.variants.len(), 4);
    for (variant, clear_variant) in encrypted.variants.iter().zip(&clear.variants) {
        assert_eq!(variant.codecs, clear_variant.codecs);
        let playlist = media_playlist(&variant.url).await;
        let clear_playlist = media_playlist(&clear_variant.url).await;
        assert_eq!(playlist.segments.len(), 15);
        for (segment, clear_segment) in playlist.segments.iter().zip(&clear_playlist.segments) {
            let segment_key = segment.key.as_ref().expect("EXT-X-KEY");
            assert_eq!(segment_key.method, KeyMethod::Aes128);
            assert_eq!(segment_key.url.as_deref(), Some(key_url.as_str()));
            assert_eq!(segment_key.iv, Some(TEST_IV));
            let ciphertext = get(&segment.url).await;
            assert!(
                !matches!(sniff(&ciphertext), Ok(Container::MpegTs { .. })),
                "{} is not in the clear",
                segment.url
            );
            let plain = decrypt::aes128_cbc(&ciphertext, &key, TEST_IV).unwrap();
            assert_eq!(sniff(&plain), Ok(Container::MpegTs { offset: 0 }));
            assert!(
                plain == get(&clear_segment.url).await,
                "{} decrypts to {}",
                segment.url,
                clear_segment.url
            );
        }
    }
}

#[test]
fn remux_recipes_are_up_to_date_after_preparing() {
    let dir = media_dir();
    for recipe in [VOD_TS, VOD_AES] {
        assert!(media::is_prepared(dir, &recipe), "{}", recipe.name);
        assert_eq!(media::prepare(dir, &recipe).unwrap(), Outcome::UpToDate);
    }
    assert!(
        !dir.join("vod-aes").join(".keyinfo").exists(),
        "the key info file is removed"
    );
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn remuxing_again_gives_the_same_bytes() {
    let shared = media_dir();
    let tmp = tempfile::tempdir().unwrap();
    // The fMP4 source is shared (its stamp makes it count as prepared); the remuxes are new.
    std::os::unix::fs::symlink(shared.join("vod"), tmp.path().join("vod")).unwrap();
    for recipe in [VOD_TS, VOD_AES] {
        assert!(matches!(
            media::prepare(tmp.path(), &recipe).unwrap(),
            Outcome::Generated { .. }
        ));
        let (a, b) = (shared.join(recipe.name), tmp.path().join(recipe.name));
        let names = files(&a);
        assert_eq!(names, files(&b), "{}", recipe.name);
        assert!(names.len() > 60, "{names:?}");
        for name in names {
            assert!(
                std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap(),
                "{}/{} differs between two runs",
                recipe.name,
                name.display()
            );
        }
    }
}
