//! When to save the playhead.

use super::policy::ResumePolicy;
use super::record::ResumeRecord;

/// Decides when the playhead of one title is saved.
///
/// Feed it the player's events with `handle_*`; take the saves with [`poll_save`] and arm a
/// timer for [`poll_timeout`], calling [`handle_timeout`] when it fires. Saves happen every
/// [`ResumePolicy::save_interval_ms`] while playing and at once on pause, seek, page hidden,
/// `pagehide` and end. A save is skipped under the minimum position and when it would repeat
/// the previous one. Only the newest unsaved record is kept.
///
/// Timestamps: `now_ms` is the caller's monotonic clock; records are stamped
/// `now_ms + epoch_offset_ms` rounded to whole ms; the caller sets the offset to
/// `Date.now() - performance.now()`.
///
/// [`poll_save`]: ResumeTracker::poll_save
/// [`poll_timeout`]: ResumeTracker::poll_timeout
/// [`handle_timeout`]: ResumeTracker::handle_timeout
#[derive(Debug, Clone)]
pub struct ResumeTracker {
    policy: ResumePolicy,
    epoch_offset_ms: f64,
    position: Option<f64>,
    duration: Option<f64>,
    playing: bool,
    ended: bool,
    next_save_ms: Option<f64>,
    pending: Option<ResumeRecord>,
    last_saved: Option<(f64, bool)>,
}

impl ResumeTracker {
    /// A tracker stamping records with `now_ms + epoch_offset_ms`.
    pub fn new(policy: ResumePolicy, epoch_offset_ms: f64) -> Self {
        Self {
            policy,
            epoch_offset_ms,
            position: None,
            duration: None,
            playing: false,
            ended: false,
            next_save_ms: None,
            pending: None,
            last_saved: None,
        }
    }

    /// The thresholds in use.
    pub fn policy(&self) -> &ResumePolicy {
        &self.policy
    }

    /// A playhead sample (`timeupdate`); saves only when the periodic save is due.
    pub fn handle_playhead(&mut self, now_ms: f64, position: f64) {
        if position.is_finite() && position >= 0.0 {
            self.position = Some(position);
        }
        self.handle_timeout(now_ms);
    }

    /// The title's duration became known (or changed).
    pub fn handle_duration(&mut self, _now_ms: f64, duration: f64) {
        if duration.is_finite() && duration > 0.0 {
            self.duration = Some(duration);
        }
    }

    /// Playback started or resumed: the periodic saves run from now.
    pub fn handle_playing(&mut self, now_ms: f64) {
        self.playing = true;
        self.ended = false;
        self.next_save_ms = Some(now_ms + self.policy.save_interval_ms);
    }

    /// Playback paused: saves now, and stops the periodic saves.
    pub fn handle_paused(&mut self, now_ms: f64) {
        self.playing = false;
        self.next_save_ms = None;
        self.save(now_ms);
    }

    /// A seek completed at `position`: saves now.
    pub fn handle_seeked(&mut self, now_ms: f64, position: f64) {
        if position.is_finite() && position >= 0.0 {
            self.position = Some(position);
            self.ended = false;
        }
        self.save(now_ms);
    }

    /// The page was hidden (`visibilitychange`): saves now, as the page may never come back.
    pub fn handle_page_hidden(&mut self, now_ms: f64) {
        self.save(now_ms);
    }

    /// The page is being unloaded (`pagehide`): saves now.
    pub fn handle_pagehide(&mut self, now_ms: f64) {
        self.save(now_ms);
    }

    /// Playback reached the end: saves a completed record.
    pub fn handle_ended(&mut self, now_ms: f64) {
        self.ended = true;
        self.playing = false;
        self.next_save_ms = None;
        if let Some(d) = self.duration {
            self.position = Some(self.position.map_or(d, |p| p.max(d)));
        }
        self.save(now_ms);
    }

    /// Runs the periodic save when due.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        if let Some(due) = self
            .next_save_ms
            .filter(|&due| self.playing && now_ms >= due)
        {
            let period = self.policy.save_interval_ms;
            // Skip missed periods (a throttled background tab) rather than saving in a burst.
            let behind = ((now_ms - due) / period).floor().max(0.0);
            self.next_save_ms = Some(due + (behind + 1.0) * period);
            self.save(now_ms);
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run, if ever.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.next_save_ms.filter(|_| self.playing)
    }

    /// The record to save now, if any.
    pub fn poll_save(&mut self) -> Option<ResumeRecord> {
        self.pending.take()
    }

    fn save(&mut self, now_ms: f64) {
        let Some(position) = self.position else {
            return;
        };
        let completed = self.ended || self.policy.is_completed(position, self.duration);
        if position < self.policy.min_position_s && !completed {
            return;
        }
        if self.last_saved == Some((position, completed)) {
            return;
        }
        self.last_saved = Some((position, completed));
        self.pending = Some(ResumeRecord {
            position,
            duration: self.duration,
            completed,
            updated_at: (now_ms + self.epoch_offset_ms).round(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFSET: f64 = 1.7e12;

    fn tracker() -> ResumeTracker {
        let mut t = ResumeTracker::new(ResumePolicy::default(), OFFSET);
        t.handle_duration(0.0, 600.0);
        t
    }

    /// Plays from `from_s` for `secs`, one playhead sample per 250 ms, collecting the saves.
    fn play(t: &mut ResumeTracker, start_ms: f64, from_s: f64, secs: f64) -> Vec<ResumeRecord> {
        let mut saves = Vec::new();
        t.handle_playing(start_ms);
        let steps = (secs * 4.0) as u32;
        for i in 1..=steps {
            let elapsed = f64::from(i) * 0.25;
            t.handle_playhead(start_ms + elapsed * 1000.0, from_s + elapsed);
            saves.extend(t.poll_save());
        }
        saves
    }

    #[test]
    fn saves_every_five_seconds_from_ten_seconds_on() {
        let mut t = tracker();
        let saves = play(&mut t, 0.0, 0.0, 31.0);
        let positions: Vec<f64> = saves.iter().map(|s| s.position).collect();
        assert_eq!(positions, [10.0, 15.0, 20.0, 25.0, 30.0]);
        assert_eq!(saves[0].updated_at, 10_000.0 + OFFSET);
        assert!(
            saves
                .iter()
                .all(|s| !s.completed && s.duration == Some(600.0))
        );
        assert_eq!(t.poll_timeout(), Some(35_000.0));
    }

    #[test]
    fn pause_seek_hidden_and_pagehide_save_at_once_without_repeats() {
        let mut t = tracker();
        play(&mut t, 0.0, 0.0, 12.0);
        t.handle_paused(12_100.0);
        assert_eq!(t.poll_save().map(|s| s.position), Some(12.0));
        assert_eq!(t.poll_timeout(), None);
        // Same position again: nothing new to save.
        t.handle_page_hidden(13_000.0);
        assert_eq!(t.poll_save(), None);
        t.handle_seeked(14_000.0, 200.0);
        assert_eq!(t.poll_save().map(|s| s.position), Some(200.0));
        t.handle_playhead(15_000.0, 201.0);
        t.handle_pagehide(15_001.0);
        let s = t.poll_save().unwrap();
        assert_eq!((s.position, s.updated_at), (201.0, 15_001.0 + OFFSET));
    }

    #[test]
    fn positions_under_ten_seconds_are_not_saved() {
        let mut t = tracker();
        play(&mut t, 0.0, 0.0, 6.0);
        t.handle_paused(6_000.0);
        t.handle_seeked(7_000.0, 3.0);
        t.handle_pagehide(8_000.0);
        assert_eq!(t.poll_save(), None);
    }

    #[test]
    fn the_tail_and_the_end_save_completed() {
        let mut t = tracker();
        t.handle_seeked(0.0, 575.0);
        assert!(t.poll_save().unwrap().completed);
        t.handle_seeked(1_000.0, 100.0);
        assert!(!t.poll_save().unwrap().completed);
        t.handle_playhead(2_000.0, 599.9);
        t.handle_ended(2_100.0);
        let s = t.poll_save().unwrap();
        assert!(s.completed);
        assert_eq!(s.position, 600.0);
    }

    #[test]
    fn a_late_timer_does_not_burst() {
        let mut t = tracker();
        t.handle_seeked(0.0, 100.0);
        t.poll_save();
        t.handle_playing(0.0);
        // The tab was throttled: the next sample comes 23 s late.
        t.handle_playhead(28_000.0, 128.0);
        assert_eq!(t.poll_save().map(|s| s.position), Some(128.0));
        assert_eq!(t.poll_save(), None);
        assert_eq!(t.poll_timeout(), Some(30_000.0));
    }
}
