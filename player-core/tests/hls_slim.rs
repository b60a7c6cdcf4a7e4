//! The parser without the `playlist-metadata` feature (as in the wasm): the tags it gates are
//! kept as unknown lines, and playback's view of the playlist is the same as with it.
//! Run with `cargo test -p flodrama-player-core --no-default-features --test hls_slim`.
#![cfg(not(feature = "playlist-metadata"))]

use player_core::hls::{Playlist, parse_playlist};

const MEDIA: &str = "#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:4
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
#EXT-X-PART-INF:PART-TARGET=0.5
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-DATERANGE:ID=\"ad\",START-DATE=\"2026-01-01T00:00:00Z\",DURATION=30
#EXTINF:4.0,
seg10.m4s
#EXT-X-PART:DURATION=0.5,URI=\"part11.0.m4s\",INDEPENDENT=YES
#EXTINF:4.0,
seg11.m4s
#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part12.0.m4s\"
#EXT-X-RENDITION-REPORT:URI=\"../low/index.m3u8\",LAST-MSN=11
";

#[test]
fn metadata_tags_are_kept_as_unknown_lines() {
    let Ok(Playlist::Media(m)) = parse_playlist(MEDIA, "https://cdn.example/hi/index.m3u8") else {
        panic!("a media playlist");
    };
    let urls: Vec<&str> = m.segments.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://cdn.example/hi/seg10.m4s",
            "https://cdn.example/hi/seg11.m4s"
        ]
    );
    assert_eq!((m.media_sequence, m.target_duration), (10, 4.0));
    assert!(m.date_ranges.is_empty() && m.preload_hints.is_empty());
    assert!(m.server_control.is_none() && m.segments.iter().all(|s| s.parts.is_empty()));
    let unknown: Vec<&str> = m
        .segments
        .iter()
        .flat_map(|s| &s.unknown_tags)
        .chain(&m.trailing_unknown_tags)
        .map(|t| t.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        unknown,
        [
            "#EXT-X-SERVER-CONTROL",
            "#EXT-X-PART-INF",
            "#EXT-X-DATERANGE",
            "#EXT-X-PART",
            "#EXT-X-PRELOAD-HINT",
            "#EXT-X-RENDITION-REPORT"
        ]
    );
}

#[test]
fn a_malformed_metadata_tag_does_not_fail_playback() {
    let text = MEDIA.replace("ID=\"ad\",", "");
    assert!(matches!(
        parse_playlist(&text, "https://cdn.example/hi/index.m3u8"),
        Ok(Playlist::Media(_))
    ));
}
