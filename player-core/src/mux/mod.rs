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

pub use audio::{AudioCodec, AudioConfig};
pub use h264::AvcConfig;
pub use sniff::{Container, SniffError, sniff};
pub use transmux::{
    Id3Frame, InitSegment, MAX_SEGMENT_BYTES, MuxError, RawAudio, SegmentInfo, TrackInfo,
    TrackKind, TransmuxOutput, Transmuxer,
};
