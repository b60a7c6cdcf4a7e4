//! Token-bucket rate limiting, for chat lines and for messages of any kind.

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last_ms: f64,
}

impl TokenBucket {
    /// A full bucket at time `now_ms`.
    pub fn new(now_ms: f64, burst: f64, per_second: f64) -> Self {
        Self {
            burst,
            per_second,
            tokens: burst,
            last_ms: now_ms,
        }
    }

    /// Takes one token if there is one; `false` when the limit is exceeded.
    pub fn try_take(&mut self, now_ms: f64) -> bool {
        let elapsed = (now_ms - self.last_ms).max(0.0);
        self.tokens = (self.tokens + elapsed / 1000.0 * self.per_second).min(self.burst);
        self.last_ms = self.last_ms.max(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let mut b = TokenBucket::new(0.0, 3.0, 2.0);
        assert!((0..3).all(|_| b.try_take(0.0)));
        assert!(!b.try_take(100.0));
        assert!(b.try_take(500.0));
        assert!(!b.try_take(500.0));
        // Time going backwards neither refills nor panics.
        assert!(!b.try_take(-1000.0));
        assert!(b.try_take(10_000.0));
    }
}
