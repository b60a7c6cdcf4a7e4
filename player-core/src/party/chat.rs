//! Chat rules: text validation, and the host's moderation (mutes with expiry, bans), keyed by
//! the stable identity the server authenticated, so leaving and re-joining does not lift them.

use std::collections::{HashMap, HashSet};

use super::protocol::ErrorCode;

/// Chat limits of a room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChatConfig {
    /// Longest line in characters.
    pub max_chars: usize,
    /// Lines a member may send at once.
    pub burst: f64,
    /// Lines per second regained after the burst.
    pub per_second: f64,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            max_chars: 500,
            burst: 5.0,
            per_second: 0.5,
        }
    }
}

/// Why a chat line was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    /// Nothing but whitespace.
    #[error("chat text is empty")]
    Empty,
    /// Over [`ChatConfig::max_chars`].
    #[error("chat text is {chars} characters, more than the limit of {max}")]
    TooLong {
        /// Characters in the line.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A control character (other than none) in the line.
    #[error("chat text contains control character U+{0:04X}")]
    ControlCharacter(u32),
    /// Sent faster than the rate limit.
    #[error("chat rate limit exceeded")]
    RateLimited,
    /// The sender is muted; `until` is the server time the mute ends, if it ends.
    #[error("muted")]
    Muted {
        /// Server time in ms, absent when until lifted.
        until: Option<f64>,
    },
}

impl ChatError {
    /// The protocol error code for the sender.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty | Self::TooLong { .. } | Self::ControlCharacter(_) => {
                ErrorCode::InvalidText
            }
            Self::RateLimited => ErrorCode::RateLimited,
            Self::Muted { .. } => ErrorCode::Muted,
        }
    }
}

/// Validates a chat line and returns it trimmed.
pub fn validate_text(text: &str, config: &ChatConfig) -> Result<String, ChatError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ChatError::Empty);
    }
    let chars = text.chars().count();
    if chars > config.max_chars {
        return Err(ChatError::TooLong {
            chars,
            max: config.max_chars,
        });
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(ChatError::ControlCharacter(u32::from(c)));
    }
    Ok(text.to_owned())
}

/// Mutes and bans of one room.
#[derive(Debug, Clone, Default)]
pub struct Moderation {
    /// Identity → server time the mute ends (`None`: until lifted).
    mutes: HashMap<String, Option<f64>>,
    bans: HashSet<String>,
}

impl Moderation {
    /// Mutes `identity` from `now_ms` for `duration_ms`, or until lifted.
    pub fn mute(&mut self, identity: &str, now_ms: f64, duration_ms: Option<f64>) {
        self.mutes
            .insert(identity.to_owned(), duration_ms.map(|d| now_ms + d));
    }

    /// Lifts a mute.
    pub fn unmute(&mut self, identity: &str) {
        self.mutes.remove(identity);
    }

    /// The mute on `identity` at `now_ms`, if any: `Some(until)`; expired mutes are dropped.
    pub fn muted(&mut self, identity: &str, now_ms: f64) -> Option<Option<f64>> {
        match self.mutes.get(identity) {
            Some(Some(until)) if *until <= now_ms => {
                self.mutes.remove(identity);
                None
            }
            Some(until) => Some(*until),
            None => None,
        }
    }

    /// Bans `identity` for the life of the room.
    pub fn ban(&mut self, identity: &str) {
        self.bans.insert(identity.to_owned());
    }

    /// Whether `identity` is banned.
    pub fn is_banned(&self, identity: &str) -> bool {
        self.bans.contains(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let c = ChatConfig {
            max_chars: 5,
            ..ChatConfig::default()
        };
        assert_eq!(validate_text("  héllo ", &c), Ok("héllo".to_owned()));
        assert_eq!(validate_text(" \n ", &c), Err(ChatError::Empty));
        assert_eq!(
            validate_text("héllo!", &c),
            Err(ChatError::TooLong { chars: 6, max: 5 })
        );
        assert_eq!(
            validate_text("a\u{7}b", &c),
            Err(ChatError::ControlCharacter(7))
        );
        assert_eq!(ChatError::RateLimited.code(), ErrorCode::RateLimited);
    }

    #[test]
    fn mutes_expire_and_bans_stay() {
        let mut m = Moderation::default();
        m.mute("alice", 1000.0, Some(5000.0));
        assert_eq!(m.muted("alice", 5999.0), Some(Some(6000.0)));
        assert_eq!(m.muted("alice", 6000.0), None);
        m.mute("bob", 0.0, None);
        assert_eq!(m.muted("bob", 1e12), Some(None));
        m.unmute("bob");
        assert_eq!(m.muted("bob", 0.0), None);
        m.ban("eve");
        assert!(m.is_banned("eve"));
        assert!(!m.is_banned("bob"));
    }
}
