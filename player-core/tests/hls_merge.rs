//! Live refresh: merging reloaded media playlists by media sequence and EXT-X-SKIP.

use player_core::hls::*;

const BASE: &str = "https://live.example/ch1/index.m3u8";

fn media(text: &str) -> MediaPlaylist {
    match parse_playlist(text, BASE).unwrap() {
        Playlist::Media(m) => m,
        Playlist::Multivariant(_) => panic!("media expected"),
    }
}

/// A live playlist with segments `first..first + count`, a discontinuity before `disc_at`.
fn live(first: u64, count: u64, disc_at: Option<u64>) -> String {
    let mut s = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-MAP:URI=\"init.mp4\"\n"
    );
    for n in (0..count).map(|i| first.saturating_add(i)) {
        if disc_at == Some(n) {
            s.push_str("#EXT-X-DISCONTINUITY\n");
        }
        s.push_str(&format!("#EXTINF:4,\nseg{n}.m4s\n"));
    }
    s
}

fn uris(m: &MediaPlaylist) -> Vec<String> {
    m.segments.iter().map(|s| s.uri.clone()).collect()
}

#[test]
fn sliding_window_refresh_reports_removed_and_added() {
    let mut old = media(&live(100, 5, None));
    let report = old.merge_update(media(&live(102, 5, None))).unwrap();
    assert_eq!(
        report,
        MergeReport {
            removed: 2,
            added: 2,
            restored: 0,
            changed: 0,
            gap: false
        }
    );
    assert_eq!(old.media_sequence, 102);
    assert_eq!(
        uris(&old),
        [
            "seg102.m4s",
            "seg103.m4s",
            "seg104.m4s",
            "seg105.m4s",
            "seg106.m4s"
        ]
    );
}

#[test]
fn late_refresh_reports_a_gap_and_changed_uris() {
    let mut old = media(&live(100, 3, None));
    let report = old.merge_update(media(&live(110, 3, None))).unwrap();
    assert!(report.gap);
    assert_eq!(report.removed, 3);
    assert_eq!(report.added, 3);

    let mut old = media(&live(100, 3, None));
    let changed = live(100, 3, None).replace("seg101.m4s", "other101.m4s");
    assert_eq!(old.merge_update(media(&changed)).unwrap().changed, 1);
}

#[test]
fn going_back_is_refused_and_leaves_the_playlist_alone() {
    let mut old = media(&live(100, 3, None));
    let before = old.clone();
    assert_eq!(
        old.merge_update(media(&live(99, 3, None))),
        Err(MergeError::SequenceWentBack {
            previous: 100,
            refreshed: 99
        })
    );
    assert_eq!(old, before);
}

#[test]
fn delta_update_restores_skipped_segments() {
    let mut old = media(&live(266, 6, Some(268)));
    old.date_ranges = media(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n\
         #EXT-X-DATERANGE:ID=\"keep\",START-DATE=\"2024-01-01T00:00:00Z\"\n\
         #EXT-X-DATERANGE:ID=\"gone\",START-DATE=\"2024-01-01T00:00:00Z\"\n",
    )
    .date_ranges;
    // Skips 267..270, lists 270..274; no EXT-X-MAP repeated.
    let delta = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:267\n\
        #EXT-X-SKIP:SKIPPED-SEGMENTS=3,RECENTLY-REMOVED-DATERANGES=\"gone\"\n\
        #EXTINF:4,\nseg270.m4s\n#EXTINF:4,\nseg271.m4s\n#EXT-X-DISCONTINUITY\n\
        #EXTINF:4,\nseg272.m4s\n#EXTINF:4,\nseg273.m4s\n";
    let report = old.merge_update(media(delta)).unwrap();
    assert_eq!(
        report,
        MergeReport {
            removed: 1,
            added: 2,
            restored: 3,
            changed: 0,
            gap: false
        }
    );
    assert_eq!(old.skip, None);
    assert_eq!(old.media_sequence, 267);
    assert_eq!(
        uris(&old),
        [
            "seg267.m4s",
            "seg268.m4s",
            "seg269.m4s",
            "seg270.m4s",
            "seg271.m4s",
            "seg272.m4s",
            "seg273.m4s"
        ]
    );
    let discs: Vec<_> = old
        .segments
        .iter()
        .map(|s| s.discontinuity_sequence)
        .collect();
    assert_eq!(discs, [0, 1, 1, 1, 1, 2, 2]);
    assert!(
        old.segments
            .iter()
            .all(|s| s.map.as_ref().unwrap().uri == "init.mp4")
    );
    let ids: Vec<_> = old.date_ranges.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["keep"]);
    // The merged playlist writes out as a full playlist again.
    let text = write_playlist(&Playlist::Media(old.clone()));
    assert!(!text.contains("EXT-X-SKIP"));
    assert_eq!(media(&text).segments, old.segments);
}

#[test]
fn delta_skipping_unknown_segments_is_refused() {
    let mut old = media(&live(300, 3, None));
    let delta = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:301\n\
        #EXT-X-SKIP:SKIPPED-SEGMENTS=5\n#EXTINF:4,\nseg306.m4s\n";
    assert_eq!(
        old.merge_update(media(delta)),
        Err(MergeError::SkippedSegmentsUnavailable {
            first: 301,
            end: 306
        })
    );
    assert_eq!(old.segments.len(), 3);
}

#[test]
fn sequence_numbers_near_the_top_of_u64_do_not_overflow() {
    let top = u64::MAX - 5;
    let mut old = media(&live(top, 3, None));
    let report = old.merge_update(media(&live(top, 4, None))).unwrap();
    assert_eq!(report.removed, 0);
    assert_eq!(old.segments.len(), 4);
    let delta = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:{top}\n\
         #EXT-X-SKIP:SKIPPED-SEGMENTS=2\n#EXTINF:4,\nlast.m4s\n"
    );
    let restored = old.merge_update(media(&delta)).unwrap();
    assert_eq!(restored.restored, 2);
    assert_eq!(uris(&old)[0], format!("seg{top}.m4s"));
    assert_eq!(uris(&old)[2], "last.m4s");
    let beyond = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:{}\n\
         #EXT-X-SKIP:SKIPPED-SEGMENTS=9\n#EXTINF:4,\nx.m4s\n#EXTINF:4,\ny.m4s\n",
        u64::MAX - 1
    );
    assert_eq!(
        old.merge_update(media(&beyond)),
        Err(MergeError::SkippedSegmentsUnavailable {
            first: u64::MAX - 1,
            end: u64::MAX
        })
    );
}
