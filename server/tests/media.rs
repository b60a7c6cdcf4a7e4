//! The generated fMP4 VOD title, served over HTTP and checked with player-core's parser,
//! the init segments' own bytes, and ffprobe. The media is generated once into
//! `$FLODRAMA_TEST_DATA_DIR/media` (the test command points it at the data folder it already
//! prepared) or else `target/tmp/flodrama-test-media`, and reused while its stamp matches.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::TestServer;
use flodrama_server::config::{Config, Mount};
use flodrama_server::media::{self, Outcome, STAMP_FILE, VOD_FMP4};
use player_core::hls::{MediaPlaylist, MultivariantPlaylist, Playlist, Resolution, parse_playlist};

/// `<data-dir>/media` holding the prepared title.
fn media_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let data = std::env::var_os("FLODRAMA_TEST_DATA_DIR").map_or_else(
            || Path::new(env!("CARGO_TARGET_TMPDIR")).join("flodrama-test-media"),
            PathBuf::from,
        );
        let dir = data.join("media");
        media::prepare(&dir, &VOD_FMP4).expect("test media generation");
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

async fn master(server: &TestServer) -> MultivariantPlaylist {
    match playlist(&server.url("/media/vod/master.m3u8")).await {
        Playlist::Multivariant(master) => master,
        Playlist::Media(_) => panic!("master.m3u8 is a media playlist"),
    }
}

async fn media_playlist(url: &str) -> MediaPlaylist {
    match playlist(url).await {
        Playlist::Media(media) => media,
        Playlist::Multivariant(_) => panic!("{url} is a multivariant playlist"),
    }
}

/// The RFC 6381 string built directly from the bytes after the `avcC` fourcc.
fn avcc_codec(init: &[u8]) -> String {
    let at = find(init, b"avcC") + 4;
    assert_eq!(init[at], 1, "configurationVersion");
    format!(
        "avc1.{:02x}{:02x}{:02x}",
        init[at + 1],
        init[at + 2],
        init[at + 3]
    )
}

/// The RFC 6381 string built from the `esds` box: object type indication and the
/// AudioSpecificConfig's audio object type.
fn esds_codec(init: &[u8]) -> String {
    fn skip_size(bytes: &[u8], mut at: usize) -> usize {
        while bytes[at] & 0x80 != 0 {
            at += 1;
        }
        at + 1
    }
    let mut at = find(init, b"esds") + 4 + 4;
    assert_eq!(init[at], 0x03, "ES_Descriptor");
    at = skip_size(init, at + 1);
    assert_eq!(init[at + 2], 0, "no optional ES fields");
    at += 3;
    assert_eq!(init[at], 0x04, "DecoderConfigDescriptor");
    at = skip_size(init, at + 1);
    let object_type_indication = init[at];
    at += 13;
    assert_eq!(init[at], 0x05, "DecoderSpecificInfo");
    at = skip_size(init, at + 1);
    let audio_object_type = init[at] >> 3;
    format!("mp4a.{object_type_indication:x}.{audio_object_type}")
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("no {:?} box", String::from_utf8_lossy(needle)))
}

/// Runs ffprobe on `bytes` written to a temporary file.
fn ffprobe(bytes: &[u8], args: &[&str]) -> String {
    let file = tempfile::Builder::new().suffix(".mp4").tempfile().unwrap();
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

const EXPECTED: [(u32, u32, &str); 4] = [
    (416, 234, "avc1.4d4015,mp4a.40.2"),
    (640, 360, "avc1.4d401e,mp4a.40.2"),
    (960, 540, "avc1.64001f,mp4a.40.2"),
    (1280, 720, "avc1.64001f,mp4a.40.2"),
];

#[tokio::test]
async fn master_lists_four_rungs_with_resolutions_and_codecs() {
    let server = server().await;
    let master = master(&server).await;
    assert!(master.independent_segments);
    assert_eq!(master.variants.len(), 4);
    for (variant, (width, height, codecs)) in master.variants.iter().zip(EXPECTED) {
        assert_eq!(variant.resolution, Some(Resolution { width, height }));
        assert_eq!(variant.codecs.as_deref(), Some(codecs));
        assert_eq!(variant.frame_rate, Some(30.0));
        let average = variant.average_bandwidth.expect("AVERAGE-BANDWIDTH");
        assert!(0 < average && average <= variant.bandwidth, "{variant:?}");
        assert_eq!(
            variant.url,
            server.url(&format!("/media/vod/{height}p/index.m3u8"))
        );
    }
    let bandwidths: Vec<u64> = master.variants.iter().map(|v| v.bandwidth).collect();
    assert!(bandwidths.is_sorted(), "{bandwidths:?}");
}

#[tokio::test]
async fn codecs_match_the_init_segments() {
    let server = server().await;
    for variant in master(&server).await.variants {
        let playlist = media_playlist(&variant.url).await;
        let map = playlist.segments[0].map.as_ref().expect("EXT-X-MAP");
        assert_eq!(map.uri, "init.mp4");
        let init = get(&map.url).await;
        let from_bytes = format!("{},{}", avcc_codec(&init), esds_codec(&init));
        assert_eq!(variant.codecs.as_deref(), Some(from_bytes.as_str()));

        let first = get(&playlist.segments[0].url).await;
        let probed = ffprobe(
            &[init, first].concat(),
            &[
                "-show_entries",
                "stream=codec_name,profile,level,width,height,sample_rate,channels",
                "-of",
                "default=nw=1",
            ],
        );
        let resolution = variant.resolution.unwrap();
        let (profile, level) = match resolution.height {
            234 => ("Main", 21),
            360 => ("Main", 30),
            _ => ("High", 31),
        };
        for expected in [
            "codec_name=h264".to_owned(),
            format!("profile={profile}"),
            format!("level={level}"),
            format!("width={}", resolution.width),
            format!("height={}", resolution.height),
            "codec_name=aac".to_owned(),
            "profile=LC".to_owned(),
            "sample_rate=48000".to_owned(),
            "channels=2".to_owned(),
        ] {
            assert!(
                probed.lines().any(|l| l == expected),
                "{expected} missing from\n{probed}"
            );
        }
    }
}

#[tokio::test]
async fn every_rung_has_fifteen_four_second_segments() {
    let server = server().await;
    for variant in master(&server).await.variants {
        let playlist = media_playlist(&variant.url).await;
        assert!(playlist.end_list);
        assert_eq!(playlist.segments.len(), 15, "{}", variant.uri);
        for (i, segment) in playlist.segments.iter().enumerate() {
            assert!(
                (segment.duration - 4.0).abs() <= 0.05,
                "{} segment {i}: {}",
                variant.uri,
                segment.duration
            );
            assert_eq!(segment.uri, format!("seg_{i:03}.m4s"));
        }
        assert!((playlist.total_duration() - 60.0).abs() <= 0.05);
    }
}

#[tokio::test]
async fn bandwidths_are_measured_from_the_served_segments() {
    let server = server().await;
    let client = reqwest::Client::new();
    for variant in master(&server).await.variants {
        let playlist = media_playlist(&variant.url).await;
        let mut peak = 0u64;
        let mut total_bits = 0u64;
        for segment in &playlist.segments {
            let response = client.head(&segment.url).send().await.unwrap();
            let bytes: u64 = response.headers()["content-length"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            peak = peak.max((bytes as f64 * 8.0 / segment.duration).ceil() as u64);
            total_bits += bytes * 8;
        }
        let average = (total_bits as f64 / playlist.total_duration()).ceil() as u64;
        assert_eq!(variant.bandwidth, peak, "{}", variant.uri);
        assert_eq!(variant.average_bandwidth, Some(average), "{}", variant.uri);
    }
}

#[tokio::test]
async fn every_segment_starts_with_a_keyframe_every_two_seconds() {
    let server = server().await;
    for variant in master(&server).await.variants {
        let playlist = media_playlist(&variant.url).await;
        let init = get(&playlist.segments[0].map.as_ref().unwrap().url).await;
        for segment in &playlist.segments {
            let bytes = [init.clone(), get(&segment.url).await].concat();
            let flags = ffprobe(
                &bytes,
                &[
                    "-select_streams",
                    "v:0",
                    "-show_entries",
                    "packet=flags",
                    "-of",
                    "csv=p=0",
                ],
            );
            let keyframes: Vec<usize> = flags
                .lines()
                .enumerate()
                .filter(|(_, f)| f.starts_with('K'))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(flags.lines().count(), 120, "{}", segment.url);
            assert_eq!(keyframes, [0, 60], "{}", segment.url);
        }
    }
}

#[tokio::test]
async fn preparing_again_is_a_no_op() {
    let dir = media_dir();
    let before = std::fs::metadata(dir.join("vod/master.m3u8"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(media::prepare(dir, &VOD_FMP4).unwrap(), Outcome::UpToDate);
    let after = std::fs::metadata(dir.join("vod/master.m3u8"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn stamp_decides_whether_media_is_prepared() {
    let tmp = tempfile::tempdir().unwrap();
    let vod = tmp.path().join("vod");
    std::fs::create_dir(&vod).unwrap();
    std::fs::write(vod.join("master.m3u8"), "#EXTM3U\n").unwrap();
    assert!(!media::is_prepared(tmp.path(), &VOD_FMP4), "no stamp");
    std::fs::write(vod.join(STAMP_FILE), VOD_FMP4.stamp()).unwrap();
    assert!(media::is_prepared(tmp.path(), &VOD_FMP4));
    // Up to date: prepare must not touch ffmpeg or the folder.
    assert_eq!(
        media::prepare(tmp.path(), &VOD_FMP4).unwrap(),
        Outcome::UpToDate
    );
    let mut changed = VOD_FMP4.clone();
    changed.duration_s = 30;
    assert!(
        !media::is_prepared(tmp.path(), &changed),
        "a changed recipe regenerates"
    );
}
