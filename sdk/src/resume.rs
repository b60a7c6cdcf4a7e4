//! `ResumeClient`: resume positions kept in `localStorage` and synced with the server's
//! `GET/PUT /api/resume/{contentId}`; `SessionReporter`: viewing-session QoE reports to
//! `POST /api/sessions`.
//!
//! - `resolve(contentId, duration?)` merges the local and the server record (last writer
//!   wins) and answers `{position, source, record}` with the start position after the
//!   10 s / 95 % / last-30 s rules (`source` is `"local"`, `"server"` or `"none"`).
//! - `track(contentId, video)` drives a [`ResumeTracker`] from the element's events and the
//!   page's `visibilitychange`/`pagehide`; each save goes to `localStorage` at once and to a
//!   persistent upload queue, which is replayed now, on `online`, and every 5 s until empty.
//!   Only the newest record per title is queued, which is all last-writer-wins needs.
//!
//! Storage keys: `flodrama.resume.<user>.<contentId>` (the record) and
//! `flodrama.resume-queue.<user>` (`{contentId: record}` not yet acknowledged by the server).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use player_core::resume::{
    QoeMeter, QoeReport, RecordQueue, ResumePolicy, ResumeRecord, ResumeTracker, Source, merge,
    records_from_json, records_to_json, start_position,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventTarget, HtmlMediaElement, Response, Storage};

use crate::js::{self, Callback, ObjectBuilder, Timer, error, now_ms};

/// Period of the queue replay while it is not empty, in ms.
const REPLAY_PERIOD_MS: u32 = 5_000;

/// Resume positions for one user: local persistence plus server sync.
#[wasm_bindgen]
pub struct ResumeClient {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    api_base: String,
    token: Option<String>,
    user: String,
    policy: ResumePolicy,
    tracked: Option<Tracked>,
    replay: Option<Timer>,
    flushing: bool,
    /// Held so the `online` listener lives as long as the client.
    online: Option<Listener>,
}

struct Tracked {
    content_id: String,
    tracker: ResumeTracker,
    /// Held so the listeners stay attached while tracking; dropping detaches them.
    _listeners: Vec<Listener>,
}

/// An event listener, removed on drop.
struct Listener {
    target: EventTarget,
    event: &'static str,
    closure: Callback,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

fn listen(
    target: &EventTarget,
    event: &'static str,
    handler: impl FnMut(JsValue) + 'static,
) -> Option<Listener> {
    let closure = js::callback(handler);
    target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .ok()?;
    Some(Listener {
        target: target.clone(),
        event,
        closure,
    })
}

#[wasm_bindgen]
impl ResumeClient {
    /// `new ResumeClient({apiBase?, token?, user?})`: `apiBase` prefixes `/api/resume/...`
    /// (default: same origin), `token` is the bearer JWT (no server sync without it), `user`
    /// keys the local records (default `"anonymous"`; use the JWT subject).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<ResumeClient, JsValue> {
        let text = |key: &str| js::get(&options, key).as_string();
        let inner = Rc::new(RefCell::new(Inner {
            api_base: text("apiBase")
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            token: text("token").filter(|t| !t.is_empty()),
            user: text("user")
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "anonymous".into()),
            policy: ResumePolicy::default(),
            tracked: None,
            replay: None,
            flushing: false,
            online: None,
        }));
        let window = js::window().ok_or_else(|| error("ResumeClient needs a window"))?;
        let weak = Rc::downgrade(&inner);
        let online = listen(&window, "online", move |_| {
            if let Some(inner) = weak.upgrade() {
                spawn_flush(&inner);
            }
        });
        inner.borrow_mut().online = online;
        Ok(ResumeClient { inner })
    }

    /// Where to start `contentId`: `Promise<{position, source, record}>`. The server is asked
    /// when a token is set; when it cannot be reached the local record alone decides. A newer
    /// local record is queued for upload.
    pub fn resolve(&self, content_id: String, duration: Option<f64>) -> Promise {
        let inner = self.inner.clone();
        js::promise(async move {
            let (local, server) = {
                let i = inner.borrow();
                (read_local(&i.user, &content_id), i.server_get(&content_id))
            };
            let server = match server {
                Some(request) => request.await,
                None => None,
            };
            let merged = merge(local.as_ref(), server.as_ref());
            let (position, source, record) = {
                let i = inner.borrow();
                match &merged {
                    Some((record, source)) => {
                        if *source == Source::Local
                            && server
                                .as_ref()
                                .is_none_or(|s| s.updated_at < record.updated_at)
                        {
                            enqueue(&i.user, &content_id, record);
                        }
                        if *source == Source::Server {
                            write_local(&i.user, &content_id, record);
                        }
                        let start = start_position(&i.policy, Some(record), duration);
                        let name = match source {
                            Source::Local => "local",
                            Source::Server => "server",
                        };
                        (start, name, to_js(record))
                    }
                    None => (0.0, "none", JsValue::NULL),
                }
            };
            spawn_flush(&inner);
            Ok(ObjectBuilder::new()
                .set("position", position)
                .set("source", source)
                .set("record", record)
                .build())
        })
    }

    /// Saves the playhead of `video` for `contentId` from now on (replacing any earlier
    /// tracking).
    pub fn track(&self, content_id: String, video: HtmlMediaElement) -> Result<(), JsValue> {
        self.untrack();
        let window = js::window().ok_or_else(|| error("no window"))?;
        let document: EventTarget = js::get(&window, "document").unchecked_into();
        let offset = js_sys::Date::now() - now_ms();
        let mut tracker = ResumeTracker::new(self.inner.borrow().policy.clone(), offset);
        let duration = js::num(&video, "duration");
        if duration.is_finite() {
            tracker.handle_duration(now_ms(), duration);
        }
        let mut listeners = Vec::new();
        let media: &EventTarget = video.as_ref();
        for event in [
            "timeupdate",
            "playing",
            "pause",
            "seeked",
            "durationchange",
            "ended",
        ] {
            let (weak, video) = (Rc::downgrade(&self.inner), video.clone());
            listeners.extend(listen(media, event, move |_| {
                if let Some(inner) = weak.upgrade() {
                    on_media_event(&inner, event, &video);
                }
            }));
        }
        let weak = Rc::downgrade(&self.inner);
        let doc = document.clone();
        listeners.extend(listen(&document, "visibilitychange", move |_| {
            if js::get(&doc, "hidden").is_truthy()
                && let Some(inner) = weak.upgrade()
            {
                on_page_event(&inner, false);
            }
        }));
        let weak = Rc::downgrade(&self.inner);
        listeners.extend(listen(&window, "pagehide", move |_| {
            if let Some(inner) = weak.upgrade() {
                on_page_event(&inner, true);
            }
        }));
        self.inner.borrow_mut().tracked = Some(Tracked {
            content_id,
            tracker,
            _listeners: listeners,
        });
        Ok(())
    }

    /// Calls for the typed wrapper (one export instead of four): `op` 0 `untrack()`,
    /// 1 `flush()` (its promise), 2 `pending()`, 3 `setToken(token)`.
    pub fn act(&self, op: u32, token: Option<String>) -> JsValue {
        match op {
            0 => self.untrack(),
            1 => return self.flush().into(),
            2 => return JsValue::from(self.pending() as f64),
            _ => self.set_token(token),
        }
        JsValue::UNDEFINED
    }
}

impl ResumeClient {
    /// Replaces the bearer token (e.g. after a refresh) and replays the queue with it.
    pub fn set_token(&self, token: Option<String>) {
        self.inner.borrow_mut().token = token.filter(|t| !t.is_empty());
        spawn_flush(&self.inner);
    }

    /// Stops saving the playhead.
    pub fn untrack(&self) {
        let tracked = self.inner.borrow_mut().tracked.take();
        drop(tracked);
    }

    /// Replays the upload queue now; `Promise<number>` of records still queued afterwards.
    pub fn flush(&self) -> Promise {
        let inner = self.inner.clone();
        js::promise(async move {
            flush(&inner).await;
            let left = read_queue(&inner.borrow().user).len();
            Ok(JsValue::from(left as f64))
        })
    }

    /// Records waiting for the server.
    pub fn pending(&self) -> usize {
        read_queue(&self.inner.borrow().user).len()
    }
}

impl Inner {
    fn url(&self, content_id: &str) -> String {
        let id = js_sys::encode_uri_component(content_id);
        [&self.api_base, "/api/resume/", &String::from(id)].concat()
    }

    /// A GET of the server record, when a token is set; resolves to `None` on any failure.
    fn server_get(
        &self,
        content_id: &str,
    ) -> Option<impl std::future::Future<Output = Option<ResumeRecord>> + use<>> {
        let promise = fetch(
            &self.url(content_id),
            "GET",
            self.token.as_deref()?,
            None,
            false,
        )?;
        Some(async move {
            let response: Response = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
            if !ok(&response) {
                return None;
            }
            let text = JsFuture::from(response.text().ok()?)
                .await
                .ok()?
                .as_string()?;
            ResumeRecord::from_json(&text).ok()
        })
    }
}

fn on_media_event(inner: &Rc<RefCell<Inner>>, event: &str, video: &HtmlMediaElement) {
    let now = now_ms();
    {
        let mut i = inner.borrow_mut();
        let Some(tracked) = i.tracked.as_mut() else {
            return;
        };
        let t = &mut tracked.tracker;
        match event {
            "timeupdate" => t.handle_playhead(now, video.current_time()),
            "playing" => t.handle_playing(now),
            "pause" => {
                t.handle_playhead(now, video.current_time());
                t.handle_paused(now);
            }
            "seeked" => t.handle_seeked(now, video.current_time()),
            "durationchange" => t.handle_duration(now, js::num(video, "duration")),
            "ended" => t.handle_ended(now),
            _ => {}
        }
    }
    persist(inner, false);
}

fn on_page_event(inner: &Rc<RefCell<Inner>>, pagehide: bool) {
    let now = now_ms();
    {
        let mut i = inner.borrow_mut();
        let Some(tracked) = i.tracked.as_mut() else {
            return;
        };
        if pagehide {
            tracked.tracker.handle_pagehide(now);
        } else {
            tracked.tracker.handle_page_hidden(now);
        }
    }
    persist(inner, true);
}

/// Writes the tracker's save, if any, locally and to the queue, then uploads it.
fn persist(inner: &Rc<RefCell<Inner>>, unloading: bool) {
    let saved = {
        let mut i = inner.borrow_mut();
        let user = i.user.clone();
        let Some(tracked) = i.tracked.as_mut() else {
            return;
        };
        let Some(record) = tracked.tracker.poll_save() else {
            return;
        };
        write_local(&user, &tracked.content_id, &record);
        enqueue(&user, &tracked.content_id, &record);
        (tracked.content_id.clone(), record)
    };
    if unloading {
        // The page may be gone before a promise resolves: a keepalive PUT is all we can do;
        // the queue entry stays and is replayed on the next visit if it did not arrive.
        let i = inner.borrow();
        if let Some(token) = i.token.as_deref() {
            let body = saved.1.to_json();
            let _ = fetch(&i.url(&saved.0), "PUT", token, Some(&body), true);
        }
    } else {
        spawn_flush(inner);
    }
}

fn spawn_flush(inner: &Rc<RefCell<Inner>>) {
    let inner = inner.clone();
    js::spawn(async move { flush(&inner).await });
}

/// What the server said to one queued PUT.
enum Outcome {
    /// Stored (2xx), or refused for good (a 4xx other than 401/408/429): drop it.
    Done,
    /// Unreachable, 5xx, or not signed in: keep it.
    Retry,
}

/// Uploads the queued records one by one; keeps the replay timer running while any is left.
async fn flush(inner: &Rc<RefCell<Inner>>) {
    let (user, token) = {
        let mut i = inner.borrow_mut();
        if i.flushing {
            return;
        }
        i.flushing = true;
        (i.user.clone(), i.token.clone())
    };
    if let Some(token) = token {
        for (content_id, record) in read_queue(&user) {
            let body = record.to_json();
            let url = inner.borrow().url(&content_id);
            let outcome = match fetch(&url, "PUT", &token, Some(&body), false) {
                Some(promise) => match JsFuture::from(promise).await {
                    Ok(value) => match value.dyn_into::<Response>() {
                        Ok(r) if ok(&r) => Outcome::Done,
                        Ok(r) if matches!(status(&r), 401 | 408 | 429) || status(&r) >= 500 => {
                            Outcome::Retry
                        }
                        Ok(_) => Outcome::Done,
                        Err(_) => Outcome::Retry,
                    },
                    Err(_) => Outcome::Retry,
                },
                None => Outcome::Retry,
            };
            match outcome {
                Outcome::Done => dequeue(&user, &content_id, &record),
                // The server is away: the rest would fail the same way.
                Outcome::Retry => break,
            }
        }
    }
    let left = !read_queue(&user).is_empty();
    let mut i = inner.borrow_mut();
    i.flushing = false;
    if left && i.replay.is_none() {
        let weak = Rc::downgrade(inner);
        i.replay = Some(Timer::every(REPLAY_PERIOD_MS, move || {
            if let Some(inner) = weak.upgrade() {
                spawn_flush(&inner);
            }
        }));
    } else if !left {
        i.replay = None;
    }
}

/// Starts a JSON request with the bearer token; `None` when fetch cannot even start.
fn fetch(
    url: &str,
    method: &str,
    token: &str,
    body: Option<&str>,
    keepalive: bool,
) -> Option<Promise> {
    let window = js::window()?;
    let mut headers = ObjectBuilder::new().set("authorization", ["Bearer ", token].concat());
    let mut init = ObjectBuilder::new().set("method", method);
    if let Some(body) = body {
        headers = headers.set("content-type", "application/json");
        init = init.set("body", body);
    }
    init = init.set("headers", headers.build());
    if keepalive {
        init = init.set("keepalive", true);
    }
    Some(window.fetch_with_str_and_init(url, init.build().unchecked_ref()))
}

/// `response.ok`, from the status.
fn ok(response: &Response) -> bool {
    (200..300).contains(&status(response))
}

/// `response.status`, read by name (one import fewer than web-sys's getter).
fn status(response: &Response) -> u16 {
    js::num(response, "status") as u16
}

fn storage() -> Option<Storage> {
    let window = js::window()?;
    let storage = js::get(&window, "localStorage");
    (!js::is_nullish(&storage)).then(|| storage.unchecked_into())
}

fn record_key(user: &str, content_id: &str) -> String {
    ["flodrama.resume.", user, ".", content_id].concat()
}

fn queue_key(user: &str) -> String {
    ["flodrama.resume-queue.", user].concat()
}

fn read_local(user: &str, content_id: &str) -> Option<ResumeRecord> {
    let text = storage()?.get_item(&record_key(user, content_id)).ok()??;
    ResumeRecord::from_json(&text).ok()
}

fn write_local(user: &str, content_id: &str, record: &ResumeRecord) {
    if let Some(storage) = storage() {
        // A full or disabled storage loses only the local copy; the queue may still hold it.
        let _ = storage.set_item(&record_key(user, content_id), &record.to_json());
    }
}

fn read_queue(user: &str) -> RecordQueue {
    storage()
        .and_then(|s| s.get_item(&queue_key(user)).ok().flatten())
        .and_then(|text| records_from_json(&text).ok())
        .unwrap_or_default()
}

fn write_queue(user: &str, queue: &RecordQueue) {
    let Some(storage) = storage() else {
        return;
    };
    let key = queue_key(user);
    let _ = if queue.is_empty() {
        storage.remove_item(&key)
    } else {
        storage.set_item(&key, &records_to_json(queue))
    };
}

/// Queues `record` unless a newer one for the title is already queued.
fn enqueue(user: &str, content_id: &str, record: &ResumeRecord) {
    let mut queue = read_queue(user);
    if queue
        .get(content_id)
        .is_some_and(|q| q.updated_at > record.updated_at)
    {
        return;
    }
    queue.insert(content_id.to_owned(), record.clone());
    write_queue(user, &queue);
}

/// Removes `record` from the queue unless a newer save replaced it meanwhile.
fn dequeue(user: &str, content_id: &str, record: &ResumeRecord) {
    let mut queue = read_queue(user);
    if queue.get(content_id) == Some(record) {
        queue.remove(content_id);
        write_queue(user, &queue);
    }
}

fn to_js(record: &ResumeRecord) -> JsValue {
    ObjectBuilder::new()
        .set("position", record.position)
        .set(
            "duration",
            record.duration.map_or(JsValue::NULL, JsValue::from),
        )
        .set("completed", record.completed)
        .set("updatedAt", record.updated_at)
        .build()
}

/// Heartbeat period of [`SessionReporter`], in ms.
const HEARTBEAT_MS: f64 = 30_000.0;

/// Reports a viewing session to `POST /api/sessions`: `start` on `begin`, a heartbeat with the
/// QoE figures every 30 s, and `end` on `finish` or `pagehide`. Figures come from the video
/// element's events; the player adds bitrates (`bitrate(bps)`) and errors (`error(code)`).
/// Reports that fail are not retried: they are statistics, and the next heartbeat carries the
/// cumulative figures anyway.
#[wasm_bindgen]
pub struct SessionReporter {
    inner: Rc<RefCell<Reporter>>,
}

struct Reporter {
    api_base: String,
    token: String,
    meter: QoeMeter,
    session_id: Option<String>,
    ended: bool,
    /// Detached by `finish`.
    listeners: Vec<Listener>,
    /// Held while the session is open; dropping it cancels the timer.
    heartbeat: Option<Timer>,
}

#[wasm_bindgen]
impl SessionReporter {
    /// `SessionReporter.begin({apiBase?, token}, contentId, video)`: starts measuring now and
    /// sends `start`.
    pub fn begin(
        options: JsValue,
        content_id: String,
        video: HtmlMediaElement,
    ) -> Result<SessionReporter, JsValue> {
        let text = |key: &str| js::get(&options, key).as_string();
        let token = text("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| error("SessionReporter needs a token"))?;
        let api_base = text("apiBase")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        let window = js::window().ok_or_else(|| error("no window"))?;
        let inner = Rc::new(RefCell::new(Reporter {
            api_base,
            token,
            meter: QoeMeter::new(now_ms(), HEARTBEAT_MS),
            session_id: None,
            ended: false,
            listeners: Vec::new(),
            heartbeat: None,
        }));
        let mut listeners = Vec::new();
        let media: &EventTarget = video.as_ref();
        for event in ["playing", "waiting", "pause", "seeking", "ended"] {
            let weak = Rc::downgrade(&inner);
            listeners.extend(listen(media, event, move |_| {
                if let Some(inner) = weak.upgrade() {
                    let now = now_ms();
                    let meter = &mut inner.borrow_mut().meter;
                    match event {
                        "playing" => meter.handle_playing(now),
                        "waiting" => meter.handle_waiting(now),
                        "ended" => meter.handle_ended(now),
                        _ => meter.handle_paused(now),
                    }
                }
            }));
        }
        let weak = Rc::downgrade(&inner);
        listeners.extend(listen(&window, "pagehide", move |_| {
            if let Some(inner) = weak.upgrade() {
                finish(&inner, true);
            }
        }));
        let weak = Rc::downgrade(&inner);
        let heartbeat = Timer::every(1_000, move || {
            if let Some(inner) = weak.upgrade() {
                let report = {
                    let mut r = inner.borrow_mut();
                    if r.ended || r.session_id.is_none() {
                        return;
                    }
                    r.meter.poll_report(now_ms())
                };
                if let Some(report) = report {
                    send_report(&inner, "heartbeat", &report, false);
                }
            }
        });
        {
            let mut r = inner.borrow_mut();
            r.listeners = listeners;
            r.heartbeat = Some(heartbeat);
        }
        let body = ObjectBuilder::new().set("contentId", content_id).build();
        let body = js_sys::JSON::stringify(&body)
            .map(String::from)
            .unwrap_or_default();
        let start = {
            let r = inner.borrow();
            fetch(
                &[&r.api_base, "/api/sessions"].concat(),
                "POST",
                &r.token,
                Some(&body),
                false,
            )
        };
        if let Some(promise) = start {
            let weak = Rc::downgrade(&inner);
            js::spawn(async move {
                let id = session_id_of(promise).await;
                if let (Some(inner), Some(id)) = (weak.upgrade(), id) {
                    inner.borrow_mut().session_id = Some(id);
                }
            });
        }
        Ok(SessionReporter { inner })
    }

    /// Calls for the typed wrapper (one export instead of five): `op` 0 `bitrate(number)`,
    /// 1 `error(text)`, 2 `finish()`, 3 `qoe()`, 4 `sessionId` (`undefined` until known).
    pub fn act(&self, op: u32, number: f64, text: Option<String>) -> JsValue {
        match op {
            0 => self.bitrate(number),
            1 => self.error(text.as_deref().unwrap_or_default()),
            2 => self.finish(),
            3 => return self.qoe(),
            _ => return self.session_id().into(),
        }
        JsValue::UNDEFINED
    }
}

impl SessionReporter {
    /// The rendition now playing has `bitrate` bits/s.
    pub fn bitrate(&self, bitrate: f64) {
        if bitrate.is_finite() && bitrate > 0.0 {
            self.inner
                .borrow_mut()
                .meter
                .handle_bitrate(now_ms(), bitrate as u64);
        }
    }

    /// An error with `code` occurred.
    pub fn error(&self, code: &str) {
        self.inner.borrow_mut().meter.handle_error(now_ms(), code);
    }

    /// The figures so far: `{watchTimeS, startupMs, rebufferCount, rebufferS,
    /// bitrateHistogram, meanBitrate, errors}`.
    pub fn qoe(&self) -> JsValue {
        let report = self.inner.borrow_mut().meter.report(now_ms());
        js_sys::JSON::parse(&report.to_json()).unwrap_or(JsValue::NULL)
    }

    /// The server's id of the session, once `start` was answered.
    pub fn session_id(&self) -> Option<String> {
        self.inner.borrow().session_id.clone()
    }

    /// Sends `end` with the final figures and stops measuring.
    pub fn finish(&self) {
        finish(&self.inner, false);
    }
}

async fn session_id_of(promise: Promise) -> Option<String> {
    let response: Response = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    if !ok(&response) {
        return None;
    }
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    js::get(&json, "sessionId").as_string()
}

fn finish(inner: &Rc<RefCell<Reporter>>, unloading: bool) {
    let report = {
        let mut r = inner.borrow_mut();
        if r.ended {
            return;
        }
        r.ended = true;
        r.heartbeat = None;
        r.listeners.clear();
        r.meter.report(now_ms())
    };
    send_report(inner, "end", &report, unloading);
}

fn send_report(inner: &Rc<RefCell<Reporter>>, kind: &str, report: &QoeReport, keepalive: bool) {
    let r = inner.borrow();
    let Some(id) = r.session_id.as_deref() else {
        return;
    };
    let body = ["{\"qoe\":", &report.to_json(), "}"].concat();
    let url = [&r.api_base, "/api/sessions/", id, "/", kind].concat();
    // Fire and forget: a lost report is superseded by the next cumulative one.
    let _ = fetch(&url, "POST", &r.token, Some(&body), keepalive);
}
