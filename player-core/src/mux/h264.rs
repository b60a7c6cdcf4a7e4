//! H.264 elementary stream handling: Annex B start-code splitting, SPS parsing and the
//! decoder configuration that becomes the `avcC` box.

use super::bits::BitReader;

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

/// Removes emulation prevention bytes (`00 00 03` → `00 00`).
fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

const HIGH_PROFILES: [u8; 13] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/// Parses an SPS NAL unit far enough to get the cropped picture size.
pub(crate) fn parse_sps_dimensions(sps: &[u8]) -> Option<(u16, u16)> {
    if nal_type(sps) != NAL_SPS {
        return None;
    }
    let rbsp = unescape(sps.get(1..)?);
    let mut r = BitReader::new(&rbsp);
    let profile = r.bits(8)? as u8;
    r.bits(16)?; // constraint flags, level
    r.ue()?; // seq_parameter_set_id
    let mut chroma_format_idc = 1;
    let mut separate_colour_plane = false;
    if HIGH_PROFILES.contains(&profile) {
        chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            separate_colour_plane = r.bit()? == 1;
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.bit()?; // qpprime_y_zero_transform_bypass_flag
        if r.bit()? == 1 {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.bit()? == 1 {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
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
            r.bit()?;
            r.se()?;
            r.se()?;
            let cycle = r.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.bit()?; // gaps_in_frame_num_value_allowed_flag
    let width_mbs = u64::from(r.ue()?) + 1;
    let height_units = u64::from(r.ue()?) + 1;
    let frame_mbs_only = u64::from(r.bit()?);
    if frame_mbs_only == 0 {
        r.bit()?; // mb_adaptive_frame_field_flag
    }
    r.bit()?; // direct_8x8_inference_flag
    let (mut left, mut right, mut top, mut bottom) = (0u64, 0u64, 0u64, 0u64);
    if r.bit()? == 1 {
        left = r.ue()?.into();
        right = r.ue()?.into();
        top = r.ue()?.into();
        bottom = r.ue()?.into();
    }
    let (sub_w, sub_h) = match (chroma_format_idc, separate_colour_plane) {
        (0, _) | (3, true) => (1, 1),
        (1, _) => (2, 2),
        (2, _) => (2, 1),
        _ => (1, 1),
    };
    let crop_x = sub_w * (left + right);
    let crop_y = sub_h * (2 - frame_mbs_only) * (top + bottom);
    let width = (width_mbs * 16).checked_sub(crop_x)?;
    let height = ((2 - frame_mbs_only) * height_units * 16).checked_sub(crop_y)?;
    Some((u16::try_from(width).ok()?, u16::try_from(height).ok()?))
}

fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()? + 256).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
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
