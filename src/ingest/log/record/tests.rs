use std::borrow::Cow;
use std::sync::Arc;

use super::*;
use crate::model::{Position, ResourceKind, Source, StartOrigin, Throttle, TimePrecision};

const T: i64 = 1_700_000_000_000_000;

fn record(target: &'static str) -> LogRecord<'static> {
    LogRecord {
        time: Timestamp::from_micros(T),
        logged_time: LoggedTime::Start,
        precision: TimePrecision::Seconds,
        duration_us: None,
        client_addr: Some(Cow::Borrowed("192.0.2.7")),
        forwarded_for: None,
        user_agent: Some(Cow::Borrowed("curl/8.5.0")),
        method: Cow::Borrowed("get"),
        scheme: None,
        host: None,
        target: Cow::Borrowed(target),
        status: 200,
        response_size: Some(12),
        response_headers: Vec::new(),
        request_headers: Vec::new(),
        throttle: None,
        fields: Vec::new(),
    }
}

fn source() -> Source {
    Source {
        input: 0,
        position: Position::Line(1),
    }
}

fn convert(record: &LogRecord<'_>) -> Exchange {
    convert_with(record, &ConvertOptions::default())
}

fn convert_with(record: &LogRecord<'_>, options: &ConvertOptions) -> Exchange {
    match to_exchange(record, source(), options) {
        Ok(exchange) => exchange,
        Err(reason) => panic!("conversion failed: {reason}"),
    }
}

fn client_with(record: &LogRecord<'_>, key: ClientKey) -> String {
    let options = ConvertOptions {
        client_key: key,
        ..ConvertOptions::default()
    };
    convert_with(record, &options).client.to_string()
}

#[test]
fn start_time_recorded() {
    let exchange = convert(&record("/a"));
    assert_eq!(exchange.start.micros(), T);
    assert_eq!(exchange.start_origin, StartOrigin::Recorded);
}

#[test]
fn end_minus_duration_start() {
    let mut line = record("/a");
    line.logged_time = LoggedTime::End;
    line.duration_us = Some(250_000);
    let exchange = convert(&line);
    assert_eq!(exchange.start.micros(), T - 250_000);
    assert_eq!(exchange.start_origin, StartOrigin::EndMinusDuration);
    assert_eq!(exchange.duration_us, Some(250_000));
}

#[test]
fn end_without_duration_start() {
    let mut line = record("/a");
    line.logged_time = LoggedTime::End;
    let exchange = convert(&line);
    assert_eq!(exchange.start.micros(), T);
    assert_eq!(exchange.start_origin, StartOrigin::EndWithoutDuration);
}

#[test]
fn client_auto_prefers_forwarded() {
    let mut line = record("/a");
    line.forwarded_for = Some(Cow::Borrowed("203.0.113.9, 10.0.0.1"));
    assert_eq!(client_with(&line, ClientKey::Auto), "203.0.113.9");
    assert_eq!(client_with(&line, ClientKey::Xff), "203.0.113.9");
    assert_eq!(client_with(&line, ClientKey::Ip), "192.0.2.7");
}

#[test]
fn client_auto_without_forwarded_peer() {
    assert_eq!(client_with(&record("/a"), ClientKey::Auto), "192.0.2.7");
}

#[test]
fn forwarded_hop_forms() {
    assert_eq!(
        first_forwarded_hop("  198.51.100.1 ,10.0.0.1").as_deref(),
        Some("198.51.100.1")
    );
    assert_eq!(
        first_forwarded_hop("2001:db8::1, 10.0.0.1").as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(
        first_forwarded_hop("[2001:db8::1]:4711").as_deref(),
        Some("2001:db8::1")
    );
    assert_eq!(
        first_forwarded_hop("192.0.2.1:4711").as_deref(),
        Some("192.0.2.1")
    );
    assert_eq!(
        first_forwarded_hop("\"192.0.2.3\"").as_deref(),
        Some("192.0.2.3")
    );
}

#[test]
fn forwarded_hop_invalid_none() {
    assert_eq!(first_forwarded_hop("unknown, 10.0.0.1"), None);
    assert_eq!(first_forwarded_hop("-"), None);
    assert_eq!(first_forwarded_hop(""), None);
    assert_eq!(first_forwarded_hop("_hidden"), None);
}

#[test]
fn client_invalid_forwarded_uses_peer() {
    let mut line = record("/a");
    line.forwarded_for = Some(Cow::Borrowed("unknown"));
    assert_eq!(client_with(&line, ClientKey::Auto), "192.0.2.7");
}

#[test]
fn client_user_agent_and_field() {
    let mut line = record("/a");
    line.fields = vec![(Cow::Borrowed("tenant"), Cow::Borrowed("acme"))];
    assert_eq!(client_with(&line, ClientKey::UserAgent), "curl/8.5.0");
    assert_eq!(
        client_with(&line, ClientKey::Field("tenant".into())),
        "acme"
    );
    assert_eq!(
        client_with(&line, ClientKey::Field("TENANT".into())),
        "acme"
    );
}

#[test]
fn client_missing_is_dash() {
    let mut line = record("/a");
    line.client_addr = None;
    line.user_agent = Some(Cow::Borrowed("-"));
    assert_eq!(client_with(&line, ClientKey::Ip), "-");
    assert_eq!(client_with(&line, ClientKey::UserAgent), "-");
    assert_eq!(client_with(&line, ClientKey::Field("nope".into())), "-");
}

#[test]
fn host_from_record_normalised() {
    let mut line = record("/a");
    line.host = Some(Cow::Borrowed("API.Example.com:443"));
    line.scheme = Some(Cow::Borrowed("HTTPS"));
    let exchange = convert(&line);
    assert_eq!(&*exchange.host, "api.example.com");
    assert_eq!(&*exchange.scheme, "https");
}

#[test]
fn host_from_absolute_target() {
    let exchange = convert(&record("http://Shop.example:8080/cart?id=3"));
    assert_eq!(&*exchange.host, "shop.example:8080");
    assert_eq!(&*exchange.scheme, "http");
    assert_eq!(&*exchange.path, "/cart");
}

#[test]
fn host_default_then_placeholder() {
    let options = ConvertOptions {
        default_host: Some(Arc::from("files.example")),
        ..ConvertOptions::default()
    };
    assert_eq!(
        &*convert_with(&record("/a"), &options).host,
        "files.example"
    );
    assert_eq!(&*convert(&record("/a")).host, UNKNOWN_HOST);
    assert_eq!(&*convert(&record("/a")).scheme, "-");
}

#[test]
fn query_values_only_hashed() {
    let first = convert(&record("/v1/users/42?token=secret&page=2"));
    let second = convert(&record("/v1/users/42?token=other&page=2"));
    assert_eq!(&*first.path, "/v1/users/42");
    assert_eq!(
        first.query_keys,
        vec![Box::from("page"), Box::from("token")]
    );
    assert_ne!(first.request_hash, second.request_hash);
    assert_eq!(&*first.method, "GET");
}

#[test]
fn same_request_same_hash() {
    let first = convert(&record("/a?x=1"));
    let second = convert(&record("/a?x=1"));
    assert_eq!(first.request_hash, second.request_hash);
}

#[test]
fn kind_static_by_extension() {
    assert_eq!(convert(&record("/app.js?v=3")).kind, ResourceKind::Script);
    assert_eq!(convert(&record("/logo.PNG")).kind, ResourceKind::Image);
    assert_eq!(convert(&record("/index.html")).kind, ResourceKind::Api);
    assert_eq!(convert(&record("/v1/items")).kind, ResourceKind::Api);
}

#[test]
fn signals_from_logged_headers() {
    let mut line = record("/a");
    line.status = 429;
    line.response_headers = vec![(Cow::Borrowed("Retry-After"), Cow::Borrowed("30"))];
    let exchange = convert(&line);
    assert_eq!(exchange.signals.throttle, Some(Throttle::TooManyRequests));
    let retry = exchange.signals.retry_after.as_ref().map(|r| r.delay_ms);
    assert_eq!(retry, Some(30_000));
}

#[test]
fn bare_503_not_throttled() {
    let mut line = record("/a");
    line.status = 503;
    assert_eq!(convert(&line).signals.throttle, None);
    line.response_headers = vec![(Cow::Borrowed("retry-after"), Cow::Borrowed("5"))];
    assert_eq!(
        convert(&line).signals.throttle,
        Some(Throttle::ServiceUnavailable)
    );
}

#[test]
fn throttle_mark_overrides_status() {
    let mut line = record("/a");
    line.status = 200;
    line.throttle = Some(Throttle::TooManyRequests);
    assert_eq!(
        convert(&line).signals.throttle,
        Some(Throttle::TooManyRequests)
    );
}

#[test]
fn retry_attempt_from_request_header() {
    let mut line = record("/a");
    line.request_headers = vec![(
        Cow::Borrowed("amz-sdk-request"),
        Cow::Borrowed("attempt=3; max=5"),
    )];
    assert_eq!(convert(&line).retry_attempt, Some(3));
}

#[test]
fn missing_method_or_target_rejected() {
    let mut line = record("/a");
    line.method = Cow::Borrowed("-");
    assert!(to_exchange(&line, source(), &ConvertOptions::default()).is_err());
    let line = record("-");
    assert!(to_exchange(&line, source(), &ConvertOptions::default()).is_err());
    let line = record("not a target");
    assert!(to_exchange(&line, source(), &ConvertOptions::default()).is_err());
}

#[test]
fn asterisk_and_connect_targets() {
    let mut line = record("*");
    line.method = Cow::Borrowed("OPTIONS");
    assert_eq!(&*convert(&line).path, "*");
    let mut line = record("db.example:5432");
    line.method = Cow::Borrowed("CONNECT");
    assert_eq!(&*convert(&line).host, "db.example:5432");
}

#[test]
fn interner_shares_strings() {
    let mut interner = Interner::default();
    let options = ConvertOptions::default();
    let first = interner.to_exchange(&record("/users/1"), source(), &options);
    let second = interner.to_exchange(&record("/users/2"), source(), &options);
    let (Ok(first), Ok(second)) = (first, second) else {
        panic!("conversion failed");
    };
    assert!(Arc::ptr_eq(&first.client, &second.client));
    assert!(Arc::ptr_eq(&first.method, &second.method));
    assert!(Arc::ptr_eq(&first.template, &second.template));
}

#[test]
fn declared_throttle_status_marks_503() {
    let mut limited = record("/api/search");
    limited.status = 503;
    assert_eq!(convert(&limited).signals.throttle, None);
    let options = ConvertOptions {
        throttle_statuses: vec![503],
        ..ConvertOptions::default()
    };
    assert_eq!(
        convert_with(&limited, &options).signals.throttle,
        Some(Throttle::DeclaredStatus)
    );
    let mut ok = record("/api/search");
    ok.status = 200;
    assert_eq!(convert_with(&ok, &options).signals.throttle, None);
}
