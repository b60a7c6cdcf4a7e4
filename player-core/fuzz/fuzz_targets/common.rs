//! Shared oracle: parsing never panics, and an accepted playlist writes back to an equal one.

use player_core::hls::{parse_playlist, write_playlist};

/// Base URL with a query, so QUERYPARAM and query handling are exercised.
pub const BASE: &str = "https://cdn.example/a/b/index.m3u8?token=t0k";

/// Parses `prefix + data`; when it parses, checks `parse(write(p)) == p`.
pub fn check(prefix: &str, data: &[u8]) {
    let text = format!("{prefix}{}", String::from_utf8_lossy(data));
    if let Ok(parsed) = parse_playlist(&text, BASE) {
        let written = write_playlist(&parsed);
        let reparsed = parse_playlist(&written, BASE);
        assert_eq!(reparsed.as_ref(), Ok(&parsed), "written:\n{written}");
    }
}
