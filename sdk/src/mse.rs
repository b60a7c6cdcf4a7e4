//! Media Source Extensions: one MediaSource, a SourceBuffer per track, and a single queue of
//! operations run one at a time, each started when the previous one's `updateend` fired.

use crate::js::{self, Callback};
use player_core::engine::{Input, TrackId};
use std::collections::VecDeque;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MediaSource, SourceBuffer, Url};

/// A queued MediaSource or SourceBuffer operation.
#[derive(Debug)]
pub enum Op {
    /// `appendBuffer`.
    Append(TrackId, Vec<u8>),
    /// `remove`.
    Remove(TrackId, f64, f64),
    /// `SourceBuffer.timestampOffset = …`.
    TimestampOffset(TrackId, f64),
    /// `MediaSource.duration = …`.
    Duration(f64),
    /// `MediaSource.endOfStream()`.
    EndOfStream,
}

/// An operation waiting for its SourceBuffer's `updateend`.
#[derive(Debug, Clone, Copy)]
enum Running {
    Append(TrackId),
    Remove(TrackId),
}

/// The MediaSource attached to the video element and its SourceBuffers.
pub struct Mse {
    media_source: MediaSource,
    /// The `blob:` URL given to the video element.
    pub object_url: String,
    buffers: Vec<(TrackId, SourceBuffer, Callback, Callback)>,
    queue: VecDeque<Op>,
    running: Option<Running>,
    /// Set by a SourceBuffer's `error` event, read at the `updateend` that follows.
    decode_error: bool,
    /// An append refused with QuotaExceededError, retried after the next removal.
    blocked: Option<Op>,
    _on_open: Callback,
}

impl Mse {
    /// A new MediaSource whose `sourceopen` calls `on_open`.
    pub fn new(on_open: Callback) -> Result<Self, String> {
        let media_source = MediaSource::new()
            .map_err(|_| "this browser has no Media Source Extensions".to_owned())?;
        let object_url = Url::create_object_url_with_source(&media_source)
            .map_err(|_| "cannot create a URL for the MediaSource".to_owned())?;
        js::put(&media_source, "onsourceopen", on_open.as_ref());
        Ok(Self {
            media_source,
            object_url,
            buffers: Vec::new(),
            queue: VecDeque::new(),
            running: None,
            decode_error: false,
            blocked: None,
            _on_open: on_open,
        })
    }

    /// Creates the SourceBuffer of `track`; `on_update_end` and `on_error` are its handlers.
    pub fn add_track(
        &mut self,
        track: TrackId,
        mime: &str,
        on_update_end: Callback,
        on_error: Callback,
    ) -> Result<(), String> {
        if !MediaSource::is_type_supported(mime) {
            return Err([mime, " is not supported"].concat());
        }
        let sb = self
            .media_source
            .add_source_buffer(mime)
            .map_err(|e| ["addSourceBuffer(", mime, ") failed: ", &message_of(&e)].concat())?;
        js::put(&sb, "onupdateend", on_update_end.as_ref());
        js::put(&sb, "onerror", on_error.as_ref());
        self.buffers.push((track, sb, on_update_end, on_error));
        Ok(())
    }

    /// Queues `op`; returns inputs for the engine from operations that finished at once. While
    /// an append waits after a QuotaExceededError, a removal goes first and the append is
    /// retried right after it.
    pub fn push(&mut self, op: Op) -> Vec<Input> {
        if matches!(op, Op::Remove(..))
            && let Some(blocked) = self.blocked.take()
        {
            self.queue.push_front(blocked);
            self.queue.push_front(op);
        } else {
            self.queue.push_back(op);
        }
        self.pump()
    }

    /// Records a SourceBuffer `error` event.
    pub fn on_error(&mut self) {
        self.decode_error = true;
    }

    /// A SourceBuffer's `updateend`: finishes the running operation and starts the next ones.
    pub fn on_update_end(&mut self) -> Vec<Input> {
        let mut inputs = Vec::new();
        match self.running.take() {
            Some(Running::Append(track)) if std::mem::take(&mut self.decode_error) => {
                inputs.push(Input::AppendFailed {
                    track,
                    quota_exceeded: false,
                    message: "the browser could not decode the appended media".into(),
                })
            }
            Some(Running::Append(track)) => inputs.push(Input::Appended { track }),
            Some(Running::Remove(track)) => inputs.push(Input::Removed { track }),
            None => {}
        }
        inputs.extend(self.pump());
        inputs
    }

    fn buffer(&self, track: TrackId) -> Option<&SourceBuffer> {
        self.buffers
            .iter()
            .find(|(t, ..)| *t == track)
            .map(|(_, sb, ..)| sb)
    }

    fn updating(&self) -> bool {
        self.running.is_some()
            || self
                .buffers
                .iter()
                .any(|(_, sb, ..)| js::flag(sb, "updating"))
    }

    /// Starts queued operations until one has to wait for `updateend`.
    fn pump(&mut self) -> Vec<Input> {
        let mut inputs = Vec::new();
        while !self.updating() && self.blocked.is_none() {
            let Some(op) = self.queue.pop_front() else {
                break;
            };
            match op {
                Op::Append(track, mut data) => match self.buffer(track) {
                    Some(sb) => match sb.append_buffer_with_u8_array(&mut data) {
                        Ok(()) => self.running = Some(Running::Append(track)),
                        Err(e) => {
                            let quota_exceeded = is_quota_error(&e);
                            if quota_exceeded {
                                self.blocked = Some(Op::Append(track, data));
                            }
                            inputs.push(Input::AppendFailed {
                                track,
                                quota_exceeded,
                                message: message_of(&e),
                            });
                        }
                    },
                    None => inputs.push(Input::AppendFailed {
                        track,
                        quota_exceeded: false,
                        message: ["no SourceBuffer for the ", track.as_str(), " track"].concat(),
                    }),
                },
                Op::Remove(track, start, end) => {
                    let removing = self.buffer(track).map(|sb| sb.remove(start, end));
                    match removing {
                        Some(Ok(())) => self.running = Some(Running::Remove(track)),
                        _ => inputs.push(Input::Removed { track }),
                    }
                }
                Op::TimestampOffset(track, offset) => {
                    if let Some(sb) = self.buffer(track) {
                        js::put(sb, "timestampOffset", &offset.into());
                    }
                }
                Op::Duration(d) => {
                    if self.is_open() {
                        js::put(&self.media_source, "duration", &d.into());
                    }
                }
                Op::EndOfStream => {
                    if self.is_open() {
                        // Fails only when not open, checked above.
                        let _ = self.media_source.end_of_stream();
                    }
                }
            }
        }
        inputs
    }

    fn is_open(&self) -> bool {
        // Read by name: web-sys's enum would bring its string conversion and an import.
        js::get(&self.media_source, "readyState")
            .as_string()
            .as_deref()
            == Some("open")
    }
}

impl Drop for Mse {
    fn drop(&mut self) {
        js::put(&self.media_source, "onsourceopen", &JsValue::NULL);
        for (_, sb, ..) in &self.buffers {
            js::put(sb, "onupdateend", &JsValue::NULL);
            js::put(sb, "onerror", &JsValue::NULL);
        }
        let _ = Url::revoke_object_url(&self.object_url);
    }
}

fn is_quota_error(e: &JsValue) -> bool {
    e.is_instance_of::<web_sys::DomException>() && js::text(e, "name") == "QuotaExceededError"
}

/// The message of a thrown JS value: `name: message` for a DOMException, the message of an
/// error (any object with a string `message`), else a description of the value. Fields are
/// read by name: fewer imports than web-sys's getters.
pub fn message_of(e: &JsValue) -> String {
    let message = js::get(e, "message").as_string();
    match message {
        Some(m) if e.is_instance_of::<web_sys::DomException>() => {
            [js::text(e, "name"), ": ".into(), m].concat()
        }
        Some(m) if e.is_object() => m,
        _ => js::describe(e),
    }
}
