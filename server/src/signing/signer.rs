//! The server's signing state: the mode, the loaded keys and the S3 store, with the two
//! operations the API and the origin need: issue a URL, verify a request.

use url::Url;

use super::cloudfront::{CloudFrontKey, KeyError};
use super::config::{CloudFrontKeySource, PresignConfig};
use super::sigv4::{self, Validity};
use super::{SigningMode, VerifyError};
use crate::s3::S3Store;

/// Why the signing state could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The CloudFront key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// `--signing cloudfront` without a key outside `--dev`.
    #[error("--signing cloudfront needs --cloudfront-private-key (and --cloudfront-key-pair-id)")]
    MissingCloudFrontKey,
    /// An S3 store without explicit credentials.
    #[error("--s3-endpoint needs --s3-access-key and --s3-secret-key outside --dev")]
    MissingS3Credentials,
}

/// What a verified request was signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// A SigV4 URL and its validity (children are presigned with the same).
    Sigv4(Validity),
    /// A CloudFront URL valid until this Unix second.
    CloudFront(i64),
}

/// Signs and verifies media URLs.
#[derive(Debug)]
pub struct Signer {
    /// The configuration.
    pub config: PresignConfig,
    cloudfront: Option<CloudFrontKey>,
    /// The S3 media store, when configured.
    pub s3: Option<S3Store>,
}

impl Signer {
    /// Loads the keys `config` names.
    pub fn new(config: PresignConfig, dev: bool) -> Result<Self, SignerError> {
        let cloudfront = match &config.cloudfront {
            CloudFrontKeySource::Dev => Some(CloudFrontKey::dev()),
            CloudFrontKeySource::File { key_pair_id, path } => {
                Some(CloudFrontKey::from_pem_file(key_pair_id, path)?)
            }
            CloudFrontKeySource::Missing => None,
        };
        if config.mode == SigningMode::Cloudfront && cloudfront.is_none() {
            return Err(SignerError::MissingCloudFrontKey);
        }
        if config.s3.is_some() && !dev && !config.credentials_configured {
            return Err(SignerError::MissingS3Credentials);
        }
        let s3 = config
            .s3
            .clone()
            .map(|s3| S3Store::new(s3, config.credentials.clone()));
        Ok(Self {
            config,
            cloudfront,
            s3,
        })
    }

    /// Signs `url` (under `<origin>/secure/<content>/`) for `ttl_s` seconds from `now`;
    /// answers the signed URL and its expiry (Unix seconds).
    pub fn issue(&self, url: &Url, content_prefix: &str, now: i64, ttl_s: u64) -> (Url, i64) {
        match (&self.config.mode, &self.cloudfront) {
            (SigningMode::Cloudfront, Some(key)) => {
                let expires = now.saturating_add(i64::try_from(ttl_s).unwrap_or(i64::MAX));
                (
                    key.sign(url, &format!("{content_prefix}*"), expires),
                    expires,
                )
            }
            _ => {
                let validity = Validity {
                    signed_at: now,
                    expires_s: ttl_s,
                };
                (
                    sigv4::presign(&self.config.credentials, "GET", url, validity),
                    validity.expires_at(),
                )
            }
        }
    }

    /// Verifies a request to the origin: `method`, `scheme` and `host` as the client used
    /// them, the still-encoded `path` and the raw `query`, at `now` (Unix seconds).
    pub fn verify(
        &self,
        method: &str,
        scheme: &str,
        host: &str,
        path: &str,
        query: &str,
        now: i64,
    ) -> Result<Verified, VerifyError> {
        match (&self.config.mode, &self.cloudfront) {
            (SigningMode::Cloudfront, Some(key)) => key
                .verify(&format!("{scheme}://{host}{path}"), query, now)
                .map(Verified::CloudFront),
            _ => sigv4::verify(&self.config.credentials, method, host, path, query, now)
                .map(Verified::Sigv4),
        }
    }

    /// Presigns `url` with an existing validity (children of a verified playlist).
    pub fn presign_like(&self, url: &Url, validity: Validity) -> Url {
        sigv4::presign(&self.config.credentials, "GET", url, validity)
    }
}
