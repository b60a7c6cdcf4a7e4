//! The page's shared state: the players, the event log, the chart samples, the party panel and
//! the check results. Shared as `Rc<RefCell<Lab>>` between the view and the running checks;
//! nothing holds a borrow across an `await` or while calling into a player (its events call
//! back into the lab synchronously).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::HtmlVideoElement;

use crate::checks::{CHECKS, CheckState};
use crate::sdk::{Player, VideoProxyClient, WatchParty};
use crate::web::{self, flag, num, text};

/// The lab, shared.
pub type Shared = Rc<RefCell<Lab>>;

/// Player events the log records.
pub const PLAYER_EVENTS: [&str; 11] = [
    "manifestLoading",
    "manifestParsed",
    "levelLoaded",
    "levelSwitching",
    "levelSwitched",
    "fragLoaded",
    "fragParsed",
    "fragBuffered",
    "fragLoadEmergencyAborted",
    "bufferEos",
    "error",
];
/// Watch-party events the log records.
const PARTY_EVENTS: [&str; 8] = [
    "members", "state", "sync", "chat", "settings", "muted", "error", "close",
];
/// Entries kept in the event log.
const LOG_CAP: usize = 2000;
/// Chart samples kept (two minutes at one every 500 ms).
pub const SAMPLE_CAP: usize = 240;

/// One line of the event log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Page time, ms.
    pub at_ms: f64,
    /// `player`, `check player`, `party` or `demo`.
    pub source: &'static str,
    /// Event name.
    pub name: String,
    /// The payload as JSON.
    pub detail: String,
}

/// One chart sample.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Page time, s.
    pub t: f64,
    /// Seconds buffered ahead of the playhead.
    pub buffer_s: f64,
    /// Bandwidth estimate, Mbit/s.
    pub bandwidth_mbps: f64,
    /// Bitrate of the level being loaded, Mbit/s.
    pub bitrate_mbps: f64,
}

/// A level of the loaded title, for the quality menu.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Peak bitrate, bit/s.
    pub bitrate: f64,
    /// Width in pixels (0 when unknown).
    pub width: u32,
    /// Height in pixels (0 when unknown).
    pub height: u32,
}

impl Level {
    /// `720p · 2.4 Mbit/s`.
    pub fn label(&self) -> String {
        let size = if self.height > 0 {
            format!("{}p", self.height)
        } else {
            "audio/unknown".to_owned()
        };
        format!("{size} · {:.2} Mbit/s", self.bitrate / 1e6)
    }
}

/// What the watch-party panel shows.
#[derive(Debug, Clone, Default)]
pub struct PartyView {
    /// Room name.
    pub room: String,
    /// `(id, name, ready)` of each member.
    pub members: Vec<(f64, String, bool)>,
    /// The host's member id.
    pub host: Option<f64>,
    /// Own member id.
    pub me: Option<f64>,
    /// Clock sync `(offset, rtt, error)`, ms.
    pub sync: Option<(f64, f64, f64)>,
    /// The second member's media time minus ours, ms, sampled in one JS turn.
    pub drift_ms: Option<f64>,
    /// Our media time minus the group position on the server clock, ms.
    pub sync_error_ms: Option<f64>,
    /// Chat lines `(name, text)`.
    pub chat: Vec<(String, String)>,
}

/// The page state.
pub struct Lab {
    /// The main video element.
    pub video: Option<HtmlVideoElement>,
    /// The check video element (TS, encrypted and refresh checks).
    pub aux_video: Option<HtmlVideoElement>,
    /// The main player.
    pub player: Option<Player>,
    /// The check player.
    pub aux_player: Option<Player>,
    /// The watch party the page joined.
    pub party: Option<WatchParty>,
    /// The party panel.
    pub party_view: PartyView,
    /// Event log, oldest first.
    pub log: VecDeque<LogEntry>,
    /// Chart samples, oldest first.
    pub samples: VecDeque<Sample>,
    /// Levels of the main player's title.
    pub levels: Vec<Level>,
    /// Last `levelSwitched` level of the main player.
    pub switched: Option<u32>,
    /// Last fatal error of the main player.
    pub fatal: Option<String>,
    /// Last fatal error of the check player.
    pub aux_fatal: Option<String>,
    /// `waiting` events of the main video.
    pub stalls: u32,
    /// One state per entry of [`CHECKS`].
    pub checks: Vec<CheckState>,
    /// Whether checks are running.
    pub busy: bool,
    /// A token the server's dev endpoint handed out, used when the token field is empty.
    pub dev_token: Option<String>,
    /// The presigned playlist URL, when the API issued one.
    pub presigned_url: Option<String>,
    /// The `VideoProxyClient` and content id behind `presigned_url`: players of that URL
    /// renew it through the client when it expires.
    pub proxy: Option<(VideoProxyClient, &'static str)>,
    /// Query of the demo page the party check opens in an iframe as the second member.
    pub member_src: Option<String>,
}

impl Lab {
    /// An empty lab.
    pub fn new() -> Self {
        Lab {
            video: None,
            aux_video: None,
            player: None,
            aux_player: None,
            party: None,
            party_view: PartyView::default(),
            log: VecDeque::new(),
            samples: VecDeque::new(),
            levels: Vec::new(),
            switched: None,
            fatal: None,
            aux_fatal: None,
            stalls: 0,
            checks: CHECKS.iter().map(|_| CheckState::default()).collect(),
            busy: false,
            dev_token: None,
            presigned_url: None,
            proxy: None,
            member_src: None,
        }
    }

    /// Appends a log line.
    pub fn log(&mut self, source: &'static str, name: &str, detail: String) {
        if self.log.len() >= LOG_CAP {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry {
            at_ms: web::now_ms(),
            source,
            name: name.to_owned(),
            detail,
        });
    }

    /// Takes a chart sample of the main player (from `Player.stats()`).
    pub fn sample(&mut self) {
        let Some(stats) = self.player.as_ref().and_then(|p| p.stats().ok()) else {
            return;
        };
        let sample = Sample {
            t: web::now_ms() / 1e3,
            buffer_s: stats.buffered_ahead(),
            bandwidth_mbps: stats.bandwidth_estimate() / 1e6,
            bitrate_mbps: stats.bitrate() / 1e6,
        };
        if self.samples.len() >= SAMPLE_CAP {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.sample_party();
    }

    /// Updates the party panel's sync figures.
    fn sample_party(&mut self) {
        let Some(party) = &self.party else {
            return;
        };
        let sync = party.sync().unwrap_or_default();
        if let (Some(o), Some(r), Some(e)) =
            (num(&sync, "offset"), num(&sync, "rtt"), num(&sync, "error"))
        {
            self.party_view.sync = Some((o, r, e));
        }
        self.party_view.me = party.id().ok().flatten();
        let state = party.state().unwrap_or_default();
        if let (Some(video), Some(server), Some(position), Some(at), Some(phase)) = (
            &self.video,
            party.server_time().ok().flatten(),
            num(&state, "position"),
            num(&state, "at"),
            text(&state, "phase"),
        ) {
            let group = if phase == "playing" && server > at {
                position + (server - at) / 1e3
            } else {
                position
            };
            self.party_view.sync_error_ms = Some((video.current_time() - group) * 1e3);
        }
    }
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}

/// The main player, cloned out so no borrow is held while calling it.
pub fn player(lab: &Shared) -> Option<Player> {
    lab.borrow().player.clone()
}

/// Which player a new one replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The main player on the main video.
    Main,
    /// The check player on the check video.
    Aux,
}

/// Destroys the player in `slot`, creates a new one on its video, loads `src` and starts
/// playback (muted). Its events go to the log.
pub fn attach(lab: &Shared, slot: Slot, src: &str) -> Result<Player, String> {
    let (old, video) = {
        let mut l = lab.borrow_mut();
        let video = match slot {
            Slot::Main => l.video.clone(),
            Slot::Aux => l.aux_video.clone(),
        }
        .ok_or("the video element is not on the page yet")?;
        let old = match slot {
            Slot::Main => {
                l.levels.clear();
                l.switched = None;
                l.fatal = None;
                l.player.take()
            }
            Slot::Aux => {
                l.aux_fatal = None;
                l.aux_player.take()
            }
        };
        (old, video)
    };
    if let Some(old) = old {
        old.destroy().map_err(web::describe)?;
    }
    let config = js_sys::Object::new();
    let options = js_sys::Object::new();
    let proxy = {
        let l = lab.borrow();
        // Any URL the API issued for the same playlist (the query differs) is renewable.
        let path = |url: &str| url.split('?').next().unwrap_or_default().to_owned();
        l.proxy
            .clone()
            .filter(|_| l.presigned_url.as_deref().map(path) == Some(path(src)))
    };
    if let Some((client, content)) = proxy {
        js_sys::Reflect::set(&config, &"proxy".into(), &client).map_err(web::describe)?;
        // The content id is for renewing the URL, not for resuming where the checks left off.
        js_sys::Reflect::set(&config, &"resume".into(), &false.into()).map_err(web::describe)?;
        js_sys::Reflect::set(&options, &"contentId".into(), &content.into())
            .map_err(web::describe)?;
    }
    let player = Player::new(&video, &config).map_err(web::describe)?;
    let weak = Rc::downgrade(lab);
    for name in PLAYER_EVENTS {
        let weak = weak.clone();
        let on = Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
            on_player_event(&weak, slot, name, &payload);
        });
        player
            .on(name, on.into_js_value().unchecked_ref())
            .map_err(web::describe)?;
    }
    match slot {
        Slot::Main => lab.borrow_mut().player = Some(player.clone()),
        Slot::Aux => lab.borrow_mut().aux_player = Some(player.clone()),
    }
    video.set_muted(true);
    player.load(src, &options).map_err(web::describe)?;
    web::play(&video);
    Ok(player)
}

fn on_player_event(lab: &Weak<RefCell<Lab>>, slot: Slot, name: &str, payload: &JsValue) {
    let Some(lab) = lab.upgrade() else {
        return;
    };
    let Ok(mut l) = lab.try_borrow_mut() else {
        return;
    };
    let detail = js_sys::JSON::stringify(payload)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let source = match slot {
        Slot::Main => "player",
        Slot::Aux => "check player",
    };
    l.log(source, name, detail);
    let fatal = name == "error" && flag(payload, "fatal") == Some(true);
    match (slot, name) {
        (Slot::Main, "manifestParsed") => {
            let levels = js_sys::Reflect::get(payload, &"levels".into()).unwrap_or_default();
            l.levels = js_sys::Array::from(&levels)
                .iter()
                .map(|v| Level {
                    bitrate: num(&v, "bitrate").unwrap_or(0.0),
                    width: num(&v, "width").unwrap_or(0.0) as u32,
                    height: num(&v, "height").unwrap_or(0.0) as u32,
                })
                .collect();
        }
        (Slot::Main, "levelSwitched") => l.switched = num(payload, "level").map(|v| v as u32),
        (Slot::Main, "error") if fatal => l.fatal = text(payload, "message"),
        (Slot::Aux, "error") if fatal => l.aux_fatal = text(payload, "message"),
        _ => {}
    }
}

/// Joins `room` at `url` with the main video; the party's events feed the log and panel.
pub async fn join_party(
    lab: &Shared,
    url: &str,
    room: &str,
    name: &str,
    token: &str,
) -> Result<WatchParty, String> {
    let video = lab.borrow().video.clone().ok_or("no video element")?;
    let options = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&options, &k.into(), v);
    set("player", &video.into()).map_err(web::describe)?;
    set("name", &name.into()).map_err(web::describe)?;
    set("token", &token.into()).map_err(web::describe)?;
    let party: WatchParty = wasm_bindgen_futures::JsFuture::from(WatchParty::join(url, &options))
        .await
        .map_err(web::describe)?
        .dyn_into()
        .map_err(|_| "join did not give a WatchParty".to_owned())?;
    let weak = Rc::downgrade(lab);
    for event in PARTY_EVENTS {
        let weak = weak.clone();
        let on = Closure::<dyn Fn(JsValue)>::new(move |payload: JsValue| {
            on_party_event(&weak, event, &payload);
        });
        party
            .on(event, on.into_js_value().unchecked_ref())
            .map_err(web::describe)?;
    }
    let old = {
        let mut l = lab.borrow_mut();
        l.party_view = PartyView {
            room: room.to_owned(),
            ..PartyView::default()
        };
        l.party.replace(party.clone())
    };
    if let Some(old) = old {
        old.leave().map_err(web::describe)?;
    }
    Ok(party)
}

fn on_party_event(lab: &Weak<RefCell<Lab>>, name: &str, payload: &JsValue) {
    let Some(lab) = lab.upgrade() else {
        return;
    };
    let Ok(mut l) = lab.try_borrow_mut() else {
        return;
    };
    let detail = js_sys::JSON::stringify(payload)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    l.log("party", name, detail);
    match name {
        "members" => {
            l.party_view.host = num(payload, "host");
            let members = js_sys::Reflect::get(payload, &"members".into()).unwrap_or_default();
            l.party_view.members = js_sys::Array::from(&members)
                .iter()
                .map(|m| {
                    (
                        num(&m, "id").unwrap_or(-1.0),
                        text(&m, "name").unwrap_or_default(),
                        flag(&m, "ready").unwrap_or(false),
                    )
                })
                .collect();
        }
        "chat" => {
            let line = (
                text(payload, "name").unwrap_or_default(),
                text(payload, "text").unwrap_or_default(),
            );
            l.party_view.chat.push(line);
        }
        _ => {}
    }
}
