//! Subtitle renditions as the video element's TextTracks: one per rendition, created when the
//! engine lists them, filled with `VTTCue`s as their segments are parsed, `showing` for the
//! track selected and `disabled` for the others.

use crate::js;
use player_core::engine::{Cue, MediaTrack, PlayerEvent};
use web_sys::{HtmlVideoElement, TextTrack, TextTrackKind, VttCue};

/// The TextTracks of the current title, by subtitle track index.
#[derive(Default)]
pub struct TextTracks {
    tracks: Vec<TextTrack>,
}

impl TextTracks {
    /// Carries out a subtitle event of the engine; other events are ignored.
    pub fn on_event(&mut self, video: &HtmlVideoElement, event: &PlayerEvent) {
        match event {
            // A new title: the last one's tracks must not keep showing its cues.
            PlayerEvent::ManifestLoading { .. } => self.create(video, &[]),
            PlayerEvent::SubtitleTracksUpdated { tracks } => self.create(video, tracks),
            PlayerEvent::SubtitleTrackSwitch { id } => self.show(*id),
            PlayerEvent::SubtitleCues { id, cues } => self.add_cues(*id, cues),
            _ => {}
        }
    }

    /// Replaces the tracks of an earlier title (a media element cannot drop a TextTrack made
    /// with `addTextTrack`; they are disabled) with one per rendition.
    fn create(&mut self, video: &HtmlVideoElement, tracks: &[MediaTrack]) {
        self.show(None);
        self.tracks = tracks
            .iter()
            .map(|t| {
                let track = video.add_text_track_with_label_and_language(
                    TextTrackKind::Subtitles,
                    &t.name,
                    &t.lang,
                );
                js::put(&track, "mode", &"disabled".into());
                track
            })
            .collect();
    }

    fn show(&self, id: Option<usize>) {
        for (i, track) in self.tracks.iter().enumerate() {
            let mode = if Some(i) == id { "showing" } else { "disabled" };
            js::put(track, "mode", &mode.into());
        }
    }

    fn add_cues(&self, id: usize, cues: &[Cue]) {
        let Some(track) = self.tracks.get(id) else {
            return;
        };
        for cue in cues {
            // VTTCue's constructor throws only for non-finite times, which the parser never
            // makes.
            if let Ok(vtt) = VttCue::new(cue.start, cue.end, &cue.text) {
                if !cue.id.is_empty() {
                    js::put(&vtt, "id", &cue.id.as_str().into());
                }
                track.add_cue(&vtt);
            }
        }
    }
}
