//! `WatchParty` in a real browser (headless Chromium via wasm-bindgen-test-runner): bad
//! arguments throw `Error`s naming the problem, and a room that cannot be reached rejects the
//! join promise. Joining a live room is covered by `tests/e2e/party.test.mjs`.

use flodrama_player::WatchParty;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn video() -> JsValue {
    let document = web_sys::window().unwrap().document().unwrap();
    let video = document.create_element("video").unwrap();
    document.body().unwrap().append_child(&video).unwrap();
    video.into()
}

fn options(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        Reflect::set(&obj, &JsValue::from_str(key), value).unwrap();
    }
    obj.into()
}

fn message(error: JsValue) -> String {
    error.dyn_into::<js_sys::Error>().unwrap().message().into()
}

#[wasm_bindgen_test]
fn bad_arguments_throw_errors_naming_them() {
    let name = ("name", JsValue::from_str("a"));
    let err = WatchParty::join("/ws/party/r", options(std::slice::from_ref(&name))).unwrap_err();
    assert!(message(err).contains("options.player"));
    let err = WatchParty::join(
        "/ws/party/r",
        options(&[("player", options(&[("src", "x".into())])), name.clone()]),
    )
    .unwrap_err();
    assert!(message(err).contains("an HTMLVideoElement or an object with one"));
    let err = WatchParty::join(
        "/ws/party/r",
        options(&[("player", video()), ("name", 7.into())]),
    )
    .unwrap_err();
    assert!(message(err).contains("options.name must be a string"));
    let err = WatchParty::join(
        "ftp://example.com/ws/party/r",
        options(&[("player", video()), name]),
    )
    .unwrap_err();
    assert!(message(err).contains("ftp: URLs cannot carry a WebSocket"));
}

#[wasm_bindgen_test]
async fn an_unreachable_room_rejects_the_join() {
    // The element may also come as the `media` property of another object (a player).
    let player = options(&[("media", video())]);
    let promise = WatchParty::join(
        "ws://127.0.0.1:9/ws/party/r",
        options(&[("player", player), ("name", "a".into())]),
    )
    .unwrap();
    let err = JsFuture::from(promise).await.unwrap_err();
    assert_eq!(message(err), "connection closed (1006)");
}
