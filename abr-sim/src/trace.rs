//! Throughput traces: parsing, synthetic generation, and a link that replays one.

use std::path::Path;

/// Why a trace could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A line is not `<seconds>\t<Mbit/s>` with finite, non-negative numbers.
    #[error("{name}:{line}: expected `<seconds> <Mbit/s>`, got {text:?}")]
    Syntax {
        /// Trace name.
        name: String,
        /// 1-based line number.
        line: usize,
        /// The offending line (truncated).
        text: String,
    },
    /// Timestamps go backwards.
    #[error("{name}:{line}: timestamp goes backwards")]
    Unordered {
        /// Trace name.
        name: String,
        /// 1-based line number.
        line: usize,
    },
    /// No sample, or under 1 kbit/s on average.
    #[error("{name}: no usable throughput")]
    Empty {
        /// Trace name.
        name: String,
    },
}

/// A throughput trace: consecutive slots of constant throughput, replayed in a loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Name (file name), used for reports and grouping.
    pub name: String,
    /// `(duration_s, bits_per_second)` slots.
    slots: Vec<(f64, f64)>,
}

impl Trace {
    /// A trace from slots of `(duration_s, bits_per_second)`.
    pub fn from_slots(name: &str, slots: Vec<(f64, f64)>) -> Result<Self, TraceError> {
        let slots: Vec<_> = slots
            .into_iter()
            .filter(|&(d, bps)| d.is_finite() && d > 0.0 && bps.is_finite() && bps >= 0.0)
            .collect();
        let trace = Self {
            name: name.into(),
            slots,
        };
        // Under 1 kbit/s on average a session would take days of simulated time.
        if trace.mean_bps() < 1e3 {
            return Err(TraceError::Empty { name: name.into() });
        }
        Ok(trace)
    }

    /// A trace of constant throughput.
    pub fn constant(name: &str, bps: f64) -> Result<Self, TraceError> {
        Self::from_slots(name, vec![(1.0, bps)])
    }

    /// Parses the `<seconds since start>\t<Mbit/s>` format, one sample per line. Each sample
    /// holds until the next; the last holds for the mean sample interval.
    pub fn parse(name: &str, text: &str) -> Result<Self, TraceError> {
        let mut points: Vec<(f64, f64)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let syntax = || TraceError::Syntax {
                name: name.into(),
                line: i + 1,
                text: line.chars().take(80).collect(),
            };
            let mut fields = line.split_whitespace();
            let (Some(t), Some(v), None) = (fields.next(), fields.next(), fields.next()) else {
                return Err(syntax());
            };
            let (Ok(t), Ok(mbps)) = (t.parse::<f64>(), v.parse::<f64>()) else {
                return Err(syntax());
            };
            if !(t.is_finite() && mbps.is_finite() && mbps >= 0.0) {
                return Err(syntax());
            }
            if points.last().is_some_and(|&(last, _)| t < last) {
                return Err(TraceError::Unordered {
                    name: name.into(),
                    line: i + 1,
                });
            }
            points.push((t, mbps * 1e6));
        }
        let (Some(&(first, _)), Some(&(last, _))) = (points.first(), points.last()) else {
            return Err(TraceError::Empty { name: name.into() });
        };
        let mean_step = if points.len() > 1 {
            (last - first) / (points.len() - 1) as f64
        } else {
            1.0
        };
        let mean_step = if mean_step > 0.0 { mean_step } else { 1.0 };
        let slots = points
            .iter()
            .enumerate()
            .map(|(i, &(t, bps))| {
                let next = points.get(i + 1).map_or(t + mean_step, |&(n, _)| n);
                (next - t, bps)
            })
            .collect();
        Self::from_slots(name, slots)
    }

    /// Reads and parses a trace file, named after the file.
    pub fn load(path: &Path) -> Result<Self, TraceError> {
        let text = std::fs::read_to_string(path).map_err(|source| TraceError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        Self::parse(&name, &text)
    }

    /// Family of the trace: the name up to the first `.` or `_` (`bus`, `train`, `trace`…).
    pub fn family(&self) -> &str {
        self.name
            .split(['.', '_'])
            .next()
            .unwrap_or(self.name.as_str())
    }

    /// Mean throughput over one loop, bits per second.
    pub fn mean_bps(&self) -> f64 {
        let (time, bits) = self
            .slots
            .iter()
            .fold((0.0, 0.0), |(t, b), &(d, bps)| (t + d, b + d * bps));
        if time > 0.0 { bits / time } else { 0.0 }
    }
}

/// A trace replayed in a loop from its start.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    slots: &'a [(f64, f64)],
    slot: usize,
    used_s: f64,
}

impl<'a> Link<'a> {
    /// A link at the start of `trace`.
    pub fn new(trace: &'a Trace) -> Self {
        Self {
            slots: &trace.slots,
            slot: 0,
            used_s: 0.0,
        }
    }

    fn current(&self) -> (f64, f64) {
        self.slots.get(self.slot).copied().unwrap_or((1.0, 0.0))
    }

    fn step(&mut self, dt: f64) {
        self.used_s += dt;
        let (duration, _) = self.current();
        if self.used_s >= duration - 1e-12 {
            self.used_s = 0.0;
            self.slot = (self.slot + 1) % self.slots.len().max(1);
        }
    }

    /// Lets `dt` seconds pass without transferring.
    pub fn idle(&mut self, mut dt: f64) {
        while dt > 1e-12 {
            let (duration, _) = self.current();
            let step = dt.min(duration - self.used_s);
            self.step(step);
            dt -= step;
        }
    }

    /// Transfers up to `bits` within at most `max_dt` seconds; returns `(seconds, bits)` used.
    pub fn transfer(&mut self, bits: f64, max_dt: f64) -> (f64, f64) {
        let (mut time, mut moved) = (0.0, 0.0);
        while time < max_dt - 1e-12 && moved < bits {
            let (duration, bps) = self.current();
            let step = (max_dt - time).min(duration - self.used_s);
            let want = bits - moved;
            if bps > 0.0 && bps * step >= want {
                let t = want / bps;
                self.used_s += t;
                if self.used_s >= duration - 1e-12 {
                    self.step(0.0);
                }
                return (time + t, bits);
            }
            moved += bps * step;
            time += step;
            self.step(step);
        }
        (time, moved)
    }
}

/// A deterministic set of synthetic traces for when no trace directory is available: random
/// walks in log-throughput around several means, with occasional outages, one sample a second.
pub fn synthetic_traces() -> Vec<Trace> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        // xorshift64*: fixed seed, so every run sees the same traces.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut traces = Vec::new();
    for (k, mean_mbps) in [0.6f64, 0.9, 1.2, 1.5, 2.0, 3.0].into_iter().enumerate() {
        for variant in 0..4 {
            let mut log_bw: f64 = mean_mbps.ln();
            let mut slots = Vec::with_capacity(600);
            let mut outage = 0;
            for _ in 0..600 {
                log_bw += 0.25 * (uniform() - 0.5) + 0.05 * (mean_mbps.ln() - log_bw);
                if outage == 0 && uniform() < 0.01 * f64::from(variant) {
                    outage = 2 + (uniform() * 6.0) as u32;
                }
                let mbps = if outage > 0 {
                    outage -= 1;
                    0.05
                } else {
                    log_bw.exp()
                };
                slots.push((1.0, mbps * 1e6));
            }
            if let Ok(t) = Trace::from_slots(&format!("synthetic.{k}-{variant}"), slots) {
                traces.push(t);
            }
        }
    }
    traces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_pensieve_format_and_rejects_garbage() {
        let t = Trace::parse("x", "0.0\t1.0\n1.0\t2.0\n\n3.0\t0.5\n").unwrap();
        assert_eq!(t.slots, vec![(1.0, 1e6), (2.0, 2e6), (1.5, 0.5e6)]);
        assert!(matches!(
            Trace::parse("x", "0\t1\nabc\t2"),
            Err(TraceError::Syntax { line: 2, .. })
        ));
        assert!(matches!(
            Trace::parse("x", "1\t1\n0\t1"),
            Err(TraceError::Unordered { line: 2, .. })
        ));
        assert!(matches!(
            Trace::parse("x", "0\t0\n1\t0"),
            Err(TraceError::Empty { .. })
        ));
        assert!(matches!(
            Trace::parse("x", "0\t-1"),
            Err(TraceError::Syntax { .. })
        ));
    }

    #[test]
    fn link_transfers_across_slots_and_loops() {
        let t = Trace::from_slots("x", vec![(1.0, 1e6), (1.0, 3e6)]).unwrap();
        let mut link = Link::new(&t);
        // 2 Mbit: 1 Mbit in the first second, then 1/3 s at 3 Mbit/s.
        let (dt, bits) = link.transfer(2e6, 10.0);
        assert!((dt - (1.0 + 1.0 / 3.0)).abs() < 1e-9);
        assert_eq!(bits, 2e6);
        // Capped by time: 0.5 s left at 3 Mbit/s, then the loop restarts at 1 Mbit/s.
        let (dt, bits) = link.transfer(1e9, 1.0);
        assert!((dt - 1.0).abs() < 1e-9);
        assert!((bits - (2e6 + 1e6 / 3.0)).abs() < 1.0);
    }

    #[test]
    fn synthetic_traces_are_deterministic() {
        let a = synthetic_traces();
        assert_eq!(a.len(), 24);
        assert_eq!(a, synthetic_traces());
        assert!(a.iter().all(|t| t.mean_bps() > 0.0));
    }
}
