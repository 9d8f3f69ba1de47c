//! Reads the hand-written HAR files in `tests/fixtures/har` through the public API.

use std::path::PathBuf;
use std::sync::Arc;

use ratelint::ingest::Loaded;
use ratelint::ingest::har::read_har;
use ratelint::model::{Position, ResourceKind, TimePrecision};

/// 2026-03-01T10:00:00Z in microseconds.
const T0_US: i64 = 1_772_359_200_000_000;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/har")
        .join(name)
}

fn load(name: &str) -> Loaded {
    match read_har(&fixture(name), 3, Arc::from("fixture")) {
        Ok(loaded) => loaded,
        Err(error) => panic!("{name} failed: {error}"),
    }
}

fn error_message(name: &str) -> String {
    match read_har(&fixture(name), 0, Arc::from("fixture")) {
        Ok(loaded) => panic!("{name} should fail, read {} records", loaded.records),
        Err(error) => error.to_string(),
    }
}

fn paths(loaded: &Loaded) -> Vec<&str> {
    loaded.exchanges.iter().map(|e| &*e.path).collect()
}

#[test]
fn api_client_entries_sorted() {
    let loaded = load("api-client-retries.har");
    assert_eq!(loaded.records, 3);
    assert_eq!(loaded.skipped_total, 0);
    assert_eq!(paths(&loaded), ["/v1/users", "/v1/users", "/v1/users/42"]);
    let positions: Vec<Position> = loaded.exchanges.iter().map(|e| e.source.position).collect();
    assert_eq!(
        positions,
        [Position::Entry(1), Position::Entry(2), Position::Entry(0)]
    );
    assert!(loaded.exchanges.iter().all(|e| e.source.input == 3));
    assert!(loaded.exchanges.iter().all(|e| &*e.client == "fixture"));
}

#[test]
fn api_client_throttled_call() {
    let loaded = load("api-client-retries.har");
    let call = &loaded.exchanges[2];
    assert_eq!(&*call.method, "GET");
    assert_eq!(&*call.host, "api.example.com");
    assert_eq!(call.status, 429);
    assert_eq!(call.kind, ResourceKind::Api);
    assert_eq!(call.retry_attempt, Some(1));
    assert_eq!(call.duration_us, Some(95_000));
    // 10:00:01.500-07:00 is 17:00:01.500Z.
    assert_eq!(call.start.micros(), T0_US + 7 * 3_600_000_000 + 1_500_000);
    let keys: Vec<&str> = call.query_keys.iter().map(|k| &**k).collect();
    assert_eq!(keys, ["fields", "token"]);
}

#[test]
fn api_client_list_ids_decoded() {
    let loaded = load("api-client-retries.har");
    let list = &loaded.exchanges[0];
    let ids: Vec<&str> = list.listed_ids.iter().map(|id| &**id).collect();
    assert_eq!(ids, ["42", "u-43"]);
    assert!(list.response_hash.is_some());
}

#[test]
fn api_client_failed_post() {
    let loaded = load("api-client-retries.har");
    let post = &loaded.exchanges[1];
    assert_eq!(&*post.method, "POST");
    assert_eq!(post.status, 0);
    assert_eq!(post.duration_us, None);
    assert_eq!(post.retry_attempt, Some(2));
    assert_eq!(post.precision, TimePrecision::Microseconds);
    assert_eq!(post.response_size, None);
}

#[test]
fn page_load_kinds() {
    let loaded = load("page-load-firefox.har");
    let kinds: Vec<ResourceKind> = loaded.exchanges.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ResourceKind::Document,
            ResourceKind::Style,
            ResourceKind::Script,
            ResourceKind::Image,
            ResourceKind::Font,
            ResourceKind::Api,
        ]
    );
    assert_eq!(loaded.exchanges[0].start.micros(), T0_US);
}

#[test]
fn page_load_cache_hits() {
    let loaded = load("page-load-firefox.har");
    assert_eq!(loaded.cache_hits, 2);
    let cached: Vec<&str> = loaded
        .exchanges
        .iter()
        .filter(|e| e.cache_hit)
        .map(|e| &*e.path)
        .collect();
    assert_eq!(cached, ["/static/app.js", "/img/logo.png"]);
    let revalidated = &loaded.exchanges[1];
    assert_eq!(revalidated.status, 304);
    assert!(!revalidated.cache_hit);
}

#[test]
fn page_load_api_call_counts() {
    let loaded = load("page-load-firefox.har");
    let api: Vec<&str> = loaded
        .exchanges
        .iter()
        .filter(|e| e.is_api_call())
        .map(|e| &*e.path)
        .collect();
    assert_eq!(api, ["/api/feed.json"]);
}

#[test]
fn damaged_entries_skipped_individually() {
    let loaded = load("damaged-entries.har");
    assert_eq!(loaded.records, 7);
    assert_eq!(paths(&loaded), ["/ok", "/last"]);
    assert_eq!(loaded.skipped_total, 5);
    let positions: Vec<Position> = loaded.skipped.iter().map(|s| s.position).collect();
    assert_eq!(
        positions,
        [1, 2, 3, 4, 5].map(Position::Entry),
        "{:?}",
        loaded.skipped
    );
}

#[test]
fn damaged_entries_reasons() {
    let loaded = load("damaged-entries.har");
    let reasons: Vec<&str> = loaded.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].contains("data: URL"), "{}", reasons[0]);
    assert!(reasons[1].contains("no URL"), "{}", reasons[1]);
    assert!(reasons[2].contains("\"not a date\""), "{}", reasons[2]);
    assert!(reasons[3].contains("line 6"), "{}", reasons[3]);
    assert!(reasons[3].contains("invalid type: map"), "{}", reasons[3]);
    assert!(reasons[4].contains("line 7"), "{}", reasons[4]);
    assert!(!reasons[4].contains("not an entry"), "{}", reasons[4]);
}

#[test]
fn numbers_written_as_text() {
    let loaded = load("damaged-entries.har");
    let last = &loaded.exchanges[1];
    assert_eq!(last.status, 204);
    assert_eq!(last.duration_us, Some(12_500));
}

#[test]
fn bom_and_jsonp_wrapper() {
    let loaded = load("bom-jsonp.har");
    assert_eq!(loaded.exchanges.len(), 1);
    assert_eq!(loaded.exchanges[0].kind, ResourceKind::Document);
}

#[test]
fn missing_entries_error() {
    let message = error_message("no-entries.har");
    assert!(message.contains("no-entries.har"), "{message}");
    // Line 5 closes the `log` object that lacks `entries`.
    assert!(message.contains("line 5 column 3"), "{message}");
    assert!(message.contains("log.entries"), "{message}");
}

#[test]
fn truncated_file_error() {
    let message = error_message("truncated.har");
    assert!(message.contains("truncated.har"), "{message}");
    assert!(message.contains("EOF"), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn missing_file_io_error() {
    let message = error_message("does-not-exist.har");
    assert!(message.contains("cannot read"), "{message}");
    assert!(message.contains("does-not-exist.har"), "{message}");
}
