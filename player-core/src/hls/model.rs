//! The typed playlist model shared by the parser, the writer and the engine.

/// Either kind of playlist a URL can answer with.
#[derive(Debug, Clone, PartialEq)]
pub enum Playlist {
    /// A multivariant ("master") playlist listing variants and renditions.
    Multivariant(MultivariantPlaylist),
    /// A media playlist listing segments.
    Media(MediaPlaylist),
}

/// A multivariant playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultivariantPlaylist {
    /// Variant streams in playlist order.
    pub variants: Vec<Variant>,
    /// Alternative renditions (EXT-X-MEDIA).
    pub renditions: Vec<Rendition>,
    /// EXT-X-INDEPENDENT-SEGMENTS.
    pub independent_segments: bool,
}

/// One EXT-X-STREAM-INF entry.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// Display size.
    pub resolution: Option<Resolution>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    /// GROUP-ID of the audio renditions to play with this variant.
    pub audio: Option<String>,
    /// GROUP-ID of the subtitle renditions.
    pub subtitles: Option<String>,
    /// Content steering pathway.
    pub pathway_id: Option<String>,
}

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resolution {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

/// EXT-X-MEDIA TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// One EXT-X-MEDIA entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// TYPE.
    pub media_type: MediaType,
    /// GROUP-ID.
    pub group_id: String,
    /// NAME.
    pub name: String,
    /// LANGUAGE.
    pub language: Option<String>,
    /// URI as written, absent when the rendition is muxed into the variant.
    pub uri: Option<String>,
    /// `uri` resolved.
    pub url: Option<String>,
    /// DEFAULT=YES.
    pub default: bool,
    /// AUTOSELECT=YES.
    pub autoselect: bool,
}

/// A media playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaPlaylist {
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
    /// Segments in order.
    pub segments: Vec<Segment>,
}

impl MediaPlaylist {
    /// Sum of the segment durations in seconds.
    pub fn total_duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

/// EXT-X-PLAYLIST-TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaylistType {
    /// Segments are only appended.
    Event,
    /// The playlist never changes.
    Vod,
}

/// One media segment and the tags that apply to it.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// Encryption in force for this segment (METHOD=NONE is `None`).
    pub key: Option<Key>,
    /// Initialization section in force for this segment.
    pub map: Option<Map>,
    /// EXT-X-PROGRAM-DATE-TIME as written (ISO 8601).
    pub program_date_time: Option<String>,
    /// EXT-X-GAP: the segment must not be loaded.
    pub gap: bool,
}

/// A byte range of a resource: `length` bytes from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub offset: u64,
    /// Number of bytes.
    pub length: u64,
}

impl ByteRange {
    /// The inclusive last byte, as an HTTP `Range` header wants it.
    pub fn last_byte(&self) -> u64 {
        (self.offset + self.length).saturating_sub(1)
    }
}

/// EXT-X-MAP.
#[derive(Debug, Clone, PartialEq, Eq)]
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
pub enum KeyMethod {
    /// AES-128 CBC over the whole segment.
    Aes128,
    /// Sample-level encryption.
    SampleAes,
    /// SAMPLE-AES-CTR (as packagers write it).
    SampleAesCtr,
}

/// EXT-X-KEY other than METHOD=NONE.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}
