//! When a presigned URL expires, read from its query.

use super::PresignError;
use crate::num::parse_u64;
use crate::search::find;

/// Longest URL read, bytes (S3 and CloudFront URLs are far shorter).
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// Longest CloudFront `Policy` parameter read, bytes.
const MAX_POLICY_BYTES: usize = 8 * 1024;

/// Latest accepted expiry, Unix seconds (year 5138): bounds hostile values so the milliseconds
/// stay exact in an `f64`.
const MAX_EPOCH_S: u64 = 100_000_000_000;

/// Longest `X-Amz-Expires` SigV4 allows, seconds (7 days).
const MAX_SIGV4_EXPIRES_S: u64 = 604_800;

/// How a URL is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// AWS Signature Version 4 query presigning (`X-Amz-Signature`).
    SigV4,
    /// AWS Signature Version 2 query presigning (`AWSAccessKeyId`, `Expires`, `Signature`).
    SigV2,
    /// CloudFront signed URL (canned `Expires` or custom `Policy`, with `Key-Pair-Id`).
    CloudFront,
    /// A parameter named by the caller holding epoch seconds.
    Custom,
}

impl Signing {
    /// The name used by the stream-URL API and in JS (`"sigv4"`, `"cloudfront"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SigV4 => "sigv4",
            Self::SigV2 => "sigv2",
            Self::CloudFront => "cloudfront",
            Self::Custom => "custom",
        }
    }
}

/// A URL's expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expiry {
    /// How the URL is signed.
    pub signing: Signing,
    /// When it stops being accepted, Unix milliseconds.
    pub expires_at_ms: f64,
    /// When it was signed, Unix milliseconds, when the URL says (SigV4's `X-Amz-Date`).
    pub signed_at_ms: Option<f64>,
}

/// Reads when `url` expires. `custom_param`, when given and present in the query, wins and is
/// read as epoch seconds. Never panics: any URL gives an expiry or a typed error.
pub fn parse_expiry(url: &str, custom_param: Option<&str>) -> Result<Expiry, PresignError> {
    if url.len() > MAX_URL_BYTES {
        return Err(PresignError::TooLong {
            len: url.len(),
            max: MAX_URL_BYTES,
        });
    }
    let parsed = crate::hls::Resolver::new(url).map_err(|e| PresignError::InvalidUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let pairs = parsed.query_pairs();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if let Some(name) = custom_param
        && let Some(value) = get(name)
    {
        let seconds = epoch_seconds(name, value)?;
        return Ok(Expiry {
            signing: Signing::Custom,
            expires_at_ms: seconds as f64 * 1000.0,
            signed_at_ms: None,
        });
    }
    if let Some(date) = get("X-Amz-Date") {
        let signed_s = amz_date(date)?;
        let expires = get("X-Amz-Expires")
            .ok_or_else(|| bad_param("X-Amz-Expires", "", "present next to X-Amz-Date"))?;
        let ttl_s = parse_u64(expires)
            .filter(|s| (1..=MAX_SIGV4_EXPIRES_S).contains(s))
            .ok_or_else(|| {
                bad_param(
                    "X-Amz-Expires",
                    expires,
                    "a number of seconds from 1 to 604800",
                )
            })?;
        return Ok(Expiry {
            signing: Signing::SigV4,
            expires_at_ms: (signed_s + ttl_s) as f64 * 1000.0,
            signed_at_ms: Some(signed_s as f64 * 1000.0),
        });
    }
    if let Some(policy) = get("Policy") {
        return Ok(Expiry {
            signing: Signing::CloudFront,
            expires_at_ms: policy_expiry(policy)? as f64 * 1000.0,
            signed_at_ms: None,
        });
    }
    if let Some(expires) = get("Expires") {
        let signing = if get("Key-Pair-Id").is_some() {
            Signing::CloudFront
        } else {
            Signing::SigV2
        };
        return Ok(Expiry {
            signing,
            expires_at_ms: epoch_seconds("Expires", expires)? as f64 * 1000.0,
            signed_at_ms: None,
        });
    }
    Err(PresignError::NotSigned)
}

/// A [`PresignError::BadParam`]: one copy of its construction rather than one per use.
#[inline(never)]
fn bad_param(param: &str, value: &str, expected: &'static str) -> PresignError {
    PresignError::BadParam {
        param: param.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

/// Epoch seconds in a query parameter.
fn epoch_seconds(param: &str, value: &str) -> Result<u64, PresignError> {
    parse_u64(value)
        .filter(|s| *s <= MAX_EPOCH_S)
        .ok_or_else(|| bad_param(param, value, "Unix seconds"))
}

/// SigV4's ISO 8601 basic time `YYYYMMDDTHHMMSSZ` as Unix seconds.
fn amz_date(value: &str) -> Result<u64, PresignError> {
    let bad = || bad_param("X-Amz-Date", value, "a time like 20130524T000000Z");
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(bad());
    }
    let num = |from: usize, to: usize| -> Option<u64> {
        let digits = value.get(from..to)?;
        digits
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| parse_u64(digits))?
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(4, 6),
        num(6, 8),
        num(9, 11),
        num(11, 13),
        num(13, 15),
    ) else {
        return Err(bad());
    };
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    let days = days_since_epoch(year, month, day);
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a valid date from 1970 on (proleptic Gregorian calendar), counted in
/// eras of 400 years that start on March 1st so the leap day is the last day of a year. Written
/// here rather than pulling a date crate into the wasm for one conversion.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The earliest `DateLessThan` `AWS:EpochTime` of a CloudFront policy in CloudFront's
/// URL-safe base64 (`-` for `+`, `_` for `=`, `~` for `/`).
///
/// The JSON is scanned for the one number rather than parsed with serde_json, which is being
/// kept out of the wasm for its size; a policy without that exact shape is an error.
fn policy_expiry(policy: &str) -> Result<u64, PresignError> {
    if policy.len() > MAX_POLICY_BYTES {
        return Err(PresignError::BadPolicy("is too long"));
    }
    let json =
        cloudfront_base64(policy).ok_or(PresignError::BadPolicy("is not CloudFront base64"))?;
    let json = std::str::from_utf8(&json).map_err(|_| PresignError::BadPolicy("is not UTF-8"))?;
    let mut earliest: Option<u64> = None;
    let mut rest = json;
    while let Some(at) = find(rest, "\"DateLessThan\"") {
        rest = &rest[at + "\"DateLessThan\"".len()..];
        let Some(epoch_at) = find(rest, "\"AWS:EpochTime\"") else {
            break;
        };
        let after = rest[epoch_at + "\"AWS:EpochTime\"".len()..].trim_start();
        let Some(after) = after.strip_prefix(':') else {
            return Err(PresignError::BadPolicy("has a malformed AWS:EpochTime"));
        };
        let after = after.trim_start();
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let seconds = after
            .get(..digits)
            .and_then(parse_u64)
            .filter(|s| *s <= MAX_EPOCH_S)
            .ok_or(PresignError::BadPolicy(
                "has an AWS:EpochTime that is not Unix seconds",
            ))?;
        earliest = Some(earliest.map_or(seconds, |e| e.min(seconds)));
    }
    earliest.ok_or(PresignError::BadPolicy("has no DateLessThan AWS:EpochTime"))
}

/// Decodes CloudFront's URL-safe base64 (`-` for `+`, `_` for `=`, `~` for `/`; the standard
/// characters and a space for `+`, as a query decoder may leave them, are read too), padded as
/// standard base64 must be and with zero trailing bits, as the `base64` crate's `STANDARD`
/// engine requires. Written here because that engine was 3.6 KB of the wasm for this one use.
fn cloudfront_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let mut padded = false;
    for chunk in bytes.chunks_exact(4) {
        if padded {
            return None;
        }
        let (mut bits, mut sextets) = (0u32, 0);
        for &c in chunk {
            let value = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' | b'+' | b' ' => 62,
                b'~' | b'/' => 63,
                b'_' | b'=' => {
                    padded = true;
                    continue;
                }
                _ => return None,
            };
            if padded {
                return None;
            }
            bits = bits << 6 | u32::from(value);
            sextets += 1;
        }
        let [_, a, b, c] = bits.to_be_bytes();
        match sextets {
            4 => out.extend_from_slice(&[a, b, c]),
            3 if bits & 0b11 == 0 => {
                out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8])
            }
            2 if bits & 0b1111 == 0 => out.push((bits >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
