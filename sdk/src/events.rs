//! Engine events as JS objects, named as in hls.js.

use crate::js::ObjectBuilder;
use player_core::engine::{LevelSummary, MediaTrack, PlayerError, PlayerEvent};
use wasm_bindgen::JsValue;

/// The JS event name and payload of `event`.
pub fn to_js(event: &PlayerEvent) -> (&'static str, JsValue) {
    match event {
        PlayerEvent::ManifestLoading { url } => (
            "manifestLoading",
            ObjectBuilder::new().set("url", url.as_str()).build(),
        ),
        PlayerEvent::ManifestParsed { levels } => (
            "manifestParsed",
            ObjectBuilder::new()
                .set("levels", levels_to_js(levels))
                .build(),
        ),
        PlayerEvent::LevelLoaded {
            level,
            vod,
            duration,
            segments,
        } => (
            "levelLoaded",
            ObjectBuilder::new()
                .set("level", *level as u32)
                .set("live", !vod)
                .set("duration", *duration)
                .set("segments", *segments as u32)
                .build(),
        ),
        PlayerEvent::LevelSwitching { level } => (
            "levelSwitching",
            ObjectBuilder::new().set("level", *level as u32).build(),
        ),
        PlayerEvent::LevelSwitched { level } => (
            "levelSwitched",
            ObjectBuilder::new().set("level", *level as u32).build(),
        ),
        PlayerEvent::FragLoaded {
            level,
            sn,
            bytes,
            load_ms,
        } => (
            "fragLoaded",
            ObjectBuilder::new()
                .set("level", *level as u32)
                .set("sn", *sn as f64)
                .set("bytes", *bytes as f64)
                .set("loadMs", *load_ms)
                .build(),
        ),
        PlayerEvent::FragBuffered {
            level,
            sn,
            start,
            end,
        } => (
            "fragBuffered",
            ObjectBuilder::new()
                .set("level", *level as u32)
                .set("sn", *sn as f64)
                .set("start", *start)
                .set("end", *end)
                .build(),
        ),
        PlayerEvent::FragLoadEmergencyAborted { level, to } => (
            "fragLoadEmergencyAborted",
            ObjectBuilder::new()
                .set("level", *level as u32)
                .set("to", *to as u32)
                .build(),
        ),
        PlayerEvent::FragParsed {
            level,
            sn,
            video,
            audio,
        } => {
            let span = |b: ObjectBuilder, name: &str, s: &Option<(f64, f64)>| match s {
                Some((start, end)) => b
                    .set(&[name, "Start"].concat(), *start)
                    .set(&[name, "End"].concat(), *end),
                None => b,
            };
            let b = ObjectBuilder::new()
                .set("level", *level as u32)
                .set("sn", *sn as f64);
            (
                "fragParsed",
                span(span(b, "video", video), "audio", audio).build(),
            )
        }
        PlayerEvent::Metadata { sn, pts, data } => (
            "fragParsingMetadata",
            ObjectBuilder::new()
                .set("sn", *sn as f64)
                .set("pts", pts.map_or(JsValue::NULL, JsValue::from))
                .set("data", js_sys::Uint8Array::from(data.as_slice()))
                .build(),
        ),
        PlayerEvent::BufferEos => ("bufferEos", ObjectBuilder::new().build()),
        PlayerEvent::UrlExpired { url } => (
            "urlExpired",
            ObjectBuilder::new().set("url", url.as_str()).build(),
        ),
        PlayerEvent::AudioTracksUpdated { tracks } => (
            "audioTracksUpdated",
            ObjectBuilder::new()
                .set("audioTracks", tracks_to_js(tracks))
                .build(),
        ),
        PlayerEvent::AudioTrackSwitching { id } => (
            "audioTrackSwitching",
            ObjectBuilder::new().set("id", *id as u32).build(),
        ),
        PlayerEvent::AudioTrackSwitched { id } => (
            "audioTrackSwitched",
            ObjectBuilder::new().set("id", *id as u32).build(),
        ),
        PlayerEvent::SubtitleTracksUpdated { tracks } => (
            "subtitleTracksUpdated",
            ObjectBuilder::new()
                .set("subtitleTracks", tracks_to_js(tracks))
                .build(),
        ),
        PlayerEvent::SubtitleTrackSwitch { id } => (
            "subtitleTrackSwitch",
            ObjectBuilder::new()
                .set("id", id.map_or(-1, |i| i as i32))
                .build(),
        ),
        PlayerEvent::SubtitleCues { id, cues } => (
            "subtitleFragProcessed",
            ObjectBuilder::new()
                .set("id", *id as u32)
                .set("cues", cues.len() as u32)
                .build(),
        ),
        PlayerEvent::Error(e) => ("error", error_to_js(e)),
    }
}

/// `{type, details, fatal, message, url}`, the shape of hls.js error events.
pub fn error_to_js(e: &PlayerError) -> JsValue {
    let b = ObjectBuilder::new()
        .set("type", e.kind.as_str())
        .set("details", e.detail.as_str())
        .set("fatal", e.fatal)
        .set("message", e.message.as_str());
    match &e.url {
        Some(url) => b.set("url", url.as_str()),
        None => b.set("url", JsValue::NULL),
    }
    .build()
}

/// The levels as an array of `{bitrate, width, height, codecs, url}`.
pub fn levels_to_js(levels: &[LevelSummary]) -> JsValue {
    let array = js_sys::Array::new();
    for l in levels {
        array.push(
            &ObjectBuilder::new()
                .set("bitrate", l.bitrate as f64)
                .set("width", l.width)
                .set("height", l.height)
                .set("codecs", l.codecs.as_str())
                .set("url", l.url.as_str())
                .build(),
        );
    }
    array.into()
}

/// Audio or subtitle renditions as an array of `{id, name, lang, default}`.
pub fn tracks_to_js(tracks: &[MediaTrack]) -> JsValue {
    let array = js_sys::Array::new();
    for t in tracks {
        array.push(
            &ObjectBuilder::new()
                .set("id", t.id as u32)
                .set("name", t.name.as_str())
                .set("lang", t.lang.as_str())
                .set("default", t.default)
                .build(),
        );
    }
    array.into()
}
