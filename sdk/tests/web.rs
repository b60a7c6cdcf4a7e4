//! `PlayerCore`, the boundary `sdk/js/player.js` drives, in a real browser (headless Chromium
//! via wasm-bindgen-test-runner), with the IO played by the test: bad input becomes typed error
//! events, commands come out as the plain objects the JS reads (`{k, ...}`), appends carry a
//! Uint8Array, an expired signed URL is renewed or fails, and a bad config throws an `Error`.
//! The JS driver itself is tested end to end by tests/e2e and tests/www.

use flodrama_player::PlayerCore;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// Input kinds and command numbers of `PlayerCore` (sdk/src/player.rs, sdk/js/player.js).
const SOURCE_OPEN: u32 = 0;
const LOAD_COMPLETE: u32 = 1;
const APPENDED: u32 = 5;
const LOAD: u32 = 13;
const URL_ISSUED: u32 = 19;
const URL_FAILED: u32 = 20;
const TIMER: u32 = 12;
const K_LOAD: f64 = 0.0;
const K_APPEND: f64 = 3.0;
const K_EVENT: f64 = 10.0;
const K_RENEW: f64 = 11.0;
const KEY_TIMER: u32 = 13;

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

fn num(obj: &JsValue, key: &str) -> f64 {
    field(obj, key).as_f64().unwrap()
}

/// Every command `poll` has now.
fn drain(core: &mut PlayerCore) -> Vec<JsValue> {
    std::iter::from_fn(|| Some(core.poll()).filter(|o| !o.is_undefined())).collect()
}

/// The payloads of the events named `name` among `commands`.
fn events(commands: &[JsValue], name: &str) -> Vec<JsValue> {
    commands
        .iter()
        .filter(|c| num(c, "k") == K_EVENT && field(c, "name") == name)
        .map(|c| field(c, "data"))
        .collect()
}

/// The load commands among `commands`: `(id, url)`.
fn loads(commands: &[JsValue]) -> Vec<(f64, String)> {
    commands
        .iter()
        .filter(|c| num(c, "k") == K_LOAD)
        .map(|c| (num(c, "id"), field(c, "url").as_string().unwrap()))
        .collect()
}

/// A core playing `url` (renewable through an issuer when `renewable`), its first commands.
fn start(url: &str, renewable: bool) -> (PlayerCore, Vec<JsValue>) {
    let mut core = PlayerCore::new(JsValue::UNDEFINED).unwrap();
    let flag = if renewable { 1.0 } else { 0.0 };
    core.input(0.0, LOAD, &[f64::NAN, flag], Some(url.into()), None);
    core.input(0.0, SOURCE_OPEN, &[], None, None);
    let commands = drain(&mut core);
    (core, commands)
}

fn answer(core: &mut PlayerCore, now: f64, id: f64, status: f64, body: &[u8]) -> Vec<JsValue> {
    core.input(
        now,
        LOAD_COMPLETE,
        &[id, status, 5.0],
        None,
        Some(body.to_vec()),
    );
    drain(core)
}

const MEDIA_PLAYLIST: &str =
    "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg0.ts\n#EXT-X-ENDLIST\n";

#[wasm_bindgen_test]
fn a_404_playlist_is_a_fatal_network_error_event() {
    let (mut core, commands) = start("https://cdn.example/t/master.m3u8", false);
    let loading = events(&commands, "manifestLoading");
    assert_eq!(
        field(&loading[0], "url"),
        "https://cdn.example/t/master.m3u8"
    );
    let (id, url) = loads(&commands)[0].clone();
    assert_eq!(url, "https://cdn.example/t/master.m3u8");

    let out = answer(&mut core, 10.0, id, 404.0, b"not found");
    let errors = events(&out, "error");
    assert_eq!(errors.len(), 1, "{out:?}");
    let err = &errors[0];
    assert_eq!(field(err, "type"), "networkError");
    assert_eq!(field(err, "details"), "manifestLoadError");
    assert_eq!(field(err, "fatal"), true);
    let message = field(err, "message").as_string().unwrap();
    assert!(message.contains("HTTP 404"), "{message}");
}

#[wasm_bindgen_test]
fn a_body_that_is_not_a_playlist_is_a_parsing_error() {
    let (mut core, commands) = start("https://cdn.example/t/master.m3u8", false);
    let id = loads(&commands)[0].0;
    let out = answer(&mut core, 10.0, id, 200.0, b"{\"hello\": \"world\"}");
    let err = &events(&out, "error")[0];
    assert_eq!(field(err, "details"), "manifestParsingError");
    assert_eq!(field(err, "fatal"), true);
    let message = field(err, "message").as_string().unwrap();
    assert!(message.contains("#EXTM3U"), "{message}");
}

#[wasm_bindgen_test]
fn a_segment_that_is_not_media_is_a_fatal_parsing_error() {
    let (mut core, commands) = start("https://cdn.example/t/media.m3u8", false);
    let id = loads(&commands)[0].0;
    let out = answer(&mut core, 10.0, id, 200.0, MEDIA_PLAYLIST.as_bytes());
    let (id, url) = loads(&out)[0].clone();
    assert_eq!(url, "https://cdn.example/t/seg0.ts");
    let out = answer(&mut core, 20.0, id, 200.0, b"<html>an error page</html>");
    let err = &events(&out, "error")[0];
    assert_eq!(field(err, "type"), "muxError");
    assert_eq!(field(err, "details"), "fragParsingError");
    assert_eq!(field(err, "fatal"), true);
}

#[wasm_bindgen_test]
fn an_fmp4_init_section_is_appended_as_a_uint8array_with_its_bytes() {
    let (mut core, commands) = start("https://cdn.example/t/media.m3u8", false);
    let id = loads(&commands)[0].0;
    let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4.0,\nseg0.m4s\n#EXT-X-ENDLIST\n";
    let mut out = answer(&mut core, 10.0, id, 200.0, playlist.as_bytes());
    let init = b"\0\0\0\x08moofinit".to_vec();
    let segment = b"\0\0\0\x08moofseg0".to_vec();
    let mut appends = Vec::new();
    // Answers each load (the init section, then the segment) until the engine appends.
    for round in 1..5 {
        appends.extend(out.iter().filter(|c| num(c, "k") == K_APPEND).cloned());
        let Some((id, url)) = loads(&out).first().cloned() else {
            break;
        };
        let body = if url.ends_with("init.mp4") {
            &init
        } else {
            &segment
        };
        out = answer(&mut core, 10.0 + f64::from(round) * 10.0, id, 200.0, body);
    }
    appends.extend(out.iter().filter(|c| num(c, "k") == K_APPEND).cloned());
    let append = appends.first().expect("no append");
    assert_eq!(num(append, "track"), 0.0);
    let data: Uint8Array = field(append, "data").dyn_into().unwrap();
    assert_eq!(data.to_vec(), init);
    core.input(60.0, APPENDED, &[0.0], None, None);
}

#[wasm_bindgen_test]
fn an_expired_url_is_renewed_through_the_issuer_or_fails_without_one() {
    let expired = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
    let url = "https://cdn.example/t/media.m3u8?X-Amz-Signature=1";

    // With an issuer: the event, then the command to ask it; the new URL is loaded.
    let (mut core, commands) = start(url, true);
    let id = loads(&commands)[0].0;
    let out = answer(&mut core, 10.0, id, 403.0, expired.as_bytes());
    assert_eq!(events(&out, "urlExpired").len(), 1, "{out:?}");
    let renew = out.iter().find(|c| num(c, "k") == K_RENEW).unwrap();
    assert_eq!(field(renew, "expired"), true);
    let fresh = "https://cdn.example/t/media.m3u8?X-Amz-Signature=2";
    core.input(20.0, URL_ISSUED, &[60_000.0], Some(fresh.into()), None);
    let out = drain(&mut core);
    assert_eq!(loads(&out)[0].1, fresh);
    // Asked again 50 ms after the issuer's refresh time.
    assert_eq!(core.get(KEY_TIMER, 20.0), 60_070.0);
    core.input(60_070.0, TIMER, &[], None, None);
    let out = drain(&mut core);
    let renew = out.iter().find(|c| num(c, "k") == K_RENEW).unwrap();
    assert_eq!(field(renew, "expired"), false);
    // A failed renewal ahead of expiry is retried 5 s later; playback goes on.
    core.input(60_100.0, URL_FAILED, &[], Some("offline".into()), None);
    assert!(events(&drain(&mut core), "error").is_empty());
    assert_eq!(core.get(KEY_TIMER, 60_100.0), 65_100.0);

    // Without an issuer: one fatal error saying so.
    let (mut core, commands) = start(url, false);
    let id = loads(&commands)[0].0;
    let out = answer(&mut core, 10.0, id, 403.0, expired.as_bytes());
    assert!(out.iter().all(|c| num(c, "k") != K_RENEW));
    let err = &events(&out, "error")[0];
    assert_eq!(field(err, "fatal"), true);
    let message = field(err, "message").as_string().unwrap();
    assert!(message.contains("no VideoProxyClient"), "{message}");
}

#[wasm_bindgen_test]
fn a_wrongly_typed_config_field_throws_an_error_naming_it() {
    let config = js_sys::Object::new();
    Reflect::set(&config, &"maxBufferLength".into(), &"lots".into()).unwrap();
    let err = PlayerCore::new(config.into()).err().unwrap();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert!(String::from(err.message()).contains("maxBufferLength"));
    let err = PlayerCore::new(JsValue::from(5)).err().unwrap();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert!(String::from(err.message()).contains("must be an object"));
}

#[wasm_bindgen_test]
fn unknown_input_kinds_and_keys_are_ignored_and_odd_numbers_never_trap() {
    let mut core = PlayerCore::new(JsValue::UNDEFINED).unwrap();
    core.input(0.0, 999, &[], None, None);
    core.input(0.0, 8, &[f64::NAN, 1.0], None, None);
    core.input(0.0, 2, &[-1.0, f64::INFINITY], None, None);
    core.input(0.0, 15, &[1e300], None, None);
    assert!(core.get(999, 0.0).is_undefined());
    assert_eq!(core.get(2, 0.0), -1.0);
    // The level that does not exist is a non-fatal error event, not a trap.
    let out = drain(&mut core);
    let err = &events(&out, "error")[0];
    assert_eq!(field(err, "fatal"), false);
}
