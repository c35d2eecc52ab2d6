//! A result read with only some fields of each item kept (a tool call's `fields`), in the
//! same pass that reads the envelope: a projected page costs one scan of BMS's text, not one
//! to find the result and another to cut its items, and no item is built into values.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::value::SeqAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::envelope::MemberName;

/// The members of an envelope's top-level object with each `result` member (in any casing)
/// read through `KeepFields`, and the other members as their text.
pub(super) struct KeptEnvelope<'de> {
    pub members: Vec<(Cow<'de, str>, &'de RawValue)>,
    pub results: Vec<(Cow<'de, str>, String)>,
}

/// Reads the top-level object `body` as a `KeptEnvelope`.
pub(super) fn read_envelope<'de>(
    body: &'de str,
    fields: &[String],
) -> serde_json::Result<KeptEnvelope<'de>> {
    struct Visit<'f>(&'f [String]);
    impl<'de> Visitor<'de> for Visit<'_> {
        type Value = KeptEnvelope<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeptEnvelope<'de>, A::Error> {
            let mut kept = KeptEnvelope {
                members: Vec::new(),
                results: Vec::new(),
            };
            while let Some(MemberName(name)) = map.next_key()? {
                if name.eq_ignore_ascii_case("result") {
                    let result = map.next_value_seed(KeepFields(self.0))?;
                    kept.results.push((name, result));
                } else {
                    kept.members.push((name, map.next_value()?));
                }
            }
            Ok(kept)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let kept = deserializer.deserialize_map(Visit(fields))?;
    deserializer.end()?;
    Ok(kept)
}

/// Reads a result as JSON text with only `fields` kept in each object: in each item of an
/// array, or in the result itself when it is one object. Anything else is written as it was.
pub struct KeepFields<'f>(pub &'f [String]);

impl<'de> DeserializeSeed<'de> for KeepFields<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let mut out = String::new();
        deserializer.deserialize_any(Write {
            out: &mut out,
            fields: self.0,
            items: true,
        })?;
        Ok(out)
    }
}

/// Writes one JSON value into `out`: objects projected, an array's items each written so
/// when `items` (the result's own array), anything else as it was.
struct Write<'o, 'f> {
    out: &'o mut String,
    fields: &'f [String],
    items: bool,
}

impl Write<'_, '_> {
    fn value(self, value: &Value) {
        self.out.push_str(&value.to_string());
    }
}

impl<'de> DeserializeSeed<'de> for Write<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Write<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // As a map would: a repeated name keeps its first place and its last value.
        let mut kept: Vec<(Cow<'de, str>, &'de RawValue)> = Vec::with_capacity(self.fields.len());
        while let Some(MemberName(name)) = map.next_key()? {
            if !self.fields.iter().any(|f| *f == name) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value: &'de RawValue = map.next_value()?;
            match kept.iter_mut().find(|(seen, _)| *seen == name) {
                Some(slot) => slot.1 = value,
                None => kept.push((name, value)),
            }
        }
        self.out.push('{');
        for (i, (name, value)) in kept.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&Value::from(name.as_ref()).to_string());
            self.out.push(':');
            self.out.push_str(value.get());
        }
        self.out.push('}');
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !self.items {
            // An array inside an item's place (no BMS list has one): written whole.
            let value = Value::deserialize(SeqAccessDeserializer::new(seq))?;
            self.value(&value);
            return Ok(());
        }
        self.out.push('[');
        let mut first = true;
        loop {
            let at = self.out.len();
            if !first {
                self.out.push(',');
            }
            let item = Write {
                out: &mut *self.out,
                fields: self.fields,
                items: false,
            };
            if seq.next_element_seed(item)?.is_none() {
                self.out.truncate(at);
                break;
            }
            first = false;
        }
        self.out.push(']');
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.push_str("null");
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.out.push_str("null");
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.value(&Value::from(v));
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.value(&Value::from(v));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.value(&Value::from(v));
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.value(&Value::from(v));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.value(&Value::from(v));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keep(result: &str, fields: &[&str]) -> String {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        let mut de = serde_json::Deserializer::from_str(result);
        KeepFields(&fields)
            .deserialize(&mut de)
            .expect("readable JSON")
    }

    /// What projecting values gives: each object item (or the object) keeps only the fields.
    fn by_values(result: &str, fields: &[&str]) -> Value {
        let project = |item: &mut Value| {
            if let Value::Object(object) = item {
                object.retain(|key, _| fields.contains(&key.as_str()));
            }
        };
        let mut value: Value = serde_json::from_str(result).expect("test JSON");
        match &mut value {
            Value::Array(items) => items.iter_mut().for_each(project),
            other => project(other),
        }
        value
    }

    #[test]
    fn projection_from_text_matches_projection_of_values() {
        let fields = ["id", "title", "missing"];
        for result in [
            r#"[{"id": 1, "title": "a \"b\"", "details": {"deep": [1]}}, {"title": "x", "id": 2}]"#,
            r#"[{"id": 1, "id": 3, "title": "first place, last value"}]"#,
            r#"[1, "two", null, true, 2.5, [1, {"id": 9, "x": 1}], {"id": 4}]"#,
            r#"{"id": 5, "other": true}"#,
            r#"[{"ti\u0074le": "escaped name", "id": 6}]"#,
            "[]",
            "null",
            "7",
        ] {
            let text = keep(result, &fields);
            assert_eq!(
                serde_json::from_str::<Value>(&text).expect("valid JSON"),
                by_values(result, &fields),
                "{result}"
            );
        }
        assert_eq!(
            keep(r#"[{"title": 1, "id": 2, "x": 3}]"#, &fields),
            r#"[{"title":1,"id":2}]"#,
            "the item's own order, values as BMS wrote them"
        );
        assert_eq!(keep("[ ]", &fields), "[]");
        assert_eq!(
            by_values("[{\"id\": 1.50}]", &fields),
            json!([{"id": 1.5}]),
            "(values would rewrite numbers; the text keeps BMS's)"
        );
        assert_eq!(keep("[{\"id\": 1.50}]", &fields), "[{\"id\":1.50}]");
    }
}
