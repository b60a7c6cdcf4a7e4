//! `PlayerCore`: the boundary between `sdk/js/player.js` (which does the IO: fetch, MSE,
//! timers, the video element, TextTracks) and player-core's [`Engine`], which makes every
//! playback decision. Besides the engine it holds the [`Renewal`] of the title's signed URL
//! and the [`Stats`] counters.
//!
//! Three calls, numbered on both sides (`sdk/js/player.js` has the same tables):
//! - `input(now, kind, nums, text, data)`: what happened, with the kind's numbers, text and
//!   bytes (see [`input`](PlayerCore::input) for each kind);
//! - `poll()`: the next command as a plain object `{k, ...}`, `undefined` when none (see
//!   [`poll`](PlayerCore::poll));
//! - `get(key, now)`: state (see [`get`](PlayerCore::get)).

use crate::config::engine_config;
use crate::events::{levels_to_js, to_js, tracks_to_js};
use crate::js::ObjectBuilder;
use crate::stats::Stats;
use player_core::engine::{Engine, Input, Output, PlayerEvent, TrackId};
use player_core::presign::{OnExpiry, OnFailure, Renewal};
use wasm_bindgen::prelude::*;

/// The message of the fatal error when an expired URL cannot be renewed for want of an issuer.
const NO_ISSUER: &str =
    "the player has no VideoProxyClient for this title (config.proxy and load({contentId}))";

/// The engine of one `Player`, driven by `sdk/js/player.js`.
#[wasm_bindgen]
pub struct PlayerCore {
    engine: Engine,
    renewal: Renewal,
    stats: Stats,
    /// The issuer must be asked for a new URL: `Some(expired)`.
    renew: Option<bool>,
}

#[wasm_bindgen]
impl PlayerCore {
    /// An engine with the settings of the JS `config` (undefined, null or an object; wrongly
    /// typed fields throw).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<PlayerCore, JsValue> {
        Ok(Self {
            engine: Engine::new(engine_config(&config)?),
            renewal: Renewal::default(),
            stats: Stats::new(0.0),
            renew: None,
        })
    }

    /// Tells the engine what happened at `now` (`performance.now()`). `kind`, with its
    /// arguments (`nums` in order; track 0 main, 1 audio; NaN where a number is absent):
    /// 0 MediaSource open; 1 load complete `[id, status, ttfbMs]` + `data`;
    /// 2 load progress `[id, loadedBytes, totalBytes, ttfbMs]`; 3 load failed `[id]` + `text`;
    /// 4 SourceBuffer not created `[track]` + `text`; 5 appended `[track]`;
    /// 6 append failed `[track, quotaExceeded 0/1]` + `text`; 7 removed `[track]`;
    /// 8 playhead `[position, start0, end0, start1, end1, ...]`;
    /// 9 element sample `[paused 0/1, width, height (device px), droppedFrames, decodedFrames]`;
    /// 10 seeking `[position]`; 11 element event for stats `[which, seeking 0/1]` (0 playing,
    /// 1 waiting, 2 pause, 3 seeking, 4 ended); 12 timer fired;
    /// 13 load `text` (absolute URL) `[startPosition, renewable 0/1]`; 14 recover media error;
    /// 15 currentLevel `[level]`; 16 nextLevel `[level]` (-1 automatic); 17 audioTrack `[id]`;
    /// 18 subtitleTrack `[id]` (-1 none); 19 URL issued `text` `[refreshInMs]`;
    /// 20 URL not issued `text` (why). Unknown kinds are ignored.
    pub fn input(
        &mut self,
        now: f64,
        kind: u32,
        nums: &[f64],
        text: Option<String>,
        data: Option<Vec<u8>>,
    ) {
        let n = |i: usize| nums.get(i).copied().unwrap_or(f64::NAN);
        let id = n(0).max(0.0) as u64;
        let track = if n(0) == 1.0 {
            TrackId::Audio
        } else {
            TrackId::Main
        };
        let message = text.unwrap_or_default();
        let input = match kind {
            0 => Input::MediaSourceOpen,
            1 => Input::LoadComplete {
                id,
                status: n(1).max(0.0) as u16,
                data: data.unwrap_or_default(),
                ttfb_ms: n(2),
            },
            2 => Input::LoadProgress {
                id,
                loaded_bytes: n(1).max(0.0) as u64,
                total_bytes: n(2).is_finite().then(|| n(2).max(0.0) as u64),
                ttfb_ms: n(3),
            },
            3 => Input::LoadFailed { id, message },
            4 => Input::AddTrackFailed { track, message },
            5 => Input::Appended { track },
            6 => Input::AppendFailed {
                track,
                quota_exceeded: n(1) == 1.0,
                message,
            },
            7 => Input::Removed { track },
            8 => Input::Playhead {
                position: n(0),
                buffered: nums
                    .get(1..)
                    .unwrap_or_default()
                    .chunks_exact(2)
                    .map(|r| (r[0], r[1]))
                    .collect(),
            },
            9 => {
                let count = |v: f64| v.max(0.0) as u64;
                let px = |v: f64| v.max(0.0).round() as u32;
                self.engine.handle_input(
                    now,
                    Input::Paused {
                        paused: n(0) == 1.0,
                    },
                );
                self.engine.handle_input(
                    now,
                    Input::Viewport {
                        width: px(n(1)),
                        height: px(n(2)),
                    },
                );
                Input::Frames {
                    dropped: count(n(3)),
                    decoded: count(n(4)),
                }
            }
            10 => Input::Seeking { position: n(0) },
            _ => return self.command(now, kind, &n, message),
        };
        self.engine.handle_input(now, input);
    }

    /// The next command for `sdk/js/player.js`, as `{k, ...}` by `k`:
    /// 0 load `{id, url, from, to}` (`from`/`to`: the inclusive byte range, absent for the
    /// whole body); 1 abort `{id}`; 2 create the SourceBuffer `{track, mime}`;
    /// 3 append `{track, data}` (a Uint8Array); 4 remove `{track, start, end}`;
    /// 5 MediaSource duration `{value}`; 6 timestampOffset `{track, value}`; 7 endOfStream;
    /// 8 seek the element `{value}`; 9 playbackRate `{value}`; 10 event `{name, data}` (hls.js
    /// names and payloads; `subtitleFragProcessed` also carries `cues: [{id, start, end,
    /// text}]`); 11 ask the stream-URL issuer `{expired}` (expired: invalidate its cache first).
    /// `undefined` when there is nothing to do.
    pub fn poll(&mut self) -> JsValue {
        if let Some(expired) = self.renew.take() {
            return command(11).set("expired", expired).build();
        }
        let Some(output) = self.engine.poll_output() else {
            return JsValue::UNDEFINED;
        };
        let track = |t: TrackId| u32::from(t == TrackId::Audio);
        let out = match output {
            Output::Load(req) => {
                let b = command(0).set("id", req.id as f64).set("url", req.url);
                match req.range {
                    Some(r) => b
                        .set("from", r.offset as f64)
                        .set("to", r.last_byte() as f64),
                    None => b,
                }
            }
            Output::Abort(id) => command(1).set("id", id as f64),
            Output::AddTrack { track: t, mime } => {
                command(2).set("track", track(t)).set("mime", mime)
            }
            Output::Append { track: t, data } => command(3)
                .set("track", track(t))
                .set("data", js_sys::Uint8Array::from(data.as_slice())),
            Output::Remove {
                track: t,
                start,
                end,
            } => command(4)
                .set("track", track(t))
                .set("start", start)
                .set("end", end),
            Output::SetDuration(d) => command(5).set("value", d),
            Output::SetTimestampOffset { track: t, offset } => {
                command(6).set("track", track(t)).set("value", offset)
            }
            Output::EndOfStream => command(7),
            Output::Seek(t) => command(8).set("value", t),
            Output::SetPlaybackRate(rate) => command(9).set("value", rate),
            Output::Event(event) => self.event(&event),
        };
        out.build()
    }

    /// State by `key`: 0 levels, 2 currentLevel, 3 nextLevel, 4 audioTracks, 5 audioTrack,
    /// 6 subtitleTracks, 7 subtitleTrack, 8 autoLevelEnabled, 9 latency, 10 liveEdge,
    /// 11 bandwidthEstimate, 12 the engine's part of `stats()` at `now`, 13 when the timer
    /// must fire (kind 12 of `input`; NaN: no timer); `undefined` for other keys.
    pub fn get(&mut self, key: u32, now: f64) -> JsValue {
        let e = &self.engine;
        let index = |i: Option<usize>| JsValue::from(i.map_or(-1.0, |i| i as f64));
        match key {
            0 => levels_to_js(&e.levels()),
            2 => index(e.current_level()),
            3 => index(e.next_level()),
            4 => tracks_to_js(e.audio_tracks()),
            5 => index(e.audio_track()),
            6 => tracks_to_js(e.subtitle_tracks()),
            7 => index(e.subtitle_track()),
            8 => e.auto_level().into(),
            9 => e.latency().unwrap_or(f64::NAN).into(),
            10 => e.live_edge().unwrap_or(f64::NAN).into(),
            11 => e.bandwidth_estimate().into(),
            12 => self.stats.snapshot(now, e),
            13 => [e.poll_timeout(), self.renewal.poll_timeout()]
                .into_iter()
                .flatten()
                .reduce(f64::min)
                .unwrap_or(f64::NAN)
                .into(),
            _ => JsValue::UNDEFINED,
        }
    }
}

impl PlayerCore {
    /// The input kinds from 11 on: calls rather than happenings.
    fn command(&mut self, now: f64, kind: u32, n: &dyn Fn(usize) -> f64, text: String) {
        let index = |v: f64| (v >= 0.0).then_some(v as usize);
        let e = &mut self.engine;
        match kind {
            11 => self.stats.handle_media_event(now, n(0) as u32, n(1) == 1.0),
            12 => {
                e.handle_timeout(now);
                if self.renewal.handle_timeout(now) {
                    self.renew = Some(false);
                }
            }
            13 => {
                self.stats = Stats::new(now);
                self.renewal = Renewal::new(n(1) == 1.0, &text);
                self.renew = None;
                e.load(now, &text, n(0).is_finite().then(|| n(0)));
            }
            14 => e.recover_media_error(now),
            15 => e.set_current_level(now, index(n(0))),
            16 => e.set_next_level(now, index(n(0))),
            17 => e.set_audio_track(now, index(n(0)).unwrap_or(0)),
            18 => e.set_subtitle_track(now, index(n(0))),
            19 => {
                let refresh_in = n(0);
                let refresh_in = refresh_in.is_finite().then_some(refresh_in);
                if let Some(url) = self.renewal.issued(now, &text, refresh_in) {
                    e.update_url(now, &url);
                }
            }
            // The renewal state decides: retry later, or (the URL expired) stop playback.
            20 if self.renewal.failed(now) == OnFailure::Fail => e.url_refresh_failed(&text),
            _ => {}
        }
    }

    /// The event command for `event`, after counting it and, for an expired URL, deciding the
    /// renewal.
    fn event(&mut self, event: &PlayerEvent) -> ObjectBuilder {
        self.stats.handle_event(event);
        match event {
            PlayerEvent::UrlExpired { .. } => match self.renewal.expired() {
                OnExpiry::Ask => self.renew = Some(true),
                OnExpiry::Fail => self.engine.url_refresh_failed(NO_ISSUER),
            },
            PlayerEvent::SubtitleCues { cues, .. } => {
                let list = js_sys::Array::new();
                for c in cues {
                    list.push(
                        &ObjectBuilder::new()
                            .set("id", c.id.as_str())
                            .set("start", c.start)
                            .set("end", c.end)
                            .set("text", c.text.as_str())
                            .build(),
                    );
                }
                let (name, data) = to_js(event);
                return command(10)
                    .set("name", name)
                    .set("data", data)
                    .set("cues", list);
            }
            _ => {}
        }
        let (name, data) = to_js(event);
        command(10).set("name", name).set("data", data)
    }
}

/// A command object `{k}`.
fn command(k: u32) -> ObjectBuilder {
    ObjectBuilder::new().set("k", k)
}
