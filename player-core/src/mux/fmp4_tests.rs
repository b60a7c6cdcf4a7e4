//! The hand-written writer against `mp4-atom`: both outputs are decoded by `mp4-atom` and must
//! give the same boxes (the reference builds them with `mp4-atom`'s encoders, as the writer
//! did before).

use mp4_atom::esds::{DecoderConfig, DecoderSpecific, EsDescriptor, SLConfig};
use mp4_atom::{
    Audio, Avc1, Avcc, Codec, Decode, Dinf, Dref, Encode, Esds, Ftyp, Hdlr, Mdhd, Mdia, Mfhd, Minf,
    Moof, Moov, Mp4a, Mvex, Mvhd, Smhd, Stbl, Stco, Stsd, Tfdt, Tfhd, Tkhd, Traf, Trak, Trex, Trun,
    TrunEntry, Url, Visual, Vmhd,
};

use super::super::audio::{AudioCodec, AudioConfig};
use super::super::h264::AvcConfig;
use super::super::h264::tests::SPS_640X360;
use super::*;

fn avc() -> AvcConfig {
    let mut v = AvcConfig::from_sps(&SPS_640X360).expect("valid SPS");
    v.pps = vec![
        vec![0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0],
        vec![0x68, 0xce, 0x38, 0x80],
    ];
    v
}

fn aac() -> AudioConfig {
    AudioConfig {
        codec: AudioCodec::Aac {
            object_type: 2,
            frequency_index: 3,
            channel_config: 2,
        },
        sample_rate: 48_000,
        channels: 2,
        samples_per_frame: 1024,
    }
}

fn mp3() -> AudioConfig {
    AudioConfig {
        codec: AudioCodec::Mpeg { layer: 3 },
        sample_rate: 44_100,
        channels: 1,
        samples_per_frame: 1152,
    }
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

fn reference_video_trak(v: &AvcConfig) -> Trak {
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

fn reference_audio_trak(a: &AudioConfig) -> Trak {
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

fn reference_init(video: Option<&AvcConfig>, audio: Option<&AudioConfig>) -> Vec<u8> {
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
    for (id, t) in [
        (VIDEO_TRACK_ID, video.map(reference_video_trak)),
        (AUDIO_TRACK_ID, audio.map(reference_audio_trak)),
    ] {
        if let Some(t) = t {
            trak.push(t);
            trex.push(Trex {
                track_id: id,
                default_sample_description_index: 1,
                ..Default::default()
            });
        }
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
    let mut out = Vec::new();
    ftyp.encode(&mut out).expect("encodes");
    moov.encode(&mut out).expect("encodes");
    out
}

fn decode_init(mut bytes: &[u8]) -> (Ftyp, Moov) {
    let ftyp = Ftyp::decode(&mut bytes).expect("ftyp");
    let moov = Moov::decode(&mut bytes).expect("moov");
    assert!(bytes.is_empty(), "{} bytes after moov", bytes.len());
    (ftyp, moov)
}

#[test]
fn init_segments_decode_as_mp4_atom_writes_them() {
    let (v, a, m) = (avc(), aac(), mp3());
    for (video, audio) in [
        (Some(&v), Some(&a)),
        (Some(&v), None),
        (None, Some(&a)),
        (None, Some(&m)),
        (Some(&v), Some(&m)),
    ] {
        let ours = init_segment(video, audio).expect("writes");
        assert_eq!(
            decode_init(&ours),
            decode_init(&reference_init(video, audio)),
            "video {}, audio {:?}",
            video.is_some(),
            audio.map(|a| a.codec)
        );
    }
}

fn video_samples() -> Vec<Sample> {
    (0..5)
        .map(|i| Sample {
            duration: 3000,
            size: 100 + i,
            flags: if i == 0 { FLAGS_SYNC } else { FLAGS_NON_SYNC },
            cts: if i % 2 == 0 { 6000 } else { -3000 },
        })
        .collect()
}

fn audio_samples() -> Vec<Sample> {
    (0..3)
        .map(|i| Sample {
            duration: 1024,
            size: 20 + i,
            flags: 0,
            cts: 0,
        })
        .collect()
}

fn reference_traf(
    track_id: u32,
    base: u64,
    samples: &[Sample],
    flags_and_cts: bool,
    offset: i32,
) -> Traf {
    Traf {
        tfhd: Tfhd {
            track_id,
            default_base_is_moof: true,
            ..Default::default()
        },
        tfdt: Some(Tfdt {
            base_media_decode_time: base,
        }),
        trun: vec![Trun {
            data_offset: Some(offset),
            entries: samples
                .iter()
                .map(|s| TrunEntry {
                    duration: Some(s.duration),
                    size: Some(s.size),
                    flags: flags_and_cts.then_some(s.flags),
                    cts: flags_and_cts.then_some(s.cts),
                })
                .collect(),
        }],
        ..Default::default()
    }
}

#[test]
fn fragments_decode_as_mp4_atom_writes_them_with_offsets_into_the_mdat() {
    let (video, audio) = (video_samples(), audio_samples());
    let video_data: Vec<u8> = (0..video.iter().map(|s| s.size).sum::<u32>())
        .map(|i| i as u8)
        .collect();
    let audio_data = vec![0xa5; audio.iter().map(|s| s.size as usize).sum()];
    let tracks = vec![
        FragmentTrack {
            track_id: VIDEO_TRACK_ID,
            base_decode_time: 1 << 33,
            sample_flags_and_cts: true,
            samples: video.clone(),
            data: &video_data,
        },
        FragmentTrack {
            track_id: AUDIO_TRACK_ID,
            base_decode_time: 96_000,
            sample_flags_and_cts: false,
            samples: audio.clone(),
            data: &audio_data,
        },
    ];
    let mut ours = b"prefix".to_vec();
    write_fragment(7, tracks, &mut ours).expect("writes");
    let mut bytes = &ours[6..];
    let moof = Moof::decode(&mut bytes).expect("moof");
    let moof_len = ours.len() - 6 - bytes.len();
    let offset = |traf: usize| moof.traf[traf].trun[0].data_offset.expect("data offset") as usize;
    assert_eq!(offset(0), moof_len + 8);
    assert_eq!(offset(1), moof_len + 8 + video_data.len());
    let expected = Moof {
        mfhd: Mfhd { sequence_number: 7 },
        traf: vec![
            reference_traf(VIDEO_TRACK_ID, 1 << 33, &video, true, offset(0) as i32),
            reference_traf(AUDIO_TRACK_ID, 96_000, &audio, false, offset(1) as i32),
        ],
    };
    assert_eq!(moof, expected);
    let mut encoded = Vec::new();
    expected.encode(&mut encoded).expect("encodes");
    assert_eq!(encoded.len(), moof_len, "same layout as mp4-atom's");
    assert_eq!(
        &bytes[..4],
        &((8 + video_data.len() + audio_data.len()) as u32).to_be_bytes()
    );
    assert_eq!(&bytes[4..8], b"mdat");
    assert_eq!(bytes[8..], [video_data, audio_data].concat());
}

#[test]
fn descriptor_sizes_take_several_bytes_past_127() {
    let mut out = Vec::new();
    let mut w = BoxWriter::new(&mut out);
    let start = w.open_descriptor(0x05);
    w.zeros(200);
    w.close_descriptor(start);
    assert_eq!(&out[..3], &[0x05, 0x81, 0x48]);
    assert_eq!(out.len(), 203);
}
