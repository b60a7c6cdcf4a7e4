//! JSON for the wire and storage formats (party protocol, resume records, QoE reports), on
//! `miniserde` rather than serde + serde_json: its parser and its number and string encoders
//! are all this needs, and serde's generated code for the same messages was about 100 KB of
//! the wasm. Parsing builds a `miniserde` value tree (no recursion, so deep nesting cannot
//! overflow the stack); [`Fields`] reads it with typed errors; [`ObjectWriter`] writes objects
//! with their keys in a fixed order and absent optional fields left out.

use miniserde::json::{self, Number, Object, Value};

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
    match json::from_str::<Value>(text).map_err(|_| JsonError::Syntax)? {
        Value::Object(o) => Ok(o),
        _ => Err(JsonError::NotObject("the message")),
    }
}

/// Typed reads of an object's fields; unknown fields are ignored.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(pub &'a Object);

impl<'a> Fields<'a> {
    /// The field's value; absent and `null` alike are `None`.
    pub fn get(self, key: &'static str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !matches!(v, Value::Null))
    }

    fn required(self, key: &'static str) -> Result<&'a Value, JsonError> {
        self.get(key).ok_or(JsonError::Missing(key))
    }

    fn typed<T>(
        self,
        key: &'static str,
        expected: &'static str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, JsonError> {
        self.get(key)
            .map(|v| {
                read(v).ok_or(JsonError::Type {
                    field: key,
                    expected,
                })
            })
            .transpose()
    }

    /// An optional number.
    pub fn opt_f64(self, key: &'static str) -> Result<Option<f64>, JsonError> {
        self.typed(key, "a number", |v| match v {
            Value::Number(Number::U64(n)) => Some(*n as f64),
            Value::Number(Number::I64(n)) => Some(*n as f64),
            Value::Number(Number::F64(n)) => Some(*n),
            _ => None,
        })
    }

    /// A required number.
    pub fn f64(self, key: &'static str) -> Result<f64, JsonError> {
        self.opt_f64(key)?.ok_or(JsonError::Missing(key))
    }

    /// A required whole number `0..=u64::MAX`.
    pub fn u64(self, key: &'static str) -> Result<u64, JsonError> {
        self.opt_u64(key)?.ok_or(JsonError::Missing(key))
    }

    /// An optional whole number `0..=u64::MAX`.
    pub fn opt_u64(self, key: &'static str) -> Result<Option<u64>, JsonError> {
        self.typed(key, "a whole number", |v| match v {
            Value::Number(Number::U64(n)) => Some(*n),
            _ => None,
        })
    }

    /// A required whole number `0..=u32::MAX`.
    pub fn u32(self, key: &'static str) -> Result<u32, JsonError> {
        u32::try_from(self.u64(key)?).map_err(|_| JsonError::Type {
            field: key,
            expected: "a 32-bit whole number",
        })
    }

    /// An optional boolean.
    pub fn opt_bool(self, key: &'static str) -> Result<Option<bool>, JsonError> {
        self.typed(key, "true or false", |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// A required boolean.
    pub fn bool(self, key: &'static str) -> Result<bool, JsonError> {
        self.opt_bool(key)?.ok_or(JsonError::Missing(key))
    }

    /// An optional string.
    pub fn opt_str(self, key: &'static str) -> Result<Option<&'a str>, JsonError> {
        self.typed(key, "a string", |v| match v {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// A required string.
    pub fn str(self, key: &'static str) -> Result<&'a str, JsonError> {
        self.opt_str(key)?.ok_or(JsonError::Missing(key))
    }

    /// A required object.
    pub fn object(self, key: &'static str) -> Result<Fields<'a>, JsonError> {
        match self.required(key)? {
            Value::Object(o) => Ok(Fields(o)),
            _ => Err(JsonError::NotObject(key)),
        }
    }

    /// A required array of objects, each read by `read`.
    pub fn objects<T>(
        self,
        key: &'static str,
        read: impl Fn(Fields<'a>) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        let Value::Array(items) = self.required(key)? else {
            return Err(JsonError::Type {
                field: key,
                expected: "an array",
            });
        };
        items
            .iter()
            .map(|item| match item {
                Value::Object(o) => read(Fields(o)),
                _ => Err(JsonError::NotObject(key)),
            })
            .collect()
    }
}

/// Writes one JSON object, field by field in call order.
pub(crate) struct ObjectWriter(String);

impl ObjectWriter {
    /// An object with no fields yet.
    pub fn new() -> Self {
        Self(String::from("{"))
    }

    /// A field whose value is already JSON text.
    pub fn raw(mut self, key: &str, value: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&json::to_string(key));
        self.0.push(':');
        self.0.push_str(value);
        self
    }

    /// A number field (non-finite numbers are written as `null`, as JSON has no others).
    pub fn f64(self, key: &str, value: f64) -> Self {
        self.raw(key, &json::to_string(&value))
    }

    /// A number field, left out when `None`.
    pub fn opt_f64(self, key: &str, value: Option<f64>) -> Self {
        match value {
            Some(v) => self.f64(key, v),
            None => self,
        }
    }

    /// A whole number field.
    pub fn u64(self, key: &str, value: u64) -> Self {
        self.raw(key, &json::to_string(&value))
    }

    /// A boolean field.
    pub fn bool(self, key: &str, value: bool) -> Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A string field.
    pub fn str(self, key: &str, value: &str) -> Self {
        self.raw(key, &json::to_string(value))
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

    #[test]
    fn writes_fields_in_order_and_escapes() {
        let text = ObjectWriter::new()
            .u64("v", 1)
            .str("type", "chat \"x\"\n")
            .f64("at", 10.0)
            .opt_f64("gone", None)
            .f64("nan", f64::NAN)
            .bool("ok", true)
            .raw("o", &ObjectWriter::new().finish())
            .finish();
        assert_eq!(
            text,
            r#"{"v":1,"type":"chat \"x\"\n","at":10.0,"nan":null,"ok":true,"o":{}}"#
        );
    }

    #[test]
    fn reads_typed_fields() {
        let o =
            parse_object(r#"{"a":1,"b":-2,"c":2.5,"s":"x","t":true,"n":null,"o":{"k":[{"z":3}]}}"#)
                .unwrap();
        let f = Fields(&o);
        assert_eq!(f.u64("a"), Ok(1));
        assert_eq!(f.f64("b"), Ok(-2.0));
        assert_eq!(f.f64("c"), Ok(2.5));
        assert_eq!(f.str("s"), Ok("x"));
        assert_eq!(f.bool("t"), Ok(true));
        assert_eq!(f.opt_f64("n"), Ok(None));
        assert_eq!(f.f64("n"), Err(JsonError::Missing("n")));
        assert_eq!(
            f.u64("b"),
            Err(JsonError::Type {
                field: "b",
                expected: "a whole number"
            })
        );
        assert_eq!(
            f.object("o").unwrap().objects("k", |f| f.u64("z")),
            Ok(vec![3])
        );
        assert_eq!(f.object("s").err(), Some(JsonError::NotObject("s")));
        assert_eq!(
            parse_object("[1]").err(),
            Some(JsonError::NotObject("the message"))
        );
        assert_eq!(parse_object("{").err(), Some(JsonError::Syntax));
    }
}
