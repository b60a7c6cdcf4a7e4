//! The WebVTT subtitle rendition of a test title, written directly (it is text): one `.vtt`
//! segment per media segment holding the cues that start in it, and their media playlist.

use std::fmt::Write as _;
use std::path::Path;

use super::MediaError;
use super::recipe::{Recipe, TestCue};

/// Writes `dir/index.m3u8` and `dir/seg_NNN.vtt` for `cues`, segments as long as the
/// recipe's. Each file maps its cue times to the media clock with
/// `X-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:10.000` (media time 10 s is cue time 10 s).
pub fn write(recipe: &Recipe, cues: &[TestCue], dir: &Path) -> Result<(), MediaError> {
    std::fs::create_dir_all(dir).map_err(|e| MediaError::io(dir, e))?;
    let segment_ms = recipe.segment_duration_s * 1000;
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-PLAYLIST-TYPE:VOD\n",
        recipe.segment_duration_s
    );
    for i in 0..recipe.segment_count() {
        let window = i * segment_ms..(i + 1) * segment_ms;
        let mut vtt = String::from("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:10.000\n");
        for cue in cues.iter().filter(|c| window.contains(&c.start_ms)) {
            let _ = write!(
                vtt,
                "\n{} --> {}\n{}\n",
                timestamp(cue.start_ms),
                timestamp(cue.end_ms),
                cue.text
            );
        }
        let name = format!("seg_{i:03}.vtt");
        let path = dir.join(&name);
        std::fs::write(&path, vtt).map_err(|e| MediaError::io(&path, e))?;
        let _ = write!(
            playlist,
            "#EXTINF:{}.000,\n{name}\n",
            recipe.segment_duration_s
        );
    }
    playlist.push_str("#EXT-X-ENDLIST\n");
    let path = dir.join("index.m3u8");
    std::fs::write(&path, playlist).map_err(|e| MediaError::io(&path, e))
}

/// `hh:mm:ss.ttt`.
fn timestamp(ms: u32) -> String {
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    format!("{h:02}:{m:02}:{s:02}.{:03}", ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::recipe::{VOD_ALT, VOD_ALT_CUES};

    #[test]
    fn one_vtt_per_segment_with_the_cues_starting_in_it() {
        let dir = std::env::temp_dir().join(format!("flodrama-subs-{}", std::process::id()));
        write(&VOD_ALT, VOD_ALT_CUES, &dir).expect("written");
        let playlist = std::fs::read_to_string(dir.join("index.m3u8")).expect("playlist");
        assert_eq!(playlist.matches("#EXTINF:4.000,").count(), 15);
        assert!(playlist.ends_with("seg_014.vtt\n#EXT-X-ENDLIST\n"));
        let second = std::fs::read_to_string(dir.join("seg_001.vtt")).expect("vtt");
        assert_eq!(
            second,
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:10.000\n\n\
             00:00:05.000 --> 00:00:07.000\nLine 2\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(timestamp(3_723_045), "01:02:03.045");
    }
}
