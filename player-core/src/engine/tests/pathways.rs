//! Backup pathways (PATHWAY-ID), on the simulated network and clock.

use super::*;

const STEERED: &str = "https://cdn.test/steered/master.m3u8";

/// Pathway "A" (listed first, so preferred) is on a host that answers 404 to everything;
/// pathway "B" serves the title. Variants match by STABLE-VARIANT-ID although B's bandwidths
/// differ, and the list interleaves the pathways.
fn steered_sim() -> Sim {
    let mut sim = Sim::new(Config {
        start_level: Some(0),
        ..Config::default()
    });
    let master = "#EXTM3U\n\
        #EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\",PATHWAY-ID=\"A\",STABLE-VARIANT-ID=\"low\"\nhttps://down.test/low/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=3600000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\",PATHWAY-ID=\"B\",STABLE-VARIANT-ID=\"high\"\nhttps://cdn.test/vod/high/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=3500000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\",PATHWAY-ID=\"A\",STABLE-VARIANT-ID=\"high\"\nhttps://down.test/high/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=410000,RESOLUTION=416x234,CODECS=\"avc1.4d400d,mp4a.40.2\",PATHWAY-ID=\"B\",STABLE-VARIANT-ID=\"low\"\nhttps://cdn.test/vod/low/index.m3u8\n";
    sim.files
        .insert(STEERED.to_owned(), (200, master.as_bytes().to_vec()));
    sim
}

#[test]
fn variants_on_other_pathways_are_backups_of_the_preferred_pathway() {
    let mut sim = steered_sim();
    sim.load(STEERED);
    assert!(sim.answer_one());
    let levels = sim.engine.levels();
    let urls: Vec<_> = levels.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://down.test/low/index.m3u8",
            "https://down.test/high/index.m3u8"
        ],
        "one level per STABLE-VARIANT-ID, on pathway A"
    );
    assert_eq!(levels[1].bitrate, 3_500_000);
}

#[test]
fn a_failing_pathway_moves_every_level_to_the_backup_pathway() {
    let mut sim = steered_sim();
    sim.load(STEERED);
    sim.run(15_000.0);
    let errors = sim.errors();
    assert!(errors.iter().all(|e| !e.fatal), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("; switching to its backup stream ")
                && e.message.ends_with(", levels to pathway B")),
        "{errors:?}"
    );
    assert!(
        sim.urls(LoadKind::Segment)
            .contains(&"https://cdn.test/vod/low/seg_000.m4s")
    );
    // Level 1 was never loaded on A: it follows to B without failing there first.
    sim.engine.set_current_level(sim.now, Some(1));
    sim.run(sim.now + 10_000.0);
    let playlists = sim.urls(LoadKind::Playlist);
    assert!(
        playlists.contains(&"https://cdn.test/vod/high/index.m3u8"),
        "{playlists:?}"
    );
    assert!(!playlists.contains(&"https://down.test/high/index.m3u8"));
    assert_eq!(
        sim.engine.levels()[1].url,
        "https://cdn.test/vod/high/index.m3u8"
    );
    assert!(
        sim.urls(LoadKind::Segment)
            .iter()
            .any(|u| u.starts_with("https://cdn.test/vod/high/"))
    );
}
