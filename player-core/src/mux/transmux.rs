//! MPEG-TS (and HLS packed audio) segments → fMP4 for MSE, on one continuous timeline.
//!
//! Timeline: output timestamps are the source PTS/DTS (90 kHz), unwrapped past the 33-bit
//! rollover, plus an offset chosen at the first segment and at each discontinuity. With
//! [`SegmentInfo::start_s`] set there, the offset puts the segment's earliest timestamp at
//! that playlist time (so buffered ranges line up with the playlist); without it the offset is
//! 0 and the source timeline is kept as is. Within a discontinuity sequence the offset and
//! the unwrapping reference carry over, including across rendition switches (HLS renditions
//! share one clock), so audio and video stay in sync.

use super::audio::{AudioCodec, AudioConfig};
use super::fmp4::{
    AUDIO_TRACK_ID, FLAGS_NON_SYNC, FLAGS_SYNC, FragmentTrack, Sample, TooLarge, VIDEO_TIMESCALE,
    VIDEO_TRACK_ID, init_segment, write_fragment,
};
use super::h264::AvcConfig;
use super::packed::{PackedFormat, demux_packed};
use super::sniff::{Container, sniff};
use super::ts::{AudioTrack, DemuxError, Demuxed, TS_MASK, TsDemuxer, VideoTrack};

/// Largest segment accepted.
pub const MAX_SEGMENT_BYTES: usize = 256 << 20;
/// 90 kHz ticks per second.
const CLOCK: f64 = 90_000.0;
/// Frame duration assumed before two frames have been seen (30 fps).
const DEFAULT_FRAME_TICKS: u32 = 3000;
/// Latest playlist start time honoured (about 31 years); later values keep the source clock.
const MAX_START_S: f64 = 1e9;
/// Longest believable gap between consecutive video frames (10 s).
const MAX_FRAME_TICKS: i64 = 900_000;

/// Why a segment could not be transmuxed.
#[derive(Debug, thiserror::Error)]
pub enum MuxError {
    /// Segment larger than [`MAX_SEGMENT_BYTES`].
    #[error("segment of {len} bytes exceeds the {MAX_SEGMENT_BYTES}-byte limit")]
    TooLarge {
        /// Segment length.
        len: usize,
    },
    /// Neither MPEG-TS nor packed audio (the container found, if any, is given).
    #[error("segment is not MPEG-TS or packed audio (found {})", found.map_or("no known container", Container::name))]
    NotTransmuxable {
        /// What sniffing found.
        found: Option<Container>,
    },
    /// The transport stream could not be demultiplexed.
    #[error("demuxing segment: {0}")]
    Demux(#[from] DemuxError),
    /// A packed audio segment lacks the ID3 `PRIV` transport stream timestamp.
    #[error("packed audio segment without an ID3 transportStreamTimestamp")]
    PackedAudioWithoutTimestamp,
    /// The segment carries no audio or video samples.
    #[error("segment has no audio or video samples")]
    NoSamples,
    /// Video samples arrived before any SPS/PPS.
    #[error("H.264 samples without a preceding SPS/PPS")]
    MissingVideoConfig,
    /// The MP4 writer failed (sizes out of range).
    #[error("writing fMP4: {0}")]
    Mp4(#[from] TooLarge),
}

/// What the caller knows about a segment from the playlist.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SegmentInfo {
    /// The segment follows an `EXT-X-DISCONTINUITY` (or a seek to an unrelated position).
    pub discontinuity: bool,
    /// Rendition (variant) the segment belongs to; a change resets the demuxer.
    pub rendition: u32,
    /// Playlist start time of the segment in seconds; used when a new timeline begins.
    pub start_s: Option<f64>,
}

/// Kind of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    /// H.264 video.
    Video,
    /// AAC or MPEG audio.
    Audio,
}

/// One track of an init segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// Track id in `moov`/`moof`.
    pub id: u32,
    /// Video or audio.
    pub kind: TrackKind,
    /// RFC 6381 codec string.
    pub codec: String,
    /// Media timescale (ticks per second).
    pub timescale: u32,
}

/// An fMP4 init segment (`ftyp` + `moov`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitSegment {
    /// The bytes to append first to the SourceBuffer.
    pub bytes: Vec<u8>,
    /// Codecs for the MIME type, e.g. `avc1.4d401f,mp4a.40.2`.
    pub mime_codecs: String,
    /// Tracks in the order of their `trak` boxes.
    pub tracks: Vec<TrackInfo>,
}

impl InitSegment {
    /// Full MIME type for `MediaSource.isTypeSupported` / `addSourceBuffer`.
    pub fn mime_type(&self) -> String {
        let top = if self.tracks.iter().any(|t| t.kind == TrackKind::Video) {
            "video/mp4"
        } else {
            "audio/mp4"
        };
        format!("{top}; codecs=\"{}\"", self.mime_codecs)
    }
}

/// An ID3 tag with its presentation time on the output timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Id3Frame {
    /// Presentation time in seconds (`None` when the PES had no PTS).
    pub pts_s: Option<f64>,
    /// The ID3 tag bytes.
    pub data: Vec<u8>,
}

/// Result of transmuxing one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct TransmuxOutput {
    /// Init segment, present for the first segment and whenever the codec configuration
    /// changed (rendition switch, new SPS, new audio format). A track once seen stays in
    /// later init segments even when a segment lacks it.
    pub init: Option<InitSegment>,
    /// `moof` + `mdat` holding every track's samples (empty when no track goes to fMP4).
    pub media: Vec<u8>,
    /// Earliest presentation time in seconds.
    pub start_s: f64,
    /// End of the last sample in seconds.
    pub end_s: f64,
    /// Presentation span `(start_s, end_s)` of the video track.
    pub video_span: Option<(f64, f64)>,
    /// Presentation span `(start_s, end_s)` of the audio track.
    pub audio_span: Option<(f64, f64)>,
    /// Number of video frames in `media`.
    pub video_frames: usize,
    /// Number of audio frames (in `media`, or in `raw_audio`).
    pub audio_frames: usize,
    /// MPEG audio frames for a separate `audio/mpeg` SourceBuffer, when
    /// [`Transmuxer::set_mpeg_audio_passthrough`] is on; `media` then holds only video.
    pub raw_audio: Option<RawAudio>,
    /// Timed metadata found in the segment.
    pub id3: Vec<Id3Frame>,
}

/// Raw audio frames for a SourceBuffer of a byte-stream format without timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAudio {
    /// SourceBuffer MIME type, `audio/mpeg`.
    pub mime_type: &'static str,
    /// Output time of the first frame: set `SourceBuffer.timestampOffset` to it before
    /// appending (the byte stream carries no timestamps, so it starts at 0).
    pub start_s: f64,
    /// Concatenated frames, headers included.
    pub bytes: Vec<u8>,
}

/// State of the output timeline within one discontinuity sequence.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    /// Added to unwrapped source timestamps.
    offset: i64,
    /// Last unwrapped timestamp seen, the reference for unwrapping the next one.
    reference: i64,
}

impl Timeline {
    /// Unwraps a 33-bit timestamp to the candidate nearest the reference, and moves the
    /// reference there.
    fn unwrap(&mut self, raw: u64) -> i64 {
        let period = 1i64 << 33;
        let raw = (raw & TS_MASK) as i64;
        let mut delta = (raw - self.reference).rem_euclid(period);
        if delta > period / 2 {
            delta -= period;
        }
        self.reference += delta;
        self.reference
    }

    fn output(&mut self, raw: u64) -> i64 {
        self.unwrap(raw) + self.offset
    }
}

/// Turns MPEG-TS segments into fMP4. One instance per playback (per SourceBuffer).
#[derive(Debug, Default)]
pub struct Transmuxer {
    demuxer: TsDemuxer,
    timeline: Option<Timeline>,
    rendition: Option<u32>,
    config: Option<(Option<AvcConfig>, Option<AudioConfig>)>,
    sequence: u32,
    frame_ticks: u32,
    /// Next audio decode time (audio timescale) expected after the last segment.
    audio_next: Option<(u32, u64)>,
    /// Emit MPEG audio as raw frames for an `audio/mpeg` SourceBuffer.
    mpeg_audio_passthrough: bool,
}

impl Transmuxer {
    /// A transmuxer with no stream state.
    pub fn new() -> Self {
        Self::default()
    }

    /// When set, MPEG audio (MP3) is not put in the fMP4 but returned as raw frames in
    /// [`TransmuxOutput::raw_audio`], for browsers whose MSE takes `audio/mpeg` but not MP3
    /// in MP4 (`MediaSource.isTypeSupported('audio/mp4; codecs="mp4a.6B"')` is false, as in
    /// Chromium). AAC is unaffected.
    pub fn set_mpeg_audio_passthrough(&mut self, enabled: bool) {
        self.mpeg_audio_passthrough = enabled;
    }

    /// Transmuxes one complete (decrypted) MPEG-TS or packed audio segment.
    pub fn push_segment(
        &mut self,
        data: &[u8],
        info: SegmentInfo,
    ) -> Result<TransmuxOutput, MuxError> {
        if data.len() > MAX_SEGMENT_BYTES {
            return Err(MuxError::TooLarge { len: data.len() });
        }
        let packed = match sniff(data) {
            Ok(Container::MpegTs { .. }) => None,
            Ok(Container::Adts { offset }) => Some((offset, PackedFormat::Adts)),
            Ok(Container::MpegAudio { offset }) => Some((offset, PackedFormat::MpegAudio)),
            found => {
                return Err(MuxError::NotTransmuxable { found: found.ok() });
            }
        };
        let switched = self.rendition.is_some_and(|r| r != info.rendition);
        if info.discontinuity || switched {
            self.demuxer = TsDemuxer::new();
            self.audio_next = None;
        }
        if info.discontinuity {
            self.timeline = None;
        }
        self.rendition = Some(info.rendition);

        let demuxed = match packed {
            None => self.demuxer.demux(data)?,
            Some((offset, format)) => {
                demux_packed(data, offset, format).ok_or(MuxError::PackedAudioWithoutTimestamp)?
            }
        };
        let Demuxed {
            video, audio, id3, ..
        } = demuxed;
        let video = video.as_ref().filter(|v| !v.samples.is_empty());
        let audio = audio.as_ref().filter(|a| !a.samples.is_empty());
        if video.is_none() && audio.is_none() {
            return Err(MuxError::NoSamples);
        }
        let video_config = match video {
            Some(v) => Some(v.config.as_ref().ok_or(MuxError::MissingVideoConfig)?),
            None => None,
        };
        let audio_config = audio.and_then(|a| a.config);
        let raw_audio_wanted = self.mpeg_audio_passthrough
            && audio_config.is_some_and(|c| matches!(c.codec, AudioCodec::Mpeg { .. }));
        let audio_config = audio_config.filter(|_| !raw_audio_wanted);
        let init = self.init_if_changed(video_config, audio_config)?;
        let mut timeline = self.timeline_for(video, audio, info.start_s);

        let mut start = i64::MAX;
        let mut end = i64::MIN;
        let mut tracks = Vec::with_capacity(2);
        let span = |a: i64, b: i64| (a as f64 / CLOCK, b as f64 / CLOCK);
        let mut video_span = None;
        let mut audio_span = None;
        if let Some(v) = video {
            let (track, first_pts, last_end) = self.video_fragment(v, &mut timeline);
            start = start.min(first_pts);
            end = end.max(last_end);
            video_span = Some(span(first_pts, last_end));
            tracks.push(track);
        }
        let mut raw_audio = None;
        if let Some(a) = audio
            && let Some(cfg) = a.config
        {
            let (track, first, last_end) = self.audio_fragment(a, cfg, &mut timeline);
            start = start.min(first);
            end = end.max(last_end);
            audio_span = Some(span(first, last_end));
            if raw_audio_wanted {
                raw_audio = Some(RawAudio {
                    mime_type: "audio/mpeg",
                    start_s: first as f64 / CLOCK,
                    bytes: track.data.to_vec(),
                });
            } else {
                tracks.push(track);
            }
        }
        let mut id3_frames = Vec::with_capacity(id3.len());
        for tag in id3 {
            id3_frames.push(Id3Frame {
                pts_s: tag.pts.map(|p| timeline.output(p) as f64 / CLOCK),
                data: tag.data,
            });
        }
        self.timeline = Some(timeline);

        let video_frames = video.map_or(0, |v| v.samples.len());
        let audio_frames = audio.map_or(0, |a| a.samples.len());
        let payload = video.map_or(0, |v| v.data.len()) + audio.map_or(0, |a| a.data.len());
        let mut media = Vec::new();
        if !tracks.is_empty() {
            media.reserve(payload + 1024 + 16 * (video_frames + audio_frames));
            self.sequence = self.sequence.wrapping_add(1);
            write_fragment(self.sequence, tracks, &mut media)?;
        }
        Ok(TransmuxOutput {
            init,
            media,
            start_s: start as f64 / CLOCK,
            end_s: end as f64 / CLOCK,
            video_span,
            audio_span,
            video_frames,
            audio_frames,
            raw_audio,
            id3: id3_frames,
        })
    }

    /// The init segment for this segment's track configurations, when it differs from the
    /// last one. A track missing from one segment (lost audio, a video-less segment) keeps its
    /// configuration: MSE does not allow a SourceBuffer's track set to change.
    fn init_if_changed(
        &mut self,
        video: Option<&AvcConfig>,
        audio: Option<AudioConfig>,
    ) -> Result<Option<InitSegment>, MuxError> {
        let previous = self.config.as_ref();
        let video = video.or(previous.and_then(|c| c.0.as_ref()));
        let audio = audio.or(previous.and_then(|c| c.1));
        if previous.is_some_and(|c| c.0.as_ref() == video && c.1 == audio) {
            return Ok(None);
        }
        let config = (video.cloned(), audio);
        let (video, audio) = &config;
        let bytes = init_segment(video.as_ref(), audio.as_ref())?;
        let mut tracks = Vec::with_capacity(2);
        if let Some(v) = video {
            tracks.push(TrackInfo {
                id: VIDEO_TRACK_ID,
                kind: TrackKind::Video,
                codec: v.codec_string(),
                timescale: VIDEO_TIMESCALE,
            });
        }
        if let Some(a) = audio {
            tracks.push(TrackInfo {
                id: AUDIO_TRACK_ID,
                kind: TrackKind::Audio,
                codec: a.codec_string(),
                timescale: a.sample_rate,
            });
        }
        let mut mime_codecs = String::new();
        for t in &tracks {
            if !mime_codecs.is_empty() {
                mime_codecs.push(',');
            }
            mime_codecs.push_str(&t.codec);
        }
        self.config = Some(config);
        Ok(Some(InitSegment {
            bytes,
            mime_codecs,
            tracks,
        }))
    }

    /// The timeline in force, or a new one that puts this segment's earliest presentation
    /// time at `start_s`.
    fn timeline_for(
        &self,
        video: Option<&VideoTrack>,
        audio: Option<&AudioTrack>,
        start_s: Option<f64>,
    ) -> Timeline {
        if let Some(t) = self.timeline {
            return t;
        }
        let first_video = video.and_then(|v| v.samples.first());
        let first_audio = audio.and_then(|a| a.samples.first()).map(|s| s.pts);
        let decode = [first_video.map(|s| s.dts), first_audio];
        // Plain loops here: flattened iterators were two generic copies in the wasm.
        let mut anchor = None;
        for t in decode.into_iter().flatten() {
            let t = t & TS_MASK;
            anchor = Some(anchor.map_or(t, |a: u64| a.min(t)));
        }
        // Unwrap every first timestamp relative to the anchor, in case they straddle a
        // rollover; then anchor the reference on the earliest.
        let mut probe = Timeline {
            offset: 0,
            reference: anchor.unwrap_or(0) as i64,
        };
        let mut earliest = |ts: [Option<u64>; 2]| {
            let mut earliest = None;
            for t in ts.into_iter().flatten() {
                let t = probe.unwrap(t);
                earliest = Some(earliest.map_or(t, |e: i64| e.min(t)));
            }
            earliest.unwrap_or(0)
        };
        let earliest_decode = earliest(decode);
        let earliest_presentation = earliest([first_video.map(|s| s.pts), first_audio]);
        let offset = match start_s {
            Some(s) if (0.0..=MAX_START_S).contains(&s) => {
                (s * CLOCK).round() as i64 - earliest_presentation
            }
            _ => 0,
        };
        Timeline {
            // Decode times may not go below zero (tfdt is unsigned).
            offset: offset.max(-earliest_decode),
            reference: earliest_decode,
        }
    }

    fn video_fragment<'a>(
        &mut self,
        v: &'a VideoTrack,
        timeline: &mut Timeline,
    ) -> (FragmentTrack<'a>, i64, i64) {
        if self.frame_ticks == 0 {
            self.frame_ticks = DEFAULT_FRAME_TICKS;
        }
        let mut samples = Vec::with_capacity(v.samples.len());
        let mut first_pts = i64::MAX;
        let mut last_end = i64::MIN;
        // Timestamps are unwrapped in sample order, DTS then PTS; a sample's duration needs
        // the next sample's DTS, unwrapped right after this sample's PTS.
        let mut next_dts = v.samples.first().map(|s| timeline.output(s.dts));
        let base = next_dts.map_or(0, |d| d.max(0) as u64);
        for (i, s) in v.samples.iter().enumerate() {
            let dts = next_dts.unwrap_or(0);
            let pts = timeline.output(s.pts);
            next_dts = v.samples.get(i + 1).map(|n| timeline.output(n.dts));
            let next = next_dts.map(|d| d - dts);
            if let Some(d) = next.filter(|&d| d > 0 && d <= MAX_FRAME_TICKS) {
                self.frame_ticks = d as u32;
            }
            let duration = self.frame_ticks;
            first_pts = first_pts.min(pts);
            last_end = last_end.max(pts + i64::from(duration));
            samples.push(Sample {
                duration,
                size: s.len as u32,
                flags: if s.key { FLAGS_SYNC } else { FLAGS_NON_SYNC },
                cts: (pts - dts).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            });
        }
        (
            FragmentTrack {
                track_id: VIDEO_TRACK_ID,
                base_decode_time: base,
                sample_flags_and_cts: true,
                samples,
                data: &v.data,
            },
            first_pts,
            last_end,
        )
    }

    fn audio_fragment<'a>(
        &mut self,
        a: &'a AudioTrack,
        cfg: AudioConfig,
        timeline: &mut Timeline,
    ) -> (FragmentTrack<'a>, i64, i64) {
        let rate = u64::from(cfg.sample_rate.max(1));
        let frame = u64::from(cfg.samples_per_frame);
        let first = a.samples.first().map_or(0, |s| timeline.output(s.pts));
        // Keep the reference moving through the segment's audio timestamps.
        if let Some(last) = a.samples.last() {
            timeline.unwrap(last.pts);
        }
        let mut base = rescale(first.max(0) as u64, 90_000, rate);
        if let Some((r, next)) = self.audio_next
            && u64::from(r) == rate
            && base.abs_diff(next) <= frame / 2
        {
            base = next;
        }
        let count = a.samples.len() as u64;
        self.audio_next = Some((cfg.sample_rate, base + count * frame));
        let mut samples = Vec::with_capacity(a.samples.len());
        for s in &a.samples {
            samples.push(Sample {
                duration: cfg.samples_per_frame,
                size: s.len as u32,
                flags: 0,
                cts: 0,
            });
        }
        let to_ticks = |t: u64| i64::try_from(rescale(t, rate, 90_000)).unwrap_or(i64::MAX);
        (
            FragmentTrack {
                track_id: AUDIO_TRACK_ID,
                base_decode_time: base,
                sample_flags_and_cts: false,
                samples,
                data: &a.data,
            },
            to_ticks(base),
            to_ticks(base + count * frame),
        )
    }
}

/// `t * to / from` rounded to nearest, saturating, for `from` and `to` of at most 32 bits;
/// `from` of 0 counts as 1.
///
/// In `u64` (quotient and remainder scaled apart) rather than `u128`: the 128-bit division
/// linked a 1 KB compiler-builtins routine into the wasm. The tests compare it with `u128`.
fn rescale(t: u64, from: u64, to: u64) -> u64 {
    let from = from.max(1);
    let (q, r) = (t / from, t % from);
    // r < from and to both fit in 32 bits here, so r * to + from / 2 does not overflow.
    q.saturating_mul(to)
        .saturating_add((r * to + from / 2) / from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_rounds_as_128_bit_arithmetic_does() {
        let reference = |t: u64, from: u64, to: u64| {
            u64::try_from(
                (u128::from(t) * u128::from(to) + u128::from(from / 2)) / u128::from(from),
            )
            .unwrap_or(u64::MAX)
        };
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let rates = [
            1,
            7350,
            8000,
            22_050,
            44_100,
            48_000,
            90_000,
            96_000,
            u64::from(u32::MAX),
        ];
        for &from in &rates {
            for &to in &rates {
                for t in [0, 1, from / 2, from - 1, from, u64::MAX / to, u64::MAX]
                    .into_iter()
                    .chain((0..200).map(|i| next() >> (i % 64)))
                {
                    assert_eq!(
                        rescale(t, from, to),
                        reference(t, from, to),
                        "{t} {from} {to}"
                    );
                }
            }
        }
    }
}
