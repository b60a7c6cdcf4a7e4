//! Small helpers for building and reading JS values.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A JS `Error` with `message`, for throwing from exported functions.
pub fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// Builds a plain JS object field by field.
pub struct ObjectBuilder(Object);

impl ObjectBuilder {
    /// An empty object.
    pub fn new() -> Self {
        Self(Object::new())
    }

    /// Sets `key` to `value`.
    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    /// The finished object.
    pub fn build(self) -> JsValue {
        self.0.into()
    }
}

/// Reads a numeric field of a config object; `Ok(None)` when absent or undefined.
pub fn number_field(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let value = Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(error(&format!(
            "config.{key} must be a finite number, got {}",
            describe(&value)
        ))),
    }
}

/// A short description of a JS value's type for error messages.
pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else if let Some(s) = value.as_string() {
        format!("the string {s:?}")
    } else {
        value
            .js_typeof()
            .as_string()
            .unwrap_or_else(|| "a value".into())
    }
}

/// `performance.now()`, the monotonic clock the core is driven with.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
