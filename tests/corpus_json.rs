//! Reads the JSON logs of the corpus (set `RATELINT_CORPUS` to its folder).
//!
//! Every test is ignored by default because the corpus is not part of the repository.
//! Run them with `RATELINT_CORPUS=/path/to/corpus cargo test --test corpus_json --
//! --ignored`. A missing or unset path fails the tests instead of passing them.

mod common;

use std::path::PathBuf;

use ratelint::ingest::log::json::{
    Caddy, Cloudflare, FieldMapping, JsonLines, looks_like_okta_system_log,
};
use ratelint::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};
use ratelint::model::TimePrecision;

fn corpus_logs_dir() -> PathBuf {
    common::corpus_dir("logs")
}

fn read_bytes(name: &str) -> Vec<u8> {
    let path = corpus_logs_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("cannot read {}: {error}", path.display()),
    }
}

/// Splits a file into lines without terminators, as the log driver does.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect();
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

/// Outcomes of every line, with one-based line numbers.
fn parse_all<'a>(parser: &dyn LineParser, bytes: &'a [u8]) -> Vec<(usize, LineOutcome<'a>)> {
    let mut state = ParseState::default();
    lines(bytes)
        .into_iter()
        .enumerate()
        .map(|(index, line)| (index + 1, parser.parse_line(line, &mut state)))
        .collect()
}

fn records<'a>(outcomes: &'a [(usize, LineOutcome<'a>)]) -> Vec<(usize, &'a LogRecord<'a>)> {
    outcomes
        .iter()
        .filter_map(|(number, outcome)| match outcome {
            LineOutcome::Record(record) => Some((*number, record)),
            _ => None,
        })
        .collect()
}

fn count(outcomes: &[(usize, LineOutcome<'_>)], wanted: fn(&LineOutcome<'_>) -> bool) -> usize {
    outcomes
        .iter()
        .filter(|(_, outcome)| wanted(outcome))
        .count()
}

fn invalid_reasons(outcomes: &[(usize, LineOutcome<'_>)]) -> Vec<(usize, String)> {
    outcomes
        .iter()
        .filter_map(|(number, outcome)| match outcome {
            LineOutcome::Invalid(reason) => Some((*number, reason.to_string())),
            _ => None,
        })
        .collect()
}

const FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0";

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn caddy_corpus_line_counts() {
    let bytes = read_bytes("lnav_logfile_caddy_log.0");
    let outcomes = parse_all(&Caddy, &bytes);
    assert_eq!(outcomes.len(), 39);
    assert_eq!(count(&outcomes, |o| matches!(o, LineOutcome::Record(_))), 4);
    assert_eq!(
        count(&outcomes, |o| matches!(o, LineOutcome::NotAccess)),
        35
    );
    assert_eq!(invalid_reasons(&outcomes), Vec::new());
    assert_eq!(count(&outcomes, |o| matches!(o, LineOutcome::Blank)), 0);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn caddy_corpus_access_lines() {
    let bytes = read_bytes("lnav_logfile_caddy_log.0");
    let outcomes = parse_all(&Caddy, &bytes);
    let found = records(&outcomes);
    let numbers: Vec<usize> = found.iter().map(|(number, _)| *number).collect();
    assert_eq!(numbers, vec![16, 37, 38, 39]);

    let first = found[0].1;
    assert_eq!(first.time.micros(), 1_761_019_828_615_395);
    assert_eq!(first.logged_time, LoggedTime::End);
    assert_eq!(first.precision, TimePrecision::Microseconds);
    assert_eq!(first.duration_us, Some(1_674));
    assert_eq!(first.client_addr.as_deref(), Some("172.19.0.1"));
    assert_eq!(first.method, "GET");
    assert_eq!(first.scheme.as_deref(), Some("http"));
    assert_eq!(first.host.as_deref(), Some("localhost"));
    assert_eq!(first.target, "/");
    assert_eq!(first.status, 304);
    assert_eq!(first.response_size, Some(0));
    assert_eq!(first.user_agent.as_deref(), Some(FIREFOX));
    assert!(first.forwarded_for.is_none());
    assert!(first.throttle.is_none());

    let last = found[3].1;
    assert_eq!(last.time.micros(), 1_761_019_957_924_754);
    assert_eq!(last.duration_us, Some(73));
    assert_eq!(last.target, "/index.html");
    assert_eq!(last.status, 200);
    assert_eq!(last.response_size, Some(188));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn caddy_corpus_headers() {
    let bytes = read_bytes("lnav_logfile_caddy_log.0");
    let outcomes = parse_all(&Caddy, &bytes);
    let found = records(&outcomes);
    let last = found[3].1;
    let header = |name: &str| {
        last.response_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_string())
    };
    assert_eq!(last.response_headers.len(), 7);
    assert_eq!(header("Content-Length").as_deref(), Some("188"));
    assert_eq!(header("Server").as_deref(), Some("Caddy"));
    for (_, record) in &found {
        let cookie = record.request_headers.iter().find(|(n, _)| n == "Cookie");
        assert!(cookie.is_none(), "the Cookie header must be dropped");
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn cloudflare_corpus_record() {
    let bytes = read_bytes("lnav_logfile_cloudflare.json");
    let outcomes = parse_all(&Cloudflare, &bytes);
    assert_eq!(outcomes.len(), 1);
    let found = records(&outcomes);
    assert_eq!(found.len(), 1);
    let record = found[0].1;
    assert_eq!(record.time.micros(), 1_667_088_002_000_000);
    assert_eq!(record.logged_time, LoggedTime::Start);
    assert_eq!(record.precision, TimePrecision::Seconds);
    assert_eq!(record.duration_us, Some(0));
    assert_eq!(record.client_addr.as_deref(), Some("87.226.160.250"));
    assert_eq!(record.host.as_deref(), Some("www.ripe.net"));
    assert_eq!(record.method, "HEAD");
    assert_eq!(record.target, "/");
    assert_eq!(record.scheme.as_deref(), Some("http"));
    assert_eq!(record.status, 301);
    assert_eq!(record.response_size, Some(570));
    assert!(record.user_agent.is_none());
    assert!(record.throttle.is_none());
    let ray = record.fields.iter().find(|(n, _)| n == "RayID");
    assert_eq!(ray.map(|(_, v)| v.as_ref()), Some("761fde4e984e5ab2"));
}

fn cloudflare_mapping() -> JsonLines {
    let options: Vec<String> = [
        "start_time=EdgeStartTimestamp",
        "method=ClientRequestMethod",
        "url=ClientRequestURI",
        "host=ClientRequestHost",
        "status=EdgeResponseStatus",
        "client=ClientIP",
        "bytes=EdgeResponseBytes",
        "user_agent=ClientRequestUserAgent",
    ]
    .iter()
    .map(|option| option.to_string())
    .collect();
    let mapping = match FieldMapping::parse(&options) {
        Ok(mapping) => mapping,
        Err(error) => panic!("mapping rejected: {error}"),
    };
    match JsonLines::new(mapping) {
        Ok(parser) => parser,
        Err(error) => panic!("parser rejected: {error}"),
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn mapping_reads_cloudflare_corpus() {
    let bytes = read_bytes("lnav_logfile_cloudflare.json");
    let parser = cloudflare_mapping();
    let outcomes = parse_all(&parser, &bytes);
    let found = records(&outcomes);
    assert_eq!(found.len(), 1);
    let record = found[0].1;
    assert_eq!(record.time.micros(), 1_667_088_002_000_000);
    assert_eq!(record.logged_time, LoggedTime::Start);
    assert_eq!(record.precision, TimePrecision::Seconds);
    assert_eq!(record.client_addr.as_deref(), Some("87.226.160.250"));
    assert_eq!(record.host.as_deref(), Some("www.ripe.net"));
    assert_eq!(record.method, "HEAD");
    assert_eq!(record.target, "/");
    assert_eq!(record.status, 301);
    assert_eq!(record.response_size, Some(570));
    assert!(record.user_agent.is_none(), "an empty value is absent");
    let ray = record.fields.iter().find(|(n, _)| n == "RayID");
    assert_eq!(ray.map(|(_, v)| v.as_ref()), Some("761fde4e984e5ab2"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn okta_corpus_detected() {
    let bytes = read_bytes("integrations_test-okta-system-events.log");
    let all = lines(&bytes);
    assert_eq!(all.len(), 24);
    for (index, line) in all.iter().enumerate() {
        assert!(looks_like_okta_system_log(line), "line {}", index + 1);
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn okta_corpus_invalid_everywhere() {
    let bytes = read_bytes("integrations_test-okta-system-events.log");
    let mapping = cloudflare_mapping();
    let parsers: [&dyn LineParser; 3] = [&Caddy, &Cloudflare, &mapping];
    for parser in parsers {
        let outcomes = parse_all(parser, &bytes);
        let invalid = invalid_reasons(&outcomes);
        assert_eq!(invalid.len(), 24, "{}", parser.name());
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn json_parsers_reject_caddy_prefix() {
    let bytes = read_bytes("lnav_logfile_caddy_log.0");
    let mapping = cloudflare_mapping();
    let parsers: [&dyn LineParser; 2] = [&Cloudflare, &mapping];
    for parser in parsers {
        let outcomes = parse_all(parser, &bytes);
        let invalid = invalid_reasons(&outcomes);
        assert_eq!(invalid.len(), 39, "{}", parser.name());
        assert_eq!(
            invalid[0].1,
            "line is not a JSON object",
            "{}",
            parser.name()
        );
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn other_corpus_logs_not_okta() {
    for name in ["lnav_logfile_caddy_log.0", "lnav_logfile_cloudflare.json"] {
        let bytes = read_bytes(name);
        for line in lines(&bytes) {
            assert!(!looks_like_okta_system_log(line), "{name}");
        }
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn text_logs_give_no_json_records() {
    let json_files = [
        "lnav_logfile_caddy_log.0",
        "lnav_logfile_cloudflare.json",
        "integrations_test-okta-system-events.log",
    ];
    let dir = corpus_logs_dir();
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(error) => panic!("cannot list {}: {error}", dir.display()),
    };
    names.retain(|name| !json_files.contains(&name.as_str()));
    names.sort();
    assert!(names.len() >= 10, "expected the text logs, found {names:?}");

    let mapping = cloudflare_mapping();
    let parsers: [&dyn LineParser; 3] = [&Caddy, &Cloudflare, &mapping];
    for name in &names {
        let bytes = read_bytes(name);
        for parser in parsers {
            let outcomes = parse_all(parser, &bytes);
            let found = records(&outcomes).len();
            assert_eq!(found, 0, "{} read records from {name}", parser.name());
        }
    }
}
