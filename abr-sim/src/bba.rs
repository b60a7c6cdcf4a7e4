//! BBA-0, the buffer-based rule of Huang et al. ("A Buffer-Based Approach to Rate
//! Adaptation", SIGCOMM 2014): below a reservoir the lowest level, above reservoir + cushion
//! the highest, a linear rate map in between; the level only moves when the map crosses the
//! next rung up or down, which keeps it from oscillating.

use player_core::abr::{Abr, AbrContext, LoadProgress, LoadSample, ThroughputRule};

/// BBA-0 with a reservoir and cushion in seconds.
#[derive(Debug, Clone)]
pub struct Bba {
    reservoir_s: f64,
    cushion_s: f64,
    /// Only for [`Abr::estimate_bps`]; the rule itself ignores throughput.
    meter: ThroughputRule,
}

impl Default for Bba {
    /// Reservoir 5 s and cushion 15 s, scaled to a 30 s buffer.
    fn default() -> Self {
        Self {
            reservoir_s: 5.0,
            cushion_s: 15.0,
            meter: ThroughputRule::default(),
        }
    }
}

impl Abr for Bba {
    fn on_load(&mut self, now_ms: f64, sample: LoadSample) {
        self.meter.on_load(now_ms, sample);
    }

    fn choose_level(&mut self, ctx: &AbrContext<'_>) -> usize {
        let max = ctx.max_level.min(ctx.levels.len().saturating_sub(1));
        let min = ctx.min_level.min(max);
        let Some(ladder) = ctx.levels.get(min..=max) else {
            return min;
        };
        let (Some(low), Some(high)) = (ladder.first(), ladder.last()) else {
            return min;
        };
        let buffer = ctx.buffer_ahead_s;
        let mapped = if buffer <= self.reservoir_s {
            low.bitrate
        } else if buffer >= self.reservoir_s + self.cushion_s {
            high.bitrate
        } else {
            low.bitrate
                + (high.bitrate - low.bitrate) * (buffer - self.reservoir_s) / self.cushion_s
        };
        let current = ctx.current.clamp(min, max);
        let rate = |i: usize| ctx.levels.get(i).map_or(0.0, |l| l.bitrate);
        let up = (current + 1).min(max);
        let down = current.saturating_sub(1).max(min);
        if mapped >= high.bitrate {
            max
        } else if mapped <= low.bitrate {
            min
        } else if mapped >= rate(up) {
            (min..=max).rev().find(|&i| rate(i) < mapped).unwrap_or(min)
        } else if mapped <= rate(down) {
            (min..=max).find(|&i| rate(i) > mapped).unwrap_or(max)
        } else {
            current
        }
    }

    fn abandon(&mut self, _ctx: &AbrContext<'_>, _progress: &LoadProgress) -> Option<usize> {
        None
    }

    fn estimate_bps(&self) -> f64 {
        self.meter.estimate_bps()
    }
}
