//! The URLs a stream-URL API issued, by (content, quality, auth scope), and when to renew them.

use super::{PresignError, Signing, parse_expiry};

/// Most URLs kept; the one expiring first is dropped beyond.
const MAX_ENTRIES: usize = 64;

/// Weight of a new sample in the expected fetch time.
const LOAD_EWMA_WEIGHT: f64 = 0.3;

/// Identifies one issued URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The title.
    pub content_id: String,
    /// The rendition asked for; `None` for the multivariant playlist.
    pub quality: Option<String>,
    /// Whose URL it is (the bearer token or its subject): URLs are never shared across scopes.
    pub scope: String,
}

/// How early issued URLs are renewed.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Least time before expiry at which a URL is renewed, milliseconds.
    pub min_margin_ms: f64,
    /// Time before expiry at which a URL is renewed, as a fraction of its lifetime, when that is
    /// more than `min_margin_ms`.
    pub margin_fraction: f64,
    /// Largest random advance of a renewal, as a fraction of the margin, so viewers who got
    /// their URLs together do not all renew together.
    pub jitter_fraction: f64,
    /// Time a renewal is expected to take before the first one is measured, milliseconds.
    pub initial_load_ms: f64,
    /// A query parameter holding the expiry in epoch seconds, for origins that are neither S3
    /// nor CloudFront.
    pub custom_param: Option<String>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            min_margin_ms: 30_000.0,
            margin_fraction: 0.15,
            jitter_fraction: 0.2,
            initial_load_ms: 1_000.0,
            custom_param: None,
        }
    }
}

/// A stream-URL API's answer, read by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The signed URL.
    pub url: String,
    /// `expiresAt`, Unix milliseconds, when the API gave it.
    pub expires_at_ms: Option<f64>,
    /// `serverTime`, Unix milliseconds, when the API gave it.
    pub server_time_ms: Option<f64>,
    /// The caller's wall clock when the answer arrived, Unix milliseconds.
    pub local_time_ms: f64,
    /// How long asking the API took, milliseconds.
    pub fetch_ms: f64,
}

/// An issued URL as the cache keeps it; times are on the caller's monotonic clock.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamUrl {
    /// The signed URL, byte-exact as issued.
    pub url: String,
    /// How it is signed, when the URL says.
    pub signing: Option<Signing>,
    /// When the origin stops accepting it.
    pub expires_at_ms: f64,
    /// When it should be renewed.
    pub refresh_at_ms: f64,
    /// The server's clock minus the caller's wall clock, milliseconds.
    pub skew_ms: f64,
    /// Its lifetime, milliseconds.
    pub ttl_ms: f64,
}

/// What [`UrlCache::lookup`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// A URL that needs no renewal yet.
    Ready(StreamUrl),
    /// None (or one due for renewal): the caller asks the API, then calls
    /// [`UrlCache::store`] or [`UrlCache::fetch_failed`].
    Fetch,
    /// Another caller is asking the API for this key; wait for its answer.
    Wait,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    url: Option<StreamUrl>,
    fetching: bool,
}

/// Issued URLs by key, with renewal times and one renewal in flight per key.
#[derive(Debug, Clone)]
pub struct UrlCache {
    config: CacheConfig,
    /// A list: at most [`MAX_ENTRIES`] keys with URLs, searched in a blink.
    slots: Vec<(CacheKey, Slot)>,
    /// Expected time to get a URL from the API, milliseconds.
    expected_load_ms: f64,
    random: crate::rng::XorShift,
}

impl UrlCache {
    /// An empty cache; `seed` drives the renewal jitter (any value; 0 is replaced).
    pub fn new(config: CacheConfig, seed: u64) -> Self {
        Self {
            expected_load_ms: config.initial_load_ms,
            config,
            slots: Vec::new(),
            random: crate::rng::XorShift::new(seed),
        }
    }

    fn get_mut(&mut self, key: &CacheKey) -> Option<&mut Slot> {
        self.slots
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s)
    }

    /// The slot of `key`, made when absent.
    fn slot(&mut self, key: &CacheKey) -> &mut Slot {
        let at = match self.slots.iter().position(|(k, _)| k == key) {
            Some(at) => at,
            None => {
                self.slots.push((key.clone(), Slot::default()));
                self.slots.len() - 1
            }
        };
        &mut self.slots[at].1
    }

    /// The URL for `key` at `now_ms`, or whether to fetch one.
    pub fn lookup(&mut self, now_ms: f64, key: &CacheKey) -> Lookup {
        let slot = self.slot(key);
        if let Some(url) = slot.url.as_ref().filter(|u| now_ms < u.refresh_at_ms) {
            return Lookup::Ready(url.clone());
        }
        if slot.fetching {
            return Lookup::Wait;
        }
        slot.fetching = true;
        Lookup::Fetch
    }

    /// Stores the API's answer for `key`, received at `now_ms`, and schedules its renewal.
    pub fn store(
        &mut self,
        now_ms: f64,
        key: &CacheKey,
        issue: Issue,
    ) -> Result<StreamUrl, PresignError> {
        if let Some(slot) = self.get_mut(key) {
            slot.fetching = false;
        }
        let parsed = parse_expiry(&issue.url, self.config.custom_param.as_deref());
        let expires_at = match (issue.expires_at_ms, &parsed) {
            (Some(at), _) => at,
            (None, Ok(e)) => e.expires_at_ms,
            (None, Err(e)) => return Err(e.clone()),
        };
        let server_now = issue.server_time_ms.unwrap_or(issue.local_time_ms);
        let remaining = expires_at - server_now;
        if remaining.is_nan() || remaining <= 0.0 {
            return Err(PresignError::AlreadyExpired {
                expires_at_ms: expires_at,
                server_time_ms: server_now,
            });
        }
        let ttl = parsed
            .as_ref()
            .ok()
            .and_then(|e| e.signed_at_ms)
            .map_or(remaining, |signed| (expires_at - signed).max(remaining));
        if issue.fetch_ms.is_finite() && issue.fetch_ms >= 0.0 {
            self.expected_load_ms = (1.0 - LOAD_EWMA_WEIGHT) * self.expected_load_ms
                + LOAD_EWMA_WEIGHT * issue.fetch_ms;
        }
        let margin = self
            .config
            .min_margin_ms
            .max(self.config.margin_fraction * ttl);
        // A lifetime shorter than the margin still gets used for half of what is left.
        let lead = (margin + self.expected_load_ms).min(remaining / 2.0);
        let jitter = self.random.next_f64() * self.config.jitter_fraction * lead;
        let url = StreamUrl {
            signing: parsed.ok().map(|e| e.signing),
            url: issue.url,
            expires_at_ms: now_ms + remaining,
            refresh_at_ms: now_ms + (remaining - lead - jitter).max(remaining / 4.0),
            skew_ms: issue
                .server_time_ms
                .map_or(0.0, |server| server - issue.local_time_ms),
            ttl_ms: ttl,
        };
        if self.get_mut(key).is_none() && self.slots.len() >= MAX_ENTRIES {
            self.drop_soonest_expiring();
        }
        self.slot(key).url = Some(url.clone());
        Ok(url)
    }

    /// Asking the API for `key` failed: the next lookup fetches again.
    pub fn fetch_failed(&mut self, key: &CacheKey) {
        if let Some(slot) = self.get_mut(key) {
            slot.fetching = false;
        }
    }

    /// Forgets the URL of `key` (the origin said it expired, or the caller wants a new one); a
    /// fetch in flight still completes.
    pub fn invalidate(&mut self, key: &CacheKey) {
        if let Some(slot) = self.get_mut(key) {
            slot.url = None;
        }
    }

    /// Forgets every URL of `content_id`, whatever the quality and scope.
    pub fn invalidate_content(&mut self, content_id: &str) {
        for (key, slot) in &mut self.slots {
            if key.content_id == content_id {
                slot.url = None;
            }
        }
    }

    /// Time a renewal is expected to take, milliseconds.
    pub fn expected_load_ms(&self) -> f64 {
        self.expected_load_ms
    }

    fn drop_soonest_expiring(&mut self) {
        let victim = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| !s.fetching)
            .min_by(|(_, (_, a)), (_, (_, b))| {
                let at = |s: &Slot| {
                    s.url
                        .as_ref()
                        .map_or(f64::NEG_INFINITY, |u| u.expires_at_ms)
                };
                at(a).total_cmp(&at(b))
            })
            .map(|(i, _)| i);
        if let Some(i) = victim {
            self.slots.swap_remove(i);
        }
    }
}

#[cfg(test)]
mod tests;
