//! Reads the real captures and logs of the corpus (set `RATELINT_CORPUS` to its folder).
//!
//! Every test is ignored by default because the corpus is not part of the repository.
//! Run them with `RATELINT_CORPUS=/path/to/corpus cargo test --test corpus -- --ignored`.
//! A missing or unset path fails the tests instead of passing them.

mod common;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use ratelint::ingest::har::read_har;
use ratelint::ingest::input::{InputOptions, read_input};
use ratelint::ingest::log::formats::LogFormatName;
use ratelint::ingest::{InputError, InputFormat, Loaded};
use ratelint::model::{Position, ResourceKind, TimePrecision};

fn corpus_har_dir() -> PathBuf {
    common::corpus_dir("har")
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_har_dir();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(error) => panic!("cannot list {}: {error}", dir.display()),
    };
    files.retain(|p| p.is_file());
    files.sort();
    assert!(!files.is_empty(), "{} holds no files", dir.display());
    files
}

fn read(name: &str) -> Result<Loaded, InputError> {
    read_har(&corpus_har_dir().join(name), 0, Arc::from(name))
}

fn load(name: &str) -> Loaded {
    match read(name) {
        Ok(loaded) => loaded,
        Err(error) => panic!("{name} failed: {error}"),
    }
}

fn error_message(name: &str) -> String {
    match read(name) {
        Ok(loaded) => panic!("{name} should fail, read {} records", loaded.records),
        Err(error) => error.to_string(),
    }
}

fn kinds(loaded: &Loaded) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for exchange in &loaded.exchanges {
        *counts.entry(format!("{:?}", exchange.kind)).or_insert(0) += 1;
    }
    counts
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn every_file_reads_or_names_itself() {
    for path in corpus_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match read_har(&path, 0, Arc::from(name.as_str())) {
            Ok(loaded) => {
                eprintln!(
                    "{name}: {} records, {} exchanges, {} cache hits, {} skipped {:?}, kinds {:?}",
                    loaded.records,
                    loaded.exchanges.len(),
                    loaded.cache_hits,
                    loaded.skipped_total,
                    loaded.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>(),
                    kinds(&loaded)
                );
                let used = loaded.exchanges.len() as u64 + loaded.skipped_total;
                assert_eq!(
                    used, loaded.records,
                    "{name}: every record is used or skipped"
                );
            }
            Err(error) => {
                let message = error.to_string();
                eprintln!("{name}: error {message}");
                assert!(message.contains(&name), "{name}: {message}");
            }
        }
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn no_file_panics() {
    for path in corpus_files() {
        let result = catch_unwind(AssertUnwindSafe(|| read_har(&path, 0, Arc::from("x"))));
        assert!(result.is_ok(), "{} panicked", path.display());
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn broken_files_are_errors() {
    for name in [
        "harviewer_not-json.har",
        "harviewer_not-valid.har",
        "mitmproxy_corrupted_har_brokenfile.har",
    ] {
        let message = error_message(name);
        assert!(message.contains(name), "{message}");
        assert!(message.contains("line "), "{message}");
        assert!(
            message.contains("export the capture again as HAR"),
            "{message}"
        );
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn not_json_names_line_and_column() {
    let message = error_message("harviewer_not-json.har");
    assert!(message.contains("line 8 column 5"), "{message}");
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn bom_and_jsonp_files_parse() {
    let bom = load("mitmproxy_har_files_with-bom.har");
    assert_eq!(bom.exchanges.len(), 1);
    let jsonp = load("harviewer_jsonp.har");
    assert_eq!(jsonp.exchanges.len(), 1);
    assert_eq!(jsonp.exchanges[0].status, 200);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn entry_counts_match_files() {
    let cases = [
        (
            "har-to-openapi_request-generator-all-status-and-method.har",
            665,
        ),
        ("haralyzer_cnn-chrome.har", 292),
        ("harviewer_issue-61_chrome51.har", 27),
        ("harviewer_issue-61_firefox47.har", 23),
        ("harviewer_issue-61_ie11.fiddler.har", 11),
        ("mitmproxy_har_files_safari.har", 19),
        ("mitmproxy_har_files_firefox.har", 14),
        ("pagexray_responseCodes_304.har", 270),
    ];
    for (name, records) in cases {
        let loaded = load(name);
        assert_eq!(loaded.records, records, "{name} records");
        assert_eq!(loaded.exchanges.len() as u64, records, "{name} exchanges");
        assert_eq!(loaded.skipped_total, 0, "{name} skipped");
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn fiddler_seven_digit_fractions() {
    let loaded = load("harviewer_issue-61_ie11.fiddler.har");
    let first = &loaded.exchanges[0];
    // 2016-06-28T21:42:02.7221474+01:00, cut to microseconds.
    assert_eq!(first.start.micros(), 1_467_146_522_722_147);
    assert_eq!(first.precision, TimePrecision::Microseconds);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn charles_negative_offset() {
    let loaded = load("mitmproxy_har_files_charles.har");
    // 2023-03-29T17:37:42.482-07:00
    assert_eq!(loaded.exchanges[0].start.micros(), 1_680_136_662_482_000);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn unusable_entries_are_listed() {
    let data_url = load("harviewer_data-url.har");
    assert_eq!(data_url.skipped_total, 1);
    assert_eq!(data_url.skipped[0].position, Position::Entry(0));
    assert!(data_url.skipped[0].reason.contains("data: URL"));

    let missing = load("haralyzer_missing_pageref.har");
    assert_eq!(missing.records, 2);
    assert_eq!(missing.skipped_total, 2);
    assert!(missing.skipped[1].reason.contains("no URL"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn failed_flows_have_status_zero() {
    let incomplete = load("mitmproxy_flows_incomplete_log.har");
    assert_eq!(incomplete.exchanges.len(), 4);
    assert!(incomplete.exchanges.iter().all(|e| e.status == 0));
    let chrome = load("mitmproxy_har_files_chrome.har");
    assert_eq!(chrome.exchanges.iter().filter(|e| e.status == 0).count(), 1);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn browser_cache_hits_counted() {
    // Chrome `_fromCache: "disk"` on 4 entries.
    let chrome = load("har-to-openapi_request-generator-all-status-and-method.har");
    assert_eq!(chrome.cache_hits, 4);
    // Safari `_fetchType: "Memory Cache"` on 16 entries.
    assert_eq!(load("mitmproxy_har_files_safari.har").cache_hits, 16);
    // Firefox 47: ten 200s with bodySize 0 and all timings 0.
    assert_eq!(load("harviewer_issue-61_firefox47.har").cache_hits, 10);
    // Firefox 111: five entries with no timings or headers, four with zero timings.
    assert_eq!(load("mitmproxy_har_files_firefox.har").cache_hits, 9);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn conditional_304s_reach_network() {
    // Every 304 in this page load has a wait time and a transfer size: the browser
    // revalidated over the network, so none is a cache hit.
    let loaded = load("pagexray_responseCodes_304.har");
    let not_modified = loaded.exchanges.iter().filter(|e| e.status == 304).count();
    assert_eq!(not_modified, 27);
    assert_eq!(loaded.cache_hits, 0);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn failed_images_stay_images() {
    // 94 image requests got a 503 response with an HTML error page.
    let loaded = load("pagexray_responseCodes_304.har");
    let failed: Vec<_> = loaded
        .exchanges
        .iter()
        .filter(|e| e.status == 503)
        .collect();
    assert_eq!(failed.len(), 94);
    assert!(failed.iter().all(|e| e.kind == ResourceKind::Image));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn page_loads_are_mostly_static() {
    for (name, min_percent) in [
        ("haralyzer_cnn-chrome.har", 75),
        ("pagexray_http2-chrome.har", 80),
        ("pagexray_http1.1-firefox.har", 80),
        ("harviewer_issue-61_chrome51.har", 80),
    ] {
        let loaded = load(name);
        let assets = loaded
            .exchanges
            .iter()
            .filter(|e| e.kind.is_static_asset())
            .count();
        let percent = assets * 100 / loaded.exchanges.len();
        assert!(
            percent >= min_percent,
            "{name}: {percent}% static, {:?}",
            kinds(&loaded)
        );
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn api_recordings_are_api() {
    for name in [
        "pollyjs_github-api-getUser.har",
        "mitmproxy_har_files_insomnia.har",
        "har-to-openapi_request-generator-all-status-and-method.har",
    ] {
        let loaded = load(name);
        assert!(
            loaded.exchanges.iter().all(|e| e.kind == ResourceKind::Api),
            "{name}: {:?}",
            kinds(&loaded)
        );
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn polly_recording_fields() {
    let loaded = load("pollyjs_github-api-getUser.har");
    let exchange = &loaded.exchanges[0];
    assert_eq!(&*exchange.method, "GET");
    assert_eq!(&*exchange.host, "api.github.com");
    assert_eq!(&*exchange.path, "/users/netflix");
    assert_eq!(exchange.status, 200);
    assert!(exchange.response_hash.is_some());
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn equal_start_times_keep_order() {
    // 16 entries of this capture start at 2017-11-13T12:03:04.344Z.
    let loaded = load("haralyzer_cnn-chrome.har");
    let starts = loaded
        .exchanges
        .windows(2)
        .filter(|w| w[0].start == w[1].start);
    assert!(starts.count() >= 15);
    for pair in loaded.exchanges.windows(2) {
        assert!(pair[0].start <= pair[1].start);
        if pair[0].start == pair[1].start {
            assert!(pair[0].source.position < pair[1].source.position);
        }
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn redirect_retry_after_not_throttle() {
    // Three redirects of this page carry `Retry-After: 0`, which is not throttling.
    let loaded = load("haralyzer_cnn-chrome.har");
    let redirects: Vec<_> = loaded
        .exchanges
        .iter()
        .filter(|e| (300..400).contains(&e.status))
        .collect();
    assert!(redirects.len() >= 50);
    assert!(redirects.iter().all(|e| !e.is_throttled()));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn status_suite_keeps_every_status() {
    let loaded = load("har-to-openapi_request-generator-all-status-and-method.har");
    let count = |status| {
        loaded
            .exchanges
            .iter()
            .filter(|e| e.status == status)
            .count()
    };
    assert_eq!(count(429), 11);
    assert_eq!(count(503), 11);
    assert_eq!(count(0), 11);
}

fn corpus_logs_dir() -> PathBuf {
    common::corpus_dir("logs")
}

/// What reading a corpus log must give.
enum Expect {
    /// Detected as this format, and read.
    Format(LogFormatName),
    /// Rejected with a message containing this text.
    Rejected(&'static str),
}

/// Every corpus log with its expected outcome and its number of lines.
const LOGS: &[(&str, Expect, u64)] = &[
    (
        "beats_application-lb-http.log",
        Expect::Format(LogFormatName::AwsAlb),
        11,
    ),
    (
        "beats_elb-http.log",
        Expect::Format(LogFormatName::AwsElb),
        6,
    ),
    ("beats_envoy.log", Expect::Format(LogFormatName::Envoy), 4),
    (
        "beats_ingress_controller_test.log",
        Expect::Format(LogFormatName::NginxIngress),
        29,
    ),
    (
        "beats_test-iis-7.5.log",
        Expect::Format(LogFormatName::Iis),
        8,
    ),
    (
        "elastic-examples_apache_logs",
        Expect::Format(LogFormatName::Combined),
        10_000,
    ),
    (
        "integrations_test-cloudfront.log",
        Expect::Format(LogFormatName::Cloudfront),
        16,
    ),
    (
        "integrations_test-okta-system-events.log",
        Expect::Rejected("Okta System Log export (events, not HTTP requests)"),
        24,
    ),
    (
        "lnav_logfile_access_log.0",
        Expect::Format(LogFormatName::Combined),
        3,
    ),
    (
        "lnav_logfile_bad_access_log.0",
        Expect::Format(LogFormatName::Combined),
        3,
    ),
    (
        "lnav_logfile_caddy_log.0",
        Expect::Format(LogFormatName::Caddy),
        39,
    ),
    (
        "lnav_logfile_cloudflare.json",
        Expect::Format(LogFormatName::Cloudflare),
        1,
    ),
    (
        "lnav_logfile_haproxy.0",
        Expect::Format(LogFormatName::Haproxy),
        17,
    ),
    (
        "lnav_logfile_invalid_utf8.0",
        Expect::Rejected("not a recognised access log or HAR file"),
        6,
    ),
    (
        "lnav_logfile_w3c_big.0",
        Expect::Format(LogFormatName::Iis),
        254,
    ),
    (
        "lnav_shop_access_log.0",
        Expect::Format(LogFormatName::Combined),
        1_000,
    ),
];

fn read_log_file(name: &str) -> Result<(InputFormat, Loaded), InputError> {
    read_input(&corpus_logs_dir().join(name), 0, &InputOptions::default())
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn every_log_listed() {
    let dir = corpus_logs_dir();
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(error) => panic!("cannot list {}: {error}", dir.display()),
    };
    names.sort();
    let mut listed: Vec<String> = LOGS.iter().map(|(name, _, _)| name.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn logs_detected_and_counted() {
    for (name, expect, lines) in LOGS {
        let result = read_log_file(name);
        match (expect, result) {
            (Expect::Format(format), Ok((found, loaded))) => {
                assert_eq!(found, InputFormat::Log(*format), "{name}: format");
                assert_eq!(loaded.lines, *lines, "{name}: lines");
                assert_eq!(
                    loaded.records + loaded.blank + loaded.not_access + loaded.invalid,
                    *lines,
                    "{name}: every line counted once"
                );
                assert!(loaded.records > 0, "{name}: no records");
            }
            (Expect::Format(format), Err(error)) => {
                panic!("{name} should be read as {}: {error}", format.as_str())
            }
            (Expect::Rejected(text), Err(error)) => {
                let message = error.to_string();
                assert!(message.contains(name), "{name}: {message}");
                assert!(message.contains(text), "{name}: {message}");
            }
            (Expect::Rejected(_), Ok((found, _))) => {
                panic!("{name} should be rejected, read as {}", found.as_str())
            }
        }
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn no_log_panics() {
    for (name, _, _) in LOGS {
        let result = catch_unwind(AssertUnwindSafe(|| read_log_file(name)));
        assert!(result.is_ok(), "{name} panicked");
    }
}
