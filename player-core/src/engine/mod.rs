//! The sans-IO playback engine.
//!
//! The engine decides what to load, append, evict and report; the caller (the browser sdk, a
//! test's simulated network and media element) carries the decisions out and feeds the results
//! back. Time is always an argument.
//!
//! ```text
//! engine.load(now, url, None);
//! loop {
//!     while let Some(out) = engine.poll_output() { perform(out) }   // Load, Append, ...
//!     // later, when something happens:
//!     engine.handle_input(now, Input::LoadComplete { .. });
//!     // or when engine.poll_timeout() is due:
//!     engine.handle_timeout(now);
//! }
//! ```

mod audio;
mod config;
mod events;
mod level;
pub mod media_time;
mod segment;
mod signed;
mod stall;
mod subtitles;
pub mod webvtt;

pub use config::Config;
pub use events::{Cue, ErrorDetail, ErrorKind, LevelSummary, MediaTrack, PlayerError, PlayerEvent};

use crate::abr::{Abr, AbrContext, Hybrid, HybridConfig, LevelInfo, LoadProgress, LoadSample};
use crate::hls::{self, ByteRange, MediaPlaylist, Playlist};
use crate::hls::{Key, KeyMethod};
use crate::mux::decrypt::{aes128_cbc_in_place, iv_from_sequence};
use crate::mux::{Container, SegmentInfo, Transmuxer, sniff};
use crate::presign::{Answer, classify_answer};
use audio::AudioStream;
use level::Level;
use stall::StallWatch;
use std::collections::VecDeque;
use subtitles::SubtitleStream;

/// How often ABR is asked whether a segment in flight should be abandoned, milliseconds.
const ABANDON_CHECK_MS: f64 = 100.0;

/// Seconds past the playhead kept when `set_current_level` flushes the buffer.
pub const FLUSH_AHEAD_S: f64 = 1.0;

/// Difference between an fMP4 segment's own time and its playlist time that is left alone.
const TIMESTAMP_TOLERANCE_S: f64 = 0.1;

/// Seconds of media kept behind the playhead when the buffer is full.
const QUOTA_KEEP_BEHIND_S: f64 = 2.0;

/// Seconds removed beyond the back-buffer target at each eviction, at most half the target.
const EVICT_STEP_S: f64 = 4.0;

/// Identifies one load so its result can be matched to it.
pub type RequestId = u64;

/// A SourceBuffer the engine appends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackId {
    /// Video, or audio and video muxed together.
    Main,
    /// Alternate audio in its own SourceBuffer.
    Audio,
}

impl TrackId {
    /// A short name for logs and JS.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Audio => "audio",
        }
    }
}

/// What a load is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadKind {
    /// The URL given to `load`.
    Manifest,
    /// A level's media playlist.
    Playlist,
    /// A level's initialization section.
    Init,
    /// A media segment.
    Segment,
    /// An AES-128 key.
    Key,
}

/// A request the caller must perform, answered with [`Input::LoadComplete`] or
/// [`Input::LoadFailed`] carrying the same `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRequest {
    /// Matches the answer to the request.
    pub id: RequestId,
    /// Absolute URL, to be used byte-exact.
    pub url: String,
    /// Byte range to request (HTTP `Range`), if any.
    pub range: Option<ByteRange>,
    /// What the load is for.
    pub kind: LoadKind,
}

/// A command for the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Start a load.
    Load(LoadRequest),
    /// Cancel a load; no answer is expected any more.
    Abort(RequestId),
    /// Create a SourceBuffer for `track` with this MIME type.
    AddTrack {
        /// Which track.
        track: TrackId,
        /// MIME type with codecs, e.g. `video/mp4; codecs="avc1.4d401e,mp4a.40.2"`.
        mime: String,
    },
    /// Queue bytes for appending; answer with [`Input::Appended`] or [`Input::AppendFailed`].
    Append {
        /// Which track.
        track: TrackId,
        /// The bytes.
        data: Vec<u8>,
    },
    /// Queue removal of a time range; answer with [`Input::Removed`].
    Remove {
        /// Which track.
        track: TrackId,
        /// Start in seconds.
        start: f64,
        /// End in seconds.
        end: f64,
    },
    /// Set the MediaSource duration (after queued operations).
    SetDuration(f64),
    /// Move the playhead (media element `currentTime`).
    Seek(f64),
    /// Set a SourceBuffer's `timestampOffset` (after queued operations), so the media appended
    /// next lands at its playlist time.
    SetTimestampOffset {
        /// Which track.
        track: TrackId,
        /// Seconds added to the media's timestamps.
        offset: f64,
    },
    /// Set the media element's `playbackRate` (live catch-up).
    SetPlaybackRate(f64),
    /// Call `MediaSource.endOfStream()` once queued operations are done.
    EndOfStream,
    /// Tell the application.
    Event(PlayerEvent),
}

/// Something that happened in the outside world.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The MediaSource fired `sourceopen`.
    MediaSourceOpen,
    /// A load answered (any HTTP status).
    LoadComplete {
        /// The request's id.
        id: RequestId,
        /// HTTP status (200, 206, 404, ...).
        status: u16,
        /// The body.
        data: Vec<u8>,
        /// Milliseconds from request to first byte.
        ttfb_ms: f64,
    },
    /// Part of a load's body arrived.
    LoadProgress {
        /// The request's id.
        id: RequestId,
        /// Bytes received so far.
        loaded_bytes: u64,
        /// Content-Length, when the server sent one.
        total_bytes: Option<u64>,
        /// Milliseconds from request to first byte.
        ttfb_ms: f64,
    },
    /// A load failed without an HTTP answer (network error, CORS, reset).
    LoadFailed {
        /// The request's id.
        id: RequestId,
        /// What the browser said.
        message: String,
    },
    /// A SourceBuffer could not be created.
    AddTrackFailed {
        /// Which track.
        track: TrackId,
        /// What the browser said.
        message: String,
    },
    /// An append finished.
    Appended {
        /// Which track.
        track: TrackId,
    },
    /// An append failed.
    AppendFailed {
        /// Which track.
        track: TrackId,
        /// `QuotaExceededError`: the buffer is full.
        quota_exceeded: bool,
        /// What the browser said.
        message: String,
    },
    /// A removal finished.
    Removed {
        /// Which track.
        track: TrackId,
    },
    /// The media element's state, sent on `timeupdate` and when a timeout fires.
    Playhead {
        /// `currentTime` in seconds.
        position: f64,
        /// `buffered` ranges in seconds.
        buffered: Vec<(f64, f64)>,
    },
    /// The video element's size on screen in device pixels, for the ABR's size cap.
    Viewport {
        /// Width in device pixels.
        width: u32,
        /// Height in device pixels.
        height: u32,
    },
    /// The media element's cumulative frame counts (`getVideoPlaybackQuality()`), for the
    /// ABR's dropped-frames cap.
    Frames {
        /// Frames dropped so far.
        dropped: u64,
        /// Frames decoded so far.
        decoded: u64,
    },
    /// The media element started seeking to `position`.
    Seeking {
        /// Target in seconds.
        position: f64,
    },
    /// Whether the media element is paused (`paused`), sent with the playhead samples; until
    /// the first, the engine takes it as paused and never nudges a stalled playhead.
    Paused {
        /// `HTMLMediaElement.paused`.
        paused: bool,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    kind: LoadKind,
    /// Bytes received so far, their total when known, and the time to first byte.
    progress: Option<(u64, Option<u64>, f64)>,
    level: usize,
    sn: u64,
    url: String,
    range: Option<ByteRange>,
    started_ms: f64,
    attempt: u32,
    /// Loads a playlist again from a freshly signed URL to take its URLs (see `signed`).
    resign: bool,
}

/// A segment appended or being appended, oldest first.
#[derive(Debug, Clone, Copy)]
struct Queued {
    level: usize,
    sn: u64,
    start: f64,
    end: f64,
    init: bool,
}

impl Queued {
    /// The entry of the init segment loaded for `p`.
    fn init(p: &Pending) -> Self {
        Self {
            level: p.level,
            sn: p.sn,
            start: 0.0,
            end: 0.0,
            init: true,
        }
    }
}

/// The playback engine.
pub struct Engine {
    config: Config,
    abr: Box<dyn Abr>,
    out: VecDeque<Output>,
    next_id: RequestId,
    pending: audio::Loads<Pending>,
    retry: Option<(f64, Pending)>,
    manifest_url: Option<String>,
    levels: Vec<Level>,
    /// Level whose segments are loaded now.
    current_level: Option<usize>,
    /// Level requested for the next segment by the application.
    forced_level: Option<usize>,
    auto_level: bool,
    media_open: bool,
    track_added: bool,
    duration_set: bool,
    /// (level, init URL, range) in the SourceBuffer.
    appended_init: Option<(usize, String, Option<ByteRange>)>,
    queued: Vec<Queued>,
    /// Time in seconds from which the next segment must be loaded.
    next_time: f64,
    position: f64,
    buffered: Vec<(f64, f64)>,
    start_position: Option<f64>,
    start_seek_done: bool,
    /// The start seek sent, until the media element reports it: what was loaded from the
    /// start position is buffered there even if no playhead sample says so yet.
    start_seek_pending: Option<f64>,
    /// End of the back-buffer removal in progress.
    removing: Option<f64>,
    eos_sent: bool,
    fatal: bool,
    /// Nothing was buffered yet since the load or the last seek.
    starting: bool,
    /// State of the jitter generator.
    random: crate::rng::XorShift,
    /// Playback rate last asked of the media element.
    playback_rate: f64,
    /// Start of the buffered range the playhead last jumped to over a hole.
    last_hole_jump: Option<f64>,
    /// Level of the last segment appended.
    buffered_level: Option<usize>,
    /// Turns MPEG-TS and packed audio into fMP4; one per title, so timestamps stay continuous.
    transmuxer: Transmuxer,
    /// Whether the next transmuxed segment starts a new timeline (first after load or a
    /// discontinuity): its first sample is placed at the segment's playlist time.
    new_timeline: bool,
    /// Timescales of the tracks of the fMP4 init segment in the SourceBuffer.
    init_timescales: media_time::Timescales,
    /// The SourceBuffer's timestampOffset.
    timestamp_offset: f64,
    /// AES-128 keys loaded, by URL (a list: a title has few).
    keys: Vec<(String, [u8; 16])>,
    /// Size of the video element in device pixels, (0, 0) when unknown.
    viewport: (u32, u32),
    /// Level ABR switched down to by abandoning a load; holds until a segment of it is requested.
    after_abandon: Option<usize>,
    /// Whether a segment was loaded since `load`; until then a configured start level holds.
    any_segment_loaded: bool,
    /// When to ask ABR again whether the segment in flight should be abandoned.
    abandon_check_at: Option<f64>,
    reload_at: Option<(f64, usize)>,
    /// Signed URLs: expiry answers, CloudFront query, re-signing.
    signed: signed::Signed,
    /// Alternate audio in its own SourceBuffer.
    audio: AudioStream,
    /// WebVTT subtitle renditions.
    subtitles: SubtitleStream,
    /// Nudges a playhead stuck with media ahead.
    stall: StallWatch,
    /// `EndOfStream` was sent: the main stream and the audio stream have ended.
    end_signalled: bool,
}

impl Engine {
    /// An idle engine.
    pub fn new(config: Config) -> Self {
        let abr = Box::new(Hybrid::new(HybridConfig {
            default_estimate_bps: config.initial_bandwidth_estimate,
            ..HybridConfig::default()
        }));
        Self::with_abr(config, abr)
    }

    /// An idle engine deciding levels with `abr`.
    pub fn with_abr(config: Config, abr: Box<dyn Abr>) -> Self {
        Self {
            config,
            abr,
            out: VecDeque::new(),
            next_id: 1,
            pending: audio::Loads::default(),
            retry: None,
            manifest_url: None,
            levels: Vec::new(),
            current_level: None,
            forced_level: None,
            auto_level: true,
            media_open: false,
            track_added: false,
            duration_set: false,
            appended_init: None,
            queued: Vec::new(),
            next_time: 0.0,
            position: 0.0,
            buffered: Vec::new(),
            start_position: None,
            start_seek_done: false,
            start_seek_pending: None,
            removing: None,
            eos_sent: false,
            fatal: false,
            starting: true,
            any_segment_loaded: false,
            after_abandon: None,
            viewport: (0, 0),
            buffered_level: None,
            last_hole_jump: None,
            playback_rate: 1.0,
            random: crate::rng::XorShift::new(0x9E37_79B9_7F4A_7C15),
            transmuxer: Transmuxer::new(),
            new_timeline: true,
            keys: Vec::new(),
            init_timescales: Vec::new(),
            timestamp_offset: 0.0,
            abandon_check_at: None,
            reload_at: None,
            signed: signed::Signed::default(),
            audio: AudioStream::default(),
            subtitles: SubtitleStream::default(),
            stall: StallWatch::default(),
            end_signalled: false,
        }
    }

    /// Starts playing `url` (a multivariant or media playlist), from `start_position` seconds
    /// when given. Loads of an earlier title are aborted; the caller must attach a new
    /// MediaSource and report [`Input::MediaSourceOpen`].
    pub fn load(&mut self, now_ms: f64, url: &str, start_position: Option<f64>) {
        self.abort_all();
        let next_id = self.next_id;
        let config = self.config.clone();
        let abr = std::mem::replace(&mut self.abr, Box::new(Hybrid::default()));
        let out = std::mem::take(&mut self.out);
        let viewport = self.viewport;
        *self = Self::with_abr(config, abr);
        self.out = out;
        self.viewport = viewport;
        self.next_id = next_id;
        self.manifest_url = Some(url.to_owned());
        self.signed = signed::Signed::new(url);
        self.start_position = start_position.filter(|p| p.is_finite() && *p > 0.0);
        self.next_time = self.start_position.unwrap_or(0.0);
        self.audio.start_at(self.next_time);
        self.emit(PlayerEvent::ManifestLoading {
            url: url.to_owned(),
        });
        self.request(now_ms, LoadKind::Manifest, 0, 0, url.to_owned(), None, 0);
    }

    /// Recovers from a media error (a decode failure, a closed MediaSource): the caller has
    /// attached a new MediaSource and reports [`Input::MediaSourceOpen`] again; the engine
    /// re-creates the SourceBuffer, appends the init segment again and resumes loading at the
    /// playhead, where it puts the new media element.
    pub fn recover_media_error(&mut self, now_ms: f64) {
        self.abort_segment_loads();
        self.retry = None;
        self.fatal = false;
        self.media_open = false;
        self.track_added = false;
        self.duration_set = false;
        self.appended_init = None;
        self.queued.clear();
        self.removing = None;
        self.eos_sent = false;
        self.transmuxer = Transmuxer::new();
        self.new_timeline = true;
        self.timestamp_offset = 0.0;
        self.start_position = Some(self.position).filter(|p| *p > 0.0);
        self.start_seek_done = false;
        self.next_time = self.position;
        self.audio.reset_media(&mut self.out, self.position);
        self.end_signalled = false;
        self.buffered.clear();
        self.starting = true;
        self.advance(now_ms);
    }

    /// Levels of the loaded title.
    pub fn levels(&self) -> Vec<LevelSummary> {
        self.levels.iter().map(|l| l.summary.clone()).collect()
    }

    /// Level of the segments being loaded, if any.
    pub fn current_level(&self) -> Option<usize> {
        self.current_level
    }

    /// Whether ABR chooses the level.
    pub fn auto_level(&self) -> bool {
        self.auto_level && self.forced_level.is_none()
    }

    /// Current bandwidth estimate in bits per second.
    pub fn bandwidth_estimate(&self) -> f64 {
        self.abr.estimate_bps()
    }

    /// Plays `level` from the next segment on, without flushing the buffer;
    /// `None` returns the choice to ABR.
    pub fn set_next_level(&mut self, now_ms: f64, level: Option<usize>) {
        match level {
            Some(l) if l < self.levels.len() => {
                self.forced_level = Some(l);
                self.auto_level = false;
            }
            Some(l) => self.error(
                ErrorKind::Other,
                ErrorDetail::InvalidState,
                false,
                format!("level {l} does not exist ({} levels)", self.levels.len()),
                None,
            ),
            None => {
                self.forced_level = None;
                self.auto_level = true;
            }
        }
        self.advance(now_ms);
    }

    /// Switches to `level` now: loads in flight are aborted and media buffered more than
    /// [`FLUSH_AHEAD_S`] past the playhead is flushed, so the new level shows within a second
    /// or two. `None` returns the choice to ABR without flushing.
    pub fn set_current_level(&mut self, now_ms: f64, level: Option<usize>) {
        if level.is_some_and(|l| l < self.levels.len()) {
            self.abort_segment_loads();
            self.retry = None;
            self.abandon_check_at = None;
            let from = self.position + FLUSH_AHEAD_S;
            self.out.push_back(Output::Remove {
                track: TrackId::Main,
                start: from,
                end: f64::INFINITY,
            });
            keep_ranges(&mut self.buffered, f64::NEG_INFINITY, from);
            if let Some(last) = self.buffered.last_mut() {
                last.1 = last.1.min(from);
            }
            self.next_time = self.next_time.min(from);
            self.eos_sent = false;
            // The first segment buffered after the flush completes the switch, even when it
            // is of the level buffered before.
            self.buffered_level = None;
        }
        self.set_next_level(now_ms, level);
    }

    /// End of the live window of the level playing, in seconds (`None` for VOD or before the
    /// first playlist).
    pub fn live_edge(&self) -> Option<f64> {
        let level = &self.levels[self.current_level?];
        level.details.as_ref().filter(|d| !d.end_list)?;
        level.end()
    }

    /// Seconds from the playhead to the live edge (`None` for VOD).
    pub fn latency(&self) -> Option<f64> {
        Some(self.live_edge()? - self.position)
    }

    /// Level requested for the next segments, `None` when ABR chooses.
    pub fn next_level(&self) -> Option<usize> {
        self.forced_level
    }

    /// The title's audio renditions.
    pub fn audio_tracks(&self) -> &[MediaTrack] {
        self.audio.tracks()
    }

    /// The audio rendition playing, if the title has any.
    pub fn audio_track(&self) -> Option<usize> {
        self.audio.selected()
    }

    /// The title's subtitle renditions.
    pub fn subtitle_tracks(&self) -> &[MediaTrack] {
        self.subtitles.tracks()
    }

    /// The subtitle rendition shown, if any.
    pub fn subtitle_track(&self) -> Option<usize> {
        self.subtitles.selected()
    }

    /// Shows subtitle rendition `id` (its cues load around the playhead), or none; an unknown
    /// `id` is a non-fatal `InvalidState` error.
    pub fn set_subtitle_track(&mut self, now_ms: f64, id: Option<usize>) {
        let result = self.with_tracks(now_ms, |_, s, ctx| s.select(ctx, id));
        self.report(result);
        self.advance(now_ms);
    }

    /// Plays audio rendition `id` from the playhead on (see [`FLUSH_AHEAD_S`]); an unknown
    /// `id` is a non-fatal `InvalidState` error.
    pub fn set_audio_track(&mut self, now_ms: f64, id: usize) {
        let result = self.with_tracks(now_ms, |a, _, ctx| a.switch(ctx, id));
        self.report(result);
        self.advance(now_ms);
    }

    /// Reports something that happened.
    pub fn handle_input(&mut self, now_ms: f64, input: Input) {
        match input {
            Input::MediaSourceOpen => self.media_open = true,
            Input::LoadComplete {
                id,
                status,
                data,
                ttfb_ms,
            } => {
                // Built once for the three kinds of load below (each `format!` is code).
                let failure = match (200..300).contains(&status) {
                    true => None,
                    // As a u32: a u16 `Display` would be one more integer printer.
                    false => Some(format!("HTTP {}", u32::from(status))),
                };
                if failure.is_none() {
                    self.signed.on_success();
                }
                let track = self.subtitles.owns(id) || self.audio.owns(id);
                if track
                    && failure.is_some()
                    && matches!(classify_answer(status, &data), Answer::Expired)
                {
                    // An alternate rendition's load waits for the new URL as the main ones do.
                    let load = self.with_tracks(now_ms, |a, s, ctx| {
                        a.on_expired(ctx, id).or_else(|| s.on_expired(ctx, id))
                    });
                    if let Some((kind, url)) = load {
                        self.on_url_expired(kind, &url);
                    }
                } else if self.subtitles.owns(id) {
                    let offset = self.timestamp_offset;
                    let result = self.with_tracks(now_ms, |_, s, ctx| match &failure {
                        None => s.on_loaded(ctx, id, &data, offset),
                        Some(reason) => s.on_failed(id, reason),
                    });
                    self.report(result);
                } else if self.audio.owns(id) {
                    let result = self.with_tracks(now_ms, |a, _, ctx| match &failure {
                        None => a.on_loaded(ctx, id, data),
                        Some(reason) => a.on_failed(ctx, id, reason),
                    });
                    self.report(result);
                } else if let Some(p) = self.pending.remove(id) {
                    match failure {
                        None => {
                            if p.resign {
                                self.on_resigned(now_ms, p, &data);
                            } else {
                                self.on_loaded(now_ms, p, data, ttfb_ms);
                            }
                        }
                        // Expired (waits for a new URL) or refused (fatal).
                        Some(_) if self.on_signed_refusal(&p, status, &data) => {}
                        Some(reason) if p.resign => self.on_resign_failed(&p, &reason),
                        Some(reason) => self.on_load_error(now_ms, p, reason, status),
                    }
                }
            }
            Input::LoadProgress {
                id,
                loaded_bytes,
                total_bytes,
                ttfb_ms,
            } => {
                if let Some(p) = self.pending.get_mut(id) {
                    p.progress = Some((loaded_bytes, total_bytes, ttfb_ms));
                    self.check_abandon(now_ms, id);
                }
            }
            Input::LoadFailed { id, message } => {
                if self.subtitles.owns(id) {
                    let result = self.subtitles.on_failed(id, &message);
                    self.report(result);
                } else if self.audio.owns(id) {
                    let result =
                        self.with_tracks(now_ms, |a, _, ctx| a.on_failed(ctx, id, &message));
                    self.report(result);
                } else if let Some(p) = self.pending.remove(id) {
                    if p.resign {
                        self.on_resign_failed(&p, &message);
                    } else {
                        self.on_load_error(now_ms, p, message, 0);
                    }
                }
            }
            Input::AddTrackFailed { track, message } => self.error(
                ErrorKind::Media,
                ErrorDetail::BufferAddCodecError,
                true,
                format!(
                    "the browser cannot play the {} track: {message}",
                    track.as_str()
                ),
                None,
            ),
            Input::Appended {
                track: TrackId::Audio,
            } => self.with_tracks(now_ms, |a, _, ctx| a.on_appended(ctx)),
            Input::Appended { .. } => self.on_appended(),
            Input::AppendFailed {
                track: TrackId::Audio,
                quota_exceeded: true,
                message,
            } => {
                let evicted = self.with_tracks(now_ms, |a, _, ctx| {
                    a.on_quota_exceeded(ctx, QUOTA_KEEP_BEHIND_S)
                });
                if !evicted {
                    self.buffer_full(TrackId::Audio, &message);
                }
            }
            Input::AppendFailed {
                track,
                quota_exceeded: true,
                message,
            } => self.on_quota_exceeded(track, &message),
            Input::AppendFailed {
                track,
                quota_exceeded: false,
                message,
            } => self.error(
                ErrorKind::Media,
                ErrorDetail::BufferAppendError,
                true,
                format!(
                    "appending to the {} track failed (the media is not decodable): {message}",
                    track.as_str()
                ),
                None,
            ),
            Input::Removed { track } => {
                if track == TrackId::Audio {
                    self.audio.on_removed();
                } else if let Some(end) = self.removing.take() {
                    keep_ranges(&mut self.buffered, end, f64::INFINITY);
                    if let Some(first) = self.buffered.first_mut() {
                        first.0 = first.0.max(end);
                    }
                }
                // A removal reopens an ended MediaSource; end it again, or playback would
                // wait at the end for media that never comes.
                if self.end_signalled {
                    self.out.push_back(Output::EndOfStream);
                }
            }
            Input::Playhead { position, buffered } => {
                self.position = position;
                self.buffered = buffered;
                self.jump_hole();
                self.nudge_stall(now_ms);
                self.live_catch_up();
            }
            Input::Viewport { width, height } => self.viewport = (width, height),
            Input::Frames { dropped, decoded } => {
                if let Some(level) = self.current_level {
                    self.abr.on_dropped_frames(now_ms, level, dropped, decoded);
                }
            }
            Input::Seeking { position } => self.on_seeking(position),
            Input::Paused { paused } => self.stall.set_paused(paused),
        }
        self.advance(now_ms);
    }

    /// The next command, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`Engine::handle_timeout`] should be called next, in the caller's milliseconds.
    pub fn poll_timeout(&self) -> Option<f64> {
        let retry = self.retry.as_ref().map(|(at, _)| *at);
        let reload = self.reload_at.map(|(at, _)| at);
        let mut due = earliest(retry, reload);
        due = earliest(due, self.abandon_check_at);
        // The renditions' retries and reloads wait, as their loads do, for a new URL.
        if self.signed.stalled() {
            return due;
        }
        due = earliest(due, self.audio.poll_timeout());
        earliest(due, self.subtitles.poll_timeout())
    }

    /// Runs what was due at `now_ms`.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        if let Some((at, _)) = &self.retry
            && *at <= now_ms
            && let Some((_, p)) = self.retry.take()
        {
            self.request(now_ms, p.kind, p.level, p.sn, p.url, p.range, p.attempt);
        }
        if let Some((at, level)) = self.reload_at
            && at <= now_ms
        {
            self.reload_at = None;
            self.load_playlist(now_ms, level);
        }
        if self.abandon_check_at.is_some_and(|at| at <= now_ms) {
            self.abandon_check_at = None;
            let segment = self.pending.find(|p| p.kind == LoadKind::Segment);
            if let Some(id) = segment {
                self.check_abandon(now_ms, id);
            }
        }
        if !self.signed.stalled() {
            self.with_tracks(now_ms, |a, s, ctx| {
                a.handle_timeout(ctx);
                s.handle_timeout(ctx);
            });
        }
        self.advance(now_ms);
    }

    fn emit(&mut self, event: PlayerEvent) {
        self.out.push_back(Output::Event(event));
    }

    fn error(
        &mut self,
        kind: ErrorKind,
        detail: ErrorDetail,
        fatal: bool,
        message: String,
        url: Option<String>,
    ) {
        if fatal {
            self.fatal = true;
            self.abort_all();
            self.retry = None;
            self.reload_at = None;
        }
        self.emit(PlayerEvent::Error(PlayerError {
            kind,
            detail,
            fatal,
            message,
            url,
        }));
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &mut self,
        now_ms: f64,
        kind: LoadKind,
        level: usize,
        sn: u64,
        url: String,
        range: Option<ByteRange>,
        attempt: u32,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        self.out.push_back(Output::Load(LoadRequest {
            id,
            url: self.signed.sign(&url),
            range,
            kind,
        }));
        self.pending.insert(
            id,
            Pending {
                kind,
                progress: None,
                level,
                sn,
                url,
                range,
                started_ms: now_ms,
                attempt,
                resign: false,
            },
        );
    }

    fn on_load_error(&mut self, now_ms: f64, p: Pending, reason: String, status: u16) {
        let (kind, detail, what) = load_names(p.kind);
        // A missing or forbidden first playlist will not appear by retrying.
        let retryable = p.kind != LoadKind::Manifest || status == 0 || status >= 500;
        let exhausted = !retryable || p.attempt >= self.config.max_load_retries;
        let mut message = load_failed(what, &p.url, &reason);
        let failover = if exhausted && p.kind != LoadKind::Manifest {
            self.fail_over(p.level)
        } else {
            None
        };
        if let Some(to) = &failover {
            message.push_str("; ");
            message.push_str(to);
        }
        let fatal = exhausted && failover.is_none();
        self.error(kind, detail, fatal, message, Some(p.url.clone()));
        if fatal || failover.is_some() {
            return;
        }
        let backoff = self.config.retry_delay_ms * 2f64.powi(p.attempt as i32);
        let jitter = 1.0 + self.config.retry_jitter * (2.0 * self.random.next_f64() - 1.0);
        let delay = (backoff * jitter).min(self.config.max_retry_delay_ms);
        self.retry = Some((
            now_ms + delay,
            Pending {
                attempt: p.attempt + 1,
                ..p
            },
        ));
    }

    /// After repeated failures of `level`: its backup stream if it has one left, else another
    /// level (the nearest lower one first). Says what it did; `None` when nothing is left.
    fn fail_over(&mut self, level: usize) -> Option<String> {
        let l = self.levels.get_mut(level)?;
        if l.use_next_backup() {
            let url = l.summary.url.clone();
            self.appended_init = None;
            let Some(pathway) = l.pathway.clone() else {
                return Some(format!("switching to its backup stream {url}"));
            };
            // The other levels follow to the same pathway (its CDN, most likely, is up).
            for other in &mut self.levels {
                other.use_pathway(&pathway);
            }
            return Some(format!(
                "switching to its backup stream {url}, levels to pathway {pathway}"
            ));
        }
        l.failed = true;
        // The nearest usable level, lower first; `level` itself (failed) when none is left.
        let to = self.usable_level(level);
        if to == level {
            return None;
        }
        if self.forced_level == Some(level) {
            self.forced_level = Some(to);
        }
        self.after_abandon = Some(to);
        Some(format!("level {level} failed, switching to level {to}"))
    }

    fn on_loaded(&mut self, now_ms: f64, p: Pending, data: Vec<u8>, ttfb_ms: f64) {
        match p.kind {
            LoadKind::Manifest => self.on_manifest(now_ms, &p.url, &data),
            LoadKind::Playlist => self.on_playlist(now_ms, p.level, &p.url, &data),
            LoadKind::Init => self.on_init(p, data),
            LoadKind::Segment => self.on_segment(now_ms, p, data, ttfb_ms),
            LoadKind::Key => self.on_key(p, &data),
        }
    }

    fn on_manifest(&mut self, now_ms: f64, url: &str, data: &[u8]) {
        let parsed = parse_body(data, url);
        let playlist = match parsed {
            Ok(p) => p,
            Err(reason) => {
                let message = format!("{url} is not a usable HLS playlist: {reason}");
                self.error(
                    ErrorKind::Network,
                    ErrorDetail::ManifestParsingError,
                    true,
                    message,
                    Some(url.to_owned()),
                );
                return;
            }
        };
        match playlist {
            Playlist::Multivariant(m) => {
                self.levels = Level::from_variants(&m.variants);
                if let Some(first) = m.variants.first() {
                    let codecs = first.codecs.as_deref().unwrap_or_default();
                    self.audio = AudioStream::new(&m, first.audio.as_deref(), codecs);
                    self.audio.start_at(self.next_time);
                    self.subtitles = SubtitleStream::new(&m, first.subtitles.as_deref());
                }
                if self.levels.is_empty() {
                    self.error(
                        ErrorKind::Network,
                        ErrorDetail::ManifestIncompatibleCodecsError,
                        true,
                        format!("{url} lists no playable variant"),
                        Some(url.to_owned()),
                    );
                    return;
                }
            }
            Playlist::Media(media) => {
                let mut level = Level::single(url);
                level.set_details(media);
                self.levels = vec![level];
            }
        }
        let levels = self.levels();
        self.emit(PlayerEvent::ManifestParsed { levels });
        if !self.audio.tracks().is_empty() {
            let tracks = self.audio.tracks().to_vec();
            self.emit(PlayerEvent::AudioTracksUpdated { tracks });
        }
        if !self.subtitles.tracks().is_empty() {
            let tracks = self.subtitles.tracks().to_vec();
            let id = self.subtitles.selected();
            self.emit(PlayerEvent::SubtitleTracksUpdated { tracks });
            self.emit(PlayerEvent::SubtitleTrackSwitch { id });
        }
        let start = self.first_level();
        self.current_level = Some(start);
        if self.levels[start].details.is_some() {
            self.after_details(now_ms, start, true);
        } else {
            self.load_playlist(now_ms, start);
        }
    }

    fn first_level(&mut self) -> usize {
        let last = self.levels.len() - 1;
        match self.config.start_level {
            Some(l) => l.min(last),
            None => self.choose_auto_level(0.0, 4.0),
        }
    }

    fn load_playlist(&mut self, now_ms: f64, level: usize) {
        let in_flight = self
            .pending
            .values()
            .any(|p| p.kind == LoadKind::Playlist && p.level == level);
        if !in_flight {
            let url = self.levels[level].summary.url.clone();
            self.request(now_ms, LoadKind::Playlist, level, 0, url, None, 0);
        }
    }

    fn on_playlist(&mut self, now_ms: f64, level: usize, url: &str, data: &[u8]) {
        let parsed = parse_body(data, url);
        match parsed {
            Ok(Playlist::Media(media)) => {
                if level < self.levels.len() {
                    let changed = self.store_details(level, media);
                    self.after_details(now_ms, level, changed);
                }
            }
            Ok(Playlist::Multivariant(_)) => self.error(
                ErrorKind::Network,
                ErrorDetail::LevelParsingError,
                true,
                format!("{url} is a multivariant playlist where a media playlist was expected"),
                Some(url.to_owned()),
            ),
            Err(reason) => self.error(
                ErrorKind::Network,
                ErrorDetail::LevelParsingError,
                true,
                format!("{url} is not a usable media playlist: {reason}"),
                Some(url.to_owned()),
            ),
        }
    }

    /// Stores a level's media playlist, keeping one timeline for all levels: a refresh merges
    /// into what the level had; a live level loaded for the first time is aligned by media
    /// sequence number with the level playing. Returns whether the playlist changed.
    fn store_details(&mut self, level: usize, media: MediaPlaylist) -> bool {
        if self.levels[level].details.is_some() {
            return self.levels[level].refresh(media);
        }
        let aligned = self
            .current_level
            .filter(|&c| c != level)
            .and_then(|c| self.levels[c].segment_times(media.media_sequence))
            .map(|(start, _)| start);
        self.levels[level].place(media, aligned.unwrap_or(0.0));
        true
    }

    fn after_details(&mut self, now_ms: f64, level: usize, changed: bool) {
        let Some(details) = self.levels[level].details.as_ref() else {
            return;
        };
        let vod = details.end_list;
        let duration = details.total_duration();
        let segments = details.segments.len();
        let target = details.target_duration.max(1.0);
        self.emit(PlayerEvent::LevelLoaded {
            level,
            vod,
            duration,
            segments,
        });
        if vod {
            return;
        }
        // Reload after a target duration; sooner when nothing changed (RFC 8216 6.3.4).
        let wait_s = if changed { target } else { target / 2.0 };
        self.reload_at = Some((now_ms + wait_s * 1000.0, level));
        if !self.any_segment_loaded && self.start_position.is_none() {
            let edge = self.levels[level].end().unwrap_or(0.0);
            let first = self.levels[level].starts.first().copied().unwrap_or(0.0);
            let start = (edge - self.config.live_sync_duration_count * target).max(first);
            self.start_position = Some(start).filter(|s| *s > 0.0);
            self.next_time = start;
            self.audio.start_at(start);
        }
    }

    /// Keeps a live stream near its edge: plays faster when it falls behind, seeks when it
    /// falls too far behind, and returns to normal speed once caught up.
    fn live_catch_up(&mut self) {
        let Some(level) = self.current_level else {
            return;
        };
        let l = &self.levels[level];
        let Some(details) = l.details.as_ref().filter(|d| !d.end_list) else {
            return;
        };
        if self.start_position.is_some() && !self.start_seek_done {
            return;
        }
        let Some(edge) = l.end() else {
            return;
        };
        let target = details.target_duration.max(1.0);
        let sync = self.config.live_sync_duration_count * target;
        let latency = edge - self.position;
        let rate = if latency > self.config.live_max_latency_duration_count * target {
            self.out.push_back(Output::Seek(edge - sync));
            1.0
        } else if latency > sync + target {
            self.config.max_live_sync_playback_rate
        } else if latency <= sync {
            1.0
        } else {
            self.playback_rate
        };
        if rate != self.playback_rate {
            self.playback_rate = rate;
            self.out.push_back(Output::SetPlaybackRate(rate));
        }
    }

    fn on_appended(&mut self) {
        let Some(q) = audio::pop_front(&mut self.queued) else {
            return;
        };
        if q.init {
            return;
        }
        self.starting = false;
        if self.buffered_level != Some(q.level) {
            self.buffered_level = Some(q.level);
            self.emit(PlayerEvent::LevelSwitched { level: q.level });
        }
        self.emit(PlayerEvent::FragBuffered {
            level: q.level,
            sn: q.sn,
            start: q.start,
            end: q.end,
        });
        if let Some(start) = self.start_position
            && !self.start_seek_done
        {
            self.start_seek_done = true;
            self.start_seek_pending = Some(start);
            self.out.push_back(Output::Seek(start));
        }
    }

    fn on_seeking(&mut self, position: f64) {
        self.position = position;
        // The element may round the time it was given.
        if self
            .start_seek_pending
            .take()
            .is_some_and(|s| (s - position).abs() < 0.01)
        {
            return;
        }
        self.audio.on_seeking(&mut self.out, position);
        let buffered_here = self
            .buffered
            .iter()
            .any(|&(s, e)| s - 0.1 <= position && position < e);
        let loaded_here = buffered_here && position <= self.next_time;
        if loaded_here {
            return;
        }
        self.abort_segment_loads();
        self.retry = None;
        self.next_time = position;
        self.eos_sent = false;
        self.starting = true;
    }

    /// `level`, or the nearest level below (else above) it that has not failed.
    fn usable_level(&self, level: usize) -> usize {
        let ok = |i: usize| self.levels.get(i).is_some_and(|l| !l.failed);
        // Plain loops: `rfind`/`find` over ranges were two generic copies in the wasm.
        for i in (0..=level).rev() {
            if ok(i) {
                return i;
            }
        }
        for i in level..self.levels.len() {
            if ok(i) {
                return i;
            }
        }
        level
    }

    /// Aborts every load of the engine and its audio and subtitle streams.
    fn abort_all(&mut self) {
        self.pending.abort_all(&mut self.out);
        self.audio.abort_all(&mut self.out);
        self.subtitles.abort_all(&mut self.out);
    }

    /// Aborts the segment, init and key loads in flight.
    fn abort_segment_loads(&mut self) {
        self.pending.abort_where(&mut self.out, |p| {
            matches!(p.kind, LoadKind::Segment | LoadKind::Init | LoadKind::Key)
        });
    }

    fn segment_in_flight(&self) -> bool {
        self.retry.is_some()
            || self
                .pending
                .values()
                .any(|p| matches!(p.kind, LoadKind::Segment | LoadKind::Init | LoadKind::Key))
    }

    fn buffer_ahead(&self) -> f64 {
        (self.next_time - self.playhead()).max(0.0)
    }

    /// The playhead, or the start position until the start seek is done.
    fn playhead(&self) -> f64 {
        match self.start_position {
            Some(start) if !self.start_seek_done => start,
            _ => self.position,
        }
    }

    fn choose_auto_level(&mut self, now_ms: f64, segment_duration_s: f64) -> usize {
        let infos = self.level_infos();
        let ctx = self.abr_context(now_ms, &infos, segment_duration_s);
        self.abr
            .choose_level(&ctx)
            .min(infos.len().saturating_sub(1))
    }

    /// What ABR knows of each level.
    fn level_infos(&self) -> Vec<LevelInfo> {
        self.levels.iter().map(|l| l.info).collect()
    }

    fn abr_context<'a>(
        &self,
        now_ms: f64,
        infos: &'a [LevelInfo],
        segment_duration_s: f64,
    ) -> AbrContext<'a> {
        AbrContext {
            now_ms,
            levels: infos,
            current: self.current_level.unwrap_or(0),
            buffer_ahead_s: self.buffer_ahead(),
            segment_duration_s,
            playback_rate: 1.0,
            min_level: 0,
            max_level: infos.len().saturating_sub(1),
            player_width: self.viewport.0,
            player_height: self.viewport.1,
            starting: self.starting,
        }
    }

    /// Decides the next load, eviction or end of stream.
    fn advance(&mut self, now_ms: f64) {
        if self.fatal || self.levels.is_empty() || !self.media_open || self.signed.stalled() {
            return;
        }
        self.set_duration();
        self.evict_back_buffer();
        let main_ready = self.track_added;
        self.with_tracks(now_ms, |a, s, ctx| {
            a.advance(ctx, main_ready);
            s.advance(ctx);
        });
        self.advance_main(now_ms);
        self.signal_end();
    }

    /// Sends `EndOfStream` once the main stream and the audio stream have both ended.
    fn signal_end(&mut self) {
        let ended = self.eos_sent && self.audio.ended();
        if ended && !self.end_signalled {
            self.out.push_back(Output::EndOfStream);
            self.emit(PlayerEvent::BufferEos);
        }
        self.end_signalled = ended;
    }

    /// Decides the main stream's next load.
    fn advance_main(&mut self, now_ms: f64) {
        if self.segment_in_flight() || self.eos_sent {
            return;
        }
        if self.buffer_ahead() >= self.config.max_buffer_length {
            return;
        }
        let Some(current) = self.current_level else {
            return;
        };
        let target_duration = self.levels[current]
            .details
            .as_ref()
            .map_or(4.0, |d| d.target_duration);
        let keep_start_level = self.config.start_level.is_some() && !self.any_segment_loaded;
        let level = match self.forced_level.or(self.after_abandon) {
            Some(l) => l,
            None if self.auto_level && !keep_start_level => {
                self.choose_auto_level(now_ms, target_duration)
            }
            None => current,
        };
        let level = self.usable_level(level);
        if self.levels[level].details.is_none() {
            self.load_playlist(now_ms, level);
            return;
        }
        if level != current {
            self.current_level = Some(level);
            self.emit(PlayerEvent::LevelSwitching { level });
        }
        self.load_next_segment(now_ms, level);
    }

    fn load_next_segment(&mut self, now_ms: f64, level: usize) {
        let l = &self.levels[level];
        let Some(details) = l.details.as_ref() else {
            return;
        };
        let window_start = l.starts.first().copied().unwrap_or(0.0);
        if !details.end_list && self.next_time + 0.05 < window_start {
            // The live window slid past what was to be loaded next: rejoin near the edge.
            let target = details.target_duration.max(1.0);
            let edge = l.end().unwrap_or(window_start);
            let rejoin = (edge - self.config.live_sync_duration_count * target).max(window_start);
            self.next_time = rejoin;
            self.out.push_back(Output::Seek(rejoin));
            return;
        }
        let Some(index) = l.segment_at(self.next_time) else {
            if details.end_list && self.queued.is_empty() {
                self.eos_sent = true;
            }
            return;
        };
        let segment = &details.segments[index];
        let sn = details.media_sequence + index as u64;
        if segment.gap {
            self.next_time = l.starts[index] + segment.duration;
            return;
        }
        // Stay within the forward target: a segment that would end past it waits, unless the
        // buffer holds less than that segment (targets shorter than a segment still play).
        let ahead = self.buffer_ahead();
        if ahead >= segment.duration && ahead + segment.duration > self.config.max_buffer_length {
            return;
        }
        if let Some(map) = &segment.map {
            let appended = matches!(&self.appended_init,
                Some((l, url, range)) if *l == level && *url == map.url && *range == map.byte_range);
            if !appended {
                let (url, range) = (map.url.clone(), map.byte_range);
                self.request(now_ms, LoadKind::Init, level, sn, url, range, 0);
                return;
            }
        }
        if let Some(key_url) = segment.key.as_ref().and_then(|k| k.url.as_ref())
            && self.key(key_url).is_none()
        {
            let url = key_url.clone();
            self.request(now_ms, LoadKind::Key, level, sn, url, None, 0);
            return;
        }
        let (url, range) = (segment.url.clone(), segment.byte_range);
        self.request(now_ms, LoadKind::Segment, level, sn, url, range, 0);
        self.after_abandon = None;
        self.abandon_check_at = Some(now_ms + ABANDON_CHECK_MS);
    }

    /// Asks ABR whether the segment load `id` would drain the buffer; if so, aborts it and
    /// loads the same time range from the lower level ABR names.
    fn check_abandon(&mut self, now_ms: f64, id: RequestId) {
        let Some(p) = self.pending.get(id) else {
            return;
        };
        if p.kind != LoadKind::Segment {
            return;
        }
        self.abandon_check_at = Some(now_ms + ABANDON_CHECK_MS);
        let (loaded_bytes, total_bytes, ttfb_ms) = p.progress.unwrap_or((0, None, 0.0));
        let media_duration_s = self.levels[p.level]
            .segment_times(p.sn)
            .map_or(0.0, |(s, e)| e - s);
        let progress = LoadProgress {
            level: p.level,
            elapsed_ms: now_ms - p.started_ms,
            loaded_bytes,
            total_bytes,
            media_duration_s,
            ttfb_ms: p.progress.map(|_| ttfb_ms),
        };
        let level = p.level;
        let infos = self.level_infos();
        let ctx = self.abr_context(now_ms, &infos, media_duration_s);
        let Some(lower) = self.abr.abandon(&ctx, &progress) else {
            return;
        };
        if lower >= level || self.forced_level.is_some() {
            return;
        }
        self.pending.remove(id);
        self.out.push_back(Output::Abort(id));
        self.abandon_check_at = None;
        self.emit(PlayerEvent::FragLoadEmergencyAborted { level, to: lower });
        self.after_abandon = Some(lower);
    }

    fn set_duration(&mut self) {
        if self.duration_set {
            return;
        }
        let vod = self
            .current_level
            .and_then(|l| self.levels[l].details.as_ref());
        if let Some(d) = vod.filter(|d| d.end_list) {
            let duration = d.total_duration();
            self.duration_set = true;
            self.out.push_back(Output::SetDuration(duration));
        }
    }

    /// The buffer is full: evicts media behind the playhead so the same bytes can be appended
    /// again (the caller keeps the refused append and retries it after the removal).
    fn on_quota_exceeded(&mut self, track: TrackId, message: &str) {
        let keep_from = self.position - QUOTA_KEEP_BEHIND_S;
        let evictable = self.buffered.first().is_some_and(|r| r.0 < keep_from);
        if evictable && self.removing.is_none() {
            self.removing = Some(keep_from);
            self.out.push_back(Output::Remove {
                track,
                start: 0.0,
                end: keep_from,
            });
        } else if !evictable {
            self.buffer_full(track, message);
        }
    }

    fn buffer_full(&mut self, track: TrackId, message: &str) {
        let message = format!(
            "the {} buffer is full with nothing behind the playhead to evict: {message}",
            track.as_str()
        );
        self.error(
            ErrorKind::Media,
            ErrorDetail::BufferFullError,
            true,
            message,
            None,
        );
    }

    /// Runs `f` on the audio and subtitle streams with what they borrow from the engine.
    fn with_tracks<R>(
        &mut self,
        now_ms: f64,
        f: impl FnOnce(&mut AudioStream, &mut SubtitleStream, &mut audio::Ctx) -> R,
    ) -> R {
        let position = self.playhead();
        let mut ctx = audio::Ctx {
            now_ms,
            out: &mut self.out,
            next_id: &mut self.next_id,
            config: &self.config,
            position,
            main_level: self.current_level.and_then(|c| self.levels.get(c)),
            signed: &self.signed,
        };
        f(&mut self.audio, &mut self.subtitles, &mut ctx)
    }

    /// Reports a stream's error, if any.
    fn report(&mut self, result: Result<(), PlayerError>) {
        if let Err(e) = result {
            self.error(e.kind, e.detail, e.fatal, e.message, e.url);
        }
    }

    /// Moves a playhead that stands still with media ahead a little forward.
    fn nudge_stall(&mut self, now_ms: f64) {
        if self.start_position.is_some() && !self.start_seek_done {
            return;
        }
        let position = self.position;
        let Some((target, attempt)) = self.stall.check(now_ms, position, &self.buffered) else {
            return;
        };
        self.out.push_back(Output::Seek(target));
        let message = format!(
            "playback stood still at {} s with media buffered ahead: nudged to {} s (try \
             {attempt} of {})",
            stall::millis_text(position),
            stall::millis_text(target),
            stall::MAX_NUDGES
        );
        self.error(
            ErrorKind::Media,
            ErrorDetail::BufferNudgeOnStall,
            false,
            message,
            None,
        );
    }

    /// Skips a small hole in the buffer the playhead has reached.
    fn jump_hole(&mut self) {
        let position = self.position;
        let inside = self
            .buffered
            .iter()
            .any(|&(s, e)| s - 0.01 <= position && position < e - 0.01);
        if inside {
            return;
        }
        for &(start, _) in &self.buffered {
            if start > position && start - position <= self.config.max_buffer_hole {
                if self.last_hole_jump != Some(start) {
                    self.last_hole_jump = Some(start);
                    self.out.push_back(Output::Seek(start + 0.01));
                }
                return;
            }
        }
    }

    /// Keeps at most `back_buffer_length` seconds behind the playhead. Once it is exceeded,
    /// removes a few seconds more than needed, so removals stay rare and the back buffer stays
    /// under its target while the playhead moves on before the next removal.
    fn evict_back_buffer(&mut self) {
        let back = self.config.back_buffer_length;
        let keep_from = self.position - back;
        let Some(&(start, _)) = self.buffered.first() else {
            return;
        };
        if self.removing.is_some() || start >= keep_from {
            return;
        }
        let end = keep_from + EVICT_STEP_S.min(back / 2.0);
        self.removing = Some(end);
        self.out.push_back(Output::Remove {
            track: TrackId::Main,
            start: 0.0,
            end,
        });
    }
}

/// The error kind and detail of a failed load of `kind`, and what it loads, for messages.
fn load_names(kind: LoadKind) -> (ErrorKind, ErrorDetail, &'static str) {
    match kind {
        LoadKind::Manifest => (
            ErrorKind::Network,
            ErrorDetail::ManifestLoadError,
            "playlist",
        ),
        LoadKind::Playlist => (
            ErrorKind::Network,
            ErrorDetail::LevelLoadError,
            "media playlist",
        ),
        LoadKind::Init => (
            ErrorKind::Network,
            ErrorDetail::InitLoadError,
            "initialization segment",
        ),
        LoadKind::Segment => (ErrorKind::Network, ErrorDetail::FragLoadError, "segment"),
        LoadKind::Key => (ErrorKind::Key, ErrorDetail::KeyLoadError, "key"),
    }
}

/// Keeps the time ranges that end after `after` and start before `before` (one `retain` for
/// both trims of the buffer: each was a generic copy).
fn keep_ranges(ranges: &mut Vec<(f64, f64)>, after: f64, before: f64) {
    ranges.retain(|r| r.1 > after && r.0 < before);
}

/// The earlier of two deadlines (a match: a flattened array of them was 400 bytes of wasm).
fn earliest(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The message of a failed load of the `what` at `url` (one `format!` for every stream).
fn load_failed(what: &str, url: &str, reason: &str) -> String {
    format!("loading the {what} {url} failed: {reason}")
}

/// A loaded playlist body parsed, or why it is not a usable playlist.
fn parse_body(data: &[u8], url: &str) -> Result<Playlist, String> {
    let text = std::str::from_utf8(data).map_err(|_| "the body is not UTF-8 text".to_owned())?;
    hls::parse_playlist(text, url).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
