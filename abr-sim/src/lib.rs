//! Trace-driven ABR simulator for FloDrama Player: runs [`player_core::abr::Hybrid`] and
//! baselines (hls.js 1.7's default rule, a pure throughput rule, BBA-0) through one session
//! model and scores them with the linear QoE of ABR research.

pub mod bba;
pub mod hlsjs;
pub mod sim;
pub mod trace;

use player_core::abr::{Abr, Hybrid, HybridConfig, ThroughputRule};

use sim::{RunReport, SimConfig, simulate};
use trace::Trace;

/// Names of the algorithms the simulator runs, ours first, then the anchor.
pub const ALGORITHMS: [&str; 4] = ["ours", "hlsjs", "throughput", "bba"];

/// A fresh instance of the algorithm `name` (one of [`ALGORITHMS`]).
pub fn make_algorithm(name: &str, hybrid: &HybridConfig) -> Option<Box<dyn Abr>> {
    Some(match name {
        "ours" => Box::new(Hybrid::new(hybrid.clone())),
        "hlsjs" => Box::new(hlsjs::HlsJsAbr::default()),
        "throughput" => Box::new(ThroughputRule::default()),
        "bba" => Box::new(bba::Bba::default()),
        _ => return None,
    })
}

/// Means over a set of sessions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Sessions summarised.
    pub runs: usize,
    /// Mean QoE.
    pub qoe: f64,
    /// Mean of the sessions' mean bitrate, kbit/s.
    pub kbps: f64,
    /// Mean stall seconds after startup.
    pub rebuffer_s: f64,
    /// All stall time over all stall plus media time.
    pub rebuffer_ratio: f64,
    /// Mean level switches.
    pub switches: f64,
    /// Mean startup delay, seconds.
    pub startup_s: f64,
    /// Mean abandoned loads.
    pub abandons: f64,
}

impl Summary {
    /// Summarises `reports`.
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a RunReport>) -> Self {
        let mut s = Self::default();
        let (mut stall, mut total) = (0.0, 0.0);
        for r in reports {
            s.runs += 1;
            s.qoe += r.qoe();
            s.kbps += r.mean_kbps();
            s.rebuffer_s += r.rebuffer_s;
            s.switches += r.switches() as f64;
            s.startup_s += r.startup_s;
            s.abandons += f64::from(r.abandons());
            stall += r.rebuffer_s;
            total += r.rebuffer_s + r.media_s;
        }
        if s.runs > 0 {
            let n = s.runs as f64;
            s.qoe /= n;
            s.kbps /= n;
            s.rebuffer_s /= n;
            s.switches /= n;
            s.startup_s /= n;
            s.abandons /= n;
        }
        s.rebuffer_ratio = if total > 0.0 { stall / total } else { 0.0 };
        s
    }
}

/// Runs `algorithm` over every trace; `None` for an unknown name.
pub fn run_all(
    algorithm: &str,
    hybrid: &HybridConfig,
    traces: &[Trace],
    cfg: &SimConfig,
) -> Option<Vec<RunReport>> {
    traces
        .iter()
        .map(|t| make_algorithm(algorithm, hybrid).map(|mut abr| simulate(abr.as_mut(), t, cfg)))
        .collect()
}
