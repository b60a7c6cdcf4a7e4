//! Container detection from the bytes of a segment, never from its URL.

use super::audio::{parse_adts, parse_mpeg_audio};

/// TS packet length and sync byte.
const TS_PACKET: usize = 188;
const TS_SYNC: u8 = 0x47;

/// Top-level ISO-BMFF box types that may open a segment or an init segment.
const BMFF_TYPES: [&[u8; 4]; 10] = [
    b"ftyp", b"styp", b"moof", b"moov", b"sidx", b"emsg", b"prft", b"free", b"skip", b"mdat",
];

/// What a segment contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MPEG-2 transport stream; `offset` is the first sync byte (normally 0).
    MpegTs {
        /// Position of the first packet.
        offset: usize,
    },
    /// ISO-BMFF: fMP4 init segment or media segment (CMAF).
    IsoBmff,
    /// Packed AAC in ADTS; `offset` skips leading ID3 tags.
    Adts {
        /// Position of the first ADTS frame.
        offset: usize,
    },
    /// Packed MPEG audio (MP3/MP2); `offset` skips leading ID3 tags.
    MpegAudio {
        /// Position of the first frame.
        offset: usize,
    },
    /// WebVTT text.
    WebVtt,
}

impl Container {
    /// The container's usual name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Container::MpegTs { .. } => "MPEG-TS",
            Container::IsoBmff => "ISO-BMFF",
            Container::Adts { .. } => "ADTS",
            Container::MpegAudio { .. } => "MPEG audio",
            Container::WebVtt => "WebVTT",
        }
    }
}

/// Why a segment was not recognised as media.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// The segment has no bytes.
    #[error("empty segment")]
    Empty,
    /// No known container; carries the first bytes for diagnostics.
    #[error("not a media segment (starts with {})", super::hex_list(head))]
    Unknown {
        /// Up to the first 8 bytes.
        head: Vec<u8>,
    },
}

/// Tells the container of `data` from its first bytes.
pub fn sniff(data: &[u8]) -> Result<Container, SniffError> {
    if data.is_empty() {
        return Err(SniffError::Empty);
    }
    if let Some(offset) = ts_offset(data) {
        return Ok(Container::MpegTs { offset });
    }
    if is_bmff(data) {
        return Ok(Container::IsoBmff);
    }
    if is_webvtt(data) {
        return Ok(Container::WebVtt);
    }
    let offset = skip_id3(data);
    let rest = data.get(offset..).unwrap_or_default();
    if let Some(h) = parse_adts(rest)
        && frame_chain_ok(rest, h.frame_len, parse_adts)
    {
        return Ok(Container::Adts { offset });
    }
    if let Some(h) = parse_mpeg_audio(rest)
        && frame_chain_ok(rest, h.frame_len, parse_mpeg_audio)
    {
        return Ok(Container::MpegAudio { offset });
    }
    Err(SniffError::Unknown {
        head: data.get(..8).unwrap_or(data).to_vec(),
    })
}

/// First offset within one packet where the sync byte repeats every 188 bytes (up to three
/// packets, or as many as the data holds; at least one whole packet).
pub(crate) fn ts_offset(data: &[u8]) -> Option<usize> {
    // Plain loops: the ranges mapped, cut short and tested were 150 bytes more of wasm.
    'starts: for start in 0..TS_PACKET.min(data.len()) {
        if data.len() < start + TS_PACKET {
            return None; // so is every later start
        }
        for k in 0..3 {
            match data.get(start + k * TS_PACKET) {
                None => break,
                Some(&TS_SYNC) => {}
                Some(_) => continue 'starts,
            }
        }
        return Some(start);
    }
    None
}

fn is_bmff(data: &[u8]) -> bool {
    let (Some(size), Some(kind)) = (data.get(..4), data.get(4..8)) else {
        return false;
    };
    let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]);
    (size == 1 || size >= 8) && BMFF_TYPES.iter().any(|t| t.as_slice() == kind)
}

fn is_webvtt(data: &[u8]) -> bool {
    let text = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    text.strip_prefix(b"WEBVTT")
        .is_some_and(|rest| matches!(rest.first(), None | Some(b' ' | b'\t' | b'\n' | b'\r')))
}

/// Length of the ID3v2 tags at the start of `data` (0 if none).
pub(crate) fn skip_id3(data: &[u8]) -> usize {
    let mut pos = 0;
    while let Some(h) = data.get(pos..pos + 10) {
        if &h[..3] != b"ID3" || h[6..10].iter().any(|b| b & 0x80 != 0) {
            break;
        }
        let size = h[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
        let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
        pos += 10 + size + footer;
    }
    pos.min(data.len())
}

/// The frame after the first also parses, or the data ends within the first frame.
fn frame_chain_ok<H>(data: &[u8], first_len: usize, parse: fn(&[u8]) -> Option<H>) -> bool {
    data.len() <= first_len || data.get(first_len..).and_then(parse).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_offset_finds_what_the_iterator_form_found() {
        let reference = |data: &[u8]| {
            (0..TS_PACKET.min(data.len())).find(|&start| {
                data.len() >= start + TS_PACKET
                    && (0..3)
                        .map(|k| start + k * TS_PACKET)
                        .take_while(|&p| p < data.len())
                        .all(|p| data.get(p) == Some(&TS_SYNC))
            })
        };
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in [0, 1, 187, 188, 189, 375, 376, 377, 563, 564, 565, 700] {
            for round in 0..200 {
                let mut data = vec![0u8; len];
                for b in &mut data {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly sync bytes in later rounds, so that runs of them occur.
                    *b = if state % 4 < round % 5 {
                        TS_SYNC
                    } else {
                        state as u8
                    };
                }
                assert_eq!(ts_offset(&data), reference(&data), "{len} {round}");
            }
        }
    }

    #[test]
    fn sniffs_each_container() {
        let mut ts = vec![0u8; TS_PACKET * 3];
        for k in 0..3 {
            ts[k * TS_PACKET] = TS_SYNC;
        }
        assert_eq!(sniff(&ts), Ok(Container::MpegTs { offset: 0 }));
        let mut shifted = vec![0u8; 5];
        shifted.extend_from_slice(&ts);
        assert_eq!(sniff(&shifted), Ok(Container::MpegTs { offset: 5 }));

        assert_eq!(sniff(b"\0\0\0\x18ftypiso5\0\0\0\0"), Ok(Container::IsoBmff));
        assert_eq!(sniff(b"\0\0\0\x10styp"), Ok(Container::IsoBmff));
        assert_eq!(
            sniff(b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi"),
            Ok(Container::WebVtt)
        );
        assert_eq!(sniff(b"\xef\xbb\xbfWEBVTT"), Ok(Container::WebVtt));

        let mut id3_mp3 = b"ID3\x04\0\0\0\0\0\x02ab".to_vec();
        id3_mp3.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
        assert_eq!(sniff(&id3_mp3), Ok(Container::MpegAudio { offset: 12 }));

        let adts = [0xff, 0xf1, 0x4c, 0x80, 0x01, 0x3f, 0xfc];
        assert_eq!(sniff(&adts), Ok(Container::Adts { offset: 0 }));
    }

    #[test]
    fn rejects_non_media() {
        assert_eq!(sniff(b""), Err(SniffError::Empty));
        assert_eq!(
            sniff(b"<html><body>403</body></html>"),
            Err(SniffError::Unknown {
                head: b"<html><b".to_vec()
            })
        );
        assert!(sniff(b"#EXTM3U\n").is_err());
        assert!(sniff(b"WEBVTTX").is_err());
        // One sync byte without a whole packet is not TS.
        assert!(sniff(&[TS_SYNC; 100]).is_err());
    }
}
