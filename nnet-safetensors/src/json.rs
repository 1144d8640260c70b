//! The header's JSON, read by `serde_json` into an ordered tree, strictly: duplicate keys,
//! trailing garbage, lone surrogates and deep nesting are errors, and nothing panics on any
//! input.
//!
//! `serde_json` reads in time linear in the length of the text; the duplicate keys of an object
//! are found with a hash set, so a header of many tensors costs time linear in their number.
//! (Deserializing into a map would silently keep the last of two equal keys.)

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Objects and arrays nest at most this deep; a safetensors header needs 3.
const MAX_DEPTH: usize = 16;

/// Objects of up to this many members are searched for a duplicate key, larger ones hashed.
const SMALL: usize = 8;

/// A parsed JSON value. Object members keep their order; strings without escapes borrow from
/// the header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'h> {
    Object(Vec<(Cow<'h, str>, Value<'h>)>),
    Array(Vec<Value<'h>>),
    String(Cow<'h, str>),
    /// A non-negative integer that fits in a `u64`.
    Int(u64),
    /// Any other number (negative, fractional, with an exponent or too large).
    OtherNumber,
    Bool(bool),
    Null,
}

impl Value<'_> {
    /// What kind of value this is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Object(_) => "an object",
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Int(_) => "an integer",
            Value::OtherNumber => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
        }
    }
}

/// A JSON syntax error, with its place in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError(String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `text` as one JSON value followed only by whitespace (safetensors pads the header
/// with spaces).
pub(crate) fn parse(text: &str) -> Result<Value<'_>, SyntaxError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Seed { depth: 0 }
        .deserialize(&mut deserializer)
        .map_err(|e| SyntaxError(format!("{e} of the header")))?;
    deserializer.end().map_err(|e| {
        SyntaxError(format!(
            "unexpected data after the JSON object at line {} column {} of the header",
            e.line(),
            e.column()
        ))
    })?;
    Ok(value)
}

/// Reads one value at nesting depth `depth`.
struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Seed {
    /// The seed of a member or item of an object or array at this depth.
    fn inner<E: de::Error>(&self) -> Result<Seed, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom("JSON nested too deeply"));
        }
        Ok(Seed {
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(v))
    }

    // serde_json gives `u64` for every integer without a sign that fits, `i64` for negative
    // integers (and `-0` as an `f64`), `f64` for everything else.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Int(v))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value<'de>, E> {
        Ok(Value::OtherNumber)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value<'de>, E> {
        Ok(Value::OtherNumber)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.inner()?)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Value<'de>)> = Vec::new();
        // Small objects (a tensor's entry) are searched, large ones (the header) hashed, with
        // std's randomly keyed SipHash, so that no crafted set of names can make them collide.
        let mut keys: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(key) = map.next_key_seed(Key)? {
            let Value::String(key) = key else {
                return Err(de::Error::custom("expected a string key"));
            };
            let duplicate = match &mut keys {
                Some(keys) => {
                    count_key_comparisons(1);
                    !keys.insert(key.clone())
                }
                None => {
                    count_key_comparisons(members.len());
                    members.iter().any(|(k, _)| *k == key)
                }
            };
            if duplicate {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(self.inner()?)?;
            members.push((key, value));
            if keys.is_none() && members.len() == SMALL {
                keys = Some(members.iter().map(|(k, _)| k.clone()).collect());
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
thread_local! {
    /// Keys compared or hashed to find duplicates on this thread: the work that was quadratic
    /// in the number of tensors before keys were hashed.
    pub(crate) static KEY_COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn count_key_comparisons(n: usize) {
    #[cfg(test)]
    KEY_COMPARISONS.with(|c| c.set(c.get() + n));
    #[cfg(not(test))]
    let _ = n;
}

/// Reads an object's key, borrowed from the header unless it holds escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Value<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value<'de>, D::Error> {
        // serde_json's keys are always strings; the depth does not matter for them.
        deserializer.deserialize_str(Seed { depth: 0 })
    }
}

/// `text` as a JSON string literal.
pub(crate) fn string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_header() {
        let value =
            parse(r#"{"a": {"dtype": "F32", "shape": [2, 3], "x": [1.5, -1, true, null]}}  "#)
                .unwrap();
        let Value::Object(members) = value else {
            panic!("not an object")
        };
        assert_eq!(members[0].0, "a");
        assert!(matches!(members[0].0, Cow::Borrowed(_)));
        let Value::Object(fields) = &members[0].1 else {
            panic!("not an object")
        };
        assert_eq!(
            fields[1].1,
            Value::Array(vec![Value::Int(2), Value::Int(3)])
        );
        assert_eq!(
            fields[2].1,
            Value::Array(vec![
                Value::OtherNumber,
                Value::OtherNumber,
                Value::Bool(true),
                Value::Null
            ])
        );
    }

    #[test]
    fn strings_round_trip() {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{7} é 𝄞";
        assert_eq!(parse(&string(text)).unwrap(), Value::String(text.into()));
        assert_eq!(
            parse(r#""\ud834\udd1e""#).unwrap(),
            Value::String("𝄞".into())
        );
    }

    #[test]
    fn rejects_malformed_json() {
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1}x",
            "{\"a\":1,\"a\":2}",
            "{\"a\":{\"b\":1,\"b\":1}}",
            "[01]",
            "[1.]",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "\"\\x\"",
            "\"a\nb\"",
            "tru",
            "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
        let error = parse("{\"a\":1,\"a\":2}").unwrap_err().to_string();
        assert!(error.starts_with("duplicate key `a` at line 1"), "{error}");
        let error = parse("{} x").unwrap_err().to_string();
        assert!(error.starts_with("unexpected data after"), "{error}");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse("18446744073709551615").unwrap(), Value::Int(u64::MAX));
        for other in ["18446744073709551616", "-1", "-0", "1e3", "1.0"] {
            assert_eq!(parse(other).unwrap(), Value::OtherNumber, "{other}");
        }
    }

    #[test]
    fn nesting_up_to_the_limit() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert!(parse(&deep(MAX_DEPTH + 1)).is_err());
    }
}
