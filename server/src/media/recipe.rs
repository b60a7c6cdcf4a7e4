//! What to generate: synthetic titles described as data, so that a changed recipe is noticed
//! (its description is the stamp) and new kinds of title are new values, not new code paths.

/// Bumped when the generator's code changes the output for an unchanged [`Recipe`].
pub const GENERATOR_VERSION: u32 = 2;

/// A synthetic title: test pattern video plus a tone, encoded into a bitrate ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// Folder under `<data-dir>/media/`, also the first URL segment under `/media/`.
    pub name: &'static str,
    /// How the encoded streams are packaged.
    pub packaging: Packaging,
    /// Length in seconds.
    pub duration_s: u32,
    /// Frames per second.
    pub fps: u32,
    /// Seconds between keyframes; segment boundaries fall on them.
    pub keyframe_interval_s: u32,
    /// Target segment duration in seconds, a multiple of `keyframe_interval_s`.
    pub segment_duration_s: u32,
    /// The audio track muxed into every rung.
    pub audio: Audio,
    /// Renditions, lowest bitrate first.
    pub rungs: &'static [Rung],
}

/// Container and delivery format of a recipe's segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// HLS with fragmented MP4 (CMAF) segments and an `init.mp4` per rung.
    Fmp4,
}

/// The synthetic audio: a sine tone with a short beep every second, which makes A/V offsets
/// audible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audio {
    /// Tone frequency in Hz.
    pub tone_hz: u32,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u32,
}

/// One rendition of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// Folder name of the rendition, e.g. `360p`.
    pub name: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Target video bitrate in kbit/s.
    pub video_kbps: u32,
    /// AAC-LC bitrate in kbit/s.
    pub audio_kbps: u32,
    /// H.264 profile.
    pub profile: H264Profile,
    /// H.264 level times ten (`31` is level 3.1).
    pub level: u8,
}

/// The H.264 profiles the recipes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H264Profile {
    /// Main profile (`profile_idc` 77).
    Main,
    /// High profile (`profile_idc` 100).
    High,
}

impl H264Profile {
    /// The name x264 takes in `-profile:v`.
    pub fn ffmpeg_name(self) -> &'static str {
        match self {
            H264Profile::Main => "main",
            H264Profile::High => "high",
        }
    }

    /// `profile_idc`, the first byte of the RFC 6381 `avc1.PPCCLL` triplet.
    pub fn profile_idc(self) -> u8 {
        match self {
            H264Profile::Main => 77,
            H264Profile::High => 100,
        }
    }
}

impl Rung {
    /// The level as ffmpeg takes it, e.g. `3.1`.
    pub fn level_name(&self) -> String {
        format!("{}.{}", self.level / 10, self.level % 10)
    }
}

impl Recipe {
    /// Frames between keyframes.
    pub fn gop_frames(&self) -> u32 {
        self.fps * self.keyframe_interval_s
    }

    /// Number of segments each rung is cut into.
    pub fn segment_count(&self) -> u32 {
        self.duration_s.div_ceil(self.segment_duration_s)
    }

    /// The text kept in the stamp file: any change to the recipe or the generator changes it.
    pub fn stamp(&self) -> String {
        format!("generator {GENERATOR_VERSION}\n{self:#?}\n")
    }
}

/// The 60 s fMP4 VOD title served at `/media/vod/master.m3u8`.
pub const VOD_FMP4: Recipe = Recipe {
    name: "vod",
    packaging: Packaging::Fmp4,
    duration_s: 60,
    fps: 30,
    keyframe_interval_s: 2,
    segment_duration_s: 4,
    audio: Audio {
        tone_hz: 440,
        sample_rate: 48_000,
        channels: 2,
    },
    rungs: &[
        Rung {
            name: "234p",
            width: 416,
            height: 234,
            video_kbps: 400,
            audio_kbps: 64,
            profile: H264Profile::Main,
            level: 21,
        },
        Rung {
            name: "360p",
            width: 640,
            height: 360,
            video_kbps: 900,
            audio_kbps: 96,
            profile: H264Profile::Main,
            level: 30,
        },
        Rung {
            name: "540p",
            width: 960,
            height: 540,
            video_kbps: 1800,
            audio_kbps: 128,
            profile: H264Profile::High,
            level: 31,
        },
        Rung {
            name: "720p",
            width: 1280,
            height: 720,
            video_kbps: 3500,
            audio_kbps: 128,
            profile: H264Profile::High,
            level: 31,
        },
    ],
};

/// Every recipe `prepare-media` generates.
pub const RECIPES: &[Recipe] = &[VOD_FMP4];

#[cfg(test)]
mod tests {
    use super::*;

    /// Macroblocks per frame and per second, and max video bitrate (kbit/s, Main) per level
    /// (H.264 table A-1).
    const LEVEL_LIMITS: &[(u8, u32, u32, u32)] = &[
        (21, 792, 19_800, 4_000),
        (30, 1_620, 40_500, 10_000),
        (31, 3_600, 108_000, 14_000),
    ];

    #[test]
    fn every_rung_fits_its_level() {
        for recipe in RECIPES {
            for rung in recipe.rungs {
                let &(_, max_fs, max_mbps, max_kbps) = LEVEL_LIMITS
                    .iter()
                    .find(|l| l.0 == rung.level)
                    .expect("level in table");
                let mbs = rung.width.div_ceil(16) * rung.height.div_ceil(16);
                assert!(mbs <= max_fs, "{}: {mbs} MBs", rung.name);
                assert!(mbs * recipe.fps <= max_mbps, "{}", rung.name);
                assert!(rung.video_kbps * 11 / 10 <= max_kbps, "{}", rung.name);
            }
        }
    }

    #[test]
    fn segments_align_with_keyframes() {
        for recipe in RECIPES {
            assert_eq!(recipe.segment_duration_s % recipe.keyframe_interval_s, 0);
            assert_eq!(recipe.duration_s % recipe.segment_duration_s, 0);
        }
        assert_eq!(VOD_FMP4.gop_frames(), 60);
        assert_eq!(VOD_FMP4.segment_count(), 15);
    }

    #[test]
    fn stamp_changes_with_the_recipe() {
        let mut changed = VOD_FMP4.clone();
        changed.duration_s = 30;
        assert_ne!(VOD_FMP4.stamp(), changed.stamp());
        assert!(
            VOD_FMP4
                .stamp()
                .starts_with(&format!("generator {GENERATOR_VERSION}\n"))
        );
    }
}
