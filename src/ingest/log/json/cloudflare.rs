//! Cloudflare Logpush records of the `http_requests` dataset, one JSON object a line.
//!
//! A Logpush job chooses its fields and its timestamp format (RFC 3339, or epoch
//! seconds or nanoseconds), so every field is optional here except the method, the URI,
//! the status and one of the two edge timestamps. `EdgeStartTimestamp` is when the edge
//! received the request and `EdgeEndTimestamp` when it finished sending the response
//! (Cloudflare Logs field reference, HTTP requests), so the record is timed by its
//! start and the duration is their difference. Fields that this parser does not read
//! are kept as named fields for `--client-key field:NAME`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::text::{HeaderList, Text};
use super::time::{parse_epoch, parse_time_text};
use super::{json_error_reason, json_object, offset_in, trim_line};
use crate::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};
use crate::model::{Throttle, TimePrecision, Timestamp};

/// Cloudflare Logpush HTTP request logs in NDJSON.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cloudflare;

/// The fields of one record that this parser reads; the rest go to `fields`.
#[derive(Default)]
struct Record<'a> {
    client_ip: Option<Cow<'a, str>>,
    host: Option<Cow<'a, str>>,
    method: Option<Cow<'a, str>>,
    uri: Option<Cow<'a, str>>,
    path: Option<Cow<'a, str>>,
    user_agent: Option<Cow<'a, str>>,
    scheme: Option<Cow<'a, str>>,
    start: Option<&'a RawValue>,
    end: Option<&'a RawValue>,
    status: Option<&'a RawValue>,
    bytes: Option<&'a RawValue>,
    security_actions: Vec<Cow<'a, str>>,
    security_sources: Vec<Cow<'a, str>>,
    firewall_actions: Vec<Cow<'a, str>>,
    firewall_sources: Vec<Cow<'a, str>>,
    edge_rate_limit_action: Option<Cow<'a, str>>,
    request_headers: HeaderList<'a>,
    response_headers: HeaderList<'a>,
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Record<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Cloudflare HTTP request record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut record = Record::default();
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "ClientIP" => record.client_ip = next_text(&mut map)?,
                "ClientRequestHost" => record.host = next_text(&mut map)?,
                "ClientRequestMethod" => record.method = next_text(&mut map)?,
                "ClientRequestURI" => record.uri = next_text(&mut map)?,
                "ClientRequestPath" => record.path = next_text(&mut map)?,
                "ClientRequestUserAgent" => record.user_agent = next_text(&mut map)?,
                "ClientRequestScheme" => record.scheme = next_text(&mut map)?,
                "EdgeStartTimestamp" => record.start = map.next_value()?,
                "EdgeEndTimestamp" => record.end = map.next_value()?,
                "EdgeResponseStatus" => record.status = map.next_value()?,
                "EdgeResponseBytes" => record.bytes = map.next_value()?,
                "SecurityActions" => record.security_actions = next_list(&mut map)?,
                "SecuritySources" => record.security_sources = next_list(&mut map)?,
                "FirewallMatchesActions" => record.firewall_actions = next_list(&mut map)?,
                "FirewallMatchesSources" => record.firewall_sources = next_list(&mut map)?,
                "EdgeRateLimitAction" => record.edge_rate_limit_action = next_text(&mut map)?,
                "RequestHeaders" => record.request_headers = map.next_value()?,
                "ResponseHeaders" => record.response_headers = map.next_value()?,
                _ => {
                    let raw: &'de RawValue = map.next_value()?;
                    if let Some(value) = scalar_text(raw) {
                        record.fields.push((key, value));
                    }
                }
            }
        }
        Ok(record)
    }
}

/// Reads a string value; empty strings and `null` count as absent, because Logpush
/// writes `""` for a field it has no value for.
fn next_text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    let value: Option<Text<'de>> = map.next_value()?;
    Ok(value.map(|Text(text)| text).filter(|text| !text.is_empty()))
}

fn next_list<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<Cow<'de, str>>, A::Error> {
    let values: Option<Vec<Text<'de>>> = map.next_value()?;
    Ok(values
        .unwrap_or_default()
        .into_iter()
        .map(|Text(text)| text)
        .collect())
}

/// Returns the text of a string, number or boolean value, borrowed from the line.
/// Objects, arrays, `null` and empty strings give nothing.
fn scalar_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    match text.as_bytes().first()? {
        b'"' => serde_json::from_str::<Text>(text)
            .ok()
            .map(|Text(value)| value)
            .filter(|value| !value.is_empty()),
        b'{' | b'[' | b'n' => None,
        _ => Some(Cow::Borrowed(text)),
    }
}

impl LineParser for Cloudflare {
    fn name(&self) -> &'static str {
        "cloudflare"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        if trim_line(line).is_none() {
            return LineOutcome::Blank;
        }
        let Some(object) = json_object(line) else {
            return LineOutcome::Invalid(Cow::Borrowed("line is not a JSON object"));
        };
        let record: Record<'a> = match serde_json::from_slice(object) {
            Ok(record) => record,
            Err(error) => {
                return LineOutcome::Invalid(json_error_reason(
                    object,
                    offset_in(line, object),
                    &error,
                ));
            }
        };
        match into_log_record(record) {
            Ok(record) => LineOutcome::Record(record),
            Err(reason) => LineOutcome::Invalid(Cow::Borrowed(reason)),
        }
    }
}

fn into_log_record(record: Record<'_>) -> Result<LogRecord<'_>, &'static str> {
    let throttle = is_rate_limit_block(&record).then_some(Throttle::ProxyRateLimit);
    let method = record.method.ok_or("ClientRequestMethod is missing")?;
    let target = record
        .uri
        .or(record.path)
        .ok_or("ClientRequestURI and ClientRequestPath are missing")?;
    let status = record
        .status
        .and_then(|raw| raw.get().parse::<u16>().ok())
        .ok_or("EdgeResponseStatus is missing or is not an HTTP status code")?;
    let start = match record.start {
        None => None,
        Some(raw) => Some(read_timestamp(raw).ok_or("EdgeStartTimestamp is not a timestamp")?),
    };
    let end = match record.end {
        None => None,
        Some(raw) => Some(read_timestamp(raw).ok_or("EdgeEndTimestamp is not a timestamp")?),
    };
    let (time, logged_time, precision) = match (start, end) {
        (Some((time, precision)), _) => (time, LoggedTime::Start, precision),
        (None, Some((time, precision))) => (time, LoggedTime::End, precision),
        (None, None) => return Err("EdgeStartTimestamp and EdgeEndTimestamp are missing"),
    };
    // NOTE: with second-precision timestamps (RFC 3339 without fraction, or `unix`)
    // most durations come out as 0, although the exchange took up to a second.
    let duration_us = match (start, end) {
        (Some((start, _)), Some((end, _))) => {
            Some(end.micros_since(start)).filter(|micros| *micros >= 0)
        }
        _ => None,
    };

    Ok(LogRecord {
        time,
        logged_time,
        precision,
        duration_us,
        client_addr: record.client_ip,
        forwarded_for: record.request_headers.first("X-Forwarded-For").cloned(),
        user_agent: record.user_agent,
        method,
        scheme: record.scheme,
        host: record.host,
        target,
        status,
        response_size: record.bytes.and_then(|raw| raw.get().parse::<u64>().ok()),
        response_headers: record.response_headers.0,
        request_headers: record.request_headers.0,
        throttle,
        fields: record.fields,
    })
}

/// Reads an edge timestamp in any Logpush timestamp format: an RFC 3339 string, or an
/// epoch number in seconds (`unix`) or nanoseconds (`unixnano`), also when quoted.
fn read_timestamp(raw: &RawValue) -> Option<(Timestamp, TimePrecision)> {
    let text = raw.get();
    if text.starts_with('"') {
        let Text(value) = serde_json::from_str::<Text>(text).ok()?;
        parse_time_text(&value)
    } else {
        parse_epoch(text)
    }
}

/// Returns whether a rate limiting rule blocked the request.
///
/// Cloudflare's security fields list, per matching rule, its product in
/// `SecuritySources` and its action in `SecurityActions` at the same index (before
/// August 2023 named `FirewallMatchesSources` and `FirewallMatchesActions`). A
/// `rateLimit` source with the `block` action rejects the request. `log`, `challenge`
/// and the other actions do not throttle. The previous rate limiting product logged
/// `EdgeRateLimitAction`, where `ban` (or `block`) refused the request and `simulate`
/// only logged it.
fn is_rate_limit_block(record: &Record<'_>) -> bool {
    let blocked_by_rule = |sources: &[Cow<'_, str>], actions: &[Cow<'_, str>]| {
        sources
            .iter()
            .zip(actions)
            .any(|(source, action)| source == "rateLimit" && action == "block")
    };
    let legacy_ban = record
        .edge_rate_limit_action
        .as_deref()
        .is_some_and(|action| action == "ban" || action == "block");
    blocked_by_rule(&record.security_sources, &record.security_actions)
        || blocked_by_rule(&record.firewall_sources, &record.firewall_actions)
        || legacy_ban
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record of the corpus file, shortened.
    const RIPE: &str = r#"{"ClientIP":"87.226.160.250","ClientRequestHost":"www.ripe.net","ClientRequestMethod":"HEAD","ClientRequestURI":"/","EdgeEndTimestamp":"2022-10-30T00:00:02Z","EdgeResponseBytes":570,"EdgeResponseStatus":301,"EdgeStartTimestamp":"2022-10-30T00:00:02Z","RayID":"761fde4e984e5ab2","CacheTieredFill":false,"FirewallMatchesActions":[],"FirewallMatchesSources":[],"WAFAction":"unknown","ClientASN":12389,"ClientRequestUserAgent":"","ClientRequestScheme":"http"}"#;

    fn parse(line: &str) -> LineOutcome<'_> {
        Cloudflare.parse_line(line.as_bytes(), &mut ParseState::default())
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
    fn rfc3339_record_fields() {
        let r = record(RIPE);
        assert_eq!(r.time.micros(), 1_667_088_002_000_000);
        assert_eq!(r.logged_time, LoggedTime::Start);
        assert_eq!(r.precision, TimePrecision::Seconds);
        assert_eq!(r.duration_us, Some(0));
        assert_eq!(r.client_addr.as_deref(), Some("87.226.160.250"));
        assert_eq!(r.host.as_deref(), Some("www.ripe.net"));
        assert_eq!(r.method, "HEAD");
        assert_eq!(r.target, "/");
        assert_eq!(r.status, 301);
        assert_eq!(r.response_size, Some(570));
        assert_eq!(r.scheme.as_deref(), Some("http"));
        assert!(r.user_agent.is_none(), "an empty user agent is absent");
        assert!(r.throttle.is_none());
    }

    #[test]
    fn other_fields_kept() {
        let r = record(RIPE);
        assert_eq!(r.field("RayID"), Some("761fde4e984e5ab2"));
        assert_eq!(r.field("ClientASN"), Some("12389"));
        assert_eq!(r.field("CacheTieredFill"), Some("false"));
        assert_eq!(r.field("FirewallMatchesActions"), None);
    }

    #[test]
    fn unixnano_timestamps() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/api?q=1","EdgeResponseStatus":200,"EdgeStartTimestamp":1667088002123456789,"EdgeEndTimestamp":1667088002173456789}"#;
        let r = record(line);
        assert_eq!(r.time.micros(), 1_667_088_002_123_456);
        assert_eq!(r.precision, TimePrecision::Microseconds);
        assert_eq!(r.duration_us, Some(50_000));
    }

    #[test]
    fn unix_seconds_timestamps() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":200,"EdgeStartTimestamp":1667088002,"EdgeEndTimestamp":1667088003}"#;
        let r = record(line);
        assert_eq!(r.time.micros(), 1_667_088_002_000_000);
        assert_eq!(r.precision, TimePrecision::Seconds);
        assert_eq!(r.duration_us, Some(1_000_000));
    }

    #[test]
    fn end_only_record() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestPath":"/x","EdgeResponseStatus":200,"EdgeEndTimestamp":"2022-10-30T00:00:02.5Z"}"#;
        let r = record(line);
        assert_eq!(r.logged_time, LoggedTime::End);
        assert_eq!(r.target, "/x");
        assert!(r.duration_us.is_none());
    }

    #[test]
    fn rate_limit_block_throttles() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":429,"EdgeStartTimestamp":1667088002,"SecuritySources":["firewallCustom","rateLimit"],"SecurityActions":["log","block"]}"#;
        assert_eq!(record(line).throttle, Some(Throttle::ProxyRateLimit));
    }

    #[test]
    fn legacy_firewall_fields_throttle() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":403,"EdgeStartTimestamp":1667088002,"FirewallMatchesSources":["rateLimit"],"FirewallMatchesActions":["block"]}"#;
        assert_eq!(record(line).throttle, Some(Throttle::ProxyRateLimit));
    }

    #[test]
    fn legacy_ban_throttles() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":429,"EdgeStartTimestamp":1667088002,"EdgeRateLimitAction":"ban","EdgeRateLimitID":7}"#;
        assert_eq!(record(line).throttle, Some(Throttle::ProxyRateLimit));
    }

    #[test]
    fn non_block_actions_do_not_throttle() {
        let cases = [
            r#""SecuritySources":["rateLimit"],"SecurityActions":["log"]"#,
            r#""SecuritySources":["rateLimit"],"SecurityActions":["managedChallenge"]"#,
            r#""SecuritySources":["firewallCustom"],"SecurityActions":["block"]"#,
            r#""EdgeRateLimitAction":"simulate""#,
            r#""EdgeRateLimitAction":"""#,
            r#""SecurityAction":"block","WAFAction":"drop""#,
        ];
        for fields in cases {
            let line = format!(
                r#"{{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":403,"EdgeStartTimestamp":1667088002,{fields}}}"#
            );
            assert!(record(&line).throttle.is_none(), "{fields}");
        }
    }

    #[test]
    fn custom_header_fields() {
        let line = r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":429,"EdgeStartTimestamp":1667088002,"RequestHeaders":{"x-forwarded-for":"198.51.100.7","authorization":"Bearer abc"},"ResponseHeaders":{"retry-after":"60"}}"#;
        let r = record(line);
        assert_eq!(r.forwarded_for.as_deref(), Some("198.51.100.7"));
        assert_eq!(
            r.response_headers,
            vec![(Cow::from("retry-after"), Cow::from("60"))]
        );
        assert_eq!(r.request_headers.len(), 1, "authorization must be dropped");
    }

    #[test]
    fn blank_lines() {
        assert!(matches!(parse(""), LineOutcome::Blank));
        assert!(matches!(parse(" \t"), LineOutcome::Blank));
    }

    #[test]
    fn invalid_lines() {
        let cases = [
            ("caddy  | {}", "line is not a JSON object"),
            ("[1,2]", "line is not a JSON object"),
            (
                r#"{"ClientRequestMethod":"GET""#,
                "JSON object ends early at column 28",
            ),
            (
                r#"{"actor":{"id":"x"},"eventType":"user.session.end","published":"2020-02-14T22:18:51.843Z"}"#,
                "ClientRequestMethod is missing",
            ),
            (
                r#"{"ClientRequestMethod":"GET","EdgeResponseStatus":200}"#,
                "ClientRequestURI and ClientRequestPath are missing",
            ),
            (
                r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/"}"#,
                "EdgeResponseStatus is missing or is not an HTTP status code",
            ),
            (
                r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":200}"#,
                "EdgeStartTimestamp and EdgeEndTimestamp are missing",
            ),
            (
                r#"{"ClientRequestMethod":"GET","ClientRequestURI":"/","EdgeResponseStatus":200,"EdgeStartTimestamp":"soon"}"#,
                "EdgeStartTimestamp is not a timestamp",
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(invalid_reason(line), reason, "{line}");
        }
    }
}
