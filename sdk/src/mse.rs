//! Media Source Extensions: one MediaSource, a SourceBuffer per track, and a single queue of
//! operations run one at a time, each started when the previous one's `updateend` fired.

use crate::js::{self, Callback};
use player_core::engine::{Input, TrackId};
use std::collections::VecDeque;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MediaSource, MediaSourceReadyState, SourceBuffer, Url};

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
        media_source.set_onsourceopen(Some(on_open.as_ref().unchecked_ref()));
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
        sb.set_onupdateend(Some(on_update_end.as_ref().unchecked_ref()));
        sb.set_onerror(Some(on_error.as_ref().unchecked_ref()));
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
        self.running.is_some() || self.buffers.iter().any(|(_, sb, ..)| sb.updating())
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
                        sb.set_timestamp_offset(offset);
                    }
                }
                Op::Duration(d) => {
                    if self.is_open() {
                        self.media_source.set_duration(d);
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
        self.media_source.ready_state() == MediaSourceReadyState::Open
    }
}

impl Drop for Mse {
    fn drop(&mut self) {
        self.media_source.set_onsourceopen(None);
        for (_, sb, ..) in &self.buffers {
            sb.set_onupdateend(None);
            sb.set_onerror(None);
        }
        let _ = Url::revoke_object_url(&self.object_url);
    }
}

fn is_quota_error(e: &JsValue) -> bool {
    e.dyn_ref::<web_sys::DomException>()
        .is_some_and(|d| d.name() == "QuotaExceededError")
}

/// The message of a thrown JS value.
pub fn message_of(e: &JsValue) -> String {
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        [d.name(), ": ".into(), d.message()].concat()
    } else if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else {
        js::describe(e)
    }
}
