//! Alternate audio and subtitle renditions, on the simulated network and clock.

use super::*;

const ALT: &str = "https://cdn.test/alt/master.m3u8";

/// A two-level title whose audio is in two renditions (the second one DEFAULT=YES).
fn alt_sim(config: Config) -> Sim {
    let mut sim = Sim::new(config);
    let master = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",URI=\"en/index.m3u8\"\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Français\",LANGUAGE=\"fr\",DEFAULT=YES,AUTOSELECT=YES,URI=\"fr/index.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\",AUDIO=\"aud\"\n../vod/low/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"aud\"\n../vod/high/index.m3u8\n";
    sim.files
        .insert(ALT.to_owned(), (200, master.as_bytes().to_vec()));
    for lang in ["en", "fr"] {
        let base = format!("https://cdn.test/alt/{lang}/");
        let pl = media_playlist(15, true);
        sim.files
            .insert(format!("{base}index.m3u8"), (200, pl.into_bytes()));
        sim.files
            .insert(format!("{base}init.mp4"), (200, fmp4("init")));
        for i in 0..15 {
            sim.files.insert(
                format!("{base}seg_{i:03}.m4s"),
                (200, fmp4(&format!("{lang}{i}"))),
            );
        }
    }
    sim
}

fn low_level() -> Config {
    Config {
        start_level: Some(0),
        ..Config::default()
    }
}

fn audio_appends(sim: &Sim) -> usize {
    sim.outputs
        .iter()
        .filter(|o| {
            matches!(
                o,
                Output::Append {
                    track: TrackId::Audio,
                    ..
                }
            )
        })
        .count()
}

#[test]
fn alternate_audio_plays_in_its_own_track_and_ends_with_the_video() {
    // No eviction: each one would end the MediaSource again.
    let mut sim = alt_sim(Config {
        back_buffer_length: 1000.0,
        ..low_level()
    });
    sim.load(ALT);
    sim.run(80_000.0);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    let tracks = sim.events.iter().find_map(|e| match e {
        PlayerEvent::AudioTracksUpdated { tracks } => Some(tracks.clone()),
        _ => None,
    });
    let tracks = tracks.expect("audioTracksUpdated");
    let names: Vec<_> = tracks
        .iter()
        .map(|t| (t.name.as_str(), t.lang.as_str()))
        .collect();
    assert_eq!(names, [("English", "en"), ("Français", "fr")]);
    assert_eq!(
        sim.engine.audio_track(),
        Some(1),
        "the DEFAULT=YES rendition"
    );

    // Both SourceBuffers exist before the first append: the video one without the audio codec.
    let adds: Vec<_> = sim
        .outputs
        .iter()
        .take_while(|o| !matches!(o, Output::Append { .. }))
        .filter_map(|o| match o {
            Output::AddTrack { track, mime } => Some((*track, mime.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        adds,
        [
            (TrackId::Main, "video/mp4; codecs=\"avc1.4d400d\""),
            (TrackId::Audio, "audio/mp4; codecs=\"mp4a.40.2\"")
        ]
    );

    let segments = sim.urls(LoadKind::Segment);
    let fr: Vec<_> = segments.iter().filter(|u| u.contains("/alt/fr/")).collect();
    assert_eq!(fr.len(), 15, "{segments:?}");
    assert!(!segments.iter().any(|u| u.contains("/alt/en/")));
    assert_eq!(audio_appends(&sim), 16, "init + 15 segments");

    // The MediaSource ends once, after the last audio append.
    let ends: Vec<_> = sim
        .outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == Output::EndOfStream)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(ends.len(), 1, "{ends:?}");
    let last_audio = sim
        .outputs
        .iter()
        .rposition(|o| {
            matches!(
                o,
                Output::Append {
                    track: TrackId::Audio,
                    ..
                }
            )
        })
        .expect("audio appended");
    assert!(ends[0] > last_audio);
}

#[test]
fn the_stream_ends_only_when_the_audio_has_ended_too() {
    let mut sim = alt_sim(Config {
        back_buffer_length: 1000.0,
        ..low_level()
    });
    // The last audio segment keeps failing for a while: the video ends first.
    sim.flaky
        .insert("https://cdn.test/alt/fr/seg_014.m4s".to_owned(), 2);
    sim.load(ALT);
    sim.run(70_000.0);
    let main_done = sim
        .urls(LoadKind::Segment)
        .iter()
        .filter(|u| u.contains("/vod/low/"))
        .count();
    assert_eq!(main_done, 15);
    let retried = sim
        .urls(LoadKind::Segment)
        .iter()
        .filter(|u| u.ends_with("/alt/fr/seg_014.m4s"))
        .count();
    assert_eq!(retried, 3, "two failures, then success");
    let ends = sim
        .outputs
        .iter()
        .filter(|o| **o == Output::EndOfStream)
        .count();
    assert_eq!(ends, 1);
    let last = |track: TrackId| {
        sim.outputs
            .iter()
            .rposition(|o| matches!(o, Output::Append { track: t, .. } if *t == track))
    };
    let end = sim.outputs.iter().position(|o| *o == Output::EndOfStream);
    assert!(
        last(TrackId::Main) < last(TrackId::Audio),
        "the video ended first"
    );
    assert!(end > last(TrackId::Audio), "the end waited for the audio");
    let errors = sim.errors();
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| !e.fatal && e.detail == ErrorDetail::FragLoadError)
    );
}

#[test]
fn switching_audio_flushes_only_audio_ahead_and_reloads_from_the_playhead() {
    let mut sim = alt_sim(low_level());
    sim.load(ALT);
    sim.run(10_000.0);
    let position = sim.position;
    assert!(position > 5.0, "{position}");
    let before = sim.outputs.len();
    let main_segments = sim.urls(LoadKind::Segment).len();
    sim.engine.set_audio_track(sim.now, 0);
    sim.drain();
    let removes: Vec<_> = sim.outputs[before..]
        .iter()
        .filter_map(|o| match o {
            Output::Remove { track, start, end } => Some((*track, *start, *end)),
            _ => None,
        })
        .collect();
    assert_eq!(
        removes,
        [(TrackId::Audio, position + FLUSH_AHEAD_S, f64::INFINITY)]
    );
    assert!(
        sim.events
            .contains(&PlayerEvent::AudioTrackSwitching { id: 0 }),
        "{:?}",
        sim.events
    );
    sim.run(sim.now + 4_000.0);
    assert_eq!(sim.engine.audio_track(), Some(0));
    let segments = sim.urls(LoadKind::Segment);
    let first_en = segments[main_segments..]
        .iter()
        .find(|u| u.contains("/alt/en/"))
        .expect("the new rendition loads");
    let expected = format!("seg_{:03}.m4s", ((position + FLUSH_AHEAD_S) / 4.0) as usize);
    assert!(first_en.ends_with(&expected), "{first_en} {expected}");
    assert!(
        sim.urls(LoadKind::Init)
            .iter()
            .any(|u| u.ends_with("/alt/en/init.mp4"))
    );
    let switching = sim
        .events
        .iter()
        .position(|e| *e == PlayerEvent::AudioTrackSwitching { id: 0 });
    let switched = sim
        .events
        .iter()
        .position(|e| *e == PlayerEvent::AudioTrackSwitched { id: 0 });
    assert!(
        switching < switched && switched.is_some(),
        "{:?}",
        sim.events
    );
    // The playhead kept moving: the video was not flushed.
    assert!(sim.position > position + 3.0);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
}

#[test]
fn an_unknown_audio_track_is_a_non_fatal_error() {
    let mut sim = alt_sim(low_level());
    sim.load(ALT);
    sim.run(2_000.0);
    sim.engine.set_audio_track(sim.now, 7);
    sim.drain();
    let errors = sim.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].detail, ErrorDetail::InvalidState);
    assert!(!errors[0].fatal);
    assert_eq!(sim.engine.audio_track(), Some(1));
}

#[test]
fn audio_behind_the_back_buffer_is_evicted() {
    let mut sim = alt_sim(Config {
        back_buffer_length: 8.0,
        ..low_level()
    });
    sim.load(ALT);
    sim.run(30_000.0);
    let evicted = sim.outputs.iter().find_map(|o| match o {
        Output::Remove {
            track: TrackId::Audio,
            start,
            end,
        } => Some((*start, *end)),
        _ => None,
    });
    let (start, end) = evicted.expect("the audio back buffer is evicted");
    assert_eq!(start, 0.0);
    assert!(end >= 4.0 && end < sim.position, "{end} {}", sim.position);
    let kept = sim.engine.audio.ranges().first().map(|r| r.0);
    assert!(kept.is_some_and(|k| k >= end - 1e-9), "{kept:?}");
}

#[test]
fn seeking_outside_the_audio_buffer_reloads_audio_at_the_target() {
    let mut sim = alt_sim(low_level());
    sim.load(ALT);
    sim.run(3_000.0);
    let before = sim.urls(LoadKind::Segment).len();
    sim.seek(41.0);
    sim.run(sim.now + 3_000.0);
    let segments = sim.urls(LoadKind::Segment);
    let fr = segments[before..].iter().find(|u| u.contains("/alt/fr/"));
    assert!(
        fr.is_some_and(|u| u.ends_with("seg_010.m4s")),
        "{segments:?}"
    );
}

#[test]
fn a_title_without_alternate_audio_has_one_track() {
    let mut sim = Sim::new(low_level());
    sim.load(MASTER);
    sim.run(3_000.0);
    assert!(sim.engine.audio_tracks().is_empty());
    assert!(!sim.outputs.iter().any(|o| matches!(
        o,
        Output::AddTrack {
            track: TrackId::Audio,
            ..
        }
    )));
}

const SUBS: &str = "https://cdn.test/subs/master.m3u8";

/// A title with two subtitle renditions; each 4 s WebVTT segment holds one cue, 1 s into it,
/// on a clock 10 s ahead of the media (X-TIMESTAMP-MAP LOCAL 10 s = MPEGTS 0).
fn subs_sim() -> Sim {
    let mut sim = Sim::new(low_level());
    let master = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"English\",LANGUAGE=\"en\",URI=\"en/subs.m3u8\"\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"Deutsch\",LANGUAGE=\"de\",URI=\"de/subs.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.4d400d,mp4a.40.2\",SUBTITLES=\"s\"\n../vod/low/index.m3u8\n";
    sim.files
        .insert(SUBS.to_owned(), (200, master.as_bytes().to_vec()));
    for lang in ["en", "de"] {
        let base = format!("https://cdn.test/subs/{lang}/");
        let mut pl = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n");
        for i in 0..15 {
            pl += &format!("#EXTINF:4.0,\nseg_{i:03}.vtt\n");
            let local = 10 + 4 * i + 1;
            let vtt = format!(
                "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:10.000\n\n\
                 00:{local:02}.000 --> 00:{:02}.500\n{lang} {i}\n",
                local + 1
            );
            sim.files
                .insert(format!("{base}seg_{i:03}.vtt"), (200, vtt.into_bytes()));
        }
        pl += "#EXT-X-ENDLIST\n";
        sim.files
            .insert(format!("{base}subs.m3u8"), (200, pl.into_bytes()));
    }
    sim
}

fn cues_of(sim: &Sim, track: usize) -> Vec<Cue> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::SubtitleCues { id, cues } if *id == track => Some(cues.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn subtitles_load_only_when_selected_and_cues_land_on_the_timeline() {
    let mut sim = subs_sim();
    sim.load(SUBS);
    sim.run(3_000.0);
    let tracks = sim.events.iter().find_map(|e| match e {
        PlayerEvent::SubtitleTracksUpdated { tracks } => Some(tracks.clone()),
        _ => None,
    });
    assert_eq!(tracks.map(|t| t.len()), Some(2));
    assert_eq!(sim.engine.subtitle_track(), None, "no DEFAULT=YES: off");
    assert!(
        sim.urls(LoadKind::Segment)
            .iter()
            .all(|u| !u.ends_with(".vtt"))
    );

    sim.engine.set_subtitle_track(sim.now, Some(1));
    sim.drain();
    assert!(
        sim.events
            .contains(&PlayerEvent::SubtitleTrackSwitch { id: Some(1) })
    );
    sim.run(sim.now + 15_000.0);
    let cues = cues_of(&sim, 1);
    assert_eq!(
        cues.first(),
        Some(&Cue {
            id: String::new(),
            start: 1.0,
            end: 2.5,
            text: "de 0".into()
        })
    );
    // Only segments within the buffer target ahead of the playhead are fetched.
    let vtt: Vec<_> = sim
        .urls(LoadKind::Segment)
        .into_iter()
        .filter(|u| u.ends_with(".vtt"))
        .collect();
    assert!(vtt.iter().all(|u| u.contains("/de/")), "{vtt:?}");
    let ahead = ((sim.position + 30.0) / 4.0).ceil() as usize;
    assert!(
        vtt.len() <= ahead && vtt.len() >= 8,
        "{} {vtt:?}",
        sim.position
    );
    for (i, cue) in cues.iter().enumerate() {
        assert_eq!(cue.text, format!("de {i}"));
        assert_eq!(cue.start, 4.0 * i as f64 + 1.0);
    }

    sim.engine.set_subtitle_track(sim.now, None);
    sim.drain();
    let loaded = sim.urls(LoadKind::Segment).len();
    sim.seek(40.0);
    sim.run(sim.now + 2_000.0);
    assert!(
        sim.urls(LoadKind::Segment)[loaded..]
            .iter()
            .all(|u| !u.ends_with(".vtt")),
        "subtitles off: no cue loads"
    );
}

#[test]
fn a_broken_subtitle_segment_is_a_non_fatal_error() {
    let mut sim = subs_sim();
    sim.files.insert(
        "https://cdn.test/subs/en/seg_000.vtt".to_owned(),
        (200, b"<html>oops</html>".to_vec()),
    );
    sim.files.remove("https://cdn.test/subs/en/seg_001.vtt");
    sim.load(SUBS);
    sim.run(500.0);
    sim.engine.set_subtitle_track(sim.now, Some(0));
    sim.run(8_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| !e.fatal));
    assert_eq!(errors[0].detail, ErrorDetail::FragParsingError);
    assert_eq!(errors[1].detail, ErrorDetail::FragLoadError);
    assert_eq!(
        cues_of(&sim, 0).first().map(|c| c.text.as_str()),
        Some("en 2")
    );
    // Playback went on.
    assert!(sim.position > 3.0);
}

#[test]
fn a_cue_repeated_in_the_next_segment_is_emitted_once() {
    let mut sim = subs_sim();
    let spanning = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:10.000\n\n\
        00:13.000 --> 00:15.000\nacross\n";
    for i in 0..2 {
        sim.files.insert(
            format!("https://cdn.test/subs/en/seg_{i:03}.vtt"),
            (200, spanning.as_bytes().to_vec()),
        );
    }
    sim.load(SUBS);
    sim.run(500.0);
    sim.engine.set_subtitle_track(sim.now, Some(0));
    sim.run(8_000.0);
    let texts: Vec<_> = cues_of(&sim, 0).into_iter().map(|c| c.text).collect();
    assert_eq!(texts[..2], ["across", "en 2"], "{texts:?}");
}

#[test]
fn packed_aac_renditions_are_transmuxed_into_the_audio_track() {
    let mut sim = alt_sim(low_level());
    let mut pl = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n");
    for i in 0..15u64 {
        pl += &format!("#EXTINF:4.0,\nseg_{i:03}.aac\n");
        sim.files.insert(
            format!("https://cdn.test/alt/fr/seg_{i:03}.aac"),
            (
                200,
                crate::mux::ts_tests::packed_aac(900_000 + i * 360_000, 5),
            ),
        );
    }
    pl += "#EXT-X-ENDLIST\n";
    sim.files.insert(
        "https://cdn.test/alt/fr/index.m3u8".to_owned(),
        (200, pl.into_bytes()),
    );
    sim.load(ALT);
    sim.run(10_000.0);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    let audio: Vec<&[u8]> = sim
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Append {
                track: TrackId::Audio,
                data,
            } => Some(data.as_slice()),
            _ => None,
        })
        .collect();
    assert!(audio.len() >= 4, "{}", audio.len());
    let boxes = |d: &[u8]| d.get(4..8).map(<[u8]>::to_vec);
    assert_eq!(
        boxes(audio[0]),
        Some(b"ftyp".to_vec()),
        "an init segment first"
    );
    assert!(
        audio[1..]
            .iter()
            .all(|d| d.windows(4).any(|w| w == b"moof"))
    );
    assert_eq!(
        sim.urls(LoadKind::Init)
            .iter()
            .filter(|u| u.contains("/alt/"))
            .count(),
        0,
        "packed audio has no EXT-X-MAP"
    );
}

#[test]
fn a_live_audio_window_is_aligned_with_the_video_by_media_sequence() {
    let video = "https://cdn.test/live/index.m3u8";
    let audio = "https://cdn.test/live/audio.m3u8";
    let master = "https://cdn.test/live/master.m3u8";
    let mut sim = live_sim(video);
    let text = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"Main\",DEFAULT=YES,URI=\"audio.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.4d400d,mp4a.40.2\",AUDIO=\"a\"\nindex.m3u8\n";
    sim.files
        .insert(master.to_owned(), (200, text.as_bytes().to_vec()));
    for n in 0..40 {
        let seg = format!("https://cdn.test/live/a/seg_{n}.m4s");
        sim.files.insert(seg, (200, fmp4("audio")));
    }
    sim.load(master);
    while sim.now < 20_000.0 {
        let now = sim.now;
        sim.files
            .insert(video.into(), (200, live_playlist(now, None).into_bytes()));
        // The audio origin's window starts two segments later.
        let trimmed = live_playlist(now, None)
            .replacen(
                &format!("#EXT-X-MEDIA-SEQUENCE:{}", (now / 2000.0) as u64),
                &format!("#EXT-X-MEDIA-SEQUENCE:{}", (now / 2000.0) as u64 + 2),
                1,
            )
            .split_inclusive('\n')
            .enumerate()
            .filter(|(i, _)| !(4..8).contains(i))
            .map(|(_, l)| l)
            .collect::<String>()
            .replace("seg_", "a/seg_");
        sim.files.insert(audio.into(), (200, trimmed.into_bytes()));
        if !sim.answer_one() {
            sim.advance_clock(250.0);
        }
    }
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    let segments = sim.urls(LoadKind::Segment);
    // Both start 3 target durations from the video's edge (6 s, segment 3).
    let first = |prefix: &str| segments.iter().find(|u| u.starts_with(prefix)).copied();
    assert_eq!(
        first("https://cdn.test/live/seg_"),
        Some("https://cdn.test/live/seg_3.m4s")
    );
    assert_eq!(
        first("https://cdn.test/live/a/"),
        Some("https://cdn.test/live/a/seg_3.m4s"),
        "{segments:?}"
    );
    assert!(
        sim.urls(LoadKind::Playlist)
            .iter()
            .filter(|u| u.ends_with("audio.m3u8"))
            .count()
            >= 3,
        "the live audio playlist is reloaded"
    );
    let mut video: Vec<_> = segments.iter().filter(|u| !u.contains("/a/")).collect();
    let loaded = video.len();
    video.sort();
    video.dedup();
    assert_eq!(
        video.len(),
        loaded,
        "no video segment loaded twice: {segments:?}"
    );
}

#[test]
fn a_live_subtitle_playlist_is_reloaded_and_follows_the_playhead() {
    let video = "https://cdn.test/live/index.m3u8";
    let subs = "https://cdn.test/live/subs.m3u8";
    let master = "https://cdn.test/live/master.m3u8";
    let mut sim = live_sim(video);
    let text = "#EXTM3U\n\
        #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"English\",LANGUAGE=\"en\",URI=\"subs.m3u8\"\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.4d400d,mp4a.40.2\",SUBTITLES=\"s\"\nindex.m3u8\n";
    sim.files
        .insert(master.to_owned(), (200, text.as_bytes().to_vec()));
    for n in 0..40u32 {
        let vtt = format!(
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n\
             00:{:02}.500 --> 00:{:02}.500\nlive {n}\n",
            2 * n,
            2 * n + 1
        );
        sim.files.insert(
            format!("https://cdn.test/live/s/seg_{n}.vtt"),
            (200, vtt.into_bytes()),
        );
    }
    sim.load(master);
    let mut selected = false;
    while sim.now < 30_000.0 {
        let now = sim.now;
        sim.files
            .insert(video.into(), (200, live_playlist(now, None).into_bytes()));
        // The subtitle window starts two segments later than the video's.
        let first = (now / 2000.0) as u64;
        let mut pl = format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{}\n",
            first + 2
        );
        for n in first + 2..first + 6 {
            pl += &format!("#EXTINF:2.0,\ns/seg_{n}.vtt\n");
        }
        sim.files.insert(subs.into(), (200, pl.into_bytes()));
        if !selected && !sim.engine.subtitle_tracks().is_empty() {
            selected = true;
            sim.engine.set_subtitle_track(sim.now, Some(0));
            sim.drain();
        }
        if !sim.answer_one() {
            sim.advance_clock(250.0);
        }
    }
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    let reloads = sim
        .urls(LoadKind::Playlist)
        .iter()
        .filter(|u| u.ends_with("subs.m3u8"))
        .count();
    assert!(reloads >= 5, "{reloads} subtitle playlist loads");
    let cues = cues_of(&sim, 0);
    for cue in &cues {
        let n: f64 = cue.text.trim_start_matches("live ").parse().expect("n");
        assert_eq!(cue.start, 2.0 * n + 0.5, "{cue:?}");
    }
    // Cues around the playhead, 30 s in, were loaded as the window slid.
    let position = sim.position;
    assert!(
        cues.iter()
            .any(|c| c.start > position - 2.0 && c.start < position + 2.0),
        "{position} {cues:?}"
    );
}
