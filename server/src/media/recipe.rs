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
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Packaging {
    /// HLS with fragmented MP4 (CMAF) segments and an `init.mp4` per rung, encoded from the
    /// synthetic source.
    Fmp4,
    /// HLS with MPEG-TS segments, remuxed (`-c copy`, no re-encode) from the rungs of another
    /// recipe of the same name, so the streams and timestamps are the source's.
    TsRemux {
        /// The fMP4 recipe whose rungs are remuxed; prepared first.
        source: &'static Recipe,
        /// AES-128 encryption of every segment, if any.
        encryption: Option<Aes128>,
    },
    /// HLS with the video of another recipe's rungs (copied, no re-encode) and its audio in
    /// separate renditions (EXT-X-MEDIA TYPE=AUDIO, fMP4), plus a WebVTT subtitle rendition.
    AltTracks {
        /// The fMP4 recipe whose video is copied; prepared first.
        source: &'static Recipe,
        /// The audio renditions, the first one DEFAULT=YES.
        audio: &'static [AltAudio],
        /// The cues of the subtitle rendition.
        cues: &'static [TestCue],
    },
}

/// An alternate audio rendition: a tone of its own, so which one plays can be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AltAudio {
    /// Folder of the rendition's playlist and segments.
    pub folder: &'static str,
    /// NAME.
    pub name: &'static str,
    /// LANGUAGE.
    pub language: &'static str,
    /// Tone frequency in Hz.
    pub tone_hz: u32,
}

/// A subtitle cue of a test title, times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCue {
    /// Start in milliseconds.
    pub start_ms: u32,
    /// End in milliseconds.
    pub end_ms: u32,
    /// The text.
    pub text: &'static str,
}

/// A fixed AES-128 key and IV for encrypted test media (RFC 8216 `METHOD=AES-128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aes128 {
    /// The 16 key bytes, written to [`KEY_FILE`] at the top of the title's folder.
    pub key: [u8; 16],
    /// The IV written into every `EXT-X-KEY` tag.
    pub iv: [u8; 16],
}

/// Name of the key file of an encrypted title, beside its `master.m3u8`; media playlists
/// refer to it as `../key.bin`.
pub const KEY_FILE: &str = "key.bin";

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

    /// The recipe whose rungs this one remuxes, if any.
    pub fn source(&self) -> Option<&'static Recipe> {
        match self.packaging {
            Packaging::Fmp4 => None,
            Packaging::TsRemux { source, .. } | Packaging::AltTracks { source, .. } => Some(source),
        }
    }

    /// The encryption of the segments, if any.
    pub fn encryption(&self) -> Option<Aes128> {
        match self.packaging {
            Packaging::Fmp4 | Packaging::AltTracks { .. } => None,
            Packaging::TsRemux { encryption, .. } => encryption,
        }
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

/// The fMP4 title's ladder as MPEG-TS segments, served at `/media/vod-ts/master.m3u8`.
pub const VOD_TS: Recipe = Recipe {
    name: "vod-ts",
    packaging: Packaging::TsRemux {
        source: &VOD_FMP4,
        encryption: None,
    },
    ..VOD_FMP4
};

/// The fixed test key of [`VOD_AES`]: the bytes 0x00 to 0x0f.
pub const TEST_KEY: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];

/// The fixed IV of [`VOD_AES`]: the bytes 0xf0 to 0xff.
pub const TEST_IV: [u8; 16] = [
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
];

/// The MPEG-TS ladder encrypted with AES-128 ([`TEST_KEY`], [`TEST_IV`]), served at
/// `/media/vod-aes/master.m3u8` with its key at `/media/vod-aes/key.bin`.
pub const VOD_AES: Recipe = Recipe {
    name: "vod-aes",
    packaging: Packaging::TsRemux {
        source: &VOD_FMP4,
        encryption: Some(Aes128 {
            key: TEST_KEY,
            iv: TEST_IV,
        }),
    },
    ..VOD_FMP4
};

/// The subtitle cues of [`VOD_ALT`]: one in each 4 s segment, from 1 s to 3 s into it.
pub const VOD_ALT_CUES: &[TestCue] = &[
    TestCue {
        start_ms: 1_000,
        end_ms: 3_000,
        text: "Line 1",
    },
    TestCue {
        start_ms: 5_000,
        end_ms: 7_000,
        text: "Line 2",
    },
    TestCue {
        start_ms: 9_000,
        end_ms: 11_000,
        text: "Line 3",
    },
    TestCue {
        start_ms: 13_000,
        end_ms: 15_000,
        text: "Line 4",
    },
    TestCue {
        start_ms: 17_000,
        end_ms: 19_000,
        text: "Line 5",
    },
    TestCue {
        start_ms: 21_000,
        end_ms: 23_000,
        text: "Line 6",
    },
    TestCue {
        start_ms: 25_000,
        end_ms: 27_000,
        text: "Line 7",
    },
    TestCue {
        start_ms: 29_000,
        end_ms: 31_000,
        text: "Line 8",
    },
    TestCue {
        start_ms: 33_000,
        end_ms: 35_000,
        text: "Line 9",
    },
    TestCue {
        start_ms: 37_000,
        end_ms: 39_000,
        text: "Line 10",
    },
    TestCue {
        start_ms: 41_000,
        end_ms: 43_000,
        text: "Line 11",
    },
    TestCue {
        start_ms: 45_000,
        end_ms: 47_000,
        text: "Line 12",
    },
    TestCue {
        start_ms: 49_000,
        end_ms: 51_000,
        text: "Line 13",
    },
    TestCue {
        start_ms: 53_000,
        end_ms: 55_000,
        text: "Line 14",
    },
    TestCue {
        start_ms: 57_000,
        end_ms: 59_000,
        text: "Line 15",
    },
];

/// The fMP4 title's video with two alternate audio renditions ("English" at 440 Hz,
/// "Français" at 880 Hz) and English WebVTT subtitles ([`VOD_ALT_CUES`]), served at
/// `/media/vod-alt/master.m3u8`.
pub const VOD_ALT: Recipe = Recipe {
    name: "vod-alt",
    packaging: Packaging::AltTracks {
        source: &VOD_FMP4,
        audio: &[
            AltAudio {
                folder: "audio-en",
                name: "English",
                language: "en",
                tone_hz: 440,
            },
            AltAudio {
                folder: "audio-fr",
                name: "Français",
                language: "fr",
                tone_hz: 880,
            },
        ],
        cues: VOD_ALT_CUES,
    },
    ..VOD_FMP4
};

/// Folder of [`VOD_ALT`]'s subtitle rendition.
pub const SUBTITLES_FOLDER: &str = "subs-en";

/// Every recipe `prepare-media` generates, sources before the recipes remuxing them.
pub const RECIPES: &[Recipe] = &[VOD_FMP4, VOD_TS, VOD_AES, VOD_ALT];

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
    fn remuxes_keep_the_source_ladder_and_timing() {
        for recipe in [VOD_TS, VOD_AES, VOD_ALT] {
            let source = recipe.source().expect("a remux");
            assert_eq!(source.rungs, recipe.rungs);
            assert_eq!(source.segment_duration_s, recipe.segment_duration_s);
            assert_eq!(source.duration_s, recipe.duration_s);
            assert!(source.source().is_none(), "sources are encoded");
            assert!(
                RECIPES.iter().position(|r| r == source)
                    < RECIPES.iter().position(|r| *r == recipe),
                "{} is prepared before {}",
                source.name,
                recipe.name
            );
        }
        assert_eq!(VOD_TS.encryption(), None);
        assert_eq!(VOD_AES.encryption().map(|e| e.key), Some(TEST_KEY));
        assert_ne!(VOD_TS.stamp(), VOD_AES.stamp());
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
