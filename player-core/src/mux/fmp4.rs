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

/// Appends boxes to a byte buffer; sizes are patched in when a box closes.
struct BoxWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl BoxWriter<'_> {
    fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    fn zeros(&mut self, n: usize) {
        self.out.resize(self.out.len() + n, 0);
    }

    /// Writes `kind`'s header and `body`, then the box size.
    fn boxed(
        &mut self,
        kind: &'static str,
        body: impl FnOnce(&mut Self) -> Result<(), TooLarge>,
    ) -> Result<(), TooLarge> {
        let start = self.out.len();
        self.zeros(4);
        self.bytes(kind.as_bytes());
        body(self)?;
        let size = u32::try_from(self.out.len() - start).map_err(|_| TooLarge(kind))?;
        self.out[start..start + 4].copy_from_slice(&size.to_be_bytes());
        Ok(())
    }

    /// A full box: `version` and 24-bit `flags` before the body.
    fn full(
        &mut self,
        kind: &'static str,
        version: u8,
        flags: u32,
        body: impl FnOnce(&mut Self) -> Result<(), TooLarge>,
    ) -> Result<(), TooLarge> {
        self.boxed(kind, |w| {
            w.u32(u32::from(version) << 24 | flags & 0x00ff_ffff);
            body(w)
        })
    }

    /// A full box holding only `u32` fields.
    fn full_u32s(
        &mut self,
        kind: &'static str,
        flags: u32,
        fields: &[u32],
    ) -> Result<(), TooLarge> {
        self.full(kind, 0, flags, |w| {
            fields.iter().for_each(|&f| w.u32(f));
            Ok(())
        })
    }

    fn matrix(&mut self) {
        MATRIX.iter().for_each(|&m| self.u32(m));
    }

    /// An MPEG-4 descriptor (ISO/IEC 14496-1 §8.3.3): tag, size in 7-bit groups, body.
    fn descriptor(&mut self, tag: u8, body: impl FnOnce(&mut Self)) {
        self.u8(tag);
        let start = self.out.len();
        body(self);
        let body: Vec<u8> = self.out.split_off(start);
        let mut len = [0u8; 4];
        let mut n = body.len();
        let mut used = 0;
        while used == 0 || n > 0 {
            len[used] = (n & 0x7f) as u8;
            n >>= 7;
            used += 1;
            if used == len.len() {
                break;
            }
        }
        for i in (0..used).rev() {
            self.u8(len[i] | if i > 0 { 0x80 } else { 0 });
        }
        self.bytes(&body);
    }
}

/// Writes `ftyp` + `moov` for the given tracks.
pub(crate) fn init_segment(
    video: Option<&AvcConfig>,
    audio: Option<&AudioConfig>,
) -> Result<Vec<u8>, TooLarge> {
    let mut out = Vec::with_capacity(1024);
    let mut w = BoxWriter { out: &mut out };
    w.boxed("ftyp", |w| {
        w.bytes(b"isom");
        w.u32(1);
        w.bytes(b"isomiso6avc1mp41");
        Ok(())
    })?;
    w.boxed("moov", |w| {
        w.full("mvhd", 0, 0, |w| {
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
            Ok(())
        })?;
        if let Some(v) = video {
            video_trak(w, v)?;
        }
        if let Some(a) = audio {
            audio_trak(w, a)?;
        }
        w.boxed("mvex", |w| {
            for (present, id) in [
                (video.is_some(), VIDEO_TRACK_ID),
                (audio.is_some(), AUDIO_TRACK_ID),
            ] {
                if present {
                    w.full_u32s("trex", 0, &[id, 1, 0, 0, 0])?;
                }
            }
            Ok(())
        })
    })?;
    Ok(out)
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

fn trak(
    w: &mut BoxWriter<'_>,
    t: &TrackHeader,
    media_header: impl FnOnce(&mut BoxWriter<'_>) -> Result<(), TooLarge>,
    sample_entry: impl FnOnce(&mut BoxWriter<'_>) -> Result<(), TooLarge>,
) -> Result<(), TooLarge> {
    w.boxed("trak", |w| {
        // Flags: track enabled, in movie.
        w.full("tkhd", 0, 3, |w| {
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
            Ok(())
        })?;
        w.boxed("mdia", |w| {
            w.full("mdhd", 0, 0, |w| {
                w.zeros(8);
                w.u32(t.timescale);
                w.u32(0);
                // ISO 639-2 "und", three 5-bit letters offset by 0x60.
                w.u16(
                    (u16::from(b'u' - 0x60) << 10)
                        | (u16::from(b'n' - 0x60) << 5)
                        | u16::from(b'd' - 0x60),
                );
                w.u16(0);
                Ok(())
            })?;
            w.full("hdlr", 0, 0, |w| {
                w.u32(0);
                w.bytes(t.handler);
                w.zeros(12);
                w.bytes(t.handler_name.as_bytes());
                w.u8(0);
                Ok(())
            })?;
            w.boxed("minf", |w| {
                media_header(w)?;
                w.boxed("dinf", |w| {
                    w.full("dref", 0, 0, |w| {
                        w.u32(1);
                        // Flag 1: the media is in this file.
                        w.full("url ", 0, 1, |_| Ok(()))
                    })
                })?;
                w.boxed("stbl", |w| {
                    w.full("stsd", 0, 0, |w| {
                        w.u32(1);
                        sample_entry(w)
                    })?;
                    w.full_u32s("stts", 0, &[0])?;
                    w.full_u32s("stsc", 0, &[0])?;
                    w.full_u32s("stsz", 0, &[0, 0])?;
                    w.full_u32s("stco", 0, &[0])
                })
            })
        })
    })
}

fn video_trak(w: &mut BoxWriter<'_>, v: &AvcConfig) -> Result<(), TooLarge> {
    let header = TrackHeader {
        id: VIDEO_TRACK_ID,
        alternate_group: 0,
        volume: 0,
        width: v.width,
        height: v.height,
        timescale: VIDEO_TIMESCALE,
        handler: b"vide",
        handler_name: "VideoHandler",
    };
    let vmhd = |w: &mut BoxWriter<'_>| {
        w.full("vmhd", 0, 1, |w| {
            w.zeros(8);
            Ok(())
        })
    };
    trak(w, &header, vmhd, |w| {
        w.boxed("avc1", |w| {
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
            avcc(w, v)
        })
    })
}

fn avcc(w: &mut BoxWriter<'_>, v: &AvcConfig) -> Result<(), TooLarge> {
    let (profile, compat, level) = v.profile_compat_level();
    w.boxed("avcC", |w| {
        w.bytes(&[1, profile, compat, level]);
        w.u8(0xfc | 3); // NAL unit lengths of 4 bytes
        w.u8(0xe0 | 1);
        let set = |w: &mut BoxWriter<'_>, nal: &[u8]| {
            w.u16(u16::try_from(nal.len()).map_err(|_| TooLarge("avcC"))?);
            w.bytes(nal);
            Ok(())
        };
        set(w, &v.sps)?;
        w.u8(u8::try_from(v.pps.len()).map_err(|_| TooLarge("avcC"))?);
        v.pps.iter().try_for_each(|pps| set(w, pps))
    })
}

fn audio_trak(w: &mut BoxWriter<'_>, a: &AudioConfig) -> Result<(), TooLarge> {
    let header = TrackHeader {
        id: AUDIO_TRACK_ID,
        alternate_group: 1,
        volume: 0x0100,
        width: 0,
        height: 0,
        timescale: a.sample_rate,
        handler: b"soun",
        handler_name: "SoundHandler",
    };
    let smhd = |w: &mut BoxWriter<'_>| w.full_u32s("smhd", 0, &[0]);
    trak(w, &header, smhd, |w| {
        w.boxed("mp4a", |w| {
            // Sample entry: reserved, data reference index; audio: reserved.
            w.zeros(6);
            w.u16(1);
            w.zeros(8);
            w.u16(a.channels.into());
            w.u16(16); // sample size
            w.zeros(4);
            w.u32(u32::from(u16::try_from(a.sample_rate).unwrap_or(0)) << 16);
            esds(w, a)
        })
    })
}

fn esds(w: &mut BoxWriter<'_>, a: &AudioConfig) -> Result<(), TooLarge> {
    let (object_type, specific) = match a.codec {
        AudioCodec::Aac { .. } => (0x40, Some(a.audio_specific_config())),
        // ISO/IEC 11172-3 (MPEG-1 audio) object type; decoders accept it for MPEG-2 too.
        AudioCodec::Mpeg { .. } => (0x6b, None),
    };
    w.full("esds", 0, 0, |w| {
        w.descriptor(0x03, |w| {
            w.u16(0); // ES id
            w.u8(0); // no dependency, URL or OCR stream
            w.descriptor(0x04, |w| {
                w.u8(object_type);
                w.u8(5 << 2 | 1); // audio stream, reserved bit set
                w.zeros(11); // buffer size, max and average bit rate: unknown
                if let Some(specific) = &specific {
                    w.descriptor(0x05, |w| w.bytes(specific));
                }
            });
            w.descriptor(0x06, |w| w.u8(2)); // SL config: predefined for MP4
        });
        Ok(())
    })
}

/// One sample of a `trun`; `None` fields are left out of the box (for every sample alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub duration: u32,
    pub size: u32,
    pub flags: Option<u32>,
    pub cts: Option<i32>,
}

/// One track's part of a fragment.
pub(crate) struct FragmentTrack<'a> {
    pub track_id: u32,
    pub base_decode_time: u64,
    pub samples: Vec<Sample>,
    pub data: &'a [u8],
}

/// Appends `moof` + `mdat` for `tracks` (in that order in the `mdat`) to `out`.
pub(crate) fn write_fragment(
    sequence_number: u32,
    tracks: Vec<FragmentTrack<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), TooLarge> {
    let moof_start = out.len();
    let mut offset_fields = Vec::with_capacity(tracks.len());
    let mut w = BoxWriter { out };
    w.boxed("moof", |w| {
        w.full_u32s("mfhd", 0, &[sequence_number])?;
        for t in &tracks {
            w.boxed("traf", |w| {
                // Flags: default-base-is-moof.
                w.full_u32s("tfhd", 0x02_0000, &[t.track_id])?;
                w.full("tfdt", 1, 0, |w| {
                    w.bytes(&t.base_decode_time.to_be_bytes());
                    Ok(())
                })?;
                let flags = t.samples.iter().any(|s| s.flags.is_some());
                let cts = t.samples.iter().any(|s| s.cts.is_some());
                // Flags: data offset, sample duration and size, then flags and
                // composition offsets when any sample has them.
                let trun_flags =
                    0x301 | if flags { 0x400 } else { 0 } | if cts { 0x800 } else { 0 };
                w.full("trun", 1, trun_flags, |w| {
                    w.u32(u32::try_from(t.samples.len()).map_err(|_| TooLarge("trun"))?);
                    offset_fields.push(w.out.len());
                    w.u32(0);
                    for s in &t.samples {
                        w.u32(s.duration);
                        w.u32(s.size);
                        if flags {
                            w.u32(s.flags.unwrap_or(0));
                        }
                        if cts {
                            w.bytes(&s.cts.unwrap_or(0).to_be_bytes());
                        }
                    }
                    Ok(())
                })
            })?;
        }
        Ok(())
    })?;
    // Each track's data offset, from the start of the moof, now that its size is known.
    let mut offset = w.out.len() - moof_start + 8;
    for (field, t) in offset_fields.into_iter().zip(&tracks) {
        let value = i32::try_from(offset).map_err(|_| TooLarge("moof"))?;
        w.out[field..field + 4].copy_from_slice(&value.to_be_bytes());
        offset += t.data.len();
    }
    w.boxed("mdat", |w| {
        let payload: usize = tracks.iter().map(|t| t.data.len()).sum();
        w.out.reserve(payload);
        tracks.iter().for_each(|t| w.bytes(t.data));
        Ok(())
    })
}

#[cfg(test)]
#[path = "fmp4_tests.rs"]
mod fmp4_tests;
