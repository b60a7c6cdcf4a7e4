//! The playlist parser: every tag of RFC 8216 and rfc8216bis, lenient where deployed players
//! are (CRLF, BOM, blank lines, stray spaces, lowercase hex, unquoted values, attribute order).
//!
//! Hand-written line dispatch instead of a grammar crate: one pass, borrowing from the input,
//! allocating only the strings the model keeps; this is what makes it several times faster
//! than hls.js on long live playlists.

use std::borrow::Cow;
use std::sync::Arc;

use super::attr::{Attr, attributes};
use super::define::{SubstitutionError, Variables, is_name};
use super::model::*;
use super::resolve::Resolver;
use super::text;

/// Largest playlist accepted, in bytes.
pub const MAX_PLAYLIST_BYTES: usize = 16 * 1024 * 1024;

/// Most EXT-X-KEY tags of distinct KEYFORMATs in force at once (real playlists carry a few).
pub const MAX_KEYS_IN_FORCE: usize = 32;

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
    /// A multivariant playlist (it has EXT-X-STREAM-INF or EXT-X-MEDIA tags) that yields no
    /// variant, I-frame variant or rendition.
    #[error("multivariant playlist lists no variant")]
    NoVariants,
    /// A tag's value could not be used.
    #[error("line {line}: {tag}: {reason}")]
    Tag {
        /// 1-based line number.
        line: usize,
        /// The tag name, e.g. `EXTINF`; `URI` for a URI line.
        tag: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Context a playlist is parsed in, beyond its text and URL.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// Variables of the multivariant playlist, for EXT-X-DEFINE:IMPORT in a media playlist
    /// (pass `&multivariant.defines`).
    pub imports: &'a [Define],
}

/// Parses `text`, fetched from `base_url`, into a multivariant or media playlist.
pub fn parse_playlist(text: &str, base_url: &str) -> Result<Playlist, ParseError> {
    parse_playlist_with(text, base_url, ParseOptions::default())
}

/// [`parse_playlist`] with options (variables to import).
pub fn parse_playlist_with(
    text: &str,
    base_url: &str,
    options: ParseOptions<'_>,
) -> Result<Playlist, ParseError> {
    if text.len() > MAX_PLAYLIST_BYTES {
        return Err(ParseError::TooLarge(text.len()));
    }
    let base = Resolver::new(base_url).map_err(|_| ParseError::BadBaseUrl(base_url.to_owned()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text::lines(text);
    match lines.find(|(_, l)| !l.is_empty()) {
        Some((_, first)) if first.starts_with("#EXTM3U") => {}
        _ => return Err(ParseError::NotAPlaylist),
    }
    let mut ctx = Ctx {
        resolver: base,
        vars: Variables::default(),
        imports: options.imports,
        line: 0,
        substitutes: memchr::memchr_iter(b'{', text.as_bytes())
            .any(|i| text.as_bytes().get(i + 1) == Some(&b'$')),
    };
    if is_multivariant(text) {
        parse_multivariant(lines, &mut ctx).map(Playlist::Multivariant)
    } else {
        parse_media(lines, &mut ctx).map(Playlist::Media)
    }
}

/// A media playlist has EXTINF or EXT-X-TARGETDURATION; a multivariant one has variants or
/// renditions. Anything else is an (empty) media playlist.
/// One pass over the `#` bytes, stopping at the first media tag.
fn is_multivariant(text: &str) -> bool {
    let mut multivariant = false;
    for i in memchr::memchr_iter(b'#', text.as_bytes()) {
        let rest = text.as_bytes().get(i..).unwrap_or_default();
        if rest.starts_with(b"#EXTINF") || rest.starts_with(b"#EXT-X-TARGETDURATION") {
            return false;
        }
        multivariant = multivariant
            || rest.starts_with(b"#EXT-X-STREAM-INF")
            || rest.starts_with(b"#EXT-X-I-FRAME-STREAM-INF")
            || rest.starts_with(b"#EXT-X-MEDIA:");
    }
    multivariant
}

/// Attributes of one tag: name, value after substitution, whether it was quoted.
type Attrs<'s> = Vec<(&'s str, Cow<'s, str>, bool)>;

/// State shared by both kinds of playlist.
struct Ctx<'a> {
    resolver: Resolver,
    vars: Variables,
    imports: &'a [Define],
    line: usize,
    /// Whether the text holds `{$` at all; when not, substitution is skipped.
    substitutes: bool,
}

impl Ctx<'_> {
    fn err(&self, tag: &'static str, reason: impl Into<String>) -> ParseError {
        ParseError::Tag {
            line: self.line,
            tag,
            reason: reason.into(),
        }
    }

    fn sub<'s>(&self, tag: &'static str, text: &'s str) -> Result<Cow<'s, str>, ParseError> {
        if !self.substitutes {
            return Ok(Cow::Borrowed(text));
        }
        self.vars.substitute(text).map_err(|e| match e {
            SubstitutionError::Undefined(name) => {
                self.err(tag, format!("variable {name:?} is not defined"))
            }
            SubstitutionError::TooLong => self.err(tag, "line too long after substitution"),
        })
    }

    /// A URI line after substitution, trimmed again (a value may bring edge spaces).
    fn uri_line<'s>(&self, line: &'s str) -> Result<Cow<'s, str>, ParseError> {
        let uri = match self.sub("URI", line)? {
            Cow::Borrowed(s) => Cow::Borrowed(s),
            Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
            Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
        };
        if uri.is_empty() || uri.starts_with('#') {
            return Err(self.err("URI", "empty or a tag after variable substitution"));
        }
        Ok(uri)
    }

    /// The attributes of a tag, values substituted.
    fn attrs<'s>(&self, tag: &'static str, list: &'s str) -> Result<Attrs<'s>, ParseError> {
        let mut out = Vec::with_capacity(8);
        for Attr {
            name,
            value,
            quoted,
        } in attributes(list)
        {
            out.push((name, self.sub(tag, value)?, quoted));
        }
        Ok(out)
    }

    fn resolve(&self, tag: &'static str, uri: &str) -> Result<String, ParseError> {
        self.resolver
            .resolve(uri)
            .map_err(|e| self.err(tag, format!("URI {uri:?} cannot be resolved: {e}")))
    }

    fn num<T: std::str::FromStr>(&self, tag: &'static str, s: &str) -> Result<T, ParseError> {
        text::trim(s)
            .parse()
            .map_err(|_| self.err(tag, format!("{s:?} is not a valid number")))
    }

    fn float(&self, tag: &'static str, s: &str) -> Result<f64, ParseError> {
        match crate::num::parse_f64(text::trim(s)) {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => Err(self.err(tag, format!("{s:?} is not a finite number"))),
            None => Err(self.err(tag, format!("{s:?} is not a valid number"))),
        }
    }

    fn define(&mut self, list: &str, defines: &mut Vec<Define>) -> Result<(), ParseError> {
        let tag = "EXT-X-DEFINE";
        let attrs = self.attrs(tag, list)?;
        let get = |n: &str| attrs.iter().find(|a| a.0 == n).map(|a| a.1.as_ref());
        let define = match (get("NAME"), get("IMPORT"), get("QUERYPARAM")) {
            (Some(name), None, None) => {
                let value = get("VALUE").ok_or_else(|| self.err(tag, "VALUE is missing"))?;
                Define::Value {
                    name: name.to_owned(),
                    value: value.to_owned(),
                }
            }
            (None, Some(name), None) => {
                let value = self
                    .imports
                    .iter()
                    .find(|d| d.name() == name)
                    .ok_or_else(|| self.err(tag, format!("IMPORT {name:?}: no such variable")))?;
                Define::Import {
                    name: name.to_owned(),
                    value: value.value().to_owned(),
                }
            }
            (None, None, Some(name)) => {
                let value = self.resolver.query_param(name).ok_or_else(|| {
                    self.err(tag, format!("QUERYPARAM {name:?} is not in the URL"))
                })?;
                Define::QueryParam {
                    name: name.to_owned(),
                    value,
                }
            }
            _ => return Err(self.err(tag, "exactly one of NAME, IMPORT, QUERYPARAM is needed")),
        };
        if define.value().contains(['"', '\r', '\n']) {
            return Err(self.err(tag, "a value may not hold a quote or a line break"));
        }
        if !is_name(define.name()) {
            return Err(self.err(tag, format!("{:?} is not a variable name", define.name())));
        }
        if !self.vars.define(define.name(), define.value()) {
            return Err(self.err(tag, format!("{:?} is defined twice", define.name())));
        }
        defines.push(define);
        Ok(())
    }

    fn start(&self, list: &str) -> Result<Start, ParseError> {
        let tag = "EXT-X-START";
        let mut start = None;
        let mut precise = false;
        for (name, value, _) in self.attrs(tag, list)? {
            match name {
                "TIME-OFFSET" => start = Some(self.float(tag, &value)?),
                "PRECISE" => precise = value == "YES",
                _ => {}
            }
        }
        Ok(Start {
            time_offset: start.ok_or_else(|| self.err(tag, "TIME-OFFSET is missing"))?,
            precise,
        })
    }

    /// EXT-X-KEY or EXT-X-SESSION-KEY; `None` for METHOD=NONE.
    fn key(&self, tag: &'static str, list: &str) -> Result<Option<Key>, ParseError> {
        let mut method = None;
        let mut key = Key {
            method: KeyMethod::Aes128,
            uri: None,
            url: None,
            iv: None,
            keyformat: None,
            keyformat_versions: None,
        };
        for (name, value, _) in self.attrs(tag, list)? {
            match name {
                "METHOD" => {
                    method = Some(match value.as_ref() {
                        "NONE" => None,
                        "AES-128" => Some(KeyMethod::Aes128),
                        "SAMPLE-AES" => Some(KeyMethod::SampleAes),
                        "SAMPLE-AES-CTR" => Some(KeyMethod::SampleAesCtr),
                        "SAMPLE-AES-CENC" => Some(KeyMethod::SampleAesCenc),
                        other => return Err(self.err(tag, format!("unknown METHOD {other:?}"))),
                    })
                }
                "URI" => {
                    key.url = Some(self.resolve(tag, &value)?);
                    key.uri = Some(value.into_owned());
                }
                "IV" => key.iv = Some(self.iv(tag, &value)?),
                "KEYFORMAT" => key.keyformat = Some(value.into_owned()),
                "KEYFORMATVERSIONS" => key.keyformat_versions = Some(value.into_owned()),
                _ => {}
            }
        }
        match method {
            None => Err(self.err(tag, "METHOD is missing")),
            Some(None) => Ok(None),
            Some(Some(m)) => {
                key.method = m;
                if key.uri.is_none() {
                    return Err(self.err(tag, "URI is missing"));
                }
                Ok(Some(key))
            }
        }
    }

    /// A hexadecimal IV of up to 32 digits (`0x` optional, any case), right-aligned.
    fn iv(&self, tag: &'static str, s: &str) -> Result<[u8; 16], ParseError> {
        let hex = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if hex.is_empty() || hex.len() > 32 {
            return Err(self.err(tag, format!("IV {s:?} is not 1 to 32 hex digits")));
        }
        let mut out = [0u8; 16];
        let offset = 32 - hex.len();
        for (i, c) in hex.bytes().enumerate() {
            let digit = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err(tag, format!("IV {s:?} is not hexadecimal")))?;
            let nibble = offset + i;
            // `digit` < 16 and `nibble / 2` < 16: both hold by construction.
            if let Some(byte) = out.get_mut(nibble / 2) {
                *byte |= (digit as u8) << if nibble.is_multiple_of(2) { 4 } else { 0 };
            }
        }
        Ok(out)
    }

    /// `length[@offset]`.
    fn byte_range_spec(
        &self,
        tag: &'static str,
        s: &str,
    ) -> Result<(u64, Option<u64>), ParseError> {
        match s.split_once('@') {
            Some((n, o)) => Ok((self.num(tag, n)?, Some(self.num(tag, o)?))),
            None => Ok((self.num(tag, s)?, None)),
        }
    }
}

fn parse_multivariant<'t>(
    lines: impl Iterator<Item = (usize, &'t str)>,
    ctx: &mut Ctx<'_>,
) -> Result<MultivariantPlaylist, ParseError> {
    let mut out = MultivariantPlaylist::default();
    let mut pending: Option<Variant> = None;
    for (line_no, line) in lines {
        ctx.line = line_no;
        if line.is_empty() {
            continue;
        }
        let Some(tag_line) = line.strip_prefix('#') else {
            if let Some(mut v) = pending.take() {
                let uri = ctx.uri_line(line)?;
                v.url = ctx.resolve("EXT-X-STREAM-INF", &uri)?;
                v.uri = uri.into_owned();
                out.variants.push(v);
            }
            continue;
        };
        if !tag_line.starts_with("EXT") {
            continue;
        }
        let (name, value) = tag_line.split_once(':').unwrap_or((tag_line, ""));
        match name {
            "EXT-X-STREAM-INF" => pending = Some(variant(ctx, "EXT-X-STREAM-INF", value)?),
            "EXT-X-I-FRAME-STREAM-INF" => {
                let tag = "EXT-X-I-FRAME-STREAM-INF";
                let v = variant(ctx, tag, value)?;
                if v.uri.is_empty() {
                    return Err(ctx.err(tag, "URI is missing"));
                }
                out.i_frame_variants.push(v);
            }
            "EXT-X-MEDIA" => out.renditions.push(rendition(ctx, value)?),
            "EXT-X-SESSION-DATA" => out.session_data.push(session_data(ctx, value)?),
            "EXT-X-SESSION-KEY" => {
                if let Some(key) = ctx.key("EXT-X-SESSION-KEY", value)? {
                    out.session_keys.push(key);
                }
            }
            "EXT-X-CONTENT-STEERING" => out.content_steering = Some(content_steering(ctx, value)?),
            "EXT-X-INDEPENDENT-SEGMENTS" => out.independent_segments = true,
            "EXT-X-START" => out.start = Some(ctx.start(value)?),
            "EXT-X-DEFINE" => ctx.define(value, &mut out.defines)?,
            "EXT-X-VERSION" => out.version = Some(ctx.num("EXT-X-VERSION", value)?),
            "EXTM3U" => {}
            _ => out.unknown_tags.push(line.to_owned()),
        }
    }
    if out.variants.is_empty() && out.i_frame_variants.is_empty() && out.renditions.is_empty() {
        return Err(ParseError::NoVariants);
    }
    Ok(out)
}

fn variant(ctx: &Ctx<'_>, tag: &'static str, list: &str) -> Result<Variant, ParseError> {
    let mut v = Variant::default();
    for (name, value, quoted) in ctx.attrs(tag, list)? {
        let text = || Some(value.clone().into_owned());
        match name {
            "BANDWIDTH" => v.bandwidth = ctx.num(tag, &value)?,
            "AVERAGE-BANDWIDTH" => v.average_bandwidth = Some(ctx.num(tag, &value)?),
            "CODECS" => v.codecs = text(),
            "SUPPLEMENTAL-CODECS" => v.supplemental_codecs = text(),
            "RESOLUTION" => {
                let (w, h) = value
                    .split_once(['x', 'X'])
                    .ok_or_else(|| ctx.err(tag, format!("RESOLUTION {value:?} is not WxH")))?;
                v.resolution = Some(Resolution {
                    width: ctx.num(tag, w)?,
                    height: ctx.num(tag, h)?,
                });
            }
            "FRAME-RATE" => v.frame_rate = Some(ctx.float(tag, &value)?),
            "HDCP-LEVEL" => v.hdcp_level = text(),
            "VIDEO-RANGE" => v.video_range = text(),
            "ALLOWED-CPC" => v.allowed_cpc = text(),
            "AUDIO" => v.audio = text(),
            "VIDEO" => v.video = text(),
            "SUBTITLES" => v.subtitles = text(),
            "CLOSED-CAPTIONS" => {
                v.closed_captions = Some(if !quoted && value == "NONE" {
                    ClosedCaptions::None
                } else {
                    ClosedCaptions::Group(value.clone().into_owned())
                })
            }
            "STABLE-VARIANT-ID" => v.stable_variant_id = text(),
            "PATHWAY-ID" => v.pathway_id = text(),
            "SCORE" => v.score = Some(ctx.float(tag, &value)?),
            "URI" if tag == "EXT-X-I-FRAME-STREAM-INF" => {
                v.url = ctx.resolve(tag, &value)?;
                v.uri = value.into_owned();
            }
            _ => v.other_attributes.push(other(name, &value, quoted)),
        }
    }
    Ok(v)
}

/// An unknown attribute kept as written.
fn other(name: &str, value: &str, quoted: bool) -> (String, String) {
    let value = if quoted {
        format!("\"{value}\"")
    } else {
        value.to_owned()
    };
    (name.to_owned(), value)
}

fn rendition(ctx: &Ctx<'_>, list: &str) -> Result<Rendition, ParseError> {
    let tag = "EXT-X-MEDIA";
    let mut media_type = None;
    let mut r = Rendition {
        media_type: MediaType::Audio,
        group_id: String::new(),
        name: String::new(),
        language: None,
        assoc_language: None,
        uri: None,
        url: None,
        default: false,
        autoselect: false,
        forced: false,
        instream_id: None,
        bit_depth: None,
        sample_rate: None,
        characteristics: None,
        channels: None,
        stable_rendition_id: None,
        other_attributes: Vec::new(),
    };
    for (name, value, quoted) in ctx.attrs(tag, list)? {
        let text = || Some(value.clone().into_owned());
        match name {
            "TYPE" => {
                media_type = Some(match value.as_ref() {
                    "AUDIO" => MediaType::Audio,
                    "VIDEO" => MediaType::Video,
                    "SUBTITLES" => MediaType::Subtitles,
                    "CLOSED-CAPTIONS" => MediaType::ClosedCaptions,
                    other => return Err(ctx.err(tag, format!("unknown TYPE {other:?}"))),
                })
            }
            "GROUP-ID" => r.group_id = value.into_owned(),
            "NAME" => r.name = value.into_owned(),
            "LANGUAGE" => r.language = text(),
            "ASSOC-LANGUAGE" => r.assoc_language = text(),
            "URI" => {
                r.url = Some(ctx.resolve(tag, &value)?);
                r.uri = text();
            }
            "DEFAULT" => r.default = value == "YES",
            "AUTOSELECT" => r.autoselect = value == "YES",
            "FORCED" => r.forced = value == "YES",
            "INSTREAM-ID" => r.instream_id = text(),
            "BIT-DEPTH" => r.bit_depth = Some(ctx.num(tag, &value)?),
            "SAMPLE-RATE" => r.sample_rate = Some(ctx.num(tag, &value)?),
            "CHARACTERISTICS" => r.characteristics = text(),
            "CHANNELS" => r.channels = text(),
            "STABLE-RENDITION-ID" => r.stable_rendition_id = text(),
            _ => r.other_attributes.push(other(name, &value, quoted)),
        }
    }
    r.media_type = media_type.ok_or_else(|| ctx.err(tag, "TYPE is missing"))?;
    Ok(r)
}

fn session_data(ctx: &Ctx<'_>, list: &str) -> Result<SessionData, ParseError> {
    let tag = "EXT-X-SESSION-DATA";
    let mut data_id = None;
    let mut d = SessionData {
        data_id: String::new(),
        value: None,
        uri: None,
        url: None,
        format: None,
        language: None,
    };
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "DATA-ID" => data_id = Some(value.into_owned()),
            "VALUE" => d.value = Some(value.into_owned()),
            "URI" => {
                d.url = Some(ctx.resolve(tag, &value)?);
                d.uri = Some(value.into_owned());
            }
            "FORMAT" => d.format = Some(value.into_owned()),
            "LANGUAGE" => d.language = Some(value.into_owned()),
            _ => {}
        }
    }
    d.data_id = data_id.ok_or_else(|| ctx.err(tag, "DATA-ID is missing"))?;
    Ok(d)
}

fn content_steering(ctx: &Ctx<'_>, list: &str) -> Result<ContentSteering, ParseError> {
    let tag = "EXT-X-CONTENT-STEERING";
    let mut server = None;
    let mut pathway_id = None;
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "SERVER-URI" => server = Some(value.into_owned()),
            "PATHWAY-ID" => pathway_id = Some(value.into_owned()),
            _ => {}
        }
    }
    let server_uri = server.ok_or_else(|| ctx.err(tag, "SERVER-URI is missing"))?;
    Ok(ContentSteering {
        server_url: ctx.resolve(tag, &server_uri)?,
        server_uri,
        pathway_id,
    })
}

/// Where the previous byte range of a resource ended, for implicit offsets.
struct RangeEnd {
    uri: String,
    end: u64,
}

/// Applies an EXT-X-BYTERANGE-style spec to `uri`, filling an implicit offset.
fn byte_range(
    ctx: &Ctx<'_>,
    tag: &'static str,
    (length, offset): (u64, Option<u64>),
    uri: &str,
    previous: &mut Option<RangeEnd>,
) -> Result<ByteRange, ParseError> {
    let offset = match (offset, previous.as_ref()) {
        (Some(o), _) => o,
        (None, Some(prev)) if prev.uri == uri => prev.end,
        _ => {
            return Err(ctx.err(tag, "no offset and no previous range of the same resource"));
        }
    };
    let end = offset
        .checked_add(length)
        .ok_or_else(|| ctx.err(tag, "range ends past 2^64"))?;
    match previous {
        Some(prev) if prev.uri == uri => prev.end = end,
        _ => {
            *previous = Some(RangeEnd {
                uri: uri.to_owned(),
                end,
            })
        }
    }
    Ok(ByteRange { offset, length })
}

/// The key set in force while parsing a media playlist.
#[derive(Default)]
struct KeyState {
    keys: Vec<Key>,
    key: Option<Arc<Key>>,
    all: Option<Arc<[Key]>>,
}

impl KeyState {
    /// Applies one EXT-X-KEY; `false` when it would exceed [`MAX_KEYS_IN_FORCE`].
    fn apply(&mut self, key: Option<Key>) -> bool {
        match key {
            None => self.keys.clear(),
            Some(k) => {
                let class = |k: &Key| k.keyformat.clone().filter(|f| f != "identity");
                let new_class = class(&k);
                let full = self.keys.len() >= MAX_KEYS_IN_FORCE;
                match self.keys.iter_mut().find(|old| class(old) == new_class) {
                    Some(slot) => *slot = k,
                    None if full => return false,
                    None => self.keys.push(k),
                }
            }
        }
        let primary = self
            .keys
            .iter()
            .find(|k| k.keyformat.as_deref().is_none_or(|f| f == "identity"))
            .or_else(|| self.keys.first());
        self.key = primary.cloned().map(Arc::new);
        self.all = (self.keys.len() > 1).then(|| Arc::from(self.keys.as_slice()));
        true
    }
}

fn parse_media<'t>(
    lines: impl Iterator<Item = (usize, &'t str)>,
    ctx: &mut Ctx<'_>,
) -> Result<MediaPlaylist, ParseError> {
    let mut out = MediaPlaylist::default();
    let mut next = Segment::default();
    let mut seen_extinf = false;
    let mut keys = KeyState::default();
    let mut map: Option<Arc<Map>> = None;
    let mut bitrate = None;
    let mut pending_range: Option<(u64, Option<u64>)> = None;
    let mut segment_range: Option<RangeEnd> = None;
    let mut part_range: Option<RangeEnd> = None;
    for (line_no, line) in lines {
        ctx.line = line_no;
        if line.is_empty() {
            continue;
        }
        let Some(tag_line) = line.strip_prefix('#') else {
            if !seen_extinf {
                return Err(ctx.err("URI", "segment URI without EXTINF"));
            }
            let mut seg = std::mem::take(&mut next);
            seen_extinf = false;
            let uri = ctx.uri_line(line)?;
            // Live playlists often repeat one URI (byte ranges): reuse its resolution.
            seg.url = match out.segments.last() {
                Some(prev) if prev.uri == *uri => prev.url.clone(),
                _ => ctx.resolve("URI", &uri)?,
            };
            if let Some(spec) = pending_range.take() {
                seg.byte_range = Some(byte_range(
                    ctx,
                    "EXT-X-BYTERANGE",
                    spec,
                    &uri,
                    &mut segment_range,
                )?);
            }
            seg.uri = uri.into_owned();
            seg.key = keys.key.clone();
            seg.keys = keys.all.clone();
            seg.map = map.clone();
            seg.bitrate = bitrate;
            out.segments.push(seg);
            continue;
        };
        if !tag_line.starts_with("EXT") {
            continue;
        }
        let (name, value) = tag_line.split_once(':').unwrap_or((tag_line, ""));
        match name {
            "EXTINF" => {
                let (dur, title) = value.split_once(',').unwrap_or((value, ""));
                next.duration = ctx.float("EXTINF", dur)?;
                if next.duration < 0.0 {
                    return Err(ctx.err("EXTINF", "negative duration"));
                }
                let title = text::trim(title);
                next.title = (!title.is_empty()).then(|| title.to_owned());
                seen_extinf = true;
            }
            "EXT-X-BYTERANGE" => {
                pending_range = Some(ctx.byte_range_spec("EXT-X-BYTERANGE", text::trim(value))?);
            }
            "EXT-X-PROGRAM-DATE-TIME" => {
                next.program_date_time = Some(text::trim(value).to_owned())
            }
            "EXT-X-DISCONTINUITY" => next.discontinuity = true,
            "EXT-X-GAP" => next.gap = true,
            "EXT-X-KEY" => {
                if !keys.apply(ctx.key("EXT-X-KEY", value)?) {
                    return Err(ctx.err(
                        "EXT-X-KEY",
                        format!("more than {MAX_KEYS_IN_FORCE} key formats in force"),
                    ));
                }
            }
            "EXT-X-MAP" => map = Some(Arc::new(parse_map(ctx, value)?)),
            "EXT-X-BITRATE" => bitrate = Some(ctx.num("EXT-X-BITRATE", value)?),
            "EXT-X-PART" => {
                let part = parse_part(ctx, value, &mut part_range)?;
                next.parts.push(part);
            }
            "EXT-X-TARGETDURATION" => {
                out.target_duration = ctx.float("EXT-X-TARGETDURATION", value)?;
            }
            "EXT-X-MEDIA-SEQUENCE" => {
                out.media_sequence = ctx.num("EXT-X-MEDIA-SEQUENCE", value)?;
            }
            "EXT-X-DISCONTINUITY-SEQUENCE" => {
                out.discontinuity_sequence = ctx.num("EXT-X-DISCONTINUITY-SEQUENCE", value)?;
            }
            "EXT-X-ENDLIST" => out.end_list = true,
            "EXT-X-PLAYLIST-TYPE" => {
                out.playlist_type = match value.trim() {
                    "VOD" => Some(PlaylistType::Vod),
                    "EVENT" => Some(PlaylistType::Event),
                    other => {
                        return Err(ctx.err("EXT-X-PLAYLIST-TYPE", format!("unknown {other:?}")));
                    }
                };
            }
            "EXT-X-I-FRAMES-ONLY" => out.i_frames_only = true,
            "EXT-X-INDEPENDENT-SEGMENTS" => out.independent_segments = true,
            "EXT-X-START" => out.start = Some(ctx.start(value)?),
            "EXT-X-VERSION" => out.version = Some(ctx.num("EXT-X-VERSION", value)?),
            "EXT-X-DEFINE" => ctx.define(value, &mut out.defines)?,
            "EXT-X-DATERANGE" => out.date_ranges.push(date_range(ctx, value)?),
            "EXT-X-SERVER-CONTROL" => out.server_control = Some(server_control(ctx, value)?),
            "EXT-X-PART-INF" => out.part_target = Some(part_inf(ctx, value)?),
            "EXT-X-SKIP" => {
                if !out.segments.is_empty() {
                    return Err(ctx.err("EXT-X-SKIP", "must come before the first segment"));
                }
                out.skip = Some(skip(ctx, value)?);
            }
            "EXT-X-PRELOAD-HINT" => out.preload_hints.push(preload_hint(ctx, value)?),
            "EXT-X-RENDITION-REPORT" => {
                out.rendition_reports.push(rendition_report(ctx, value)?);
            }
            "EXTM3U" => {}
            _ => next.unknown_tags.push(line.to_owned()),
        }
    }
    out.trailing_parts = next.parts;
    out.trailing_unknown_tags = next.unknown_tags;
    // After the loop: EXT-X-DISCONTINUITY-SEQUENCE may (wrongly) follow segments.
    let mut discontinuity_sequence = out.discontinuity_sequence;
    for seg in &mut out.segments {
        discontinuity_sequence =
            discontinuity_sequence.saturating_add(u64::from(seg.discontinuity));
        seg.discontinuity_sequence = discontinuity_sequence;
    }
    Ok(out)
}

fn parse_map(ctx: &Ctx<'_>, list: &str) -> Result<Map, ParseError> {
    let tag = "EXT-X-MAP";
    let mut uri = None;
    let mut range = None;
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "URI" => uri = Some(value.into_owned()),
            "BYTERANGE" => range = Some(ctx.byte_range_spec(tag, &value)?),
            _ => {}
        }
    }
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    let byte_range = match range {
        Some((length, offset)) => {
            let offset = offset.unwrap_or(0);
            if offset.checked_add(length).is_none() {
                return Err(ctx.err(tag, "range ends past 2^64"));
            }
            Some(ByteRange { offset, length })
        }
        None => None,
    };
    Ok(Map {
        url: ctx.resolve(tag, &uri)?,
        uri,
        byte_range,
    })
}

fn parse_part(
    ctx: &Ctx<'_>,
    list: &str,
    previous: &mut Option<RangeEnd>,
) -> Result<Part, ParseError> {
    let tag = "EXT-X-PART";
    let mut uri = None;
    let mut duration = None;
    let mut independent = false;
    let mut gap = false;
    let mut range = None;
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "URI" => uri = Some(value.into_owned()),
            "DURATION" => duration = Some(ctx.float(tag, &value)?),
            "INDEPENDENT" => independent = value == "YES",
            "GAP" => gap = value == "YES",
            "BYTERANGE" => range = Some(ctx.byte_range_spec(tag, &value)?),
            _ => {}
        }
    }
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    let byte_range = match range {
        Some(spec) => Some(byte_range(ctx, tag, spec, &uri, previous)?),
        None => None,
    };
    Ok(Part {
        url: ctx.resolve(tag, &uri)?,
        uri,
        duration: duration.ok_or_else(|| ctx.err(tag, "DURATION is missing"))?,
        independent,
        byte_range,
        gap,
    })
}

fn date_range(ctx: &Ctx<'_>, list: &str) -> Result<DateRange, ParseError> {
    let tag = "EXT-X-DATERANGE";
    let mut id = None;
    let mut d = DateRange {
        id: String::new(),
        class: None,
        start_date: None,
        cue: None,
        end_date: None,
        duration: None,
        planned_duration: None,
        scte35_cmd: None,
        scte35_out: None,
        scte35_in: None,
        end_on_next: false,
        client_attributes: Vec::new(),
    };
    for (name, value, quoted) in ctx.attrs(tag, list)? {
        match name {
            "ID" => id = Some(value.into_owned()),
            "CLASS" => d.class = Some(value.into_owned()),
            "START-DATE" => d.start_date = Some(value.into_owned()),
            "CUE" => d.cue = Some(value.into_owned()),
            "END-DATE" => d.end_date = Some(value.into_owned()),
            "DURATION" => d.duration = Some(ctx.float(tag, &value)?),
            "PLANNED-DURATION" => d.planned_duration = Some(ctx.float(tag, &value)?),
            "SCTE35-CMD" => d.scte35_cmd = Some(value.into_owned()),
            "SCTE35-OUT" => d.scte35_out = Some(value.into_owned()),
            "SCTE35-IN" => d.scte35_in = Some(value.into_owned()),
            "END-ON-NEXT" => d.end_on_next = value == "YES",
            n if n.starts_with("X-") => {
                let v = if quoted {
                    AttributeValue::String(value.into_owned())
                } else if value.starts_with("0x") || value.starts_with("0X") {
                    AttributeValue::Hex(value.into_owned())
                } else {
                    ctx.float(tag, &value)?;
                    AttributeValue::Number(value.into_owned())
                };
                d.client_attributes.push((n.to_owned(), v));
            }
            _ => {}
        }
    }
    d.id = id.ok_or_else(|| ctx.err(tag, "ID is missing"))?;
    Ok(d)
}

fn server_control(ctx: &Ctx<'_>, list: &str) -> Result<ServerControl, ParseError> {
    let tag = "EXT-X-SERVER-CONTROL";
    let mut s = ServerControl::default();
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "CAN-SKIP-UNTIL" => s.can_skip_until = Some(ctx.float(tag, &value)?),
            "CAN-SKIP-DATERANGES" => s.can_skip_dateranges = value == "YES",
            "HOLD-BACK" => s.hold_back = Some(ctx.float(tag, &value)?),
            "PART-HOLD-BACK" => s.part_hold_back = Some(ctx.float(tag, &value)?),
            "CAN-BLOCK-RELOAD" => s.can_block_reload = value == "YES",
            _ => {}
        }
    }
    Ok(s)
}

fn part_inf(ctx: &Ctx<'_>, list: &str) -> Result<f64, ParseError> {
    let tag = "EXT-X-PART-INF";
    let attrs = ctx.attrs(tag, list)?;
    let target = attrs
        .iter()
        .find(|a| a.0 == "PART-TARGET")
        .ok_or_else(|| ctx.err(tag, "PART-TARGET is missing"))?;
    ctx.float(tag, &target.1)
}

fn skip(ctx: &Ctx<'_>, list: &str) -> Result<Skip, ParseError> {
    let tag = "EXT-X-SKIP";
    let mut count = None;
    let mut removed = Vec::new();
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "SKIPPED-SEGMENTS" => count = Some(ctx.num(tag, &value)?),
            "RECENTLY-REMOVED-DATERANGES" => {
                removed = value
                    .split('\t')
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    Ok(Skip {
        skipped_segments: count.ok_or_else(|| ctx.err(tag, "SKIPPED-SEGMENTS is missing"))?,
        recently_removed_dateranges: removed,
    })
}

fn preload_hint(ctx: &Ctx<'_>, list: &str) -> Result<PreloadHint, ParseError> {
    let tag = "EXT-X-PRELOAD-HINT";
    let mut hint_type = None;
    let mut uri = None;
    let mut byterange_start = None;
    let mut byterange_length = None;
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "TYPE" => {
                hint_type = Some(match value.as_ref() {
                    "PART" => PreloadHintType::Part,
                    "MAP" => PreloadHintType::Map,
                    other => return Err(ctx.err(tag, format!("unknown TYPE {other:?}"))),
                })
            }
            "URI" => uri = Some(value.into_owned()),
            "BYTERANGE-START" => byterange_start = Some(ctx.num(tag, &value)?),
            "BYTERANGE-LENGTH" => byterange_length = Some(ctx.num(tag, &value)?),
            _ => {}
        }
    }
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    Ok(PreloadHint {
        hint_type: hint_type.ok_or_else(|| ctx.err(tag, "TYPE is missing"))?,
        url: ctx.resolve(tag, &uri)?,
        uri,
        byterange_start,
        byterange_length,
    })
}

fn rendition_report(ctx: &Ctx<'_>, list: &str) -> Result<RenditionReport, ParseError> {
    let tag = "EXT-X-RENDITION-REPORT";
    let mut uri = None;
    let mut last_msn = None;
    let mut last_part = None;
    for (name, value, _) in ctx.attrs(tag, list)? {
        match name {
            "URI" => uri = Some(value.into_owned()),
            "LAST-MSN" => last_msn = Some(ctx.num(tag, &value)?),
            "LAST-PART" => last_part = Some(ctx.num(tag, &value)?),
            _ => {}
        }
    }
    let uri = uri.ok_or_else(|| ctx.err(tag, "URI is missing"))?;
    Ok(RenditionReport {
        url: ctx.resolve(tag, &uri)?,
        uri,
        last_msn,
        last_part,
    })
}
