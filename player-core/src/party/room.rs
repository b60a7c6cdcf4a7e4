//! The authoritative room: members, host, settings, group state, chat and clock-sync answers.
//!
//! The server shell authenticates a connection (JWT or invite token), calls
//! [`Room::handle_join`] with the identity it vouches for, then feeds every text frame to
//! [`Room::handle_text`] with the time it was received. It sends what
//! [`Room::poll_output`] returns and calls [`Room::handle_timeout`] at
//! [`Room::poll_timeout`]. A clock-sync answer is stamped `t2` = the `now_ms` of the
//! `handle_*` call that received the request and `t3` = the `now_ms` of the `poll_output`
//! call that returns it, so the shell should poll right before writing to the socket.
//!
//! Play, pause and seek take effect at server time `now + lead`, where lead =
//! max(2 × the highest member RTT, [`RoomConfig::min_lead_ms`]), so the state reaches every
//! member before it applies.

use std::collections::VecDeque;

use super::chat::{ChatConfig, ChatError, Moderation, validate_text};
use super::protocol::{
    AdminAction, ChatMessage, ClientMessage, ErrorCode, MemberInfo, ProtocolError, RoomSettings,
    ServerMessage,
};
use super::rate::TokenBucket;
use super::{GroupState, MemberId, Phase};

/// Limits and timings of a room.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomConfig {
    /// Most members at once.
    pub capacity: usize,
    /// Least lead time of an action, ms.
    pub min_lead_ms: f64,
    /// RTTs reported by members are clamped to this, ms (bounds the lead time).
    pub max_rtt_ms: f64,
    /// A member stalled this long during playback makes the group wait, ms.
    pub stall_ms: f64,
    /// The group stops waiting for members not ready after this long, ms.
    pub ready_timeout_ms: f64,
    /// A member silent this long is closed, ms (members sync the clock every 2 s).
    pub idle_timeout_ms: f64,
    /// Longest display name in characters.
    pub max_name_chars: usize,
    /// Messages of any kind a member may send at once.
    pub message_burst: f64,
    /// Messages per second regained after the burst.
    pub messages_per_second: f64,
    /// Chat limits.
    pub chat: ChatConfig,
    /// Initial settings.
    pub settings: RoomSettings,
}

impl Default for RoomConfig {
    fn default() -> Self {
        Self {
            capacity: 16,
            min_lead_ms: 300.0,
            max_rtt_ms: 1000.0,
            stall_ms: 1000.0,
            ready_timeout_ms: 20_000.0,
            idle_timeout_ms: 30_000.0,
            max_name_chars: 32,
            message_burst: 40.0,
            messages_per_second: 20.0,
            chat: ChatConfig::default(),
            settings: RoomSettings::default(),
        }
    }
}

/// A connection the shell has authenticated.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinRequest {
    /// Display name asked for.
    pub name: String,
    /// Stable identity the shell vouches for (JWT subject, invite-token guest id): the key
    /// of bans and mutes.
    pub identity: String,
}

/// Why a join was refused; the shell closes the connection with this reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JoinError {
    /// The room is at capacity.
    #[error("room is full ({0} members)")]
    Full(usize),
    /// The identity was banned from this room.
    #[error("banned from this room")]
    Banned,
    /// The display name is empty, too long or has control characters.
    #[error("invalid display name")]
    InvalidName,
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq)]
pub enum RoomOutput {
    /// Send `message` to one member.
    Send {
        /// Recipient.
        to: MemberId,
        /// The message.
        message: ServerMessage,
    },
    /// Send `message` to every member.
    Broadcast {
        /// The message.
        message: ServerMessage,
    },
    /// Close the member's connection with `reason`; the member has left the room.
    Close {
        /// The member.
        member: MemberId,
        /// Reason for the close frame.
        reason: String,
    },
}

#[derive(Debug)]
enum Pending {
    Out(RoomOutput),
    TimeResp {
        to: MemberId,
        id: u32,
        t1: f64,
        t2: f64,
    },
}

#[derive(Debug)]
struct Entry {
    id: MemberId,
    name: String,
    identity: String,
    rtt_ms: f64,
    ready: bool,
    stalled_since: Option<f64>,
    last_seen: f64,
    messages: TokenBucket,
    chat: TokenBucket,
}

/// One watch-party room.
#[derive(Debug)]
pub struct Room {
    config: RoomConfig,
    settings: RoomSettings,
    members: Vec<Entry>,
    host: Option<MemberId>,
    next_member: MemberId,
    next_chat: u64,
    seq: u64,
    state: GroupState,
    /// Seq from which readiness reports count (the last position change).
    ready_epoch: u64,
    waiting_since: f64,
    /// When a Waiting state takes effect, to check readiness reported before it.
    recheck_at: Option<f64>,
    moderation: Moderation,
    out: VecDeque<Pending>,
}

/// RTT assumed for a member that has not reported one, ms.
const DEFAULT_RTT_MS: f64 = 150.0;
/// Largest position accepted in a seek, seconds (a year).
const MAX_POSITION_S: f64 = 366.0 * 86_400.0;

impl Room {
    /// An empty room in [`Phase::Idle`].
    pub fn new(config: RoomConfig) -> Self {
        Self {
            settings: config.settings,
            config,
            members: Vec::new(),
            host: None,
            next_member: 1,
            next_chat: 1,
            seq: 0,
            state: GroupState::default(),
            ready_epoch: 0,
            waiting_since: 0.0,
            recheck_at: None,
            moderation: Moderation::default(),
            out: VecDeque::new(),
        }
    }

    /// No members: the shell may drop the room.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Members in join order.
    pub fn member_ids(&self) -> Vec<MemberId> {
        self.members.iter().map(|m| m.id).collect()
    }

    /// The host, if anyone is in the room.
    pub fn host(&self) -> Option<MemberId> {
        self.host
    }

    /// The group state and its sequence number.
    pub fn state(&self) -> (u64, GroupState) {
        (self.seq, self.state)
    }

    /// The room settings.
    pub fn settings(&self) -> RoomSettings {
        self.settings
    }

    /// Adds an authenticated member; the first one is host.
    pub fn handle_join(&mut self, now_ms: f64, req: JoinRequest) -> Result<MemberId, JoinError> {
        if self.moderation.is_banned(&req.identity) {
            return Err(JoinError::Banned);
        }
        if self.members.len() >= self.config.capacity {
            return Err(JoinError::Full(self.config.capacity));
        }
        let name = req.name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > self.config.max_name_chars || name.chars().any(char::is_control) {
            return Err(JoinError::InvalidName);
        }
        let id = self.next_member;
        self.next_member += 1;
        self.members.push(Entry {
            id,
            name: name.to_owned(),
            identity: req.identity,
            rtt_ms: DEFAULT_RTT_MS,
            ready: false,
            stalled_since: None,
            last_seen: now_ms,
            messages: TokenBucket::new(
                now_ms,
                self.config.message_burst,
                self.config.messages_per_second,
            ),
            chat: TokenBucket::new(now_ms, self.config.chat.burst, self.config.chat.per_second),
        });
        let host = *self.host.get_or_insert(id);
        let members = self.member_infos(now_ms);
        self.send(
            id,
            ServerMessage::Welcome {
                you: id,
                host,
                settings: self.settings,
                seq: self.seq,
                state: self.state,
                members,
            },
        );
        self.broadcast_members(now_ms);
        Ok(id)
    }

    /// A member's connection ended.
    pub fn handle_leave(&mut self, now_ms: f64, member: MemberId) {
        let Some(idx) = self.members.iter().position(|m| m.id == member) else {
            return;
        };
        self.members.remove(idx);
        if self.host == Some(member) {
            self.host = self.members.first().map(|m| m.id);
        }
        if !self.members.is_empty() {
            self.broadcast_members(now_ms);
            self.check_all_ready(now_ms);
        }
    }

    /// One untrusted text frame from `member`, received at `now_ms`. A malformed message
    /// closes that member's connection (a [`RoomOutput::Close`]) and leaves the room as it was.
    pub fn handle_text(
        &mut self,
        now_ms: f64,
        member: MemberId,
        text: &str,
    ) -> Result<(), ProtocolError> {
        match ClientMessage::from_json(text) {
            Ok(msg) => {
                self.handle_message(now_ms, member, msg);
                Ok(())
            }
            Err(err) => {
                self.close(now_ms, member, err.close_reason());
                Err(err)
            }
        }
    }

    /// One parsed message from `member`, received at `now_ms`.
    pub fn handle_message(&mut self, now_ms: f64, member: MemberId, msg: ClientMessage) {
        let Some(entry) = self.members.iter_mut().find(|m| m.id == member) else {
            return;
        };
        entry.last_seen = now_ms;
        if !entry.messages.try_take(now_ms) {
            self.close(now_ms, member, "message rate limit exceeded".to_owned());
            return;
        }
        match msg {
            ClientMessage::Join { .. } => {
                self.refuse(member, ErrorCode::BadRequest, "already joined")
            }
            ClientMessage::TimeReq { id, t1, rtt } => {
                if let Some(rtt) = rtt.filter(|r| r.is_finite()) {
                    entry.rtt_ms = rtt.clamp(0.0, self.config.max_rtt_ms);
                }
                self.out.push_back(Pending::TimeResp {
                    to: member,
                    id,
                    t1,
                    t2: now_ms,
                });
            }
            ClientMessage::Play => {
                if self.may_control(member) {
                    self.play(now_ms, member);
                }
            }
            ClientMessage::Pause => {
                if self.may_control(member) {
                    self.pause(now_ms, member);
                }
            }
            ClientMessage::Seek { position } => {
                if !position.is_finite() || !(0.0..=MAX_POSITION_S).contains(&position) {
                    self.refuse(member, ErrorCode::BadRequest, "seek position out of range");
                } else if self.may_control(member) {
                    self.seek(now_ms, member, position);
                }
            }
            ClientMessage::Status { seq, ready } => self.status(now_ms, member, seq, ready),
            ClientMessage::ChatMessage { text } => self.chat(now_ms, member, &text),
            ClientMessage::AdminAction {
                action,
                target,
                duration_s,
                reason,
            } => self.admin(now_ms, member, action, target, duration_s, reason),
            ClientMessage::Settings { host_only_control } => {
                if self.host != Some(member) {
                    self.refuse(
                        member,
                        ErrorCode::NotAllowed,
                        "only the host changes settings",
                    );
                } else {
                    self.settings.host_only_control = host_only_control;
                    self.broadcast(ServerMessage::Settings {
                        settings: self.settings,
                    });
                }
            }
        }
    }

    /// The next thing for the shell to do; clock-sync answers are stamped `t3 = now_ms`.
    pub fn poll_output(&mut self, now_ms: f64) -> Option<RoomOutput> {
        Some(match self.out.pop_front()? {
            Pending::Out(out) => out,
            Pending::TimeResp { to, id, t1, t2 } => RoomOutput::Send {
                to,
                message: ServerMessage::TimeResp {
                    id,
                    t1,
                    t2,
                    t3: now_ms.max(t2),
                },
            },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<f64> {
        let idle = self
            .members
            .iter()
            .map(|m| m.last_seen + self.config.idle_timeout_ms);
        let stall = self
            .members
            .iter()
            .filter_map(|m| m.stalled_since)
            .filter(|_| self.state.phase == Phase::Playing)
            .map(|s| s + self.config.stall_ms);
        let waiting = (self.state.phase == Phase::Waiting)
            .then_some(self.waiting_since + self.config.ready_timeout_ms);
        idle.chain(stall)
            .chain(waiting)
            .chain(self.recheck_at)
            .min_by(f64::total_cmp)
    }

    /// Acts on stalls, waiting timeouts and silent members.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        let silent: Vec<MemberId> = self
            .members
            .iter()
            .filter(|m| now_ms - m.last_seen >= self.config.idle_timeout_ms)
            .map(|m| m.id)
            .collect();
        for id in silent {
            self.close(now_ms, id, "timeout".to_owned());
        }
        if self.state.phase == Phase::Playing
            && self.members.iter().any(|m| {
                m.stalled_since
                    .is_some_and(|s| now_ms - s >= self.config.stall_ms)
            })
        {
            let at = now_ms + self.lead_ms();
            let position = self.state.position_at(at);
            self.enter_waiting(now_ms, at, position, true, None);
        }
        if self.state.phase == Phase::Waiting
            && now_ms - self.waiting_since >= self.config.ready_timeout_ms
        {
            for m in &mut self.members {
                m.ready = true;
            }
        }
        if self.recheck_at.is_some_and(|t| now_ms >= t) {
            self.recheck_at = None;
        }
        self.check_all_ready(now_ms);
    }

    fn lead_ms(&self) -> f64 {
        let rtt = self.members.iter().map(|m| m.rtt_ms).fold(0.0, f64::max);
        (2.0 * rtt).max(self.config.min_lead_ms)
    }

    fn may_control(&mut self, member: MemberId) -> bool {
        if self.settings.host_only_control && self.host != Some(member) {
            self.refuse(
                member,
                ErrorCode::NotAllowed,
                "only the host controls playback",
            );
            return false;
        }
        true
    }

    fn play(&mut self, now_ms: f64, by: MemberId) {
        match self.state.phase {
            Phase::Playing => {}
            Phase::Waiting => {
                if !self.state.resume {
                    self.state.resume = true;
                    self.publish(Some(by));
                }
            }
            Phase::Idle | Phase::Paused => {
                let position = self.state.position;
                if self.members.iter().all(|m| m.ready) {
                    let at = now_ms + self.lead_ms();
                    self.set_state(
                        GroupState {
                            phase: Phase::Playing,
                            position,
                            at,
                            resume: false,
                        },
                        Some(by),
                    );
                } else {
                    self.enter_waiting(now_ms, now_ms, position, true, Some(by));
                }
            }
        }
    }

    fn pause(&mut self, now_ms: f64, by: MemberId) {
        match self.state.phase {
            Phase::Playing => {
                let at = now_ms + self.lead_ms();
                let position = self.state.position_at(at);
                self.set_state(
                    GroupState {
                        phase: Phase::Paused,
                        position,
                        at,
                        resume: false,
                    },
                    Some(by),
                );
            }
            Phase::Waiting => {
                if self.state.resume {
                    self.state.resume = false;
                    self.publish(Some(by));
                }
            }
            Phase::Idle | Phase::Paused => {}
        }
    }

    fn seek(&mut self, now_ms: f64, by: MemberId, position: f64) {
        let resume = match self.state.phase {
            Phase::Playing => true,
            Phase::Waiting => self.state.resume,
            Phase::Idle | Phase::Paused => false,
        };
        let at = now_ms + self.lead_ms();
        self.enter_waiting(now_ms, at, position, resume, Some(by));
    }

    fn enter_waiting(
        &mut self,
        now_ms: f64,
        at: f64,
        position: f64,
        resume: bool,
        by: Option<MemberId>,
    ) {
        for m in &mut self.members {
            m.ready = false;
            m.stalled_since = None;
        }
        self.waiting_since = now_ms;
        self.recheck_at = Some(at);
        self.set_state(
            GroupState {
                phase: Phase::Waiting,
                position,
                at,
                resume,
            },
            by,
        );
        self.ready_epoch = self.seq;
    }

    fn status(&mut self, now_ms: f64, member: MemberId, seq: u64, ready: bool) {
        if seq < self.ready_epoch || seq > self.seq {
            return;
        }
        let playing = self.state.phase == Phase::Playing;
        let Some(entry) = self.members.iter_mut().find(|m| m.id == member) else {
            return;
        };
        if ready {
            entry.stalled_since = None;
        } else if entry.ready && playing {
            entry.stalled_since = Some(now_ms);
        }
        if entry.ready != ready {
            entry.ready = ready;
            self.broadcast_members(now_ms);
        }
        self.check_all_ready(now_ms);
    }

    fn check_all_ready(&mut self, now_ms: f64) {
        if self.state.phase != Phase::Waiting
            || now_ms < self.state.at
            || !self.members.iter().all(|m| m.ready)
        {
            return;
        }
        let position = self.state.position;
        let next = if self.state.resume {
            GroupState {
                phase: Phase::Playing,
                position,
                at: now_ms + self.lead_ms(),
                resume: false,
            }
        } else {
            GroupState {
                phase: Phase::Paused,
                position,
                at: now_ms,
                resume: false,
            }
        };
        self.set_state(next, None);
    }

    fn set_state(&mut self, state: GroupState, by: Option<MemberId>) {
        self.state = state;
        self.publish(by);
    }

    fn publish(&mut self, by: Option<MemberId>) {
        self.seq += 1;
        self.broadcast(ServerMessage::State {
            seq: self.seq,
            state: self.state,
            by,
        });
    }

    fn chat(&mut self, now_ms: f64, member: MemberId, text: &str) {
        let Some(entry) = self.members.iter_mut().find(|m| m.id == member) else {
            return;
        };
        let checked = match self.moderation.muted(&entry.identity, now_ms) {
            Some(until) => Err(ChatError::Muted { until }),
            None => validate_text(text, &self.config.chat).and_then(|text| {
                if entry.chat.try_take(now_ms) {
                    Ok(text)
                } else {
                    Err(ChatError::RateLimited)
                }
            }),
        };
        match checked {
            Ok(text) => {
                let message = ChatMessage {
                    id: self.next_chat,
                    from: member,
                    name: entry.name.clone(),
                    at: now_ms,
                    text,
                };
                self.next_chat += 1;
                self.broadcast(ServerMessage::ChatMessage { message });
            }
            Err(err) => self.refuse(member, err.code(), &err.to_string()),
        }
    }

    fn admin(
        &mut self,
        now_ms: f64,
        member: MemberId,
        action: AdminAction,
        target: MemberId,
        duration_s: Option<f64>,
        reason: Option<String>,
    ) {
        if self.host != Some(member) {
            return self.refuse(member, ErrorCode::NotAllowed, "only the host moderates");
        }
        let Some(identity) = self
            .members
            .iter()
            .find(|m| m.id == target)
            .map(|m| m.identity.clone())
        else {
            return self.refuse(member, ErrorCode::UnknownMember, "no such member");
        };
        let reason = reason.map(|r| {
            r.chars()
                .take(self.config.chat.max_chars)
                .collect::<String>()
        });
        match action {
            AdminAction::MuteUser => {
                let duration_s = duration_s.filter(|d| d.is_finite() && *d > 0.0);
                self.moderation
                    .mute(&identity, now_ms, duration_s.map(|d| d * 1000.0));
                self.send(target, ServerMessage::Muted { duration_s, reason });
                self.broadcast_members(now_ms);
            }
            AdminAction::UnmuteUser => {
                self.moderation.unmute(&identity);
                self.broadcast_members(now_ms);
            }
            AdminAction::BanUser => {
                if target == member {
                    return self.refuse(
                        member,
                        ErrorCode::BadRequest,
                        "the host cannot ban itself",
                    );
                }
                self.moderation.ban(&identity);
                self.send(target, ServerMessage::Banned { reason });
                self.close(now_ms, target, "banned".to_owned());
            }
            AdminAction::MakeHost => {
                self.host = Some(target);
                self.broadcast_members(now_ms);
            }
        }
    }

    fn close(&mut self, now_ms: f64, member: MemberId, reason: String) {
        if self.members.iter().any(|m| m.id == member) {
            self.out
                .push_back(Pending::Out(RoomOutput::Close { member, reason }));
            self.handle_leave(now_ms, member);
        }
    }

    fn member_infos(&mut self, now_ms: f64) -> Vec<MemberInfo> {
        let moderation = &mut self.moderation;
        self.members
            .iter()
            .map(|m| MemberInfo {
                id: m.id,
                name: m.name.clone(),
                ready: m.ready,
                muted: moderation.muted(&m.identity, now_ms).is_some(),
            })
            .collect()
    }

    fn broadcast_members(&mut self, now_ms: f64) {
        let Some(host) = self.host else { return };
        let members = self.member_infos(now_ms);
        self.broadcast(ServerMessage::Members { host, members });
    }

    fn refuse(&mut self, to: MemberId, code: ErrorCode, message: &str) {
        self.send(
            to,
            ServerMessage::Error {
                code,
                message: message.to_owned(),
            },
        );
    }

    fn send(&mut self, to: MemberId, message: ServerMessage) {
        self.out
            .push_back(Pending::Out(RoomOutput::Send { to, message }));
    }

    fn broadcast(&mut self, message: ServerMessage) {
        self.out
            .push_back(Pending::Out(RoomOutput::Broadcast { message }));
    }
}
