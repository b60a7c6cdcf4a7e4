//! Audio frame headers: AAC in ADTS (ISO/IEC 13818-7) and MPEG-1/2/2.5 audio (MP3, MP2).

/// AAC sampling frequencies by `sampling_frequency_index`.
const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Audio codec of a track, with what its sample entry needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// AAC from ADTS headers.
    Aac {
        /// MPEG-4 audio object type (2 = AAC-LC).
        object_type: u8,
        /// ADTS `sampling_frequency_index`.
        frequency_index: u8,
        /// ADTS `channel_configuration`.
        channel_config: u8,
    },
    /// MPEG-1/2/2.5 audio, layers I–III.
    Mpeg {
        /// Layer 1, 2 or 3.
        layer: u8,
    },
}

/// Configuration of an audio track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioConfig {
    /// Codec and its parameters.
    pub codec: AudioCodec,
    /// Sample rate in Hz; also the track timescale.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u8,
    /// PCM samples per coded frame (1024 for AAC, 1152 for MP3 ...).
    pub samples_per_frame: u32,
}

impl AudioConfig {
    /// RFC 6381 codec string: `mp4a.40.2` for AAC-LC, `mp4a.6B` for MPEG audio in MP4.
    pub fn codec_string(&self) -> String {
        match self.codec {
            // As a u32: a u8 `Display` would be one more integer printer in the wasm.
            AudioCodec::Aac { object_type, .. } => format!("mp4a.40.{}", u32::from(object_type)),
            AudioCodec::Mpeg { .. } => "mp4a.6B".to_owned(),
        }
    }

    /// AudioSpecificConfig (two bytes) for AAC; empty for MPEG audio.
    pub fn audio_specific_config(&self) -> Vec<u8> {
        match self.codec {
            AudioCodec::Aac {
                object_type,
                frequency_index,
                channel_config,
            } => vec![
                (object_type << 3) | (frequency_index >> 1),
                ((frequency_index & 1) << 7) | (channel_config << 3),
            ],
            AudioCodec::Mpeg { .. } => Vec::new(),
        }
    }
}

/// One parsed audio frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    /// Header bytes to strip before the raw frame (ADTS); 0 for MPEG audio.
    pub header_len: usize,
    /// Whole frame length including the header.
    pub frame_len: usize,
    /// Track configuration implied by the header.
    pub config: AudioConfig,
}

/// Parses an ADTS header at the start of `data` (needs 7 bytes).
pub(crate) fn parse_adts(data: &[u8]) -> Option<FrameHeader> {
    let h: &[u8; 7] = data.get(..7)?.try_into().ok()?;
    if h[0] != 0xff || h[1] & 0xf6 != 0xf0 {
        return None;
    }
    let header_len = if h[1] & 1 == 1 { 7 } else { 9 };
    let object_type = (h[2] >> 6) + 1;
    let frequency_index = (h[2] >> 2) & 0x0f;
    let channel_config = ((h[2] & 1) << 2) | (h[3] >> 6);
    let frame_len =
        (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
    let sample_rate = *AAC_RATES.get(usize::from(frequency_index))?;
    if frame_len <= header_len {
        return None;
    }
    Some(FrameHeader {
        header_len,
        frame_len,
        config: AudioConfig {
            codec: AudioCodec::Aac {
                object_type,
                frequency_index,
                channel_config,
            },
            sample_rate,
            channels: if channel_config == 0 {
                2
            } else {
                channel_config
            },
            samples_per_frame: 1024,
        },
    })
}

/// Bit rates in kbit/s by index: MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, II/III.
const MPEG_BITRATES: [[u16; 15]; 5] = [
    [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ],
    [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
    ],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// Parses an MPEG audio frame header at the start of `data` (needs 4 bytes). Free-format
/// and reserved values are rejected.
pub(crate) fn parse_mpeg_audio(data: &[u8]) -> Option<FrameHeader> {
    let h: &[u8; 4] = data.get(..4)?.try_into().ok()?;
    if h[0] != 0xff || h[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
    let layer = match (h[1] >> 1) & 3 {
        3 => 1u8,
        2 => 2,
        1 => 3,
        _ => return None,
    };
    let bitrate_index = usize::from(h[2] >> 4);
    let rate_index = usize::from((h[2] >> 2) & 3);
    let padding = usize::from((h[2] >> 1) & 1);
    let mpeg1 = version == 3;
    let base_rate = match version {
        3 => [44100u32, 48000, 32000],
        2 => [22050, 24000, 16000],
        0 => [11025, 12000, 8000],
        _ => return None,
    };
    let sample_rate = *base_rate.get(rate_index)?;
    let table = match (mpeg1, layer) {
        (true, l) => usize::from(l - 1),
        (false, 1) => 3,
        (false, _) => 4,
    };
    let kbps = u32::from(*MPEG_BITRATES.get(table)?.get(bitrate_index)?);
    if kbps == 0 {
        return None;
    }
    let bps = kbps * 1000;
    let (samples_per_frame, frame_len) = match layer {
        1 => (384, (12 * bps / sample_rate) as usize * 4 + padding * 4),
        2 => (1152, (144 * bps / sample_rate) as usize + padding),
        _ if mpeg1 => (1152, (144 * bps / sample_rate) as usize + padding),
        _ => (576, (72 * bps / sample_rate) as usize + padding),
    };
    if frame_len < 4 {
        return None;
    }
    Some(FrameHeader {
        header_len: 0,
        frame_len,
        config: AudioConfig {
            codec: AudioCodec::Mpeg { layer },
            sample_rate,
            channels: if h[3] >> 6 == 3 { 1 } else { 2 },
            samples_per_frame,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adts_header() {
        // AAC-LC, 48 kHz (index 3), stereo, 371-byte frame, no CRC.
        let len: usize = 371;
        let h = [
            0xff,
            0xf1,
            (1 << 6) | (3 << 2),
            (2 << 6) | ((len >> 11) as u8 & 3),
            (len >> 3) as u8,
            ((len & 7) as u8) << 5 | 0x1f,
            0xfc,
        ];
        let f = parse_adts(&h).expect("valid ADTS");
        assert_eq!((f.header_len, f.frame_len), (7, 371));
        assert_eq!(f.config.sample_rate, 48000);
        assert_eq!(f.config.channels, 2);
        assert_eq!(f.config.codec_string(), "mp4a.40.2");
        assert_eq!(f.config.audio_specific_config(), vec![0x11, 0x90]);
        assert_eq!(parse_adts(&h[..6]), None);
    }

    #[test]
    fn mp3_header() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding, joint stereo: 417 bytes.
        let f = parse_mpeg_audio(&[0xff, 0xfb, 0x90, 0x64]).expect("valid MP3");
        assert_eq!(f.frame_len, 417);
        assert_eq!(f.config.sample_rate, 44100);
        assert_eq!(f.config.samples_per_frame, 1152);
        assert_eq!(f.config.codec_string(), "mp4a.6B");
        // Free-format bit rate is rejected.
        assert_eq!(parse_mpeg_audio(&[0xff, 0xfb, 0x00, 0x64]), None);
    }
}
