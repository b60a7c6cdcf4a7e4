//! Who a joining connection is: the `token` of its `join` message checked for the room.
//!
//! A token is a room invite ([`InviteKey`]) or a platform sign-in JWT (three dot-separated
//! parts): with a verifier ([`Authenticator::with_jwt`]) its subject becomes the identity
//! `user:<sub>`; without one it is refused with [`AuthError::JwtUnavailable`].

use std::sync::Arc;

use super::invite::{InviteError, InviteKey};
use crate::auth::JwtAuth;

/// Why a join was not authenticated; the text is the close reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The `join` carried no token.
    #[error("a token is required to join")]
    Missing,
    /// The invite token was refused.
    #[error(transparent)]
    Invite(#[from] InviteError),
    /// The token is a JWT, and this server has no JWT verifier configured.
    #[error("JWT sign-in is not available on this server; use a room invite token")]
    JwtUnavailable,
    /// The JWT failed verification.
    #[error("{0}")]
    Jwt(String),
}

/// Checks join tokens and derives the member's stable identity.
#[derive(Debug, Clone)]
pub struct Authenticator {
    invites: InviteKey,
    jwt: Option<Arc<JwtAuth>>,
}

impl Authenticator {
    /// An authenticator accepting the invites signed with `invites`.
    pub fn new(invites: InviteKey) -> Self {
        Self { invites, jwt: None }
    }

    /// Also accepts sign-in JWTs checked by `jwt`.
    pub fn with_jwt(self, jwt: Arc<JwtAuth>) -> Self {
        Self {
            jwt: Some(jwt),
            ..self
        }
    }

    /// The invite key, to mint tokens in dev mode.
    pub fn invites(&self) -> &InviteKey {
        &self.invites
    }

    /// The identity `token` vouches for in `room`: `guest:<id>` for an invite.
    pub fn authenticate(&self, room: &str, token: Option<&str>) -> Result<String, AuthError> {
        let token = token.ok_or(AuthError::Missing)?;
        if token.split('.').count() == 3 {
            let jwt = self.jwt.as_ref().ok_or(AuthError::JwtUnavailable)?;
            let sub = jwt
                .verify(token)
                .map_err(|e| AuthError::Jwt(e.to_string()))?;
            return Ok(format!("user:{sub}"));
        }
        let guest = self.invites.verify(room, token)?;
        Ok(format!("guest:{guest}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_gives_guest_identity_and_jwt_is_recognized() {
        let key = InviteKey::new(b"s");
        let auth = Authenticator::new(key.clone());
        let token = key.mint("room", "g1").unwrap();
        assert_eq!(
            auth.authenticate("room", Some(&token)),
            Ok("guest:g1".into())
        );
        assert_eq!(auth.authenticate("room", None), Err(AuthError::Missing));
        assert_eq!(
            auth.authenticate("room", Some("eyJh.eyJz.c2ln")),
            Err(AuthError::JwtUnavailable)
        );
        assert_eq!(
            auth.authenticate("other", Some(&token)),
            Err(AuthError::Invite(InviteError::BadSignature))
        );
    }

    #[test]
    fn jwt_gives_user_identity_once_a_verifier_is_set() {
        let jwt = Arc::new(JwtAuth::hs256(b"k"));
        let auth = Authenticator::new(InviteKey::new(b"s")).with_jwt(jwt.clone());
        let token = jwt.mint("alice", 60).unwrap();
        assert_eq!(
            auth.authenticate("room", Some(&token)),
            Ok("user:alice".into())
        );
        let forged = JwtAuth::hs256(b"other").mint("alice", 60).unwrap();
        assert!(matches!(
            auth.authenticate("room", Some(&forged)),
            Err(AuthError::Jwt(_))
        ));
    }
}
