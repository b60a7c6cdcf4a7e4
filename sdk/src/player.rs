//! `Player`: owns the engine and carries out its commands with fetch, MSE and timers.

use crate::config::engine_config;
use crate::events::{error_to_js, levels_to_js, to_js, tracks_to_js};
use crate::js::{self, Callback, Listeners, ObjectBuilder, Timer, now_ms};
use crate::mse::{Mse, Op, message_of};
use crate::stats::Stats;
use crate::text_tracks::TextTracks;
use js_sys::Uint8Array;
use player_core::engine::{
    Engine, ErrorDetail, ErrorKind, Input, LoadRequest, Output, PlayerError, PlayerEvent,
};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, HtmlVideoElement, ReadableStreamDefaultReader, Response};

/// How often the playhead is sampled besides `timeupdate`, milliseconds.
const PLAYHEAD_SAMPLE_MS: u32 = 250;

/// Least time between two progress reports of one load, milliseconds.
const PROGRESS_MS: f64 = 100.0;

/// Largest body accepted for any load (playlists, keys, segments), bytes.
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// The failure of a load whose body is larger than [`MAX_BODY_BYTES`].
const TOO_LARGE: &str = "the body is larger than 268435456 bytes";

/// Delay after a stream URL's renewal time before asking for the new one, milliseconds.
const RENEW_SLACK_MS: f64 = 50.0;

/// Delay before asking again when a renewal ahead of expiry failed, milliseconds.
const RENEW_RETRY_MS: u32 = 5_000;

type Shared = Rc<RefCell<Inner>>;

struct Inner {
    engine: Engine,
    video: HtmlVideoElement,
    mse: Option<Mse>,
    fetches: Vec<(u64, AbortController)>,
    timer: Option<(f64, Timer)>,
    listeners: Listeners,
    /// JS events waiting to be dispatched once the state is no longer borrowed.
    outbox: Vec<(&'static str, JsValue)>,
    video_handlers: Vec<(&'static str, Callback)>,
    sampler: Option<Timer>,
    /// `config.resume`: the JS `ResumeClient` (sdk/js/resume.js) that saves and restores where
    /// the viewer stopped; `None`: `load` with a `contentId` does not resume.
    resume: Option<JsValue>,
    /// Counts `load` calls, so a resume lookup that finishes late is dropped.
    load_generation: u64,
    /// Figures of `stats()`, since the last `load`.
    stats: Stats,
    /// The subtitle renditions as the video element's TextTracks.
    text_tracks: TextTracks,
    destroyed: bool,
    /// `config.proxy`: an object with `getStreamUrl` (a `VideoProxyClient`), if any.
    proxy: Option<JsValue>,
    /// The title played with URLs from the proxy, renewed ahead of expiry.
    stream: Option<Stream>,
    /// Fires at the stream URL's renewal time.
    renew_timer: Option<Timer>,
}

/// A title whose signed URL the proxy renews.
#[derive(Clone)]
struct Stream {
    content_id: String,
    quality: Option<String>,
    session_id: Option<String>,
    /// The URL the engine has.
    url: String,
    generation: u64,
}

/// A load waiting for its stream URL (from the proxy) and/or its resume position: one
/// future serves `load(url, {contentId})` and `load({contentId})`.
struct PendingLoad {
    generation: u64,
    /// The URL, or the proxy's promise of `{url, refreshAt, ...}`.
    url: Result<String, js_sys::Promise>,
    /// `ResumeClient.resolve`'s promise of `{position, source}`.
    resolving: Option<js_sys::Promise>,
    /// Where to start without a resume position.
    start_position: Option<f64>,
    content_id: String,
    /// The title renewed through the proxy, when the URL comes from it.
    stream: Option<Stream>,
}

impl PendingLoad {
    /// Awaits the URL and the resume position, then starts playback unless another `load`
    /// came meanwhile.
    async fn finish(self, weak: Weak<RefCell<Inner>>) {
        let issued = match self.url {
            Ok(url) => Ok(Err(url)),
            Err(promise) => JsFuture::from(promise).await.map(Ok),
        };
        let resolved = match self.resolving {
            Some(p) => Some(JsFuture::from(p).await.unwrap_or(JsValue::NULL)),
            None => None,
        };
        let Some(shared) = weak.upgrade() else {
            return;
        };
        {
            let Ok(mut inner) = shared.try_borrow_mut() else {
                return;
            };
            if inner.destroyed || inner.load_generation != self.generation {
                return;
            }
            let (url, issued) = match issued {
                Ok(Ok(issued)) => (js::text(&issued, "url"), Some(issued)),
                Ok(Err(url)) => (url, None),
                Err(e) => {
                    let message = ["no stream URL: ", &message_of(&e)].concat();
                    inner.outbox.push(network_fatal(message));
                    drop(inner);
                    drive(&shared);
                    return;
                }
            };
            let position = match &resolved {
                Some(r) => Some(js::num(r, "position")),
                None => self.start_position,
            };
            inner.begin_playback(&shared, &url, position);
            if let (Some(issued), Some(stream)) = (issued, self.stream) {
                inner.stream = Some(Stream { url, ..stream });
                inner.schedule_renewal(&weak, &issued);
            }
            if let (Some(r), Some(position)) = (&resolved, position) {
                let source = js::get(r, "source").as_string();
                let source = source.as_deref().unwrap_or("none");
                inner.apply_resume(self.content_id, position, source);
            }
        }
        drive(&shared);
    }
}

/// The options of `load(url, options)`, or the title of `load({contentId, ...})`.
#[derive(Default)]
struct LoadOptions {
    content_id: Option<String>,
    quality: Option<String>,
    session_id: Option<String>,
    start_position: Option<f64>,
}

impl LoadOptions {
    fn read(options: &JsValue) -> Result<Self, JsValue> {
        if options.is_undefined() || options.is_null() {
            return Ok(Self::default());
        }
        if !options.is_object() {
            return Err(js::fail(&[
                "load(url, options): options must be an object, got ",
                &js::describe(options),
            ]));
        }
        let content_id = js::get(options, "contentId");
        let content_id = match content_id.as_string() {
            Some(id) if !id.is_empty() => Some(id),
            None if content_id.is_undefined() || content_id.is_null() => None,
            _ => {
                return Err(js::fail(&[
                    "load(url, options): contentId must be a non-empty string, got ",
                    &js::describe(&content_id),
                ]));
            }
        };
        let start_position = js::number_field(options, "startPosition")?;
        let text = |key: &str| -> Result<Option<String>, JsValue> {
            let value = js::get(options, key);
            match value.as_string() {
                Some(s) if !s.is_empty() => Ok(Some(s)),
                None if value.is_undefined() || value.is_null() => Ok(None),
                _ => Err(js::fail(&[
                    "load(): ",
                    key,
                    " must be a non-empty string, got ",
                    &js::describe(&value),
                ])),
            }
        };
        Ok(Self {
            content_id,
            quality: text("quality")?,
            session_id: text("sessionId")?,
            start_position,
        })
    }
}

/// `config.proxy`: a JS `VideoProxyClient` (sdk/js/proxy.js, made by index.js from the
/// options of one) or any object with `getStreamUrl`.
fn proxy_from_config(config: &JsValue) -> Result<Option<JsValue>, JsValue> {
    let proxy = js::get(config, "proxy");
    if js::is_nullish(&proxy) {
        return Ok(None);
    }
    if !js::get(&proxy, "getStreamUrl").is_function() {
        return Err(js::fail(&[
            "config.proxy must be a VideoProxyClient or an object with getStreamUrl, got ",
            &js::describe(&proxy),
        ]));
    }
    Ok(Some(proxy))
}

/// `obj[name](a, b)`, for the JS clients the player is given.
fn invoke(obj: &JsValue, name: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    js::get(obj, name)
        .dyn_into::<js_sys::Function>()
        .map_err(|_| js::fail(&["the client has no method ", name]))?
        .call2(obj, a, b)
}

/// `proxy.getStreamUrl(contentId, quality, sessionId)`.
fn ask_proxy(proxy: &JsValue, stream: &Stream) -> Result<js_sys::Promise, JsValue> {
    let method: js_sys::Function = js::get(proxy, "getStreamUrl")
        .dyn_into()
        .map_err(|_| js::error("config.proxy has no getStreamUrl method"))?;
    let optional = |s: &Option<String>| s.as_deref().map_or(JsValue::UNDEFINED, JsValue::from);
    method
        .call3(
            proxy,
            &stream.content_id.as_str().into(),
            &optional(&stream.quality),
            &optional(&stream.session_id),
        )?
        .dyn_into()
        .map_err(|_| js::error("config.proxy.getStreamUrl did not return a promise"))
}

/// An HLS player bound to one `<video>` element.
#[wasm_bindgen]
pub struct Player {
    shared: Shared,
}

#[wasm_bindgen]
impl Player {
    /// `new Player(video, config?)`. Throws when `video` is not an HTMLVideoElement or the
    /// config has a wrongly typed field. `config.resume` is a JS `ResumeClient` (index.js makes
    /// it from the `resume` options; absent: no resume) and `config.proxy` a `VideoProxyClient`
    /// (index.js makes it from its options) or any object with `getStreamUrl`.
    #[wasm_bindgen(constructor)]
    pub fn new(video: JsValue, config: JsValue) -> Result<Player, JsValue> {
        let video: HtmlVideoElement = video.dyn_into().map_err(|v| {
            js::fail(&["Player needs an HTMLVideoElement, got ", &js::describe(&v)])
        })?;
        let engine = Engine::new(engine_config(&config)?);
        let resume = Some(js::get(&config, "resume")).filter(JsValue::is_object);
        let proxy = proxy_from_config(&config)?;
        let shared = Rc::new(RefCell::new(Inner {
            engine,
            video: video.clone(),
            mse: None,
            fetches: Vec::new(),
            timer: None,
            listeners: Listeners::default(),
            outbox: Vec::new(),
            video_handlers: Vec::new(),
            sampler: None,
            resume,
            load_generation: 0,
            stats: Stats::new(now_ms()),
            text_tracks: TextTracks::default(),
            destroyed: false,
            proxy,
            stream: None,
            renew_timer: None,
        }));
        let weak = Rc::downgrade(&shared);
        let mut handlers = Vec::new();
        for name in [
            "timeupdate",
            "seeking",
            "playing",
            "waiting",
            "pause",
            "ended",
        ] {
            let handler = event_handler(&weak, move |inner, _| {
                let now = now_ms();
                if name == "timeupdate" {
                    let input = inner.playhead();
                    inner.engine.handle_input(now, input);
                    return;
                }
                if name == "seeking" {
                    let position = inner.video.current_time();
                    inner.engine.handle_input(now, Input::Seeking { position });
                }
                let seeking = js::flag(&inner.video, "seeking");
                inner.stats.handle_media_event(now, name, seeking);
            });
            video
                .add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())
                .map_err(|e| js::error(&message_of(&e)))?;
            handlers.push((name, handler));
        }
        let sampler_weak = weak.clone();
        let sampler = Timer::every(PLAYHEAD_SAMPLE_MS, move || {
            with_inner(&sampler_weak, |inner| {
                let now = now_ms();
                for input in inner.media_state() {
                    inner.engine.handle_input(now, input);
                }
            });
        });
        {
            let mut inner = shared.borrow_mut();
            inner.video_handlers = handlers;
            inner.sampler = Some(sampler);
        }
        Ok(Player { shared })
    }

    /// Loads and plays `url`, a multivariant or media playlist (relative URLs resolve against
    /// the page), replacing whatever was loaded before. `options.contentId` names the title:
    /// with a `config.resume` client, playback then starts where `resolve(contentId)` says,
    /// `resumeApplied {position, source}` is emitted and the client `track`s the position as
    /// it plays. `options.startPosition` (seconds) overrides where to start.
    ///
    /// `load({contentId, quality?, sessionId?, startPosition?})` gets the URL from
    /// `config.proxy` (a `VideoProxyClient`) and renews it ahead of expiry while the title
    /// plays. With a proxy, `load(url, {contentId})` renews the URL when the origin answers
    /// that it expired. URLs are used byte-exact.
    pub fn load(&self, source: JsValue, options: JsValue) -> Result<(), JsValue> {
        if source.is_object() {
            return self.load_content(&source);
        }
        let url = source.as_string().ok_or_else(|| {
            js::fail(&[
                "load() needs a URL string or {contentId}, got ",
                &js::describe(&source),
            ])
        })?;
        let absolute = if web_sys::Url::new(&url).is_ok() {
            url
        } else {
            let parsed = web_sys::Url::new_with_base(&url, &base_uri())
                .map_err(|_| js::fail(&["load(): ", &url, " is not a valid URL"]))?;
            js::text(&parsed, "href")
        };
        let options = LoadOptions::read(&options)?;
        let resume = {
            let mut inner = self.live()?;
            inner.load_generation += 1;
            inner.untrack();
            inner.renew_timer = None;
            inner.stream = match (&options.content_id, &inner.proxy) {
                (Some(id), Some(_)) => Some(Stream {
                    content_id: id.clone(),
                    quality: options.quality.clone(),
                    session_id: options.session_id.clone(),
                    url: absolute.clone(),
                    generation: inner.load_generation,
                }),
                _ => None,
            };
            match &options.content_id {
                Some(id) if options.start_position.is_none() => inner
                    .resolve(id)
                    .map(|resolving| (inner.load_generation, resolving)),
                _ => None,
            }
        };
        let Some((generation, resolving)) = resume else {
            self.start(&absolute, options.start_position);
            return Ok(());
        };
        let pending = PendingLoad {
            generation,
            url: Ok(absolute),
            resolving: Some(resolving),
            start_position: None,
            content_id: options.content_id.unwrap_or_default(),
            stream: None,
        };
        js::spawn(pending.finish(Rc::downgrade(&self.shared)));
        Ok(())
    }

    /// `load({contentId, ...})`: the URL from the proxy, and the resume position, together.
    fn load_content(&self, source: &JsValue) -> Result<(), JsValue> {
        let options = LoadOptions::read(source)?;
        let content_id = options
            .content_id
            .clone()
            .ok_or_else(|| js::error("load({contentId}): contentId must be a non-empty string"))?;
        let pending = {
            let mut inner = self.live()?;
            let proxy = inner.proxy.clone().ok_or_else(|| {
                js::error(
                    "load({contentId}) needs config.proxy (a VideoProxyClient or {apiBase, tokenProvider})",
                )
            })?;
            inner.load_generation += 1;
            inner.untrack();
            inner.renew_timer = None;
            inner.stream = None;
            let stream = Stream {
                content_id: content_id.clone(),
                quality: options.quality.clone(),
                session_id: options.session_id.clone(),
                url: String::new(),
                generation: inner.load_generation,
            };
            let url = Err(ask_proxy(&proxy, &stream)?);
            let resolving = options
                .start_position
                .is_none()
                .then(|| inner.resolve(&content_id))
                .flatten();
            PendingLoad {
                generation: inner.load_generation,
                url,
                resolving,
                start_position: options.start_position,
                content_id,
                stream: Some(stream),
            }
        };
        js::spawn(pending.finish(Rc::downgrade(&self.shared)));
        Ok(())
    }

    /// Property `key` of the typed wrapper (one export instead of a getter each): 0 `levels`,
    /// 1 `media`, 2 `currentLevel`, 3 `nextLevel`, 4 `audioTracks`, 5 `audioTrack`,
    /// 6 `subtitleTracks`, 7 `subtitleTrack`, 8 `autoLevelEnabled`, 9 `latency`, 10 `liveEdge`,
    /// 11 `bandwidthEstimate`, 12 `stats()`; `undefined` for other keys.
    pub fn get(&self, key: u32) -> Result<JsValue, JsValue> {
        Ok(match key {
            0 => self.levels()?,
            1 => self.media()?.into(),
            2 => self.current_level()?.into(),
            3 => self.next_level()?.into(),
            4 => self.audio_tracks()?,
            5 => self.audio_track()?.into(),
            6 => self.subtitle_tracks()?,
            7 => self.subtitle_track()?.into(),
            8 => self.auto_level_enabled()?.into(),
            9 => self.latency()?.into(),
            10 => self.live_edge()?.into(),
            11 => self.bandwidth_estimate()?.into(),
            12 => self.stats()?,
            _ => JsValue::UNDEFINED,
        })
    }

    /// Sets property `key` (numbered as for [`Player::get`]: 2 `currentLevel`, 3 `nextLevel`,
    /// 5 `audioTrack`, 7 `subtitleTrack`; 12 seeks to `value` seconds) to `value`; other keys
    /// are ignored.
    pub fn set(&self, key: u32, value: JsValue) -> Result<(), JsValue> {
        match key {
            2 => self.set_current_level(value),
            3 => self.set_next_level(value),
            5 => self.set_audio_track(value),
            7 => self.set_subtitle_track(value),
            12 => self.seek(value),
            _ => Ok(()),
        }
    }

    /// Calls for the typed wrapper (one export instead of four): `op` 0 `play()` (its
    /// promise), 1 `pause()`, 2 `recoverMediaError()`, 3 `destroy()`.
    pub fn act(&self, op: u32) -> Result<JsValue, JsValue> {
        match op {
            0 => return self.play().map(JsValue::from),
            1 => self.pause()?,
            2 => self.recover_media_error()?,
            _ => self.destroy(),
        }
        Ok(JsValue::UNDEFINED)
    }

    /// `on(name, callback)` when `add`, else `off(name, callback)` (one export for both).
    pub fn listen(&self, add: bool, name: &str, callback: JsValue) -> Result<(), JsValue> {
        if add {
            self.on(name, callback)
        } else {
            self.off(name, callback)
        }
    }
}

impl Player {
    /// Recovers from a fatal media error (hls.js's `recoverMediaError`): attaches a new
    /// MediaSource and buffers again from the current position.
    pub fn recover_media_error(&self) -> Result<(), JsValue> {
        {
            let mut inner = self.live()?;
            inner.attach_media_source(&Rc::downgrade(&self.shared));
            inner.engine.recover_media_error(now_ms());
        }
        drive(&self.shared);
        Ok(())
    }

    /// Starts playback; resolves when the browser allows it.
    pub fn play(&self) -> Result<js_sys::Promise, JsValue> {
        let inner = self.live()?;
        inner.video.play()
    }

    /// Pauses playback.
    pub fn pause(&self) -> Result<(), JsValue> {
        let inner = self.live()?;
        inner.video.pause()
    }

    /// Moves the playhead to `position` seconds.
    pub fn seek(&self, position: JsValue) -> Result<(), JsValue> {
        let t = position
            .as_f64()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| {
                js::fail(&[
                    "seek() needs a non-negative number of seconds, got ",
                    &js::describe(&position),
                ])
            })?;
        js::put(&self.live()?.video, "currentTime", &t.into());
        Ok(())
    }

    /// What was loaded and how playback went since the last `load`: `{bandwidthEstimate,
    /// bufferedAhead, level, bitrate, width, height, droppedFrames, decodedFrames,
    /// segmentsLoaded, segmentsFailed, bytesLoaded, startupMs, stalls, stallSeconds,
    /// watchSeconds, latency}`.
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        let mut inner = self.live()?;
        let inner = &mut *inner;
        Ok(inner.stats.snapshot(now_ms(), &inner.engine, &inner.video))
    }

    /// Calls `callback(payload)` on every event named `name`.
    pub fn on(&self, name: &str, callback: JsValue) -> Result<(), JsValue> {
        self.live()?.listeners.on(name, callback)
    }

    /// Removes a callback added with `on`.
    pub fn off(&self, name: &str, callback: JsValue) -> Result<(), JsValue> {
        self.live()?.listeners.off(name, &callback);
        Ok(())
    }

    /// Stops loading, detaches from the video element and releases everything. Any later call
    /// throws.
    pub fn destroy(&self) {
        let Ok(mut inner) = self.shared.try_borrow_mut() else {
            return;
        };
        if inner.destroyed {
            return;
        }
        inner.destroyed = true;
        inner.abort_all();
        inner.untrack();
        inner.timer = None;
        inner.renew_timer = None;
        inner.stream = None;
        inner.sampler = None;
        let handlers = std::mem::take(&mut inner.video_handlers);
        js::detach(&inner.video, handlers);
        if inner.mse.take().is_some() {
            let _ = inner.video.remove_attribute("src");
            inner.video.load();
        }
        inner.listeners.clear();
    }

    /// The levels of the loaded title: `[{bitrate, width, height, codecs, url}]`.
    pub fn levels(&self) -> Result<JsValue, JsValue> {
        Ok(levels_to_js(&self.live()?.engine.levels()))
    }

    /// The video element the player drives (so `WatchParty.join(url, {player})` can take a
    /// `Player`).
    pub fn media(&self) -> Result<HtmlVideoElement, JsValue> {
        Ok(self.live()?.video.clone())
    }

    /// Level of the segments being loaded, -1 before any.
    pub fn current_level(&self) -> Result<i32, JsValue> {
        Ok(self.live()?.engine.current_level().map_or(-1, |l| l as i32))
    }

    /// Switches to `level` now, flushing what is buffered ahead; -1 returns to automatic.
    pub fn set_current_level(&self, level: JsValue) -> Result<(), JsValue> {
        let level = level_arg("currentLevel", &level)?;
        self.live()?.engine.set_current_level(now_ms(), level);
        drive(&self.shared);
        Ok(())
    }

    /// Level requested for the next segments, -1 when automatic.
    pub fn next_level(&self) -> Result<i32, JsValue> {
        Ok(self.live()?.engine.next_level().map_or(-1, |l| l as i32))
    }

    /// Plays `level` from the next segment on without flushing; -1 returns to automatic.
    pub fn set_next_level(&self, level: JsValue) -> Result<(), JsValue> {
        let level = level_arg("nextLevel", &level)?;
        self.live()?.engine.set_next_level(now_ms(), level);
        drive(&self.shared);
        Ok(())
    }

    /// The title's audio renditions: `[{id, name, lang, default}]`.
    pub fn audio_tracks(&self) -> Result<JsValue, JsValue> {
        Ok(tracks_to_js(self.live()?.engine.audio_tracks()))
    }

    /// The audio rendition playing, -1 when the title has none.
    pub fn audio_track(&self) -> Result<i32, JsValue> {
        Ok(self.live()?.engine.audio_track().map_or(-1, |t| t as i32))
    }

    /// Plays audio rendition `id` from the playhead on (the audio buffered ahead is
    /// replaced); emits `audioTrackSwitching`, then `audioTrackSwitched`.
    pub fn set_audio_track(&self, id: JsValue) -> Result<(), JsValue> {
        let id = track_arg("audioTrack", &id, false)?.unwrap_or(0);
        self.live()?.engine.set_audio_track(now_ms(), id);
        drive(&self.shared);
        Ok(())
    }

    /// The title's subtitle renditions: `[{id, name, lang, default}]`, each a TextTrack of the
    /// video element.
    pub fn subtitle_tracks(&self) -> Result<JsValue, JsValue> {
        Ok(tracks_to_js(self.live()?.engine.subtitle_tracks()))
    }

    /// The subtitle rendition shown, -1 when none.
    pub fn subtitle_track(&self) -> Result<i32, JsValue> {
        Ok(self
            .live()?
            .engine
            .subtitle_track()
            .map_or(-1, |t| t as i32))
    }

    /// Shows subtitle rendition `id` (its TextTrack `showing`), or none with -1; emits
    /// `subtitleTrackSwitch`.
    pub fn set_subtitle_track(&self, id: JsValue) -> Result<(), JsValue> {
        let id = track_arg("subtitleTrack", &id, true)?;
        self.live()?.engine.set_subtitle_track(now_ms(), id);
        drive(&self.shared);
        Ok(())
    }

    /// Whether ABR picks the level.
    pub fn auto_level_enabled(&self) -> Result<bool, JsValue> {
        Ok(self.live()?.engine.auto_level())
    }

    /// Seconds from the playhead to the live edge; NaN for VOD.
    pub fn latency(&self) -> Result<f64, JsValue> {
        Ok(self.live()?.engine.latency().unwrap_or(f64::NAN))
    }

    /// End of the live window in seconds (hls.js's `liveSyncPosition` is 3 target durations
    /// before it); NaN for VOD.
    pub fn live_edge(&self) -> Result<f64, JsValue> {
        Ok(self.live()?.engine.live_edge().unwrap_or(f64::NAN))
    }

    /// Bandwidth estimate in bits per second.
    pub fn bandwidth_estimate(&self) -> Result<f64, JsValue> {
        Ok(self.live()?.engine.bandwidth_estimate())
    }

    /// Attaches a new MediaSource and starts the engine on `url`.
    fn start(&self, url: &str, start_position: Option<f64>) {
        if let Ok(mut inner) = self.shared.try_borrow_mut() {
            inner.begin_playback(&self.shared, url, start_position);
        }
        drive(&self.shared);
    }

    fn live(&self) -> Result<std::cell::RefMut<'_, Inner>, JsValue> {
        let inner = self
            .shared
            .try_borrow_mut()
            .map_err(|_| js::error("Player is busy: called from inside its own callback"))?;
        if inner.destroyed {
            return Err(js::error("Player was destroyed; create a new one"));
        }
        Ok(inner)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.destroy();
    }
}

impl Inner {
    fn playhead(&self) -> Input {
        let ranges = self.video.buffered();
        let buffered = (0..ranges.length())
            .filter_map(|i| Some((ranges.start(i).ok()?, ranges.end(i).ok()?)))
            .collect();
        Input::Playhead {
            position: self.video.current_time(),
            buffered,
        }
    }

    /// The playhead, whether it plays, the element's size in device pixels and its frame
    /// counts.
    fn media_state(&self) -> [Input; 4] {
        let ratio = js::get(&js_sys::global(), "devicePixelRatio")
            .as_f64()
            .unwrap_or(1.0);
        let px = |key: &str| (js::num(&self.video, key).max(0.0) * ratio).round() as u32;
        let (dropped, decoded) = js::frame_counts(&self.video);
        let (dropped, decoded) = (dropped as u64, decoded as u64);
        [
            self.playhead(),
            Input::Paused {
                paused: js::flag(&self.video, "paused"),
            },
            Input::Viewport {
                width: px("clientWidth"),
                height: px("clientHeight"),
            },
            Input::Frames { dropped, decoded },
        ]
    }

    /// Emits `resumeApplied` and saves the position of `content_id` as it plays.
    fn apply_resume(&mut self, content_id: String, position: f64, source: &str) {
        let payload = ObjectBuilder::new()
            .set("position", position)
            .set("source", source)
            .build();
        self.outbox.push(("resumeApplied", payload));
        if let Some(resume) = &self.resume
            && let Err(e) = invoke(resume, "track", &content_id.into(), &self.video)
        {
            web_sys::console::warn_2(&"FloDrama: resume tracking failed".into(), &e);
        }
    }

    /// `config.resume.resolve(contentId)`: the promise of `{position, source}`, when resuming.
    fn resolve(&self, content_id: &str) -> Option<js_sys::Promise> {
        let resume = self.resume.as_ref()?;
        invoke(resume, "resolve", &content_id.into(), &JsValue::UNDEFINED)
            .ok()?
            .dyn_into()
            .ok()
    }

    /// `config.resume.untrack()`: the position of the title played so far is saved no more.
    fn untrack(&self) {
        if let Some(resume) = &self.resume {
            let _ = invoke(resume, "untrack", &JsValue::UNDEFINED, &JsValue::UNDEFINED);
        }
    }

    /// Arms the renewal of the stream URL at the `refreshAt` of the proxy's answer.
    fn schedule_renewal(&mut self, shared: &Weak<RefCell<Inner>>, issued: &JsValue) {
        let Some(refresh_at) = js::get(issued, "refreshAt")
            .as_f64()
            .filter(|t| t.is_finite())
        else {
            return;
        };
        let delay = (refresh_at - js_sys::Date::now()).max(0.0) + RENEW_SLACK_MS;
        let delay = delay.min(f64::from(u32::MAX)) as u32;
        self.arm_renewal(shared, delay);
    }

    fn arm_renewal(&mut self, shared: &Weak<RefCell<Inner>>, delay_ms: u32) {
        let weak = shared.clone();
        self.renew_timer = Some(Timer::once(delay_ms, move || {
            with_inner(&weak, |inner| {
                inner.renew_timer = None;
                inner.renew_url(&weak, false);
            });
        }));
    }

    /// Asks the proxy for the stream URL again (after invalidating it when the origin said it
    /// `expired`) and gives a new one to the engine.
    fn renew_url(&mut self, shared: &Weak<RefCell<Inner>>, expired: bool) {
        let (Some(proxy), Some(stream)) = (self.proxy.clone(), self.stream.clone()) else {
            if expired {
                self.engine.url_refresh_failed(
                    "the player has no VideoProxyClient for this title (config.proxy and load({contentId}))",
                );
            }
            return;
        };
        if expired {
            let invalidate = js::get(&proxy, "invalidate");
            if let Some(f) = invalidate.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(&proxy, &stream.content_id.as_str().into());
            }
        }
        let asked = ask_proxy(&proxy, &stream);
        let weak = shared.clone();
        js::spawn(async move {
            let answer = match asked {
                Ok(p) => JsFuture::from(p).await,
                Err(e) => Err(e),
            };
            with_inner(&weak, |inner| {
                if inner.load_generation != stream.generation {
                    return;
                }
                match answer {
                    Ok(issued) => {
                        let url = js::text(&issued, "url");
                        if let Some(s) = inner.stream.as_mut()
                            && (expired || s.url != url)
                            && !url.is_empty()
                        {
                            s.url = url.clone();
                            inner.engine.update_url(now_ms(), &url);
                        }
                        inner.schedule_renewal(&weak, &issued);
                    }
                    Err(e) if expired => inner.engine.url_refresh_failed(&message_of(&e)),
                    Err(e) => {
                        web_sys::console::warn_2(
                            &"FloDrama: renewing the stream URL failed; retrying".into(),
                            &e,
                        );
                        inner.arm_renewal(&weak, RENEW_RETRY_MS);
                    }
                }
            });
        });
    }

    fn begin_playback(&mut self, shared: &Shared, url: &str, start_position: Option<f64>) {
        self.abort_all();
        self.attach_media_source(&Rc::downgrade(shared));
        self.stats = Stats::new(now_ms());
        self.engine.load(now_ms(), url, start_position);
    }

    /// Replaces the MediaSource with a new one attached to the video element.
    fn attach_media_source(&mut self, shared: &Weak<RefCell<Inner>>) {
        self.mse = None;
        let on_open = event_handler(shared, |inner, _| {
            inner.engine.handle_input(now_ms(), Input::MediaSourceOpen);
        });
        match Mse::new(on_open) {
            Ok(mse) => {
                js::put(&self.video, "src", &mse.object_url.as_str().into());
                self.mse = Some(mse);
            }
            Err(message) => self.outbox.push(fatal(ErrorDetail::InvalidState, message)),
        }
    }

    fn abort_all(&mut self) {
        for (_, controller) in self.fetches.drain(..) {
            controller.abort();
        }
    }

    /// Performs every command the engine has, feeding immediate results back.
    fn perform_all(&mut self, shared: &Weak<RefCell<Inner>>) {
        while let Some(output) = self.engine.poll_output() {
            let inputs = self.perform(output, shared);
            for input in inputs {
                self.engine.handle_input(now_ms(), input);
            }
        }
        self.arm_timer(shared);
    }

    fn perform(&mut self, output: Output, shared: &Weak<RefCell<Inner>>) -> Vec<Input> {
        match output {
            Output::Load(req) => self.start_load(req, shared),
            Output::Abort(id) => {
                if let Some(c) = self.take_fetch(id) {
                    c.abort();
                }
                Vec::new()
            }
            Output::AddTrack { track, mime } => {
                let on_update_end = event_handler(shared, |inner, _| {
                    let inputs = inner.mse.as_mut().map(Mse::on_update_end);
                    for input in inputs.into_iter().flatten() {
                        inner.engine.handle_input(now_ms(), input);
                    }
                });
                let on_error = event_handler(shared, |inner, _| {
                    if let Some(mse) = inner.mse.as_mut() {
                        mse.on_error();
                    }
                });
                let added = match self.mse.as_mut() {
                    Some(mse) => mse.add_track(track, &mime, on_update_end, on_error),
                    None => Err("no MediaSource is attached".into()),
                };
                match added {
                    Ok(()) => Vec::new(),
                    Err(message) => vec![Input::AddTrackFailed { track, message }],
                }
            }
            Output::Append { track, data } => self.queue(Op::Append(track, data)),
            Output::Remove { track, start, end } => self.queue(Op::Remove(track, start, end)),
            Output::SetDuration(d) => self.queue(Op::Duration(d)),
            Output::SetTimestampOffset { track, offset } => {
                self.queue(Op::TimestampOffset(track, offset))
            }
            Output::EndOfStream => self.queue(Op::EndOfStream),
            Output::Seek(t) => {
                js::put(&self.video, "currentTime", &t.into());
                Vec::new()
            }
            Output::SetPlaybackRate(rate) => {
                js::put(&self.video, "playbackRate", &rate.into());
                Vec::new()
            }
            Output::Event(event) => {
                self.stats.handle_event(&event);
                if matches!(event, PlayerEvent::UrlExpired { .. }) {
                    self.renew_url(shared, true);
                }
                self.text_tracks.on_event(&self.video, &event);
                self.outbox.push(to_js(&event));
                Vec::new()
            }
        }
    }

    /// Removes the fetch `id` from those in flight; its controller when it was.
    fn take_fetch(&mut self, id: u64) -> Option<AbortController> {
        let at = self.fetches.iter().position(|(f, _)| *f == id)?;
        Some(self.fetches.swap_remove(at).1)
    }

    fn queue(&mut self, op: Op) -> Vec<Input> {
        match self.mse.as_mut() {
            Some(mse) => mse.push(op),
            None => Vec::new(),
        }
    }

    fn start_load(&mut self, req: LoadRequest, shared: &Weak<RefCell<Inner>>) -> Vec<Input> {
        let id = req.id;
        let started = match begin_fetch(&req) {
            Ok(started) => started,
            Err(message) => return vec![Input::LoadFailed { id, message }],
        };
        let (controller, promise) = started;
        self.fetches.push((id, controller));
        let weak = shared.clone();
        let t0 = now_ms();
        js::spawn(async move {
            let input = finish_fetch(id, promise, t0, weak.clone()).await;
            with_inner(&weak, |inner| {
                if inner.take_fetch(id).is_some() {
                    inner.engine.handle_input(now_ms(), input);
                }
            });
        });
        Vec::new()
    }

    fn arm_timer(&mut self, shared: &Weak<RefCell<Inner>>) {
        let Some(at) = self.engine.poll_timeout() else {
            self.timer = None;
            return;
        };
        if self.timer.as_ref().is_some_and(|(armed, _)| *armed == at) {
            return;
        }
        let delay = player_core::num::clamp(at - now_ms(), 0.0, f64::from(u32::MAX)) as u32;
        let weak = shared.clone();
        let timeout = Timer::once(delay, move || {
            with_inner(&weak, |inner| {
                inner.timer = None;
                inner.engine.handle_timeout(now_ms());
            });
        });
        self.timer = Some((at, timeout));
    }
}

/// Starts a fetch of `req`, with its byte range and an AbortController.
fn begin_fetch(req: &LoadRequest) -> Result<(AbortController, js_sys::Promise), String> {
    let window = js::window().ok_or("no window")?;
    let controller = AbortController::new().map_err(|e| message_of(&e))?;
    let mut init = ObjectBuilder::new().set("signal", js::get(&controller, "signal"));
    if let Some(range) = req.range {
        let value = [
            "bytes=",
            &js::number(range.offset as f64),
            "-",
            &js::number(range.last_byte() as f64),
        ]
        .concat();
        init = init.set("headers", ObjectBuilder::new().set("Range", value).build());
    }
    let promise = window.fetch_with_str_and_init(&req.url, init.build().unchecked_ref());
    Ok((controller, promise))
}

/// Awaits the response, then reads its body chunk by chunk, reporting progress to the engine
/// (which may abandon the load) at most every [`PROGRESS_MS`].
async fn finish_fetch(
    id: u64,
    promise: js_sys::Promise,
    t0: f64,
    weak: Weak<RefCell<Inner>>,
) -> Input {
    let failed = |e: JsValue| Input::LoadFailed {
        id,
        message: message_of(&e),
    };
    let response: Response = match JsFuture::from(promise).await {
        Ok(r) => r.unchecked_into(),
        Err(e) => return failed(e),
    };
    let ttfb_ms = now_ms() - t0;
    let status = js::num(&response, "status") as u16;
    let total_bytes = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    if total_bytes.is_some_and(|t| t > MAX_BODY_BYTES) {
        return Input::LoadFailed {
            id,
            message: TOO_LARGE.into(),
        };
    }
    let body = js::get(&response, "body");
    if js::is_nullish(&body) {
        return Input::LoadComplete {
            id,
            status,
            data: Vec::new(),
            ttfb_ms,
        };
    }
    let body: web_sys::ReadableStream = body.unchecked_into();
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let capacity = total_bytes.unwrap_or(0).min(MAX_BODY_BYTES) as usize;
    let mut data = Vec::with_capacity(capacity);
    let mut reported = now_ms();
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(e) => return failed(e),
        };
        if js::get(&chunk, "done").as_bool() == Some(true) {
            break;
        }
        let bytes: Uint8Array = js::get(&chunk, "value").unchecked_into();
        let start = data.len();
        let len = bytes.length() as usize;
        if (start + len) as u64 > MAX_BODY_BYTES {
            let _ = reader.cancel();
            return Input::LoadFailed {
                id,
                message: TOO_LARGE.into(),
            };
        }
        data.resize(start + len, 0);
        bytes.copy_to(&mut data[start..]);
        let now = now_ms();
        if now - reported >= PROGRESS_MS {
            reported = now;
            let loaded_bytes = data.len() as u64;
            let mut aborted = true;
            with_inner(&weak, |inner| {
                if inner.fetches.iter().any(|(f, _)| *f == id) {
                    aborted = false;
                    let progress = Input::LoadProgress {
                        id,
                        loaded_bytes,
                        total_bytes,
                        ttfb_ms,
                    };
                    inner.engine.handle_input(now, progress);
                }
            });
            if aborted {
                let _ = reader.cancel();
                return failed(JsValue::from_str("aborted"));
            }
        }
    }
    Input::LoadComplete {
        id,
        status,
        data,
        ttfb_ms,
    }
}

/// A fatal network error event (no stream URL could be had).
fn network_fatal(message: String) -> (&'static str, JsValue) {
    let e = PlayerError {
        kind: ErrorKind::Network,
        detail: ErrorDetail::ManifestLoadError,
        fatal: true,
        message,
        url: None,
    };
    ("error", error_to_js(&e))
}

fn fatal(detail: ErrorDetail, message: String) -> (&'static str, JsValue) {
    let e = PlayerError {
        kind: ErrorKind::Media,
        detail,
        fatal: true,
        message,
        url: None,
    };
    ("error", error_to_js(&e))
}

/// A level index from JS: an integer, -1 meaning automatic.
fn level_arg(name: &str, value: &JsValue) -> Result<Option<usize>, JsValue> {
    let n = value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= -1.0)
        .ok_or_else(|| {
            js::fail(&[
                name,
                " must be an integer (-1 for automatic), got ",
                &js::describe(value),
            ])
        })?;
    Ok((n >= 0.0).then_some(n as usize))
}

/// A track index from JS: an integer, or -1 (none) where `none_allowed`.
fn track_arg(name: &str, value: &JsValue, none_allowed: bool) -> Result<Option<usize>, JsValue> {
    let least = if none_allowed { -1.0 } else { 0.0 };
    let n = value
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= least)
        .ok_or_else(|| {
            let wanted = if none_allowed {
                "an integer (-1 for none)"
            } else {
                "a non-negative integer"
            };
            js::fail(&[name, " must be ", wanted, ", got ", &js::describe(value)])
        })?;
    Ok((n >= 0.0).then_some(n as usize))
}

fn base_uri() -> String {
    js::text(&js::get(&js_sys::global(), "document"), "baseURI")
}

/// A DOM event handler that runs `f` on the player state, then drives the engine.
fn event_handler(
    weak: &Weak<RefCell<Inner>>,
    f: impl Fn(&mut Inner, &JsValue) + 'static,
) -> Callback {
    let weak = weak.clone();
    js::callback(move |event| with_inner(&weak, |inner| f(inner, &event)))
}

/// Runs `f` on the live player state, then performs the engine's commands and dispatches events.
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
        if inner.destroyed {
            return;
        }
        f(&mut inner);
    }
    drive(&shared);
}

/// Performs the engine's commands, then calls listeners with the state released, so a listener
/// may call back into the player.
fn drive(shared: &Shared) {
    let events = {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        if inner.destroyed {
            return;
        }
        inner.perform_all(&Rc::downgrade(shared));
        std::mem::take(&mut inner.outbox)
    };
    for (name, payload) in events {
        let listeners = match shared.try_borrow() {
            Ok(inner) => inner.listeners.of(name),
            Err(_) => return,
        };
        for listener in listeners {
            if let Err(e) = listener.call1(&JsValue::NULL, &payload) {
                web_sys::console::error_2(&JsValue::from_str("FloDrama listener threw"), &e);
            }
        }
    }
}
