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

#[cfg(feature = "playlist-metadata")]
#[path = "parse_metadata.rs"]
mod metadata;
#[cfg(feature = "playlist-metadata")]
use metadata::*;

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
    #[error("playlist URL {} is not absolute", crate::json::string(.0))]
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

/// A parse error on its way out: boxed, so that each `?` of the parser moves one pointer
/// rather than the whole error (wasm gz 126,954 -> 125,415).
type Failed = Box<ParseError>;

/// The result of a step of the parser.
type Res<T> = Result<T, Failed>;

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
    let parsed = if is_multivariant(text) {
        parse_multivariant(lines, &mut ctx).map(Playlist::Multivariant)
    } else {
        parse_media(lines, &mut ctx).map(Playlist::Media)
    };
    parsed.map_err(|e| *e)
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

/// The tags the parsers read, both kinds of playlist together.
#[derive(Debug, Clone, Copy)]
enum Tag {
    Extinf,
    ProgramDateTime,
    ByteRange,
    StreamInf,
    Media,
    #[cfg(feature = "playlist-metadata")]
    Part,
    Key,
    Map,
    Discontinuity,
    Gap,
    Bitrate,
    #[cfg(feature = "playlist-metadata")]
    DateRange,
    #[cfg(feature = "playlist-metadata")]
    PreloadHint,
    #[cfg(feature = "playlist-metadata")]
    RenditionReport,
    TargetDuration,
    MediaSequence,
    DiscontinuitySequence,
    EndList,
    PlaylistType,
    IFramesOnly,
    IndependentSegments,
    Start,
    Version,
    Define,
    #[cfg(feature = "playlist-metadata")]
    ServerControl,
    #[cfg(feature = "playlist-metadata")]
    PartInf,
    #[cfg(feature = "playlist-metadata")]
    Skip,
    IFrameStreamInf,
    #[cfg(feature = "playlist-metadata")]
    SessionData,
    SessionKey,
    #[cfg(feature = "playlist-metadata")]
    ContentSteering,
    Extm3u,
}

/// Tag names, the ones every segment or variant carries first. One table searched by one
/// loop: a `match` on the names compiled to inline comparisons of every name (kilobytes of
/// wasm), and a line's name rarely has the length of more than a few entries.
const TAGS: [(&str, Tag); 23] = [
    ("EXTINF", Tag::Extinf),
    ("EXT-X-PROGRAM-DATE-TIME", Tag::ProgramDateTime),
    ("EXT-X-BYTERANGE", Tag::ByteRange),
    ("EXT-X-STREAM-INF", Tag::StreamInf),
    ("EXT-X-MEDIA", Tag::Media),
    ("EXT-X-KEY", Tag::Key),
    ("EXT-X-MAP", Tag::Map),
    ("EXT-X-DISCONTINUITY", Tag::Discontinuity),
    ("EXT-X-GAP", Tag::Gap),
    ("EXT-X-BITRATE", Tag::Bitrate),
    ("EXT-X-TARGETDURATION", Tag::TargetDuration),
    ("EXT-X-MEDIA-SEQUENCE", Tag::MediaSequence),
    ("EXT-X-DISCONTINUITY-SEQUENCE", Tag::DiscontinuitySequence),
    ("EXT-X-ENDLIST", Tag::EndList),
    ("EXT-X-PLAYLIST-TYPE", Tag::PlaylistType),
    ("EXT-X-I-FRAMES-ONLY", Tag::IFramesOnly),
    ("EXT-X-INDEPENDENT-SEGMENTS", Tag::IndependentSegments),
    ("EXT-X-START", Tag::Start),
    ("EXT-X-VERSION", Tag::Version),
    ("EXT-X-DEFINE", Tag::Define),
    ("EXT-X-I-FRAME-STREAM-INF", Tag::IFrameStreamInf),
    ("EXT-X-SESSION-KEY", Tag::SessionKey),
    ("EXTM3U", Tag::Extm3u),
];

/// Tags only the `playlist-metadata` feature reads (see `parse_metadata`).
#[cfg(feature = "playlist-metadata")]
const METADATA_TAGS: [(&str, Tag); 9] = [
    ("EXT-X-PART", Tag::Part),
    ("EXT-X-DATERANGE", Tag::DateRange),
    ("EXT-X-PRELOAD-HINT", Tag::PreloadHint),
    ("EXT-X-RENDITION-REPORT", Tag::RenditionReport),
    ("EXT-X-SERVER-CONTROL", Tag::ServerControl),
    ("EXT-X-PART-INF", Tag::PartInf),
    ("EXT-X-SKIP", Tag::Skip),
    ("EXT-X-SESSION-DATA", Tag::SessionData),
    ("EXT-X-CONTENT-STEERING", Tag::ContentSteering),
];

/// The value `table` pairs with `name`.
fn pick<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table
        .iter()
        .find(|(n, _)| text::same(n, name))
        .map(|&(_, v)| v)
}

/// Attribute names the parser reads; each tag's reader lists the ones it takes.
// Without `playlist-metadata` the attributes of the tags it gates are not read.
#[cfg_attr(not(feature = "playlist-metadata"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    AllowedCpc,
    AssocLanguage,
    Audio,
    Autoselect,
    AverageBandwidth,
    Bandwidth,
    BitDepth,
    ByteRange,
    ByteRangeLength,
    ByteRangeStart,
    CanBlockReload,
    CanSkipDateRanges,
    CanSkipUntil,
    Channels,
    Characteristics,
    Class,
    ClosedCaptions,
    Codecs,
    Cue,
    DataId,
    Default,
    Duration,
    EndDate,
    EndOnNext,
    Forced,
    Format,
    FrameRate,
    Gap,
    GroupId,
    HdcpLevel,
    HoldBack,
    Id,
    Import,
    Independent,
    InstreamId,
    Iv,
    KeyFormat,
    KeyFormatVersions,
    Language,
    LastMsn,
    LastPart,
    Method,
    Name,
    PartHoldBack,
    PartTarget,
    PathwayId,
    PlannedDuration,
    Precise,
    QueryParam,
    RecentlyRemovedDateRanges,
    Resolution,
    SampleRate,
    Score,
    Scte35Cmd,
    Scte35In,
    Scte35Out,
    ServerUri,
    SkippedSegments,
    StableRenditionId,
    StableVariantId,
    StartDate,
    Subtitles,
    SupplementalCodecs,
    TimeOffset,
    Type,
    Uri,
    Value,
    Video,
    VideoRange,
}

impl Field {
    /// The name as a playlist spells it.
    #[inline(always)]
    fn as_str(self) -> &'static str {
        match self {
            Field::AllowedCpc => "ALLOWED-CPC",
            Field::AssocLanguage => "ASSOC-LANGUAGE",
            Field::Audio => "AUDIO",
            Field::Autoselect => "AUTOSELECT",
            Field::AverageBandwidth => "AVERAGE-BANDWIDTH",
            Field::Bandwidth => "BANDWIDTH",
            Field::BitDepth => "BIT-DEPTH",
            Field::ByteRange => "BYTERANGE",
            Field::ByteRangeLength => "BYTERANGE-LENGTH",
            Field::ByteRangeStart => "BYTERANGE-START",
            Field::CanBlockReload => "CAN-BLOCK-RELOAD",
            Field::CanSkipDateRanges => "CAN-SKIP-DATERANGES",
            Field::CanSkipUntil => "CAN-SKIP-UNTIL",
            Field::Channels => "CHANNELS",
            Field::Characteristics => "CHARACTERISTICS",
            Field::Class => "CLASS",
            Field::ClosedCaptions => "CLOSED-CAPTIONS",
            Field::Codecs => "CODECS",
            Field::Cue => "CUE",
            Field::DataId => "DATA-ID",
            Field::Default => "DEFAULT",
            Field::Duration => "DURATION",
            Field::EndDate => "END-DATE",
            Field::EndOnNext => "END-ON-NEXT",
            Field::Forced => "FORCED",
            Field::Format => "FORMAT",
            Field::FrameRate => "FRAME-RATE",
            Field::Gap => "GAP",
            Field::GroupId => "GROUP-ID",
            Field::HdcpLevel => "HDCP-LEVEL",
            Field::HoldBack => "HOLD-BACK",
            Field::Id => "ID",
            Field::Import => "IMPORT",
            Field::Independent => "INDEPENDENT",
            Field::InstreamId => "INSTREAM-ID",
            Field::Iv => "IV",
            Field::KeyFormat => "KEYFORMAT",
            Field::KeyFormatVersions => "KEYFORMATVERSIONS",
            Field::Language => "LANGUAGE",
            Field::LastMsn => "LAST-MSN",
            Field::LastPart => "LAST-PART",
            Field::Method => "METHOD",
            Field::Name => "NAME",
            Field::PartHoldBack => "PART-HOLD-BACK",
            Field::PartTarget => "PART-TARGET",
            Field::PathwayId => "PATHWAY-ID",
            Field::PlannedDuration => "PLANNED-DURATION",
            Field::Precise => "PRECISE",
            Field::QueryParam => "QUERYPARAM",
            Field::RecentlyRemovedDateRanges => "RECENTLY-REMOVED-DATERANGES",
            Field::Resolution => "RESOLUTION",
            Field::SampleRate => "SAMPLE-RATE",
            Field::Score => "SCORE",
            Field::Scte35Cmd => "SCTE35-CMD",
            Field::Scte35In => "SCTE35-IN",
            Field::Scte35Out => "SCTE35-OUT",
            Field::ServerUri => "SERVER-URI",
            Field::SkippedSegments => "SKIPPED-SEGMENTS",
            Field::StableRenditionId => "STABLE-RENDITION-ID",
            Field::StableVariantId => "STABLE-VARIANT-ID",
            Field::StartDate => "START-DATE",
            Field::Subtitles => "SUBTITLES",
            Field::SupplementalCodecs => "SUPPLEMENTAL-CODECS",
            Field::TimeOffset => "TIME-OFFSET",
            Field::Type => "TYPE",
            Field::Uri => "URI",
            Field::Value => "VALUE",
            Field::Video => "VIDEO",
            Field::VideoRange => "VIDEO-RANGE",
        }
    }
}

/// Receives one attribute of a tag: its [`Field`] when the reader listed it, the name as
/// written, the value after substitution, and whether the value was quoted.
type OnAttr<'f> = dyn FnMut(Option<Field>, &str, &str, bool) -> Res<()> + 'f;

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
    #[cold]
    fn err(&self, tag: &'static str, reason: &str) -> Failed {
        self.fail(tag, reason.to_owned())
    }

    /// An error whose reason quotes `value` (as a JSON string) between two fixed parts.
    #[cold]
    fn err_quoted(&self, tag: &'static str, before: &str, value: &str, after: &str) -> Failed {
        self.fail(tag, [before, &crate::json::string(value), after].concat())
    }

    #[cold]
    fn fail(&self, tag: &'static str, reason: String) -> Failed {
        Box::new(ParseError::Tag {
            line: self.line,
            tag,
            reason,
        })
    }

    fn sub<'s>(&self, tag: &'static str, text: &'s str) -> Res<Cow<'s, str>> {
        if !self.substitutes {
            return Ok(Cow::Borrowed(text));
        }
        self.vars.substitute(text).map_err(|e| match e {
            SubstitutionError::Undefined(name) => {
                self.err_quoted(tag, "variable ", &name, " is not defined")
            }
            SubstitutionError::TooLong => self.err(tag, "line too long after substitution"),
        })
    }

    /// A URI line after substitution, trimmed again (a value may bring edge spaces).
    fn uri_line<'s>(&self, line: &'s str) -> Res<Cow<'s, str>> {
        let uri = match self.sub("URI", line)? {
            Cow::Borrowed(s) => Cow::Borrowed(s),
            Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
            Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
        };
        if uri.is_empty() || uri.as_bytes().first() == Some(&b'#') {
            return Err(self.err("URI", "empty or a tag after variable substitution"));
        }
        Ok(uri)
    }

    /// Calls `on` with each attribute of a tag in order, values substituted, names looked up
    /// in `names`. Every value is substituted before the first call, so a substitution
    /// error comes before any error about a value.
    fn attrs(
        &self,
        tag: &'static str,
        list: &str,
        names: &[Field],
        on: &mut OnAttr<'_>,
    ) -> Res<()> {
        if self.substitutes {
            for attr in attributes(list) {
                self.sub(tag, attr.value)?;
            }
        }
        for Attr {
            name,
            value,
            quoted,
        } in attributes(list)
        {
            let known = names.iter().copied().find(|n| text::same(n.as_str(), name));
            if self.substitutes {
                on(known, name, &self.sub(tag, value)?, quoted)?;
            } else {
                // No `Cow` in the common case: its deref is a call in wasm.
                on(known, name, value, quoted)?;
            }
        }
        Ok(())
    }

    fn resolve(&self, tag: &'static str, uri: &str) -> Res<String> {
        self.resolver.resolve(uri).map_err(|e| {
            self.err_quoted(
                tag,
                "URI ",
                uri,
                &[" cannot be resolved: ", &e.to_string()].concat(),
            )
        })
    }

    fn uint(&self, tag: &'static str, s: &str) -> Res<u64> {
        crate::num::parse_u64(text::trim(s))
            .ok_or_else(|| self.err_quoted(tag, "", s, " is not a valid number"))
    }

    fn uint32(&self, tag: &'static str, s: &str) -> Res<u32> {
        u32::try_from(self.uint(tag, s)?)
            .map_err(|_| self.err_quoted(tag, "", s, " is not a valid number"))
    }

    fn float(&self, tag: &'static str, s: &str) -> Res<f64> {
        match crate::num::parse_f64(text::trim(s)) {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => Err(self.err_quoted(tag, "", s, " is not a finite number")),
            None => Err(self.err_quoted(tag, "", s, " is not a valid number")),
        }
    }

    fn define(&mut self, list: &str, defines: &mut Vec<Define>) -> Res<()> {
        let tag = "EXT-X-DEFINE";
        let (mut name, mut value, mut import, mut query) = (None, None, None, None);
        let names = [Field::Name, Field::Value, Field::Import, Field::QueryParam];
        self.attrs(tag, list, &names, &mut |n, _, v, _| {
            let slot = match n {
                Some(Field::Name) => &mut name,
                Some(Field::Value) => &mut value,
                Some(Field::Import) => &mut import,
                Some(Field::QueryParam) => &mut query,
                _ => return Ok(()),
            };
            // The first of each counts.
            if slot.is_none() {
                *slot = Some(v.to_owned());
            }
            Ok(())
        })?;
        let define = match (name, import, query) {
            (Some(name), None, None) => Define::Value {
                name,
                value: value.ok_or_else(|| self.err(tag, "VALUE is missing"))?,
            },
            (None, Some(name), None) => {
                let value = self
                    .imports
                    .iter()
                    .find(|d| d.name() == name)
                    .ok_or_else(|| self.err_quoted(tag, "IMPORT ", &name, ": no such variable"))?;
                Define::Import {
                    value: value.value().to_owned(),
                    name,
                }
            }
            (None, None, Some(name)) => {
                let value = self.resolver.query_param(&name).ok_or_else(|| {
                    self.err_quoted(tag, "QUERYPARAM ", &name, " is not in the URL")
                })?;
                Define::QueryParam { name, value }
            }
            _ => return Err(self.err(tag, "exactly one of NAME, IMPORT, QUERYPARAM is needed")),
        };
        if define.value().contains(['"', '\r', '\n']) {
            return Err(self.err(tag, "a value may not hold a quote or a line break"));
        }
        if !is_name(define.name()) {
            return Err(self.err_quoted(tag, "", define.name(), " is not a variable name"));
        }
        if !self.vars.define(define.name(), define.value()) {
            return Err(self.err_quoted(tag, "", define.name(), " is defined twice"));
        }
        defines.push(define);
        Ok(())
    }

    fn start(&self, list: &str) -> Res<Start> {
        let tag = "EXT-X-START";
        let mut start = None;
        let mut precise = false;
        let names = [Field::TimeOffset, Field::Precise];
        self.attrs(tag, list, &names, &mut |name, _, value, _| {
            match name {
                Some(Field::TimeOffset) => start = Some(self.float(tag, value)?),
                Some(Field::Precise) => precise = value == "YES",
                _ => {}
            }
            Ok(())
        })?;
        Ok(Start {
            time_offset: start.ok_or_else(|| self.err(tag, "TIME-OFFSET is missing"))?,
            precise,
        })
    }

    /// EXT-X-KEY or EXT-X-SESSION-KEY; `None` for METHOD=NONE.
    fn key(&self, tag: &'static str, list: &str) -> Res<Option<Key>> {
        const METHODS: [(&str, Option<KeyMethod>); 5] = [
            ("NONE", None),
            ("AES-128", Some(KeyMethod::Aes128)),
            ("SAMPLE-AES", Some(KeyMethod::SampleAes)),
            ("SAMPLE-AES-CTR", Some(KeyMethod::SampleAesCtr)),
            ("SAMPLE-AES-CENC", Some(KeyMethod::SampleAesCenc)),
        ];
        let mut method = None;
        let mut key = Key {
            method: KeyMethod::Aes128,
            uri: None,
            url: None,
            iv: None,
            keyformat: None,
            keyformat_versions: None,
        };
        let names = [
            Field::Method,
            Field::Uri,
            Field::Iv,
            Field::KeyFormat,
            Field::KeyFormatVersions,
        ];
        self.attrs(tag, list, &names, &mut |name, _, value, _| {
            match name {
                Some(Field::Method) => {
                    method = Some(
                        pick(&METHODS, value)
                            .ok_or_else(|| self.err_quoted(tag, "unknown METHOD ", value, ""))?,
                    );
                }
                Some(Field::Uri) => {
                    key.url = Some(self.resolve(tag, value)?);
                    set(&mut key.uri, value);
                }
                Some(Field::Iv) => key.iv = Some(self.iv(tag, value)?),
                Some(Field::KeyFormat) => set(&mut key.keyformat, value),
                Some(Field::KeyFormatVersions) => set(&mut key.keyformat_versions, value),
                _ => {}
            }
            Ok(())
        })?;
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
    fn iv(&self, tag: &'static str, s: &str) -> Res<[u8; 16]> {
        let hex = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if hex.is_empty() || hex.len() > 32 {
            return Err(self.err_quoted(tag, "IV ", s, " is not 1 to 32 hex digits"));
        }
        let mut out = [0u8; 16];
        let offset = 32 - hex.len();
        for (i, c) in hex.bytes().enumerate() {
            let digit = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err_quoted(tag, "IV ", s, " is not hexadecimal"))?;
            let nibble = offset + i;
            // `digit` < 16 and `nibble / 2` < 16: both hold by construction.
            if let Some(byte) = out.get_mut(nibble / 2) {
                *byte |= (digit as u8) << if nibble.is_multiple_of(2) { 4 } else { 0 };
            }
        }
        Ok(out)
    }

    /// `length[@offset]`.
    fn byte_range_spec(&self, tag: &'static str, s: &str) -> Res<(u64, Option<u64>)> {
        match text::find_byte(s, b'@') {
            Some(at) => Ok((
                self.uint(tag, s.get(..at).unwrap_or_default())?,
                Some(self.uint(tag, s.get(at + 1..).unwrap_or_default())?),
            )),
            None => Ok((self.uint(tag, s)?, None)),
        }
    }
}

/// The tag named `name`, if the parser reads it.
fn tag(name: &str) -> Option<Tag> {
    let found = pick(&TAGS, name);
    #[cfg(feature = "playlist-metadata")]
    let found = found.or_else(|| pick(&METADATA_TAGS, name));
    found
}

/// Splits a tag line (after `#`) into its name and its value; `None` for a comment.
fn split_tag(tag_line: &str) -> Option<(&str, &str)> {
    if !tag_line.starts_with("EXT") {
        return None;
    }
    Some(match text::find_byte(tag_line, b':') {
        Some(i) => (
            tag_line.get(..i).unwrap_or_default(),
            tag_line.get(i + 1..).unwrap_or_default(),
        ),
        None => (tag_line, ""),
    })
}

fn parse_multivariant<'t>(
    lines: impl Iterator<Item = (usize, &'t str)>,
    ctx: &mut Ctx<'_>,
) -> Res<MultivariantPlaylist> {
    let mut out = MultivariantPlaylist::default();
    let mut pending: Option<Variant> = None;
    for (line_no, line) in lines {
        ctx.line = line_no;
        if line.is_empty() {
            continue;
        }
        let Some(tag_line) = text::strip_byte(line, b'#') else {
            if let Some(mut v) = pending.take() {
                let uri = ctx.uri_line(line)?;
                v.url = ctx.resolve("EXT-X-STREAM-INF", &uri)?;
                v.uri = uri.into_owned();
                out.variants.push(v);
            }
            continue;
        };
        let Some((name, value)) = split_tag(tag_line) else {
            continue;
        };
        match tag(name) {
            Some(Tag::StreamInf) => pending = Some(variant(ctx, false, value)?),
            Some(Tag::IFrameStreamInf) => {
                let v = variant(ctx, true, value)?;
                if v.uri.is_empty() {
                    return Err(ctx.err("EXT-X-I-FRAME-STREAM-INF", "URI is missing"));
                }
                out.i_frame_variants.push(v);
            }
            Some(Tag::Media) => out.renditions.push(rendition(ctx, value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::SessionData) => out.session_data.push(session_data(ctx, value)?),
            Some(Tag::SessionKey) => {
                if let Some(key) = ctx.key("EXT-X-SESSION-KEY", value)? {
                    out.session_keys.push(key);
                }
            }
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::ContentSteering) => {
                out.content_steering = Some(content_steering(ctx, value)?)
            }
            Some(Tag::IndependentSegments) => out.independent_segments = true,
            Some(Tag::Start) => out.start = Some(ctx.start(value)?),
            Some(Tag::Define) => ctx.define(value, &mut out.defines)?,
            Some(Tag::Version) => out.version = Some(ctx.uint("EXT-X-VERSION", value)?),
            Some(Tag::Extm3u) => {}
            _ => out.unknown_tags.push(line.to_owned()),
        }
    }
    if out.variants.is_empty() && out.i_frame_variants.is_empty() && out.renditions.is_empty() {
        return Err(Box::new(ParseError::NoVariants));
    }
    Ok(out)
}

/// EXT-X-STREAM-INF, or EXT-X-I-FRAME-STREAM-INF when `i_frame` (whose URI is an attribute).
fn variant(ctx: &Ctx<'_>, i_frame: bool, list: &str) -> Res<Variant> {
    let tag = if i_frame {
        "EXT-X-I-FRAME-STREAM-INF"
    } else {
        "EXT-X-STREAM-INF"
    };
    const NAMES: [Field; 17] = [
        Field::Bandwidth,
        Field::AverageBandwidth,
        Field::Codecs,
        Field::Resolution,
        Field::FrameRate,
        Field::Audio,
        Field::Subtitles,
        Field::ClosedCaptions,
        Field::Video,
        Field::SupplementalCodecs,
        Field::HdcpLevel,
        Field::VideoRange,
        Field::AllowedCpc,
        Field::StableVariantId,
        Field::PathwayId,
        Field::Score,
        Field::Uri,
    ];
    let mut v = Variant::default();
    ctx.attrs(tag, list, &NAMES, &mut |name, raw, value, quoted| {
        match name {
            Some(Field::Bandwidth) => v.bandwidth = ctx.uint(tag, value)?,
            Some(Field::AverageBandwidth) => v.average_bandwidth = Some(ctx.uint(tag, value)?),
            Some(Field::Codecs) => set(&mut v.codecs, value),
            Some(Field::SupplementalCodecs) => set(&mut v.supplemental_codecs, value),
            Some(Field::Resolution) => {
                let x = value
                    .bytes()
                    .position(|b| b == b'x' || b == b'X')
                    .ok_or_else(|| ctx.err_quoted(tag, "RESOLUTION ", value, " is not WxH"))?;
                v.resolution = Some(Resolution {
                    width: ctx.uint32(tag, value.get(..x).unwrap_or_default())?,
                    height: ctx.uint32(tag, value.get(x + 1..).unwrap_or_default())?,
                });
            }
            Some(Field::FrameRate) => v.frame_rate = Some(ctx.float(tag, value)?),
            Some(Field::HdcpLevel) => set(&mut v.hdcp_level, value),
            Some(Field::VideoRange) => set(&mut v.video_range, value),
            Some(Field::AllowedCpc) => set(&mut v.allowed_cpc, value),
            Some(Field::Audio) => set(&mut v.audio, value),
            Some(Field::Video) => set(&mut v.video, value),
            Some(Field::Subtitles) => set(&mut v.subtitles, value),
            Some(Field::ClosedCaptions) => {
                v.closed_captions = Some(if !quoted && value == "NONE" {
                    ClosedCaptions::None
                } else {
                    ClosedCaptions::Group(value.to_owned())
                })
            }
            Some(Field::StableVariantId) => set(&mut v.stable_variant_id, value),
            Some(Field::PathwayId) => set(&mut v.pathway_id, value),
            Some(Field::Score) => v.score = Some(ctx.float(tag, value)?),
            Some(Field::Uri) if i_frame => {
                v.url = ctx.resolve(tag, value)?;
                v.uri = value.to_owned();
            }
            _ => v.other_attributes.push(other(raw, value, quoted)),
        }
        Ok(())
    })?;
    Ok(v)
}

/// Stores a string attribute (one call per attribute instead of the same allocation, drop
/// and store inlined in every reader).
#[inline(never)]
fn set(slot: &mut Option<String>, value: &str) {
    *slot = Some(value.to_owned());
}

/// An unknown attribute kept as written.
fn other(name: &str, value: &str, quoted: bool) -> (String, String) {
    let value = if quoted {
        let mut s = String::with_capacity(value.len() + 2);
        s.push('"');
        s.push_str(value);
        s.push('"');
        s
    } else {
        value.to_owned()
    };
    (name.to_owned(), value)
}

fn rendition(ctx: &Ctx<'_>, list: &str) -> Res<Rendition> {
    const TYPES: [(&str, MediaType); 4] = [
        ("AUDIO", MediaType::Audio),
        ("VIDEO", MediaType::Video),
        ("SUBTITLES", MediaType::Subtitles),
        ("CLOSED-CAPTIONS", MediaType::ClosedCaptions),
    ];
    const NAMES: [Field; 15] = [
        Field::Type,
        Field::GroupId,
        Field::Name,
        Field::Language,
        Field::Default,
        Field::Autoselect,
        Field::Uri,
        Field::AssocLanguage,
        Field::Forced,
        Field::InstreamId,
        Field::BitDepth,
        Field::SampleRate,
        Field::Characteristics,
        Field::Channels,
        Field::StableRenditionId,
    ];
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
    ctx.attrs(tag, list, &NAMES, &mut |name, raw, value, quoted| {
        match name {
            Some(Field::Type) => {
                media_type = Some(
                    pick(&TYPES, value)
                        .ok_or_else(|| ctx.err_quoted(tag, "unknown TYPE ", value, ""))?,
                );
            }
            Some(Field::GroupId) => r.group_id = value.to_owned(),
            Some(Field::Name) => r.name = value.to_owned(),
            Some(Field::Language) => set(&mut r.language, value),
            Some(Field::AssocLanguage) => set(&mut r.assoc_language, value),
            Some(Field::Uri) => {
                r.url = Some(ctx.resolve(tag, value)?);
                set(&mut r.uri, value);
            }
            Some(Field::Default) => r.default = value == "YES",
            Some(Field::Autoselect) => r.autoselect = value == "YES",
            Some(Field::Forced) => r.forced = value == "YES",
            Some(Field::InstreamId) => set(&mut r.instream_id, value),
            Some(Field::BitDepth) => r.bit_depth = Some(ctx.uint(tag, value)?),
            Some(Field::SampleRate) => r.sample_rate = Some(ctx.uint(tag, value)?),
            Some(Field::Characteristics) => set(&mut r.characteristics, value),
            Some(Field::Channels) => set(&mut r.channels, value),
            Some(Field::StableRenditionId) => set(&mut r.stable_rendition_id, value),
            _ => r.other_attributes.push(other(raw, value, quoted)),
        }
        Ok(())
    })?;
    r.media_type = media_type.ok_or_else(|| ctx.err(tag, "TYPE is missing"))?;
    Ok(r)
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
) -> Res<ByteRange> {
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

/// The KEYFORMAT class a key replaces within (`None` for identity).
fn key_class(k: &Key) -> Option<&str> {
    k.keyformat.as_deref().filter(|f| *f != "identity")
}

impl KeyState {
    /// Applies one EXT-X-KEY; `false` when it would exceed [`MAX_KEYS_IN_FORCE`].
    fn apply(&mut self, key: Option<Key>) -> bool {
        match key {
            None => self.keys.clear(),
            Some(k) => {
                let full = self.keys.len() >= MAX_KEYS_IN_FORCE;
                match self
                    .keys
                    .iter_mut()
                    .find(|old| key_class(old) == key_class(&k))
                {
                    Some(slot) => *slot = k,
                    None if full => return false,
                    None => self.keys.push(k),
                }
            }
        }
        let primary = self
            .keys
            .iter()
            .find(|k| key_class(k).is_none())
            .or_else(|| self.keys.first());
        self.key = primary.cloned().map(Arc::new);
        self.all = (self.keys.len() > 1).then(|| Arc::from(self.keys.as_slice()));
        true
    }
}

fn parse_media<'t>(
    lines: impl Iterator<Item = (usize, &'t str)>,
    ctx: &mut Ctx<'_>,
) -> Res<MediaPlaylist> {
    const PLAYLIST_TYPES: [(&str, PlaylistType); 2] =
        [("VOD", PlaylistType::Vod), ("EVENT", PlaylistType::Event)];
    let mut out = MediaPlaylist::default();
    let mut next = Segment::default();
    let mut seen_extinf = false;
    let mut keys = KeyState::default();
    let mut map: Option<Arc<Map>> = None;
    let mut bitrate = None;
    let mut pending_range: Option<(u64, Option<u64>)> = None;
    let mut segment_range: Option<RangeEnd> = None;
    #[cfg(feature = "playlist-metadata")]
    let mut part_range: Option<RangeEnd> = None;
    for (line_no, line) in lines {
        ctx.line = line_no;
        if line.is_empty() {
            continue;
        }
        let Some(tag_line) = text::strip_byte(line, b'#') else {
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
        let Some((name, value)) = split_tag(tag_line) else {
            continue;
        };
        match tag(name) {
            Some(Tag::Extinf) => {
                let (dur, title) = match text::find_byte(value, b',') {
                    Some(i) => (
                        value.get(..i).unwrap_or_default(),
                        value.get(i + 1..).unwrap_or_default(),
                    ),
                    None => (value, ""),
                };
                next.duration = ctx.float("EXTINF", dur)?;
                if next.duration < 0.0 {
                    return Err(ctx.err("EXTINF", "negative duration"));
                }
                let title = text::trim(title);
                next.title = (!title.is_empty()).then(|| title.to_owned());
                seen_extinf = true;
            }
            Some(Tag::ByteRange) => {
                pending_range = Some(ctx.byte_range_spec("EXT-X-BYTERANGE", text::trim(value))?);
            }
            Some(Tag::ProgramDateTime) => {
                next.program_date_time = Some(text::trim(value).to_owned())
            }
            Some(Tag::Discontinuity) => next.discontinuity = true,
            Some(Tag::Gap) => next.gap = true,
            Some(Tag::Key) => {
                if !keys.apply(ctx.key("EXT-X-KEY", value)?) {
                    return Err(ctx.fail(
                        "EXT-X-KEY",
                        format!("more than {MAX_KEYS_IN_FORCE} key formats in force"),
                    ));
                }
            }
            Some(Tag::Map) => map = Some(Arc::new(parse_map(ctx, value)?)),
            Some(Tag::Bitrate) => bitrate = Some(ctx.uint("EXT-X-BITRATE", value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::Part) => {
                let part = parse_part(ctx, value, &mut part_range)?;
                next.parts.push(part);
            }
            Some(Tag::TargetDuration) => {
                out.target_duration = ctx.float("EXT-X-TARGETDURATION", value)?;
            }
            Some(Tag::MediaSequence) => {
                out.media_sequence = ctx.uint("EXT-X-MEDIA-SEQUENCE", value)?;
            }
            Some(Tag::DiscontinuitySequence) => {
                out.discontinuity_sequence = ctx.uint("EXT-X-DISCONTINUITY-SEQUENCE", value)?;
            }
            Some(Tag::EndList) => out.end_list = true,
            Some(Tag::PlaylistType) => {
                let kind = text::trim(value);
                out.playlist_type =
                    Some(pick(&PLAYLIST_TYPES, kind).ok_or_else(|| {
                        ctx.err_quoted("EXT-X-PLAYLIST-TYPE", "unknown ", kind, "")
                    })?);
            }
            Some(Tag::IFramesOnly) => out.i_frames_only = true,
            Some(Tag::IndependentSegments) => out.independent_segments = true,
            Some(Tag::Start) => out.start = Some(ctx.start(value)?),
            Some(Tag::Version) => out.version = Some(ctx.uint("EXT-X-VERSION", value)?),
            Some(Tag::Define) => ctx.define(value, &mut out.defines)?,
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::DateRange) => out.date_ranges.push(date_range(ctx, value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::ServerControl) => out.server_control = Some(server_control(ctx, value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::PartInf) => out.part_target = Some(part_inf(ctx, value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::Skip) => {
                if !out.segments.is_empty() {
                    return Err(ctx.err("EXT-X-SKIP", "must come before the first segment"));
                }
                out.skip = Some(skip(ctx, value)?);
            }
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::PreloadHint) => out.preload_hints.push(preload_hint(ctx, value)?),
            #[cfg(feature = "playlist-metadata")]
            Some(Tag::RenditionReport) => {
                out.rendition_reports.push(rendition_report(ctx, value)?);
            }
            Some(Tag::Extm3u) => {}
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

fn parse_map(ctx: &Ctx<'_>, list: &str) -> Res<Map> {
    let tag = "EXT-X-MAP";
    let mut uri = None;
    let mut range = None;
    let names = [Field::Uri, Field::ByteRange];
    ctx.attrs(tag, list, &names, &mut |name, _, value, _| {
        match name {
            Some(Field::Uri) => set(&mut uri, value),
            Some(Field::ByteRange) => range = Some(ctx.byte_range_spec(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
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
