//! Room invite tokens: `GUEST.MAC`, where MAC is the base64url HMAC-SHA256 of the room and
//! the guest id under the server's secret. The guest id is the member's stable identity in
//! that room (bans and mutes are keyed by it); the token admits it to that room only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Domain separation for the MAC input, so the secret can sign other things later.
const CONTEXT: &[u8] = b"flodrama-party-invite/v1";
/// Longest guest id, in bytes.
pub const MAX_GUEST_BYTES: usize = 64;

/// Why an invite token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    /// Not `GUEST.MAC`, or a guest id with other characters than `[A-Za-z0-9_-]`.
    #[error("malformed invite token")]
    Malformed,
    /// The MAC does not match this room and guest.
    #[error("invite token not valid for this room")]
    BadSignature,
}

/// Mints and checks invite tokens with one server secret.
#[derive(Clone)]
pub struct InviteKey {
    /// HMAC state keyed with the secret, cloned for every token.
    keyed: HmacSha256,
}

impl std::fmt::Debug for InviteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InviteKey(..)")
    }
}

impl InviteKey {
    /// A key from the server secret.
    pub fn new(secret: &[u8]) -> Self {
        let keyed = HmacSha256::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        Self { keyed }
    }

    /// The invite token of `guest` for `room`; `None` when the guest id is not a valid one.
    pub fn mint(&self, room: &str, guest: &str) -> Option<String> {
        if !valid_guest(guest) {
            return None;
        }
        let mac = self.mac(room, guest).finalize().into_bytes();
        Some(format!("{guest}.{}", URL_SAFE_NO_PAD.encode(mac)))
    }

    /// Checks `token` for `room` in constant time and returns the guest id it names.
    pub fn verify<'t>(&self, room: &str, token: &'t str) -> Result<&'t str, InviteError> {
        let (guest, mac) = token.split_once('.').ok_or(InviteError::Malformed)?;
        if !valid_guest(guest) {
            return Err(InviteError::Malformed);
        }
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| InviteError::Malformed)?;
        self.mac(room, guest)
            .verify_slice(&mac)
            .map_err(|_| InviteError::BadSignature)?;
        Ok(guest)
    }

    fn mac(&self, room: &str, guest: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        for part in [CONTEXT, room.as_bytes(), guest.as_bytes()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

/// A guest id: 1–64 bytes of `[A-Za-z0-9_-]`.
pub fn valid_guest(guest: &str) -> bool {
    (1..=MAX_GUEST_BYTES).contains(&guest.len())
        && guest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_token_verifies_for_its_room_only() {
        let key = InviteKey::new(b"secret");
        let token = key.mint("movie-night", "amelie").unwrap();
        assert_eq!(key.verify("movie-night", &token), Ok("amelie"));
        assert_eq!(
            key.verify("other-room", &token),
            Err(InviteError::BadSignature)
        );
        assert_eq!(
            InviteKey::new(b"other secret").verify("movie-night", &token),
            Err(InviteError::BadSignature)
        );
    }

    #[test]
    fn tampered_or_malformed_tokens_are_refused() {
        let key = InviteKey::new(b"secret");
        let token = key.mint("r", "amelie").unwrap();
        let (_, mac) = token.split_once('.').unwrap();
        assert_eq!(
            key.verify("r", &format!("bob.{mac}")),
            Err(InviteError::BadSignature)
        );
        for bad in [
            "",
            "no-dot",
            ".abc",
            "a b.abc",
            "amelie.***",
            &"x".repeat(65),
        ] {
            assert_eq!(key.verify("r", bad), Err(InviteError::Malformed), "{bad:?}");
        }
        assert_eq!(key.mint("r", "bad guest"), None);
    }

    #[test]
    fn room_and_guest_boundaries_are_unambiguous() {
        let key = InviteKey::new(b"secret");
        // "ab" + "c" and "a" + "bc" must not share a MAC.
        let token = key.mint("ab", "c").unwrap();
        let mac = token.split_once('.').unwrap().1;
        assert_eq!(
            key.verify("a", &format!("bc.{mac}")),
            Err(InviteError::BadSignature)
        );
    }
}
