//! Where an fMP4 segment sits on the media timeline: the timescale of each track from the
//! init segment and the first decode time from the segment's `tfdt`, so the engine can place
//! the segment at its playlist time with a SourceBuffer timestampOffset.
//!
//! Hand-written rather than through `mp4-atom`: it reads four fixed fields of five box types,
//! and decoding with `mp4_atom::Any` links every box decoder of that crate into the wasm
//! (it grew the package by more than 200 KB gzipped).

/// Track id → timescale (units per second) of an init segment's tracks.
pub type Timescales = Vec<(u32, u32)>;

/// The timescales of the tracks in `init`; empty when it has no readable `moov`.
///
/// Plain loops over the boxes here and below: the filtered and mapped iterators were 700
/// bytes more of the wasm.
pub fn timescales(init: &[u8]) -> Timescales {
    let mut scales = Vec::new();
    let Some(moov) = child(init, b"moov") else {
        return scales;
    };
    for (kind, trak) in boxes(moov) {
        if &kind == b"trak"
            && let Some(scale) = trak_timescale(trak)
        {
            scales.push(scale);
        }
    }
    scales
}

/// The (track id, timescale) of a `trak` payload.
fn trak_timescale(trak: &[u8]) -> Option<(u32, u32)> {
    let tkhd = child(trak, b"tkhd")?;
    let mdhd = child(child(trak, b"mdia")?, b"mdhd")?;
    // tkhd: version, flags, two times (32 or 64 bits each), then the track id.
    let id = be_u32(tkhd, if tkhd.first()? == &1 { 20 } else { 12 })?;
    // mdhd: version, flags, two times, then the timescale.
    let scale = be_u32(mdhd, if mdhd.first()? == &1 { 20 } else { 12 })?;
    (scale > 0).then_some((id, scale))
}

/// Decode time in seconds of the earliest track fragment of `segment` whose timescale is in
/// `timescales`; `None` when the segment has no readable `moof` with a `tfdt`.
pub fn decode_start(timescales: &[(u32, u32)], segment: &[u8]) -> Option<f64> {
    let mut earliest: Option<f64> = None;
    for (kind, traf) in boxes(child(segment, b"moof")?) {
        if &kind == b"traf"
            && let Some(time) = traf_start(timescales, traf)
        {
            earliest = Some(earliest.map_or(time, |e| e.min(time)));
        }
    }
    earliest
}

/// Decode time in seconds of a `traf` payload.
fn traf_start(timescales: &[(u32, u32)], traf: &[u8]) -> Option<f64> {
    let id = be_u32(child(traf, b"tfhd")?, 4)?;
    let tfdt = child(traf, b"tfdt")?;
    let time = if tfdt.first()? == &1 {
        u64::from_be_bytes(tfdt.get(4..12)?.try_into().ok()?)
    } else {
        u64::from(be_u32(tfdt, 4)?)
    };
    let (_, scale) = timescales.iter().find(|(track, _)| *track == id)?;
    Some(time as f64 / f64::from(*scale))
}

/// The payload of the first box of type `kind` at this level.
fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    for (k, payload) in boxes(data) {
        if &k == kind {
            return Some(payload);
        }
    }
    None
}

/// The (type, payload) of each box in `data`, stopping at the first malformed header.
fn boxes(mut data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        let size = u64::from(be_u32(data, 0)?);
        let kind: [u8; 4] = data.get(4..8)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, data.len() as u64),
            1 => (16, u64::from_be_bytes(data.get(8..16)?.try_into().ok()?)),
            n => (8, n),
        };
        let end = usize::try_from(size)
            .ok()
            .filter(|&e| e >= header && e <= data.len())?;
        let payload = &data[header..end];
        data = &data[end..];
        Some((kind, payload))
    })
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}
