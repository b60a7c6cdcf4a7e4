//! Clock sync with the room: NTP-style four-timestamp exchange and a minimum-delay filter.
//!
//! A member sends `t1` (its clock), the server stamps `t2` on receive and `t3` on send, the
//! member stamps `t4` on receive. One-way delays are never negative, so each sample confines
//! the offset θ (server − member) to `[t3 − t4, t2 − t1]`, an interval as wide as the sample's
//! delay δ = (t4 − t1) − (t3 − t2) and centred on the classic NTP estimate
//! ((t2 − t1) + (t3 − t4)) / 2. Queuing only widens it.
//!
//! The filter is a minimum-delay filter applied to each direction: over the last 8
//! samples it keeps the smallest member→server time (t2 − t1) and the smallest server→member
//! time (t4 − t3), i.e. it intersects the samples' intervals (each widened by the clock drift
//! since it was taken), and takes the middle. That is never wider than the single
//! minimum-delay sample and stays right when a late message (held back by TCP, so several
//! in a row) inflates one direction only. Should clocks step so that the intervals do not
//! meet, the minimum-delay sample is used.

/// Samples the minimum-delay filter looks at.
const WINDOW: usize = 8;
/// Requests sent back to back at join.
const BURST: u32 = WINDOW as u32;
/// Spacing of the join burst, ms.
const BURST_INTERVAL_MS: f64 = 100.0;
/// Spacing of the periodic samples after the burst, ms.
const INTERVAL_MS: f64 = 2000.0;
/// Requests unanswered for this long are forgotten, ms.
const REQUEST_TTL_MS: f64 = 10_000.0;
/// Most requests in flight.
const MAX_OUTSTANDING: usize = 32;
/// Worst relative frequency error of two clocks (2 × 50 ppm) for the error bound's aging.
const DRIFT_ALLOWANCE: f64 = 100e-6;
/// Resolution of `performance.now()` in the coarsest common browser setting (Firefox and
/// Safari round to 1 ms; Chrome to 0.1 ms), ms.
const RESOLUTION_MS: f64 = 1.0;

/// What the filter knows of the server clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncEstimate {
    /// Server clock minus local clock, ms.
    pub offset_ms: f64,
    /// Smoothed round-trip time, ms.
    pub rtt_ms: f64,
    /// Bound on the offset's error, ms: half the best sample's delay, aged by clock drift.
    pub error_ms: f64,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    t4: f64,
    /// t2 − t1: offset + member→server delay, an upper bound of the offset.
    up: f64,
    /// t4 − t3: server→member delay − offset, so −down is a lower bound of the offset.
    down: f64,
}

impl Sample {
    fn delay(&self) -> f64 {
        (self.up + self.down).max(0.0)
    }
}

/// The filter's result when the last sample arrived.
#[derive(Debug, Clone, Copy)]
struct Solution {
    at: f64,
    offset: f64,
    half_width: f64,
}

/// The member side of clock sync: schedules requests and filters the answers.
#[derive(Debug, Clone)]
pub struct ClockSync {
    /// Oldest first. Lists rather than `VecDeque`s: they hold 8 and 32 at most, and a deque's
    /// two-slice iteration was repeated in the wasm for every fold over it.
    samples: Vec<Sample>,
    outstanding: Vec<(u32, f64)>,
    rtt_ewma: Option<f64>,
    solution: Option<Solution>,
    next_id: u32,
    burst_left: u32,
    next_due: f64,
}

impl ClockSync {
    /// A filter whose join burst starts at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            samples: Vec::with_capacity(WINDOW),
            outstanding: Vec::new(),
            rtt_ewma: None,
            solution: None,
            next_id: 0,
            burst_left: BURST,
            next_due: now_ms,
        }
    }

    /// When the next request is due (local ms).
    pub fn poll_timeout(&self) -> f64 {
        self.next_due
    }

    /// A request `(id, t1)` to send now, if one is due.
    pub fn poll_request(&mut self, now_ms: f64) -> Option<(u32, f64)> {
        if now_ms < self.next_due {
            return None;
        }
        if self.burst_left > 0 {
            self.burst_left -= 1;
        }
        let spacing = if self.burst_left > 0 {
            BURST_INTERVAL_MS
        } else {
            INTERVAL_MS
        };
        self.next_due = now_ms + spacing;
        let stale = self
            .outstanding
            .iter()
            .position(|(_, t1)| now_ms - t1 <= REQUEST_TTL_MS)
            .unwrap_or(self.outstanding.len())
            .max((self.outstanding.len() + 1).saturating_sub(MAX_OUTSTANDING));
        self.outstanding.drain(..stale);
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.outstanding.push((id, now_ms));
        Some((id, now_ms))
    }

    /// An answer received at local time `t4`. Answers to unknown requests or with
    /// impossible timestamps are ignored (`false`).
    pub fn handle_response(&mut self, t4: f64, id: u32, t1: f64, t2: f64, t3: f64) -> bool {
        let Some(idx) = self
            .outstanding
            .iter()
            .position(|&(i, t)| i == id && t == t1)
        else {
            return false;
        };
        self.outstanding.remove(idx);
        if !(t2.is_finite() && t3.is_finite()) || t4 < t1 || t3 < t2 {
            return false;
        }
        let sample = Sample {
            t4,
            up: t2 - t1,
            down: t4 - t3,
        };
        let delay = sample.delay();
        if self.samples.len() == WINDOW {
            self.samples.remove(0);
        }
        self.samples.push(sample);
        self.solution = self.solve(t4);
        self.rtt_ewma = Some(match self.rtt_ewma {
            Some(r) => 0.8 * r + 0.2 * delay,
            None => delay,
        });
        true
    }

    /// Samples received so far, up to the window of 8.
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// The current estimate at local time `now_ms`, once a sample arrived.
    pub fn estimate(&self, now_ms: f64) -> Option<SyncEstimate> {
        let s = self.solution?;
        Some(SyncEstimate {
            offset_ms: s.offset,
            rtt_ms: self.rtt_ewma.unwrap_or(2.0 * s.half_width),
            error_ms: s.half_width + (now_ms - s.at).max(0.0) * DRIFT_ALLOWANCE + RESOLUTION_MS,
        })
    }

    /// Server clock minus local clock as of the last sample, ms.
    pub fn offset_ms(&self) -> Option<f64> {
        self.solution.map(|s| s.offset)
    }

    fn solve(&self, now_ms: f64) -> Option<Solution> {
        let aged = |s: &Sample| (now_ms - s.t4).max(0.0) * DRIFT_ALLOWANCE;
        let upper = self
            .samples
            .iter()
            .map(|s| s.up + aged(s))
            .min_by(f64::total_cmp)?;
        let lower = self
            .samples
            .iter()
            .map(|s| -s.down - aged(s))
            .max_by(f64::total_cmp)?;
        if lower <= upper {
            return Some(Solution {
                at: now_ms,
                offset: (upper + lower) / 2.0,
                half_width: (upper - lower) / 2.0,
            });
        }
        let best = self
            .samples
            .iter()
            .min_by(|a, b| a.delay().total_cmp(&b.delay()))?;
        Some(Solution {
            at: best.t4,
            offset: (best.up - best.down) / 2.0,
            half_width: best.delay() / 2.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one exchange with the given one-way delays against a server clock `offset` ahead.
    fn exchange(c: &mut ClockSync, now: f64, offset: f64, up: f64, down: f64) -> bool {
        let (id, t1) = c.poll_request(now).expect("request due");
        let t2 = t1 + up + offset;
        let t3 = t2 + 0.5;
        c.handle_response(t3 - offset + down, id, t1, t2, t3)
    }

    #[test]
    fn symmetric_paths_give_exact_offset() {
        let mut c = ClockSync::new(0.0);
        assert!(exchange(&mut c, 0.0, 5000.0, 40.0, 40.0));
        let e = c.estimate(80.5).unwrap();
        assert_eq!(e.offset_ms, 5000.0);
        assert_eq!(e.rtt_ms, 80.0);
        assert!((e.error_ms - 41.0).abs() < 1e-9);
    }

    #[test]
    fn fastest_path_of_each_direction_wins() {
        let mut c = ClockSync::new(0.0);
        // Queued samples, asymmetric: each direction is fast in one of them.
        assert!(exchange(&mut c, 0.0, -300.0, 90.0, 20.0));
        assert!(exchange(&mut c, 100.0, -300.0, 20.0, 70.0));
        assert!(exchange(&mut c, 200.0, -300.0, 60.0, 60.0));
        let e = c.estimate(300.0).unwrap();
        assert!((e.offset_ms - -300.0).abs() < 0.05, "{e:?}");
        // Bound: the fastest paths (20 + 20) / 2, aged a little.
        assert!(e.error_ms >= 21.0 && e.error_ms < 21.2, "{e:?}");
        // The single minimum-delay sample would be 35 ms off.
        assert!(exchange(&mut c, 300.0, -300.0, 15.0, 25.0));
        let e = c.estimate(400.0).unwrap();
        assert!((e.offset_ms - -302.5).abs() < 0.05, "{e:?}");
    }

    #[test]
    fn stepped_clock_falls_back_to_minimum_delay_sample() {
        let mut c = ClockSync::new(0.0);
        assert!(exchange(&mut c, 0.0, 0.0, 30.0, 30.0));
        // The server clock jumps 1 s: the intervals no longer meet.
        assert!(exchange(&mut c, 100.0, 1000.0, 10.0, 12.0));
        let e = c.estimate(200.0).unwrap();
        assert!((e.offset_ms - 999.0).abs() < 1e-9, "{e:?}");
        assert!((e.error_ms - 12.0).abs() < 0.01, "{e:?}");
    }

    #[test]
    fn burst_then_periodic() {
        let mut c = ClockSync::new(1000.0);
        assert!(c.poll_request(999.0).is_none());
        let mut times = vec![];
        let mut now = 1000.0;
        while times.len() < 10 {
            if c.poll_request(now).is_some() {
                times.push(now);
            }
            now += 50.0;
        }
        assert_eq!(
            &times[..8],
            &[
                1000.0, 1100.0, 1200.0, 1300.0, 1400.0, 1500.0, 1600.0, 1700.0
            ]
        );
        assert_eq!(&times[8..], &[3700.0, 5700.0]);
    }

    #[test]
    fn forged_and_impossible_answers_are_ignored() {
        let mut c = ClockSync::new(0.0);
        let (id, t1) = c.poll_request(0.0).unwrap();
        assert!(!c.handle_response(50.0, id + 1, t1, 10.0, 11.0));
        assert!(!c.handle_response(50.0, id, t1 + 1.0, 10.0, 11.0));
        assert!(!c.handle_response(50.0, id, t1, 12.0, 11.0));
        assert!(c.estimate(60.0).is_none());
        // The request was consumed by the impossible answer.
        assert!(!c.handle_response(50.0, id, t1, 10.0, 11.0));
    }

    #[test]
    fn unanswered_requests_expire() {
        let mut c = ClockSync::new(0.0);
        let mut sent = Vec::new();
        for _ in 0..14 {
            let now = c.poll_timeout();
            sent.push(c.poll_request(now).unwrap());
        }
        let now = sent.last().unwrap().1;
        let mut kept = 0;
        for (id, t1) in sent {
            let fresh = now - t1 <= REQUEST_TTL_MS;
            kept += usize::from(fresh);
            assert_eq!(
                c.handle_response(t1 + 20.0, id, t1, t1 + 10.0, t1 + 11.0),
                fresh
            );
        }
        assert_eq!(kept, 6);
    }
}
