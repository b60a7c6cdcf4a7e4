//! JSON for the wire and storage formats (party protocol, resume records, QoE reports), on
//! `miniserde` rather than serde + serde_json: its parser and its number and string encoders
//! are all this needs, and serde's generated code for the same messages was about 100 KB of
//! the wasm. Parsing builds a [`Value`] tree (the parser keeps its own stack, so deep nesting
//! cannot overflow ours); [`Fields`] reads it with typed errors; [`ObjectWriter`] writes objects
//! with their keys in a fixed order and absent optional fields left out.

use miniserde::de::{Deserialize, Map, Seq, Visitor};
use miniserde::json;
use std::cell::Cell;

/// Arrays and objects nested deeper than this are skipped while parsing (as if absent): no
/// message of ours nests past 4, and it bounds the recursion of dropping the tree.
const MAX_DEPTH: u32 = 64;

/// A parsed JSON value.
///
/// Our own tree rather than `miniserde::json::Value`, whose objects are a `BTreeMap`: that
/// map's code was ~6 KB of the wasm for a handful of small objects. Objects are their fields
/// in text order; arrays use the same list with empty names, so one builder and one vector
/// type serve both.
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

/// Where the parser puts one value; `depth` counts the arrays and objects around it.
struct Slot {
    value: Option<Value>,
    depth: u32,
}

impl Slot {
    fn set(&mut self, value: Value) -> miniserde::Result<()> {
        self.value = Some(value);
        Ok(())
    }

    fn nested(&mut self, object: bool) -> Nested<'_> {
        Nested {
            next: Slot {
                value: None,
                depth: self.depth + 1,
            },
            out: &mut self.value,
            fields: Vec::new(),
            key: String::new(),
            object,
        }
    }
}

impl Deserialize for Slot {
    fn begin(out: &mut Option<Self>) -> &mut dyn Visitor {
        out.insert(Slot {
            value: None,
            depth: 0,
        })
    }
}

impl Visitor for Slot {
    fn null(&mut self) -> miniserde::Result<()> {
        self.set(Value::Null)
    }

    fn boolean(&mut self, b: bool) -> miniserde::Result<()> {
        self.set(Value::Bool(b))
    }

    fn string(&mut self, s: &str) -> miniserde::Result<()> {
        self.set(Value::Str(s.to_owned()))
    }

    fn negative(&mut self, n: i64) -> miniserde::Result<()> {
        self.set(Value::Number(n as f64))
    }

    fn nonnegative(&mut self, n: u64) -> miniserde::Result<()> {
        self.set(Value::Whole(n))
    }

    fn float(&mut self, n: f64) -> miniserde::Result<()> {
        self.set(Value::Number(n))
    }

    fn seq(&mut self) -> miniserde::Result<Box<dyn Seq + '_>> {
        if self.depth >= MAX_DEPTH {
            return <dyn Visitor>::ignore().seq();
        }
        Ok(Box::new(self.nested(false)))
    }

    fn map(&mut self) -> miniserde::Result<Box<dyn Map + '_>> {
        if self.depth >= MAX_DEPTH {
            return <dyn Visitor>::ignore().map();
        }
        Ok(Box::new(self.nested(true)))
    }
}

/// An array or object being parsed.
struct Nested<'a> {
    out: &'a mut Option<Value>,
    fields: Object,
    /// Name of the value in `next` (empty in arrays).
    key: String,
    next: Slot,
    object: bool,
}

impl Nested<'_> {
    /// Moves the value just parsed into `fields` and readies `next` for the one named `key`.
    fn next(&mut self, key: &str) -> &mut dyn Visitor {
        if let Some(value) = self.next.value.take() {
            self.fields.push((std::mem::take(&mut self.key), value));
        }
        key.clone_into(&mut self.key);
        &mut self.next
    }

    fn finish(&mut self) -> miniserde::Result<()> {
        self.next("");
        let fields = std::mem::take(&mut self.fields);
        *self.out = Some(match self.object {
            true => Value::Object(fields),
            false => Value::Array(fields),
        });
        Ok(())
    }
}

impl Seq for Nested<'_> {
    fn element(&mut self) -> miniserde::Result<&mut dyn Visitor> {
        Ok(self.next(""))
    }

    fn finish(&mut self) -> miniserde::Result<()> {
        Nested::finish(self)
    }
}

impl Map for Nested<'_> {
    fn key(&mut self, k: &str) -> miniserde::Result<&mut dyn Visitor> {
        Ok(self.next(k))
    }

    fn finish(&mut self) -> miniserde::Result<()> {
        Nested::finish(self)
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
fn push_string(out: &mut String, s: &str) {
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
    match json::from_str::<Slot>(text)
        .map_err(|_| JsonError::Syntax)?
        .value
    {
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
        self.key(key).push_str(itoa::Buffer::new().format(value));
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
