//! Rough native timing of the parser on synthetic playlists shaped like the wasm benchmark's
//! (10,000-segment live playlist with PROGRAM-DATE-TIME and byte ranges; 40 variants and
//! 20 renditions). Run with `cargo run --release -p flodrama-player-core --example hls-timing`.

use std::fmt::Write as _;
use std::time::Instant;

use player_core::hls::{parse_playlist, write_playlist};

fn media(segments: usize) -> String {
    let mut s = String::from(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:1000\n\
         #EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"800@0\"\n",
    );
    for i in 0..segments {
        let secs = i * 4;
        let _ = write!(
            s,
            "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T{:02}:{:02}:{:02}.000Z\n#EXTINF:4.000,\n\
             #EXT-X-BYTERANGE:{}@{}\nmedia_{}.mp4\n",
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60,
            100_000 + i,
            800 + i * 200_000,
            i / 100
        );
    }
    s
}

fn multivariant(variants: usize, renditions: usize) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for i in 0..renditions {
        let _ = writeln!(
            s,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud{}\",NAME=\"Track {i}\",LANGUAGE=\"en\",\
             DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/{i}/index.m3u8\"",
            i % 4
        );
    }
    for i in 0..variants {
        let _ = writeln!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"avc1.640028,mp4a.40.2\",\
             RESOLUTION=1920x1080,FRAME-RATE=29.970,AUDIO=\"aud{}\"\nvideo/{i}/index.m3u8",
            1_000_000 + i * 100_000,
            900_000 + i * 100_000,
            i % 4
        );
    }
    s
}

fn time(name: &str, text: &str, rounds: u32) {
    let base = "https://cdn.example/live/stream/index.m3u8?token=abc";
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(parse_playlist(std::hint::black_box(text), base).ok());
    }
    let per = start.elapsed() / rounds;
    let parsed = parse_playlist(text, base).ok();
    let start = Instant::now();
    if let Some(p) = &parsed {
        for _ in 0..rounds {
            std::hint::black_box(write_playlist(p));
        }
    }
    let write_per = start.elapsed() / rounds;
    println!(
        "{name}: {} bytes, parse {per:?}, write {write_per:?}",
        text.len()
    );
}

fn main() {
    time("media 10000 segments", &media(10_000), 20);
    time("multivariant 40/20", &multivariant(40, 20), 2000);
}
