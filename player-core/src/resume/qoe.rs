//! Quality-of-experience figures of a viewing session, for `POST /api/sessions` reports.

use crate::json::ObjectWriter;

/// Most error codes kept per session (the server's limit).
pub const MAX_ERRORS: usize = 50;
/// Most distinct bitrates kept in the histogram (the server's limit).
pub const MAX_BUCKETS: usize = 64;

/// The figures sent to the server (JSON in the API's camelCase shape).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QoeReport {
    /// Seconds of content played (not stalled, not paused).
    pub watch_time_s: f64,
    /// Milliseconds from load to the first `playing`, once known.
    pub startup_ms: Option<f64>,
    /// Stalls after startup.
    pub rebuffer_count: u32,
    /// Seconds stalled after startup.
    pub rebuffer_s: f64,
    /// Seconds played per bitrate (bits/s as a decimal string, as JSON keys must be strings),
    /// sorted by that string. A list rather than a map: it is only written out, and a map's
    /// code would cost the wasm kilobytes.
    pub bitrate_histogram: Vec<(String, f64)>,
    /// Time-weighted mean bitrate of the played seconds, in bits/s.
    pub mean_bitrate: Option<f64>,
    /// Error codes seen, oldest first.
    pub errors: Vec<String>,
}

impl QoeReport {
    /// The report as the API's JSON object: `watchTimeS`, `startupMs`, `rebufferCount`,
    /// `rebufferS`, `bitrateHistogram`, `meanBitrate`, `errors` (absent figures are `null`).
    pub fn to_json(&self) -> String {
        let histogram = self
            .bitrate_histogram
            .iter()
            .fold(ObjectWriter::new(), |w, (bitrate, seconds)| {
                w.f64(bitrate, *seconds)
            })
            .finish();
        let errors = crate::json::array(&mut self.errors.iter().map(|e| crate::json::string(e)));
        ObjectWriter::new()
            .f64("watchTimeS", self.watch_time_s)
            .f64_or_null("startupMs", self.startup_ms)
            .u64("rebufferCount", u64::from(self.rebuffer_count))
            .f64("rebufferS", self.rebuffer_s)
            .raw("bitrateHistogram", &histogram)
            .f64_or_null("meanBitrate", self.mean_bitrate)
            .raw("errors", &errors)
            .finish()
    }
}

/// Measures one viewing session from player events; time is the caller's monotonic `now_ms`.
///
/// [`poll_report`](Self::poll_report) hands out a heartbeat report every `heartbeat_ms` while
/// the session is open; [`report`](Self::report) gives the figures at any time (e.g. for the
/// final `end` call).
#[derive(Debug, Clone)]
pub struct QoeMeter {
    heartbeat_ms: f64,
    loaded_at: f64,
    last_ms: f64,
    next_report_ms: f64,
    playing: bool,
    stalled: bool,
    bitrate: Option<u64>,
    watch_s: f64,
    startup_ms: Option<f64>,
    rebuffer_count: u32,
    rebuffer_s: f64,
    /// Seconds played per bitrate, sorted by bitrate (a list: at most [`MAX_BUCKETS`]).
    seconds_by_bitrate: Vec<(u64, f64)>,
    errors: Vec<String>,
}

impl QoeMeter {
    /// A session whose load started at `now_ms`, reporting every `heartbeat_ms`.
    pub fn new(now_ms: f64, heartbeat_ms: f64) -> Self {
        Self {
            heartbeat_ms,
            loaded_at: now_ms,
            last_ms: now_ms,
            next_report_ms: now_ms + heartbeat_ms,
            playing: false,
            stalled: false,
            bitrate: None,
            watch_s: 0.0,
            startup_ms: None,
            rebuffer_count: 0,
            rebuffer_s: 0.0,
            seconds_by_bitrate: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Playback is progressing (`playing`): ends startup or a stall.
    pub fn handle_playing(&mut self, now_ms: f64) {
        self.advance(now_ms);
        self.startup_ms.get_or_insert(now_ms - self.loaded_at);
        self.playing = true;
        self.stalled = false;
    }

    /// Playback stalled for data (`waiting`); counts as a rebuffer after startup.
    pub fn handle_waiting(&mut self, now_ms: f64) {
        self.advance(now_ms);
        if self.playing && !self.stalled {
            self.stalled = true;
            self.rebuffer_count += 1;
        }
    }

    /// The viewer paused, or a seek started: neither watch time nor rebuffering.
    pub fn handle_paused(&mut self, now_ms: f64) {
        self.advance(now_ms);
        self.playing = false;
        self.stalled = false;
    }

    /// Playback reached the end.
    pub fn handle_ended(&mut self, now_ms: f64) {
        self.handle_paused(now_ms);
    }

    /// The rendition being played changed to `bitrate` bits/s.
    pub fn handle_bitrate(&mut self, now_ms: f64, bitrate: u64) {
        self.advance(now_ms);
        self.bitrate = Some(bitrate);
    }

    /// An error occurred (its code, e.g. `networkError`); at most [`MAX_ERRORS`] are kept.
    pub fn handle_error(&mut self, now_ms: f64, code: &str) {
        self.advance(now_ms);
        if self.errors.len() < MAX_ERRORS && !code.is_empty() {
            // The first 128 characters, sliced rather than collected char by char.
            let end = code.char_indices().nth(128).map_or(code.len(), |(i, _)| i);
            self.errors.push(code.get(..end).unwrap_or(code).to_owned());
        }
    }

    /// When the next heartbeat is due.
    pub fn poll_timeout(&self) -> f64 {
        self.next_report_ms
    }

    /// A heartbeat report when one is due.
    pub fn poll_report(&mut self, now_ms: f64) -> Option<QoeReport> {
        if now_ms < self.next_report_ms {
            return None;
        }
        let behind = ((now_ms - self.next_report_ms) / self.heartbeat_ms)
            .floor()
            .max(0.0);
        self.next_report_ms += (behind + 1.0) * self.heartbeat_ms;
        Some(self.report(now_ms))
    }

    /// The figures as of `now_ms`.
    pub fn report(&mut self, now_ms: f64) -> QoeReport {
        self.advance(now_ms);
        let played: f64 = self.seconds_by_bitrate.iter().map(|(_, s)| s).sum();
        let weighted: f64 = self
            .seconds_by_bitrate
            .iter()
            .map(|(bitrate, s)| *bitrate as f64 * s)
            .sum();
        QoeReport {
            watch_time_s: self.watch_s,
            startup_ms: self.startup_ms,
            rebuffer_count: self.rebuffer_count,
            rebuffer_s: self.rebuffer_s,
            // Inserted one by one in place rather than sorted: no sort code in the wasm.
            bitrate_histogram: self.seconds_by_bitrate.iter().fold(
                Vec::new(),
                |mut list, (bitrate, s)| {
                    let key = bitrate.to_string();
                    list.insert(list.partition_point(|(k, _)| *k < key), (key, *s));
                    list
                },
            ),
            mean_bitrate: (played > 0.0).then(|| weighted / played),
            errors: self.errors.clone(),
        }
    }

    /// Credits the time since the last event to watching or stalling.
    fn advance(&mut self, now_ms: f64) {
        let dt = ((now_ms - self.last_ms) / 1000.0).max(0.0);
        self.last_ms = self.last_ms.max(now_ms);
        if !dt.is_finite() || !self.playing {
            return;
        }
        if self.stalled {
            self.rebuffer_s += dt;
            return;
        }
        self.watch_s += dt;
        let Some(bitrate) = self.bitrate else {
            return;
        };
        let buckets = &mut self.seconds_by_bitrate;
        let at = buckets.partition_point(|(b, _)| *b < bitrate);
        if let Some((_, s)) = buckets.get_mut(at).filter(|(b, _)| *b == bitrate) {
            *s += dt;
        } else if buckets.len() < MAX_BUCKETS {
            buckets.insert(at, (bitrate, dt));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_watch_time_rebuffers_and_bitrates() {
        let mut m = QoeMeter::new(1_000.0, 30_000.0);
        m.handle_bitrate(1_100.0, 800_000);
        m.handle_playing(1_500.0);
        m.handle_waiting(11_500.0); // 10 s at 800 kb/s
        m.handle_playing(13_500.0); // 2 s stalled
        m.handle_bitrate(13_500.0, 2_000_000);
        m.handle_paused(23_500.0); // 10 s at 2 Mb/s
        m.handle_waiting(24_000.0); // paused: not a rebuffer
        m.handle_error(24_000.0, "networkError");
        let r = m.report(40_000.0);
        assert_eq!(r.startup_ms, Some(500.0));
        assert_eq!(r.watch_time_s, 20.0);
        assert_eq!((r.rebuffer_count, r.rebuffer_s), (1, 2.0));
        assert_eq!(
            r.bitrate_histogram,
            [("2000000".to_owned(), 10.0), ("800000".to_owned(), 10.0)]
        );
        assert_eq!(r.mean_bitrate, Some(1_400_000.0));
        assert_eq!(r.errors, ["networkError"]);
    }

    #[test]
    fn heartbeats_are_periodic_without_bursts() {
        let mut m = QoeMeter::new(0.0, 30_000.0);
        assert_eq!(m.poll_report(29_999.0), None);
        assert!(m.poll_report(30_000.0).is_some());
        assert_eq!(m.poll_timeout(), 60_000.0);
        // A throttled tab wakes up late: one report, then the next period.
        assert!(m.poll_report(125_000.0).is_some());
        assert_eq!(m.poll_report(125_000.0), None);
        assert_eq!(m.poll_timeout(), 150_000.0);
    }

    #[test]
    fn json_matches_the_server_api() {
        let mut m = QoeMeter::new(0.0, 1.0);
        m.handle_playing(250.0);
        assert_eq!(
            m.report(250.0).to_json(),
            r#"{"watchTimeS":0.0,"startupMs":250.0,"rebufferCount":0,"rebufferS":0.0,"bitrateHistogram":{},"meanBitrate":null,"errors":[]}"#
        );
        let report = QoeReport {
            watch_time_s: 20.0,
            startup_ms: None,
            rebuffer_count: 2,
            rebuffer_s: 1.5,
            bitrate_histogram: vec![("2000000".to_owned(), 8.0), ("800000".to_owned(), 12.0)],
            mean_bitrate: Some(1_280_000.0),
            errors: vec!["networkError".to_owned(), "a\"b".to_owned()],
        };
        assert_eq!(
            report.to_json(),
            r#"{"watchTimeS":20.0,"startupMs":null,"rebufferCount":2,"rebufferS":1.5,"bitrateHistogram":{"2000000":8.0,"800000":12.0},"meanBitrate":1280000.0,"errors":["networkError","a\"b"]}"#
        );
    }
}
