//! Where an fMP4 segment sits on the media timeline: the timescale of each track from the
//! init segment and the first decode time from the segment's `tfdt`, so the engine can place
//! the segment at its playlist time with a SourceBuffer timestampOffset.

use mp4_atom::{Any, DecodeMaybe};

/// Track id → timescale (units per second) of an init segment's tracks.
pub type Timescales = Vec<(u32, u32)>;

/// The timescales of the tracks in `init`; empty when it has no readable `moov`.
pub fn timescales(init: &[u8]) -> Timescales {
    let mut buf = init;
    loop {
        match Any::decode_maybe(&mut buf) {
            Ok(Some(Any::Moov(moov))) => {
                return moov
                    .trak
                    .iter()
                    .map(|t| (t.tkhd.track_id, t.mdia.mdhd.timescale))
                    .filter(|(_, scale)| *scale > 0)
                    .collect();
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Vec::new(),
        }
    }
}

/// Decode time in seconds of the first track fragment of `segment`, whose timescale is in
/// `timescales`; `None` when the segment has no readable `moof` with a `tfdt`.
pub fn decode_start(timescales: &[(u32, u32)], segment: &[u8]) -> Option<f64> {
    let mut buf = segment;
    let moof = loop {
        match Any::decode_maybe(&mut buf) {
            Ok(Some(Any::Moof(moof))) => break moof,
            Ok(Some(Any::Mdat(_))) | Ok(None) | Err(_) => return None,
            Ok(Some(_)) => {}
        }
    };
    moof.traf
        .iter()
        .filter_map(|traf| {
            let tfdt = traf.tfdt.as_ref()?;
            let (_, scale) = timescales
                .iter()
                .find(|(id, _)| *id == traf.tfhd.track_id)?;
            Some(tfdt.base_media_decode_time as f64 / f64::from(*scale))
        })
        .reduce(f64::min)
}
