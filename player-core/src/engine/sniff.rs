//! Recognises a segment's container from its first bytes, never from its file name.

/// Container formats the engine can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// ISO-BMFF: fMP4/CMAF init or media segment.
    Fmp4,
    /// MPEG-2 transport stream.
    MpegTs,
}

/// ISO-BMFF box types that may open an init or media segment.
const LEADING_BOXES: [&[u8; 4]; 7] = [
    b"ftyp", b"styp", b"moof", b"moov", b"sidx", b"emsg", b"prft",
];

/// The container of `bytes`, or `None` when they are not media the engine can play.
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    if is_iso_bmff(bytes) {
        Some(Container::Fmp4)
    } else if is_transport_stream(bytes) {
        Some(Container::MpegTs)
    } else {
        None
    }
}

fn is_iso_bmff(bytes: &[u8]) -> bool {
    let (Some(size), Some(kind)) = (bytes.get(0..4), bytes.get(4..8)) else {
        return false;
    };
    let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]);
    // size 1 means a 64-bit size follows; otherwise the box must at least hold its header.
    (size == 1 || size >= 8) && LEADING_BOXES.iter().any(|b| b.as_slice() == kind)
}

fn is_transport_stream(bytes: &[u8]) -> bool {
    const PACKET: usize = 188;
    let packets = bytes.len() / PACKET;
    packets >= 1 && (0..packets.min(3)).all(|i| bytes[i * PACKET] == 0x47)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_containers_and_rejects_other_bytes() {
        let mut ftyp = vec![0, 0, 0, 16];
        ftyp.extend_from_slice(b"ftypisom\0\0\0\0");
        assert_eq!(sniff(&ftyp), Some(Container::Fmp4));
        let mut ts = vec![0u8; 188 * 3];
        for p in 0..3 {
            ts[p * 188] = 0x47;
        }
        assert_eq!(sniff(&ts), Some(Container::MpegTs));
        ts[188] = 0;
        assert_eq!(sniff(&ts), None);
        assert_eq!(sniff(b"<html><body>404</body></html>"), None);
        assert_eq!(sniff(&[0, 0, 0, 4, b'f', b't', b'y', b'p']), None);
        assert_eq!(sniff(&[]), None);
    }
}
