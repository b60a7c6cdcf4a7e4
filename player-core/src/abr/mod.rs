//! Adaptive bitrate: the interface the engine asks, and the rules behind it.

mod bola;
mod caps;
mod estimator;
mod hybrid;
mod throughput;

pub use bola::Bola;
pub use caps::{DroppedFramesCap, size_cap};
pub use estimator::{BandwidthEstimator, Ewma};
pub use hybrid::{Hybrid, HybridConfig};
pub use throughput::ThroughputRule;

/// What the ABR knows of one level (variant) of the ladder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelInfo {
    /// Bits per second the level needs (AVERAGE-BANDWIDTH, else BANDWIDTH).
    pub bitrate: f64,
    /// Display width in pixels, 0 when unknown.
    pub width: u32,
    /// Display height in pixels, 0 when unknown.
    pub height: u32,
}

/// One finished segment (or playlist) download.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadSample {
    /// Bytes received.
    pub bytes: u64,
    /// Time to first byte in milliseconds.
    pub ttfb_ms: f64,
    /// Whole load time from request to last byte in milliseconds.
    pub duration_ms: f64,
    /// Media duration of the segment in seconds (0 for playlists and keys).
    pub media_duration_s: f64,
}

/// A segment still loading, for the abandon rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadProgress {
    /// Level the segment belongs to.
    pub level: usize,
    /// Milliseconds since the request was sent.
    pub elapsed_ms: f64,
    /// Bytes received so far.
    pub loaded_bytes: u64,
    /// Total size when known (Content-Length).
    pub total_bytes: Option<u64>,
    /// Media duration of the segment in seconds.
    pub media_duration_s: f64,
    /// Time to first byte of this load in milliseconds, once the response started.
    pub ttfb_ms: Option<f64>,
}

/// The playback situation a decision is made in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbrContext<'a> {
    /// Monotonic time in milliseconds.
    pub now_ms: f64,
    /// The ladder, lowest bitrate first.
    pub levels: &'a [LevelInfo],
    /// Level of the last segment loaded.
    pub current: usize,
    /// Seconds buffered ahead of the playhead.
    pub buffer_ahead_s: f64,
    /// Duration of the next segment in seconds.
    pub segment_duration_s: f64,
    /// Current playback rate.
    pub playback_rate: f64,
    /// Lowest level allowed (manual min / caps).
    pub min_level: usize,
    /// Highest level allowed (manual max). Player-size and dropped-frame caps are applied by
    /// the algorithm from `player_width`/`player_height` and [`Abr::on_dropped_frames`].
    pub max_level: usize,
    /// Width of the video element in device pixels, 0 when unknown (no size cap).
    pub player_width: u32,
    /// Height of the video element in device pixels, 0 when unknown (no size cap).
    pub player_height: u32,
    /// True while nothing has played yet since the start or the last seek.
    pub starting: bool,
}

/// An adaptive-bitrate algorithm, driven by the engine with time passed in.
pub trait Abr {
    /// A load finished; feed the bandwidth estimate.
    fn on_load(&mut self, now_ms: f64, sample: LoadSample);
    /// Level for the next segment.
    fn choose_level(&mut self, ctx: &AbrContext<'_>) -> usize;
    /// While a segment loads: a lower level to switch to now, abandoning the load.
    fn abandon(&mut self, ctx: &AbrContext<'_>, progress: &LoadProgress) -> Option<usize>;
    /// Current bandwidth estimate in bits per second.
    fn estimate_bps(&self) -> f64;
    /// Cumulative frame counters of the video element (`getVideoPlaybackQuality()`), sampled
    /// while `level` plays; lets the algorithm cap levels the device cannot decode smoothly.
    fn on_dropped_frames(&mut self, _now_ms: f64, _level: usize, _dropped: u64, _decoded: u64) {}
}
