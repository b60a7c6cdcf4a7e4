//! `VideoProxyClient`: signed stream URLs from the API's `POST /api/stream-url`, cached by
//! (content, quality, auth scope) and renewed ahead of expiry (see `player_core::presign`).
//!
//! The API's JSON is read with `Response.json()` and `Reflect`, keeping serde_json out of the
//! wasm.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use player_core::presign::{CacheConfig, CacheKey, Issue, Lookup, StreamUrl, UrlCache};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use crate::js::{self, ObjectBuilder, now_ms};

/// Signed stream URLs for one API, cached and renewed ahead of expiry.
#[wasm_bindgen]
pub struct VideoProxyClient {
    inner: Rc<Inner>,
}

struct Inner {
    api_base: String,
    token_provider: Function,
    fetch: Option<Function>,
    cache: RefCell<UrlCache>,
    /// The API's answer being awaited, per key, so callers share one request.
    in_flight: RefCell<Vec<(CacheKey, Promise)>>,
    /// `qualities` and `duration` of each key's last answer.
    meta: RefCell<Vec<(CacheKey, (JsValue, JsValue))>>,
    /// The `sessionId` sent when the caller gives none (the API requires one).
    default_session: String,
}

#[wasm_bindgen]
impl VideoProxyClient {
    /// `new VideoProxyClient({apiBase, tokenProvider, customExpiryParam?, fetch?})`:
    /// `apiBase` is the origin of `/api/stream-url` (empty: the page's), `tokenProvider` an
    /// async function giving the bearer JWT, `customExpiryParam` a query parameter holding the
    /// expiry in epoch seconds (origins that are neither S3 nor CloudFront), `fetch` replaces
    /// the global `fetch`. Calls without a `sessionId` send one random id per client.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<VideoProxyClient, JsValue> {
        if !options.is_object() {
            return Err(js::fail(&[
                "VideoProxyClient needs an options object {apiBase, tokenProvider}, got ",
                &js::describe(&options),
            ]));
        }
        let field = |key: &str| js::get(&options, key);
        let api_base = field("apiBase");
        let api_base = match api_base.as_string() {
            Some(s) => s.trim_end_matches('/').to_owned(),
            None if api_base.is_undefined() => String::new(),
            None => {
                return Err(js::fail(&[
                    "VideoProxyClient: apiBase must be a string, got ",
                    &js::describe(&api_base),
                ]));
            }
        };
        let token_provider: Function = field("tokenProvider").dyn_into().map_err(|v| {
            js::fail(&[
                "VideoProxyClient: tokenProvider must be a function returning the bearer token, got ",
                &js::describe(&v),
            ])
        })?;
        let fetch = field("fetch");
        let fetch = if fetch.is_undefined() || fetch.is_null() {
            None
        } else {
            Some(fetch.dyn_into::<Function>().map_err(|v| {
                js::fail(&[
                    "VideoProxyClient: fetch must be a function, got ",
                    &js::describe(&v),
                ])
            })?)
        };
        let custom = field("customExpiryParam");
        let custom_param = match custom.as_string() {
            Some(s) if !s.is_empty() => Some(s),
            None if custom.is_undefined() || custom.is_null() => None,
            _ => {
                return Err(js::fail(&[
                    "VideoProxyClient: customExpiryParam must be a non-empty string, got ",
                    &js::describe(&custom),
                ]));
            }
        };
        let config = CacheConfig {
            custom_param,
            ..CacheConfig::default()
        };
        // A random seed, so viewers' renewals spread out.
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        Ok(VideoProxyClient {
            inner: Rc::new(Inner {
                api_base,
                token_provider,
                fetch,
                cache: RefCell::new(UrlCache::new(config, seed)),
                in_flight: RefCell::new(Vec::new()),
                meta: RefCell::new(Vec::new()),
                default_session: session_id((js_sys::Math::random() * 2f64.powi(64)) as u64),
            }),
        })
    }

    /// A signed URL for `contentId` (the rendition `quality`'s media playlist, else the
    /// multivariant): `Promise<{url, expiresAt, refreshAt, signing, qualities, duration,
    /// skewMs}>`, times in Unix milliseconds. A cached URL is answered until its renewal time;
    /// concurrent calls for the same key share one request. Rejects with an `Error` whose
    /// `code` is the API's error code (`unauthorized`, `unknown_content`, ...) and `status`
    /// the HTTP status.
    #[wasm_bindgen(js_name = getStreamUrl)]
    pub fn get_stream_url(
        &self,
        content_id: JsValue,
        quality: JsValue,
        session_id: JsValue,
    ) -> Result<Promise, JsValue> {
        let content_id = content_id
            .as_string()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                js::fail(&[
                    "getStreamUrl(contentId): contentId must be a non-empty string, got ",
                    &js::describe(&content_id),
                ])
            })?;
        let quality = optional_string("quality", &quality)?;
        let session_id = optional_string("sessionId", &session_id)?;
        let inner = self.inner.clone();
        Ok(js::promise(async move {
            let token = inner.token().await?;
            let key = CacheKey {
                content_id,
                quality,
                scope: token.clone(),
            };
            loop {
                let lookup = inner.cache.borrow_mut().lookup(now_ms(), &key);
                match lookup {
                    Lookup::Ready(url) => return Ok(inner.result(&key, &url)),
                    Lookup::Wait => {
                        let waiting = find(&inner.in_flight.borrow(), &key);
                        match waiting {
                            Some(p) => return JsFuture::from(p).await,
                            // No request to wait for after all: make one.
                            None => inner.cache.borrow_mut().fetch_failed(&key),
                        }
                    }
                    Lookup::Fetch => {
                        let fetch = fetch_promise(inner.clone(), key.clone(), token, session_id);
                        put(&mut inner.in_flight.borrow_mut(), &key, fetch.clone());
                        let answer = JsFuture::from(fetch).await;
                        inner.in_flight.borrow_mut().retain(|(k, _)| *k != key);
                        return answer;
                    }
                }
            }
        }))
    }

    /// Forgets the cached URLs of `contentId` (every quality and user), so the next
    /// `getStreamUrl` asks the API.
    pub fn invalidate(&self, content_id: JsValue) -> Result<(), JsValue> {
        let content_id = content_id.as_string().ok_or_else(|| {
            js::fail(&[
                "invalidate(contentId): contentId must be a string, got ",
                &js::describe(&content_id),
            ])
        })?;
        self.inner
            .cache
            .borrow_mut()
            .invalidate_content(&content_id);
        Ok(())
    }
}

/// Asks the API for `key`'s URL and stores the answer; resolves to the `getStreamUrl` result.
fn fetch_promise(
    inner: Rc<Inner>,
    key: CacheKey,
    token: String,
    session_id: Option<String>,
) -> Promise {
    js::promise(async move {
        let started = now_ms();
        let answer = inner.ask_api(&key, &token, session_id.as_deref()).await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                inner.cache.borrow_mut().fetch_failed(&key);
                return Err(e);
            }
        };
        let field = |k: &str| js::get(&answer, k);
        let date = |k: &str| {
            field(k)
                .as_string()
                .map(|s| js_sys::Date::parse(&s))
                .filter(|t| t.is_finite())
        };
        let Some(url) = field("url").as_string().filter(|u| !u.is_empty()) else {
            inner.cache.borrow_mut().fetch_failed(&key);
            return Err(js::error("stream-url: the answer has no url"));
        };
        let issue = Issue {
            url,
            expires_at_ms: date("expiresAt"),
            server_time_ms: date("serverTime"),
            local_time_ms: js_sys::Date::now(),
            fetch_ms: now_ms() - started,
        };
        let stored = inner.cache.borrow_mut().store(now_ms(), &key, issue);
        let stored = stored.map_err(|e| js::fail(&["stream-url: ", &e.to_string()]))?;
        let duration = field("duration");
        let duration = if duration.as_f64().is_some() {
            duration
        } else {
            JsValue::NULL
        };
        let qualities = field("qualities");
        let qualities = if js_sys::Array::is_array(&qualities) {
            qualities
        } else {
            js_sys::Array::new().into()
        };
        put(&mut inner.meta.borrow_mut(), &key, (qualities, duration));
        Ok(inner.result(&key, &stored))
    })
}

impl Inner {
    /// The bearer token from `tokenProvider` (a string, or a promise of one).
    async fn token(&self) -> Result<String, JsValue> {
        let value = self
            .token_provider
            .call1(&JsValue::NULL, &JsValue::UNDEFINED)?;
        let value = match value.dyn_ref::<Promise>() {
            Some(p) => JsFuture::from(p.clone()).await?,
            None => value,
        };
        value.as_string().filter(|t| !t.is_empty()).ok_or_else(|| {
            js::fail(&[
                "VideoProxyClient: tokenProvider must give a non-empty string, gave ",
                &js::describe(&value),
            ])
        })
    }

    /// `POST {apiBase}/api/stream-url`; the parsed JSON of a 2xx answer.
    async fn ask_api(
        &self,
        key: &CacheKey,
        token: &str,
        session_id: Option<&str>,
    ) -> Result<JsValue, JsValue> {
        let mut body = ObjectBuilder::new().set("contentId", key.content_id.as_str());
        if let Some(q) = &key.quality {
            body = body.set("quality", q.as_str());
        }
        body = body.set("sessionId", session_id.unwrap_or(&self.default_session));
        let body = js_sys::JSON::stringify(&body.build())?;
        let headers = ObjectBuilder::new()
            .set("Authorization", ["Bearer ", token].concat())
            .set("Content-Type", "application/json")
            .build();
        let init = ObjectBuilder::new()
            .set("method", "POST")
            .set("headers", headers)
            .set("body", body)
            .build();
        let url = [&self.api_base, "/api/stream-url"].concat();
        let promise = match &self.fetch {
            Some(f) => f.call3(
                &JsValue::NULL,
                &url.as_str().into(),
                &init,
                &JsValue::UNDEFINED,
            )?,
            None => {
                let window = js::window().ok_or_else(|| js::error("no window"))?;
                window
                    .fetch_with_str_and_init(&url, init.unchecked_ref())
                    .into()
            }
        };
        let promise: Promise = promise
            .dyn_into()
            .map_err(|_| js::error("VideoProxyClient: fetch did not return a promise"))?;
        let response: Response = JsFuture::from(promise)
            .await
            .map_err(|e| {
                js::fail(&[
                    "stream-url: ",
                    &url,
                    " could not be reached: ",
                    &crate::js::message_of(&e),
                ])
            })?
            .dyn_into()
            .map_err(|_| js::error("VideoProxyClient: fetch did not resolve to a Response"))?;
        let status = js::num(&response, "status") as u16;
        let json = match response.json() {
            Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        };
        if (200..300).contains(&status) && json.is_object() {
            return Ok(json);
        }
        let text = |k: &str| js::get(&json, k).as_string();
        let code = text("error").unwrap_or_else(|| "bad_answer".into());
        let message = text("message").unwrap_or_else(|| "the answer is not JSON".into());
        let error = js::fail(&[
            "stream-url for ",
            &key.content_id,
            ": ",
            &message,
            " (HTTP ",
            &js::number(status.into()),
            " ",
            &code,
            ")",
        ]);
        js::put(&error, "code", &code.into());
        js::put(&error, "status", &status.into());
        Err(error)
    }

    /// The JS result for `url` cached under `key`.
    fn result(&self, key: &CacheKey, url: &StreamUrl) -> JsValue {
        let (qualities, duration) = find(&self.meta.borrow(), key)
            .unwrap_or_else(|| (js_sys::Array::new().into(), JsValue::NULL));
        let epoch = |monotonic: f64| js_sys::Date::now() + (monotonic - now_ms());
        ObjectBuilder::new()
            .set("url", url.url.as_str())
            .set("expiresAt", epoch(url.expires_at_ms))
            .set("refreshAt", epoch(url.refresh_at_ms))
            .set(
                "signing",
                url.signing.map_or(JsValue::NULL, |s| s.as_str().into()),
            )
            .set("qualities", qualities)
            .set("duration", duration)
            .set("skewMs", url.skew_ms)
            .build()
    }
}

/// An optional string argument: `undefined`/`null` or a non-empty string.
fn optional_string(name: &str, value: &JsValue) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_string() {
        Some(s) if !s.is_empty() => Ok(Some(s)),
        _ => Err(js::fail(&[
            "getStreamUrl: ",
            name,
            " must be a non-empty string, got ",
            &js::describe(value),
        ])),
    }
}

/// The value kept under `key` in a small list of key-value pairs.
fn find<V: Clone>(list: &[(CacheKey, V)], key: &CacheKey) -> Option<V> {
    list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Keeps `value` under `key`, replacing what was there.
fn put<V>(list: &mut Vec<(CacheKey, V)>, key: &CacheKey, value: V) {
    list.retain(|(k, _)| k != key);
    list.push((key.clone(), value));
}

/// `s-` and 16 lowercase hex digits of `n` (the API's form of a session id).
fn session_id(n: u64) -> String {
    let mut id = String::from("s-");
    for shift in (0..16).rev() {
        let nibble = ((n >> (shift * 4)) & 0xf) as u32;
        id.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::session_id;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn session_ids_match_the_std_hex_form() {
        for n in [0, 1, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(session_id(n), format!("s-{n:016x}"));
        }
    }
}
