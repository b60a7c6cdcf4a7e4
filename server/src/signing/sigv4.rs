//! AWS Signature Version 4 query-string presigning for service `s3` (signed header `host`,
//! `UNSIGNED-PAYLOAD`): signing a URL and verifying a request made with one.
//!
//! Written on `hmac` + `sha2` rather than the `aws-sigv4` crate: query presigning is one
//! canonical request and an HMAC chain, while `aws-sigv4` brings the smithy runtime types
//! and only signs; the origin also has to verify, which needs the same canonical form here.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use url::Url;

use super::VerifyError;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Longest `X-Amz-Expires` S3 accepts: 7 days.
pub const MAX_EXPIRES_S: u64 = 604_800;
/// How far in the future `X-Amz-Date` may be (clock skew), as S3 allows: 15 minutes.
pub const MAX_CLOCK_SKEW_S: i64 = 900;
/// The payload hash of presigned requests.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The service of every scope here.
const SERVICE: &str = "s3";

/// AWS's URI encoding: everything but `A-Z a-z 0-9 - _ . ~`.
const AWS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An access key pair and the region of the scope.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id, public (it appears in every URL).
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Region of the credential scope, e.g. `us-east-1`.
    pub region: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// When a presigned URL was signed and for how long it is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// `X-Amz-Date`, seconds since the Unix epoch.
    pub signed_at: i64,
    /// `X-Amz-Expires`, seconds.
    pub expires_s: u64,
}

impl Validity {
    /// The first second at which the URL is refused.
    pub fn expires_at(&self) -> i64 {
        self.signed_at
            .saturating_add(i64::try_from(self.expires_s).unwrap_or(i64::MAX))
    }
}

/// `url` with the SigV4 query parameters for `method` added (existing `X-Amz-*` parameters
/// are replaced, others kept).
pub fn presign(credentials: &Credentials, method: &str, url: &Url, validity: Validity) -> Url {
    let amz_date = amz_date(validity.signed_at);
    let scope = scope(&amz_date, &credentials.region);
    let mut params: Vec<(String, String)> = query_pairs(url.query().unwrap_or(""))
        .into_iter()
        .filter(|(name, _)| !name.starts_with("X-Amz-"))
        .collect();
    params.extend([
        ("X-Amz-Algorithm".to_owned(), ALGORITHM.to_owned()),
        (
            "X-Amz-Credential".to_owned(),
            format!("{}/{scope}", credentials.access_key),
        ),
        ("X-Amz-Date".to_owned(), amz_date.clone()),
        ("X-Amz-Expires".to_owned(), validity.expires_s.to_string()),
        ("X-Amz-SignedHeaders".to_owned(), "host".to_owned()),
    ]);
    let query = canonical_query(&params);
    let signature = signature(
        credentials,
        &amz_date,
        &canonical_request(method, url.path(), &query, &host_of(url)),
    );
    let mut signed = url.clone();
    signed.set_query(Some(&format!("{query}&X-Amz-Signature={signature}")));
    signed
}

/// Verifies a presigned request: `host` as the client sent it, `path` still percent-encoded,
/// `query` as received. Answers the URL's validity when the signature holds and `now` (Unix
/// seconds) is inside it.
pub fn verify(
    credentials: &Credentials,
    method: &str,
    host: &str,
    path: &str,
    query: &str,
    now: i64,
) -> Result<Validity, VerifyError> {
    let params = query_pairs(query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| VerifyError::BadSignature(format!("{name} is missing")))
    };
    if param("X-Amz-Algorithm")? != ALGORITHM {
        return Err(VerifyError::BadSignature(format!(
            "X-Amz-Algorithm must be {ALGORITHM}"
        )));
    }
    let amz_date_text = param("X-Amz-Date")?;
    let signed_at = parse_amz_date(amz_date_text)
        .ok_or_else(|| VerifyError::BadSignature("X-Amz-Date is not YYYYMMDDTHHMMSSZ".into()))?;
    let expires_s: u64 = param("X-Amz-Expires")?
        .parse()
        .map_err(|_| VerifyError::BadExpiry("X-Amz-Expires is not a number of seconds".into()))?;
    if expires_s > MAX_EXPIRES_S {
        return Err(VerifyError::BadExpiry(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is; {MAX_EXPIRES_S}"
        )));
    }
    let expected_credential = format!(
        "{}/{}",
        credentials.access_key,
        scope(amz_date_text, &credentials.region)
    );
    if param("X-Amz-Credential")? != expected_credential {
        return Err(VerifyError::BadSignature(
            "the credential (access key, date, region or service) does not match".into(),
        ));
    }
    if param("X-Amz-SignedHeaders")? != "host" {
        return Err(VerifyError::BadSignature(
            "only the host header may be signed".into(),
        ));
    }
    let given = param("X-Amz-Signature")?;
    let unsigned: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "X-Amz-Signature")
        .cloned()
        .collect();
    let request = canonical_request(method, path, &canonical_query(&unsigned), host);
    let expected = signature(credentials, amz_date_text, &request);
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(VerifyError::BadSignature(
            "The request signature we calculated does not match the signature you provided.".into(),
        ));
    }
    let validity = Validity {
        signed_at,
        expires_s,
    };
    if signed_at > now.saturating_add(MAX_CLOCK_SKEW_S) {
        return Err(VerifyError::NotYetValid);
    }
    if now >= validity.expires_at() {
        return Err(VerifyError::Expired);
    }
    Ok(validity)
}

/// `Host` as a client sends it for `url`: the host, and the port when not the default.
pub fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// `20261121T090000Z` for a Unix time in seconds.
pub fn amz_date(unix_s: i64) -> String {
    let dt = OffsetDateTime::from_unix_timestamp(unix_s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Unix seconds of an `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`).
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes.get(8) != Some(&b'T') || bytes.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        month,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let time = time::Time::from_hms(
        u8::try_from(num(9..11)?).ok()?,
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(13..15)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(time).assume_utc().unix_timestamp())
}

/// `YYYYMMDD/region/s3/aws4_request` for an `X-Amz-Date` value.
fn scope(amz_date: &str, region: &str) -> String {
    let day = amz_date.get(..8).unwrap_or(amz_date);
    format!("{day}/{region}/{SERVICE}/aws4_request")
}

/// Splits a raw query into percent-decoded name/value pairs (`+` stays a plus, as S3 reads
/// it).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Names and values AWS-encoded, sorted by name then value, joined with `&`.
fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(n, v)| (aws_encode(n), aws_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn aws_encode(text: &str) -> String {
    utf8_percent_encode(text, AWS_ENCODE).to_string()
}

/// The path with each segment decoded then AWS-encoded once (S3 does not double-encode).
fn canonical_path(path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    path.split('/')
        .map(|segment| aws_encode(&percent_decode_str(segment).decode_utf8_lossy()))
        .collect::<Vec<_>>()
        .join("/")
}

fn canonical_request(method: &str, path: &str, canonical_query: &str, host: &str) -> String {
    format!(
        "{method}\n{}\n{canonical_query}\nhost:{}\n\nhost\n{UNSIGNED_PAYLOAD}",
        canonical_path(path),
        host.trim()
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex signature of `canonical_request` made at `amz_date`.
fn signature(credentials: &Credentials, amz_date: &str, canonical_request: &str) -> String {
    let day = amz_date.get(..8).unwrap_or(amz_date);
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{}\n{}",
        scope(amz_date, &credentials.region),
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [
        day.as_bytes(),
        credentials.region.as_bytes(),
        SERVICE.as_bytes(),
        b"aws4_request",
    ]
    .iter()
    .fold(
        format!("AWS4{}", credentials.secret_key).into_bytes(),
        |key, part| hmac(&key, part),
    );
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
        }
    }

    /// AWS's documented example of a presigned GET (S3 developer guide, "Authenticating
    /// Requests: Using Query Parameters"): bucket examplebucket, key test.txt, 86400 s.
    #[test]
    fn matches_the_aws_documented_example() {
        let creds = Credentials {
            access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
        };
        let url = Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
        let signed_at = parse_amz_date("20130524T000000Z").unwrap();
        let signed = presign(
            &creds,
            "GET",
            &url,
            Validity {
                signed_at,
                expires_s: 86_400,
            },
        );
        assert!(
            signed.as_str().ends_with(
                "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
            ),
            "{signed}"
        );
    }

    #[test]
    fn round_trip_expiry_and_tampering() {
        let url = Url::parse("http://127.0.0.1:8080/secure/vod/a%20b.m3u8?x=1").unwrap();
        let validity = Validity {
            signed_at: 1_800_000_000,
            expires_s: 60,
        };
        let signed = presign(&creds(), "GET", &url, validity);
        let (path, query) = (signed.path(), signed.query().unwrap());
        let check = |q: &str, now| verify(&creds(), "GET", "127.0.0.1:8080", path, q, now);
        assert_eq!(check(query, 1_800_000_030), Ok(validity));
        assert_eq!(check(query, 1_800_000_060), Err(VerifyError::Expired));
        assert_eq!(check(query, 1_799_990_000), Err(VerifyError::NotYetValid));
        let tampered = query.replace("x=1", "x=2");
        assert!(matches!(
            check(&tampered, 1_800_000_030),
            Err(VerifyError::BadSignature(_))
        ));
        let other_host = verify(&creds(), "GET", "evil:8080", path, query, 1_800_000_030);
        assert!(matches!(other_host, Err(VerifyError::BadSignature(_))));
        let head = verify(
            &creds(),
            "HEAD",
            "127.0.0.1:8080",
            path,
            query,
            1_800_000_030,
        );
        assert!(matches!(head, Err(VerifyError::BadSignature(_))));
    }

    #[test]
    fn expires_longer_than_a_week_is_refused() {
        let url = Url::parse("http://h/secure/x").unwrap();
        let validity = Validity {
            signed_at: 1_800_000_000,
            expires_s: MAX_EXPIRES_S + 1,
        };
        let signed = presign(&creds(), "GET", &url, validity);
        let result = verify(
            &creds(),
            "GET",
            "h",
            signed.path(),
            signed.query().unwrap(),
            1_800_000_001,
        );
        assert!(matches!(result, Err(VerifyError::BadExpiry(_))));
    }

    #[test]
    fn amz_dates_round_trip_and_refuse_junk() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(parse_amz_date("20130524T000000Z"), Some(1_369_353_600));
        for junk in [
            "",
            "20130524T000000",
            "2013052AT000000Z",
            "20131324T000000Z",
            "+0130524T000000Z",
        ] {
            assert_eq!(parse_amz_date(junk), None, "{junk}");
        }
        assert_eq!(
            parse_amz_date(&amz_date(1_800_000_000)),
            Some(1_800_000_000)
        );
    }
}
