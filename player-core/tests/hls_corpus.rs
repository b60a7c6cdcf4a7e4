//! The fixture corpus: every playlist parses, writes back to an equal model, and the tags
//! and quirks each file is about come out as specified.

use std::path::PathBuf;
use std::sync::Arc;

use player_core::hls::*;

const BASE: &str = "https://cdn.example/title/index.m3u8?token=abc123";

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hls");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "m3u8"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("utf-8 fixture"))
        })
        .collect();
    out.sort();
    out
}

fn fixture(name: &str) -> Playlist {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/hls")
            .join(name),
    )
    .unwrap();
    parse_playlist(&text, BASE).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn media(name: &str) -> MediaPlaylist {
    match fixture(name) {
        Playlist::Media(m) => m,
        Playlist::Multivariant(_) => panic!("{name} is not a media playlist"),
    }
}

fn multivariant(name: &str) -> MultivariantPlaylist {
    match fixture(name) {
        Playlist::Multivariant(m) => m,
        Playlist::Media(_) => panic!("{name} is not a multivariant playlist"),
    }
}

#[test]
fn corpus_has_at_least_60_playlists_and_all_round_trip() {
    let all = fixtures();
    assert!(all.len() >= 60, "only {} fixtures", all.len());
    for (name, text) in &all {
        let parsed = parse_playlist(text, BASE).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = write_playlist(&parsed);
        let reparsed = parse_playlist(&written, BASE)
            .unwrap_or_else(|e| panic!("{name} rewritten: {e}\n{written}"));
        assert_eq!(parsed, reparsed, "{name} does not round-trip:\n{written}");
        // Writing is a fixed point after one round.
        assert_eq!(write_playlist(&reparsed), written, "{name}");
    }
}

#[test]
fn truncated_playlists_never_panic() {
    for (name, text) in fixtures() {
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = parse_playlist(&text[..cut], BASE);
        }
        let _ = name;
    }
}

#[test]
fn implicit_byte_range_offsets_follow_the_previous_range() {
    let m = media("media-byterange-implicit.m3u8");
    let ranges: Vec<_> = m
        .segments
        .iter()
        .map(|s| s.byte_range.map(|r| (r.offset, r.length)))
        .collect();
    assert_eq!(
        ranges,
        vec![
            Some((0, 75232)),
            Some((75232, 82112)),
            Some((157344, 69864)),
            Some((500000, 1000)),
            Some((501000, 4000)),
        ]
    );
    assert_eq!(m.segments[1].byte_range.unwrap().last_byte(), 157343);
    assert_eq!(m.playlist_type, Some(PlaylistType::Vod));
    assert!((m.total_duration() - 44.5).abs() < 1e-9);
}

#[test]
fn map_with_byte_range_is_shared_between_segments() {
    let m = media("media-map-byterange.m3u8");
    let map = m.segments[0].map.clone().unwrap();
    assert_eq!(map.url, "https://cdn.example/title/main.mp4");
    assert_eq!(
        map.byte_range,
        Some(ByteRange {
            offset: 0,
            length: 720
        })
    );
    assert!(
        m.segments
            .iter()
            .all(|s| Arc::ptr_eq(s.map.as_ref().unwrap(), &map))
    );
    assert_eq!(
        m.segments[2].byte_range,
        Some(ByteRange {
            offset: 609331,
            length: 150022
        })
    );
    let changes = media("media-map-changes.m3u8");
    let maps: Vec<_> = changes
        .segments
        .iter()
        .map(|s| s.map.as_ref().unwrap().uri.as_str())
        .collect();
    assert_eq!(
        maps,
        [
            "content/init.mp4",
            "content/init.mp4",
            "ad/init.mp4",
            "content/init.mp4"
        ]
    );
    let seqs: Vec<_> = changes
        .segments
        .iter()
        .map(|s| s.discontinuity_sequence)
        .collect();
    assert_eq!(seqs, [0, 0, 1, 2]);
}

#[test]
fn keys_switch_and_none_clears() {
    let m = media("media-key-switching.m3u8");
    let k0 = m.segments[0].key.as_ref().unwrap();
    assert_eq!(k0.method, KeyMethod::Aes128);
    assert_eq!(
        k0.url.as_deref(),
        Some("https://cdn.example/title/keys/1.key")
    );
    assert_eq!(k0.iv.unwrap()[15], 1);
    assert!(m.segments[1].key.is_none());
    let k2 = m.segments[2].key.as_ref().unwrap();
    assert_eq!(k2.uri.as_deref(), Some("keys/2.key"));
    assert_eq!(k2.iv, None);
    assert!(Arc::ptr_eq(k2, m.segments[3].key.as_ref().unwrap()));
}

#[test]
fn several_keyformats_are_all_kept() {
    let m = media("media-sample-aes-multikey.m3u8");
    let s = &m.segments[0];
    let all = s.keys.as_ref().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0].keyformat.as_deref(),
        Some("com.apple.streamingkeydelivery")
    );
    assert_eq!(
        all[1].keyformat.as_deref(),
        Some("urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed")
    );
    assert_eq!(all[0].keyformat_versions.as_deref(), Some("1"));
    assert!(
        all[1]
            .url
            .as_deref()
            .unwrap()
            .starts_with("data:text/plain;base64,AAAAW3Bzc2g")
    );
    assert_eq!(s.key.as_deref(), Some(&all[0]));
    assert_eq!(s.key.as_ref().unwrap().method, KeyMethod::SampleAes);
}

#[test]
fn hex_ivs_are_case_insensitive() {
    let m = media("media-iv-lowercase.m3u8");
    assert_eq!(
        m.segments[0].key.as_ref().unwrap().iv,
        Some([
            0xde, 0xad, 0xbe, 0xef, 0xca, 0xfe, 0xba, 0xbe, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
            0x66, 0x77
        ])
    );
    assert_eq!(m.segments[1].key.as_ref().unwrap().iv.unwrap()[0], 0xab);
    let short = media("media-key-before-map-per-discontinuity.m3u8");
    assert_eq!(
        short.segments[1].key.as_ref().unwrap().iv,
        Some([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    );
    assert_eq!(
        short.segments[0].map.as_ref().unwrap().byte_range,
        Some(ByteRange {
            offset: 0,
            length: 1000
        })
    );
}

#[test]
fn program_date_times_keep_text_and_convert_to_epoch() {
    let m = media("media-program-date-time.m3u8");
    let ms: Vec<_> = m
        .segments
        .iter()
        .map(|s| s.program_date_time_ms().unwrap())
        .collect();
    assert_eq!(ms[0], 1_714_564_800_000.0);
    assert_eq!(ms[1] - ms[0], 6000.0);
    assert_eq!(ms[2] - ms[0], 12500.0);
    assert_eq!(ms[3] - ms[0], 18000.0);
    assert_eq!(
        m.segments[3].program_date_time.as_deref(),
        Some("2024-05-01T07:00:18-05:00")
    );
    let ff = media("ffmpeg-pdt.m3u8");
    assert!(
        ff.segments
            .iter()
            .all(|s| s.program_date_time_ms().is_some())
    );
}

#[test]
fn date_ranges_with_scte35_and_client_attributes() {
    let m = media("media-daterange-scte35.m3u8");
    assert_eq!(m.date_ranges.len(), 4);
    let out = &m.date_ranges[0];
    assert_eq!(out.id, "splice-6FFFFFF0");
    assert_eq!(out.planned_duration, Some(59.993));
    assert!(out.scte35_out.as_deref().unwrap().starts_with("0xFC002F"));
    let ad = &m.date_ranges[2];
    assert_eq!(ad.class.as_deref(), Some("com.example.ad"));
    assert_eq!(ad.scte35_cmd.as_deref(), Some("0xFC0000"));
    assert_eq!(
        ad.client_attributes,
        vec![
            (
                "X-AD-ID".to_owned(),
                AttributeValue::String("creative-77".into())
            ),
            ("X-PRIORITY".to_owned(), AttributeValue::Number("3".into())),
            ("X-BLOB".to_owned(), AttributeValue::Hex("0xAB12".into())),
        ]
    );
    assert!(m.date_ranges[3].end_on_next);
    let i = media("media-interstitial.m3u8");
    assert_eq!(i.date_ranges[0].cue.as_deref(), Some("PRE,ONCE"));
    assert_eq!(i.date_ranges[1].duration, Some(15.0));
}

#[test]
fn gap_bitrate_and_i_frames_only() {
    let g = media("media-gap.m3u8");
    assert_eq!(
        g.segments.iter().map(|s| s.gap).collect::<Vec<_>>(),
        [false, true, false]
    );
    let b = media("media-bitrate.m3u8");
    assert_eq!(
        b.segments.iter().map(|s| s.bitrate).collect::<Vec<_>>(),
        [Some(1500), Some(1500), Some(2200)]
    );
    let i = media("media-i-frames-only.m3u8");
    assert!(i.i_frames_only);
    assert_eq!(
        i.segments[2].byte_range,
        Some(ByteRange {
            offset: 621904,
            length: 10340
        })
    );
}

#[test]
fn discontinuity_sequence_counts_from_the_tag() {
    let m = media("media-discontinuity-sequence.m3u8");
    assert_eq!(m.media_sequence, 3000);
    let seqs: Vec<_> = m
        .segments
        .iter()
        .map(|s| s.discontinuity_sequence)
        .collect();
    assert_eq!(seqs, [12, 13, 13, 14]);
}

#[test]
fn low_latency_tags() {
    let m = media("ll-hls-parts.m3u8");
    let sc = m.server_control.unwrap();
    assert!(sc.can_block_reload);
    assert_eq!(sc.can_skip_until, Some(24.0));
    assert_eq!(sc.part_hold_back, Some(3.012));
    assert_eq!(m.part_target, Some(1.004));
    assert_eq!(m.segments.len(), 3);
    assert_eq!(m.segments[2].parts.len(), 4);
    assert!(m.segments[2].parts[0].independent);
    assert_eq!(m.trailing_parts.len(), 2);
    assert!(m.trailing_parts[1].gap);
    assert_eq!(m.preload_hints[0].hint_type, PreloadHintType::Part);
    assert_eq!(
        m.preload_hints[0].url,
        "https://cdn.example/title/filePart269.2.mp4"
    );
    assert_eq!(
        m.rendition_reports[1].url,
        "https://cdn.example/4M/waitForMSN.php"
    );
    assert_eq!(m.rendition_reports[1].last_msn, Some(269));
    assert_eq!(m.rendition_reports[1].last_part, Some(1));

    let d = media("ll-hls-delta-skip.m3u8");
    let skip = d.skip.as_ref().unwrap();
    assert_eq!(skip.skipped_segments, 3);
    assert_eq!(skip.recently_removed_dateranges, ["splice-1", "splice-2"]);
    assert_eq!(d.first_segment_sequence(), 269);

    let b = media("ll-hls-byterange-parts.m3u8");
    let ranges: Vec<_> = b.segments[0]
        .parts
        .iter()
        .map(|p| p.byte_range.unwrap())
        .collect();
    assert_eq!(
        ranges[1],
        ByteRange {
            offset: 20000,
            length: 18000
        }
    );
    assert_eq!(
        ranges[2],
        ByteRange {
            offset: 38000,
            length: 19000
        }
    );
    assert_eq!(b.preload_hints[0].byterange_start, Some(21000));
    assert_eq!(b.preload_hints[1].hint_type, PreloadHintType::Map);
    assert_eq!(b.server_control.unwrap().hold_back, Some(12.0));
}

#[test]
fn unknown_tags_are_kept_in_order() {
    let m = media("media-unknown-tags.m3u8");
    assert_eq!(
        m.segments[0].unknown_tags,
        [
            "#EXT-X-ALLOW-CACHE:NO",
            "#EXT-X-FAXS-CM:MIIa4QYJKoZIhvcNAQcCoIIa0jCCGs4CAQExCzAJBgUrDgMCGgUA",
            "#EXT-OATCLS-SCTE35:/DAlAAAAAAAAAP/wFAUAAAPof+//SVqZrP4Ae5igAAEBAQAAWIg+1A==",
            "#EXT-X-CUE-OUT:30.0",
        ]
    );
    assert_eq!(
        m.segments[1].unknown_tags,
        ["#EXT-X-CUE-OUT-CONT:ElapsedTime=10,Duration=30"]
    );
    assert_eq!(m.segments[2].unknown_tags, ["#EXT-X-CUE-IN"]);
    assert_eq!(m.trailing_unknown_tags, ["#EXT-X-FOO-TRAILING"]);
    assert!(m.end_list);
}

#[test]
fn quirks_parse_like_the_clean_form() {
    let clean = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-VERSION:3\n#EXTINF:10.0,\nseg0.ts\n#EXTINF:10.0,\nseg1.ts\n#EXT-X-ENDLIST\n";
    assert_eq!(
        fixture("quirk-crlf.m3u8"),
        parse_playlist(clean, BASE).unwrap()
    );
    let bom = media("quirk-bom.m3u8");
    assert_eq!(bom.segments.len(), 2);
    let blank = media("quirk-blank-lines.m3u8");
    assert_eq!(blank.segments.len(), 2);
    assert!(blank.end_list);
    let spaces = media("quirk-trailing-spaces.m3u8");
    assert_eq!(spaces.media_sequence, 4);
    assert_eq!(spaces.segments[1].url, "https://cdn.example/title/seg5.ts");
    let nl = media("quirk-no-final-newline.m3u8");
    assert_eq!(nl.segments[1].uri, "seg1.ts");
    assert_eq!(
        multivariant("quirk-no-final-newline-master.m3u8")
            .variants
            .len(),
        1
    );
    let bom_master = multivariant("quirk-bom-crlf-master.m3u8");
    assert_eq!(
        bom_master.variants[1].url,
        "https://cdn.example/title/high.m3u8"
    );
    let comma = media("quirk-extinf-no-comma.m3u8");
    assert_eq!(comma.segments[1].duration, 9.5);
    let titles = media("quirk-extinf-titles.m3u8");
    assert_eq!(titles.segments[0].title.as_deref(), Some("Intro, part one"));
    assert_eq!(titles.segments[2].title, None);
    assert_eq!(
        media("quirk-float-targetduration.m3u8").target_duration,
        6.006
    );
    assert_eq!(media("quirk-comments.m3u8").segments.len(), 2);
    let order = multivariant("quirk-attribute-order.m3u8");
    assert_eq!(order.renditions[0].media_type, MediaType::Audio);
    assert_eq!(order.renditions[0].group_id, "audio");
    assert_eq!(order.variants[0].bandwidth, 2_100_000);
    assert_eq!(order.variants[0].frame_rate, Some(25.0));
    let unquoted = multivariant("quirk-unquoted-values.m3u8");
    assert_eq!(unquoted.variants[0].codecs.as_deref(), Some("avc1.4d401f"));
    assert_eq!(unquoted.variants[0].audio.as_deref(), Some("aac"));
    assert_eq!(
        unquoted.renditions[0].url.as_deref(),
        Some("https://cdn.example/title/audio.m3u8")
    );
    let spaced = multivariant("quirk-spaces-in-attributes.m3u8");
    assert_eq!(
        spaced.variants[0].resolution,
        Some(Resolution {
            width: 960,
            height: 540
        })
    );
    assert_eq!(
        spaced.variants[1].resolution,
        Some(Resolution {
            width: 640,
            height: 360
        })
    );
    let upper = multivariant("quirk-lowercase-resolution.m3u8");
    assert_eq!(
        upper.variants[0].resolution,
        Some(Resolution {
            width: 1280,
            height: 720
        })
    );
}

#[test]
fn multivariant_attributes_are_typed() {
    let m = multivariant("master-stream-inf-all-attributes.m3u8");
    let v = &m.variants[0];
    assert_eq!(v.bandwidth, 16_000_000);
    assert_eq!(
        v.supplemental_codecs.as_deref(),
        Some("hvc1.2.4.L153.b0/db4h")
    );
    assert_eq!(v.hdcp_level.as_deref(), Some("TYPE-1"));
    assert_eq!(v.video_range.as_deref(), Some("PQ"));
    assert_eq!(
        v.allowed_cpc.as_deref(),
        Some("com.example.drm1:SMART-TV/PC,com.example.drm2:HW")
    );
    assert_eq!(v.closed_captions, Some(ClosedCaptions::Group("cc".into())));
    assert_eq!(v.stable_variant_id.as_deref(), Some("uhd-dv"));
    assert_eq!(v.score, Some(2.5));
    assert_eq!(v.frame_rate, Some(23.976));
    assert_eq!(m.version, Some(10));
    assert!(m.independent_segments);
    assert_eq!(m.renditions[0].instream_id.as_deref(), Some("CC1"));
    assert_eq!(
        multivariant("master-closed-captions-none.m3u8").variants[0].closed_captions,
        Some(ClosedCaptions::None)
    );
    let r = &multivariant("master-media-all-attributes.m3u8").renditions;
    assert_eq!(r[0].assoc_language.as_deref(), Some("fr-CA"));
    assert_eq!(r[0].channels.as_deref(), Some("6"));
    assert_eq!(r[0].bit_depth, Some(24));
    assert_eq!(r[0].sample_rate, Some(48000));
    assert_eq!(r[0].stable_rendition_id.as_deref(), Some("fr-51"));
    assert!(r[2].forced);
    assert_eq!(r[2].media_type, MediaType::Subtitles);
    assert!(
        r[3].characteristics
            .as_deref()
            .unwrap()
            .contains(",public.accessibility.describes-music-and-sound")
    );
    assert_eq!(r[4].media_type, MediaType::ClosedCaptions);
    assert_eq!(r[4].uri, None);
}

#[test]
fn session_data_keys_steering_start_and_iframes() {
    let sd = multivariant("master-session-data.m3u8");
    assert_eq!(sd.session_data.len(), 4);
    assert_eq!(
        sd.session_data[0].url.as_deref(),
        Some("https://cdn.example/title/lyrics.json")
    );
    assert_eq!(
        sd.session_data[2].value.as_deref(),
        Some("Este es un ejemplo")
    );
    assert_eq!(sd.session_data[3].format.as_deref(), Some("RAW"));
    let sk = multivariant("master-session-key.m3u8");
    assert_eq!(sk.session_keys.len(), 2);
    assert_eq!(sk.session_keys[0].url.as_deref(), Some("skd://key-id-1234"));
    assert_eq!(sk.session_keys[1].iv.unwrap()[0], 0x01);
    let cs = multivariant("master-content-steering.m3u8");
    let steering = cs.content_steering.unwrap();
    assert_eq!(
        steering.server_url,
        "https://cdn.example/steering?video=00012"
    );
    assert_eq!(steering.pathway_id.as_deref(), Some("CDN-A"));
    assert_eq!(cs.variants[1].pathway_id.as_deref(), Some("CDN-B"));
    assert_eq!(
        cs.renditions[0].other_attributes,
        [("PATHWAY-ID".to_owned(), "\"CDN-A\"".to_owned())]
    );
    let st = multivariant("master-start-independent.m3u8");
    assert_eq!(
        st.start,
        Some(Start {
            time_offset: -12.5,
            precise: true
        })
    );
    assert_eq!(
        media("media-start.m3u8").start,
        Some(Start {
            time_offset: 8.0,
            precise: false
        })
    );
    let ifr = multivariant("spec-master-iframes.m3u8");
    assert_eq!(ifr.i_frame_variants.len(), 3);
    assert_eq!(
        ifr.i_frame_variants[2].url,
        "https://cdn.example/title/hi/iframe.m3u8"
    );
    assert_eq!(ifr.variants.len(), 4);
    let angles = multivariant("spec-master-video-angles.m3u8");
    assert_eq!(
        angles
            .renditions
            .iter()
            .filter(|r| r.media_type == MediaType::Video)
            .count(),
        6
    );
    assert_eq!(angles.variants[1].video.as_deref(), Some("hi"));
}

#[test]
fn variables_are_substituted() {
    let m = multivariant("master-define.m3u8");
    assert_eq!(
        m.variants[0].uri,
        "https://edge.example.net/vod/540p/index.m3u8?token=abc123"
    );
    assert_eq!(
        m.defines[1],
        Define::QueryParam {
            name: "token".into(),
            value: "abc123".into()
        }
    );
    let md = media("media-define.m3u8");
    assert_eq!(
        md.segments[1].url,
        "https://cdn.example/title/segments/v1/s1.m4s?sig=abc%2Fdef"
    );
    assert_eq!(
        md.segments[0].map.as_ref().unwrap().uri,
        "segments/v1/init.mp4?sig=abc%2Fdef"
    );

    let child =
        "#EXTM3U\n#EXT-X-DEFINE:IMPORT=\"cdn\"\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{$cdn}/a.ts\n";
    let Playlist::Media(imported) = parse_playlist_with(
        child,
        BASE,
        ParseOptions {
            imports: &m.defines,
        },
    )
    .unwrap() else {
        panic!("media expected")
    };
    assert_eq!(
        imported.segments[0].url,
        "https://edge.example.net/vod/a.ts"
    );
    let err = parse_playlist(child, BASE).unwrap_err();
    assert!(
        matches!(
            err,
            ParseError::Tag {
                line: 2,
                tag: "EXT-X-DEFINE",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn uris_resolve_per_rfc3986_with_queries_byte_exact() {
    let sig = media("uri-signed-sigv4.m3u8");
    assert_eq!(
        sig.segments[0].url,
        "https://cdn.example/title/seg0.m4s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ab12cd34"
    );
    let cf = media("uri-signed-cloudfront.m3u8");
    assert_eq!(cf.segments[1].url, cf.segments[1].uri);
    assert!(
        cf.segments[1]
            .url
            .ends_with("Signature=Ab~Cd-Ef_&Key-Pair-Id=K2JCJMDEHXQW5F")
    );
    let special = media("uri-query-special-chars.m3u8");
    assert_eq!(
        special.segments[0].url,
        "https://cdn.example/title/seg0.ts?sig=a|b'c&exp=1{2}&path=/x/y"
    );
    assert_eq!(
        special.segments[1].url,
        "https://cdn.example/title/seg1.ts?token=abc%2Fdef%3D%3D&x=<1>"
    );
    let dots = media("uri-dot-segments.m3u8");
    let urls: Vec<_> = dots.segments.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://cdn.example/shared/seg0.ts",
            "https://cdn.example/title/seg1.ts",
            "https://cdn.example/title/seg2.ts",
            "https://cdn.example/seg3.ts",
        ]
    );
    let root = media("uri-root-relative.m3u8");
    assert_eq!(root.segments[0].url, "https://cdn.example/media/seg0.ts");
    assert_eq!(
        root.segments[0].key.as_ref().unwrap().url.as_deref(),
        Some("https://cdn.example/keys/k.bin")
    );
    let proto = multivariant("uri-protocol-relative.m3u8");
    assert_eq!(
        proto.variants[1].url,
        "https://cdn.example.com/v2/index.m3u8?a=1"
    );
    let spaces = media("uri-spaces-unicode.m3u8");
    assert_eq!(
        spaces.segments[0].url,
        "https://cdn.example/title/my%20segment%200.ts"
    );
    assert_eq!(
        spaces.segments[1].url,
        "https://cdn.example/title/%C3%A9pisode/s%C3%A9quence-1.ts?nom=été"
    );
    let abs = media("uri-absolute-other-host.m3u8");
    assert_eq!(
        abs.segments[1].url,
        "http://cdn2.example.org:8080/v/seg1.m4s"
    );
}

#[test]
fn rewriting_segment_uris_then_writing_works() {
    let Playlist::Media(mut m) = fixture("ffmpeg-single_fmp4.m3u8") else {
        panic!("media expected")
    };
    for (i, s) in m.segments.iter_mut().enumerate() {
        s.uri = format!("https://sign.example/{}?sig=%2B{i}&exp=1", s.uri);
    }
    let text = write_playlist(&Playlist::Media(m.clone()));
    let Playlist::Media(back) = parse_playlist(&text, BASE).unwrap() else {
        panic!("media expected")
    };
    for (i, (a, b)) in m.segments.iter().zip(&back.segments).enumerate() {
        assert_eq!(b.uri, a.uri);
        assert_eq!(
            b.url,
            format!("https://sign.example/index.m4s?sig=%2B{i}&exp=1")
        );
        assert_eq!(b.byte_range, a.byte_range);
        assert_eq!(b.map.as_ref().unwrap().uri, "index.m4s");
    }
}

#[test]
fn ffmpeg_outputs() {
    let ts = media("ffmpeg-ts.m3u8");
    assert_eq!(ts.segments.len(), 6);
    assert!(ts.end_list);
    assert_eq!(ts.total_duration(), 12.0);
    let enc = media("ffmpeg-enc.m3u8");
    assert!(enc.segments.iter().all(
        |s| s.key.as_ref().unwrap().url.as_deref() == Some("https://cdn.example/title/key.bin")
    ));
    let single = media("ffmpeg-single.m3u8");
    let mut expected = 0;
    for s in &single.segments {
        let r = s.byte_range.unwrap();
        assert_eq!(r.offset, expected);
        expected = r.offset + r.length;
    }
    let master = multivariant("ffmpeg-var-stream-map-master.m3u8");
    assert_eq!(master.variants.len(), 2);
    assert_eq!(master.renditions[0].group_id, "group_aud");
    assert_eq!(
        master.variants[1].resolution,
        Some(Resolution {
            width: 160,
            height: 90
        })
    );
}

#[test]
fn unusable_content_is_a_typed_error() {
    assert_eq!(
        parse_playlist("<html>", BASE),
        Err(ParseError::NotAPlaylist)
    );
    assert_eq!(parse_playlist("", BASE), Err(ParseError::NotAPlaylist));
    assert_eq!(
        parse_playlist("#EXTM3U", "relative/x.m3u8"),
        Err(ParseError::BadBaseUrl("relative/x.m3u8".into()))
    );
    assert_eq!(
        parse_playlist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", BASE),
        Err(ParseError::NoVariants)
    );
    let big = "#EXTM3U\n".to_owned() + &"#".repeat(MAX_PLAYLIST_BYTES);
    assert_eq!(
        parse_playlist(&big, BASE),
        Err(ParseError::TooLarge(big.len()))
    );
    for (text, line, tag) in [
        ("#EXTM3U\n#EXTINF:abc,\nx.ts", 2, "EXTINF"),
        ("#EXTM3U\n#EXTINF:NaN,\nx.ts", 2, "EXTINF"),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:4\nx.ts", 3, "URI"),
        (
            "#EXTM3U\n#EXTINF:4,\n#EXT-X-BYTERANGE:100\nx.ts",
            4,
            "EXT-X-BYTERANGE",
        ),
        (
            "#EXTM3U\n#EXTINF:4,\n#EXT-X-BYTERANGE:18446744073709551615@2\nx.ts",
            4,
            "EXT-X-BYTERANGE",
        ),
        (
            "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n#EXTINF:4,\nx.ts",
            2,
            "EXT-X-KEY",
        ),
        ("#EXTM3U\n#EXT-X-KEY:METHOD=ROT13,URI=\"k\"", 2, "EXT-X-KEY"),
        (
            "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xZZ",
            2,
            "EXT-X-KEY",
        ),
        ("#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"", 2, "EXT-X-MAP"),
        (
            "#EXTM3U\n#EXT-X-MEDIA:TYPE=HOLOGRAM,GROUP-ID=\"a\"",
            2,
            "EXT-X-MEDIA",
        ),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=x\na.m3u8",
            2,
            "EXT-X-STREAM-INF",
        ),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=big\na.m3u8",
            2,
            "EXT-X-STREAM-INF",
        ),
        (
            "#EXTM3U\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"1\"\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"2\"\n#EXTINF:1,\nx",
            3,
            "EXT-X-DEFINE",
        ),
        (
            "#EXTM3U\n#EXT-X-DEFINE:NAME=\"a\",VALUE=\"1\"\n#EXTINF:1,\n{$b}.ts",
            4,
            "URI",
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n#EXT-X-PART:URI=\"p\"",
            4,
            "EXT-X-PART",
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-DATERANGE:CLASS=\"x\"",
            3,
            "EXT-X-DATERANGE",
        ),
    ] {
        match parse_playlist(text, BASE) {
            Err(ParseError::Tag {
                line: l,
                tag: t,
                reason,
            }) => {
                assert_eq!((l, t), (line, tag), "{text:?}: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{text:?}: expected a tag error, got {other:?}"),
        }
    }
}

#[test]
fn substitution_growth_is_bounded() {
    let value = "x".repeat(60_000);
    let text = format!(
        "#EXTM3U\n#EXT-X-DEFINE:NAME=\"v\",VALUE=\"{value}\"\n#EXTINF:1,\n{}\n",
        "{$v}".repeat(100)
    );
    assert!(matches!(
        parse_playlist(&text, BASE),
        Err(ParseError::Tag {
            line: 4,
            tag: "URI",
            ..
        })
    ));
}

#[test]
fn values_with_quotes_or_commas_round_trip() {
    let text = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n\
        #EXT-X-DATERANGE:ID=ecplis\"-6FFFFFF0\",SCTE35-CMD=\"0xFC, 01\",START-DATE=\"x\"\n\
        #EXTINF:4,\na.ts\n";
    let parsed = parse_playlist(text, BASE).unwrap();
    let Playlist::Media(m) = &parsed else {
        panic!("media expected")
    };
    assert_eq!(m.date_ranges[0].id, "ecplis\"-6FFFFFF0\"");
    assert_eq!(m.date_ranges[0].scte35_cmd.as_deref(), Some("0xFC, 01"));
    let written = write_playlist(&parsed);
    assert!(written.contains("ID=ecplis\"-6FFFFFF0\","), "{written}");
    assert!(written.contains("SCTE35-CMD=\"0xFC, 01\""), "{written}");
    assert_eq!(parse_playlist(&written, BASE).unwrap(), parsed);
}

#[test]
fn substituted_values_cannot_break_lines_or_empty_a_uri() {
    let spaced = "#EXTM3U\n#EXT-X-DEFINE:NAME=\"p\",VALUE=\" a/b \"\n#EXTINF:1,\n{$p}\n";
    let parsed = parse_playlist(spaced, BASE).unwrap();
    let Playlist::Media(m) = &parsed else {
        panic!("media expected")
    };
    assert_eq!(m.segments[0].uri, "a/b");
    assert_eq!(
        parse_playlist(&write_playlist(&parsed), BASE).unwrap(),
        parsed
    );
    let empty = "#EXTM3U\n#EXT-X-DEFINE:NAME=\"p\",VALUE=\"\"\n#EXTINF:1,\n{$p}\n";
    assert!(matches!(
        parse_playlist(empty, BASE),
        Err(ParseError::Tag {
            line: 4,
            tag: "URI",
            ..
        })
    ));
    let tag = "#EXTM3U\n#EXT-X-DEFINE:NAME=\"p\",VALUE=\"#EXT-X-ENDLIST\"\n#EXTINF:1,\n{$p}\n";
    assert!(matches!(
        parse_playlist(tag, BASE),
        Err(ParseError::Tag {
            line: 4,
            tag: "URI",
            ..
        })
    ));
    let newline = "#EXTM3U\n#EXT-X-DEFINE:QUERYPARAM=\"q\"\n#EXTINF:1,\n{$q}.ts\n";
    assert!(matches!(
        parse_playlist(newline, "https://x.example/i.m3u8?q=a%0Ab"),
        Err(ParseError::Tag {
            line: 2,
            tag: "EXT-X-DEFINE",
            ..
        })
    ));
}

#[test]
fn hostile_counts_are_bounded() {
    let mut keys = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:1\n");
    for i in 0..40 {
        keys.push_str(&format!(
            "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\",KEYFORMAT=\"f{i}\"\n"
        ));
    }
    assert!(matches!(
        parse_playlist(&keys, BASE),
        Err(ParseError::Tag {
            line: 35,
            tag: "EXT-X-KEY",
            ..
        })
    ));
    let mut defines = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:1\n");
    for i in 0..50_000 {
        defines.push_str(&format!("#EXT-X-DEFINE:NAME=\"v{i}\",VALUE=\"{i}\"\n"));
    }
    defines.push_str("#EXTINF:1,\n{$v49999}.ts\n");
    let Playlist::Media(m) = parse_playlist(&defines, BASE).unwrap() else {
        panic!("media expected")
    };
    assert_eq!(m.defines.len(), 50_000);
    assert_eq!(m.segments[0].uri, "49999.ts");
}
