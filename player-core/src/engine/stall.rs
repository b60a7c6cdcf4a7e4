//! Stall nudging: a playhead that does not move while the media element plays and media is
//! buffered ahead of it (a decoder stuck on a gap in one track, a timestamp rounding hole) is
//! moved forward a little, as hls.js does: 0.1 s more at each try, up to [`MAX_NUDGES`] tries
//! per stall.

/// How long the playhead may stand still with media ahead before a nudge, milliseconds (as
/// hls.js's `highBufferWatchdogPeriod`: long enough for a busy machine's decoder to catch up).
pub const STALL_NUDGE_MS: f64 = 2_000.0;

/// Seconds added by the first nudge; the n-th adds n times this.
pub const NUDGE_STEP_S: f64 = 0.1;

/// Nudges tried for one stall before the engine gives up on nudging.
pub const MAX_NUDGES: u32 = 3;

/// Least media ahead of the playhead, in seconds, for a standstill to count as a stall (less
/// is an underrun: the loader is what helps there).
const MIN_AHEAD_S: f64 = 0.5;

/// `seconds` with three decimals, as `format!("{seconds:.3}")` writes it (but for a
/// millisecond tie, which rounds away from zero here): core's float formatting would add
/// ~20 KB to the wasm for this one message.
pub(super) fn millis_text(seconds: f64) -> String {
    if !seconds.is_finite() {
        return crate::json::f64_text(seconds);
    }
    let sign = if seconds.is_sign_negative() { "-" } else { "" };
    // Saturates past 1.8e16 s, far beyond any media time.
    let ms = (seconds.abs() * 1000.0).round() as u64;
    format!("{sign}{}.{:03}", ms / 1000, ms % 1000)
}

/// Watches the playhead for stalls.
#[derive(Debug, Default)]
pub(super) struct StallWatch {
    /// Whether the media element is paused (true until told otherwise).
    paused: Option<bool>,
    last_position: Option<f64>,
    /// Whether the playhead was seen moving: a standstill before playback starts is startup.
    started: bool,
    /// When the playhead was first seen standing still with media ahead.
    since: Option<f64>,
    nudges: u32,
}

impl StallWatch {
    /// The media element paused or played.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = Some(paused);
        self.since = None;
    }

    /// A playhead sample; returns where to nudge the playhead to and the try's number, if a
    /// stall has lasted long enough.
    pub fn check(
        &mut self,
        now_ms: f64,
        position: f64,
        buffered: &[(f64, f64)],
    ) -> Option<(f64, u32)> {
        let moved = self.last_position.is_some_and(|p| p != position);
        self.last_position = Some(position);
        self.started |= moved;
        if self.paused != Some(false) || moved || !self.started {
            self.since = None;
            if moved {
                self.nudges = 0;
            }
            return None;
        }
        let ahead = buffered
            .iter()
            .find(|&&(s, e)| s - 0.01 <= position && position < e)
            .map_or(0.0, |&(_, e)| e - position);
        if ahead < MIN_AHEAD_S || self.nudges >= MAX_NUDGES {
            self.since = None;
            return None;
        }
        let since = *self.since.get_or_insert(now_ms);
        if now_ms - since < STALL_NUDGE_MS {
            return None;
        }
        self.nudges += 1;
        self.since = None;
        let target = position + NUDGE_STEP_S * f64::from(self.nudges);
        // The seek's own sample shows a moved playhead; keep counting this stall's tries.
        self.last_position = Some(target);
        Some((target, self.nudges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_text_writes_as_three_decimals_do() {
        let mut rng = crate::rng::XorShift::new(11);
        let mut values = vec![0.0, -0.0, 1.0, 0.25, 12.3456, -3.2104, 7_200.0, f64::NAN];
        values.extend((0..2000).map(|_| (rng.next_f64() - 0.1) * 10_000.0));
        for x in values {
            assert_eq!(millis_text(x), format!("{x:.3}"), "{x:e}");
        }
    }
}
