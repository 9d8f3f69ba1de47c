//! Rules on access logs: the log versions of the HAR samples and the nginx gateway
//! sample, in the nginx format of the samples and in Apache combined.
//!
//! Each case states which rules must fire, which rules the input cannot fully support
//! (its limitations) and which findings must have low confidence. The cases run twice:
//! through a small reader for exactly these two formats, built here from the testkit,
//! and through ratelint's own log parsers (`#[ignore]`d until those are merged). The
//! small reader keeps the expectations checked on every build, so that a change to a
//! rule that breaks them shows up even where the parsers are absent.

use std::path::{Path, PathBuf};

use ratelint::analyze::{self, Analysis, InputSummary};
use ratelint::model::testkit::exchange;
use ratelint::model::{
    Exchange, Position, RateLimitSignals, Source, StartOrigin, TimePrecision, Timestamp,
};
use ratelint::rules::{self, Confidence, Profiles};

/// A log format of the fixtures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// The samples' nginx `log_format ratelint`: `$msec` end times, `$request_time`,
    /// Retry-After and `X-Rate-Limit-*` response headers.
    Nginx,
    /// Apache combined: whole-second start times, no duration, no response headers.
    Combined,
}

/// What one log must produce.
struct Case {
    file: &'static str,
    format: Format,
    /// Rules with at least one finding; every other rule must stay quiet.
    fire: &'static [&'static str],
    /// Rules that must report a limitation for this input.
    limited: &'static [&'static str],
    /// Rules whose findings must all have low confidence.
    low: &'static [&'static str],
}

/// Rules limited on Apache combined: every rule but bulk-operation-flood, because the
/// log has whole-second start times, no durations, no bodies and no response headers.
const COMBINED_LIMITED: &[&str] = &[
    "concurrency-burst",
    "tight-polling",
    "retry-without-backoff",
    "n-plus-one",
    "endpoint-hotspot",
    "retry-after-ignored",
    "remaining-quota-ignored",
];

/// Rules limited on the nginx format when the API sends Okta-style quota headers,
/// which the format logs: only the rules that need bodies.
const NGINX_LIMITED: &[&str] = &["tight-polling", "n-plus-one"];

/// Rules limited on the nginx format when the API sends Retry-After but no quota
/// headers that the format logs (GitHub's are `X-RateLimit-*`).
const NGINX_RETRY_AFTER_ONLY: &[&str] = &[
    "tight-polling",
    "n-plus-one",
    "endpoint-hotspot",
    "remaining-quota-ignored",
];

/// Rules limited on the nginx format when no response carries a logged rate-limit
/// header at all.
const NGINX_NO_HEADERS: &[&str] = &[
    "tight-polling",
    "n-plus-one",
    "endpoint-hotspot",
    "retry-after-ignored",
    "remaining-quota-ignored",
];

const CASES: &[Case] = &[
    Case {
        file: "concurrency-burst.nginx.log",
        format: Format::Nginx,
        fire: &["concurrency-burst"],
        limited: NGINX_LIMITED,
        low: &[],
    },
    // Without durations, 25 starts in one second may never have overlapped.
    Case {
        file: "concurrency-burst.combined.log",
        format: Format::Combined,
        fire: &[],
        limited: COMBINED_LIMITED,
        low: &[],
    },
    Case {
        file: "tight-polling.nginx.log",
        format: Format::Nginx,
        fire: &["tight-polling"],
        limited: NGINX_NO_HEADERS,
        low: &["tight-polling"],
    },
    Case {
        file: "tight-polling.combined.log",
        format: Format::Combined,
        fire: &["tight-polling"],
        limited: COMBINED_LIMITED,
        low: &["tight-polling"],
    },
    // Retry-After is not logged, so the wait after each 429 is inferred.
    Case {
        file: "retry-without-backoff.nginx.log",
        format: Format::Nginx,
        fire: &["retry-without-backoff", "retry-after-ignored"],
        limited: NGINX_NO_HEADERS,
        low: &["retry-after-ignored"],
    },
    // Gaps of 200 ms round to 0 or 1 s, so the backoff shape cannot be judged. The same
    // request sent again in the 429's second is an inferred early retry.
    Case {
        file: "retry-without-backoff.combined.log",
        format: Format::Combined,
        fire: &["retry-after-ignored"],
        limited: COMBINED_LIMITED,
        low: &["retry-after-ignored"],
    },
    Case {
        file: "n-plus-one.nginx.log",
        format: Format::Nginx,
        fire: &["n-plus-one"],
        limited: NGINX_LIMITED,
        low: &["n-plus-one"],
    },
    Case {
        file: "n-plus-one.combined.log",
        format: Format::Combined,
        fire: &["n-plus-one"],
        limited: COMBINED_LIMITED,
        low: &["n-plus-one"],
    },
    Case {
        file: "endpoint-hotspot.nginx.log",
        format: Format::Nginx,
        fire: &["endpoint-hotspot"],
        limited: NGINX_LIMITED,
        low: &["endpoint-hotspot"],
    },
    // Without the limit headers and without a profile for the host, no limit is known.
    Case {
        file: "endpoint-hotspot.combined.log",
        format: Format::Combined,
        fire: &[],
        limited: COMBINED_LIMITED,
        low: &[],
    },
    Case {
        file: "retry-after-ignored.nginx.log",
        format: Format::Nginx,
        fire: &["retry-after-ignored"],
        limited: NGINX_RETRY_AFTER_ONLY,
        low: &[],
    },
    // The early requests come 5 s and 12 s after the 429s: beyond the inferred wait.
    Case {
        file: "retry-after-ignored.combined.log",
        format: Format::Combined,
        fire: &[],
        limited: COMBINED_LIMITED,
        low: &[],
    },
    Case {
        file: "bulk-operation-flood.nginx.log",
        format: Format::Nginx,
        fire: &["bulk-operation-flood"],
        limited: NGINX_LIMITED,
        low: &[],
    },
    Case {
        file: "bulk-operation-flood.combined.log",
        format: Format::Combined,
        fire: &["bulk-operation-flood"],
        limited: COMBINED_LIMITED,
        low: &["bulk-operation-flood"],
    },
    // GitHub's `X-RateLimit-*` headers are not in the format, so nothing shows the
    // quota running out.
    Case {
        file: "remaining-quota-ignored.nginx.log",
        format: Format::Nginx,
        fire: &[],
        limited: NGINX_NO_HEADERS,
        low: &[],
    },
    Case {
        file: "remaining-quota-ignored.combined.log",
        format: Format::Combined,
        fire: &[],
        limited: COMBINED_LIMITED,
        low: &[],
    },
    Case {
        file: "clean.nginx.log",
        format: Format::Nginx,
        fire: &[],
        limited: NGINX_RETRY_AFTER_ONLY,
        low: &[],
    },
    Case {
        file: "clean.combined.log",
        format: Format::Combined,
        fire: &[],
        limited: COMBINED_LIMITED,
        low: &[],
    },
];

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logs")
        .join(file)
}

fn analyze(exchanges: &[Exchange], inputs: Vec<InputSummary>) -> Analysis {
    let rules = rules::builtin_rules().expect("built-in rules load");
    let profiles = Profiles::builtin().expect("built-in profiles load");
    analyze::analyze_exchanges(exchanges, inputs, &rules, &profiles)
}

/// Checks one analysis against its case, naming the file in every failure.
fn check_case(case: &Case, analysis: &Analysis) {
    let file = case.file;
    for rule in rules::RULE_NAMES {
        let fired = analysis.findings.iter().any(|f| f.rule == rule);
        let expected = case.fire.contains(&rule);
        assert_eq!(fired, expected, "{file}: rule {rule} fired: {fired}");

        let limited = analysis.limitations.iter().any(|l| l.rule == rule);
        let expected = case.limited.contains(&rule);
        assert_eq!(limited, expected, "{file}: rule {rule} limited: {limited}");
    }
    for finding in &analysis.findings {
        let expected = if case.low.contains(&finding.rule) {
            Confidence::Low
        } else {
            Confidence::High
        };
        assert_eq!(
            finding.confidence, expected,
            "{file}: confidence of {}: {}",
            finding.rule, finding.message
        );
    }
}

// ---------------------------------------------------------------------------------
// The small reader

/// Splits a log line into fields: bracketed and quoted fields as one field each.
fn split_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line.trim_end();
    while !rest.is_empty() {
        let (field, tail) = match rest.as_bytes()[0] {
            b'"' => {
                let end = rest[1..].find('"').map_or(rest.len(), |i| i + 1);
                (&rest[1..end], rest.get(end + 1..).unwrap_or(""))
            }
            b'[' => {
                let end = rest.find(']').unwrap_or(rest.len());
                (&rest[1..end], rest.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = rest.find(' ').unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        fields.push(field);
        rest = tail.trim_start();
    }
    fields
}

/// Parses `24/Mar/2026:09:00:01 +0000` (UTC only) into epoch seconds.
fn clf_seconds(text: &str) -> i64 {
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    assert!(text.ends_with(" +0000"), "UTC times only: {text}");
    let number = |range: std::ops::Range<usize>| -> i64 { text[range].parse().expect("digits") };
    let day = number(0..2);
    let month = months
        .iter()
        .position(|m| *m == &text[3..6])
        .expect("month name") as i64
        + 1;
    let year = number(7..11);
    // Days from the civil date, after Howard Hinnant's `days_from_civil`.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + number(12..14) * 3_600 + number(15..17) * 60 + number(18..20)
}

/// Parses `1774342801.238` into microseconds.
fn decimal_seconds_micros(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let whole: i64 = whole.parse().expect("whole seconds");
    let millis: i64 = format!("{fraction:0<3}")[..3]
        .parse()
        .expect("milliseconds");
    whole * 1_000_000 + millis * 1_000
}

/// Reads one fixture in `format` the way the log parsers are meant to: the client is
/// the first X-Forwarded-For hop, else the peer address, and every line is an API call
/// to one host.
fn read_simple(path: &Path, format: Format, input: u32) -> Vec<Exchange> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let mut exchanges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields = split_fields(line);
        let request: Vec<&str> = fields[4].split(' ').collect();
        let status: u16 = fields[5].parse().expect("status");
        let size: u64 = fields[6].parse().unwrap_or(0);
        let mut built = exchange(request[0], request[1], 0).status(status).build();
        built.source = Source {
            input,
            position: Position::Line(index as u64 + 1),
        };
        built.response_size = Some(size);
        built.response_hash = None;
        let logged_seconds = clf_seconds(fields[3]);
        let mut headers: Vec<(&str, &str)> = Vec::new();
        match format {
            Format::Combined => {
                built.client = fields[0].into();
                built.start = Timestamp::from_micros(logged_seconds * 1_000_000);
                built.start_origin = StartOrigin::Recorded;
                built.precision = TimePrecision::Seconds;
                built.duration_us = None;
            }
            Format::Nginx => {
                let forwarded = fields[9].split(',').next().unwrap_or("-").trim();
                built.client = if forwarded == "-" {
                    fields[0]
                } else {
                    forwarded
                }
                .into();
                let end = decimal_seconds_micros(fields[10]);
                let duration = decimal_seconds_micros(fields[11]);
                built.start = Timestamp::from_micros(end - duration);
                built.start_origin = StartOrigin::EndMinusDuration;
                built.precision = TimePrecision::Milliseconds;
                built.duration_us = Some(duration);
                let names = [
                    "Retry-After",
                    "X-Rate-Limit-Limit",
                    "X-Rate-Limit-Remaining",
                    "X-Rate-Limit-Reset",
                ];
                for (name, value) in names.into_iter().zip(&fields[12..16]) {
                    if *value != "-" {
                        headers.push((name, value));
                    }
                }
            }
        }
        built.signals = RateLimitSignals::from_response(status, &headers, None, built.end());
        exchanges.push(built);
    }
    exchanges
}

fn summary(path: &Path, exchanges: &[Exchange]) -> InputSummary {
    InputSummary {
        path: path.display().to_string(),
        records: exchanges.len() as u64,
        exchanges: exchanges.len() as u64,
        ..InputSummary::default()
    }
}

fn analyze_simple(path: &Path, format: Format) -> Analysis {
    let mut exchanges = read_simple(path, format, 0);
    ratelint::model::sort_exchanges(&mut exchanges);
    let inputs = vec![summary(path, &exchanges)];
    analyze(&exchanges, inputs)
}

#[test]
fn fixtures_fire_expected_rules() {
    for case in CASES {
        check_case(case, &analyze_simple(&fixture(case.file), case.format));
    }
}

/// Expectations for samples/nginx-api.log: one client per rule that fires.
const GATEWAY_FINDINGS: [(&str, &str); 4] = [
    ("retry-after-ignored", "203.0.113.21"),
    ("concurrency-burst", "198.51.100.14"),
    ("tight-polling", "192.0.2.44"),
    ("bulk-operation-flood", "198.51.100.77"),
];

/// Clients of the gateway sample that must stay quiet.
const QUIET_CLIENTS: [&str; 4] = [
    "203.0.113.50",
    "198.51.100.30",
    "198.51.100.31",
    "192.0.2.80",
];

fn gateway_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/nginx-api.log")
}

fn check_gateway(analysis: &Analysis) {
    for (rule, client) in GATEWAY_FINDINGS {
        let clients: Vec<&str> = analysis
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| &*f.client)
            .collect();
        assert_eq!(clients, [client], "clients of {rule}");
    }
    for client in QUIET_CLIENTS {
        let rules: Vec<&str> = analysis
            .findings
            .iter()
            .filter(|f| &*f.client == client)
            .map(|f| f.rule)
            .collect();
        assert!(rules.is_empty(), "quiet client {client} fired {rules:?}");
    }
    assert_eq!(analysis.findings.len(), 4, "findings of the gateway sample");
}

#[test]
fn gateway_sample_one_rule_per_client() {
    let path = gateway_sample();
    check_gateway(&analyze_simple(&path, Format::Nginx));
}

#[test]
fn gateway_sample_limitations() {
    let analysis = analyze_simple(&gateway_sample(), Format::Nginx);
    let limited: Vec<&str> = analysis.limitations.iter().map(|l| l.rule).collect();
    assert_eq!(limited, ["tight-polling", "n-plus-one"]);
}

#[test]
fn combined_limitation_wording() {
    let analysis = analyze_simple(&fixture("concurrency-burst.combined.log"), Format::Combined);
    let burst = analysis
        .limitations
        .iter()
        .find(|l| l.rule == "concurrency-burst")
        .expect("concurrency-burst is limited");
    assert!(burst.inputs[0].ends_with("concurrency-burst.combined.log"));
    assert!(burst.reason.contains("record their start but no duration"));
}

#[test]
fn inferred_wait_says_not_logged() {
    let analysis = analyze_simple(
        &fixture("retry-without-backoff.combined.log"),
        Format::Combined,
    );
    let finding = analysis
        .findings
        .iter()
        .find(|f| f.rule == "retry-after-ignored")
        .expect("retry-after-ignored fires");
    assert_eq!(finding.confidence, Confidence::Low);
    assert!(finding.message.contains("Retry-After was not logged"));
}

// ---------------------------------------------------------------------------------
// Through ratelint's log parsers

fn analyze_with_parsers(path: &Path, format: Format) -> Analysis {
    use ratelint::ingest::input::{FormatChoice, InputOptions};
    use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};

    // The nginx directive comes from the `<log>.format` file next to the log.
    let (name, log_format) = match format {
        Format::Nginx => {
            let mut sidecar = path.as_os_str().to_owned();
            sidecar.push(".format");
            let directive = std::fs::read_to_string(&sidecar).expect("format file");
            (LogFormatName::Nginx, Some(directive.trim().to_string()))
        }
        Format::Combined => (LogFormatName::Combined, None),
    };
    let options = InputOptions {
        format: FormatChoice::Log(name),
        format_options: FormatOptions {
            log_format,
            ..FormatOptions::default()
        },
        ..InputOptions::default()
    };
    let input = analyze::InputPath::File(path.to_path_buf());
    let (exchanges, inputs) = analyze::load_inputs(&[input], &options);
    assert!(
        inputs[0].error.is_none(),
        "{}: {:?}",
        path.display(),
        inputs[0].error
    );
    analyze(&exchanges, inputs)
}

#[test]
fn parsed_fixtures_fire_expected_rules() {
    for case in CASES {
        check_case(
            case,
            &analyze_with_parsers(&fixture(case.file), case.format),
        );
    }
}

#[test]
fn parsed_gateway_one_rule_per_client() {
    check_gateway(&analyze_with_parsers(&gateway_sample(), Format::Nginx));
}
