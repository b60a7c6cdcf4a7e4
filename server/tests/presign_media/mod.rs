//! A small synthetic title for the signed-URL tests: a multivariant playlist, two media
//! playlists with an init segment, an AES key and segments of known bytes, plus a file
//! outside the media root that must never be served.

#![allow(dead_code)]

use std::path::Path;

use player_core::hls::{MediaPlaylist, MultivariantPlaylist, Playlist, parse_playlist};

use flodrama_server::config::Config;

/// Master playlist of the title `vod`.
pub const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:7\n\
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n360p/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n720p/index.m3u8\n";

/// Media playlist of each rendition: map, key, two segments, 8 s.
pub const MEDIA: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n\
#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n\
#EXT-X-KEY:METHOD=AES-128,URI=\"../key.bin\",IV=0x00000000000000000000000000000001\n\
#EXTINF:4.000,\nseg_000.m4s\n#EXTINF:4.000,\nseg_001.m4s\n#EXT-X-ENDLIST\n";

/// The bytes of `vod/<rendition>/<name>`.
pub fn object_bytes(rendition: &str, name: &str) -> Vec<u8> {
    format!("{rendition}/{name} bytes ").repeat(50).into_bytes()
}

/// Writes the title under `<data>/media/vod` (and `secret.txt` beside `media`).
pub fn write_title(data: &Path) {
    let vod = data.join("media/vod");
    std::fs::create_dir_all(&vod).unwrap();
    std::fs::write(vod.join("master.m3u8"), MASTER).unwrap();
    std::fs::write(vod.join("key.bin"), [7u8; 16]).unwrap();
    for rendition in ["360p", "720p"] {
        let dir = vod.join(rendition);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.m3u8"), MEDIA).unwrap();
        for name in ["init.mp4", "seg_000.m4s", "seg_001.m4s", "seg 001+a=b.m4s"] {
            std::fs::write(dir.join(name), object_bytes(rendition, name)).unwrap();
        }
    }
    std::fs::write(data.join("secret.txt"), "must not be served").unwrap();
}

/// A test configuration over `data` (dev keys, SigV4, 3600 s).
pub fn config(data: &Path) -> Config {
    Config::for_mounts(data, Vec::new())
}

/// The media playlist in `body`, fetched from `url`, parsed with player-core.
pub fn media_playlist(body: Vec<u8>, url: &str) -> MediaPlaylist {
    let text = String::from_utf8(body).unwrap();
    let Playlist::Media(media) = parse_playlist(&text, url).unwrap() else {
        panic!("not a media playlist: {text}");
    };
    media
}

/// The multivariant playlist in `body`, fetched from `url`, parsed with player-core.
pub fn multivariant_playlist(body: Vec<u8>, url: &str) -> MultivariantPlaylist {
    let text = String::from_utf8(body).unwrap();
    let Playlist::Multivariant(master) = parse_playlist(&text, url).unwrap() else {
        panic!("not a multivariant playlist: {text}");
    };
    master
}
