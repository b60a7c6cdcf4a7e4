//! Fragmented MP4 writing: init segments (`ftyp` + `moov`) and fragments (`moof` + `mdat`).
//!
//! Written by hand (ISO/IEC 14496-12 and -14 box layouts) rather than with `mp4-atom`'s
//! encoders: those linked about 80 KB of box code into the wasm for the two dozen fixed
//! boxes written here (the whole package was 310 KB gzipped against a 120 KB budget).
//! `fmp4_tests` decodes this output with `mp4-atom` and compares it with what its encoders
//! make of the same tracks. The `mdat` payload is copied once, straight from the demuxed
//! track buffers.

use super::audio::{AudioCodec, AudioConfig};
use super::h264::AvcConfig;

/// Track id of the video track in our init segments.
pub(crate) const VIDEO_TRACK_ID: u32 = 1;
/// Track id of the audio track in our init segments.
pub(crate) const AUDIO_TRACK_ID: u32 = 2;
/// Video track timescale: the MPEG-TS 90 kHz clock.
pub(crate) const VIDEO_TIMESCALE: u32 = 90_000;

/// Sample flags: sync sample (`sample_depends_on` = 2).
pub(crate) const FLAGS_SYNC: u32 = 0x0200_0000;
/// Sample flags: non-sync sample that depends on others.
pub(crate) const FLAGS_NON_SYNC: u32 = 0x0101_0000;

/// Unity transformation matrix of `mvhd` and `tkhd` (16.16 and 2.30 fixed point).
const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

/// A box too large for its 32-bit size field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` box larger than 4 GiB")]
pub struct TooLarge(pub &'static str);

/// Appends boxes to a byte buffer; a box's size is patched in when it closes.
///
/// Boxes are opened and closed explicitly (not written by nested closures): LLVM inlined
/// every closure into its caller, which made the init segment writer 9.5 KB of wasm. A size
/// out of range is remembered (the first one, in closing order) and reported by [`Self::finish`].
struct BoxWriter<'a> {
    out: &'a mut Vec<u8>,
    too_large: Option<&'static str>,
}

/// A box whose size is not written yet.
#[derive(Clone, Copy)]
struct Open {
    start: usize,
    kind: &'static str,
}

impl<'a> BoxWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Self {
            out,
            too_large: None,
        }
    }

    #[inline(never)]
    fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    #[inline(never)]
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    #[inline(never)]
    fn zeros(&mut self, n: usize) {
        self.out.resize(self.out.len() + n, 0);
    }

    /// Records that `kind` does not fit its size field (the first such box is reported).
    fn fail(&mut self, kind: &'static str) {
        self.too_large.get_or_insert(kind);
    }

    /// Writes `kind`'s header with a size to be patched by [`Self::close`].
    #[inline(never)]
    fn open(&mut self, kind: &'static str) -> Open {
        let start = self.out.len();
        self.u32(0);
        self.bytes(kind.as_bytes());
        Open { start, kind }
    }

    /// Opens a full box: `version` and 24-bit `flags` after the header.
    #[inline(never)]
    fn open_full(&mut self, kind: &'static str, version: u8, flags: u32) -> Open {
        let b = self.open(kind);
        self.u32(u32::from(version) << 24 | flags & 0x00ff_ffff);
        b
    }

    /// Writes the size of `b`, which ends here.
    #[inline(never)]
    fn close(&mut self, b: Open) {
        match u32::try_from(self.out.len() - b.start) {
            Ok(size) => {
                if let Some(field) = self.out.get_mut(b.start..b.start + 4) {
                    field.copy_from_slice(&size.to_be_bytes());
                }
            }
            Err(_) => self.fail(b.kind),
        }
    }

    /// A full box (version 0) holding only `u32` fields.
    #[inline(never)]
    fn full_u32s(&mut self, kind: &'static str, flags: u32, fields: &[u32]) {
        let b = self.open_full(kind, 0, flags);
        fields.iter().for_each(|&f| self.u32(f));
        self.close(b);
    }

    /// Reports the first box that was too large, if any.
    fn finish(self) -> Result<(), TooLarge> {
        self.too_large.map_or(Ok(()), |kind| Err(TooLarge(kind)))
    }

    fn matrix(&mut self) {
        MATRIX.iter().for_each(|&m| self.u32(m));
    }

    /// Opens an MPEG-4 descriptor (ISO/IEC 14496-1 §8.3.3): its tag; the size goes in at
    /// [`Self::close_descriptor`].
    fn open_descriptor(&mut self, tag: u8) -> usize {
        self.u8(tag);
        self.out.len()
    }

    /// Inserts the size of the descriptor whose body starts at `start`, in 7-bit groups.
    #[inline(never)]
    fn close_descriptor(&mut self, start: usize) {
        let mut len = [0u8; 4];
        let mut n = self.out.len() - start;
        let mut used = 0;
        while used == 0 || n > 0 {
            len[used] = (n & 0x7f) as u8;
            n >>= 7;
            used += 1;
            if used == len.len() {
                break;
            }
        }
        let end = self.out.len();
        self.zeros(used);
        self.out.copy_within(start..end, start + used);
        for (i, slot) in self.out[start..start + used].iter_mut().enumerate() {
            let group = used - 1 - i;
            *slot = len[group] | if group > 0 { 0x80 } else { 0 };
        }
    }
}

/// Writes `ftyp` + `moov` for the given tracks.
pub(crate) fn init_segment(
    video: Option<&AvcConfig>,
    audio: Option<&AudioConfig>,
) -> Result<Vec<u8>, TooLarge> {
    let mut out = Vec::with_capacity(1024);
    let mut w = BoxWriter::new(&mut out);
    let ftyp = w.open("ftyp");
    w.bytes(b"isom");
    w.u32(1);
    w.bytes(b"isomiso6avc1mp41");
    w.close(ftyp);
    let moov = w.open("moov");
    let mvhd = w.open_full("mvhd", 0, 0);
    // Creation and modification times, timescale (ms), duration, rate, volume.
    w.zeros(8);
    w.u32(1000);
    w.u32(0);
    w.u32(0x0001_0000);
    w.u16(0x0100);
    w.zeros(10);
    w.matrix();
    w.zeros(24);
    w.u32(AUDIO_TRACK_ID + 1);
    w.close(mvhd);
    if let Some(v) = video {
        trak(&mut w, Media::Video(v));
    }
    if let Some(a) = audio {
        trak(&mut w, Media::Audio(a));
    }
    let mvex = w.open("mvex");
    for (present, id) in [
        (video.is_some(), VIDEO_TRACK_ID),
        (audio.is_some(), AUDIO_TRACK_ID),
    ] {
        if present {
            w.full_u32s("trex", 0, &[id, 1, 0, 0, 0]);
        }
    }
    w.close(mvex);
    w.close(moov);
    w.finish()?;
    Ok(out)
}

/// The media of a `trak`.
#[derive(Clone, Copy)]
enum Media<'a> {
    Video(&'a AvcConfig),
    Audio(&'a AudioConfig),
}

/// What differs between the two tracks' `trak` boxes.
struct TrackHeader {
    id: u32,
    alternate_group: u16,
    volume: u16,
    width: u16,
    height: u16,
    timescale: u32,
    handler: &'static [u8; 4],
    handler_name: &'static str,
}

fn trak(w: &mut BoxWriter<'_>, media: Media<'_>) {
    let t = match media {
        Media::Video(v) => TrackHeader {
            id: VIDEO_TRACK_ID,
            alternate_group: 0,
            volume: 0,
            width: v.width,
            height: v.height,
            timescale: VIDEO_TIMESCALE,
            handler: b"vide",
            handler_name: "VideoHandler",
        },
        Media::Audio(a) => TrackHeader {
            id: AUDIO_TRACK_ID,
            alternate_group: 1,
            volume: 0x0100,
            width: 0,
            height: 0,
            timescale: a.sample_rate,
            handler: b"soun",
            handler_name: "SoundHandler",
        },
    };
    let trak = w.open("trak");
    // Flags: track enabled, in movie.
    let tkhd = w.open_full("tkhd", 0, 3);
    // Creation and modification times, track id, reserved, duration, reserved.
    w.zeros(8);
    w.u32(t.id);
    w.zeros(16);
    w.u16(0); // layer
    w.u16(t.alternate_group);
    w.u16(t.volume);
    w.u16(0);
    w.matrix();
    w.u32(u32::from(t.width) << 16);
    w.u32(u32::from(t.height) << 16);
    w.close(tkhd);
    let mdia = w.open("mdia");
    let mdhd = w.open_full("mdhd", 0, 0);
    w.zeros(8);
    w.u32(t.timescale);
    w.u32(0);
    // ISO 639-2 "und", three 5-bit letters offset by 0x60.
    w.u16((u16::from(b'u' - 0x60) << 10) | (u16::from(b'n' - 0x60) << 5) | u16::from(b'd' - 0x60));
    w.u16(0);
    w.close(mdhd);
    let hdlr = w.open_full("hdlr", 0, 0);
    w.u32(0);
    w.bytes(t.handler);
    w.zeros(12);
    w.bytes(t.handler_name.as_bytes());
    w.u8(0);
    w.close(hdlr);
    let minf = w.open("minf");
    match media {
        Media::Video(_) => {
            let vmhd = w.open_full("vmhd", 0, 1);
            w.zeros(8);
            w.close(vmhd);
        }
        Media::Audio(_) => w.full_u32s("smhd", 0, &[0]),
    }
    let dinf = w.open("dinf");
    let dref = w.open_full("dref", 0, 0);
    w.u32(1);
    // Flag 1: the media is in this file.
    w.full_u32s("url ", 1, &[]);
    w.close(dref);
    w.close(dinf);
    let stbl = w.open("stbl");
    let stsd = w.open_full("stsd", 0, 0);
    w.u32(1);
    match media {
        Media::Video(v) => avc1(w, v),
        Media::Audio(a) => mp4a(w, a),
    }
    w.close(stsd);
    w.full_u32s("stts", 0, &[0]);
    w.full_u32s("stsc", 0, &[0]);
    w.full_u32s("stsz", 0, &[0, 0]);
    w.full_u32s("stco", 0, &[0]);
    w.close(stbl);
    w.close(minf);
    w.close(mdia);
    w.close(trak);
}

fn avc1(w: &mut BoxWriter<'_>, v: &AvcConfig) {
    let avc1 = w.open("avc1");
    // Sample entry: reserved, data reference index; visual: pre-defined, reserved.
    w.zeros(6);
    w.u16(1);
    w.zeros(16);
    w.u16(v.width);
    w.u16(v.height);
    w.u32(0x0048_0000); // 72 dpi
    w.u32(0x0048_0000);
    w.u32(0);
    w.u16(1); // frame count
    w.zeros(32); // compressor name: empty
    w.u16(24); // depth
    w.u16(0xffff); // pre-defined: -1
    let (profile, compat, level) = v.profile_compat_level();
    let avcc = w.open("avcC");
    w.bytes(&[1, profile, compat, level]);
    w.u8(0xfc | 3); // NAL unit lengths of 4 bytes
    w.u8(0xe0 | 1);
    parameter_set(w, &v.sps);
    match u8::try_from(v.pps.len()) {
        Ok(n) => w.u8(n),
        Err(_) => w.fail("avcC"),
    }
    v.pps.iter().for_each(|pps| parameter_set(w, pps));
    w.close(avcc);
    w.close(avc1);
}

/// A parameter set of `avcC`, after its 16-bit length.
fn parameter_set(w: &mut BoxWriter<'_>, nal: &[u8]) {
    match u16::try_from(nal.len()) {
        Ok(len) => {
            w.u16(len);
            w.bytes(nal);
        }
        Err(_) => w.fail("avcC"),
    }
}

fn mp4a(w: &mut BoxWriter<'_>, a: &AudioConfig) {
    let mp4a = w.open("mp4a");
    // Sample entry: reserved, data reference index; audio: reserved.
    w.zeros(6);
    w.u16(1);
    w.zeros(8);
    w.u16(a.channels.into());
    w.u16(16); // sample size
    w.zeros(4);
    w.u32(u32::from(u16::try_from(a.sample_rate).unwrap_or(0)) << 16);
    let object_type = match a.codec {
        AudioCodec::Aac { .. } => 0x40,
        // ISO/IEC 11172-3 (MPEG-1 audio) object type; decoders accept it for MPEG-2 too.
        AudioCodec::Mpeg { .. } => 0x6b,
    };
    let esds = w.open_full("esds", 0, 0);
    let es = w.open_descriptor(0x03);
    w.u16(0); // ES id
    w.u8(0); // no dependency, URL or OCR stream
    let decoder = w.open_descriptor(0x04);
    w.u8(object_type);
    w.u8(5 << 2 | 1); // audio stream, reserved bit set
    w.zeros(11); // buffer size, max and average bit rate: unknown
    if let AudioCodec::Aac { .. } = a.codec {
        let specific = w.open_descriptor(0x05);
        w.bytes(&a.audio_specific_config());
        w.close_descriptor(specific);
    }
    w.close_descriptor(decoder);
    let sl = w.open_descriptor(0x06);
    w.u8(2); // SL config: predefined for MP4
    w.close_descriptor(sl);
    w.close_descriptor(es);
    w.close(esds);
    w.close(mp4a);
}

/// One sample of a `trun`; `flags` and `cts` are written only for tracks with
/// [`FragmentTrack::sample_flags_and_cts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub duration: u32,
    pub size: u32,
    pub flags: u32,
    pub cts: i32,
}

/// One track's part of a fragment.
pub(crate) struct FragmentTrack<'a> {
    pub track_id: u32,
    pub base_decode_time: u64,
    /// Samples carry flags and composition offsets (video); otherwise the `trun` has neither.
    pub sample_flags_and_cts: bool,
    pub samples: Vec<Sample>,
    pub data: &'a [u8],
}

/// Appends `moof` + `mdat` for `tracks` (in that order in the `mdat`) to `out`.
pub(crate) fn write_fragment(
    sequence_number: u32,
    tracks: Vec<FragmentTrack<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), TooLarge> {
    let mut offset_fields = Vec::with_capacity(tracks.len());
    let mut w = BoxWriter::new(out);
    let moof = w.open("moof");
    w.full_u32s("mfhd", 0, &[sequence_number]);
    for t in &tracks {
        let traf = w.open("traf");
        // Flags: default-base-is-moof.
        w.full_u32s("tfhd", 0x02_0000, &[t.track_id]);
        let tfdt = w.open_full("tfdt", 1, 0);
        w.bytes(&t.base_decode_time.to_be_bytes());
        w.close(tfdt);
        let with = t.sample_flags_and_cts;
        // Flags: data offset, sample duration and size, then flags and composition offsets
        // when the track has them.
        let trun_flags = if with { 0xf01 } else { 0x301 };
        let trun = w.open_full("trun", 1, trun_flags);
        match u32::try_from(t.samples.len()) {
            Ok(n) => w.u32(n),
            Err(_) => w.fail("trun"),
        }
        offset_fields.push(w.out.len());
        w.u32(0);
        for s in &t.samples {
            w.u32(s.duration);
            w.u32(s.size);
            if with {
                w.u32(s.flags);
                w.u32(s.cts as u32);
            }
        }
        w.close(trun);
        w.close(traf);
    }
    w.close(moof);
    // Each track's data offset, from the start of the moof, now that its size is known.
    let mut offset = w.out.len() - moof.start + 8;
    for (field, t) in offset_fields.into_iter().zip(&tracks) {
        match i32::try_from(offset) {
            Ok(value) => {
                if let Some(slot) = w.out.get_mut(field..field + 4) {
                    slot.copy_from_slice(&value.to_be_bytes());
                }
            }
            Err(_) => w.fail("moof"),
        }
        offset += t.data.len();
    }
    let mdat = w.open("mdat");
    let payload: usize = tracks.iter().map(|t| t.data.len()).sum();
    w.out.reserve(payload);
    tracks.iter().for_each(|t| w.bytes(t.data));
    w.close(mdat);
    w.finish()
}

#[cfg(test)]
#[path = "fmp4_tests.rs"]
mod fmp4_tests;
