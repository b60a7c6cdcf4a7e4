//! HLS packed audio segments (RFC 8216 §3.4): raw ADTS or MPEG audio frames after an ID3
//! tag whose `PRIV` frame `com.apple.streaming.transportStreamTimestamp` carries the 33-bit
//! PTS (90 kHz) of the first frame.

use super::audio::{parse_adts, parse_mpeg_audio};
use super::ts::{AudioTrack, Demuxed, Id3Sample, TS_MASK, split_audio_frames};

/// Owner identifier of the HLS timestamp `PRIV` frame.
const TIMESTAMP_OWNER: &[u8] = b"com.apple.streaming.transportStreamTimestamp";

/// Audio format of a packed segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackedFormat {
    Adts,
    MpegAudio,
}

/// Splits a packed audio segment whose frames start at `offset` (after the ID3 tags).
/// `None` when the ID3 tags carry no transport stream timestamp.
pub(crate) fn demux_packed(data: &[u8], offset: usize, format: PackedFormat) -> Option<Demuxed> {
    let tags = data.get(..offset)?;
    let pts = transport_stream_timestamp(tags)?;
    let frames = data.get(offset..)?;
    let mut track = AudioTrack {
        data: Vec::with_capacity(frames.len()),
        ..AudioTrack::default()
    };
    let parse = match format {
        PackedFormat::Adts => parse_adts,
        PackedFormat::MpegAudio => parse_mpeg_audio,
    };
    let mut skipped = 0;
    let (incomplete, _) = split_audio_frames(frames, pts, parse, &mut track, &mut skipped);
    let truncated = incomplete.map_or(0, |at| frames.len().saturating_sub(at));
    Some(Demuxed {
        audio: Some(track),
        id3: vec![Id3Sample {
            pts: Some(pts),
            data: tags.to_vec(),
        }],
        skipped_bytes: skipped + truncated,
        ..Demuxed::default()
    })
}

/// The PTS in the `PRIV` timestamp frame of the ID3v2 tags in `tags`, if any.
pub(crate) fn transport_stream_timestamp(tags: &[u8]) -> Option<u64> {
    let mut tag_start = 0;
    while let Some(header) = tags.get(tag_start..tag_start + 10) {
        if header.get(..3) != Some(b"ID3") {
            return None;
        }
        let version = header[3];
        let size = syncsafe(&header[6..10]);
        let body = tags.get(tag_start + 10..(tag_start + 10 + size).min(tags.len()))?;
        if let Some(ts) = find_timestamp(body, version) {
            return Some(ts);
        }
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        tag_start += 10 + size + footer;
    }
    None
}

fn find_timestamp(mut frames: &[u8], version: u8) -> Option<u64> {
    while let Some(h) = frames.get(..10) {
        if h[0] == 0 {
            return None; // padding
        }
        let size = if version >= 4 {
            syncsafe(&h[4..8])
        } else {
            u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize
        };
        let body = frames.get(10..10 + size)?;
        if &h[..4] == b"PRIV"
            && let Some(rest) = body.strip_prefix(TIMESTAMP_OWNER)
            && let Some(&[0, a, b, c, d, e, f, g, h8]) = rest.get(..9)
        {
            return Some(u64::from_be_bytes([a, b, c, d, e, f, g, h8]) & TS_MASK);
        }
        frames = frames.get(10 + size..)?;
    }
    None
}

fn syncsafe(b: &[u8]) -> usize {
    b.iter()
        .fold(0, |acc, &x| (acc << 7) | usize::from(x & 0x7f))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An ID3v2.4 tag holding only the HLS timestamp `PRIV` frame.
    pub(crate) fn timestamp_tag(pts: u64) -> Vec<u8> {
        let mut body = TIMESTAMP_OWNER.to_vec();
        body.push(0);
        body.extend_from_slice(&pts.to_be_bytes());
        let mut frame = b"PRIV".to_vec();
        frame.extend_from_slice(&[0, 0, 0, body.len() as u8, 0, 0]);
        frame.extend_from_slice(&body);
        let mut tag = b"ID3\x04\0\0\0\0\0".to_vec();
        tag.push(frame.len() as u8);
        tag.extend_from_slice(&frame);
        tag
    }

    #[test]
    fn reads_the_transport_stream_timestamp() {
        let tag = timestamp_tag(0x1_2345_6789);
        assert_eq!(transport_stream_timestamp(&tag), Some(0x1_2345_6789));
        assert_eq!(transport_stream_timestamp(b"ID3\x04\0\0\0\0\0\0"), None);
        assert_eq!(transport_stream_timestamp(&tag[..tag.len() - 2]), None);
    }
}
