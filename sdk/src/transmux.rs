//! `Transmuxer`: player-core's MPEG-TS → fMP4 transmuxer exposed to JS on its own, for tools
//! and the transmux benchmark (the player itself transmuxes inside its engine).

use crate::js::{self, ObjectBuilder};
use player_core::mux::{self, SegmentInfo};
use wasm_bindgen::prelude::*;

/// Turns consecutive MPEG-TS segments of one stream into fMP4 on one timeline.
#[wasm_bindgen]
pub struct Transmuxer {
    inner: mux::Transmuxer,
    /// Codecs of the latest init segment.
    codecs: String,
}

#[wasm_bindgen]
impl Transmuxer {
    /// A transmuxer with no stream state.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Transmuxer {
        Transmuxer {
            inner: mux::Transmuxer::new(),
            codecs: String::new(),
        }
    }

    /// Transmuxes one complete segment and returns `{init, media, codecs}`: `init` is the
    /// fMP4 init segment (a `Uint8Array`) when it is new (first segment, codec change) and
    /// `undefined` otherwise, `media` the `moof`+`mdat` bytes, `codecs` the RFC 6381 list of
    /// the current init segment. `discontinuity` starts a new timeline. Throws an `Error`
    /// saying why a segment cannot be transmuxed.
    #[wasm_bindgen(js_name = pushSegment)]
    pub fn push_segment(&mut self, data: &[u8], discontinuity: bool) -> Result<JsValue, JsValue> {
        let info = SegmentInfo {
            discontinuity,
            ..SegmentInfo::default()
        };
        let output = self
            .inner
            .push_segment(data, info)
            .map_err(|e| js::error(&e.to_string()))?;
        let mut object =
            ObjectBuilder::new().set("media", js_sys::Uint8Array::from(output.media.as_slice()));
        if let Some(init) = output.init {
            object = object.set("init", js_sys::Uint8Array::from(init.bytes.as_slice()));
            self.codecs = init.mime_codecs;
        }
        Ok(object.set("codecs", self.codecs.as_str()).build())
    }
}

impl Default for Transmuxer {
    fn default() -> Self {
        Self::new()
    }
}
