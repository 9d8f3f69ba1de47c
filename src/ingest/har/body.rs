//! Response bodies: decoding, the prefix given to signal parsing, listed item ids, and
//! the hash used to recognise repeated requests and bodies.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;
use serde_json::Value;

/// Bytes of a JSON body handed to signal parsing (Okta puts `errorCode` near the start).
pub(super) const BODY_PREFIX_BYTES: usize = 4 * 1024;

/// Largest decoded body parsed for listed ids, so one huge response cannot stall a run.
pub(super) const MAX_LISTED_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Most ids kept from one list response.
pub(super) const MAX_LISTED_IDS: usize = 1000;

/// Keys under which list APIs commonly nest their items, tried in this order.
const LIST_KEYS: &[&str] = &["data", "items", "results", "value", "entries"];

/// Returns whether a MIME type is JSON (`application/json`, `text/json`, `...+json`).
pub(super) fn is_json(mime_type: &str) -> bool {
    let essence = mime_type.split(';').next().unwrap_or("").trim();
    let Some((top, sub)) = essence.split_once('/') else {
        return false;
    };
    let sub = sub.to_ascii_lowercase();
    (top.eq_ignore_ascii_case("application") || top.eq_ignore_ascii_case("text"))
        && (sub == "json" || sub == "x-json" || sub.ends_with("+json"))
}

/// Decodes `content.text` to UTF-8 text: base64 when `encoding` is `base64`, else as is.
///
/// `limit` caps the encoded length read, so a huge body can still give its prefix.
/// Returns `None` when the base64 or the UTF-8 is invalid.
pub(super) fn decode_text<'a>(
    text: &'a str,
    encoding: Option<&str>,
    limit: usize,
) -> Option<Cow<'a, str>> {
    let base64 = encoding.is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
    if !base64 {
        return Some(Cow::Borrowed(prefix_at_char(text, limit)));
    }

    let encoded: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // Base64 is ASCII, and the cut below must not split a character.
    if !encoded.is_ascii() {
        return None;
    }
    let truncated = encoded.len() > limit;
    // Base64 decodes in groups of 4 characters, so a cut must fall on a group boundary.
    let encoded = if truncated {
        &encoded[..limit / 4 * 4]
    } else {
        encoded.as_str()
    };
    let bytes = STANDARD_PAD_INDIFFERENT.decode(encoded).ok()?;
    match String::from_utf8(bytes) {
        Ok(text) => Some(Cow::Owned(text)),
        // A cut can split a multi-byte character; keep the valid start.
        Err(error) if truncated => {
            let valid = error.utf8_error().valid_up_to();
            let mut bytes = error.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).ok().map(Cow::Owned)
        }
        Err(_) => None,
    }
}

/// Returns the longest prefix of `text` of at most `max` bytes that ends on a character
/// boundary.
pub(super) fn prefix_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Collects the `id` of each object in a list response. The list is a top-level array,
/// or the first of `data`, `items`, `results`, `value`, `entries` that exists, when that
/// one is an array. Ids may be strings or numbers, and at most [`MAX_LISTED_IDS`] are kept.
pub(super) fn listed_ids(body: &str) -> Vec<Box<str>> {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    let items = match &value {
        Value::Array(items) => items,
        Value::Object(object) => {
            let list = LIST_KEYS.iter().find_map(|key| object.get(*key));
            match list {
                Some(Value::Array(items)) => items,
                _ => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| match item.get("id") {
            Some(Value::String(id)) => Some(Box::from(id.as_str())),
            Some(Value::Number(id)) => Some(id.to_string().into_boxed_str()),
            _ => None,
        })
        .take(MAX_LISTED_IDS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_mime_types_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/vnd.github+json"));
        assert!(is_json("text/json"));
        assert!(!is_json("text/html"));
        assert!(!is_json(""));
    }

    #[test]
    fn decode_base64_body() {
        let text = decode_text("eyJpZCI6IDF9", Some("base64"), usize::MAX).unwrap();
        assert_eq!(text, "{\"id\": 1}");
    }

    #[test]
    fn decode_base64_tolerates_whitespace() {
        let text = decode_text("eyJpZCI6\nIDF9", Some("base64"), usize::MAX).unwrap();
        assert_eq!(text, "{\"id\": 1}");
    }

    #[test]
    fn decode_invalid_base64_is_none() {
        assert!(decode_text("not base64!", Some("base64"), usize::MAX).is_none());
    }

    #[test]
    fn decode_non_ascii_base64_is_none() {
        assert!(decode_text("ééééééé", Some("base64"), 5).is_none());
    }

    #[test]
    fn decode_plain_respects_limit() {
        assert_eq!(decode_text("héllo", None, 2).unwrap(), "h");
    }

    #[test]
    fn decode_base64_prefix_only() {
        let text = decode_text("eyJpZCI6IDF9", Some("base64"), 5).unwrap();
        assert_eq!(text, "{\"i");
    }

    #[test]
    fn listed_ids_top_level_array() {
        let ids = listed_ids(r#"[{"id": 1}, {"id": "b"}, {"name": "x"}, 3]"#);
        assert_eq!(ids, vec![Box::from("1"), Box::from("b")]);
    }

    #[test]
    fn listed_ids_nested_list_key() {
        let ids = listed_ids(r#"{"total": 2, "items": [{"id": 7}], "data": {"x": 1}}"#);
        assert!(ids.is_empty(), "the first list key that exists is used");
        let ids = listed_ids(r#"{"results": [{"id": 7}, {"id": 8}]}"#);
        assert_eq!(ids, vec![Box::from("7"), Box::from("8")]);
    }

    #[test]
    fn listed_ids_capped() {
        let body = format!("[{}]", vec![r#"{"id":1}"#; MAX_LISTED_IDS + 5].join(","));
        assert_eq!(listed_ids(&body).len(), MAX_LISTED_IDS);
    }

    #[test]
    fn listed_ids_not_json_empty() {
        assert!(listed_ids("<html>").is_empty());
        assert!(listed_ids(r#"{"id": 1}"#).is_empty());
    }
}
