//! Drift control: keeps the local player on the group position with the gentlest correction.
//!
//! `error = local position − group position`. Inside the dead band nothing happens. Up to the
//! seek threshold the playback rate is nudged for exactly as long as it takes to absorb the
//! error, within ±[`DriftConfig::max_rate_deviation`] and never closer to 1 than
//! ±[`DriftConfig::min_rate_deviation`] (browsers ignore tiny changes), with at most one rate
//! change per [`DriftConfig::min_rate_interval_ms`]. Beyond the threshold the player seeks to
//! where the group will be once the seek completes — the member's measured seek latency is
//! aimed ahead of, so the seek's own duration never shows up as new drift and cannot loop.

/// Tuning of the drift controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftConfig {
    /// Errors below this are left alone, ms.
    pub dead_band_ms: f64,
    /// A paused player further than this from the group position seeks to it, ms.
    pub paused_tolerance_ms: f64,
    /// Errors above this are corrected by seeking, ms.
    pub seek_threshold_ms: f64,
    /// Largest rate deviation from 1.
    pub max_rate_deviation: f64,
    /// Smallest rate deviation from 1 a browser honours.
    pub min_rate_deviation: f64,
    /// Least time between two rate changes, ms.
    pub min_rate_interval_ms: f64,
    /// Error samples whose median is acted on.
    pub window: usize,
    /// Samples ignored after a seek completes or playback starts, ms.
    pub settle_ms: f64,
    /// Least time between two corrective seeks, ms.
    pub seek_cooldown_ms: f64,
    /// Seek latency assumed before one was measured, ms.
    pub initial_seek_latency_ms: f64,
}

impl Default for DriftConfig {
    fn default() -> Self {
        Self {
            dead_band_ms: 40.0,
            paused_tolerance_ms: 25.0,
            seek_threshold_ms: 1000.0,
            max_rate_deviation: 0.05,
            min_rate_deviation: 0.002,
            min_rate_interval_ms: 2000.0,
            window: 5,
            settle_ms: 300.0,
            seek_cooldown_ms: 3000.0,
            initial_seek_latency_ms: 250.0,
        }
    }
}

/// A correction for the player.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DriftAction {
    /// Set the playback rate.
    SetRate(f64),
    /// Seek to the group position `lead_ms` from now (the expected seek latency).
    Seek {
        /// How far ahead of now to aim, ms.
        lead_ms: f64,
        /// A correction was under way: set the rate back to 1 as well.
        reset_rate: bool,
    },
}

/// The drift controller of one member.
#[derive(Debug, Clone)]
pub struct DriftController {
    config: DriftConfig,
    rate: f64,
    last_rate_change: f64,
    correction_end: Option<f64>,
    /// The latest errors, oldest first (a Vec: a VecDeque instantiates far more code).
    errors: Vec<f64>,
    seek_latency_ms: f64,
    seek_started: Option<f64>,
    last_seek: f64,
    hold_until: f64,
}

impl DriftController {
    /// A controller at rate 1.
    pub fn new(config: DriftConfig) -> Self {
        Self {
            config,
            rate: 1.0,
            last_rate_change: f64::NEG_INFINITY,
            correction_end: None,
            errors: Vec::with_capacity(config.window),
            seek_latency_ms: config.initial_seek_latency_ms,
            seek_started: None,
            last_seek: f64::NEG_INFINITY,
            hold_until: f64::NEG_INFINITY,
        }
    }

    /// The tuning.
    pub fn config(&self) -> &DriftConfig {
        &self.config
    }

    /// The rate last asked of the player.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Smoothed time from a seek command to its completion, ms.
    pub fn seek_latency_ms(&self) -> f64 {
        self.seek_latency_ms
    }

    /// Forgets the error history and ends any correction (the group state changed). Returns
    /// the rate change that needs, if any.
    pub fn reset(&mut self, now_ms: f64) -> Option<DriftAction> {
        self.errors.clear();
        self.correction_end = None;
        self.hold_until = now_ms + self.config.settle_ms;
        self.set_rate(now_ms, 1.0)
    }

    /// Ignores samples for the settle time (playback just started).
    pub fn hold(&mut self, now_ms: f64) {
        self.errors.clear();
        self.hold_until = self.hold_until.max(now_ms + self.config.settle_ms);
    }

    /// A seek command was issued.
    pub fn seek_started(&mut self, now_ms: f64) {
        self.seek_started = Some(now_ms);
        self.errors.clear();
    }

    /// The player finished the seek issued with [`seek_started`](Self::seek_started).
    pub fn seek_done(&mut self, now_ms: f64) {
        if let Some(start) = self.seek_started.take() {
            let latency = crate::num::clamp(now_ms - start, 0.0, 5000.0);
            self.seek_latency_ms = 0.5 * self.seek_latency_ms + 0.5 * latency;
        }
        self.hold(now_ms);
    }

    /// A seek was abandoned (no completion seen).
    pub fn seek_abandoned(&mut self, now_ms: f64) {
        self.seek_started = None;
        self.hold(now_ms);
    }

    /// When the current correction ends, ms.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.correction_end
    }

    /// Ends a correction whose time is up.
    pub fn handle_timeout(&mut self, now_ms: f64) -> Option<DriftAction> {
        match self.correction_end {
            Some(end) if now_ms >= end => {
                self.correction_end = None;
                self.errors.clear();
                self.set_rate(now_ms, 1.0)
            }
            _ => None,
        }
    }

    /// One error sample (local − group, ms) during group playback; the correction to apply.
    pub fn observe(&mut self, now_ms: f64, error_ms: f64) -> Option<DriftAction> {
        if now_ms < self.hold_until || self.seek_started.is_some() || !error_ms.is_finite() {
            return None;
        }
        if !self.errors.is_empty() && self.errors.len() >= self.config.window {
            self.errors.remove(0);
        }
        self.errors.push(error_ms);
        if self.errors.len() < self.config.window.min(3) {
            return None;
        }
        let error = median(&self.errors);
        let c = self.config;
        if error.abs() > c.seek_threshold_ms && now_ms - self.last_seek >= c.seek_cooldown_ms {
            self.last_seek = now_ms;
            self.correction_end = None;
            self.errors.clear();
            let reset_rate = self.rate != 1.0;
            if reset_rate {
                self.rate = 1.0;
                self.last_rate_change = now_ms;
            }
            return Some(DriftAction::Seek {
                lead_ms: self.seek_latency_ms,
                reset_rate,
            });
        }
        if self.correction_end.is_some()
            || error.abs() <= c.dead_band_ms
            || now_ms - self.last_rate_change < c.min_rate_interval_ms
        {
            return None;
        }
        let duration = c
            .min_rate_interval_ms
            .max(error.abs() / c.max_rate_deviation);
        let deviation = (error.abs() / duration).max(c.min_rate_deviation);
        self.correction_end = Some(now_ms + (error.abs() / deviation).max(c.min_rate_interval_ms));
        self.errors.clear();
        // Ahead of the group (positive error): slow down.
        self.set_rate(now_ms, 1.0 - deviation.copysign(error))
    }

    fn set_rate(&mut self, now_ms: f64, rate: f64) -> Option<DriftAction> {
        if rate == self.rate {
            return None;
        }
        self.rate = rate;
        self.last_rate_change = now_ms;
        Some(DriftAction::SetRate(rate))
    }
}

fn median(values: &[f64]) -> f64 {
    // Sorted by insertion: the window is short, and a slice sort would link a second copy
    // of the standard library's sort into the wasm.
    let mut v: Vec<f64> = Vec::with_capacity(values.len());
    for &x in values {
        let at = v.partition_point(|y| y.total_cmp(&x).is_le());
        v.insert(at, x);
    }
    let mid = v.len() / 2;
    match v.get(mid) {
        Some(m) if v.len() % 2 == 1 => *m,
        Some(m) => (m + v.get(mid.wrapping_sub(1)).copied().unwrap_or(*m)) / 2.0,
        None => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut DriftController, t: &mut f64, error: f64, n: usize) -> Vec<DriftAction> {
        let mut out = vec![];
        for _ in 0..n {
            *t += 100.0;
            out.extend(d.handle_timeout(*t));
            out.extend(d.observe(*t, error));
        }
        out
    }

    #[test]
    fn small_errors_are_left_alone() {
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        assert!(feed(&mut d, &mut t, 39.0, 100).is_empty());
        assert!(feed(&mut d, &mut t, -39.0, 100).is_empty());
    }

    #[test]
    fn medium_error_is_nudged_for_exactly_its_size() {
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        // 100 ms ahead: 5 % slower for 2 s absorbs it.
        let acts = feed(&mut d, &mut t, 100.0, 3);
        assert_eq!(acts, vec![DriftAction::SetRate(0.95)]);
        let start = t;
        let acts = feed(&mut d, &mut t, 100.0, 20);
        assert_eq!(acts, vec![DriftAction::SetRate(1.0)]);
        assert_eq!(d.poll_timeout(), None);
        assert!(t - start >= 2000.0);
        // 500 ms behind: 5 % faster for 10 s.
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        assert_eq!(
            feed(&mut d, &mut t, -500.0, 3),
            vec![DriftAction::SetRate(1.05)]
        );
        assert_eq!(d.poll_timeout(), Some(t + 10_000.0));
    }

    #[test]
    fn rate_is_never_closer_to_one_than_the_minimum() {
        let mut d = DriftController::new(DriftConfig {
            dead_band_ms: 1.0,
            ..DriftConfig::default()
        });
        let mut t = 0.0;
        let acts = feed(&mut d, &mut t, 2.0, 3);
        assert_eq!(acts, vec![DriftAction::SetRate(0.998)]);
        // The correction still lasts the minimum interval.
        assert_eq!(d.poll_timeout(), Some(t + 2000.0));
    }

    #[test]
    fn one_rate_change_per_interval() {
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        feed(&mut d, &mut t, 100.0, 3);
        let mut changes = vec![];
        for _ in 0..300 {
            t += 100.0;
            let e = if (t as u64 / 700).is_multiple_of(2) {
                300.0
            } else {
                -300.0
            };
            if d.handle_timeout(t).is_some() || d.observe(t, e).is_some() {
                changes.push(t);
            }
        }
        assert!(changes.len() > 2);
        assert!(
            changes.windows(2).all(|w| w[1] - w[0] >= 2000.0),
            "{changes:?}"
        );
    }

    #[test]
    fn large_error_seeks_ahead_by_measured_latency_and_does_not_loop() {
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        let acts = feed(&mut d, &mut t, 5000.0, 3);
        assert_eq!(
            acts,
            vec![DriftAction::Seek {
                lead_ms: 250.0,
                reset_rate: false
            }]
        );
        d.seek_started(t);
        // Samples during the seek are ignored.
        assert!(feed(&mut d, &mut t, 5000.0, 3).is_empty());
        d.seek_done(t);
        assert_eq!(d.seek_latency_ms(), 275.0);
        // Still far off right after: the cooldown prevents another seek.
        assert!(
            feed(&mut d, &mut t, 1500.0, 20)
                .iter()
                .all(|a| !matches!(a, DriftAction::Seek { .. }))
        );
        // Meanwhile a rate nudge started; the seek that follows resets it.
        assert_eq!(d.rate(), 0.95);
        assert!(
            feed(&mut d, &mut t, 1500.0, 20).contains(&DriftAction::Seek {
                lead_ms: 275.0,
                reset_rate: true
            })
        );
        assert_eq!(d.rate(), 1.0);
    }

    #[test]
    fn median_ignores_an_outlier() {
        let mut d = DriftController::new(DriftConfig::default());
        let mut t = 0.0;
        let mut acts = feed(&mut d, &mut t, 10.0, 4);
        acts.extend(feed(&mut d, &mut t, 2000.0, 1));
        acts.extend(feed(&mut d, &mut t, 10.0, 4));
        assert!(acts.is_empty(), "{acts:?}");
    }
}
