//! The QA checks: each runs against the API base URL and playlist the page was given and ends
//! as pass, fail or "not available yet" (the server answers 404/405 where the capability
//! would be: it has not landed there), with its duration and details.

use player_core::hls::{MediaType, Playlist, parse_playlist};
use serde_json::Value;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use crate::lab::{self, Shared, Slot};
use crate::sdk::{Player, VideoProxyClient, inspect_playlist};
use crate::web::{self, absolute, fetch, join, now_ms, num, sleep, text};

/// What a check is.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Stable id, used in the report and the page's element ids.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
}

/// Every check, in the order "Run all" takes them.
pub const CHECKS: [CheckDef; 12] = [
    CheckDef {
        id: "api",
        name: "API reachable",
    },
    CheckDef {
        id: "token",
        name: "Token accepted",
    },
    CheckDef {
        id: "presigned",
        name: "Presigned URL issued",
    },
    CheckDef {
        id: "playlist",
        name: "Multivariant playlist parsed",
    },
    CheckDef {
        id: "playback",
        name: "Playback starts",
    },
    CheckDef {
        id: "qualities",
        name: "Every quality plays",
    },
    CheckDef {
        id: "seek",
        name: "Seek",
    },
    CheckDef {
        id: "resume",
        name: "Resume after a reload",
    },
    CheckDef {
        id: "refresh",
        name: "Presigned URL refresh (short TTL)",
    },
    CheckDef {
        id: "party",
        name: "Watch party",
    },
    CheckDef {
        id: "ts",
        name: "TS title",
    },
    CheckDef {
        id: "aes",
        name: "Encrypted title",
    },
];

/// Presigned playlist URL endpoint: `POST {contentId, sessionId}` with the bearer token.
const STREAM_URL: &str = "/api/stream-url";
/// The title asked for a presigned URL.
const STREAM_CONTENT: &str = "vod";
/// Dev token endpoint (`POST {sub}` → `{token}`).
const DEV_TOKEN: &str = "/api/dev/token";
/// The user the demo asks a dev token for.
const DEV_SUBJECT: &str = "qa-demo";
/// Resume position endpoint of the test title.
const RESUME: &str = "/api/resume/vod";
/// The MPEG-TS test title.
const TS_TITLE: &str = "/media/vod-ts/master.m3u8";
/// The AES-128 test title.
const AES_TITLE: &str = "/media/vod-aes/master.m3u8";
/// TTL assumed in the refresh check when the answer gives no expiry, s.
const SHORT_TTL_S: f64 = 10.0;
/// Longest URL lifetime the refresh check plays through, s.
const MAX_REFRESH_TTL_S: f64 = 40.0;
/// Playback that does not advance for this long has stalled, ms.
const STALL_MS: f64 = 6000.0;
/// Members closer than this are in sync, ms.
const PARTY_SYNC_MS: f64 = 150.0;

/// State of one check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Status {
    /// Not run yet.
    #[default]
    Pending,
    /// Under way.
    Running,
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// The server does not have the capability yet.
    Unavailable,
}

impl Status {
    /// Label shown and reported.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unavailable => "not available yet",
        }
    }
}

/// A table a check shows under its details.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Caption.
    pub caption: String,
    /// Column headers.
    pub head: Vec<&'static str>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// Result so far of one check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckState {
    /// Status.
    pub status: Status,
    /// Duration of the last run, ms.
    pub duration_ms: Option<f64>,
    /// What happened.
    pub detail: String,
    /// Tables (variants, renditions).
    pub tables: Vec<Table>,
    /// Expiry of the presigned URL, epoch ms (the page counts down to it).
    pub expires_at_ms: Option<f64>,
}

/// The page's inputs.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// API base URL, empty for this page's origin.
    pub api: String,
    /// Bearer token, empty to ask the dev endpoint.
    pub token: String,
    /// The playlist to play when no presigned URL is issued.
    pub src: String,
}

enum Outcome {
    Pass(String),
    Fail(String),
    Unavailable(String),
}

type CheckResult = Result<Outcome, String>;

/// Runs every check in order.
pub async fn run_all(lab: Shared, inputs: Inputs) {
    if begin(&lab) {
        for i in 0..CHECKS.len() {
            run_one(&lab, i, &inputs).await;
        }
        lab.borrow_mut().busy = false;
    }
}

/// Runs check `index` alone.
pub async fn run(lab: Shared, index: usize, inputs: Inputs) {
    if begin(&lab) {
        run_one(&lab, index, &inputs).await;
        lab.borrow_mut().busy = false;
    }
}

fn begin(lab: &Shared) -> bool {
    let mut l = lab.borrow_mut();
    !std::mem::replace(&mut l.busy, true)
}

async fn run_one(lab: &Shared, index: usize, inputs: &Inputs) {
    let Some(def) = CHECKS.get(index) else {
        return;
    };
    let started = now_ms();
    {
        let mut l = lab.borrow_mut();
        if let Some(c) = l.checks.get_mut(index) {
            *c = CheckState {
                status: Status::Running,
                ..CheckState::default()
            };
        }
        l.log("demo", "check", format!("{{\"run\":\"{}\"}}", def.id));
    }
    let outcome = match def.id {
        "api" => api(inputs).await,
        "token" => token(lab, inputs).await,
        "presigned" => presigned(lab, index, inputs).await,
        "playlist" => playlist(lab, index, inputs).await,
        "playback" => playback(lab, inputs).await,
        "qualities" => qualities(lab, inputs).await,
        "seek" => seek(lab, inputs).await,
        "resume" => resume(lab, inputs).await,
        "refresh" => refresh(lab, inputs).await,
        "party" => party(lab, inputs).await,
        "ts" => title(lab, inputs, TS_TITLE, "TS").await,
        "aes" => title(lab, inputs, AES_TITLE, "encrypted").await,
        _ => Err("unknown check".to_owned()),
    };
    let (status, detail) = match outcome {
        Ok(Outcome::Pass(d)) => (Status::Pass, d),
        Ok(Outcome::Unavailable(d)) => (Status::Unavailable, d),
        Ok(Outcome::Fail(d)) | Err(d) => (Status::Fail, d),
    };
    let mut l = lab.borrow_mut();
    l.log(
        "demo",
        "check",
        serde_json::json!({"done": def.id, "status": status.label(), "detail": detail}).to_string(),
    );
    if let Some(c) = l.checks.get_mut(index) {
        c.status = status;
        c.detail = detail;
        c.duration_ms = Some(now_ms() - started);
    }
}

/// The token to send: the one given, else the dev endpoint's.
fn token_of(lab: &Shared, inputs: &Inputs) -> String {
    if inputs.token.is_empty() {
        lab.borrow().dev_token.clone().unwrap_or_default()
    } else {
        inputs.token.clone()
    }
}

/// The playlist the playback checks use: the presigned URL when issued, else the input.
fn source(lab: &Shared, inputs: &Inputs) -> String {
    lab.borrow()
        .presigned_url
        .clone()
        .unwrap_or_else(|| absolute(&inputs.src))
}

async fn api(inputs: &Inputs) -> CheckResult {
    let url = join(&inputs.api, "/healthz");
    let t = now_ms();
    let a = fetch("GET", &url, "", None).await?;
    Ok(if a.ok() {
        Outcome::Pass(format!(
            "GET {url} → {} in {:.0} ms",
            a.status,
            now_ms() - t
        ))
    } else {
        Outcome::Fail(format!("GET {url} → HTTP {}", a.status))
    })
}

async fn token(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let mut token = inputs.token.clone();
    let mut origin = "given";
    if token.is_empty() {
        let body = serde_json::json!({ "sub": DEV_SUBJECT }).to_string();
        let a = fetch("POST", &join(&inputs.api, DEV_TOKEN), "", Some(&body)).await?;
        if a.missing() {
            return Ok(Outcome::Unavailable(format!(
                "no token given and POST {DEV_TOKEN} answers {}: no dev tokens on this server \
                 (not landed, or not started in dev mode)",
                a.status
            )));
        }
        if !a.ok() {
            return Ok(Outcome::Fail(format!(
                "POST {DEV_TOKEN} → HTTP {}",
                a.status
            )));
        }
        token = a
            .json()
            .and_then(|j| j.get("token").and_then(Value::as_str).map(str::to_owned))
            .ok_or(format!("{DEV_TOKEN} gave no \"token\" field"))?;
        origin = "from the dev endpoint";
        lab.borrow_mut().dev_token = Some(token.clone());
    }
    // The first signed-in route the server has: the presigned URL, else the resume position
    // (a 404 there with an `{"error"}` body is the route saying "no saved position").
    let ask = stream_url_body();
    for (method, path, body) in [
        ("POST", STREAM_URL, Some(ask.as_str())),
        ("GET", RESUME, None),
    ] {
        let a = fetch(method, &join(&inputs.api, path), &token, body).await?;
        let route_answered = a.ok() || (a.status == 404 && a.json().is_some());
        match a.status {
            401 | 403 => {
                return Ok(Outcome::Fail(format!(
                    "token {origin} refused by {path}: HTTP {}",
                    a.status
                )));
            }
            _ if route_answered => {
                return Ok(Outcome::Pass(format!(
                    "token {origin} accepted by {path} (HTTP {})",
                    a.status
                )));
            }
            _ if a.missing() => {}
            s => return Ok(Outcome::Fail(format!("{path} → HTTP {s}"))),
        }
    }
    Ok(Outcome::Unavailable(format!(
        "token {origin}, but neither {STREAM_URL} nor {RESUME} is on this server yet"
    )))
}

/// Body of `POST /api/stream-url` for the test title, with a fresh session id.
fn stream_url_body() -> String {
    let session = format!("demo-{}", js_sys::Date::now() as u64);
    serde_json::json!({ "contentId": STREAM_CONTENT, "sessionId": session }).to_string()
}

/// A `VideoProxyClient` on the API at `api` that signs its requests with `token`.
fn proxy_client(api: &str, token: String) -> Result<VideoProxyClient, String> {
    let provider = wasm_bindgen::closure::Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        js_sys::Promise::resolve(&wasm_bindgen::JsValue::from_str(&token))
    });
    let options = js_sys::Object::new();
    let base = absolute(&join(api, "/"));
    let set = |key: &str, value: &wasm_bindgen::JsValue| {
        js_sys::Reflect::set(&options, &key.into(), value).map_err(web::describe)
    };
    set("apiBase", &base.trim_end_matches('/').into())?;
    set("tokenProvider", &provider.into_js_value())?;
    VideoProxyClient::new(&options).map_err(web::describe)
}

/// The presigned URL answer: URL, expiry (epoch ms), signing kind.
fn presigned_fields(json: &Value) -> Option<(String, Option<f64>, String)> {
    let url = ["url", "streamUrl", "playlist"]
        .iter()
        .find_map(|k| json.get(*k).and_then(Value::as_str))?
        .to_owned();
    let expires = ["expiresAt", "expires_at", "expires", "exp"]
        .iter()
        .find_map(|k| json.get(*k))
        .and_then(|v| match v {
            Value::Number(n) => n.as_f64().map(|x| if x < 1e11 { x * 1e3 } else { x }),
            Value::String(s) => Some(js_sys::Date::parse(s)).filter(|x| x.is_finite()),
            _ => None,
        });
    let kind = ["signing", "kind", "scheme"]
        .iter()
        .find_map(|k| json.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| signing_of(&url).to_owned());
    Some((url, expires, kind))
}

/// The signing scheme a URL's query shows.
fn signing_of(url: &str) -> &'static str {
    if url.contains("X-Amz-Signature") {
        "S3 SigV4"
    } else if url.contains("Key-Pair-Id") {
        "CloudFront signed URL"
    } else if url.contains("sig=") || url.contains("signature=") || url.contains("token=") {
        "HMAC query token"
    } else {
        "unknown"
    }
}

/// A URL issued by the stream-URL API: the answer, the absolute URL, its expiry (epoch ms)
/// and signing kind; or the check's outcome when the API gives none.
async fn issue_url(
    lab: &Shared,
    inputs: &Inputs,
) -> Result<Result<(web::Answer, String, Option<f64>, String), Outcome>, String> {
    let token = token_of(lab, inputs);
    let body = stream_url_body();
    let a = fetch("POST", &join(&inputs.api, STREAM_URL), &token, Some(&body)).await?;
    if a.missing() {
        return Ok(Err(Outcome::Unavailable(format!(
            "{STREAM_URL} answers {}: presigned URLs have not landed here",
            a.status
        ))));
    }
    if !a.ok() {
        return Ok(Err(Outcome::Fail(format!(
            "{STREAM_URL} → HTTP {}",
            a.status
        ))));
    }
    let (url, expires, kind) = a
        .json()
        .as_ref()
        .and_then(presigned_fields)
        .ok_or("the answer has no url field")?;
    let url = web_sys::Url::new_with_base(&url, &absolute(&join(&inputs.api, "/")))
        .map_or(url, |u| u.href());
    Ok(Ok((a, url, expires, kind)))
}

async fn presigned(lab: &Shared, index: usize, inputs: &Inputs) -> CheckResult {
    let (a, url, expires, kind) = match issue_url(lab, inputs).await? {
        Ok(issued) => issued,
        Err(outcome) => return Ok(outcome),
    };
    // The answer's serverTime (ms precision), else the Date header (s precision).
    let server_time = a.json().and_then(|j| {
        j.get("serverTime")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let skew = server_time
        .or_else(|| a.date.clone())
        .as_deref()
        .map(js_sys::Date::parse)
        .filter(|d| d.is_finite())
        .map(|d| d - js_sys::Date::now());
    let p = fetch("GET", &url, "", None).await?;
    if !p.ok() || !p.text.starts_with("#EXTM3U") {
        return Ok(Outcome::Fail(format!(
            "the presigned playlist answers HTTP {}",
            p.status
        )));
    }
    let client = proxy_client(&inputs.api, token_of(lab, inputs))?;
    {
        let mut l = lab.borrow_mut();
        l.presigned_url = Some(url.clone());
        l.proxy = Some((client, STREAM_CONTENT));
        if let Some(c) = l.checks.get_mut(index) {
            c.expires_at_ms = expires;
        }
    }
    let skew = skew.map_or("unknown (no serverTime nor Date header)".to_owned(), |s| {
        format!("{:+.1} s (server − this clock, ±1 s)", s / 1e3)
    });
    Ok(Outcome::Pass(format!("{kind}; {url}; clock skew {skew}")))
}

async fn playlist(lab: &Shared, index: usize, inputs: &Inputs) -> CheckResult {
    let src = source(lab, inputs);
    let a = fetch("GET", &src, "", None).await?;
    if !a.ok() {
        return Ok(Outcome::Fail(format!("GET {src} → HTTP {}", a.status)));
    }
    let summary = inspect_playlist(&a.text, &src).map_err(web::describe)?;
    if text(&summary, "kind").as_deref() != Some("multivariant") {
        return Ok(Outcome::Pass(format!(
            "a media playlist: {} segments, {:.1} s",
            num(&summary, "segments").unwrap_or(0.0),
            num(&summary, "duration").unwrap_or(0.0)
        )));
    }
    let variants = js_sys::Reflect::get(&summary, &"variants".into()).unwrap_or_default();
    let rows: Vec<Vec<String>> = js_sys::Array::from(&variants)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (w, h) = (
                num(&v, "width").unwrap_or(0.0),
                num(&v, "height").unwrap_or(0.0),
            );
            vec![
                i.to_string(),
                if h > 0.0 {
                    format!("{w}×{h}")
                } else {
                    "—".to_owned()
                },
                format!("{:.0} kbit/s", num(&v, "bandwidth").unwrap_or(0.0) / 1e3),
                text(&v, "codecs").unwrap_or_default(),
            ]
        })
        .collect();
    let renditions = match parse_playlist(&a.text, &src) {
        Ok(Playlist::Multivariant(m)) => m.renditions,
        _ => Vec::new(),
    };
    let count = |t: MediaType| renditions.iter().filter(|r| r.media_type == t).count();
    let (audio, subtitles) = (count(MediaType::Audio), count(MediaType::Subtitles));
    let rendition_rows = renditions
        .iter()
        .map(|r| {
            vec![
                format!("{:?}", r.media_type),
                r.group_id.clone(),
                r.name.clone(),
                r.language.clone().unwrap_or_else(|| "—".to_owned()),
                if r.default { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let n = rows.len();
    {
        let mut l = lab.borrow_mut();
        if let Some(c) = l.checks.get_mut(index) {
            c.tables = vec![
                Table {
                    caption: "Variants".to_owned(),
                    head: vec!["#", "resolution", "bandwidth", "codecs"],
                    rows,
                },
                Table {
                    caption: "Audio and subtitle tracks".to_owned(),
                    head: vec!["type", "group", "name", "language", "default"],
                    rows: rendition_rows,
                },
            ];
        }
    }
    Ok(if n == 0 {
        Outcome::Fail("no variants".to_owned())
    } else {
        Outcome::Pass(format!(
            "{n} variants, {audio} audio and {subtitles} subtitle tracks"
        ))
    })
}

/// Polls `f` every 20 ms until it holds (true) or `timeout_ms` passes (false).
async fn wait_until(timeout_ms: f64, mut f: impl FnMut() -> bool) -> bool {
    let end = now_ms() + timeout_ms;
    loop {
        if f() {
            return true;
        }
        if now_ms() > end {
            return false;
        }
        sleep(20).await;
    }
}

/// Waits until `video` has played `seconds` more; `Err` when it stops advancing for
/// [`STALL_MS`], ends, or the player reports a fatal error.
async fn plays_for(
    lab: &Shared,
    slot: Slot,
    video: &HtmlVideoElement,
    seconds: f64,
) -> Result<(), String> {
    let start = video.current_time();
    let mut last = (start, now_ms());
    loop {
        let t = video.current_time();
        if t >= start + seconds {
            return Ok(());
        }
        if let Some(e) = fatal(lab, slot) {
            return Err(format!("fatal error at {t:.1} s: {e}"));
        }
        if t > last.0 {
            last = (t, now_ms());
        } else if now_ms() - last.1 > STALL_MS {
            return Err(format!("stalled at {t:.2} s for {:.0} s", STALL_MS / 1e3));
        }
        if video.ended() {
            return Err(format!("ended at {t:.1} s"));
        }
        sleep(50).await;
    }
}

fn fatal(lab: &Shared, slot: Slot) -> Option<String> {
    let l = lab.borrow();
    match slot {
        Slot::Main => l.fatal.clone(),
        Slot::Aux => l.aux_fatal.clone(),
    }
}

fn video(lab: &Shared, slot: Slot) -> Result<HtmlVideoElement, String> {
    let l = lab.borrow();
    match slot {
        Slot::Main => l.video.clone(),
        Slot::Aux => l.aux_video.clone(),
    }
    .ok_or_else(|| "no video element".to_owned())
}

/// Loads `src` into `slot` and waits for the first frame; its time in ms.
async fn start(lab: &Shared, slot: Slot, src: &str) -> Result<(Player, f64), String> {
    let video = video(lab, slot)?;
    let t0 = now_ms();
    let player = lab::attach(lab, slot, src)?;
    let shown = wait_until(30_000.0, || {
        (video.current_time() > 0.0 && video.ready_state() >= 2) || fatal(lab, slot).is_some()
    })
    .await;
    if let Some(e) = fatal(lab, slot) {
        return Err(format!("fatal error: {e}"));
    }
    if !shown {
        return Err("no frame within 30 s".to_owned());
    }
    Ok((player, now_ms() - t0))
}

/// The main player, started on the check source when there is none.
async fn main_player(lab: &Shared, inputs: &Inputs) -> Result<Player, String> {
    match lab::player(lab) {
        Some(p) if lab.borrow().fatal.is_none() => Ok(p),
        _ => Ok(start(lab, Slot::Main, &source(lab, inputs)).await?.0),
    }
}

async fn playback(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let (_, ttff) = start(lab, Slot::Main, &source(lab, inputs)).await?;
    Ok(Outcome::Pass(format!(
        "first frame {ttff:.0} ms after load()"
    )))
}

async fn qualities(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let player = main_player(lab, inputs).await?;
    let video = video(lab, Slot::Main)?;
    if !wait_until(10_000.0, || !lab.borrow().levels.is_empty()).await {
        return Ok(Outcome::Fail("no levels after 10 s".to_owned()));
    }
    if video.duration().is_finite() && video.duration() - video.current_time() < 30.0 {
        player.seek(1.0).map_err(web::describe)?;
    }
    web::play(&video);
    let stalls = lab.borrow().stalls;
    let levels = lab.borrow().levels.clone();
    let mut lines = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let want = Some(i as u32);
        let already =
            lab.borrow().switched == want && player.current_level().ok() == Some(i as i32);
        if !already {
            lab.borrow_mut().switched = None;
        }
        let t = now_ms();
        player.set_current_level(i as i32).map_err(web::describe)?;
        if !wait_until(30_000.0, || lab.borrow().switched == want).await {
            return Ok(Outcome::Fail(format!("no switch to level {i} within 30 s")));
        }
        let switched = now_ms() - t;
        plays_for(lab, Slot::Main, &video, 2.0)
            .await
            .map_err(|e| format!("level {i} ({}): {e}", level.label()))?;
        lines.push(if already {
            format!("{}: already playing, played 2 s", level.label())
        } else {
            format!(
                "{}: switched in {switched:.0} ms, played 2 s",
                level.label()
            )
        });
    }
    player.set_current_level(-1).map_err(web::describe)?;
    let waits = lab.borrow().stalls - stalls;
    Ok(Outcome::Pass(format!(
        "{}; no stall (video waited {waits} times, never over {:.0} s); back to auto",
        lines.join("; "),
        STALL_MS / 1e3
    )))
}

/// Seeks the main player to `target` and waits until it plays from there; the time taken.
async fn seek_to(lab: &Shared, player: &Player, target: f64) -> Result<f64, String> {
    let video = video(lab, Slot::Main)?;
    let t = now_ms();
    player.seek(target).map_err(web::describe)?;
    web::play(&video);
    let at = wait_until(15_000.0, || {
        !video.seeking() && video.ready_state() >= 3 && (video.current_time() - target).abs() < 2.0
    })
    .await;
    if !at {
        return Err(format!(
            "not playing at {target:.1} s after 15 s (at {:.2} s)",
            video.current_time()
        ));
    }
    let taken = now_ms() - t;
    plays_for(lab, Slot::Main, &video, 1.0).await?;
    let t = video.current_time();
    if t < target - 0.5 || t > target + 5.0 {
        return Err(format!("playing at {t:.2} s, not from {target:.1} s"));
    }
    Ok(taken)
}

async fn seek(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let player = main_player(lab, inputs).await?;
    let duration = video(lab, Slot::Main)?.duration();
    if !duration.is_finite() || duration < 10.0 {
        return Ok(Outcome::Fail(format!("duration {duration} s is too short")));
    }
    let forward = (duration * 0.6).floor();
    let a = seek_to(lab, &player, forward).await?;
    let b = seek_to(lab, &player, 2.0).await?;
    Ok(Outcome::Pass(format!(
        "to {forward:.0} s: playing after {a:.0} ms; back to 2 s: {b:.0} ms"
    )))
}

async fn resume(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let token = token_of(lab, inputs);
    let url = join(&inputs.api, RESUME);
    let video = video(lab, Slot::Main)?;
    let position = video.current_time().max(5.0).floor();
    let body = serde_json::json!({ "position": position }).to_string();
    let a = fetch("PUT", &url, &token, Some(&body)).await?;
    if a.missing() {
        return Ok(Outcome::Unavailable(format!(
            "PUT {RESUME} answers {}: resume has not landed here",
            a.status
        )));
    }
    if !a.ok() {
        return Ok(Outcome::Fail(format!("PUT {RESUME} → HTTP {}", a.status)));
    }
    let (_, ttff) = start(lab, Slot::Main, &source(lab, inputs)).await?;
    let g = fetch("GET", &url, &token, None).await?;
    let saved = g
        .json()
        .and_then(|j| {
            ["position", "positionS", "seconds"]
                .iter()
                .find_map(|k| j.get(*k).and_then(Value::as_f64))
        })
        .ok_or(format!(
            "GET {RESUME} → HTTP {} without a position",
            g.status
        ))?;
    if (saved - position).abs() > 1.0 {
        return Ok(Outcome::Fail(format!(
            "saved {position:.1} s, the server gave back {saved:.1} s"
        )));
    }
    let player = lab::player(lab).ok_or("no player")?;
    seek_to(lab, &player, saved).await?;
    Ok(Outcome::Pass(format!(
        "saved {position:.0} s, new player (first frame {ttff:.0} ms) resumed there"
    )))
}

async fn refresh(lab: &Shared, inputs: &Inputs) -> CheckResult {
    // The lifetime is the server's (`--token-expiration`); the check needs a short one.
    let (_, url, expires, _) = match issue_url(lab, inputs).await? {
        Ok(issued) => issued,
        Err(outcome) => return Ok(outcome),
    };
    let ttl = expires.map_or(SHORT_TTL_S, |e| ((e - js_sys::Date::now()) / 1e3).max(0.0));
    if ttl > MAX_REFRESH_TTL_S {
        return Ok(Outcome::Unavailable(format!(
            "this server's URLs live {ttl:.0} s: start it with --token-expiration 10 \
             (TOKEN_EXPIRATION) to see a refresh"
        )));
    }
    let (_, _) = start(lab, Slot::Aux, &url).await?;
    let video = video(lab, Slot::Aux)?;
    let result = plays_for(lab, Slot::Aux, &video, ttl + 5.0).await;
    let _ = video.pause();
    result.map(|()| {
        Outcome::Pass(format!(
            "URL valid for {ttl:.0} s; played 5 s past its expiry without an error"
        ))
    })
}

async fn party(lab: &Shared, inputs: &Inputs) -> CheckResult {
    let room = format!("qa-{}", js_sys::Date::now() as u64 % 1_000_000_000);
    let invite = |guest: &str| {
        join(
            &inputs.api,
            &format!("/api/party/invite?room={room}&guest={guest}"),
        )
    };
    let a = fetch("GET", &invite("qa-host"), "", None).await?;
    if a.missing() {
        return Ok(Outcome::Unavailable(
            "no invite endpoint: start the server with --party-dev".to_owned(),
        ));
    }
    let token = a
        .json()
        .and_then(|j| j.get("token").and_then(Value::as_str).map(str::to_owned))
        .ok_or(format!("invite → HTTP {} without a token", a.status))?;
    main_player(lab, inputs).await?;
    let ws = join(&inputs.api, &format!("/ws/party/{room}"));
    let party = lab::join_party(lab, &ws, &room, "QA host", &token).await?;
    let member = format!(
        "?member={room}&src={}&api={}",
        // The open playlist: a presigned URL would expire in the member's page, which has no
        // client to renew it.
        js_sys::encode_uri_component(&absolute(&inputs.src)),
        js_sys::encode_uri_component(&inputs.api)
    );
    lab.borrow_mut().member_src = Some(member);
    if !wait_until(30_000.0, || lab.borrow().party_view.members.len() >= 2).await {
        return Ok(Outcome::Fail(
            "the second member did not join within 30 s".to_owned(),
        ));
    }
    party.seek(3.0).map_err(web::describe)?;
    party.play().map_err(web::describe)?;
    let host = video(lab, Slot::Main)?;
    let mut drifts: Vec<f64> = Vec::new();
    let end = now_ms() + 40_000.0;
    while now_ms() < end {
        sleep(250).await;
        let Some(other) = member_video() else {
            continue;
        };
        if host.paused() || other.paused() || host.seeking() || other.seeking() {
            continue;
        }
        let drift = (other.current_time() - host.current_time()) * 1e3;
        lab.borrow_mut().party_view.drift_ms = Some(drift);
        drifts.push(drift);
        let recent = &drifts[drifts.len().saturating_sub(8)..];
        if recent.len() == 8 && recent.iter().all(|d| d.abs() < PARTY_SYNC_MS) {
            let (error, rtt) = {
                let l = lab.borrow();
                (l.party_view.sync_error_ms, l.party_view.sync.map(|s| s.1))
            };
            return Ok(Outcome::Pass(format!(
                "2 members in room {room}; drift {drift:+.0} ms (8 samples under {PARTY_SYNC_MS} ms); \
                 host sync error {}; RTT {}",
                error.map_or("—".to_owned(), |e| format!("{e:+.0} ms")),
                rtt.map_or("—".to_owned(), |r| format!("{r:.0} ms"))
            )));
        }
    }
    Ok(Outcome::Fail(format!(
        "members not within {PARTY_SYNC_MS} ms after 40 s (last drift {})",
        drifts
            .last()
            .map_or("—".to_owned(), |d| format!("{d:+.0} ms"))
    )))
}

/// The video element of the party member in the iframe. It belongs to the frame's realm,
/// where the parent's `instanceof HTMLVideoElement` is false, so the cast is unchecked (the
/// selector matched a `video`).
fn member_video() -> Option<HtmlVideoElement> {
    web::window()
        .document()?
        .get_element_by_id("party-member")?
        .dyn_into::<web_sys::HtmlIFrameElement>()
        .ok()?
        .content_document()?
        .query_selector("video")
        .ok()?
        .map(JsCast::unchecked_into)
}

async fn title(lab: &Shared, inputs: &Inputs, path: &str, what: &str) -> CheckResult {
    let url = join(&inputs.api, path);
    let a = fetch("GET", &url, "", None).await?;
    if a.missing() {
        return Ok(Outcome::Unavailable(format!(
            "{path} answers {}: no {what} title on this server yet",
            a.status
        )));
    }
    if !a.ok() {
        return Ok(Outcome::Fail(format!("{path} → HTTP {}", a.status)));
    }
    let (_, ttff) = start(lab, Slot::Aux, &absolute(&url)).await?;
    let video = video(lab, Slot::Aux)?;
    let result = plays_for(lab, Slot::Aux, &video, 2.0).await;
    let _ = video.pause();
    result.map(|()| {
        Outcome::Pass(format!(
            "{path}: first frame {ttff:.0} ms after load(), played 2 s"
        ))
    })
}

/// The results as the JSON report.
pub fn report(lab: &Shared, inputs: &Inputs) -> String {
    let l = lab.borrow();
    let checks: Vec<Value> = CHECKS
        .iter()
        .zip(&l.checks)
        .map(|(def, c)| {
            serde_json::json!({
                "id": def.id,
                "name": def.name,
                "status": c.status.label(),
                "durationMs": c.duration_ms.map(f64::round),
                "detail": c.detail,
                "tables": c.tables.iter().map(|t| serde_json::json!({
                    "caption": t.caption, "head": t.head, "rows": t.rows,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let user_agent = web::window().navigator().user_agent().unwrap_or_default();
    serde_json::to_string_pretty(&serde_json::json!({
        "generatedAt": String::from(js_sys::Date::new_0().to_iso_string()),
        "page": web::window().location().href().unwrap_or_default(),
        "userAgent": user_agent,
        "api": if inputs.api.is_empty() { "(this origin)" } else { &inputs.api },
        "src": inputs.src,
        "checks": checks,
    }))
    .unwrap_or_default()
}
