//! What the engine does with a loaded initialization section, media segment or key: checks
//! the container, decrypts, transmuxes MPEG-TS and packed audio, places fMP4 on the timeline
//! and queues the bytes for the main SourceBuffer.

use super::*;

impl Engine {
    pub(super) fn on_init(&mut self, p: Pending, data: Vec<u8>) {
        if !self.check_media(&p, &data) {
            return;
        }
        let codecs = self.levels[p.level].codecs();
        let codecs = match self.audio.active() {
            true => audio::split_codecs(codecs).0,
            false => codecs.to_owned(),
        };
        self.add_track(format!("video/mp4; codecs=\"{codecs}\""));
        self.init_timescales = media_time::timescales(&data);
        self.append(Queued::init(&p), data);
        self.appended_init = Some((p.level, p.url, p.range));
    }

    pub(super) fn on_segment(&mut self, now_ms: f64, p: Pending, mut data: Vec<u8>, ttfb_ms: f64) {
        self.abandon_check_at = None;
        self.any_segment_loaded = true;
        let Some((start, end)) = self.levels[p.level].segment_times(p.sn) else {
            return;
        };
        let load_ms = (now_ms - p.started_ms).max(0.0);
        self.abr.on_load(
            now_ms,
            LoadSample {
                bytes: data.len() as u64,
                ttfb_ms,
                duration_ms: load_ms,
                media_duration_s: end - start,
            },
        );
        self.emit(PlayerEvent::FragLoaded {
            level: p.level,
            sn: p.sn,
            bytes: data.len(),
            load_ms,
        });
        let segment = self.levels[p.level].segment(p.sn);
        let key = segment.and_then(|s| s.key.clone());
        let discontinuity = segment.is_some_and(|s| s.discontinuity);
        if let Some(key) = key
            && !self.decrypt(&p, &key, &mut data)
        {
            return;
        }
        let media = match sniff(&data) {
            Ok(Container::IsoBmff) => {
                self.place_fmp4(&data, start, discontinuity);
                data
            }
            Ok(Container::MpegTs { .. } | Container::Adts { .. } | Container::MpegAudio { .. }) => {
                match self.transmux(&p, &data, start, discontinuity) {
                    Some(media) => media,
                    None => return,
                }
            }
            _ => {
                self.check_media(&p, &data);
                return;
            }
        };
        self.next_time = end;
        let queued = Queued {
            level: p.level,
            sn: p.sn,
            start,
            end,
            init: false,
        };
        self.append(queued, media);
    }

    /// At the start of a timeline (the first segment, a discontinuity), offsets the fMP4
    /// segment's own timestamps so it lands at its playlist time `start`.
    fn place_fmp4(&mut self, data: &[u8], start: f64, discontinuity: bool) {
        if !(self.new_timeline || discontinuity) {
            return;
        }
        self.new_timeline = false;
        let Some(decode_start) = media_time::decode_start(&self.init_timescales, data) else {
            return;
        };
        let offset = start - decode_start;
        if (offset - self.timestamp_offset).abs() > TIMESTAMP_TOLERANCE_S {
            self.timestamp_offset = offset;
            self.out.push_back(Output::SetTimestampOffset {
                track: TrackId::Main,
                offset,
            });
        }
    }

    /// Decrypts an AES-128 segment in place with its (already loaded) key.
    fn decrypt(&mut self, p: &Pending, key: &Key, data: &mut Vec<u8>) -> bool {
        let fail = |this: &mut Self, message: String| {
            let url = Some(p.url.clone());
            this.error(
                ErrorKind::Key,
                ErrorDetail::FragDecryptError,
                true,
                message,
                url,
            );
            false
        };
        if key.method != KeyMethod::Aes128 {
            return fail(
                self,
                format!(
                    "{}: {} encryption is not supported",
                    p.url,
                    key.method.as_str()
                ),
            );
        }
        let Some(bytes) = key.url.as_deref().and_then(|u| self.key(u)) else {
            return fail(self, format!("{}: its key was not loaded", p.url));
        };
        let iv = key.iv.unwrap_or_else(|| iv_from_sequence(p.sn));
        match aes128_cbc_in_place(data, &bytes, iv) {
            Ok(()) => true,
            Err(e) => fail(
                self,
                format!("decrypting {} failed (wrong key?): {e}", p.url),
            ),
        }
    }

    /// Turns an MPEG-TS or packed-audio segment into fMP4, appending a new init segment when
    /// the transmuxer makes one; `None` after reporting an error.
    fn transmux(
        &mut self,
        p: &Pending,
        data: &[u8],
        start: f64,
        discontinuity: bool,
    ) -> Option<Vec<u8>> {
        let info = SegmentInfo {
            discontinuity,
            rendition: u32::try_from(p.level).unwrap_or(u32::MAX),
            start_s: (self.new_timeline || discontinuity).then_some(start),
        };
        let out = match self.transmuxer.push_segment(data, info) {
            Ok(out) => out,
            Err(e) => {
                let message = format!("{} could not be transmuxed: {e}", p.url);
                let url = Some(p.url.clone());
                self.error(
                    ErrorKind::Mux,
                    ErrorDetail::FragParsingError,
                    true,
                    message,
                    url,
                );
                return None;
            }
        };
        self.new_timeline = false;
        self.emit(PlayerEvent::FragParsed {
            level: p.level,
            sn: p.sn,
            video: out.video_span,
            audio: out.audio_span,
        });
        for tag in out.id3 {
            self.emit(PlayerEvent::Metadata {
                sn: p.sn,
                pts: tag.pts_s,
                data: tag.data,
            });
        }
        if let Some(init) = out.init {
            self.add_track(init.mime_type());
            self.append(Queued::init(p), init.bytes);
        }
        Some(out.media)
    }

    /// Queues `data` for the main SourceBuffer, remembering what it is until it is appended.
    fn append(&mut self, queued: Queued, data: Vec<u8>) {
        self.queued.push(queued);
        self.out.push_back(Output::Append {
            track: TrackId::Main,
            data,
        });
    }

    fn add_track(&mut self, mime: String) {
        if !self.track_added {
            self.track_added = true;
            self.out.push_back(Output::AddTrack {
                track: TrackId::Main,
                mime,
            });
            if let Some(audio) = self.audio.add_track() {
                self.out.push_back(audio);
            }
        }
    }

    /// The AES-128 key loaded from `url`.
    pub(super) fn key(&self, url: &str) -> Option<[u8; 16]> {
        self.keys.iter().find(|(u, _)| u == url).map(|(_, k)| *k)
    }

    /// Keeps `key` as the one of `url`.
    pub(super) fn add_key(&mut self, url: String, key: [u8; 16]) {
        match self.keys.iter_mut().find(|(u, _)| *u == url) {
            Some(known) => known.1 = key,
            None => self.keys.push((url, key)),
        }
    }

    pub(super) fn on_key(&mut self, p: Pending, data: &[u8]) {
        match <[u8; 16]>::try_from(data) {
            Ok(key) => {
                self.add_key(p.url, key);
            }
            Err(_) => {
                let message = format!("the key {} is {} bytes, not 16", p.url, data.len());
                let url = Some(p.url);
                self.error(
                    ErrorKind::Key,
                    ErrorDetail::KeyLoadError,
                    true,
                    message,
                    url,
                );
            }
        }
    }

    /// Refuses bytes that are not a container the engine can append.
    fn check_media(&mut self, p: &Pending, data: &[u8]) -> bool {
        let problem = match sniff(data) {
            Ok(Container::IsoBmff) => return true,
            Ok(other) => {
                let kind = match other {
                    Container::MpegTs { .. } => "an MPEG-TS segment",
                    Container::Adts { .. } | Container::MpegAudio { .. } => "packed audio",
                    _ => "a WebVTT cue file",
                };
                format!("{kind} where fMP4 media was expected")
            }
            Err(e) => format!("not a media segment: {e}"),
        };
        let message = format!("{} is {problem} ({} bytes)", p.url, data.len());
        self.error(
            ErrorKind::Mux,
            ErrorDetail::FragParsingError,
            true,
            message,
            Some(p.url.clone()),
        );
        false
    }
}
