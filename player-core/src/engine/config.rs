//! Engine settings, with the defaults a viewer should get.

/// How the engine loads, buffers and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Seconds of media to keep buffered ahead of the playhead (hls.js `maxBufferLength`).
    pub max_buffer_length: f64,
    /// Seconds of media kept behind the playhead before it is evicted (`backBufferLength`).
    pub back_buffer_length: f64,
    /// Largest hole in the buffer, in seconds, the playhead jumps over (`maxBufferHole`).
    pub max_buffer_hole: f64,
    /// Live: distance from the live edge to play at, in target durations
    /// (`liveSyncDurationCount`).
    pub live_sync_duration_count: f64,
    /// Live: latency, in target durations, beyond which the player seeks back to the sync
    /// point (`liveMaxLatencyDurationCount`).
    pub live_max_latency_duration_count: f64,
    /// Live: playback rate used to catch up when behind the sync point
    /// (`maxLiveSyncPlaybackRate`).
    pub max_live_sync_playback_rate: f64,
    /// Level to start with; `None` lets ABR choose from `initial_bandwidth_estimate`.
    pub start_level: Option<usize>,
    /// Bandwidth assumed before the first measurement, bits per second.
    pub initial_bandwidth_estimate: f64,
    /// Retries of a failed segment, init or media-playlist load before the error is fatal.
    pub max_load_retries: u32,
    /// Delay before the first retry, milliseconds; doubles on each further retry.
    pub retry_delay_ms: f64,
    /// Random spread of each retry delay, as a fraction (0.2: ±20 %), so clients that failed
    /// together do not retry together.
    pub retry_jitter: f64,
    /// Longest delay between retries, milliseconds.
    pub max_retry_delay_ms: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_buffer_length: 30.0,
            back_buffer_length: 30.0,
            max_buffer_hole: 0.5,
            live_sync_duration_count: 3.0,
            live_max_latency_duration_count: 10.0,
            max_live_sync_playback_rate: 1.1,
            start_level: None,
            initial_bandwidth_estimate: 1_000_000.0,
            max_load_retries: 3,
            retry_delay_ms: 500.0,
            retry_jitter: 0.2,
            max_retry_delay_ms: 8_000.0,
        }
    }
}
