//! H.264 elementary stream handling: Annex B start-code splitting and the decoder
//! configuration that becomes the `avcC` box.
//!
//! Start codes are found by hand (`memchr` on the `01` byte over the whole PES payload)
//! rather than with `h264-reader`'s push-based Annex B reader, which hands NAL units out in
//! pieces: each NAL unit here is one contiguous slice, copied once into the sample buffer.

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
        ["avc1.", &super::hex(&[p, c, l])].concat()
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

/// Cropped picture size from an SPS NAL unit (ITU-T H.264 §7.3.2.1.1).
///
/// Only the fields before `frame_cropping` are read, by hand: `h264-reader`'s full SPS
/// parser put 10 KB into the wasm for two numbers. The tests compare both on x264's SPS units.
pub(crate) fn parse_sps_dimensions(sps: &[u8]) -> Option<(u16, u16)> {
    if nal_type(sps) != NAL_SPS {
        return None;
    }
    let mut r = Bits::new(sps.get(1..)?);
    let profile = r.bits(8)?;
    r.bits(16)?; // constraint flags, level
    r.ue()?; // seq_parameter_set_id
    let mut chroma_format = 1;
    let mut separate_planes = false;
    if matches!(
        profile,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma_format = r.ue()?;
        if chroma_format == 3 {
            separate_planes = r.bit()?;
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.bit()?; // qpprime_y_zero_transform_bypass_flag
        if r.bit()? {
            let lists = if chroma_format == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.bit()? {
                    r.skip_scaling_list(if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?; // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            r.bit()?; // delta_pic_order_always_zero_flag
            r.se()?; // offset_for_non_ref_pic
            r.se()?; // offset_for_top_to_bottom_field
            for _ in 0..r.ue()?.min(256) {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.bit()?; // gaps_in_frame_num_value_allowed_flag
    let width_mbs = r.ue()?.checked_add(1)?;
    let height_units = r.ue()?.checked_add(1)?;
    let frame_mbs_only = r.bit()?;
    if !frame_mbs_only {
        r.bit()?; // mb_adaptive_frame_field_flag
    }
    r.bit()?; // direct_8x8_inference_flag
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    let (mut crop_x, mut crop_y) = (0, 0);
    if r.bit()? {
        let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        // Crop units (Table 6-1): chroma subsampling, times 2 for field coding.
        let (unit_x, unit_y) = match (separate_planes, chroma_format) {
            (false, 1) => (2, 2 * field_factor),
            (false, 2) => (2, field_factor),
            _ => (1, field_factor),
        };
        crop_x = unit_x * left.checked_add(right)?;
        crop_y = unit_y * top.checked_add(bottom)?;
    }
    let width = width_mbs.checked_mul(16)?.checked_sub(crop_x)?;
    let height = height_units
        .checked_mul(16 * field_factor)?
        .checked_sub(crop_y)?;
    Some((u16::try_from(width).ok()?, u16::try_from(height).ok()?))
}

/// Reads bits of an RBSP, most significant first, skipping emulation prevention bytes.
struct Bits<'a> {
    data: &'a [u8],
    byte: usize,
    bit: u32,
    zeros: u32,
    current: u8,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            byte: 0,
            bit: 8,
            zeros: 0,
            current: 0,
        }
    }

    fn bit(&mut self) -> Option<bool> {
        if self.bit == 8 {
            let mut b = *self.data.get(self.byte)?;
            self.byte += 1;
            if self.zeros >= 2 && b == 3 {
                b = *self.data.get(self.byte)?;
                self.byte += 1;
                self.zeros = 0;
            }
            self.zeros = if b == 0 { self.zeros + 1 } else { 0 };
            self.current = b;
            self.bit = 0;
        }
        self.bit += 1;
        Some(self.current >> (8 - self.bit) & 1 == 1)
    }

    fn bits(&mut self, n: u32) -> Option<u32> {
        (0..n).try_fold(0, |acc, _| Some(acc << 1 | u32::from(self.bit()?)))
    }

    /// Unsigned exp-Golomb code (at most 32 leading zeros).
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.bit()? {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        ((1u64 << zeros) - 1 + u64::from(self.bits(zeros)?))
            .try_into()
            .ok()
    }

    /// Signed exp-Golomb code.
    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }

    /// `scaling_list()` of §7.3.2.1.1.1: only advances past it.
    fn skip_scaling_list(&mut self, size: usize) -> Option<()> {
        let (mut last, mut next) = (8i64, 8i64);
        for _ in 0..size {
            if next != 0 {
                next = (last + self.se()? + 256) % 256;
            }
            if next != 0 {
                last = next;
            }
        }
        Some(())
    }
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

    /// SPS units made by ffmpeg's libx264, with the size ffprobe reports for their streams.
    const SPS_BY_SIZE: [(&str, u16, u16); 5] = [
        (
            "67640028acd940780227e5c044000003000400000300c83c60c658",
            1920,
            1080,
        ),
        (
            "6742c01fd9005005bb011000000300100000030320f1832480",
            1280,
            720,
        ),
        // High 4:4:4 with JVT scaling matrices.
        (
            "67f4001e919b281b07bc5f80880000030008000003019078b16cb0",
            854,
            480,
        ),
        // Interlaced (field pairs).
        ("6764001eacd940b424d8088000000300800000190f8a14cb", 720, 576),
        // High 4:2:2.
        (
            "677a0015bcd941b1fe4f011000000300100000030320f162d960",
            426,
            240,
        ),
    ];

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn sps_sizes_match_ffprobe_and_h264_reader() {
        use h264_reader::nal::sps::SeqParameterSet;
        use h264_reader::rbsp::{BitReader, decode_nal};
        for (hex, width, height) in SPS_BY_SIZE {
            let sps = unhex(hex);
            assert_eq!(parse_sps_dimensions(&sps), Some((width, height)), "{hex}");
            let rbsp = decode_nal(&sps).expect("rbsp");
            let reference = SeqParameterSet::from_bits(BitReader::new(&rbsp[..])).expect("sps");
            assert_eq!(
                reference.pixel_dimensions().ok(),
                Some((u32::from(width), u32::from(height)))
            );
            for cut in 1..sps.len() {
                // Truncated units fail or give some size; they never panic.
                let _ = parse_sps_dimensions(&sps[..cut]);
            }
        }
    }
}
