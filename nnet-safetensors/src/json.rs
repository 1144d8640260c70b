//! The header's JSON, read into an ordered tree, strictly: duplicate keys, trailing garbage,
//! lone surrogates, control characters in strings and deep nesting are errors, and nothing
//! panics on any input.
//!
//! A recursive-descent reader of RFC 8259, written here rather than taken from `serde_json`:
//! it is the only JSON nnet reads, and `serde`, `serde_derive`, `serde_json` and the
//! `safetensors` crate were a quarter of the work of building nnet from clean (for the
//! run-time loader and again for the macro, which bakes weight files at compile time). The
//! tests check it against `serde_json` on generated and random texts.
//!
//! Time is linear in the length of the text: each byte is read once, and the duplicate keys of
//! an object are found with a hash set, so a header of many tensors costs time linear in their
//! number. Nesting is bounded, so the recursion is too.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

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
    let mut reader = Reader { text, at: 0 };
    reader.skip_whitespace();
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at < text.len() {
        return Err(reader.error("unexpected data after the JSON object"));
    }
    Ok(value)
}

/// The text and the position of the next byte to read.
struct Reader<'h> {
    text: &'h str,
    at: usize,
}

impl<'h> Reader<'h> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// `what`, at the line and column (1-based, in characters) of the next byte.
    fn error(&self, what: &str) -> SyntaxError {
        let before = self.text.get(..self.at).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        SyntaxError(format!(
            "{what} at line {line} column {column} of the header"
        ))
    }

    /// What the next byte is, for "expected … but found …".
    fn found(&self) -> String {
        match self
            .text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
        {
            None => "the end of the header".to_owned(),
            Some(c) if c.is_control() => format!("{:?}", c),
            Some(c) => format!("`{c}`"),
        }
    }

    fn expected(&self, what: &str) -> SyntaxError {
        self.error(&format!("expected {what}, found {}", self.found()))
    }

    /// One value at nesting depth `depth`, the reader on its first byte.
    fn value(&mut self, depth: usize) -> Result<Value<'h>, SyntaxError> {
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.expected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'h>) -> Result<Value<'h>, SyntaxError> {
        if self.text.as_bytes()[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.expected(&format!("`{word}`")))
        }
    }

    /// Opens an object or array at `depth`.
    fn open(&mut self, depth: usize) -> Result<(), SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.at += 1;
        self.skip_whitespace();
        Ok(())
    }

    /// After a member or item: `true` at the closing `close`, `false` after a `,`.
    fn next_or_close(&mut self, close: u8, what: &str) -> Result<bool, SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                self.skip_whitespace();
                Ok(false)
            }
            Some(b) if b == close => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(self.expected(what)),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'h>, SyntaxError> {
        self.open(depth)?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.next_or_close(b']', "`,` or `]`")? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'h>, SyntaxError> {
        self.open(depth)?;
        let mut members: Vec<(Cow<'h, str>, Value<'h>)> = Vec::new();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        // Small objects (a tensor's entry) are searched, large ones (the header) hashed, with
        // std's randomly keyed SipHash, so that no crafted set of names can make them collide.
        let mut keys: Option<HashSet<Cow<'h, str>>> = None;
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.expected("a string key"));
            }
            let key_at = self.at;
            let key = self.string()?;
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
                self.at = key_at;
                return Err(self.error(&format!("duplicate key `{}`", crate::shorten(&key))));
            }
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.expected("`:`"));
            }
            self.at += 1;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            if keys.is_none() && members.len() == SMALL {
                keys = Some(members.iter().map(|(k, _)| k.clone()).collect());
            }
            if self.next_or_close(b'}', "`,` or `}`")? {
                return Ok(Value::Object(members));
            }
        }
    }

    /// A number: `Int` for a non-negative integer that fits in a `u64`, `OtherNumber` for any
    /// other number of JSON's grammar.
    fn number(&mut self) -> Result<Value<'h>, SyntaxError> {
        let bytes = self.text.as_bytes();
        let digits = |at: usize| {
            bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let start = self.at;
        let negative = bytes[start] == b'-';
        let mut at = start + usize::from(negative);
        let integer = digits(at);
        if integer == 0 {
            self.at = at;
            return Err(self.expected("a digit"));
        }
        if integer > 1 && bytes[at] == b'0' {
            self.at = at + 1;
            return Err(self.error("invalid number: a leading zero"));
        }
        at += integer;
        let mut plain = !negative;
        if bytes.get(at) == Some(&b'.') {
            let fraction = digits(at + 1);
            if fraction == 0 {
                self.at = at + 1;
                return Err(self.expected("a digit after the decimal point"));
            }
            at += 1 + fraction;
            plain = false;
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            let exponent = digits(at);
            if exponent == 0 {
                self.at = at;
                return Err(self.expected("a digit in the exponent"));
            }
            at += exponent;
            plain = false;
        }
        let text = &self.text[start..at];
        if let (true, Ok(n)) = (plain, text.parse::<u64>()) {
            self.at = at;
            return Ok(Value::Int(n));
        }
        // As `serde_json`: a number beyond `f64`'s range is an error, not an infinity.
        if text.parse::<f64>().is_ok_and(f64::is_infinite) {
            self.at = start;
            return Err(self.error("a number out of range"));
        }
        self.at = at;
        Ok(Value::OtherNumber)
    }

    /// A string, the reader on its opening quote: borrowed from the header unless it holds
    /// escapes.
    fn string(&mut self) -> Result<Cow<'h, str>, SyntaxError> {
        self.at += 1;
        let start = self.at;
        // Filled from the first escape on; a string without one is borrowed.
        let mut owned: Option<String> = None;
        loop {
            let rest = &self.text[self.at..];
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(run) = run else {
                self.at = self.text.len();
                return Err(self.error("the header ends inside a string"));
            };
            if let Some(owned) = &mut owned {
                owned.push_str(&rest[..run]);
            }
            self.at += run;
            match self.text.as_bytes()[self.at] {
                b'"' => {
                    self.at += 1;
                    return Ok(match owned {
                        Some(owned) => Cow::Owned(owned),
                        None => Cow::Borrowed(&self.text[start..self.at - 1]),
                    });
                }
                b'\\' => {
                    let owned = owned.get_or_insert_with(|| self.text[start..self.at].to_owned());
                    self.at += 1;
                    owned.push(self.escape()?);
                }
                _ => {
                    return Err(self.error(
                        "a control character (U+0000 to U+001F) inside a string: write it as an escape",
                    ));
                }
            }
        }
    }

    /// The character of an escape, the reader after its backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                let first = self.hex4()?;
                return match first {
                    0xD800..=0xDBFF => {
                        if !self.text.as_bytes()[self.at..].starts_with(b"\\u") {
                            return Err(self.error("a lone leading surrogate in a \\u escape"));
                        }
                        self.at += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error("a lone leading surrogate in a \\u escape"));
                        }
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(code).ok_or_else(|| self.error("an invalid \\u escape"))
                    }
                    0xDC00..=0xDFFF => Err(self.error("a lone trailing surrogate in a \\u escape")),
                    _ => char::from_u32(first).ok_or_else(|| self.error("an invalid \\u escape")),
                };
            }
            _ => return Err(self.error("an invalid escape")),
        };
        self.at += 1;
        Ok(c)
    }

    /// Four hexadecimal digits.
    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self.text.as_bytes().get(self.at..self.at + 4);
        let value = digits.and_then(|d| {
            d.iter().try_fold(0u32, |n, &b| {
                char::from(b).to_digit(16).map(|digit| n * 16 + digit)
            })
        });
        match value {
            Some(value) => {
                self.at += 4;
                Ok(value)
            }
            None => Err(self.error("a \\u escape without four hexadecimal digits")),
        }
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

/// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`, … or
/// `\u00XX`, everything else as it is.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

    /// What `serde_json` makes of `text`: `None` if it rejects it.
    fn theirs(text: &str) -> Option<serde_json::Value> {
        serde_json::from_str(text).ok()
    }

    /// Whether our tree is the same JSON as `serde_json`'s (numbers compared by kind).
    fn same(ours: &Value<'_>, theirs: &serde_json::Value) -> bool {
        match (ours, theirs) {
            (Value::Object(m), serde_json::Value::Object(t)) => {
                m.len() == t.len()
                    && m.iter()
                        .all(|(k, v)| t.get(k.as_ref()).is_some_and(|w| same(v, w)))
            }
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same(v, w))
            }
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Int(n), serde_json::Value::Number(m)) => m.as_u64() == Some(*n),
            (Value::OtherNumber, serde_json::Value::Number(m)) => m.as_u64().is_none(),
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Null, serde_json::Value::Null) => true,
            _ => false,
        }
    }

    /// Our reader agrees with `serde_json` on `text`: both accept it with the same tree, or
    /// both reject it. Duplicate keys are where they differ by design (`serde_json` keeps the
    /// last), so a text ours rejects for one counts as agreeing.
    fn agrees(text: &str) -> Result<(), String> {
        match (parse(text), theirs(text)) {
            (Ok(ours), Some(theirs)) if same(&ours, &theirs) => Ok(()),
            (Err(_), None) => Ok(()),
            (Err(e), Some(_)) if e.to_string().starts_with("duplicate key") => Ok(()),
            (ours, theirs) => Err(format!("{text:?}: ours {ours:?}, serde_json {theirs:?}")),
        }
    }

    #[test]
    fn agrees_with_serde_json_on_hand_picked_texts() {
        for text in [
            r#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#,
            r#" { "__metadata__" : { "k" : "v\n\u00e9\/" } } "#,
            "[0, -0, 1e5, 1E+5, 1e-5, 0.5, -12.25e2, 18446744073709551615, 18446744073709551616]",
            r#"[true,false,null,"",[],{}]"#,
            r#""\ud834\udd1e \u0000 \" \b\f\r\t""#,
            "\"é𝄞\"",
            "[1,]",
            "[,1]",
            r#"{"a"}"#,
            r#"{"a":}"#,
            "{1:2}",
            "[-]",
            "[-a]",
            "[1e]",
            "[1e+]",
            "[.5]",
            "[+1]",
            "[00]",
            "[-01]",
            "2e312",
            "[-2e312]",
            "1e-400",
            "1797693134862315708145274237317043567981e270",
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\U0041""#,
            "\"abc",
            "\"a\\",
            "nul",
            "truefalse",
            "[1 2]",
            r#"{"a":1 ,}"#,
            "\u{feff}{}",
            "{}\u{0}",
            "\t\r\n{}\t\r\n",
            "\u{b}{}",
            r#"{"\ud800\udc00":1}"#,
            r#"{"a":1,"b":{"a":2}}"#,
        ] {
            agrees(text).unwrap();
        }
    }

    proptest::proptest! {
        // A fixed seed: these compare two implementations, so a disagreement not yet found
        // would otherwise surface at random in CI. 240,000 cases from random seeds agreed when
        // the reader was written (the one disagreement found, `2e312`, is fixed and kept in
        // `proptest-regressions/`); change the seed to explore further.
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 3000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(20261201),
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Texts made of JSON's own tokens in any order: mostly malformed, some valid.
        #[test]
        fn agrees_with_serde_json_on_token_soup(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "{", "}", "[", "]", ":", ",", " ", r#""a""#, r#""b""#, r#""\u00e9""#,
                r#""\ud83d\ude00""#, r#""\ud83d""#, r#""\n""#, "0", "-1", "12", "1.5",
                "2e3", "01", "1.", "true", "false", "null", "\"", "\\", "x", "\n", "-",
            ]), 0..24)
        ) {
            let text: String = tokens.concat();
            proptest::prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
        }

        /// Short random text over the characters JSON cares about.
        #[test]
        fn agrees_with_serde_json_on_random_text(text in r#"[{}\[\]:,"\\0-9a-z .eE+\-]{0,40}"#) {
            proptest::prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
        }

        /// Any string survives `string` and `parse`, and `serde_json` reads `string`'s output
        /// as the same string.
        #[test]
        fn any_string_round_trips(text in r#"\PC*|[\x00-\x1f"\\]{0,8}"#) {
            let literal = string(&text);
            proptest::prop_assert_eq!(parse(&literal).unwrap(), Value::String(text.clone().into()));
            proptest::prop_assert_eq!(serde_json::from_str::<String>(&literal).unwrap(), text);
        }
    }

    #[test]
    fn nesting_up_to_the_limit() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert!(parse(&deep(MAX_DEPTH + 1)).is_err());
    }
}
