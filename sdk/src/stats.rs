//! `Player.stats()`: what the player loaded and how playback went since the last `load`.
//!
//! Startup, stalls and watch time follow player-core's [`QoeMeter`] (the same rules as the
//! session reports); load counts come from the engine's events; buffer and frame counts are
//! read from the video element when asked.

use crate::js::{self, ObjectBuilder};
use player_core::engine::{Engine, ErrorDetail, PlayerEvent};
use player_core::resume::QoeMeter;
use wasm_bindgen::JsValue;
use web_sys::HtmlVideoElement;

/// Counters of one `load`.
pub struct Stats {
    qoe: QoeMeter,
    segments_loaded: u64,
    segments_failed: u64,
    bytes_loaded: u64,
}

impl Stats {
    /// Counters of a load started at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            // No heartbeat: the figures are read on demand only.
            qoe: QoeMeter::new(now_ms, f64::INFINITY),
            segments_loaded: 0,
            segments_failed: 0,
            bytes_loaded: 0,
        }
    }

    /// Counts a loaded or failed segment.
    pub fn handle_event(&mut self, event: &PlayerEvent) {
        match event {
            PlayerEvent::FragLoaded { bytes, .. } => {
                self.segments_loaded += 1;
                self.bytes_loaded += *bytes as u64;
            }
            PlayerEvent::Error(e) if e.detail == ErrorDetail::FragLoadError => {
                self.segments_failed += 1;
            }
            _ => {}
        }
    }

    /// Feeds the media element event `name` (`playing`, `waiting`, `pause`, `seeking`,
    /// `ended`); a `waiting` during a seek is not a stall.
    pub fn handle_media_event(&mut self, now_ms: f64, name: &str, seeking: bool) {
        match name {
            "playing" => self.qoe.handle_playing(now_ms),
            "waiting" if seeking => self.qoe.handle_paused(now_ms),
            "waiting" => self.qoe.handle_waiting(now_ms),
            "ended" => self.qoe.handle_ended(now_ms),
            _ => self.qoe.handle_paused(now_ms),
        }
    }

    /// The figures as a JS object (see `PlayerStats` in `index.d.ts`).
    pub fn snapshot(&mut self, now_ms: f64, engine: &Engine, video: &HtmlVideoElement) -> JsValue {
        let report = self.qoe.report(now_ms);
        let level = engine.current_level();
        let summary = level.and_then(|l| engine.levels().into_iter().nth(l));
        let (dropped, decoded) = js::frame_counts(video);
        ObjectBuilder::new()
            .set("bandwidthEstimate", engine.bandwidth_estimate())
            .set("bufferedAhead", buffered_ahead(video))
            .set("level", level.map_or(-1, |l| l as i32))
            .set(
                "bitrate",
                summary.as_ref().map_or(0.0, |s| s.bitrate as f64),
            )
            .set("width", summary.as_ref().map_or(0, |s| s.width))
            .set("height", summary.as_ref().map_or(0, |s| s.height))
            .set("droppedFrames", dropped)
            .set("decodedFrames", decoded)
            .set("segmentsLoaded", self.segments_loaded as f64)
            .set("segmentsFailed", self.segments_failed as f64)
            .set("bytesLoaded", self.bytes_loaded as f64)
            .set(
                "startupMs",
                report.startup_ms.map_or(JsValue::NULL, JsValue::from),
            )
            .set("stalls", report.rebuffer_count)
            .set("stallSeconds", report.rebuffer_s)
            .set("watchSeconds", report.watch_time_s)
            .set("latency", engine.latency().unwrap_or(f64::NAN))
            .build()
    }
}

/// Seconds buffered from the playhead to the end of the range holding it (0 outside any).
fn buffered_ahead(video: &HtmlVideoElement) -> f64 {
    let position = video.current_time();
    let ranges = video.buffered();
    (0..ranges.length())
        .filter_map(|i| Some((ranges.start(i).ok()?, ranges.end(i).ok()?)))
        .find(|(start, end)| *start <= position && position < *end)
        .map_or(0.0, |(_, end)| end - position)
}
