//! ISO 8601 / RFC 3339 date-times (EXT-X-PROGRAM-DATE-TIME, DATERANGE dates) to epoch
//! milliseconds. Hand-written because the crate must stay free of a date library for wasm
//! size, and only this one conversion is needed.

/// Parses `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh[:]mm]` to milliseconds since the Unix epoch.
///
/// Lenient as players are: a space may replace `T`, seconds and zone may be absent (UTC).
pub fn parse_iso8601_ms(s: &str) -> Option<f64> {
    let b = s.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let year = num(0, 4)?;
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&month) {
        return None;
    }
    if !(1..=31).contains(&day) || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    if b.get(13) != Some(&b':') || hour > 24 || minute > 59 {
        return None;
    }
    let mut i = 16;
    let mut seconds = 0.0;
    if b.get(i) == Some(&b':') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
            i += 1;
        }
        seconds = crate::num::parse_f64(std::str::from_utf8(b.get(start..i)?).ok()?)?;
    }
    let offset_minutes = match b.get(i) {
        None | Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = num(i + 1, 2)?;
            let m_at = if b.get(i + 3) == Some(&b':') {
                i + 4
            } else {
                i + 3
            };
            let m = if b.len() > m_at { num(m_at, 2)? } else { 0 };
            let total = h * 60 + m;
            if *sign == b'-' { -total } else { total }
        }
        Some(_) => return None,
    };
    let days = days_from_civil(year, month, day);
    let whole = days * 86_400 + hour * 3_600 + minute * 60 - offset_minutes * 60;
    Some(whole as f64 * 1000.0 + seconds * 1000.0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_and_fractions() {
        assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_iso8601_ms("2010-02-19T14:54:23.031+08:00"),
            Some(1_266_562_463_031.0)
        );
        assert_eq!(
            parse_iso8601_ms("2024-03-01T00:00:00.500-0130"),
            Some(1_709_256_600_500.0)
        );
        assert_eq!(
            parse_iso8601_ms("2024-02-29T12:00Z"),
            Some(1_709_208_000_000.0)
        );
        assert_eq!(parse_iso8601_ms("yesterday"), None);
        assert_eq!(parse_iso8601_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601_ms("2024-01-01T00:00:00Q"), None);
    }
}
