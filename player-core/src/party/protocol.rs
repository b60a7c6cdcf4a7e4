//! Wire protocol of the watch party: versioned JSON messages, one per WebSocket text frame.
//!
//! Every message is an object `{"v":1,"type":"…",…}`; `docs/PROTOCOL.md` documents each one.
//! Parsing untrusted text checks the size first, then the version, then the shape, and returns
//! a typed [`ProtocolError`] — the server closes the connection with its [`close_reason`].
//!
//! [`close_reason`]: ProtocolError::close_reason

use serde::{Deserialize, Serialize};

use super::{GroupState, MemberId};

/// Version carried in the `v` field of every message.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest client message accepted, in bytes (chat text is far smaller).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 4 * 1024;
/// Largest server message accepted by a member, in bytes (member lists make it the larger).
pub const MAX_SERVER_MESSAGE_BYTES: usize = 256 * 1024;

/// Why a message could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// The text is larger than the limit for its direction.
    #[error("message is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Size of the text in bytes.
        len: usize,
        /// The limit it broke.
        max: usize,
    },
    /// The `v` field names a version this build does not speak.
    #[error("unsupported protocol version {} (this build speaks {PROTOCOL_VERSION})", describe_version(.0))]
    Version(Option<u64>),
    /// Not JSON, or not one of the known messages.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A message could not be encoded (a number that JSON cannot carry).
    #[error("cannot encode message: {0}")]
    Encode(String),
}

fn describe_version(v: &Option<u64>) -> String {
    v.map_or_else(
        || "that is not a whole number".to_owned(),
        |v| v.to_string(),
    )
}

impl ProtocolError {
    /// Short reason for a WebSocket close frame (at most 123 bytes, as RFC 6455 allows).
    pub fn close_reason(&self) -> String {
        let mut reason = self.to_string();
        if reason.len() > 123 {
            let mut cut = 120;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
            reason.push_str("...");
        }
        reason
    }
}

/// A member's message to the room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First message on a connection: who joins, with a JWT or room invite token. Handled by
    /// the server shell (authentication), never by [`Room`](super::Room).
    Join {
        /// Display name.
        name: String,
        /// JWT or invite token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// Clock-sync request carrying the member's send time `t1` (its own clock, ms).
    TimeReq {
        /// Request id echoed in the answer.
        id: u32,
        /// Member clock at send, ms.
        t1: f64,
        /// The member's current round-trip estimate in ms, used for the action lead time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rtt: Option<f64>,
    },
    /// Intent: start group playback.
    Play,
    /// Intent: pause group playback.
    Pause,
    /// Intent: move the group to `position` seconds.
    Seek {
        /// Media position in seconds.
        position: f64,
    },
    /// The member's readiness for group state `seq`: positioned and not buffering.
    Status {
        /// Sequence number of the group state the report is about.
        seq: u64,
        /// `false` when the member's player stalls.
        ready: bool,
    },
    /// A chat line.
    ChatMessage {
        /// The text, at most [`ChatConfig::max_chars`](super::ChatConfig) characters.
        text: String,
    },
    /// Host moderation.
    AdminAction {
        /// What to do.
        action: AdminAction,
        /// The member it applies to.
        target: MemberId,
        /// Mute length in seconds; absent for a mute until lifted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
        /// Reason shown to the target.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Host: change room settings.
    Settings {
        /// Whether only the host may play, pause and seek.
        host_only_control: bool,
    },
}

/// Moderation actions of the host, named as in the live platform's `admin_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminAction {
    /// Silence the target's chat, for `duration_s` or until lifted.
    MuteUser,
    /// Lift a mute.
    UnmuteUser,
    /// Remove the target and refuse its identity from now on.
    BanUser,
    /// Hand the host role to the target.
    MakeHost,
}

/// One member as listed to everyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// Room-scoped id.
    pub id: MemberId,
    /// Display name.
    pub name: String,
    /// Ready for the current group state.
    pub ready: bool,
    /// Chat muted.
    #[serde(default)]
    pub muted: bool,
}

/// Room settings the host can change.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RoomSettings {
    /// Only the host may play, pause and seek.
    pub host_only_control: bool,
}

/// A chat line as the room relays it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Room-scoped message id.
    pub id: u64,
    /// Sender.
    pub from: MemberId,
    /// Sender's display name.
    pub name: String,
    /// Server time of receipt, ms.
    pub at: f64,
    /// The text.
    pub text: String,
}

/// Why a request was refused, sent in [`ServerMessage::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The room setting or the member's role forbids it.
    NotAllowed,
    /// Chat sent faster than the per-member limit.
    RateLimited,
    /// The sender is muted.
    Muted,
    /// Chat text empty, too long or with control characters.
    InvalidText,
    /// The target member is not in the room.
    UnknownMember,
    /// A value out of range or a message out of place.
    BadRequest,
}

/// The room's message to a member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message after joining: everything a member needs.
    Welcome {
        /// The member's own id.
        you: MemberId,
        /// Current host.
        host: MemberId,
        /// Room settings.
        settings: RoomSettings,
        /// Sequence number of `state`.
        seq: u64,
        /// Current group state.
        state: GroupState,
        /// Everyone in the room, the new member included.
        members: Vec<MemberInfo>,
    },
    /// Answer to [`ClientMessage::TimeReq`]: server clock at receive (`t2`) and send (`t3`).
    TimeResp {
        /// Request id.
        id: u32,
        /// Member clock at request send, echoed.
        t1: f64,
        /// Server clock at request receive, ms.
        t2: f64,
        /// Server clock at answer send, ms.
        t3: f64,
    },
    /// The member list changed.
    Members {
        /// Current host.
        host: MemberId,
        /// Everyone in the room.
        members: Vec<MemberInfo>,
    },
    /// New group state, effective at server time `state.at`.
    State {
        /// Increases with every change.
        seq: u64,
        /// The state.
        state: GroupState,
        /// Member whose intent caused it, absent for room decisions (stall, timeout).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
    },
    /// A chat line.
    ChatMessage {
        /// The line.
        message: ChatMessage,
    },
    /// Settings changed.
    Settings {
        /// The new settings.
        settings: RoomSettings,
    },
    /// Sent to a member who was muted.
    Muted {
        /// Seconds, absent when until lifted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
        /// Reason given by the host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Sent to a member just before a ban closes its connection.
    Banned {
        /// Reason given by the host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A request was refused.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable detail.
        message: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    #[serde(flatten)]
    msg: T,
}

#[derive(Deserialize)]
struct VersionProbe {
    v: Option<serde_json::Value>,
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str, max: usize) -> Result<T, ProtocolError> {
    if text.len() > max {
        return Err(ProtocolError::TooLarge {
            len: text.len(),
            max,
        });
    }
    match serde_json::from_str::<Envelope<T>>(text) {
        Ok(env) if env.v == PROTOCOL_VERSION => Ok(env.msg),
        Ok(env) => Err(ProtocolError::Version(Some(u64::from(env.v)))),
        Err(err) => match serde_json::from_str::<VersionProbe>(text) {
            Ok(VersionProbe { v: Some(v) }) if v.as_u64() != Some(u64::from(PROTOCOL_VERSION)) => {
                Err(ProtocolError::Version(v.as_u64()))
            }
            _ => Err(ProtocolError::Malformed(err.to_string())),
        },
    }
}

fn encode<T: Serialize>(msg: &T) -> Result<String, ProtocolError> {
    serde_json::to_string(&Envelope {
        v: PROTOCOL_VERSION,
        msg,
    })
    .map_err(|e| ProtocolError::Encode(e.to_string()))
}

impl ClientMessage {
    /// Parses one untrusted text frame from a member.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        decode(text, MAX_CLIENT_MESSAGE_BYTES)
    }

    /// Encodes the message as a text frame.
    pub fn to_json(&self) -> Result<String, ProtocolError> {
        encode(self)
    }
}

impl ServerMessage {
    /// Parses one text frame from the server.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        decode(text, MAX_SERVER_MESSAGE_BYTES)
    }

    /// Encodes the message as a text frame.
    pub fn to_json(&self) -> Result<String, ProtocolError> {
        encode(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::party::Phase;

    #[test]
    fn client_messages_round_trip_with_version() {
        let msgs = [
            ClientMessage::Play,
            ClientMessage::Seek { position: 12.5 },
            ClientMessage::TimeReq {
                id: 7,
                t1: 1234.5,
                rtt: Some(80.0),
            },
            ClientMessage::AdminAction {
                action: AdminAction::MuteUser,
                target: 3,
                duration_s: Some(60.0),
                reason: None,
            },
        ];
        for msg in msgs {
            let text = msg.to_json().unwrap();
            assert!(text.starts_with("{\"v\":1,\"type\":"), "{text}");
            assert_eq!(ClientMessage::from_json(&text).unwrap(), msg);
        }
        assert_eq!(
            ClientMessage::Play.to_json().unwrap(),
            r#"{"v":1,"type":"play"}"#
        );
    }

    #[test]
    fn server_state_has_documented_shape() {
        let msg = ServerMessage::State {
            seq: 4,
            state: GroupState {
                phase: Phase::Playing,
                position: 10.0,
                at: 5000.0,
                resume: false,
            },
            by: Some(1),
        };
        let text = msg.to_json().unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"type":"state","seq":4,"state":{"phase":"playing","position":10.0,"at":5000.0},"by":1}"#
        );
        assert_eq!(ServerMessage::from_json(&text).unwrap(), msg);
    }

    #[test]
    fn integers_are_accepted_for_seconds() {
        let msg = ClientMessage::from_json(r#"{"v":1,"type":"seek","position":42}"#).unwrap();
        assert_eq!(msg, ClientMessage::Seek { position: 42.0 });
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let big = format!(
            r#"{{"v":1,"type":"chat_message","text":"{}"}}"#,
            "a".repeat(5000)
        );
        assert!(matches!(
            ClientMessage::from_json(&big),
            Err(ProtocolError::TooLarge {
                max: MAX_CLIENT_MESSAGE_BYTES,
                ..
            })
        ));
        assert_eq!(
            ClientMessage::from_json(r#"{"v":2,"type":"play"}"#),
            Err(ProtocolError::Version(Some(2)))
        );
        assert_eq!(
            ClientMessage::from_json(r#"{"v":"x","type":"play"}"#),
            Err(ProtocolError::Version(None))
        );
        assert_eq!(
            ProtocolError::Version(Some(2)).close_reason(),
            "unsupported protocol version 2 (this build speaks 1)"
        );
        for bad in [
            "",
            "null",
            "[1,2]",
            r#"{"type":"play"}"#,
            r#"{"v":1}"#,
            r#"{"v":1,"type":"launch_missiles"}"#,
            r#"{"v":1,"type":"seek","position":"10"}"#,
            r#"{"v":1,"type":"seek","position":1e999}"#,
            r#"{"v":1,"type":"status","seq":-1,"ready":true}"#,
            "{\"v\":1,\"type\":\"chat_message\",\"text\":\"\\ud800\"}",
            &"[".repeat(3000),
        ] {
            match ClientMessage::from_json(bad) {
                Err(ProtocolError::Malformed(reason)) => assert!(!reason.is_empty()),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn close_reason_fits_a_close_frame() {
        let err = ProtocolError::Malformed("é".repeat(200));
        let reason = err.close_reason();
        assert!(reason.len() <= 123);
        assert!(reason.ends_with("..."));
    }

    #[test]
    fn nan_encodes_as_null_and_is_refused() {
        let msg = ClientMessage::Seek { position: f64::NAN };
        let text = msg.to_json().unwrap_or_default();
        assert!(ClientMessage::from_json(&text).is_err());
    }
}
