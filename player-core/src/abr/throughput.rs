//! The simplest rule: the highest level under a safety fraction of measured throughput.

use super::{Abr, AbrContext, LoadProgress, LoadSample};

/// Highest level whose bitrate fits under `safety` × the EWMA of segment throughput.
#[derive(Debug, Clone)]
pub struct ThroughputRule {
    estimate_bps: f64,
    safety: f64,
    samples: u32,
}

impl ThroughputRule {
    /// A rule starting from `initial_estimate_bps`.
    pub fn new(initial_estimate_bps: f64) -> Self {
        Self {
            estimate_bps: initial_estimate_bps,
            safety: 0.8,
            samples: 0,
        }
    }
}

impl Default for ThroughputRule {
    fn default() -> Self {
        Self::new(1_000_000.0)
    }
}

impl Abr for ThroughputRule {
    fn on_load(&mut self, _now_ms: f64, sample: LoadSample) {
        if sample.bytes < 16 * 1024 || sample.duration_ms <= 0.0 {
            return;
        }
        let bps = sample.bytes as f64 * 8000.0 / sample.duration_ms;
        self.estimate_bps = if self.samples == 0 {
            bps
        } else {
            0.7 * self.estimate_bps + 0.3 * bps
        };
        self.samples += 1;
    }

    fn choose_level(&mut self, ctx: &AbrContext<'_>) -> usize {
        let budget = self.estimate_bps * self.safety;
        let max = ctx.max_level.min(ctx.levels.len().saturating_sub(1));
        let min = ctx.min_level.min(max);
        (min..=max)
            .rev()
            .find(|&i| ctx.levels[i].bitrate <= budget)
            .unwrap_or(min)
    }

    fn abandon(&mut self, _ctx: &AbrContext<'_>, _progress: &LoadProgress) -> Option<usize> {
        None
    }

    fn estimate_bps(&self) -> f64 {
        self.estimate_bps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abr::LevelInfo;

    fn level(bitrate: f64) -> LevelInfo {
        LevelInfo {
            bitrate,
            width: 0,
            height: 0,
        }
    }

    #[test]
    fn picks_highest_level_under_the_safety_margin() {
        let levels = [level(400e3), level(900e3), level(1.8e6), level(3.5e6)];
        let mut rule = ThroughputRule::new(500e3);
        rule.on_load(
            0.0,
            LoadSample {
                bytes: 1_500_000,
                ttfb_ms: 50.0,
                duration_ms: 4000.0,
                media_duration_s: 4.0,
            },
        );
        let ctx = AbrContext {
            now_ms: 0.0,
            levels: &levels,
            current: 0,
            buffer_ahead_s: 8.0,
            segment_duration_s: 4.0,
            playback_rate: 1.0,
            min_level: 0,
            max_level: 3,
            player_width: 0,
            player_height: 0,
            starting: false,
        };
        // 3 Mbit/s measured, 2.4 Mbit/s budget.
        assert_eq!(rule.choose_level(&ctx), 2);
        assert_eq!(
            rule.choose_level(&AbrContext {
                max_level: 1,
                ..ctx
            }),
            1
        );
    }
}
