//! The boundary of `ResumeClient` and `SessionReporter` (sdk/js/resume.js, which does their
//! storage, fetch, timer and event IO): [`ResumeCore`] holds player-core's `ResumeTracker` and
//! runs the record merge, the start-position rules and the upload queue; [`QoeCore`] holds a
//! `QoeMeter`. Records and queues cross as the JSON text that `localStorage` and the API hold,
//! parsed here (untrusted: unreadable text counts as no record).

use player_core::resume::{
    QoeMeter, RecordQueue, ResumePolicy, ResumeRecord, ResumeTracker, Source, keep_queued,
    records_from_json, records_to_json, resolve,
};
use wasm_bindgen::prelude::*;

use crate::js::ObjectBuilder;

/// Heartbeat period of a viewing session's reports, milliseconds.
const HEARTBEAT_MS: f64 = 30_000.0;

/// The record in `text`, if it is one.
fn record(text: Option<String>) -> Option<ResumeRecord> {
    ResumeRecord::from_json(&text?).ok()
}

/// The upload queue in `text` (empty when absent or unreadable).
fn queue(text: Option<String>) -> RecordQueue {
    text.and_then(|t| records_from_json(&t).ok())
        .unwrap_or_default()
}

/// Resume decisions for one `ResumeClient`: the tracker of the title it tracks, and the merge
/// and queue rules over records it reads from storage and the API.
#[wasm_bindgen]
pub struct ResumeCore {
    policy: ResumePolicy,
    tracker: Option<ResumeTracker>,
}

#[wasm_bindgen]
impl ResumeCore {
    /// A core with the default thresholds (10 s, 95 %, last 30 s, a save every 5 s).
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> ResumeCore {
        ResumeCore {
            policy: ResumePolicy::default(),
            tracker: None,
        }
    }

    /// What happened at `now` (`performance.now()`), by `kind`; `n` a number, `a`..`c` texts:
    ///
    /// - Tracking (the save, if any, is then [`poll`](Self::poll)'s): 0 track (`n`: the epoch
    ///   offset `Date.now() - performance.now()`), 1 untrack, 2 playhead (`n`: position),
    ///   3 playing, 4 paused (`n`: position), 5 seeked (`n`: position), 6 duration (`n`),
    ///   7 ended, 8 page hidden, 9 `pagehide`.
    /// - 10 resolve (`a`: local record, `b`: server record, `n`: duration or NaN) answers
    ///   `{position, source, record, store, upload}`: where to start, `"local"`, `"server"` or
    ///   `"none"`, the winner's JSON (or null), whether to store it locally, whether to queue it.
    /// - 11 queue (`a`: queue) answers its valid records as JSON (`"{}"` when none).
    /// - 12 offer (`a`: queue, `b`: title, `c`: record) and 13 acknowledge (same) answer the new
    ///   queue's JSON, `undefined` when it is unchanged.
    /// - 14 keep (`n`: HTTP status of an upload, 0 when unreachable) answers whether the
    ///   record stays queued (and the uploads stop).
    ///
    /// Other kinds and tracking inputs without `track` do nothing.
    pub fn input(
        &mut self,
        now: f64,
        kind: u32,
        n: f64,
        a: Option<String>,
        b: Option<String>,
        c: Option<String>,
    ) -> JsValue {
        match kind {
            0 => self.tracker = Some(ResumeTracker::new(self.policy.clone(), n)),
            1 => self.tracker = None,
            10 => return self.resolve(n, record(a), record(b)),
            11 => return records_to_json(&queue(a)).into(),
            12 | 13 => {
                let (mut queue, title) = (queue(a), b.unwrap_or_default());
                let Some(record) = record(c) else {
                    return JsValue::UNDEFINED;
                };
                let changed = if kind == 12 {
                    queue.offer(&title, &record)
                } else {
                    queue.acknowledge(&title, &record)
                };
                if changed {
                    return records_to_json(&queue).into();
                }
            }
            14 => return keep_queued((n > 0.0).then_some(n as u16)).into(),
            _ => {
                if let Some(t) = self.tracker.as_mut() {
                    match kind {
                        2 => t.handle_playhead(now, n),
                        3 => t.handle_playing(now),
                        4 => {
                            t.handle_playhead(now, n);
                            t.handle_paused(now);
                        }
                        5 => t.handle_seeked(now, n),
                        6 => t.handle_duration(now, n),
                        7 => t.handle_ended(now),
                        8 => t.handle_page_hidden(now),
                        9 => t.handle_pagehide(now),
                        _ => {}
                    }
                }
            }
        }
        JsValue::UNDEFINED
    }

    /// The record to save now (JSON), if the last tracking input made one.
    pub fn poll(&mut self) -> Option<String> {
        self.tracker.as_mut()?.poll_save().map(|r| r.to_json())
    }
}

impl ResumeCore {
    fn resolve(
        &self,
        duration: f64,
        local: Option<ResumeRecord>,
        server: Option<ResumeRecord>,
    ) -> JsValue {
        let duration = duration.is_finite().then_some(duration);
        let r = resolve(&self.policy, local.as_ref(), server.as_ref(), duration);
        let (source, record) = match &r.chosen {
            Some((record, Source::Local)) => ("local", JsValue::from(record.to_json())),
            Some((record, Source::Server)) => ("server", JsValue::from(record.to_json())),
            None => ("none", JsValue::NULL),
        };
        ObjectBuilder::new()
            .set("position", r.position)
            .set("source", source)
            .set("record", record)
            .set("store", r.store_locally)
            .set("upload", r.upload)
            .build()
    }
}

/// The QoE figures of one viewing session (`SessionReporter`).
#[wasm_bindgen]
pub struct QoeCore {
    meter: QoeMeter,
}

#[wasm_bindgen]
impl QoeCore {
    /// A session starting at `now`, with a heartbeat report every 30 s.
    #[wasm_bindgen(constructor)]
    pub fn new(now: f64) -> QoeCore {
        QoeCore {
            meter: QoeMeter::new(now, HEARTBEAT_MS),
        }
    }

    /// What happened at `now`, by `kind`: 0 `playing`, 1 `waiting`, 2 `pause` or `seeking`,
    /// 3 `ended`, 4 the rendition's bitrate is `bitrate` bits/s (ignored unless positive),
    /// 5 an error with `code`.
    pub fn input(&mut self, now: f64, kind: u32, bitrate: f64, code: Option<String>) {
        let m = &mut self.meter;
        match kind {
            0 => m.handle_playing(now),
            1 => m.handle_waiting(now),
            2 => m.handle_paused(now),
            3 => m.handle_ended(now),
            4 if bitrate.is_finite() && bitrate > 0.0 => m.handle_bitrate(now, bitrate as u64),
            5 => m.handle_error(now, code.as_deref().unwrap_or_default()),
            _ => {}
        }
    }

    /// The heartbeat report (the API's JSON) when one is due at `now`.
    pub fn poll(&mut self, now: f64) -> Option<String> {
        self.meter.poll_report(now).map(|r| r.to_json())
    }

    /// The figures at `now` (the API's JSON).
    pub fn get(&mut self, now: f64) -> String {
        self.meter.report(now).to_json()
    }
}
