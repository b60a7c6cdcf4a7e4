//! A WebVTT cue reader for HLS subtitle segments.
//!
//! Hand-written: no maintained pure-Rust WebVTT crate fits the wasm size budget, and the
//! player needs only cue timings, identifiers, text and the HLS `X-TIMESTAMP-MAP` header (the
//! browser's `VTTCue` renders the text and its markup). Lenient as browsers are: a cue whose
//! timing line does not parse is skipped; only a file that is not WebVTT, or too large, is an
//! error. Never panics on any input.

/// Largest WebVTT file read, in bytes.
pub const MAX_VTT_BYTES: usize = 1024 * 1024;

/// Most cues read from one file; the rest are dropped.
pub const MAX_CUES: usize = 5_000;

/// Why a file is not readable WebVTT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VttError {
    /// The file does not start with the `WEBVTT` signature.
    #[error("not a WebVTT file: it does not start with WEBVTT")]
    NotWebVtt,
    /// The file is larger than [`MAX_VTT_BYTES`].
    #[error("the WebVTT file is {bytes} bytes, more than {MAX_VTT_BYTES}")]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// The file is not UTF-8.
    #[error("the WebVTT file is not UTF-8 (byte {at})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        at: usize,
    },
}

/// A cue as written in the file, times in seconds of the file's own clock.
#[derive(Debug, Clone, PartialEq)]
pub struct VttCue {
    /// Identifier, empty when absent.
    pub id: String,
    /// Start in seconds.
    pub start: f64,
    /// End in seconds.
    pub end: f64,
    /// Text lines joined with `\n`.
    pub text: String,
}

/// The HLS `X-TIMESTAMP-MAP` header: cue time `local` is media time `mpegts` (90 kHz).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimestampMap {
    /// MPEG-2 timestamp, 90 kHz units.
    pub mpegts: u64,
    /// Cue time in seconds.
    pub local: f64,
}

impl TimestampMap {
    /// Seconds to add to a cue time to get media time.
    pub fn offset(&self) -> f64 {
        self.mpegts as f64 / 90_000.0 - self.local
    }
}

/// A parsed WebVTT file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VttFile {
    /// The cues in file order.
    pub cues: Vec<VttCue>,
    /// The `X-TIMESTAMP-MAP` header, if any.
    pub timestamp_map: Option<TimestampMap>,
}

/// Reads the cues of a WebVTT file.
pub fn parse(data: &[u8]) -> Result<VttFile, VttError> {
    if data.len() > MAX_VTT_BYTES {
        return Err(VttError::TooLarge { bytes: data.len() });
    }
    let text = std::str::from_utf8(data).map_err(|e| VttError::NotUtf8 {
        at: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("WEBVTT").ok_or(VttError::NotWebVtt)?;
    if rest
        .chars()
        .next()
        .is_some_and(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
    {
        return Err(VttError::NotWebVtt);
    }
    // CRLF and lone CR to LF, in one pass (lines are then split at LF alone).
    let mut normalized = String::with_capacity(rest.len());
    for (i, piece) in rest.split('\r').enumerate() {
        if i > 0 {
            normalized.push('\n');
        }
        normalized.push_str(if i > 0 {
            piece.strip_prefix('\n').unwrap_or(piece)
        } else {
            piece
        });
    }
    let mut blocks = crate::search::split(&normalized, "\n\n");
    let mut file = VttFile::default();
    // The header block: the signature line's remainder and header lines.
    for line in blocks.next().unwrap_or_default().split('\n') {
        if let Some(value) = line.trim().strip_prefix("X-TIMESTAMP-MAP=") {
            file.timestamp_map = timestamp_map(value);
        }
    }
    for block in blocks {
        if file.cues.len() >= MAX_CUES {
            break;
        }
        let block = block.trim_matches('\n');
        let mut lines = block.split('\n');
        let Some(first) = lines.next() else {
            continue;
        };
        let (id, timing) = if crate::search::contains(first, "-->") {
            ("", first)
        } else {
            match lines.next() {
                Some(second) if crate::search::contains(second, "-->") => (first, second),
                // NOTE, STYLE and REGION blocks, and anything else.
                _ => continue,
            }
        };
        let Some((start, end)) = cue_timing(timing) else {
            continue;
        };
        let mut text = String::new();
        for (i, line) in lines.enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(line);
        }
        file.cues.push(VttCue {
            id: id.trim().to_owned(),
            start,
            end,
            text,
        });
    }
    Ok(file)
}

/// `MPEGTS:900000,LOCAL:00:00:00.000` (either order).
fn timestamp_map(value: &str) -> Option<TimestampMap> {
    let mut mpegts = None;
    let mut local = None;
    for part in value.split(',') {
        let (key, v) = part.trim().split_once(':')?;
        match key {
            "MPEGTS" => mpegts = crate::num::parse_u64(v),
            "LOCAL" => local = timestamp(v),
            _ => {}
        }
    }
    Some(TimestampMap {
        mpegts: mpegts?,
        local: local?,
    })
}

/// `00:01.000 --> 00:02.500 line:0` → (1.0, 2.5).
fn cue_timing(line: &str) -> Option<(f64, f64)> {
    let (start, rest) = crate::search::split_once(line, "-->")?;
    let end = rest.split_whitespace().next()?;
    let (start, end) = (timestamp(start.trim())?, timestamp(end)?);
    (end >= start).then_some((start, end))
}

/// 1 to 10 ASCII digits as a number (digits only: no sign, unlike `str::parse`).
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    s.bytes().try_fold(0, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// `hh:mm:ss.ttt` or `mm:ss.ttt` in seconds.
fn timestamp(text: &str) -> Option<f64> {
    let (clock, millis) = text.split_once('.')?;
    if millis.len() != 3 {
        return None;
    }
    let (rest, s) = crate::search::rsplit_once_byte(clock, b':')?;
    let (h, m) = match crate::search::rsplit_once_byte(rest, b':') {
        Some((h, m)) => (number(h)?, number(m)?),
        None => (0, number(rest)?),
    };
    let (s, ms) = (number(s)?, number(millis)?);
    if m > 59 || s > 59 {
        return None;
    }
    Some((h * 3600 + m * 60 + s) as f64 + ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_ids_text_and_the_timestamp_map_are_read() {
        let vtt = "\u{feff}WEBVTT - a title\r\nX-TIMESTAMP-MAP=LOCAL:00:00:10.000,MPEGTS:1800000\r\n\r\n\
            NOTE a comment\r\nwith --> an arrow\r\n\r\n\
            intro\r\n00:11.000 --> 00:00:13.500 align:start\r\nHello\r\n<i>world</i>\r\n\r\n\
            01:00:00.000 --> 01:00:01.000\r\nLate\r\n";
        let file = parse(vtt.as_bytes()).expect("parses");
        assert_eq!(
            file.timestamp_map,
            Some(TimestampMap {
                mpegts: 1_800_000,
                local: 10.0
            })
        );
        assert_eq!(file.timestamp_map.map(|m| m.offset()), Some(10.0));
        assert_eq!(
            file.cues,
            [
                VttCue {
                    id: "intro".into(),
                    start: 11.0,
                    end: 13.5,
                    text: "Hello\n<i>world</i>".into()
                },
                VttCue {
                    id: String::new(),
                    start: 3600.0,
                    end: 3601.0,
                    text: "Late".into()
                }
            ]
        );
    }

    #[test]
    fn bad_cues_are_skipped_and_bad_files_are_typed_errors() {
        let vtt = "WEBVTT\n\n00:02.000 --> 00:01.000\nbackwards\n\n\
            0:xx.000 --> 00:01.000\nbad\n\n00:61.000 --> 00:62.000\nbad seconds\n\n\
            00:01.000 --> 00:02.000\nkept\n";
        let file = parse(vtt.as_bytes()).expect("parses");
        assert_eq!(file.cues.len(), 1);
        assert_eq!(file.cues[0].text, "kept");
        assert_eq!(parse(b"WEBVTTX\n"), Err(VttError::NotWebVtt));
        assert_eq!(parse(b"<html>"), Err(VttError::NotWebVtt));
        assert_eq!(parse(b"WEBVTT\n\xff"), Err(VttError::NotUtf8 { at: 7 }));
        let big = vec![b' '; MAX_VTT_BYTES + 1];
        assert!(matches!(parse(&big), Err(VttError::TooLarge { .. })));
        assert_eq!(parse(b"WEBVTT").map(|f| f.cues.len()), Ok(0));
    }

    #[test]
    fn timestamps_and_line_ends() {
        for (text, seconds) in [
            ("00:01.500", Some(1.5)),
            ("1:00:00.000", Some(3600.0)),
            ("9999999999:59:59.999", Some(35_999_999_999_999.999)),
            ("10000000000:00:00.000", None),
            ("1:2:3:4.000", None),
            ("60:00.000", None),
            ("00:01.00", None),
            ("00:01.0000", None),
            ("00:01.-12", None),
            ("+1:00.000", None),
            (":00.000", None),
            ("00.000", None),
        ] {
            assert_eq!(timestamp(text), seconds, "{text}");
        }
        let file =
            parse(b"WEBVTT\r\r00:01.000 --> 00:02.000\rA\r\nB\r\n\r\n00:03.000 --> 00:04.000\nC")
                .expect("parses");
        let texts: Vec<_> = file.cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["A\nB", "C"]);
    }

    #[test]
    fn hostile_input_never_panics_and_cue_count_is_bounded() {
        let mut many = String::from("WEBVTT\n");
        for _ in 0..MAX_CUES + 10 {
            many.push_str("\n00:00.000 --> 00:01.000\nx\n");
        }
        assert_eq!(parse(many.as_bytes()).map(|f| f.cues.len()), Ok(MAX_CUES));
        for junk in [
            "WEBVTT\n\n-->\n",
            "WEBVTT\n\n99999999999999999999:00:00.000 --> 1\n",
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:,LOCAL\n\n.000 --> .000\n",
            "WEBVTT\n\nid\n\n\n-->-->\n",
        ] {
            let _ = parse(junk.as_bytes());
        }
    }
}
