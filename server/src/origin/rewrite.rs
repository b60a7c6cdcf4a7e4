//! Playlist rewriting for SigV4 mode: every URI of a playlist (child playlists, segments,
//! parts, maps, keys, hints, reports) becomes an absolute URL chosen by a signing function,
//! through player-core's parser and writer.

use std::collections::HashMap;
use std::sync::Arc;

use player_core::hls::{Key, Map, ParseError, Playlist, parse_playlist, write_playlist};
use url::Url;

/// Rewrites the URIs of `text` (served at `playlist_url`): `sign` gets each resolved URL and
/// answers its replacement, or `None` to leave the URI as written (foreign hosts).
pub fn rewrite(
    text: &str,
    playlist_url: &str,
    sign: &dyn Fn(&Url) -> Option<Url>,
) -> Result<String, ParseError> {
    let mut playlist = parse_playlist(text, playlist_url)?;
    let mut signer = Cached {
        sign,
        urls: HashMap::new(),
    };
    match &mut playlist {
        Playlist::Multivariant(m) => {
            for v in m.variants.iter_mut().chain(m.i_frame_variants.iter_mut()) {
                signer.uri(&mut v.uri, &mut v.url);
            }
            for r in &mut m.renditions {
                signer.opt_uri(&mut r.uri, &mut r.url);
            }
            for k in &mut m.session_keys {
                signer.opt_uri(&mut k.uri, &mut k.url);
            }
            for d in &mut m.session_data {
                signer.opt_uri(&mut d.uri, &mut d.url);
            }
        }
        Playlist::Media(m) => {
            let mut maps: HashMap<*const Map, Arc<Map>> = HashMap::new();
            let mut keys: HashMap<*const Key, Arc<Key>> = HashMap::new();
            let mut key_sets: HashMap<*const [Key], Arc<[Key]>> = HashMap::new();
            for s in &mut m.segments {
                signer.uri(&mut s.uri, &mut s.url);
                for p in &mut s.parts {
                    signer.uri(&mut p.uri, &mut p.url);
                }
                if let Some(map) = &mut s.map {
                    *map = maps
                        .entry(Arc::as_ptr(map))
                        .or_insert_with(|| {
                            let mut new = Map::clone(map);
                            signer.uri(&mut new.uri, &mut new.url);
                            Arc::new(new)
                        })
                        .clone();
                }
                if let Some(key) = &mut s.key {
                    *key = keys
                        .entry(Arc::as_ptr(key))
                        .or_insert_with(|| {
                            let mut new = Key::clone(key);
                            signer.opt_uri(&mut new.uri, &mut new.url);
                            Arc::new(new)
                        })
                        .clone();
                }
                if let Some(set) = &mut s.keys {
                    *set = key_sets
                        .entry(Arc::as_ptr(set))
                        .or_insert_with(|| {
                            let mut new = set.to_vec();
                            for k in &mut new {
                                signer.opt_uri(&mut k.uri, &mut k.url);
                            }
                            Arc::from(new)
                        })
                        .clone();
                }
            }
            for p in &mut m.trailing_parts {
                signer.uri(&mut p.uri, &mut p.url);
            }
            for h in &mut m.preload_hints {
                signer.uri(&mut h.uri, &mut h.url);
            }
            for r in &mut m.rendition_reports {
                signer.uri(&mut r.uri, &mut r.url);
            }
        }
    }
    Ok(write_playlist(&playlist))
}

/// The signing function with a cache: a key or map URI repeated on every segment is signed
/// once.
struct Cached<'a> {
    sign: &'a dyn Fn(&Url) -> Option<Url>,
    urls: HashMap<String, Option<String>>,
}

impl Cached<'_> {
    fn uri(&mut self, uri: &mut String, url: &mut String) {
        let sign = self.sign;
        let signed = self
            .urls
            .entry(url.clone())
            .or_insert_with(|| {
                Url::parse(url)
                    .ok()
                    .and_then(|u| sign(&u))
                    .map(String::from)
            })
            .clone();
        if let Some(signed) = signed {
            uri.clone_from(&signed);
            *url = signed;
        }
    }

    fn opt_uri(&mut self, uri: &mut Option<String>, url: &mut Option<String>) {
        if let (Some(uri), Some(url)) = (uri.as_mut(), url.as_mut()) {
            self.uri(uri, url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uri_is_replaced_and_foreign_ones_kept() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n\
            #EXT-X-KEY:METHOD=AES-128,URI=\"../key.bin\",IV=0x00000000000000000000000000000001\n\
            #EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg_0.m4s\n#EXTINF:4,\nseg_1.m4s\n\
            #EXTINF:4,\nhttp://cdn.example/ad.m4s\n#EXT-X-ENDLIST\n";
        let sign = |u: &Url| {
            (u.host_str() == Some("h")).then(|| {
                let mut u = u.clone();
                u.set_query(Some("sig=1"));
                u
            })
        };
        let out = rewrite(text, "http://h/secure/vod/720p/index.m3u8", &sign).unwrap();
        let Playlist::Media(m) = parse_playlist(&out, "http://other/").unwrap() else {
            panic!("media playlist expected");
        };
        let uris: Vec<&str> = m.segments.iter().map(|s| s.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "http://h/secure/vod/720p/seg_0.m4s?sig=1",
                "http://h/secure/vod/720p/seg_1.m4s?sig=1",
                "http://cdn.example/ad.m4s"
            ]
        );
        let seg = &m.segments[0];
        assert_eq!(
            seg.map.as_ref().unwrap().uri,
            "http://h/secure/vod/720p/init.mp4?sig=1"
        );
        assert_eq!(
            seg.key.as_ref().unwrap().uri.as_deref(),
            Some("http://h/secure/vod/key.bin?sig=1")
        );
        assert_eq!(out.matches("#EXT-X-KEY").count(), 1, "{out}");
        assert_eq!(out.matches("#EXT-X-MAP").count(), 1, "{out}");
    }

    #[test]
    fn multivariant_renditions_i_frames_and_session_keys_are_replaced() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n\
            #EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"k.bin\"\n\
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"audio/en.m3u8\"\n\
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"muxed\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO=\"a\"\n360p/index.m3u8\n\
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100,URI=\"360p/iframes.m3u8\"\n";
        let sign = |u: &Url| {
            let mut u = u.clone();
            u.set_query(Some("sig=1"));
            Some(u)
        };
        let out = rewrite(text, "http://h/secure/vod/master.m3u8", &sign).unwrap();
        let Playlist::Multivariant(m) = parse_playlist(&out, "http://other/").unwrap() else {
            panic!("multivariant playlist expected");
        };
        assert_eq!(
            m.variants[0].uri,
            "http://h/secure/vod/360p/index.m3u8?sig=1"
        );
        assert_eq!(
            m.i_frame_variants[0].uri,
            "http://h/secure/vod/360p/iframes.m3u8?sig=1"
        );
        assert_eq!(
            m.renditions[0].uri.as_deref(),
            Some("http://h/secure/vod/audio/en.m3u8?sig=1")
        );
        assert_eq!(m.renditions[1].uri, None);
        assert_eq!(
            m.session_keys[0].uri.as_deref(),
            Some("http://h/secure/vod/k.bin?sig=1")
        );
    }
}
