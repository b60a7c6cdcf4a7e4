//! JSON for the wire and storage formats (party protocol, resume records, QoE reports).
//! Parsing builds a [`Value`] tree (with its own stack, so deep nesting cannot overflow ours);
//! [`Fields`] reads it with typed errors; [`ObjectWriter`] writes objects with their keys in a
//! fixed order and absent optional fields left out.
//!
//! Hand-written for size, reading and writing JSON as miniserde does (the tests check ours
//! against it, numbers past 10^±22 to two units in the last place): serde + serde_json's
//! generated code for these messages was about 100 KB of the wasm, and miniserde's parser
//! (behind `dyn` visitors, with a 2.5 KB table of powers of ten) 3.8 KB gzipped more than
//! this one.

use std::cell::Cell;
use std::fmt::Write;

/// Arrays and objects nested deeper than this are skipped while parsing (as if absent): no
/// message of ours nests past 4, and it bounds the recursion of dropping the tree.
const MAX_DEPTH: usize = 64;

/// A parsed JSON value.
///
/// Objects are their fields in text order (a `BTreeMap`'s code was ~6 KB of the wasm for a
/// handful of small objects); arrays use the same list with empty names, so one builder and
/// one vector type serve both.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number `0..=u64::MAX` written without fraction or exponent.
    Whole(u64),
    /// Any other number.
    Number(f64),
    /// A string.
    Str(String),
    /// An array: its items, with empty names.
    Array(Object),
    /// An object.
    Object(Object),
}

/// An object's fields in text order (a repeated name's last value is the one read).
pub(crate) type Object = Vec<(String, Value)>;

/// An array or object being parsed.
struct Open {
    /// Its items so far; not kept past [`MAX_DEPTH`].
    fields: Option<Object>,
    /// Name of the value being parsed (empty in arrays).
    key: String,
    object: bool,
}

/// A JSON text being parsed: RFC 8259's grammar, as miniserde reads it.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// A parse failure; [`JsonError::Syntax`] to the caller.
struct Invalid;

impl<'a> Parser<'a> {
    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.text.as_bytes().get(self.pos) {
            self.pos += 1;
        }
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next byte, consumed (no whitespace skipped).
    fn next(&mut self) -> Option<u8> {
        let b = self.text.as_bytes().get(self.pos).copied();
        self.pos += 1;
        b
    }

    /// Consumes `byte` after whitespace.
    fn expect(&mut self, byte: u8) -> Result<(), Invalid> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Invalid),
        }
    }

    /// The whole text as one value.
    fn document(&mut self) -> Result<Option<Value>, Invalid> {
        let mut open: Vec<Open> = Vec::new();
        loop {
            // A value starts here.
            let mut value = match self.peek().ok_or(Invalid)? {
                b @ (b'[' | b'{') => {
                    self.pos += 1;
                    let object = b == b'{';
                    let fields = (open.len() < MAX_DEPTH).then(Vec::new);
                    open.push(Open {
                        fields,
                        key: String::new(),
                        object,
                    });
                    if self.peek() != Some(if object { b'}' } else { b']' }) {
                        if object {
                            self.key(&mut open)?;
                        }
                        continue;
                    }
                    None
                }
                _ => Some(self.scalar()?),
            };
            // The value is complete: it goes into its container, which may close in turn.
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok(value);
                };
                if let (Some(fields), Some(v)) = (&mut top.fields, value.take()) {
                    fields.push((std::mem::take(&mut top.key), v));
                }
                match (self.peek(), top.object) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        if top.object {
                            self.key(&mut open)?;
                        }
                        break;
                    }
                    (Some(b']'), false) | (Some(b'}'), true) => {
                        self.pos += 1;
                        let Some(done) = open.pop() else {
                            return Err(Invalid);
                        };
                        value = done.fields.map(|fields| match done.object {
                            true => Value::Object(fields),
                            false => Value::Array(fields),
                        });
                    }
                    _ => return Err(Invalid),
                }
            }
        }
    }

    /// An object's next key and its colon, kept in the innermost open object.
    fn key(&mut self, open: &mut [Open]) -> Result<(), Invalid> {
        self.expect(b'"')?;
        let key = self.string()?;
        self.expect(b':')?;
        if let Some(top) = open.last_mut() {
            top.key = key;
        }
        Ok(())
    }

    /// `null`, `true`, `false`, a number or a string.
    fn scalar(&mut self) -> Result<Value, Invalid> {
        let (word, value) = match self.next() {
            Some(b'"') => return self.string().map(Value::Str),
            Some(b'-') => return self.number(true),
            Some(b'0'..=b'9') => {
                self.pos -= 1;
                return self.number(false);
            }
            Some(b'n') => ("ull", Value::Null),
            Some(b't') => ("rue", Value::Bool(true)),
            Some(b'f') => ("alse", Value::Bool(false)),
            _ => return Err(Invalid),
        };
        let rest = self.text.get(self.pos..).unwrap_or("");
        if !rest.starts_with(word) {
            return Err(Invalid);
        }
        self.pos += word.len();
        Ok(value)
    }

    /// The rest of a string whose opening quote is consumed.
    fn string(&mut self) -> Result<String, Invalid> {
        let mut out = String::new();
        let mut start = self.pos;
        loop {
            let b = self.next().ok_or(Invalid)?;
            if b != b'"' && b != b'\\' {
                if b < 0x20 {
                    return Err(Invalid);
                }
                continue;
            }
            // Both are ASCII, so `start..` and `..pos - 1` fall on character boundaries.
            out.push_str(self.text.get(start..self.pos - 1).ok_or(Invalid)?);
            if b == b'"' {
                return Ok(out);
            }
            out.push(self.escape()?);
            start = self.pos;
        }
    }

    /// The character of an escape whose backslash is consumed.
    fn escape(&mut self) -> Result<char, Invalid> {
        Ok(match self.next().ok_or(Invalid)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        // A high surrogate: a low one must follow.
                        if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                            return Err(Invalid);
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Invalid);
                        }
                        0x1_0000 + ((unit - 0xD800) << 10 | (low - 0xDC00))
                    }
                    unit => unit,
                };
                // A lone low surrogate is no character.
                char::from_u32(code).ok_or(Invalid)?
            }
            _ => return Err(Invalid),
        })
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32, Invalid> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = char::from(self.next().ok_or(Invalid)?)
                .to_digit(16)
                .ok_or(Invalid)?;
            unit = unit << 4 | digit;
        }
        Ok(unit)
    }

    /// Skips decimal digits; how many there were.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.text.as_bytes().get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number (after its minus sign, if any), valued as miniserde values it: a whole number
    /// that fits is exact; otherwise up to 19-20 significant digits times a power of ten.
    fn number(&mut self, negative: bool) -> Result<Value, Invalid> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let whole = self.digits();
        if whole == 0 || whole > 1 && bytes.get(start) == Some(&b'0') {
            return Err(Invalid);
        }
        // Integer digits past what `significand` holds count in the exponent.
        let mut significand = 0u64;
        let mut exponent = 0i32;
        for &b in bytes.get(start..self.pos).unwrap_or_default() {
            if exponent > 0 || !push_digit(&mut significand, b) {
                exponent += 1;
            }
        }
        let mut float = exponent > 0;
        if bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            float = true;
            let start = self.pos;
            if self.digits() == 0 {
                return Err(Invalid);
            }
            // Fraction digits past what `significand` holds are dropped.
            for &b in bytes.get(start..self.pos).unwrap_or_default() {
                if !push_digit(&mut significand, b) {
                    break;
                }
                exponent -= 1;
            }
        }
        if let Some(b'e' | b'E') = bytes.get(self.pos) {
            self.pos += 1;
            float = true;
            let minus = bytes.get(self.pos) == Some(&b'-');
            if minus || bytes.get(self.pos) == Some(&b'+') {
                self.pos += 1;
            }
            let start = self.pos;
            if self.digits() == 0 {
                return Err(Invalid);
            }
            let mut e = 0u64;
            for &b in bytes.get(start..self.pos).unwrap_or_default() {
                if !push_digit(&mut e, b) || e > i32::MAX as u64 {
                    // Past i32: an error when that would be infinite, else zero.
                    if significand != 0 && !minus {
                        return Err(Invalid);
                    }
                    return Ok(Value::Number(if negative { -0.0 } else { 0.0 }));
                }
            }
            let e = e as i32;
            exponent = if minus {
                exponent.saturating_sub(e)
            } else {
                exponent.saturating_add(e)
            };
        }
        if !float {
            return Ok(match (negative, significand) {
                (false, n) => Value::Whole(n),
                // miniserde reads `-0` as the integer 0.
                (true, 0) => Value::Number(0.0),
                (true, n) => Value::Number(-(n as f64)),
            });
        }
        let magnitude = scale(significand, exponent).ok_or(Invalid)?;
        Ok(Value::Number(if negative { -magnitude } else { magnitude }))
    }
}

/// Appends the decimal digit `b` to `n`; `false` (and `n` unchanged) if that overflows.
fn push_digit(n: &mut u64, b: u8) -> bool {
    match n
        .checked_mul(10)
        .and_then(|n| n.checked_add(u64::from(b - b'0')))
    {
        Some(next) => {
            *n = next;
            true
        }
        None => false,
    }
}

/// `significand × 10^exponent` as miniserde computes it: one multiplication or division by the
/// power of ten (`None` when infinite).
fn scale(significand: u64, mut exponent: i32) -> Option<f64> {
    let mut f = significand as f64;
    loop {
        let e = exponent.unsigned_abs();
        if e <= 308 {
            let power = crate::num::pow10(e);
            if exponent >= 0 {
                f *= power;
            } else {
                f /= power;
            }
            return f.is_finite().then_some(f);
        }
        if f == 0.0 {
            return Some(f);
        }
        if exponent >= 0 {
            return None;
        }
        f /= 1e308;
        exponent += 308;
    }
}

/// `x` as `format!("{x}")` writes it when it is 0 or `1e-5 <= |x| < 1e16` (beyond, in exponent
/// notation; and where two shortest forms read back as `x`, the last digit may differ), through
/// zmij's float writer: core's float formatting would add ~20 KB to the wasm for the few
/// messages that show a number.
pub(crate) fn f64_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let mut text = number(x);
    if text.ends_with(".0") {
        text.truncate(text.len() - 2);
    }
    text
}

/// `x` as a JSON number: its shortest form that reads back as `x` (zmij, as miniserde writes
/// it), `null` when not finite (JSON has no such numbers).
pub(crate) fn number(x: f64) -> String {
    let mut out = String::new();
    push_number(&mut out, x);
    out
}

fn push_number(out: &mut String, x: f64) {
    let mut buffer = zmij::Buffer::new();
    out.push_str(if x.is_finite() {
        buffer.format_finite(x)
    } else {
        "null"
    });
}

/// `s` as a JSON string.
pub(crate) fn string(s: &str) -> String {
    let mut out = String::new();
    push_string(&mut out, s);
    out
}

/// Appends `s` quoted, with `"`, `\` and the control characters escaped byte for byte as
/// miniserde escapes them (`\n`, `\t`..., else `\u00XX`).
///
/// These writers replace `miniserde::json::to_string`, whose serializer (any nesting of
/// sequences and maps behind `dyn` traits) was ~3 KB of the wasm for strings and numbers.
pub(crate) fn push_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\0'..='\u{1f}' => {
                out.push_str(if c < '\u{10}' { "\\u000" } else { "\\u001" });
                out.push(char::from(HEX[c as usize & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Why a JSON text is not the expected object.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all (or a number out of range, or a lone surrogate in a string).
    #[error("not valid JSON")]
    Syntax,
    /// The text (or a field) is not an object.
    #[error("{0} is not an object")]
    NotObject(&'static str),
    /// A required field is absent or null.
    #[error("missing field `{0}`")]
    Missing(&'static str),
    /// A field holds another type.
    #[error("field `{field}`: expected {expected}")]
    Type {
        /// The field.
        field: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
}

/// Parses `text` as a JSON object.
pub(crate) fn parse_object(text: &str) -> Result<Object, JsonError> {
    let mut parser = Parser { text, pos: 0 };
    let value = parser.document().map_err(|_| JsonError::Syntax)?;
    if parser.peek().is_some() {
        return Err(JsonError::Syntax);
    }
    match value {
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(JsonError::NotObject("the message")),
        None => Err(JsonError::Syntax),
    }
}

/// Reads `object` with `read`, which gets its fields: the first error a field read met, if any,
/// else what `read` built.
pub(crate) fn read_object<T>(
    object: &Object,
    read: impl FnOnce(Fields<'_>) -> T,
) -> Result<T, JsonError> {
    let error = Cell::new(None);
    let value = read(Fields {
        object,
        error: &error,
    });
    error.take().map_or(Ok(value), Err)
}

/// An object with no fields: what a missing nested object reads as (its error is recorded).
static EMPTY: Object = Vec::new();

/// Typed reads of an object's fields; unknown fields are ignored.
///
/// A read that fails records its error (the first one is kept, see [`read_object`]) and gives
/// a placeholder (0, `false`, `""`, an empty object or list), so a reader builds its value in
/// one expression and the error is checked once: checking a `Result` after every field was
/// kilobytes of the wasm across the message readers. The readers are kept out of line for the
/// same reason.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    object: &'a Object,
    error: &'a Cell<Option<JsonError>>,
}

impl<'a> Fields<'a> {
    /// Records `error` unless an earlier one is recorded.
    fn fail(self, error: JsonError) {
        let first = self.error.take().unwrap_or(error);
        self.error.set(Some(first));
    }

    /// The field's value; absent and `null` alike are `None`.
    pub fn get(self, key: &'static str) -> Option<&'a Value> {
        self.object
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Value::Null))
    }

    fn typed<T>(
        self,
        key: &'static str,
        expected: &'static str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Option<T> {
        let value = read(self.get(key)?);
        if value.is_none() {
            self.fail(JsonError::Type {
                field: key,
                expected,
            });
        }
        value
    }

    /// `value`, or `fallback` with [`JsonError::Missing`] recorded.
    fn required<T>(self, key: &'static str, value: Option<T>, fallback: T) -> T {
        value.unwrap_or_else(|| {
            self.fail(JsonError::Missing(key));
            fallback
        })
    }

    /// An optional number.
    #[inline(never)]
    pub fn opt_f64(self, key: &'static str) -> Option<f64> {
        self.typed(key, "a number", |v| match v {
            Value::Whole(n) => Some(*n as f64),
            Value::Number(n) => Some(*n),
            _ => None,
        })
    }

    /// A required number.
    #[inline(never)]
    pub fn f64(self, key: &'static str) -> f64 {
        self.required(key, self.opt_f64(key), 0.0)
    }

    /// A required whole number `0..=u64::MAX`.
    #[inline(never)]
    pub fn u64(self, key: &'static str) -> u64 {
        self.required(key, self.opt_u64(key), 0)
    }

    /// An optional whole number `0..=u64::MAX`.
    #[inline(never)]
    pub fn opt_u64(self, key: &'static str) -> Option<u64> {
        self.typed(key, "a whole number", |v| match v {
            Value::Whole(n) => Some(*n),
            _ => None,
        })
    }

    /// A required whole number `0..=u32::MAX`.
    #[inline(never)]
    pub fn u32(self, key: &'static str) -> u32 {
        u32::try_from(self.u64(key)).unwrap_or_else(|_| {
            self.fail(JsonError::Type {
                field: key,
                expected: "a 32-bit whole number",
            });
            0
        })
    }

    /// An optional boolean.
    #[inline(never)]
    pub fn opt_bool(self, key: &'static str) -> Option<bool> {
        self.typed(key, "true or false", |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// A required boolean.
    #[inline(never)]
    pub fn bool(self, key: &'static str) -> bool {
        self.required(key, self.opt_bool(key), false)
    }

    /// An optional string.
    #[inline(never)]
    pub fn opt_str(self, key: &'static str) -> Option<&'a str> {
        self.typed(key, "a string", |v| match v {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// A required string.
    #[inline(never)]
    pub fn str(self, key: &'static str) -> &'a str {
        self.required(key, self.opt_str(key), "")
    }

    /// A required object.
    #[inline(never)]
    pub fn object(self, key: &'static str) -> Fields<'a> {
        let object = match self.get(key) {
            Some(Value::Object(o)) => o,
            Some(_) => {
                self.fail(JsonError::NotObject(key));
                &EMPTY
            }
            None => self.required(key, None, &EMPTY),
        };
        Fields {
            object,
            error: self.error,
        }
    }

    /// A required string naming a value (`from_name`'s answer), or `fallback` with a
    /// [`JsonError::Type`] recorded.
    pub fn named<T>(self, key: &'static str, from_name: fn(&str) -> Option<T>, fallback: T) -> T {
        from_name(self.str(key)).unwrap_or_else(|| {
            self.fail(JsonError::Type {
                field: key,
                expected: "a known name",
            });
            fallback
        })
    }

    /// A required array of objects, each read by `read`.
    pub fn objects<T>(self, key: &'static str, read: impl Fn(Fields<'a>) -> T) -> Vec<T> {
        let items = match self.get(key) {
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.fail(JsonError::Type {
                    field: key,
                    expected: "an array",
                });
                &EMPTY
            }
            None => self.required(key, None, &EMPTY),
        };
        let mut out = Vec::with_capacity(items.len());
        for (_, item) in items {
            match item {
                Value::Object(object) => out.push(read(Fields {
                    object,
                    error: self.error,
                })),
                _ => self.fail(JsonError::NotObject(key)),
            }
        }
        out
    }
}

/// A JSON array of items already in JSON text (written in place rather than collected and
/// joined: one copy of that code in the wasm instead of one per item type).
pub(crate) fn array(items: &mut dyn Iterator<Item = String>) -> String {
    let mut out = String::from("[");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

/// Writes one JSON object, field by field in call order.
pub(crate) struct ObjectWriter(String);

impl ObjectWriter {
    /// An object with no fields yet.
    pub fn new() -> Self {
        Self(String::from("{"))
    }

    /// Writes `key` and the separators before it; the value goes in next.
    fn key(&mut self, key: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_string(&mut self.0, key);
        self.0.push(':');
        &mut self.0
    }

    /// A field whose value is already JSON text.
    pub fn raw(mut self, key: &str, value: &str) -> Self {
        self.key(key).push_str(value);
        self
    }

    /// A number field (non-finite numbers are written as `null`, as JSON has no others).
    pub fn f64(mut self, key: &str, value: f64) -> Self {
        push_number(self.key(key), value);
        self
    }

    /// A number field, left out when `None`.
    pub fn opt_f64(self, key: &str, value: Option<f64>) -> Self {
        match value {
            Some(v) => self.f64(key, v),
            None => self,
        }
    }

    /// A number field, `null` when `None`.
    pub fn f64_or_null(self, key: &str, value: Option<f64>) -> Self {
        // A non-finite number is written as `null`.
        self.f64(key, value.unwrap_or(f64::NAN))
    }

    /// A whole number field.
    pub fn u64(mut self, key: &str, value: u64) -> Self {
        // core's integer formatting is in the wasm anyway (itoa's was 300 bytes more).
        let _ = write!(self.key(key), "{value}");
        self
    }

    /// A boolean field.
    pub fn bool(self, key: &str, value: bool) -> Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A string field.
    pub fn str(mut self, key: &str, value: &str) -> Self {
        push_string(self.key(key), value);
        self
    }

    /// A string field, left out when `None`.
    pub fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    /// The finished object.
    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniserde::json;

    /// miniserde's own tree, in ours: objects sorted by name, as its `BTreeMap` keeps them.
    fn from_miniserde(v: &json::Value) -> Value {
        use json::Number;
        match v {
            json::Value::Null => Value::Null,
            json::Value::Bool(b) => Value::Bool(*b),
            json::Value::Number(Number::U64(n)) => Value::Whole(*n),
            json::Value::Number(Number::I64(n)) => Value::Number(*n as f64),
            json::Value::Number(Number::F64(n)) => Value::Number(*n),
            json::Value::String(s) => Value::Str(s.clone()),
            json::Value::Array(a) => Value::Array(
                a.iter()
                    .map(|v| (String::new(), from_miniserde(v)))
                    .collect(),
            ),
            json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), from_miniserde(v)))
                    .collect(),
            ),
        }
    }

    /// Ours as a map would hold it: objects sorted by name, the last of a repeated name kept.
    fn as_map(v: Value) -> Value {
        let sorted = |fields: Object| {
            let mut out: Object = Vec::new();
            for (k, v) in fields {
                out.retain(|(o, _)| *o != k);
                out.push((k, as_map(v)));
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        };
        match v {
            Value::Object(o) => Value::Object(sorted(o)),
            Value::Array(a) => Value::Array(a.into_iter().map(|(k, v)| (k, as_map(v))).collect()),
            v => v,
        }
    }

    #[test]
    fn parses_as_miniserde_does() {
        let texts = [
            r#"{}"#,
            r#" { "a" : [1, -2, 2.5, 1e3, -0.0, 18446744073709551615, 18446744073709551616, true, false, null, "x\u00e9\n\"", [], {}], "b": {"c": {"d": [{"e": 1}]}} } "#,
            r#"{"k": 1, "j": 2, "k": "again", "é": "ü"}"#,
            r#"{"n": -9223372036854775808, "m": 123456789012345678901234567890}"#,
        ];
        for text in texts {
            let ours = parse_object(text).unwrap();
            let theirs = json::from_str::<json::Value>(text).unwrap();
            assert_eq!(
                as_map(Value::Object(ours)),
                from_miniserde(&theirs),
                "{text}"
            );
        }
        for bad in [
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            "{'a':1}",
            r#"{"a":"\ud800"}"#,
            "",
            "{} x",
        ] {
            assert_eq!(parse_object(bad), Err(JsonError::Syntax), "{bad}");
            assert!(json::from_str::<json::Value>(bad).is_err(), "{bad}");
        }
    }

    /// Whether `a` and `b` are the same tree, numbers equal or two units in the last place
    /// apart (ours may differ there from miniserde past 10^±22, see `num::pow10`).
    fn same_tree(a: &Value, b: &Value) -> bool {
        let same_list = |a: &Object, b: &Object| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_tree(va, vb))
        };
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                x == y || x.to_bits().abs_diff(y.to_bits()) <= 2
            }
            (Value::Array(x), Value::Array(y)) | (Value::Object(x), Value::Object(y)) => {
                same_list(x, y)
            }
            _ => a == b,
        }
    }

    /// A random JSON text (mostly valid) of up to `depth` levels.
    fn pick(rng: &mut crate::rng::XorShift, n: usize) -> usize {
        (rng.next_f64() * n as f64) as usize
    }

    fn random_json(rng: &mut crate::rng::XorShift, depth: u32, out: &mut String) {
        const WS: [&str; 5] = ["", "", " ", "\n\t", "\r "];
        const NUMBERS: [&str; 24] = [
            "0",
            "-0",
            "7",
            "-12",
            "0.5",
            "-0.0",
            "1e3",
            "2E-7",
            "1.5e+300",
            "-1e-320",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551616.5",
            "-9223372036854775808",
            "-9223372036854775809",
            "-18446744073709551616",
            "123456789012345678901234567890",
            "0.30000000000000004",
            "12.345678901234567",
            "1700000000123.25",
            "1e400",
            "0e99999999999",
            "1e-99999999999",
            "4.9e-324",
        ];
        const STRINGS: [&str; 9] = [
            "",
            "a",
            "é",
            "\\\"\\\\\\/\\b\\f\\n\\r\\t",
            "\\u00e9\\u0041",
            "\\ud83d\\ude00",
            "\\ud800",
            "\\udc00x",
            "\\u12G4",
        ];
        out.push_str(WS[pick(rng, WS.len())]);
        match pick(rng, if depth == 0 { 4 } else { 6 }) {
            0 => out.push_str(["null", "true", "false"][pick(rng, 3)]),
            1 => out.push_str(NUMBERS[pick(rng, NUMBERS.len())]),
            2 => {
                let digits: String = (0..1 + pick(rng, 25))
                    .map(|_| char::from(b'0' + pick(rng, 10) as u8))
                    .collect();
                let digits = digits.trim_start_matches('0');
                out.push_str(if digits.is_empty() { "0" } else { digits });
                if pick(rng, 2) == 0 {
                    out.push('.');
                    out.extend(
                        (0..1 + pick(rng, 20)).map(|_| char::from(b'0' + pick(rng, 10) as u8)),
                    );
                }
                if pick(rng, 2) == 0 {
                    out.push_str(["e", "E-", "e+"][pick(rng, 3)]);
                    out.push_str(&pick(rng, 400).to_string());
                }
            }
            3 => {
                out.push('"');
                out.push_str(STRINGS[pick(rng, STRINGS.len())]);
                out.push('"');
            }
            kind => {
                let object = kind == 5;
                out.push(if object { '{' } else { '[' });
                for i in 0..pick(rng, 4) {
                    if i > 0 {
                        out.push(',');
                    }
                    if object {
                        out.push_str(WS[pick(rng, WS.len())]);
                        out.push_str(["\"k\"", "\"j\"", "\"\\u006b\""][pick(rng, 3)]);
                        out.push_str(WS[pick(rng, WS.len())]);
                        out.push(':');
                    }
                    random_json(rng, depth - 1, out);
                }
                out.push_str(WS[pick(rng, WS.len())]);
                out.push(if object { '}' } else { ']' });
            }
        }
        out.push_str(WS[pick(rng, WS.len())]);
    }

    #[test]
    fn parses_random_texts_as_miniserde_does() {
        let mut rng = crate::rng::XorShift::new(11);
        let mut valid = 0;
        for _ in 0..20_000 {
            let mut text = String::from("{\"m\":");
            random_json(&mut rng, 3, &mut text);
            text.push('}');
            // Half of them broken: a character removed, doubled or replaced.
            if rng.next_f64() < 0.5 {
                let mut chars: Vec<char> = text.chars().collect();
                let at = (rng.next_f64() * chars.len() as f64) as usize;
                match (rng.next_f64() * 3.0) as u32 {
                    0 => drop(chars.remove(at)),
                    1 => chars.insert(at, chars[at]),
                    _ => chars[at] = ['"', ',', ':', '\u{1}', '\\', '-', '.', 'e', '}'][at % 9],
                }
                text = chars.into_iter().collect();
            }
            let ours = parse_object(&text);
            match json::from_str::<json::Value>(&text) {
                Ok(json::Value::Object(theirs)) => {
                    let theirs = from_miniserde(&json::Value::Object(theirs));
                    let ours = as_map(Value::Object(ours.expect(&text)));
                    assert!(same_tree(&ours, &theirs), "{text}\n{ours:?}\n{theirs:?}");
                    valid += 1;
                }
                Ok(_) => assert_eq!(ours, Err(JsonError::NotObject("the message")), "{text}"),
                Err(_) => assert_eq!(ours, Err(JsonError::Syntax), "{text}"),
            }
        }
        assert!(valid > 8_000, "{valid}");
    }

    #[test]
    fn numbers_read_exactly_as_miniserde_reads_them() {
        for text in [
            "0.30000000000000004",
            "12.345678901234567",
            "1700000000123.25",
            "-0.0",
            "-0",
            "1e22",
            "1e-22",
            "9007199254740993",
            "123456789012345678901234567890",
            "18446744073709551616.5",
            "-9223372036854775809",
            "0.1",
            "2.5e-5",
            "99.99",
        ] {
            let text = format!("{{\"n\":{text}}}");
            let ours = parse_object(&text).unwrap();
            let theirs = json::from_str::<json::Value>(&text).unwrap();
            let (Value::Object(theirs), Value::Object(ours)) =
                (from_miniserde(&theirs), Value::Object(ours))
            else {
                unreachable!()
            };
            let bits = |o: &Object| match o[0].1 {
                Value::Number(x) => Some(x.to_bits()),
                _ => None,
            };
            assert_eq!(ours[0].1, theirs[0].1, "{text}");
            assert_eq!(bits(&ours), bits(&theirs), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_skipped_not_kept() {
        let depth = 100_000;
        let text = format!(
            r#"{{"a":1,"deep":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let o = parse_object(&text).unwrap();
        assert_eq!(read_object(&o, |f| f.u64("a")), Ok(1));
        let mut levels = 0;
        let mut v = o.iter().find(|(k, _)| k == "deep").map(|(_, v)| v);
        while let Some(Value::Array(items)) = v {
            levels += 1;
            v = items.first().map(|(_, v)| v);
        }
        assert_eq!(levels, MAX_DEPTH - 1);
    }

    #[test]
    fn f64_text_writes_as_display_does() {
        let mut rng = crate::rng::XorShift::new(3);
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1 + 0.2,
            1e-5,
            1.5e-5,
            9_999_999_999_999_998.0,
            1_700_000_000_000.0,
            1_700_000_000_123.25,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for _ in 0..2000 {
            let exponent = (rng.next_f64() * 21.0).floor() as i32 - 5;
            let sign = if rng.next_f64() < 0.5 { -1.0 } else { 1.0 };
            values.push(sign * (1.0 + rng.next_f64() * 9.0) * 10f64.powi(exponent));
        }
        let mut same = 0;
        for x in values {
            let (ours, display) = (f64_text(x), format!("{x}"));
            if ours == display {
                same += 1;
            } else {
                // Another shortest form of the same number.
                assert_eq!(ours.len(), display.len(), "{x:e}");
                assert_eq!(ours.parse::<f64>(), Ok(x), "{x:e}");
            }
        }
        assert!(same > 1900, "{same}");
    }

    #[test]
    fn strings_and_numbers_are_written_as_miniserde_writes_them() {
        let every_ascii: String = (0..128u8).map(char::from).collect();
        for text in [
            "",
            "plain",
            every_ascii.as_str(),
            "é\u{7f}\u{80}\u{2028}😀\"\\/",
        ] {
            assert_eq!(string(text), json::to_string(text), "{text:?}");
        }
        let mut rng = crate::rng::XorShift::new(7);
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            0.1,
            1e300,
            5e-324,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
        ];
        for _ in 0..2000 {
            values.push(f64::from_bits(
                (rng.next_f64() * 2f64.powi(52)) as u64 ^ ((rng.next_f64() * 4096.0) as u64) << 52,
            ));
        }
        for x in values {
            assert_eq!(number(x), json::to_string(&x), "{x:e}");
        }
        for n in [0, 7, 10, 1_234_567_890, u64::MAX] {
            let text = ObjectWriter::new().u64("n", n).finish();
            assert_eq!(text, format!("{{\"n\":{}}}", json::to_string(&n)));
        }
    }

    #[test]
    fn writes_fields_in_order_and_escapes() {
        let text = ObjectWriter::new()
            .u64("v", 1)
            .str("type", "chat \"x\"\n")
            .f64("at", 10.0)
            .opt_f64("gone", None)
            .f64("nan", f64::NAN)
            .f64_or_null("none", None)
            .f64_or_null("some", Some(0.5))
            .bool("ok", true)
            .raw("o", &ObjectWriter::new().finish())
            .finish();
        assert_eq!(
            text,
            r#"{"v":1,"type":"chat \"x\"\n","at":10.0,"nan":null,"none":null,"some":0.5,"ok":true,"o":{}}"#
        );
    }

    #[test]
    fn reads_typed_fields() {
        let o = parse_object(
            r#"{"a":1,"b":-2,"c":2.5,"s":"x","t":true,"n":null,"o":{"k":[{"z":3}]},"w":4294967296}"#,
        )
        .unwrap();
        let read = |f: fn(Fields<'_>) -> String| read_object(&o, f);
        assert_eq!(read_object(&o, |f| f.u64("a")), Ok(1));
        assert_eq!(read_object(&o, |f| f.f64("b")), Ok(-2.0));
        assert_eq!(read_object(&o, |f| f.f64("c")), Ok(2.5));
        assert_eq!(read(|f| f.str("s").to_owned()), Ok("x".to_owned()));
        assert_eq!(read_object(&o, |f| f.bool("t")), Ok(true));
        assert_eq!(read_object(&o, |f| f.opt_f64("n")), Ok(None));
        assert_eq!(
            read_object(&o, |f| f.f64("n")),
            Err(JsonError::Missing("n"))
        );
        let whole = JsonError::Type {
            field: "b",
            expected: "a whole number",
        };
        assert_eq!(read_object(&o, |f| f.u64("b")), Err(whole.clone()));
        assert_eq!(
            read_object(&o, |f| f.u32("w")),
            Err(JsonError::Type {
                field: "w",
                expected: "a 32-bit whole number"
            })
        );
        assert_eq!(
            read_object(&o, |f| f.object("o").objects("k", |f| f.u64("z"))),
            Ok(vec![3])
        );
        assert_eq!(
            read_object(&o, |f| f.object("s").u64("z")),
            Err(JsonError::NotObject("s"))
        );
        assert_eq!(
            read_object(&o, |f| f.objects("c", |f| f.u64("z"))),
            Err(JsonError::Type {
                field: "c",
                expected: "an array"
            })
        );
        // The first error wins; the reads after it give placeholders.
        assert_eq!(
            read_object(&o, |f| (f.u64("b"), f.str("missing").len(), f.u64("a"))),
            Err(whole)
        );
        assert_eq!(
            parse_object("[1]").err(),
            Some(JsonError::NotObject("the message"))
        );
        assert_eq!(parse_object("{").err(), Some(JsonError::Syntax));
    }
}
