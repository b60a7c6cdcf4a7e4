//! `PartyMember`, the wasm boundary of player-core's watch-party member, in a real browser
//! (headless Chromium via wasm-bindgen-test-runner): the viewer's intents become protocol
//! messages, server frames become events with the public payloads, refused frames give `Error`s,
//! element observations (flags and `readyState`) drive the media commands. The IO around it
//! (`sdk/js/party.js`) is covered by `tests/www/api.test.mjs` and `tests/e2e/party.test.mjs`.

use flodrama_player::PartyMember;
use js_sys::Reflect;
use player_core::party::{
    AdminAction, ClientMessage, GroupState, MemberInfo, Phase, RoomSettings, ServerMessage,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// The numbering of sdk/src/party.rs.
const SERVER_TEXT: u32 = 0;
const PLAYER: u32 = 1;
const PLAY: u32 = 4;
const PAUSE: u32 = 5;
const SEEK: u32 = 6;
const CHAT: u32 = 7;
const HOST_ONLY: u32 = 8;
const MUTE: u32 = 9;
const UNMUTE: u32 = 10;
const BAN: u32 = 11;
const MAKE_HOST: u32 = 12;
const PAUSED: f64 = 1.0;
const WAITING: f64 = 4.0;
const OUT_SEND: f64 = 0.0;
const OUT_PLAY: f64 = 1.0;
const OUT_SEEK: f64 = 3.0;
const OUT_EVENT: f64 = 5.0;
const GET_ID: u32 = 0;
const GET_SYNC: u32 = 1;
const GET_STATE: u32 = 2;
const GET_STATS: u32 = 3;
const GET_TIMEOUT: u32 = 4;

/// Server clock = member clock + this, ms.
const OFFSET: f64 = 10_000.0;

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

fn num(obj: &JsValue, key: &str) -> f64 {
    field(obj, key).as_f64().unwrap()
}

fn text(obj: &JsValue, key: &str) -> String {
    field(obj, key).as_string().unwrap()
}

fn drain(m: &mut PartyMember, now: f64) -> Vec<JsValue> {
    std::iter::from_fn(|| Some(m.poll(now)).filter(|o| !o.is_undefined())).collect()
}

/// The messages among `outs`, parsed back with the protocol, clock-sync requests left out.
fn sent(outs: &[JsValue]) -> Vec<ClientMessage> {
    outs.iter()
        .filter(|o| num(o, "kind") == OUT_SEND)
        .map(|o| ClientMessage::from_json(&text(o, "text")).unwrap())
        .filter(|m| !matches!(m, ClientMessage::TimeReq { .. }))
        .collect()
}

/// The events among `outs` as `(name, payload)`.
fn events(outs: &[JsValue]) -> Vec<(String, JsValue)> {
    outs.iter()
        .filter(|o| num(o, "kind") == OUT_EVENT)
        .map(|o| (text(o, "name"), field(o, "data")))
        .collect()
}

/// Media commands among `outs` as `(kind, value)`.
fn commands(outs: &[JsValue]) -> Vec<(f64, Option<f64>)> {
    outs.iter()
        .map(|o| (num(o, "kind"), field(o, "value").as_f64()))
        .filter(|(kind, _)| *kind != OUT_SEND && *kind != OUT_EVENT)
        .collect()
}

fn server(m: &mut PartyMember, now: f64, msg: &ServerMessage) {
    let nan = f64::NAN;
    let refused = m.input(now, SERVER_TEXT, nan, nan, nan, Some(msg.to_json()));
    assert!(refused.is_undefined(), "{msg:?}");
}

fn welcome(state: GroupState) -> ServerMessage {
    ServerMessage::Welcome {
        you: 2,
        host: 1,
        settings: RoomSettings::default(),
        seq: 1,
        state,
        members: vec![MemberInfo {
            id: 2,
            name: "ann".into(),
            ready: false,
            muted: false,
        }],
    }
}

/// A welcomed member whose clock is synced over a symmetric 20 ms path.
fn synced(state: GroupState) -> (PartyMember, f64) {
    let mut m = PartyMember::new("ann".into(), None);
    server(&mut m, 0.0, &welcome(state));
    drain(&mut m, 0.0);
    let mut now = 0.0;
    for _ in 0..3 {
        now = m.get(GET_TIMEOUT, now).as_f64().unwrap();
        for out in drain(&mut m, now) {
            if num(&out, "kind") != OUT_SEND {
                continue;
            }
            if let Ok(ClientMessage::TimeReq { id, t1, .. }) =
                ClientMessage::from_json(&text(&out, "text"))
            {
                let t2 = t1 + 10.0 + OFFSET;
                let resp = ServerMessage::TimeResp { id, t1, t2, t3: t2 };
                server(&mut m, t1 + 20.0, &resp);
            }
        }
    }
    drain(&mut m, now);
    assert_eq!(num(&m.get(GET_SYNC, now), "offset"), OFFSET);
    (m, now + 100.0)
}

fn observe(m: &mut PartyMember, now: f64, position: f64, flags: f64, ready_state: f64) {
    assert!(
        m.input(now, PLAYER, position, flags, ready_state, None)
            .is_undefined()
    );
}

#[wasm_bindgen_test]
fn intents_become_protocol_messages() {
    let mut m = PartyMember::new("ann".into(), Some("tok".into()));
    assert_eq!(
        sent(&drain(&mut m, 0.0)),
        vec![ClientMessage::Join {
            name: "ann".into(),
            token: Some("tok".into()),
        }]
    );
    assert!(m.get(GET_ID, 0.0).is_undefined());
    assert!(m.get(GET_SYNC, 0.0).is_null());
    assert!(m.get(GET_STATE, 0.0).is_null());
    assert!(
        m.get(GET_TIMEOUT, 0.0).is_undefined(),
        "no clock sync before the welcome"
    );
    let stats = m.get(GET_STATS, 0.0);
    assert_eq!(
        ["seeks", "correctiveSeeks", "rateChanges"].map(|k| num(&stats, k)),
        [0.0; 3]
    );
    let nan = f64::NAN;
    let inputs: [(u32, f64, f64, Option<&str>); 10] = [
        (PLAY, nan, nan, None),
        (PAUSE, nan, nan, None),
        (SEEK, 12.5, nan, None),
        (SEEK, nan, nan, None),
        (CHAT, nan, nan, Some("hi")),
        (HOST_ONLY, 1.0, nan, None),
        (MUTE, 3.0, nan, Some("spam")),
        (MUTE, 3.0, 60.0, None),
        (UNMUTE, 3.0, nan, None),
        (BAN, 4.0, nan, Some("rude")),
    ];
    for (kind, a, b, text) in inputs {
        let refused = m.input(1.0, kind, a, b, nan, text.map(str::to_owned));
        assert!(refused.is_undefined());
    }
    assert!(m.input(1.0, MAKE_HOST, 5.0, nan, nan, None).is_undefined());
    let admin = |action, target, duration_s, reason: Option<&str>| ClientMessage::AdminAction {
        action,
        target,
        duration_s,
        reason: reason.map(str::to_owned),
    };
    assert_eq!(
        sent(&drain(&mut m, 1.0)),
        vec![
            ClientMessage::Play,
            ClientMessage::Pause,
            ClientMessage::Seek { position: 12.5 },
            ClientMessage::ChatMessage { text: "hi".into() },
            ClientMessage::Settings {
                host_only_control: true
            },
            admin(AdminAction::MuteUser, 3, None, Some("spam")),
            admin(AdminAction::MuteUser, 3, Some(60.0), None),
            admin(AdminAction::UnmuteUser, 3, None, None),
            admin(AdminAction::BanUser, 4, None, Some("rude")),
            admin(AdminAction::MakeHost, 5, None, None),
        ]
    );
}

#[wasm_bindgen_test]
fn server_frames_become_events_and_refused_ones_give_errors() {
    let mut m = PartyMember::new("ann".into(), None);
    drain(&mut m, 0.0);
    let paused = GroupState {
        phase: Phase::Paused,
        position: 5.0,
        at: 0.0,
        resume: false,
    };
    server(&mut m, 0.0, &welcome(paused));
    let heard = events(&drain(&mut m, 0.0));
    let names: Vec<&str> = heard.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["joined", "settings", "members", "state"]);
    assert_eq!(num(&heard[0].1, "you"), 2.0);
    assert_eq!(field(&heard[1].1, "hostOnlyControl"), JsValue::FALSE);
    assert_eq!(num(&heard[2].1, "host"), 1.0);
    let member = js_sys::Array::from(&field(&heard[2].1, "members")).get(0);
    assert_eq!(text(&member, "name"), "ann");
    assert_eq!(field(&member, "ready"), JsValue::FALSE);
    assert_eq!(text(&heard[3].1, "phase"), "paused");
    assert_eq!(num(&heard[3].1, "position"), 5.0);
    assert_eq!(m.get(GET_ID, 0.0).as_f64(), Some(2.0));
    assert_eq!(text(&m.get(GET_STATE, 0.0), "phase"), "paused");
    assert!(
        m.get(GET_TIMEOUT, 0.0).as_f64().is_some(),
        "clock sync runs"
    );

    let chat = r#"{"v":1,"type":"chat_message","message":{"id":7,"from":1,"name":"bo","at":123.5,"text":"hello"}}"#;
    let refused = m.input(10.0, SERVER_TEXT, 0.0, 0.0, 0.0, Some(chat.into()));
    assert!(refused.is_undefined());
    let heard = events(&drain(&mut m, 10.0));
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].0, "chat");
    assert_eq!(text(&heard[0].1, "text"), "hello");
    assert_eq!(num(&heard[0].1, "at"), 123.5);

    let error = r#"{"v":1,"type":"error","code":"rate_limited","message":"slow down"}"#;
    let refused = m.input(11.0, SERVER_TEXT, 0.0, 0.0, 0.0, Some(error.into()));
    assert!(refused.is_undefined());
    let heard = events(&drain(&mut m, 11.0));
    assert_eq!(text(&heard[0].1, "code"), "rate_limited");

    for bad in ["{nope", r#"{"v":1,"type":"state"}"#, ""] {
        let refused = m.input(12.0, SERVER_TEXT, 0.0, 0.0, 0.0, Some(bad.into()));
        let message = refused.dyn_into::<js_sys::Error>().unwrap().message();
        assert!(message.length() > 0, "{bad}");
    }
    assert!(events(&drain(&mut m, 12.0)).is_empty());
    assert_eq!(text(&m.get(GET_STATE, 12.0), "phase"), "paused");
}

#[wasm_bindgen_test]
fn observations_drive_the_element() {
    let paused = GroupState {
        phase: Phase::Paused,
        position: 5.0,
        at: 0.0,
        resume: false,
    };
    let (mut m, now) = synced(paused);
    // Loaded at 0: seek to the group position, then ready.
    observe(&mut m, now, 0.0, PAUSED, 4.0);
    assert_eq!(commands(&drain(&mut m, now)), vec![(OUT_SEEK, Some(5.0))]);
    observe(&mut m, now + 100.0, 5.0, PAUSED, 4.0);
    assert_eq!(
        sent(&drain(&mut m, now + 100.0)),
        vec![ClientMessage::Status {
            seq: 1,
            ready: true
        }]
    );
    // The group plays from now on (server time now + 200 + OFFSET).
    let start = now + 200.0;
    let playing = GroupState {
        phase: Phase::Playing,
        position: 5.0,
        at: start + OFFSET,
        resume: false,
    };
    let state = ServerMessage::State {
        seq: 2,
        state: playing,
        by: Some(1),
    };
    server(&mut m, start, &state);
    observe(&mut m, start, 5.0, PAUSED, 4.0);
    assert_eq!(commands(&drain(&mut m, start)), vec![(OUT_PLAY, None)]);
    observe(&mut m, start + 100.0, 5.1, 0.0, 4.0);
    assert_eq!(
        sent(&drain(&mut m, start + 100.0)),
        vec![ClientMessage::Status {
            seq: 2,
            ready: true
        }]
    );
    // `waiting` with data enough to play on is not a stall; without it, it is.
    observe(&mut m, start + 200.0, 5.2, WAITING, 4.0);
    assert!(sent(&drain(&mut m, start + 200.0)).is_empty());
    observe(&mut m, start + 300.0, 5.2, WAITING, 2.0);
    assert_eq!(
        sent(&drain(&mut m, start + 300.0)),
        vec![ClientMessage::Status {
            seq: 2,
            ready: false
        }]
    );
    assert_eq!(num(&m.get(GET_STATS, start), "seeks"), 1.0);
}
