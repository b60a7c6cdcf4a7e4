//! Small browser helpers: timers, fetch, clocks and JS property access.

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// The page's window (the demo only runs in a window).
pub fn window() -> web_sys::Window {
    web_sys::window().expect("the demo runs in a browser window")
}

/// Monotonic milliseconds since the page started.
pub fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// An HTTP answer: status, `Date` header (when readable) and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The `Date` header, when the response exposes it.
    pub date: Option<String>,
    /// The body as text.
    pub text: String,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the server has no such route (404, or 405 for a method it lacks).
    pub fn missing(&self) -> bool {
        self.status == 404 || self.status == 405
    }

    /// The body as JSON, `None` when it is not.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.text).ok()
    }
}

/// `method url` with an optional bearer token and JSON body; `Err` with the browser's message
/// on a network or CORS failure.
pub async fn fetch(
    method: &str,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<Answer, String> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(describe)?;
    if !token.is_empty() {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(describe)?;
    }
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(describe)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| format!("{url}: {} (network error or CORS)", describe(e)))?
        .dyn_into()
        .map_err(describe)?;
    let date = response.headers().get("date").ok().flatten();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok(Answer {
        status: response.status(),
        date,
        text,
    })
}

/// A readable description of a thrown JS value.
pub fn describe(value: JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    Reflect::get(&value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// `obj[key]` as a number.
pub fn num(obj: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(obj, &key.into()).ok().and_then(|v| v.as_f64())
}

/// `obj[key]` as a string.
pub fn text(obj: &JsValue, key: &str) -> Option<String> {
    Reflect::get(obj, &key.into())
        .ok()
        .and_then(|v| v.as_string())
}

/// `obj[key]` as a bool.
pub fn flag(obj: &JsValue, key: &str) -> Option<bool> {
    Reflect::get(obj, &key.into())
        .ok()
        .and_then(|v| v.as_bool())
}

/// `base` joined with `path` (`base` empty: the page's own origin).
pub fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// `url` resolved against the page's address.
pub fn absolute(url: &str) -> String {
    let base = window().location().href().unwrap_or_default();
    web_sys::Url::new_with_base(url, &base).map_or_else(|_| url.to_owned(), |u| u.href())
}

/// Saves `text` as a download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = window()
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    wasm_bindgen_futures::spawn_local(async move {
        sleep(1000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

/// Starts `video`; a refused or interrupted start (a new load, autoplay policy) is ignored
/// here, as the checks watch the playhead instead.
pub fn play(video: &web_sys::HtmlVideoElement) {
    if let Ok(promise) = video.play() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(promise).await;
        });
    }
}
