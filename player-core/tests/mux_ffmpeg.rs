//! Transmuxer checks against ffmpeg-made HLS segments, with ffprobe as the reference.
//!
//! Media is generated deterministically into `target/test-media/` on first use. The tests
//! skip (with a message) only when `ffmpeg`/`ffprobe` are not on PATH.

mod common;

use common::{IV_HEX, KEY, aac_set, have_ffmpeg, hls_set, media_root, segments};
use std::path::{Path, PathBuf};
use std::process::Command;

use player_core::mux::decrypt::{DecryptError, aes128_cbc, iv_from_sequence};
use player_core::mux::{Container, MuxError, SegmentInfo, TransmuxOutput, Transmuxer, sniff};

/// One packet as ffprobe reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Packet {
    video: bool,
    pts: i64,
    dts: i64,
}

fn ffprobe(args: &[&str], input: &Path) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(input)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {input:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn probe_packets(input: &Path, extra: &[&str]) -> Vec<Packet> {
    let mut args = extra.to_vec();
    args.extend([
        "-show_entries",
        "packet=codec_type,pts,dts",
        "-of",
        "csv=p=0",
    ]);
    ffprobe(&args, input)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Packet {
                video: f[0] == "video",
                pts: f[1].parse().expect("pts"),
                dts: f[2].parse().expect("dts"),
            }
        })
        .collect()
}

fn write_temp(name: &str, parts: &[&[u8]]) -> PathBuf {
    let dir = media_root().join("out");
    std::fs::create_dir_all(&dir).expect("create out dir");
    let path = dir.join(name);
    std::fs::write(&path, parts.concat()).expect("write output");
    path
}

/// Transmuxes `segs` in order as one rendition without discontinuities.
fn transmux_all(segs: &[Vec<u8>]) -> Vec<TransmuxOutput> {
    let mut tm = Transmuxer::new();
    segs.iter()
        .map(|s| {
            tm.push_segment(s, SegmentInfo::default())
                .expect("transmux")
        })
        .collect()
}

/// Each track's segments follow each other without gap or overlap (video within a frame,
/// audio exactly).
fn assert_continuous(outs: &[TransmuxOutput]) {
    for w in outs.windows(2) {
        let (v0, v1) = (
            w[0].video_span.expect("video"),
            w[1].video_span.expect("video"),
        );
        assert!((v1.0 - v0.1).abs() < 1.0 / 30.0, "video {v0:?} then {v1:?}");
        let (a0, a1) = (
            w[0].audio_span.expect("audio"),
            w[1].audio_span.expect("audio"),
        );
        assert!((a1.0 - a0.1).abs() < 1e-4, "audio {a0:?} then {a1:?}");
    }
}

/// Writes the first init and all fragments as one fMP4 file.
fn write_mp4(name: &str, outs: &[TransmuxOutput]) -> PathBuf {
    let init = outs[0].init.as_ref().expect("first segment has an init");
    let mut parts: Vec<&[u8]> = vec![&init.bytes];
    parts.extend(outs.iter().map(|o| o.media.as_slice()));
    write_temp(name, &parts)
}

#[test]
fn ts_aac_segments_match_ffprobe() {
    require_ffmpeg!();
    let dir = aac_set();
    let segs = segments(&dir);
    assert_eq!(segs.len(), 3);
    let outs = transmux_all(&segs);
    let init = outs[0].init.as_ref().expect("init");
    assert_eq!(init.mime_codecs, "avc1.4d401e,mp4a.40.2");
    assert_eq!(
        init.mime_type(),
        "video/mp4; codecs=\"avc1.4d401e,mp4a.40.2\""
    );
    assert!(outs[1..].iter().all(|o| o.init.is_none()), "init only once");

    let mut source = Vec::new();
    for (i, (seg, out)) in segs.iter().zip(&outs).enumerate() {
        let path = write_temp(&format!("aac_src{i}.ts"), &[seg]);
        let packets = probe_packets(&path, &[]);
        let video: Vec<_> = packets.iter().filter(|p| p.video).collect();
        let audio: Vec<_> = packets.iter().filter(|p| !p.video).collect();
        assert_eq!(out.video_frames, video.len(), "segment {i} video frames");
        assert_eq!(out.audio_frames, audio.len(), "segment {i} audio frames");
        let first = packets.iter().map(|p| p.pts).min().expect("packets");
        assert!(
            (out.start_s * 90_000.0 - first as f64).abs() <= 1.0,
            "segment {i} start {} vs ffprobe {first}",
            out.start_s
        );
        source.extend(packets);
    }
    assert_continuous(&outs);

    let mp4 = write_mp4("aac.mp4", &outs);
    let ours = probe_packets(&mp4, &[]);
    let src_video: Vec<(i64, i64)> = source
        .iter()
        .filter(|p| p.video)
        .map(|p| (p.pts, p.dts))
        .collect();
    let out_video: Vec<(i64, i64)> = ours
        .iter()
        .filter(|p| p.video)
        .map(|p| (p.pts, p.dts))
        .collect();
    assert_eq!(
        out_video, src_video,
        "video PTS/DTS equal the source's (90 kHz)"
    );

    let src_audio: Vec<i64> = source.iter().filter(|p| !p.video).map(|p| p.pts).collect();
    let out_audio: Vec<i64> = ours.iter().filter(|p| !p.video).map(|p| p.pts).collect();
    assert_eq!(out_audio.len(), src_audio.len(), "audio frame count");
    // Audio is on a 48 kHz timescale: compare in 90 kHz, within one frame (1920 ticks).
    for (o, s) in out_audio.iter().zip(&src_audio) {
        assert!(
            (o * 90_000 / 48_000 - s).abs() < 1920,
            "audio pts {o} vs {s}"
        );
    }

    // The whole file decodes.
    let decoded = ffprobe(
        &[
            "-count_frames",
            "-select_streams",
            "v",
            "-show_entries",
            "stream=nb_read_frames",
        ],
        &mp4,
    );
    assert!(
        decoded.contains(&format!("nb_read_frames={}", src_video.len())),
        "all video frames decode: {decoded}"
    );

    // Durations match the source within one frame. The mp4 demuxer reports a stream's
    // duration as its end on the decode timeline, so subtract the first DTS.
    let all: Vec<&[u8]> = segs.iter().map(Vec::as_slice).collect();
    let joined = write_temp("aac_src_all.ts", &all);
    let durations = |path: &Path| -> Vec<f64> {
        ffprobe(
            &["-show_entries", "stream=duration", "-of", "csv=p=0"],
            path,
        )
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
    };
    let (src_dur, our_dur) = (durations(&joined), durations(&mp4));
    let first_dts =
        |video: bool| ours.iter().find(|p| p.video == video).expect("packet").dts as f64;
    let our_video = our_dur[0] - first_dts(true) / 90_000.0;
    assert!(
        (our_video - src_dur[0]).abs() <= 1.0 / 30.0,
        "video {our_video} vs {}",
        src_dur[0]
    );
    let frame = 1024.0 / 48_000.0;
    let src_audio_dur = (src_audio[src_audio.len() - 1] - src_audio[0]) as f64 / 90_000.0 + frame;
    let our_audio = our_dur[1] - first_dts(false) / 48_000.0;
    assert!(
        (our_audio - src_audio_dur).abs() <= frame,
        "audio {our_audio} vs {src_audio_dur}"
    );
}

#[test]
fn ts_wraparound_is_unwrapped() {
    require_ffmpeg!();
    // Starts 7 s before the 33-bit PTS rollover, so it wraps inside the second segment.
    let dir = hls_set(
        "wrap",
        Some("320x180"),
        &["-c:a", "aac", "-b:a", "64k"],
        12,
        &["-output_ts_offset", "95436"],
    );
    let segs = segments(&dir);
    let outs = transmux_all(&segs);
    let source: Vec<Packet> = segs
        .iter()
        .enumerate()
        .flat_map(|(i, s)| probe_packets(&write_temp(&format!("wrap_src{i}.ts"), &[s]), &[]))
        .filter(|p| p.video)
        .collect();
    let ours: Vec<Packet> = probe_packets(&write_mp4("wrap.mp4", &outs), &[])
        .into_iter()
        .filter(|p| p.video)
        .collect();
    assert_eq!(ours.len(), source.len());
    // ffprobe reports the source relative to the rollover; ours is continuous past it.
    let shift = ours[0].pts - source[0].pts;
    assert!(
        ours.iter()
            .zip(&source)
            .all(|(o, s)| o.pts - s.pts == shift && o.dts - s.dts == shift)
    );
    assert!(
        ours.windows(2).all(|w| w[1].dts > w[0].dts),
        "DTS strictly increase"
    );
    assert_continuous(&outs);
    assert!(
        outs[2].end_s > 95_443.7,
        "timeline continues past 2^33 ticks"
    );
}

fn check_encrypted(name: &str, keyinfo: &str, iv_for: impl Fn(u64) -> [u8; 16]) {
    let dir = hls_set(
        name,
        Some("320x180"),
        &["-c:a", "aac", "-b:a", "64k"],
        8,
        &["-hls_key_info_file", keyinfo],
    );
    let segs = segments(&dir);
    assert_eq!(segs.len(), 2);
    let mut tm = Transmuxer::new();
    let mut video_frames = 0;
    let mut audio_frames = 0;
    for (i, seg) in segs.iter().enumerate() {
        assert!(
            !matches!(sniff(seg), Ok(Container::MpegTs { .. })),
            "ciphertext is not TS"
        );
        let plain = aes128_cbc(seg, &KEY, iv_for(i as u64)).expect("decrypt");
        assert_eq!(sniff(&plain), Ok(Container::MpegTs { offset: 0 }));
        let out = tm
            .push_segment(&plain, SegmentInfo::default())
            .expect("transmux");
        video_frames += out.video_frames;
        audio_frames += out.audio_frames;
        // A wrong key is a typed error: bad padding, or (rarely) bytes that are not TS.
        let mut wrong = KEY;
        wrong[0] ^= 1;
        match aes128_cbc(seg, &wrong, iv_for(i as u64)) {
            Err(e) => assert_eq!(e, DecryptError::BadPadding),
            Ok(bytes) => assert!(matches!(
                Transmuxer::new().push_segment(&bytes, SegmentInfo::default()),
                Err(MuxError::NotTransmuxable { .. })
            )),
        }
        assert_eq!(
            aes128_cbc(&seg[..seg.len() - 3], &KEY, iv_for(i as u64)),
            Err(DecryptError::BadLength { len: seg.len() - 3 })
        );
    }
    // ffprobe decrypts the playlist itself (local key URI) and is the reference.
    let reference = probe_packets(&dir.join("index.m3u8"), &["-allowed_extensions", "ALL"]);
    assert_eq!(video_frames, reference.iter().filter(|p| p.video).count());
    assert_eq!(audio_frames, reference.iter().filter(|p| !p.video).count());
}

#[test]
fn aes128_segments_with_sequence_iv() {
    require_ffmpeg!();
    let keyinfo = media_root().join("enc_seq.tmp/keyinfo");
    check_encrypted("enc_seq", &keyinfo.display().to_string(), iv_from_sequence);
}

#[test]
fn aes128_segments_with_playlist_iv() {
    require_ffmpeg!();
    let keyinfo = media_root().join("enc_iv.tmp/keyinfo_iv");
    let dir = media_root().join("enc_iv");
    check_encrypted("enc_iv", &keyinfo.display().to_string(), |_| {
        let playlist = std::fs::read_to_string(dir.join("index.m3u8")).expect("playlist");
        let hex = playlist
            .split("IV=0x")
            .nth(1)
            .and_then(|rest| rest.get(..32))
            .expect("IV attribute in playlist");
        assert_eq!(hex.to_ascii_lowercase(), IV_HEX);
        let mut iv = [0u8; 16];
        for (k, byte) in iv.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).expect("hex");
        }
        iv
    });
}

#[test]
fn mp3_audio_ts_transmuxes() {
    require_ffmpeg!();
    let dir = hls_set(
        "mp3",
        Some("320x180"),
        &["-c:a", "libmp3lame", "-b:a", "128k"],
        8,
        &[],
    );
    let segs = segments(&dir);
    let outs = transmux_all(&segs);
    let init = outs[0].init.as_ref().expect("init");
    assert!(
        init.mime_codecs.ends_with(",mp4a.6B"),
        "{}",
        init.mime_codecs
    );
    let source: usize = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            probe_packets(&write_temp(&format!("mp3_src{i}.ts"), &[s]), &[])
                .iter()
                .filter(|p| !p.video)
                .count()
        })
        .sum();
    let mp4 = write_mp4("mp3.mp4", &outs);
    assert_eq!(outs.iter().map(|o| o.audio_frames).sum::<usize>(), source);
    let ours = probe_packets(&mp4, &[]).iter().filter(|p| !p.video).count();
    assert_eq!(ours, source);
    let codec = ffprobe(
        &[
            "-select_streams",
            "a",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ],
        &mp4,
    );
    assert_eq!(codec.trim(), "mp3");

    // Passthrough: video alone in fMP4, the MP3 frames raw for an audio/mpeg SourceBuffer.
    let mut tm = Transmuxer::new();
    tm.set_mpeg_audio_passthrough(true);
    let split: Vec<TransmuxOutput> = segs
        .iter()
        .map(|s| {
            tm.push_segment(s, SegmentInfo::default())
                .expect("transmux")
        })
        .collect();
    let video_init = split[0].init.as_ref().expect("init");
    assert!(
        video_init.mime_codecs.starts_with("avc1."),
        "{}",
        video_init.mime_codecs
    );
    assert!(!video_init.mime_codecs.contains(','), "video only");
    let raw: Vec<&[u8]> = split
        .iter()
        .map(|o| o.raw_audio.as_ref().expect("raw audio").bytes.as_slice())
        .collect();
    let mp3 = write_temp("passthrough.mp3", &raw);
    let frames = probe_packets(&mp3, &["-f", "mp3"]).len();
    assert_eq!(frames, source, "raw MP3 frames");
    for (o, full) in split.iter().zip(&outs) {
        assert_eq!(o.audio_span, full.audio_span);
        let raw = o.raw_audio.as_ref().expect("raw audio");
        assert_eq!(raw.mime_type, "audio/mpeg");
        assert_eq!(Some(raw.start_s), full.audio_span.map(|s| s.0));
        assert_eq!(o.video_frames, full.video_frames);
    }
    let video_only = probe_packets(&write_mp4("passthrough_video.mp4", &split), &[]);
    assert!(video_only.iter().all(|p| p.video));
    assert_eq!(
        video_only.len(),
        outs.iter().map(|o| o.video_frames).sum::<usize>()
    );
}

#[test]
fn audio_only_ts_transmuxes() {
    require_ffmpeg!();
    let dir = hls_set("audio_only", None, &["-c:a", "aac", "-b:a", "64k"], 8, &[]);
    let outs = transmux_all(&segments(&dir));
    let init = outs[0].init.as_ref().expect("init");
    assert_eq!(init.mime_type(), "audio/mp4; codecs=\"mp4a.40.2\"");
    assert!(
        outs.iter()
            .all(|o| o.video_frames == 0 && o.audio_frames > 0)
    );
    let probed = probe_packets(&write_mp4("audio_only.mp4", &outs), &[]).len();
    assert_eq!(probed, outs.iter().map(|o| o.audio_frames).sum::<usize>());
}

#[test]
fn rendition_switch_and_discontinuity() {
    require_ffmpeg!();
    let main = segments(&aac_set());
    let low = segments(&hls_set(
        "low",
        Some("320x180"),
        &["-profile:v", "baseline", "-c:a", "aac", "-b:a", "64k"],
        12,
        &[],
    ));
    let mut tm = Transmuxer::new();
    let info = |rendition, discontinuity, start_s| SegmentInfo {
        discontinuity,
        rendition,
        start_s,
    };
    let a = tm
        .push_segment(&main[0], info(0, false, None))
        .expect("seg 0");
    let b = tm
        .push_segment(&low[1], info(1, false, None))
        .expect("switch");
    let init = b.init.as_ref().expect("rendition switch re-emits the init");
    assert!(
        init.mime_codecs.starts_with("avc1.42"),
        "{}",
        init.mime_codecs
    );
    assert_ne!(Some(init), a.init.as_ref());
    // Renditions share the source clock: the switch continues the timeline.
    let low_first = probe_packets(&write_temp("low_src1.ts", &[&low[1]]), &[])
        .iter()
        .filter(|p| p.video)
        .map(|p| p.pts)
        .min()
        .expect("video packets");
    let bv = b.video_span.expect("video");
    assert!(
        (bv.0 * 90_000.0 - low_first as f64).abs() <= 1.0,
        "{bv:?} vs {low_first}"
    );
    assert!(bv.0 > a.video_span.expect("video").0 + 3.9);

    let c = tm
        .push_segment(&main[2], info(0, true, Some(50.0)))
        .expect("discontinuity");
    assert!(
        c.init.is_some(),
        "back to the first rendition's configuration"
    );
    assert!((c.start_s - 50.0).abs() < 1e-4, "start {}", c.start_s);
    let d = tm
        .push_segment(&main[0], info(0, true, Some(60.0)))
        .expect("second discontinuity");
    assert!(d.init.is_none(), "same configuration, no new init");
    assert!((d.start_s - 60.0).abs() < 1e-4);
    assert!(
        (d.end_s - d.start_s - (a.end_s - a.start_s)).abs() < 1e-4,
        "same duration"
    );
}

#[test]
fn non_ts_input_is_rejected() {
    require_ffmpeg!();
    let outs = transmux_all(&segments(&aac_set())[..1]);
    let init = &outs[0].init.as_ref().expect("init").bytes;
    let err = Transmuxer::new()
        .push_segment(init, SegmentInfo::default())
        .expect_err("fMP4 is not transmuxed");
    assert!(matches!(
        err,
        MuxError::NotTransmuxable {
            found: Some(Container::IsoBmff)
        }
    ));
    assert_eq!(sniff(&outs[0].media), Ok(Container::IsoBmff));
}

/// Native throughput on a 720p segment; run with
/// `cargo test --release -p flodrama-player-core --test mux_ffmpeg -- --ignored --nocapture`.
#[test]
#[ignore = "throughput figure, not a test"]
fn throughput_720p() {
    require_ffmpeg!();
    let dir = hls_set(
        "720p",
        Some("1280x720"),
        &[
            "-profile:v",
            "main",
            "-b:v",
            "3M",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
        ],
        8,
        &[],
    );
    let seg = &segments(&dir)[0];
    let rounds = 200;
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        let mut tm = Transmuxer::new();
        bytes += tm
            .push_segment(seg, SegmentInfo::default())
            .expect("transmux")
            .media
            .len();
    }
    let secs = started.elapsed().as_secs_f64();
    let mb = (seg.len() * rounds) as f64 / 1e6;
    println!(
        "720p segment {} bytes x {rounds}: {:.1} MB/s in, {} bytes out per round",
        seg.len(),
        mb / secs,
        bytes / rounds
    );
}
