//! Arbitrary bytes through sniffing, TS demuxing, transmuxing and AES-128 decryption must
//! never panic. The input is split in two segments so state carried between segments
//! (program map, codec configuration, timeline) is exercised too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use player_core::mux::decrypt::aes128_cbc;
use player_core::mux::ts::TsDemuxer;
use player_core::mux::{SegmentInfo, Transmuxer, sniff};

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    let _ = TsDemuxer::new().demux(data);
    let _ = aes128_cbc(data, &[0x42; 16], [0x24; 16]);

    let flags = data.first().copied().unwrap_or(0);
    let cut = data.len() / 2;
    let (first, second) = data.split_at(cut);
    let mut tm = Transmuxer::new();
    tm.set_mpeg_audio_passthrough(flags & 8 != 0);
    let _ = tm.push_segment(data, SegmentInfo::default());
    let _ = tm.push_segment(
        first,
        SegmentInfo {
            discontinuity: flags & 1 != 0,
            rendition: u32::from(flags >> 1 & 1),
            start_s: (flags & 4 != 0).then_some(f64::from(flags)),
        },
    );
    let _ = tm.push_segment(second, SegmentInfo::default());
});
