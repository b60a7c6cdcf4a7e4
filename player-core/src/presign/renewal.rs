//! [`Renewal`]: when the player asks its stream-URL issuer (the sdk's `VideoProxyClient`) for
//! a new signed URL of the title it plays, and which answers the engine must be given.
//!
//! The issuer says when to ask again (`refreshAt`); the player asks [`RENEW_SLACK_MS`] after
//! it, again [`RENEW_RETRY_MS`] after a renewal ahead of expiry failed, and at once when the
//! origin answered that the URL expired (a failure then stops playback).

/// Delay after the issuer's refresh time before asking for the new URL, milliseconds.
pub const RENEW_SLACK_MS: f64 = 50.0;

/// Delay before asking again when a renewal ahead of expiry failed, milliseconds.
pub const RENEW_RETRY_MS: f64 = 5_000.0;

/// What the caller must do after [`Renewal::expired`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExpiry {
    /// Ask the issuer for a new URL now (after invalidating what it cached).
    Ask,
    /// The title has no issuer: playback cannot go on.
    Fail,
}

/// What the caller must do after [`Renewal::failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// The URL expired and no new one could be had: stop playback.
    Fail,
    /// Nothing now: a new request is due at [`Renewal::poll_timeout`].
    Retry,
}

/// The renewal state of the title being played (sans-IO: time is `now_ms`, monotonic).
#[derive(Debug, Clone, Default)]
pub struct Renewal {
    /// Whether the title's URLs come from an issuer that can renew them.
    renewable: bool,
    /// The URL the engine has.
    url: String,
    /// When to ask the issuer again.
    due_at: Option<f64>,
    /// A request for an expired URL is in flight: its answer replaces the URL even if equal.
    expired: bool,
}

impl Renewal {
    /// The state for a new title played from `url`; `renewable` when an issuer can renew it.
    pub fn new(renewable: bool, url: &str) -> Self {
        Self {
            renewable,
            url: url.to_owned(),
            ..Self::default()
        }
    }

    /// The origin answered that the URL expired.
    pub fn expired(&mut self) -> OnExpiry {
        if !self.renewable {
            return OnExpiry::Fail;
        }
        self.expired = true;
        self.due_at = None;
        OnExpiry::Ask
    }

    /// The issuer answered with `url`, to be asked again in `refresh_in_ms` (from its
    /// `refreshAt`, read against the wall clock at `now_ms`; `None` when it gave none). Returns
    /// the URL to give the engine (`Engine::update_url`) when it must change.
    pub fn issued(&mut self, now_ms: f64, url: &str, refresh_in_ms: Option<f64>) -> Option<String> {
        if !self.renewable {
            return None;
        }
        let expired = std::mem::take(&mut self.expired);
        self.due_at = refresh_in_ms
            .filter(|ms| ms.is_finite())
            .map(|ms| now_ms + ms.max(0.0) + RENEW_SLACK_MS);
        if url.is_empty() || (!expired && url == self.url) {
            return None;
        }
        url.clone_into(&mut self.url);
        Some(self.url.clone())
    }

    /// Asking the issuer failed.
    pub fn failed(&mut self, now_ms: f64) -> OnFailure {
        if std::mem::take(&mut self.expired) {
            return OnFailure::Fail;
        }
        self.due_at = self.renewable.then_some(now_ms + RENEW_RETRY_MS);
        OnFailure::Retry
    }

    /// When [`Renewal::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.due_at
    }

    /// `true` when the issuer must be asked now (a renewal ahead of expiry).
    pub fn handle_timeout(&mut self, now_ms: f64) -> bool {
        match self.due_at {
            Some(at) if at <= now_ms => {
                self.due_at = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renews_after_the_refresh_time_and_gives_the_engine_only_a_changed_url() {
        let mut r = Renewal::new(true, "https://cdn/a?sig=1");
        assert_eq!(
            r.issued(1_000.0, "https://cdn/a?sig=1", Some(20_000.0)),
            None
        );
        assert_eq!(r.poll_timeout(), Some(21_050.0));
        assert!(!r.handle_timeout(21_000.0));
        assert!(r.handle_timeout(21_050.0));
        assert_eq!(r.poll_timeout(), None);
        assert_eq!(
            r.issued(21_100.0, "https://cdn/a?sig=2", Some(-5.0)),
            Some("https://cdn/a?sig=2".to_owned())
        );
        // A refresh time already past: ask right after the slack.
        assert_eq!(r.poll_timeout(), Some(21_150.0));
    }

    #[test]
    fn an_expiry_asks_at_once_and_takes_the_answer_even_when_equal() {
        let mut r = Renewal::new(true, "https://cdn/a?sig=1");
        r.issued(0.0, "https://cdn/a?sig=1", Some(60_000.0));
        assert_eq!(r.expired(), OnExpiry::Ask);
        assert_eq!(r.poll_timeout(), None);
        assert_eq!(
            r.issued(10.0, "https://cdn/a?sig=1", None),
            Some("https://cdn/a?sig=1".to_owned())
        );
        assert_eq!(r.poll_timeout(), None);
        // An empty URL is never given to the engine.
        r.expired();
        assert_eq!(r.issued(20.0, "", None), None);
    }

    #[test]
    fn a_failed_renewal_is_retried_unless_the_url_expired() {
        let mut r = Renewal::new(true, "u");
        assert_eq!(r.failed(100.0), OnFailure::Retry);
        assert_eq!(r.poll_timeout(), Some(5_100.0));
        r.expired();
        assert_eq!(r.failed(200.0), OnFailure::Fail);
    }

    #[test]
    fn a_title_without_issuer_fails_on_expiry_and_never_asks() {
        let mut r = Renewal::new(false, "u");
        assert_eq!(r.expired(), OnExpiry::Fail);
        assert_eq!(r.issued(0.0, "v", Some(1.0)), None);
        assert_eq!(r.failed(0.0), OnFailure::Retry);
        assert_eq!(r.poll_timeout(), None);
        assert!(!r.handle_timeout(1e12));
    }
}
