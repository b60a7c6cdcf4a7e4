//! One viewer: clock sync with the room, the local view of the group state, and the drift
//! controller that keeps the player on the group position.
//!
//! The SDK feeds server text frames ([`Member::handle_server_text`]), player observations
//! (`timeupdate`, `seeking`, `waiting`… → [`Member::handle_player`]; frame callbacks →
//! [`Member::handle_frame`]) and the viewer's intents ([`Member::play`]…). It carries out what
//! [`Member::poll_output`] returns — messages to send, player commands, events — and calls
//! [`Member::handle_timeout`] at [`Member::poll_timeout`]. Commands are assumed to reach the
//! player before the next observation (the SDK applies them synchronously).

use super::clock::{ClockSync, SyncEstimate};
use super::drift::{DriftAction, DriftConfig, DriftController};
use super::protocol::{
    AdminAction, ChatMessage, ClientMessage, ErrorCode, MemberInfo, ProtocolError, RoomSettings,
    ServerMessage,
};
use super::{GroupState, MemberId, Phase};

/// How a member joins and corrects.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberConfig {
    /// Display name.
    pub name: String,
    /// JWT or room invite token.
    pub token: Option<String>,
    /// Drift control tuning.
    pub drift: DriftConfig,
}

impl MemberConfig {
    /// Defaults for `name`.
    pub fn new(name: impl Into<String>, token: Option<String>) -> Self {
        Self {
            name: name.into(),
            token,
            drift: DriftConfig::default(),
        }
    }
}

/// What the media element reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerObservation {
    /// `currentTime`, seconds.
    pub position_s: f64,
    /// `paused`.
    pub paused: bool,
    /// `seeking`.
    pub seeking: bool,
    /// Waiting for data (`waiting` fired, not yet `playing`).
    pub buffering: bool,
}

/// `HTMLMediaElement.HAVE_FUTURE_DATA`: enough data to play on.
const HAVE_FUTURE_DATA: f64 = 3.0;

impl PlayerObservation {
    /// The observation of a media element: `waiting` is whether its `waiting` event fired
    /// with no `playing` since; it counts as buffering only while `ready_state` (the
    /// element's `readyState`) is below `HAVE_FUTURE_DATA`, since a `playing` may be missed.
    pub fn of_element(
        position_s: f64,
        paused: bool,
        seeking: bool,
        waiting: bool,
        ready_state: f64,
    ) -> Self {
        Self {
            position_s,
            paused,
            seeking,
            buffering: waiting && ready_state < HAVE_FUTURE_DATA,
        }
    }
}

/// A presented frame, from `requestVideoFrameCallback`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameSample {
    /// `metadata.mediaTime`, seconds.
    pub media_time_s: f64,
    /// `metadata.presentationTime` (or `expectedDisplayTime`), local ms.
    pub presented_at_ms: f64,
}

/// A command for the local player.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlayerCommand {
    /// `play()`.
    Play,
    /// `pause()`.
    Pause,
    /// Set `currentTime` to this many seconds.
    Seek(f64),
    /// Set `playbackRate` (with `preservesPitch` on).
    SetRate(f64),
}

/// What the application hears about.
#[derive(Debug, Clone, PartialEq)]
pub enum PartyEvent {
    /// Welcomed into the room with this id.
    Joined {
        /// Own member id.
        you: MemberId,
    },
    /// The member list or host changed.
    Members {
        /// Host.
        host: MemberId,
        /// Everyone.
        members: Vec<MemberInfo>,
    },
    /// The group state changed (effective at `state.at` server time).
    State {
        /// Sequence number.
        seq: u64,
        /// The state.
        state: GroupState,
        /// Who caused it.
        by: Option<MemberId>,
    },
    /// A chat line.
    Chat(ChatMessage),
    /// New clock-sync estimate.
    Sync(SyncEstimate),
    /// Room settings changed.
    Settings(RoomSettings),
    /// This member was muted.
    Muted {
        /// Seconds, absent when until lifted.
        duration_s: Option<f64>,
        /// Reason given.
        reason: Option<String>,
    },
    /// This member was banned; the server closes the connection.
    Banned {
        /// Reason given.
        reason: Option<String>,
    },
    /// A request was refused.
    Error {
        /// Code.
        code: ErrorCode,
        /// Detail.
        message: String,
    },
}

/// What the SDK must do.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberOutput {
    /// Send this message to the room.
    Send(ClientMessage),
    /// Apply this command to the player.
    Player(PlayerCommand),
    /// Tell the application.
    Event(PartyEvent),
}

/// Counters of the corrections made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberStats {
    /// All seeks commanded (positioning, joining, correcting).
    pub seeks: u64,
    /// Seeks commanded by drift control during group playback.
    pub corrective_seeks: u64,
    /// Playback-rate changes commanded.
    pub rate_changes: u64,
}

#[derive(Debug, Clone, Copy)]
struct PendingSeek {
    issued_at: f64,
    target: f64,
}

/// A state together with its sequence number.
type Versioned = (u64, GroupState);

/// Samples the clock filter wants before the member acts on the group state.
const MIN_SYNC_SAMPLES: usize = 3;
/// A seek not seen to complete after this long is abandoned, ms.
const SEEK_GIVE_UP_MS: f64 = 5000.0;
/// Most seeks to align a paused player with one state (guards against a coarse clock).
const MAX_POSITIONING_SEEKS: u32 = 2;
/// Frame samples are preferred to `currentTime` while they keep coming this often, ms.
const FRAME_FRESH_MS: f64 = 500.0;

/// The member side of a watch party.
#[derive(Debug)]
pub struct Member {
    config: MemberConfig,
    clock: Option<ClockSync>,
    drift: DriftController,
    you: Option<MemberId>,
    /// Latest state from the room; it may not be effective yet.
    current: Option<Versioned>,
    /// The state in force until `current` takes effect.
    previous: Option<Versioned>,
    /// Server time the latest state takes effect, until that time has been handled.
    due_at: Option<f64>,
    /// Seq of the effective state last acted on.
    acted_seq: Option<u64>,
    player: Option<PlayerObservation>,
    last_frame_at: f64,
    pending_seek: Option<PendingSeek>,
    played_for: Option<u64>,
    /// Positioning seeks made while paused, per state seq.
    positioned_for: Option<(u64, u32)>,
    paused_for: Option<u64>,
    reported: Option<(u64, bool)>,
    stats: MemberStats,
    /// Outputs not yet polled, oldest first (a Vec: a VecDeque instantiates far more code
    /// for a queue this short).
    out: Vec<MemberOutput>,
}

impl Member {
    /// A member about to join; the first output is the `join` message.
    pub fn new(config: MemberConfig) -> Self {
        let join = ClientMessage::Join {
            name: config.name.clone(),
            token: config.token.clone(),
        };
        Self {
            drift: DriftController::new(config.drift),
            config,
            clock: None,
            you: None,
            current: None,
            previous: None,
            due_at: None,
            acted_seq: None,
            player: None,
            last_frame_at: f64::NEG_INFINITY,
            pending_seek: None,
            played_for: None,
            positioned_for: None,
            paused_for: None,
            reported: None,
            stats: MemberStats::default(),
            out: vec![MemberOutput::Send(join)],
        }
    }

    /// Own id once welcomed.
    pub fn id(&self) -> Option<MemberId> {
        self.you
    }

    /// The clock-sync estimate at local time `now_ms`.
    pub fn sync(&self, now_ms: f64) -> Option<SyncEstimate> {
        self.clock.as_ref()?.estimate(now_ms)
    }

    /// The latest group state from the room.
    pub fn group_state(&self) -> Option<(u64, GroupState)> {
        self.current
    }

    /// Counters of corrections.
    pub fn stats(&self) -> MemberStats {
        self.stats
    }

    /// The drift controller's tuning.
    pub fn drift_config(&self) -> &DriftConfig {
        &self.config.drift
    }

    /// Intent: play the group.
    pub fn play(&mut self) {
        self.send(ClientMessage::Play);
    }

    /// Intent: pause the group.
    pub fn pause(&mut self) {
        self.send(ClientMessage::Pause);
    }

    /// Intent: move the group to `position_s`; ignored unless finite and not negative.
    pub fn seek(&mut self, position_s: f64) {
        if position_s.is_finite() && position_s >= 0.0 {
            self.send(ClientMessage::Seek {
                position: position_s,
            });
        }
    }

    /// Sends a chat line (the room checks it).
    pub fn send_chat(&mut self, text: impl Into<String>) {
        self.send(ClientMessage::ChatMessage { text: text.into() });
    }

    /// Host: moderates `target`.
    pub fn admin(
        &mut self,
        action: AdminAction,
        target: MemberId,
        duration_s: Option<f64>,
        reason: Option<String>,
    ) {
        self.send(ClientMessage::AdminAction {
            action,
            target,
            duration_s,
            reason,
        });
    }

    /// Host: whether only the host may play, pause and seek.
    pub fn set_host_only_control(&mut self, host_only_control: bool) {
        self.send(ClientMessage::Settings { host_only_control });
    }

    /// One text frame from the server, received at `now_ms`.
    pub fn handle_server_text(&mut self, now_ms: f64, text: &str) -> Result<(), ProtocolError> {
        let msg = ServerMessage::from_json(text)?;
        self.handle_server_message(now_ms, msg);
        Ok(())
    }

    /// One parsed message from the server, received at `now_ms`.
    pub fn handle_server_message(&mut self, now_ms: f64, msg: ServerMessage) {
        match msg {
            ServerMessage::Welcome {
                you,
                host,
                settings,
                seq,
                state,
                members,
            } => {
                self.you = Some(you);
                self.clock = Some(ClockSync::new(now_ms));
                self.current = Some((seq, state));
                self.due_at = Some(state.at);
                self.previous = None;
                self.event(PartyEvent::Joined { you });
                self.event(PartyEvent::Settings(settings));
                self.event(PartyEvent::Members { host, members });
                self.event(PartyEvent::State {
                    seq,
                    state,
                    by: None,
                });
            }
            ServerMessage::TimeResp { id, t1, t2, t3 } => {
                if let Some(clock) = &mut self.clock
                    && clock.handle_response(now_ms, id, t1, t2, t3)
                    && let Some(estimate) = clock.estimate(now_ms)
                {
                    self.event(PartyEvent::Sync(estimate));
                }
            }
            ServerMessage::Members { host, members } => {
                self.event(PartyEvent::Members { host, members })
            }
            ServerMessage::State { seq, state, by } => {
                if self.current.is_some_and(|(s, _)| seq <= s) {
                    return;
                }
                self.previous = self.effective(now_ms);
                self.current = Some((seq, state));
                self.due_at = Some(state.at);
                self.event(PartyEvent::State { seq, state, by });
            }
            ServerMessage::ChatMessage { message } => self.event(PartyEvent::Chat(message)),
            ServerMessage::Settings { settings } => self.event(PartyEvent::Settings(settings)),
            ServerMessage::Muted { duration_s, reason } => {
                self.event(PartyEvent::Muted { duration_s, reason })
            }
            ServerMessage::Banned { reason } => self.event(PartyEvent::Banned { reason }),
            ServerMessage::Error { code, message } => {
                self.event(PartyEvent::Error { code, message })
            }
        }
        self.drive(now_ms);
    }

    /// The media element's state at local time `now_ms`.
    pub fn handle_player(&mut self, now_ms: f64, obs: PlayerObservation) {
        self.player = Some(obs);
        if let Some(seek) = self.pending_seek {
            let landed = (obs.position_s - seek.target).abs() < 1.0;
            if !obs.seeking && landed {
                self.pending_seek = None;
                self.drift.seek_done(now_ms);
            } else if now_ms - seek.issued_at > SEEK_GIVE_UP_MS {
                self.pending_seek = None;
                self.drift.seek_abandoned(now_ms);
            }
        }
        self.drive(now_ms);
        if now_ms - self.last_frame_at > FRAME_FRESH_MS {
            self.observe_error(now_ms, obs.position_s, now_ms);
        }
    }

    /// A presented frame (`requestVideoFrameCallback`), at local time `now_ms`.
    pub fn handle_frame(&mut self, now_ms: f64, frame: FrameSample) {
        self.last_frame_at = now_ms;
        self.observe_error(now_ms, frame.media_time_s, frame.presented_at_ms);
    }

    /// The next output, stamping clock-sync requests with `now_ms`.
    pub fn poll_output(&mut self, now_ms: f64) -> Option<MemberOutput> {
        if !self.out.is_empty() {
            return Some(self.out.remove(0));
        }
        let rtt = self.sync(now_ms).map(|e| e.rtt_ms);
        let (id, t1) = self.clock.as_mut()?.poll_request(now_ms)?;
        Some(MemberOutput::Send(ClientMessage::TimeReq { id, t1, rtt }))
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due (local ms).
    pub fn poll_timeout(&self) -> Option<f64> {
        let clock = self.clock.as_ref().map(ClockSync::poll_timeout);
        let state = self
            .due_at
            .zip(self.offset())
            .map(|(at, offset)| at - offset);
        let seek = self
            .pending_seek
            .map(|s| s.issued_at + SEEK_GIVE_UP_MS + 1.0);
        [clock, state, seek, self.drift.poll_timeout()]
            .into_iter()
            .flatten()
            .min_by(f64::total_cmp)
    }

    /// Time has passed.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        if let (Some(at), Some(offset)) = (self.due_at, self.offset())
            && now_ms + offset >= at
        {
            self.due_at = None;
        }
        if self
            .pending_seek
            .is_some_and(|seek| now_ms - seek.issued_at > SEEK_GIVE_UP_MS)
        {
            self.pending_seek = None;
            self.drift.seek_abandoned(now_ms);
        }
        if let Some(action) = self.drift.handle_timeout(now_ms) {
            self.apply(now_ms, action, false);
        }
        self.drive(now_ms);
    }

    fn offset(&self) -> Option<f64> {
        let clock = self.clock.as_ref()?;
        if clock.sample_count() < MIN_SYNC_SAMPLES {
            return None;
        }
        clock.offset_ms()
    }

    /// The state in force at local time `now_ms`.
    fn effective(&self, now_ms: f64) -> Option<Versioned> {
        let current = self.current?;
        match self.offset() {
            Some(offset) if now_ms + offset < current.1.at => self.previous,
            Some(_) => Some(current),
            // Before the clock is known, a state is taken as in force.
            None => Some(current),
        }
    }

    /// Group position in seconds at local time `local_ms`.
    fn group_position(&self, local_ms: f64) -> Option<f64> {
        let offset = self.offset()?;
        let (_, state) = self.effective(local_ms)?;
        Some(state.position_at(local_ms + offset))
    }

    fn observe_error(&mut self, now_ms: f64, position_s: f64, at_ms: f64) {
        let Some(obs) = self.player else { return };
        let Some((_, state)) = self.effective(now_ms) else {
            return;
        };
        if state.phase != Phase::Playing
            || obs.paused
            || obs.seeking
            || obs.buffering
            || self.pending_seek.is_some()
            || self.offset().is_none()
        {
            return;
        }
        let Some(group) = self.group_position(at_ms) else {
            return;
        };
        if let Some(action) = self.drift.observe(now_ms, (position_s - group) * 1000.0) {
            self.apply(now_ms, action, true);
        }
    }

    fn apply(&mut self, now_ms: f64, action: DriftAction, corrective: bool) {
        match action {
            DriftAction::SetRate(rate) => {
                self.stats.rate_changes += 1;
                self.command(PlayerCommand::SetRate(rate));
            }
            DriftAction::Seek {
                lead_ms,
                reset_rate,
            } => {
                if reset_rate {
                    self.stats.rate_changes += 1;
                    self.command(PlayerCommand::SetRate(1.0));
                }
                if let Some(target) = self.group_position(now_ms + lead_ms) {
                    if corrective {
                        self.stats.corrective_seeks += 1;
                    }
                    self.seek_player(now_ms, target);
                }
            }
        }
    }

    fn seek_player(&mut self, now_ms: f64, target: f64) {
        let target = target.max(0.0);
        self.stats.seeks += 1;
        self.pending_seek = Some(PendingSeek {
            issued_at: now_ms,
            target,
        });
        self.drift.seek_started(now_ms);
        self.command(PlayerCommand::Seek(target));
    }

    /// Brings the player in line with the state in force.
    fn drive(&mut self, now_ms: f64) {
        let (Some(obs), Some(offset)) = (self.player, self.offset()) else {
            return;
        };
        let Some((seq, state)) = self.effective(now_ms) else {
            return;
        };
        if self.acted_seq != Some(seq) {
            self.acted_seq = Some(seq);
            if let Some(action) = self.drift.reset(now_ms) {
                self.apply(now_ms, action, false);
            }
        }
        let reportable = self.current.is_some_and(|(s, _)| s == seq);
        match state.phase {
            Phase::Idle => {
                if reportable && !obs.seeking && !obs.buffering {
                    self.report(seq, true);
                }
            }
            Phase::Paused | Phase::Waiting => {
                if !obs.paused && self.paused_for != Some(seq) {
                    self.paused_for = Some(seq);
                    self.command(PlayerCommand::Pause);
                }
                if !obs.paused {
                    // Not paused yet, or the viewer resumed locally: leave the player be.
                    return;
                }
                let tolerance_s = self.config.drift.paused_tolerance_ms / 1000.0;
                let off_target = (obs.position_s - state.position).abs() > tolerance_s;
                let idle = self.pending_seek.is_none() && !obs.seeking;
                let attempts = match self.positioned_for {
                    Some((s, n)) if s == seq => n,
                    _ => 0,
                };
                if idle && off_target && attempts < MAX_POSITIONING_SEEKS {
                    self.positioned_for = Some((seq, attempts + 1));
                    self.seek_player(now_ms, state.position);
                } else if reportable && idle && !obs.buffering {
                    self.report(seq, true);
                }
            }
            Phase::Playing => {
                if obs.paused && self.played_for != Some(seq) {
                    self.played_for = Some(seq);
                    let group = state.position_at(now_ms + offset);
                    if (obs.position_s - group).abs() * 1000.0 > self.config.drift.seek_threshold_ms
                    {
                        let lead = self.drift.seek_latency_ms();
                        self.seek_player(now_ms, state.position_at(now_ms + lead + offset));
                    }
                    self.command(PlayerCommand::Play);
                    self.drift.hold(now_ms);
                }
                if reportable && self.pending_seek.is_none() && !obs.seeking && !obs.paused {
                    self.report(seq, !obs.buffering);
                }
            }
        }
    }

    fn report(&mut self, seq: u64, ready: bool) {
        // A stall is only reported after the member was ready in this state.
        if self.reported == Some((seq, ready)) || (!ready && self.reported != Some((seq, true))) {
            return;
        }
        self.reported = Some((seq, ready));
        self.send(ClientMessage::Status { seq, ready });
    }

    fn command(&mut self, cmd: PlayerCommand) {
        self.out.push(MemberOutput::Player(cmd));
    }

    fn send(&mut self, msg: ClientMessage) {
        self.out.push(MemberOutput::Send(msg));
    }

    fn event(&mut self, event: PartyEvent) {
        self.out.push(MemberOutput::Event(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Server clock = member clock + this.
    const OFFSET: f64 = 10_000.0;

    fn drain(m: &mut Member, now: f64) -> Vec<MemberOutput> {
        std::iter::from_fn(|| m.poll_output(now)).collect()
    }

    fn commands(outs: &[MemberOutput]) -> Vec<PlayerCommand> {
        outs.iter()
            .filter_map(|o| match o {
                MemberOutput::Player(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    fn sent(outs: &[MemberOutput]) -> Vec<ClientMessage> {
        outs.iter()
            .filter_map(|o| match o {
                MemberOutput::Send(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    /// Messages sent other than clock-sync requests.
    fn status(outs: &[MemberOutput]) -> Vec<ClientMessage> {
        sent(outs)
            .into_iter()
            .filter(|m| !matches!(m, ClientMessage::TimeReq { .. }))
            .collect()
    }

    /// A welcomed member whose clock is synced over a symmetric 20 ms path, at local 1000 ms.
    fn synced(state: GroupState) -> Member {
        let mut m = Member::new(MemberConfig::new("ann", Some("tok".into())));
        m.handle_server_message(
            0.0,
            ServerMessage::Welcome {
                you: 2,
                host: 1,
                settings: RoomSettings::default(),
                seq: 1,
                state,
                members: vec![],
            },
        );
        drain(&mut m, 0.0);
        let mut now = 0.0;
        while m.clock.as_ref().is_some_and(|c| c.sample_count() < 3) {
            now = m.poll_timeout().expect("sync due");
            for msg in sent(&drain(&mut m, now)) {
                if let ClientMessage::TimeReq { id, t1, .. } = msg {
                    let t2 = t1 + 10.0 + OFFSET;
                    let resp = ServerMessage::TimeResp { id, t1, t2, t3: t2 };
                    m.handle_server_message(t1 + 20.0, resp);
                }
            }
        }
        assert!(now < 1000.0);
        m
    }

    fn obs(position_s: f64, paused: bool) -> PlayerObservation {
        PlayerObservation {
            position_s,
            paused,
            seeking: false,
            buffering: false,
        }
    }

    #[test]
    fn an_element_waiting_with_future_data_is_not_buffering() {
        let waiting =
            |ready_state| PlayerObservation::of_element(3.0, false, false, true, ready_state);
        assert!(waiting(2.0).buffering);
        assert!(!waiting(3.0).buffering);
        assert!(!waiting(4.0).buffering);
        let playing = PlayerObservation::of_element(3.0, true, true, false, 0.0);
        assert_eq!(
            playing,
            PlayerObservation {
                position_s: 3.0,
                paused: true,
                seeking: true,
                buffering: false
            }
        );
    }

    #[test]
    fn join_first_then_clock_requests_stamped_when_polled() {
        let mut m = Member::new(MemberConfig::new("ann", Some("tok".into())));
        assert_eq!(
            m.poll_output(0.0),
            Some(MemberOutput::Send(ClientMessage::Join {
                name: "ann".into(),
                token: Some("tok".into()),
            }))
        );
        assert_eq!(m.poll_output(0.0), None);
        assert_eq!(m.poll_timeout(), None, "no clock sync before welcome");
        let welcome = r#"{"v":1,"type":"welcome","you":2,"host":1,"settings":{"host_only_control":false},"seq":0,"state":{"phase":"idle","position":0.0,"at":0.0},"members":[]}"#;
        m.handle_server_text(500.0, welcome).unwrap();
        let outs = drain(&mut m, 512.5);
        assert!(outs.contains(&MemberOutput::Event(PartyEvent::Joined { you: 2 })));
        assert_eq!(
            sent(&outs),
            vec![ClientMessage::TimeReq {
                id: 0,
                t1: 512.5,
                rtt: None
            }]
        );
        assert_eq!(m.poll_timeout(), Some(612.5));
        assert!(matches!(
            m.handle_server_text(600.0, r#"{"v":1,"type":"state"}"#),
            Err(ProtocolError::Malformed(_))
        ));
    }

    #[test]
    fn paused_member_aligns_reports_ready_and_starts_at_the_group_time() {
        let paused = GroupState {
            phase: Phase::Paused,
            position: 5.0,
            at: 0.0,
            resume: false,
        };
        let mut m = synced(paused);
        assert_eq!(m.sync(1000.0).map(|s| s.offset_ms), Some(OFFSET));
        // Loaded at 0: seeks to the group position, then reports ready.
        m.handle_player(1000.0, obs(0.0, true));
        assert_eq!(
            commands(&drain(&mut m, 1000.0)),
            vec![PlayerCommand::Seek(5.0)]
        );
        m.handle_player(1100.0, obs(5.0, true));
        let outs = drain(&mut m, 1100.0);
        assert_eq!(
            status(&outs),
            vec![ClientMessage::Status {
                seq: 1,
                ready: true
            }]
        );
        // Play at server time 12 000 = local 2000.
        let playing = GroupState {
            phase: Phase::Playing,
            position: 5.0,
            at: 12_000.0,
            resume: false,
        };
        m.handle_server_message(
            1200.0,
            ServerMessage::State {
                seq: 2,
                state: playing,
                by: Some(1),
            },
        );
        m.handle_player(1250.0, obs(5.0, true));
        assert!(
            commands(&drain(&mut m, 1250.0)).is_empty(),
            "not before the group time"
        );
        let mut now = 1250.0;
        while now < 2000.0 {
            now = m.poll_timeout().unwrap();
            m.handle_timeout(now);
            let cmds = commands(&drain(&mut m, now));
            if now < 2000.0 {
                assert!(cmds.is_empty(), "{cmds:?} at {now}");
            } else {
                assert_eq!(cmds, vec![PlayerCommand::Play]);
            }
        }
        assert_eq!(now, 2000.0);
    }

    #[test]
    fn stall_is_reported_only_after_being_ready() {
        let playing = GroupState {
            phase: Phase::Playing,
            position: 0.0,
            at: 10_900.0,
            resume: false,
        };
        let mut m = synced(playing);
        // Joining mid-play: 100 ms behind is corrected by rate, not reported as a stall.
        m.handle_player(1000.0, obs(0.0, true));
        assert_eq!(commands(&drain(&mut m, 1000.0)), vec![PlayerCommand::Play]);
        let buffering = PlayerObservation {
            buffering: true,
            ..obs(0.0, false)
        };
        m.handle_player(1100.0, buffering);
        assert!(status(&drain(&mut m, 1100.0)).is_empty());
        m.handle_player(1200.0, obs(0.2, false));
        assert_eq!(
            status(&drain(&mut m, 1200.0)),
            vec![ClientMessage::Status {
                seq: 1,
                ready: true
            }]
        );
        m.handle_player(
            1300.0,
            PlayerObservation {
                buffering: true,
                ..obs(0.3, false)
            },
        );
        assert_eq!(
            status(&drain(&mut m, 1300.0)),
            vec![ClientMessage::Status {
                seq: 1,
                ready: false
            }]
        );
        m.handle_player(1400.0, obs(0.3, false));
        assert_eq!(
            status(&drain(&mut m, 1400.0)),
            vec![ClientMessage::Status {
                seq: 1,
                ready: true
            }]
        );
    }

    #[test]
    fn stale_states_and_bad_intents_are_ignored() {
        let mut m = synced(GroupState::default());
        let old = ServerMessage::State {
            seq: 1,
            state: GroupState {
                phase: Phase::Playing,
                ..GroupState::default()
            },
            by: None,
        };
        m.handle_server_message(1000.0, old);
        assert_eq!(m.group_state().map(|(_, s)| s.phase), Some(Phase::Idle));
        m.seek(f64::NAN);
        m.seek(-1.0);
        m.seek(f64::INFINITY);
        assert!(
            sent(&drain(&mut m, 1000.0))
                .iter()
                .all(|s| !matches!(s, ClientMessage::Seek { .. }))
        );
    }

    #[test]
    fn unfinished_seek_is_abandoned_without_spinning() {
        let paused = GroupState {
            phase: Phase::Paused,
            position: 30.0,
            at: 0.0,
            resume: false,
        };
        let mut m = synced(paused);
        m.handle_player(1000.0, obs(0.0, true));
        assert_eq!(
            commands(&drain(&mut m, 1000.0)),
            vec![PlayerCommand::Seek(30.0)]
        );
        // The player never reports again: timeouts must still move forward.
        let mut now = 1000.0;
        m.handle_timeout(now);
        drain(&mut m, now);
        for _ in 0..20 {
            let next = m.poll_timeout().unwrap();
            assert!(next > now, "{next} <= {now}");
            now = next;
            m.handle_timeout(now);
            drain(&mut m, now);
        }
        assert!(now > 6000.0);
        assert!(m.pending_seek.is_none());
    }

    #[test]
    fn a_viewer_pausing_the_element_is_not_overridden() {
        let playing = GroupState {
            phase: Phase::Playing,
            position: 0.0,
            at: 11_000.0,
            resume: false,
        };
        let mut m = synced(playing);
        m.handle_player(1000.0, obs(0.0, true));
        m.handle_timeout(1000.0);
        assert_eq!(commands(&drain(&mut m, 1000.0)), vec![PlayerCommand::Play]);
        m.handle_player(1250.0, obs(0.25, false));
        drain(&mut m, 1250.0);
        // Paused from the browser's own controls: no fight, no corrections.
        for t in 0..40 {
            let now = 1500.0 + 250.0 * f64::from(t);
            m.handle_player(now, obs(0.5, true));
            m.handle_timeout(now);
            assert!(commands(&drain(&mut m, now)).is_empty(), "at {now}");
        }
    }
}
