//! Reads the cloud and proxy access logs of the corpus (set `RATELINT_CORPUS` to its
//! folder) and checks what each parser makes of every line.
//!
//! Every test is ignored by default because the corpus is not part of the repository.
//! Run them with `RATELINT_CORPUS=/path/to/corpus cargo test --test corpus_cloud_proxy
//! -- --ignored`. A missing or unset path fails the tests instead of passing them.

mod common;

use std::path::PathBuf;

use ratelint::ingest::log::cloud::{AwsAlb, AwsElb, W3c};
use ratelint::ingest::log::proxy::{Envoy, Haproxy};
use ratelint::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};
use ratelint::model::{Throttle, TimePrecision};

fn corpus_logs_dir() -> PathBuf {
    common::corpus_dir("logs")
}

fn corpus_log(name: &str) -> Vec<u8> {
    let path = corpus_logs_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("cannot read {}: {error}", path.display()),
    }
}

/// A record with its borrowed values copied, so that it outlives the file's bytes.
#[derive(Debug)]
struct Entry {
    line: usize,
    time: String,
    logged_time: LoggedTime,
    precision: TimePrecision,
    duration_us: Option<i64>,
    client_addr: Option<String>,
    forwarded_for: Option<String>,
    user_agent: Option<String>,
    method: String,
    scheme: Option<String>,
    host: Option<String>,
    target: String,
    status: u16,
    response_size: Option<u64>,
    throttle: Option<Throttle>,
    fields: Vec<(String, String)>,
}

impl Entry {
    fn new(line: usize, record: &LogRecord<'_>) -> Self {
        let owned = |value: &Option<std::borrow::Cow<'_, str>>| value.as_deref().map(str::to_owned);
        Entry {
            line,
            time: record.time.to_rfc3339_millis(),
            logged_time: record.logged_time,
            precision: record.precision,
            duration_us: record.duration_us,
            client_addr: owned(&record.client_addr),
            forwarded_for: owned(&record.forwarded_for),
            user_agent: owned(&record.user_agent),
            method: record.method.to_string(),
            scheme: owned(&record.scheme),
            host: owned(&record.host),
            target: record.target.to_string(),
            status: record.status,
            response_size: record.response_size,
            throttle: record.throttle,
            fields: record
                .fields
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What a parser made of each line of a file; line numbers are one-based.
#[derive(Debug, Default)]
struct Outcomes {
    lines: usize,
    records: Vec<Entry>,
    not_access: Vec<usize>,
    blank: Vec<usize>,
    invalid: Vec<(usize, String)>,
}

impl Outcomes {
    fn entry(&self, line: usize) -> &Entry {
        match self.records.iter().find(|entry| entry.line == line) {
            Some(entry) => entry,
            None => panic!("line {line} is not a record: {self:#?}"),
        }
    }
}

fn parse_lines(
    bytes: &[u8],
    parser: &dyn LineParser,
    mut state: ParseState,
    first: usize,
) -> Outcomes {
    let mut outcomes = Outcomes::default();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return outcomes;
    }
    for (index, line) in body.split(|b| *b == b'\n').enumerate() {
        let number = first + index;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        outcomes.lines += 1;
        match parser.parse_line(line, &mut state) {
            LineOutcome::Record(record) => outcomes.records.push(Entry::new(number, &record)),
            LineOutcome::NotAccess => outcomes.not_access.push(number),
            LineOutcome::Blank => outcomes.blank.push(number),
            LineOutcome::Invalid(reason) => outcomes.invalid.push((number, reason.into_owned())),
        }
    }
    outcomes
}

fn parse_file(name: &str, parser: &dyn LineParser) -> Outcomes {
    let bytes = corpus_log(name);
    parse_lines(&bytes, parser, parser.state_before(&[]), 1)
}

fn lines_of(outcomes: &Outcomes) -> Vec<usize> {
    outcomes.records.iter().map(|entry| entry.line).collect()
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn alb_every_line_parses() {
    let outcomes = parse_file("beats_application-lb-http.log", &AwsAlb);
    assert_eq!(outcomes.lines, 11);
    assert_eq!(lines_of(&outcomes), (1..=11).collect::<Vec<_>>());
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    assert!(outcomes.not_access.is_empty());
    assert!(outcomes.blank.is_empty());
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn alb_unreached_target_lines() {
    let outcomes = parse_file("beats_application-lb-http.log", &AwsAlb);
    let first = outcomes.entry(1);
    assert_eq!(first.status, 460);
    assert_eq!(first.duration_us, None);
    assert_eq!(first.time, "2019-10-11T15:01:06.657Z");
    assert_eq!(first.logged_time, LoggedTime::Start);
    assert_eq!(first.precision, TimePrecision::Microseconds);
    assert_eq!(first.client_addr.as_deref(), Some("81.2.69.193"));
    assert_eq!(first.field("target_status_code"), None);
    for line in 2..=7 {
        let entry = outcomes.entry(line);
        assert_eq!(entry.status, 504, "line {line}");
        assert_eq!(entry.duration_us, None, "line {line}");
    }
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn alb_answered_lines() {
    let outcomes = parse_file("beats_application-lb-http.log", &AwsAlb);
    let entry = outcomes.entry(9);
    assert_eq!(entry.status, 200);
    assert_eq!(entry.duration_us, Some(2_000));
    assert_eq!(entry.time, "2019-10-11T15:55:11.352Z");
    assert_eq!(entry.method, "GET");
    assert_eq!(entry.scheme.as_deref(), Some("http"));
    assert_eq!(
        entry.host.as_deref(),
        Some("filebeat-aws-elb-test-12030537.eu-central-1.elb.amazonaws.com")
    );
    assert_eq!(entry.target, "/");
    assert_eq!(entry.response_size, Some(859));
    assert_eq!(entry.user_agent.as_deref(), Some("curl/7.58.0"));
    assert_eq!(entry.field("target_status_code"), Some("200"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn alb_extra_trailing_fields() {
    let outcomes = parse_file("beats_application-lb-http.log", &AwsAlb);
    let entry = outcomes.entry(11);
    assert_eq!(entry.time, "2018-07-02T22:22:48.364Z");
    assert_eq!(entry.host.as_deref(), Some("www.example.com"));
    assert_eq!(entry.client_addr.as_deref(), Some("192.168.131.39"));
    assert_eq!(entry.field("actions_executed"), Some("forward,redirect"));
    assert_eq!(entry.field("target:port_list"), Some("10.0.0.1:80"));
    assert_eq!(entry.field("target_status_code_list"), Some("200"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn alb_lines_out_of_order() {
    let outcomes = parse_file("beats_application-lb-http.log", &AwsAlb);
    // Line 2 started at 15:01:40 and line 3 at 15:01:12.
    assert!(outcomes.entry(2).time > outcomes.entry(3).time);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn elb_records_and_blank_end() {
    let outcomes = parse_file("beats_elb-http.log", &AwsElb);
    assert_eq!(outcomes.lines, 6);
    assert_eq!(lines_of(&outcomes), vec![1, 2, 3, 4, 5]);
    assert_eq!(outcomes.blank, vec![6]);
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    let entry = outcomes.entry(2);
    assert_eq!(entry.time, "2019-10-14T12:01:41.918Z");
    assert_eq!(entry.logged_time, LoggedTime::End);
    assert_eq!(entry.duration_us, Some(4_978));
    assert_eq!(entry.client_addr.as_deref(), Some("81.2.69.143"));
    assert_eq!(entry.host.as_deref(), Some("18.194.223.56"));
    assert_eq!(entry.status, 200);
    assert_eq!(entry.response_size, Some(612));
    assert_eq!(entry.field("backend:port"), Some("10.0.0.169:80"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn cloudfront_mixed_separators() {
    let outcomes = parse_file("integrations_test-cloudfront.log", &W3c::cloudfront());
    assert_eq!(outcomes.lines, 16);
    assert_eq!(outcomes.not_access, vec![1, 2]);
    assert_eq!(lines_of(&outcomes), (3..=16).collect::<Vec<_>>());
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    assert!(
        outcomes
            .records
            .iter()
            .all(|entry| entry.throttle.is_none())
    );

    // Line 3 is tab-separated, line 9 space-separated.
    let tabbed = outcomes.entry(3);
    assert_eq!(tabbed.time, "2019-12-04T21:02:31.000Z");
    assert_eq!(tabbed.logged_time, LoggedTime::End);
    assert_eq!(tabbed.precision, TimePrecision::Seconds);
    assert_eq!(tabbed.duration_us, Some(1_000));
    assert_eq!(tabbed.client_addr.as_deref(), Some("89.160.20.112"));
    assert_eq!(
        tabbed.host.as_deref(),
        Some("d111111abcdef8.cloudfront.net")
    );
    assert_eq!(tabbed.scheme.as_deref(), Some("https"));
    assert_eq!(tabbed.target, "/index.html");
    assert_eq!(tabbed.status, 200);
    assert_eq!(tabbed.response_size, Some(392));
    assert!(
        tabbed
            .user_agent
            .as_deref()
            .is_some_and(|agent| agent.starts_with("Mozilla/5.0 (Windows NT 10.0;"))
    );
    let spaced = outcomes.entry(9);
    assert_eq!(spaced.method, "POST");
    assert_eq!(spaced.target, "/getApplications?source=global");
    assert_eq!(spaced.host.as_deref(), Some("test.com"));
    assert_eq!(spaced.duration_us, Some(238_000));
    assert_eq!(spaced.field("x-edge-result-type"), Some("Miss"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn cloudfront_quirky_values() {
    let outcomes = parse_file("integrations_test-cloudfront.log", &W3c::cloudfront());
    assert_eq!(
        outcomes.entry(4).client_addr.as_deref(),
        Some("2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6")
    );

    assert_eq!(
        outcomes.entry(6).field("x-edge-detailed-result-type"),
        Some("OriginDnsError")
    );
    assert_eq!(outcomes.entry(6).status, 502);
    assert_eq!(outcomes.entry(10).status, 0);

    assert_eq!(
        outcomes.entry(11).forwarded_for.as_deref(),
        Some("81.2.69.142,216.160.83.56")
    );
    // Line 12 has a real space inside x-forwarded-for, and line 13 writes it as `\x20`.
    assert_eq!(
        outcomes.entry(12).forwarded_for.as_deref(),
        Some("81.2.69.142, 216.160.83.56")
    );
    assert_eq!(outcomes.entry(12).field("ssl-protocol"), Some("TLSv1.2"));
    assert_eq!(
        outcomes.entry(13).forwarded_for.as_deref(),
        Some("81.2.69.142, 216.160.83.56")
    );

    // Line 16's x-host-header is not a host name, so the distribution's domain is used.
    assert_eq!(
        outcomes.entry(16).host.as_deref(),
        Some("d111111abcdef8.cloudfront.net")
    );
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn iis_mangled_row_invalid() {
    let outcomes = parse_file("beats_test-iis-7.5.log", &W3c::iis());
    assert_eq!(outcomes.lines, 8);
    assert_eq!(outcomes.not_access, vec![1, 2, 3, 4]);
    assert_eq!(
        outcomes.invalid,
        vec![(5, "c-ip is not an IP address".to_owned())]
    );
    assert_eq!(lines_of(&outcomes), vec![6, 7, 8]);
    let entry = outcomes.entry(8);
    assert_eq!(entry.time, "2019-03-06T18:43:17.000Z");
    assert_eq!(entry.duration_us, Some(15_000));
    assert_eq!(
        entry.client_addr.as_deref(),
        Some("2001:cdba:0000:0000:0000:0000:3257:9652")
    );
    assert_eq!(entry.target, "/health-monitoring");
    assert_eq!(entry.status, 200);
    assert_eq!(entry.scheme.as_deref(), Some("http"));
    assert_eq!(entry.user_agent, None);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn iis_repeated_fields_header() {
    let outcomes = parse_file("lnav_logfile_w3c_big.0", &W3c::iis());
    assert_eq!(outcomes.lines, 254);
    assert_eq!(outcomes.not_access.len(), 44);
    assert_eq!(outcomes.records.len(), 210);
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    let entry = outcomes.entry(5);
    assert_eq!(entry.time, "2015-01-13T00:32:17.000Z");
    assert_eq!(entry.client_addr.as_deref(), Some("157.55.39.146"));
    assert_eq!(entry.target, "/robots.txt");
    assert_eq!(entry.status, 404);
    assert_eq!(entry.response_size, Some(1405));
    assert_eq!(entry.duration_us, Some(283_000));
    assert_eq!(
        entry.user_agent.as_deref(),
        Some("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
    );
    assert_eq!(
        outcomes.entry(26).field("cs(Referer)"),
        Some("http://example.com")
    );
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn iis_chunks_match_whole_file() {
    let bytes = corpus_log("lnav_logfile_w3c_big.0");
    let parser = W3c::iis();
    let whole = parse_file("lnav_logfile_w3c_big.0", &parser);
    let mut line_starts = vec![0];
    line_starts.extend(
        memchr_positions(&bytes)
            .into_iter()
            .map(|i| i + 1)
            .filter(|i| *i < bytes.len()),
    );
    for (index, &start) in line_starts.iter().enumerate() {
        let state = parser.state_before(&bytes[..start]);
        let chunk = parse_lines(&bytes[start..], &parser, state, index + 1);
        let expected: Vec<_> = whole
            .records
            .iter()
            .filter(|e| e.line > index)
            .map(|e| (e.line, e.target.clone(), e.status))
            .collect();
        let found: Vec<_> = chunk
            .records
            .iter()
            .map(|e| (e.line, e.target.clone(), e.status))
            .collect();
        assert_eq!(found, expected, "chunk starting at line {}", index + 1);
        assert!(
            chunk.invalid.is_empty(),
            "chunk at line {}: {:?}",
            index + 1,
            chunk.invalid
        );
    }
}

fn memchr_positions(bytes: &[u8]) -> Vec<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn envoy_tcp_row_and_flags() {
    let outcomes = parse_file("beats_envoy.log", &Envoy);
    assert_eq!(outcomes.lines, 4);
    assert_eq!(outcomes.not_access, vec![1]);
    assert_eq!(lines_of(&outcomes), vec![2, 3, 4]);
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    let entry = outcomes.entry(2);
    assert_eq!(entry.time, "2019-04-08T16:16:55.931Z");
    assert_eq!(entry.logged_time, LoggedTime::Start);
    assert_eq!(entry.precision, TimePrecision::Milliseconds);
    assert_eq!(entry.duration_us, Some(5_000));
    assert_eq!(entry.target, "/service/1");
    assert_eq!(entry.host.as_deref(), Some("localhost:8000"));
    assert_eq!(entry.response_size, Some(89));
    assert_eq!(entry.forwarded_for, None);
    let no_route = outcomes.entry(3);
    assert_eq!(no_route.status, 404);
    assert_eq!(no_route.field("response_flags"), Some("NR"));
    assert_eq!(no_route.throttle, None);
    assert_eq!(no_route.forwarded_for.as_deref(), Some("172.17.0.3"));
    assert_eq!(outcomes.entry(4).status, 301);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn haproxy_syslog_mix() {
    let outcomes = parse_file("lnav_logfile_haproxy.0", &Haproxy);
    assert_eq!(outcomes.lines, 17);
    // Three startup messages and one TLS handshake failure.
    assert_eq!(outcomes.not_access, vec![1, 2, 3, 14]);
    assert_eq!(outcomes.records.len(), 13);
    assert!(outcomes.invalid.is_empty(), "{:?}", outcomes.invalid);
    let entry = outcomes.entry(9);
    assert_eq!(entry.time, "2019-02-25T16:20:06.321Z");
    assert_eq!(entry.logged_time, LoggedTime::Start);
    assert_eq!(entry.precision, TimePrecision::Milliseconds);
    assert_eq!(entry.duration_us, Some(2_707_000));
    assert_eq!(entry.client_addr.as_deref(), Some("89.247.124.65"));
    assert_eq!(entry.method, "GET");
    assert_eq!(
        entry.target,
        "/portal/?Script=934&onlinetest=korrektur&anm=13915&currentPage=0"
    );
    assert_eq!(entry.scheme.as_deref(), Some("https"));
    assert_eq!(entry.status, 200);
    assert_eq!(entry.response_size, Some(26170));
    assert_eq!(entry.field("backend_name"), Some("bk_ktest_kt"));
    assert_eq!(entry.field("termination_state"), Some("----"));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn other_formats_never_panic() {
    let dir = corpus_logs_dir();
    let parsers: [&dyn LineParser; 6] = [
        &AwsAlb,
        &AwsElb,
        &W3c::cloudfront(),
        &W3c::iis(),
        &Envoy,
        &Haproxy,
    ];
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    let mut files = 0;
    for entry in entries.flatten() {
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        files += 1;
        for parser in parsers {
            let _ = parse_lines(&bytes, parser, parser.state_before(&[]), 1);
        }
    }
    assert!(files >= 7, "{} holds only {files} files", dir.display());
}
