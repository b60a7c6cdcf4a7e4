//! Fragmented MP4 writing: init segments (`ftyp` + `moov`) and fragments (`moof` + `mdat`).
//!
//! Boxes are built with the `mp4-atom` crate. A fragment's `moof` is a few hundred bytes
//! against tens or hundreds of kilobytes of `mdat`, so a hand-written encoder would not win
//! measurably; the `mdat` payload is copied once, straight from the demuxed track buffers.

use mp4_atom::esds::{DecoderConfig, DecoderSpecific, EsDescriptor, SLConfig};
use mp4_atom::{
    Atom, Audio, Avc1, Avcc, Codec, Dinf, Dref, Encode, Esds, Ftyp, Hdlr, Mdhd, Mdia, Mfhd, Minf,
    Moof, Moov, Mp4a, Mvex, Mvhd, Smhd, Stbl, Stco, Stsd, Tfdt, Tfhd, Tkhd, Traf, Trak, Trex, Trun,
    TrunEntry, Url, Visual, Vmhd,
};

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

/// Writes `ftyp` + `moov` for the given tracks.
pub(crate) fn init_segment(
    video: Option<&AvcConfig>,
    audio: Option<&AudioConfig>,
) -> Result<Vec<u8>, mp4_atom::Error> {
    let ftyp = Ftyp {
        major_brand: b"isom".into(),
        minor_version: 1,
        compatible_brands: vec![
            b"isom".into(),
            b"iso6".into(),
            b"avc1".into(),
            b"mp41".into(),
        ],
    };
    let mut trak = Vec::new();
    let mut trex = Vec::new();
    if let Some(v) = video {
        trak.push(video_trak(v));
        trex.push(Trex {
            track_id: VIDEO_TRACK_ID,
            default_sample_description_index: 1,
            ..Default::default()
        });
    }
    if let Some(a) = audio {
        trak.push(audio_trak(a));
        trex.push(Trex {
            track_id: AUDIO_TRACK_ID,
            default_sample_description_index: 1,
            ..Default::default()
        });
    }
    let moov = Moov {
        mvhd: Mvhd {
            timescale: 1000,
            rate: 1.into(),
            volume: 1.into(),
            next_track_id: AUDIO_TRACK_ID + 1,
            ..Default::default()
        },
        mvex: Some(Mvex {
            trex,
            ..Default::default()
        }),
        trak,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(1024);
    ftyp.encode(&mut out)?;
    moov.encode(&mut out)?;
    Ok(out)
}

fn dinf() -> Dinf {
    Dinf {
        dref: Dref {
            urls: vec![Url {
                location: String::new(),
            }],
        },
    }
}

fn stbl(codec: Codec) -> Stbl {
    Stbl {
        stsd: Stsd {
            codecs: vec![codec],
        },
        stco: Some(Stco::default()),
        ..Default::default()
    }
}

fn video_trak(v: &AvcConfig) -> Trak {
    let (profile, compat, level) = v.profile_compat_level();
    let avc1 = Avc1 {
        visual: Visual {
            data_reference_index: 1,
            width: v.width,
            height: v.height,
            horizresolution: 72.into(),
            vertresolution: 72.into(),
            frame_count: 1,
            compressor: "".into(),
            depth: 24,
        },
        avcc: Avcc {
            configuration_version: 1,
            avc_profile_indication: profile,
            profile_compatibility: compat,
            avc_level_indication: level,
            length_size: 4,
            sequence_parameter_sets: vec![v.sps.clone()],
            picture_parameter_sets: v.pps.clone(),
            ext: None,
        },
        btrt: None,
        colr: None,
        pasp: None,
        taic: None,
        fiel: None,
    };
    Trak {
        tkhd: Tkhd {
            track_id: VIDEO_TRACK_ID,
            enabled: true,
            in_movie: true,
            width: v.width.into(),
            height: v.height.into(),
            ..Default::default()
        },
        mdia: Mdia {
            mdhd: Mdhd {
                timescale: VIDEO_TIMESCALE,
                language: "und".into(),
                ..Default::default()
            },
            hdlr: Hdlr {
                handler: b"vide".into(),
                name: "VideoHandler".into(),
            },
            minf: Minf {
                vmhd: Some(Vmhd::default()),
                dinf: dinf(),
                stbl: stbl(avc1.into()),
                ..Default::default()
            },
        },
        ..Default::default()
    }
}

fn audio_trak(a: &AudioConfig) -> Trak {
    let (object_type_indication, dec_specific) = match a.codec {
        AudioCodec::Aac {
            object_type,
            frequency_index,
            channel_config,
        } => (
            0x40,
            Some(DecoderSpecific {
                profile: object_type,
                freq_index: frequency_index,
                chan_conf: channel_config,
                raw: a.audio_specific_config(),
            }),
        ),
        // ISO/IEC 11172-3 (MPEG-1 audio) object type; decoders accept it for MPEG-2 too.
        AudioCodec::Mpeg { .. } => (0x6b, None),
    };
    let mp4a = Mp4a {
        audio: Audio {
            data_reference_index: 1,
            channel_count: a.channels.into(),
            sample_size: 16,
            sample_rate: u16::try_from(a.sample_rate).unwrap_or(0).into(),
        },
        esds: Esds {
            es_desc: EsDescriptor {
                es_id: 0,
                dec_config: DecoderConfig {
                    object_type_indication,
                    stream_type: 5,
                    dec_specific,
                    ..Default::default()
                },
                sl_config: SLConfig {},
            },
        },
        btrt: None,
        taic: None,
    };
    Trak {
        tkhd: Tkhd {
            track_id: AUDIO_TRACK_ID,
            alternate_group: 1,
            enabled: true,
            in_movie: true,
            volume: 1.into(),
            ..Default::default()
        },
        mdia: Mdia {
            mdhd: Mdhd {
                timescale: a.sample_rate,
                language: "und".into(),
                ..Default::default()
            },
            hdlr: Hdlr {
                handler: b"soun".into(),
                name: "SoundHandler".into(),
            },
            minf: Minf {
                smhd: Some(Smhd::default()),
                dinf: dinf(),
                stbl: stbl(mp4a.into()),
                ..Default::default()
            },
        },
        ..Default::default()
    }
}

/// One track's part of a fragment.
pub(crate) struct FragmentTrack<'a> {
    pub track_id: u32,
    pub base_decode_time: u64,
    pub entries: Vec<TrunEntry>,
    pub data: &'a [u8],
}

/// Appends `moof` + `mdat` for `tracks` (in that order in the `mdat`) to `out`.
pub(crate) fn write_fragment(
    sequence_number: u32,
    tracks: Vec<FragmentTrack<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), mp4_atom::Error> {
    let payload: usize = tracks.iter().map(|t| t.data.len()).sum();
    let mut data: Vec<&[u8]> = Vec::with_capacity(tracks.len());
    let mut moof = Moof {
        mfhd: Mfhd { sequence_number },
        traf: tracks
            .into_iter()
            .map(|t| {
                data.push(t.data);
                Traf {
                    tfhd: Tfhd {
                        track_id: t.track_id,
                        default_base_is_moof: true,
                        ..Default::default()
                    },
                    tfdt: Some(Tfdt {
                        base_media_decode_time: t.base_decode_time,
                    }),
                    trun: vec![Trun {
                        data_offset: Some(0),
                        entries: t.entries,
                    }],
                    ..Default::default()
                }
            })
            .collect(),
    };
    // Encode once to learn the moof size, then again with the real data offsets.
    let mut sized = Vec::with_capacity(4096);
    moof.encode(&mut sized)?;
    let mut offset = sized.len() + 8;
    for (traf, d) in moof.traf.iter_mut().zip(&data) {
        for trun in &mut traf.trun {
            trun.data_offset =
                Some(i32::try_from(offset).map_err(|_| mp4_atom::Error::TooLarge(Moof::KIND))?);
        }
        offset += d.len();
    }
    let mdat_size =
        u32::try_from(8 + payload).map_err(|_| mp4_atom::Error::TooLarge(Moof::KIND))?;
    out.reserve(sized.len() + 8 + payload);
    moof.encode(out)?;
    out.extend_from_slice(&mdat_size.to_be_bytes());
    out.extend_from_slice(b"mdat");
    for d in data {
        out.extend_from_slice(d);
    }
    Ok(())
}
