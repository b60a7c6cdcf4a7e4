//! A level (variant) of the title as the engine tracks it.

use super::LevelSummary;
use crate::abr::LevelInfo;
use crate::hls::{MediaPlaylist, Segment, Variant};

/// Codecs assumed when neither the playlist nor the media says (H.264 main + AAC-LC).
const DEFAULT_CODECS: &str = "avc1.4d401f,mp4a.40.2";

/// A level and, once loaded, its media playlist with segment start times.
#[derive(Debug)]
pub(super) struct Level {
    pub summary: LevelSummary,
    pub info: LevelInfo,
    pub details: Option<MediaPlaylist>,
    /// Start time in seconds of each segment of `details`.
    pub starts: Vec<f64>,
    /// Content-steering pathway (PATHWAY-ID) of `summary.url`.
    pub pathway: Option<String>,
    /// Redundant streams of the same variant (same STABLE-VARIANT-ID, else the same bitrate,
    /// size and codecs), to fail over to, with their pathways: the preferred pathway's first.
    pub backups: Vec<(String, Option<String>)>,
    /// STABLE-VARIANT-ID.
    stable_id: Option<String>,
    /// Whether the level (and its backups) failed for good.
    pub failed: bool,
}

impl Level {
    /// Levels from a multivariant playlist's variants, lowest bitrate first (playlist order
    /// among equals). Variants of the first variant's pathway are the primaries; the same
    /// variant on another pathway is a backup.
    pub fn from_variants(variants: &[Variant]) -> Vec<Self> {
        let preferred = variants.first().and_then(|v| v.pathway_id.as_ref());
        // A variant repeating another's bitrate, size and codecs is its backup stream.
        // Kept sorted by bitrate as it is built (after equal bitrates: stable), rather than
        // sorted after: a slice sort would link another copy of the standard library's sort.
        let mut unique: Vec<Self> = Vec::with_capacity(variants.len());
        // The preferred pathway's variants first, each group in playlist order. Two plain
        // loops: a filtered, chained and mapped iterator was 450 bytes more of the wasm.
        for first_group in [true, false] {
            for v in variants {
                if (v.pathway_id.as_ref() == preferred) != first_group {
                    continue;
                }
                let level = Self::of_variant(v);
                match unique.iter_mut().find(|u| u.same_variant(&level)) {
                    Some(primary) => primary.backups.push((level.summary.url, level.pathway)),
                    None => {
                        let bitrate = level.info.bitrate;
                        let at =
                            unique.partition_point(|u| u.info.bitrate.total_cmp(&bitrate).is_le());
                        unique.insert(at, level);
                    }
                }
            }
        }
        unique
    }

    /// The level of one variant.
    fn of_variant(v: &Variant) -> Self {
        let (width, height) = v.resolution.map_or((0, 0), |r| (r.width, r.height));
        Self {
            summary: LevelSummary {
                bitrate: v.bandwidth,
                width,
                height,
                codecs: v.codecs.clone().unwrap_or_default(),
                url: v.url.clone(),
            },
            info: LevelInfo {
                bitrate: v.average_bandwidth.unwrap_or(v.bandwidth) as f64,
                width,
                height,
            },
            details: None,
            starts: Vec::new(),
            pathway: v.pathway_id.clone(),
            backups: Vec::new(),
            stable_id: v.stable_variant_id.clone(),
            failed: false,
        }
    }

    /// Whether `other` is the same variant (stable id, else bitrate, size and codecs).
    pub fn same_variant(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (&self.stable_id, &other.stable_id) {
            return a == b;
        }
        let (a, b) = (&self.summary, &other.summary);
        a.bitrate == b.bitrate && a.width == b.width && a.height == b.height && a.codecs == b.codecs
    }

    /// Moves to the next backup stream; `false` when none is left.
    pub fn use_next_backup(&mut self) -> bool {
        if self.backups.is_empty() {
            return false;
        }
        let (url, pathway) = self.backups.remove(0);
        self.summary.url = url;
        self.pathway = pathway;
        self.details = None;
        true
    }

    /// Moves to this variant's stream on `pathway`, if it has one there and is elsewhere;
    /// returns whether it moved.
    pub fn use_pathway(&mut self, pathway: &str) -> bool {
        if self.pathway.as_deref() == Some(pathway) {
            return false;
        }
        let Some(i) = self
            .backups
            .iter()
            .position(|(_, p)| p.as_deref() == Some(pathway))
        else {
            return false;
        };
        let (url, pathway) = self.backups.remove(i);
        self.summary.url = url;
        self.pathway = pathway;
        self.details = None;
        true
    }

    /// The only level of a title given as a media playlist.
    pub fn single(url: &str) -> Self {
        Self {
            summary: LevelSummary {
                bitrate: 0,
                width: 0,
                height: 0,
                codecs: String::new(),
                url: url.to_owned(),
            },
            info: LevelInfo {
                bitrate: 0.0,
                width: 0,
                height: 0,
            },
            details: None,
            starts: Vec::new(),
            pathway: None,
            backups: Vec::new(),
            stable_id: None,
            failed: false,
        }
    }

    /// Stores a freshly loaded media playlist, its first segment at 0 s.
    pub fn set_details(&mut self, details: MediaPlaylist) {
        self.place(details, 0.0);
    }

    /// Stores a media playlist whose first segment starts at `first_start` seconds.
    pub fn place(&mut self, details: MediaPlaylist, first_start: f64) {
        let mut t = first_start;
        let mut starts = Vec::with_capacity(details.segments.len());
        for s in &details.segments {
            starts.push(t);
            t += s.duration;
        }
        self.starts = starts;
        self.details = Some(details);
    }

    /// Takes the media playlist of a rendition that follows `main` (alternate audio,
    /// subtitles): the first one is placed where `main` has the same media sequence number
    /// (live; VOD playlists both start at 0), later ones are refreshes. Returns whether
    /// anything changed.
    pub fn follow(&mut self, media: MediaPlaylist, main: Option<&Level>) -> bool {
        if self.details.is_some() {
            return self.refresh(media);
        }
        let aligned = main
            .filter(|_| !media.end_list)
            .and_then(|m| m.segment_times(media.media_sequence))
            .map_or(0.0, |(start, _)| start);
        self.place(media, aligned);
        true
    }

    /// Merges a refreshed live playlist, keeping every segment's time: segments that stay keep
    /// their start, new ones follow. Returns whether anything changed; a refresh that cannot be
    /// merged (the sequence went back) replaces the playlist, timed from the old first segment.
    pub fn refresh(&mut self, newer: MediaPlaylist) -> bool {
        let Some(old) = self.details.as_ref() else {
            self.set_details(newer);
            return true;
        };
        let old_first_start = self.starts.first().copied().unwrap_or(0.0);
        // The window moved past everything known: continue from the old end.
        let old_end = self.end().unwrap_or(old_first_start);
        if !mergeable(old, &newer) {
            let first = if newer.media_sequence == old.media_sequence {
                old_first_start
            } else {
                old_end
            };
            self.place(newer, first);
            return true;
        }
        // The merged playlist starts at the refresh's media sequence number.
        let first = self
            .segment_times(newer.media_sequence)
            .map_or(old_end, |(start, _)| start);
        let old_end_list = old.end_list;
        let Some(mut merged) = self.details.take() else {
            return false;
        };
        match merged.merge_update(newer) {
            Ok(report) => {
                let changed = report.added > 0
                    || report.removed > 0
                    || report.changed > 0
                    || merged.end_list != old_end_list;
                self.place(merged, first);
                changed
            }
            // Not reached (`mergeable` said yes); the merge leaves the playlist as it was.
            Err(_) => {
                self.details = Some(merged);
                false
            }
        }
    }

    /// End of the last segment, in seconds.
    pub fn end(&self) -> Option<f64> {
        let details = self.details.as_ref()?;
        Some(self.starts.last()? + details.segments.last()?.duration)
    }

    /// The codecs to open the SourceBuffer with.
    pub fn codecs(&self) -> &str {
        if self.summary.codecs.is_empty() {
            DEFAULT_CODECS
        } else {
            &self.summary.codecs
        }
    }

    /// Index of the segment holding `time`; a time within 50 ms of a segment's end counts as the
    /// next segment, so rounding never loads a segment twice.
    pub fn segment_at(&self, time: f64) -> Option<usize> {
        let details = self.details.as_ref()?;
        const EPSILON: f64 = 0.05;
        let index = self.starts.partition_point(|&s| s <= time + EPSILON);
        let index = index.checked_sub(1)?;
        let end = self.starts[index] + details.segments[index].duration;
        (time + EPSILON < end).then_some(index)
    }

    /// The segment with media sequence number `sn`.
    pub fn segment(&self, sn: u64) -> Option<&Segment> {
        let details = self.details.as_ref()?;
        let index = usize::try_from(sn.checked_sub(details.media_sequence)?).ok()?;
        details.segments.get(index)
    }

    /// Start and end in seconds of the segment with media sequence number `sn`.
    pub fn segment_times(&self, sn: u64) -> Option<(f64, f64)> {
        let details = self.details.as_ref()?;
        let index = usize::try_from(sn.checked_sub(details.media_sequence)?).ok()?;
        let start = *self.starts.get(index)?;
        Some((start, start + details.segments.get(index)?.duration))
    }
}

/// Whether [`MediaPlaylist::merge_update`] takes `newer` into `old`: the refusals it makes, asked
/// first because the merge consumes `newer`, which a refusal then replaces `old` with; this
/// spares a copy of the playlist made for that case (`MediaPlaylist::clone` was 2.3 KB of the
/// wasm).
fn mergeable(old: &MediaPlaylist, newer: &MediaPlaylist) -> bool {
    if newer.media_sequence < old.media_sequence {
        return false;
    }
    let skipped = newer.skip.as_ref().map_or(0, |s| s.skipped_segments);
    let old_first = old.first_segment_sequence();
    let old_end = old_first.saturating_add(old.segments.len() as u64);
    let listed_first = newer.media_sequence.saturating_add(skipped);
    skipped == 0 || (newer.media_sequence >= old_first && listed_first <= old_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hls::Skip;

    fn playlist(media_sequence: u64, segments: usize, skipped: u64) -> MediaPlaylist {
        MediaPlaylist {
            media_sequence,
            segments: (0..segments)
                .map(|i| Segment {
                    uri: format!("{i}.ts"),
                    duration: 4.0,
                    ..Segment::default()
                })
                .collect(),
            skip: (skipped > 0).then(|| Skip {
                skipped_segments: skipped,
                recently_removed_dateranges: Vec::new(),
            }),
            ..MediaPlaylist::default()
        }
    }

    #[test]
    fn mergeable_answers_as_the_merge_does() {
        let mut refused = 0;
        for old_skip in [0, 2] {
            for newer_sequence in 0..12 {
                for skipped in [0, 1, 3, 6, 9] {
                    let old = playlist(4, 5, old_skip);
                    let newer = playlist(newer_sequence, 3, skipped);
                    let merged = old.clone().merge_update(newer.clone()).is_ok();
                    assert_eq!(
                        mergeable(&old, &newer),
                        merged,
                        "{old_skip} {newer_sequence} {skipped}"
                    );
                    refused += usize::from(!merged);
                }
            }
        }
        assert!(refused > 10, "the cases include refusals");
    }

    #[test]
    fn a_refresh_that_cannot_be_merged_replaces_the_playlist() {
        let mut level = Level::single("https://example.com/a.m3u8");
        level.place(playlist(10, 3, 0), 40.0);
        assert!(level.refresh(playlist(7, 2, 0)));
        assert_eq!(level.starts, [52.0, 56.0]);
        assert!(level.refresh(playlist(7, 4, 0)));
        assert_eq!(level.starts, [52.0, 56.0, 60.0, 64.0]);
        assert_eq!(level.details.as_ref().map(|d| d.segments.len()), Some(4));
        assert!(!level.refresh(playlist(7, 4, 0)));
        // A delta skipping segments the level lacks, at the same sequence: from the old start.
        assert!(level.refresh(playlist(7, 3, 6)));
        assert_eq!(level.starts, [52.0, 56.0, 60.0]);
    }
}
