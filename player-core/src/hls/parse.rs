//! A first playlist parser: enough of RFC 8216 for multivariant and media playlists with
//! fMP4 or TS segments, byte ranges, keys and maps.

use super::model::*;
use url::Url;

/// Largest playlist accepted, in bytes.
pub const MAX_PLAYLIST_BYTES: usize = 16 * 1024 * 1024;

/// Why a playlist could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The body does not start with `#EXTM3U`.
    #[error("not an HLS playlist: the body does not start with #EXTM3U")]
    NotAPlaylist,
    /// The body is larger than [`MAX_PLAYLIST_BYTES`].
    #[error("playlist is {0} bytes, more than the limit of {MAX_PLAYLIST_BYTES}")]
    TooLarge(usize),
    /// The playlist URL itself is not an absolute URL.
    #[error("playlist URL {0:?} is not absolute")]
    BadBaseUrl(String),
    /// A tag's value could not be used.
    #[error("line {line}: {tag}: {reason}")]
    Tag {
        /// 1-based line number.
        line: usize,
        /// The tag name, e.g. `EXTINF`.
        tag: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Parses `text`, fetched from `base_url`, into a multivariant or media playlist.
pub fn parse_playlist(text: &str, base_url: &str) -> Result<Playlist, ParseError> {
    if text.len() > MAX_PLAYLIST_BYTES {
        return Err(ParseError::TooLarge(text.len()));
    }
    let base = Url::parse(base_url).map_err(|_| ParseError::BadBaseUrl(base_url.to_owned()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().map(str::trim_end).enumerate();
    match lines.find(|(_, l)| !l.is_empty()) {
        Some((_, "#EXTM3U")) => {}
        _ => return Err(ParseError::NotAPlaylist),
    }
    let is_multivariant = text.contains("#EXT-X-STREAM-INF");
    if is_multivariant {
        parse_multivariant(lines, &base).map(Playlist::Multivariant)
    } else {
        parse_media(lines, &base).map(Playlist::Media)
    }
}

fn parse_multivariant<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    base: &Url,
) -> Result<MultivariantPlaylist, ParseError> {
    let mut out = MultivariantPlaylist::default();
    let mut pending: Option<Variant> = None;
    for (idx, line) in lines {
        let line_no = idx + 1;
        if line.is_empty() {
            continue;
        }
        if let Some(attrs) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            let tag = "EXT-X-STREAM-INF";
            let mut v = Variant::default();
            for (k, val) in attributes(attrs) {
                match k {
                    "BANDWIDTH" => v.bandwidth = number(val, line_no, tag)?,
                    "AVERAGE-BANDWIDTH" => v.average_bandwidth = Some(number(val, line_no, tag)?),
                    "CODECS" => v.codecs = Some(val.to_owned()),
                    "RESOLUTION" => v.resolution = Some(resolution(val, line_no)?),
                    "FRAME-RATE" => v.frame_rate = Some(number(val, line_no, tag)?),
                    "AUDIO" => v.audio = Some(val.to_owned()),
                    "SUBTITLES" => v.subtitles = Some(val.to_owned()),
                    "PATHWAY-ID" => v.pathway_id = Some(val.to_owned()),
                    _ => {}
                }
            }
            pending = Some(v);
        } else if let Some(attrs) = line.strip_prefix("#EXT-X-MEDIA:") {
            out.renditions.push(rendition(attrs, base, line_no)?);
        } else if line == "#EXT-X-INDEPENDENT-SEGMENTS" {
            out.independent_segments = true;
        } else if !line.starts_with('#')
            && let Some(mut v) = pending.take()
        {
            v.url = resolve(base, line, line_no, "EXT-X-STREAM-INF")?;
            v.uri = line.to_owned();
            out.variants.push(v);
        }
    }
    Ok(out)
}

fn rendition(attrs: &str, base: &Url, line_no: usize) -> Result<Rendition, ParseError> {
    let tag = "EXT-X-MEDIA";
    let mut r = Rendition {
        media_type: MediaType::Audio,
        group_id: String::new(),
        name: String::new(),
        language: None,
        uri: None,
        url: None,
        default: false,
        autoselect: false,
    };
    for (k, val) in attributes(attrs) {
        match k {
            "TYPE" => {
                r.media_type = match val {
                    "AUDIO" => MediaType::Audio,
                    "VIDEO" => MediaType::Video,
                    "SUBTITLES" => MediaType::Subtitles,
                    "CLOSED-CAPTIONS" => MediaType::ClosedCaptions,
                    other => return Err(tag_error(line_no, tag, format!("unknown TYPE {other}"))),
                }
            }
            "GROUP-ID" => r.group_id = val.to_owned(),
            "NAME" => r.name = val.to_owned(),
            "LANGUAGE" => r.language = Some(val.to_owned()),
            "URI" => {
                r.url = Some(resolve(base, val, line_no, tag)?);
                r.uri = Some(val.to_owned());
            }
            "DEFAULT" => r.default = val == "YES",
            "AUTOSELECT" => r.autoselect = val == "YES",
            _ => {}
        }
    }
    Ok(r)
}

fn parse_media<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    base: &Url,
) -> Result<MediaPlaylist, ParseError> {
    let mut out = MediaPlaylist::default();
    let mut next = Segment::default();
    let mut key: Option<Key> = None;
    let mut map: Option<Map> = None;
    let mut discontinuity_sequence = None;
    let mut last_range_end: Option<(String, u64)> = None;
    let mut pending_range: Option<(u64, Option<u64>)> = None;
    let mut seen_extinf = false;
    for (idx, line) in lines {
        let line_no = idx + 1;
        if line.is_empty() {
            continue;
        }
        if let Some(v) = line.strip_prefix("#EXTINF:") {
            let (dur, title) = v.split_once(',').unwrap_or((v, ""));
            next.duration = number(dur.trim(), line_no, "EXTINF")?;
            next.title = (!title.is_empty()).then(|| title.to_owned());
            seen_extinf = true;
        } else if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            out.target_duration = number(v.trim(), line_no, "EXT-X-TARGETDURATION")?;
        } else if let Some(v) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            out.media_sequence = number(v.trim(), line_no, "EXT-X-MEDIA-SEQUENCE")?;
        } else if let Some(v) = line.strip_prefix("#EXT-X-DISCONTINUITY-SEQUENCE:") {
            let n = number(v.trim(), line_no, "EXT-X-DISCONTINUITY-SEQUENCE")?;
            out.discontinuity_sequence = n;
            discontinuity_sequence = Some(n);
        } else if line == "#EXT-X-ENDLIST" {
            out.end_list = true;
        } else if let Some(v) = line.strip_prefix("#EXT-X-PLAYLIST-TYPE:") {
            out.playlist_type = match v.trim() {
                "VOD" => Some(PlaylistType::Vod),
                "EVENT" => Some(PlaylistType::Event),
                _ => None,
            };
        } else if line == "#EXT-X-DISCONTINUITY" {
            next.discontinuity = true;
        } else if line == "#EXT-X-GAP" {
            next.gap = true;
        } else if let Some(v) = line.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:") {
            next.program_date_time = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            pending_range = Some(byte_range_spec(v.trim(), line_no, "EXT-X-BYTERANGE")?);
        } else if let Some(attrs) = line.strip_prefix("#EXT-X-KEY:") {
            key = parse_key(attrs, base, line_no)?;
        } else if let Some(attrs) = line.strip_prefix("#EXT-X-MAP:") {
            map = Some(parse_map(attrs, base, line_no)?);
        } else if !line.starts_with('#') {
            if !seen_extinf {
                return Err(tag_error(
                    line_no,
                    "EXTINF",
                    "segment URI without EXTINF".into(),
                ));
            }
            let mut seg = std::mem::take(&mut next);
            seen_extinf = false;
            seg.url = resolve(base, line, line_no, "EXTINF")?;
            seg.uri = line.to_owned();
            if let Some((length, offset)) = pending_range.take() {
                let offset = match (offset, &last_range_end) {
                    (Some(o), _) => o,
                    (None, Some((url, end))) if *url == seg.url => *end,
                    _ => {
                        return Err(tag_error(
                            line_no,
                            "EXT-X-BYTERANGE",
                            "no offset and no previous range of the same resource".into(),
                        ));
                    }
                };
                seg.byte_range = Some(ByteRange { offset, length });
                last_range_end = Some((seg.url.clone(), offset.saturating_add(length)));
            }
            let base_seq = discontinuity_sequence.unwrap_or(0);
            let before = out
                .segments
                .last()
                .map_or(base_seq, |s| s.discontinuity_sequence);
            seg.discontinuity_sequence = before + u64::from(seg.discontinuity);
            seg.key = key.clone();
            seg.map = map.clone();
            out.segments.push(seg);
        }
    }
    Ok(out)
}

fn parse_key(attrs: &str, base: &Url, line_no: usize) -> Result<Option<Key>, ParseError> {
    let tag = "EXT-X-KEY";
    let mut method = None;
    let mut key = Key {
        method: KeyMethod::Aes128,
        uri: None,
        url: None,
        iv: None,
        keyformat: None,
    };
    for (k, val) in attributes(attrs) {
        match k {
            "METHOD" => {
                method = Some(match val {
                    "NONE" => None,
                    "AES-128" => Some(KeyMethod::Aes128),
                    "SAMPLE-AES" => Some(KeyMethod::SampleAes),
                    "SAMPLE-AES-CTR" => Some(KeyMethod::SampleAesCtr),
                    other => {
                        return Err(tag_error(line_no, tag, format!("unknown METHOD {other}")));
                    }
                })
            }
            "URI" => {
                key.url = Some(resolve(base, val, line_no, tag)?);
                key.uri = Some(val.to_owned());
            }
            "IV" => key.iv = Some(iv(val, line_no)?),
            "KEYFORMAT" => key.keyformat = Some(val.to_owned()),
            _ => {}
        }
    }
    match method {
        None => Err(tag_error(line_no, tag, "METHOD is missing".into())),
        Some(None) => Ok(None),
        Some(Some(m)) => {
            key.method = m;
            Ok(Some(key))
        }
    }
}

fn parse_map(attrs: &str, base: &Url, line_no: usize) -> Result<Map, ParseError> {
    let tag = "EXT-X-MAP";
    let mut uri = None;
    let mut byte_range = None;
    for (k, val) in attributes(attrs) {
        match k {
            "URI" => uri = Some(val),
            "BYTERANGE" => {
                let (length, offset) = byte_range_spec(val, line_no, tag)?;
                byte_range = Some(ByteRange {
                    offset: offset.unwrap_or(0),
                    length,
                });
            }
            _ => {}
        }
    }
    let uri = uri.ok_or_else(|| tag_error(line_no, tag, "URI is missing".into()))?;
    Ok(Map {
        url: resolve(base, uri, line_no, tag)?,
        uri: uri.to_owned(),
        byte_range,
    })
}

/// Splits an attribute list into (name, value) pairs, unquoting quoted values.
fn attributes(list: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = list;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            return None;
        }
        let (name, after) = rest.split_once('=')?;
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((v, r)) => (v, r),
                None => (quoted, ""),
            }
        } else {
            after.split_once(',').unwrap_or((after, ""))
        };
        rest = remaining;
        Some((name.trim(), value.trim()))
    })
}

fn number<T: std::str::FromStr>(s: &str, line: usize, tag: &'static str) -> Result<T, ParseError> {
    s.parse()
        .map_err(|_| tag_error(line, tag, format!("{s:?} is not a valid number")))
}

fn resolution(s: &str, line: usize) -> Result<Resolution, ParseError> {
    let tag = "EXT-X-STREAM-INF";
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| tag_error(line, tag, format!("RESOLUTION {s:?} is not WxH")))?;
    Ok(Resolution {
        width: number(w, line, tag)?,
        height: number(h, line, tag)?,
    })
}

fn byte_range_spec(
    s: &str,
    line: usize,
    tag: &'static str,
) -> Result<(u64, Option<u64>), ParseError> {
    match s.split_once('@') {
        Some((n, o)) => Ok((number(n, line, tag)?, Some(number(o, line, tag)?))),
        None => Ok((number(s, line, tag)?, None)),
    }
}

fn iv(s: &str, line: usize) -> Result<[u8; 16], ParseError> {
    let tag = "EXT-X-KEY";
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| tag_error(line, tag, "IV must start with 0x".into()))?;
    if hex.len() != 32 || !hex.is_ascii() {
        return Err(tag_error(line, tag, "IV must be 32 hex digits".into()));
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| tag_error(line, tag, format!("IV {s:?} is not hexadecimal")))?;
    }
    Ok(out)
}

fn resolve(base: &Url, uri: &str, line: usize, tag: &'static str) -> Result<String, ParseError> {
    base.join(uri)
        .map(String::from)
        .map_err(|e| tag_error(line, tag, format!("URI {uri:?} cannot be resolved: {e}")))
}

fn tag_error(line: usize, tag: &'static str, reason: String) -> ParseError {
    ParseError::Tag { line, tag, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://cdn.example/title/master.m3u8?sig=a%2Fb";

    #[test]
    fn multivariant_variants_are_typed_and_resolved() {
        let text = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n\
            #EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=30.000\n\
            360p/index.m3u8?token=x%2By\n";
        let Playlist::Multivariant(m) = parse_playlist(text, BASE).unwrap() else {
            panic!("expected a multivariant playlist");
        };
        assert!(m.independent_segments);
        let v = &m.variants[0];
        assert_eq!(v.bandwidth, 900_000);
        assert_eq!(v.average_bandwidth, Some(800_000));
        assert_eq!(v.codecs.as_deref(), Some("avc1.4d401e,mp4a.40.2"));
        assert_eq!(
            v.resolution,
            Some(Resolution {
                width: 640,
                height: 360
            })
        );
        assert_eq!(v.frame_rate, Some(30.0));
        assert_eq!(
            v.url,
            "https://cdn.example/title/360p/index.m3u8?token=x%2By"
        );
    }

    #[test]
    fn media_playlist_with_map_ranges_and_key() {
        let text = "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n\
            #EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"700@0\"\r\n\
            #EXT-X-KEY:METHOD=AES-128,URI=\"k.key\",IV=0x000102030405060708090a0B0c0d0e0f\r\n\
            #EXTINF:4.0,\r\n#EXT-X-BYTERANGE:1000@700\r\nmain.mp4\r\n\
            #EXT-X-DISCONTINUITY\r\n#EXTINF:3.5,second\r\n#EXT-X-BYTERANGE:500\r\nmain.mp4\r\n#EXT-X-ENDLIST";
        let Playlist::Media(m) = parse_playlist(text, BASE).unwrap() else {
            panic!("expected a media playlist");
        };
        assert_eq!(m.media_sequence, 7);
        assert!(m.end_list);
        assert_eq!(m.segments.len(), 2);
        assert_eq!(m.total_duration(), 7.5);
        let s = &m.segments[1];
        assert_eq!(
            s.byte_range,
            Some(ByteRange {
                offset: 1700,
                length: 500
            })
        );
        assert_eq!(s.discontinuity_sequence, 1);
        assert_eq!(s.title.as_deref(), Some("second"));
        let key = s.key.as_ref().unwrap();
        assert_eq!(key.iv.unwrap()[15], 0x0f);
        assert_eq!(
            s.map.as_ref().unwrap().url,
            "https://cdn.example/title/init.mp4"
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            parse_playlist("<html>", BASE),
            Err(ParseError::NotAPlaylist)
        );
        assert_eq!(parse_playlist("", BASE), Err(ParseError::NotAPlaylist));
        let err = parse_playlist("#EXTM3U\n#EXTINF:abc,\nx.ts", BASE).unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::Tag {
                    line: 2,
                    tag: "EXTINF",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
