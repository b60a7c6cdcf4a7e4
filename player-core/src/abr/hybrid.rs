//! The default ABR: a throughput rule while the buffer is short, BOLA once it is long, an
//! abandon rule for loads that would run the buffer dry, and level caps.
//!
//! The switch between the two rules follows dash.js's DYNAMIC strategy: BOLA takes over when
//! the buffer reaches `bola_on_s` and hands back when it falls under `bola_off_s`; the gap
//! between the two thresholds is the hysteresis. In BOLA mode the level is the higher of
//! BOLA's and the throughput rule's (so entering BOLA mode never drops the level, much as
//! BOLA-E's placeholder buffer does), and an up-switch never goes past the current level unless
//! throughput sustains the new one (BOLA-O), so a full buffer does not push the level above
//! what the link carries and then back. While the buffer is short, the throughput rule also
//! requires each segment to arrive before the buffer falls under `reserve_s`.
//!
//! Sans-IO and deterministic: every decision is a function of the samples and contexts passed
//! in; nothing reads a clock.

use super::{
    Abr, AbrContext, BandwidthEstimator, Bola, DroppedFramesCap, LevelInfo, LoadProgress,
    LoadSample, size_cap,
};

/// Tuning of [`Hybrid`]. Defaults were tuned in the trace-driven simulator (`abr-sim`).
#[derive(Debug, Clone, PartialEq)]
pub struct HybridConfig {
    /// Half-life of the fast throughput average, in seconds of transfer.
    pub fast_half_life_s: f64,
    /// Half-life of the slow throughput average, in seconds of transfer.
    pub slow_half_life_s: f64,
    /// Throughput assumed before the first measurement.
    pub default_estimate_bps: f64,
    /// Fraction of the estimate a level may use to be kept or switched down to.
    pub safety: f64,
    /// Fraction of the estimate a level may use to be switched up to.
    pub up_safety: f64,
    /// Seconds of buffer a load must leave untouched.
    pub reserve_s: f64,
    /// Share of the buffer above the reserve an up-switch may take: a higher level is only
    /// chosen if its fetch time is at most `(buffer − reserve_s) × fetch_share` (staying or
    /// switching down may take all of `buffer − reserve_s`).
    pub fetch_share: f64,
    /// Longest first-segment fetch accepted at startup, in seconds.
    pub startup_fetch_s: f64,
    /// Buffer at which BOLA leaves the lowest level.
    pub bola_min_buffer_s: f64,
    /// Buffer at which BOLA reaches the highest level.
    pub bola_target_buffer_s: f64,
    /// Buffer at which BOLA takes over from the throughput rule.
    pub bola_on_s: f64,
    /// Buffer under which the throughput rule takes back over.
    pub bola_off_s: f64,
    /// A load is abandoned only once it has run this long.
    pub abandon_min_elapsed_s: f64,
    /// A load is abandoned only if a lower level loads this many times faster than finishing,
    /// or arrives within the buffer where finishing would stall.
    pub abandon_gain: f64,
}

impl Default for HybridConfig {
    fn default() -> Self {
        Self {
            fast_half_life_s: 2.0,
            slow_half_life_s: 4.0,
            default_estimate_bps: 1_000_000.0,
            safety: 1.0,
            up_safety: 0.9,
            reserve_s: 2.0,
            fetch_share: 0.7,
            startup_fetch_s: 2.0,
            bola_min_buffer_s: 4.0,
            bola_target_buffer_s: 14.0,
            bola_on_s: 10.0,
            bola_off_s: 6.0,
            abandon_min_elapsed_s: 0.5,
            abandon_gain: 2.0,
        }
    }
}

/// The default adaptive-bitrate algorithm (see the module documentation).
#[derive(Debug, Clone)]
pub struct Hybrid {
    config: HybridConfig,
    estimator: BandwidthEstimator,
    bola: Bola,
    bola_mode: bool,
    dropped: DroppedFramesCap,
    recent: RecentRate,
}

/// Transfer rate of the load in flight over about the last second, so the abandon rule sees
/// a collapse that the average since the request still hides.
#[derive(Debug, Clone, Default)]
struct RecentRate {
    /// `(level, elapsed_ms, loaded_bytes)` at the previous check.
    last: Option<(usize, f64, u64)>,
    bps: f64,
}

/// Time constant of [`RecentRate`], seconds.
const RECENT_RATE_TAU_S: f64 = 1.0;

impl RecentRate {
    /// Updates with a progress report and returns the recent rate (bits per second).
    fn update(&mut self, p: &LoadProgress, ttfb_s: f64) -> f64 {
        if p.loaded_bytes == 0 {
            self.last = None;
            return f64::INFINITY;
        }
        let streaming_s = p.elapsed_ms / 1000.0 - ttfb_s;
        match self.last {
            Some((level, elapsed_ms, loaded))
                if level == p.level && p.elapsed_ms > elapsed_ms && p.loaded_bytes >= loaded =>
            {
                let dt = (p.elapsed_ms - elapsed_ms) / 1000.0;
                let inst = (p.loaded_bytes - loaded) as f64 * 8.0 / dt;
                let k = 1.0 - (-dt / RECENT_RATE_TAU_S).exp();
                self.bps += (inst - self.bps) * k;
            }
            _ => {
                self.bps = if streaming_s > 0.0 {
                    p.loaded_bytes as f64 * 8.0 / streaming_s
                } else {
                    f64::INFINITY
                };
            }
        }
        self.last = Some((p.level, p.elapsed_ms, p.loaded_bytes));
        if self.bps > 0.0 { self.bps } else { 1.0 }
    }
}

impl Default for Hybrid {
    fn default() -> Self {
        Self::new(HybridConfig::default())
    }
}

/// Levels allowed by the context and the caps, as an inclusive range `(lo, hi)`; `None` for
/// an empty ladder.
fn bounds(ctx: &AbrContext<'_>, dropped: &DroppedFramesCap) -> Option<(usize, usize)> {
    let top = ctx.levels.len().checked_sub(1)?;
    let mut hi =
        ctx.max_level
            .min(top)
            .min(size_cap(ctx.levels, ctx.player_width, ctx.player_height));
    if let Some(cap) = dropped.cap() {
        hi = hi.min(cap);
    }
    Some((ctx.min_level.min(hi), hi))
}

/// Seconds until the buffer runs dry at the current playback rate.
fn starvation_s(ctx: &AbrContext<'_>) -> f64 {
    let rate = ctx.playback_rate.abs();
    let rate = if rate > 0.0 { rate } else { 1.0 };
    ctx.buffer_ahead_s.max(0.0) / rate
}

fn bitrate(levels: &[LevelInfo], i: usize) -> f64 {
    levels.get(i).map_or(0.0, |l| l.bitrate)
}

impl Hybrid {
    /// An algorithm with the given tuning.
    pub fn new(config: HybridConfig) -> Self {
        Self {
            estimator: BandwidthEstimator::new(
                config.fast_half_life_s,
                config.slow_half_life_s,
                config.default_estimate_bps,
            ),
            bola: Bola::new(config.bola_min_buffer_s, config.bola_target_buffer_s),
            bola_mode: false,
            dropped: DroppedFramesCap::default(),
            recent: RecentRate::default(),
            config,
        }
    }

    /// Whether the buffer rule is in charge.
    pub fn bola_mode(&self) -> bool {
        self.bola_mode
    }

    /// Seconds to fetch a segment of `bitrate_bps` at `bps`, first byte included.
    fn fetch_s(&self, bitrate_bps: f64, segment_s: f64, bps: f64) -> f64 {
        self.estimator.ttfb_ms() / 1000.0 + bitrate_bps * segment_s / bps.max(1.0)
    }

    /// Highest level the throughput sustains with a fetch that fits the buffer: staying or
    /// going down may use the buffer above the reserve, going up only `fetch_share` of it
    /// (unless `floor_s` allows more, as at startup) and only `up_factor` of the estimate.
    fn throughput_level(
        &self,
        ctx: &AbrContext<'_>,
        (lo, hi): (usize, usize),
        current: usize,
        floor_s: f64,
        up_factor: f64,
    ) -> usize {
        let est = self.estimator.estimate_bps();
        let segment_s = ctx.segment_duration_s.max(0.0);
        let spare = starvation_s(ctx) - self.config.reserve_s;
        (lo..=hi)
            .rev()
            .find(|&i| {
                let b = bitrate(ctx.levels, i);
                let (factor, budget) = if i > current {
                    (up_factor, spare * self.config.fetch_share)
                } else {
                    (self.config.safety, spare)
                };
                b <= factor * est && self.fetch_s(b, segment_s, est) <= budget.max(floor_s)
            })
            .unwrap_or(lo)
    }
}

impl Abr for Hybrid {
    fn on_load(&mut self, _now_ms: f64, sample: LoadSample) {
        self.estimator.sample(&sample);
    }

    fn choose_level(&mut self, ctx: &AbrContext<'_>) -> usize {
        let Some((lo, hi)) = bounds(ctx, &self.dropped) else {
            return 0;
        };
        let buffer = starvation_s(ctx);
        let current = ctx.current.clamp(lo, hi);
        if ctx.starting || !self.estimator.has_samples() {
            self.bola_mode = false;
            let floor = self.config.startup_fetch_s;
            return self.throughput_level(ctx, (lo, hi), current, floor, self.config.up_safety);
        }
        self.bola_mode = if self.bola_mode {
            buffer >= self.config.bola_off_s
        } else {
            buffer >= self.config.bola_on_s
        };
        let by_throughput =
            self.throughput_level(ctx, (lo, hi), current, 0.0, self.config.up_safety);
        if !self.bola_mode {
            return by_throughput;
        }
        // With the buffer as cushion, an up-switch needs no margin beyond `safety`; BOLA's own
        // buffer thresholds provide the hysteresis.
        let sustained = self.throughput_level(ctx, (lo, hi), current, 0.0, self.config.safety);
        let by_buffer = self.bola.choose(ctx.levels, lo, hi, buffer);
        if by_buffer > current && by_buffer > sustained {
            sustained.max(current)
        } else {
            by_buffer.max(by_throughput)
        }
    }

    fn abandon(&mut self, ctx: &AbrContext<'_>, progress: &LoadProgress) -> Option<usize> {
        let (lo, _) = bounds(ctx, &self.dropped)?;
        let elapsed_s = progress.elapsed_ms / 1000.0;
        let ttfb_s = progress.ttfb_ms.unwrap_or(0.0).max(0.0) / 1000.0;
        let recent_bps = self.recent.update(progress, ttfb_s);
        if progress.level <= lo
            || elapsed_s < self.config.abandon_min_elapsed_s
            || progress.loaded_bytes == 0
        {
            return None;
        }
        let streaming_s = (elapsed_s - ttfb_s).max(0.001);
        let rate_bps = (progress.loaded_bytes as f64 * 8.0 / streaming_s).min(recent_bps);
        let expected = progress
            .total_bytes
            .unwrap_or(0)
            .max((bitrate(ctx.levels, progress.level) * progress.media_duration_s / 8.0) as u64);
        let remaining_s =
            expected.saturating_sub(progress.loaded_bytes) as f64 * 8.0 / rate_bps.max(1.0);
        let buffer = starvation_s(ctx);
        let budget = buffer - self.config.reserve_s;
        if remaining_s <= budget {
            return None;
        }
        let fetch =
            |i: usize| self.fetch_s(bitrate(ctx.levels, i), progress.media_duration_s, rate_bps);
        let target = (lo..progress.level)
            .rev()
            .find(|&i| fetch(i) <= budget)
            .unwrap_or(lo);
        let switch_s = fetch(target);
        // Worth it when the lower level arrives much sooner, or in time where finishing the
        // current load would stall.
        let avoids_stall = switch_s <= buffer && remaining_s > buffer;
        if switch_s * self.config.abandon_gain >= remaining_s && !avoids_stall {
            return None;
        }
        self.estimator.sample(&LoadSample {
            bytes: progress.loaded_bytes,
            ttfb_ms: ttfb_s * 1000.0,
            duration_ms: progress.elapsed_ms,
            media_duration_s: progress.media_duration_s,
        });
        Some(target)
    }

    fn estimate_bps(&self) -> f64 {
        self.estimator.estimate_bps()
    }

    fn on_dropped_frames(&mut self, _now_ms: f64, level: usize, dropped: u64, decoded: u64) {
        self.dropped.observe(level, dropped, decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Vec<LevelInfo> {
        [
            (300e3, 426, 240),
            (750e3, 640, 360),
            (1200e3, 854, 480),
            (1850e3, 1280, 720),
            (2850e3, 1920, 1080),
            (4300e3, 2560, 1440),
        ]
        .iter()
        .map(|&(bitrate, width, height)| LevelInfo {
            bitrate,
            width,
            height,
        })
        .collect()
    }

    fn ctx(levels: &[LevelInfo], buffer_ahead_s: f64, current: usize) -> AbrContext<'_> {
        AbrContext {
            now_ms: 0.0,
            levels,
            current,
            buffer_ahead_s,
            segment_duration_s: 4.0,
            playback_rate: 1.0,
            min_level: 0,
            max_level: levels.len().saturating_sub(1),
            player_width: 0,
            player_height: 0,
            starting: false,
        }
    }

    /// Feeds `n` 4 s segments downloaded at `bps`.
    fn measured(bps: f64, n: usize) -> Hybrid {
        let mut abr = Hybrid::default();
        for _ in 0..n {
            let bytes = 1_000_000u64;
            abr.on_load(
                0.0,
                LoadSample {
                    bytes,
                    ttfb_ms: 80.0,
                    duration_ms: 80.0 + bytes as f64 * 8000.0 / bps,
                    media_duration_s: 4.0,
                },
            );
        }
        abr
    }

    #[test]
    fn starts_on_a_level_whose_first_segment_loads_quickly() {
        let levels = ladder();
        let mut abr = Hybrid::default();
        let start = AbrContext {
            starting: true,
            ..ctx(&levels, 0.0, 0)
        };
        // 1 Mbit/s assumed, 2 s for the first segment: only 300 kbit/s fits.
        assert_eq!(abr.choose_level(&start), 0);
        let mut fast = measured(5e6, 3);
        assert_eq!(
            fast.choose_level(&start),
            3,
            "1850 kbit/s loads in ~1.6 s at 5 Mbit/s"
        );
    }

    #[test]
    fn throughput_rule_keeps_a_margin_for_up_switches() {
        let levels = ladder();
        let mut abr = measured(2.0e6, 10);
        // 1850 kbit/s is under the estimate but not under 0.9 × it: no up-switch from 1200,
        assert_eq!(abr.choose_level(&ctx(&levels, 8.0, 2)), 2);
        // yet kept when already there (hysteresis).
        assert_eq!(abr.choose_level(&ctx(&levels, 8.0, 3)), 3);
        // A short buffer limits the fetch time: nothing above 300 kbit/s with 2 s buffered.
        assert_eq!(abr.choose_level(&ctx(&levels, 2.0, 3)), 0);
    }

    #[test]
    fn hands_over_to_bola_with_hysteresis_and_caps_it_by_throughput() {
        let levels = ladder();
        let mut abr = measured(1.5e6, 10);
        abr.choose_level(&ctx(&levels, 9.0, 2));
        assert!(!abr.bola_mode());
        abr.choose_level(&ctx(&levels, 11.0, 2));
        assert!(abr.bola_mode());
        abr.choose_level(&ctx(&levels, 7.0, 2));
        assert!(abr.bola_mode(), "stays in BOLA above the off threshold");
        abr.choose_level(&ctx(&levels, 5.0, 2));
        assert!(!abr.bola_mode());
        // A full buffer makes BOLA want the top level, but 1.5 Mbit/s only carries 1200 kbit/s.
        assert_eq!(abr.choose_level(&ctx(&levels, 11.0, 2)), 2);
        assert_eq!(abr.choose_level(&ctx(&levels, 25.0, 2)), 2);
        // With throughput to spare BOLA climbs with the buffer.
        let mut rich = measured(10e6, 10);
        rich.choose_level(&ctx(&levels, 11.0, 3));
        assert_eq!(rich.choose_level(&ctx(&levels, 25.0, 3)), 5);
    }

    #[test]
    fn abandons_a_load_that_would_drain_the_buffer() {
        let levels = ladder();
        let mut abr = measured(6e6, 10);
        let at = |elapsed_ms: f64, loaded_bytes: u64| LoadProgress {
            level: 5,
            elapsed_ms,
            loaded_bytes,
            total_bytes: Some(2_150_000),
            media_duration_s: 4.0,
            ttfb_ms: Some(80.0),
        };
        // 1 MB in 2 s (4 Mbit/s): the rest arrives in ~2.3 s, well within 6 s of buffer.
        assert_eq!(
            abr.abandon(&ctx(&levels, 6.0, 5), &at(2000.0, 1_000_000)),
            None
        );
        let before = abr.estimate_bps();
        // 50 kB in 2 s (0.2 Mbit/s): finishing takes over a minute; restart at the bottom.
        let mut slow = measured(6e6, 10);
        assert_eq!(
            slow.abandon(&ctx(&levels, 6.0, 5), &at(2000.0, 50_000)),
            Some(0)
        );
        assert!(
            slow.estimate_bps() < before,
            "the partial load lowers the estimate"
        );
        // Nothing to abandon at the lowest level allowed.
        let floor = AbrContext {
            min_level: 5,
            ..ctx(&levels, 6.0, 5)
        };
        assert_eq!(slow.abandon(&floor, &at(2000.0, 50_000)), None);
    }

    #[test]
    fn abandon_sees_a_collapse_the_load_average_hides() {
        let levels = ladder();
        let mut abr = measured(6e6, 10);
        let progress = |elapsed_ms: f64, loaded_bytes: u64| LoadProgress {
            level: 5,
            elapsed_ms,
            loaded_bytes,
            total_bytes: Some(2_150_000),
            media_duration_s: 4.0,
            ttfb_ms: Some(80.0),
        };
        let c = ctx(&levels, 5.0, 5);
        // 5 Mbit/s for the first second...
        for tenth in 1..=10u32 {
            let t = 80.0 + f64::from(tenth) * 100.0;
            assert_eq!(
                abr.abandon(&c, &progress(t, u64::from(tenth) * 62_500)),
                None
            );
        }
        // ...then nothing for two seconds: the average still says ~1.7 Mbit/s, enough to
        // finish in time, but the recent rate says otherwise.
        let mut decision = None;
        for tenth in 1..=20u32 {
            let t = 1080.0 + f64::from(tenth) * 100.0;
            decision = decision.or(abr.abandon(&c, &progress(t, 625_000)));
        }
        assert!(decision.is_some_and(|l| l < 5), "{decision:?}");
    }

    #[test]
    fn caps_follow_player_size_dropped_frames_and_manual_bounds() {
        let levels = ladder();
        let mut abr = measured(50e6, 10);
        let full = ctx(&levels, 25.0, 5);
        abr.choose_level(&ctx(&levels, 12.0, 5));
        assert_eq!(abr.choose_level(&full), 5);
        let small = AbrContext {
            player_width: 640,
            player_height: 360,
            ..full
        };
        assert_eq!(abr.choose_level(&small), 1);
        assert_eq!(
            abr.choose_level(&AbrContext {
                max_level: 3,
                ..full
            }),
            3
        );
        let mut starved = measured(100e3, 10);
        assert_eq!(
            starved.choose_level(&AbrContext {
                min_level: 2,
                ..ctx(&levels, 1.0, 2)
            }),
            2
        );
        abr.on_dropped_frames(0.0, 5, 0, 0);
        abr.on_dropped_frames(1000.0, 5, 100, 300);
        assert_eq!(abr.choose_level(&full), 4);
    }

    #[test]
    fn empty_ladder_and_odd_contexts_do_not_panic() {
        let mut abr = Hybrid::default();
        let none: [LevelInfo; 0] = [];
        assert_eq!(abr.choose_level(&ctx(&none, 5.0, 0)), 0);
        let levels = ladder();
        let odd = AbrContext {
            current: 99,
            min_level: 7,
            max_level: 42,
            playback_rate: 0.0,
            buffer_ahead_s: f64::NAN,
            segment_duration_s: -1.0,
            ..ctx(&levels, 0.0, 0)
        };
        assert!(abr.choose_level(&odd) < levels.len());
        let progress = LoadProgress {
            level: 99,
            elapsed_ms: 5000.0,
            loaded_bytes: 10,
            total_bytes: None,
            media_duration_s: 4.0,
            ttfb_ms: None,
        };
        assert!(
            abr.abandon(&odd, &progress)
                .is_none_or(|l| l < levels.len())
        );
    }
}
