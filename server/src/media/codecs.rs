//! RFC 6381 codec strings read from an fMP4 initialization segment, so that a master
//! playlist's CODECS attribute describes what was actually encoded.

use mp4_atom::{Any, Codec, DecodeMaybe, Moov};

/// What an init segment says about its tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitInfo {
    /// RFC 6381 codec strings, video tracks first, e.g. `["avc1.4d401e", "mp4a.40.2"]`.
    pub codecs: Vec<String>,
    /// Width and height of the first video track.
    pub video_size: Option<(u16, u16)>,
}

impl InitInfo {
    /// The CODECS attribute value: the codec strings joined with commas.
    pub fn codecs_attribute(&self) -> String {
        self.codecs.join(",")
    }
}

/// Why an init segment could not be described.
#[derive(Debug, thiserror::Error)]
pub enum CodecsError {
    /// The boxes could not be decoded.
    #[error("malformed MP4: {0}")]
    Mp4(#[from] mp4_atom::Error),
    /// There is no `moov` box.
    #[error("no moov box")]
    NoMoov,
    /// A track's sample entry is not one this function describes.
    #[error("track {track}: unsupported sample entry {entry}")]
    Unsupported {
        /// 1-based track index.
        track: usize,
        /// The sample entry, as debug text.
        entry: String,
    },
    /// An AAC track without the AudioSpecificConfig that names its object type.
    #[error("track {0}: mp4a without a decoder-specific config")]
    NoAudioConfig(usize),
    /// A track without a sample entry.
    #[error("track {0}: empty stsd")]
    NoSampleEntry(usize),
}

/// Reads the codec strings of every track of an fMP4 init segment.
pub fn probe_init(bytes: &[u8]) -> Result<InitInfo, CodecsError> {
    let mut buf = bytes;
    let moov = loop {
        match Any::decode_maybe(&mut buf)? {
            Some(Any::Moov(moov)) => break moov,
            Some(_) => continue,
            None => return Err(CodecsError::NoMoov),
        }
    };
    describe(&moov)
}

fn describe(moov: &Moov) -> Result<InitInfo, CodecsError> {
    let mut video = Vec::new();
    let mut audio = Vec::new();
    let mut video_size = None;
    for (index, trak) in moov.trak.iter().enumerate() {
        let track = index + 1;
        let entry = trak
            .mdia
            .minf
            .stbl
            .stsd
            .codecs
            .first()
            .ok_or(CodecsError::NoSampleEntry(track))?;
        match entry {
            Codec::Avc1(avc1) => {
                let c = &avc1.avcc;
                video.push(format!(
                    "avc1.{:02x}{:02x}{:02x}",
                    c.avc_profile_indication, c.profile_compatibility, c.avc_level_indication
                ));
                video_size.get_or_insert((avc1.visual.width, avc1.visual.height));
            }
            Codec::Mp4a(mp4a) => {
                let config = &mp4a.esds.es_desc.dec_config;
                let object_type = config
                    .dec_specific
                    .as_ref()
                    .ok_or(CodecsError::NoAudioConfig(track))?
                    .profile;
                audio.push(format!(
                    "mp4a.{:x}.{object_type}",
                    config.object_type_indication
                ));
            }
            other => {
                return Err(CodecsError::Unsupported {
                    track,
                    entry: format!("{other:?}").chars().take(40).collect(),
                });
            }
        }
    }
    video.extend(audio);
    Ok(InitInfo {
        codecs: video,
        video_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(probe_init(b""), Err(CodecsError::NoMoov)));
        assert!(probe_init(b"\0\0\0\x08free\0\0\0\x10moov\0\0\0\x08").is_err());
        assert!(probe_init(&[0xff; 64]).is_err());
    }
}
