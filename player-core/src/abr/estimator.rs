//! Bandwidth estimation: exponentially weighted moving averages weighted by download time.

use super::LoadSample;

/// An exponentially weighted moving average whose samples carry a weight (seconds of
/// download time), so a long download moves the average more than a short one.
///
/// The average starts from zero and is divided by the weight gathered so far, which removes
/// the bias towards zero of the first samples.
///
/// The fraction kept is `exp(-rate * weight)` rather than `0.5.powf(weight / half_life)`:
/// `exp` is in the wasm anyway, `powf` added 2 KB of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ewma {
    /// Influence the old average loses per unit of weight: `ln 2 / half_life`.
    rate: f64,
    sum: f64,
    total_weight: f64,
}

impl Ewma {
    /// An average whose old samples lose half their influence after `half_life` units of weight.
    pub fn new(half_life: f64) -> Self {
        let rate = if half_life > 0.0 {
            std::f64::consts::LN_2 / half_life
        } else {
            f64::INFINITY
        };
        Self {
            rate,
            sum: 0.0,
            total_weight: 0.0,
        }
    }

    /// Adds `value` with `weight`; non-finite or non-positive weights are ignored.
    pub fn sample(&mut self, weight: f64, value: f64) {
        if !(weight.is_finite() && weight > 0.0 && value.is_finite()) {
            return;
        }
        let keep = self.kept(weight);
        self.sum = value * (1.0 - keep) + keep * self.sum;
        self.total_weight += weight;
    }

    /// The bias-corrected average, `None` before any sample.
    pub fn estimate(&self) -> Option<f64> {
        if self.total_weight <= 0.0 {
            return None;
        }
        let filled = 1.0 - self.kept(self.total_weight);
        if filled > 0.0 {
            Some(self.sum / filled)
        } else {
            Some(self.sum)
        }
    }

    /// The fraction of the old average kept when samples of `weight` come in.
    fn kept(&self, weight: f64) -> f64 {
        (-self.rate * weight).exp()
    }

    /// Sum of the weights seen.
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }
}

/// Throughput estimate from segment downloads: the minimum of a fast and a slow average of
/// the transfer rate (time to first byte excluded, weighted by transfer time), so it drops
/// quickly and climbs back slowly. Time to first byte is averaged separately.
///
/// Loads under `min_bytes` (playlists, keys) or completing in under `min_transfer_ms`
/// (served from cache) are ignored: their rate says little about the link.
#[derive(Debug, Clone, PartialEq)]
pub struct BandwidthEstimator {
    fast: Ewma,
    slow: Ewma,
    ttfb: Ewma,
    default_bps: f64,
    min_bytes: u64,
    min_transfer_ms: f64,
}

/// Time to first byte assumed before any measurement, in milliseconds.
const DEFAULT_TTFB_MS: f64 = 100.0;

impl BandwidthEstimator {
    /// An estimator with the given half-lives (seconds of transfer time) that reports
    /// `default_bps` until a usable sample arrives.
    pub fn new(fast_half_life_s: f64, slow_half_life_s: f64, default_bps: f64) -> Self {
        Self {
            fast: Ewma::new(fast_half_life_s),
            slow: Ewma::new(slow_half_life_s),
            ttfb: Ewma::new(4.0),
            default_bps,
            min_bytes: 16 * 1024,
            min_transfer_ms: 5.0,
        }
    }

    /// Feeds a finished (or partially received) load. Returns whether it counted towards the
    /// throughput estimate.
    pub fn sample(&mut self, sample: &LoadSample) -> bool {
        let ttfb = sample.ttfb_ms;
        if ttfb.is_finite() && ttfb >= 0.0 && ttfb <= sample.duration_ms {
            self.ttfb.sample(1.0, ttfb);
        }
        let transfer_ms =
            sample.duration_ms - crate::num::clamp(ttfb, 0.0, sample.duration_ms.max(0.0));
        if sample.bytes < self.min_bytes
            || !transfer_ms.is_finite()
            || transfer_ms < self.min_transfer_ms
        {
            return false;
        }
        let bps = sample.bytes as f64 * 8000.0 / transfer_ms;
        let weight_s = transfer_ms / 1000.0;
        self.fast.sample(weight_s, bps);
        self.slow.sample(weight_s, bps);
        true
    }

    /// Whether any throughput sample has been taken.
    pub fn has_samples(&self) -> bool {
        self.fast.total_weight() > 0.0
    }

    /// Throughput estimate in bits per second.
    pub fn estimate_bps(&self) -> f64 {
        match (self.fast.estimate(), self.slow.estimate()) {
            (Some(fast), Some(slow)) => fast.min(slow),
            _ => self.default_bps,
        }
    }

    /// Time to first byte estimate in milliseconds.
    pub fn ttfb_ms(&self) -> f64 {
        self.ttfb.estimate().unwrap_or(DEFAULT_TTFB_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(bytes: u64, ttfb_ms: f64, duration_ms: f64) -> LoadSample {
        LoadSample {
            bytes,
            ttfb_ms,
            duration_ms,
            media_duration_s: 4.0,
        }
    }

    #[test]
    fn ewma_is_unbiased_after_one_sample_and_weights_by_time() {
        let mut avg = Ewma::new(3.0);
        assert_eq!(avg.estimate(), None);
        avg.sample(0.5, 1000.0);
        assert!((avg.estimate().unwrap() - 1000.0).abs() < 1e-9);
        // A sample three half-lives long dominates: 7/8 of the new value after bias correction
        // over the whole weight.
        avg.sample(9.0, 2000.0);
        let est = avg.estimate().unwrap();
        assert!(est > 1900.0 && est < 2000.0, "{est}");
        // The same value at a tiny weight barely moves it.
        let mut short = Ewma::new(3.0);
        short.sample(9.0, 2000.0);
        short.sample(0.01, 0.0);
        assert!(short.estimate().unwrap() > 1990.0);
    }

    #[test]
    fn estimator_excludes_ttfb_and_ignores_small_and_cached_loads() {
        let mut est = BandwidthEstimator::new(2.0, 8.0, 500e3);
        assert_eq!(est.estimate_bps(), 500e3);
        assert!(
            !est.sample(&load(2_000, 50.0, 100.0)),
            "playlist-sized load"
        );
        assert!(!est.sample(&load(500_000, 1.0, 3.0)), "cache hit");
        assert_eq!(est.estimate_bps(), 500e3);
        // 1 MB in 2 s of transfer after a 500 ms TTFB: 4 Mbit/s.
        assert!(est.sample(&load(1_000_000, 500.0, 2500.0)));
        assert!((est.estimate_bps() - 4e6).abs() < 1.0);
        assert!(est.ttfb_ms() < 500.0 && est.ttfb_ms() > 0.0);
    }

    #[test]
    fn estimate_falls_fast_and_rises_slowly() {
        let mut est = BandwidthEstimator::new(2.0, 8.0, 500e3);
        for _ in 0..10 {
            est.sample(&load(1_000_000, 80.0, 2080.0)); // 4 Mbit/s
        }
        est.sample(&load(250_000, 80.0, 2080.0)); // 1 Mbit/s for 2 s
        let after_drop = est.estimate_bps();
        assert!(after_drop < 2.6e6, "{after_drop}");
        let mut up = BandwidthEstimator::new(2.0, 8.0, 500e3);
        for _ in 0..10 {
            up.sample(&load(250_000, 80.0, 2080.0));
        }
        up.sample(&load(1_000_000, 80.0, 2080.0));
        let after_rise = up.estimate_bps();
        assert!(after_rise < 1.6e6, "{after_rise}");
    }
}
