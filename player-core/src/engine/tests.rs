//! Engine tests against a simulated network and media element, on a simulated clock.

use super::*;
use std::collections::BTreeMap;

const MASTER: &str = "https://cdn.test/vod/master.m3u8";

fn fmp4(tag: &str) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 8];
    v.extend_from_slice(b"moof");
    v.extend_from_slice(tag.as_bytes());
    v
}

fn media_playlist(segments: usize, end_list: bool) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n");
    for i in 0..segments {
        s += &format!("#EXTINF:4.0,\nseg_{i:03}.m4s\n");
    }
    if end_list {
        s += "#EXT-X-ENDLIST\n";
    }
    s
}

/// A network answering from a table of URLs, and a media element that plays buffered media.
struct Sim {
    engine: Engine,
    now: f64,
    /// URL → (status, body).
    files: BTreeMap<String, (u16, Vec<u8>)>,
    /// How many times each URL failed with HTTP 500 before succeeding.
    flaky: BTreeMap<String, u32>,
    requests: Vec<LoadRequest>,
    in_flight: VecDeque<LoadRequest>,
    events: Vec<PlayerEvent>,
    outputs: Vec<Output>,
    buffered: Vec<(f64, f64)>,
    position: f64,
    playing: bool,
    ended: bool,
    /// Bytes per millisecond the network delivers.
    throughput: f64,
}

impl Sim {
    fn new(config: Config) -> Self {
        let mut files = BTreeMap::new();
        let master = "#EXTM3U\n\
            #EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\"\nlow/index.m3u8\n\
            #EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"\nhigh/index.m3u8\n";
        files.insert(MASTER.to_owned(), (200, master.as_bytes().to_vec()));
        for rung in ["low", "high"] {
            let base = format!("https://cdn.test/vod/{rung}/");
            let pl = media_playlist(15, true);
            files.insert(format!("{base}index.m3u8"), (200, pl.into_bytes()));
            files.insert(format!("{base}init.mp4"), (200, fmp4("init")));
            for i in 0..15 {
                files.insert(
                    format!("{base}seg_{i:03}.m4s"),
                    (200, fmp4(&format!("{rung}{i}"))),
                );
            }
        }
        Self {
            engine: Engine::new(config),
            now: 0.0,
            files,
            flaky: BTreeMap::new(),
            requests: Vec::new(),
            in_flight: VecDeque::new(),
            events: Vec::new(),
            outputs: Vec::new(),
            buffered: Vec::new(),
            position: 0.0,
            playing: true,
            ended: false,
            throughput: 1000.0,
        }
    }

    fn load(&mut self, url: &str) {
        self.engine.load(self.now, url, None);
        self.engine.handle_input(self.now, Input::MediaSourceOpen);
        self.drain();
    }

    /// Performs every pending output; appends complete at once.
    fn drain(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            self.outputs.push(out.clone());
            match out {
                Output::Load(req) => {
                    self.requests.push(req.clone());
                    self.in_flight.push_back(req);
                }
                Output::Abort(id) => self.in_flight.retain(|r| r.id != id),
                Output::Append { track, .. } => self
                    .engine
                    .handle_input(self.now, Input::Appended { track }),
                Output::Remove {
                    track: TrackId::Audio,
                    ..
                } => self.engine.handle_input(
                    self.now,
                    Input::Removed {
                        track: TrackId::Audio,
                    },
                ),
                Output::Remove { track, end, .. } => {
                    self.buffered = self
                        .buffered
                        .iter()
                        .filter(|r| r.1 > end)
                        .map(|&(s, e)| (s.max(end), e))
                        .collect();
                    self.engine.handle_input(self.now, Input::Removed { track });
                }
                Output::Event(PlayerEvent::FragBuffered { start, end, .. }) => {
                    self.add_buffered(start, end);
                    self.events.push(PlayerEvent::FragBuffered {
                        level: 0,
                        sn: 0,
                        start,
                        end,
                    });
                }
                Output::Event(e) => self.events.push(e),
                Output::Seek(t) => self.seek(t),
                Output::EndOfStream => self.ended = true,
                _ => {}
            }
        }
    }

    fn add_buffered(&mut self, start: f64, end: f64) {
        self.buffered.push((start, end));
        self.buffered.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for (s, e) in self.buffered.drain(..) {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 0.01 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.buffered = merged;
    }

    fn seek(&mut self, t: f64) {
        self.position = t;
        self.engine
            .handle_input(self.now, Input::Seeking { position: t });
        self.drain();
    }

    /// Answers the oldest in-flight request after its transfer time.
    fn answer_one(&mut self) -> bool {
        let Some(req) = self.in_flight.pop_front() else {
            return false;
        };
        let (status, body) = self
            .files
            .get(&req.url)
            .cloned()
            .unwrap_or((404, b"not found".to_vec()));
        let fails = self.flaky.get(&req.url).copied().unwrap_or(0);
        let (status, body) = if fails > 0 {
            self.flaky.insert(req.url.clone(), fails - 1);
            (500, b"oops".to_vec())
        } else {
            (status, body)
        };
        // Pretend segments are 1 MB so the transfer takes simulated time.
        let size = if req.kind == LoadKind::Segment {
            1_000_000.0
        } else {
            1000.0
        };
        self.advance_clock(size / self.throughput);
        self.engine.handle_input(
            self.now,
            Input::LoadComplete {
                id: req.id,
                status,
                data: body,
                ttfb_ms: 20.0,
            },
        );
        self.drain();
        true
    }

    /// Moves time on, playing buffered media and firing due timeouts.
    fn advance_clock(&mut self, ms: f64) {
        let end = self.now + ms;
        while self.now < end {
            let step = (end - self.now).min(250.0);
            self.now += step;
            if self.playing {
                let limit = self
                    .buffered
                    .iter()
                    .find(|r| r.0 <= self.position + 0.01 && self.position < r.1)
                    .map_or(self.position, |r| r.1);
                self.position = (self.position + step / 1000.0).min(limit);
            }
            self.engine.handle_input(
                self.now,
                Input::Playhead {
                    position: self.position,
                    buffered: self.buffered.clone(),
                },
            );
            if let Some(t) = self.engine.poll_timeout()
                && t <= self.now
            {
                self.engine.handle_timeout(self.now);
            }
            self.drain();
        }
    }

    /// Runs until nothing is in flight and the clock passed `until_ms`.
    fn run(&mut self, until_ms: f64) {
        while self.now < until_ms {
            if !self.answer_one() {
                self.advance_clock(250.0);
            }
        }
    }

    fn errors(&self) -> Vec<&PlayerError> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PlayerEvent::Error(err) => Some(err),
                _ => None,
            })
            .collect()
    }

    fn urls(&self, kind: LoadKind) -> Vec<&str> {
        self.requests
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.url.as_str())
            .collect()
    }
}

#[test]
fn vod_plays_to_the_end_within_the_buffer_target() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(5_000.0);
    // 30 s forward target with 4 s segments: at most 8 segments ahead of a playhead near 0-5 s.
    assert!(
        sim.urls(LoadKind::Segment).len() <= 10,
        "{:?}",
        sim.urls(LoadKind::Segment)
    );
    assert!(sim.outputs.contains(&Output::SetDuration(60.0)));
    assert!(sim.outputs.iter().any(|o| matches!(
        o,
        Output::AddTrack { track: TrackId::Main, mime } if mime == "video/mp4; codecs=\"avc1.4d400d,mp4a.40.2\""
    )));
    sim.run(70_000.0);
    assert!(sim.ended, "end of stream was signalled");
    assert!(sim.position >= 59.9, "played to {}", sim.position);
    let segments = sim.urls(LoadKind::Segment);
    assert_eq!(segments.len(), 15, "each segment loaded once");
    assert_eq!(sim.urls(LoadKind::Init).len(), 1);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    // Back buffer stays within 30 s (plus a step of eviction).
    let first = sim.buffered.first().map_or(0.0, |r| r.0);
    assert!(
        first >= sim.position - 30.0 - 4.0 - 0.01,
        "buffer starts at {first}"
    );
}

#[test]
fn manifest_404_is_a_fatal_network_error_and_load_works_again() {
    let mut sim = Sim::new(Config::default());
    sim.load("https://cdn.test/missing.m3u8");
    sim.run(2_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].detail, ErrorDetail::ManifestLoadError);
    assert!(errors[0].fatal);
    assert!(
        errors[0].message.contains("HTTP 404"),
        "{}",
        errors[0].message
    );
    assert_eq!(
        sim.urls(LoadKind::Manifest).len(),
        1,
        "a 404 is not retried"
    );

    sim.load(MASTER);
    sim.run(10_000.0);
    assert!(
        !sim.urls(LoadKind::Segment).is_empty(),
        "the second load plays"
    );
    assert_eq!(sim.errors().len(), 1);
}

#[test]
fn a_body_that_is_not_a_playlist_is_a_parsing_error() {
    let mut sim = Sim::new(Config::default());
    let url = "https://cdn.test/page.html";
    sim.files
        .insert(url.into(), (200, b"<!doctype html><p>hello".to_vec()));
    sim.load(url);
    sim.run(1_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].detail, ErrorDetail::ManifestParsingError);
    assert_eq!(errors[0].kind, ErrorKind::Network);
    assert!(errors[0].fatal);
}

#[test]
fn a_segment_that_is_not_media_is_a_fatal_mux_error() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.files.insert(
        "https://cdn.test/vod/low/seg_001.m4s".into(),
        (200, b"<html>oops</html>".to_vec()),
    );
    sim.load(MASTER);
    sim.run(20_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].detail, ErrorDetail::FragParsingError);
    assert_eq!(errors[0].kind, ErrorKind::Mux);
    assert!(errors[0].message.contains("seg_001.m4s"));
    assert!(
        sim.in_flight.is_empty(),
        "nothing loads after a fatal error"
    );
}

#[test]
fn failed_segment_loads_are_retried_with_backoff() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    let url = "https://cdn.test/vod/low/seg_002.m4s".to_owned();
    sim.flaky.insert(url.clone(), 2);
    sim.load(MASTER);
    sim.run(20_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| !e.fatal && e.detail == ErrorDetail::FragLoadError)
    );
    let tries: Vec<_> = sim
        .requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.url == url)
        .collect();
    assert_eq!(tries.len(), 3, "two failures, then success");
    assert_eq!(
        sim.urls(LoadKind::Segment)
            .iter()
            .filter(|u| **u == url)
            .count(),
        3
    );
}

#[test]
fn a_level_that_keeps_failing_is_failed_over_and_all_levels_failing_is_fatal() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        max_load_retries: 2,
        ..Config::default()
    });
    sim.flaky
        .insert("https://cdn.test/vod/low/seg_000.m4s".to_owned(), 100);
    sim.load(MASTER);
    sim.run(30_000.0);
    let errors = sim.errors();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().all(|e| !e.fatal));
    assert!(
        errors[2]
            .message
            .ends_with("; level 0 failed, switching to level 1"),
        "{}",
        errors[2].message
    );
    assert!(
        sim.urls(LoadKind::Segment)
            .contains(&"https://cdn.test/vod/high/seg_000.m4s")
    );
    assert!(
        sim.position > 20.0,
        "plays on the other level: {}",
        sim.position
    );

    let mut sim = Sim::new(Config {
        start_level: Some(0),
        max_load_retries: 1,
        ..Config::default()
    });
    for rung in ["low", "high"] {
        let url = format!("https://cdn.test/vod/{rung}/seg_000.m4s");
        sim.flaky.insert(url, 100);
    }
    sim.load(MASTER);
    sim.run(30_000.0);
    let errors = sim.errors();
    assert!(errors.last().is_some_and(|e| e.fatal), "{errors:?}");
    assert_eq!(errors.iter().filter(|e| e.fatal).count(), 1);
}

#[test]
fn a_failing_variant_fails_over_to_its_backup_stream() {
    let mut sim = Sim::new(Config::default());
    let master = "https://cdn.test/backup/master.m3u8";
    let text = "#EXTM3U\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\"\nhttps://down.test/low/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\"\nhttps://cdn.test/vod/low/index.m3u8\n";
    sim.files
        .insert(master.into(), (200, text.as_bytes().to_vec()));
    sim.load(master);
    sim.run(20_000.0);
    assert_eq!(
        sim.engine.levels().len(),
        1,
        "a backup is not a level of its own"
    );
    let errors = sim.errors();
    assert!(errors.iter().all(|e| !e.fatal), "{errors:?}");
    assert!(errors.iter().any(|e| e.message.contains("backup stream")));
    assert!(
        sim.urls(LoadKind::Segment)
            .contains(&"https://cdn.test/vod/low/seg_000.m4s")
    );
}

#[test]
fn retry_delays_grow_exponentially_with_jitter() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        max_load_retries: 3,
        retry_delay_ms: 1000.0,
        ..Config::default()
    });
    let url = "https://cdn.test/vod/low/seg_000.m4s".to_owned();
    sim.flaky.insert(url.clone(), 3);
    sim.load(MASTER);
    let mut tries = Vec::new();
    while sim.now < 20_000.0 {
        if let Some(req) = sim.in_flight.front()
            && req.url == url
        {
            tries.push(sim.now);
        }
        if !sim.answer_one() {
            sim.advance_clock(10.0);
        }
    }
    assert_eq!(tries.len(), 4, "{tries:?}");
    let gaps: Vec<f64> = tries.windows(2).map(|w| w[1] - w[0]).collect();
    for (i, gap) in gaps.iter().enumerate() {
        let base = 1000.0 * 2f64.powi(i as i32);
        assert!(
            (0.75 * base..=1.25 * base + 1100.0).contains(gap),
            "retry {i} after {gap} ms"
        );
    }
    assert!(
        gaps[0] != gaps[1] / 2.0,
        "jittered, not exactly doubling: {gaps:?}"
    );
}

#[test]
fn next_level_switches_at_the_next_segment_without_flushing() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        max_buffer_length: 8.0,
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(3_000.0);
    let low_segments = sim.urls(LoadKind::Segment).len();
    assert!(low_segments >= 2);
    sim.engine.set_next_level(sim.now, Some(1));
    sim.drain();
    sim.run(20_000.0);
    let segments = sim.urls(LoadKind::Segment);
    assert!(
        segments[low_segments..]
            .iter()
            .all(|u| u.contains("/high/")),
        "{segments:?}"
    );
    assert!(
        sim.urls(LoadKind::Init)
            .contains(&"https://cdn.test/vod/high/init.mp4")
    );
    assert!(
        sim.events
            .contains(&PlayerEvent::LevelSwitching { level: 1 })
    );
    assert!(
        !sim.outputs
            .iter()
            .any(|o| matches!(o, Output::Remove { start, .. } if *start > 0.0))
    );
    // Segment numbers continue: the first high segment follows the last low one.
    let first_high = &segments[low_segments];
    assert!(
        first_high.ends_with(&format!("seg_{low_segments:03}.m4s")),
        "{first_high}"
    );
}

#[test]
fn seeking_outside_the_buffer_aborts_and_loads_from_the_target() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.answer_one(); // master
    sim.answer_one(); // playlist
    sim.answer_one(); // init
    sim.answer_one(); // segment 0
    assert_eq!(sim.in_flight.len(), 1, "segment 1 in flight");
    let stale = sim.in_flight[0].id;
    sim.seek(45.0);
    assert!(sim.outputs.contains(&Output::Abort(stale)));
    assert!(sim.in_flight.iter().all(|r| r.id != stale));
    assert_eq!(
        sim.in_flight.back().map(|r| r.url.as_str()),
        Some("https://cdn.test/vod/low/seg_011.m4s")
    );
    sim.run(30_000.0);
    assert!(sim.position > 50.0, "played on from 45 s: {}", sim.position);
}

#[test]
fn start_position_seeks_once_media_is_buffered() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.engine.load(0.0, MASTER, Some(30.0));
    sim.engine.handle_input(0.0, Input::MediaSourceOpen);
    sim.drain();
    sim.run(3_000.0);
    assert_eq!(
        sim.urls(LoadKind::Segment).first().copied(),
        Some("https://cdn.test/vod/low/seg_007.m4s")
    );
    assert!(sim.outputs.contains(&Output::Seek(30.0)));
}

#[test]
fn a_media_playlist_url_plays_as_a_single_level() {
    let mut sim = Sim::new(Config::default());
    sim.load("https://cdn.test/vod/high/index.m3u8");
    sim.run(70_000.0);
    assert!(sim.ended);
    assert_eq!(sim.engine.levels().len(), 1);
    assert!(sim.outputs.iter().any(|o| matches!(
        o,
        Output::AddTrack { mime, .. } if mime.contains("avc1")
    )));
}

#[test]
fn live_playlists_are_reloaded_at_the_target_duration() {
    let mut sim = Sim::new(Config::default());
    let url = "https://cdn.test/live/index.m3u8";
    sim.files
        .insert(url.into(), (200, media_playlist(3, false).into_bytes()));
    sim.files
        .insert("https://cdn.test/live/init.mp4".into(), (200, fmp4("init")));
    for i in 0..3 {
        let seg = format!("https://cdn.test/live/seg_{i:03}.m4s");
        sim.files.insert(seg, (200, fmp4("live")));
    }
    sim.load(url);
    sim.run(9_500.0);
    let reloads = sim.urls(LoadKind::Playlist).len();
    assert!(reloads >= 2, "reloaded {reloads} times in 9.5 s");
    assert!(!sim.ended, "a live stream does not end");
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
}

#[test]
fn a_segment_load_that_would_drain_the_buffer_is_abandoned_for_a_lower_level() {
    let mut sim = Sim::new(Config {
        start_level: Some(1),
        initial_bandwidth_estimate: 20e6,
        ..Config::default()
    });
    sim.load(MASTER);
    for _ in 0..4 {
        sim.answer_one(); // master, high playlist, init, segment 0
    }
    let stalled = sim.in_flight.pop_front().expect("segment 1 in flight");
    assert!(
        stalled.url.ends_with("/high/seg_001.m4s"),
        "{}",
        stalled.url
    );
    // The link collapses: 20 kB arrive in 2.5 s while only ~4 s are buffered.
    let started = sim.now;
    for step in 1..=25 {
        sim.now = started + f64::from(step) * 100.0;
        sim.engine.handle_input(
            sim.now,
            Input::LoadProgress {
                id: stalled.id,
                loaded_bytes: 800 * u64::from(step as u32),
                total_bytes: Some(1_750_000),
                ttfb_ms: 80.0,
            },
        );
        sim.drain();
        if sim.outputs.contains(&Output::Abort(stalled.id)) {
            break;
        }
    }
    assert!(
        sim.outputs.contains(&Output::Abort(stalled.id)),
        "the slow load was abandoned"
    );
    assert!(
        sim.events
            .contains(&PlayerEvent::FragLoadEmergencyAborted { level: 1, to: 0 })
    );
    let next = sim.requests.last().expect("a replacement load");
    assert!(next.url.contains("/low/"), "{}", next.url);
    // The same stretch of time is loaded from the lower level once its playlist is there.
    sim.run(sim.now + 5_000.0);
    assert!(
        sim.urls(LoadKind::Segment)
            .contains(&"https://cdn.test/vod/low/seg_001.m4s")
    );
}

#[test]
fn a_small_player_caps_the_level_chosen() {
    let mut sim = Sim::new(Config {
        initial_bandwidth_estimate: 50e6,
        ..Config::default()
    });
    sim.engine.handle_input(
        0.0,
        Input::Viewport {
            width: 400,
            height: 225,
        },
    );
    sim.load(MASTER);
    sim.run(20_000.0);
    let segments = sim.urls(LoadKind::Segment);
    assert!(!segments.is_empty());
    assert!(segments.iter().all(|u| u.contains("/low/")), "{segments:?}");
}

#[test]
fn a_full_buffer_evicts_behind_the_playhead_instead_of_failing() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(20_000.0);
    assert!(sim.position > 10.0);
    sim.engine.handle_input(
        sim.now,
        Input::AppendFailed {
            track: TrackId::Main,
            quota_exceeded: true,
            message: "QuotaExceededError".into(),
        },
    );
    let outputs: Vec<_> = std::iter::from_fn(|| sim.engine.poll_output()).collect();
    let keep_from = sim.position - 2.0;
    assert!(
        outputs.iter().any(|o| matches!(o, Output::Remove { start, end, .. } if *start == 0.0 && (*end - keep_from).abs() < 1e-9)),
        "{outputs:?}"
    );
    assert!(
        !outputs
            .iter()
            .any(|o| matches!(o, Output::Event(PlayerEvent::Error(_))))
    );

    // With nothing behind the playhead, a full buffer is a clear fatal error.
    let mut sim = Sim::new(Config::default());
    sim.load(MASTER);
    sim.engine.handle_input(
        0.0,
        Input::AppendFailed {
            track: TrackId::Main,
            quota_exceeded: true,
            message: "QuotaExceededError".into(),
        },
    );
    sim.drain();
    assert_eq!(
        sim.errors().last().map(|e| e.detail),
        Some(ErrorDetail::BufferFullError)
    );
}

#[test]
fn the_playhead_jumps_a_small_hole_but_not_a_large_one() {
    let mut engine = Engine::new(Config::default());
    engine.handle_input(
        0.0,
        Input::Playhead {
            position: 8.0,
            buffered: vec![(0.0, 8.0), (8.3, 20.0)],
        },
    );
    assert_eq!(engine.poll_output(), Some(Output::Seek(8.31)));
    engine.handle_input(
        100.0,
        Input::Playhead {
            position: 8.0,
            buffered: vec![(0.0, 8.0), (8.3, 20.0)],
        },
    );
    assert_eq!(engine.poll_output(), None, "one jump per hole");
    let mut engine = Engine::new(Config::default());
    engine.handle_input(
        0.0,
        Input::Playhead {
            position: 8.0,
            buffered: vec![(0.0, 8.0), (9.5, 20.0)],
        },
    );
    assert_eq!(
        engine.poll_output(),
        None,
        "a 1.5 s hole is a missing segment, not a gap"
    );
}

#[test]
fn current_level_switches_now_flushing_what_is_ahead() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(6_000.0);
    let position = sim.position;
    let low_loaded = sim.urls(LoadKind::Segment).len();
    sim.engine.set_current_level(sim.now, Some(1));
    sim.drain();
    let flush = sim
        .outputs
        .iter()
        .find_map(|o| match o {
            Output::Remove { start, end, .. } if end.is_infinite() => Some(*start),
            _ => None,
        })
        .expect("the buffer ahead is flushed");
    assert!((flush - (position + FLUSH_AHEAD_S)).abs() < 1e-9);
    sim.run(sim.now + 3_000.0);
    let segments = sim.urls(LoadKind::Segment);
    let first_high = segments[low_loaded..].iter().find(|u| u.contains("/high/"));
    let expected = format!("seg_{:03}.m4s", ((position + FLUSH_AHEAD_S) / 4.0) as usize);
    assert!(
        first_high.is_some_and(|u| u.ends_with(&expected)),
        "{segments:?}"
    );
    assert_eq!(sim.engine.next_level(), Some(1));
}

/// A live origin: a 6-segment window of 2 s segments sliding with the clock.
fn live_playlist(now_ms: f64, end_list_after: Option<u64>) -> String {
    let first = (now_ms / 2000.0) as u64;
    let last = end_list_after.map_or(first + 6, |end| (first + 6).min(end));
    let mut s = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-MAP:URI=\"init.mp4\"\n"
    );
    for n in first..last {
        s += &format!("#EXTINF:2.0,\nseg_{n}.m4s\n");
    }
    if end_list_after.is_some_and(|end| first + 6 >= end) {
        s += "#EXT-X-ENDLIST\n";
    }
    s
}

fn run_live(sim: &mut Sim, url: &str, until_ms: f64, end_list_after: Option<u64>) {
    while sim.now < until_ms {
        let text = live_playlist(sim.now, end_list_after);
        sim.files.insert(url.into(), (200, text.into_bytes()));
        if !sim.answer_one() {
            sim.advance_clock(250.0);
        }
    }
}

fn live_sim(url: &str) -> Sim {
    let mut sim = Sim::new(Config::default());
    sim.throughput = 20_000.0;
    sim.files
        .insert("https://cdn.test/live/init.mp4".into(), (200, fmp4("init")));
    for n in 0..400 {
        let seg = format!("https://cdn.test/live/seg_{n}.m4s");
        sim.files.insert(seg, (200, fmp4("live")));
    }
    sim.files
        .insert(url.into(), (200, live_playlist(0.0, None).into_bytes()));
    sim
}

#[test]
fn live_starts_three_target_durations_from_the_edge_and_keeps_up() {
    let url = "https://cdn.test/live/index.m3u8";
    let mut sim = live_sim(url);
    sim.load(url);
    run_live(&mut sim, url, 120_000.0, None);
    let segments = sim.urls(LoadKind::Segment);
    // Window 0..12 s at start, edge 12 s: start at 12 - 3 × 2 = 6 s, segment 3.
    assert_eq!(
        segments.first().copied(),
        Some("https://cdn.test/live/seg_3.m4s")
    );
    let mut sorted = segments.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), segments.len(), "no segment loaded twice");
    assert!(sim.outputs.contains(&Output::Seek(6.0)));
    // Two minutes later the window has slid 60 segments and playback is near its edge.
    let edge = (sim.now / 2000.0).floor() * 2.0 + 12.0;
    let latency = edge - sim.position;
    assert!(
        latency < 3.0 * 2.0 + 2.0 + 2.0,
        "latency {latency} s at {}",
        sim.position
    );
    assert!(sim.position > 110.0, "played to {}", sim.position);
    let reloads = sim.urls(LoadKind::Playlist).len();
    assert!((50..=130).contains(&reloads), "{reloads} reloads in 2 min");
    assert!(!sim.ended);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
}

#[test]
fn a_live_stream_that_falls_behind_catches_up_faster_then_normal() {
    let url = "https://cdn.test/live/index.m3u8";
    let mut sim = live_sim(url);
    sim.load(url);
    run_live(&mut sim, url, 10_000.0, None);
    // The viewer pauses for 8 s, falling behind the sync point.
    sim.playing = false;
    run_live(&mut sim, url, 18_000.0, None);
    sim.playing = true;
    run_live(&mut sim, url, 19_000.0, None);
    assert!(
        sim.outputs.contains(&Output::SetPlaybackRate(1.1)),
        "plays faster when behind"
    );
}

#[test]
fn endlist_turns_a_live_stream_into_vod() {
    let url = "https://cdn.test/live/index.m3u8";
    let mut sim = live_sim(url);
    sim.load(url);
    run_live(&mut sim, url, 60_000.0, Some(12));
    assert!(sim.ended, "the stream ended");
    assert_eq!(
        sim.urls(LoadKind::Segment).last().copied(),
        Some("https://cdn.test/live/seg_11.m4s")
    );
    let reloads_at_end = sim.urls(LoadKind::Playlist).len();
    run_live(&mut sim, url, 70_000.0, Some(12));
    assert_eq!(
        sim.urls(LoadKind::Playlist).len(),
        reloads_at_end,
        "no reloads after ENDLIST"
    );
}

#[test]
fn recovering_from_a_media_error_rebuffers_from_the_playhead() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    sim.load(MASTER);
    sim.run(10_000.0);
    sim.engine.handle_input(
        sim.now,
        Input::AppendFailed {
            track: TrackId::Main,
            quota_exceeded: false,
            message: "decode error".into(),
        },
    );
    sim.drain();
    assert!(sim.errors().last().is_some_and(|e| e.fatal));
    let position = sim.position;
    let before = sim.outputs.len();
    sim.buffered.clear();
    sim.engine.recover_media_error(sim.now);
    sim.engine.handle_input(sim.now, Input::MediaSourceOpen);
    sim.drain();
    sim.run(sim.now + 3_000.0);
    let after = &sim.outputs[before..];
    assert!(
        after.iter().any(|o| matches!(o, Output::AddTrack { .. })),
        "a new SourceBuffer"
    );
    let init = after
        .iter()
        .position(|o| matches!(o, Output::Load(r) if r.kind == LoadKind::Init));
    let first = after.iter().find_map(|o| match o {
        Output::Load(r) if r.kind == LoadKind::Segment => Some(r.url.clone()),
        _ => None,
    });
    assert!(init.is_some(), "the init segment is loaded again");
    let expected = format!("seg_{:03}.m4s", (position / 4.0) as usize);
    assert!(
        first.is_some_and(|u| u.ends_with(&expected)),
        "resumes at {position}"
    );
    assert!(after.contains(&Output::Seek(position)));
}

#[test]
fn the_stream_is_ended_again_after_an_eviction() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        back_buffer_length: 10.0,
        max_buffer_length: 90.0,
        ..Config::default()
    });
    sim.load(MASTER);
    sim.playing = false;
    sim.run(15_000.0);
    assert!(sim.ended, "all 60 s loaded while paused");
    let eos_at = sim
        .outputs
        .iter()
        .position(|o| *o == Output::EndOfStream)
        .unwrap();
    sim.playing = true;
    sim.run(80_000.0);
    let after = &sim.outputs[eos_at + 1..];
    let last_remove = after
        .iter()
        .rposition(|o| matches!(o, Output::Remove { .. }));
    let last_remove = last_remove.expect("the back buffer is still evicted");
    assert!(
        after[last_remove..].contains(&Output::EndOfStream),
        "a removal reopens the MediaSource: it must be ended again"
    );
}

#[test]
fn timed_id3_metadata_in_a_ts_segment_is_an_event() {
    let mut sim = Sim::new(Config::default());
    let tag = b"ID3\x04\0\0\0\0\0\x05hello".to_vec();
    let (ts, _) = crate::mux::ts_tests::audio_with_id3(&tag);
    let url = "https://cdn.test/radio/index.m3u8";
    let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.064,\nseg.ts\n#EXT-X-ENDLIST\n";
    sim.files
        .insert(url.into(), (200, playlist.as_bytes().to_vec()));
    sim.files
        .insert("https://cdn.test/radio/seg.ts".into(), (200, ts));
    sim.load(url);
    sim.run(2_000.0);
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    let metadata: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Metadata { sn, pts, data } => Some((*sn, *pts, data.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(metadata.len(), 1);
    let (sn, pts, data) = &metadata[0];
    assert_eq!((*sn, data), (0, &tag));
    // The segment starts at 0 on the timeline; the tag is 2,000/90,000 s after the first audio.
    assert!(
        pts.is_some_and(|t| (t - 2_000.0 / 90_000.0).abs() < 1e-6),
        "{pts:?}"
    );
    assert!(
        sim.outputs
            .iter()
            .any(|o| matches!(o, Output::AddTrack { mime, .. } if mime.contains("mp4a.40.2")))
    );
}

#[test]
fn buffered_media_stays_within_the_back_and_forward_targets_over_an_hour() {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        max_buffer_length: 20.0,
        back_buffer_length: 10.0,
        ..Config::default()
    });
    // An hour: the low rung's 15 segments looped 60 times, a discontinuity between repeats.
    let mut playlist =
        String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"low/init.mp4\"\n");
    for repeat in 0..60 {
        if repeat > 0 {
            playlist += "#EXT-X-DISCONTINUITY\n";
        }
        for i in 0..15 {
            playlist += &format!("#EXTINF:4.0,\nlow/seg_{i:03}.m4s\n");
        }
    }
    playlist += "#EXT-X-ENDLIST\n";
    let url = "https://cdn.test/vod/hour.m3u8";
    sim.files
        .insert(url.to_owned(), (200, playlist.into_bytes()));
    sim.load(url);
    let mut widest: f64 = 0.0;
    while !sim.ended || sim.position < 3599.0 {
        sim.run(sim.now + 250.0);
        if let (Some(first), Some(last)) = (sim.buffered.first(), sim.buffered.last()) {
            widest = widest.max(last.1 - first.0);
        }
        assert!(sim.now < 4_000_000.0, "stuck at {} s", sim.position);
    }
    assert!(sim.errors().is_empty(), "{:?}", sim.errors());
    assert_eq!(
        sim.urls(LoadKind::Segment).len(),
        900,
        "each segment loaded once"
    );
    // 10 s back + 20 s forward + one 4 s segment.
    assert!(widest <= 34.0, "buffered media spanned {widest} s");
    assert!(widest >= 24.0, "the targets were reached: {widest} s");
}

mod pathways;
mod signed;
mod stall;
mod tracks;
