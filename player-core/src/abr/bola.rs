//! BOLA, the buffer-based rule of Spiteri et al. ("BOLA: Near-Optimal Bitrate Adaptation for
//! Online Videos", 2016): choose the level maximising `(V·(u_m + γ) − Q) / S_m`, with
//! utility `u_m = ln(S_m / S_0)`, buffer level `Q` and segment size `S_m`.
//!
//! `V` and `γ` are derived here from two buffer levels: at `min_buffer_s` the rule moves off
//! the lowest level, at `target_buffer_s` it reaches the highest. The level boundaries
//! `Q_{m,m+1} = Vγ + V·c_m`, with `c_m = (u_m·S_{m+1} − u_{m+1}·S_m) / (S_{m+1} − S_m)`,
//! rise with `m` for a logarithmic utility, so both conditions fix `V` and `Vγ` linearly.
//! With only two levels there is a single boundary, placed halfway between the two buffers.

use super::LevelInfo;

/// BOLA's decision for one ladder and buffer range.
#[derive(Debug, Clone, PartialEq)]
pub struct Bola {
    min_buffer_s: f64,
    target_buffer_s: f64,
}

impl Bola {
    /// A rule that leaves the lowest level above `min_buffer_s` of buffer and reaches the
    /// highest at `target_buffer_s`.
    pub fn new(min_buffer_s: f64, target_buffer_s: f64) -> Self {
        Self {
            min_buffer_s,
            target_buffer_s: target_buffer_s.max(min_buffer_s + 1.0),
        }
    }

    /// Level BOLA picks among `levels[lo..=hi]` with `buffer_s` seconds buffered.
    pub fn choose(&self, levels: &[LevelInfo], lo: usize, hi: usize, buffer_s: f64) -> usize {
        let Some(ladder) = levels.get(lo..=hi) else {
            return lo;
        };
        match ladder.len() {
            0 | 1 => return lo,
            2 => {
                let midpoint = (self.min_buffer_s + self.target_buffer_s) / 2.0;
                return if buffer_s >= midpoint { lo + 1 } else { lo };
            }
            _ => {}
        }
        let base = ladder[0].bitrate.max(1.0);
        let utility = |b: f64| (b.max(1.0) / base).ln();
        let boundary = |m: usize| {
            let (s0, s1) = (ladder[m].bitrate, ladder[m + 1].bitrate);
            let d = (s1 - s0).max(1.0);
            (utility(s0) * s1 - utility(s1) * s0) / d
        };
        let c_first = boundary(0);
        let c_last = boundary(ladder.len() - 2);
        let spread = c_last - c_first;
        if spread <= 0.0 {
            return lo;
        }
        let v = (self.target_buffer_s - self.min_buffer_s) / spread;
        let v_gamma = self.min_buffer_s - v * c_first;
        let mut best = 0;
        let mut best_score = f64::NEG_INFINITY;
        for (m, level) in ladder.iter().enumerate() {
            let score = (v * utility(level.bitrate) + v_gamma - buffer_s) / level.bitrate.max(1.0);
            if score > best_score {
                best_score = score;
                best = m;
            }
        }
        lo + best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Vec<LevelInfo> {
        [300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3]
            .iter()
            .map(|&bitrate| LevelInfo {
                bitrate,
                width: 0,
                height: 0,
            })
            .collect()
    }

    #[test]
    fn climbs_the_ladder_with_the_buffer() {
        let levels = ladder();
        let bola = Bola::new(8.0, 24.0);
        assert_eq!(bola.choose(&levels, 0, 5, 0.0), 0);
        assert_eq!(bola.choose(&levels, 0, 5, 7.9), 0);
        assert_eq!(bola.choose(&levels, 0, 5, 8.1), 1);
        assert_eq!(bola.choose(&levels, 0, 5, 24.1), 5);
        let mut last = 0;
        for tenth in 0..300 {
            let level = bola.choose(&levels, 0, 5, f64::from(tenth) / 10.0);
            assert!(level >= last, "monotonic in the buffer");
            last = level;
        }
        assert_eq!(
            bola.choose(&levels, 1, 3, 30.0),
            3,
            "respects the upper bound"
        );
        assert_eq!(
            bola.choose(&levels, 2, 5, 0.0),
            2,
            "respects the lower bound"
        );
        assert_eq!(
            bola.choose(&levels, 0, 1, 15.0),
            0,
            "two levels: under the midpoint"
        );
        assert_eq!(
            bola.choose(&levels, 0, 1, 17.0),
            1,
            "two levels: over the midpoint"
        );
        assert_eq!(bola.choose(&levels, 3, 3, 30.0), 3);
        assert_eq!(bola.choose(&levels, 4, 2, 30.0), 4, "empty range");
    }
}
