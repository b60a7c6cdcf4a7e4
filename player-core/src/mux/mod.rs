//! Transmuxing of HLS media segments for Media Source Extensions.
//!
//! * [`sniff()`] tells the container of a segment from its bytes.
//! * [`decrypt`] removes HLS AES-128 (CBC, PKCS#7) encryption.
//! * [`ts`] demultiplexes MPEG-TS into H.264 / AAC / MPEG audio samples and ID3 metadata.
//! * [`Transmuxer`] turns a sequence of TS (or packed ADTS/MP3 audio) segments into fMP4 init segments and fragments
//!   on one continuous timeline.
//!
//! Everything here is sans-IO: bytes in, bytes out, no clock.

mod audio;
pub mod decrypt;
mod fmp4;
mod h264;
mod packed;
pub mod sniff;
mod transmux;
pub mod ts;

#[cfg(test)]
pub(crate) mod ts_tests;

/// `bytes` as lowercase hex digits, two per byte (`{:02x}` of each, one after the other).
///
/// Hex is written here rather than with `{:02x}`/`{:02x?}`: the release wasm has no `Debug`
/// formatting (`-Zfmt-debug=none` prints nothing), and core's hex printer is code we need not
/// link for a codec string and two error messages.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        push_hex(&mut out, b);
    }
    out
}

/// `bytes` as `{:02x?}` writes them: `[0a, ff]`.
pub(crate) fn hex_list(bytes: &[u8]) -> String {
    let mut out = String::from("[");
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_hex(&mut out, b);
    }
    out.push(']');
    out
}

fn push_hex(out: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(DIGITS[usize::from(b >> 4)]));
    out.push(char::from(DIGITS[usize::from(b & 15)]));
}

pub use audio::{AudioCodec, AudioConfig};
pub use h264::AvcConfig;
pub use sniff::{Container, SniffError, sniff};
pub use transmux::{
    Id3Frame, InitSegment, MAX_SEGMENT_BYTES, MuxError, RawAudio, SegmentInfo, TrackInfo,
    TrackKind, TransmuxOutput, Transmuxer,
};

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_written_as_core_formats_it() {
        for bytes in [&[][..], &[0], &[0x0a, 0xff, 0x47], &[0x4d, 0x40, 0x1f]] {
            assert_eq!(super::hex_list(bytes), format!("{bytes:02x?}"));
            let each: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(super::hex(bytes), each);
        }
    }
}
