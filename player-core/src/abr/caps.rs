//! Level caps from the player's size and from dropped frames.

use super::LevelInfo;

/// Highest level worth loading for a player of `width`×`height` device pixels: the smallest
/// level at least as large as the player (pixels beyond that are not shown). Levels of unknown
/// size and an unknown player size (0) impose no cap.
pub fn size_cap(levels: &[LevelInfo], width: u32, height: u32) -> usize {
    let top = levels.len().saturating_sub(1);
    if width == 0 && height == 0 {
        return top;
    }
    levels
        .iter()
        .position(|l| (l.width == 0 && l.height == 0) || (l.width >= width && l.height >= height))
        .unwrap_or(top)
}

/// Caps the ladder below a level whose playback drops too many frames.
///
/// Counters are cumulative; each interval of at least `min_decoded` decoded frames is judged
/// on its own, and an interval dropping more than `max_ratio` of them caps the level below the
/// one that played, for the rest of the session (as a device that cannot decode a level once
/// will not later).
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedFramesCap {
    max_ratio: f64,
    min_decoded: u64,
    last: Option<(usize, u64, u64)>,
    cap: Option<usize>,
}

impl Default for DroppedFramesCap {
    fn default() -> Self {
        Self {
            max_ratio: 0.2,
            min_decoded: 60,
            last: None,
            cap: None,
        }
    }
}

impl DroppedFramesCap {
    /// Records the counters while `level` plays.
    pub fn observe(&mut self, level: usize, dropped: u64, decoded: u64) {
        match self.last {
            Some((last_level, last_dropped, last_decoded))
                if last_level == level && decoded >= last_decoded && dropped >= last_dropped =>
            {
                let d_decoded = decoded - last_decoded;
                if d_decoded < self.min_decoded {
                    return;
                }
                let d_dropped = dropped - last_dropped;
                if d_dropped as f64 > self.max_ratio * d_decoded as f64 && level > 0 {
                    let cap = level - 1;
                    self.cap = Some(self.cap.map_or(cap, |c| c.min(cap)));
                }
                self.last = Some((level, dropped, decoded));
            }
            _ => self.last = Some((level, dropped, decoded)),
        }
    }

    /// Highest level allowed, `None` when uncapped.
    pub fn cap(&self) -> Option<usize> {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(bitrate: f64, width: u32, height: u32) -> LevelInfo {
        LevelInfo {
            bitrate,
            width,
            height,
        }
    }

    #[test]
    fn size_cap_picks_the_smallest_level_covering_the_player() {
        let levels = [
            level(400e3, 640, 360),
            level(900e3, 960, 540),
            level(1.8e6, 1280, 720),
            level(3.5e6, 1920, 1080),
        ];
        assert_eq!(size_cap(&levels, 0, 0), 3);
        assert_eq!(size_cap(&levels, 640, 360), 0);
        assert_eq!(size_cap(&levels, 800, 450), 1);
        assert_eq!(size_cap(&levels, 3840, 2160), 3);
    }

    #[test]
    fn dropped_frames_cap_the_level_that_stutters() {
        let mut cap = DroppedFramesCap::default();
        cap.observe(3, 0, 0);
        cap.observe(3, 2, 100); // 2 %: fine
        assert_eq!(cap.cap(), None);
        cap.observe(3, 40, 200); // 38 of 100: too many
        assert_eq!(cap.cap(), Some(2));
        // A switch resets the interval; small intervals are not judged.
        cap.observe(1, 40, 200);
        cap.observe(1, 50, 220);
        assert_eq!(cap.cap(), Some(2));
    }
}
