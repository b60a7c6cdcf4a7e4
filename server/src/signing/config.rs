//! Options of the signed-URL API and origin: signing mode, lifetime, keys, hotlink and geo
//! rules, the S3 media store.

use std::path::PathBuf;
use std::str::FromStr;

use axum::http::HeaderName;
use clap::Args;
use url::Url;

use super::SigningMode;
use super::cloudfront::DEV_KEY_PAIR_ID;
use super::sigv4::{Credentials, MAX_EXPIRES_S};

/// Access key id of the dev credentials (fake; the fixtures are signed with it).
pub const DEV_ACCESS_KEY: &str = "AKIAFLODRAMADEV00000";
/// Secret of the dev credentials: public, for `--dev` servers and tests only.
pub const DEV_SECRET_KEY: &str = "flodrama/dev/secret/NOT+A+REAL+KEY/00000";
/// Default region of the credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default lifetime of issued URLs, in seconds.
pub const DEFAULT_TTL_S: u64 = 3600;

/// Signed-URL command-line options.
#[derive(Debug, Clone, Args)]
pub struct PresignOptions {
    /// Kind of signed URL `POST /api/stream-url` issues and `/secure/` accepts.
    #[arg(
        long,
        value_enum,
        env = "SIGNING",
        default_value = "sigv4",
        global = true
    )]
    pub signing: SigningMode,
    /// Lifetime of issued URLs in seconds (at most 604800).
    #[arg(long, env = "TOKEN_EXPIRATION", default_value_t = DEFAULT_TTL_S,
          value_parser = clap::value_parser!(u64).range(1..=MAX_EXPIRES_S), global = true)]
    pub token_expiration: u64,
    /// Page origin allowed to request stream URLs (repeatable); `http://host:*` allows any
    /// port. Requests without `Origin` (server to server) and from the server's own origin
    /// are always allowed; `--dev` adds `http://localhost:*` and `http://127.0.0.1:*`.
    #[arg(long = "allowed-origin", value_name = "ORIGIN", global = true)]
    pub allowed_origins: Vec<OriginPattern>,
    /// Request header holding the viewer's country code.
    #[arg(long, default_value = "CloudFront-Viewer-Country", global = true)]
    pub geo_header: HeaderName,
    /// Countries where a content may not be played, `CONTENT=CC,CC` (repeatable).
    #[arg(long = "geo-block", value_name = "CONTENT=CC,CC", global = true)]
    pub geo_blocks: Vec<GeoBlock>,
    /// Access key id signing SigV4 URLs (and reading the S3 store).
    #[arg(long, env = "S3_ACCESS_KEY", global = true)]
    pub s3_access_key: Option<String>,
    /// Secret key signing SigV4 URLs; the dev secret with `--dev`, else random per process
    /// (required with `--s3-endpoint`).
    #[arg(long, env = "S3_SECRET_KEY", hide_env_values = true, global = true)]
    pub s3_secret_key: Option<String>,
    /// Region of the SigV4 credential scope.
    #[arg(long, env = "S3_REGION", default_value = DEFAULT_REGION, global = true)]
    pub s3_region: String,
    /// S3-compatible endpoint serving the media (path-style), instead of `<data-dir>/media`.
    #[arg(long, value_name = "URL", requires = "s3_bucket", global = true)]
    pub s3_endpoint: Option<Url>,
    /// Bucket holding the media in the S3 store (keys as under `<data-dir>/media`).
    #[arg(long, value_name = "NAME", requires = "s3_endpoint", global = true)]
    pub s3_bucket: Option<String>,
    /// CloudFront key pair id (`Key-Pair-Id`); the built-in test key's id by default.
    #[arg(long, env = "CLOUDFRONT_KEY_PAIR_ID", global = true)]
    pub cloudfront_key_pair_id: Option<String>,
    /// CloudFront private key (PEM); required for `--signing cloudfront` outside `--dev`,
    /// where the built-in test key is used.
    #[arg(
        long,
        value_name = "FILE",
        env = "CLOUDFRONT_PRIVATE_KEY",
        global = true
    )]
    pub cloudfront_private_key: Option<PathBuf>,
    /// Also append one JSON line per issued URL to this file (legal logging).
    #[arg(long, value_name = "FILE", global = true)]
    pub url_log: Option<PathBuf>,
}

/// An allowed page origin: exact, or any port with `http://host:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern(String);

impl FromStr for OriginPattern {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim_end_matches('/');
        let ok = (text.starts_with("http://") || text.starts_with("https://"))
            && !text.contains(['?', '#', ' '])
            && text
                .split("//")
                .nth(1)
                .is_some_and(|rest| !rest.contains('/'));
        if ok {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(format!(
                "{text:?} is not an origin (http(s)://host[:port] or http(s)://host:*)"
            ))
        }
    }
}

impl OriginPattern {
    /// Whether the `Origin` header value `origin` matches.
    pub fn matches(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        match self.0.strip_suffix('*') {
            Some(prefix) if prefix.ends_with(':') => {
                origin.strip_prefix(prefix).is_some_and(|port| {
                    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
                }) || origin == prefix.trim_end_matches(':')
            }
            _ => origin == self.0,
        }
    }
}

/// `CONTENT=CC,CC`: the countries (ISO 3166 alpha-2, upper case) where `content` is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoBlock {
    /// The contentId.
    pub content: String,
    /// Country codes.
    pub countries: Vec<String>,
}

impl FromStr for GeoBlock {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (content, countries) = text
            .split_once('=')
            .ok_or_else(|| format!("expected CONTENT=CC,CC, got {text:?}"))?;
        let countries: Vec<String> = countries
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        let codes_ok = countries
            .iter()
            .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()));
        if content.is_empty() || !codes_ok {
            return Err(format!(
                "expected CONTENT=CC,CC with two-letter country codes, got {text:?}"
            ));
        }
        Ok(Self {
            content: content.to_owned(),
            countries,
        })
    }
}

/// Where the CloudFront signing key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudFrontKeySource {
    /// The built-in test key (dev and tests).
    Dev,
    /// A PEM file, with its key pair id.
    File {
        /// `Key-Pair-Id`.
        key_pair_id: String,
        /// The PEM file.
        path: PathBuf,
    },
    /// None configured: `--signing cloudfront` cannot start.
    Missing,
}

/// The S3-compatible media store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Endpoint, e.g. `http://127.0.0.1:9000` (path-style requests).
    pub endpoint: Url,
    /// Bucket.
    pub bucket: String,
}

/// The resolved signed-URL configuration.
#[derive(Debug, Clone)]
pub struct PresignConfig {
    /// Kind of URL issued and accepted.
    pub mode: SigningMode,
    /// Lifetime of issued URLs, seconds.
    pub ttl_s: u64,
    /// Allowed page origins.
    pub allowed_origins: Vec<OriginPattern>,
    /// Header holding the viewer's country.
    pub geo_header: HeaderName,
    /// Per-content country blocks.
    pub geo_blocks: Vec<GeoBlock>,
    /// SigV4 signing (and S3 store) credentials.
    pub credentials: Credentials,
    /// Whether `credentials` were configured (not the dev or random default).
    pub credentials_configured: bool,
    /// CloudFront signing key.
    pub cloudfront: CloudFrontKeySource,
    /// The S3 media store, if media is not read from `<data-dir>/media`.
    pub s3: Option<S3Config>,
    /// File receiving a JSON line per issued URL.
    pub url_log: Option<PathBuf>,
}

impl PresignConfig {
    /// Resolves the options; `dev` selects the public dev keys where none are given.
    pub fn from_options(options: &PresignOptions, dev: bool) -> Self {
        let mut allowed_origins = options.allowed_origins.clone();
        if dev {
            allowed_origins.extend(
                ["http://localhost:*", "http://127.0.0.1:*"].map(|o| OriginPattern(o.to_owned())),
            );
        }
        let secret = match &options.s3_secret_key {
            Some(secret) => secret.clone(),
            None if dev => DEV_SECRET_KEY.to_owned(),
            None => random_secret(),
        };
        let cloudfront = match (&options.cloudfront_private_key, dev) {
            (Some(path), _) => CloudFrontKeySource::File {
                key_pair_id: options
                    .cloudfront_key_pair_id
                    .clone()
                    .unwrap_or_else(|| DEV_KEY_PAIR_ID.to_owned()),
                path: path.clone(),
            },
            (None, true) => CloudFrontKeySource::Dev,
            (None, false) => CloudFrontKeySource::Missing,
        };
        Self {
            mode: options.signing,
            ttl_s: options.token_expiration,
            allowed_origins,
            geo_header: options.geo_header.clone(),
            geo_blocks: options.geo_blocks.clone(),
            credentials: Credentials {
                access_key: options
                    .s3_access_key
                    .clone()
                    .unwrap_or_else(|| DEV_ACCESS_KEY.to_owned()),
                secret_key: secret,
                region: options.s3_region.clone(),
            },
            credentials_configured: options.s3_secret_key.is_some(),
            cloudfront,
            s3: options
                .s3_endpoint
                .clone()
                .zip(options.s3_bucket.clone())
                .map(|(endpoint, bucket)| S3Config { endpoint, bucket }),
            url_log: options.url_log.clone(),
        }
    }

    /// The dev configuration tests start from: SigV4 with the dev keys, 3600 s, no rules.
    pub fn dev() -> Self {
        Self {
            mode: SigningMode::Sigv4,
            ttl_s: DEFAULT_TTL_S,
            allowed_origins: Vec::new(),
            geo_header: HeaderName::from_static("cloudfront-viewer-country"),
            geo_blocks: Vec::new(),
            credentials: Credentials {
                access_key: DEV_ACCESS_KEY.to_owned(),
                secret_key: DEV_SECRET_KEY.to_owned(),
                region: DEFAULT_REGION.to_owned(),
            },
            credentials_configured: false,
            cloudfront: CloudFrontKeySource::Dev,
            s3: None,
            url_log: None,
        }
    }

    /// Countries where `content` is blocked.
    pub fn blocked_countries(&self, content: &str) -> impl Iterator<Item = &str> {
        self.geo_blocks
            .iter()
            .filter(move |b| b.content == content)
            .flat_map(|b| b.countries.iter().map(String::as_str))
    }
}

/// 32 random bytes as hex (zeros only if the system has no randomness, which is logged).
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::error!("no system randomness for the SigV4 secret: {e}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_patterns() {
        let any_port: OriginPattern = "http://localhost:*".parse().unwrap();
        assert!(any_port.matches("http://localhost:5173"));
        assert!(any_port.matches("http://LOCALHOST:80"));
        assert!(!any_port.matches("http://localhost.evil.com:80"));
        assert!(!any_port.matches("https://localhost:5173"));
        let exact: OriginPattern = "https://app.example.com/".parse().unwrap();
        assert!(exact.matches("https://app.example.com"));
        assert!(!exact.matches("https://app.example.com.evil"));
        for bad in ["app.example.com", "https://a/b", "ftp://x"] {
            assert!(bad.parse::<OriginPattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn geo_blocks_parse() {
        let block: GeoBlock = "vod=fr, DE".parse().unwrap();
        assert_eq!(block.content, "vod");
        assert_eq!(block.countries, ["FR", "DE"]);
        for bad in ["vod", "=FR", "vod=FRA", "vod=F1"] {
            assert!(bad.parse::<GeoBlock>().is_err(), "{bad}");
        }
    }
}
