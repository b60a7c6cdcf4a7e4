//! Demuxer and transmuxer checks on hand-built transport streams: ID3 metadata, audio
//! frames split across PES packets, continuity counter duplicates and gaps, PCR.

use super::h264::tests::SPS_640X360;
use super::ts::{PACKET_LEN, TsDemuxer};
use super::{SegmentInfo, Transmuxer};

const PMT_PID: u16 = 0x1000;
const VIDEO_PID: u16 = 0x100;
const AUDIO_PID: u16 = 0x101;
const ID3_PID: u16 = 0x102;

/// One TS packet; a short payload is preceded by adaptation-field stuffing, and `pcr`
/// (90 kHz base) adds a PCR.
fn packet(pid: u16, pusi: bool, cc: u8, payload: &[u8], pcr: Option<u64>) -> Vec<u8> {
    let mut p = vec![0x47, (u8::from(pusi) << 6) | (pid >> 8) as u8, pid as u8];
    let mut af = Vec::new();
    if let Some(base) = pcr {
        af.push(0x10);
        af.extend_from_slice(&[
            (base >> 25) as u8,
            (base >> 17) as u8,
            (base >> 9) as u8,
            (base >> 1) as u8,
            ((base & 1) as u8) << 7 | 0x7e,
            0,
        ]);
    }
    let room = 184 - payload.len();
    if room == 0 && af.is_empty() {
        p.push(0x10 | cc);
    } else {
        let af_len = room - 1;
        p.push(0x30 | cc);
        p.push(af_len as u8);
        if af_len > 0 && af.is_empty() {
            af.push(0);
        }
        af.resize(af_len, 0xff);
        p.extend_from_slice(&af);
    }
    p.extend_from_slice(payload);
    assert_eq!(p.len(), PACKET_LEN);
    p
}

fn section(table_id: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() + 4;
    let mut s = vec![0, table_id, 0xb0 | (len >> 8) as u8, len as u8];
    s.extend_from_slice(body);
    s.extend_from_slice(&[0; 4]); // CRC, not checked
    s
}

fn pat() -> Vec<u8> {
    pat_with_pcr(None)
}

fn pat_with_pcr(pcr: Option<u64>) -> Vec<u8> {
    let body = [
        0,
        1,
        0xc1,
        0,
        0,
        0,
        1,
        0xe0 | (PMT_PID >> 8) as u8,
        PMT_PID as u8,
    ];
    packet(0, true, 0, &section(0x00, &body), pcr)
}

fn pmt(streams: &[(u8, u16)]) -> Vec<u8> {
    let mut body = vec![0, 1, 0xc1, 0, 0, 0xe1, 0x00, 0xf0, 0];
    for &(kind, pid) in streams {
        body.extend_from_slice(&[kind, 0xe0 | (pid >> 8) as u8, pid as u8, 0xf0, 0]);
    }
    packet(PMT_PID, true, 0, &section(0x02, &body), None)
}

fn pes(stream_id: u8, pts: u64, dts: Option<u64>, payload: &[u8]) -> Vec<u8> {
    let enc = |prefix: u8, ts: u64| {
        [
            (prefix << 4) | (((ts >> 30) as u8 & 7) << 1) | 1,
            (ts >> 22) as u8,
            (((ts >> 15) as u8) << 1) | 1,
            (ts >> 7) as u8,
            ((ts as u8) << 1) | 1,
        ]
    };
    let (flags, hlen) = if dts.is_some() { (0xc0, 10) } else { (0x80, 5) };
    let mut p = vec![0, 0, 1, stream_id, 0, 0, 0x80, flags, hlen];
    p.extend_from_slice(&enc(if dts.is_some() { 3 } else { 2 }, pts));
    if let Some(dts) = dts {
        p.extend_from_slice(&enc(1, dts));
    }
    p.extend_from_slice(payload);
    p
}

/// Splits a PES into packets with continuity counters from `cc`.
fn packetize(pid: u16, pes: &[u8], cc: &mut u8) -> Vec<Vec<u8>> {
    pes.chunks(184)
        .enumerate()
        .map(|(i, chunk)| {
            let p = packet(pid, i == 0, *cc, chunk, None);
            *cc = (*cc + 1) & 15;
            p
        })
        .collect()
}

/// ADTS frame (AAC-LC, 48 kHz, stereo) with `n` payload bytes of value `fill`.
fn adts(n: usize, fill: u8) -> Vec<u8> {
    let len = n + 7;
    let mut f = vec![
        0xff,
        0xf1,
        (1 << 6) | (3 << 2),
        (2 << 6) | ((len >> 11) as u8 & 3),
        (len >> 3) as u8,
        ((len & 7) as u8) << 5 | 0x1f,
        0xfc,
    ];
    f.resize(len, fill);
    f
}

/// A packed AAC segment: the ID3 timestamp tag at `pts` (90 kHz) and `frames` ADTS frames;
/// also used by the engine's tests.
pub(crate) fn packed_aac(pts: u64, frames: u8) -> Vec<u8> {
    let mut seg = super::packed::tests::timestamp_tag(pts);
    for i in 0..frames {
        seg.extend_from_slice(&adts(120, i));
    }
    seg
}

fn annex_b(nals: &[&[u8]]) -> Vec<u8> {
    nals.iter()
        .flat_map(|n| [&[0, 0, 0, 1][..], n].concat())
        .collect()
}

/// An audio-only stream of three ADTS frames (the second split across two PES packets) and
/// the ID3 tag `tag` at PTS 92,000; also used by the engine's tests.
pub(crate) fn audio_with_id3(tag: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut ts = vec![
        pat_with_pcr(Some(123_456)),
        pmt(&[(0x0f, AUDIO_PID), (0x15, ID3_PID)]),
    ];
    let frames: Vec<Vec<u8>> = (0..3).map(|i| adts(100 + i, i as u8)).collect();
    let all = frames.concat();
    let cut = frames[0].len() + 50;
    let mut cc = 0;
    ts.extend(packetize(
        AUDIO_PID,
        &pes(0xc0, 90_000, None, &all[..cut]),
        &mut cc,
    ));
    ts.extend(packetize(
        AUDIO_PID,
        &pes(0xc0, 91_920 + 1, None, &all[cut..]),
        &mut cc,
    ));
    ts.extend(packetize(ID3_PID, &pes(0xbd, 92_000, None, tag), &mut 0));
    (ts.concat(), frames)
}

#[test]
fn id3_metadata_and_audio_split_across_pes() {
    let tag = b"ID3\x04\0\0\0\0\0\x05hello".to_vec();
    let (ts, frames) = audio_with_id3(&tag);

    let out = TsDemuxer::new().demux(&ts).expect("demux");
    assert_eq!(out.first_pcr, Some(123_456 * 300));
    let audio = out.audio.expect("audio track");
    let pts: Vec<u64> = audio.samples.iter().map(|s| s.pts).collect();
    assert_eq!(pts, vec![90_000, 91_920, 93_840]);
    for (sample, frame) in audio.samples.iter().zip(&frames) {
        assert_eq!(
            &audio.data[sample.offset..sample.offset + sample.len],
            &frame[7..]
        );
    }
    assert_eq!(out.id3.len(), 1);
    assert_eq!(out.id3[0].pts, Some(92_000));
    assert_eq!(out.id3[0].data, tag);

    let mut tm = Transmuxer::new();
    let info = SegmentInfo {
        start_s: Some(10.0),
        ..SegmentInfo::default()
    };
    let muxed = tm.push_segment(&ts, info).expect("transmux");
    assert_eq!(muxed.audio_frames, 3);
    let id3 = &muxed.id3[0];
    assert_eq!(id3.data, tag);
    let at = id3.pts_s.expect("timed");
    assert!((at - (10.0 + 2_000.0 / 90_000.0)).abs() < 1e-9, "{at}");
    assert_eq!(muxed.init.expect("init").mime_codecs, "mp4a.40.2");
}

#[test]
fn continuity_counters_drop_duplicates_and_discard_gapped_pes() {
    let idr: &[u8] = &[0x65; 400];
    let p_slice: &[u8] = &[0x41; 300];
    let pps: &[u8] = &[0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0];
    let key = pes(
        0xe0,
        3000,
        Some(0),
        &annex_b(&[&[0x09, 0xf0], &SPS_640X360, pps, idr]),
    );
    let next = pes(0xe0, 6000, Some(3000), &annex_b(&[&[0x09, 0xf0], p_slice]));
    let last = pes(0xe0, 9000, Some(6000), &annex_b(&[p_slice]));
    let mut cc = 0;
    let mut packets = vec![pat(), pmt(&[(0x1b, VIDEO_PID), (0x86, 0x1ff)])];
    let key_packets = packetize(VIDEO_PID, &key, &mut cc);
    // Duplicate the second packet of the key frame: ignored.
    packets.extend(key_packets.iter().take(2).cloned());
    packets.push(key_packets[1].clone());
    packets.extend(key_packets.iter().skip(2).cloned());
    let mut next_packets = packetize(VIDEO_PID, &next, &mut cc);
    // Lose a packet of the second frame: it is discarded.
    next_packets.remove(1);
    packets.extend(next_packets);
    packets.extend(packetize(VIDEO_PID, &last, &mut cc));
    let ts = packets.concat();

    let out = TsDemuxer::new().demux(&ts).expect("demux");
    assert_eq!(out.cc_errors, 1);
    let video = out.video.expect("video track");
    let config = video.config.expect("config from SPS");
    assert_eq!((config.width, config.height), (640, 360));
    assert_eq!(config.pps, vec![pps.to_vec()]);
    assert_eq!(video.samples.len(), 2);
    let first = video.samples[0];
    assert!(first.key);
    assert_eq!((first.pts, first.dts), (3000, 0));
    let mut expected = (idr.len() as u32).to_be_bytes().to_vec();
    expected.extend_from_slice(idr);
    assert_eq!(
        &video.data[first.offset..first.offset + first.len],
        &expected[..]
    );
    assert!(!video.samples[1].key);
    assert_eq!(video.samples[1].pts, 9000);
}

#[test]
fn truncated_and_misaligned_input_does_not_panic() {
    let mut cc = 0;
    let mut ts = vec![pat(), pmt(&[(0x0f, AUDIO_PID)])];
    ts.extend(packetize(
        AUDIO_PID,
        &pes(0xc0, 0, None, &adts(300, 1).repeat(4)),
        &mut cc,
    ));
    let ts = ts.concat();
    for cut in [0, 1, 187, 188, 189, 400, ts.len() - 1] {
        let mut data = vec![0x47, 0x00];
        data.extend_from_slice(&ts[..cut]);
        let _ = TsDemuxer::new().demux(&data);
        let _ = Transmuxer::new().push_segment(&data, SegmentInfo::default());
    }
    let out = TsDemuxer::new()
        .demux(&[&[1, 2, 3][..], &ts].concat())
        .expect("resyncs");
    assert_eq!(out.audio.expect("audio").samples.len(), 4);
    assert_eq!(out.skipped_bytes, 3);
}

/// A small valid TS with video, audio and ID3, to mutate.
fn sample_stream() -> Vec<u8> {
    let pps: &[u8] = &[0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0];
    let (mut vcc, mut acc, mut icc) = (0, 0, 0);
    let mut ts = vec![
        pat(),
        pmt(&[(0x1b, VIDEO_PID), (0x0f, AUDIO_PID), (0x15, ID3_PID)]),
    ];
    for i in 0..4u64 {
        let nals = if i == 0 {
            annex_b(&[&SPS_640X360, pps, &[0x65; 300]])
        } else {
            annex_b(&[&[0x41; 200]])
        };
        ts.extend(packetize(
            VIDEO_PID,
            &pes(0xe0, 6000 + i * 3000, Some(i * 3000), &nals),
            &mut vcc,
        ));
        ts.extend(packetize(
            AUDIO_PID,
            &pes(0xc0, i * 1920, None, &adts(150, 7)),
            &mut acc,
        ));
    }
    ts.extend(packetize(
        ID3_PID,
        &pes(0xbd, 0, None, b"ID3\x04\0\0\0\0\0\0"),
        &mut icc,
    ));
    ts.concat()
}

#[test]
fn sample_stream_transmuxes() {
    let out = Transmuxer::new()
        .push_segment(&sample_stream(), SegmentInfo::default())
        .expect("transmux");
    assert_eq!(
        (out.video_frames, out.audio_frames, out.id3.len()),
        (4, 4, 1)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Corrupting bytes of a valid stream (and cutting it) yields output or typed errors.
    #[test]
    fn mutated_streams_never_panic(
        edits in proptest::collection::vec((0usize..4000, proptest::num::u8::ANY), 1..40),
        cut in 0usize..4000,
    ) {
        let mut ts = sample_stream();
        let len = ts.len();
        for (pos, byte) in edits {
            ts[pos % len] = byte;
        }
        ts.truncate(cut.max(len / 2));
        let mut tm = Transmuxer::new();
        let _ = tm.push_segment(&ts, SegmentInfo::default());
        let _ = tm.push_segment(&ts, SegmentInfo { discontinuity: true, ..SegmentInfo::default() });
        let _ = super::sniff(&ts);
    }
}

#[test]
fn packed_adts_audio_transmuxes_on_its_id3_timestamp() {
    let segment = |pts: u64| {
        let mut seg = super::packed::tests::timestamp_tag(pts);
        for i in 0..5 {
            seg.extend_from_slice(&adts(120, i));
        }
        seg
    };
    let mut tm = Transmuxer::new();
    let first = tm
        .push_segment(&segment(900_000), SegmentInfo::default())
        .expect("packed audio");
    assert_eq!(first.audio_frames, 5);
    assert_eq!(
        first.audio_span,
        Some((10.0, 10.0 + 5.0 * 1920.0 / 90_000.0))
    );
    assert_eq!(first.id3.len(), 1);
    assert_eq!(first.id3[0].pts_s, Some(10.0));
    assert_eq!(first.init.expect("init").mime_codecs, "mp4a.40.2");
    let second = tm
        .push_segment(&segment(900_000 + 5 * 1920), SegmentInfo::default())
        .expect("next packed segment");
    assert_eq!(
        second.audio_span.map(|s| s.0),
        first.audio_span.map(|s| s.1)
    );

    let mut untimed = b"ID3\x04\0\0\0\0\0\0".to_vec();
    untimed.extend_from_slice(&adts(120, 0));
    assert!(matches!(
        tm.push_segment(&untimed, SegmentInfo::default()),
        Err(super::MuxError::PackedAudioWithoutTimestamp)
    ));
}

#[test]
fn video_in_an_unsupported_codec_is_an_error_not_silence() {
    let mut cc = 0;
    let mut ts = vec![pat(), pmt(&[(0x24, VIDEO_PID), (0x0f, AUDIO_PID)])];
    ts.extend(packetize(
        AUDIO_PID,
        &pes(0xc0, 0, None, &adts(100, 1)),
        &mut cc,
    ));
    assert_eq!(
        TsDemuxer::new().demux(&ts.concat()),
        Err(super::ts::DemuxError::UnsupportedVideo { stream_type: 0x24 })
    );
}
