//! Measuring the encoded rungs and writing the master playlist from the measurements.

use std::fmt::Write as _;
use std::path::Path;

use player_core::hls::{Playlist, parse_playlist};

use super::MediaError;
use super::codecs::probe_init;
use super::recipe::{Packaging, Recipe, Rung, SUBTITLES_FOLDER};

/// How far a segment's duration may be from the recipe's, in seconds.
pub const SEGMENT_DURATION_TOLERANCE_S: f64 = 0.05;

/// A rung as encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct RungReport {
    /// The rung of the recipe.
    pub rung: Rung,
    /// CODECS attribute read from the init segment.
    pub codecs: String,
    /// Highest bitrate of any segment (bits over EXTINF duration), rounded up.
    pub peak_bps: u64,
    /// All segment bits over the total duration, rounded up.
    pub average_bps: u64,
    /// Number of segments.
    pub segments: usize,
    /// Sum of EXTINF durations in seconds.
    pub duration_s: f64,
}

/// Measures the rung encoded in `dir` (holding `index.m3u8`, `init.mp4` and the segments) and
/// checks it against the recipe: segment count and durations, profile, level and size. The
/// codecs of a remuxed rung are read from its source's `init.mp4` in `media_dir`.
pub fn measure(
    recipe: &Recipe,
    rung: &Rung,
    dir: &Path,
    media_dir: &Path,
) -> Result<RungReport, MediaError> {
    let playlist_path = dir.join("index.m3u8");
    let text = read_text(&playlist_path)?;
    let playlist = match parse_playlist(&text, "http://localhost/index.m3u8") {
        Ok(Playlist::Media(media)) => media,
        Ok(Playlist::Multivariant(_)) => {
            return Err(MediaError::output(
                &playlist_path,
                "expected a media playlist",
            ));
        }
        Err(source) => {
            return Err(MediaError::Playlist {
                path: playlist_path,
                source,
            });
        }
    };

    let expected = f64::from(recipe.segment_duration_s);
    let segment_count = usize::try_from(recipe.segment_count()).unwrap_or(usize::MAX);
    if playlist.segments.len() != segment_count {
        return Err(MediaError::output(
            &playlist_path,
            format!(
                "{} segments where the recipe makes {segment_count}",
                playlist.segments.len()
            ),
        ));
    }
    let mut peak_bps = 0;
    let mut total_bits = 0;
    for segment in &playlist.segments {
        if (segment.duration - expected).abs() > SEGMENT_DURATION_TOLERANCE_S {
            return Err(MediaError::output(
                &playlist_path,
                format!(
                    "{} lasts {} s, not {expected} s",
                    segment.uri, segment.duration
                ),
            ));
        }
        let bits = file_len(&dir.join(plain_name(&playlist_path, &segment.uri)?))? * 8;
        peak_bps = peak_bps.max(rate(bits, segment.duration));
        total_bits += bits;
    }
    let duration_s = playlist.total_duration();

    let init_path = match recipe.source() {
        Some(source) => media_dir.join(source.name).join(rung.name).join("init.mp4"),
        None => {
            let init_name = playlist
                .segments
                .first()
                .and_then(|s| s.map.as_ref())
                .map_or("init.mp4", |m| m.uri.as_str());
            dir.join(plain_name(&playlist_path, init_name)?)
        }
    };
    let init_bytes = std::fs::read(&init_path).map_err(|e| MediaError::io(&init_path, e))?;
    let info = probe_init(&init_bytes).map_err(|source| MediaError::Init {
        path: init_path.clone(),
        source,
    })?;
    let expected_video = format!("avc1.{:02x}", rung.profile.profile_idc());
    let video_ok = info.codecs.first().is_some_and(|c| {
        c.starts_with(&expected_video) && c.ends_with(&format!("{:02x}", rung.level))
    });
    let size_ok = info.video_size == Some((dim(rung.width), dim(rung.height)));
    if !video_ok || !size_ok {
        return Err(MediaError::output(
            &init_path,
            format!(
                "holds {:?} at {:?}, the recipe asks for {:?} level {} at {}x{}",
                info.codecs, info.video_size, rung.profile, rung.level, rung.width, rung.height
            ),
        ));
    }

    Ok(RungReport {
        rung: *rung,
        codecs: info.codecs_attribute(),
        peak_bps,
        average_bps: rate(total_bits, duration_s),
        segments: playlist.segments.len(),
        duration_s,
    })
}

/// The master playlist for the measured rungs, lowest bandwidth first, each rung's media
/// playlist at `<rung>/index.m3u8`.
pub fn master_playlist(recipe: &Recipe, reports: &[RungReport]) -> String {
    let mut text = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    let mut groups = "";
    if let Packaging::AltTracks { audio, .. } = recipe.packaging {
        for (i, a) in audio.iter().enumerate() {
            let default = if i == 0 { "YES" } else { "NO" };
            let _ = writeln!(
                text,
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"{}\",LANGUAGE=\"{}\",DEFAULT={default},AUTOSELECT=YES,CHANNELS=\"{}\",URI=\"{}/index.m3u8\"",
                a.name, a.language, recipe.audio.channels, a.folder
            );
        }
        let _ = writeln!(
            text,
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=NO,AUTOSELECT=YES,URI=\"{SUBTITLES_FOLDER}/index.m3u8\""
        );
        groups = ",AUDIO=\"aud\",SUBTITLES=\"subs\"";
    }
    let mut sorted: Vec<&RungReport> = reports.iter().collect();
    sorted.sort_by_key(|r| r.peak_bps);
    for report in sorted {
        let rung = &report.rung;
        let _ = write!(
            text,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},RESOLUTION={}x{},FRAME-RATE={:.3},CODECS=\"{}\"{groups}\n{}/index.m3u8\n",
            report.peak_bps,
            report.average_bps,
            rung.width,
            rung.height,
            f64::from(recipe.fps),
            report.codecs,
            rung.name,
        );
    }
    text
}

/// Bits per second, rounded up; 0 for a zero or negative duration.
fn rate(bits: u64, duration_s: f64) -> u64 {
    if duration_s > 0.0 {
        // Segment sizes are far below 2^53 bits, so the conversion is exact.
        (bits as f64 / duration_s).ceil() as u64
    } else {
        0
    }
}

fn dim(pixels: u32) -> u16 {
    u16::try_from(pixels).unwrap_or(u16::MAX)
}

/// `uri` when it names a file in the playlist's own folder.
fn plain_name<'a>(playlist: &Path, uri: &'a str) -> Result<&'a str, MediaError> {
    let plain =
        !uri.is_empty() && !uri.contains(['/', '\\', '?', '#', ':']) && uri != "." && uri != "..";
    if plain {
        Ok(uri)
    } else {
        Err(MediaError::output(
            playlist,
            format!("{uri:?} is not a file name in the playlist's folder"),
        ))
    }
}

fn read_text(path: &Path) -> Result<String, MediaError> {
    std::fs::read_to_string(path).map_err(|e| MediaError::io(path, e))
}

fn file_len(path: &Path) -> Result<u64, MediaError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| MediaError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::recipe::VOD_FMP4;
    use player_core::hls::Resolution;

    fn report(rung: &Rung, peak_bps: u64) -> RungReport {
        RungReport {
            rung: *rung,
            codecs: "avc1.4d401e,mp4a.40.2".into(),
            peak_bps,
            average_bps: peak_bps - 1000,
            segments: 15,
            duration_s: 60.0,
        }
    }

    #[test]
    fn master_lists_rungs_by_bandwidth_and_parses() {
        let reports = [
            report(&VOD_FMP4.rungs[1], 900_000),
            report(&VOD_FMP4.rungs[0], 450_000),
        ];
        let text = master_playlist(&VOD_FMP4, &reports);
        let Ok(Playlist::Multivariant(master)) =
            parse_playlist(&text, "http://h/media/vod/master.m3u8")
        else {
            panic!("not a multivariant playlist:\n{text}");
        };
        assert!(master.independent_segments);
        let v = &master.variants;
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].uri, "234p/index.m3u8");
        assert_eq!(v[0].bandwidth, 450_000);
        assert_eq!(v[0].average_bandwidth, Some(449_000));
        assert_eq!(
            v[0].resolution,
            Some(Resolution {
                width: 416,
                height: 234
            })
        );
        assert_eq!(v[0].frame_rate, Some(30.0));
        assert_eq!(v[0].codecs.as_deref(), Some("avc1.4d401e,mp4a.40.2"));
        assert_eq!(v[1].url, "http://h/media/vod/360p/index.m3u8");
    }

    #[test]
    fn rate_rounds_up() {
        assert_eq!(rate(8_000_001, 4.0), 2_000_001);
        assert_eq!(rate(8, 0.0), 0);
    }

    #[test]
    fn only_plain_file_names_are_followed() {
        let p = Path::new("x/index.m3u8");
        assert!(plain_name(p, "seg_000.m4s").is_ok());
        for bad in ["../x", "/etc/passwd", "a/b", "..", "", "http://x/y"] {
            assert!(plain_name(p, bad).is_err(), "{bad}");
        }
    }
}
