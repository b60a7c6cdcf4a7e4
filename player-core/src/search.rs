//! Substring search without core's `&str` pattern searcher.
//!
//! `str::find(&str)`, `contains(&str)`, `split(&str)` and `split_once(&str)` link core's
//! two-way searcher (about 2 KB of the wasm). Our needles are short literals and our
//! haystacks bounded (a playlist line, an error body, a policy, a WebVTT file), where
//! comparing at every position is fast enough.

/// The byte position of the first `needle` in `haystack`, as `haystack.find(needle)`.
pub(crate) fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
}

/// Whether `needle` occurs in `haystack`, as `haystack.contains(needle)`.
pub(crate) fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `text` before and after the first `needle`, as `text.split_once(needle)`.
pub(crate) fn split_once<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find(text, needle)?;
    // A match of a whole UTF-8 needle starts and ends on character boundaries.
    Some((text.get(..at)?, text.get(at + needle.len()..)?))
}

/// The byte position of the last `byte`, an ASCII character, as `haystack.rfind(char)`: a
/// plain backwards loop instead of core's reverse character searcher (~650 bytes of wasm).
pub(crate) fn rfind_byte(haystack: &str, byte: u8) -> Option<usize> {
    debug_assert!(byte.is_ascii(), "a non-ASCII byte is no character");
    haystack.bytes().rposition(|b| b == byte)
}

/// `text` before and after the last `byte`, an ASCII character, as `text.rsplit_once(char)`.
pub(crate) fn rsplit_once_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = rfind_byte(text, byte)?;
    // An ASCII byte is a whole character: both sides are on character boundaries.
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The pieces of `text` between `separator`s, as `text.split(separator)` for a non-empty
/// separator (an empty one gives `text` whole).
pub(crate) fn split<'a>(text: &'a str, separator: &'a str) -> impl Iterator<Item = &'a str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let found = split_once(current, separator).filter(|_| !separator.is_empty());
        let (piece, after) = found.map_or((current, None), |(piece, after)| (piece, Some(after)));
        rest = after;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_as_str_find_does() {
        let haystacks = [
            "",
            "a",
            "{$",
            "x{$y{$",
            "ab{",
            "é{$é",
            "<Code>é</Code>",
            "\n\n\n",
            "a\n\nb\n\n",
            "1 --> 2",
        ];
        let needles = ["", "{$", "$", "é", "</Code>", "x{$y{$z", "\n\n", "-->"];
        for h in haystacks {
            for n in needles {
                assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
                assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
                assert_eq!(split_once(h, n), h.split_once(n), "{h:?} {n:?}");
                if !n.is_empty() {
                    let ours: Vec<_> = split(h, n).collect();
                    assert_eq!(ours, h.split(n).collect::<Vec<_>>(), "{h:?} {n:?}");
                }
            }
        }
    }

    #[test]
    fn finds_the_last_byte_as_str_rfind_does() {
        for h in [
            "",
            ":",
            "a:b",
            "é:é:",
            "[::1]:80",
            "user@host@x",
            "00:01.500",
            "é",
        ] {
            for c in [':', '@', '/'] {
                let byte = c as u8;
                assert_eq!(rfind_byte(h, byte), h.rfind(c), "{h:?} {c:?}");
                assert_eq!(rsplit_once_byte(h, byte), h.rsplit_once(c), "{h:?} {c:?}");
            }
        }
    }
}
