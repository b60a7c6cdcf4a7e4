//! HLS playlists (RFC 8216 and rfc8216bis): the typed model, a lenient parser, a writer,
//! the live-refresh merge and URI resolution.

mod attr;
mod datetime;
mod define;
mod merge;
mod model;
mod parse;
mod resolve;
mod write;

pub use attr::{Attr, Attributes, attributes};
pub use datetime::parse_iso8601_ms;
pub use define::MAX_SUBSTITUTED_LINE_BYTES;
pub use merge::{MergeError, MergeReport};
pub use model::*;
pub use parse::{
    MAX_KEYS_IN_FORCE, MAX_PLAYLIST_BYTES, ParseError, ParseOptions, parse_playlist,
    parse_playlist_with,
};
pub use resolve::Resolver;
pub use write::write_playlist;
