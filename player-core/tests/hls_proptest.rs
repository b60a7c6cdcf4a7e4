//! Property tests: for any playlist the parser accepts, `parse(write(p)) == p`; and no
//! input makes the parser panic.

use player_core::hls::*;
use proptest::prelude::*;

const BASE: &str = "https://cdn.example/a/b/index.m3u8?token=t0k&x=1";

fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,6}\\.(ts|m4s|mp4)",
        "[a-z]{1,3}/[a-z0-9_-]{1,6}\\.ts\\?sig=[A-Za-z0-9%~_=|'-]{0,12}",
        "\\.\\./[a-z]{1,4}\\.ts",
        "/abs/[a-z]{1,4}\\.ts",
        "https://o[0-9]\\.example/[a-z ]{1,5}\\.ts\\?Expires=[0-9]{3}&Signature=[A-Za-z0-9~_-]{4}",
        Just("seg.ts".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100).prop_map(|n| n.to_string()),
        (0u32..100_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b:03}")),
        Just("x".to_owned()),
        Just("-1".to_owned()),
    ]
}

fn media_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (number(), "[A-Za-z ,]{0,8}").prop_map(|(d, t)| format!("#EXTINF:{d},{t}")),
        4 => uri(),
        2 => (0u64..5000, prop::option::of(0u64..100_000))
            .prop_map(|(n, o)| match o {
                Some(o) => format!("#EXT-X-BYTERANGE:{n}@{o}"),
                None => format!("#EXT-X-BYTERANGE:{n}"),
            }),
        1 => (prop_oneof![Just("NONE"), Just("AES-128"), Just("SAMPLE-AES")], uri(),
              prop::option::of("[0-9a-fA-F]{1,32}"),
              prop::option::of(prop_oneof![Just("identity"), Just("com.apple.streamingkeydelivery"), Just("urn:uuid:x")]))
            .prop_map(|(m, u, iv, kf)| {
                let mut s = format!("#EXT-X-KEY:METHOD={m},URI=\"{u}\"");
                if let Some(iv) = iv { s.push_str(&format!(",IV=0x{iv}")); }
                if let Some(kf) = kf { s.push_str(&format!(",KEYFORMAT=\"{kf}\",KEYFORMATVERSIONS=\"1\"")); }
                s
            }),
        1 => (uri(), prop::option::of((1u64..2000, 0u64..100))).prop_map(|(u, r)| match r {
            Some((n, o)) => format!("#EXT-X-MAP:URI=\"{u}\",BYTERANGE=\"{n}@{o}\""),
            None => format!("#EXT-X-MAP:URI=\"{u}\""),
        }),
        1 => (0u32..60).prop_map(|s| format!("#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:{s:02}.000Z")),
        1 => Just("#EXT-X-DISCONTINUITY".to_owned()),
        1 => Just("#EXT-X-GAP".to_owned()),
        1 => (0u32..9000).prop_map(|b| format!("#EXT-X-BITRATE:{b}")),
        1 => (uri(), number(), any::<bool>(), prop::option::of((1u64..500, prop::option::of(0u64..500))))
            .prop_map(|(u, d, ind, r)| {
                let mut s = format!("#EXT-X-PART:DURATION={d},URI=\"{u}\"");
                if ind { s.push_str(",INDEPENDENT=YES"); }
                match r {
                    Some((n, Some(o))) => s.push_str(&format!(",BYTERANGE=\"{n}@{o}\"")),
                    Some((n, None)) => s.push_str(&format!(",BYTERANGE=\"{n}\"")),
                    None => {}
                }
                s
            }),
        1 => ("[a-z]{1,4}", prop::option::of(number()), "[A-Za-z0-9]{0,4}").prop_map(|(id, d, x)| {
            let mut s = format!("#EXT-X-DATERANGE:ID=\"{id}\",START-DATE=\"2024-01-01T00:00:00Z\",X-COM-A=\"{x}\",X-N=12.5,SCTE35-OUT=0xFC01");
            if let Some(d) = d { s.push_str(&format!(",DURATION={d}")); }
            s
        }),
        1 => (0u64..1000).prop_map(|n| format!("#EXT-X-MEDIA-SEQUENCE:{n}")),
        1 => (0u64..10).prop_map(|n| format!("#EXT-X-DISCONTINUITY-SEQUENCE:{n}")),
        1 => number().prop_map(|n| format!("#EXT-X-TARGETDURATION:{n}")),
        1 => (0u64..4, "[a-z]{0,3}").prop_map(|(n, id)| format!("#EXT-X-SKIP:SKIPPED-SEGMENTS={n},RECENTLY-REMOVED-DATERANGES=\"{id}\tq\"")),
        1 => (uri(), prop::option::of(0u64..99)).prop_map(|(u, s)| match s {
            Some(s) => format!("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{u}\",BYTERANGE-START={s}"),
            None => format!("#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"{u}\""),
        }),
        1 => (uri(), 0u64..99).prop_map(|(u, n)| format!("#EXT-X-RENDITION-REPORT:URI=\"{u}\",LAST-MSN={n},LAST-PART=1")),
        1 => Just("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12".to_owned()),
        1 => Just("#EXT-X-PART-INF:PART-TARGET=0.5".to_owned()),
        1 => prop_oneof![Just("VOD"), Just("EVENT")].prop_map(|t| format!("#EXT-X-PLAYLIST-TYPE:{t}")),
        1 => Just("#EXT-X-ENDLIST".to_owned()),
        1 => Just("#EXT-X-I-FRAMES-ONLY".to_owned()),
        1 => ("[a-c]", "[a-z/]{0,5}").prop_map(|(n, v)| format!("#EXT-X-DEFINE:NAME=\"{n}\",VALUE=\"{v}\"")),
        1 => "[a-c]".prop_map(|n| format!("{{${n}}}/x.ts")),
        1 => "[A-Z]{1,6}(:[a-z=,]{0,6})?".prop_map(|t| format!("#EXT-X-{t}")),
        1 => Just("# a comment".to_owned()),
        1 => Just(String::new()),
        1 => ("[a-z\"]{1,5}", "[a-z, ]{0,4}", "[0-9A-F\"]{0,4}")
            .prop_map(|(id, class, scte)| format!("#EXT-X-DATERANGE:ID={id},CLASS=\"{class}\",SCTE35-CMD=\"{scte}\",SCTE35-IN={scte}")),
    ]
}

fn multivariant_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u64..9_000_000, prop::option::of((1u32..4000, 1u32..3000)), prop::option::of("[a-c]"),
              prop::option::of(prop_oneof![Just("NONE".to_owned()), "\"cc[0-9]\""]))
            .prop_map(|(b, r, a, cc)| {
                let mut s = format!("#EXT-X-STREAM-INF:BANDWIDTH={b},CODECS=\"avc1.4d401f,mp4a.40.2\",FRAME-RATE=29.97,SCORE=1.5,VIDEO-RANGE=SDR");
                if let Some((w, h)) = r { s.push_str(&format!(",RESOLUTION={w}x{h}")); }
                if let Some(a) = a { s.push_str(&format!(",AUDIO=\"{a}\",SUBTITLES=\"s\"")); }
                if let Some(cc) = cc { s.push_str(&format!(",CLOSED-CAPTIONS={cc}")); }
                s.push_str(",X-CUSTOM=\"v\"");
                s
            }),
        3 => uri(),
        2 => (prop_oneof![Just("AUDIO"), Just("VIDEO"), Just("SUBTITLES"), Just("CLOSED-CAPTIONS")],
              "[a-c]", "[A-Za-z ]{0,6}", prop::option::of(uri()), any::<bool>())
            .prop_map(|(t, g, n, u, d)| {
                let mut s = format!("#EXT-X-MEDIA:TYPE={t},GROUP-ID=\"{g}\",NAME=\"{n}\",LANGUAGE=\"en\",CHANNELS=\"2\"");
                if let Some(u) = u { s.push_str(&format!(",URI=\"{u}\"")); }
                if d { s.push_str(",DEFAULT=YES,AUTOSELECT=YES,FORCED=YES"); }
                s
            }),
        1 => (0u64..500_000, uri()).prop_map(|(b, u)| format!("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={b},URI=\"{u}\"")),
        1 => ("[a-z.]{1,8}", "[A-Za-z ]{0,6}").prop_map(|(id, v)| format!("#EXT-X-SESSION-DATA:DATA-ID=\"{id}\",VALUE=\"{v}\",LANGUAGE=\"en\"")),
        1 => uri().prop_map(|u| format!("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"{u}\",KEYFORMAT=\"com.apple.streamingkeydelivery\"")),
        1 => uri().prop_map(|u| format!("#EXT-X-CONTENT-STEERING:SERVER-URI=\"{u}\",PATHWAY-ID=\"A\"")),
        1 => number().prop_map(|n| format!("#EXT-X-START:TIME-OFFSET={n},PRECISE=YES")),
        1 => Just("#EXT-X-INDEPENDENT-SEGMENTS".to_owned()),
        1 => (1u64..12).prop_map(|v| format!("#EXT-X-VERSION:{v}")),
        1 => Just("#EXT-X-DEFINE:QUERYPARAM=\"token\"".to_owned()),
        1 => "[A-Z]{1,6}".prop_map(|t| format!("#EXT-X-{t}:1")),
        1 => ("[A-Z, -]{0,6}", "[A-Z\"]{0,3}", uri()).prop_map(|(h, r, u)| {
            format!("#EXT-X-STREAM-INF:BANDWIDTH=1,HDCP-LEVEL=\"{h}\",VIDEO-RANGE={r},AUDIO=a\"b\n{u}")
        }),
    ]
}

fn playlist_text() -> impl Strategy<Value = String> {
    let ending = prop_oneof![Just("\n"), Just("\r\n"), Just(" \n")];
    prop_oneof![
        prop::collection::vec(media_line(), 0..40),
        prop::collection::vec(multivariant_line(), 0..20),
    ]
    .prop_flat_map(move |lines| (Just(lines), ending.clone()))
    .prop_map(|(lines, nl)| format!("#EXTM3U{nl}{}", lines.join(nl)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn write_then_parse_gives_the_same_playlist(text in playlist_text()) {
        if let Ok(parsed) = parse_playlist(&text, BASE) {
            let written = write_playlist(&parsed);
            let reparsed = parse_playlist(&written, BASE);
            prop_assert_eq!(reparsed.as_ref(), Ok(&parsed), "written:\n{}", written);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(body in ".{0,300}") {
        let _ = parse_playlist(&format!("#EXTM3U\n{body}"), BASE);
        let _ = parse_playlist(&body, BASE);
    }

    #[test]
    fn attribute_lists_never_panic(list in "[A-Z=,\" x0-9-]{0,80}") {
        let n = attributes(&list).count();
        prop_assert!(n <= list.len());
    }

    #[test]
    fn merging_two_parses_never_panics(a in playlist_text(), b in playlist_text()) {
        if let (Ok(Playlist::Media(mut a)), Ok(Playlist::Media(b))) =
            (parse_playlist(&a, BASE), parse_playlist(&b, BASE))
        {
            let before = a.clone();
            if a.merge_update(b).is_err() {
                prop_assert_eq!(a, before);
            }
        }
    }
}
