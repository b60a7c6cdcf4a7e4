//! EXT-X-DEFINE variables and `{$name}` substitution.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Largest line after substitution, in bytes; bounds the growth substitution can cause.
pub const MAX_SUBSTITUTED_LINE_BYTES: usize = 1024 * 1024;

/// Why a variable reference could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstitutionError {
    /// `{$name}` names no variable defined before it.
    Undefined(String),
    /// The substituted text would exceed [`MAX_SUBSTITUTED_LINE_BYTES`].
    TooLong,
}

/// Variables defined so far, in a B-tree: a hostile playlist may define very many (a hash map
/// linked hashbrown and SipHash, 440 bytes more of the wasm).
#[derive(Debug, Clone, Default)]
pub struct Variables {
    vars: BTreeMap<String, String>,
}

impl Variables {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Defines `name`; returns `false` if it was already defined (which RFC 8216bis forbids).
    pub fn define(&mut self, name: &str, value: &str) -> bool {
        if self.vars.contains_key(name) {
            return false;
        }
        self.vars.insert(name.to_owned(), value.to_owned());
        true
    }

    /// Replaces every `{$name}` of `text`; borrows when there is nothing to replace.
    /// A reference to an undefined variable is an error even when nothing is defined, as
    /// RFC 8216bis requires and hls.js does.
    pub fn substitute<'a>(&self, text: &'a str) -> Result<Cow<'a, str>, SubstitutionError> {
        if !crate::search::contains(text, "{$") {
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = crate::search::find(rest, "{$") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}').filter(|&e| is_name(&after[..e])) else {
                out.push_str(&rest[..start + 2]);
                rest = after;
                continue;
            };
            let name = &after[..end];
            let value = self
                .get(name)
                .ok_or_else(|| SubstitutionError::Undefined(name.to_owned()))?;
            out.push_str(&rest[..start]);
            out.push_str(value);
            if out.len() > MAX_SUBSTITUTED_LINE_BYTES {
                return Err(SubstitutionError::TooLong);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }
}

/// Whether `s` is a valid variable name: `[a-zA-Z0-9_-]+`.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_defined_and_rejects_undefined() {
        let mut v = Variables::default();
        assert!(v.define("host", "cdn.example"));
        assert!(!v.define("host", "again"));
        assert_eq!(
            v.substitute("https://{$host}/{$ nope}/{$}a").unwrap(),
            "https://cdn.example/{$ nope}/{$}a"
        );
        assert_eq!(
            v.substitute("{$other}"),
            Err(SubstitutionError::Undefined("other".into()))
        );
        assert!(matches!(v.substitute("plain"), Ok(Cow::Borrowed("plain"))));
        assert_eq!(
            Variables::default().substitute("{$x}"),
            Err(SubstitutionError::Undefined("x".into()))
        );
    }
}
