//! Who a joining connection is: the `token` of its `join` message checked for the room.
//!
//! Today a token is a room invite ([`InviteKey`]). The platform's JWT sign-in (the
//! presigned-URL work's shared auth) plugs in at [`Authenticator::authenticate`]: a token of
//! three dot-separated parts is recognized as a JWT and, once a verifier exists, its subject
//! becomes the identity `user:<sub>`; until then it is refused with [`AuthError::JwtUnavailable`].

use super::invite::{InviteError, InviteKey};

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
}

/// Checks join tokens and derives the member's stable identity.
#[derive(Debug, Clone)]
pub struct Authenticator {
    invites: InviteKey,
}

impl Authenticator {
    /// An authenticator accepting the invites signed with `invites`.
    pub fn new(invites: InviteKey) -> Self {
        Self { invites }
    }

    /// The invite key, to mint tokens in dev mode.
    pub fn invites(&self) -> &InviteKey {
        &self.invites
    }

    /// The identity `token` vouches for in `room`: `guest:<id>` for an invite.
    pub fn authenticate(&self, room: &str, token: Option<&str>) -> Result<String, AuthError> {
        let token = token.ok_or(AuthError::Missing)?;
        if token.split('.').count() == 3 {
            return Err(AuthError::JwtUnavailable);
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
}
