//! The JS config object of `new Player(video, config)`.

use crate::js::{self, number_field};
use player_core::engine::Config;
use wasm_bindgen::JsValue;

/// Reads `config` (undefined, null or an object) into the engine's settings; unknown fields
/// are ignored, wrongly typed ones are an `Error`.
pub fn engine_config(config: &JsValue) -> Result<Config, JsValue> {
    let mut out = Config::default();
    if config.is_undefined() || config.is_null() {
        return Ok(out);
    }
    if !config.is_object() {
        return Err(js::fail(&[
            "Player config must be an object, got ",
            &js::describe(config),
        ]));
    }
    if let Some(v) = number_field(config, "maxBufferLength")? {
        out.max_buffer_length = v.max(1.0);
    }
    if let Some(v) = number_field(config, "backBufferLength")? {
        out.back_buffer_length = v.max(0.0);
    }
    if let Some(v) = number_field(config, "startLevel")? {
        out.start_level = (v >= 0.0).then_some(v as usize);
    }
    if let Some(v) = number_field(config, "abrEwmaDefaultEstimate")? {
        out.initial_bandwidth_estimate = v.max(1.0);
    }
    if let Some(v) = number_field(config, "maxLoadRetries")? {
        out.max_load_retries = v.max(0.0) as u32;
    }
    if let Some(v) = number_field(config, "retryDelay")? {
        out.retry_delay_ms = v.max(0.0);
    }
    Ok(out)
}
