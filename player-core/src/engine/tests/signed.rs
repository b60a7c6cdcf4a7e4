//! Playback from a signed origin whose URLs expire every 20 s, on the simulated clock.

use super::*;

/// Lifetime of an issued URL, milliseconds.
const TTL_MS: f64 = 20_000.0;

/// Segments of the title (4 s each: 120 s, longer than every run).
const SEGMENTS: usize = 30;

const EXPIRED_XML: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
const BAD_SIGNATURE_XML: &[u8] = b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>";

#[derive(Clone, Copy, PartialEq)]
enum Signing {
    /// Every child URL of a playlist is signed in the playlist (SigV4 style).
    PerUrl,
    /// One query for the origin; playlists are not rewritten (CloudFront style).
    CloudFront,
}

/// A signed origin over the sim's files: `exp` (simulated ms) and `sig=ok` in the query.
struct Origin {
    signing: Signing,
    sim: Sim,
    /// Index of the first event not yet looked at.
    seen: usize,
    url_expired: usize,
    /// Paths of the loads answered as expired.
    expired_paths: Vec<String>,
    first_buffered_at: Option<f64>,
}

impl Origin {
    fn new(signing: Signing) -> Self {
        let mut sim = Sim::new(Config {
            start_level: Some(0),
            back_buffer_length: 1e9,
            ..Config::default()
        });
        for rung in ["low", "high"] {
            let base = format!("https://cdn.test/vod/{rung}/");
            let pl = media_playlist(SEGMENTS, true);
            sim.files
                .insert(format!("{base}index.m3u8"), (200, pl.into_bytes()));
            for i in 0..SEGMENTS {
                sim.files.insert(
                    format!("{base}seg_{i:03}.m4s"),
                    (200, fmp4(&format!("{rung}{i}"))),
                );
            }
        }
        Self {
            signing,
            sim,
            seen: 0,
            url_expired: 0,
            expired_paths: Vec::new(),
            first_buffered_at: None,
        }
    }

    /// The title with an alternate audio rendition and a WebVTT subtitle rendition too, at
    /// `TRACKS`.
    fn with_renditions(signing: Signing) -> Self {
        let mut origin = Self::new(signing);
        let master = "#EXTM3U\n\
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"Dub\",DEFAULT=YES,URI=\"dub/index.m3u8\"\n\
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"English\",URI=\"subs/index.m3u8\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.4d400d,mp4a.40.2\",AUDIO=\"a\",SUBTITLES=\"s\"\nlow/index.m3u8\n";
        let files = &mut origin.sim.files;
        files.insert(TRACKS.to_owned(), (200, master.as_bytes().to_vec()));
        let dub = "https://cdn.test/vod/dub/";
        let pl = media_playlist(SEGMENTS, true);
        files.insert(format!("{dub}index.m3u8"), (200, pl.into_bytes()));
        files.insert(format!("{dub}init.mp4"), (200, fmp4("init")));
        let mut subs = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n");
        for i in 0..SEGMENTS {
            files.insert(
                format!("{dub}seg_{i:03}.m4s"),
                (200, fmp4(&format!("dub{i}"))),
            );
            subs += &format!("#EXTINF:4.0,\nseg_{i:03}.vtt\n");
            let (from, to) = (4 * i + 1, 4 * i + 2);
            let vtt = format!(
                "WEBVTT\n\n{:02}:{:02}.000 --> {:02}:{:02}.000\ncue {i}\n",
                from / 60,
                from % 60,
                to / 60,
                to % 60
            );
            files.insert(
                format!("https://cdn.test/vod/subs/seg_{i:03}.vtt"),
                (200, vtt.into_bytes()),
            );
        }
        subs += "#EXT-X-ENDLIST\n";
        files.insert(
            "https://cdn.test/vod/subs/index.m3u8".to_owned(),
            (200, subs.into_bytes()),
        );
        origin
    }

    /// A URL of the title as the API would issue it now, expiring `TTL_MS` after `at`.
    fn issue(&self, at: f64) -> String {
        self.issue_signed(at, "ok")
    }

    fn issue_signed(&self, at: f64, sig: &str) -> String {
        self.issue_for(MASTER, at, sig)
    }

    fn issue_for(&self, path: &str, at: f64, sig: &str) -> String {
        let key_pair = match self.signing {
            Signing::CloudFront => "&Key-Pair-Id=K",
            Signing::PerUrl => "",
        };
        format!("{path}?exp={}&sig={sig}{key_pair}", (at + TTL_MS) as u64)
    }

    fn answer(&self, url: &str) -> (u16, Vec<u8>) {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        };
        let exp = param("exp").and_then(|e| e.parse::<f64>().ok());
        let (Some(exp), Some("ok")) = (exp, param("sig")) else {
            return (403, BAD_SIGNATURE_XML.to_vec());
        };
        if exp <= self.sim.now {
            return (403, EXPIRED_XML.to_vec());
        }
        let Some((status, body)) = self.sim.files.get(path).cloned() else {
            return (404, b"not found".to_vec());
        };
        if self.signing == Signing::CloudFront || !path.ends_with(".m3u8") {
            return (status, body);
        }
        // Sign every child URL with the playlist's own expiry, as the server does.
        let sign = format!("?exp={exp}&sig=ok");
        let text = String::from_utf8(body).unwrap();
        let rewritten: Vec<String> = text
            .lines()
            .map(|line| {
                if line.is_empty() {
                    line.to_owned()
                } else if !line.starts_with('#') {
                    format!("{line}{sign}")
                } else if let Some((head, rest)) = line.split_once("URI=\"") {
                    let (uri, tail) = rest.split_once('"').unwrap();
                    format!("{head}URI=\"{uri}{sign}\"{tail}")
                } else {
                    line.to_owned()
                }
            })
            .collect();
        (status, (rewritten.join("\n") + "\n").into_bytes())
    }

    fn load(&mut self, url: &str) {
        self.sim.load(url);
    }

    /// Runs to `until_ms`, answering as the origin; an expired URL is replaced at once with
    /// `refresh`, and every `proactive_ms` a new URL is handed over before expiry.
    fn run(&mut self, until_ms: f64, proactive_ms: Option<f64>, refresh: impl Fn(&Self) -> String) {
        let mut next_proactive = proactive_ms;
        while self.sim.now < until_ms {
            if let Some(req) = self.sim.in_flight.pop_front() {
                let (status, data) = self.answer(&req.url);
                if data == EXPIRED_XML {
                    let path = req.url.split('?').next().unwrap_or_default();
                    self.expired_paths.push(path.to_owned());
                }
                let size = if req.kind == LoadKind::Segment && status == 200 {
                    1_000_000.0
                } else {
                    1000.0
                };
                self.sim.advance_clock(size / self.sim.throughput);
                self.sim.engine.handle_input(
                    self.sim.now,
                    Input::LoadComplete {
                        id: req.id,
                        status,
                        data,
                        ttfb_ms: 20.0,
                    },
                );
                self.sim.drain();
            } else {
                self.sim.advance_clock(250.0);
            }
            let fresh: Vec<PlayerEvent> = self.sim.events[self.seen..].to_vec();
            self.seen = self.sim.events.len();
            for event in fresh {
                match event {
                    PlayerEvent::UrlExpired { .. } => {
                        self.url_expired += 1;
                        let url = refresh(self);
                        self.sim.engine.update_url(self.sim.now, &url);
                        self.sim.drain();
                    }
                    PlayerEvent::FragBuffered { .. } if self.first_buffered_at.is_none() => {
                        self.first_buffered_at = Some(self.sim.now);
                    }
                    _ => {}
                }
            }
            if let (Some(period), Some(at)) = (proactive_ms, next_proactive)
                && self.sim.now >= at
            {
                next_proactive = Some(at + period);
                let url = self.issue(self.sim.now);
                self.sim.engine.update_url(self.sim.now, &url);
                self.sim.drain();
            }
        }
    }

    /// Asserts the playhead never waited since the first segment was buffered.
    fn assert_no_stall(&self) {
        let since = self.first_buffered_at.expect("nothing was buffered");
        let played = (self.sim.now - since) / 1000.0;
        assert!(
            self.sim.position >= played - 0.5,
            "position {} after {played} s of playback",
            self.sim.position
        );
    }

    fn removals(&self) -> usize {
        self.sim
            .outputs
            .iter()
            .filter(|o| matches!(o, Output::Remove { .. }))
            .count()
    }

    fn segment_loads_refused(&self) -> usize {
        self.sim
            .requests
            .iter()
            .filter(|r| r.kind == LoadKind::Segment)
            .count()
            - self
                .sim
                .outputs
                .iter()
                .filter(|o| matches!(o, Output::Event(PlayerEvent::FragLoaded { .. })))
                .count()
    }
}

/// The title with alternate renditions.
const TRACKS: &str = "https://cdn.test/vod/tracks.m3u8";

fn play_90_s_crossing_expiry(signing: Signing) -> Origin {
    let mut origin = Origin::new(signing);
    let url = origin.issue(0.0);
    origin.load(&url);
    origin.run(92_000.0, None, |o| o.issue(o.sim.now));
    origin
}

#[test]
fn presigned_urls_expiring_mid_play_are_renewed_without_stall_flush_or_error() {
    let origin = play_90_s_crossing_expiry(Signing::PerUrl);
    assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
    // 90 s with 20 s URLs: the expiry was crossed several times.
    assert!(origin.url_expired >= 3, "{} expiries", origin.url_expired);
    assert!(origin.segment_loads_refused() >= 1);
    assert_eq!(origin.removals(), 0, "the buffer was flushed");
    origin.assert_no_stall();
    assert!(origin.sim.position > 85.0, "{}", origin.sim.position);
    // The playlists were loaded again from the new URLs, and the init section was not.
    let masters = origin.sim.urls(LoadKind::Manifest).len();
    assert!(masters > origin.url_expired, "{masters} multivariant loads");
    assert_eq!(origin.sim.urls(LoadKind::Init).len(), 1);
    // Each segment was buffered once, in order.
    let buffered: Vec<f64> = origin
        .sim
        .events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::FragBuffered { start, .. } => Some(*start),
            _ => None,
        })
        .collect();
    let expected: Vec<f64> = (0..buffered.len()).map(|i| i as f64 * 4.0).collect();
    assert_eq!(buffered, expected);
}

#[test]
fn cloudfront_query_is_carried_to_every_load_and_renewed() {
    let origin = play_90_s_crossing_expiry(Signing::CloudFront);
    assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
    assert!(origin.url_expired >= 3, "{} expiries", origin.url_expired);
    assert_eq!(origin.removals(), 0);
    origin.assert_no_stall();
    for req in &origin.sim.requests {
        assert!(req.url.contains("&sig=ok&Key-Pair-Id=K"), "{}", req.url);
        assert_eq!(req.url.matches('?').count(), 1, "{}", req.url);
    }
    // Only the first playlist load: the renewal is the query alone.
    assert_eq!(origin.sim.urls(LoadKind::Manifest).len(), 1);
}

#[test]
fn alternate_audio_and_subtitles_carry_the_cloudfront_query_and_wait_for_renewals() {
    let mut origin = Origin::with_renditions(Signing::CloudFront);
    let url = origin.issue_for(TRACKS, 0.0, "ok");
    origin.load(&url);
    origin.run(1_000.0, None, |o| o.issue_for(TRACKS, o.sim.now, "ok"));
    origin
        .sim
        .engine
        .set_subtitle_track(origin.sim.now, Some(0));
    origin.sim.drain();
    origin.run(92_000.0, None, |o| o.issue_for(TRACKS, o.sim.now, "ok"));
    assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
    assert!(origin.url_expired >= 3, "{} expiries", origin.url_expired);
    for req in &origin.sim.requests {
        assert!(req.url.contains("&sig=ok&Key-Pair-Id=K"), "{}", req.url);
    }
    // The renditions' own loads met expiries too, and were made again with new queries.
    let renditions = |path: &String| path.contains("/dub/") || path.contains("/subs/");
    assert!(
        origin.expired_paths.iter().any(renditions),
        "{:?}",
        origin.expired_paths
    );
    // Audio and cues kept coming through every renewal: 90 s of them.
    let last_audio = origin
        .sim
        .urls(LoadKind::Segment)
        .iter()
        .filter(|u| u.contains("/dub/"))
        .count();
    assert!(last_audio >= 23, "{last_audio} audio segments");
    let cues: Vec<String> = origin
        .sim
        .events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::SubtitleCues { cues, .. } => Some(cues.clone()),
            _ => None,
        })
        .flatten()
        .map(|c| c.text)
        .collect();
    assert!(cues.contains(&"cue 22".to_owned()), "{cues:?}");
    origin.assert_no_stall();
}

#[test]
fn urls_renewed_ahead_of_expiry_never_see_a_refusal() {
    for signing in [Signing::PerUrl, Signing::CloudFront] {
        let mut origin = Origin::new(signing);
        let url = origin.issue(0.0);
        origin.load(&url);
        origin.run(92_000.0, Some(9_000.0), |o| o.issue(o.sim.now));
        assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
        assert_eq!(origin.url_expired, 0);
        assert_eq!(origin.segment_loads_refused(), 0);
        assert_eq!(origin.removals(), 0);
        origin.assert_no_stall();
        // The last segments were loaded with a URL issued after 70 s.
        let last = origin
            .sim
            .urls(LoadKind::Segment)
            .last()
            .unwrap()
            .to_owned();
        let exp: f64 = last
            .split("exp=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(exp > 70_000.0 + TTL_MS, "{last}");
    }
}

#[test]
fn a_url_expired_before_loading_recovers() {
    let mut origin = Origin::new(Signing::PerUrl);
    let stale = origin.issue(-30_000.0);
    origin.load(&stale);
    origin.run(30_000.0, None, |o| o.issue(o.sim.now));
    assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
    assert_eq!(
        origin.url_expired, 2,
        "the first playlist, then once more at 20 s"
    );
    origin.assert_no_stall();
    assert!(origin.sim.position > 25.0, "{}", origin.sim.position);
}

#[test]
fn a_tampered_url_is_one_clear_fatal_error() {
    let mut origin = Origin::new(Signing::PerUrl);
    let tampered = origin.issue_signed(0.0, "forged");
    origin.load(&tampered);
    origin.run(20_000.0, None, |o| o.issue(o.sim.now));
    let errors = origin.sim.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].fatal);
    assert_eq!(errors[0].detail, ErrorDetail::ManifestLoadError);
    assert!(
        errors[0]
            .message
            .starts_with("access denied: signature does not match (HTTP 403)"),
        "{}",
        errors[0].message
    );
    // No retry loop.
    assert_eq!(origin.sim.requests.len(), 1);
}

#[test]
fn a_tampered_renewal_mid_play_is_one_fatal_error() {
    for signing in [Signing::PerUrl, Signing::CloudFront] {
        let mut origin = Origin::new(signing);
        let url = origin.issue(0.0);
        origin.load(&url);
        origin.run(60_000.0, None, |o| o.issue_signed(o.sim.now, "forged"));
        let errors = origin.sim.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].fatal && errors[0].message.contains("signature does not match"));
        let requests = origin.sim.requests.len();
        origin.run(80_000.0, None, |o| o.issue(o.sim.now));
        assert_eq!(
            origin.sim.requests.len(),
            requests,
            "loads after the fatal error"
        );
    }
}

#[test]
fn urls_that_keep_arriving_expired_end_in_one_fatal_error() {
    let mut origin = Origin::new(Signing::PerUrl);
    let url = origin.issue(0.0);
    origin.load(&url);
    origin.run(60_000.0, None, |o| o.issue(o.sim.now - 2.0 * TTL_MS));
    let errors = origin.sim.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].fatal && errors[0].message.contains("expired"));
    assert!(origin.url_expired <= 5, "{}", origin.url_expired);
}

#[test]
fn a_media_playlist_url_is_renewed_in_place() {
    const MEDIA: &str = "https://cdn.test/vod/high/index.m3u8";
    for signing in [Signing::PerUrl, Signing::CloudFront] {
        let mut origin = Origin::new(signing);
        let url = origin.issue_for(MEDIA, 0.0, "ok");
        origin.load(&url);
        origin.run(70_000.0, None, |o| o.issue_for(MEDIA, o.sim.now, "ok"));
        assert!(origin.sim.errors().is_empty(), "{:?}", origin.sim.errors());
        assert!(origin.url_expired >= 3, "{} expiries", origin.url_expired);
        assert_eq!(origin.removals(), 0);
        origin.assert_no_stall();
        // Only the high rendition was ever loaded, and never the multivariant.
        assert!(
            origin
                .sim
                .requests
                .iter()
                .all(|r| r.url.starts_with("https://cdn.test/vod/high/"))
        );
        let levels = origin.sim.engine.levels();
        assert_eq!(levels.len(), 1);
        // The level's URL is the latest one issued.
        let exp: f64 = levels[0]
            .url
            .split("exp=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(exp > 50_000.0, "{}", levels[0].url);
    }
}
