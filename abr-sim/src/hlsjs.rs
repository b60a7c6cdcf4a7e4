//! A re-implementation of the decisions of hls.js 1.7's default ABR controller for VoD, from
//! its documented behaviour and configuration defaults:
//!
//! - estimate: the minimum of a fast (3 s half-life) and a slow (9 s) EWMA of the transfer
//!   rate, weighted by transfer time, time to first byte (capped by its own average) excluded;
//!   500 kbit/s before the first sample; TTFB averaged separately (slow half-life, weight
//!   `√2·e^(−t²/2)`, 100 ms by default);
//! - next level: the highest whose fetch time (TTFB + size / (factor × estimate)) is under the
//!   buffer, with factor 0.95, or 0.7 for an up-switch, and whose bitrate fits under the
//!   factored estimate; if none, the same with up to 4 s of stall allowed; else the lowest;
//! - start: the same search with the default estimate, no factor and 4 s of stall allowed;
//! - emergency abandon: once a load has run half a segment duration, if finishing it takes
//!   longer than the buffer lasts, pick the highest lower level that loads within the buffer,
//!   and abort right away if finishing takes over twice as long, otherwise after that level's
//!   load time; a switch to level 0 does not abort, it only forces the next segment down.
//!
//! Playlist loads of not-yet-loaded levels are not modelled (hls.js adds their expected load
//! time to an up-switch); the simulator serves media playlists for free.

use player_core::abr::{Abr, AbrContext, Ewma, LevelInfo, LoadProgress, LoadSample};

const FAST_HALF_LIFE_S: f64 = 3.0;
const SLOW_HALF_LIFE_S: f64 = 9.0;
const DEFAULT_ESTIMATE_BPS: f64 = 500_000.0;
const DEFAULT_TTFB_MS: f64 = 100.0;
const BW_FACTOR: f64 = 0.95;
const BW_UP_FACTOR: f64 = 0.7;
const MAX_STARVATION_DELAY_S: f64 = 4.0;
/// hls.js ignores samples' weights below this when deciding whether it can estimate.
const MIN_WEIGHT: f64 = 0.001;

/// hls.js's `EwmaBandWidthEstimator`.
#[derive(Debug, Clone)]
struct Estimator {
    fast: Ewma,
    slow: Ewma,
    ttfb: Ewma,
    default_bps: f64,
}

impl Estimator {
    fn new(default_bps: f64, ttfb: Ewma) -> Self {
        Self {
            fast: Ewma::new(FAST_HALF_LIFE_S),
            slow: Ewma::new(SLOW_HALF_LIFE_S),
            ttfb,
            default_bps,
        }
    }

    fn sample(&mut self, duration_ms: f64, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let min_delay_ms = 50f64.min(bytes as f64 / 100_000.0);
        let duration_s = duration_ms.max(min_delay_ms) / 1000.0;
        let bps = bytes as f64 * 8.0 / duration_s;
        self.fast.sample(duration_s, bps);
        self.slow.sample(duration_s, bps);
    }

    fn sample_ttfb(&mut self, ttfb_ms: f64) {
        let s = ttfb_ms / 1000.0;
        let weight = std::f64::consts::SQRT_2 * (-(s * s) / 2.0).exp();
        self.ttfb.sample(weight, ttfb_ms.max(5.0));
    }

    fn can_estimate(&self) -> bool {
        self.fast.total_weight() >= MIN_WEIGHT
    }

    fn estimate(&self) -> f64 {
        if self.can_estimate() {
            match (self.fast.estimate(), self.slow.estimate()) {
                (Some(f), Some(s)) => f.min(s),
                _ => self.default_bps,
            }
        } else {
            self.default_bps
        }
    }

    fn ttfb_ms(&self) -> f64 {
        if self.ttfb.total_weight() >= MIN_WEIGHT {
            self.ttfb.estimate().unwrap_or(DEFAULT_TTFB_MS)
        } else {
            DEFAULT_TTFB_MS
        }
    }
}

/// An abort decided by the emergency rule but deferred.
#[derive(Debug, Clone, Copy)]
struct PendingAbort {
    at_ms: f64,
    level: usize,
}

/// hls.js 1.7's default ABR decisions (see the module documentation).
#[derive(Debug, Clone)]
pub struct HlsJsAbr {
    estimator: Estimator,
    /// Level of the last fragment loaded, `None` before the first.
    last_loaded: Option<usize>,
    /// Level requested for the load in flight.
    loading: usize,
    /// Level forced by the emergency rule until a fragment of that level loads.
    forced: Option<usize>,
    pending: Option<PendingAbort>,
}

impl Default for HlsJsAbr {
    fn default() -> Self {
        Self {
            estimator: Estimator::new(DEFAULT_ESTIMATE_BPS, Ewma::new(SLOW_HALF_LIFE_S)),
            last_loaded: None,
            loading: 0,
            forced: None,
            pending: None,
        }
    }
}

fn bitrate(levels: &[LevelInfo], i: usize) -> f64 {
    levels.get(i).map_or(0.0, |l| l.bitrate)
}

/// Arguments of hls.js's `findBestLevel`.
struct Search {
    bw: f64,
    min: usize,
    max: usize,
    starvation_s: f64,
    max_starvation_s: f64,
    factor: f64,
    up_factor: f64,
}

impl HlsJsAbr {
    fn reset_estimator(&mut self, default_bps: f64) {
        let ttfb = self.estimator.ttfb.clone();
        self.estimator = Estimator::new(default_bps, ttfb);
    }

    /// hls.js's `findBestLevel`: highest level in `min..=max` that fits, `None` if none does.
    fn find_best_level(&self, ctx: &AbrContext<'_>, s: &Search) -> Option<usize> {
        let base = self.last_loaded.unwrap_or(0);
        let ttfb_s = self.estimator.ttfb_ms() / 1000.0;
        let max_fetch = s.starvation_s + s.max_starvation_s;
        let duration = if ctx.segment_duration_s > 0.0 {
            ctx.segment_duration_s
        } else {
            1.0
        };
        (s.min..=s.max.min(ctx.levels.len().saturating_sub(1)))
            .rev()
            .find(|&i| {
                let adjusted = if i > base { s.up_factor } else { s.factor } * s.bw;
                let b = bitrate(ctx.levels, i);
                let fetch = ttfb_s + b * duration / adjusted;
                adjusted >= b && (fetch <= ttfb_s || !fetch.is_finite() || fetch < max_fetch)
            })
    }

    fn bounds(ctx: &AbrContext<'_>) -> (usize, usize) {
        let max = ctx.max_level.min(ctx.levels.len().saturating_sub(1));
        (ctx.min_level.min(max), max)
    }

    fn starvation_s(ctx: &AbrContext<'_>) -> f64 {
        let rate = if ctx.playback_rate != 0.0 {
            ctx.playback_rate.abs()
        } else {
            1.0
        };
        ctx.buffer_ahead_s.max(0.0) / rate
    }

    fn next_level(&self, ctx: &AbrContext<'_>) -> usize {
        let (min, max) = Self::bounds(ctx);
        let bw = self.estimator.estimate();
        let starvation_s = Self::starvation_s(ctx);
        let Some(current) = self.last_loaded.filter(|_| self.estimator.can_estimate()) else {
            // First selection: default estimate, no safety factor, 4 s of stall allowed.
            return self
                .find_best_level(
                    ctx,
                    &Search {
                        bw,
                        min,
                        max,
                        starvation_s: starvation_s / 2.0,
                        max_starvation_s: MAX_STARVATION_DELAY_S,
                        factor: 1.0,
                        up_factor: 1.0,
                    },
                )
                .unwrap_or(min);
        };
        let mut search = Search {
            bw,
            min,
            max,
            starvation_s,
            max_starvation_s: 0.0,
            factor: BW_FACTOR,
            up_factor: BW_UP_FACTOR,
        };
        if starvation_s > 0.0
            && let Some(level) = self.find_best_level(ctx, &search)
        {
            return level;
        }
        search.max_starvation_s = ctx.segment_duration_s.min(MAX_STARVATION_DELAY_S);
        if let Some(level) = self.find_best_level(ctx, &search) {
            return level;
        }
        if bitrate(ctx.levels, min) < bitrate(ctx.levels, current) {
            min
        } else {
            current
        }
    }

    /// hls.js's `abortAndSwitch`: the level to restart at, `None` when it does not abort.
    fn abort_and_switch(&mut self, ctx: &AbrContext<'_>, level: usize) -> Option<usize> {
        self.pending = None;
        if level == 0 {
            return None;
        }
        let (min, _) = Self::bounds(ctx);
        let mut next = level;
        if level > min {
            next = self
                .find_best_level(
                    ctx,
                    &Search {
                        bw: bitrate(ctx.levels, min),
                        min,
                        max: level,
                        starvation_s: 0.0,
                        max_starvation_s: Self::starvation_s(ctx),
                        factor: 1.0,
                        up_factor: 1.0,
                    },
                )
                .unwrap_or(min);
            self.reset_estimator(bitrate(ctx.levels, next));
        }
        self.forced = Some(next);
        self.loading = next;
        Some(next)
    }
}

impl Abr for HlsJsAbr {
    fn on_load(&mut self, _now_ms: f64, sample: LoadSample) {
        self.estimator.sample_ttfb(sample.ttfb_ms);
        let processing_ms =
            sample.duration_ms - sample.ttfb_ms.min(self.estimator.ttfb_ms()).max(0.0);
        self.estimator.sample(processing_ms, sample.bytes);
        self.pending = None;
        if self.forced == Some(self.loading) {
            self.forced = None;
        }
        self.last_loaded = Some(self.loading);
    }

    fn choose_level(&mut self, ctx: &AbrContext<'_>) -> usize {
        let level = self.forced.unwrap_or_else(|| self.next_level(ctx));
        self.loading = level;
        level
    }

    fn abandon(&mut self, ctx: &AbrContext<'_>, progress: &LoadProgress) -> Option<usize> {
        if let Some(p) = self.pending {
            return if ctx.now_ms >= p.at_ms {
                self.abort_and_switch(ctx, p.level)
            } else {
                None
            };
        }
        let (min, _) = Self::bounds(ctx);
        let level = progress.level;
        if level <= min {
            return None;
        }
        let duration = progress.media_duration_s;
        let rate = if ctx.playback_rate != 0.0 {
            ctx.playback_rate.abs()
        } else {
            1.0
        };
        let ttfb_estimate_ms = self.estimator.ttfb_ms();
        let time_loading_ms = progress.elapsed_ms;
        if time_loading_ms <= ttfb_estimate_ms.max(1000.0 * duration / (rate * 2.0)) {
            return None;
        }
        let starvation_s = Self::starvation_s(ctx);
        let bw = self.estimator.estimate();
        let loaded = progress.loaded_bytes as f64;
        let first_byte = progress.ttfb_ms.filter(|_| progress.loaded_bytes > 0);
        let expected = loaded.max((duration * bitrate(ctx.levels, level) / 8.0).round());
        let mut streaming_ms = first_byte.map_or(time_loading_ms, |t| time_loading_ms - t);
        if streaming_ms < 1.0 && first_byte.is_some() {
            streaming_ms = time_loading_ms.min(loaded * 8.0 / bw);
        }
        let load_rate = if first_byte.is_some() {
            loaded * 1000.0 / streaming_ms
        } else {
            0.0
        };
        let ttfb_s = ttfb_estimate_ms / 1000.0;
        let frag_loaded_delay = if load_rate > 0.0 {
            (expected - loaded) / load_rate
        } else {
            expected * 8.0 / bw + ttfb_s
        };
        if frag_loaded_delay <= starvation_s {
            return None;
        }
        let bwe = if load_rate > 0.0 { load_rate * 8.0 } else { bw };
        let mut next_delay = f64::INFINITY;
        let mut next = level - 1;
        while next > min {
            next_delay = ttfb_s + duration * bitrate(ctx.levels, next) / bwe;
            if next_delay < starvation_s.min(duration + ttfb_s) {
                break;
            }
            next -= 1;
        }
        if next_delay >= frag_loaded_delay || next_delay > duration * 10.0 {
            return None;
        }
        match first_byte {
            Some(ttfb) => self.estimator.sample(
                time_loading_ms - ttfb_estimate_ms.min(ttfb),
                progress.loaded_bytes,
            ),
            None => self.estimator.sample_ttfb(time_loading_ms),
        }
        let next_bitrate = bitrate(ctx.levels, next);
        if self.estimator.estimate() * BW_UP_FACTOR > next_bitrate {
            self.reset_estimator(next_bitrate);
        }
        if let Some(best) = self.find_best_level(
            ctx,
            &Search {
                bw: next_bitrate,
                min,
                max: next,
                starvation_s: 0.0,
                max_starvation_s: starvation_s,
                factor: 1.0,
                up_factor: 1.0,
            },
        ) {
            next = best;
        }
        self.forced = Some(next);
        if frag_loaded_delay > next_delay * 2.0 {
            self.abort_and_switch(ctx, next)
        } else {
            self.pending = Some(PendingAbort {
                at_ms: ctx.now_ms + next_delay * 1000.0,
                level: next,
            });
            None
        }
    }

    fn estimate_bps(&self) -> f64 {
        self.estimator.estimate()
    }
}
