//! Reads the real access logs of the corpus with the nginx and Apache format compilers
//! (set `RATELINT_CORPUS` to the corpus folder).
//!
//! Every test is ignored by default because the corpus is not part of the repository.
//! Run them with
//! `RATELINT_CORPUS=/path/to/corpus cargo test --test corpus_format_strings -- --ignored`.
//! A missing or unset path fails the tests instead of passing them.

mod common;

use std::collections::BTreeMap;

use ratelint::ingest::log::apache::ApacheFormat;
use ratelint::ingest::log::nginx::NginxFormat;
use ratelint::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};
use ratelint::model::{TimePrecision, Timestamp};

fn corpus_log(name: &str) -> Vec<u8> {
    let path = common::corpus_dir("logs").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("cannot read {}: {error}", path.display()),
    }
}

/// Outcomes of one file: records by 1-based line number, invalid lines with reasons,
/// and the count of blank lines.
struct Parsed<'a> {
    lines: usize,
    records: BTreeMap<usize, LogRecord<'a>>,
    invalid: BTreeMap<usize, String>,
    blank: usize,
    not_access: usize,
}

fn parse_all<'a>(parser: &dyn LineParser, bytes: &'a [u8]) -> Parsed<'a> {
    let mut parsed = Parsed {
        lines: 0,
        records: BTreeMap::new(),
        invalid: BTreeMap::new(),
        blank: 0,
        not_access: 0,
    };
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut state = ParseState::default();
    for (index, line) in body.split(|byte| *byte == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        parsed.lines += 1;
        match parser.parse_line(line, &mut state) {
            LineOutcome::Record(record) => {
                parsed.records.insert(index + 1, record);
            }
            LineOutcome::Invalid(reason) => {
                parsed.invalid.insert(index + 1, reason.into_owned());
            }
            LineOutcome::Blank => parsed.blank += 1,
            LineOutcome::NotAccess => parsed.not_access += 1,
        }
    }
    parsed
}

fn status_counts(parsed: &Parsed<'_>) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for record in parsed.records.values() {
        *counts.entry(record.status).or_insert(0) += 1;
    }
    counts
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn shop_log_combined_trailing() {
    let bytes = corpus_log("lnav_shop_access_log.0");
    for parser in [
        &NginxFormat::combined() as &dyn LineParser,
        &ApacheFormat::combined() as &dyn LineParser,
    ] {
        let parsed = parse_all(parser, &bytes);
        assert_eq!(parsed.lines, 1000, "{}", parser.name());
        assert_eq!(
            parsed.records.len(),
            1000,
            "{}: {:?}",
            parser.name(),
            parsed.invalid
        );
        assert!(parsed.invalid.is_empty(), "{}", parser.name());
        let statuses = status_counts(&parsed);
        assert_eq!(statuses.get(&200), Some(&938));
        assert_eq!(statuses.get(&301), Some(&11));
        assert_eq!(statuses.get(&302), Some(&20));
        assert_eq!(statuses.get(&304), Some(&7));
        assert_eq!(statuses.get(&404), Some(&24));
    }

    let parsed = parse_all(&NginxFormat::combined(), &bytes);
    let first = &parsed.records[&1];
    // 03:56:14 at +0330 is 00:26:14 UTC on 2019-01-22.
    assert_eq!(first.time, Timestamp::from_micros(1_548_116_774_000_000));
    assert_eq!(first.logged_time, LoggedTime::End);
    assert_eq!(first.precision, TimePrecision::Seconds);
    assert_eq!(first.client_addr.as_deref(), Some("54.36.149.41"));
    assert_eq!(first.method, "GET");
    assert!(first.target.starts_with("/filter/27|13%20"));
    assert!(first.target.ends_with(",p53"));
    assert_eq!(first.response_size, Some(30577));
    assert_eq!(
        first.user_agent.as_deref(),
        Some("Mozilla/5.0 (compatible; AhrefsBot/6.1; +http://ahrefs.com/robot/)")
    );
    let head = parsed
        .records
        .values()
        .filter(|record| record.method == "HEAD")
        .count();
    assert_eq!(head, 10);
    let post = parsed
        .records
        .values()
        .filter(|record| record.method == "POST")
        .count();
    assert_eq!(post, 14);
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn elastic_apache_combined() {
    let bytes = corpus_log("elastic-examples_apache_logs");
    let parsed = parse_all(&ApacheFormat::combined(), &bytes);
    assert_eq!(parsed.lines, 10_000);
    assert_eq!(parsed.records.len(), 10_000, "{:?}", parsed.invalid);
    let statuses = status_counts(&parsed);
    let expected = [
        (200, 9126),
        (206, 45),
        (301, 164),
        (304, 445),
        (403, 2),
        (404, 213),
        (416, 2),
        (500, 3),
    ];
    for (status, count) in expected {
        assert_eq!(statuses.get(&status), Some(&count), "status {status}");
    }
    let first = &parsed.records[&1];
    assert_eq!(first.logged_time, LoggedTime::Start);
    assert_eq!(first.client_addr.as_deref(), Some("83.149.9.216"));
    assert_eq!(first.response_size, Some(203_023));
    assert_eq!(first.time, Timestamp::from_micros(1_431_857_103_000_000));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn elastic_unterminated_agent() {
    let bytes = corpus_log("elastic-examples_apache_logs");
    let text = String::from_utf8_lossy(&bytes);
    let Some(index) = text.lines().position(|line| line.matches('"').count() != 6) else {
        panic!("the corpus file has no line with an unterminated quote");
    };
    let parsed = parse_all(&ApacheFormat::combined(), &bytes);
    let record = &parsed.records[&(index + 1)];
    assert_eq!(
        record.user_agent.as_deref(),
        Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html")
    );
    assert_eq!(record.target, "/scripts/grok-py-test/configlib.py");
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn lnav_access_log_clean() {
    let bytes = corpus_log("lnav_logfile_access_log.0");
    let parsed = parse_all(&ApacheFormat::combined(), &bytes);
    assert_eq!(parsed.lines, 3);
    assert_eq!(parsed.records.len(), 3);
    let second = &parsed.records[&2];
    assert_eq!(second.status, 404);
    assert_eq!(second.target, "/vmw/vSphere/default/vmkboot.gz");
    assert_eq!(second.response_size, Some(46210));
    assert_eq!(second.user_agent.as_deref(), Some("gPXE/0.9.7"));
    assert_eq!(second.time, Timestamp::from_micros(1_248_130_769_000_000));
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn lnav_bad_access_log_short_row() {
    let bytes = corpus_log("lnav_logfile_bad_access_log.0");
    let parsed = parse_all(&ApacheFormat::combined(), &bytes);
    assert_eq!(parsed.lines, 3);
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.invalid.len(), 1);
    let reason = &parsed.invalid[&2];
    assert!(reason.contains("before %t"), "{reason}");
    assert!(
        !reason.contains("192.168"),
        "the reason must not quote the line: {reason}"
    );
}

#[test]
#[ignore = "needs RATELINT_CORPUS"]
fn ingress_controller_preset() {
    let bytes = corpus_log("beats_ingress_controller_test.log");
    let parsed = parse_all(&NginxFormat::ingress(), &bytes);
    assert_eq!(parsed.lines, 29);
    assert_eq!(parsed.records.len(), 29, "{:?}", parsed.invalid);

    // Line 5: a bad method that nginx rejected with 400, every upstream value `-`.
    let bad_method = &parsed.records[&5];
    assert_eq!(bad_method.method, "PATCHp");
    assert_eq!(bad_method.status, 400);
    assert_eq!(bad_method.duration_us, Some(0));
    assert_eq!(bad_method.user_agent, None);

    // Line 23: two upstreams; $request_time wins over the upstream sum.
    let two_upstreams = &parsed.records[&23];
    assert_eq!(two_upstreams.client_addr.as_deref(), Some("192.168.64.14"));
    assert_eq!(two_upstreams.duration_us, Some(1_000));
    let field = |name: &str| {
        two_upstreams
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.to_string())
    };
    assert_eq!(
        field("upstream_addr").as_deref(),
        Some("172.17.0.6:8080, 172.17.0.7:8080")
    );
    assert_eq!(
        field("upstream_response_time").as_deref(),
        Some("0.100, 0.004")
    );
    assert_eq!(field("upstream_status").as_deref(), Some("200, 203"));
    assert_eq!(
        field("req_id").as_deref(),
        Some("835136ae24486dbb4156dcbe21f5d402")
    );
    assert_eq!(
        field("proxy_upstream_name").as_deref(),
        Some("default-web2-8080")
    );

    // Line 24: a target with encoded spaces.
    assert_eq!(
        parsed.records[&24].target,
        "/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4"
    );

    // Line 25: an IPv6 peer and a remote user.
    let ipv6 = &parsed.records[&25];
    assert_eq!(ipv6.client_addr.as_deref(), Some("2a02:cf40::"));
    assert_eq!(ipv6.duration_us, Some(33_000));

    // Line 29: upstream lists with `-` items.
    let dashes = &parsed.records[&29];
    let upstream_time = dashes
        .fields
        .iter()
        .find(|(key, _)| key == "upstream_response_time")
        .map(|(_, value)| value.to_string());
    assert_eq!(upstream_time.as_deref(), Some("0.100, -"));
    assert_eq!(dashes.target, "/test/test.mp4");
}
