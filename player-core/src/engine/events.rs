//! What the engine tells the application: events and typed errors.

/// Broad class of an error, as in hls.js's `ErrorTypes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A load failed or answered with an error status.
    Network,
    /// Media could not be buffered or decoded.
    Media,
    /// A segment could not be demuxed or remuxed.
    Mux,
    /// A decryption key could not be loaded or used.
    Key,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The name used in JS events (`networkError`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "networkError",
            Self::Media => "mediaError",
            Self::Mux => "muxError",
            Self::Key => "keySystemError",
            Self::Other => "otherError",
        }
    }
}

/// What exactly failed, as in hls.js's `ErrorDetails`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorDetail {
    /// The multivariant or first playlist could not be loaded.
    ManifestLoadError,
    /// The first playlist is not a usable playlist.
    ManifestParsingError,
    /// The multivariant playlist lists no playable variant.
    ManifestIncompatibleCodecsError,
    /// A media playlist could not be loaded.
    LevelLoadError,
    /// A media playlist is not usable.
    LevelParsingError,
    /// A segment could not be loaded.
    FragLoadError,
    /// A segment's bytes are not media the engine can use.
    FragParsingError,
    /// An initialization section could not be loaded.
    InitLoadError,
    /// An AES-128 key could not be loaded or is not 16 bytes.
    KeyLoadError,
    /// A segment could not be decrypted.
    FragDecryptError,
    /// The media element refused appended bytes.
    BufferAppendError,
    /// The buffer is full and nothing can be evicted.
    BufferFullError,
    /// Creating the SourceBuffer failed (codec not supported).
    BufferAddCodecError,
    /// A call was made in a state that does not allow it.
    InvalidState,
    /// The playhead stood still with media ahead and was moved forward a little.
    BufferNudgeOnStall,
}

impl ErrorDetail {
    /// The name used in JS events (`manifestLoadError`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManifestLoadError => "manifestLoadError",
            Self::ManifestParsingError => "manifestParsingError",
            Self::ManifestIncompatibleCodecsError => "manifestIncompatibleCodecsError",
            Self::LevelLoadError => "levelLoadError",
            Self::LevelParsingError => "levelParsingError",
            Self::FragLoadError => "fragLoadError",
            Self::FragParsingError => "fragParsingError",
            Self::InitLoadError => "initLoadError",
            Self::KeyLoadError => "keyLoadError",
            Self::FragDecryptError => "fragDecryptError",
            Self::BufferAppendError => "bufferAppendError",
            Self::BufferFullError => "bufferFullError",
            Self::BufferAddCodecError => "bufferAddCodecError",
            Self::InvalidState => "invalidState",
            Self::BufferNudgeOnStall => "bufferNudgeOnStall",
        }
    }
}

/// An error reported to the application.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerError {
    /// Broad class.
    pub kind: ErrorKind,
    /// Exact cause.
    pub detail: ErrorDetail,
    /// Whether playback stopped; a non-fatal error was recovered from (for example by a retry).
    pub fatal: bool,
    /// A sentence for people.
    pub message: String,
    /// The URL concerned, if any.
    pub url: Option<String>,
}

/// A level (variant) as shown to the application.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSummary {
    /// Peak bits per second.
    pub bitrate: u64,
    /// Display width, 0 when unknown.
    pub width: u32,
    /// Display height, 0 when unknown.
    pub height: u32,
    /// RFC 6381 codecs, empty when unknown.
    pub codecs: String,
    /// Media playlist URL.
    pub url: String,
}

/// An alternate audio or subtitle rendition (EXT-X-MEDIA) as shown to the application.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaTrack {
    /// Index in the player's track list.
    pub id: usize,
    /// NAME.
    pub name: String,
    /// LANGUAGE, empty when absent.
    pub lang: String,
    /// DEFAULT=YES.
    pub default: bool,
    /// The rendition's media playlist; `None` when the audio is muxed into the variant.
    pub url: Option<String>,
}

/// A WebVTT cue of a subtitle track, placed on the player's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Cue identifier, empty when absent.
    pub id: String,
    /// Start in seconds.
    pub start: f64,
    /// End in seconds.
    pub end: f64,
    /// Cue text (WebVTT markup kept, as `VTTCue` takes it).
    pub text: String,
}

/// Something the application may want to know.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// The first playlist is being loaded.
    ManifestLoading {
        /// Its URL.
        url: String,
    },
    /// The first playlist was parsed; these are the levels.
    ManifestParsed {
        /// Levels, in playlist order.
        levels: Vec<LevelSummary>,
    },
    /// A media playlist was loaded.
    LevelLoaded {
        /// Level index.
        level: usize,
        /// Whether the playlist will not change any more.
        vod: bool,
        /// Total duration in seconds.
        duration: f64,
        /// Number of segments.
        segments: usize,
    },
    /// Segments of another level are about to be loaded.
    LevelSwitching {
        /// The level switched to.
        level: usize,
    },
    /// The first segment of a new level was buffered.
    LevelSwitched {
        /// The level switched to.
        level: usize,
    },
    /// A segment was loaded.
    FragLoaded {
        /// Level index.
        level: usize,
        /// Media sequence number.
        sn: u64,
        /// Bytes received.
        bytes: usize,
        /// Load time in milliseconds.
        load_ms: f64,
    },
    /// A segment load was abandoned because it would drain the buffer; a lower level loads.
    FragLoadEmergencyAborted {
        /// Level of the abandoned load.
        level: usize,
        /// Level loaded instead.
        to: usize,
    },
    /// A segment was transmuxed: the media time each track covers, for A/V sync checks.
    FragParsed {
        /// Level index.
        level: usize,
        /// Media sequence number.
        sn: u64,
        /// Start and end of the video samples in seconds.
        video: Option<(f64, f64)>,
        /// Start and end of the audio samples in seconds.
        audio: Option<(f64, f64)>,
    },
    /// Timed ID3 metadata found in a segment (hls.js's `fragParsingMetadata`).
    Metadata {
        /// Media sequence number of the segment.
        sn: u64,
        /// Presentation time in seconds, when the tag had one.
        pts: Option<f64>,
        /// The ID3 tag bytes.
        data: Vec<u8>,
    },
    /// A segment was appended to the SourceBuffer.
    FragBuffered {
        /// Level index.
        level: usize,
        /// Media sequence number.
        sn: u64,
        /// Start of the segment in seconds.
        start: f64,
        /// End of the segment in seconds.
        end: f64,
    },
    /// All segments of a VOD title are buffered.
    BufferEos,
    /// A signed URL expired (the origin answered `Request has expired` or `ExpiredToken`):
    /// loading waits, the buffer stays, until [`super::Engine::update_url`] gives a new one.
    UrlExpired {
        /// The URL refused.
        url: String,
    },
    /// The title's audio renditions (of the first variant's AUDIO group).
    AudioTracksUpdated {
        /// The renditions, in playlist order.
        tracks: Vec<MediaTrack>,
    },
    /// Audio of another rendition is about to be loaded.
    AudioTrackSwitching {
        /// The track switched to.
        id: usize,
    },
    /// The first segment of the new audio rendition was buffered.
    AudioTrackSwitched {
        /// The track switched to.
        id: usize,
    },
    /// The title's subtitle renditions (of the first variant's SUBTITLES group).
    SubtitleTracksUpdated {
        /// The renditions, in playlist order.
        tracks: Vec<MediaTrack>,
    },
    /// The subtitle track shown changed.
    SubtitleTrackSwitch {
        /// The track shown, `None` when subtitles are off.
        id: Option<usize>,
    },
    /// Cues of a subtitle segment were parsed.
    SubtitleCues {
        /// The subtitle track.
        id: usize,
        /// The cues, in file order.
        cues: Vec<Cue>,
    },
    /// An error occurred.
    Error(PlayerError),
}
