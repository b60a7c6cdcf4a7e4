//! `WatchParty`: one viewer in a watch-party room. Runs the sans-IO [`Member`] of
//! `player-core` over a WebSocket and a `<video>` element: it feeds the member the server's
//! frames, the element's events and presented frames, applies the member's player commands
//! at once, and turns its events into JS events.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use player_core::party::{
    AdminAction, ErrorCode, FrameSample, GroupState, Member, MemberConfig, MemberInfo,
    MemberOutput, PartyEvent, Phase, PlayerCommand, PlayerObservation,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlVideoElement, WebSocket};

use crate::js::{self, Callback, Listeners, ObjectBuilder, Timer, now_ms};

/// How often the element is observed besides its own events, ms.
const SAMPLE_MS: u32 = 250;
/// `HTMLMediaElement.HAVE_FUTURE_DATA`: enough data to play on.
const HAVE_FUTURE_DATA: f64 = 3.0;

type Shared = Rc<RefCell<Inner>>;

struct Inner {
    member: Member,
    socket: WebSocket,
    video: HtmlVideoElement,
    listeners: Listeners,
    /// JS events waiting to be dispatched once the state is no longer borrowed.
    events: Vec<(&'static str, JsValue)>,
    /// Messages produced before the socket opened.
    unsent: Vec<String>,
    timer: Option<(f64, Timer)>,
    sampler: Option<Timer>,
    /// `waiting` fired and `playing` has not since.
    waiting: bool,
    video_handlers: Vec<(&'static str, Callback)>,
    socket_handlers: Vec<(&'static str, Callback)>,
    frame_callback: Option<Callback>,
    /// `resolve` and `reject` of the promise `join` returned, until welcomed or closed.
    pending_join: Option<(Function, Function)>,
    /// The party keeps itself alive while connected, whether or not JS holds it.
    keep_alive: Option<Shared>,
    closed: bool,
}

/// A member of a watch-party room, attached to a video element.
#[wasm_bindgen]
pub struct WatchParty {
    shared: Shared,
}

#[wasm_bindgen]
impl WatchParty {
    /// `WatchParty.join(url, {player, name, token})` → a promise of the party once the room
    /// welcomed it; rejected with the server's reason when the join is refused.
    ///
    /// `url` is the room's WebSocket URL (`ws:`, `wss:`, or `http(s):`/relative, mapped to
    /// `ws(s):`). `player` is an `HTMLVideoElement`, or an object with one as its `media` or
    /// `video` property (such as the one the page gave its `Player`).
    pub fn join(url: &str, options: JsValue) -> Result<Promise, JsValue> {
        let video = video_of(&js::get(&options, "player"))?;
        let name = string_field(&options, "name")?
            .ok_or_else(|| js::error("WatchParty.join needs options.name, a string"))?;
        let token = string_field(&options, "token")?;
        let socket = WebSocket::new(&socket_url(url)?)?;
        let shared = Rc::new(RefCell::new(Inner {
            member: Member::new(MemberConfig::new(name, token)),
            socket: socket.clone(),
            video: video.clone(),
            listeners: Listeners::default(),
            events: Vec::new(),
            unsent: Vec::new(),
            timer: None,
            sampler: None,
            waiting: false,
            video_handlers: Vec::new(),
            socket_handlers: Vec::new(),
            frame_callback: None,
            pending_join: None,
            keep_alive: None,
            closed: false,
        }));
        let weak = Rc::downgrade(&shared);
        let mut socket_handlers = Vec::new();
        for name in ["open", "message", "close"] {
            let handler = event_handler(&weak, move |inner, event| match name {
                "open" => {
                    for text in std::mem::take(&mut inner.unsent) {
                        let _ = inner.socket.send_with_str(&text);
                    }
                }
                "message" => inner.on_message(event),
                _ => inner.on_close(event),
            });
            socket.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())?;
            socket_handlers.push((name, handler));
        }
        let mut video_handlers = Vec::new();
        for name in [
            "play",
            "pause",
            "seeking",
            "seeked",
            "timeupdate",
            "waiting",
            "playing",
            "canplay",
        ] {
            let handler = event_handler(&weak, move |inner, _| {
                match name {
                    "waiting" => inner.waiting = true,
                    "playing" => inner.waiting = false,
                    _ => {}
                }
                inner.observe();
            });
            video.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())?;
            video_handlers.push((name, handler));
        }
        let sampler_weak = weak.clone();
        let sampler = Timer::every(SAMPLE_MS, move || {
            with_inner(&sampler_weak, Inner::observe);
        });
        let frame_weak = weak.clone();
        let frame_callback = js::callback2(move |now, metadata| {
            let now = now.as_f64().unwrap_or_else(now_ms);
            with_inner(&frame_weak, |inner| inner.on_frame(now, &metadata));
        });
        let promise = Promise::new(&mut |resolve, reject| {
            let mut inner = shared.borrow_mut();
            inner.pending_join = Some((resolve, reject));
        });
        {
            let mut inner = shared.borrow_mut();
            inner.socket_handlers = socket_handlers;
            inner.video_handlers = video_handlers;
            inner.sampler = Some(sampler);
            inner.frame_callback = Some(frame_callback);
            inner.keep_alive = Some(shared.clone());
            inner.request_frame();
        }
        drive(&shared);
        Ok(promise)
    }

    /// Calls for the typed wrapper (one export instead of ten): `op` 0 mutes member `number`
    /// for `duration_s` seconds (until unmuted when absent) with `text` as the reason,
    /// 1 unmutes it, 2 bans it (`text` the reason), 3 makes it the host, 4 plays, 5 pauses,
    /// 6 seeks to `number` seconds, 7 sends chat line `text`, 8 sets host-only control to
    /// `number != 0`, 9 leaves the room.
    pub fn act(
        &self,
        op: u32,
        number: f64,
        text: Option<String>,
        duration_s: Option<f64>,
    ) -> Result<(), JsValue> {
        match op {
            0 => self.mute(number, duration_s, text),
            1 => self.unmute(number),
            2 => self.ban(number, text),
            3 => self.make_host(number),
            4 => self.play(),
            5 => self.pause(),
            6 => self.seek(number),
            7 => self.send(text.as_deref().unwrap_or_default()),
            8 => self.set_host_only_control(number != 0.0),
            _ => {
                self.leave();
                Ok(())
            }
        }
    }

    /// `on(name, callback)` when `add`, else `off(name, callback)` (one export for both).
    pub fn listen(&self, add: bool, name: &str, callback: JsValue) -> Result<(), JsValue> {
        if add {
            self.on(name, callback)
        } else {
            self.off(name, callback)
        }
    }

    /// Property `key` of the typed wrapper (one export instead of a getter each): 0 `id`,
    /// 1 `sync`, 2 `state`, 3 `stats`, 4 `serverTime()`; `undefined` for other keys.
    pub fn get(&self, key: u32) -> JsValue {
        match key {
            0 => self.id().into(),
            1 => self.sync(),
            2 => self.state(),
            3 => self.stats(),
            4 => self.server_time().into(),
            _ => JsValue::UNDEFINED,
        }
    }
}

impl WatchParty {
    /// Asks the room to play.
    pub fn play(&self) -> Result<(), JsValue> {
        self.with_member(Member::play)
    }

    /// Asks the room to pause.
    pub fn pause(&self) -> Result<(), JsValue> {
        self.with_member(Member::pause)
    }

    /// Asks the room to move to `position` seconds.
    pub fn seek(&self, position: f64) -> Result<(), JsValue> {
        if !position.is_finite() || position < 0.0 {
            return Err(js::fail(&[
                "seek() needs a position in seconds, at least 0, got ",
                &js::number(position),
            ]));
        }
        self.with_member(|m| m.seek(position))
    }

    /// Sends a chat line.
    pub fn send(&self, text: &str) -> Result<(), JsValue> {
        self.with_member(|m| m.send_chat(text))
    }

    /// Host: whether only the host may play, pause and seek.
    pub fn set_host_only_control(&self, host_only_control: bool) -> Result<(), JsValue> {
        self.with_member(|m| m.set_host_only_control(host_only_control))
    }

    /// Calls `callback(payload)` on every event named `name`: `members`, `chat`, `state`,
    /// `sync`, `settings`, `muted`, `banned`, `error`, `close`.
    pub fn on(&self, name: &str, callback: JsValue) -> Result<(), JsValue> {
        self.live()?.listeners.on(name, callback)
    }

    /// Removes a callback added with `on`.
    pub fn off(&self, name: &str, callback: JsValue) -> Result<(), JsValue> {
        self.live()?.listeners.off(name, &callback);
        Ok(())
    }

    /// Leaves the room: closes the connection, detaches from the element and restores its
    /// playback rate. Any later call throws.
    pub fn leave(&self) {
        if let Ok(mut inner) = self.shared.try_borrow_mut() {
            let _ = inner.socket.close_with_code_and_reason(1000, "left");
            inner.teardown("left");
        }
    }

    /// Host: mutes `target`'s chat for `duration_s` seconds (until unmuted when absent).
    pub fn mute(
        &self,
        target: f64,
        duration_s: Option<f64>,
        reason: Option<String>,
    ) -> Result<(), JsValue> {
        let target = member_id(target)?;
        self.with_member(|m| m.admin(AdminAction::MuteUser, target, duration_s, reason))
    }

    /// Host: lifts `target`'s mute.
    pub fn unmute(&self, target: f64) -> Result<(), JsValue> {
        let target = member_id(target)?;
        self.with_member(|m| m.admin(AdminAction::UnmuteUser, target, None, None))
    }

    /// Host: removes `target` and keeps its identity out of the room.
    pub fn ban(&self, target: f64, reason: Option<String>) -> Result<(), JsValue> {
        let target = member_id(target)?;
        self.with_member(|m| m.admin(AdminAction::BanUser, target, None, reason))
    }

    /// Host: hands the host role to `target`.
    pub fn make_host(&self, target: f64) -> Result<(), JsValue> {
        let target = member_id(target)?;
        self.with_member(|m| m.admin(AdminAction::MakeHost, target, None, None))
    }

    /// Own member id, `undefined` before the welcome.
    pub fn id(&self) -> Option<f64> {
        let inner = self.shared.try_borrow().ok()?;
        inner.member.id().map(|id| id as f64)
    }

    /// The clock-sync estimate `{offset, rtt, error}` in ms, or `null` before any sample.
    pub fn sync(&self) -> JsValue {
        let Ok(inner) = self.shared.try_borrow() else {
            return JsValue::NULL;
        };
        inner.member.sync(now_ms()).map_or(JsValue::NULL, |e| {
            sync_to_js(e.offset_ms, e.rtt_ms, e.error_ms)
        })
    }

    /// The server clock now (ms), from the local clock and the sync offset; `null` before
    /// any sample.
    pub fn server_time(&self) -> Option<f64> {
        let inner = self.shared.try_borrow().ok()?;
        let now = now_ms();
        inner.member.sync(now).map(|e| now + e.offset_ms)
    }

    /// The latest group state `{seq, phase, position, at, resume}`, or `null`.
    pub fn state(&self) -> JsValue {
        let Ok(inner) = self.shared.try_borrow() else {
            return JsValue::NULL;
        };
        inner
            .member
            .group_state()
            .map_or(JsValue::NULL, |(seq, state)| state_to_js(seq, &state, None))
    }

    /// Corrections so far: `{seeks, correctiveSeeks, rateChanges}`.
    pub fn stats(&self) -> JsValue {
        let Ok(inner) = self.shared.try_borrow() else {
            return JsValue::NULL;
        };
        let s = inner.member.stats();
        ObjectBuilder::new()
            .set("seeks", s.seeks as f64)
            .set("correctiveSeeks", s.corrective_seeks as f64)
            .set("rateChanges", s.rate_changes as f64)
            .build()
    }

    fn live(&self) -> Result<std::cell::RefMut<'_, Inner>, JsValue> {
        let inner = self
            .shared
            .try_borrow_mut()
            .map_err(|_| js::error("WatchParty is busy: called from inside its own callback"))?;
        if inner.closed {
            return Err(js::error("this WatchParty has left its room; join again"));
        }
        Ok(inner)
    }

    fn with_member(&self, f: impl FnOnce(&mut Member)) -> Result<(), JsValue> {
        f(&mut self.live()?.member);
        drive(&self.shared);
        Ok(())
    }
}

impl Inner {
    fn observation(&self) -> PlayerObservation {
        PlayerObservation {
            position_s: self.video.current_time(),
            paused: js::flag(&self.video, "paused"),
            seeking: js::flag(&self.video, "seeking"),
            buffering: self.waiting && js::num(&self.video, "readyState") < HAVE_FUTURE_DATA,
        }
    }

    fn observe(&mut self) {
        let obs = self.observation();
        self.member.handle_player(now_ms(), obs);
    }

    fn on_frame(&mut self, now: f64, metadata: &JsValue) {
        let field = |key: &str| js::get(metadata, key).as_f64().filter(|v| v.is_finite());
        if let Some(media_time_s) = field("mediaTime") {
            let presented_at_ms = field("presentationTime")
                .or_else(|| field("expectedDisplayTime"))
                .unwrap_or(now);
            let frame = FrameSample {
                media_time_s,
                presented_at_ms,
            };
            self.member.handle_frame(now_ms(), frame);
        }
        self.request_frame();
    }

    /// Asks for the next presented frame where `requestVideoFrameCallback` exists.
    fn request_frame(&self) {
        let Some(callback) = &self.frame_callback else {
            return;
        };
        let request = js::get(&self.video, "requestVideoFrameCallback")
            .dyn_into::<Function>()
            .ok();
        if let Some(request) = request {
            let _ = request.call1(&self.video, callback.as_ref());
        }
    }

    fn on_message(&mut self, event: &JsValue) {
        // Read by name rather than through web-sys's MessageEvent: fewer imports in the glue.
        let Some(text) = js::get(event, "data").as_string() else {
            return;
        };
        if let Err(e) = self.member.handle_server_text(now_ms(), &text) {
            web_sys::console::warn_2(&"watch party: frame dropped:".into(), &e.to_string().into());
        }
    }

    fn on_close(&mut self, event: &JsValue) {
        // A CloseEvent's fields, read by name (fewer imports than web-sys's CloseEvent).
        let code = js::get(event, "code").as_f64().unwrap_or(1006.0);
        let reason = js::get(event, "reason").as_string().unwrap_or_default();
        let detail = ObjectBuilder::new()
            .set("code", code)
            .set("reason", reason.as_str())
            .build();
        self.events.push(("close", detail));
        let reason = if reason.is_empty() {
            ["connection closed (", &js::number(code), ")"].concat()
        } else {
            reason
        };
        self.teardown(&reason);
    }

    /// Stops everything; a pending join is rejected with `reason`.
    fn teardown(&mut self, reason: &str) {
        if self.closed {
            return;
        }
        self.closed = true;
        if let Some((_, reject)) = self.pending_join.take() {
            let _ = reject.call1(&JsValue::NULL, &js::error(reason));
        }
        self.timer = None;
        self.sampler = None;
        js::detach(&self.video, std::mem::take(&mut self.video_handlers));
        js::detach(&self.socket, std::mem::take(&mut self.socket_handlers));
        self.frame_callback = None;
        js::put(&self.video, "playbackRate", &1.0.into());
        // Dropped last: the closures above may still hold the state through it.
        self.keep_alive = None;
    }

    /// Carries out everything the member asked for.
    fn perform_all(&mut self, shared: &Shared) {
        while !self.closed
            && let Some(output) = self.member.poll_output(now_ms())
        {
            match output {
                MemberOutput::Send(msg) => {
                    let text = msg.to_json();
                    if js::num(&self.socket, "readyState") == f64::from(WebSocket::OPEN) {
                        let _ = self.socket.send_with_str(&text);
                    } else {
                        self.unsent.push(text);
                    }
                }
                MemberOutput::Player(command) => self.command(command),
                MemberOutput::Event(event) => self.event(event, shared),
            }
        }
        self.arm_timer(shared);
    }

    fn command(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play => {
                if let Ok(promise) = self.video.play() {
                    // A refused autoplay shows up as the element staying paused.
                    js::spawn(async move {
                        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                    });
                }
            }
            PlayerCommand::Pause => {
                let _ = self.video.pause();
            }
            PlayerCommand::Seek(position) => js::put(&self.video, "currentTime", &position.into()),
            PlayerCommand::SetRate(rate) => {
                js::put(&self.video, "preservesPitch", &true.into());
                js::put(&self.video, "playbackRate", &rate.into());
            }
        }
    }

    fn event(&mut self, event: PartyEvent, shared: &Shared) {
        let js = match event {
            PartyEvent::Joined { you } => {
                if let Some((resolve, _)) = self.pending_join.take() {
                    let party = WatchParty {
                        shared: shared.clone(),
                    };
                    let _ = resolve.call1(&JsValue::NULL, &party.into());
                }
                (
                    "joined",
                    ObjectBuilder::new().set("you", you as f64).build(),
                )
            }
            PartyEvent::Members { host, members } => (
                "members",
                ObjectBuilder::new()
                    .set("host", host as f64)
                    .set("members", members_to_js(&members))
                    .build(),
            ),
            PartyEvent::State { seq, state, by } => ("state", state_to_js(seq, &state, by)),
            PartyEvent::Chat(m) => (
                "chat",
                ObjectBuilder::new()
                    .set("id", m.id as f64)
                    .set("from", m.from as f64)
                    .set("name", m.name.as_str())
                    .set("at", m.at)
                    .set("text", m.text.as_str())
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
                    .set("durationS", optional(duration_s))
                    .set("reason", optional(reason))
                    .build(),
            ),
            PartyEvent::Banned { reason } => (
                "banned",
                ObjectBuilder::new().set("reason", optional(reason)).build(),
            ),
            PartyEvent::Error { code, message } => (
                "error",
                ObjectBuilder::new()
                    .set("code", error_code(code))
                    .set("message", message.as_str())
                    .build(),
            ),
        };
        self.events.push(js);
    }

    fn arm_timer(&mut self, shared: &Shared) {
        let Some(at) = self.member.poll_timeout() else {
            self.timer = None;
            return;
        };
        if self.timer.as_ref().is_some_and(|(armed, _)| *armed == at) {
            return;
        }
        let delay = player_core::num::clamp(at - now_ms(), 0.0, f64::from(u32::MAX)).ceil() as u32;
        let weak = Rc::downgrade(shared);
        let timeout = Timer::once(delay, move || {
            with_inner(&weak, |inner| {
                inner.timer = None;
                inner.member.handle_timeout(now_ms());
            });
        });
        self.timer = Some((at, timeout));
    }
}

/// A DOM event handler running `f` on the party state, then driving the member.
fn event_handler(
    weak: &Weak<RefCell<Inner>>,
    f: impl Fn(&mut Inner, &JsValue) + 'static,
) -> Callback {
    let weak = weak.clone();
    js::callback(move |event| with_inner(&weak, |inner| f(inner, &event)))
}

/// Runs `f` on the live party state, then performs the member's outputs and dispatches events.
fn with_inner(weak: &Weak<RefCell<Inner>>, f: impl FnOnce(&mut Inner)) {
    let mut f = Some(f);
    with_inner_dyn(weak, &mut |inner| {
        if let Some(f) = f.take() {
            f(inner);
        }
    });
}

/// [`with_inner`] without a type parameter, so its body is in the wasm once.
fn with_inner_dyn(weak: &Weak<RefCell<Inner>>, f: &mut dyn FnMut(&mut Inner)) {
    let Some(shared) = weak.upgrade() else {
        return;
    };
    {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        f(&mut inner);
    }
    drive(&shared);
}

/// Performs the member's outputs, then calls listeners with the state released, so a
/// listener may call back into the party.
fn drive(shared: &Shared) {
    let events = {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        inner.perform_all(shared);
        std::mem::take(&mut inner.events)
    };
    for (name, payload) in events {
        let listeners = match shared.try_borrow() {
            Ok(inner) => inner.listeners.of(name),
            Err(_) => return,
        };
        for listener in listeners {
            if let Err(e) = listener.call1(&JsValue::NULL, &payload) {
                web_sys::console::error_2(&"watch party listener threw".into(), &e);
            }
        }
    }
}

/// The video element given as `player`: the element itself, or its `media`/`video` property.
fn video_of(player: &JsValue) -> Result<HtmlVideoElement, JsValue> {
    if let Some(video) = player.dyn_ref::<HtmlVideoElement>() {
        return Ok(video.clone());
    }
    if player.is_object() {
        for key in ["media", "video"] {
            if let Ok(video) = js::get(player, key).dyn_into::<HtmlVideoElement>() {
                return Ok(video);
            }
        }
    }
    Err(js::fail(&[
        "WatchParty.join needs options.player, an HTMLVideoElement or an object with one as \
         `media` or `video`, got ",
        &js::describe(player),
    ]))
}

/// `url` resolved against the page, with `http(s):` mapped to `ws(s):`.
fn socket_url(url: &str) -> Result<String, JsValue> {
    let base = js::text(&js::get(&js_sys::global(), "location"), "href");
    let parsed = web_sys::Url::new_with_base(url, &base)
        .map_err(|_| js::fail(&["WatchParty.join: \"", url, "\" is not a URL"]))?;
    match js::text(&parsed, "protocol").as_str() {
        "ws:" | "wss:" => {}
        "http:" => js::put(&parsed, "protocol", &"ws:".into()),
        "https:" => js::put(&parsed, "protocol", &"wss:".into()),
        other => {
            return Err(js::fail(&[
                "WatchParty.join: ",
                other,
                " URLs cannot carry a WebSocket",
            ]));
        }
    }
    Ok(js::text(&parsed, "href"))
}

fn string_field(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let value = js::get(obj, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| {
        js::fail(&[
            "options.",
            key,
            " must be a string, got ",
            &js::describe(&value),
        ])
    })
}

fn member_id(target: f64) -> Result<u64, JsValue> {
    if target.is_finite() && target >= 0.0 && target.fract() == 0.0 {
        Ok(target as u64)
    } else {
        Err(js::fail(&[&js::number(target), " is not a member id"]))
    }
}

fn optional<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, Into::into)
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
        .set("by", optional(by.map(|b| b as f64)))
        .build()
}

fn members_to_js(members: &[MemberInfo]) -> JsValue {
    let array = js_sys::Array::new();
    for m in members {
        array.push(
            &ObjectBuilder::new()
                .set("id", m.id as f64)
                .set("name", m.name.as_str())
                .set("ready", m.ready)
                .set("muted", m.muted)
                .build(),
        );
    }
    array.into()
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
