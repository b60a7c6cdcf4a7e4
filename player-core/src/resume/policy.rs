//! The thresholds and the start-position rule.

use super::record::ResumeRecord;

/// Thresholds of the resume behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumePolicy {
    /// Period of the saves while playing, in ms.
    pub save_interval_ms: f64,
    /// Positions under this many seconds are neither saved nor resumed.
    pub min_position_s: f64,
    /// Fraction of the duration from which the title counts as completed.
    pub completed_ratio: f64,
    /// Seconds before the end from which the title counts as completed.
    pub completed_tail_s: f64,
}

impl Default for ResumePolicy {
    fn default() -> Self {
        Self {
            save_interval_ms: 5_000.0,
            min_position_s: 10.0,
            completed_ratio: 0.95,
            completed_tail_s: 30.0,
        }
    }
}

impl ResumePolicy {
    /// Whether `position` in a title of `duration` seconds counts as watched to the end:
    /// at least [`completed_ratio`](Self::completed_ratio) of it, or less than
    /// [`completed_tail_s`](Self::completed_tail_s) left.
    pub fn is_completed(&self, position: f64, duration: Option<f64>) -> bool {
        match duration.filter(|d| d.is_finite() && *d > 0.0) {
            Some(d) => position >= d * self.completed_ratio || d - position < self.completed_tail_s,
            None => false,
        }
    }
}

/// Where playback of a title should start given its saved `record` and, when known, its
/// `duration` (falling back on the record's): 0 without a record, for a completed title, under
/// the minimum position, or in the completed zone; the saved position otherwise.
pub fn start_position(
    policy: &ResumePolicy,
    record: Option<&ResumeRecord>,
    duration: Option<f64>,
) -> f64 {
    let Some(record) = record else {
        return 0.0;
    };
    let position = record.position;
    let duration = duration.or(record.duration);
    if record.completed
        || !position.is_finite()
        || position < policy.min_position_s
        || policy.is_completed(position, duration)
    {
        return 0.0;
    }
    position
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(position: f64, duration: Option<f64>, completed: bool) -> ResumeRecord {
        ResumeRecord {
            position,
            duration,
            completed,
            updated_at: 1.0,
        }
    }

    #[test]
    fn start_rules() {
        let p = ResumePolicy::default();
        let start = |r: ResumeRecord, d| start_position(&p, Some(&r), d);
        assert_eq!(start_position(&p, None, Some(600.0)), 0.0);
        assert_eq!(start(saved(30.0, None, false), Some(600.0)), 30.0);
        assert_eq!(start(saved(9.9, None, false), Some(600.0)), 0.0);
        assert_eq!(start(saved(10.0, None, false), None), 10.0);
        // 95 % of 600 s is 570 s, where exactly 30 s are left: the ratio rule decides.
        assert_eq!(start(saved(569.0, None, false), Some(600.0)), 569.0);
        assert_eq!(start(saved(570.0, None, false), Some(600.0)), 0.0);
        // Exactly 30 s left is not yet "within the last 30 s".
        assert_eq!(start(saved(30.0, None, false), Some(60.0)), 30.0);
        assert_eq!(start(saved(30.5, None, false), Some(60.0)), 0.0);
        // Long title: 95 % comes before the last 30 s.
        assert_eq!(start(saved(5_699.0, None, false), Some(6_000.0)), 5_699.0);
        assert_eq!(start(saved(5_700.0, None, false), Some(6_000.0)), 0.0);
        // Short title: the last 30 s come before 95 %.
        assert_eq!(start(saved(15.0, None, false), Some(60.0)), 15.0);
        assert_eq!(start(saved(31.0, None, false), Some(60.0)), 0.0);
        // The record's duration is used when the title's is not known yet.
        assert_eq!(start(saved(590.0, Some(600.0), false), None), 0.0);
        assert_eq!(start(saved(300.0, Some(600.0), true), None), 0.0);
        assert_eq!(start(saved(f64::NAN, None, false), None), 0.0);
    }
}
