//! Presigned URLs: when a signed URL expires, and a cache of the URLs a stream-URL API issues
//! that says when to ask for a new one.
//!
//! - [`parse_expiry`] reads a URL's expiry from its query: AWS SigV4 (`X-Amz-Date` +
//!   `X-Amz-Expires`), SigV2 (`Expires`), CloudFront (`Expires`, or the `Policy`'s
//!   `DateLessThan`), or a custom parameter holding epoch seconds.
//! - [`UrlCache`] keeps one issued URL per (content, quality, auth scope), corrects for the
//!   server's clock, schedules the refresh ahead of expiry (margin max(30 s, 15 % of the TTL)
//!   plus the expected load time, jittered) and lets one refresh per key be in flight.
//! - [`Renewal`] says when the player asks the issuer again for the URL it plays.
//! - [`classify_answer`] tells an expired signature (S3's 403 `Request has expired`, 400
//!   `ExpiredToken`) from a refused one in an HTTP error answer.
//!
//! Everything is sans-IO: time comes in as `now_ms` (monotonic milliseconds) and, where a wall
//! clock is needed, as Unix milliseconds the caller read at the same moment.

mod answer;
mod cache;
mod expiry;
mod renewal;

pub use answer::{Answer, classify_answer};
pub use cache::{CacheConfig, CacheKey, Issue, Lookup, StreamUrl, UrlCache};
pub use expiry::{Expiry, Signing, parse_expiry};
pub use renewal::{OnExpiry, OnFailure, RENEW_RETRY_MS, RENEW_SLACK_MS, Renewal};

/// Why a presigned URL or an issued answer cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PresignError {
    /// The URL does not parse.
    #[error("{url:.200} is not a valid URL: {reason}")]
    InvalidUrl {
        /// The URL (cut to 200 characters in the message).
        url: String,
        /// What the URL parser said.
        reason: String,
    },
    /// The URL is longer than [`expiry::MAX_URL_BYTES`].
    #[error("the URL is {len} bytes, more than the {max} accepted")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The URL carries none of the parameters an expiry can be read from.
    #[error("the URL carries no expiry (no X-Amz-Date, Expires, Policy or custom parameter)")]
    NotSigned,
    /// A query parameter has a value that cannot be read.
    #[error("query parameter {param}={value:.64} is not {expected}")]
    BadParam {
        /// The parameter's name.
        param: String,
        /// Its value (cut to 64 characters in the message).
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The CloudFront policy cannot be decoded or has no `DateLessThan`.
    #[error("the CloudFront Policy {0}")]
    BadPolicy(&'static str),
    /// The API answered an expiry that is not in the future of its own clock.
    #[error(
        "the URL expires at {} ms, not after the server's time {} ms",
        crate::json::f64_text(*.expires_at_ms),
        crate::json::f64_text(*.server_time_ms)
    )]
    AlreadyExpired {
        /// Expiry, Unix milliseconds.
        expires_at_ms: f64,
        /// The server's clock when it answered, Unix milliseconds.
        server_time_ms: f64,
    },
}
