//! Decimal number parsing for text formats (HLS attribute values, ISO 8601 seconds) without
//! core's `dec2flt` or its generic integer parser, and `f64` clamping without core's float
//! printer.
//!
//! Hand-written for size: `str::parse::<f64>` links core's `dec2flt` (Eisel-Lemire plus a
//! big-decimal fallback, about 5 KB of wasm code and a 10 KB table of powers of five), while
//! every number a playlist holds (`4.000`, `29.97`, `1266562463.031`) has a significand below
//! 2^53 and a small exponent, where one IEEE multiply or divide by an exact power of ten is
//! already correctly rounded (Clinger's fast path). Other inputs take a 64-bit extended
//! precision path that is within a few units in the last place.

/// Largest significand the fast path takes: every integer up to it is exact in an `f64`.
const FAST_SIGNIFICAND: u64 = 1 << 53;
/// Largest decimal exponent the fast path takes: 10^22 is the largest exact power of ten.
const FAST_EXPONENT: u32 = 22;

/// Parses a decimal floating-point number as `str::parse::<f64>` reads it: an optional sign,
/// digits with an optional `.` (at least one digit), an optional exponent (`e` or `E`, an
/// optional sign, digits); or `inf`, `infinity`, `nan` in any case. No surrounding spaces.
///
/// Exactly `str::parse::<f64>`'s value when the digits without the point make an integer up
/// to 2^53 and the decimal exponent (after moving the point behind the last digit) is within
/// ±22 (Clinger's fast path). Otherwise the digits past the 19th are dropped and the
/// value is scaled in 64-bit fixed point, one truncating step per power of ten (at most
/// 345): within 5e-17 (relative) of the exact value before the final rounding to an `f64`,
/// so within 2e-16 after it for normal results; values past `f64::MAX` are infinite and
/// values below the subnormal range are zero (subnormal results may be off by more).
pub fn parse_f64(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let magnitude = if rest.first().is_some_and(u8::is_ascii_alphabetic) {
        special(rest)?
    } else {
        decimal(rest)?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `inf`, `infinity` or `nan`, in any case.
fn special(word: &[u8]) -> Option<f64> {
    if word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"infinity") {
        Some(f64::INFINITY)
    } else if word.eq_ignore_ascii_case(b"nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

/// An unsigned decimal with optional point and exponent.
fn decimal(bytes: &[u8]) -> Option<f64> {
    let mut significand = 0u64;
    let mut exponent = 0i64;
    let mut digits = 0usize;
    let mut point = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'.' && !point {
            point = true;
        } else if b.is_ascii_digit() {
            digits += 1;
            if significand < 1_000_000_000_000_000_000 {
                significand = significand * 10 + u64::from(b - b'0');
                exponent -= i64::from(point);
            } else {
                // Past 19 digits: dropped, the exponent keeps the magnitude.
                exponent += i64::from(!point);
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(marker) = bytes.get(i) {
        if !matches!(marker, b'e' | b'E') {
            return None;
        }
        let tail = bytes.get(i + 1..)?;
        let (sign, tail) = match tail.split_first() {
            Some((b'-', t)) => (-1, t),
            Some((b'+', t)) => (1, t),
            _ => (1, tail),
        };
        if tail.is_empty() {
            return None;
        }
        let mut e = 0i64;
        for &b in tail {
            if !b.is_ascii_digit() {
                return None;
            }
            // Saturates far beyond the range where the result is 0 or infinite.
            e = (e * 10 + i64::from(b - b'0')).min(1 << 20);
        }
        exponent += sign * e;
    }
    Some(scale(significand, exponent))
}

/// `10^k`: exact up to `10^22`, within a unit in the last place beyond.
pub(crate) fn pow10(k: u32) -> f64 {
    scale(1, i64::from(k))
}

/// `significand × 10^exponent`, correctly rounded on the fast path.
fn scale(significand: u64, exponent: i64) -> f64 {
    if significand == 0 {
        return 0.0;
    }
    let e = exponent.unsigned_abs();
    if significand <= FAST_SIGNIFICAND && e <= u64::from(FAST_EXPONENT) {
        // Both operands are exact, so the one operation rounds correctly.
        let mut power = 1.0;
        for _ in 0..e {
            power *= 10.0;
        }
        let m = significand as f64;
        return if exponent < 0 { m / power } else { m * power };
    }
    // significand < 10^19, so anything past 10^310 is infinite and below 10^-345 is zero.
    if exponent > 310 {
        return f64::INFINITY;
    }
    if exponent < -345 {
        return 0.0;
    }
    // value = sig × 2^bin with `sig` normalised (top bit set); each step multiplies by 10
    // (0xA × 2^60 × 2^-60) or by 0.1 (0xCCCC…CCCD × 2^-67), keeping the top 64 bits.
    let (factor, factor_exp) = if exponent > 0 {
        (0xA000_0000_0000_0000u64, -60)
    } else {
        (0xCCCC_CCCC_CCCC_CCCDu64, -67)
    };
    let shift = significand.leading_zeros();
    let mut sig = significand << shift;
    let mut bin = -(shift as i32);
    for _ in 0..e {
        let wide = u128::from(sig) * u128::from(factor);
        let top = (wide >> 127) as u32;
        // Keep 64 bits starting at the product's highest set bit (bit 127 or 126).
        sig = (wide >> (63 + top)) as u64;
        bin += factor_exp + 63 + top as i32;
    }
    ldexp(sig as f64, bin)
}

/// `x × 2^e` for any `e`, stepping through the normal exponent range.
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    let step = 960;
    while e > step {
        x *= f64::from_bits(((1023 + step) as u64) << 52);
        e -= step;
    }
    while e < -step {
        x *= f64::from_bits(((1023 - step) as u64) << 52);
        e += step;
    }
    x * f64::from_bits(((1023 + e) as u64) << 52)
}

/// Parses a whole number as `str::parse::<u64>` reads it (an optional `+`, then at least one
/// ASCII digit, no overflow), in a plain loop: core's generic integer parser is ~300 bytes of
/// wasm more for the same answers.
pub fn parse_u64(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// `x.clamp(lo, hi)` for `lo <= hi`, NaN staying NaN, without `f64::clamp`'s assertion:
/// its message prints both bounds with `{:?}`, which links core's float printer (about 20 KB of
/// wasm) into a build that otherwise prints no float.
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether `text` (a decimal written by the strategies below) is in the fast-path domain.
    fn fast_path(int: &str, frac: &str, exp: i64) -> bool {
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let significand: u128 = if digits.is_empty() {
            0
        } else {
            digits.parse().unwrap()
        };
        let e = exp - frac.len() as i64;
        significand == 0 || significand <= 1 << 53 && e.abs() <= 22
    }

    fn check(text: &str, exact: bool) -> Result<(), TestCaseError> {
        let want: f64 = text.parse().unwrap();
        let got = parse_f64(text).unwrap();
        if exact || want == 0.0 || !want.is_finite() {
            prop_assert_eq!(got.to_bits(), want.to_bits(), "{}", text);
        } else {
            let error = ((got - want) / want).abs();
            prop_assert!(error < 1e-15, "{text}: {got} vs {want} ({error:e})");
        }
        Ok(())
    }

    #[test]
    fn agrees_with_std_on_edge_cases() {
        for text in [
            "0",
            "-0",
            "+0",
            "0.0",
            "4.000",
            "29.97",
            ".5",
            "5.",
            "1e5",
            "1E+5",
            "1e-5",
            "-2.5e3",
            "9007199254740992",
            "9007199254740993",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "1e308",
            "1e309",
            "1e-400",
            "1e999999999999",
            "0.000000000000000000000000000001",
            "123456789012345678901234567890",
            "inf",
            "-Infinity",
            "INF",
        ] {
            let (want, got) = (text.parse::<f64>().unwrap(), parse_f64(text).unwrap());
            let close = want == got || ((got - want) / want).abs() < 1e-15;
            assert!(close, "{text}: {got} vs {want}");
        }
        assert!(parse_f64("NaN").unwrap().is_nan());
        for text in [
            "", "+", "-", ".", "e5", ".e5", "1e", "1e+", "1e-", "1.2.3", "1..2", " 1", "1 ",
            "0x10", "1f", "--1", "+-1", "in", "nanx", "1e5.0", "١",
        ] {
            assert_eq!(parse_f64(text), None, "{text:?}");
            assert!(text.parse::<f64>().is_err(), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn exact_in_the_fast_path_domain(
            sign in "[+-]?",
            int in "[0-9]{0,10}",
            frac in proptest::option::of("[0-9]{0,8}"),
            exp in proptest::option::of(-20i64..20),
        ) {
            prop_assume!(!int.is_empty() || frac.as_deref().is_some_and(|f| !f.is_empty()));
            let frac_digits = frac.clone().unwrap_or_default();
            let mut text = format!("{sign}{int}");
            if let Some(f) = &frac {
                text.push('.');
                text.push_str(f);
            }
            if let Some(e) = exp {
                text.push_str(&format!("e{e}"));
            }
            let exact = fast_path(&int, &frac_digits, exp.unwrap_or(0));
            check(&text, exact)?;
        }

        #[test]
        fn close_everywhere_else(
            int in "[1-9][0-9]{0,24}",
            frac in "[0-9]{0,12}",
            exp in -300i64..280,
        ) {
            let text = format!("{int}.{frac}e{exp}");
            let exact = fast_path(&int, &frac, exp);
            check(&text, exact)?;
        }

        #[test]
        fn accepts_what_std_accepts(text in "[+-]?[0-9.eE+-]{0,6}|[+-]?(inf|nan|infinity|in)") {
            prop_assert_eq!(parse_f64(&text).is_some(), text.parse::<f64>().is_ok(), "{:?}", text);
        }
    }

    #[test]
    fn clamp_as_std_does() {
        for x in [
            -1.0,
            0.0,
            0.5,
            5000.0,
            7e9,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ] {
            assert_eq!(clamp(x, 0.0, 5000.0), x.clamp(0.0, 5000.0), "{x}");
        }
        assert!(clamp(f64::NAN, 0.0, 1.0).is_nan());
    }

    proptest! {
        #[test]
        fn whole_numbers_read_as_str_parse_reads_them(text in "[+-]?[0-9]{0,22}|[0-9+ a-]{0,6}") {
            prop_assert_eq!(parse_u64(&text), text.parse::<u64>().ok(), "{:?}", text);
        }
    }
}
