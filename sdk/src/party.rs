//! `PartyMember`: the wasm boundary of player-core's watch-party [`Member`]. It does no IO:
//! `sdk/js/party.js` (the public `WatchParty`) owns the WebSocket, the video element's events,
//! frame callbacks and timers, feeds each of them in with [`PartyMember::input`] and carries
//! out what [`PartyMember::poll`] returns. Every decision (protocol parsing, clock sync, drift
//! control) is the member's; this file only translates numbers and objects.
//!
//! The numbering below is mirrored in `sdk/js/party.js`; change both together.

use player_core::party::{
    AdminAction, ErrorCode, FrameSample, GroupState, Member, MemberConfig, MemberOutput,
    PartyEvent, Phase, PlayerCommand, PlayerObservation,
};
use wasm_bindgen::prelude::*;

use crate::js::{self, ObjectBuilder};

/// `input` kinds.
mod kind {
    /// Text frame `text` from the server.
    pub const SERVER_TEXT: u32 = 0;
    /// The element's state: `a` = `currentTime`, `b` = flags ([`super::flag`]), `c` =
    /// `readyState`.
    pub const PLAYER: u32 = 1;
    /// A presented frame: `a` = `mediaTime` s, `b` = presentation time, local ms.
    pub const FRAME: u32 = 2;
    /// The time asked for by `get(TIMEOUT)` has come.
    pub const TIMEOUT: u32 = 3;
    /// Intent: play.
    pub const PLAY: u32 = 4;
    /// Intent: pause.
    pub const PAUSE: u32 = 5;
    /// Intent: seek the group to `a` seconds.
    pub const SEEK: u32 = 6;
    /// Chat line `text`.
    pub const CHAT: u32 = 7;
    /// Host: only the host controls playback when `a != 0`.
    pub const HOST_ONLY: u32 = 8;
    /// Host: mute member `a` for `b` seconds (until unmuted when not finite), reason `text`.
    pub const MUTE: u32 = 9;
    /// Host: unmute member `a`.
    pub const UNMUTE: u32 = 10;
    /// Host: ban member `a`, reason `text`.
    pub const BAN: u32 = 11;
    /// Host: make member `a` the host.
    pub const MAKE_HOST: u32 = 12;
}

/// Bits of the flags of a `PLAYER` input.
mod flag {
    /// `paused`.
    pub const PAUSED: u32 = 1;
    /// `seeking`.
    pub const SEEKING: u32 = 2;
    /// `waiting` fired and `playing` has not since.
    pub const WAITING: u32 = 4;
}

/// `poll` outputs: objects `{kind, ...}`.
mod out {
    /// `{kind, text}`: send `text` over the socket.
    pub const SEND: u32 = 0;
    /// `{kind}`: `media.play()`.
    pub const PLAY: u32 = 1;
    /// `{kind}`: `media.pause()`.
    pub const PAUSE: u32 = 2;
    /// `{kind, value}`: `media.currentTime = value`.
    pub const SEEK: u32 = 3;
    /// `{kind, value}`: `media.playbackRate = value` with `preservesPitch` on.
    pub const RATE: u32 = 4;
    /// `{kind, name, data}`: the public event `name` with payload `data`.
    pub const EVENT: u32 = 5;
}

/// One member of a watch-party room, without IO (see the module docs).
#[wasm_bindgen]
pub struct PartyMember {
    member: Member,
}

#[wasm_bindgen]
impl PartyMember {
    /// A member joining as `name` with an optional JWT or invite `token`; its first output is
    /// the `join` message.
    #[wasm_bindgen(constructor)]
    pub fn new(name: String, token: Option<String>) -> PartyMember {
        PartyMember {
            member: Member::new(MemberConfig::new(name, token)),
        }
    }

    /// Something happened at local time `now` (ms): `kind` and the meaning of `a`, `b`, `c`
    /// and `text` as numbered in this module. Returns `undefined`, or for a server frame the
    /// protocol refuses an `Error` saying why (the frame is dropped, the member unchanged):
    /// returned rather than thrown, which costs less glue.
    pub fn input(
        &mut self,
        now: f64,
        kind: u32,
        a: f64,
        b: f64,
        c: f64,
        text: Option<String>,
    ) -> JsValue {
        let m = &mut self.member;
        // Member ids come checked from JS; a saturating cast keeps anything else harmless.
        let target = a as u64;
        match kind {
            kind::SERVER_TEXT => {
                if let Err(e) = m.handle_server_text(now, text.as_deref().unwrap_or_default()) {
                    return js::error(&e.to_string());
                }
            }
            kind::PLAYER => {
                let bits = b as u32;
                let has = |bit: u32| bits & bit != 0;
                let obs = PlayerObservation::of_element(
                    a,
                    has(flag::PAUSED),
                    has(flag::SEEKING),
                    has(flag::WAITING),
                    c,
                );
                m.handle_player(now, obs);
            }
            kind::FRAME => m.handle_frame(
                now,
                FrameSample {
                    media_time_s: a,
                    presented_at_ms: b,
                },
            ),
            kind::TIMEOUT => m.handle_timeout(now),
            kind::PLAY => m.play(),
            kind::PAUSE => m.pause(),
            kind::SEEK => m.seek(a),
            kind::CHAT => m.send_chat(text.unwrap_or_default()),
            kind::HOST_ONLY => m.set_host_only_control(a != 0.0),
            kind::MUTE => m.admin(
                AdminAction::MuteUser,
                target,
                b.is_finite().then_some(b),
                text,
            ),
            kind::UNMUTE => m.admin(AdminAction::UnmuteUser, target, None, None),
            kind::BAN => m.admin(AdminAction::BanUser, target, None, text),
            kind::MAKE_HOST => m.admin(AdminAction::MakeHost, target, None, None),
            _ => {}
        }
        JsValue::UNDEFINED
    }

    /// The next thing to do at local time `now` as `{kind, ...}` (see `out` in this module),
    /// or `undefined` when there is nothing left.
    pub fn poll(&mut self, now: f64) -> JsValue {
        let Some(output) = self.member.poll_output(now) else {
            return JsValue::UNDEFINED;
        };
        let (kind, builder) = match output {
            MemberOutput::Send(msg) => (out::SEND, ObjectBuilder::new().set("text", msg.to_json())),
            MemberOutput::Player(PlayerCommand::Play) => (out::PLAY, ObjectBuilder::new()),
            MemberOutput::Player(PlayerCommand::Pause) => (out::PAUSE, ObjectBuilder::new()),
            MemberOutput::Player(PlayerCommand::Seek(s)) => {
                (out::SEEK, ObjectBuilder::new().set("value", s))
            }
            MemberOutput::Player(PlayerCommand::SetRate(r)) => {
                (out::RATE, ObjectBuilder::new().set("value", r))
            }
            MemberOutput::Event(event) => {
                let (name, data) = event_to_js(event);
                let builder = ObjectBuilder::new().set("name", name).set("data", data);
                (out::EVENT, builder)
            }
        };
        builder.set("kind", kind).build()
    }

    /// State by `key`: 0 own member id (`undefined` before the welcome), 1 the clock-sync
    /// estimate `{offset, rtt, error}` at local time `now` (or `null`), 2 the latest group
    /// state (or `null`), 3 `{seeks, correctiveSeeks, rateChanges}`, 4 the local time at which
    /// `input(TIMEOUT)` is next due (`undefined` when nothing is).
    pub fn get(&self, key: u32, now: f64) -> JsValue {
        let m = &self.member;
        match key {
            0 => m.id().map_or(JsValue::UNDEFINED, |id| (id as f64).into()),
            1 => m.sync(now).map_or(JsValue::NULL, |e| {
                sync_to_js(e.offset_ms, e.rtt_ms, e.error_ms)
            }),
            2 => m
                .group_state()
                .map_or(JsValue::NULL, |(seq, state)| state_to_js(seq, &state, None)),
            3 => {
                let s = m.stats();
                ObjectBuilder::new()
                    .set("seeks", s.seeks as f64)
                    .set("correctiveSeeks", s.corrective_seeks as f64)
                    .set("rateChanges", s.rate_changes as f64)
                    .build()
            }
            4 => m.poll_timeout().map_or(JsValue::UNDEFINED, JsValue::from),
            _ => JsValue::UNDEFINED,
        }
    }
}

/// A member event as its public name and payload.
fn event_to_js(event: PartyEvent) -> (&'static str, JsValue) {
    match event {
        PartyEvent::Joined { you } => (
            "joined",
            ObjectBuilder::new().set("you", you as f64).build(),
        ),
        PartyEvent::Members { host, members } => {
            let array = js_sys::Array::new();
            for m in members {
                array.push(
                    &ObjectBuilder::new()
                        .set("id", m.id as f64)
                        .set("name", m.name)
                        .set("ready", m.ready)
                        .set("muted", m.muted)
                        .build(),
                );
            }
            (
                "members",
                ObjectBuilder::new()
                    .set("host", host as f64)
                    .set("members", array)
                    .build(),
            )
        }
        PartyEvent::State { seq, state, by } => ("state", state_to_js(seq, &state, by)),
        PartyEvent::Chat(m) => (
            "chat",
            ObjectBuilder::new()
                .set("id", m.id as f64)
                .set("from", m.from as f64)
                .set("name", m.name)
                .set("at", m.at)
                .set("text", m.text)
                .build(),
        ),
        PartyEvent::Sync(e) => ("sync", sync_to_js(e.offset_ms, e.rtt_ms, e.error_ms)),
        PartyEvent::Settings(s) => (
            "settings",
            ObjectBuilder::new()
                .set("hostOnlyControl", s.host_only_control)
                .build(),
        ),
        PartyEvent::Muted { duration_s, reason } => (
            "muted",
            ObjectBuilder::new()
                .set("durationS", duration_s)
                .set("reason", reason)
                .build(),
        ),
        PartyEvent::Banned { reason } => {
            ("banned", ObjectBuilder::new().set("reason", reason).build())
        }
        PartyEvent::Error { code, message } => (
            "error",
            ObjectBuilder::new()
                .set("code", error_code(code))
                .set("message", message)
                .build(),
        ),
    }
}

fn sync_to_js(offset: f64, rtt: f64, error: f64) -> JsValue {
    ObjectBuilder::new()
        .set("offset", offset)
        .set("rtt", rtt)
        .set("error", error)
        .build()
}

fn state_to_js(seq: u64, state: &GroupState, by: Option<u64>) -> JsValue {
    let phase = match state.phase {
        Phase::Idle => "idle",
        Phase::Waiting => "waiting",
        Phase::Paused => "paused",
        Phase::Playing => "playing",
    };
    ObjectBuilder::new()
        .set("seq", seq as f64)
        .set("phase", phase)
        .set("position", state.position)
        .set("at", state.at)
        .set("resume", state.resume)
        .set("by", by.map(|b| b as f64))
        .build()
}

fn error_code(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NotAllowed => "not_allowed",
        ErrorCode::RateLimited => "rate_limited",
        ErrorCode::Muted => "muted",
        ErrorCode::InvalidText => "invalid_text",
        ErrorCode::UnknownMember => "unknown_member",
        ErrorCode::BadRequest => "bad_request",
    }
}
