//! Property tests of the parsers and the values they derive: no input makes them
//! panic, every log line is counted once, templates are stable and delays are never
//! negative.
//!
//! The generators mix arbitrary bytes with near-valid input (log-like tokens, JSON
//! fragments, real header names), because purely random bytes rarely get past the
//! first check of a parser.

use std::sync::Arc;

use proptest::prelude::*;
use ratelint::ingest::har::parse_har;
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName, parser_for};
use ratelint::ingest::log::read::read_log_chunked;
use ratelint::ingest::log::{ConvertOptions, LineParser, ParseState};
use ratelint::model::template::template_path;
use ratelint::model::{RateLimitSignals, Timestamp};

/// Every access-log format with the options it needs to build.
fn all_parsers() -> Vec<Box<dyn LineParser>> {
    let preset = FormatOptions::default();
    let mut parsers: Vec<Box<dyn LineParser>> = [
        LogFormatName::Nginx,
        LogFormatName::NginxIngress,
        LogFormatName::Common,
        LogFormatName::Combined,
        LogFormatName::AwsAlb,
        LogFormatName::AwsElb,
        LogFormatName::Cloudfront,
        LogFormatName::Iis,
        LogFormatName::Caddy,
        LogFormatName::Envoy,
        LogFormatName::Haproxy,
        LogFormatName::Cloudflare,
    ]
    .into_iter()
    .map(|name| parser_for(name, &preset).expect("preset format builds"))
    .collect();

    let apache = FormatOptions {
        log_format: Some(r#"%h %l %u %t "%r" %>s %b %D "%{Retry-After}o""#.to_string()),
        fields: Vec::new(),
    };
    parsers.push(parser_for(LogFormatName::Apache, &apache).expect("apache format builds"));
    let json = FormatOptions {
        log_format: None,
        fields: [
            ("time", "ts"),
            ("status", "status"),
            ("method", "req.method"),
            ("path", "req.uri"),
            ("header.Retry-After", "headers.Retry-After"),
        ]
        .iter()
        .map(|(name, field)| (name.to_string(), field.to_string()))
        .collect(),
    };
    parsers.push(parser_for(LogFormatName::Json, &json).expect("json mapping builds"));
    parsers
}

/// Log-like text: lines built from tokens that the formats look for, so that parsers
/// get past their first field more often than with random bytes.
fn log_text() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("127.0.0.1".to_string()),
        Just("-".to_string()),
        Just("[10/Oct/2000:13:55:36 -0700]".to_string()),
        Just("\"GET /api/v1/users/42?x=1 HTTP/1.1\"".to_string()),
        Just("429".to_string()),
        Just("2019-04-08T16:16:55.931Z".to_string()),
        Just("#Fields: date time cs-method cs-uri-stem sc-status".to_string()),
        Just("#Version: 1.0".to_string()),
        Just("{\"ts\":1.5,\"status\":429,\"req\":{\"uri\":\"/a\"}}".to_string()),
        Just("\"".to_string()),
        Just("\t".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.join(" ").into_bytes())
}

/// Arbitrary bytes or log-like text, with extra newlines either way.
fn log_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..512), log_text()]
}

/// Returns the number of lines the driver should see: one per `\n`, plus a last line
/// without a terminator.
fn expected_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    let unterminated = u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    newlines + unterminated
}

/// JSON-ish text: HAR keys, brackets and values in random order, so the HAR reader
/// sees structures that break in many different places.
fn har_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"log\":".to_string()),
        Just("\"entries\":".to_string()),
        Just("\"request\":".to_string()),
        Just("\"response\":".to_string()),
        Just("\"url\":\"https://h/a/1\"".to_string()),
        Just("\"startedDateTime\":\"2024-01-01T00:00:00Z\"".to_string()),
        Just("\"status\":429".to_string()),
        Just("\"headers\":[{\"name\":\"Retry-After\",\"value\":\"5\"}]".to_string()),
        Just("null".to_string()),
        Just("-1e400".to_string()),
        "\"[ -~]{0,8}\"",
    ];
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

/// A URL path made of segments that look like ids, names, encodings and templates.
fn url_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-z]{1,8}",
        "[0-9]{1,12}",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[A-Za-z0-9_.~%-]{0,24}",
        "[a-z]{1,6};[a-z]{1,6}=[0-9]{1,6}",
        Just("{id}".to_string()),
        Just(String::new()),
        "\\PC{0,6}",
    ];
    prop::collection::vec(segment, 0..8).prop_map(|segments| {
        let mut path = String::new();
        for segment in segments {
            path.push('/');
            path.push_str(&segment);
        }
        path
    })
}

/// A Retry-After value: delta-seconds, decimals, negative numbers, durations,
/// HTTP-dates and noise.
fn retry_after_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        "-?[0-9]{1,25}(\\.[0-9]{0,6})?",
        "[0-9]{1,4}(h|m|s|ms)[0-9]{0,4}(m|s)?",
        "(Mon|Sun), [0-9]{2} (Jan|Feb|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "(Monday|Sunday), [0-9]{2}-(Jan|Dec)-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "(Mon|Sun) (Jan|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}",
        "\\PC{0,20}",
    ]
}

proptest! {
    #[test]
    fn har_arbitrary_bytes_no_panic(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _ = parse_har(&bytes, 0, Arc::from("client"));
    }

    #[test]
    fn har_json_fragments_no_panic(text in har_text()) {
        if let Ok(loaded) = parse_har(text.as_bytes(), 0, Arc::from("client")) {
            prop_assert!(loaded.exchanges.len() as u64 <= loaded.records);
        }
    }

    #[test]
    fn log_parsers_no_panic(bytes in log_input()) {
        for parser in all_parsers() {
            let mut state = ParseState::default();
            for line in bytes.split(|b| *b == b'\n') {
                let _ = parser.parse_line(line, &mut state);
            }
            let _ = parser.state_before(&bytes);
        }
    }

    #[test]
    fn log_line_accounting_holds(bytes in log_input(), chunk in 1usize..64) {
        for parser in all_parsers() {
            let loaded =
                read_log_chunked(&bytes, parser.as_ref(), 0, &ConvertOptions::default(), chunk);
            prop_assert_eq!(
                loaded.records + loaded.blank + loaded.not_access + loaded.invalid,
                loaded.lines,
                "format {}", parser.name()
            );
            prop_assert_eq!(loaded.lines, expected_lines(&bytes), "format {}", parser.name());
            prop_assert!(
                loaded.exchanges.len() as u64 <= loaded.records,
                "format {}", parser.name()
            );
        }
    }

    #[test]
    fn log_chunk_size_irrelevant(bytes in log_input(), chunk in 1usize..64) {
        for parser in all_parsers() {
            let options = ConvertOptions::default();
            let whole = read_log_chunked(&bytes, parser.as_ref(), 0, &options, usize::MAX);
            let cut = read_log_chunked(&bytes, parser.as_ref(), 0, &options, chunk);
            prop_assert_eq!(whole.records, cut.records, "format {}", parser.name());
            prop_assert_eq!(whole.invalid, cut.invalid, "format {}", parser.name());
            prop_assert_eq!(
                whole.exchanges.len(),
                cut.exchanges.len(),
                "format {}", parser.name()
            );
        }
    }

    #[test]
    fn template_idempotent(path in url_path()) {
        let once = template_path(&path);
        let twice = template_path(&once);
        prop_assert_eq!(twice, once);
    }

    #[test]
    fn template_arbitrary_text_idempotent(path in "\\PC{0,40}") {
        let once = template_path(&path);
        let twice = template_path(&once);
        prop_assert_eq!(twice, once);
    }

    #[test]
    fn retry_after_never_negative(
        value in retry_after_value(),
        date in prop::option::of(retry_after_value()),
        status in prop_oneof![Just(429u16), Just(503u16), Just(301u16), any::<u16>()],
        received_at in any::<i64>(),
    ) {
        let mut headers = vec![("Retry-After", value.as_str())];
        if let Some(date) = &date {
            headers.push(("Date", date.as_str()));
        }
        let received_at = Timestamp::from_micros(received_at);
        let signals = RateLimitSignals::from_response(status, &headers, None, received_at);
        if let Some(retry) = &signals.retry_after {
            prop_assert!(retry.delay_ms >= 0, "delay {} for {:?}", retry.delay_ms, value);
        }
        if let Some(until) = signals.wait_until(received_at) {
            prop_assert!(until >= received_at, "wait ends before the response for {:?}", value);
        }
    }
}

/// Found by `template_arbitrary_text_idempotent`: a lone matrix parameter became the
/// empty template, whose own template is `/`.
#[test]
fn template_semicolon_only_path() {
    let once = template_path(";");
    assert_eq!(once, "/");
    assert_eq!(template_path(&once), once);
}
