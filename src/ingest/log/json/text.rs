//! Borrowed strings and header maps for the fixed-format JSON logs.
//!
//! serde borrows a `Cow<str>` only inside derived structs marked `#[serde(borrow)]`,
//! so values read by hand (map values, array members) go through [`Text`], which keeps
//! a string borrowed from the line unless it has escapes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::is_credential_header;

pub(super) use crate::ingest::common::text::Text;

/// Header values of one name: Caddy logs an array (`"Vary":["Accept-Encoding"]`),
/// Cloudflare custom fields a string. `null` and empty arrays give no value.
struct HeaderValues<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for HeaderValues<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeaderValuesVisitor)
    }
}

struct HeaderValuesVisitor;

impl<'de> Visitor<'de> for HeaderValuesVisitor {
    type Value = HeaderValues<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a header value or an array of header values")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Borrowed(value)]))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Owned(value.to_owned())]))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Owned(value)]))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Owned(value.to_string())]))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Owned(value.to_string())]))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(HeaderValues(vec![Cow::Owned(value.to_string())]))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(HeaderValues(Vec::new()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::new();
        while let Some(Text(value)) = seq.next_element::<Text<'de>>()? {
            values.push(value);
        }
        Ok(HeaderValues(values))
    }
}

/// A JSON object of headers, flattened to (name, value) pairs in line order, one pair
/// per value. Credential headers are skipped without being stored.
#[derive(Debug, Default)]
pub(super) struct HeaderList<'a>(pub Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> HeaderList<'a> {
    /// Returns the first value of a header, compared without case.
    pub(super) fn first(&self, name: &str) -> Option<&Cow<'a, str>> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for HeaderList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeaderListVisitor)
    }
}

struct HeaderListVisitor;

impl<'de> Visitor<'de> for HeaderListVisitor {
    type Value = HeaderList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of headers")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(HeaderList::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut headers = Vec::new();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            if is_credential_header(&name) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let HeaderValues(values) = map.next_value()?;
            for value in values {
                headers.push((name.clone(), value));
            }
        }
        Ok(HeaderList(headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_borrows_plain_strings() {
        let Text(value) = serde_json::from_str::<Text>(r#""abc""#).unwrap();
        assert!(matches!(value, Cow::Borrowed("abc")));
    }

    #[test]
    fn text_decodes_escapes() {
        let Text(value) = serde_json::from_str::<Text>(r#""a\"b""#).unwrap();
        assert_eq!(value, "a\"b");
    }

    #[test]
    fn text_accepts_numbers() {
        let Text(value) = serde_json::from_str::<Text>("42").unwrap();
        assert_eq!(value, "42");
    }

    #[test]
    fn header_list_flattens_arrays() {
        let json = r#"{"Vary":["Accept-Encoding","Origin"],"Retry-After":"30","X-Empty":[],"X-Null":null}"#;
        let HeaderList(headers) = serde_json::from_str(json).unwrap();
        assert_eq!(headers.len(), 3);
        assert_eq!(
            headers[0],
            (Cow::from("Vary"), Cow::from("Accept-Encoding"))
        );
        assert_eq!(headers[1], (Cow::from("Vary"), Cow::from("Origin")));
        assert_eq!(headers[2], (Cow::from("Retry-After"), Cow::from("30")));
    }

    #[test]
    fn header_list_drops_credentials() {
        let json = r#"{"Cookie":["a=b"],"authorization":"Bearer x","Accept":["*/*"]}"#;
        let list: HeaderList = serde_json::from_str(json).unwrap();
        assert_eq!(list.0.len(), 1);
        assert!(list.first("Cookie").is_none());
        assert!(list.first("Authorization").is_none());
        assert_eq!(list.first("accept").map(|v| v.as_ref()), Some("*/*"));
    }
}
