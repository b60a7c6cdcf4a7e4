//! Signed origins: expiry answers, refused signatures, and re-signing without a restart.
//!
//! - An expiry answer (S3's 403 `Request has expired`, 400 `ExpiredToken`) to any load is not a
//!   failure: the engine emits [`PlayerEvent::UrlExpired`] once, stops loading (the buffer
//!   stays) and waits for [`Engine::update_url`]; the failed load is then made again with a
//!   fresh signature. Any other 403 is one fatal error saying why.
//! - CloudFront: the signed URL's query (`Policy`/`Expires`, `Signature`, `Key-Pair-Id`) is
//!   appended verbatim to every URL the engine loads from the same origin, so a new URL only
//!   replaces the query.
//! - Query-presigned (SigV4) origins sign each child URL in the playlists they serve: a new URL
//!   makes the engine load the multivariant and the media playlists it has again and take
//!   their URLs, by media sequence number, keeping the timeline and the buffer.

use super::{Engine, LoadKind, Pending, PlayerEvent};
use crate::engine::level::Level;
use crate::hls::Playlist;
use crate::hls::Resolver;
use crate::presign::{Answer, classify_answer};

/// Expiry answers in a row (without any load succeeding in between) after which the engine
/// gives up: the URLs it is given are expired already.
const MAX_EXPIRIES_IN_ROW: u32 = 4;

/// How the title's URLs are signed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) enum Scheme {
    /// Not signed, or signed URL by URL in the playlists (SigV4 presigning).
    #[default]
    PerUrl,
    /// CloudFront: one query for the whole origin.
    CloudFront {
        /// Scheme, host and port the query applies to.
        origin: String,
        /// The query, without `?`, byte-exact.
        query: String,
    },
}

impl Scheme {
    /// The scheme of the title URL `url`.
    fn of(url: &str) -> Self {
        let Ok(parsed) = Resolver::new(url) else {
            return Self::PerUrl;
        };
        match parsed.query() {
            Some(query) if has_key_pair_id(&parsed) => Self::CloudFront {
                origin: parsed.origin().to_owned(),
                query: query.to_owned(),
            },
            _ => Self::PerUrl,
        }
    }
}

fn has_key_pair_id(url: &Resolver) -> bool {
    url.query_param("Key-Pair-Id").is_some()
}

/// The engine's state about signed URLs.
#[derive(Debug, Clone, Default)]
pub(super) struct Signed {
    scheme: Scheme,
    /// An expiry answer was reported; no new URL came yet.
    awaiting_url: bool,
    /// Loading waits for a new URL or for re-signed playlists.
    stalled: bool,
    /// Re-sign loads in flight.
    resigning: usize,
    /// Expiry answers since the last load that succeeded.
    expiries_in_row: u32,
}

impl Signed {
    /// The state for a title loaded from `url`.
    pub fn new(url: &str) -> Self {
        Self {
            scheme: Scheme::of(url),
            ..Self::default()
        }
    }

    /// The URL to request for `url`: with the CloudFront query appended when it is on the
    /// signed origin and not signed already. Nothing is re-encoded.
    pub fn sign(&self, url: &str) -> String {
        let Scheme::CloudFront { origin, query } = &self.scheme else {
            return url.to_owned();
        };
        let Ok(parsed) = Resolver::new(url) else {
            return url.to_owned();
        };
        if parsed.origin() != origin || has_key_pair_id(&parsed) {
            return url.to_owned();
        }
        let (base, fragment) = match url.find('#') {
            Some(at) => url.split_at(at),
            None => (url, ""),
        };
        let separator = match base.find('?') {
            None => "?",
            Some(at) if at + 1 == base.len() || base.ends_with('&') => "",
            Some(_) => "&",
        };
        format!("{base}{separator}{query}{fragment}")
    }

    /// Whether loading must wait for a new URL.
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// A load succeeded.
    pub fn on_success(&mut self) {
        self.expiries_in_row = 0;
    }
}

impl Engine {
    /// Gives the engine a freshly signed URL of the title being played (the same title, as the
    /// stream-URL API issued it again), before or after the old one expired. Playback goes on
    /// without a flush: a CloudFront query replaces the old one; otherwise the playlists are
    /// loaded again from `url` and their URLs replace the old ones. A load refused as expired
    /// is made again.
    pub fn update_url(&mut self, now_ms: f64, url: &str) {
        let Some(old) = self.manifest_url.replace(url.to_owned()) else {
            self.manifest_url = None;
            return;
        };
        if self.fatal {
            return;
        }
        self.signed.awaiting_url = false;
        self.signed.scheme = Scheme::of(url);
        let single = self.levels.len() == 1 && self.levels[0].summary.url == old;
        if single {
            self.levels[0].summary.url = url.to_owned();
        }
        if self.levels.is_empty() {
            // The first playlist never loaded: load it from the new URL.
            let in_flight = self.pending.values().any(|p| p.kind == LoadKind::Manifest);
            if !in_flight {
                self.request(now_ms, LoadKind::Manifest, 0, 0, url.to_owned(), None, 0);
            }
            self.signed.stalled = false;
        } else if matches!(self.signed.scheme, Scheme::CloudFront { .. }) {
            self.signed.stalled = false;
        } else if single {
            self.request_resign(now_ms, LoadKind::Playlist, 0, url.to_owned());
        } else {
            self.request_resign(now_ms, LoadKind::Manifest, 0, url.to_owned());
        }
        self.advance(now_ms);
    }

    /// The caller could not get a new URL after an expiry: playback stops with `message`.
    pub fn url_refresh_failed(&mut self, message: &str) {
        let url = self.manifest_url.clone();
        self.error(
            super::ErrorKind::Network,
            super::ErrorDetail::ManifestLoadError,
            true,
            format!("the stream URL expired and a new one could not be had: {message}"),
            url,
        );
    }

    /// Handles an error answer from a signed origin; `false` when it is an ordinary error.
    pub(super) fn on_signed_refusal(&mut self, p: &Pending, status: u16, body: &[u8]) -> bool {
        match classify_answer(status, body) {
            Answer::Other => false,
            Answer::Denied(reason) => {
                let (kind, detail, what) = super::load_names(p.kind);
                let message = format!("{reason} while loading the {what} {}", p.url);
                self.error(kind, detail, true, message, Some(p.url.clone()));
                true
            }
            Answer::Expired => {
                if p.resign {
                    self.resign_done();
                }
                self.on_url_expired(p.kind, &p.url);
                true
            }
        }
    }

    /// A load of `kind` from `url` was refused as expired: loading stops until a new URL
    /// comes ([`PlayerEvent::UrlExpired`], once), or fails when new URLs keep being refused.
    pub(super) fn on_url_expired(&mut self, kind: LoadKind, url: &str) {
        self.signed.stalled = true;
        self.signed.expiries_in_row += 1;
        if self.signed.expiries_in_row > MAX_EXPIRIES_IN_ROW {
            let (kind, detail, what) = super::load_names(kind);
            let message = format!(
                "the {what} {url} was refused as expired {} times in a row, even with new URLs",
                self.signed.expiries_in_row
            );
            self.error(kind, detail, true, message, Some(url.to_owned()));
        } else if !self.signed.awaiting_url {
            self.signed.awaiting_url = true;
            self.emit(PlayerEvent::UrlExpired {
                url: url.to_owned(),
            });
        }
    }

    /// Handles a re-sign load that succeeded.
    pub(super) fn on_resigned(&mut self, now_ms: f64, p: Pending, data: &[u8]) {
        match (p.kind, super::parse_body(data, &p.url)) {
            (LoadKind::Manifest, Ok(Playlist::Multivariant(m))) => {
                let fresh = Level::from_variants(&m.variants);
                for level in &mut self.levels {
                    if let Some(new) = fresh.iter().find(|n| n.same_variant(level)) {
                        level.summary.url = new.summary.url.clone();
                        level.backups = new.backups.clone();
                    }
                }
                for level in 0..self.levels.len() {
                    if self.levels[level].details.is_some() {
                        let url = self.levels[level].summary.url.clone();
                        self.request_resign(now_ms, LoadKind::Playlist, level, url);
                    }
                }
            }
            (LoadKind::Playlist, Ok(Playlist::Media(media))) if p.level < self.levels.len() => {
                self.take_new_urls(p.level, &media);
                let changed = self.levels[p.level].refresh(media);
                if self.levels[p.level]
                    .details
                    .as_ref()
                    .is_some_and(|d| !d.end_list)
                {
                    self.after_details(now_ms, p.level, changed);
                }
            }
            _ => {
                let message = format!("{} could not be used to renew the URLs", p.url);
                self.error(
                    super::ErrorKind::Network,
                    super::ErrorDetail::LevelParsingError,
                    false,
                    message,
                    Some(p.url.clone()),
                );
            }
        }
        self.resign_done();
    }

    /// A re-sign load failed without an expiry answer: the old URLs stay in use.
    pub(super) fn on_resign_failed(&mut self, p: &Pending, reason: &str) {
        let message = format!("renewing the URLs from {} failed: {reason}", p.url);
        self.error(
            super::ErrorKind::Network,
            super::ErrorDetail::LevelLoadError,
            false,
            message,
            Some(p.url.clone()),
        );
        self.resign_done();
    }

    fn resign_done(&mut self) {
        self.signed.resigning = self.signed.resigning.saturating_sub(1);
        if self.signed.resigning == 0 && !self.signed.awaiting_url {
            self.signed.stalled = false;
        }
    }

    /// Carries what was loaded with the old URLs (AES keys, the init section in the
    /// SourceBuffer) over to the new URLs of the same segments of `level`.
    fn take_new_urls(&mut self, level: usize, media: &crate::hls::MediaPlaylist) {
        let Some(old) = self.levels[level].details.as_ref() else {
            return;
        };
        let mut keys = Vec::new();
        let mut init = None;
        for (i, new) in media.segments.iter().enumerate() {
            let sn = media.media_sequence.saturating_add(i as u64);
            let Some(before) = usize::try_from(sn.saturating_sub(old.media_sequence))
                .ok()
                .filter(|_| sn >= old.media_sequence)
                .and_then(|i| old.segments.get(i))
            else {
                continue;
            };
            let old_key = before.key.as_ref().and_then(|k| k.url.as_deref());
            let new_key = new.key.as_ref().and_then(|k| k.url.as_ref());
            if let (Some(o), Some(n)) = (old_key, new_key)
                && let Some(bytes) = self.key(o)
            {
                keys.push((n.clone(), bytes));
            }
            if let (Some(o), Some(n)) = (&before.map, &new.map)
                && let Some((l, url, range)) = &self.appended_init
                && *l == level
                && *url == o.url
                && *range == o.byte_range
            {
                init = Some((level, n.url.clone(), n.byte_range));
            }
        }
        for (url, key) in keys {
            self.add_key(url, key);
        }
        if init.is_some() {
            self.appended_init = init;
        }
    }

    fn request_resign(&mut self, now_ms: f64, kind: LoadKind, level: usize, url: String) {
        self.signed.resigning += 1;
        self.request(now_ms, kind, level, 0, url, None, 0);
        if let Some(p) = self.pending.get_mut(self.next_id - 1) {
            p.resign = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudfront_query_goes_verbatim_onto_same_origin_urls_only() {
        let s = Signed::new(
            "https://cdn.test/secure/vod/master.m3u8?Policy=eyJ-a_~&Signature=x~y-z_&Key-Pair-Id=K1",
        );
        let q = "Policy=eyJ-a_~&Signature=x~y-z_&Key-Pair-Id=K1";
        assert_eq!(
            s.sign("https://cdn.test/secure/vod/720p/seg_001.m4s"),
            format!("https://cdn.test/secure/vod/720p/seg_001.m4s?{q}")
        );
        assert_eq!(
            s.sign("https://cdn.test/secure/vod/a%20b.m4s?v=1#t"),
            format!("https://cdn.test/secure/vod/a%20b.m4s?v=1&{q}#t")
        );
        assert_eq!(
            s.sign("https://other.test/x.m4s"),
            "https://other.test/x.m4s"
        );
        assert_eq!(
            s.sign("https://cdn.test:8443/x.m4s"),
            "https://cdn.test:8443/x.m4s"
        );
        let signed = format!("https://cdn.test/x.m3u8?{q}");
        assert_eq!(s.sign(&signed), signed);
        let sigv4 = Signed::new("https://cdn.test/x.m3u8?X-Amz-Signature=ab");
        assert_eq!(
            sigv4.sign("https://cdn.test/y.m4s"),
            "https://cdn.test/y.m4s"
        );
    }
}
