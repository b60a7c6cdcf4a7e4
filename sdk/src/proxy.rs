//! The boundary of `VideoProxyClient` (sdk/js/proxy.js, which asks the API with fetch and
//! shares requests in flight): [`PresignCore`] holds player-core's `UrlCache`, which reads each
//! issued URL's expiry, corrects for the server's clock and says when to renew it.

use player_core::presign::{CacheConfig, CacheKey, Issue, Lookup, StreamUrl, UrlCache};
use wasm_bindgen::prelude::*;

use crate::js::{self, ObjectBuilder};

/// Issued stream URLs by (content, quality, token) and their renewal times.
#[wasm_bindgen]
pub struct PresignCore {
    cache: UrlCache,
}

#[wasm_bindgen]
impl PresignCore {
    /// A cache reading expiries from `custom_param` too (origins that are neither S3 nor
    /// CloudFront); `seed` (any number, e.g. `Math.random() * 2 ** 64`) spreads the renewals of
    /// viewers who got their URLs together.
    #[wasm_bindgen(constructor)]
    pub fn new(custom_param: Option<String>, seed: f64) -> PresignCore {
        let config = CacheConfig {
            custom_param: custom_param.filter(|p| !p.is_empty()),
            ..CacheConfig::default()
        };
        PresignCore {
            cache: UrlCache::new(config, seed as u64),
        }
    }

    /// What happened at `now` (`performance.now()`) to the URL of (`content_id`, `quality`,
    /// `scope`), by `kind`:
    ///
    /// - 0 lookup: answers the URL (below) when it needs no renewal, else 0 (ask the API, then
    ///   report 1 or 2) or 1 (a request for it is in flight: wait for its answer).
    /// - 1 issued: the API answered `url` (`expires_at` and `server_time` in Unix ms, NaN when
    ///   absent; `local_time` is `Date.now()` then; the request took `fetch_ms`); answers the URL,
    ///   or throws an `Error` saying why it cannot be used.
    /// - 2 failed: asking the API failed; the next lookup asks again.
    /// - 3 invalidate: forgets every URL of `content_id`.
    ///
    /// A URL is `{url, expiresAt, refreshAt, signing, skewMs}`, times on the `now` clock;
    /// `signing` is `"sigv4"`, `"sigv2"`, `"cloudfront"`, `"custom"` or null.
    #[allow(clippy::too_many_arguments)]
    pub fn input(
        &mut self,
        now: f64,
        kind: u32,
        content_id: String,
        quality: Option<String>,
        scope: Option<String>,
        url: Option<String>,
        expires_at: f64,
        server_time: f64,
        local_time: f64,
        fetch_ms: f64,
    ) -> Result<JsValue, JsValue> {
        if kind == 3 {
            self.cache.invalidate_content(&content_id);
            return Ok(JsValue::UNDEFINED);
        }
        let key = CacheKey {
            content_id,
            quality,
            scope: scope.unwrap_or_default(),
        };
        Ok(match kind {
            0 => match self.cache.lookup(now, &key) {
                Lookup::Ready(url) => to_js(&url),
                Lookup::Fetch => 0.into(),
                Lookup::Wait => 1.into(),
            },
            1 => {
                let known = |t: f64| t.is_finite().then_some(t);
                let issue = Issue {
                    url: url.unwrap_or_default(),
                    expires_at_ms: known(expires_at),
                    server_time_ms: known(server_time),
                    local_time_ms: local_time,
                    fetch_ms,
                };
                let stored = self.cache.store(now, &key, issue);
                to_js(&stored.map_err(|e| js::error(&e.to_string()))?)
            }
            2 => {
                self.cache.fetch_failed(&key);
                JsValue::UNDEFINED
            }
            _ => JsValue::UNDEFINED,
        })
    }
}

fn to_js(url: &StreamUrl) -> JsValue {
    ObjectBuilder::new()
        .set("url", url.url.as_str())
        .set("expiresAt", url.expires_at_ms)
        .set("refreshAt", url.refresh_at_ms)
        .set(
            "signing",
            url.signing.map_or(JsValue::NULL, |s| s.as_str().into()),
        )
        .set("skewMs", url.skew_ms)
        .build()
}
