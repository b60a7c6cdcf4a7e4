//! MPEG-2 transport stream demultiplexer (ISO/IEC 13818-1) for HLS segments.
//!
//! Handles PAT/PMT, adaptation fields (PCR, discontinuity indicator), continuity counters
//! (duplicates dropped, a gap discards the PES in progress) and PES reassembly across
//! packets. Elementary streams: H.264 (`0x1b`), AAC in ADTS (`0x0f`), MPEG audio (`0x03`,
//! `0x04`) and ID3 timed metadata (`0x15`). Other streams are ignored.
//!
//! Hand-written because no maintained Rust crate demuxes TS sans-IO; the packet loop works on
//! slices of the input and copies each payload once into a reused PES buffer.

use super::audio::{AudioConfig, FrameHeader, parse_adts, parse_mpeg_audio};
use super::h264::{
    AvcConfig, NAL_AUD, NAL_FILLER, NAL_IDR, NAL_PPS, NAL_SPS, for_each_nal, nal_type,
};
use super::sniff::ts_offset;

/// TS packet length.
pub const PACKET_LEN: usize = 188;
const SYNC: u8 = 0x47;
/// Largest PES accepted; a longer one is dropped as corrupt.
const MAX_PES_LEN: usize = 32 << 20;
/// Largest ID3 payload surfaced.
const MAX_ID3_LEN: usize = 1 << 20;
/// PMT stream types of video codecs other than H.264: MPEG-1/2 video, MPEG-4 visual,
/// HEVC, VVC, and the SAMPLE-AES encrypted H.264 type.
const OTHER_VIDEO_TYPES: [u8; 6] = [0x01, 0x02, 0x10, 0x24, 0x33, 0xdb];
/// 33-bit timestamp mask.
pub(crate) const TS_MASK: u64 = (1 << 33) - 1;

/// Why a segment could not be demultiplexed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemuxError {
    /// No run of TS sync bytes at 188-byte spacing.
    #[error("no MPEG-TS packet sync found")]
    NoSync,
    /// No PAT or PMT was seen (and none is known from earlier segments).
    #[error("no PAT/PMT in segment")]
    NoProgram,
    /// The PMT lists video in a codec other than H.264 (e.g. `0x24` HEVC) and no H.264:
    /// transmuxing would silently drop the picture.
    #[error("unsupported video stream type 0x{}", super::hex(&[*stream_type]))]
    UnsupportedVideo {
        /// PMT stream type of the video.
        stream_type: u8,
    },
    /// The PMT lists no stream this demuxer supports.
    #[error(
        "no supported elementary stream (PMT stream types {})",
        super::hex_list(stream_types)
    )]
    NoSupportedStream {
        /// Stream types listed by the PMT.
        stream_types: Vec<u8>,
    },
}

/// Kind of elementary stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EsKind {
    H264,
    Adts,
    MpegAudio,
    Id3,
}

/// A video access unit; its bytes are `data[offset..offset + len]` of its track, as
/// 4-byte length-prefixed NAL units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSample {
    /// Offset into [`VideoTrack::data`].
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// 33-bit presentation timestamp (90 kHz).
    pub pts: u64,
    /// 33-bit decode timestamp (90 kHz).
    pub dts: u64,
    /// Contains an IDR slice.
    pub key: bool,
}

/// An audio frame without its ADTS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSample {
    /// Offset into [`AudioTrack::data`].
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
    /// 33-bit presentation timestamp (90 kHz), possibly past 2^33 before masking.
    pub pts: u64,
}

/// Video samples of one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoTrack {
    /// Decoder configuration in force (from this or an earlier segment).
    pub config: Option<AvcConfig>,
    /// Access units in decode order.
    pub samples: Vec<VideoSample>,
    /// Sample bytes, AVC length-prefixed.
    pub data: Vec<u8>,
}

/// Audio samples of one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioTrack {
    /// Configuration from the frame headers.
    pub config: Option<AudioConfig>,
    /// Frames in order.
    pub samples: Vec<AudioSample>,
    /// Raw frame bytes.
    pub data: Vec<u8>,
}

/// An ID3 tag carried in a PES of the metadata stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id3Sample {
    /// 33-bit PTS of the PES, if it had one.
    pub pts: Option<u64>,
    /// The tag bytes.
    pub data: Vec<u8>,
}

/// Everything demultiplexed from one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demuxed {
    /// Video track, when the PMT has H.264.
    pub video: Option<VideoTrack>,
    /// Audio track, when the PMT has AAC or MPEG audio.
    pub audio: Option<AudioTrack>,
    /// Timed metadata.
    pub id3: Vec<Id3Sample>,
    /// First program clock reference (27 MHz), if any.
    pub first_pcr: Option<u64>,
    /// Continuity counter gaps seen (each discarded a PES in progress).
    pub cc_errors: u32,
    /// Bytes skipped to regain sync or inside unparseable audio.
    pub skipped_bytes: usize,
}

#[derive(Debug)]
struct EsState {
    pid: u16,
    kind: EsKind,
    buf: Vec<u8>,
    cc: Option<u8>,
    in_pes: bool,
}

/// Demultiplexer; keeps the program map, decoder configuration and buffers between
/// segments of one stream.
#[derive(Debug, Default)]
pub struct TsDemuxer {
    pmt_pid: Option<u16>,
    streams: Vec<EsState>,
    stream_types: Vec<u8>,
    pes: PesState,
}

/// What complete PES packets update (kept apart from the streams, which are borrowed
/// alongside).
#[derive(Debug, Default)]
struct PesState {
    avc: Option<AvcConfig>,
    /// Partial audio frame left at the end of a PES, with its PTS.
    audio_carry: Vec<u8>,
    audio_carry_pts: u64,
    /// PTS the next audio frame would have, for PES without a PTS.
    audio_next_pts: Option<u64>,
}

impl TsDemuxer {
    /// A demuxer with no program known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Demultiplexes one complete segment.
    pub fn demux(&mut self, data: &[u8]) -> Result<Demuxed, DemuxError> {
        let mut pos = ts_offset(data).ok_or(DemuxError::NoSync)?;
        let mut out = Demuxed {
            skipped_bytes: pos,
            ..Demuxed::default()
        };
        self.pes.audio_carry.clear();
        self.pes.audio_next_pts = None;
        for es in &mut self.streams {
            es.buf.clear();
            es.in_pes = false;
        }
        while let Some(packet) = data.get(pos..).and_then(<[u8]>::first_chunk) {
            if packet[0] == SYNC {
                self.packet(packet, &mut out);
                pos += PACKET_LEN;
            } else {
                let next = data
                    .get(pos..)
                    .and_then(ts_offset)
                    .map_or(data.len(), |o| pos + o);
                out.skipped_bytes += next - pos;
                pos = next;
            }
        }
        out.skipped_bytes += data.len().saturating_sub(pos);
        for es in &mut self.streams {
            if es.in_pes {
                self.pes.finish(es, &mut out);
            }
        }
        if self.pmt_pid.is_none() || self.stream_types.is_empty() {
            return Err(DemuxError::NoProgram);
        }
        let has_h264 = self.streams.iter().any(|s| s.kind == EsKind::H264);
        let other_video = self
            .stream_types
            .iter()
            .find(|t| OTHER_VIDEO_TYPES.contains(t));
        if let (false, Some(&stream_type)) = (has_h264, other_video) {
            return Err(DemuxError::UnsupportedVideo { stream_type });
        }
        if self.streams.is_empty() {
            return Err(DemuxError::NoSupportedStream {
                stream_types: self.stream_types.clone(),
            });
        }
        if let Some(video) = &mut out.video {
            if video.samples.last().is_some_and(|s| s.len == 0) {
                video.samples.pop();
            }
            video.config.clone_from(&self.pes.avc);
        }
        Ok(out)
    }

    fn packet(&mut self, p: &[u8; PACKET_LEN], out: &mut Demuxed) {
        let (b1, b2, b3) = (p[1], p[2], p[3]);
        if b1 & 0x80 != 0 {
            return; // transport_error_indicator
        }
        let pusi = b1 & 0x40 != 0;
        let pid = (u16::from(b1 & 0x1f) << 8) | u16::from(b2);
        let afc = (b3 >> 4) & 3;
        let cc = b3 & 0x0f;
        let mut offset = 4;
        let mut discontinuity = false;
        if afc & 2 != 0 {
            let af_len = usize::from(p[4]);
            if af_len > 0 {
                let flags = p[5];
                discontinuity = flags & 0x80 != 0;
                if flags & 0x10 != 0 && af_len >= 7 && out.first_pcr.is_none() {
                    out.first_pcr = Some(pcr(&p[6..12]));
                }
            }
            offset = 5 + af_len;
        }
        if afc & 1 == 0 {
            return;
        }
        let Some(payload) = p.get(offset..).filter(|s| !s.is_empty()) else {
            return;
        };
        if pid == 0 {
            if pusi {
                self.pat(payload);
            }
            return;
        }
        if Some(pid) == self.pmt_pid {
            if pusi {
                self.pmt(payload);
            }
            return;
        }
        let Some(es) = self.streams.iter_mut().find(|s| s.pid == pid) else {
            return;
        };
        if let Some(prev) = es.cc {
            if !discontinuity && cc == prev {
                return; // duplicate packet
            }
            if !discontinuity && cc != (prev + 1) & 0x0f {
                out.cc_errors += 1;
                es.buf.clear();
                es.in_pes = false;
            }
        }
        es.cc = Some(cc);
        if pusi {
            if es.in_pes {
                self.pes.finish(es, out);
            }
            es.buf.clear();
            es.in_pes = true;
        }
        if es.in_pes {
            if es.buf.len() + payload.len() > MAX_PES_LEN {
                es.buf.clear();
                es.in_pes = false;
            } else {
                es.buf.extend_from_slice(payload);
            }
        }
    }

    fn pat(&mut self, payload: &[u8]) {
        let Some(section) = section(payload, 0x00) else {
            return;
        };
        self.pmt_pid = section
            .get(5..)
            .unwrap_or_default()
            .chunks_exact(4)
            .find(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
            .map(|e| u16::from_be_bytes([e[2] & 0x1f, e[3]]))
            .or(self.pmt_pid);
    }

    fn pmt(&mut self, payload: &[u8]) {
        let Some(section) = section(payload, 0x02) else {
            return;
        };
        let Some(&[hi, lo]) = section.get(7..9) else {
            return;
        };
        let info_len = usize::from(u16::from_be_bytes([hi & 0x0f, lo]));
        let mut entries = section.get(9 + info_len..).unwrap_or_default();
        let mut types = Vec::new();
        let mut wanted: Vec<EsState> = Vec::new();
        while let Some(&[stream_type, p_hi, p_lo, i_hi, i_lo]) = entries.get(..5) {
            let pid = u16::from_be_bytes([p_hi & 0x1f, p_lo]);
            let es_info = usize::from(u16::from_be_bytes([i_hi & 0x0f, i_lo]));
            types.push(stream_type);
            let kind = match stream_type {
                0x1b => Some(EsKind::H264),
                0x0f => Some(EsKind::Adts),
                0x03 | 0x04 => Some(EsKind::MpegAudio),
                0x15 => Some(EsKind::Id3),
                _ => None,
            };
            if let Some(kind) = kind {
                let is_audio = |k: EsKind| matches!(k, EsKind::Adts | EsKind::MpegAudio);
                let taken = wanted
                    .iter()
                    .any(|s| s.kind == kind || (is_audio(s.kind) && is_audio(kind)));
                if !taken {
                    wanted.push(EsState {
                        pid,
                        kind,
                        buf: Vec::new(),
                        cc: None,
                        in_pes: false,
                    });
                }
            }
            entries = entries.get(5 + es_info..).unwrap_or_default();
        }
        self.stream_types = types;
        let same = wanted.len() == self.streams.len()
            && wanted
                .iter()
                .zip(&self.streams)
                .all(|(w, s)| s.pid == w.pid && s.kind == w.kind);
        if !same {
            self.streams = wanted;
        }
    }
}

impl PesState {
    fn finish(&mut self, es: &mut EsState, out: &mut Demuxed) {
        es.in_pes = false;
        let Some(pes) = parse_pes(&es.buf) else {
            return;
        };
        let payload = es.buf.get(pes.payload.clone()).unwrap_or_default();
        match es.kind {
            EsKind::H264 => self.video_pes(payload, pes.pts, pes.dts, out),
            EsKind::Adts => self.audio_pes(payload, pes.pts, parse_adts, out),
            EsKind::MpegAudio => self.audio_pes(payload, pes.pts, parse_mpeg_audio, out),
            EsKind::Id3 => {
                if payload.len() <= MAX_ID3_LEN && !payload.is_empty() {
                    out.id3.push(Id3Sample {
                        pts: pes.pts,
                        data: payload.to_vec(),
                    });
                }
            }
        }
    }

    fn video_pes(&mut self, payload: &[u8], pts: Option<u64>, dts: Option<u64>, out: &mut Demuxed) {
        let track = out.video.get_or_insert_with(|| VideoTrack {
            data: Vec::with_capacity(1 << 20),
            ..VideoTrack::default()
        });
        if let Some(pts) = pts {
            let sample = VideoSample {
                offset: track.data.len(),
                len: 0,
                pts,
                dts: dts.unwrap_or(pts),
                key: false,
            };
            match track.samples.last_mut() {
                Some(last) if last.len == 0 => *last = sample,
                _ => track.samples.push(sample),
            }
        }
        let avc = &mut self.avc;
        for_each_nal(payload, |nal| match nal_type(nal) {
            NAL_AUD | NAL_FILLER => {}
            NAL_SPS => {
                if avc.as_ref().is_none_or(|c| c.sps != nal)
                    && let Some(cfg) = AvcConfig::from_sps(nal)
                {
                    *avc = Some(cfg);
                }
            }
            NAL_PPS => {
                if let Some(cfg) = avc {
                    cfg.add_pps(nal);
                }
            }
            kind => {
                let Some(sample) = track.samples.last_mut() else {
                    return; // no timestamp yet: cannot place this NAL unit
                };
                let Ok(len) = u32::try_from(nal.len()) else {
                    return;
                };
                track.data.extend_from_slice(&len.to_be_bytes());
                track.data.extend_from_slice(nal);
                sample.len += 4 + nal.len();
                sample.key |= kind == NAL_IDR;
            }
        });
    }

    fn audio_pes(
        &mut self,
        payload: &[u8],
        pts: Option<u64>,
        parse: fn(&[u8]) -> Option<FrameHeader>,
        out: &mut Demuxed,
    ) {
        let track = out.audio.get_or_insert_with(AudioTrack::default);
        let carry = std::mem::take(&mut self.audio_carry);
        let joined;
        let (data, next_pts) = if carry.is_empty() {
            match pts.or(self.audio_next_pts) {
                Some(pts) => (payload, pts),
                None => return, // cannot time frames without a PTS
            }
        } else {
            joined = [carry.as_slice(), payload].concat();
            (joined.as_slice(), self.audio_carry_pts)
        };
        let (incomplete, next_pts) =
            split_audio_frames(data, next_pts, parse, track, &mut out.skipped_bytes);
        if let Some(rest) = incomplete.and_then(|at| data.get(at..)) {
            self.audio_carry.extend_from_slice(rest);
            self.audio_carry_pts = next_pts;
        }
        self.audio_next_pts = Some(next_pts & TS_MASK);
    }
}

/// Appends the audio frames in `data` to `track`, the first at `pts` (90 kHz) and the rest
/// at their exact offsets from it. Returns where an incomplete last frame starts, if any,
/// and the PTS after the last whole frame.
pub(crate) fn split_audio_frames(
    data: &[u8],
    pts: u64,
    parse: fn(&[u8]) -> Option<FrameHeader>,
    track: &mut AudioTrack,
    skipped: &mut usize,
) -> (Option<usize>, u64) {
    let mut pos = 0;
    // Frames are timed as `base + samples / rate`, re-anchored if the rate changes.
    let mut base = pts;
    let mut samples: u64 = 0;
    let mut rate: u64 = 0;
    let at = |base: u64, samples: u64, rate: u64| base + samples * 90_000 / rate.max(1);
    while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        let Some(h) = parse(rest) else {
            let skip = rest
                .get(1..)
                .and_then(|r| memchr::memchr(0xff, r))
                .map_or(rest.len(), |i| i + 1);
            *skipped += skip;
            pos += skip;
            continue;
        };
        let Some(frame) = rest.get(h.header_len..h.frame_len) else {
            return (Some(pos), at(base, samples, rate));
        };
        let frame_rate = u64::from(h.config.sample_rate);
        if frame_rate != rate {
            base = at(base, samples, rate);
            samples = 0;
            rate = frame_rate;
        }
        if track.config != Some(h.config) {
            track.config = Some(h.config);
        }
        track.samples.push(AudioSample {
            offset: track.data.len(),
            len: frame.len(),
            pts: at(base, samples, rate) & TS_MASK,
        });
        track.data.extend_from_slice(frame);
        samples += u64::from(h.config.samples_per_frame);
        pos += h.frame_len;
    }
    (None, at(base, samples, rate))
}

/// The section body after `section_length`, without CRC, if the table id matches.
fn section(payload: &[u8], table_id: u8) -> Option<&[u8]> {
    let pointer = usize::from(*payload.first()?);
    let table = payload.get(1 + pointer..)?;
    if *table.first()? != table_id {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([*table.get(1)? & 0x0f, *table.get(2)?]));
    // Skip the 3-byte header; drop the 4-byte CRC.
    table.get(3..(3 + len).checked_sub(4)?)
}

/// 27 MHz PCR from the 6 PCR bytes of an adaptation field.
fn pcr(b: &[u8]) -> u64 {
    let base = (u64::from(b[0]) << 25)
        | (u64::from(b[1]) << 17)
        | (u64::from(b[2]) << 9)
        | (u64::from(b[3]) << 1)
        | (u64::from(b[4]) >> 7);
    let ext = (u64::from(b[4] & 1) << 8) | u64::from(b[5]);
    base * 300 + ext
}

struct PesHeader {
    pts: Option<u64>,
    dts: Option<u64>,
    payload: std::ops::Range<usize>,
}

fn parse_pes(buf: &[u8]) -> Option<PesHeader> {
    if buf.get(..3)? != [0, 0, 1] {
        return None;
    }
    let stream_id = *buf.get(3)?;
    let declared = usize::from(u16::from_be_bytes([*buf.get(4)?, *buf.get(5)?]));
    let end = if declared == 0 {
        buf.len()
    } else {
        (6 + declared).min(buf.len())
    };
    if matches!(
        stream_id,
        0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xf2 | 0xf8 | 0xff
    ) {
        return Some(PesHeader {
            pts: None,
            dts: None,
            payload: 6.min(end)..end,
        });
    }
    let flags = *buf.get(7)?;
    let header_len = usize::from(*buf.get(8)?);
    let start = 9 + header_len;
    if start > end {
        return None;
    }
    let pts = (flags & 0x80 != 0 && header_len >= 5)
        .then(|| buf.get(9..14).map(timestamp))
        .flatten();
    let dts = (flags & 0xc0 == 0xc0 && header_len >= 10)
        .then(|| buf.get(14..19).map(timestamp))
        .flatten();
    Some(PesHeader {
        pts,
        dts,
        payload: start..end,
    })
}

fn timestamp(b: &[u8]) -> u64 {
    (u64::from(b[0] >> 1 & 7) << 30)
        | (u64::from(b[1]) << 22)
        | (u64::from(b[2] >> 1) << 15)
        | (u64::from(b[3]) << 7)
        | u64::from(b[4] >> 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pes_timestamps() {
        // PTS 0x1_0000_0001 and DTS 90000 encoded per 13818-1.
        let enc = |prefix: u8, ts: u64| {
            [
                (prefix << 4) | (((ts >> 30) as u8 & 7) << 1) | 1,
                (ts >> 22) as u8,
                (((ts >> 15) as u8) << 1) | 1,
                (ts >> 7) as u8,
                ((ts as u8) << 1) | 1,
            ]
        };
        let mut pes = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10];
        pes.extend_from_slice(&enc(3, 0x1_0000_0001));
        pes.extend_from_slice(&enc(1, 90_000));
        pes.extend_from_slice(&[0, 0, 0, 1, 0x09]);
        let h = parse_pes(&pes).expect("valid PES");
        assert_eq!(h.pts, Some(0x1_0000_0001));
        assert_eq!(h.dts, Some(90_000));
        assert_eq!(&pes[h.payload], &[0, 0, 0, 1, 0x09]);
        assert!(parse_pes(&pes[..8]).is_none());
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let mut d = TsDemuxer::new();
        assert_eq!(d.demux(b"not a transport stream"), Err(DemuxError::NoSync));
        let mut null_packets = vec![0u8; PACKET_LEN * 4];
        for p in null_packets.chunks_exact_mut(PACKET_LEN) {
            p[..4].copy_from_slice(&[SYNC, 0x1f, 0xff, 0x10]);
        }
        assert_eq!(d.demux(&null_packets), Err(DemuxError::NoProgram));
    }
}
