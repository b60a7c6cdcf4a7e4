//! Alternate audio: an EXT-X-MEDIA TYPE=AUDIO rendition with a URI, loaded into its own
//! SourceBuffer ([`TrackId::Audio`]) against the main stream's playhead and buffer targets.
//!
//! The stream loads the selected rendition's media playlist, its init section and its segments
//! one at a time from `next_time` while less than `max_buffer_length` is ahead of the playhead,
//! evicts its back buffer, and reports the end of its media so the engine ends the MediaSource
//! only when every track has ended. Switching renditions flushes the audio ahead of the
//! playhead (plus [`FLUSH_AHEAD_S`]) and loads the new rendition from there. fMP4 (CMAF) audio
//! is appended as is; packed AAC and audio-only MPEG-TS go through a transmuxer of the
//! stream's own, so their timeline never mixes with the main stream's.

use super::level::Level;
use super::media_time::{self, Timescales};
use super::signed::Signed;
use super::{
    Config, ErrorDetail, ErrorKind, FLUSH_AHEAD_S, LoadKind, LoadRequest, MediaTrack, Output,
    PlayerError, PlayerEvent, RequestId, TIMESTAMP_TOLERANCE_S, TrackId, earliest, load_failed,
    parse_body,
};
use crate::hls::{ByteRange, MediaType, MultivariantPlaylist, Playlist, Rendition};
use crate::mux::{Container, SegmentInfo, Transmuxer, sniff};
use std::collections::VecDeque;

/// Codecs assumed for alternate audio when the variant's CODECS names none (AAC-LC).
const DEFAULT_AUDIO_CODEC: &str = "mp4a.40.2";

/// RFC 6381 codec prefixes of audio formats, to split a variant's CODECS between the main
/// and the audio SourceBuffer.
const AUDIO_CODECS: [&str; 6] = ["mp4a", "ac-3", "ec-3", "opus", "flac", "alac"];

/// What the engine lends a stream for one call.
pub(super) struct Ctx<'a> {
    /// The caller's clock, milliseconds.
    pub now_ms: f64,
    /// The engine's command queue.
    pub out: &'a mut VecDeque<Output>,
    /// The engine's next request id.
    pub next_id: &'a mut RequestId,
    /// The engine's settings.
    pub config: &'a Config,
    /// The playhead in seconds (or the start position until the start seek is done).
    pub position: f64,
    /// The main stream's level playing, to align live playlists with by media sequence.
    pub main_level: Option<&'a Level>,
    /// The title's signing: the CloudFront query goes on these loads too.
    pub signed: &'a Signed,
}

impl Ctx<'_> {
    /// Emits a load and returns its id.
    pub fn request(&mut self, kind: LoadKind, url: String, range: Option<ByteRange>) -> RequestId {
        let id = *self.next_id;
        *self.next_id += 1;
        self.out.push_back(Output::Load(LoadRequest {
            id,
            url: self.signed.sign(&url),
            range,
            kind,
        }));
        id
    }

    /// Emits an event.
    pub fn emit(&mut self, event: PlayerEvent) {
        self.out.push_back(Output::Event(event));
    }
}

/// The few loads a stream has in flight, by request id (`Vec`s: a map type of its own would
/// cost the wasm more than it saves on two entries). The ids are kept apart from the loads so
/// that finding one is the same code for every kind of load.
pub(super) struct Loads<L> {
    ids: Vec<RequestId>,
    loads: Vec<L>,
}

impl<L> Default for Loads<L> {
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            loads: Vec::new(),
        }
    }
}

/// Where `id` is in `ids`.
fn index_of(ids: &[RequestId], id: RequestId) -> Option<usize> {
    ids.iter().position(|i| *i == id)
}

impl<L> Loads<L> {
    /// Records load `id`.
    pub fn insert(&mut self, id: RequestId, load: L) {
        self.ids.push(id);
        self.loads.push(load);
    }

    /// Forgets load `id`, returning what it was for.
    pub fn remove(&mut self, id: RequestId) -> Option<L> {
        let i = index_of(&self.ids, id)?;
        self.ids.swap_remove(i);
        Some(self.loads.swap_remove(i))
    }

    /// Whether `id` is one of these loads.
    pub fn contains(&self, id: RequestId) -> bool {
        index_of(&self.ids, id).is_some()
    }

    /// What load `id` is for.
    pub fn get(&self, id: RequestId) -> Option<&L> {
        self.loads.get(index_of(&self.ids, id)?)
    }

    /// What load `id` is for, to change.
    pub fn get_mut(&mut self, id: RequestId) -> Option<&mut L> {
        self.loads.get_mut(index_of(&self.ids, id)?)
    }

    /// The id of the first load `pick` picks.
    pub fn find(&self, pick: impl Fn(&L) -> bool) -> Option<RequestId> {
        let i = self.loads.iter().position(pick)?;
        self.ids.get(i).copied()
    }

    /// Whether no load is in flight.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// What the loads are for.
    pub fn values(&self) -> std::slice::Iter<'_, L> {
        self.loads.iter()
    }

    /// Forgets every load, sending an `Abort` for each (no list of ids in between: smaller).
    pub fn abort_all(&mut self, out: &mut VecDeque<Output>) {
        for id in &self.ids {
            out.push_back(Output::Abort(*id));
        }
        self.ids.clear();
        self.loads.clear();
    }

    /// Forgets the loads `abort` picks, sending an `Abort` for each, in order.
    pub fn abort_where(&mut self, out: &mut VecDeque<Output>, abort: impl Fn(&L) -> bool) {
        let mut i = 0;
        while let Some(load) = self.loads.get(i) {
            if abort(load) {
                out.push_back(Output::Abort(self.ids.remove(i)));
                self.loads.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

/// Takes the oldest entry of a short queue (a `Vec`: `VecDeque`'s code, for each of the three
/// queues' element types, was about 1.8 KB of the gzipped wasm).
pub(super) fn pop_front<T>(queue: &mut Vec<T>) -> Option<T> {
    (!queue.is_empty()).then(|| queue.remove(0))
}

/// The renditions of `kind` in `group`, as application tracks.
pub(super) fn media_tracks(
    renditions: &[Rendition],
    kind: MediaType,
    group: Option<&str>,
) -> Vec<MediaTrack> {
    // A plain loop: the filtered, numbered and mapped iterator was 300 bytes more of wasm.
    let mut tracks = Vec::new();
    for r in renditions {
        if r.media_type == kind && Some(r.group_id.as_str()) == group {
            tracks.push(MediaTrack {
                id: tracks.len(),
                name: r.name.clone(),
                lang: r.language.clone().unwrap_or_default(),
                default: r.default,
                url: r.url.clone(),
            });
        }
    }
    tracks
}

/// Splits a CODECS list into its video part and its audio part.
pub(super) fn split_codecs(codecs: &str) -> (String, String) {
    // Written into the two lists directly: partitioning, collecting and joining were three
    // generic copies in the wasm.
    let (mut video, mut audio) = ((String::new(), 0), (String::new(), 0));
    for codec in codecs.split(',').map(str::trim) {
        let (list, count) = match AUDIO_CODECS.iter().any(|p| codec.starts_with(p)) {
            true => &mut audio,
            false => &mut video,
        };
        if *count > 0 {
            list.push(',');
        }
        list.push_str(codec);
        *count += 1;
    }
    (video.0, audio.0)
}

/// A load of the audio stream in flight.
#[derive(Debug, Clone)]
struct Load {
    kind: LoadKind,
    url: String,
    range: Option<ByteRange>,
    /// Media sequence number (segments).
    sn: u64,
    /// Rendition the load is for.
    track: usize,
    attempt: u32,
}

/// The alternate audio stream.
#[derive(Default)]
pub(super) struct AudioStream {
    tracks: Vec<MediaTrack>,
    selected: Option<usize>,
    /// Codecs of the audio SourceBuffer.
    codec: String,
    /// The selected rendition's media playlist, once loaded.
    playlist: Option<Level>,
    loads: Loads<Load>,
    retry: Option<(f64, Load)>,
    reload_at: Option<f64>,
    /// Whether `AddTrack` was sent for the audio SourceBuffer.
    track_added: bool,
    /// (URL, range) of the init section in the SourceBuffer.
    appended_init: Option<(String, Option<ByteRange>)>,
    timescales: Timescales,
    timestamp_offset: f64,
    new_timeline: bool,
    next_time: f64,
    /// Appends in flight, oldest first: a segment's (start, end), `None` for an init section.
    queued: Vec<Option<(f64, f64)>>,
    /// Time ranges appended (and not removed), in seconds.
    ranges: Vec<(f64, f64)>,
    /// Removals in flight, oldest first.
    removals: Vec<(f64, f64)>,
    /// Every segment up to the end of a VOD playlist was loaded.
    loaded_all: bool,
    /// Rendition whose first buffered segment completes a switch.
    switching: Option<usize>,
    /// Turns packed audio and audio-only TS into fMP4; a new one per rendition.
    transmuxer: Transmuxer,
}

impl AudioStream {
    /// The audio renditions of `manifest` for variants of audio group `group`, the DEFAULT=YES
    /// one (else the first) selected; `variant_codecs` names the audio codec.
    pub fn new(manifest: &MultivariantPlaylist, group: Option<&str>, variant_codecs: &str) -> Self {
        let tracks = media_tracks(&manifest.renditions, MediaType::Audio, group);
        let selected = tracks
            .iter()
            .position(|t| t.default)
            .or((!tracks.is_empty()).then_some(0));
        let (_, audio) = split_codecs(variant_codecs);
        let codec = if audio.is_empty() {
            DEFAULT_AUDIO_CODEC.to_owned()
        } else {
            audio
        };
        let mut stream = Self {
            tracks,
            codec,
            new_timeline: true,
            ..Self::default()
        };
        stream.select(selected);
        stream
    }

    fn select(&mut self, track: Option<usize>) {
        self.selected = track;
        let url = track.and_then(|t| self.tracks.get(t)?.url.clone());
        self.playlist = url.map(|u| Level::single(&u));
        self.appended_init = None;
        self.new_timeline = true;
        self.loaded_all = false;
        self.reload_at = None;
        self.transmuxer = Transmuxer::new();
    }

    /// The renditions.
    pub fn tracks(&self) -> &[MediaTrack] {
        &self.tracks
    }

    /// The rendition playing.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Whether the selected rendition is loaded into its own SourceBuffer.
    pub fn active(&self) -> bool {
        self.playlist.is_some()
    }

    /// The `AddTrack` to send with the main track's, so both SourceBuffers exist before the
    /// first append (browsers refuse new SourceBuffers once media flows).
    pub fn add_track(&mut self) -> Option<Output> {
        if !self.active() || self.track_added {
            return None;
        }
        self.track_added = true;
        Some(Output::AddTrack {
            track: TrackId::Audio,
            mime: format!("audio/mp4; codecs=\"{}\"", self.codec),
        })
    }

    /// Whether the stream has nothing left to append (always true when inactive).
    pub fn ended(&self) -> bool {
        !self.active() || (self.loaded_all && self.queued.is_empty() && self.loads.is_empty())
    }

    /// Whether `id` is one of this stream's loads.
    pub fn owns(&self, id: RequestId) -> bool {
        self.loads.contains(id)
    }

    /// When [`AudioStream::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<f64> {
        let retry = self.retry.as_ref().map(|(at, _)| *at);
        earliest(retry, self.reload_at)
    }

    /// Runs a due retry or live reload.
    pub fn handle_timeout(&mut self, ctx: &mut Ctx) {
        if let Some((at, _)) = &self.retry
            && *at <= ctx.now_ms
            && let Some((_, load)) = self.retry.take()
        {
            self.start(ctx, load);
        }
        if self.reload_at.is_some_and(|at| at <= ctx.now_ms) {
            self.reload_at = None;
            self.request_playlist(ctx);
        }
    }

    /// Aborts every load (a new title, a fatal error, a media-error recovery).
    pub fn abort_all(&mut self, out: &mut VecDeque<Output>) {
        self.loads.abort_all(out);
        self.retry = None;
    }

    /// A new MediaSource replaced the old one: buffers again from `position`.
    pub fn reset_media(&mut self, out: &mut VecDeque<Output>, position: f64) {
        self.abort_all(out);
        self.track_added = false;
        self.appended_init = None;
        self.new_timeline = true;
        self.transmuxer = Transmuxer::new();
        self.timestamp_offset = 0.0;
        self.queued.clear();
        self.ranges.clear();
        self.removals.clear();
        self.next_time = position;
        self.loaded_all = false;
    }

    /// Sets where loading starts (the start position, a live start).
    pub fn start_at(&mut self, time: f64) {
        self.next_time = time;
    }

    /// The media element seeks to `position`: loading restarts there unless it is buffered.
    pub fn on_seeking(&mut self, out: &mut VecDeque<Output>, position: f64) {
        let buffered = self
            .ranges
            .iter()
            .any(|&(s, e)| s - 0.1 <= position && position < e);
        if buffered && position <= self.next_time {
            return;
        }
        self.abort_all(out);
        self.next_time = position;
        self.loaded_all = false;
    }

    /// Plays rendition `id` from the playhead on: audio buffered past the playhead plus
    /// [`FLUSH_AHEAD_S`] is flushed and loaded again from the new rendition.
    pub fn switch(&mut self, ctx: &mut Ctx, id: usize) -> Result<(), PlayerError> {
        let Some(track) = self.tracks.get(id) else {
            return Err(invalid(format!(
                "audio track {id} does not exist ({} tracks)",
                self.tracks.len()
            )));
        };
        if self.selected == Some(id) {
            return Ok(());
        }
        if track.url.is_some() != self.active() {
            return Err(invalid(format!(
                "audio track {id} cannot replace the current one: one is muxed into the video, \
                 the other is not"
            )));
        }
        self.abort_all(ctx.out);
        ctx.emit(PlayerEvent::AudioTrackSwitching { id });
        self.select(Some(id));
        if !self.active() {
            ctx.emit(PlayerEvent::AudioTrackSwitched { id });
            return Ok(());
        }
        self.switching = Some(id);
        let from = ctx.position + FLUSH_AHEAD_S;
        if self.track_added {
            ctx.out.push_back(Output::Remove {
                track: TrackId::Audio,
                start: from,
                end: f64::INFINITY,
            });
            self.removals.push((from, f64::INFINITY));
            cut(&mut self.ranges, from, f64::INFINITY);
        }
        self.next_time = self.next_time.min(from).max(ctx.position.min(from));
        Ok(())
    }

    /// Decides the next load or eviction. `main_ready`: the SourceBuffers exist.
    pub fn advance(&mut self, ctx: &mut Ctx, main_ready: bool) {
        if !self.active() || !main_ready {
            return;
        }
        self.evict_back_buffer(ctx);
        if !self.loads.is_empty() || self.retry.is_some() || self.loaded_all {
            return;
        }
        let Some(level) = self.playlist.as_ref() else {
            return;
        };
        let Some(details) = level.details.as_ref() else {
            self.request_playlist(ctx);
            return;
        };
        if self.next_time - ctx.position >= ctx.config.max_buffer_length {
            return;
        }
        let Some(index) = level.segment_at(self.next_time) else {
            if details.end_list && self.next_time + 0.05 >= level.end().unwrap_or(0.0) {
                self.loaded_all = true;
            }
            return;
        };
        let Some(segment) = details.segments.get(index) else {
            return;
        };
        let sn = details.media_sequence + index as u64;
        let track = self.selected.unwrap_or(0);
        if let Some(map) = &segment.map {
            let appended = matches!(&self.appended_init,
                Some((url, range)) if *url == map.url && *range == map.byte_range);
            if !appended {
                let load = Load {
                    kind: LoadKind::Init,
                    url: map.url.clone(),
                    range: map.byte_range,
                    sn,
                    track,
                    attempt: 0,
                };
                self.start(ctx, load);
                return;
            }
        }
        let load = Load {
            kind: LoadKind::Segment,
            url: segment.url.clone(),
            range: segment.byte_range,
            sn,
            track,
            attempt: 0,
        };
        self.start(ctx, load);
    }

    fn request_playlist(&mut self, ctx: &mut Ctx) {
        let Some(url) = self.playlist.as_ref().map(|l| l.summary.url.clone()) else {
            return;
        };
        if self.loads.values().any(|l| l.kind == LoadKind::Playlist) {
            return;
        }
        let load = Load {
            kind: LoadKind::Playlist,
            url,
            range: None,
            sn: 0,
            track: self.selected.unwrap_or(0),
            attempt: 0,
        };
        self.start(ctx, load);
    }

    fn start(&mut self, ctx: &mut Ctx, load: Load) {
        let id = ctx.request(load.kind, load.url.clone(), load.range);
        self.loads.insert(id, load);
    }

    /// A load of this stream answered with a success status; `Err` is a fatal error.
    pub fn on_loaded(
        &mut self,
        ctx: &mut Ctx,
        id: RequestId,
        data: Vec<u8>,
    ) -> Result<(), PlayerError> {
        let Some(load) = self.loads.remove(id) else {
            return Ok(());
        };
        if Some(load.track) != self.selected {
            return Ok(());
        }
        match load.kind {
            LoadKind::Playlist => self.on_playlist(ctx, &load, &data),
            LoadKind::Init => {
                self.check_fmp4(&load, &data)?;
                self.timescales = media_time::timescales(&data);
                self.appended_init = Some((load.url, load.range));
                self.queued.push(None);
                ctx.out.push_back(Output::Append {
                    track: TrackId::Audio,
                    data,
                });
                Ok(())
            }
            LoadKind::Segment => self.on_segment(ctx, &load, data),
            LoadKind::Manifest | LoadKind::Key => Ok(()),
        }
    }

    fn on_playlist(&mut self, ctx: &mut Ctx, load: &Load, data: &[u8]) -> Result<(), PlayerError> {
        let media = match parse_body(data, &load.url) {
            Ok(Playlist::Media(media)) => media,
            Ok(Playlist::Multivariant(_)) => {
                return Err(parsing(load, "is a multivariant playlist"));
            }
            Err(reason) => return Err(parsing(load, &format!("is not usable: {reason}"))),
        };
        let Some(level) = self.playlist.as_mut() else {
            return Ok(());
        };
        let changed = level.follow(media, ctx.main_level);
        if let Some(details) = level.details.as_ref().filter(|d| !d.end_list) {
            let target = details.target_duration.max(1.0);
            let wait_s = if changed { target } else { target / 2.0 };
            self.reload_at = Some(ctx.now_ms + wait_s * 1000.0);
        }
        Ok(())
    }

    fn on_segment(&mut self, ctx: &mut Ctx, load: &Load, data: Vec<u8>) -> Result<(), PlayerError> {
        let Some(level) = self.playlist.as_ref() else {
            return Ok(());
        };
        let Some((start, end)) = level.segment_times(load.sn) else {
            return Ok(());
        };
        let discontinuity = level.segment(load.sn).is_some_and(|s| s.discontinuity);
        let media = match sniff(&data) {
            Ok(Container::IsoBmff) => {
                self.place_fmp4(ctx, &data, start, discontinuity);
                data
            }
            Ok(Container::Adts { .. } | Container::MpegAudio { .. } | Container::MpegTs { .. }) => {
                let info = SegmentInfo {
                    discontinuity,
                    rendition: u32::try_from(load.track).unwrap_or(u32::MAX),
                    start_s: (self.new_timeline || discontinuity).then_some(start),
                };
                let out = self
                    .transmuxer
                    .push_segment(&data, info)
                    .map_err(|e| mux_error(load, format!("could not be transmuxed: {e}")))?;
                self.new_timeline = false;
                if let Some(init) = out.init {
                    self.queued.push(None);
                    ctx.out.push_back(Output::Append {
                        track: TrackId::Audio,
                        data: init.bytes,
                    });
                }
                out.media
            }
            _ => return self.check_fmp4(load, &data),
        };
        self.next_time = end;
        self.queued.push(Some((start, end)));
        ctx.out.push_back(Output::Append {
            track: TrackId::Audio,
            data: media,
        });
        Ok(())
    }

    /// At the start of a timeline, offsets an fMP4 segment so it lands at its playlist time.
    fn place_fmp4(&mut self, ctx: &mut Ctx, data: &[u8], start: f64, discontinuity: bool) {
        if !(self.new_timeline || discontinuity) {
            return;
        }
        let Some(decode_start) = media_time::decode_start(&self.timescales, data) else {
            return;
        };
        self.new_timeline = false;
        let offset = start - decode_start;
        if (offset - self.timestamp_offset).abs() > TIMESTAMP_TOLERANCE_S {
            self.timestamp_offset = offset;
            ctx.out.push_back(Output::SetTimestampOffset {
                track: TrackId::Audio,
                offset,
            });
        }
    }

    fn check_fmp4(&self, load: &Load, data: &[u8]) -> Result<(), PlayerError> {
        match sniff(data) {
            Ok(Container::IsoBmff) => Ok(()),
            _ => Err(mux_error(
                load,
                format!(
                    "is not fMP4, packed audio or MPEG-TS ({} bytes)",
                    data.len()
                ),
            )),
        }
    }

    /// A load of this stream failed (`status` 0 without an HTTP answer): retried with
    /// exponential backoff; `Err` is the error to report (fatal once retries are exhausted).
    pub fn on_failed(
        &mut self,
        ctx: &mut Ctx,
        id: RequestId,
        reason: &str,
    ) -> Result<(), PlayerError> {
        let Some(load) = self.loads.remove(id) else {
            return Ok(());
        };
        let (detail, what) = match load.kind {
            LoadKind::Playlist => (ErrorDetail::LevelLoadError, "audio playlist"),
            LoadKind::Init => (ErrorDetail::InitLoadError, "audio initialization segment"),
            _ => (ErrorDetail::FragLoadError, "audio segment"),
        };
        let fatal = load.attempt >= ctx.config.max_load_retries;
        let error = PlayerError {
            kind: ErrorKind::Network,
            detail,
            fatal,
            message: load_failed(what, &load.url, reason),
            url: Some(load.url.clone()),
        };
        if !fatal {
            let delay = (ctx.config.retry_delay_ms * 2f64.powi(load.attempt as i32))
                .min(ctx.config.max_retry_delay_ms);
            let retry = Load {
                attempt: load.attempt + 1,
                ..load
            };
            self.retry = Some((ctx.now_ms + delay, retry));
        }
        Err(error)
    }

    /// A load of this stream was refused as expired: it is forgotten, to be made again with
    /// a new signature once loading resumes (a playlist by a reload due then). Returns what
    /// it was.
    pub fn on_expired(&mut self, ctx: &mut Ctx, id: RequestId) -> Option<(LoadKind, String)> {
        let load = self.loads.remove(id)?;
        if load.kind == LoadKind::Playlist {
            self.reload_at = Some(ctx.now_ms);
        }
        Some((load.kind, load.url))
    }

    /// An append to the audio SourceBuffer finished.
    pub fn on_appended(&mut self, ctx: &mut Ctx) {
        let Some(Some((start, end))) = pop_front(&mut self.queued) else {
            return;
        };
        add_range(&mut self.ranges, start, end);
        if let Some(id) = self.switching.take() {
            ctx.emit(PlayerEvent::AudioTrackSwitched { id });
        }
    }

    /// A removal from the audio SourceBuffer finished.
    pub fn on_removed(&mut self) {
        if let Some((start, end)) = pop_front(&mut self.removals) {
            cut(&mut self.ranges, start, end);
        }
    }

    /// The audio buffer is full: evicts behind the playhead; `false` when nothing can go.
    pub fn on_quota_exceeded(&mut self, ctx: &mut Ctx, keep_behind_s: f64) -> bool {
        let keep_from = ctx.position - keep_behind_s;
        if !self.ranges.first().is_some_and(|r| r.0 < keep_from) {
            return false;
        }
        self.remove_before(ctx, keep_from);
        true
    }

    fn evict_back_buffer(&mut self, ctx: &mut Ctx) {
        let keep_from = ctx.position - ctx.config.back_buffer_length;
        let Some(&(start, _)) = self.ranges.first() else {
            return;
        };
        // Evict in steps of at least a few seconds so removals stay rare.
        if !self.removals.is_empty() || keep_from - start < 4.0 {
            return;
        }
        self.remove_before(ctx, keep_from);
    }

    fn remove_before(&mut self, ctx: &mut Ctx, end: f64) {
        self.removals.push((0.0, end));
        ctx.out.push_back(Output::Remove {
            track: TrackId::Audio,
            start: 0.0,
            end,
        });
    }

    /// Time ranges in the audio SourceBuffer, as the engine knows them.
    #[cfg(test)]
    pub fn ranges(&self) -> &[(f64, f64)] {
        &self.ranges
    }
}

fn invalid(message: String) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Other,
        detail: ErrorDetail::InvalidState,
        fatal: false,
        message,
        url: None,
    }
}

fn mux_error(load: &Load, problem: String) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Mux,
        detail: ErrorDetail::FragParsingError,
        fatal: true,
        message: format!("the audio segment {} {problem}", load.url),
        url: Some(load.url.clone()),
    }
}

fn parsing(load: &Load, problem: &str) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Network,
        detail: ErrorDetail::LevelParsingError,
        fatal: true,
        message: format!("the audio playlist {} {problem}", load.url),
        url: Some(load.url.clone()),
    }
}

/// Adds `[start, end)` to sorted, disjoint `ranges`, merging neighbours. Inserted in place
/// (where a stable sort would put it) rather than pushed and sorted: the sort was the only one
/// in the wasm, 5 KB of code.
fn add_range(ranges: &mut Vec<(f64, f64)>, start: f64, end: f64) {
    let at = ranges.partition_point(|r| r.0.total_cmp(&start).is_le());
    ranges.insert(at, (start, end));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 + 0.01 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *ranges = merged;
}

/// Removes `[start, end)` from `ranges`.
fn cut(ranges: &mut Vec<(f64, f64)>, start: f64, end: f64) {
    let mut kept = Vec::with_capacity(ranges.len() + 1);
    for &(s, e) in ranges.iter() {
        for (s, e) in [(s, e.min(start)), (s.max(end), e)] {
            if e - s > 1e-6 {
                kept.push((s, e));
            }
        }
    }
    *ranges = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_split_between_video_and_audio() {
        assert_eq!(
            split_codecs("avc1.4d401f, mp4a.40.2"),
            ("avc1.4d401f".to_owned(), "mp4a.40.2".to_owned())
        );
        assert_eq!(
            split_codecs("hvc1.1.6.L93.B0,ec-3,mp4a.40.5"),
            ("hvc1.1.6.L93.B0".to_owned(), "ec-3,mp4a.40.5".to_owned())
        );
        assert_eq!(
            split_codecs("avc1.64001f"),
            ("avc1.64001f".to_owned(), String::new())
        );
    }

    #[test]
    fn ranges_merge_and_cut() {
        let mut r = Vec::new();
        add_range(&mut r, 4.0, 8.0);
        add_range(&mut r, 0.0, 4.0);
        add_range(&mut r, 12.0, 16.0);
        assert_eq!(r, [(0.0, 8.0), (12.0, 16.0)]);
        cut(&mut r, 6.0, 13.0);
        assert_eq!(r, [(0.0, 6.0), (13.0, 16.0)]);
        cut(&mut r, 0.0, f64::INFINITY);
        assert!(r.is_empty());
    }

    #[test]
    fn codecs_split_as_partition_and_join_did() {
        for codecs in [
            "avc1.64001f, mp4a.40.2",
            ",mp4a.40.2,,avc1.4d401e, ",
            "",
            "ec-3",
        ] {
            let is_audio = |c: &&str| AUDIO_CODECS.iter().any(|p| c.trim().starts_with(p));
            let (audio, video): (Vec<&str>, Vec<&str>) = codecs.split(',').partition(is_audio);
            let trim = |v: Vec<&str>| v.iter().map(|c| c.trim()).collect::<Vec<_>>().join(",");
            assert_eq!(split_codecs(codecs), (trim(video), trim(audio)), "{codecs}");
        }
    }

    #[test]
    fn ranges_add_as_push_and_sort_did() {
        let reference = |ranges: &mut Vec<(f64, f64)>, start: f64, end: f64| {
            ranges.push((start, end));
            ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for &(s, e) in ranges.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1 + 0.01 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *ranges = merged;
        };
        let mut rng = crate::rng::XorShift::new(5);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for i in 0..5_000 {
            let start = (rng.next_f64() * 200.0).floor() / 4.0;
            let end = start + (rng.next_f64() * 8.0).floor() / 4.0;
            add_range(&mut ours, start, end);
            reference(&mut theirs, start, end);
            assert_eq!(ours, theirs);
            if i % 50 == 0 {
                let from = rng.next_f64() * 50.0;
                cut(&mut ours, from, from + rng.next_f64() * 30.0);
                theirs.clone_from(&ours);
            }
        }
    }
}
