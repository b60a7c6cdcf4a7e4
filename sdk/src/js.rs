//! Small helpers for building and reading JS values, shared by every part of the shell so the
//! wasm holds one copy of each piece of glue.
//!
//! Messages are joined from `&str` parts (numbers printed by JS) rather than with `format!`:
//! `core::fmt` would link its machinery and the Display impls of whatever it formats (the f64
//! one alone brings the float printer) into the wasm.

use std::future::Future;
use std::pin::Pin;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

/// A JS `Error` with `message`, for throwing from exported functions.
pub fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// A JS `Error` whose message is `parts` joined.
pub fn fail(parts: &[&str]) -> JsValue {
    error(&parts.concat())
}

/// `n` as JS prints it (`String(n)`): `1.5`, `-1`, `NaN`, `Infinity`.
pub fn number(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
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

/// `obj[key]` as a number, 0 when it is not one. Properties read this way rather than through
/// web-sys getters each save an import in the wasm and a function in the glue.
pub fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(0.0)
}

/// `obj[key]` as a string, empty when it is not one.
pub fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

/// `obj[key]` converted to a boolean as JS does (`!!obj[key]`).
pub fn flag(obj: &JsValue, key: &str) -> bool {
    get(obj, key).is_truthy()
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

/// The page's `window`; `None` where the global object is not one (a worker). Told by its
/// `document` rather than by `instanceof Window`, which would be one more import.
pub fn window() -> Option<web_sys::Window> {
    let global = js_sys::global();
    (!is_nullish(&get(&global, "document"))).then(|| global.unchecked_into())
}

/// `performance.now()`, the monotonic clock the core is driven with.
pub fn now_ms() -> f64 {
    performance_now()
}

/// The callbacks given to `on(name, callback)`, in the order they were added.
#[derive(Default)]
pub struct Listeners(Vec<(String, Function)>);

impl Listeners {
    /// Adds `callback` for `name`; throws when it is not a function.
    pub fn on(&mut self, name: &str, callback: JsValue) -> Result<(), JsValue> {
        let callback: Function = callback.dyn_into().map_err(|v| {
            fail(&[
                "on(\"",
                name,
                "\", callback) needs a function, got ",
                &describe(&v),
            ])
        })?;
        self.0.push((name.to_owned(), callback));
        Ok(())
    }

    /// Removes every registration of `callback` for `name`.
    pub fn off(&mut self, name: &str, callback: &JsValue) {
        self.0
            .retain(|(n, f)| n != name || JsValue::from(f.clone()) != *callback);
    }

    /// The callbacks of `name`, copied so they may be called with the state released.
    pub fn of(&self, name: &str) -> Vec<Function> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

/// A JS callback taking up to two arguments (an event; nothing for timers; the time and the
/// metadata of a presented frame). Every DOM handler, timer and frame callback of the shell is
/// this one closure type, so the wasm and the glue hold one copy of its code.
pub type Callback = Closure<dyn FnMut(JsValue, JsValue)>;

/// Removes each `(event name, handler)` of `handlers` from `target` and drops the handlers.
pub fn detach(target: &web_sys::EventTarget, handlers: Vec<(&'static str, Callback)>) {
    for (name, handler) in handlers {
        let _ = target.remove_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
    }
}

/// Wraps `f`, which takes the first argument, as a [`Callback`].
pub fn callback(mut f: impl FnMut(JsValue) + 'static) -> Callback {
    wrap(Box::new(move |first, _| f(first)))
}

/// Wraps `f`, which takes both arguments, as a [`Callback`].
pub fn callback2(f: impl FnMut(JsValue, JsValue) + 'static) -> Callback {
    wrap(Box::new(f))
}

fn wrap(f: Box<dyn FnMut(JsValue, JsValue)>) -> Callback {
    Closure::wrap(f)
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = setInterval)]
    fn set_interval(callback: &JsValue, ms: u32) -> JsValue;
    /// Clears a timeout or an interval (they share one list of ids).
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A `setTimeout` (or `setInterval`) cancelled when dropped.
pub struct Timer {
    id: JsValue,
    _callback: Callback,
}

impl Timer {
    /// Calls `f` once after `ms` milliseconds.
    pub fn once(ms: u32, mut f: impl FnMut() + 'static) -> Self {
        Self::start(ms, false, callback(move |_| f()))
    }

    /// Calls `f` every `ms` milliseconds.
    pub fn every(ms: u32, mut f: impl FnMut() + 'static) -> Self {
        Self::start(ms, true, callback(move |_| f()))
    }

    fn start(ms: u32, repeat: bool, callback: Callback) -> Self {
        let f = callback.as_ref();
        let id = if repeat {
            set_interval(f, ms)
        } else {
            set_timeout(f, ms)
        };
        Self {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Runs `future` to completion; boxed, so all the shell's futures share one spawn.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(future));
}

fn spawn_boxed(future: Pin<Box<dyn Future<Output = ()>>>) {
    wasm_bindgen_futures::spawn_local(future);
}

/// A promise of `future`'s result; boxed, so all the shell's promises share one glue.
pub fn promise(
    future: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    promise_boxed(Box::pin(future))
}

fn promise_boxed(
    future: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// The message of a thrown JS value: `name: message` for a DOMException, the message of an
/// error (any object with a string `message`), else a description of the value. Fields are
/// read by name: fewer imports than web-sys's getters.
pub fn message_of(e: &JsValue) -> String {
    let message = get(e, "message").as_string();
    match message {
        Some(m) if e.is_instance_of::<web_sys::DomException>() => {
            [text(e, "name"), ": ".into(), m].concat()
        }
        Some(m) if e.is_object() => m,
        _ => describe(e),
    }
}
