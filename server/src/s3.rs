//! The S3 media store: any S3-compatible endpoint (AWS S3, `s3s-fs` locally) holding the
//! media under the same keys as `<data-dir>/media`, read with SigV4-presigned path-style GETs.
//!
//! Plain `http://` endpoints only: this build carries no TLS client (a TLS-terminating proxy
//! or VPC endpoint in front of S3 does the job).

use axum::http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::signing::config::S3Config;
use crate::signing::sigv4::{self, Credentials, Validity};

/// Lifetime of the URLs the server presigns for its own reads, seconds.
const OWN_READ_TTL_S: u64 = 60;
/// Largest playlist read from the store, bytes.
pub const MAX_PLAYLIST_BYTES: usize = player_core::hls::MAX_PLAYLIST_BYTES;

/// Object keys are encoded segment by segment, as AWS does.
const KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// The request failed on the way (connection, timeout).
    #[error("S3 request for {key:?} failed: {source}")]
    Request {
        /// Object key.
        key: String,
        /// What failed.
        source: reqwest::Error,
    },
    /// The object does not exist.
    #[error("no S3 object {0:?}")]
    NotFound(String),
    /// The store answered an error status.
    #[error("S3 answered {status} for {key:?}")]
    Status {
        /// Object key.
        key: String,
        /// Its answer.
        status: u16,
    },
    /// The object is larger than allowed for its use.
    #[error("S3 object {0:?} is too large")]
    TooLarge(String),
}

/// A bucket on an S3-compatible endpoint.
#[derive(Debug, Clone)]
pub struct S3Store {
    config: S3Config,
    credentials: Credentials,
    client: reqwest::Client,
}

impl S3Store {
    /// The store of `config`, signing with `credentials`.
    pub fn new(config: S3Config, credentials: Credentials) -> Self {
        Self {
            config,
            credentials,
            client: reqwest::Client::new(),
        }
    }

    /// The unsigned path-style URL of object `key` (`a/b.m4s`, not encoded).
    pub fn object_url(&self, key: &str) -> Url {
        let mut url = self.config.endpoint.clone();
        let encoded: Vec<String> = key
            .split('/')
            .map(|s| utf8_percent_encode(s, KEY_ENCODE).to_string())
            .collect();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!(
            "{base}/{}/{}",
            utf8_percent_encode(&self.config.bucket, KEY_ENCODE),
            encoded.join("/")
        ));
        url.set_query(None);
        url
    }

    /// A presigned GET of object `key`.
    pub fn presign(&self, key: &str, validity: Validity) -> Url {
        sigv4::presign(&self.credentials, "GET", &self.object_url(key), validity)
    }

    /// GETs object `key` (with `range` when given), signed at `now` (Unix seconds).
    pub async fn get(
        &self,
        key: &str,
        range: Option<&HeaderValue>,
        now: i64,
    ) -> Result<reqwest::Response, S3Error> {
        let url = self.presign(
            key,
            Validity {
                signed_at: now,
                expires_s: OWN_READ_TTL_S,
            },
        );
        let mut request = self.client.get(url);
        if let Some(range) = range {
            request = request.header(reqwest::header::RANGE, range.clone());
        }
        let response = request.send().await.map_err(|source| S3Error::Request {
            key: key.to_owned(),
            source,
        })?;
        match response.status().as_u16() {
            200..=299 => Ok(response),
            404 => Err(S3Error::NotFound(key.to_owned())),
            status => Err(S3Error::Status {
                key: key.to_owned(),
                status,
            }),
        }
    }

    /// The text of object `key` (a playlist), at most [`MAX_PLAYLIST_BYTES`].
    pub async fn get_text(&self, key: &str, now: i64) -> Result<String, S3Error> {
        let response = self.get(key, None, now).await?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_PLAYLIST_BYTES as u64)
        {
            return Err(S3Error::TooLarge(key.to_owned()));
        }
        let bytes = response.bytes().await.map_err(|source| S3Error::Request {
            key: key.to_owned(),
            source,
        })?;
        if bytes.len() > MAX_PLAYLIST_BYTES {
            return Err(S3Error::TooLarge(key.to_owned()));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls_are_path_style_and_encoded() {
        let store = S3Store::new(
            S3Config {
                endpoint: Url::parse("http://127.0.0.1:9000").unwrap(),
                bucket: "media".into(),
            },
            Credentials {
                access_key: "a".into(),
                secret_key: "s".into(),
                region: "us-east-1".into(),
            },
        );
        assert_eq!(
            store.object_url("vod/720p/seg 1+x.m4s").as_str(),
            "http://127.0.0.1:9000/media/vod/720p/seg%201%2Bx.m4s"
        );
    }
}
