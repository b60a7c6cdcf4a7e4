//! Attribute lists (`NAME=VALUE,NAME="quoted, value"`), split without allocating.
//!
//! Hand-written rather than built on a parser-combinator crate: it is the innermost loop of
//! the parser (every tag goes through it) and only borrows from the input.

use super::text::{strip_byte, trim, trim_end, trim_start_blanks};

/// The position of the first `needle` in `s`: a plain loop, faster than `memchr`'s call on
/// values this short.
#[inline(always)]
fn find(s: &str, needle: u8) -> Option<usize> {
    s.bytes().position(|b| b == needle)
}

/// One attribute of a list, borrowed from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    /// Attribute name, e.g. `BANDWIDTH`.
    pub name: &'a str,
    /// The value without its quotes.
    pub value: &'a str,
    /// Whether the value was a quoted string.
    pub quoted: bool,
}

/// Iterates over the attributes of `list`.
///
/// Lenient like deployed players: spaces around names, values and commas are ignored,
/// an unterminated quoted string runs to the end of the line, an unquoted value runs to the
/// next comma, and a fragment without `=` is skipped.
pub fn attributes(list: &str) -> Attributes<'_> {
    Attributes { rest: list }
}

/// Iterator returned by [`attributes`].
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attr<'a>;

    fn next(&mut self) -> Option<Attr<'a>> {
        loop {
            let rest = trim_start_blanks(self.rest, true);
            if rest.is_empty() {
                self.rest = rest;
                return None;
            }
            let bytes = rest.as_bytes();
            let eq = bytes.iter().position(|&b| b == b'=' || b == b',');
            let Some(eq) = eq.filter(|&i| bytes.get(i) == Some(&b'=')) else {
                // A fragment without a value: skip to the next comma.
                self.rest = find(rest, b',').map_or("", |i| &rest[i..]);
                continue;
            };
            let name = trim(&rest[..eq]);
            let after = trim_start_blanks(&rest[eq + 1..], false);
            if let Some(quoted) = strip_byte(after, b'"') {
                let (value, remaining) = match find(quoted, b'"') {
                    Some(end) => (&quoted[..end], &quoted[end + 1..]),
                    None => (quoted, ""),
                };
                self.rest = find(remaining, b',').map_or("", |i| &remaining[i..]);
                return Some(Attr {
                    name,
                    value,
                    quoted: true,
                });
            }
            let (value, remaining) = match find(after, b',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            };
            self.rest = remaining;
            return Some(Attr {
                name,
                value: trim_end(value),
                quoted: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(&str, &str, bool)> {
        attributes(s).map(|a| (a.name, a.value, a.quoted)).collect()
    }

    #[test]
    fn quoted_values_keep_commas_and_unquoted_run_to_comma() {
        assert_eq!(
            pairs(r#"BANDWIDTH=1,CODECS="avc1.4d401f,mp4a.40.2", RESOLUTION=1x2 ,X="""#),
            vec![
                ("BANDWIDTH", "1", false),
                ("CODECS", "avc1.4d401f,mp4a.40.2", true),
                ("RESOLUTION", "1x2", false),
                ("X", "", true),
            ]
        );
    }

    #[test]
    fn junk_is_skipped_and_unterminated_quote_runs_to_end() {
        assert_eq!(
            pairs(r#"JUNK,A=1,B="open, still"#),
            vec![("A", "1", false), ("B", "open, still", true)]
        );
        assert_eq!(pairs(""), vec![]);
        assert_eq!(pairs(",,,"), vec![]);
        assert_eq!(pairs("=,=x"), vec![("", "", false), ("", "x", false)]);
    }
}
