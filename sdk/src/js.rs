//! Small helpers for building and reading JS values, shared by the boundary classes so the
//! wasm holds one copy of each piece of glue.
//!
//! Messages are joined from `&str` parts (numbers printed by JS) rather than with `format!`:
//! `core::fmt` would link its machinery and the Display impls of whatever it formats (the f64
//! one alone brings the float printer) into the wasm.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// A JS `Error` with `message`, for throwing from exported functions.
pub fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// A JS `Error` whose message is `parts` joined.
pub fn fail(parts: &[&str]) -> JsValue {
    error(&parts.concat())
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
        self.put(key, &value.into());
        self
    }

    fn put(&self, key: &str, value: &JsValue) {
        put(&self.0, key, value);
    }

    /// The finished object.
    pub fn build(self) -> JsValue {
        self.0.into()
    }
}

/// `obj[key] = value`, ignoring a setter that throws. Properties written this way rather than
/// through web-sys setters each save an import in the wasm and a function in the glue.
pub fn put(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `obj[key]`, `undefined` when it cannot be read.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether `value` is `undefined` or `null`.
pub fn is_nullish(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// Reads a numeric field of a config object; `Ok(None)` when absent or undefined.
pub fn number_field(obj: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let value = get(obj, key);
    if is_nullish(&value) {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(fail(&[
            "config.",
            key,
            " must be a finite number, got ",
            &describe(&value),
        ])),
    }
}

/// A short description of a JS value's type for error messages.
pub fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_undefined() {
        "undefined".into()
    } else if value.is_string() {
        let quoted = js_sys::JSON::stringify(value).map_or_else(|_| String::new(), String::from);
        ["the string ", &quoted].concat()
    } else {
        value
            .js_typeof()
            .as_string()
            .unwrap_or_else(|| "a value".into())
    }
}
