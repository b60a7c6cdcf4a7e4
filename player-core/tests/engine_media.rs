//! The engine on real ffmpeg-made MPEG-TS sets, plain and AES-128 encrypted, served by a
//! simulated network: it loads keys through the same loader, decrypts, transmuxes to fMP4 and
//! appends an init segment before the media.

mod common;

use common::{KEY, aac_set, have_ffmpeg, hls_set, media_root, segments};
use player_core::engine::media_time::{decode_start, timescales};
use player_core::engine::{Config, Engine, ErrorDetail, Input, LoadKind, Output, PlayerEvent};
use player_core::mux::{Container, SegmentInfo, Transmuxer, sniff};
use std::path::Path;

/// Plays the set in `dir` (served under `https://cdn.test/set/`) to its end; returns every
/// output, and the loads made, in order.
fn play(dir: &Path, tamper_key: bool) -> (Vec<Output>, Vec<(LoadKind, String)>) {
    let base = "https://cdn.test/set/";
    let mut engine = Engine::new(Config::default());
    engine.load(0.0, &format!("{base}index.m3u8"), None);
    engine.handle_input(0.0, Input::MediaSourceOpen);
    let mut outputs = Vec::new();
    let mut loads = Vec::new();
    let mut now = 0.0;
    while let Some(out) = engine.poll_output() {
        now += 10.0;
        outputs.push(out.clone());
        match out {
            Output::Load(req) => {
                loads.push((req.kind, req.url.clone()));
                let name = req.url.strip_prefix(base).unwrap_or_default();
                let (status, mut data) = match std::fs::read(dir.join(name)) {
                    Ok(bytes) => (200, bytes),
                    Err(_) => (404, Vec::new()),
                };
                if tamper_key && req.kind == LoadKind::Key {
                    data[0] ^= 1;
                }
                let input = Input::LoadComplete {
                    id: req.id,
                    status,
                    data,
                    ttfb_ms: 5.0,
                };
                engine.handle_input(now, input);
            }
            Output::Append { track, .. } => engine.handle_input(now, Input::Appended { track }),
            _ => {}
        }
    }
    (outputs, loads)
}

fn appended(outputs: &[Output]) -> Vec<&[u8]> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Append { data, .. } => Some(data.as_slice()),
            _ => None,
        })
        .collect()
}

fn errors(outputs: &[Output]) -> Vec<ErrorDetail> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(PlayerEvent::Error(e)) => Some(e.detail),
            _ => None,
        })
        .collect()
}

#[test]
fn a_ts_title_is_transmuxed_and_appended_as_fmp4() {
    require_ffmpeg!();
    let dir = aac_set();
    let (outputs, _) = play(&dir, false);
    assert_eq!(errors(&outputs), vec![]);
    let mime = outputs.iter().find_map(|o| match o {
        Output::AddTrack { mime, .. } => Some(mime.clone()),
        _ => None,
    });
    let mime = mime.expect("a SourceBuffer was requested");
    assert!(mime.starts_with("video/mp4; codecs=\"avc1.4d"), "{mime}");
    assert!(mime.contains("mp4a.40.2"), "{mime}");
    let appends = appended(&outputs);
    assert_eq!(
        appends.len(),
        1 + segments(&dir).len(),
        "init + one fragment per segment"
    );
    assert!(appends.iter().all(|a| sniff(a) == Ok(Container::IsoBmff)));
    assert_eq!(&appends[0][4..8], b"ftyp");
    assert!(outputs.contains(&Output::EndOfStream));
    // Audio and video end together: within one AAC frame (21 ms) at the title's end.
    let spans: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(PlayerEvent::FragParsed { video, audio, .. }) => Some((*video, *audio)),
            _ => None,
        })
        .collect();
    assert_eq!(spans.len(), segments(&dir).len());
    let (Some(video), Some(audio)) = spans[spans.len() - 1] else {
        panic!("both tracks in the last segment: {spans:?}");
    };
    assert!(
        (video.1 - audio.1).abs() < 0.05,
        "video ends {video:?}, audio {audio:?}"
    );
    assert!(
        spans[0].0.is_some_and(|v| v.0.abs() < 0.1),
        "placed at 0: {:?}",
        spans[0]
    );
}

#[test]
fn an_encrypted_ts_title_loads_its_key_once_and_decrypts() {
    require_ffmpeg!();
    let keyinfo = media_root().join("enc_seq.tmp/keyinfo");
    let keyinfo = keyinfo.display().to_string();
    let dir = hls_set(
        "enc_seq",
        Some("320x180"),
        &["-c:a", "aac", "-b:a", "64k"],
        8,
        &["-hls_key_info_file", &keyinfo],
    );
    assert_eq!(std::fs::read(dir.join("key.bin")).unwrap(), KEY);
    let (outputs, loads) = play(&dir, false);
    assert_eq!(errors(&outputs), vec![]);
    let keys: Vec<_> = loads.iter().filter(|(k, _)| *k == LoadKind::Key).collect();
    assert_eq!(keys.len(), 1, "one key load for every segment: {loads:?}");
    assert_eq!(keys[0].1, "https://cdn.test/set/key.bin");
    assert_eq!(appended(&outputs).len(), 1 + segments(&dir).len());

    let (outputs, _) = play(&dir, true);
    assert_eq!(errors(&outputs), vec![ErrorDetail::FragDecryptError]);
    assert!(
        appended(&outputs).is_empty(),
        "nothing undecryptable reaches the buffer"
    );
}

#[test]
fn fmp4_decode_times_are_read_from_init_and_fragments() {
    require_ffmpeg!();
    let dir = aac_set();
    let mut muxer = Transmuxer::new();
    let mut scales = Vec::new();
    for (i, ts) in segments(&dir).iter().enumerate() {
        let start_s = (i == 0).then_some(100.0);
        let out = muxer
            .push_segment(
                ts,
                SegmentInfo {
                    start_s,
                    ..SegmentInfo::default()
                },
            )
            .unwrap();
        if let Some(init) = &out.init {
            scales = timescales(&init.bytes);
        }
        assert_eq!(scales.len(), 2, "video and audio timescales");
        let start = decode_start(&scales, &out.media).expect("a tfdt");
        let earliest = out.start_s;
        // Decode time is at or before the earliest presentation (B-frames), within a frame.
        assert!(
            start <= earliest + 1e-6 && earliest - start < 0.1,
            "{start} vs {earliest}"
        );
        assert!(
            (start - (100.0 + 4.0 * i as f64)).abs() < 0.2,
            "segment {i} at {start}"
        );
    }
    assert_eq!(timescales(b"not an mp4"), Vec::new());
    assert_eq!(decode_start(&scales, b"not an mp4"), None);
}
