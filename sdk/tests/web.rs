//! The Player in a real browser (headless Chromium via wasm-bindgen-test-runner): bad input
//! gives typed error events, the player stays usable, and bad JS arguments throw `Error`s.

use flodrama_player::Player;
use js_sys::{Promise, Reflect};
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

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

/// Resolves with the payload of the next `error` event, or rejects after 10 s.
fn next_error(player: &Player) -> Promise {
    let mut captured = None;
    let promise = Promise::new(&mut |resolve, reject| captured = Some((resolve, reject)));
    let (resolve, reject) = captured.unwrap();
    let on_error = Closure::once_into_js(move |payload: JsValue| {
        resolve.call1(&JsValue::NULL, &payload).unwrap();
    });
    player.on("error", on_error).unwrap();
    let timeout = Closure::once_into_js(move || {
        reject
            .call1(
                &JsValue::NULL,
                &JsValue::from_str("no error event within 10 s"),
            )
            .unwrap();
    });
    web_sys::window()
        .unwrap()
        .set_timeout_with_callback_and_timeout_and_arguments_0(timeout.unchecked_ref(), 10_000)
        .unwrap();
    promise
}

async fn load_and_wait_error(player: &Player, url: &str) -> JsValue {
    let waiting = next_error(player);
    player
        .load(JsValue::from_str(url), JsValue::UNDEFINED)
        .unwrap();
    JsFuture::from(waiting).await.unwrap()
}

fn data_url(mime: &str, body: &str) -> String {
    let encoded = String::from(js_sys::encode_uri_component(body));
    format!("data:{mime},{encoded}")
}

#[wasm_bindgen_test]
async fn a_404_playlist_is_a_fatal_network_error_and_the_player_stays_usable() {
    let player = Player::new(video(), JsValue::UNDEFINED).unwrap();
    let err = load_and_wait_error(&player, "/no-such-title/master.m3u8").await;
    assert_eq!(field(&err, "type"), "networkError");
    assert_eq!(field(&err, "details"), "manifestLoadError");
    assert_eq!(field(&err, "fatal"), true);
    let message = field(&err, "message").as_string().unwrap();
    assert!(message.contains("HTTP 404"), "{message}");

    // The same player loads again and reports the next problem: it did not get stuck.
    let html = data_url("text/html", "<!doctype html><p>not a playlist</p>");
    let err = load_and_wait_error(&player, &html).await;
    assert_eq!(field(&err, "details"), "manifestParsingError");
    player.destroy();
}

#[wasm_bindgen_test]
async fn a_body_that_is_not_a_playlist_is_a_parsing_error() {
    let player = Player::new(video(), JsValue::UNDEFINED).unwrap();
    let url = data_url("application/json", "{\"hello\": \"world\"}");
    let err = load_and_wait_error(&player, &url).await;
    assert_eq!(field(&err, "details"), "manifestParsingError");
    assert_eq!(field(&err, "fatal"), true);
    let message = field(&err, "message").as_string().unwrap();
    assert!(message.contains("#EXTM3U"), "{message}");
}

#[wasm_bindgen_test]
async fn a_segment_that_is_not_media_is_a_fatal_parsing_error() {
    let player = Player::new(video(), JsValue::UNDEFINED).unwrap();
    let segment = data_url("video/mp4", "<html>this is an error page, not video</html>");
    let playlist =
        format!("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n{segment}\n#EXT-X-ENDLIST\n");
    let url = data_url("application/vnd.apple.mpegurl", &playlist);
    let err = load_and_wait_error(&player, &url).await;
    assert_eq!(field(&err, "type"), "muxError");
    assert_eq!(field(&err, "details"), "fragParsingError");
    assert_eq!(field(&err, "fatal"), true);
}

#[wasm_bindgen_test]
fn bad_arguments_throw_errors_with_clear_messages() {
    let err = Player::new(JsValue::from_str("#video"), JsValue::UNDEFINED)
        .err()
        .unwrap();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert!(String::from(err.message()).contains("HTMLVideoElement"));

    let config = js_sys::Object::new();
    Reflect::set(&config, &"maxBufferLength".into(), &"lots".into()).unwrap();
    let err = Player::new(video(), config.into()).err().unwrap();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert!(String::from(err.message()).contains("maxBufferLength"));

    let player = Player::new(video(), JsValue::UNDEFINED).unwrap();
    let err: js_sys::Error = player
        .load(JsValue::from(42), JsValue::UNDEFINED)
        .err()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(String::from(err.message()).contains("URL string"));
    assert!(player.on("error", JsValue::from(1)).is_err());
    player.destroy();
    let err: js_sys::Error = player
        .load(JsValue::from_str("/x.m3u8"), JsValue::UNDEFINED)
        .err()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(String::from(err.message()).contains("destroyed"));
}
