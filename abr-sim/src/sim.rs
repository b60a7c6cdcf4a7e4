//! The session model: segment downloads over a trace, the playback buffer, startup and stalls.
//!
//! Each request waits one round trip before the first byte, then receives bytes at the trace's
//! throughput. The next request goes out as soon as the previous segment is in, unless the
//! buffer already reaches the [`BufferGoal`] for the level chosen (then it waits for the buffer
//! to drain to it and asks again), as hls.js's stream controller does. Playback starts once the first segment is in and
//! stalls whenever the buffer runs dry until the next segment arrives. While a segment loads,
//! the algorithm's abandon rule is asked every `tick_s`; an abandoned load's bytes are lost and
//! the same segment is requested again at the level the rule named.

use player_core::abr::{Abr, AbrContext, LevelInfo, LoadProgress, LoadSample};

use crate::trace::{Link, Trace};

/// QoE weight of one second of stall, per the linear QoE of Pensieve/MPC.
pub const REBUFFER_PENALTY: f64 = 4.3;

/// What is simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Ladder bitrates, bits per second, lowest first.
    pub ladder: Vec<f64>,
    /// Media duration of each segment, seconds.
    pub segment_s: f64,
    /// Number of segments in the title.
    pub segments: usize,
    /// Round-trip time paid before each response's first byte, seconds.
    pub rtt_s: f64,
    /// How far ahead the player buffers; the same for every algorithm.
    pub buffer_goal: BufferGoal,
    /// Interval between abandon checks during a load, seconds.
    pub tick_s: f64,
}

impl SimConfig {
    /// The research ladder: 300/750/1200/1850/2850/4300 kbit/s, 48 segments of 4 s.
    pub fn default_ladder() -> Self {
        Self {
            ladder: vec![300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3],
            segment_s: 4.0,
            segments: 48,
            rtt_s: 0.08,
            buffer_goal: BufferGoal::HLSJS_DEFAULT,
            tick_s: 0.1,
        }
    }

    /// The project's test ladder: 400k/900k/1.8M/3.5M, 15 segments of 4 s.
    pub fn test_ladder() -> Self {
        Self {
            ladder: vec![400e3, 900e3, 1.8e6, 3.5e6],
            segments: 15,
            ..Self::default_ladder()
        }
    }

    fn levels(&self) -> Vec<LevelInfo> {
        self.ladder
            .iter()
            .map(|&bitrate| LevelInfo {
                bitrate,
                width: 0,
                height: 0,
            })
            .collect()
    }
}

/// The player's forward-buffer target, as in hls.js: as many seconds as `max_bytes` hold at
/// the level's bitrate, within `[min_s, max_s]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BufferGoal {
    /// Seconds buffered at least (hls.js `maxBufferLength`).
    pub min_s: f64,
    /// Seconds buffered at most (hls.js `maxMaxBufferLength`).
    pub max_s: f64,
    /// Bytes worth buffering (hls.js `maxBufferSize`).
    pub max_bytes: f64,
}

impl BufferGoal {
    /// hls.js 1.7's defaults: 30 s, 600 s, 60 MB.
    pub const HLSJS_DEFAULT: Self = Self {
        min_s: 30.0,
        max_s: 600.0,
        max_bytes: 60e6,
    };

    /// A fixed goal of `seconds`.
    pub fn fixed(seconds: f64) -> Self {
        Self {
            min_s: seconds,
            max_s: seconds,
            max_bytes: 0.0,
        }
    }

    /// Seconds to buffer ahead while loading a level of `bitrate` bits per second.
    pub fn seconds(&self, bitrate: f64) -> f64 {
        let by_size = if bitrate > 0.0 {
            8.0 * self.max_bytes / bitrate
        } else {
            self.max_s
        };
        by_size.max(self.min_s).min(self.max_s)
    }
}

/// One segment as it was finally loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentLog {
    /// Level loaded.
    pub level: usize,
    /// Bitrate of that level, bits per second.
    pub bitrate: f64,
    /// Stall time while this segment was requested (startup excluded), seconds.
    pub stall_s: f64,
    /// Buffer when the request for this segment went out, seconds.
    pub buffer_at_request_s: f64,
    /// Loads of this segment abandoned before it completed.
    pub abandoned: u32,
}

/// Result of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Per segment.
    pub segments: Vec<SegmentLog>,
    /// Seconds from the first request to the first frame.
    pub startup_s: f64,
    /// Seconds stalled after playback started.
    pub rebuffer_s: f64,
    /// Media seconds in the title.
    pub media_s: f64,
}

impl RunReport {
    /// Linear QoE: Σ R/1000 − 4.3 × stall seconds − Σ |R − R_prev|/1000, R in kbit/s. The wait
    /// before the first frame counts as stall, as in Pensieve's simulator, so an algorithm
    /// cannot buy quality with a long startup.
    pub fn qoe(&self) -> f64 {
        let quality: f64 = self.segments.iter().map(|s| s.bitrate / 1e6).sum();
        let smoothness: f64 = self
            .segments
            .windows(2)
            .map(|w| (w[1].bitrate - w[0].bitrate).abs() / 1e6)
            .sum();
        quality - REBUFFER_PENALTY * (self.rebuffer_s + self.startup_s) - smoothness
    }

    /// Mean bitrate of the segments, kbit/s.
    pub fn mean_kbps(&self) -> f64 {
        if self.segments.is_empty() {
            return 0.0;
        }
        self.segments.iter().map(|s| s.bitrate / 1e3).sum::<f64>() / self.segments.len() as f64
    }

    /// Stall time over stall time plus media time.
    pub fn rebuffer_ratio(&self) -> f64 {
        let total = self.rebuffer_s + self.media_s;
        if total > 0.0 {
            self.rebuffer_s / total
        } else {
            0.0
        }
    }

    /// Number of level changes between consecutive segments.
    pub fn switches(&self) -> usize {
        self.segments
            .windows(2)
            .filter(|w| w[0].level != w[1].level)
            .count()
    }

    /// Loads abandoned in the session.
    pub fn abandons(&self) -> u32 {
        self.segments.iter().map(|s| s.abandoned).sum()
    }
}

/// Playback state: buffer, whether playing, stall accounting.
struct Player {
    buffer_s: f64,
    playing: bool,
    stall_s: f64,
}

impl Player {
    fn pass(&mut self, dt: f64) {
        if !self.playing {
            return;
        }
        if self.buffer_s >= dt {
            self.buffer_s -= dt;
        } else {
            self.stall_s += dt - self.buffer_s;
            self.buffer_s = 0.0;
        }
    }
}

/// Runs one session of `cfg` over `trace` with `abr`.
pub fn simulate(abr: &mut dyn Abr, trace: &Trace, cfg: &SimConfig) -> RunReport {
    let levels = cfg.levels();
    let top = levels.len().saturating_sub(1);
    let mut link = Link::new(trace);
    let mut player = Player {
        buffer_s: 0.0,
        playing: false,
        stall_s: 0.0,
    };
    let mut now = 0.0;
    let mut startup_s = 0.0;
    let mut current = 0;
    let mut segments = Vec::with_capacity(cfg.segments);
    let context = |now: f64, buffer: f64, current: usize, playing: bool| AbrContext {
        now_ms: now * 1000.0,
        levels: &levels,
        current,
        buffer_ahead_s: buffer,
        segment_duration_s: cfg.segment_s,
        playback_rate: 1.0,
        min_level: 0,
        max_level: top,
        player_width: 0,
        player_height: 0,
        starting: !playing,
    };
    for _ in 0..cfg.segments {
        let mut level = abr
            .choose_level(&context(now, player.buffer_s, current, player.playing))
            .min(top);
        let goal = cfg.buffer_goal.seconds(levels[level].bitrate);
        if player.buffer_s > goal {
            let wait = player.buffer_s - goal;
            link.idle(wait);
            player.pass(wait);
            now += wait;
            level = abr
                .choose_level(&context(now, player.buffer_s, current, player.playing))
                .min(top);
        }
        let stall_before = player.stall_s;
        let buffer_at_request_s = player.buffer_s;
        let mut abandoned = 0;
        let duration_s = 'load: loop {
            let size_bits = levels[level].bitrate * cfg.segment_s;
            let mut elapsed = 0.0;
            let mut loaded_bits = 0.0;
            loop {
                let step = if elapsed < cfg.rtt_s {
                    let step = cfg.tick_s.min(cfg.rtt_s - elapsed);
                    link.idle(step);
                    step
                } else {
                    let (step, bits) = link.transfer(size_bits - loaded_bits, cfg.tick_s);
                    loaded_bits += bits;
                    step
                };
                elapsed += step;
                now += step;
                player.pass(step);
                if loaded_bits >= size_bits {
                    break 'load elapsed;
                }
                let progress = LoadProgress {
                    level,
                    elapsed_ms: elapsed * 1000.0,
                    loaded_bytes: (loaded_bits / 8.0) as u64,
                    total_bytes: Some((size_bits / 8.0) as u64),
                    media_duration_s: cfg.segment_s,
                    ttfb_ms: (elapsed >= cfg.rtt_s).then_some(cfg.rtt_s * 1000.0),
                };
                let ctx = context(now, player.buffer_s, current, player.playing);
                if let Some(next) = abr.abandon(&ctx, &progress)
                    && next < level
                {
                    abandoned += 1;
                    level = next;
                    continue 'load;
                }
            }
        };
        abr.on_load(
            now * 1000.0,
            LoadSample {
                bytes: (levels[level].bitrate * cfg.segment_s / 8.0) as u64,
                ttfb_ms: cfg.rtt_s * 1000.0,
                duration_ms: duration_s * 1000.0,
                media_duration_s: cfg.segment_s,
            },
        );
        player.buffer_s += cfg.segment_s;
        if !player.playing {
            player.playing = true;
            startup_s = now;
        }
        current = level;
        segments.push(SegmentLog {
            level,
            bitrate: levels[level].bitrate,
            stall_s: player.stall_s - stall_before,
            buffer_at_request_s,
            abandoned,
        });
    }
    RunReport {
        segments,
        startup_s,
        rebuffer_s: player.stall_s,
        media_s: cfg.segment_s * cfg.segments as f64,
    }
}
