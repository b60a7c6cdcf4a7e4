//! HLS playlists (RFC 8216 and rfc8216bis): the typed model, a lenient parser, a writer,
//! the live-refresh merge and URI resolution.
//!
//! - [`parse_playlist`] / [`parse_playlist_with`] read either kind of playlist; every `uri`
//!   is paired with its resolved `url` (query and fragment kept byte for byte).
//! - [`write_playlist`] writes a model back; `parse(write(p)) == p` for every parsed `p`, so
//!   a server can rewrite URIs (e.g. sign segments) and serve the result.
//! - [`MediaPlaylist::merge_update`] folds a live reload (full or EXT-X-SKIP delta) into the
//!   previous playlist by media sequence number.
//!
//! Keys and maps are shared between the segments they apply to (`Arc`, immutable), so a
//! 10,000-segment playlist holds one copy of each.

mod attr;
mod datetime;
mod define;
mod merge;
mod model;
mod parse;
mod resolve;
mod text;
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
pub use resolve::{ResolveError, Resolver};
pub use write::write_playlist;
