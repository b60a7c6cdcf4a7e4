//! Platform sign-in: bearer JWTs whose subject (`sub`) is the user.
//!
//! Tokens are HS256 with a shared secret (`--jwt-secret`; a random secret per process when
//! absent, or the well-known [`DEV_SECRET`] in `--dev` mode), or RS256 checked against the keys
//! of a JWKS file (`--jwt-jwks`), picked by the token's `kid`. `exp` is required. In dev mode
//! `POST /api/dev/token {sub}` mints HS256 tokens for anyone; the route does not exist otherwise.
//!
//! Handlers take an [`AuthUser`] argument: a request without a valid bearer token is answered
//! `401` with a JSON error body before the handler runs.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::app::AppState;

/// The HS256 secret of `--dev` mode when no `--jwt-secret` is given. Public by design: dev
/// servers must never hold real users' data.
pub const DEV_SECRET: &[u8] = b"flodrama-dev-secret-do-not-use-in-production";

/// Lifetime of the tokens minted by `POST /api/dev/token`.
pub const DEV_TOKEN_TTL_S: u64 = 24 * 3600;

/// Longest accepted subject, in bytes.
pub const MAX_SUBJECT_LEN: usize = 256;

/// Why a token or the verifier set-up was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// The token failed verification (signature, expiry, algorithm, format).
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// The token's `kid` names no key of the JWKS file.
    #[error("invalid token: no JWKS key for kid {0:?}")]
    UnknownKey(Option<String>),
    /// The subject is empty, too long or has control characters.
    #[error("invalid token: unusable subject")]
    BadSubject,
    /// The JWKS file could not be read or parsed.
    #[error("cannot load JWKS file {path}: {reason}")]
    Jwks {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Claims read from and written to tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// How tokens are checked.
#[derive(Clone)]
enum Keys {
    /// HS256 with a shared secret.
    Hs256(DecodingKey),
    /// RS256 against a key set.
    Rs256(JwkSet),
}

/// Verifies bearer JWTs and, with an HS256 secret, can mint them.
#[derive(Clone)]
pub struct JwtAuth {
    keys: Keys,
    signer: Option<EncodingKey>,
    audience: Option<String>,
    issuer: Option<String>,
}

impl std::fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.keys {
            Keys::Hs256(_) => "HS256",
            Keys::Rs256(_) => "RS256/JWKS",
        };
        f.debug_struct("JwtAuth").field("keys", &kind).finish()
    }
}

impl JwtAuth {
    /// HS256 tokens signed with `secret`.
    pub fn hs256(secret: &[u8]) -> Self {
        Self {
            keys: Keys::Hs256(DecodingKey::from_secret(secret)),
            signer: Some(EncodingKey::from_secret(secret)),
            audience: None,
            issuer: None,
        }
    }

    /// RS256 tokens checked against the JWKS document at `path`.
    pub fn rs256_jwks_file(path: &Path) -> Result<Self, AuthError> {
        let jwks_error = |reason: String| AuthError::Jwks {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| jwks_error(e.to_string()))?;
        let set: JwkSet = serde_json::from_str(&text).map_err(|e| jwks_error(e.to_string()))?;
        if set.keys.is_empty() {
            return Err(jwks_error("the key set is empty".into()));
        }
        Ok(Self {
            keys: Keys::Rs256(set),
            signer: None,
            audience: None,
            issuer: None,
        })
    }

    /// Also requires `aud` to hold `audience` and `iss` to be `issuer`, when given; without
    /// an audience, `aud` is not checked.
    pub fn with_claims(self, audience: Option<String>, issuer: Option<String>) -> Self {
        Self {
            audience,
            issuer,
            ..self
        }
    }

    /// The verified subject of `token`.
    pub fn verify(&self, token: &str) -> Result<String, AuthError> {
        let (key, algorithm) = match &self.keys {
            Keys::Hs256(key) => (key.clone(), Algorithm::HS256),
            Keys::Rs256(set) => {
                let kid = jsonwebtoken::decode_header(token)?.kid;
                let jwk = match (&kid, set.keys.as_slice()) {
                    (Some(kid), _) => set.find(kid),
                    (None, [only]) => Some(only),
                    (None, _) => None,
                }
                .ok_or(AuthError::UnknownKey(kid.clone()))?;
                (DecodingKey::from_jwk(jwk)?, Algorithm::RS256)
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)?;
        let sub = data.claims.sub;
        if sub.is_empty() || sub.len() > MAX_SUBJECT_LEN || sub.chars().any(char::is_control) {
            return Err(AuthError::BadSubject);
        }
        Ok(sub)
    }

    /// A token for `sub` valid `ttl_s` seconds; `None` with RS256 keys (no private key here).
    pub fn mint(&self, sub: &str, ttl_s: u64) -> Option<String> {
        let signer = self.signer.as_ref()?;
        let now = unix_now_s();
        let claims = Claims {
            sub: sub.to_owned(),
            exp: now + ttl_s,
            iat: Some(now),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, signer).ok()
    }
}

fn unix_now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The signed-in user of a request: the verified JWT subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser(pub String);

/// A `401` with `{"error": ...}`.
#[derive(Debug)]
pub struct Unauthorized(pub AuthError);

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.0.to_string() }));
        (StatusCode::UNAUTHORIZED, body).into_response()
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(Unauthorized(AuthError::Missing))?;
        state.jwt.verify(token).map(AuthUser).map_err(Unauthorized)
    }
}

/// Body of `POST /api/dev/token`.
#[derive(Debug, Deserialize)]
pub struct DevTokenRequest {
    /// The user to mint a token for.
    pub sub: String,
}

/// Dev mode: `POST /api/dev/token {sub}` → `{token}`.
pub async fn dev_token(
    State(state): State<AppState>,
    body: Result<Json<DevTokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let error = |status: StatusCode, text: &str| {
        (status, Json(serde_json::json!({ "error": text }))).into_response()
    };
    let Ok(Json(request)) = body else {
        return error(StatusCode::BAD_REQUEST, "expected JSON {\"sub\": \"user\"}");
    };
    let sub = request.sub;
    if sub.is_empty() || sub.len() > MAX_SUBJECT_LEN || sub.chars().any(char::is_control) {
        return error(StatusCode::BAD_REQUEST, "sub must be 1-256 printable bytes");
    }
    match state.jwt.mint(&sub, DEV_TOKEN_TTL_S) {
        Some(token) => Json(serde_json::json!({ "token": token })).into_response(),
        None => error(
            StatusCode::NOT_IMPLEMENTED,
            "tokens can only be minted with an HS256 secret",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_round_trip_and_refusals() {
        let auth = JwtAuth::hs256(b"secret");
        let token = auth.mint("alice", 60).unwrap();
        assert_eq!(auth.verify(&token).unwrap(), "alice");
        let other = JwtAuth::hs256(b"other");
        assert!(matches!(other.verify(&token), Err(AuthError::Invalid(_))));
        assert!(matches!(auth.verify("a.b.c"), Err(AuthError::Invalid(_))));
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "alice".into(),
                exp: 1000,
                iat: None,
            },
            &EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert!(matches!(auth.verify(&expired), Err(AuthError::Invalid(_))));
    }

    #[test]
    fn alg_none_and_empty_subject_are_refused() {
        let auth = JwtAuth::hs256(b"secret");
        // {"alg":"none","typ":"JWT"} . {"sub":"alice","exp":9999999999} . (no signature)
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.\
                    eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.";
        assert!(auth.verify(none).is_err());
        let empty = auth.mint("", 60).unwrap();
        assert!(matches!(auth.verify(&empty), Err(AuthError::BadSubject)));
    }

    #[test]
    fn audience_and_issuer_are_checked_when_configured() {
        let sign = |claims: serde_json::Value| {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"k"),
            )
            .unwrap()
        };
        let exp = unix_now_s() + 60;
        let good = sign(serde_json::json!({"sub": "a", "exp": exp, "aud": "app", "iss": "idp"}));
        let other = sign(serde_json::json!({"sub": "a", "exp": exp, "aud": "x", "iss": "idp"}));
        let strict = JwtAuth::hs256(b"k").with_claims(Some("app".into()), Some("idp".into()));
        assert_eq!(strict.verify(&good).unwrap(), "a");
        assert!(strict.verify(&other).is_err());
        // Without a configured audience, a token's `aud` is accepted as is.
        assert_eq!(JwtAuth::hs256(b"k").verify(&other).unwrap(), "a");
    }

    #[test]
    fn jwks_file_errors_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwks.json");
        std::fs::write(&path, r#"{"keys":[]}"#).unwrap();
        assert!(matches!(
            JwtAuth::rs256_jwks_file(&path),
            Err(AuthError::Jwks { .. })
        ));
        assert!(matches!(
            JwtAuth::rs256_jwks_file(&dir.path().join("missing.json")),
            Err(AuthError::Jwks { .. })
        ));
    }
}
