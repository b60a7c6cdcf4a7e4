//! Byte-level helpers for the parser's innermost loops: line splitting and trimming.
//!
//! Hand-written for speed in wasm: `str::trim` and `char`-set patterns decode UTF-8 char by
//! char, while playlist text is nearly all ASCII. Results equal `str::trim` and friends
//! exactly (a non-ASCII edge falls back to them).

/// Whether `b` is an ASCII character `char::is_whitespace` accepts (it includes the vertical
/// tab, which `u8::is_ascii_whitespace` does not).
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `s.trim()`, fast when the edges are ASCII.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        // Most lines: nothing to trim.
        (Some(&a), Some(&b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => trim_end(trim_start(s)),
    }
}

/// `s.trim_start()`, fast when the start is ASCII.
pub(super) fn trim_start(s: &str) -> &str {
    let start = s
        .bytes()
        .position(|b| !is_ascii_space(b))
        .unwrap_or(s.len());
    let rest = s.get(start..).unwrap_or("");
    match rest.as_bytes().first() {
        Some(b) if !b.is_ascii() => rest.trim_start(),
        _ => rest,
    }
}

/// `s.trim_end()`, fast when the end is ASCII.
pub(super) fn trim_end(s: &str) -> &str {
    let end = s
        .bytes()
        .rposition(|b| !is_ascii_space(b))
        .map_or(0, |i| i + 1);
    let rest = s.get(..end).unwrap_or("");
    match rest.as_bytes().last() {
        Some(b) if !b.is_ascii() => rest.trim_end(),
        _ => rest,
    }
}

/// `s` without leading spaces and tabs, and commas too when `commas` (a byte test: a
/// `contains` on a byte set calls core's memchr once per byte).
#[inline(always)]
pub(super) fn trim_start_blanks(s: &str, commas: bool) -> &str {
    let start = s
        .bytes()
        .position(|b| !(b == b' ' || b == b'\t' || commas && b == b','))
        .unwrap_or(s.len());
    s.get(start..).unwrap_or("")
}

/// `s` without its first byte if that is `byte` (ASCII); `None` otherwise. A `char` pattern
/// (`strip_prefix('#')`) encodes the char to UTF-8 on every call.
#[inline(always)]
pub(super) fn strip_byte(s: &str, byte: u8) -> Option<&str> {
    match s.as_bytes().first() {
        Some(&b) if b == byte => s.get(1..),
        _ => None,
    }
}

/// Whether `a` and `b` are the same string, lengths compared first.
#[inline(always)]
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes() == b.as_bytes()
}

/// The byte position of the first `needle` (an ASCII byte) in `s`.
pub(super) fn find_byte(s: &str, needle: u8) -> Option<usize> {
    memchr::memchr(needle, s.as_bytes())
}

/// Trimmed lines of `text` split at `\n`, numbered from 1: `text.split('\n').map(str::trim)`.
pub(super) fn lines(text: &str) -> Lines<'_> {
    Lines {
        rest: Some(text),
        number: 0,
    }
}

/// Iterator returned by [`lines`].
pub(super) struct Lines<'a> {
    rest: Option<&'a str>,
    number: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let rest = self.rest?;
        let line = match find_byte(rest, b'\n') {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i).unwrap_or("")
            }
            None => {
                self.rest = None;
                rest
            }
        };
        self.number += 1;
        Some((self.number, trim(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_like_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a b \r",
            "\u{b}\u{c}x\t",
            "\u{a0} x \u{2028}",
            " \u{a0}",
            "é ",
            " \u{3000}é\u{3000} ",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
            assert_eq!(trim_end(s), s.trim_end(), "{s:?}");
        }
    }

    #[test]
    fn lines_match_split_and_trim() {
        for text in ["", "\n", "a\r\nb\n\n c \n", "#EXTM3U\nx", "x\n"] {
            let want: Vec<_> = text
                .split('\n')
                .map(str::trim)
                .enumerate()
                .map(|(i, l)| (i + 1, l))
                .collect();
            assert_eq!(lines(text).collect::<Vec<_>>(), want, "{text:?}");
        }
    }
}
