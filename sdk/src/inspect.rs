//! `inspectPlaylist`: parses a playlist in wasm and hands JS a summary, for QA pages and tools.

use crate::js::{self, ObjectBuilder};
use player_core::hls::{Playlist, parse_playlist};
use wasm_bindgen::prelude::*;

/// Parses `text` fetched from `url` and returns, for a multivariant playlist,
/// `{kind: "multivariant", variants: [{bandwidth, width, height, codecs, url}], renditions}`,
/// or for a media playlist `{kind: "media", segments, duration, targetDuration,
/// mediaSequence, live}`. Throws an `Error` saying what is wrong with an unusable playlist.
#[wasm_bindgen(js_name = inspectPlaylist)]
pub fn inspect_playlist(text: &str, url: &str) -> Result<JsValue, JsValue> {
    let playlist = parse_playlist(text, url).map_err(|e| js::error(&e.to_string()))?;
    Ok(match playlist {
        Playlist::Multivariant(m) => {
            let variants: js_sys::Array = m
                .variants
                .iter()
                .map(|v| {
                    let (width, height) = v.resolution.map_or((0, 0), |r| (r.width, r.height));
                    ObjectBuilder::new()
                        .set("bandwidth", v.bandwidth as f64)
                        .set("width", width)
                        .set("height", height)
                        .set("codecs", v.codecs.as_deref().unwrap_or(""))
                        .set("url", v.url.as_str())
                        .build()
                })
                .collect();
            ObjectBuilder::new()
                .set("kind", "multivariant")
                .set("variants", variants)
                .set("renditions", m.renditions.len() as u32)
                .build()
        }
        Playlist::Media(m) => ObjectBuilder::new()
            .set("kind", "media")
            .set("segments", m.segments.len() as u32)
            .set("duration", m.total_duration())
            .set("targetDuration", m.target_duration)
            .set("mediaSequence", m.media_sequence as f64)
            .set("live", !m.end_list)
            .build(),
    })
}
