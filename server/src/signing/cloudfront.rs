//! CloudFront signed URLs: a JSON policy (custom, or canned when only `Expires` is given)
//! signed with RSA-SHA1 PKCS#1 v1.5 by a key pair whose id travels as `Key-Pair-Id`; policy
//! and signature travel in CloudFront's URL-safe base64 (`+` → `-`, `=` → `_`, `/` → `~`).
//!
//! The server issues custom policies over a content's path prefix
//! (`<origin>/secure/<content>/*`); the origin verifies both kinds.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha1::{Digest, Sha1};
use url::Url;

use super::VerifyError;

/// The built-in key pair of `--dev` servers and tests. A TEST KEY, public in this repository:
/// never configure it on a CloudFront distribution.
pub const DEV_PRIVATE_KEY_PEM: &str = include_str!("dev-cloudfront-key.pem");
/// The key pair id of [`DEV_PRIVATE_KEY_PEM`].
pub const DEV_KEY_PAIR_ID: &str = "K2FLODRAMADEVKEY";
/// Longest accepted policy, decoded, in bytes.
const MAX_POLICY_BYTES: usize = 4096;

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read the CloudFront private key {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The text is neither a PKCS#1 nor a PKCS#8 RSA private key in PEM.
    #[error("the CloudFront private key is not an RSA private key in PEM (PKCS#1 or PKCS#8)")]
    Pem,
}

/// A CloudFront key pair: signs URLs and verifies them.
#[derive(Clone)]
pub struct CloudFrontKey {
    /// `Key-Pair-Id` of the key (a CloudFront public key id).
    pub key_pair_id: String,
    private: RsaPrivateKey,
    public: RsaPublicKey,
}

impl std::fmt::Debug for CloudFrontKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudFrontKey")
            .field("key_pair_id", &self.key_pair_id)
            .finish_non_exhaustive()
    }
}

impl CloudFrontKey {
    /// The key in `pem` (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    pub fn from_pem(key_pair_id: &str, pem: &str) -> Result<Self, KeyError> {
        let private = RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|_| KeyError::Pem)?;
        Ok(Self {
            key_pair_id: key_pair_id.to_owned(),
            public: private.to_public_key(),
            private,
        })
    }

    /// The key in the PEM file at `path`.
    pub fn from_pem_file(key_pair_id: &str, path: &Path) -> Result<Self, KeyError> {
        let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(key_pair_id, &pem)
    }

    /// The built-in test key ([`DEV_PRIVATE_KEY_PEM`]).
    pub fn dev() -> Self {
        // The embedded PEM is checked by a test; a broken one is a build defect.
        Self::from_pem(DEV_KEY_PAIR_ID, DEV_PRIVATE_KEY_PEM)
            .unwrap_or_else(|e| panic!("built-in CloudFront test key: {e}"))
    }

    /// `url` with `Policy`, `Signature` and `Key-Pair-Id` for a custom policy granting
    /// `resource` (may end in `*`) until `date_less_than` (Unix seconds).
    pub fn sign(&self, url: &Url, resource: &str, date_less_than: i64) -> Url {
        let policy = custom_policy(resource, date_less_than);
        let signature = self.signature(policy.as_bytes());
        let mut signed = url.clone();
        let query = format!(
            "Policy={}&Signature={}&Key-Pair-Id={}",
            encode(policy.as_bytes()),
            encode(&signature),
            self.key_pair_id
        );
        match url.query() {
            Some(existing) if !existing.is_empty() => {
                signed.set_query(Some(&format!("{existing}&{query}")));
            }
            _ => signed.set_query(Some(&query)),
        }
        signed
    }

    fn signature(&self, policy: &[u8]) -> Vec<u8> {
        // Signing fails only for a key too small for the digest, which RSA keys never are.
        self.private
            .sign(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(policy))
            .unwrap_or_default()
    }

    /// Verifies a request for `resource_url` (`scheme://host/path`, no query) carrying the
    /// raw `query`; answers the policy's `DateLessThan` when valid at `now` (Unix seconds).
    pub fn verify(&self, resource_url: &str, query: &str, now: i64) -> Result<i64, VerifyError> {
        let bad = |text: &str| VerifyError::BadSignature(text.to_owned());
        let mut policy = None;
        let mut expires = None;
        let mut signature = None;
        let mut key_pair_id = None;
        let mut others = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "Policy" => policy = Some(value),
                "Expires" => expires = Some(value),
                "Signature" => signature = Some(value),
                "Key-Pair-Id" => key_pair_id = Some(value),
                _ => others.push(pair),
            }
        }
        let signature = decode(signature.ok_or_else(|| bad("Signature is missing"))?)
            .ok_or_else(|| bad("Signature is not CloudFront base64"))?;
        if key_pair_id != Some(self.key_pair_id.as_str()) {
            return Err(bad("unknown Key-Pair-Id"));
        }
        let policy = match (policy, expires) {
            (Some(policy), _) => decode(policy)
                .filter(|p| p.len() <= MAX_POLICY_BYTES)
                .ok_or_else(|| bad("Policy is not CloudFront base64"))?,
            (None, Some(expires)) => {
                let epoch: i64 = expires
                    .parse()
                    .map_err(|_| bad("Expires is not a number"))?;
                // A canned policy covers the URL with the query CloudFront does not use.
                let resource = if others.is_empty() {
                    resource_url.to_owned()
                } else {
                    format!("{resource_url}?{}", others.join("&"))
                };
                custom_policy(&resource, epoch).into_bytes()
            }
            (None, None) => return Err(bad("Policy or Expires is missing")),
        };
        self.public
            .verify(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(&policy), &signature)
            .map_err(|_| {
                bad("The request signature we calculated does not match the signature you provided.")
            })?;
        let rules = PolicyRules::parse(&policy).map_err(|e| bad(&e))?;
        let decoded_url = percent_decode_str(resource_url).decode_utf8_lossy();
        if let Some(resource) = &rules.resource
            && !wildcard_match(resource, resource_url)
            && !wildcard_match(resource, &decoded_url)
        {
            return Err(bad("the policy does not cover this resource"));
        }
        if rules.date_greater_than.is_some_and(|start| now <= start) {
            return Err(VerifyError::NotYetValid);
        }
        if now >= rules.date_less_than {
            return Err(VerifyError::Expired);
        }
        Ok(rules.date_less_than)
    }
}

/// `{"Statement":[{"Resource":"…","Condition":{"DateLessThan":{"AWS:EpochTime":N}}}]}`,
/// compact, in the order CloudFront's documentation and SDKs write it.
pub fn custom_policy(resource: &str, date_less_than: i64) -> String {
    let resource = Value::String(resource.to_owned());
    format!(
        r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{date_less_than}}}}}}}]}}"#
    )
}

/// What a verified policy grants.
#[derive(Debug, PartialEq, Eq)]
struct PolicyRules {
    resource: Option<String>,
    date_less_than: i64,
    date_greater_than: Option<i64>,
}

impl PolicyRules {
    fn parse(policy: &[u8]) -> Result<PolicyRules, String> {
        let json: Value =
            serde_json::from_slice(policy).map_err(|e| format!("the policy is not JSON: {e}"))?;
        let statements = json
            .get("Statement")
            .and_then(Value::as_array)
            .ok_or("the policy has no Statement list")?;
        let [statement] = statements.as_slice() else {
            return Err("the policy must have exactly one statement".into());
        };
        let condition = statement
            .get("Condition")
            .and_then(Value::as_object)
            .ok_or("the policy has no Condition")?;
        if condition.contains_key("IpAddress") {
            return Err("IpAddress conditions are not supported by this origin".into());
        }
        let epoch = |name: &str| {
            condition
                .get(name)
                .and_then(|c| c.get("AWS:EpochTime"))
                .and_then(Value::as_i64)
        };
        Ok(PolicyRules {
            resource: statement
                .get("Resource")
                .and_then(Value::as_str)
                .map(str::to_owned),
            date_less_than: epoch("DateLessThan").ok_or("the policy has no DateLessThan")?,
            date_greater_than: epoch("DateGreaterThan"),
        })
    }
}

/// CloudFront's glob: `*` matches any run of characters, `?` exactly one.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((star, matched)) => {
                    pi = star + 1;
                    ti = matched + 1;
                    backtrack = Some((star, matched + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// CloudFront's URL-safe base64 of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

/// Bytes of CloudFront's URL-safe base64 (percent-escapes undone first).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let text = percent_decode_str(text).decode_utf8().ok()?;
    let standard: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    STANDARD.decode(standard).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn custom_policy_round_trip_over_a_prefix() {
        let key = CloudFrontKey::dev();
        let url = Url::parse("http://h:1/secure/vod/master.m3u8").unwrap();
        let signed = key.sign(&url, "http://h:1/secure/vod/*", NOW + 60);
        let query = signed.query().unwrap();
        assert!(query.contains("Key-Pair-Id=K2FLODRAMADEVKEY"));
        let child = "http://h:1/secure/vod/720p/seg_001.m4s";
        assert_eq!(key.verify(child, query, NOW), Ok(NOW + 60));
        assert_eq!(
            key.verify(child, query, NOW + 60),
            Err(VerifyError::Expired)
        );
        let other = key.verify("http://h:1/secure/vod-ts/master.m3u8", query, NOW);
        assert!(matches!(other, Err(VerifyError::BadSignature(_))));
        let tampered = query.replacen("Signature=", "Signature=AAAA", 1);
        assert!(matches!(
            key.verify(child, &tampered, NOW),
            Err(VerifyError::BadSignature(_))
        ));
        let policy = encode(custom_policy("http://h:1/*", NOW + 1_000_000).as_bytes());
        let swapped = query
            .split('&')
            .map(|p| {
                if p.starts_with("Policy=") {
                    format!("Policy={policy}")
                } else {
                    p.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("&");
        assert!(matches!(
            key.verify(child, &swapped, NOW),
            Err(VerifyError::BadSignature(_))
        ));
    }

    #[test]
    fn policy_rules_and_refusals() {
        let rules = PolicyRules::parse(custom_policy("http://x/*", 5).as_bytes()).unwrap();
        assert_eq!(rules.resource.as_deref(), Some("http://x/*"));
        assert_eq!(rules.date_less_than, 5);
        let ip = br#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":5},"IpAddress":{"AWS:SourceIp":"1.2.3.4/32"}}}]}"#;
        assert!(PolicyRules::parse(ip).is_err());
        assert!(PolicyRules::parse(br#"{"Statement":[]}"#).is_err());
        assert!(PolicyRules::parse(b"not json").is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(
            "http://h/secure/vod/*",
            "http://h/secure/vod/a/b.ts"
        ));
        assert!(wildcard_match("http://h/*/x?.ts", "http://h/a/b/x1.ts"));
        assert!(!wildcard_match(
            "http://h/secure/vod/*",
            "http://h/secure/vod-ts/a"
        ));
        assert!(!wildcard_match("http://h/a", "http://h/ab"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn url_safe_base64_round_trip() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = encode(&bytes);
        assert!(!text.contains(['+', '=', '/']));
        assert_eq!(decode(&text), Some(bytes));
        assert_eq!(decode("not base64!"), None);
    }
}
