//! Caddy v2 access logs: zap JSON entries of the `http.log.access` logger.
//!
//! Caddy writes its access entry in a deferred call after the handler chain returned,
//! so `ts` is the time the response was complete, and `duration` runs from the start
//! of handling to that moment (caddyhttp `Server.ServeHTTP`). Server messages of other
//! loggers share the same output, so they are counted as not-access lines. Every
//! top-level field is kept as raw JSON first, so a server message with fields of other
//! types never makes its line invalid.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::text::{HeaderList, Text};
use super::time::{parse_duration_number, parse_epoch, parse_go_duration, parse_time_text};
use super::{json_error_reason, offset_in, trim_line};
use crate::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};

/// Caddy's JSON access log (`log` directive with the default `json` encoder).
#[derive(Clone, Copy, Debug, Default)]
pub struct Caddy;

/// The logger name of access entries; named loggers append `.NAME`.
const ACCESS_LOGGER: &str = "http.log.access";

/// The message of an access entry. The access logger also writes other messages, such
/// as "rejecting request with long method", which describe no complete exchange.
const ACCESS_MESSAGE: &str = "handled request";

/// One zap entry, with the values that only access entries need kept as raw JSON.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    level: Option<&'a RawValue>,
    #[serde(borrow)]
    ts: Option<&'a RawValue>,
    #[serde(borrow)]
    msg: Option<&'a RawValue>,
    #[serde(borrow)]
    logger: Option<&'a RawValue>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    duration: Option<&'a RawValue>,
    #[serde(borrow)]
    size: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    resp_headers: Option<&'a RawValue>,
    #[serde(borrow)]
    user_id: Option<&'a RawValue>,
}

/// The `request` object of an access entry.
#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    remote_ip: Option<Text<'a>>,
    #[serde(borrow)]
    client_ip: Option<Text<'a>>,
    #[serde(borrow)]
    proto: Option<Text<'a>>,
    #[serde(borrow)]
    method: Option<Text<'a>>,
    #[serde(borrow)]
    host: Option<Text<'a>>,
    #[serde(borrow)]
    uri: Option<Text<'a>>,
    #[serde(borrow, default)]
    headers: HeaderList<'a>,
    /// Present when the request came over TLS.
    tls: Option<IgnoredAny>,
}

impl LineParser for Caddy {
    fn name(&self) -> &'static str {
        "caddy"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        let Some(trimmed) = trim_line(line) else {
            return LineOutcome::Blank;
        };
        // docker compose (`caddy  | `) and syslog (`caddy[772]: `) put a prefix before
        // the JSON object.
        let Some(start) = memchr::memchr(b'{', trimmed) else {
            return LineOutcome::Invalid(Cow::Borrowed("no JSON object on the line"));
        };
        let object = &trimmed[start..];
        let entry: Entry<'a> = match serde_json::from_slice(object) {
            Ok(entry) => entry,
            Err(error) => {
                return LineOutcome::Invalid(json_error_reason(
                    object,
                    offset_in(line, object),
                    &error,
                ));
            }
        };
        if entry.level.is_none() || entry.ts.is_none() || entry.msg.is_none() {
            return LineOutcome::Invalid(Cow::Borrowed(
                "not a Caddy log entry: level, ts or msg is missing",
            ));
        }
        if !is_access_entry(&entry) {
            return LineOutcome::NotAccess;
        }
        match access_record(&entry) {
            Ok(record) => LineOutcome::Record(record),
            Err(reason) => LineOutcome::Invalid(Cow::Borrowed(reason)),
        }
    }
}

fn is_access_entry(entry: &Entry<'_>) -> bool {
    let logger = entry.logger.and_then(raw_text);
    let is_access_logger = logger.as_deref().is_some_and(|name| {
        name.strip_prefix(ACCESS_LOGGER)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    });
    is_access_logger && entry.msg.and_then(raw_text).as_deref() == Some(ACCESS_MESSAGE)
}

/// Reads a raw JSON string value, borrowed when it has no escapes.
fn raw_text<'a>(raw: &'a RawValue) -> Option<Cow<'a, str>> {
    serde_json::from_str::<Text<'a>>(raw.get())
        .ok()
        .map(|Text(text)| text)
}

fn access_record<'a>(entry: &Entry<'a>) -> Result<LogRecord<'a>, &'static str> {
    let (time, precision) = entry
        .ts
        .and_then(read_ts)
        .ok_or("ts is neither epoch seconds nor an RFC 3339 date-time")?;
    let request: Request<'a> = entry
        .request
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .ok_or("request is missing or is not an object")?;
    let method = request.method.ok_or("request.method is missing")?.0;
    let target = request.uri.ok_or("request.uri is missing")?.0;
    let status = entry
        .status
        .and_then(|raw| raw.get().parse::<u16>().ok())
        .ok_or("status is missing or is not an HTTP status code")?;
    let duration_us = match entry.duration {
        None => None,
        Some(raw) => Some(read_duration(raw).ok_or("duration is not a number of seconds")?),
    };
    let response_size = entry.size.and_then(|raw| raw.get().parse::<u64>().ok());
    let response_headers = match entry.resp_headers {
        None => Vec::new(),
        Some(raw) => {
            serde_json::from_str::<HeaderList<'a>>(raw.get())
                .map_err(|_| "resp_headers is not an object of header arrays")?
                .0
        }
    };

    let user_agent = request.headers.first("User-Agent").cloned();
    let forwarded_for = request.headers.first("X-Forwarded-For").cloned();
    let scheme = if request.tls.is_some() {
        "https"
    } else {
        "http"
    };

    let mut fields = Vec::new();
    if let Some(Text(client_ip)) = request.client_ip {
        fields.push((Cow::Borrowed("client_ip"), client_ip));
    }
    if let Some(Text(proto)) = request.proto {
        fields.push((Cow::Borrowed("proto"), proto));
    }
    if let Some(user_id) = entry.user_id.and_then(raw_text).filter(|id| !id.is_empty()) {
        fields.push((Cow::Borrowed("user_id"), user_id));
    }
    if let Some(logger) = entry.logger.and_then(raw_text) {
        fields.push((Cow::Borrowed("logger"), logger));
    }

    Ok(LogRecord {
        time,
        logged_time: LoggedTime::End,
        precision,
        duration_us,
        client_addr: request.remote_ip.map(|Text(ip)| ip),
        forwarded_for,
        user_agent,
        method,
        scheme: Some(Cow::Borrowed(scheme)),
        host: request
            .host
            .map(|Text(host)| host)
            .filter(|host| !host.is_empty()),
        target,
        status,
        response_size,
        response_headers,
        request_headers: request.headers.0,
        throttle: None,
        fields,
    })
}

/// Reads `ts`: float epoch seconds by default, or a date-time string when the encoder
/// sets another `time_format`. Caddy's `wall` formats carry no zone and are rejected.
fn read_ts(raw: &RawValue) -> Option<(crate::model::Timestamp, crate::model::TimePrecision)> {
    let text = raw.get();
    if text.starts_with('"') {
        raw_text(raw).and_then(|value| parse_time_text(&value))
    } else {
        parse_epoch(text)
    }
}

/// Reads `duration`: float seconds by default, or a Go duration string with
/// `duration_format string`.
// NOTE: with `duration_format nanos` Caddy writes an integer of nanoseconds, which
// this reads as seconds; the format cannot tell the two apart.
fn read_duration(raw: &RawValue) -> Option<i64> {
    let text = raw.get();
    if text.starts_with('"') {
        raw_text(raw).and_then(|value| parse_go_duration(&value))
    } else {
        parse_duration_number(text, 1_000_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimePrecision;

    const ACCESS: &str = r#"caddy  | {"level":"info","ts":1761019828.6153953,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"172.19.0.1","remote_port":"46628","client_ip":"172.19.0.2","proto":"HTTP/1.1","method":"GET","host":"localhost","uri":"/api/items?page=2","headers":{"User-Agent":["curl/8.5.0"],"Cookie":["REDACTED"],"X-Forwarded-For":["203.0.113.9, 10.0.0.1"]}},"bytes_read":0,"user_id":"alice","duration":0.001674508,"size":188,"status":429,"resp_headers":{"Retry-After":["30"],"X-Ratelimit-Remaining":["0"]}}"#;

    fn parse(line: &str) -> LineOutcome<'_> {
        Caddy.parse_line(line.as_bytes(), &mut ParseState::default())
    }

    fn record(line: &str) -> LogRecord<'_> {
        match parse(line) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record, got {other:?}"),
        }
    }

    fn invalid_reason(line: &str) -> String {
        match parse(line) {
            LineOutcome::Invalid(reason) => reason.into_owned(),
            other => panic!("expected an invalid line, got {other:?}"),
        }
    }

    #[test]
    fn access_line_fields() {
        let r = record(ACCESS);
        assert_eq!(r.time.micros(), 1_761_019_828_615_395);
        assert_eq!(r.logged_time, LoggedTime::End);
        assert_eq!(r.precision, TimePrecision::Microseconds);
        assert_eq!(r.duration_us, Some(1_674));
        assert_eq!(r.client_addr.as_deref(), Some("172.19.0.1"));
        assert_eq!(r.forwarded_for.as_deref(), Some("203.0.113.9, 10.0.0.1"));
        assert_eq!(r.user_agent.as_deref(), Some("curl/8.5.0"));
        assert_eq!(r.method, "GET");
        assert_eq!(r.scheme.as_deref(), Some("http"));
        assert_eq!(r.host.as_deref(), Some("localhost"));
        assert_eq!(r.target, "/api/items?page=2");
        assert_eq!(r.status, 429);
        assert_eq!(r.response_size, Some(188));
        assert!(r.throttle.is_none());
    }

    #[test]
    fn access_line_strings_borrowed() {
        let r = record(ACCESS);
        assert!(matches!(r.method, Cow::Borrowed(_)));
        assert!(matches!(r.target, Cow::Borrowed(_)));
        assert!(matches!(r.client_addr, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn access_line_headers() {
        let r = record(ACCESS);
        assert_eq!(r.response_headers.len(), 2);
        assert_eq!(
            r.response_headers[0],
            (Cow::from("Retry-After"), Cow::from("30"))
        );
        let cookie = r.request_headers.iter().find(|(n, _)| n == "Cookie");
        assert!(cookie.is_none(), "credential headers must be dropped");
        let agent = r.request_headers.iter().find(|(n, _)| n == "User-Agent");
        assert!(agent.is_some());
    }

    #[test]
    fn access_line_named_fields() {
        let r = record(ACCESS);
        let field = |name: &str| {
            r.fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_string())
        };
        assert_eq!(field("client_ip").as_deref(), Some("172.19.0.2"));
        assert_eq!(field("proto").as_deref(), Some("HTTP/1.1"));
        assert_eq!(field("user_id").as_deref(), Some("alice"));
        assert_eq!(field("logger").as_deref(), Some("http.log.access"));
    }

    #[test]
    fn tls_request_is_https() {
        let line = r#"{"level":"info","ts":1.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"::1","method":"POST","host":"api.example.com","uri":"/v1/x","tls":{"resumed":false}},"duration":0.5,"size":0,"status":201}"#;
        let r = record(line);
        assert_eq!(r.scheme.as_deref(), Some("https"));
        assert_eq!(r.precision, TimePrecision::Milliseconds);
        assert_eq!(r.duration_us, Some(500_000));
    }

    #[test]
    fn string_ts_and_go_duration() {
        let line = r#"{"level":"error","ts":"2025-10-21T04:01:45.123Z","logger":"http.log.access","msg":"handled request","request":{"method":"GET","uri":"/"},"duration":"1.5ms","status":503}"#;
        let r = record(line);
        assert_eq!(r.time.micros(), 1_761_019_305_123_000);
        assert_eq!(r.precision, TimePrecision::Milliseconds);
        assert_eq!(r.duration_us, Some(1_500));
        assert!(r.host.is_none());
    }

    #[test]
    fn other_loggers_not_access() {
        let lines = [
            r#"caddy  | {"level":"info","ts":1761019822.3152757,"msg":"maxprocs: Leaving GOMAXPROCS=12: CPU quota undefined"}"#,
            r#"{"level":"warn","ts":1761019822.316328,"logger":"http","msg":"HTTP/2 skipped because it requires TLS","network":"tcp","addr":":80"}"#,
            r#"{"level":"info","ts":1761019822.3163323,"logger":"http.log","msg":"server running","name":"srv0","protocols":["h1","h2","h3"]}"#,
            r#"{"level":"debug","ts":1.0,"logger":"http.log.access","msg":"rejecting request with long method","method_trunc":"AAAA"}"#,
            r#"{"level":"info","ts":1.0,"logger":"http.log.accessory","msg":"handled request"}"#,
            r#"{"level":"info","ts":1.0,"logger":"tls","status":"not a number","request":5,"msg":"x"}"#,
        ];
        for line in lines {
            assert!(matches!(parse(line), LineOutcome::NotAccess), "{line}");
        }
    }

    #[test]
    fn syslog_prefix_stripped() {
        let line = r#"Nov 20 00:12:09 host caddy[772]: {"level":"info","ts":1763593929.505137,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"199.45.155.92","method":"GET","host":"152.53.179.101","uri":"/"},"duration":0.000014892,"size":0,"status":308}"#;
        assert_eq!(record(line).status, 308);
    }

    #[test]
    fn blank_lines() {
        assert!(matches!(parse(""), LineOutcome::Blank));
        assert!(matches!(parse("  \t"), LineOutcome::Blank));
    }

    #[test]
    fn invalid_lines() {
        let cases = [
            ("plain text line", "no JSON object on the line"),
            (
                r#"caddy  | {"level":"info","ts":1"#,
                "JSON object ends early at column 31",
            ),
            (
                r#"{"actor":{"id":"x"},"eventType":"user.session.end","published":"2020-02-14T22:18:51.843Z"}"#,
                "not a Caddy log entry: level, ts or msg is missing",
            ),
            (
                r#"{"level":"info","ts":"yesterday","logger":"http.log.access","msg":"handled request","request":{"method":"GET","uri":"/"},"status":200}"#,
                "ts is neither epoch seconds nor an RFC 3339 date-time",
            ),
            (
                r#"{"level":"info","ts":1,"logger":"http.log.access","msg":"handled request","status":200}"#,
                "request is missing or is not an object",
            ),
            (
                r#"{"level":"info","ts":1,"logger":"http.log.access","msg":"handled request","request":{"uri":"/"},"status":200}"#,
                "request.method is missing",
            ),
            (
                r#"{"level":"info","ts":1,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","uri":"/"},"status":"ok"}"#,
                "status is missing or is not an HTTP status code",
            ),
            (
                r#"{"level":"info","ts":1,"logger":"http.log.access","msg":"handled request","request":{"method":"GET","uri":"/"},"status":200,"duration":"soon"}"#,
                "duration is not a number of seconds",
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(invalid_reason(line), reason, "{line}");
        }
    }

    #[test]
    fn invalid_utf8_never_panics() {
        let line = b"{\"level\":\"info\",\"ts\":1,\"logger\":\"http.log.access\",\"msg\":\"\xFF\"}";
        let outcome = Caddy.parse_line(line, &mut ParseState::default());
        assert!(matches!(outcome, LineOutcome::Invalid(_)));
    }
}
