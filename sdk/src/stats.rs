//! `Player.stats()`: what the player loaded and how playback went since the last `load`.
//!
//! Startup, stalls and watch time follow player-core's [`QoeMeter`] (the same rules as the
//! session reports); load counts come from the engine's events; `sdk/js/player.js` adds the
//! buffer and frame counts it reads from the video element.

use crate::js::ObjectBuilder;
use player_core::engine::{Engine, ErrorDetail, PlayerEvent};
use player_core::resume::QoeMeter;
use wasm_bindgen::JsValue;

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

    /// Feeds the media element event `which` (0 `playing`, 1 `waiting`, 2 `pause`,
    /// 3 `seeking`, 4 `ended`); a `waiting` during a seek is not a stall.
    pub fn handle_media_event(&mut self, now_ms: f64, which: u32, seeking: bool) {
        match which {
            0 => self.qoe.handle_playing(now_ms),
            1 if !seeking => self.qoe.handle_waiting(now_ms),
            4 => self.qoe.handle_ended(now_ms),
            _ => self.qoe.handle_paused(now_ms),
        }
    }

    /// The engine's figures as a JS object (`PlayerStats` in `index.d.ts` without
    /// `bufferedAhead`, `droppedFrames` and `decodedFrames`).
    pub fn snapshot(&mut self, now_ms: f64, engine: &Engine) -> JsValue {
        let report = self.qoe.report(now_ms);
        let level = engine.current_level();
        let summary = level.and_then(|l| engine.levels().into_iter().nth(l));
        ObjectBuilder::new()
            .set("bandwidthEstimate", engine.bandwidth_estimate())
            .set("level", level.map_or(-1, |l| l as i32))
            .set(
                "bitrate",
                summary.as_ref().map_or(0.0, |s| s.bitrate as f64),
            )
            .set("width", summary.as_ref().map_or(0, |s| s.width))
            .set("height", summary.as_ref().map_or(0, |s| s.height))
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
