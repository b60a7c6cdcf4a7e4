//! Watch party: clock sync, group playback state and chat, as two sans-IO state machines.
//!
//! - [`Room`] is the authoritative room, run by the server: members, host, settings, the
//!   group state, chat moderation and clock-sync answers.
//! - [`Member`] is one viewer, run in the browser: clock sync with the room, the local view
//!   of the group state and the drift controller that keeps the player on the group position.
//!
//! Both speak the versioned JSON [`protocol`] (see `docs/PROTOCOL.md`). Time is always an
//! argument: the room's `now_ms` is the server clock every group time refers to; a member's
//! `now_ms` is its own monotonic clock (`performance.now()`), mapped to server time by
//! [`ClockSync`].

mod chat;
mod clock;
mod drift;
mod member;
pub mod protocol;
mod rate;
mod room;

pub use chat::{ChatConfig, ChatError, Moderation};
pub use clock::{ClockSync, SyncEstimate};
pub use drift::{DriftAction, DriftConfig, DriftController};
pub use member::{
    FrameSample, Member, MemberConfig, MemberOutput, MemberStats, PartyEvent, PlayerCommand,
    PlayerObservation,
};
pub use protocol::{
    AdminAction, ChatMessage, ClientMessage, ErrorCode, MemberInfo, ProtocolError, RoomSettings,
    ServerMessage,
};
pub use rate::TokenBucket;
pub use room::{JoinError, JoinRequest, Room, RoomConfig, RoomOutput};

/// Room-scoped member id, assigned by [`Room::handle_join`].
pub type MemberId = u64;

/// Phase of group playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Nothing started yet.
    #[default]
    Idle,
    /// Paused until every member is ready (after a seek or a stall).
    Waiting,
    /// Paused.
    Paused,
    /// Playing at rate 1.
    Playing,
}

/// The group's playback state, effective from server time `at`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupState {
    /// Phase from `at` on.
    pub phase: Phase,
    /// Media position in seconds at server time `at`.
    pub position: f64,
    /// Server time in ms from which the state holds.
    pub at: f64,
    /// In [`Phase::Waiting`]: play once everyone is ready.
    pub resume: bool,
}

impl GroupState {
    /// Media position in seconds at server time `server_ms` (clamped to `at` before it).
    pub fn position_at(&self, server_ms: f64) -> f64 {
        if self.phase == Phase::Playing && server_ms > self.at {
            self.position + (server_ms - self.at) / 1000.0
        } else {
            self.position
        }
    }
}
