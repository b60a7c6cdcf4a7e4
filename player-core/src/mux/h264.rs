//! H.264 elementary stream handling: Annex B start-code splitting and the decoder
//! configuration that becomes the `avcC` box (SPS parsing by the `h264-reader` crate).
//!
//! Start codes are found by hand (`memchr` on the `01` byte over the whole PES payload)
//! rather than with `h264-reader`'s push-based Annex B reader, which hands NAL units out in
//! pieces: each NAL unit here is one contiguous slice, copied once into the sample buffer.

use h264_reader::nal::sps::SeqParameterSet;
use h264_reader::rbsp::{BitReader, decode_nal};

/// NAL unit types this module acts on.
pub(crate) const NAL_IDR: u8 = 5;
pub(crate) const NAL_SPS: u8 = 7;
pub(crate) const NAL_PPS: u8 = 8;
pub(crate) const NAL_AUD: u8 = 9;
pub(crate) const NAL_FILLER: u8 = 12;

/// Most picture parameter sets kept per configuration.
const MAX_PPS: usize = 32;

/// H.264 decoder configuration: parameter sets and what the init segment needs from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcConfig {
    /// Sequence parameter set NAL unit (with its header byte, emulation prevention kept).
    pub sps: Vec<u8>,
    /// Picture parameter set NAL units, distinct, in order of appearance.
    pub pps: Vec<Vec<u8>>,
    /// Coded width in pixels after cropping.
    pub width: u16,
    /// Coded height in pixels after cropping.
    pub height: u16,
}

impl AvcConfig {
    /// Builds a configuration from an SPS NAL unit; `None` if it cannot be parsed.
    pub fn from_sps(sps: &[u8]) -> Option<Self> {
        let (width, height) = parse_sps_dimensions(sps)?;
        Some(Self {
            sps: sps.to_vec(),
            pps: Vec::new(),
            width,
            height,
        })
    }

    /// `profile_idc`, constraint flags and `level_idc` from the SPS.
    pub fn profile_compat_level(&self) -> (u8, u8, u8) {
        match self.sps.get(1..4) {
            Some(&[p, c, l]) => (p, c, l),
            _ => (0, 0, 0),
        }
    }

    /// RFC 6381 codec string, e.g. `avc1.4d401f`.
    pub fn codec_string(&self) -> String {
        let (p, c, l) = self.profile_compat_level();
        format!("avc1.{p:02x}{c:02x}{l:02x}")
    }

    /// Adds a PPS unless an identical one is already known.
    pub(crate) fn add_pps(&mut self, pps: &[u8]) {
        if self.pps.len() < MAX_PPS && !self.pps.iter().any(|p| p == pps) {
            self.pps.push(pps.to_vec());
        }
    }
}

/// Calls `f` with each NAL unit of Annex B `data`, without start codes and trailing zero
/// bytes. Bytes before the first start code are skipped.
pub(crate) fn for_each_nal(data: &[u8], mut f: impl FnMut(&[u8])) {
    let mut nal_start: Option<usize> = None;
    let mut pos = 0;
    while let Some(i) = data.get(pos..).and_then(|rest| memchr::memchr(1, rest)) {
        let one = pos + i;
        if one >= 2 && data.get(one - 2..one) == Some(&[0, 0]) {
            if let Some(start) = nal_start {
                emit(data.get(start..one - 2), &mut f);
            }
            nal_start = Some(one + 1);
        }
        pos = one + 1;
    }
    if let Some(start) = nal_start {
        emit(data.get(start..), &mut f);
    }
}

fn emit(nal: Option<&[u8]>, f: &mut impl FnMut(&[u8])) {
    let Some(nal) = nal else { return };
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    if let Some(nal) = nal.get(..end).filter(|n| !n.is_empty()) {
        f(nal);
    }
}

/// NAL unit type of a NAL unit (its header byte's low 5 bits).
pub(crate) fn nal_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0, |h| h & 0x1f)
}

/// Cropped picture size from an SPS NAL unit, parsed with `h264-reader`.
pub(crate) fn parse_sps_dimensions(sps: &[u8]) -> Option<(u16, u16)> {
    if nal_type(sps) != NAL_SPS {
        return None;
    }
    let rbsp = decode_nal(sps).ok()?;
    let parsed = SeqParameterSet::from_bits(BitReader::new(&rbsp[..])).ok()?;
    let (width, height) = parsed.pixel_dimensions().ok()?;
    Some((u16::try_from(width).ok()?, u16::try_from(height).ok()?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// SPS of a 640x360 Main profile level 3.0 stream made by x264.
    pub(crate) const SPS_640X360: [u8; 24] = [
        0x67, 0x4d, 0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80, 0x00, 0x00, 0x03,
        0x00, 0x80, 0x00, 0x00, 0x1e, 0x07, 0x8b, 0x16, 0xcb,
    ];

    #[test]
    fn splits_annex_b_with_three_and_four_byte_start_codes() {
        let data = [
            9, 9, 0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88, 0, 0, 3, 1, 0, 0, 0, 0, 1, 0x41,
            0x9a, 0, 0,
        ];
        let mut nals = Vec::new();
        for_each_nal(&data, |n| nals.push(n.to_vec()));
        assert_eq!(
            nals,
            vec![
                vec![0x09, 0xf0],
                vec![0x65, 0x88, 0, 0, 3, 1],
                vec![0x41, 0x9a]
            ]
        );
    }

    #[test]
    fn sps_dimensions_with_cropping() {
        let cfg = AvcConfig::from_sps(&SPS_640X360).expect("valid SPS");
        assert_eq!((cfg.width, cfg.height), (640, 360));
        assert_eq!(cfg.codec_string(), "avc1.4d401e");
        assert_eq!(parse_sps_dimensions(&SPS_640X360[..6]), None);
    }
}
