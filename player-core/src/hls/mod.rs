//! HLS playlists (RFC 8216): the typed model, a parser and resolution of URIs.

mod model;
mod parse;

pub use model::*;
pub use parse::{ParseError, parse_playlist};
