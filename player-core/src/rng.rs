//! A small deterministic random source for jitter: seeded by the caller, so simulations and
//! tests replay the same decisions.

/// xorshift64: fast, tiny, and plenty for spreading retries and renewals apart.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator seeded with `seed` (0 is replaced: xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A number in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_all_in_the_unit_interval() {
        let (mut a, mut b) = (XorShift::new(7), XorShift::new(7));
        let first: Vec<f64> = (0..1000).map(|_| a.next_f64()).collect();
        assert!(first.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(
            first
                .iter()
                .zip((0..1000).map(|_| b.next_f64()))
                .all(|(x, y)| *x == y)
        );
        let mean = first.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
        assert_ne!(XorShift::new(0).next_f64(), 0.0);
    }
}
