//! Live refresh: merging a reloaded media playlist (full or EXT-X-SKIP delta) into the
//! previous one by media sequence number, so the engine's segment numbering stays stable.

use super::model::{MediaPlaylist, Segment};

/// What a merge changed, for the engine's bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeReport {
    /// Segments that slid out of the live window at the start.
    pub removed: u64,
    /// Segments that are new at the end.
    pub added: u64,
    /// Segments of an EXT-X-SKIP delta restored from the previous playlist.
    pub restored: u64,
    /// Segments present in both whose URI changed (a packager fault; the newer one is kept).
    pub changed: u64,
    /// Whether segments between the previous last and the new first are missing (the
    /// refresh came too late).
    pub gap: bool,
}

/// Why a refresh could not be merged; the previous playlist is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The refresh starts before the previous playlist (a stale or restarted stream).
    #[error("media sequence went back from {previous} to {refreshed}")]
    SequenceWentBack {
        /// EXT-X-MEDIA-SEQUENCE of the previous playlist.
        previous: u64,
        /// EXT-X-MEDIA-SEQUENCE of the refresh.
        refreshed: u64,
    },
    /// An EXT-X-SKIP delta skips segments the previous playlist does not have.
    #[error("delta update skips segments {first}..{end} that the previous playlist lacks")]
    SkippedSegmentsUnavailable {
        /// First skipped sequence number.
        first: u64,
        /// One past the last skipped sequence number.
        end: u64,
    },
}

impl MediaPlaylist {
    /// Merges `newer`, a reload of this playlist, into `self`.
    ///
    /// Segments skipped by EXT-X-SKIP are restored from `self`; discontinuity sequence
    /// numbers are recomputed across the restored part; an EXT-X-MAP missing from a delta
    /// is inherited; date ranges accumulate by ID (minus RECENTLY-REMOVED-DATERANGES) with
    /// the feature `playlist-metadata`, which reads them.
    /// Afterwards `self.skip` is `None` and `segments[i]` has sequence number
    /// `media_sequence + i`.
    pub fn merge_update(&mut self, mut newer: MediaPlaylist) -> Result<MergeReport, MergeError> {
        let old_first = self.first_segment_sequence();
        let old_end = old_first.saturating_add(self.segments.len() as u64);
        if newer.media_sequence < self.media_sequence {
            return Err(MergeError::SequenceWentBack {
                previous: self.media_sequence,
                refreshed: newer.media_sequence,
            });
        }
        let skip = newer.skip.take();
        let skipped = skip.as_ref().map_or(0, |s| s.skipped_segments);
        let listed_first = newer.media_sequence.saturating_add(skipped);
        if skipped > 0 && (newer.media_sequence < old_first || listed_first > old_end) {
            return Err(MergeError::SkippedSegmentsUnavailable {
                first: newer.media_sequence,
                end: listed_first,
            });
        }
        let mut report = MergeReport {
            removed: newer
                .media_sequence
                .saturating_sub(old_first)
                .min(old_end - old_first),
            restored: skipped,
            gap: newer.media_sequence > old_end,
            ..MergeReport::default()
        };
        for (i, s) in newer.segments.iter().enumerate() {
            let sequence = listed_first.saturating_add(i as u64);
            if sequence >= old_end {
                report.added += 1;
            } else if let Some(old) =
                index_from(old_first, sequence).and_then(|i| self.segments.get(i))
                && old.uri != s.uri
            {
                report.changed += 1;
            }
        }
        if skipped > 0 {
            // Both indices are within `self.segments`: checked above.
            let from = index_from(old_first, newer.media_sequence).unwrap_or(0);
            let to = index_from(old_first, listed_first).unwrap_or(from);
            let mut segments: Vec<Segment> =
                Vec::with_capacity(to.saturating_sub(from) + newer.segments.len());
            segments.extend(self.segments.drain(from..to));
            let mut sequence = segments
                .last()
                .map_or(newer.discontinuity_sequence, |s| s.discontinuity_sequence);
            let mut map = segments.last().and_then(|s| s.map.clone());
            for s in &mut newer.segments {
                if s.discontinuity {
                    sequence += 1;
                }
                s.discontinuity_sequence = sequence;
                match &s.map {
                    Some(m) => map = Some(m.clone()),
                    None => s.map = map.clone(),
                }
            }
            segments.append(&mut newer.segments);
            newer.segments = segments;
        }

        #[cfg(feature = "playlist-metadata")]
        merge_date_ranges(&mut self.date_ranges, &mut newer, skip.as_ref());
        *self = newer;
        Ok(report)
    }
}

/// Puts the date ranges of `previous` that `newer` neither repeats (by ID) nor lists as
/// recently removed before those of `newer`.
///
/// Only with `playlist-metadata`, which reads date ranges (without it a parsed playlist has
/// none, and a refresh keeps its own): its hash sets were 900 bytes of the wasm.
#[cfg(feature = "playlist-metadata")]
fn merge_date_ranges(
    previous: &mut Vec<super::model::DateRange>,
    newer: &mut MediaPlaylist,
    skip: Option<&super::model::Skip>,
) {
    use std::collections::HashSet;
    let removed_ids: HashSet<&str> = skip
        .iter()
        .flat_map(|s| s.recently_removed_dateranges.iter().map(String::as_str))
        .collect();
    let newer_ids: HashSet<&str> = newer.date_ranges.iter().map(|d| d.id.as_str()).collect();
    let mut date_ranges: Vec<_> = std::mem::take(previous)
        .into_iter()
        .filter(|d| !newer_ids.contains(d.id.as_str()) && !removed_ids.contains(d.id.as_str()))
        .collect();
    date_ranges.append(&mut newer.date_ranges);
    newer.date_ranges = date_ranges;
}

/// Index of `sequence` in a segment list starting at `first`.
fn index_from(first: u64, sequence: u64) -> Option<usize> {
    usize::try_from(sequence.checked_sub(first)?).ok()
}
