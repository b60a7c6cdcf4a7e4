//! The typed playlist model shared by the parser, the writer, the live merge and the engine.
//!
//! Every string is stored after variable substitution (EXT-X-DEFINE). Every `uri` is kept as
//! written and paired with `url`, the URI resolved against the playlist's URL.

use std::sync::Arc;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// Either kind of playlist a URL can answer with.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(tag = "kind"))]
pub enum Playlist {
    /// A multivariant ("master") playlist listing variants and renditions.
    Multivariant(MultivariantPlaylist),
    /// A media playlist listing segments.
    Media(MediaPlaylist),
}

/// A multivariant playlist.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct MultivariantPlaylist {
    /// EXT-X-VERSION.
    pub version: Option<u64>,
    /// Variant streams (EXT-X-STREAM-INF) in playlist order.
    pub variants: Vec<Variant>,
    /// Alternative renditions (EXT-X-MEDIA) in playlist order.
    pub renditions: Vec<Rendition>,
    /// I-frame-only variants (EXT-X-I-FRAME-STREAM-INF); `frame_rate`, `audio`, `subtitles`
    /// and `closed_captions` are always empty there.
    pub i_frame_variants: Vec<Variant>,
    /// EXT-X-SESSION-DATA entries.
    pub session_data: Vec<SessionData>,
    /// EXT-X-SESSION-KEY entries.
    pub session_keys: Vec<Key>,
    /// EXT-X-CONTENT-STEERING.
    pub content_steering: Option<ContentSteering>,
    /// EXT-X-INDEPENDENT-SEGMENTS.
    pub independent_segments: bool,
    /// EXT-X-START.
    pub start: Option<Start>,
    /// EXT-X-DEFINE declarations in order.
    pub defines: Vec<Define>,
    /// Tags this parser does not know, as written, in order.
    pub unknown_tags: Vec<String>,
}

/// One EXT-X-STREAM-INF (or EXT-X-I-FRAME-STREAM-INF) entry.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Variant {
    /// The URI as written in the playlist (after variable substitution).
    pub uri: String,
    /// `uri` resolved against the playlist's URL, query kept byte-exact.
    pub url: String,
    /// Peak bits per second.
    pub bandwidth: u64,
    /// Average bits per second.
    pub average_bandwidth: Option<u64>,
    /// RFC 6381 codec list, e.g. `avc1.4d401f,mp4a.40.2`.
    pub codecs: Option<String>,
    /// SUPPLEMENTAL-CODECS.
    pub supplemental_codecs: Option<String>,
    /// Display size.
    pub resolution: Option<Resolution>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    /// HDCP-LEVEL (`TYPE-0`, `TYPE-1`, `NONE`).
    pub hdcp_level: Option<String>,
    /// VIDEO-RANGE (`SDR`, `HLG`, `PQ`).
    pub video_range: Option<String>,
    /// ALLOWED-CPC.
    pub allowed_cpc: Option<String>,
    /// GROUP-ID of the audio renditions to play with this variant.
    pub audio: Option<String>,
    /// GROUP-ID of the video renditions.
    pub video: Option<String>,
    /// GROUP-ID of the subtitle renditions.
    pub subtitles: Option<String>,
    /// CLOSED-CAPTIONS.
    pub closed_captions: Option<ClosedCaptions>,
    /// STABLE-VARIANT-ID.
    pub stable_variant_id: Option<String>,
    /// Content steering pathway.
    pub pathway_id: Option<String>,
    /// SCORE.
    pub score: Option<f64>,
    /// Attributes this parser does not know, as (name, value written).
    pub other_attributes: Vec<(String, String)>,
}

/// The CLOSED-CAPTIONS attribute of a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum ClosedCaptions {
    /// CLOSED-CAPTIONS=NONE: the variant carries no captions.
    None,
    /// The GROUP-ID of the closed-caption renditions.
    Group(String),
}

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Resolution {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

/// EXT-X-MEDIA TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum MediaType {
    /// TYPE=AUDIO
    Audio,
    /// TYPE=VIDEO
    Video,
    /// TYPE=SUBTITLES
    Subtitles,
    /// TYPE=CLOSED-CAPTIONS
    ClosedCaptions,
}

impl MediaType {
    /// The enumerated string as written in a playlist.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "AUDIO",
            Self::Video => "VIDEO",
            Self::Subtitles => "SUBTITLES",
            Self::ClosedCaptions => "CLOSED-CAPTIONS",
        }
    }
}

/// One EXT-X-MEDIA entry.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Rendition {
    /// TYPE.
    pub media_type: MediaType,
    /// GROUP-ID.
    pub group_id: String,
    /// NAME.
    pub name: String,
    /// LANGUAGE.
    pub language: Option<String>,
    /// ASSOC-LANGUAGE.
    pub assoc_language: Option<String>,
    /// URI as written, absent when the rendition is muxed into the variant.
    pub uri: Option<String>,
    /// `uri` resolved.
    pub url: Option<String>,
    /// DEFAULT=YES.
    pub default: bool,
    /// AUTOSELECT=YES.
    pub autoselect: bool,
    /// FORCED=YES.
    pub forced: bool,
    /// INSTREAM-ID (closed captions), e.g. `CC1` or `SERVICE3`.
    pub instream_id: Option<String>,
    /// BIT-DEPTH.
    pub bit_depth: Option<u64>,
    /// SAMPLE-RATE.
    pub sample_rate: Option<u64>,
    /// CHARACTERISTICS (comma-separated UTIs).
    pub characteristics: Option<String>,
    /// CHANNELS, e.g. `2` or `16/JOC`.
    pub channels: Option<String>,
    /// STABLE-RENDITION-ID.
    pub stable_rendition_id: Option<String>,
    /// Attributes this parser does not know, as (name, value written).
    pub other_attributes: Vec<(String, String)>,
}

/// EXT-X-SESSION-DATA.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct SessionData {
    /// DATA-ID.
    pub data_id: String,
    /// VALUE.
    pub value: Option<String>,
    /// URI as written.
    pub uri: Option<String>,
    /// `uri` resolved.
    pub url: Option<String>,
    /// FORMAT (`JSON` or `RAW`).
    pub format: Option<String>,
    /// LANGUAGE.
    pub language: Option<String>,
}

/// EXT-X-CONTENT-STEERING.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ContentSteering {
    /// SERVER-URI as written.
    pub server_uri: String,
    /// `server_uri` resolved.
    pub server_url: String,
    /// PATHWAY-ID: the pathway to start with.
    pub pathway_id: Option<String>,
}

/// EXT-X-START.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Start {
    /// TIME-OFFSET in seconds; negative counts from the end.
    pub time_offset: f64,
    /// PRECISE=YES.
    pub precise: bool,
}

/// One EXT-X-DEFINE declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum Define {
    /// NAME and VALUE.
    Value {
        /// Variable name.
        name: String,
        /// Its value.
        value: String,
    },
    /// IMPORT of a variable of the multivariant playlist, with the value it had.
    Import {
        /// Variable name.
        name: String,
        /// The imported value.
        value: String,
    },
    /// QUERYPARAM: the value of a query parameter of the playlist's URL.
    QueryParam {
        /// Parameter (and variable) name.
        name: String,
        /// The value found in the URL.
        value: String,
    },
}

impl Define {
    /// The variable name.
    pub fn name(&self) -> &str {
        match self {
            Self::Value { name, .. }
            | Self::Import { name, .. }
            | Self::QueryParam { name, .. } => name,
        }
    }

    /// The variable value.
    pub fn value(&self) -> &str {
        match self {
            Self::Value { value, .. }
            | Self::Import { value, .. }
            | Self::QueryParam { value, .. } => value,
        }
    }
}

/// A media playlist.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct MediaPlaylist {
    /// EXT-X-VERSION.
    pub version: Option<u64>,
    /// EXT-X-TARGETDURATION in seconds.
    pub target_duration: f64,
    /// EXT-X-MEDIA-SEQUENCE: the sequence number of `segments[0]`.
    pub media_sequence: u64,
    /// EXT-X-DISCONTINUITY-SEQUENCE.
    pub discontinuity_sequence: u64,
    /// EXT-X-ENDLIST: no more segments will be added.
    pub end_list: bool,
    /// EXT-X-PLAYLIST-TYPE.
    pub playlist_type: Option<PlaylistType>,
    /// EXT-X-I-FRAMES-ONLY.
    pub i_frames_only: bool,
    /// EXT-X-INDEPENDENT-SEGMENTS.
    pub independent_segments: bool,
    /// EXT-X-START.
    pub start: Option<Start>,
    /// EXT-X-SERVER-CONTROL.
    pub server_control: Option<ServerControl>,
    /// EXT-X-PART-INF PART-TARGET in seconds.
    pub part_target: Option<f64>,
    /// EXT-X-SKIP of a delta playlist. After [`MediaPlaylist::merge_update`] the skipped
    /// segments are restored and this is `None`.
    pub skip: Option<Skip>,
    /// Segments in order; with a `skip`, the first segment is number
    /// `media_sequence + skip.skipped_segments`.
    pub segments: Vec<Segment>,
    /// EXT-X-PART tags after the last complete segment (the segment being produced).
    pub trailing_parts: Vec<Part>,
    /// EXT-X-PRELOAD-HINT entries.
    pub preload_hints: Vec<PreloadHint>,
    /// EXT-X-RENDITION-REPORT entries.
    pub rendition_reports: Vec<RenditionReport>,
    /// EXT-X-DATERANGE entries in order.
    pub date_ranges: Vec<DateRange>,
    /// EXT-X-DEFINE declarations in order.
    pub defines: Vec<Define>,
    /// Unknown tags after the last segment, as written (earlier ones belong to a segment).
    pub trailing_unknown_tags: Vec<String>,
}

impl MediaPlaylist {
    /// Sum of the segment durations in seconds.
    pub fn total_duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }

    /// Media sequence number of `segments[0]` (accounts for an unmerged EXT-X-SKIP).
    pub fn first_segment_sequence(&self) -> u64 {
        self.media_sequence
            .saturating_add(self.skip.as_ref().map_or(0, |s| s.skipped_segments))
    }
}

/// EXT-X-PLAYLIST-TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum PlaylistType {
    /// Segments are only appended.
    Event,
    /// The playlist never changes.
    Vod,
}

/// EXT-X-SERVER-CONTROL.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ServerControl {
    /// CAN-SKIP-UNTIL in seconds.
    pub can_skip_until: Option<f64>,
    /// CAN-SKIP-DATERANGES=YES.
    pub can_skip_dateranges: bool,
    /// HOLD-BACK in seconds.
    pub hold_back: Option<f64>,
    /// PART-HOLD-BACK in seconds.
    pub part_hold_back: Option<f64>,
    /// CAN-BLOCK-RELOAD=YES.
    pub can_block_reload: bool,
}

/// EXT-X-SKIP of a delta playlist update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Skip {
    /// SKIPPED-SEGMENTS.
    pub skipped_segments: u64,
    /// RECENTLY-REMOVED-DATERANGES (IDs).
    pub recently_removed_dateranges: Vec<String>,
}

/// One media segment and the tags that apply to it.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Segment {
    /// URI as written.
    pub uri: String,
    /// `uri` resolved.
    pub url: String,
    /// EXTINF duration in seconds.
    pub duration: f64,
    /// EXTINF title.
    pub title: Option<String>,
    /// EXT-X-BYTERANGE with the implicit offset made explicit.
    pub byte_range: Option<ByteRange>,
    /// EXT-X-DISCONTINUITY before this segment.
    pub discontinuity: bool,
    /// Discontinuity sequence number this segment belongs to.
    pub discontinuity_sequence: u64,
    /// Encryption in force for this segment (METHOD=NONE is `None`): the key with no
    /// KEYFORMAT or KEYFORMAT="identity" if there is one, otherwise the first key.
    /// Shared between the segments it applies to.
    pub key: Option<Arc<Key>>,
    /// Every key in force when several KEYFORMATs are given at once (DRM); `None` when there
    /// is at most one key (then it is `key`).
    pub keys: Option<Arc<[Key]>>,
    /// Initialization section in force for this segment, shared between segments.
    pub map: Option<Arc<Map>>,
    /// EXT-X-PROGRAM-DATE-TIME as written (ISO 8601).
    pub program_date_time: Option<String>,
    /// EXT-X-GAP: the segment must not be loaded.
    pub gap: bool,
    /// EXT-X-BITRATE in force, in kbit/s.
    pub bitrate: Option<u64>,
    /// EXT-X-PART tags of this segment.
    pub parts: Vec<Part>,
    /// Unknown tags before this segment's URI, as written.
    pub unknown_tags: Vec<String>,
}

impl Segment {
    /// EXT-X-PROGRAM-DATE-TIME as milliseconds since the Unix epoch.
    pub fn program_date_time_ms(&self) -> Option<f64> {
        self.program_date_time
            .as_deref()
            .and_then(super::datetime::parse_iso8601_ms)
    }
}

/// A byte range of a resource: `length` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ByteRange {
    /// First byte.
    pub offset: u64,
    /// Number of bytes.
    pub length: u64,
}

impl ByteRange {
    /// The inclusive last byte, as an HTTP `Range` header wants it.
    pub fn last_byte(&self) -> u64 {
        self.offset.saturating_add(self.length).saturating_sub(1)
    }
}

/// EXT-X-MAP.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Map {
    /// URI as written.
    pub uri: String,
    /// `uri` resolved.
    pub url: String,
    /// Sub-range of the resource.
    pub byte_range: Option<ByteRange>,
}

/// EXT-X-KEY METHOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum KeyMethod {
    /// AES-128 CBC over the whole segment.
    Aes128,
    /// Sample-level encryption.
    SampleAes,
    /// SAMPLE-AES-CTR (as packagers write it).
    SampleAesCtr,
    /// SAMPLE-AES-CENC (as packagers write it).
    SampleAesCenc,
}

impl KeyMethod {
    /// The enumerated string as written in a playlist.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aes128 => "AES-128",
            Self::SampleAes => "SAMPLE-AES",
            Self::SampleAesCtr => "SAMPLE-AES-CTR",
            Self::SampleAesCenc => "SAMPLE-AES-CENC",
        }
    }
}

/// EXT-X-KEY (or EXT-X-SESSION-KEY) other than METHOD=NONE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Key {
    /// METHOD.
    pub method: KeyMethod,
    /// URI as written.
    pub uri: Option<String>,
    /// `uri` resolved.
    pub url: Option<String>,
    /// IV, when given; otherwise the media sequence number is the IV.
    pub iv: Option<[u8; 16]>,
    /// KEYFORMAT.
    pub keyformat: Option<String>,
    /// KEYFORMATVERSIONS.
    pub keyformat_versions: Option<String>,
}

/// EXT-X-PART.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Part {
    /// URI as written.
    pub uri: String,
    /// `uri` resolved.
    pub url: String,
    /// DURATION in seconds.
    pub duration: f64,
    /// INDEPENDENT=YES.
    pub independent: bool,
    /// BYTERANGE with the implicit offset made explicit.
    pub byte_range: Option<ByteRange>,
    /// GAP=YES.
    pub gap: bool,
}

/// EXT-X-PRELOAD-HINT TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum PreloadHintType {
    /// TYPE=PART.
    Part,
    /// TYPE=MAP.
    Map,
}

/// EXT-X-PRELOAD-HINT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct PreloadHint {
    /// TYPE.
    pub hint_type: PreloadHintType,
    /// URI as written.
    pub uri: String,
    /// `uri` resolved.
    pub url: String,
    /// BYTERANGE-START.
    pub byterange_start: Option<u64>,
    /// BYTERANGE-LENGTH.
    pub byterange_length: Option<u64>,
}

/// EXT-X-RENDITION-REPORT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct RenditionReport {
    /// URI as written.
    pub uri: String,
    /// `uri` resolved.
    pub url: String,
    /// LAST-MSN.
    pub last_msn: Option<u64>,
    /// LAST-PART.
    pub last_part: Option<u64>,
}

/// EXT-X-DATERANGE.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct DateRange {
    /// ID.
    pub id: String,
    /// CLASS.
    pub class: Option<String>,
    /// START-DATE as written (ISO 8601).
    pub start_date: Option<String>,
    /// CUE (e.g. `PRE`, `POST`, `ONCE`).
    pub cue: Option<String>,
    /// END-DATE as written.
    pub end_date: Option<String>,
    /// DURATION in seconds.
    pub duration: Option<f64>,
    /// PLANNED-DURATION in seconds.
    pub planned_duration: Option<f64>,
    /// SCTE35-CMD as written (hexadecimal).
    pub scte35_cmd: Option<String>,
    /// SCTE35-OUT as written.
    pub scte35_out: Option<String>,
    /// SCTE35-IN as written.
    pub scte35_in: Option<String>,
    /// END-ON-NEXT=YES.
    pub end_on_next: bool,
    /// Client attributes (`X-...`) in order, as (name, value).
    pub client_attributes: Vec<(String, AttributeValue)>,
}

/// The value of a client-defined (`X-`) attribute.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum AttributeValue {
    /// A quoted string, unquoted.
    String(String),
    /// A hexadecimal sequence as written, `0x...`.
    Hex(String),
    /// A decimal number, as written (kept textual so writing it back is exact).
    Number(String),
}
