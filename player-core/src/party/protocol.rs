//! Wire protocol of the watch party: versioned JSON messages, one per WebSocket text frame.
//!
//! Every message is an object `{"v":1,"type":"…",…}`; `docs/PROTOCOL.md` documents each one.
//! Parsing untrusted text checks the size first, then the version, then the shape, and returns
//! a typed [`ProtocolError`] — the server closes the connection with its [`close_reason`].
//!
//! [`close_reason`]: ProtocolError::close_reason

use super::{GroupState, MemberId, Phase};
use crate::json::{Fields, JsonError, ObjectWriter, Value, parse_object, read_object};

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
}

impl From<JsonError> for ProtocolError {
    fn from(e: JsonError) -> Self {
        Self::Malformed(e.to_string())
    }
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
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// First message on a connection: who joins, with a JWT or room invite token. Handled by
    /// the server shell (authentication), never by [`Room`](super::Room).
    Join {
        /// Display name.
        name: String,
        /// JWT or invite token.
        token: Option<String>,
    },
    /// Clock-sync request carrying the member's send time `t1` (its own clock, ms).
    TimeReq {
        /// Request id echoed in the answer.
        id: u32,
        /// Member clock at send, ms.
        t1: f64,
        /// The member's current round-trip estimate in ms, used for the action lead time.
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
        duration_s: Option<f64>,
        /// Reason shown to the target.
        reason: Option<String>,
    },
    /// Host: change room settings.
    Settings {
        /// Whether only the host may play, pause and seek.
        host_only_control: bool,
    },
}

/// Moderation actions of the host, named as in the live platform's `admin_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct MemberInfo {
    /// Room-scoped id.
    pub id: MemberId,
    /// Display name.
    pub name: String,
    /// Ready for the current group state.
    pub ready: bool,
    /// Chat muted.
    pub muted: bool,
}

/// Room settings the host can change.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RoomSettings {
    /// Only the host may play, pause and seek.
    pub host_only_control: bool,
}

/// A chat line as the room relays it.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
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
        duration_s: Option<f64>,
        /// Reason given by the host.
        reason: Option<String>,
    },
    /// Sent to a member just before a ban closes its connection.
    Banned {
        /// Reason given by the host.
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

/// Names on the wire of a unit-only enum, both ways.
macro_rules! wire_names {
    ($ty:ty { $($variant:ident = $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name on the wire.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            /// The value named `name` on the wire.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

wire_names!(AdminAction {
    MuteUser = "mute_user",
    UnmuteUser = "unmute_user",
    BanUser = "ban_user",
    MakeHost = "make_host",
});
wire_names!(ErrorCode {
    NotAllowed = "not_allowed",
    RateLimited = "rate_limited",
    Muted = "muted",
    InvalidText = "invalid_text",
    UnknownMember = "unknown_member",
    BadRequest = "bad_request",
});
wire_names!(Phase {
    Idle = "idle",
    Waiting = "waiting",
    Paused = "paused",
    Playing = "playing",
});

impl GroupState {
    fn read(f: Fields<'_>) -> Self {
        Self {
            phase: f.named("phase", Phase::from_name, Phase::Idle),
            position: f.f64("position"),
            at: f.f64("at"),
            resume: f.opt_bool("resume").unwrap_or(false),
        }
    }

    fn write(&self) -> String {
        let w = ObjectWriter::new()
            .str("phase", self.phase.name())
            .f64("position", self.position)
            .f64("at", self.at);
        if self.resume {
            w.bool("resume", true)
        } else {
            w
        }
        .finish()
    }
}

impl MemberInfo {
    fn read(f: Fields<'_>) -> Self {
        Self {
            id: f.u64("id"),
            name: f.str("name").to_owned(),
            ready: f.bool("ready"),
            muted: f.opt_bool("muted").unwrap_or(false),
        }
    }

    fn write(&self) -> String {
        ObjectWriter::new()
            .u64("id", self.id)
            .str("name", &self.name)
            .bool("ready", self.ready)
            .bool("muted", self.muted)
            .finish()
    }
}

impl RoomSettings {
    fn read(f: Fields<'_>) -> Self {
        Self {
            host_only_control: f.bool("host_only_control"),
        }
    }

    fn write(&self) -> String {
        ObjectWriter::new()
            .bool("host_only_control", self.host_only_control)
            .finish()
    }
}

impl ChatMessage {
    fn read(f: Fields<'_>) -> Self {
        Self {
            id: f.u64("id"),
            from: f.u64("from"),
            name: f.str("name").to_owned(),
            at: f.f64("at"),
            text: f.str("text").to_owned(),
        }
    }

    fn write(&self) -> String {
        ObjectWriter::new()
            .u64("id", self.id)
            .u64("from", self.from)
            .str("name", &self.name)
            .f64("at", self.at)
            .str("text", &self.text)
            .finish()
    }
}

fn members_json(members: &[MemberInfo]) -> String {
    crate::json::array(&mut members.iter().map(MemberInfo::write))
}

/// Checks the size, the JSON and the version of `text`, then reads the message of the `type`
/// (`read` answers `None` for a type it does not know).
fn decode<T>(
    text: &str,
    max: usize,
    read: fn(Fields<'_>) -> Option<T>,
) -> Result<T, ProtocolError> {
    if text.len() > max {
        return Err(ProtocolError::TooLarge {
            len: text.len(),
            max,
        });
    }
    let object = parse_object(text)?;
    read_object(&object, |f| match f.get("v") {
        Some(Value::Whole(v)) if *v == u64::from(PROTOCOL_VERSION) => Ok(()),
        Some(Value::Whole(v)) => Err(ProtocolError::Version(Some(*v))),
        Some(_) => Err(ProtocolError::Version(None)),
        None => Err(JsonError::Missing("v").into()),
    })??;
    read_object(&object, read)?.ok_or_else(|| {
        let kind = read_object(&object, |f| f.str("type").to_owned()).unwrap_or_default();
        ProtocolError::Malformed(format!("unknown message type `{kind}`"))
    })
}

/// Starts a message object: version and type.
fn message(kind: &str) -> ObjectWriter {
    ObjectWriter::new()
        .u64("v", u64::from(PROTOCOL_VERSION))
        .str("type", kind)
}

impl ClientMessage {
    /// Parses one untrusted text frame from a member.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        decode(text, MAX_CLIENT_MESSAGE_BYTES, Self::read)
    }

    fn read(f: Fields<'_>) -> Option<Self> {
        Some(match f.str("type") {
            "join" => Self::Join {
                name: f.str("name").to_owned(),
                token: f.opt_str("token").map(str::to_owned),
            },
            "time_req" => Self::TimeReq {
                id: f.u32("id"),
                t1: f.f64("t1"),
                rtt: f.opt_f64("rtt"),
            },
            "play" => Self::Play,
            "pause" => Self::Pause,
            "seek" => Self::Seek {
                position: f.f64("position"),
            },
            "status" => Self::Status {
                seq: f.u64("seq"),
                ready: f.bool("ready"),
            },
            "chat_message" => Self::ChatMessage {
                text: f.str("text").to_owned(),
            },
            "admin_action" => Self::AdminAction {
                action: f.named("action", AdminAction::from_name, AdminAction::MuteUser),
                target: f.u64("target"),
                duration_s: f.opt_f64("duration_s"),
                reason: f.opt_str("reason").map(str::to_owned),
            },
            "settings" => Self::Settings {
                host_only_control: f.bool("host_only_control"),
            },
            _ => return None,
        })
    }

    /// Encodes the message as a text frame.
    pub fn to_json(&self) -> String {
        match self {
            Self::Join { name, token } => message("join")
                .str("name", name)
                .opt_str("token", token.as_deref()),
            Self::TimeReq { id, t1, rtt } => message("time_req")
                .u64("id", u64::from(*id))
                .f64("t1", *t1)
                .opt_f64("rtt", *rtt),
            Self::Play => message("play"),
            Self::Pause => message("pause"),
            Self::Seek { position } => message("seek").f64("position", *position),
            Self::Status { seq, ready } => message("status").u64("seq", *seq).bool("ready", *ready),
            Self::ChatMessage { text } => message("chat_message").str("text", text),
            Self::AdminAction {
                action,
                target,
                duration_s,
                reason,
            } => message("admin_action")
                .str("action", action.name())
                .u64("target", *target)
                .opt_f64("duration_s", *duration_s)
                .opt_str("reason", reason.as_deref()),
            Self::Settings { host_only_control } => {
                message("settings").bool("host_only_control", *host_only_control)
            }
        }
        .finish()
    }
}

impl ServerMessage {
    /// Parses one text frame from the server.
    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        decode(text, MAX_SERVER_MESSAGE_BYTES, Self::read)
    }

    fn read(f: Fields<'_>) -> Option<Self> {
        Some(match f.str("type") {
            "welcome" => Self::Welcome {
                you: f.u64("you"),
                host: f.u64("host"),
                settings: RoomSettings::read(f.object("settings")),
                seq: f.u64("seq"),
                state: GroupState::read(f.object("state")),
                members: f.objects("members", MemberInfo::read),
            },
            "time_resp" => Self::TimeResp {
                id: f.u32("id"),
                t1: f.f64("t1"),
                t2: f.f64("t2"),
                t3: f.f64("t3"),
            },
            "members" => Self::Members {
                host: f.u64("host"),
                members: f.objects("members", MemberInfo::read),
            },
            "state" => Self::State {
                seq: f.u64("seq"),
                state: GroupState::read(f.object("state")),
                by: f.opt_u64("by"),
            },
            "chat_message" => Self::ChatMessage {
                message: ChatMessage::read(f.object("message")),
            },
            "settings" => Self::Settings {
                settings: RoomSettings::read(f.object("settings")),
            },
            "muted" => Self::Muted {
                duration_s: f.opt_f64("duration_s"),
                reason: f.opt_str("reason").map(str::to_owned),
            },
            "banned" => Self::Banned {
                reason: f.opt_str("reason").map(str::to_owned),
            },
            "error" => Self::Error {
                code: f.named("code", ErrorCode::from_name, ErrorCode::BadRequest),
                message: f.str("message").to_owned(),
            },
            _ => return None,
        })
    }

    /// Encodes the message as a text frame.
    pub fn to_json(&self) -> String {
        match self {
            Self::Welcome {
                you,
                host,
                settings,
                seq,
                state,
                members,
            } => message("welcome")
                .u64("you", *you)
                .u64("host", *host)
                .raw("settings", &settings.write())
                .u64("seq", *seq)
                .raw("state", &state.write())
                .raw("members", &members_json(members)),
            Self::TimeResp { id, t1, t2, t3 } => message("time_resp")
                .u64("id", u64::from(*id))
                .f64("t1", *t1)
                .f64("t2", *t2)
                .f64("t3", *t3),
            Self::Members { host, members } => message("members")
                .u64("host", *host)
                .raw("members", &members_json(members)),
            Self::State { seq, state, by } => {
                let w = message("state")
                    .u64("seq", *seq)
                    .raw("state", &state.write());
                match by {
                    Some(by) => w.u64("by", *by),
                    None => w,
                }
            }
            Self::ChatMessage { message: m } => message("chat_message").raw("message", &m.write()),
            Self::Settings { settings } => message("settings").raw("settings", &settings.write()),
            Self::Muted { duration_s, reason } => message("muted")
                .opt_f64("duration_s", *duration_s)
                .opt_str("reason", reason.as_deref()),
            Self::Banned { reason } => message("banned").opt_str("reason", reason.as_deref()),
            Self::Error { code, message: m } => {
                message("error").str("code", code.name()).str("message", m)
            }
        }
        .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::party::Phase;

    #[test]
    fn every_message_round_trips() {
        let state = GroupState {
            phase: Phase::Waiting,
            position: 12.25,
            at: 9e5,
            resume: true,
        };
        let members = vec![
            MemberInfo {
                id: 1,
                name: "Hôte \"1\"".into(),
                ready: true,
                muted: false,
            },
            MemberInfo {
                id: 7,
                name: "Amélie".into(),
                ready: false,
                muted: true,
            },
        ];
        let settings = RoomSettings {
            host_only_control: true,
        };
        let client = [
            ClientMessage::Join {
                name: "a\nb".into(),
                token: Some("t".into()),
            },
            ClientMessage::Join {
                name: "x".into(),
                token: None,
            },
            ClientMessage::TimeReq {
                id: u32::MAX,
                t1: 0.5,
                rtt: None,
            },
            ClientMessage::Pause,
            ClientMessage::Status {
                seq: u64::MAX,
                ready: false,
            },
            ClientMessage::ChatMessage {
                text: "hi 👋".into(),
            },
            ClientMessage::AdminAction {
                action: AdminAction::BanUser,
                target: 2,
                duration_s: None,
                reason: Some("spam".into()),
            },
            ClientMessage::AdminAction {
                action: AdminAction::UnmuteUser,
                target: 2,
                duration_s: None,
                reason: None,
            },
            ClientMessage::AdminAction {
                action: AdminAction::MakeHost,
                target: 3,
                duration_s: Some(1.5),
                reason: None,
            },
            ClientMessage::Settings {
                host_only_control: true,
            },
        ];
        for msg in client {
            assert_eq!(ClientMessage::from_json(&msg.to_json()), Ok(msg));
        }
        let server = [
            ServerMessage::Welcome {
                you: 7,
                host: 1,
                settings,
                seq: 12,
                state,
                members: members.clone(),
            },
            ServerMessage::TimeResp {
                id: 41,
                t1: 18234.7,
                t2: 905001.3,
                t3: 905001.4,
            },
            ServerMessage::Members { host: 7, members },
            ServerMessage::State {
                seq: 13,
                state: GroupState::default(),
                by: None,
            },
            ServerMessage::ChatMessage {
                message: ChatMessage {
                    id: 3,
                    from: 7,
                    name: "Amélie".into(),
                    at: 1.0,
                    text: "</script>".into(),
                },
            },
            ServerMessage::Settings { settings },
            ServerMessage::Muted {
                duration_s: Some(60.0),
                reason: Some("calm down".into()),
            },
            ServerMessage::Muted {
                duration_s: None,
                reason: None,
            },
            ServerMessage::Banned { reason: None },
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
            },
        ];
        for msg in server {
            assert_eq!(ServerMessage::from_json(&msg.to_json()), Ok(msg));
        }
        for code in [
            ErrorCode::NotAllowed,
            ErrorCode::RateLimited,
            ErrorCode::Muted,
            ErrorCode::InvalidText,
            ErrorCode::UnknownMember,
            ErrorCode::BadRequest,
        ] {
            assert_eq!(ErrorCode::from_name(code.name()), Some(code));
        }
        assert_eq!(
            ServerMessage::Banned { reason: None }.to_json(),
            r#"{"v":1,"type":"banned"}"#
        );
        assert_eq!(
            ServerMessage::from_json(r#"{"v":1,"type":"error","code":"on_fire","message":""}"#),
            Err(ProtocolError::Malformed(
                "field `code`: expected a known name".into()
            ))
        );
    }

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
            let text = msg.to_json();
            assert!(text.starts_with("{\"v\":1,\"type\":"), "{text}");
            assert_eq!(ClientMessage::from_json(&text).unwrap(), msg);
        }
        assert_eq!(ClientMessage::Play.to_json(), r#"{"v":1,"type":"play"}"#);
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
        let text = msg.to_json();
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
        let text = msg.to_json();
        assert!(ClientMessage::from_json(&text).is_err());
    }
}
