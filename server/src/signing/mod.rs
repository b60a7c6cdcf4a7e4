//! Signed media URLs: AWS SigV4 query presigning ([`sigv4`]) and CloudFront signed URLs with
//! a custom policy ([`cloudfront`]). Both sides live here: the stream-URL API signs, the
//! `/secure/` origin verifies. Every verification takes "now" as an argument so tests can
//! check third-party fixtures before and after their expiry.

pub mod cloudfront;
pub mod config;
pub mod signer;
pub mod sigv4;

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// Which kind of signed URL the server issues and its origin accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SigningMode {
    /// AWS SigV4 query-string presigned URLs, one per object; playlists are rewritten.
    Sigv4,
    /// CloudFront signed URLs with a custom policy over the content's path prefix.
    Cloudfront,
}

impl SigningMode {
    /// The name used in the API's `signing` field.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningMode::Sigv4 => "sigv4",
            SigningMode::Cloudfront => "cloudfront",
        }
    }
}

/// Why a signed request was refused; each maps to an S3-style XML answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The URL was signed correctly but its lifetime is over.
    #[error("Request has expired")]
    Expired,
    /// The signature is missing, malformed or wrong, or the key is unknown.
    #[error("{0}")]
    BadSignature(String),
    /// The URL's validity starts later than now (allowing for clock skew).
    #[error("Request is not yet valid")]
    NotYetValid,
    /// The expiry asked for is longer than the protocol allows (SigV4: 7 days).
    #[error("{0}")]
    BadExpiry(String),
}

/// Seconds since the Unix epoch, from the system clock.
pub fn unix_now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `2026-11-21T09:00:00.000Z` for a time in ms since the Unix epoch (RFC 3339, UTC, ms).
pub fn rfc3339_ms(unix_ms: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_ms_and_z() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_251_600_123), "2026-11-21T09:00:00.123Z");
    }
}
