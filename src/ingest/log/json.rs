//! JSON access logs: one JSON object a line (NDJSON).
//!
//! Three formats share this module. [`Caddy`] and [`Cloudflare`] have fixed field names,
//! so their lines are deserialized into borrowed structs and their strings stay
//! borrowed from the line unless they contain escapes. [`JsonLines`] reads any other
//! NDJSON log through a [`FieldMapping`] given on the command line. Its field names are
//! known only at run time, so it parses each line into a [`serde_json::Value`].
//!
//! JSON logs do not interleave other text, so a line that is not a JSON object is
//! invalid. The one exception is Caddy, whose lines often carry a prefix added by
//! docker compose or syslog (`caddy  | {...}`): everything before the first `{` is
//! dropped there. Invalid-line reasons never quote the line, because its values may
//! carry tokens.

mod caddy;
mod cloudflare;
mod mapping;
mod text;
mod time;

use std::borrow::Cow;

use memchr::memmem;
use serde_json::error::Category;

pub use caddy::Caddy;
pub use cloudflare::Cloudflare;
pub use mapping::{FieldMapping, JsonLines};

/// The UTF-8 byte-order mark, which some editors write at the start of a file.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Returns whether `line` looks like an Okta System Log event (`eventType`, `actor`,
/// `published`). Such events describe sign-ins and admin actions, not HTTP requests, so
/// format detection rejects a file of them instead of reading it as an access log.
pub fn looks_like_okta_system_log(line: &[u8]) -> bool {
    let Some(object) = json_object(line) else {
        return false;
    };
    let has = |key: &[u8]| memmem::find(object, key).is_some();
    has(b"\"eventType\"") && has(b"\"published\"") && has(b"\"actor\"")
}

/// Removes a byte-order mark and surrounding whitespace. Returns `None` for a line
/// that contains nothing else.
fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line);
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace())?;
    Some(&line[start..=end])
}

/// Returns the trimmed line when it starts like a JSON object.
fn json_object(line: &[u8]) -> Option<&[u8]> {
    trim_line(line).filter(|text| text.first() == Some(&b'{'))
}

/// Describes why `object` failed to parse as JSON, without quoting any of its content,
/// because serde_json's own messages can include the offending value. `offset` is the
/// number of bytes on the line before `object`, so that the column counts from the
/// start of the line.
fn json_error_reason(object: &[u8], offset: usize, error: &serde_json::Error) -> Cow<'static, str> {
    if std::str::from_utf8(object).is_err() {
        return Cow::Borrowed("line is not valid UTF-8, which JSON requires");
    }
    let column = error.column() + offset;
    match error.classify() {
        Category::Eof => Cow::Owned(format!("JSON object ends early at column {column}")),
        Category::Syntax => Cow::Owned(format!("invalid JSON at column {column}")),
        Category::Data => Cow::Owned(format!(
            "a JSON value has an unexpected type at column {column}"
        )),
        Category::Io => Cow::Borrowed("invalid JSON"),
    }
}

/// Returns how many bytes of `line` come before `part`, a subslice of it.
fn offset_in(line: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize)
}

/// Returns whether a header may carry credentials (RFC 9110 section 11 and RFC 6265).
/// Such headers are dropped when a log contains them, so no token can reach a report.
fn is_credential_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|credential| name.eq_ignore_ascii_case(credential))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::log::{LineParser, ParseState};

    #[test]
    fn okta_event_detected() {
        let line = br#"{"actor":{"id":"00u1"},"eventType":"user.session.end","published":"2020-02-14T22:18:51.843Z"}"#;
        assert!(looks_like_okta_system_log(line));
    }

    #[test]
    fn okta_detection_rejects_access_lines() {
        let caddy =
            br#"{"level":"info","ts":1.5,"logger":"http.log.access","msg":"handled request"}"#;
        assert!(!looks_like_okta_system_log(caddy));
        assert!(!looks_like_okta_system_log(b"not json"));
        assert!(!looks_like_okta_system_log(b""));
    }

    #[test]
    fn trim_line_drops_bom_and_spaces() {
        assert_eq!(trim_line(b"\xEF\xBB\xBF {} \t"), Some(&b"{}"[..]));
        assert_eq!(trim_line(b"  \t "), None);
    }

    #[test]
    fn error_reason_names_invalid_utf8() {
        let line = b"{\"a\":\"\xFF\"}";
        let error = serde_json::from_slice::<serde_json::Value>(line).unwrap_err();
        assert_eq!(
            json_error_reason(line, 0, &error),
            "line is not valid UTF-8, which JSON requires"
        );
    }

    #[test]
    fn truncated_lines_never_panic() {
        let line = br#"caddy  | {"level":"info","ts":1761019828.6153953,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"172.19.0.1","method":"GET","host":"h","uri":"/\u00e9","headers":{"User-Agent":["x"]}},"duration":0.5,"size":3,"status":200,"resp_headers":{"Retry-After":["1"]},"ClientRequestMethod":"GET","EdgeStartTimestamp":1}"#;
        let options = vec![
            "time=ts".to_owned(),
            "method=request.method".to_owned(),
            "url=request.uri".to_owned(),
            "status=status".to_owned(),
        ];
        let mapping = JsonLines::new(FieldMapping::parse(&options).unwrap()).unwrap();
        let parsers: [&dyn LineParser; 3] = [&Caddy, &Cloudflare, &mapping];
        for end in 0..=line.len() {
            for parser in parsers {
                let _ = parser.parse_line(&line[..end], &mut ParseState::default());
                let _ = parser.parse_line(&line[end..], &mut ParseState::default());
            }
        }
    }

    #[test]
    fn error_reason_hides_values() {
        let line = br#"{"status":"secret-token"}"#;
        let error =
            serde_json::from_slice::<std::collections::HashMap<String, u16>>(line).unwrap_err();
        let reason = json_error_reason(line, 0, &error);
        assert!(!reason.contains("secret-token"), "{reason}");
    }
}
