//! The boundary classes of the JS clients (`ResumeCore`, `QoeCore`, `PresignCore`) driven as
//! sdk/js/resume.js and sdk/js/proxy.js drive them: the numeric kinds, the JSON text in and
//! out, and the answers' shapes.

use flodrama_player::{PresignCore, QoeCore, ResumeCore};
use js_sys::Reflect;
use player_core::resume::{ResumeRecord, records_from_json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

fn text(value: &JsValue) -> String {
    value.as_string().unwrap()
}

const OFFSET: f64 = 1.7e12;

/// Resume input kinds (sdk/src/resume.rs).
const TRACK: u32 = 0;
const UNTRACK: u32 = 1;
const SEEKED: u32 = 5;
const DURATION: u32 = 6;
const RESOLVE: u32 = 10;
const QUEUE: u32 = 11;
const OFFER: u32 = 12;
const ACKNOWLEDGE: u32 = 13;
const KEEP: u32 = 14;

fn resume_input(
    core: &mut ResumeCore,
    now: f64,
    kind: u32,
    n: f64,
    args: [Option<&str>; 3],
) -> JsValue {
    let [a, b, c] = args.map(|s| s.map(str::to_owned));
    core.input(now, kind, n, a, b, c)
}

#[wasm_bindgen_test]
fn resume_core_saves_the_tracked_playhead_by_the_rules() {
    let mut core = ResumeCore::new();
    // Nothing is tracked yet: inputs are ignored.
    resume_input(&mut core, 0.0, SEEKED, 42.0, [None; 3]);
    assert_eq!(core.poll(), None);

    resume_input(&mut core, 0.0, TRACK, OFFSET, [None; 3]);
    resume_input(&mut core, 0.0, DURATION, 600.0, [None; 3]);
    resume_input(&mut core, 100.0, SEEKED, 42.0, [None; 3]);
    let saved = core.poll().unwrap();
    let record = ResumeRecord::from_json(&saved).unwrap();
    assert_eq!(
        record,
        ResumeRecord {
            position: 42.0,
            duration: Some(600.0),
            completed: false,
            updated_at: OFFSET + 100.0,
        }
    );
    assert_eq!(core.poll(), None);
    // Under 10 s: not saved; in the last 30 s: saved as completed.
    resume_input(&mut core, 200.0, SEEKED, 5.0, [None; 3]);
    assert_eq!(core.poll(), None);
    resume_input(&mut core, 300.0, SEEKED, 580.0, [None; 3]);
    let tail = ResumeRecord::from_json(&core.poll().unwrap()).unwrap();
    assert!(tail.completed);
    resume_input(&mut core, 400.0, UNTRACK, 0.0, [None; 3]);
    resume_input(&mut core, 500.0, SEEKED, 100.0, [None; 3]);
    assert_eq!(core.poll(), None);
}

#[wasm_bindgen_test]
fn resume_core_resolves_and_keeps_the_upload_queue() {
    let mut core = ResumeCore::new();
    let older = r#"{"position":20,"updatedAt":1000}"#;
    let newer = r#"{"position":40,"duration":600,"updatedAt":2000}"#;

    let r = resume_input(
        &mut core,
        0.0,
        RESOLVE,
        600.0,
        [Some(newer), Some(older), None],
    );
    assert_eq!(field(&r, "position"), 40.0);
    assert_eq!(field(&r, "source"), "local");
    let winner = ResumeRecord::from_json(&text(&field(&r, "record"))).unwrap();
    assert_eq!(winner, ResumeRecord::from_json(newer).unwrap());
    assert_eq!(field(&r, "store"), false);
    assert_eq!(field(&r, "upload"), true);

    let r = resume_input(
        &mut core,
        0.0,
        RESOLVE,
        f64::NAN,
        [Some("not json"), Some(newer), None],
    );
    assert_eq!(field(&r, "source"), "server");
    assert_eq!(field(&r, "store"), true);
    assert_eq!(field(&r, "upload"), false);

    let r = resume_input(&mut core, 0.0, RESOLVE, f64::NAN, [None; 3]);
    assert_eq!(field(&r, "position"), 0.0);
    assert_eq!(field(&r, "source"), "none");
    assert!(field(&r, "record").is_null());

    let queue = text(&resume_input(
        &mut core,
        0.0,
        OFFER,
        0.0,
        [None, Some("vod"), Some(newer)],
    ));
    let queued = records_from_json(&queue).unwrap();
    assert_eq!(
        queued.get("vod"),
        Some(&ResumeRecord::from_json(newer).unwrap())
    );
    // An older save does not replace a newer one; a stale acknowledgement leaves it queued.
    let same = resume_input(
        &mut core,
        0.0,
        OFFER,
        0.0,
        [Some(&queue), Some("vod"), Some(older)],
    );
    assert!(same.is_undefined());
    let same = resume_input(
        &mut core,
        0.0,
        ACKNOWLEDGE,
        0.0,
        [Some(&queue), Some("vod"), Some(older)],
    );
    assert!(same.is_undefined());
    let empty = resume_input(
        &mut core,
        0.0,
        ACKNOWLEDGE,
        0.0,
        [Some(&queue), Some("vod"), Some(newer)],
    );
    assert_eq!(empty, "{}");
    let valid = resume_input(
        &mut core,
        0.0,
        QUEUE,
        0.0,
        [Some(r#"{"vod":3}"#), None, None],
    );
    assert_eq!(valid, "{}");
    assert_eq!(
        resume_input(&mut core, 0.0, QUEUE, 0.0, [Some(&queue), None, None]),
        queue.as_str()
    );

    for (status, keep) in [
        (0.0, true),
        (503.0, true),
        (401.0, true),
        (204.0, false),
        (404.0, false),
    ] {
        assert_eq!(
            resume_input(&mut core, 0.0, KEEP, status, [None; 3]),
            keep,
            "{status}"
        );
    }
}

#[wasm_bindgen_test]
fn qoe_core_measures_and_reports_every_30_s() {
    let mut qoe = QoeCore::new(0.0);
    qoe.input(500.0, 0, 0.0, None);
    qoe.input(500.0, 4, 2e6, None);
    // A bitrate that is not positive is ignored.
    qoe.input(500.0, 4, -1.0, None);
    assert_eq!(qoe.poll(29_999.0), None);
    let report = js_sys::JSON::parse(&qoe.poll(30_000.0).unwrap()).unwrap();
    assert_eq!(field(&report, "startupMs"), 500.0);
    assert_eq!(field(&report, "watchTimeS"), 29.5);
    assert_eq!(field(&report, "meanBitrate"), 2e6);
    assert_eq!(qoe.poll(31_000.0), None);
    qoe.input(31_000.0, 1, 0.0, None);
    qoe.input(33_000.0, 5, 0.0, Some("fragLoadError".into()));
    let now = js_sys::JSON::parse(&qoe.get(34_000.0)).unwrap();
    assert_eq!(field(&now, "rebufferCount"), 1.0);
    assert_eq!(field(&now, "rebufferS"), 3.0);
    assert_eq!(
        js_sys::JSON::stringify(&field(&now, "errors")).unwrap(),
        r#"["fragLoadError"]"#
    );
}

/// Presign input kinds (sdk/src/proxy.rs).
const LOOKUP: u32 = 0;
const ISSUED: u32 = 1;
const FAILED: u32 = 2;
const INVALIDATE: u32 = 3;

fn presign(
    core: &mut PresignCore,
    now: f64,
    kind: u32,
    url: Option<&str>,
    server_time: f64,
) -> Result<JsValue, JsValue> {
    core.input(
        now,
        kind,
        "vod".into(),
        None,
        Some("jwt".into()),
        url.map(str::to_owned),
        f64::NAN,
        server_time,
        1.7e12,
        10.0,
    )
}

#[wasm_bindgen_test]
fn presign_core_asks_once_reads_the_expiry_and_renews_ahead_of_it() {
    let mut core = PresignCore::new(Some("exp".into()), 7.0);
    assert_eq!(presign(&mut core, 0.0, LOOKUP, None, f64::NAN).unwrap(), 0);
    // Asked already: wait for that answer.
    assert_eq!(presign(&mut core, 1.0, LOOKUP, None, f64::NAN).unwrap(), 1);
    // 600 s left by the server's clock, which is 2 s ahead of ours.
    let url = "https://cdn.example/vod.m3u8?exp=1700000600&sig=x";
    let issued = presign(&mut core, 1_000.0, ISSUED, Some(url), 1.7e12 + 2_000.0).unwrap();
    assert_eq!(field(&issued, "url"), url);
    assert_eq!(field(&issued, "signing"), "custom");
    assert_eq!(field(&issued, "expiresAt"), 1_000.0 + 598_000.0);
    assert_eq!(field(&issued, "skewMs"), 2_000.0);
    let refresh = field(&issued, "refreshAt").as_f64().unwrap();
    let lead = 599_000.0 - refresh;
    // max(30 s, 15 % of 598 s) plus the expected request time, jittered by at most a fifth.
    assert!(
        (89_700.0..=89_700.0 * 1.2 + 1_000.0).contains(&lead),
        "{lead}"
    );

    let cached = presign(&mut core, refresh - 1.0, LOOKUP, None, f64::NAN).unwrap();
    assert_eq!(field(&cached, "url"), url);
    assert_eq!(
        presign(&mut core, refresh, LOOKUP, None, f64::NAN).unwrap(),
        0
    );
    presign(&mut core, refresh, FAILED, None, f64::NAN).unwrap();
    assert_eq!(
        presign(&mut core, refresh, LOOKUP, None, f64::NAN).unwrap(),
        0
    );
    presign(&mut core, refresh, ISSUED, Some(url), 1.7e12).unwrap();
    presign(&mut core, refresh, INVALIDATE, None, f64::NAN).unwrap();
    assert_eq!(
        presign(&mut core, refresh, LOOKUP, None, f64::NAN).unwrap(),
        0
    );
}

#[wasm_bindgen_test]
fn presign_core_refuses_unusable_answers_with_errors() {
    let mut core = PresignCore::new(None, 1.0);
    presign(&mut core, 0.0, LOOKUP, None, f64::NAN).unwrap();
    let error =
        |r: Result<JsValue, JsValue>| -> String { text(&field(&r.err().unwrap(), "message")) };
    let unsigned = presign(
        &mut core,
        0.0,
        ISSUED,
        Some("https://cdn.example/vod.m3u8"),
        f64::NAN,
    );
    assert!(error(unsigned).contains("carries no expiry"));
    // SigV2 `Expires` in the past of the server's clock.
    let expired = presign(
        &mut core,
        0.0,
        ISSUED,
        Some("https://b.s3.example/v.m3u8?Expires=1600000000&Signature=x&AWSAccessKeyId=k"),
        1.7e12,
    );
    assert!(error(expired).contains("not after the server's time"));
    // The failed answers do not leave a request marked in flight.
    assert_eq!(presign(&mut core, 0.0, LOOKUP, None, f64::NAN).unwrap(), 0);
}
