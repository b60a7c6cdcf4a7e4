//! Lossy UTF-8 decoding for untrusted bytes (an origin's error body, a percent-decoded query).
//!
//! `String::from_utf8_lossy` links core's `Utf8Chunks` iterator (about 800 bytes of wasm);
//! this loop over `str::from_utf8`, which the wasm has anyway, gives the same text.

/// `bytes` as text, every invalid sequence replaced by U+FFFD, exactly as
/// `String::from_utf8_lossy(bytes)` gives it (one replacement per maximal invalid subpart).
pub(crate) fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(e) => {
                let (valid, invalid) = rest.split_at(e.valid_up_to());
                // `valid_up_to` ends a valid prefix: this decode cannot fail.
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                rest = invalid
                    .get(e.error_len().unwrap_or(invalid.len())..)
                    .unwrap_or_default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn replaces_as_std_does() {
        for bytes in [
            &b""[..],
            b"plain",
            b"\xff",
            b"a\xc3",
            b"\xe2\x82",
            b"\xe2\x82x\xf0\x9f\x98\x80\xed\xa0\x80z",
            b"\xf4\x90\x80\x80",
            "é日本".as_bytes(),
        ] {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
        }
    }

    proptest! {
        #[test]
        fn random_bytes_decode_as_std_decodes_them(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
        }
    }
}
