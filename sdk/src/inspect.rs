//! `inspectPlaylist`: parses a playlist in wasm and hands JS a summary, for QA pages and tools.

use crate::js::{self, ObjectBuilder};
use player_core::hls::{Playlist, parse_playlist};
use wasm_bindgen::prelude::*;

/// Parses `text` fetched from `url` and returns, for a multivariant playlist,
/// `{kind: "multivariant", variants: [{bandwidth, width, height, codecs, url}], renditions}`,
/// or for a media playlist `{kind: "media", segments, duration, targetDuration,
/// mediaSequence, live}`. Throws an `Error` saying what is wrong with an unusable playlist.
#[wasm_bindgen(js_name = inspectPlaylist)]
pub fn inspect_playlist(text: &js_sys::JsString, url: &str) -> Result<JsValue, JsValue> {
    // `TextEncoder.encode` then one copy: a `&str` argument would be copied by wasm-bindgen's
    // char-by-char JS loop, which took half the time of a 700 KB playlist.
    let bytes = TextEncoder::new().encode(text).to_vec();
    let text = String::from_utf8(bytes).map_err(|_| js::error("playlist text is not UTF-8"))?;
    let playlist = parse_playlist(&text, url).map_err(|e| js::error(&e.to_string()))?;
    Ok(match playlist {
        Playlist::Multivariant(m) => {
            // Keys made once, not per variant: decoding them dominates otherwise.
            let keys = ["bandwidth", "width", "height", "codecs", "url"].map(JsValue::from_str);
            let variants = js_sys::Array::new();
            for v in &m.variants {
                let (width, height) = v.resolution.map_or((0, 0), |r| (r.width, r.height));
                let values = [
                    JsValue::from(v.bandwidth as f64),
                    JsValue::from(width),
                    JsValue::from(height),
                    JsValue::from_str(v.codecs.as_deref().unwrap_or("")),
                    JsValue::from_str(&v.url),
                ];
                let object = js_sys::Object::new();
                for (key, value) in keys.iter().zip(&values) {
                    // Setting a property on a fresh plain object cannot fail.
                    let _ = js_sys::Reflect::set(&object, key, value);
                }
                variants.push(&object);
            }
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

#[wasm_bindgen]
extern "C" {
    /// The platform's `TextEncoder`, bound to take a JS string as is (web-sys's takes `&str`).
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// UTF-8 bytes of `text` (lone surrogates become U+FFFD, as with a `&str` argument).
    #[wasm_bindgen(method)]
    fn encode(this: &TextEncoder, text: &js_sys::JsString) -> js_sys::Uint8Array;
}
