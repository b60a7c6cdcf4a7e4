//! WebVTT subtitles (EXT-X-MEDIA TYPE=SUBTITLES): the selected rendition's media playlist is
//! loaded, then its `.vtt` segments around the playhead (up to `max_buffer_length` ahead),
//! each once per rendition; their cues are placed on the player's timeline and emitted as
//! [`PlayerEvent::SubtitleCues`] for the application's text tracks. A live subtitle playlist
//! is reloaded every target duration while its track shows, its window placed by media
//! sequence on the main stream's timeline. Subtitle failures are never fatal: playback goes on
//! without the cues.

use super::audio::{Ctx, Loads, media_tracks};
use super::level::Level;
use super::webvtt;
use super::{
    Cue, ErrorDetail, ErrorKind, LoadKind, MediaTrack, Output, PlayerError, PlayerEvent, RequestId,
    load_failed, parse_body,
};
use crate::hls::{MediaPlaylist, MediaType, MultivariantPlaylist, Playlist};
use std::collections::VecDeque;

/// Seconds behind the playhead whose cues are still fetched (a cue may have begun earlier).
const BEHIND_S: f64 = 1.0;

/// A load in flight: (track, media sequence number); `None` for the playlist.
type Load = (usize, Option<u64>, String);

/// The subtitle renditions and the cues loaded of them.
#[derive(Default)]
pub(super) struct SubtitleStream {
    tracks: Vec<MediaTrack>,
    selected: Option<usize>,
    /// Each rendition's media playlist, once loaded.
    playlists: Vec<Option<Level>>,
    /// (track, sn) of the segments loaded or given up.
    done: SortedSet<(usize, u64)>,
    /// Whether each rendition's playlist failed (a flag per rendition: a set of them was
    /// another generic copy of the sorted set's code).
    failed: Vec<bool>,
    loads: Loads<Load>,
    /// (track, start ms, end ms, text) of the cues emitted: a cue spanning a segment boundary
    /// is in both segments' files and must show once.
    emitted: SortedSet<(usize, i64, i64, String)>,
    /// When to reload the live playlist of the track shown.
    reload_at: Option<f64>,
}

impl SubtitleStream {
    /// The subtitle renditions of `manifest` for variants of subtitle group `group`; the
    /// DEFAULT=YES one shows from the start, else none.
    pub fn new(manifest: &MultivariantPlaylist, group: Option<&str>) -> Self {
        let tracks = media_tracks(&manifest.renditions, MediaType::Subtitles, group);
        Self {
            selected: tracks.iter().position(|t| t.default),
            // Not `vec![None; n]`: that clones, and `Level`'s clone linked the playlist's
            // (with the two copies `Level::refresh` made, 3 KB of the gzipped wasm).
            playlists: std::iter::repeat_with(|| None).take(tracks.len()).collect(),
            failed: vec![false; tracks.len()],
            tracks,
            ..Self::default()
        }
    }

    /// The renditions.
    pub fn tracks(&self) -> &[MediaTrack] {
        &self.tracks
    }

    /// The rendition shown.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Whether `id` is one of this stream's loads.
    pub fn owns(&self, id: RequestId) -> bool {
        self.loads.contains(id)
    }

    /// When [`SubtitleStream::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.reload_at
    }

    /// Reloads the live playlist of the track shown when due.
    pub fn handle_timeout(&mut self, ctx: &mut Ctx) {
        if !self.reload_at.is_some_and(|at| at <= ctx.now_ms) {
            return;
        }
        self.reload_at = None;
        let Some(track) = self.selected else {
            return;
        };
        if let Some(url) = self.tracks.get(track).and_then(|t| t.url.clone())
            && !self
                .loads
                .values()
                .any(|(t, sn, _)| *t == track && sn.is_none())
        {
            let id = ctx.request(LoadKind::Playlist, url.clone(), None);
            self.loads.insert(id, (track, None, url));
        }
    }

    /// Aborts every load.
    pub fn abort_all(&mut self, out: &mut VecDeque<Output>) {
        self.loads.abort_all(out);
    }

    /// Shows rendition `id`, or none.
    pub fn select(&mut self, ctx: &mut Ctx, id: Option<usize>) -> Result<(), PlayerError> {
        if let Some(i) = id.filter(|i| *i >= self.tracks.len()) {
            return Err(PlayerError {
                kind: ErrorKind::Other,
                detail: ErrorDetail::InvalidState,
                fatal: false,
                message: format!(
                    "subtitle track {i} does not exist ({} tracks)",
                    self.tracks.len()
                ),
                url: None,
            });
        }
        if id != self.selected {
            self.abort_all(ctx.out);
            self.reload_at = None;
            // A live playlist loaded earlier is stale: load it again.
            if let Some(slot) = id.and_then(|i| self.playlists.get_mut(i))
                && slot
                    .as_ref()
                    .and_then(|l| l.details.as_ref())
                    .is_some_and(|d| !d.end_list)
            {
                *slot = None;
            }
            self.selected = id;
            ctx.emit(PlayerEvent::SubtitleTrackSwitch { id });
        }
        Ok(())
    }

    /// Loads the playlist of the rendition shown, or its next segment near the playhead.
    pub fn advance(&mut self, ctx: &mut Ctx) {
        let Some(track) = self.selected else {
            return;
        };
        if !self.loads.is_empty() || self.failed.get(track) == Some(&true) {
            return;
        }
        let Some(info) = self.tracks.get(track) else {
            return;
        };
        let Some(url) = info.url.clone() else {
            return;
        };
        let Some(level) = self.playlists.get(track).and_then(Option::as_ref) else {
            let id = ctx.request(LoadKind::Playlist, url.clone(), None);
            self.loads.insert(id, (track, None, url));
            return;
        };
        let Some(details) = level.details.as_ref() else {
            return;
        };
        let (from, to) = (
            ctx.position - BEHIND_S,
            ctx.position + ctx.config.max_buffer_length,
        );
        for (i, (&start, segment)) in level.starts.iter().zip(&details.segments).enumerate() {
            let sn = details.media_sequence + i as u64;
            if start < to && start + segment.duration > from && !self.done.contains(&(track, sn)) {
                let url = segment.url.clone();
                let id = ctx.request(LoadKind::Segment, url.clone(), segment.byte_range);
                self.loads.insert(id, (track, Some(sn), url));
                return;
            }
        }
    }

    /// A load answered with a success status. `media_offset`: seconds from media time to the
    /// player's timeline (the main SourceBuffer's timestampOffset).
    pub fn on_loaded(
        &mut self,
        ctx: &mut Ctx,
        id: RequestId,
        data: &[u8],
        media_offset: f64,
    ) -> Result<(), PlayerError> {
        let Some((track, sn, url)) = self.loads.remove(id) else {
            return Ok(());
        };
        let Some(sn) = sn else {
            return match parse_body(data, &url) {
                Ok(Playlist::Media(media)) => {
                    self.store_playlist(ctx, track, &url, media);
                    Ok(())
                }
                Ok(Playlist::Multivariant(_)) => {
                    self.give_up(track);
                    Err(error(
                        ErrorDetail::LevelParsingError,
                        format!("the subtitle playlist {url} is a multivariant playlist"),
                        url,
                    ))
                }
                Err(reason) => {
                    self.give_up(track);
                    Err(error(
                        ErrorDetail::LevelParsingError,
                        format!("the subtitle playlist {url} is not usable: {reason}"),
                        url,
                    ))
                }
            };
        };
        self.done.insert((track, sn));
        let file = webvtt::parse(data).map_err(|e| {
            error(
                ErrorDetail::FragParsingError,
                format!("{url}: {e}"),
                url.clone(),
            )
        })?;
        let offset = file
            .timestamp_map
            .map_or(0.0, |m| m.offset() + media_offset);
        let ms = |t: f64| (t * 1000.0).round() as i64;
        // A plain loop: the mapped and filtered iterator was 450 bytes of wasm more.
        let mut cues = Vec::with_capacity(file.cues.len());
        for c in file.cues {
            let (start, end) = (c.start + offset, c.end + offset);
            if self
                .emitted
                .insert((track, ms(start), ms(end), c.text.clone()))
            {
                cues.push(Cue {
                    id: c.id,
                    start,
                    end,
                    text: c.text,
                });
            }
        }
        ctx.emit(PlayerEvent::SubtitleCues { id: track, cues });
        Ok(())
    }

    fn store_playlist(&mut self, ctx: &mut Ctx, track: usize, url: &str, media: MediaPlaylist) {
        let Some(slot) = self.playlists.get_mut(track) else {
            return;
        };
        let level = slot.get_or_insert_with(|| Level::single(url));
        let changed = level.follow(media, ctx.main_level);
        let live = level.details.as_ref().filter(|d| !d.end_list);
        if let Some(details) = live
            && self.selected == Some(track)
        {
            let target = details.target_duration.max(1.0);
            let wait_s = if changed { target } else { target / 2.0 };
            self.reload_at = Some(ctx.now_ms + wait_s * 1000.0);
        }
    }

    /// Gives rendition `track` up: its playlist failed.
    fn give_up(&mut self, track: usize) {
        if let Some(failed) = self.failed.get_mut(track) {
            *failed = true;
        }
    }

    /// A load was refused as expired: it is forgotten, to be made again with a new signature
    /// once loading resumes (a playlist by a reload due then). Returns what it was.
    pub fn on_expired(&mut self, ctx: &mut Ctx, id: RequestId) -> Option<(LoadKind, String)> {
        let (_, sn, url) = self.loads.remove(id)?;
        if sn.is_some() {
            return Some((LoadKind::Segment, url));
        }
        self.reload_at = Some(ctx.now_ms);
        Some((LoadKind::Playlist, url))
    }

    /// A load failed: the segment (or the rendition, for its playlist) is given up.
    pub fn on_failed(&mut self, id: RequestId, reason: &str) -> Result<(), PlayerError> {
        let Some((track, sn, url)) = self.loads.remove(id) else {
            return Ok(());
        };
        let detail = match sn {
            Some(sn) => {
                self.done.insert((track, sn));
                ErrorDetail::FragLoadError
            }
            None => {
                self.give_up(track);
                ErrorDetail::LevelLoadError
            }
        };
        let message = load_failed("subtitles", &url, reason);
        Err(error(detail, message, url))
    }
}

fn error(detail: ErrorDetail, message: String, url: String) -> PlayerError {
    PlayerError {
        kind: ErrorKind::Network,
        detail,
        fatal: false,
        message,
        url: Some(url),
    }
}

/// A set kept as a sorted `Vec` (smaller in the wasm than a hash set of its own type).
struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    /// Adds `value`; `false` when it was there.
    fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, value);
                true
            }
        }
    }

    fn contains(&self, value: &T) -> bool {
        self.0.binary_search(value).is_ok()
    }
}
